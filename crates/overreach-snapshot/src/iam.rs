//! The IAM part of a snapshot, shaped exactly like `GetAccountAuthorizationDetails` output.
//!
//! Field names are AWS's (PascalCase). Identifying fields (names, ARNs) are required; every
//! other field may be missing, and lists may be `null` or a single object. Fields this crate
//! does not know are ignored, never fatal.

use serde::{Deserialize, Serialize};

use crate::document::PolicyDocument;
use crate::serde_util::one_or_many;

/// An IAM user (`UserDetailList[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub user_policy_list: Vec<InlinePolicy>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub group_list: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<Tag>,
}

/// An IAM group (`GroupDetailList[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub group_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub group_policy_list: Vec<InlinePolicy>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

/// An IAM role (`RoleDetailList[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub role_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<PolicyDocument>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub instance_profile_list: Vec<InstanceProfile>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub role_policy_list: Vec<InlinePolicy>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

/// A managed policy with its versions (`Policies[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicyDetail {
    /// Missing in some IAM-compatible APIs: use [`ManagedPolicyDetail::name`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_usage_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_attachable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub policy_version_list: Vec<PolicyVersion>,
}

impl ManagedPolicyDetail {
    /// The policy's name: `PolicyName`, or else the last segment of its ARN.
    pub fn name(&self) -> &str {
        match &self.policy_name {
            Some(name) => name,
            None => name_from_arn(&self.arn),
        }
    }

    /// The default version: the one named by `DefaultVersionId`, else the one flagged
    /// `IsDefaultVersion` (one IAM-compatible API clears the flag on every version).
    pub fn default_version(&self) -> Option<&PolicyVersion> {
        let by_id = self.default_version_id.as_deref().and_then(|id| {
            self.policy_version_list
                .iter()
                .find(|v| v.version_id.as_deref() == Some(id))
        });
        by_id.or_else(|| {
            self.policy_version_list
                .iter()
                .find(|v| v.is_default_version)
        })
    }
}

/// The last `/`-separated segment of a policy ARN (its name).
pub fn name_from_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default)]
    pub is_default_version: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
}

/// An inline policy (`UserPolicyList[]`, `GroupPolicyList[]`, `RolePolicyList[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// A managed policy attachment (`AttachedManagedPolicies[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    pub policy_arn: String,
}

/// A permissions boundary set on a user or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    /// `Policy` in every known case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_type: Option<String>,
    pub permissions_boundary_arn: String,
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// When a role was last used (`RoleLastUsed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// An instance profile of a role (`InstanceProfileList[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub instance_profile_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_profile_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub roles: Vec<InstanceProfileRole>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<Tag>,
}

/// A role as listed inside an instance profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub role_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role_policy_document: Option<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<i64>,
}
