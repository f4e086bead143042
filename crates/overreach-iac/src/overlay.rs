//! The account one side of a check describes: the context snapshot (the live account) with the
//! side's infrastructure as code laid over it.

use std::collections::BTreeSet;

use overreach_snapshot::{GroupDetail, ManagedPolicyDetail, RoleDetail, Snapshot, UserDetail};

use crate::IacSet;

/// The ARNs of every principal and managed policy a side defines (stubs excluded: a stub is
/// only referenced there).
pub fn defined(side: &IacSet) -> BTreeSet<String> {
    let s = &side.snapshot;
    s.users
        .iter()
        .map(|u| &u.arn)
        .chain(s.groups.iter().map(|g| &g.arn))
        .chain(s.roles.iter().map(|r| &r.arn))
        .chain(s.policies.iter().map(|p| &p.arn))
        .filter(|arn| !side.stubs.contains(*arn))
        .cloned()
        .collect()
}

/// The side's account: without a context, the side's snapshot itself. With a context, the
/// context where the side wins: an entity the side defines replaces the context's; a stub adds
/// what the side attaches to the context's principal of that ARN; an entity in `deleted` (the
/// base defines it, the head does not: the change deletes it) is removed.
pub fn compose(context: Option<&Snapshot>, side: &IacSet, deleted: &BTreeSet<String>) -> Snapshot {
    let Some(context) = context else {
        return side.snapshot.clone();
    };
    let mut out = context.clone();
    let gone = |arn: &String| deleted.contains(arn);
    out.users.retain(|u| !gone(&u.arn));
    out.groups.retain(|g| !gone(&g.arn));
    out.roles.retain(|r| !gone(&r.arn));
    out.policies.retain(|p| !gone(&p.arn));
    // nothing may point at what the change deletes: attachments, boundaries, memberships
    let deleted_groups: BTreeSet<&str> = deleted
        .iter()
        .filter(|a| a.contains(":group/"))
        .filter_map(|a| a.rsplit('/').next())
        .collect();
    let keep = |a: &overreach_snapshot::AttachedPolicy| !gone(&a.policy_arn);
    for u in &mut out.users {
        u.attached_managed_policies.retain(keep);
        u.group_list
            .retain(|g| !deleted_groups.contains(g.as_str()));
        if u.permissions_boundary
            .as_ref()
            .is_some_and(|b| gone(&b.permissions_boundary_arn))
        {
            u.permissions_boundary = None;
        }
    }
    for g in &mut out.groups {
        g.attached_managed_policies.retain(keep);
    }
    for r in &mut out.roles {
        r.attached_managed_policies.retain(keep);
        if r.permissions_boundary
            .as_ref()
            .is_some_and(|b| gone(&b.permissions_boundary_arn))
        {
            r.permissions_boundary = None;
        }
    }
    for u in &side.snapshot.users {
        merge_user(&mut out.users, u, side.stubs.contains(&u.arn));
    }
    for g in &side.snapshot.groups {
        merge_group(&mut out.groups, g, side.stubs.contains(&g.arn));
    }
    for r in &side.snapshot.roles {
        merge_role(&mut out.roles, r, side.stubs.contains(&r.arn));
    }
    for p in &side.snapshot.policies {
        merge_policy(&mut out.policies, p);
    }
    out
}

fn merge_user(list: &mut Vec<UserDetail>, new: &UserDetail, stub: bool) {
    match list.iter_mut().find(|u| u.arn == new.arn) {
        Some(old) if stub => {
            merge_inline(&mut old.user_policy_list, &new.user_policy_list);
            merge_attached(
                &mut old.attached_managed_policies,
                &new.attached_managed_policies,
            );
            for g in &new.group_list {
                if !old.group_list.contains(g) {
                    old.group_list.push(g.clone());
                }
            }
        }
        Some(old) => *old = new.clone(),
        None => list.push(new.clone()),
    }
}

