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
//! Each assume hop is decided again in an agent's request context (no MFA: a role session
//! made without MFA carries `aws:MultiFactorAuthPresent = false`, access keys carry no MFA key);
//! a hop only a human with MFA can take does not count. One finding per agent names the human
//! roles it reaches (nearest components first) and shows the path to the first. At most the 25
//! nearest reachable human principals are decided one by one; the message says when more are
//! reachable (they were not checked).
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

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    if ctx.declared[view.idx].kind.kind != PrincipalKind::Agent {
        return;
    }
    // one finding per agent: the human roles it can reach, the nearest one's path as evidence
    let Some(from) = view.node else { return };
    // every candidate's path is re-decided in an agent's context; past this many, the rest are
    // said to exist rather than decided (or even listed) one by one
    const CHECKED: usize = 25;
    let (candidates, more_reachable) = ctx.condensed.reachable_first(from, CHECKED, |n| {
        matches!(ctx.graph.graph[n], crate::graph::Node::Principal(q)
            if ctx.declared[q].kind.kind == PrincipalKind::Human)
    });
    let mut reached: Vec<(String, bool)> = Vec::new();
    let mut evidence: Option<(Vec<crate::finding::Hop>, String)> = None;
    for &(node, comp) in &candidates {
        let crate::graph::Node::Principal(q) = ctx.graph.graph[node] else {
            continue;
        };
        let Some(edges) = ctx.condensed.path(
            ctx.graph,
            from,
            crate::condensed::Entry::Principal(node),
            comp,
        ) else {
            continue;
        };
        let conditional = edges.iter().any(|&e| {
            ctx.graph.graph[e]
                .grounds()
                .is_some_and(crate::graph::Grounds::is_conditional)
        });
        let via: Vec<crate::finding::Hop> = crate::analyze::hops(ctx.graph, ctx.account, &edges);
        // every assume hop must hold for an agent (no MFA): re-decide it in an agent's context
        if !hops_hold_for_agent(ctx, view.idx, &via) {
            continue;
        }
        if evidence.is_none() {
            evidence = Some((via, ctx.declared[q].kind.source.clone()));
        }
        reached.push((ctx.account.principals[q].arn.clone(), conditional));
    }
    let Some((path, why)) = evidence else { return };
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = Severity::High;
    f.confidence = if reached.iter().any(|(_, c)| !c) {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let names: Vec<&str> = reached
        .iter()
        .take(3)
        .map(|(arn, _)| super::exceeds_declared_role::short(arn))
        .collect();
    let more = reached.len().saturating_sub(names.len());
    f.message = format!(
        "agent can assume {} declared human ({}): `{}`{}",
        if reached.len() == 1 {
            "a role".to_string()
        } else {
            format!("{} roles", reached.len())
        },
        why,
        names.join("`, `"),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    if more_reachable {
        f.message.push_str(&format!(
            " (more human principals are reachable beyond the {CHECKED} nearest, which were the ones checked)"
        ));
    }
    f.path = path;
    out.push(f);
}

/// Can an agent take every assume hop of `via`? The first hop is made by the agent itself, the
/// next ones by role sessions (made without MFA).
fn hops_hold_for_agent(
    ctx: &Context<'_>,
    agent: crate::account::PrincipalIdx,
    via: &[crate::finding::Hop],
) -> bool {
    use overreach_policy::eval::{Outcome, ResourcePolicyKind};
    let mut caller = agent;
    for hop in via {
        // the account root is not a caller: the next hop is still made by the same principal
        let Some(target) = ctx.account.principal(&hop.to) else {
            continue;
        };
        if let crate::finding::HopKind::Assume { action } = &hop.kind {
            let session = caller != agent;
            let decide = || {
                let trust = ctx.account.principals[target]
                    .trust
                    .and_then(|t| ctx.account.policies[t].policy.as_ref());
                let context = crate::access::agent_context(ctx.account, caller, session);
                let decision = crate::access::decide_in(
                    ctx.account,
                    caller,
                    action,
                    &hop.to,
                    trust.map(|t| (t, ResourcePolicyKind::Trust)),
                    context,
                );
                matches!(
                    decision.map(|d| d.outcome),
                    Some(Outcome::Allowed | Outcome::Conditional)
                )
            };
            // the same hop is asked for many agents (and candidates): decided once
            let holds = match crate::graph::ASSUME_ACTIONS
                .iter()
                .position(|a| a == action)
            {
                Some(i) => ctx.memo.agent_assumes((caller, target, i, session), decide),
                None => decide(),
            };
            if !holds {
                return false;
            }
        }
        caller = target;
    }
    true
}
