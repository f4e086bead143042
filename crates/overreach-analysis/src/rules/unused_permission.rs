//! `unused-permission`: the principal is granted services it has not used for
//! `--unused-days` (default 90), according to the last-accessed data in the snapshot
//! (`overreach fetch --last-accessed`).
//!
//! Why it matters: unused rights are pure risk; removing them is the cheapest least-privilege
//! win.
//!
//! Example: a role granted `dynamodb:*` whose last DynamoDB call was 200 days ago.
//!
//! Fix: remove the unused services from the principal's policies. Runs only when the snapshot
//! has last-accessed data for the principal and the date of the run is known.

use overreach_policy::condition::parse_date;

use super::{RuleInfo, start};
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "unused-permission",
    summary: "granted services unused for longer than --unused-days",
    help: "The principal holds permissions for services it has not used within the tracking window. Remove them.",
    default_severity: Severity::Low,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let Some(today) = ctx.options.today.as_deref().and_then(parse_date) else {
        return;
    };
    let p = &ctx.account.principals[view.idx];
    let Some(data) = ctx.snapshot.last_accessed.iter().find(|l| l.arn == p.arn) else {
        return;
    };
    let days = f64::from(ctx.options.unused_days.max(1));
    let own = ctx.rights.of(view.idx);
    let mut granted: Vec<&str> = own
        .allowed
        .ids()
        .into_iter()
        .map(|id| ctx.catalog.prefix_of(id))
        .collect();
    granted.sort_unstable();
    granted.dedup();
    let mut unused = Vec::new();
    for service in granted {
        let last = data
            .services
            .iter()
            .find(|s| s.service_namespace.eq_ignore_ascii_case(service))
            .and_then(|s| s.last_authenticated.as_deref())
            .and_then(parse_date);
        let stale = match last {
            None => true,
            Some(t) => (today - t) / 86_400.0 > days,
        };
        if stale {
            unused.push(service.to_string());
        }
    }
    if unused.is_empty() {
        return;
    }
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = if unused.len() > 20 {
        Severity::Medium
    } else {
        Severity::Low
    };
    f.confidence = Confidence::Medium;
    let shown: Vec<&str> = unused.iter().take(8).map(String::as_str).collect();
    f.message = format!(
        "{} granted services unused for {} days: {}{}",
        unused.len(),
        ctx.options.unused_days,
        shown.join(", "),
        if unused.len() > shown.len() {
            ", ..."
        } else {
            ""
        }
    );
    out.push(f);
}
