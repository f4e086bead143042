//! Fetches account snapshots from the AWS IAM, STS and Organizations APIs.
//!
//! INVARIANT: this is the only crate of overreach that does network I/O. It never logs or
//! writes a secret: credentials stay inside the SDK; snapshots hold access key ids and
//! metadata, never secret keys, passwords or session tokens.
//!
//! A fetch does not stop at the first failure: every call that fails after retries (or is
//! denied) is recorded in the snapshot's `Errors`, printed on stderr, and the fetch goes on;
//! what was fetched before is kept. Only a failure to authenticate at all is an `Err`.

mod config;
mod convert;
mod iam;
mod last_accessed;
mod org;
mod pages;
mod record;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use overreach_snapshot::{FetchErrorKind, Metadata, Snapshot, Source};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use crate::config::{
    AwsOptions, DEFAULT_ATTEMPT_TIMEOUT, SESSION_NAME, assume_role, check_credentials,
    load_sdk_config,
};
pub use crate::last_accessed::PollConfig;
pub use crate::record::{Call, Recorder};
pub use crate::write::{NewFile, WriteError, write_file, write_snapshot};
pub use aws_config::SdkConfig;
pub use aws_config::retry::RetryMode;
pub use aws_sdk_iam::config::Credentials;

/// What to fetch besides the authorization details.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Login profiles, MFA devices and access keys of every user.
    pub credential_signals: bool,
    /// IAM access advisor data for every principal (`--last-accessed`; slow).
    pub last_accessed: bool,
    /// The organization tree with its SCPs and RCPs.
    pub organization: bool,
    /// How many per-principal calls run at once.
    pub concurrency: usize,
    /// How to wait for access advisor jobs.
    pub poll: PollConfig,
    /// Written as `overreach.tool_version`.
    pub tool_version: String,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            credential_signals: true,
            last_accessed: false,
            organization: false,
            concurrency: 4,
            poll: PollConfig::default(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// A fetch that could not produce anything.
#[derive(Debug, thiserror::Error)]
pub enum FetchFailure {
    /// No usable credentials, or the endpoint is unreachable.
    #[error(
        "could not authenticate: {0}\n  hint: check the credentials (`--profile`, `AWS_PROFILE`, `aws sso login`), `--role-arn` and `--endpoint-url`"
    )]
    Credentials(String),
    /// The organization could not be read at all (`--org`).
    #[error(
        "could not read the organization: {0}\n  hint: run `--org` with credentials of the management account (or a delegated administrator) allowed `organizations:Describe*` and `organizations:List*`"
    )]
    Organization(String),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Who the credentials belong to.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub partition: String,
    pub arn: String,
}

/// sts:GetCallerIdentity (needs no permission): the account and partition of the caller.
pub async fn caller_identity(config: &SdkConfig) -> Result<Identity, FetchFailure> {
    check_credentials(config)
        .await
        .map_err(FetchFailure::Credentials)?;
    let sts = aws_sdk_sts::Client::new(config);
    let out = sts.get_caller_identity().send().await.map_err(|e| {
        FetchFailure::Credentials(
            aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
        )
    })?;
    let arn = out.arn().unwrap_or_default().to_owned();
    let partition = arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Ok(Identity {
        account_id: out.account().unwrap_or_default().to_owned(),
        partition: partition.to_owned(),
        arn,
    })
}

