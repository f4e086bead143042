//! Report formats. The JSON report is a frozen, versioned wire type (`json.rs`); the table is
//! for terminals and logs.

pub mod json;
pub mod table;
