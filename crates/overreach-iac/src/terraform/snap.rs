//! Putting principals and policies into an [`IacSet`]: ARNs, replacement of earlier
//! definitions, and stubs for principals only referenced. Shared by the Terraform and manifest
//! readers.
//!
//! IAM names of users, groups and roles are unique in an account whatever their path, so a
//! principal referenced by name is looked up by name across everything read so far; only when
//! none exists is a stub made (path `/`, since nothing says otherwise).

use overreach_snapshot::{
    GroupDetail, InlinePolicy, ManagedPolicyDetail, PolicyDocument, RoleDetail, UserDetail,
};

use crate::details::{empty_group, empty_user};
pub(crate) use crate::details::{empty_role, normal_path};
use crate::{IacSet, Location, Note, NoteKind, PolicyLocation};

/// The IAM ARN of a `kind` (`role`, `user`, `group`, `policy`, `instance-profile`) named
/// `name` under `path`.
pub(crate) fn iam_arn(
    partition: &str,
    account: &str,
    kind: &str,
    path: &str,
    name: &str,
) -> String {
    format!(
        "arn:{partition}:iam::{account}:{kind}{}{name}",
        normal_path(path)
    )
}

/// The kinds of principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }
}

/// The ARN of the principal of `kind` named `name` read so far, if any.
pub(crate) fn find_by_name(set: &IacSet, kind: Kind, name: &str) -> Option<String> {
    let s = &set.snapshot;
    match kind {
        Kind::User => s
            .users
            .iter()
            .find(|u| u.user_name == name)
            .map(|u| u.arn.clone()),
        Kind::Group => s
            .groups
            .iter()
            .find(|g| g.group_name == name)
            .map(|g| g.arn.clone()),
        Kind::Role => s
            .roles
            .iter()
            .find(|r| r.role_name == name)
            .map(|r| r.arn.clone()),
    }
}

/// The ARN of the principal of `kind` named `name`: the one read so far, else a new stub
/// (ARN with path `/`), with an `external` note at `at` saying `why`.
pub(crate) fn principal_or_stub(
    set: &mut IacSet,
    kind: Kind,
    name: &str,
    partition: &str,
    account: &str,
    at: &Location,
    why: &str,
) -> String {
    if let Some(arn) = find_by_name(set, kind, name) {
        return arn;
    }
    let arn = iam_arn(partition, account, kind.as_str(), "/", name);
    match kind {
        Kind::User => set.snapshot.users.push(empty_user(name, &arn)),
        Kind::Group => set.snapshot.groups.push(empty_group(name, &arn)),
        Kind::Role => set.snapshot.roles.push(empty_role(name, &arn, "/")),
    }
    set.stubs.insert(arn.clone());
    set.notes.push(Note {
        kind: NoteKind::External,
        location: at.clone(),
        message: format!("{why}; it is taken from the account (a stub here, `{arn}`)"),
    });
    arn
}

/// Notes that `arn`, already defined, is replaced by the definition at `at`.
fn replaced(set: &mut IacSet, what: &str, arn: &str, at: &Location) {
    let before = set
        .locations
        .principals
        .get(arn)
        .or_else(|| set.locations.policies.get(arn).map(|p| &p.at))
        .map(|l| format!(" (at `{}:{}`)", l.file, l.line))
        .unwrap_or_default();
    set.notes.push(Note {
        kind: NoteKind::Warning,
        location: at.clone(),
        message: format!("{what} `{arn}` is defined twice; this later definition replaces the earlier one{before}"),
    });
}

/// Adds a role, replacing one with the same ARN (merging a stub's attachments into it).
pub(crate) fn put_role(set: &mut IacSet, mut role: RoleDetail, at: Location) {
    if let Some(i) = set.snapshot.roles.iter().position(|r| r.arn == role.arn) {
        if set.stubs.remove(&role.arn) {
            let stub = set.snapshot.roles.remove(i);
            for p in stub.role_policy_list {
                put_inline(
                    &mut role.role_policy_list,
                    &p.policy_name,
                    p.policy_document,
                );
            }
            role.attached_managed_policies
                .extend(stub.attached_managed_policies);
            role.instance_profile_list
                .extend(stub.instance_profile_list);
        } else {
            replaced(set, "role", &role.arn, &at);
            set.snapshot.roles.remove(i);
        }
    }
    set.locations.principals.insert(role.arn.clone(), at);
    set.snapshot.roles.push(role);
}

