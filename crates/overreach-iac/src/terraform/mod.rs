//! Terraform plans as JSON (`terraform show -json plan.out`, format 1.x) → principals and
//! policies as they will be after apply.
//!
//! - [`plan`]: the resource instances of the after-apply view (deleted ones left out), with
//!   their `after_unknown` markers and configuration;
//! - [`resolve`]: values known only after apply, followed through the configuration's
//!   references (`role = aws_iam_role.x.id`, `policy = data.aws_iam_policy_document.d.json`),
//!   ARNs computed for IAM resources the plan creates;
//! - [`document`]: `aws_iam_policy_document` documents built from their blocks when their
//!   `json` is not known yet;
//! - [`build`]: the IAM resources into the snapshot;
//! - [`hcl`]: locating resources in the `.tf` sources, when they are among the input files.
//!
//! Locations: a plan has no source positions. A resource is located at its block in the `.tf`
//! sources when [`read_with_sources`] is given them and the block is found unambiguously, else
//! at the line of its `"address"` in the plan's `planned_values`. Statements of a policy taken
//! from an `aws_iam_policy_document` are located at that data source's `statement` blocks.

mod build;
mod document;
mod hcl;
pub(crate) mod jsonpos;
mod plan;
mod resolve;
pub(crate) mod snap;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use self::hcl::locate_in_tf_sources;
use crate::{IacError, IacSet, InputFile, Settings};

/// How much of a file [`sniff`] looks at: `terraform show -json` writes `format_version` and
/// `terraform_version` first.
const SNIFF_BYTES: usize = 4096;

/// True when `file` looks like `terraform show -json` output: a JSON object whose first bytes
/// hold `"format_version"` and `"terraform_version"`, or `"format_version"` and one of the
/// plan's sections.
pub fn sniff(file: &InputFile) -> bool {
    let head = &file.bytes[..file.bytes.len().min(SNIFF_BYTES)];
    let head = String::from_utf8_lossy(head);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if !head.starts_with('{') || !head.contains("\"format_version\"") {
        return false;
    }
    [
        "\"terraform_version\"",
        "\"planned_values\"",
        "\"resource_changes\"",
        "\"configuration\"",
    ]
    .iter()
    .any(|k| head.contains(k))
}

/// Reads the plan `file` into `set`, locating resources in the plan itself.
pub fn read(file: &InputFile, settings: &Settings, set: &mut IacSet) -> Result<(), IacError> {
    read_with_sources(file, &[], settings, set)
}

/// Reads the plan `file` into `set`, locating resources in the `.tf` files among `sources`
/// when found there (other files are ignored, so passing every input file is fine).
pub fn read_with_sources(
    file: &InputFile,
    sources: &[InputFile],
    settings: &Settings,
    set: &mut IacSet,
) -> Result<(), IacError> {
    let error = |line: usize, column: usize, message: String| IacError {
        file: file.path.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        message,
    };
    let text = std::str::from_utf8(&file.bytes).map_err(|_| {
        error(
            0,
            0,
            "the plan is not UTF-8 text; write it with `terraform show -json plan.out > plan.json`"
                .into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        error(e.line(), e.column(), format!("the plan is not valid JSON: {message}; write it with `terraform show -json plan.out > plan.json`"))
    })?;
    let Value::Object(root) = &value else {
        return Err(error(1, 1, "the plan must be a JSON object; write it with `terraform show -json plan.out > plan.json`".into()));
    };
    // scanned only for the error: the plan's own scan comes later
    let version_line = || {
        plan::address_lines(text)
            .get("format_version")
            .map_or(0, |p| p.line as usize)
    };
    match root.get("format_version") {
        Some(Value::String(v)) if v.split('.').next() == Some("1") => {}
        Some(Value::String(v)) => {
            return Err(error(version_line(), 1, format!("unsupported plan `format_version` `{v}`; overreach reads format 1.x, written by Terraform 0.12 and later (and OpenTofu)")));
        }
        Some(_) => return Err(error(version_line(), 1, "`format_version` must be a string such as `1.2`; write the plan with `terraform show -json`".into())),
        None => return Err(error(0, 0, "the file has no `format_version`; write the plan with `terraform show -json plan.out > plan.json`".into())),
    }
    let plan = plan::Plan::new(&file.path, text, &value)?;
    let resolver = resolve::Resolver::new(&plan, settings);
    build::Builder::new(&resolver, set, &file.path, sources).run()
}
