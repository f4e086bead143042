//! The rules: one file each, with a stable kebab-case id and documentation (what it finds, why
//! it matters, an example, the fix) in the file's doc comment and in [`RuleInfo`].

use std::collections::BTreeMap;
use std::sync::Arc;

use overreach_policy::{AccessLevel, ActionSet, Catalog};

use crate::analyze::{Context, Holder, PrincipalView};
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
    pub check: fn(&Context<'_>, &PrincipalView, &mut Vec<Finding>),
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
    view: &PrincipalView,
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

/// Gives each action to the first holder that contributes it: the principal's own rights
/// first, then what it reaches (its component, then downstream: see `condensed`).
/// `tag` names what `contribution` computes besides a holder's rights (the declared role, the
/// agent's context). Returns the holders that got something, with their share and path.
pub(crate) fn attribute(
    ctx: &Context<'_>,
    view: &PrincipalView,
    tag: &str,
    mut contribution: impl FnMut(&Holder) -> Arc<ActionSet>,
) -> Vec<(Holder, ActionSet)> {
    let own = view.own(ctx);
    let own_set = contribution(&own);
    let mut out = Vec::new();
    if !own_set.has_no_known() {
        out.push((own, (*own_set).clone()));
    }
    out.extend(attribute_beyond(
        ctx,
        view,
        tag,
        (*own_set).clone(),
        contribution,
    ));
    out
}

/// What the principal reaches, beyond the actions in `covered`, attributed as in
/// [`attribute`] (its own rights are not asked).
pub(crate) fn attribute_beyond(
    ctx: &Context<'_>,
    view: &PrincipalView,
    tag: &str,
    covered: ActionSet,
    mut contribution: impl FnMut(&Holder) -> Arc<ActionSet>,
) -> Vec<(Holder, ActionSet)> {
    let Some(start) = view.node else {
        return Vec::new();
    };
    let me = &ctx.account.principals[view.idx];
    // groups and account admin are judged under the principal's limits: part of the question
    let tag = format!(
        "{tag}|{:?}|{}",
        me.boundary,
        ctx.account.is_service_linked(view.idx)
    );
    let reaching = ctx.reaching();
    // a reached holder's contribution depends on its rights only (and the question's tag)
    let mut ask = |rights: &Arc<overreach_policy::summary::EffectiveSummary>,
                   _: &crate::condensed::Entry| {
        contribution(&asked(start, Arc::clone(rights)))
    };
    let shares = ctx
        .condensed
        .shares(&reaching, view.idx, start, &tag, &mut ask);
    let mut out = Vec::new();
    for share in shares {
        let set = share.set.difference(&covered);
        if set.has_no_known() {
            continue;
        }
        // any member contributing at least this share may stand for the holder: the nearest
        let mut serves = |entry: crate::condensed::Entry| {
            reaching
                .rights_of(view.idx, entry)
                .is_some_and(|rights| set.is_subset(&contribution(&asked(start, rights))))
        };
        let Some((entry, path)) =
            ctx.condensed
                .path_to_nearest(ctx.graph, start, share.entry, share.comp, &mut serves)
        else {
            continue;
        };
        if let Some(holder) = view.holder_at(ctx, entry, path) {
            out.push((holder, set));
        }
    }
    out
}

/// A reached holder as a contribution sees it: its rights (label and path come later, for the
/// holders a finding shows).
fn asked(
    node: petgraph::graph::NodeIndex,
    rights: Arc<overreach_policy::summary::EffectiveSummary>,
) -> Holder {
    Holder {
        label: String::new(),
        node: Some(node),
        conditional: false,
        rights,
        path: None,
    }
}

/// A holder's share as evidence groups by service and access level, each action with the
/// statement that grants it (statements for which `skip` is true are not cited).
pub(crate) fn groups_for(
    ctx: &Context<'_>,
    view: &PrincipalView,
    holder: &Holder,
    share: &ActionSet,
    level_label: Option<&str>,
    skip: impl Fn(&overreach_policy::summary::Grant) -> bool,
) -> Vec<ExcessGroup> {
    let catalog = ctx.catalog;
    let via = view.via(ctx, holder);
    let mut listed = ActionSet::empty(catalog.len());
    // keys borrow the catalogue's prefixes: no allocation per action
    let mut map: BTreeMap<(&str, AccessLevel), (usize, Vec<ExcessAction>)> = BTreeMap::new();
    for grant in holder.rights.grants.iter().filter(|g| !skip(g)) {
        for (set, conditional) in [(&grant.allowed, false), (&grant.conditional, true)] {
            let part = set.intersection(share).difference(&listed);
            for id in part.ids() {
                // with a label of its own (destructive) the levels are not told apart
                let level = match level_label {
                    Some(_) => AccessLevel::Write,
                    None => catalog.level(id).unwrap_or(AccessLevel::Write),
                };
                let entry = map.entry((catalog.prefix_of(id), level)).or_default();
                entry.0 += 1;
                if entry.1.len() < MAX_ACTIONS_LISTED {
                    entry.1.push(ExcessAction {
                        action: catalog.full_name(id),
                        resources: grant.resources.describe(),
                        conditional: conditional || holder.conditional,
                        statement: grant.statement.clone(),
                    });
                }
            }
            listed.union_with(&part);
        }
    }
    map.into_iter()
        .map(|((service, level), (count, actions))| ExcessGroup {
            service: service.to_string(),
            access_level: level_label.map_or_else(|| level.as_str().to_string(), str::to_string),
            count,
            actions,
            holder: holder.label.clone(),
            via: via.clone(),
        })
        .collect()
}

/// Every action a holder's grants give (allowed or conditional).
pub(crate) fn granted(holder: &Holder) -> ActionSet {
    let r = &holder.rights;
    r.allowed.union(&r.conditional)
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
