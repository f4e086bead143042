//! Arbitrary bytes as `plan.json` straight into `terraform::read` (what `overreach_iac::read`
//! runs on a file its sniffer takes for `terraform show -json` output), so that no input is
//! lost to the sniffer: JSON, `format_version`, the plan's resource instances, values known
//! after apply, references through the configuration, `aws_iam_policy_document` blocks, the
//! IAM resources and their positions in the plan. The sniffer runs too, on the same bytes. A
//! set that was read must locate everything on line 1 or later of `plan.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overreach_iac::{IacSet, InputFile, Settings, terraform};

#[path = "iac_common.rs"]
mod iac_common;

fuzz_target!(|data: &[u8]| {
    let file = InputFile {
        path: "plan.json".to_owned(),
        bytes: data.to_vec(),
    };
    let _ = terraform::sniff(&file);
    let mut set = IacSet::default();
    if terraform::read(&file, &Settings::default(), &mut set).is_ok() {
        iac_common::check_locations(std::slice::from_ref(&file), &set);
    }
});
