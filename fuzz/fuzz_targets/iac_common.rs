//! Shared by the IaC targets: what must hold for a set that was read.

use overreach_iac::{IacSet, InputFile, Location};

/// Checks that every location in `set.locations` is on line 1 or later of one of `files`.
/// Nothing else is asserted: a read may succeed or fail, it must only not panic or hang.
pub fn check_locations(files: &[InputFile], set: &IacSet) {
    let check = |what: &str, at: &Location| {
        assert!(at.line >= 1, "{what} located at line 0: {at:?}");
        assert!(
            files.iter().any(|f| f.path == at.file),
            "{what} located in a file that is not an input: {at:?}"
        );
    };
    let locations = &set.locations;
    for (arn, at) in &locations.principals {
        check(&format!("principal `{arn}`"), at);
    }
    for (id, policy) in &locations.policies {
        check(&format!("policy `{id}`"), &policy.at);
        for (i, at) in policy.statements.iter().enumerate() {
            check(&format!("statement {i} of policy `{id}`"), at);
        }
    }
    for ((principal, policy), at) in &locations.attachments {
        check(&format!("attachment of `{policy}` to `{principal}`"), at);
    }
}

/// Reads `files` through `overreach_iac::read` with the default settings and checks the
/// locations of a set that was read.
#[allow(
    dead_code,
    reason = "`iac_terraform` calls `terraform::read` itself and does not use this"
)]
pub fn read_and_check(files: &[InputFile]) {
    if let Ok(set) = overreach_iac::read(files, &overreach_iac::Settings::default()) {
        check_locations(files, &set);
    }
}
