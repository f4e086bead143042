//! SDK types to snapshot types: dates as RFC 3339 text, documents decoded.
//!
//! A document that cannot be decoded is reported through `bad_document` and its entry is
//! dropped (the snapshot is then partial), never guessed.

use aws_sdk_iam::types as sdk;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use overreach_snapshot as snap;
use overreach_snapshot::PolicyDocument;

/// RFC 3339 text of an SDK date.
pub(crate) fn date(value: &DateTime) -> String {
    value
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| value.secs().to_string())
}

pub(crate) fn opt_date(value: Option<&DateTime>) -> Option<String> {
    value.map(date)
}

fn opt(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

/// Called with (where, message) for each document that could not be decoded.
pub(crate) type BadDocument<'a> = &'a mut dyn FnMut(&str, String);

fn document(text: Option<&str>, place: &str, bad: BadDocument<'_>) -> Option<PolicyDocument> {
    let text = text?;
    match PolicyDocument::from_api_text(text) {
        Ok(doc) => Some(doc),
        Err(err) => {
            bad(place, err.to_string());
            None
        }
    }
}

fn inline(
    list: &[sdk::PolicyDetail],
    owner: &str,
    bad: BadDocument<'_>,
) -> Vec<snap::InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            let name = p.policy_name()?;
            let place = format!("{owner} inline policy `{name}`");
            let doc = document(p.policy_document(), &place, bad)?;
            Some(snap::InlinePolicy {
                policy_name: name.to_owned(),
                policy_document: doc,
            })
        })
        .collect()
}

fn attached(list: &[sdk::AttachedPolicy]) -> Vec<snap::AttachedPolicy> {
    list.iter()
        .filter_map(|p| {
            let arn = p.policy_arn()?;
            Some(snap::AttachedPolicy {
                policy_name: Some(
                    p.policy_name()
                        .unwrap_or_else(|| snap::name_from_arn(arn))
                        .to_owned(),
                ),
                policy_arn: arn.to_owned(),
            })
        })
        .collect()
}

fn boundary(value: Option<&sdk::AttachedPermissionsBoundary>) -> Option<snap::PermissionsBoundary> {
    let value = value?;
    Some(snap::PermissionsBoundary {
        permissions_boundary_type: value
            .permissions_boundary_type()
            .map(|t| t.as_str().to_owned()),
        permissions_boundary_arn: value.permissions_boundary_arn()?.to_owned(),
    })
}

fn tags(list: &[sdk::Tag]) -> Vec<snap::Tag> {
    list.iter()
        .map(|t| snap::Tag {
            key: t.key().to_owned(),
            value: t.value().to_owned(),
        })
        .collect()
}

pub(crate) fn user(u: &sdk::UserDetail, bad: BadDocument<'_>) -> Option<snap::UserDetail> {
    let arn = u.arn()?;
    Some(snap::UserDetail {
        path: opt(u.path()),
        user_name: u.user_name()?.to_owned(),
        user_id: opt(u.user_id()),
        arn: arn.to_owned(),
        create_date: opt_date(u.create_date()),
        user_policy_list: inline(u.user_policy_list(), arn, bad),
        group_list: u.group_list().to_vec(),
        attached_managed_policies: attached(u.attached_managed_policies()),
        permissions_boundary: boundary(u.permissions_boundary()),
        tags: tags(u.tags()),
    })
}

pub(crate) fn group(g: &sdk::GroupDetail, bad: BadDocument<'_>) -> Option<snap::GroupDetail> {
    let arn = g.arn()?;
    Some(snap::GroupDetail {
        path: opt(g.path()),
        group_name: g.group_name()?.to_owned(),
        group_id: opt(g.group_id()),
        arn: arn.to_owned(),
        create_date: opt_date(g.create_date()),
        group_policy_list: inline(g.group_policy_list(), arn, bad),
        attached_managed_policies: attached(g.attached_managed_policies()),
    })
}

