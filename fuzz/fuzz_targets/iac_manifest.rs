//! Arbitrary bytes split in two halves: the first as `overreach-manifest.toml`, the second as
//! the one policy file `policies/p.json`, both through `overreach_iac::read`: TOML, principal
//! entries, paths resolved against the manifest's folder, the policy document and its
//! statement positions (the policy file is sniffed like any other input too). A set that was
//! read must locate everything on line 1 or later of one of the two files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use overreach_iac::InputFile;

#[path = "iac_common.rs"]
mod iac_common;

fuzz_target!(|data: &[u8]| {
    let (manifest, policy) = data.split_at(data.len() / 2);
    let files = [
        InputFile {
            path: "overreach-manifest.toml".to_owned(),
            bytes: manifest.to_vec(),
        },
        InputFile {
            path: "policies/p.json".to_owned(),
            bytes: policy.to_vec(),
        },
    ];
    iac_common::read_and_check(&files);
});
