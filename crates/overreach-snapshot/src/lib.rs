//! The account snapshot: a versioned JSON superset of `aws iam get-account-authorization-details`.
//!
//! A file written by the AWS CLI loads as is; `overreach fetch` writes the same four AWS lists
//! (`UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`) plus optional sections of
//! its own: `overreach` (metadata and `format_version`), `Errors` (what could not be fetched),
//! `credential_signals`, `last_accessed` and `organization`.
//!
//! INVARIANT: this crate is pure: it parses bytes or a reader handed in and writes to a writer
//! handed in; no file system, no network, no async, no clock.
//!
//! ```
//! let json = br#"{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}"#;
//! let snapshot = overreach_snapshot::Snapshot::from_slice(json).unwrap();
//! assert!(snapshot.meta.is_none() && !snapshot.is_partial());
//! ```

mod document;
mod error;
mod extra;
mod iam;
mod serde_util;

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

pub use crate::document::{DocumentError, PolicyDocument};
pub use crate::error::LoadError;
pub use crate::extra::{
    AccessKey, AccessKeyLastUsed, ActionLastAccessed, CredentialSignals, FetchError,
    FetchErrorKind, Metadata, OrgAccount, OrgNode, OrgPolicy, Organization, PrincipalLastAccessed,
    ServiceLastAccessed, Source,
};
pub use crate::iam::{
    AttachedPolicy, GroupDetail, InlinePolicy, InstanceProfile, InstanceProfileRole,
    ManagedPolicyDetail, PermissionsBoundary, PolicyVersion, RoleDetail, RoleLastUsed, Tag,
    UserDetail, name_from_arn,
};
use crate::serde_util::one_or_many;

/// The snapshot format version this crate writes and the newest it reads.
///
/// INVARIANT: bump only with an incompatible change of meaning; adding optional fields or
/// sections does not need a bump.
pub const FORMAT_VERSION: u32 = 1;

/// One account's IAM configuration and what overreach learnt around it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Absent in files written by the AWS CLI.
    #[serde(rename = "overreach", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Metadata>,
    #[serde(
        rename = "UserDetailList",
        default,
        deserialize_with = "serde_util::one_or_many_parallel"
    )]
    pub users: Vec<UserDetail>,
    #[serde(
        rename = "GroupDetailList",
        default,
        deserialize_with = "serde_util::one_or_many_parallel"
    )]
    pub groups: Vec<GroupDetail>,
    #[serde(
        rename = "RoleDetailList",
        default,
        deserialize_with = "serde_util::one_or_many_parallel"
    )]
    pub roles: Vec<RoleDetail>,
    #[serde(
        rename = "Policies",
        default,
        deserialize_with = "serde_util::one_or_many_parallel"
    )]
    pub policies: Vec<ManagedPolicyDetail>,
    /// Kept from a single AWS CLI page (`--max-items`); `true` means the file is incomplete.
    #[serde(
        rename = "IsTruncated",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_truncated: Option<bool>,
    #[serde(rename = "Marker", default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// API calls that failed: when not empty, the snapshot is partial.
    #[serde(
        rename = "Errors",
        alias = "errors",
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub errors: Vec<FetchError>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub credential_signals: Vec<CredentialSignals>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub last_accessed: Vec<PrincipalLastAccessed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
}

impl Snapshot {
    /// Parses a snapshot from JSON bytes.
    ///
    /// Errors carry the JSON path, line and column and a hint; the caller adds the file name.
    pub fn from_slice(bytes: &[u8]) -> Result<Snapshot, LoadError> {
        let bytes = check_text(bytes)?;
        // a good file is parsed once, without tracking where the parser is (some 15 % of the
        // parse); a bad one is parsed again with tracking, so its error names the place
        let parsed = Snapshot::parse(bytes).or_else(|_| Snapshot::parse_tracked(bytes));
        // A newer format may fail to parse for reasons that mean nothing to the user: say
        // "newer version" first whenever the file declares one (probed only on failure, so a
        // good file is parsed once).
        let declared = match &parsed {
            Ok(s) => s.meta.as_ref().map(|m| u64::from(m.format_version)),
            Err(_) => declared_version(bytes),
        };
        if let Some(found) = declared
            && found > u64::from(FORMAT_VERSION)
        {
            return Err(LoadError::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        let snapshot = parsed?;
        if snapshot.looks_empty() && !has_snapshot_keys(bytes) {
            return Err(LoadError::at_offset(
                bytes,
                0,
                "not a snapshot",
                "the object has none of `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies` or `overreach`".to_owned(),
                "give the output of `overreach fetch` or `aws iam get-account-authorization-details`, not a policy document",
            ));
        }
        Ok(snapshot)
    }

    /// Parses a whole document (nothing may follow it).
    fn parse(bytes: &[u8]) -> Result<Snapshot, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let snapshot = serde_util::with_parallel_lists(|| Snapshot::deserialize(&mut de))?;
        de.end()?;
        Ok(snapshot)
    }

    /// [`Snapshot::parse`] keeping track of the path, for the error.
    fn parse_tracked(bytes: &[u8]) -> Result<Snapshot, LoadError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let snapshot = serde_path_to_error::deserialize::<_, Snapshot>(&mut de)
            .map_err(LoadError::from_path_error)?;
        de.end().map_err(LoadError::from_json_error)?;
        Ok(snapshot)
    }