/// The current time as RFC 3339 text.
pub fn now_rfc3339() -> String {
    DateTime::from(SystemTime::now())
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// Fetches one account's snapshot with the credentials of `config`.
///
/// API failures are recorded in the snapshot's `Errors` (and on stderr through `recorder`);
/// `Err` only when the caller cannot be identified at all.
pub async fn fetch_account(
    config: &SdkConfig,
    options: &FetchOptions,
    recorder: &Recorder,
) -> Result<Snapshot, FetchFailure> {
    recorder.progress("identifying the caller");
    let identity = caller_identity(config).await?;
    let fetched_at = now_rfc3339();
    let iam_client = iam_client(config, &identity);
    let mut snapshot = Snapshot::default();

    iam::authorization_details(&iam_client, recorder, &mut snapshot).await;
    iam::boundary_policies(&iam_client, recorder, &mut snapshot).await;
    if options.credential_signals {
        let users: Vec<(String, String)> = snapshot
            .users
            .iter()
            .map(|u| (u.user_name.clone(), u.arn.clone()))
            .collect();
        snapshot.credential_signals =
            iam::credential_signals(&iam_client, recorder, &users, options.concurrency).await;
    }
    if options.last_accessed {
        let arns = snapshot
            .users
            .iter()
            .map(|u| u.arn.clone())
            .chain(snapshot.groups.iter().map(|g| g.arn.clone()))
            .chain(snapshot.roles.iter().map(|r| r.arn.clone()))
            .collect();
        snapshot.last_accessed = last_accessed::last_accessed(
            &iam_client,
            recorder,
            arns,
            options.concurrency,
            options.poll,
        )
        .await;
    }
    if options.organization {
        let client = aws_sdk_organizations::Client::new(config);
        snapshot.organization = org::organization(&client, recorder).await;
    }
    recorder.finish();
    snapshot.meta = Some(Metadata {
        format_version: overreach_snapshot::FORMAT_VERSION,
        tool_version: Some(options.tool_version.clone()),
        account_id: Some(identity.account_id),
        fetched_at: Some(fetched_at),
        partition: Some(identity.partition),
        source: Some(Source::OverreachFetch),
    });
    snapshot.errors = recorder.errors();
    Ok(snapshot)
}

/// An IAM client with a retry partition of its own: IAM throttles per account, so the
/// adaptive rate limiter of one account's fetch must not slow down another's.
fn iam_client(config: &SdkConfig, identity: &Identity) -> aws_sdk_iam::Client {
    static FETCHES: AtomicU64 = AtomicU64::new(0);
    let n = FETCHES.fetch_add(1, Ordering::Relaxed);
    let partition = aws_sdk_iam::config::retry::RetryPartition::new(format!(
        "overreach-iam-{}-{n}",
        identity.account_id
    ));
    let conf = aws_sdk_iam::config::Builder::from(config)
        .retry_partition(partition)
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

/// How to scan an organization (`--org`).
#[derive(Debug, Clone)]
pub struct OrgScanOptions {
    /// The role assumed in every member account (`--org-role`).
    pub org_role: String,
    /// How many accounts are fetched at once (`--concurrency`).
    pub concurrency: usize,
    /// What to fetch in each account (its `organization` is ignored: the tree is fetched once).
    pub account: FetchOptions,
}

/// What happened to one member account of a scan.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    pub account_id: String,
    /// The snapshot file, when one was written.
    pub file: Option<PathBuf>,
    /// How many calls failed in this account (the snapshot is partial when not zero).
    pub errors: usize,
    /// Why the account could not be fetched at all.
    pub failure: Option<String>,
}

/// The result of an organization scan.
#[derive(Debug, Clone)]
pub struct OrgScan {
    /// `organization.json`: the tree, and the organization-level and account-level failures.
    pub organization: Snapshot,
    pub accounts: Vec<AccountOutcome>,
}

impl OrgScan {
    /// Whether anything is missing: an organization call or an account failed, or an
    /// account's snapshot is partial.
    pub fn is_partial(&self) -> bool {
        self.organization.is_partial()
            || self
                .accounts
                .iter()
                .any(|a| a.failure.is_some() || a.errors > 0)
    }
}

/// The name of the organization file in a scan's output directory.
pub const ORGANIZATION_FILE: &str = "organization.json";

/// Fetches the organization, then every ACTIVE member account by assuming `org_role` in it,
/// `concurrency` accounts at a time, writing `DIR/organization.json` and `DIR/ACCOUNT.json`
/// as each completes. An account that fails is recorded and the others go on.
pub async fn scan_organization(
    config: &SdkConfig,
    options: &OrgScanOptions,
    out_dir: &Path,
    recorder: &Recorder,
) -> Result<OrgScan, FetchFailure> {
    let identity = caller_identity(config).await?;
    let org_recorder = recorder.child("organization");
    let client = aws_sdk_organizations::Client::new(config);
    let Some(organization) = org::organization(&client, &org_recorder).await else {
        let reason = org_recorder
            .errors()
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(FetchFailure::Organization(reason));
    };
    let accounts = org::active_accounts(&organization);
    let mut summary = Snapshot {
        meta: Some(Metadata {
            format_version: overreach_snapshot::FORMAT_VERSION,
            tool_version: Some(options.account.tool_version.clone()),
            account_id: Some(identity.account_id.clone()),
            fetched_at: Some(now_rfc3339()),
            partition: Some(identity.partition.clone()),
            source: Some(Source::OverreachFetch),
        }),
        organization: Some(organization),
        errors: org_recorder.errors(),
        ..Snapshot::default()
    };
    let org_file = out_dir.join(ORGANIZATION_FILE);
    write_snapshot(&org_file, &summary)?;

    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let shared = Arc::new((
        config.clone(),
        options.clone(),
        out_dir.to_owned(),
        identity,
    ));
    let mut tasks = JoinSet::new();
    for account_id in accounts {
        let permits = Arc::clone(&permits);
        let shared = Arc::clone(&shared);
        let recorder = recorder.child(&account_id);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let (config, options, out_dir, identity) = &*shared;
            scan_account(config, options, out_dir, identity, account_id, &recorder).await
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => outcomes.push(outcome),
            Err(err) => outcomes.push(AccountOutcome {
                account_id: String::new(),
                file: None,
                errors: 0,
                failure: Some(format!("internal error: a task ended abnormally: {err}")),
            }),
        }
    }
    outcomes.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    for outcome in &outcomes {
        if let Some(reason) = &outcome.failure {
            let call = Call::new("AssumeRole", "sts:AssumeRole", &outcome.account_id);
            summary
                .errors
                .push(call.error(FetchErrorKind::Failed, reason.clone()));
        }
    }
    write_snapshot(&org_file, &summary)?;
    Ok(OrgScan {
        organization: summary,
        accounts: outcomes,
    })
}

