//! Infrastructure as code → account snapshot, with the source position of every principal,
//! policy and statement, for the pull-request check (`overreach check`).
//!
//! Readers:
//! - [`cfn`]: CloudFormation templates, JSON and YAML (short-form intrinsics), including
//!   `cdk synth` output;
//! - [`terraform`]: Terraform plans as JSON (`terraform show -json plan.out`);
//! - [`manifest`]: raw policy documents bound to principals by `overreach-manifest.toml`.
//!
//! [`read`] sniffs each file, runs the matching reader and merges everything into one
//! [`IacSet`]: a [`Snapshot`] (so the analysis runs unchanged), a [`Locations`] map from the ids
//! the analysis reports (principal ARNs, policy ids, statement indexes) back to file and line,
//! and [`Note`]s for what could not be resolved.
//!
//! INVARIANT: this crate is pure: it reads bytes handed in (the CLI reads directories and git
//! revisions); no file system, no network, no clock.
//!
//! INVARIANT: values a template does not determine (a `!GetAtt` of a resource outside IAM, a
//! parameter without default, a Terraform value known only after apply) are never guessed.
//! In policy strings they become the policy variable `${unresolved:WHAT}` (see [`unresolved`]),
//! which the policy engine treats as a request-time unknown, so the grants they take part in
//! come out *conditional*; elsewhere they become a [`Note`].

pub mod model;
pub mod overlay;
pub mod snapshot_input;

pub use crate::model::{
    IacError, IacSet, InputFile, Location, Locations, Note, NoteKind, PolicyLocation, Settings,
    unresolved,
};
pub mod cfn;
pub(crate) mod details;
pub(crate) mod json;
pub mod manifest;
pub mod terraform;
pub(crate) mod tree;
pub(crate) mod yaml;

/// Reads every recognised file of one side of a check into one set.
///
/// Files that are none of the formats are skipped (not listed in [`IacSet::files`]); files
/// that are one of them but cannot be read are errors, all of them returned, so the user sees
/// every broken file at once. Two files defining the same principal or managed policy (the
/// same ARN) are an error: which definition applies cannot be told, and letting one hide the
/// other could hide a grant (several environments in one repository: give each its own
/// `--account-id`, or check their folders separately).
pub fn read(files: &[InputFile], settings: &Settings) -> Result<IacSet, Vec<IacError>> {
    let mut set = IacSet::default();
    let mut errors = Vec::new();
    // manifests name policy files, so they are read after the sniffing pass, with all files
    let mut manifests = Vec::new();
    // ARN -> the file that defined it
    let mut defined_in: std::collections::BTreeMap<String, String> = Default::default();
    for file in files {
        let outcome = if snapshot_input::sniff(file) {
            set.files.insert(file.path.clone(), "snapshot");
            snapshot_input::read(file, &mut set)
        } else if cfn::sniff(file) {
            set.files.insert(file.path.clone(), "cloudformation");
            cfn::read(file, settings, &mut set)
        } else if terraform::sniff(file) {
            set.files.insert(file.path.clone(), "terraform-plan");
            terraform::read_with_sources(file, files, settings, &mut set)
        } else if manifest::sniff(file) {
            manifests.push(file);
            Ok(())
        } else {
            Ok(())
        };
        if let Err(e) = outcome {
            errors.push(e);
        }
        duplicates(&set, &file.path, &mut defined_in, &mut errors);
    }
    for file in manifests {
        set.files.insert(file.path.clone(), "manifest");
        if let Err(e) = manifest::read(file, files, settings, &mut set) {
            errors.push(e);
        }
        duplicates(&set, &file.path, &mut defined_in, &mut errors);
    }
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

/// After reading `file`: every ARN it defines that an earlier file defined too is an error.
fn duplicates(
    set: &IacSet,
    file: &str,
    defined_in: &mut std::collections::BTreeMap<String, String>,
    errors: &mut Vec<IacError>,
) {
    let mut defined: Vec<(String, Option<&Location>)> = overlay::defined(set)
        .into_iter()
        .map(|arn| {
            let at = set
                .locations
                .principals
                .get(&arn)
                .or_else(|| set.locations.policies.get(&arn).map(|p| &p.at));
            (arn, at)
        })
        .collect();
    defined.retain(|(_, at)| at.is_some_and(|l| l.file == file));
    for (arn, at) in defined {
        match defined_in.get(&arn) {
            Some(earlier) if earlier != file => errors.push(IacError {
                file: file.to_string(),
                line: at.map_or(0, |l| l.line),
                column: at.map_or(0, |l| l.column),
                message: format!(
                    "`{arn}` is also defined in `{earlier}`: the check cannot tell which applies; give each environment its own `--account-id` run or check the folders separately"
                ),
            }),
            _ => {
                defined_in.insert(arn, file.to_string());
            }
        }
    }
}