fn merge_group(list: &mut Vec<GroupDetail>, new: &GroupDetail, stub: bool) {
    match list.iter_mut().find(|g| g.arn == new.arn) {
        Some(old) if stub => {
            merge_inline(&mut old.group_policy_list, &new.group_policy_list);
            merge_attached(
                &mut old.attached_managed_policies,
                &new.attached_managed_policies,
            );
        }
        Some(old) => *old = new.clone(),
        None => list.push(new.clone()),
    }
}

fn merge_role(list: &mut Vec<RoleDetail>, new: &RoleDetail, stub: bool) {
    match list.iter_mut().find(|r| r.arn == new.arn) {
        Some(old) if stub => {
            merge_inline(&mut old.role_policy_list, &new.role_policy_list);
            merge_attached(
                &mut old.attached_managed_policies,
                &new.attached_managed_policies,
            );
            for p in &new.instance_profile_list {
                if !old.instance_profile_list.contains(p) {
                    old.instance_profile_list.push(p.clone());
                }
            }
        }
        Some(old) => *old = new.clone(),
        None => list.push(new.clone()),
    }
}

fn merge_policy(list: &mut Vec<ManagedPolicyDetail>, new: &ManagedPolicyDetail) {
    match list.iter_mut().find(|p| p.arn == new.arn) {
        Some(old) => *old = new.clone(),
        None => list.push(new.clone()),
    }
}

fn merge_inline(
    old: &mut Vec<overreach_snapshot::InlinePolicy>,
    new: &[overreach_snapshot::InlinePolicy],
) {
    for p in new {
        match old.iter_mut().find(|o| o.policy_name == p.policy_name) {
            Some(o) => *o = p.clone(),
            None => old.push(p.clone()),
        }
    }
}

fn merge_attached(
    old: &mut Vec<overreach_snapshot::AttachedPolicy>,
    new: &[overreach_snapshot::AttachedPolicy],
) {
    for p in new {
        if !old.iter().any(|o| o.policy_arn == p.policy_arn) {
            old.push(p.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use overreach_snapshot::{AttachedPolicy, PolicyDocument};
    use serde_json::json;

    fn role(arn: &str, attached: &[&str]) -> RoleDetail {
        RoleDetail {
            path: None,
            role_name: arn.rsplit('/').next().unwrap_or(arn).into(),
            role_id: None,
            arn: arn.into(),
            create_date: None,
            assume_role_policy_document: Some(PolicyDocument(json!({"Statement": []}))),
            instance_profile_list: vec![],
            role_policy_list: vec![],
            attached_managed_policies: attached
                .iter()
                .map(|a| AttachedPolicy {
                    policy_name: None,
                    policy_arn: (*a).into(),
                })
                .collect(),
            permissions_boundary: None,
            tags: vec![],
            role_last_used: None,
        }
    }

    #[test]
    fn side_wins_stubs_merge_deleted_go() {
        let context = Snapshot {
            roles: vec![
                role("arn:aws:iam::1:role/a", &["p1"]),
                role("arn:aws:iam::1:role/b", &["p1"]),
                role("arn:aws:iam::1:role/c", &["p1"]),
            ],
            ..Snapshot::default()
        };
        let mut side = IacSet::default();
        side.snapshot.roles = vec![
            role("arn:aws:iam::1:role/a", &["p2"]),
            role("arn:aws:iam::1:role/b", &["p3"]),
        ];
        side.stubs.insert("arn:aws:iam::1:role/b".into());
        let deleted = BTreeSet::from(["arn:aws:iam::1:role/c".to_string()]);
        let out = compose(Some(&context), &side, &deleted);
        let attached = |arn: &str| -> Vec<String> {
            out.roles
                .iter()
                .find(|r| r.arn == arn)
                .map(|r| {
                    r.attached_managed_policies
                        .iter()
                        .map(|a| a.policy_arn.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(attached("arn:aws:iam::1:role/a"), ["p2"]);
        assert_eq!(attached("arn:aws:iam::1:role/b"), ["p1", "p3"]);
        assert!(out.roles.iter().all(|r| r.arn != "arn:aws:iam::1:role/c"));
        assert_eq!(
            defined(&side),
            BTreeSet::from(["arn:aws:iam::1:role/a".to_string()])
        );
        assert_eq!(compose(None, &side, &deleted), side.snapshot);
    }
}
