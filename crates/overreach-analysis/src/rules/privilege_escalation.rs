//! `privilege-escalation`: the principal can reach rights it does not hold directly, through a
//! privilege-escalation path of the catalogue (e.g. `iam:PassRole` + `lambda:CreateFunction`
//! with a role that trusts Lambda) or through a chain of role assumptions to a broader
//! principal. One finding per target, naming the path id and every hop.
//!
//! Why it matters: what a principal can *become* is what it can do. Reviews that read only its
//! own policies miss it.
//!
//! Example: a CI user allowed `iam:PassRole` on `*` and `ec2:RunInstances` can start an instance
//! with the `ops-admin` role (path `ec2-001`) and act as that role.
//!
//! Fix: restrict the enabling permission named in the first hop (e.g. `iam:PassRole` to specific
//! roles and `iam:PassedToService`), or remove the trust relationship.

use super::{RuleInfo, excess_of, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, ExcessGroup, Finding, HopKind, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "privilege-escalation",
    summary: "the principal can reach rights it does not hold, by an escalation path or a role chain",
    help: "The principal can gain permissions it does not hold directly: by a privilege-escalation path (the path id links to its description) or by assuming a role with broader rights. Restrict the permission that enables the first hop, or the trust policy of the target.",
    default_severity: Severity::High,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView<'_>, out: &mut Vec<Finding>) {
    let own = ctx.rights.of(view.idx);
    let mut held = own.allowed.union(&own.conditional);
    held.union_with(&own.allowed);
    for holder in view.reached() {
        let escalation = holder
            .via
            .iter()
            .any(|h| matches!(h.kind, HopKind::Escalation { .. }));
        let mut gained = holder.rights.allowed.difference(&held);
        let gained_cond = holder
            .rights
            .conditional
            .difference(&held)
            .difference(&gained);
        if gained.is_empty() && gained_cond.is_empty() {
            continue;
        }
        gained.union_with(&gained_cond);
        let mut groups: Vec<ExcessGroup> = Vec::new();
        for ((service, level), (count, actions)) in excess_of(
            ctx.catalog,
            &holder.rights,
            None,
            holder.conditional,
            Some(&gained),
        ) {
            groups.push(ExcessGroup {
                service,
                access_level: level.as_str().to_string(),
                count,
                actions,
                holder: holder.label.clone(),
                via: holder.via.clone(),
            });
        }
        let total: usize = groups.iter().map(|g| g.count).sum();
        if total == 0 {
            continue;
        }
        let perms = groups
            .iter()
            .any(|g| g.access_level == "Permissions management");
        let writes = groups
            .iter()
            .any(|g| g.access_level != "Read" && g.access_level != "List");
        let admin = holder.label == "account-admin" || total >= 5_000;
        let mut f = start(ctx, view, RULE.id, &holder.label);
        f.severity = match (escalation, admin, perms, writes) {
            (true, true, _, _) => Severity::Critical,
            (true, _, _, true) | (false, true, _, _) | (false, _, true, _) => Severity::High,
            (_, _, _, true) => Severity::Medium,
            _ => Severity::Low,
        };
        f.confidence = if holder.via.iter().any(|h| h.inconclusive.is_some()) {
            Confidence::Low
        } else if holder.conditional {
            Confidence::Medium
        } else {
            Confidence::High
        };
        let how = holder
            .via
            .iter()
            .map(|h| match &h.kind {
                HopKind::Escalation { path, .. } => format!("escalation `{path}`"),
                HopKind::Assume { .. } => {
                    format!("assume `{}`", super::exceeds_declared_role::short(&h.to))
                }
            })
            .collect::<Vec<_>>()
            .join(" then ");
        f.message = format!(
            "can gain {total} actions it does not hold ({}) as `{}` via {how}",
            if admin {
                "full admin"
            } else if writes {
                "including writes"
            } else {
                "reads"
            },
            super::exceeds_declared_role::short(&holder.label)
        );
        f.path = holder.via.clone();
        f.excess = groups;
        out.push(f);
    }
}
