//! `overreach explain`: the decision AWS would make for one request by one principal, with the
//! deciding statements; then whether the principal can still reach the right through others.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use overreach_analysis::explain::explain;
use overreach_policy::eval::Outcome as Decided;
use serde_json::json;

use crate::exit::Outcome;
use crate::input;

/// Explain whether a principal can do an action on a resource, and how.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach explain --snapshot gaad.json user/alice s3:GetObject arn:aws:s3:::bucket/key
  overreach explain --snapshot gaad.json role/ci-deploy sts:AssumeRole arn:aws:iam::111122223333:role/admin
  overreach explain --snapshot gaad.json alice iam:PassRole --format json

The first line is the decision for the principal itself: allowed, denied (explicit or
implicit, and which layer) or conditional (with the condition keys it depends on).")]
pub struct ExplainArgs {
    /// The account snapshot.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// The declared roles (only used to name kinds and roles in the output).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The principal: an ARN, `user/NAME`, `role/NAME` or a bare name.
    pub principal: String,
    /// The action (`service:Action`).
    pub action: String,
    /// The resource ARN (default `*`).
    #[arg(default_value = "*")]
    pub resource: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output format of explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn decision_text(d: &overreach_policy::eval::Decision) -> String {
    match d.outcome {
        Decided::Allowed => "allowed".into(),
        Decided::ExplicitDeny => "denied (explicit deny)".into(),
        Decided::ImplicitDeny(layer) => format!(
            "denied (implicit: the {} layer does not allow it)",
            layer.as_str()
        ),
        Decided::Conditional => format!("conditional (depends on {})", d.missing_keys.join(", ")),
    }
}

fn statement_text(s: &overreach_policy::StatementRef) -> String {
    match &s.sid {
        Some(sid) => format!(
            "{} statement {} (Sid `{sid}`, {})",
            s.policy,
            s.index,
            s.effect.as_str()
        ),
        None => format!("{} statement {} ({})", s.policy, s.index, s.effect.as_str()),
    }
}

/// Runs `overreach explain`.
pub fn run(args: &ExplainArgs) -> anyhow::Result<Outcome> {
    if !args.action.contains(':') {
        bail!(
            "`{}` is not an action: write it as `service:Action`",
            args.action
        );
    }
    let analysis = input::analyze_with_defaults(&args.snapshot, args.config.as_deref())?;
    let Some(p) = analysis.account.find_principal(&args.principal) else {
        bail!(
            "no principal `{}` in `{}`: give an ARN, `user/NAME` or `role/NAME`",
            args.principal,
            args.snapshot.display()
        );
    };
    let Some(e) = explain(&analysis, p, &args.action, &args.resource) else {
        bail!("cannot build a request for `{}`", args.principal);
    };
    match args.format {
        Format::Json => {
            let out = json!({
                "principal": e.principal,
                "action": e.action,
                "resource": e.resource,
                "decision": e.decision.outcome.as_str(),
                "implicit_deny_layer": match e.decision.outcome { Decided::ImplicitDeny(l) => Some(l.as_str()), _ => None },
                "missing_keys": e.decision.missing_keys,
                "statements": e.decision.statements.iter().map(|s| json!({"policy": s.policy, "index": s.index, "sid": s.sid, "effect": s.effect.as_str()})).collect::<Vec<_>>(),
                "trust_policy": e.trust_policy,
                "inconclusive": e.inconclusive,
                "reach": e.reach.iter().map(|r| json!({
                    "holder": r.holder,
                    "decision": r.outcome.as_str(),
                    "condition_keys": r.condition_keys,
                    "statements": r.statements.iter().map(|s| json!({"policy": s.policy, "index": s.index, "sid": s.sid})).collect::<Vec<_>>(),
                    "via": r.via.iter().map(|h| json!({"from": h.from, "to": h.to, "hop": h.label(), "condition_keys": h.condition_keys, "inconclusive": h.inconclusive,
                        "statements": h.statements.iter().map(|s| json!({"policy": s.policy, "index": s.index, "sid": s.sid})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).context("cannot render JSON")?
            );
        }
        Format::Text => {
            println!("{}", decision_text(&e.decision));
            println!("  {} -> {} on {}", e.principal, e.action, e.resource);
            if let Some(t) = &e.trust_policy {
                println!("  the role's trust policy takes part: {t}");
            }
            for s in &e.decision.statements {
                println!("  decided by {}", statement_text(s));
            }
            for why in &e.inconclusive {
                println!("  inconclusive: {why}");
            }
            if e.reach.is_empty() {
                println!("reachable through other principals: no");
            } else {
                println!(
                    "reachable through other principals: yes, {} way(s)",
                    e.reach.len()
                );
                for r in &e.reach {
                    println!("  {} as {}", r.outcome.as_str(), r.holder);
                    for h in &r.via {
                        let cond = if h.condition_keys.is_empty() {
                            String::new()
                        } else {
                            format!(" [if {}]", h.condition_keys.join(", "))
                        };
                        let inc = h
                            .inconclusive
                            .as_deref()
                            .map(|i| format!(" [needs {i}]"))
                            .unwrap_or_default();
                        println!("    {} -> {} ({}){cond}{inc}", h.from, h.to, h.label());
                    }
                    for s in &r.statements {
                        println!("    decided by {}", statement_text(s));
                    }
                }
            }
        }
    }
    Ok(Outcome::Clean)
}
