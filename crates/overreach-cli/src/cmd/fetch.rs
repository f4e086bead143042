//! `overreach fetch`: writes an account snapshot (or one per account of an organization) from
//! the AWS APIs. The work is done by `overreach-fetch`; this file is argument glue.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use overreach_fetch::{
    AwsOptions, FetchOptions, OrgScanOptions, PollConfig, Recorder, RetryMode, fetch_account,
    load_sdk_config, scan_organization, write_snapshot,
};

use crate::exit::Outcome;

/// Fetch an account's IAM configuration into a snapshot file.
///
/// Credentials come from the standard AWS chain (environment, shared config and credentials
/// files, `--profile`, SSO, web identity, container and instance metadata). The scanner
/// needs only the read permissions in `scanner-policy/overreach-scanner.json`. Calls that fail
/// or are denied are listed on stderr and in the snapshot's `Errors`; the snapshot is then
/// partial and the exit code is 3. No secret is ever written.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach fetch -o prod.json --profile prod
  overreach fetch -o prod.json --role-arn arn:aws:iam::123456789012:role/Audit --external-id X
  overreach fetch -o prod.json --last-accessed        # also IAM access advisor data (slow)
  overreach fetch -o mgmt.json --include-org          # also the organization's SCPs and RCPs
  overreach fetch --org -o snapshots/ --org-role OrganizationAccountAccessRole --concurrency 8
  overreach fetch -o test.json --endpoint-url http://127.0.0.1:5000   # an IAM-compatible endpoint

Exit codes: 0 complete, 3 partial (some calls failed or were denied), 2 error.")]
pub struct FetchArgs {
    /// Where to write the snapshot (with `--org`: a directory, created if missing).
    #[arg(short, long, value_name = "PATH")]
    output: PathBuf,
    #[command(flatten)]
    aws: AwsArgs,
    /// Also fetch IAM access advisor data (service and action last accessed) per principal.
    #[arg(long)]
    last_accessed: bool,
    /// Also put the organization tree with its SCPs and RCPs into the snapshot (needs the
    /// permissions of `scanner-policy/org-extra.json`, in the management account).
    #[arg(long, conflicts_with = "org")]
    include_org: bool,
    /// Scan the organization: its tree with SCPs and RCPs, and every ACTIVE member account.
    #[arg(long)]
    org: bool,
    /// The role assumed in each member account with `--org`.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "org"
    )]
    org_role: String,
    /// How many accounts (with `--org`) and how many per-principal calls run at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
}

/// How to reach AWS: shared by `fetch` and a live `scan`.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// The named profile of the shared AWS config files.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The region (IAM is global; defaults to the configured one, else us-east-1).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// A role to assume first, e.g. into the account to scan.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// The external id that `--role-arn`'s trust policy requires.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,
    /// Send every call to this endpoint (an IAM-compatible API, e.g. for tests).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Attempts per API call, the first included (retries use adaptive backoff).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// Seconds one attempt of an API call may take before it is abandoned and retried; a call
    /// that times out on every attempt is listed as failed (the snapshot is then partial).
    #[arg(long, value_name = "SECS", default_value_t = overreach_fetch::DEFAULT_ATTEMPT_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    attempt_timeout_secs: u64,
    /// The first retry backoff in milliseconds (for tests).
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true)]
    retry_backoff_ms: u64,
    /// `adaptive` (after throttling, also slow the request rate) or `standard` (for tests).
    #[arg(long, value_name = "MODE", default_value = "adaptive", value_parser = parse_retry_mode, hide = true)]
    retry_mode: RetryMode,
}

impl AwsArgs {
    fn options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            endpoint_url: self.endpoint_url.clone(),
            max_attempts: self.max_attempts,
            initial_backoff: Duration::from_millis(self.retry_backoff_ms),
            retry_mode: self.retry_mode,
            credentials: None,
            attempt_timeout: Duration::from_secs(self.attempt_timeout_secs),
        }
    }
}

