//! Report formats. The JSON report is a frozen, versioned wire type (`json.rs`, schema
//! `schema/report-v1.schema.json`); SARIF 2.1.0 for code scanning (`sarif.rs`); markdown for
//! pull-request comments (`markdown.rs`); one self-contained HTML page drawn from the JSON
//! report (`html.rs`); the table is for terminals and logs. `drift.rs` compares a run with a
//! previous JSON report (`--baseline`).

pub mod drift;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;
