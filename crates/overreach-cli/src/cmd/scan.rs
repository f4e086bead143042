//! `overreach scan`: analyse an account snapshot against the declared roles and report every
//! principal that can do more than its role says.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use overreach_analysis::analyze::{Options, analyze};
use overreach_analysis::finding::Severity;

use crate::exit::Outcome;
use crate::{input, output, report};

/// Analyse an account and report principals that exceed their declared role.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach scan --snapshot fixtures/demo/snapshot.json --config fixtures/demo/overreach.toml
  overreach scan --snapshot gaad.json --format table --format json=report.json
  overreach scan --snapshot gaad.json --suppressions accepted.toml --fail-on critical

A snapshot is an `overreach fetch` file or the output of
`aws iam get-account-authorization-details`.")]
pub struct ScanArgs {
    /// The account snapshot to analyse.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// The declared roles (default: `overreach.toml` in the current folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted findings (rule, principal glob, reason, expiry).
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// Report format, repeatable; `FORMAT=FILE` writes that format to FILE (atomically),
    /// otherwise to stdout (at most one format on stdout).
    #[arg(long, value_name = "FORMAT[=FILE]", default_value = "table")]
    pub format: Vec<String>,
    /// Write the (single) format to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with code 1 when a finding at or above this severity is not suppressed.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
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
    fn threshold(self) -> Option<Severity> {
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
            "sarif" | "markdown" | "html" => {
                bail!("the `{name}` format is not available in this version: use `table` or `json`")
            }
            other => bail!("unknown format `{other}`: use `table` or `json`"),
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
    let snapshot = input::load_snapshot(&args.snapshot)?;
    let declarations = input::load_config(args.config.as_deref())?;
    let suppressions = input::load_suppressions(args.suppressions.as_deref())?;
    let options = Options {
        config_wins: args.config_wins,
        today: Some(args.as_of.clone().unwrap_or_else(input::today_utc)),
        unused_days: args.unused_days,
    };
    let analysis = analyze(
        &snapshot,
        &declarations.config,
        &declarations.baselines,
        &suppressions,
        &options,
    );
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
    for (format, path) in &destinations {
        let text = match format {
            Format::Table => report::table::render(&analysis, snapshot.is_partial(), 120),
            Format::Json => {
                let r = report::json::build(&analysis, &snapshot, input::now_utc());
                let mut s =
                    serde_json::to_string_pretty(&r).context("cannot render the JSON report")?;
                s.push('\n');
                s
            }
        };
        output::write(path, &text)?;
    }
    let failing = args.fail_on.threshold().is_some_and(|t| {
        analysis
            .findings
            .iter()
            .any(|f| !f.is_suppressed() && f.severity >= t)
    });
    let mut outcome = if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if snapshot.is_partial() {
        outcome = outcome.combine(Outcome::Partial);
    }
    Ok(outcome)
}