async fn scan_account(
    base: &SdkConfig,
    options: &OrgScanOptions,
    out_dir: &Path,
    caller: &Identity,
    account_id: String,
    recorder: &Recorder,
) -> AccountOutcome {
    let mut outcome = AccountOutcome {
        account_id: account_id.clone(),
        file: None,
        errors: 0,
        failure: None,
    };
    // The caller's own account is fetched with the caller's credentials.
    let config = if account_id == caller.account_id {
        base.clone()
    } else {
        let role = format!(
            "arn:{}:iam::{account_id}:role/{}",
            caller.partition, options.org_role
        );
        assume_role(base, &role, None).await
    };
    let mut account_options = options.account.clone();
    account_options.organization = false;
    let snapshot = match fetch_account(&config, &account_options, recorder).await {
        Ok(snapshot) => snapshot,
        Err(FetchFailure::Credentials(message)) => {
            outcome.failure = Some(format!(
                "could not assume `{}`: {message}",
                options.org_role
            ));
            return outcome;
        }
        Err(err) => {
            outcome.failure = Some(err.to_string());
            return outcome;
        }
    };
    let file = out_dir.join(format!("{account_id}.json"));
    match write_snapshot(&file, &snapshot) {
        Ok(()) => {
            outcome.errors = snapshot.errors.len();
            outcome.file = Some(file);
        }
        Err(err) => outcome.failure = Some(err.to_string()),
    }
    outcome
}

#[cfg(test)]
mod tests;
