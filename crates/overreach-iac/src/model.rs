//! The shared output of every reader: a snapshot plus where each part came from.

use std::collections::{BTreeMap, BTreeSet};

use overreach_snapshot::Snapshot;

/// One input file, read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The path shown to users and written to SARIF: relative to the repository (or the
    /// directory) checked, with `/` separators.
    pub path: String,
    /// The raw bytes.
    pub bytes: Vec<u8>,
}

/// What the readers need to know about the target account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `AWS::AccountId` / `data.aws_caller_identity` when not known otherwise.
    pub account_id: String,
    /// `AWS::Partition`.
    pub partition: String,
    /// `AWS::Region`.
    pub region: String,
    /// Template parameter values (`--parameter Name=Value`), winning over defaults.
    pub parameters: BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            account_id: "000000000000".into(),
            partition: "aws".into(),
            region: "us-east-1".into(),
            parameters: BTreeMap::new(),
        }
    }
}

/// A position in an input file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// [`InputFile::path`].
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based; 1 when unknown.
    pub column: u32,
}

/// Where a policy was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLocation {
    /// The policy (the resource, or the inline block).
    pub at: Location,
    /// The statements, by 0-based index in the document as the analysis sees it (a single
    /// statement object is index 0).
    pub statements: Vec<Location>,
}

/// Source positions, keyed by the ids the analysis reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    /// Principal (user, group, role) ARN → its resource.
    pub principals: BTreeMap<String, Location>,
    /// Policy id → where it was written. Ids are the analysis' (`overreach_analysis::account`):
    /// a managed policy's ARN, `OWNER_ARN#inline/NAME` for an inline policy (also one written as
    /// an `AWS::IAM::Policy` / `aws_iam_role_policy` resource), `ROLE_ARN#trust` for a trust
    /// policy.
    pub policies: BTreeMap<String, PolicyLocation>,
    /// (principal ARN, managed policy ARN) → where the attachment is written (the ARN in
    /// `ManagedPolicyArns`, an attachment resource): AWS managed policies have no statements
    /// in the input, so a grant they make is located at the attachment.
    pub attachments: BTreeMap<(String, String), Location>,
}

impl Locations {
    /// The position of statement `index` of policy `id`, else of the policy.
    pub fn statement(&self, id: &str, index: usize) -> Option<&Location> {
        let p = self.policies.get(id)?;
        p.statements.get(index).or(Some(&p.at))
    }
}

/// The kind of a [`Note`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteKind {
    /// A value the input does not determine; kept symbolic.
    Unresolved,
    /// A resource or construct the reader does not model (it may still grant access).
    Unsupported,
    /// A principal or policy referenced but not defined in the input (stubbed, or taken from
    /// the context snapshot).
    External,
    /// Anything else worth telling the reviewer.
    Warning,
}

impl NoteKind {
    /// `unresolved`, `unsupported`, `external`, `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Unresolved => "unresolved",
            NoteKind::Unsupported => "unsupported",
            NoteKind::External => "external",
            NoteKind::Warning => "warning",
        }
    }
}

/// Something a reader could not resolve or chose not to model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// What kind.
    pub kind: NoteKind,
    /// Where.
    pub location: Location,
    /// A lowercase sentence, user input in backticks.
    pub message: String,
}

/// Everything read from one side (base or head) of a check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IacSet {
    /// The principals and policies found. Managed AWS policies attached by ARN are not
    /// included (the analysis knows them).
    pub snapshot: Snapshot,
    /// Where they were written.
    pub locations: Locations,
    /// ARNs of principals that the input only references (e.g. `Roles: [existing-role]` on an
    /// `AWS::IAM::Policy`): present in [`IacSet::snapshot`] as stubs holding just what the
    /// input attaches to them, to be merged into the context snapshot's principal when there
    /// is one.
    pub stubs: BTreeSet<String>,
    /// What could not be resolved or modelled.
    pub notes: Vec<Note>,
    /// The files that were recognised, with their format (`cloudformation`, `terraform-plan`,
    /// `manifest`, `snapshot`); files not recognised are not listed.
    pub files: BTreeMap<String, &'static str>,
}

/// A file that is one of the formats but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct IacError {
    /// [`InputFile::path`].
    pub file: String,
    /// 1-based; 0 when the error is about the whole file.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// What is wrong and what to do, lowercase, user input in backticks.
    pub message: String,
}

/// The policy-string form of a value the input does not determine: the policy variable
/// `${unresolved:WHAT}`. `what` is sanitised so the variable stays one token (`}`, `,`, `$`,
/// `{`, `'`, `*`, `?` become `_`).
pub fn unresolved(what: &str) -> String {
    let clean: String = what
        .chars()
        .map(|c| match c {
            '}' | ',' | '$' | '{' | '\'' | '*' | '?' => '_',
            c if c.is_whitespace() => '_',
            c => c,
        })
        .collect();
    format!("${{unresolved:{clean}}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolved_is_one_variable() {
        assert_eq!(
            unresolved("GetAtt Bucket.Arn"),
            "${unresolved:GetAtt_Bucket.Arn}"
        );
        assert_eq!(unresolved("a}b,c*"), "${unresolved:a_b_c_}");
    }
}
