//! The IAM calls of one account: authorization details, boundary-only policies, credential
//! signals.

use std::collections::BTreeSet;
use std::sync::Arc;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::EntityType;
use overreach_snapshot::{
    AccessKey, AccessKeyLastUsed, CredentialSignals, FetchErrorKind, ManagedPolicyDetail, Snapshot,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::convert;
use crate::pages::Markers;
use crate::record::{Call, Recorder, classify, error_code};

const GAAD: &str = "GetAccountAuthorizationDetails";
const GAAD_PERMISSION: &str = "iam:GetAccountAuthorizationDetails";

/// Fills the four AWS lists of `snapshot` from GetAccountAuthorizationDetails, page by page.
///
/// A page that fails after retries is recorded and ends the listing: the pages before it
/// are kept.
pub(crate) async fn authorization_details(
    client: &Client,
    recorder: &Recorder,
    snapshot: &mut Snapshot,
) {
    let filters = vec![
        EntityType::User,
        EntityType::Role,
        EntityType::Group,
        EntityType::LocalManagedPolicy,
        EntityType::AwsManagedPolicy,
    ];
    let mut marker: Option<String> = None;
    let mut markers = Markers::default();
    let mut pages = 0usize;
    loop {
        recorder.progress(&format!(
            "authorization details: page {} ({} users, {} groups, {} roles, {} policies)",
            pages + 1,
            snapshot.users.len(),
            snapshot.groups.len(),
            snapshot.roles.len(),
            snapshot.policies.len()
        ));
        let result = client
            .get_account_authorization_details()
            .set_filter(Some(filters.clone()))
            .set_marker(marker.clone())
            .send()
            .await;
        let page = match result {
            Ok(page) => page,
            Err(err) => {
                recorder.record_sdk(Call::new(GAAD, GAAD_PERMISSION, ""), &err);
                return;
            }
        };
        pages += 1;
        let mut bad = |place: &str, message: String| {
            recorder.record(Call::new(GAAD, GAAD_PERMISSION, place).error(
                FetchErrorKind::Failed,
                format!("could not decode a policy document: {message}"),
            ));
        };
        snapshot.users.extend(
            page.user_detail_list()
                .iter()
                .filter_map(|u| convert::user(u, &mut bad)),
        );
        snapshot.groups.extend(
            page.group_detail_list()
                .iter()
                .filter_map(|g| convert::group(g, &mut bad)),
        );
        snapshot.roles.extend(
            page.role_detail_list()
                .iter()
                .filter_map(|r| convert::role(r, &mut bad)),
        );
        snapshot.policies.extend(
            page.policies()
                .iter()
                .filter_map(|p| convert::managed_policy(p, &mut bad)),
        );
        match markers.next(page.is_truncated(), page.marker()) {
            Ok(Some(next)) => marker = Some(next),
            Ok(None) => return,
            Err(stop) => {
                // The pages before are kept: each entity on them is whole.
                recorder.record(
                    Call::new(GAAD, GAAD_PERMISSION, "")
                        .error(FetchErrorKind::Failed, stop.to_string()),
                );
                return;
            }
        }
    }
}

/// Fetches the managed policies used as permission boundaries that the authorization
/// details left out (GetAccountAuthorizationDetails lists AWS managed policies only when
/// they are attached, not when they are only a boundary).
pub(crate) async fn boundary_policies(
    client: &Client,
    recorder: &Recorder,
    snapshot: &mut Snapshot,
) {
    let known: BTreeSet<&str> = snapshot.policies.iter().map(|p| p.arn.as_str()).collect();
    let missing: BTreeSet<String> = snapshot
        .users
        .iter()
        .filter_map(|u| u.permissions_boundary.as_ref())
        .chain(
            snapshot
                .roles
                .iter()
                .filter_map(|r| r.permissions_boundary.as_ref()),
        )
        .map(|b| b.permissions_boundary_arn.as_str())
        .filter(|arn| !known.contains(arn))
        .map(str::to_owned)
        .collect();
    for arn in missing {
        recorder.progress(&format!("permission boundary {arn}"));
        if let Some(policy) = policy_by_arn(client, recorder, &arn).await {
            snapshot.policies.push(policy);
        }
    }
}

/// GetPolicy, then GetPolicyVersion of its default version.
async fn policy_by_arn(
    client: &Client,
    recorder: &Recorder,
    arn: &str,
) -> Option<ManagedPolicyDetail> {
    let policy = match client.get_policy().policy_arn(arn).send().await {
        Ok(out) => out.policy?.clone(),
        Err(err) => {
            recorder.record_sdk(Call::new("GetPolicy", "iam:GetPolicy", arn), &err);
            return None;
        }
    };
    let mut version = None;
    if let Some(version_id) = policy.default_version_id() {
        let result = client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await;
        match result {
            Ok(out) => {
                let mut bad = |place: &str, message: String| {
                    recorder.record(
                        Call::new("GetPolicyVersion", "iam:GetPolicyVersion", place).error(
                            FetchErrorKind::Failed,
                            format!("could not decode a policy document: {message}"),
                        ),
                    );
                };
                version = out
                    .policy_version()
                    .map(|v| convert::policy_version(v, arn, &mut bad));
            }
            Err(err) => recorder.record_sdk(
                Call::new("GetPolicyVersion", "iam:GetPolicyVersion", arn),
                &err,
            ),
        }
    }
    convert::policy(&policy, version)
}

/// Login profile, MFA devices and access keys of every user, `concurrency` users at a time.
pub(crate) async fn credential_signals(
    client: &Client,
    recorder: &Recorder,
    users: &[(String, String)],
    concurrency: usize,
) -> Vec<CredentialSignals> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, (name, arn)) in users.iter().cloned().enumerate() {
        let client = client.clone();
        let recorder = recorder.clone();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            // INVARIANT: the semaphore is never closed, so acquiring only fails never.
            let _permit = permits.acquire_owned().await.ok();
            (index, user_signals(&client, &recorder, name, arn).await)
        });
    }
    let mut done: Vec<(usize, CredentialSignals)> = Vec::with_capacity(users.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => done.push(result),
            Err(err) => recorder.record(Call::new("credential signals", "", "").error(
                FetchErrorKind::Failed,
                format!("internal error: a task ended abnormally: {err}"),
            )),
        }
        recorder.progress(&format!(
            "credential signals: {}/{} users",
            done.len(),
            users.len()
        ));
    }
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, signals)| signals).collect()
}

