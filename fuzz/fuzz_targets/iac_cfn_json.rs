//! Arbitrary bytes as `template.json` through `overreach_iac::read`: sniffing (a `.json` file
//! may also be a snapshot or a Terraform plan), the JSON parser with positions, the
//! CloudFormation reader and its intrinsics (`cdk synth` output included). A set that was read
//! must locate everything on line 1 or later of `template.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overreach_iac::InputFile;

#[path = "iac_common.rs"]
mod iac_common;

fuzz_target!(|data: &[u8]| {
    let files = [InputFile {
        path: "template.json".to_owned(),
        bytes: data.to_vec(),
    }];
    iac_common::read_and_check(&files);
});
