//! `exceeds-declared-role`: the principal's effective rights — its own, or reachable through
//! roles it can assume and escalation paths — include actions outside its declared role's
//! baseline, or the same actions on resources the baseline does not cover.
//!
//! Why it matters: this is the "broader permissions than expected" failure: an engineer or an
//! agent acting for them holds rights nobody meant them to have.
//!
//! Example: a role tagged `declared-role = readonly` with `AdministratorAccess` attached holds
//! every write action beyond `readonly`.
//!
//! Fix: remove the granting statement named in the evidence, narrow its actions or resources,
//! add a permissions boundary, or (if the access is intended) widen the declared role.

use overreach_policy::ActionSet;

use super::{RuleInfo, attribute, describe_excess, evidence, excess_severity, start};
use crate::analyze::{Context, Holder, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "exceeds-declared-role",
    summary: "effective rights (direct or reachable) exceed the declared role's baseline",
    help: "The principal can perform actions its declared role does not include, through its own policies or through roles it can assume or escalate into. Each excess group names the granting statement and the path. Remove or narrow the granting statement, add a permissions boundary, or widen the declared role if the access is intended.",
    default_severity: Severity::High,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let declared = &ctx.declared[view.idx];
    let Some(role) = declared.role.as_deref() else {
        return;
    };
    let Some(baseline) = ctx.baselines.get(role) else {
        return;
    };
    // what a holder has beyond the baseline, each grant judged on its own resources
    let memo_tag = format!("excess:{role}");
    let beyond = |holder: &Holder| {
        ctx.memo.get(holder, &memo_tag, || {
            let mut set = ActionSet::empty(ctx.catalog.len());
            for grant in &holder.rights.grants {
                set.union_with(
                    &baseline.excess(&grant.allowed.union(&grant.conditional), &grant.resources),
                );
            }
            set
        })
    };
    let shares = attribute(ctx, view, &memo_tag, beyond);
    if shares.is_empty() {
        return;
    }
    let mut excess = ActionSet::empty(ctx.catalog.len());
    for (_, share) in &shares {
        excess.union_with(share);
    }
    let evidence = evidence(ctx, view, &shares, None, |_, _| false);
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = excess_severity(ctx.catalog, &evidence);
    let any_certain = evidence.any_certain();
    // only reached through paths that need a resource IAM data cannot show: low
    let only_inconclusive_paths = evidence
        .vias
        .iter()
        .all(|via| via.iter().any(|h| h.inconclusive.is_some()));
    f.confidence = if !ctx.account.principals[view.idx].inconclusive.is_empty()
        || (!any_certain && only_inconclusive_paths)
    {
        Confidence::Low
    } else if any_certain {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let via = match shares.iter().find(|(h, _)| h.node.is_some()) {
        Some((h, _)) => format!(", via `{}`", short(&h.label)),
        None => String::new(),
    };
    f.message = format!(
        "holds {} beyond `{role}`{via}",
        describe_excess(ctx.catalog, &excess)
    );
    f.excess = evidence.groups;
    f.excess_omitted = evidence.omitted;
    out.push(f);
}

/// `role/name` from an ARN.
pub(crate) fn short(arn: &str) -> &str {
    arn.rsplit_once(':').map_or(arn, |(_, r)| r)
}
