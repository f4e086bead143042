//! The analysis of overreach: the permission graph of an account, principals' effective rights
//! across every policy layer and every hop, declared roles, and the findings where a principal
//! can do more than its role says.
//!
//! INVARIANT: this crate is a pure function of an account snapshot and a configuration handed
//! in as data: no I/O, no async, no clock (the date used for suppression expiry is an input).
pub mod access;
pub mod account;
pub mod analyze;
mod cache;
pub mod condensed;
pub mod config;
pub mod declared;
pub mod explain;
pub mod finding;
pub mod graph;
pub mod kind;
pub mod privesc;
pub mod rights;
pub mod rules;
pub mod suppress;
