//! Empty snapshot entries the readers fill in: a user, group or role known by name and ARN,
//! and a role as an instance profile lists it. Shared by the CloudFormation, Terraform and
//! manifest readers.

use overreach_snapshot::{GroupDetail, InstanceProfileRole, RoleDetail, UserDetail};

/// An IAM path with its leading and trailing `/` (`ci` → `/ci/`, empty → `/`).
pub(crate) fn normal_path(path: &str) -> String {
    let inner = path.trim_matches('/');
    if inner.is_empty() {
        "/".into()
    } else {
        format!("/{inner}/")
    }
}

/// A user with nothing attached, at path `/`.
pub(crate) fn empty_user(name: &str, arn: &str) -> UserDetail {
    UserDetail {
        path: Some("/".into()),
        user_name: name.into(),
        user_id: None,
        arn: arn.into(),
        create_date: None,
        user_policy_list: Vec::new(),
        group_list: Vec::new(),
        attached_managed_policies: Vec::new(),
        permissions_boundary: None,
        tags: Vec::new(),
    }
}

/// A group with nothing attached, at path `/`.
pub(crate) fn empty_group(name: &str, arn: &str) -> GroupDetail {
    GroupDetail {
        path: Some("/".into()),
        group_name: name.into(),
        group_id: None,
        arn: arn.into(),
        create_date: None,
        group_policy_list: Vec::new(),
        attached_managed_policies: Vec::new(),
    }
}

/// A role with nothing attached.
pub(crate) fn empty_role(name: &str, arn: &str, path: &str) -> RoleDetail {
    RoleDetail {
        path: Some(normal_path(path)),
        role_name: name.into(),
        role_id: None,
        arn: arn.into(),
        create_date: None,
        assume_role_policy_document: None,
        instance_profile_list: Vec::new(),
        role_policy_list: Vec::new(),
        attached_managed_policies: Vec::new(),
        permissions_boundary: None,
        tags: Vec::new(),
        role_last_used: None,
    }
}

/// `role` as an instance profile lists it.
pub(crate) fn profile_member(role: &RoleDetail) -> InstanceProfileRole {
    InstanceProfileRole {
        path: role.path.clone(),
        role_name: role.role_name.clone(),
        role_id: None,
        arn: role.arn.clone(),
        create_date: None,
        assume_role_policy_document: None,
        description: None,
        max_session_duration: None,
    }
}
