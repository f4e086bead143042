//! `agent-assumes-human-role`: an agent principal can assume (directly or through a chain) a
//! role declared for humans.
//!
//! Why it matters: AWS's guidance for agentic AI says agent and human identities must stay
//! separate; an agent acting as a human's role inherits rights granted on the assumption that
//! a person, with judgement and MFA, is behind them.
//!
//! Example: a CI role's policy allows `sts:AssumeRole` on `*`, and the `platform-admin` role
//! (declared `kind = human`) trusts the account root.
//!
//! A hop whose only conditions are MFA keys (`aws:MultiFactorAuth*`) is not counted: an agent
//! cannot present MFA.
//!
//! Fix: narrow the agent's `sts:AssumeRole` resources, or make the human role's trust policy
//! name its human principals (or require `aws:MultiFactorAuthPresent`).

use super::{RuleInfo, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};
use crate::kind::PrincipalKind;

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "agent-assumes-human-role",
    summary: "an agent can assume a role declared for humans",
    help: "Agent and human identities must stay separate. Narrow the agent's sts:AssumeRole permission or the human role's trust policy (name the humans, require MFA).",
    default_severity: Severity::High,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView<'_>, out: &mut Vec<Finding>) {
    if ctx.declared[view.idx].kind.kind != PrincipalKind::Agent {
        return;
    }
    for holder in view.reached() {
        let Some(q) = holder.principal else { continue };
        if ctx.declared[q].kind.kind != PrincipalKind::Human {
            continue;
        }
        // a hop that requires MFA is one an agent cannot take
        let mfa_guarded = holder.via.iter().any(|h| {
            !h.condition_keys.is_empty()
                && h.condition_keys
                    .iter()
                    .all(|k| k.to_ascii_lowercase().starts_with("aws:multifactorauth"))
        });
        if mfa_guarded {
            continue;
        }
        let mut f = start(ctx, view, RULE.id, &holder.label);
        f.severity = Severity::High;
        f.confidence = if holder.conditional {
            Confidence::Medium
        } else {
            Confidence::High
        };
        f.message = format!(
            "agent can assume `{}`, declared human ({})",
            super::exceeds_declared_role::short(&holder.label),
            ctx.declared[q].kind.source
        );
        f.path = holder.via.clone();
        out.push(f);
    }
}
