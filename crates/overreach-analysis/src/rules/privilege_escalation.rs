//! `privilege-escalation`: the principal can reach rights it does not hold directly, through a
//! privilege-escalation path of the catalogue (e.g. `iam:PassRole` + `lambda:CreateFunction`
//! with a role that trusts Lambda) or through a chain of role assumptions to a broader
//! principal. One finding per principal: each action it can gain is attributed to the nearest
//! principal (or group, or account admin) that holds it, with the path id and every hop.
//!
//! Why it matters: what a principal can *become* is what it can do. Reviews that read only its
//! own policies miss it.
//!
//! Example: a CI user allowed `iam:PassRole` on `*` and `ec2:RunInstances` can start an instance
//! with the `ops-admin` role (path `ec2-001`) and act as that role.
//!
//! Fix: restrict the enabling permission named in the first hop (e.g. `iam:PassRole` to specific
//! roles and `iam:PassedToService`), or remove the trust relationship.

use overreach_policy::{AccessLevel, ActionSet};

use super::exceeds_declared_role::short;
use std::sync::Arc;

use super::{RuleInfo, attribute_beyond, evidence, granted, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Hop, HopKind, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "privilege-escalation",
    summary: "the principal can reach rights it does not hold, by an escalation path or a role chain",
    help: "The principal can gain permissions it does not hold directly: by a privilege-escalation path (the path id links to its description) or by assuming a role with broader rights. Restrict the permission that enables the first hop, or the trust policy of the target.",
    default_severity: Severity::High,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let held = granted(&view.own(ctx));
    let nothing = Arc::new(ActionSet::empty(ctx.catalog.len()));
    // what it holds is not what it gains: only actions beyond its own rights count
    let shares: Vec<_> = attribute_beyond(ctx, view, "granted", held, |holder| {
        if holder.node.is_none() {
            Arc::clone(&nothing)
        } else {
            ctx.memo.get(holder, "granted", || granted(holder))
        }
    });
    if shares.is_empty() {
        return;
    }
    let evidence = evidence(ctx, view, &shares, None, |_, _| false);
    let mut escalation = false;
    let mut admin = false;
    let mut conditional = true;
    let mut inconclusive = true;
    let mut gained = ActionSet::empty(ctx.catalog.len());
    let mut path: Vec<Hop> = Vec::new();
    let mut biggest = 0;
    let mut first = String::new();
    for ((holder, share), via) in shares.iter().zip(&evidence.vias) {
        escalation |= via
            .iter()
            .any(|h| matches!(h.kind, HopKind::Escalation { .. }));
        admin |= holder.label == "account-admin";
        conditional &= holder.conditional;
        inconclusive &= via.iter().any(|h| h.inconclusive.is_some());
        // the message and the finding's path show the holder that gives the most
        let size = share.len();
        if size > biggest {
            biggest = size;
            path = via.iter().map(|h| Hop::clone(h)).collect();
            first = holder.label.clone();
        }
        gained.union_with(share);
    }
    let total = gained.len();
    admin |= total >= 5_000;
    let level = |l: AccessLevel| evidence.counts.iter().any(|g| g.level == l);
    let perms = level(AccessLevel::PermissionsManagement);
    let writes = perms || level(AccessLevel::Write) || level(AccessLevel::Tagging);
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = match (escalation, admin, perms, writes) {
        (true, true, _, _) => Severity::Critical,
        (true, _, _, true) | (false, true, _, _) | (false, _, true, _) => Severity::High,
        (_, _, _, true) => Severity::Medium,
        _ => Severity::Low,
    };
    f.confidence = if inconclusive {
        Confidence::Low
    } else if conditional {
        Confidence::Medium
    } else {
        Confidence::High
    };
    // the account root ("any role trusting the account") is one step with the hop after it,
    // for a reader (hops through target hubs are already joined)
    let how = path
        .iter()
        .filter(|h| !h.to.ends_with(":root"))
        .map(|h| match &h.kind {
            HopKind::Escalation { path, .. } => format!("escalation `{path}`"),
            HopKind::Assume { .. } => format!("assume `{}`", short(&h.to)),
        })
        .collect::<Vec<_>>();
    let mut steps = how;
    steps.dedup();
    let how = steps.join(" then ");
    let others = shares.len() - 1;
    f.message = format!(
        "can gain {total} actions it does not hold ({}), e.g. as `{}` via {how}{}",
        if admin {
            "full admin"
        } else if writes {
            "including writes"
        } else {
            "reads"
        },
        short(&first),
        if others > 0 {
            format!(" (and through {others} more)")
        } else {
            String::new()
        }
    );
    f.path = path;
    f.excess = evidence.groups;
    f.excess_omitted = evidence.omitted;
    out.push(f);
}
