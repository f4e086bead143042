//! Arbitrary bytes through `serde_json` into a `Value`, then `parse_policy_value` (the path
//! snapshots take); a parsed policy is then summarised and evaluated.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(policy) = overreach_policy::parse_policy_value(&value) {
        common::exercise(policy);
    }
});
