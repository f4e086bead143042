//! Arbitrary bytes as `template.yaml` through `overreach_iac::read` (what `overreach check`
//! does with each file of a checked folder): sniffing, the YAML parser (short-form tags,
//! anchors and aliases, block and flow styles), the CloudFormation reader and its intrinsics.
//! A set that was read must locate everything on line 1 or later of `template.yaml`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overreach_iac::InputFile;

#[path = "iac_common.rs"]
mod iac_common;

fuzz_target!(|data: &[u8]| {
    let files = [InputFile {
        path: "template.yaml".to_owned(),
        bytes: data.to_vec(),
    }];
    iac_common::read_and_check(&files);
});
