//! Arbitrary bytes, as (lossy) UTF-8 text, into `parse_policy`; a parsed policy is then
//! summarised and evaluated.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(policy) = overreach_policy::parse_policy(&text) {
        common::exercise(policy);
    }
});
