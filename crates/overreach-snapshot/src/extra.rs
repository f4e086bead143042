//! The sections overreach adds to the AWS format: metadata, fetch errors, credential signals,
//! last-accessed data and the organization. Their field names are snake_case.
//!
//! INVARIANT: no section holds a secret: no secret access key, password or session token.

use serde::{Deserialize, Serialize};

use crate::document::PolicyDocument;
use crate::serde_util::one_or_many;

/// The `overreach` section: what the file is and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The snapshot format version; see [`crate::FORMAT_VERSION`].
    pub format_version: u32,
    /// The version of the tool that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// The 12-digit AWS account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// When the data was fetched (RFC 3339, supplied by the caller: this crate has no clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// The AWS partition (`aws`, `aws-cn`, `aws-us-gov`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// What produced the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// What produced a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `overreach fetch`.
    OverreachFetch,
    /// `aws iam get-account-authorization-details` (a file without an `overreach` section).
    AwsCli,
    /// A producer this version does not know.
    #[serde(other)]
    Other,
}

/// An API call that failed, was denied or throttled after retries (`Errors[]`).
///
/// Its presence makes the snapshot partial: the data this call would have added is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchError {
    /// The API operation, e.g. `GetLoginProfile`.
    pub api: String,
    /// What the call was about: a user, role or policy ARN, an account id, or empty.
    #[serde(default)]
    pub target: String,
    /// The IAM permission the call needs, e.g. `iam:GetLoginProfile`.
    pub permission: String,
    /// The error message as the service or the transport gave it.
    pub message: String,
    /// The class of failure.
    pub kind: FetchErrorKind,
}

/// The class of a [`FetchError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// The caller lacks the permission (AccessDenied and similar).
    Denied,
    /// Throttled after every retry.
    Throttled,
    /// Any other failure: server error, network error, timeout.
    Failed,
}

impl FetchErrorKind {
    /// The lowercase name used in the file and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FetchErrorKind::Denied => "denied",
            FetchErrorKind::Throttled => "throttled",
            FetchErrorKind::Failed => "failed",
        }
    }
}

/// Signals about how a user can sign in (`credential_signals[]`). Never secrets.
///
/// `None` in a field means "not known": the call that would tell failed (see `Errors`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialSignals {
    pub user_name: String,
    pub user_arn: String,
    /// Whether the user has a console password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_login_profile: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_profile_created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reset_required: Option<bool>,
    /// How many MFA devices the user has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_devices: Option<u32>,
    /// Access key metadata; `None` when it could not be listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_keys: Option<Vec<AccessKey>>,
}

/// Metadata of an access key: its id, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<AccessKeyLastUsed>,
}

/// When and where an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyLastUsed {
    /// Absent when the key was never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Service last-accessed data of one principal (`last_accessed[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalLastAccessed {
    /// The user, group or role ARN.
    pub arn: String,
    #[serde(default, deserialize_with = "one_or_many")]
    pub services: Vec<ServiceLastAccessed>,
}

/// When a principal last used one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLastAccessed {
    /// The service namespace, e.g. `s3`.
    pub service_namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Absent when never used within the tracking period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_authenticated_entities: Option<i32>,
    /// Action-level data, for the services AWS tracks at that level.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub actions: Vec<ActionLastAccessed>,
}

/// When a principal last used one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLastAccessed {
    pub action_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_region: Option<String>,
}

/// The AWS Organization around the account(s) (`organization`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account_id: Option<String>,
    /// The roots (one in practice), each the top of a tree of OUs and accounts.
    #[serde(default, deserialize_with = "one_or_many")]
    pub roots: Vec<OrgNode>,
    /// Every SCP and RCP attached anywhere in the tree, with its document; nodes refer to
    /// them by id.
    #[serde(default, deserialize_with = "one_or_many")]
    pub policies: Vec<OrgPolicy>,
}

/// A root or an organizational unit, with what is attached to it and what is under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgNode {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ids of the policies attached directly (see [`Organization::policies`]).
    #[serde(default, deserialize_with = "one_or_many")]
    pub policy_ids: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub organizational_units: Vec<OrgNode>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub accounts: Vec<OrgAccount>,
}

/// A member account in the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAccount {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub policy_ids: Vec<String>,
}

/// A service control policy or resource control policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgPolicy {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.
    pub policy_type: String,
    #[serde(default)]
    pub aws_managed: bool,
    /// Absent when `DescribePolicy` failed (see `Errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<PolicyDocument>,
}
