//! `unknown-declared-role`: a principal declares (by tag or `[[assign]]`) a role the
//! configuration does not define.
//!
//! Why it matters: its rights cannot be compared with anything, so `exceeds-declared-role`
//! stays silent about it — a typo must not look like a clean bill of health.
//!
//! Example: tag `declared-role = read-only` when the configuration defines `readonly`.
//!
//! Fix: correct the tag, or add the role to `overreach.toml`.

use super::{RuleInfo, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "unknown-declared-role",
    summary: "the principal declares a role the configuration does not define",
    help: "The declared role is not in overreach.toml, so the principal's rights are not compared with any baseline. Fix the tag or define the role.",
    default_severity: Severity::Medium,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let Some(name) = &ctx.declared[view.idx].unknown_role else {
        return;
    };
    let mut f = start(ctx, view, RULE.id, name);
    f.severity = Severity::Medium;
    f.confidence = Confidence::High;
    let known: Vec<&str> = ctx.config.roles.keys().map(String::as_str).collect();
    f.message = if known.is_empty() {
        format!("declares role `{name}`, but no roles are configured (no overreach.toml?)")
    } else {
        format!(
            "declares role `{name}`, which overreach.toml does not define (defined: {})",
            known.join(", ")
        )
    };
    out.push(f);
}