/// Fetches one account into memory (a live `scan`): the same calls as `overreach fetch`, with
/// failures recorded in the snapshot's `Errors`; Ctrl-C stops it.
pub fn fetch_live(
    aws: &AwsArgs,
    last_accessed: bool,
    include_org: bool,
) -> anyhow::Result<overreach_snapshot::Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        let config = load_sdk_config(&aws.options()).await;
        let options = FetchOptions {
            last_accessed,
            organization: include_org,
            poll: PollConfig::default(),
            ..FetchOptions::default()
        };
        let recorder = Recorder::new();
        tokio::select! {
            result = fetch_account(&config, &options, &recorder) => Ok(result?),
            _ = tokio::signal::ctrl_c() => bail!("interrupted: nothing was analysed"),
        }
    })
}

/// Runs `overreach fetch`.
pub fn run(args: &FetchArgs) -> anyhow::Result<Outcome> {
    check_output(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        tokio::select! {
            result = fetch(args) => result,
            _ = tokio::signal::ctrl_c() => {
                bail!("interrupted: nothing more was written (files are only ever replaced whole)")
            }
        }
    })
}

fn parse_retry_mode(s: &str) -> Result<RetryMode, String> {
    match s {
        "adaptive" => Ok(RetryMode::Adaptive),
        "standard" => Ok(RetryMode::Standard),
        _ => Err(format!(
            "unknown retry mode `{s}`: use adaptive or standard"
        )),
    }
}

fn check_output(args: &FetchArgs) -> anyhow::Result<()> {
    if args.org {
        std::fs::create_dir_all(&args.output).with_context(|| {
            format!(
                "could not create the output directory `{}`",
                args.output.display()
            )
        })?;
    } else if args.output.is_dir() {
        bail!(
            "`{}` is a directory: give a file name, or use `--org` to write one snapshot per account",
            args.output.display()
        );
    }
    Ok(())
}

async fn fetch(args: &FetchArgs) -> anyhow::Result<Outcome> {
    let config = load_sdk_config(&args.aws.options()).await;
    let options = FetchOptions {
        last_accessed: args.last_accessed,
        organization: args.include_org,
        concurrency: usize::from(args.concurrency),
        poll: PollConfig::default(),
        ..FetchOptions::default()
    };
    let recorder = Recorder::new();
    if args.org {
        return fetch_org(args, &config, options, &recorder).await;
    }
    let snapshot = fetch_account(&config, &options, &recorder).await?;
    write_snapshot(&args.output, &snapshot)?;
    let errors = snapshot.errors.len();
    eprintln!(
        "wrote `{}`: {} users, {} groups, {} roles, {} managed policies{}",
        args.output.display(),
        snapshot.users.len(),
        snapshot.groups.len(),
        snapshot.roles.len(),
        snapshot.policies.len(),
        partial_note(errors)
    );
    Ok(if errors > 0 {
        Outcome::Partial
    } else {
        Outcome::Clean
    })
}

async fn fetch_org(
    args: &FetchArgs,
    config: &overreach_fetch::SdkConfig,
    options: FetchOptions,
    recorder: &Recorder,
) -> anyhow::Result<Outcome> {
    let scan_options = OrgScanOptions {
        org_role: args.org_role.clone(),
        concurrency: usize::from(args.concurrency),
        account: options,
    };
    let scan = scan_organization(config, &scan_options, &args.output, recorder).await?;
    for account in &scan.accounts {
        match (&account.failure, &account.file) {
            (Some(reason), _) => eprintln!("account {}: failed: {reason}", account.account_id),
            (None, Some(file)) => eprintln!(
                "account {}: wrote `{}`{}",
                account.account_id,
                display(file),
                partial_note(account.errors)
            ),
            (None, None) => {}
        }
    }
    let failed = scan.accounts.iter().filter(|a| a.failure.is_some()).count();
    eprintln!(
        "wrote `{}`: {} accounts fetched, {failed} failed{}",
        display(&args.output.join(overreach_fetch::ORGANIZATION_FILE)),
        scan.accounts.len() - failed,
        partial_note(scan.organization.errors.len())
    );
    Ok(if scan.is_partial() {
        Outcome::Partial
    } else {
        Outcome::Clean
    })
}

fn partial_note(errors: usize) -> String {
    match errors {
        0 => String::new(),
        1 => "; PARTIAL: 1 call failed (see above and `Errors` in the file)".to_owned(),
        n => format!("; PARTIAL: {n} calls failed (see above and `Errors` in the file)"),
    }
}

fn display(path: &Path) -> std::path::Display<'_> {
    path.display()
}
