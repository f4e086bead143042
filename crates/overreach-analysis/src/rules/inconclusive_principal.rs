//! `inconclusive-principal`: some policy that decides the principal's rights could not be read
//! (missing from the snapshot, unparseable, an unknown AWS managed policy), so every verdict
//! about it is inconclusive.
//!
//! Why it matters: a scan that silently skips a policy says "clean" when it is not.
//!
//! Example: a user in a group the snapshot does not contain (a partial fetch).
//!
//! Fix: re-fetch with the permissions listed in `scanner-policy/`, or fix the document.

use super::{RuleInfo, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "inconclusive-principal",
    summary: "a policy deciding the principal's rights could not be read",
    help: "Some policy of this principal is missing or unreadable, so its rights cannot be known. Re-fetch with the scanner's full permissions or fix the document.",
    default_severity: Severity::Medium,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let reasons = &ctx.account.principals[view.idx].inconclusive;
    if reasons.is_empty() {
        return;
    }
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = Severity::Medium;
    f.confidence = Confidence::Low;
    f.message = format!("rights cannot be fully known: {}", reasons.join("; "));
    out.push(f);
}
