//! `overreach scan`: analyse an account snapshot against the declared roles and report every
//! principal that can do more than its role says.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use overreach_analysis::account::Account;
use overreach_analysis::analyze::{Options, analyze_account};
use overreach_analysis::finding::Severity;
use overreach_policy::ManagedPolicies;

use crate::exit::Outcome;
use crate::{input, output, report};

/// Analyse an account and report principals that exceed their declared role.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach scan --snapshot fixtures/demo/snapshot.json --config fixtures/demo/overreach.toml
  overreach scan --snapshot gaad.json --format table --format json=report.json
  overreach scan --snapshot gaad.json --format sarif=overreach.sarif --format markdown=comment.md
  overreach scan --snapshot gaad.json --suppressions accepted.toml --fail-on critical
  overreach scan --profile prod --save-snapshot prod.json --format json=report.json   # live
  overreach scan --snapshot gaad.json --baseline last-week.json --fail-on-new --fail-on high

Formats: table (terminal), json (schema/report-v1.schema.json), sarif (SARIF 2.1.0 for code
scanning, located at each principal's line in the snapshot), markdown (pull-request comments).

A snapshot is an `overreach fetch` file or the output of
`aws iam get-account-authorization-details`.")]
pub struct ScanArgs {
    /// The account snapshot to analyse. Without it, the account is fetched live from AWS
    /// first (standard credential chain and the connection flags below, as `overreach fetch`).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// With a live scan: also write the fetched snapshot here (atomically).
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    pub save_snapshot: Option<PathBuf>,
    /// With a live scan: also fetch IAM access advisor data (for `unused-permission`).
    #[arg(long, conflicts_with = "snapshot")]
    pub last_accessed: bool,
    /// With a live scan: also fetch the organization's SCPs (management account only).
    #[arg(long, conflicts_with = "snapshot")]
    pub include_org: bool,
    #[command(flatten)]
    pub aws: crate::cmd::fetch::AwsArgs,
    /// The declared roles (default: `overreach.toml` in the current folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted findings (rule, principal glob, reason, expiry).
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// Report format (`table`, `json`, `sarif`, `markdown`, `html`), repeatable; `FORMAT=FILE` writes
    /// that format to FILE (atomically), otherwise to stdout (at most one format on stdout).
    #[arg(long, value_name = "FORMAT[=FILE]", default_value = "table")]
    pub format: Vec<String>,
    /// Write the (single) format to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with code 1 when a finding at or above this severity is not suppressed.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// A previous JSON report (`--format json`): every format then says which findings are new,
    /// resolved or remaining (by finding id).
    #[arg(long, value_name = "PREVIOUS_REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// With `--baseline`: only new findings decide `--fail-on`.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Let `[[assign]]` entries win over principals' own tags.
    #[arg(long)]
    pub config_wins: bool,
    /// Days without use after which a granted service is reported as unused.
    #[arg(long, default_value_t = 90, value_name = "DAYS")]
    pub unused_days: u32,
    /// The date to judge suppression expiry and unused days by (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

/// The threshold for a failing exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    Never,
}

impl FailOn {
    /// The lowest failing severity (`None`: never fail).
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
    Html,
}

/// Parses the `--format` values into (format, destination).
fn destinations(args: &ScanArgs) -> anyhow::Result<Vec<(Format, PathBuf)>> {
    let mut out = Vec::new();
    for spec in &args.format {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) => (n, Some(PathBuf::from(f))),
            None => (spec.as_str(), None),
        };
        let format = match name {
            "table" => Format::Table,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "markdown" | "md" => Format::Markdown,
            "html" => Format::Html,
            other => bail!(
                "unknown format `{other}`: use `table`, `json`, `sarif`, `markdown` or `html`"
            ),
        };
        out.push((format, file));
    }
    if let Some(o) = &args.output {
        if out.len() != 1 || out[0].1.is_some() {
            bail!(
                "`--output` goes with exactly one `--format` without `=FILE`: use `--format FORMAT=FILE` for several"
            );
        }
        out[0].1 = Some(o.clone());
    }
    if out.iter().filter(|(_, f)| f.is_none()).count() > 1 {
        bail!("only one format can go to stdout: write the others with `--format FORMAT=FILE`");
    }
    Ok(out
        .into_iter()
        .map(|(f, p)| (f, p.unwrap_or_else(|| PathBuf::from("-"))))
        .collect())
}