    /// No principal, group, policy or metadata.
    fn looks_empty(&self) -> bool {
        self.users.is_empty()
            && self.groups.is_empty()
            && self.roles.is_empty()
            && self.policies.is_empty()
            && self.meta.is_none()
            && self.is_truncated.is_none()
    }

    /// Reads a snapshot to the end of `reader` and parses it.
    pub fn from_reader<R: Read>(mut reader: R) -> Result<Snapshot, LoadError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(LoadError::Io)?;
        Snapshot::from_slice(&bytes)
    }

    /// Writes the snapshot as pretty-printed JSON (no trailing newline).
    pub fn to_writer<W: Write>(&self, writer: W) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(writer, self)
    }

    /// Takes the users, groups, roles and managed policies out (what the analysis' account
    /// model is built from), leaving the metadata, errors and signals: dropping what this
    /// returns frees most of a large snapshot.
    pub fn release_details(
        &mut self,
    ) -> (
        Vec<UserDetail>,
        Vec<GroupDetail>,
        Vec<RoleDetail>,
        Vec<ManagedPolicyDetail>,
    ) {
        (
            std::mem::take(&mut self.users),
            std::mem::take(&mut self.groups),
            std::mem::take(&mut self.roles),
            std::mem::take(&mut self.policies),
        )
    }

    /// Whether some data is missing because API calls failed (or the file is one AWS CLI page).
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty() || self.is_truncated == Some(true)
    }

    /// Where the data came from: the metadata's `source`, or the AWS CLI when there is none.
    pub fn source(&self) -> Source {
        match &self.meta {
            Some(meta) => meta.source.unwrap_or(Source::Other),
            None => Source::AwsCli,
        }
    }

    /// The managed policy with this ARN, if the snapshot has it.
    pub fn policy(&self, arn: &str) -> Option<&ManagedPolicyDetail> {
        self.policies.iter().find(|p| p.arn == arn)
    }
}

/// Checks that the bytes are UTF-8 text holding a JSON object, and skips a UTF-8 byte-order
/// mark (Windows tools write one).
fn check_text(bytes: &[u8]) -> Result<&[u8], LoadError> {
    const HINT: &str =
        "save the file as UTF-8 (PowerShell: `Out-File -Encoding utf8`), or fetch it again";
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(LoadError::at_offset(
            bytes,
            0,
            "the file is not UTF-8 text",
            "it is UTF-16 (it starts with a UTF-16 byte-order mark)".to_owned(),
            HINT,
        ));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    // bad bytes inside the JSON are reported by the parser, with their JSON path; here only a
    // file that does not even start as text
    if let Some(i) = bytes.iter().position(|b| !b.is_ascii_whitespace())
        && bytes[i] >= 0x80
        && std::str::from_utf8(&bytes[i..bytes.len().min(i + 4)])
            .is_err_and(|e| e.valid_up_to() == 0 && e.error_len().is_some())
    {
        return Err(LoadError::at_offset(
            bytes,
            i,
            "the file is not UTF-8 text",
            format!("byte {i} is not UTF-8"),
            HINT,
        ));
    }
    match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(i) if bytes[i] == b'{' => Ok(bytes),
        Some(i) => Err(LoadError::at_offset(
            bytes,
            i,
            "not a snapshot",
            format!(
                "a snapshot is a JSON object, and this file starts with `{}`",
                char::from(bytes[i])
            ),
            "give the output of `overreach fetch` or `aws iam get-account-authorization-details`",
        )),
        // empty: let the parser say the file ends early
        None => Ok(bytes),
    }
}

/// Does the top-level object have any of a snapshot's keys? (Read leniently.)
fn has_snapshot_keys(bytes: &[u8]) -> bool {
    let Ok(map) =
        serde_json::from_slice::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(bytes)
    else {
        return true;
    };
    [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
        "overreach",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
}

/// The `overreach.format_version` a file declares, read leniently (ignoring everything else).
fn declared_version(bytes: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Probe {
        overreach: Option<ProbeMeta>,
    }
    #[derive(Deserialize)]
    struct ProbeMeta {
        format_version: Option<u64>,
    }
    let probe: Probe = serde_json::from_slice(bytes).ok()?;
    probe.overreach?.format_version
}

#[cfg(test)]
mod tests;
