//! Arbitrary bytes (lossy UTF-8) through `Config::parse` (what `--config FILE` does after
//! reading the file); a configuration that parses has its baselines built against the
//! embedded catalogue and managed policies, with every policy file it names given the same
//! small document.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use overreach_analysis::config::{Baselines, Config};
use overreach_policy::{Catalog, ManagedPolicies};

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = Config::parse(&text, "fuzz.toml") else {
        return;
    };
    let files: BTreeMap<String, String> = config
        .policy_files()
        .into_iter()
        .map(|f| (f.path, DOC.to_owned()))
        .collect();
    let _ = Baselines::build(
        &config,
        &files,
        Catalog::embedded(),
        ManagedPolicies::embedded(),
    );
});