/// Runs `overreach scan`.
pub fn run(args: &ScanArgs) -> anyhow::Result<Outcome> {
    let destinations = destinations(args)?;
    if let Some(d) = &args.as_of
        && (overreach_policy::condition::parse_date(d).is_none() || d.len() != 10)
    {
        bail!("`--as-of {d}` is not a date: use YYYY-MM-DD");
    }
    let mut snapshot = match &args.snapshot {
        Some(path) => input::load_snapshot(path)?,
        None => {
            let snapshot =
                crate::cmd::fetch::fetch_live(&args.aws, args.last_accessed, args.include_org)?;
            if let Some(path) = &args.save_snapshot {
                let mut text = Vec::new();
                snapshot
                    .to_writer(&mut text)
                    .context("cannot render the snapshot")?;
                output::write(path, &String::from_utf8_lossy(&text))?;
            }
            snapshot
        }
    };
    // what reports point at: the snapshot file (a saved live snapshot too)
    let source = args
        .snapshot
        .clone()
        .or_else(|| args.save_snapshot.clone())
        .unwrap_or_else(|| PathBuf::from("live-scan"));
    let baseline = args
        .baseline
        .as_deref()
        .map(report::drift::load)
        .transpose()?;
    let declarations = input::load_config(args.config.as_deref())?;
    let suppressions = input::load_suppressions(args.suppressions.as_deref())?;
    let options = Options {
        config_wins: args.config_wins,
        today: Some(args.as_of.clone().unwrap_or_else(input::today_utc)),
        unused_days: args.unused_days,
    };
    // the account model holds what the analysis needs of the users, groups, roles and
    // policies: their parsed documents are freed (on the side) before the analysis grows
    let account = Account::from_snapshot(&snapshot, ManagedPolicies::embedded());
    let details = snapshot.release_details();
    let freeing = std::thread::spawn(move || drop(details));
    let analysis = analyze_account(
        account,
        &snapshot,
        &declarations.config,
        &declarations.baselines,
        &suppressions,
        &options,
    );
    let _ = freeing.join();
    for w in &analysis.warnings {
        eprintln!("warning: {w}");
    }
    for e in &snapshot.errors {
        eprintln!(
            "partial: {} on `{}` failed ({}): needs `{}`",
            e.api,
            e.target,
            e.kind.as_str(),
            e.permission
        );
    }
    let drift = baseline
        .as_ref()
        .map(|b| report::drift::Drift::compute(&analysis.findings, b));
    let drift = drift.as_ref();
    // the snapshot's text, to locate principals in SARIF (only for a regular file)
    let snapshot_text = if destinations.iter().any(|(f, _)| *f == Format::Sarif)
        && std::fs::metadata(&source).is_ok_and(|m| m.is_file())
    {
        std::fs::read_to_string(&source).ok()
    } else {
        None
    };
    for (format, path) in &destinations {
        let text = match format {
            Format::Table => report::table::render(&analysis, snapshot.is_partial(), 120, drift),
            Format::Json => {
                let mut r = report::json::build(&analysis, &snapshot, input::now_utc());
                if let Some(d) = drift {
                    r.set_drift(d);
                }
                if output::indented(path) {
                    output::write_json(path, &r)
                } else {
                    output::write_with(path, |out| report::json::write_compact(out, &r))
                }
                .context("cannot write the JSON report")?;
                continue;
            }
            Format::Sarif => {
                let source = report::sarif::Source {
                    uri: snapshot_uri(&source),
                    text: snapshot_text.as_deref(),
                };
                let log = report::sarif::build(&analysis, &source, drift);
                output::write_json(path, &log).context("cannot write the SARIF report")?;
                continue;
            }
            Format::Markdown => report::markdown::render(&analysis, snapshot.is_partial(), drift),
            Format::Html => {
                let mut r = report::json::build(&analysis, &snapshot, input::now_utc());
                if let Some(d) = drift {
                    r.set_drift(d);
                }
                report::html::render(&r)?
            }
        };
        output::write(path, &text)?;
    }
    let failing = args.fail_on.threshold().is_some_and(|t| {
        analysis.findings.iter().any(|f| {
            !f.is_suppressed()
                && f.severity >= t
                && (!args.fail_on_new
                    || drift.is_some_and(|d| d.status(&f.id) == report::drift::Status::New))
        })
    });
    let mut outcome = if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if snapshot.is_partial() {
        outcome = outcome.combine(Outcome::Partial);
    }
    // the process ends here: freeing a large account's analysis piece by piece would only
    // delay the exit (the reports are already written and flushed)
    std::mem::forget(analysis);
    std::mem::forget(snapshot);
    Ok(outcome)
}

/// The snapshot's URI for SARIF: relative to the current folder when it is inside it (as code
/// scanning wants), a `file://` URI otherwise.
fn snapshot_uri(path: &Path) -> String {
    if path.is_relative() {
        return report::sarif::path_uri(&path.to_string_lossy());
    }
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.canonicalize().unwrap_or(cwd);
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Ok(rel) = abs.strip_prefix(&cwd) {
            return report::sarif::path_uri(&rel.to_string_lossy());
        }
    }
    format!(
        "file://{}",
        report::sarif::path_uri(&path.to_string_lossy())
    )
}
