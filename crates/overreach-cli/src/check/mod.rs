//! `overreach check`: what a change to infrastructure as code does to every principal's
//! effective rights, judged against the declared roles.

pub mod diff;
pub mod report;
pub mod sources;