async fn user_signals(
    client: &Client,
    recorder: &Recorder,
    name: String,
    arn: String,
) -> CredentialSignals {
    let mut signals = CredentialSignals {
        user_name: name.clone(),
        user_arn: arn.clone(),
        ..CredentialSignals::default()
    };

    match client.get_login_profile().user_name(&name).send().await {
        Ok(out) => {
            signals.has_login_profile = Some(true);
            if let Some(profile) = out.login_profile() {
                signals.login_profile_created = Some(convert::date(profile.create_date()));
                signals.password_reset_required = Some(profile.password_reset_required());
            }
        }
        Err(err) if error_code(&err) == Some("NoSuchEntity") => {
            signals.has_login_profile = Some(false);
        }
        Err(err) => recorder.record_sdk(
            Call::new("GetLoginProfile", "iam:GetLoginProfile", &arn),
            &err,
        ),
    }

    let mut mfa = 0u32;
    let mut marker = None;
    let mut markers = Markers::default();
    let mfa_call = Call::new("ListMFADevices", "iam:ListMFADevices", &arn);
    signals.mfa_devices = loop {
        let result = client
            .list_mfa_devices()
            .user_name(&name)
            .set_marker(marker.take())
            .send()
            .await;
        match result {
            Ok(out) => {
                mfa =
                    mfa.saturating_add(u32::try_from(out.mfa_devices().len()).unwrap_or(u32::MAX));
                match markers.next(out.is_truncated(), out.marker()) {
                    Ok(Some(next)) => marker = Some(next),
                    Ok(None) => break Some(mfa),
                    Err(stop) => {
                        // The count of an incomplete listing is not the count: unknown.
                        recorder.record(mfa_call.error(FetchErrorKind::Failed, stop.to_string()));
                        break None;
                    }
                }
            }
            Err(err) => {
                recorder.record_sdk(mfa_call, &err);
                break None;
            }
        }
    };

    signals.access_keys = access_keys(client, recorder, &name, &arn).await;
    signals
}

async fn access_keys(
    client: &Client,
    recorder: &Recorder,
    name: &str,
    arn: &str,
) -> Option<Vec<AccessKey>> {
    let mut keys = Vec::new();
    let mut marker = None;
    let mut markers = Markers::default();
    let list_call = Call::new("ListAccessKeys", "iam:ListAccessKeys", arn);
    loop {
        let result = client
            .list_access_keys()
            .user_name(name)
            .set_marker(marker.take())
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(err) => {
                recorder.record_sdk(list_call, &err);
                return None;
            }
        };
        for key in out.access_key_metadata() {
            let Some(id) = key.access_key_id() else {
                continue;
            };
            keys.push(AccessKey {
                access_key_id: id.to_owned(),
                status: key.status().map(|s| s.as_str().to_owned()),
                create_date: convert::opt_date(key.create_date()),
                last_used: None,
            });
        }
        match markers.next(out.is_truncated(), out.marker()) {
            Ok(Some(next)) => marker = Some(next),
            Ok(None) => break,
            Err(stop) => {
                // The keys already listed are real keys: kept (and looked up below); the
                // error says the list is incomplete.
                recorder.record(list_call.error(FetchErrorKind::Failed, stop.to_string()));
                break;
            }
        }
    }
    for key in &mut keys {
        let result = client
            .get_access_key_last_used()
            .access_key_id(&key.access_key_id)
            .send()
            .await;
        match result {
            Ok(out) => {
                key.last_used = out.access_key_last_used().map(|used| AccessKeyLastUsed {
                    date: convert::opt_date(used.last_used_date()),
                    service_name: Some(used.service_name().to_owned()),
                    region: Some(used.region().to_owned()),
                });
            }
            Err(err) => {
                // Several keys per user: the message names the key (an id, not a secret).
                let (kind, message) = classify(&err);
                let call = Call::new("GetAccessKeyLastUsed", "iam:GetAccessKeyLastUsed", arn);
                recorder.record(call.error(kind, format!("key {}: {message}", key.access_key_id)));
            }
        }
    }
    Some(keys)
}
