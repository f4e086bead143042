//! `overreach check`: the pull-request check. Reads infrastructure as code (CloudFormation,
//! CDK output, Terraform plans, policy manifests, snapshots) at a base and a head, analyses
//! both, and reports per principal the change in effective rights and the findings the change
//! introduces; fails on introduced findings at or above `--fail-on`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use overreach_analysis::analyze::{Options, analyze};
use overreach_iac::overlay::{compose, defined};
use overreach_iac::{IacSet, Settings};
use overreach_snapshot::Snapshot;

use crate::check::diff::{self, Analysed, Inputs};
use crate::check::report::{self as check_report, View};
use crate::check::sources;
use crate::cmd::scan::FailOn;
use crate::exit::Outcome;
use crate::{input, output};

/// Check a change to IAM infrastructure as code against the declared roles.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach check --base origin/main --head . --config overreach.toml
  overreach check --base before/ --head after/ --format sarif=overreach.sarif --format markdown=comment.md
  overreach check --base plan-main.json --head plan-pr.json --context-snapshot prod.json
  overreach check --base HEAD~1 --head HEAD --fail-on critical

BASE and HEAD are each a folder, a file, or a git revision of the repository in the current
folder (read with git, the work tree untouched; run from the repository root so paths in
SARIF resolve). Inputs found: CloudFormation templates (JSON/YAML, with short-form
intrinsics; `cdk synth` output in cdk.out), Terraform plans (`terraform show -json`),
overreach-manifest.toml (policy files bound to principals) and snapshots. Symbolic links are
not followed.

Formats: table (terminal), json (schema/check-v1.schema.json), sarif (results at the
statement that grants the excess), markdown (a pull-request comment).")]
pub struct CheckArgs {
    /// The state before the change: a folder, a file or a git revision.
    #[arg(long, value_name = "BASE")]
    pub base: String,
    /// The state after the change: a folder, a file or a git revision.
    #[arg(long, value_name = "HEAD")]
    pub head: String,
    /// The declared roles (default: `overreach.toml` in the current folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted findings (rule, principal glob, reason, expiry).
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// The live account as context (a snapshot): both sides are laid over it, so a change is
    /// judged with everything the principals already have.
    #[arg(long, value_name = "FILE")]
    pub context_snapshot: Option<PathBuf>,
    /// The account id for `AWS::AccountId` and unnamed ARNs (default: the context snapshot's,
    /// else 000000000000).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// The region for `AWS::Region`.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// A template parameter value, repeatable (`--parameter Env=prod`).
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Report format (`table`, `json`, `sarif`, `markdown`), repeatable; `FORMAT=FILE` writes
    /// to FILE (atomically), otherwise to stdout (at most one format on stdout).
    #[arg(long, value_name = "FORMAT[=FILE]", default_value = "table")]
    pub format: Vec<String>,
    /// Exit with code 1 when an introduced finding at or above this severity is not
    /// suppressed.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Let `[[assign]]` entries win over principals' own tags.
    #[arg(long)]
    pub config_wins: bool,
    /// The date to judge suppression expiry by (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

fn destinations(specs: &[String]) -> anyhow::Result<Vec<(Format, PathBuf)>> {
    let mut out = Vec::new();
    for spec in specs {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) => (n, PathBuf::from(f)),
            None => (spec.as_str(), PathBuf::from("-")),
        };
        let format = match name {
            "table" => Format::Table,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "markdown" | "md" => Format::Markdown,
            other => bail!("unknown format `{other}`: use `table`, `json`, `sarif` or `markdown`"),
        };
        out.push((format, file));
    }
    if out.iter().filter(|(_, f)| f.as_os_str() == "-").count() > 1 {
        bail!("only one format can go to stdout: write the others with `--format FORMAT=FILE`");
    }
    // refused before the analysis, so a bad destination never loses a finished run
    let mut seen = std::collections::BTreeSet::new();
    for (_, file) in out.iter().filter(|(_, f)| f.as_os_str() != "-") {
        if file.as_os_str().is_empty() {
            bail!("`--format FORMAT=` needs a file name after `=`");
        }
        if !seen.insert(file.clone()) {
            bail!(
                "two formats would be written to `{}`: give each its own file",
                file.display()
            );
        }
        let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(dir) = parent
            && !dir.is_dir()
        {
            bail!(
                "cannot write `{}`: the folder `{}` does not exist",
                file.display(),
                dir.display()
            );
        }
    }
    Ok(out)
}

/// The declared roles and suppressions the change is judged by. When base is a git revision
/// whose configuration or suppressions file differs from the work tree's, the base's are used
/// for both sides: a change must not loosen the rules it is judged by (what it changes there
/// is reported for review).
fn declarations_at_base(
    args: &CheckArgs,
) -> anyhow::Result<(
    input::Declarations,
    overreach_analysis::suppress::Suppressions,
    Vec<String>,
)> {
    let mut review = Vec::new();
    let config_path = args
        .config
        .clone()
        .or_else(|| Some(PathBuf::from("overreach.toml")).filter(|p| p.exists()));
    let revision = sources::is_revision(&args.base);
    let mut declarations = input::load_config(args.config.as_deref())?;
    if revision && let Some(path) = &config_path {
        let now = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(then) = sources::file_at_revision(&args.base, path)
            && then != now
        {
            declarations = input::config_from_text(&then, path)?;
            review.push(format!(
                "the declared roles (`{}`) change between `{}` and the work tree: the change is judged by the base's declarations; review the configuration change itself",
                path.display(),
                args.base
            ));
        }
    }
    let mut suppressions = input::load_suppressions(args.suppressions.as_deref())?;
    if revision && let Some(path) = &args.suppressions {
        let now = std::fs::read_to_string(path).unwrap_or_default();
        match sources::file_at_revision(&args.base, path) {
            Some(then) if then != now => {
                suppressions = input::suppressions_from_text(&then, path)?;
                review.push(format!(
                    "the suppressions (`{}`) change between `{}` and the work tree: the base's are applied; review the new suppressions themselves",
                    path.display(),
                    args.base
                ));
            }
            None => {
                suppressions = overreach_analysis::suppress::Suppressions::default();
                review.push(format!(
                    "the suppressions file `{}` is new since `{}`: not applied; review it itself",
                    path.display(),
                    args.base
                ));
            }
            Some(_) => {}
        }
    }
    Ok((declarations, suppressions, review))
}

