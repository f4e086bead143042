//! `undeclared-principal`: a principal has no declared role (no role tag, no `[[assign]]`).
//!
//! Why it matters: overreach cannot say whether an undeclared principal does more than it
//! should; every principal should say what it is for.
//!
//! Example: a role `legacy-batch` with no `declared-role` tag.
//!
//! Fix: tag it (`declared-role = NAME`, `principal-kind = human|agent`) or add an
//! `[[assign]]` entry. Service-linked roles (path `/aws-service-role/`) are skipped: AWS owns
//! them.

use super::{RuleInfo, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "undeclared-principal",
    summary: "the principal has no declared role",
    help: "Without a declared role overreach cannot compare the principal's rights with what it is for. Tag it with the role tag (default `declared-role`) or add an [[assign]] entry.",
    default_severity: Severity::Low,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let d = &ctx.declared[view.idx];
    if d.role.is_some() || d.unknown_role.is_some() {
        return;
    }
    let p = &ctx.account.principals[view.idx];
    if p.arn.contains(":role/aws-service-role/") {
        return;
    }
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = Severity::Low;
    f.confidence = Confidence::High;
    f.message = format!(
        "no declared role; kind {} ({}): tag it `{}` or add an [[assign]] entry",
        d.kind.kind.as_str(),
        d.kind.source,
        ctx.config.tags.role
    );
    out.push(f);
}