pub(crate) fn role(r: &sdk::RoleDetail, bad: BadDocument<'_>) -> Option<snap::RoleDetail> {
    let arn = r.arn()?;
    let trust_place = format!("{arn} trust policy");
    Some(snap::RoleDetail {
        path: opt(r.path()),
        role_name: r.role_name()?.to_owned(),
        role_id: opt(r.role_id()),
        arn: arn.to_owned(),
        create_date: opt_date(r.create_date()),
        assume_role_policy_document: document(r.assume_role_policy_document(), &trust_place, bad),
        instance_profile_list: r
            .instance_profile_list()
            .iter()
            .map(|p| instance_profile(p, bad))
            .collect(),
        role_policy_list: inline(r.role_policy_list(), arn, bad),
        attached_managed_policies: attached(r.attached_managed_policies()),
        permissions_boundary: boundary(r.permissions_boundary()),
        tags: tags(r.tags()),
        role_last_used: r.role_last_used().and_then(|used| {
            let last = snap::RoleLastUsed {
                last_used_date: opt_date(used.last_used_date()),
                region: opt(used.region()),
            };
            // An empty `RoleLastUsed` means "never used": keep it absent.
            (last.last_used_date.is_some() || last.region.is_some()).then_some(last)
        }),
    })
}

fn instance_profile(p: &sdk::InstanceProfile, bad: BadDocument<'_>) -> snap::InstanceProfile {
    snap::InstanceProfile {
        path: Some(p.path().to_owned()),
        instance_profile_name: p.instance_profile_name().to_owned(),
        instance_profile_id: Some(p.instance_profile_id().to_owned()),
        arn: p.arn().to_owned(),
        create_date: Some(date(p.create_date())),
        roles: p
            .roles()
            .iter()
            .map(|r| snap::InstanceProfileRole {
                path: Some(r.path().to_owned()),
                role_name: r.role_name().to_owned(),
                role_id: Some(r.role_id().to_owned()),
                arn: r.arn().to_owned(),
                create_date: Some(date(r.create_date())),
                assume_role_policy_document: document(
                    r.assume_role_policy_document(),
                    &format!("{} trust policy", r.arn()),
                    bad,
                ),
                description: opt(r.description()),
                max_session_duration: r.max_session_duration().map(i64::from),
            })
            .collect(),
        tags: tags(p.tags()),
    }
}

pub(crate) fn policy_version(
    v: &sdk::PolicyVersion,
    policy_arn: &str,
    bad: BadDocument<'_>,
) -> snap::PolicyVersion {
    let place = format!("{policy_arn} version {}", v.version_id().unwrap_or("?"));
    snap::PolicyVersion {
        document: document(v.document(), &place, bad),
        version_id: opt(v.version_id()),
        is_default_version: v.is_default_version(),
        create_date: opt_date(v.create_date()),
    }
}

pub(crate) fn managed_policy(
    p: &sdk::ManagedPolicyDetail,
    bad: BadDocument<'_>,
) -> Option<snap::ManagedPolicyDetail> {
    let arn = p.arn()?;
    Some(snap::ManagedPolicyDetail {
        // Some IAM-compatible APIs leave the name out: it is the ARN's last segment.
        policy_name: Some(
            p.policy_name()
                .unwrap_or_else(|| snap::name_from_arn(arn))
                .to_owned(),
        ),
        policy_id: opt(p.policy_id()),
        arn: arn.to_owned(),
        path: opt(p.path()),
        default_version_id: opt(p.default_version_id()),
        attachment_count: p.attachment_count().map(i64::from),
        permissions_boundary_usage_count: p.permissions_boundary_usage_count().map(i64::from),
        is_attachable: Some(p.is_attachable()),
        description: opt(p.description()),
        create_date: opt_date(p.create_date()),
        update_date: opt_date(p.update_date()),
        policy_version_list: p
            .policy_version_list()
            .iter()
            .map(|v| policy_version(v, arn, bad))
            .collect(),
    })
}

/// A managed policy fetched with GetPolicy (+ its default version from GetPolicyVersion).
pub(crate) fn policy(
    p: &sdk::Policy,
    version: Option<snap::PolicyVersion>,
) -> Option<snap::ManagedPolicyDetail> {
    let arn = p.arn()?;
    Some(snap::ManagedPolicyDetail {
        policy_name: Some(
            p.policy_name()
                .unwrap_or_else(|| snap::name_from_arn(arn))
                .to_owned(),
        ),
        policy_id: opt(p.policy_id()),
        arn: arn.to_owned(),
        path: opt(p.path()),
        default_version_id: opt(p.default_version_id()),
        attachment_count: p.attachment_count().map(i64::from),
        permissions_boundary_usage_count: p.permissions_boundary_usage_count().map(i64::from),
        is_attachable: Some(p.is_attachable()),
        description: opt(p.description()),
        create_date: opt_date(p.create_date()),
        update_date: opt_date(p.update_date()),
        policy_version_list: version.into_iter().collect(),
    })
}