/// The account id the context snapshot is about (its metadata, else its first ARN).
fn context_account(s: &Snapshot) -> Option<String> {
    s.meta
        .as_ref()
        .and_then(|m| m.account_id.clone())
        .or_else(|| {
            s.roles
                .iter()
                .map(|r| &r.arn)
                .chain(s.users.iter().map(|u| &u.arn))
                .find_map(|arn| arn.split(':').nth(4).map(str::to_string))
        })
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

fn read_side(
    spec: &str,
    other: &str,
    settings: &Settings,
) -> anyhow::Result<(sources::Side, IacSet)> {
    let side = sources::read(spec, sources::is_revision(other))?;
    let set = overreach_iac::read(&side.files, settings).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{} input file(s) of `{spec}` cannot be read:\n  {}",
            errors.len(),
            lines.join("\n  ")
        )
    })?;
    if set.files.is_empty() {
        eprintln!(
            "warning: `{spec}` holds no CloudFormation template, Terraform plan, overreach-manifest.toml or snapshot"
        );
    }
    Ok((side, set))
}

/// Runs `overreach check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let destinations = destinations(&args.format)?;
    if let Some(d) = &args.as_of
        && (overreach_policy::condition::parse_date(d).is_none() || d.len() != 10)
    {
        bail!("`--as-of {d}` is not a date: use YYYY-MM-DD");
    }
    let context = args
        .context_snapshot
        .as_deref()
        .map(input::load_snapshot)
        .transpose()?;
    let mut parameters = BTreeMap::new();
    for p in &args.parameters {
        let Some((k, v)) = p.split_once('=') else {
            bail!("`--parameter {p}` needs the form NAME=VALUE");
        };
        parameters.insert(k.to_string(), v.to_string());
    }
    let account_id = match (&args.account_id, context.as_ref().and_then(context_account)) {
        (Some(a), _) => {
            if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                bail!("`--account-id {a}` is not a 12-digit AWS account id");
            }
            a.clone()
        }
        (None, Some(a)) => a,
        (None, None) => Settings::default().account_id,
    };
    let settings = Settings {
        account_id,
        partition: args.partition.clone(),
        region: args.region.clone(),
        parameters,
    };
    let (base_side, base_set) = read_side(&args.base, &args.head, &settings)?;
    let (head_side, head_set) = read_side(&args.head, &args.base, &settings)?;
    let (declarations, suppressions, review) = declarations_at_base(args)?;
    for r in &review {
        eprintln!("warning: {r}");
    }
    let options = Options {
        config_wins: args.config_wins,
        today: Some(args.as_of.clone().unwrap_or_else(input::today_utc)),
        unused_days: 90,
    };
    // what the change deletes: defined at base, gone at head
    let head_defined = defined(&head_set);
    let deleted = defined(&base_set)
        .into_iter()
        .filter(|arn| !head_defined.contains(arn))
        .collect();
    let analysed = |set: IacSet, deleted: &std::collections::BTreeSet<String>| {
        let snapshot = compose(context.as_ref(), &set, deleted);
        let analysis = analyze(
            &snapshot,
            &declarations.config,
            &declarations.baselines,
            &suppressions,
            &options,
        );
        Analysed {
            set,
            snapshot,
            analysis,
        }
    };
    let base = analysed(base_set, &std::collections::BTreeSet::new());
    let head = analysed(head_set, &deleted);
    for w in &head.analysis.warnings {
        eprintln!("warning: {w}");
    }
    let inputs = Inputs {
        config: &declarations.config,
        baselines: &declarations.baselines,
        options: &options,
    };
    let diff = diff::compute(&base, &head, &inputs);
    let threshold = args.fail_on.threshold();
    let failing = diff::fails(&diff, threshold);
    // a partial snapshot anywhere (context, or a side's input) may hide rights
    let partial = context.as_ref().is_some_and(Snapshot::is_partial)
        || base.set.snapshot.is_partial()
        || head.set.snapshot.is_partial();
    let fail_on = format!("{:?}", args.fail_on).to_ascii_lowercase();
    let view = View {
        diff: &diff,
        base: (&args.base, &base.set, &base_side.skipped),
        head: (&args.head, &head.set, &head_side.skipped),
        fail_on: &fail_on,
        passed: !failing,
        partial,
        review: &review,
    };
    for (format, path) in &destinations {
        let text = match format {
            Format::Table => check_report::table(&view, 120),
            Format::Json => {
                let r = check_report::json(&view, input::now_utc());
                let mut s = serde_json::to_string_pretty(&r)
                    .context("cannot render the JSON check report")?;
                s.push('\n');
                s
            }
            Format::Sarif => {
                let log = check_report::sarif_log(&view);
                let mut s =
                    serde_json::to_string_pretty(&log).context("cannot render the SARIF report")?;
                s.push('\n');
                s
            }
            Format::Markdown => check_report::markdown(&view),
        };
        output::write(path, &text)?;
    }
    let mut outcome = if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    if partial {
        outcome = outcome.combine(Outcome::Partial);
    }
    Ok(outcome)
}
