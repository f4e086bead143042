//! The rules: one file each, with a stable kebab-case id and documentation (what it finds, why
//! it matters, an example, the fix) in the file's doc comment and in [`RuleInfo`].

use std::collections::BTreeMap;

use overreach_policy::summary::EffectiveSummary;
use overreach_policy::{AccessLevel, ActionSet, Catalog};

use crate::analyze::{Context, Holder, PrincipalView};
use crate::config::Baseline;
use crate::finding::{ExcessAction, ExcessGroup, Finding, MAX_ACTIONS_LISTED, Severity};

mod agent_assumes_human_role;
mod agent_destructive_access;
mod exceeds_declared_role;
mod inconclusive_principal;
mod privilege_escalation;
mod trust_allows_anyone;
mod undeclared_principal;
mod unknown_declared_role;
mod unused_permission;

/// A rule: its metadata and its check.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable id (kebab-case); never renamed.
    pub id: &'static str,
    /// What it finds, in one line.
    pub summary: &'static str,
    /// Why it matters and how to fix it (markdown, for SARIF help and docs).
    pub help: &'static str,
    /// Its usual severity (a finding may raise or lower it with the evidence).
    pub default_severity: Severity,
    /// The check, run once per principal.
    pub check: fn(&Context<'_>, &PrincipalView<'_>, &mut Vec<Finding>),
}

/// Every rule, in the order they run.
pub const RULES: &[RuleInfo] = &[
    exceeds_declared_role::RULE,
    privilege_escalation::RULE,
    agent_destructive_access::RULE,
    agent_assumes_human_role::RULE,
    trust_allows_anyone::RULE,
    unknown_declared_role::RULE,
    undeclared_principal::RULE,
    unused_permission::RULE,
    inconclusive_principal::RULE,
];

/// A rule by id.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// Every rule id.
pub fn rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.id).collect()
}

/// Starts a finding for principal `p` with its kind and declared role filled in.
pub(crate) fn start(
    ctx: &Context<'_>,
    view: &PrincipalView<'_>,
    rule: &'static str,
    subject: &str,
) -> Finding {
    let p = &ctx.account.principals[view.idx];
    let declared = &ctx.declared[view.idx];
    let mut f = Finding::new(rule, &p.arn, subject);
    f.principal_kind = declared.kind.kind;
    f.declared_role = declared.role.clone();
    f
}

/// The actions of a holder's rights (allowed and conditional) outside `baseline`, grouped by
/// service and access level, each with its granting statement.
pub(crate) fn excess_groups(
    catalog: &Catalog,
    holder: &Holder<'_>,
    baseline: Option<&Baseline>,
) -> Vec<ExcessGroup> {
    excess_of(catalog, &holder.rights, baseline, holder.conditional, None)
        .into_iter()
        .map(|((service, level), (count, actions))| ExcessGroup {
            service,
            access_level: level.as_str().to_string(),
            count,
            actions,
            holder: holder.label.clone(),
            via: holder.via.clone(),
        })
        .collect()
}

/// Excess actions by (service, level): every action granted by a statement of `rights` that
/// `baseline` does not cover on that statement's resources (everything, without a baseline),
/// restricted to `only` when given. Counts are exact; at most [`MAX_ACTIONS_LISTED`] actions
/// per group are materialised.
pub(crate) fn excess_of(
    catalog: &Catalog,
    rights: &EffectiveSummary,
    baseline: Option<&Baseline>,
    path_conditional: bool,
    only: Option<&ActionSet>,
) -> BTreeMap<(String, AccessLevel), (usize, Vec<ExcessAction>)> {
    let mut seen = ActionSet::empty(catalog.len());
    let mut out: BTreeMap<(String, AccessLevel), (usize, Vec<ExcessAction>)> = BTreeMap::new();
    for grant in &rights.grants {
        for (set, conditional) in [(&grant.allowed, false), (&grant.conditional, true)] {
            let mut extra = match baseline {
                Some(b) => b.excess(set, &grant.resources),
                None => set.clone(),
            };
            if let Some(only) = only {
                extra = extra.intersection(only);
            }
            let extra = extra.difference(&seen);
            for id in extra.ids() {
                let level = catalog.level(id).unwrap_or(AccessLevel::Write);
                let entry = out
                    .entry((catalog.prefix_of(id).to_string(), level))
                    .or_default();
                entry.0 += 1;
                if entry.1.len() < MAX_ACTIONS_LISTED {
                    entry.1.push(ExcessAction {
                        action: catalog.full_name(id),
                        resources: grant.resources.describe(),
                        conditional: conditional || path_conditional,
                        statement: grant.statement.clone(),
                    });
                }
            }
            seen.union_with(&extra);
        }
    }
    out
}

/// Severity of holding these excess groups: critical for IAM/STS/Organizations permissions
/// management or near-admin breadth, high for any write, medium for reads, low for lists.
pub(crate) fn excess_severity(groups: &[ExcessGroup]) -> Severity {
    let total: usize = groups.iter().map(|g| g.count).sum();
    let certain = |g: &&ExcessGroup| g.actions.iter().any(|a| !a.conditional);
    let has = |level: &str, pred: &dyn Fn(&ExcessGroup) -> bool| {
        groups
            .iter()
            .filter(certain)
            .any(|g| g.access_level == level && pred(g))
    };
    let identity_admin =
        |g: &ExcessGroup| matches!(g.service.as_str(), "iam" | "sts" | "organizations");
    if has("Permissions management", &identity_admin) || total >= 5_000 {
        Severity::Critical
    } else if has("Write", &|_| true)
        || has("Permissions management", &|_| true)
        || has("Tagging", &|_| true)
    {
        Severity::High
    } else if groups.iter().any(|g| {
        matches!(
            g.access_level.as_str(),
            "Write" | "Permissions management" | "Tagging" | "Read"
        )
    }) {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Every action of the holders' rights outside `baseline` (each counted once, however many
/// holders grant it).
pub(crate) fn excess_union(
    catalog: &Catalog,
    holders: &[Holder<'_>],
    baseline: Option<&Baseline>,
) -> ActionSet {
    let mut all = ActionSet::empty(catalog.len());
    for holder in holders {
        for grant in &holder.rights.grants {
            let granted = grant.allowed.union(&grant.conditional);
            match baseline {
                Some(b) => all.union_with(&b.excess(&granted, &grant.resources)),
                None => all.union_with(&granted),
            }
        }
    }
    all
}

/// "412 actions (37 write or permissions) in s3, iam and 3 more services", each action once;
/// services by how many of the actions they hold.
pub(crate) fn describe_excess(catalog: &Catalog, actions: &ActionSet) -> String {
    let mut per_service: BTreeMap<&str, usize> = BTreeMap::new();
    let mut writes = 0;
    for id in actions.ids() {
        *per_service.entry(catalog.prefix_of(id)).or_default() += 1;
        if !matches!(
            catalog.level(id),
            Some(AccessLevel::List | AccessLevel::Read)
        ) {
            writes += 1;
        }
    }
    let mut services: Vec<(&str, usize)> = per_service.into_iter().collect();
    services.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown = services
        .iter()
        .take(3)
        .map(|(s, _)| *s)
        .collect::<Vec<_>>()
        .join(", ");
    let more = services.len().saturating_sub(3);
    let tail = if more > 0 {
        format!(" and {more} more services")
    } else {
        String::new()
    };
    format!(
        "{} actions ({writes} write or permissions) in {shown}{tail}",
        actions.len()
    )
}