/// Adds a user, replacing one with the same ARN (merging a stub's attachments into it).
pub(crate) fn put_user(set: &mut IacSet, mut user: UserDetail, at: Location) {
    if let Some(i) = set.snapshot.users.iter().position(|u| u.arn == user.arn) {
        if set.stubs.remove(&user.arn) {
            let stub = set.snapshot.users.remove(i);
            for p in stub.user_policy_list {
                put_inline(
                    &mut user.user_policy_list,
                    &p.policy_name,
                    p.policy_document,
                );
            }
            user.attached_managed_policies
                .extend(stub.attached_managed_policies);
            for g in stub.group_list {
                if !user.group_list.contains(&g) {
                    user.group_list.push(g);
                }
            }
        } else {
            replaced(set, "user", &user.arn, &at);
            set.snapshot.users.remove(i);
        }
    }
    set.locations.principals.insert(user.arn.clone(), at);
    set.snapshot.users.push(user);
}

/// Adds a group, replacing one with the same ARN (merging a stub's attachments into it).
pub(crate) fn put_group(set: &mut IacSet, mut group: GroupDetail, at: Location) {
    if let Some(i) = set.snapshot.groups.iter().position(|g| g.arn == group.arn) {
        if set.stubs.remove(&group.arn) {
            let stub = set.snapshot.groups.remove(i);
            for p in stub.group_policy_list {
                put_inline(
                    &mut group.group_policy_list,
                    &p.policy_name,
                    p.policy_document,
                );
            }
            group
                .attached_managed_policies
                .extend(stub.attached_managed_policies);
        } else {
            replaced(set, "group", &group.arn, &at);
            set.snapshot.groups.remove(i);
        }
    }
    set.locations.principals.insert(group.arn.clone(), at);
    set.snapshot.groups.push(group);
}

/// Adds a customer managed policy (one default version `v1`; none when its document is not
/// known, so the analysis reports its holders inconclusive), replacing one with the same ARN.
pub(crate) fn put_policy(
    set: &mut IacSet,
    name: &str,
    path: &str,
    arn: &str,
    document: Option<PolicyDocument>,
    at: PolicyLocation,
) {
    if let Some(i) = set.snapshot.policies.iter().position(|p| p.arn == arn) {
        replaced(set, "policy", arn, &at.at);
        set.snapshot.policies.remove(i);
    }
    set.snapshot.policies.push(ManagedPolicyDetail {
        policy_name: Some(name.into()),
        policy_id: None,
        arn: arn.into(),
        path: Some(normal_path(path)),
        default_version_id: document.as_ref().map(|_| "v1".into()),
        attachment_count: None,
        permissions_boundary_usage_count: None,
        is_attachable: Some(true),
        description: None,
        create_date: None,
        update_date: None,
        policy_version_list: document
            .map(|d| overreach_snapshot::PolicyVersion {
                document: Some(d),
                version_id: Some("v1".into()),
                is_default_version: true,
                create_date: None,
            })
            .into_iter()
            .collect(),
    });
    set.locations.policies.insert(arn.into(), at);
}

/// Sets inline policy `name` of a list (a later one of the same name replaces it, as IAM's
/// `Put*Policy` does).
pub(crate) fn put_inline(list: &mut Vec<InlinePolicy>, name: &str, document: PolicyDocument) {
    list.retain(|p| p.policy_name != name);
    list.push(InlinePolicy {
        policy_name: name.into(),
        policy_document: document,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32) -> Location {
        Location {
            file: "f".into(),
            line,
            column: 1,
        }
    }

    #[test]
    fn arns_and_paths() {
        assert_eq!(
            iam_arn("aws", "1", "role", "", "r"),
            "arn:aws:iam::1:role/r"
        );
        assert_eq!(
            iam_arn("aws", "1", "policy", "ci", "p"),
            "arn:aws:iam::1:policy/ci/p"
        );
        assert_eq!(normal_path("/a/b/"), "/a/b/");
    }

    #[test]
    fn a_stub_is_merged_into_the_real_principal_and_duplicates_are_noted() {
        let mut set = IacSet::default();
        let arn = principal_or_stub(&mut set, Kind::Role, "r", "aws", "1", &at(1), "x");
        assert_eq!(arn, "arn:aws:iam::1:role/r");
        let doc = PolicyDocument(serde_json::json!({"Statement": []}));
        put_inline(&mut set.snapshot.roles[0].role_policy_list, "p", doc);
        // found by name, not stubbed twice
        assert_eq!(
            principal_or_stub(&mut set, Kind::Role, "r", "aws", "1", &at(2), "x"),
            arn
        );
        assert_eq!(set.notes.len(), 1);
        put_role(&mut set, empty_role("r", &arn, "/"), at(3));
        assert!(set.stubs.is_empty());
        assert_eq!(set.snapshot.roles.len(), 1);
        assert_eq!(set.snapshot.roles[0].role_policy_list.len(), 1);
        put_role(&mut set, empty_role("r", &arn, "/"), at(4));
        assert_eq!(set.snapshot.roles.len(), 1);
        assert_eq!(set.notes.len(), 2);
        assert!(
            set.notes[1].message.contains("`f:3`"),
            "{}",
            set.notes[1].message
        );
    }
}
