//! What a change does: per principal, the rights it gains and loses (actions judged on their
//! resources, through everything it reaches), the principals and paths it newly reaches, and
//! the findings the change introduces or resolves.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use overreach_analysis::analyze::{Analysis, Context, Memo, Options, PrincipalView};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::finding::{Finding, Hop, Severity};
use overreach_iac::{IacSet, Location};
use overreach_policy::summary::ResourceScope;
use overreach_policy::{AccessLevel, ActionSet, Catalog, StatementRef};
use overreach_snapshot::Snapshot;

/// Actions listed per group (counts stay exact).
pub const LISTED: usize = 10;

/// One side of the check, analysed.
#[derive(Debug)]
pub struct Analysed {
    /// What was read.
    pub set: IacSet,
    /// The account analysed (with the context, when given).
    pub snapshot: Snapshot,
    /// The analysis.
    pub analysis: Analysis,
}

/// A grant as the diff compares them.
#[derive(Debug, Clone)]
struct Grant {
    /// Allowed or conditional.
    actions: ActionSet,
    /// Allowed without conditions.
    allowed: ActionSet,
    resources: ResourceScope,
    statement: StatementRef,
    /// The principal (or group) whose policy it is.
    holder: String,
}

/// What one principal can do and reach.
#[derive(Debug, Default)]
struct Effective {
    grants: Vec<Grant>,
    /// Reached principals/groups/`account-admin` → the hops there.
    reached: BTreeMap<String, Vec<Hop>>,
}

/// An action gained or lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionChange {
    /// `service:Action`.
    pub action: String,
    /// The resources of the grant that gives (or gave) it.
    pub resources: Vec<String>,
    /// That grant's statement.
    pub statement: StatementRef,
    /// Whose policy it is (the principal, or what it reaches).
    pub holder: String,
    /// Where the statement is written, when the input shows it.
    pub location: Option<Location>,
}

/// Actions of one service and access level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeGroup {
    /// Service prefix.
    pub service: String,
    /// Access level.
    pub access_level: String,
    /// How many actions.
    pub count: usize,
    /// Up to [`LISTED`] of them, with their grants.
    pub actions: Vec<ActionChange>,
    /// Every one of them, by name.
    pub names: Vec<String>,
}

/// How a principal changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalChange {
    /// Its ARN.
    pub principal: String,
    /// `added` (only in head), `removed` (only in base) or `changed`.
    pub status: &'static str,
    /// Its declared role in head (base when removed).
    pub declared_role: Option<String>,
    /// Actions gained (on resources base did not cover).
    pub added: Vec<ChangeGroup>,
    /// Of those, the ones its own policies grant (not reached through another principal).
    pub added_own: Vec<ChangeGroup>,
    /// Actions lost.
    pub removed: Vec<ChangeGroup>,
    /// Principals, groups or `account-admin` newly reached, with the path in head.
    pub new_reach: Vec<(String, Vec<Hop>)>,
    /// Those no longer reached.
    pub lost_reach: Vec<String>,
    /// Where the principal is defined in head (base when removed).
    pub location: Option<Location>,
}

/// A finding the change introduces or makes worse.
#[derive(Debug, Clone)]
pub struct Introduced {
    /// The head finding.
    pub finding: Finding,
    /// `new`, or `worse` (same id, more excess or a higher severity).
    pub status: &'static str,
    /// For `worse`: what got worse.
    pub because: Option<String>,
    /// Where in head the grant is written.
    pub location: Option<Location>,
}

/// The whole diff.
#[derive(Debug, Default)]
pub struct CheckDiff {
    /// Principals whose rights or reach change, by ARN.
    pub changes: Vec<PrincipalChange>,
    /// Findings introduced or made worse.
    pub introduced: Vec<Introduced>,
    /// Findings of base that head no longer has.
    pub resolved: Vec<Finding>,
}

/// What the rules' context needs besides an analysis.
#[derive(Debug)]
pub struct Inputs<'a> {
    /// Declared roles.
    pub config: &'a Config,
    /// Their baselines.
    pub baselines: &'a Baselines,
    /// Options the analyses ran with.
    pub options: &'a Options,
}

/// Compares base and head.
pub fn compute(base: &Analysed, head: &Analysed, inputs: &Inputs<'_>) -> CheckDiff {
    let catalog = Catalog::embedded();
    let before = effective_all(base, inputs);
    let after = effective_all(head, inputs);
    let mut changes = Vec::new();
    let arns: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for arn in arns {
        let change = match (before.get(arn), after.get(arn)) {
            (Some(b), Some(a)) => {
                let gained = beyond(&a.grants, &b.grants);
                let added = groups(catalog, &gained, head);
                let added_own = own_groups(catalog, arn, &gained, head);
                let removed = groups(catalog, &beyond(&b.grants, &a.grants), base);
                let new_reach: Vec<(String, Vec<Hop>)> = a
                    .reached
                    .iter()
                    .filter(|(k, _)| !b.reached.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let lost_reach: Vec<String> = b
                    .reached
                    .keys()
                    .filter(|k| !a.reached.contains_key(*k))
                    .cloned()
                    .collect();
                if added.is_empty()
                    && removed.is_empty()
                    && new_reach.is_empty()
                    && lost_reach.is_empty()
                {
                    continue;
                }
                PrincipalChange {
                    principal: arn.clone(),
                    status: "changed",
                    declared_role: declared_role(head, arn),
                    added,
                    added_own,
                    removed,
                    new_reach,
                    lost_reach,
                    location: head.set.locations.principals.get(arn).cloned(),
                }
            }
            (None, Some(a)) => PrincipalChange {
                principal: arn.clone(),
                status: "added",
                declared_role: declared_role(head, arn),
                added: groups(catalog, &beyond(&a.grants, &[]), head),
                added_own: own_groups(catalog, arn, &beyond(&a.grants, &[]), head),
                removed: Vec::new(),
                new_reach: a
                    .reached
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                lost_reach: Vec::new(),
                location: head.set.locations.principals.get(arn).cloned(),
            },
            (Some(b), None) => PrincipalChange {
                principal: arn.clone(),
                status: "removed",
                declared_role: declared_role(base, arn),
                added: Vec::new(),
                added_own: Vec::new(),
                removed: groups(catalog, &beyond(&b.grants, &[]), base),
                new_reach: Vec::new(),
                lost_reach: b.reached.keys().cloned().collect(),
                location: base.set.locations.principals.get(arn).cloned(),
            },
            (None, None) => continue,
        };
        changes.push(change);
    }
    let (introduced, resolved) = findings(base, head, &changes);
    CheckDiff {
        changes,
        introduced,
        resolved,
    }
}

fn declared_role(side: &Analysed, arn: &str) -> Option<String> {
    let i = side
        .analysis
        .account
        .principals
        .iter()
        .position(|p| p.arn == arn)?;
    side.analysis.declared[i].role.clone()
}

/// Every principal's grants (its own and those of everything it reaches) and reach.
fn effective_all(side: &Analysed, inputs: &Inputs<'_>) -> BTreeMap<String, Effective> {
    let a = &side.analysis;
    let ctx = Context {
        account: &a.account,
        snapshot: &side.snapshot,
        rights: &a.rights,
        graph: &a.graph,
        condensed: &a.condensed,
        config: inputs.config,
        baselines: inputs.baselines,
        declared: &a.declared,
        options: inputs.options,
        catalog: Catalog::embedded(),
        memo: Memo::default(),
    };
    let mut out = BTreeMap::new();
    let reaching = ctx.reaching();
    for p in 0..a.account.principals.len() {
        let view = PrincipalView::new(&ctx, p);
        let mut e = Effective::default();
        let mut seen = HashSet::new();
        let mut add = |e: &mut Effective,
                       rights: &Arc<overreach_policy::summary::EffectiveSummary>,
                       label: &str| {
            if !seen.insert(Arc::as_ptr(rights) as usize) {
                return;
            }
            for g in &rights.grants {
                e.grants.push(Grant {
                    actions: g.allowed.union(&g.conditional),
                    allowed: g.allowed.clone(),
                    resources: g.resources.clone(),
                    statement: g.statement.clone(),
                    holder: label.to_string(),
                });
            }
        };
        let own = view.own(&ctx);
        add(&mut e, &own.rights, &own.label);
        let Some(start) = view.node else {
            out.insert(a.account.principals[p].arn.clone(), e);
            continue;
        };
        for (entry, comp) in a.condensed.reachable_entries(&a.graph, start) {
            let Some(rights) = reaching.rights(entry) else {
                continue;
            };
            let Some(path) = a.condensed.path(&a.graph, start, entry, comp) else {
                continue;
            };
            let Some(holder) = view.holder_at(&ctx, entry, path) else {
                continue;
            };
            add(&mut e, &rights, &holder.label);
            let hops = view.via(&ctx, &holder);
            e.reached.entry(holder.label.clone()).or_insert(hops);
        }
        out.insert(a.account.principals[p].arn.clone(), e);
    }
    out
}

/// For each grant of `new`, the actions that `old` does not give on all of its resources: an
/// action is covered when each resource pattern of the grant is covered by some grant of `old`
/// holding the action (so a statement split or merged, or its patterns reordered, is no
/// change). Actions are compared twice: allowed or conditional, then allowed without
/// conditions (a condition removed is a gain). Returns (action id, the grant).
fn beyond<'g>(new: &'g [Grant], old: &[Grant]) -> Vec<(u32, &'g Grant)> {
    let catalog = Catalog::embedded();
    let mut taken = ActionSet::empty(catalog.len());
    let mut out = Vec::new();
    let passes: [fn(&Grant) -> &ActionSet; 2] = [|g| &g.actions, |g| &g.allowed];
    for pick in passes {
        for g in new {
            let rest = pick(g).difference(&taken);
            if rest.is_empty() {
                continue;
            }
            let patterns: Vec<ResourceScope> = match &g.resources {
                ResourceScope::Patterns(ps) if ps.len() > 1 => ps
                    .iter()
                    .map(|p| ResourceScope::Patterns(vec![p.clone()]))
                    .collect(),
                other => vec![other.clone()],
            };
            // covered on every pattern: the intersection of what covers each
            let mut covered: Option<ActionSet> = None;
            for part in &patterns {
                let mut here = ActionSet::empty(catalog.len());
                for o in old {
                    if covers(&o.resources, part) {
                        here.union_with(pick(o));
                    }
                }
                covered = Some(match covered {
                    None => here,
                    Some(c) => c.intersection(&here),
                });
            }
            let rest = match covered {
                Some(c) => rest.difference(&c),
                None => rest,
            };
            for id in rest.ids() {
                out.push((id, g));
            }
            taken.union_with(&rest);
        }
    }
    out
}

/// Does `outer` cover `inner`? Equal patterns cover each other even when they hold variables
/// (an unresolved value is the same unknown on both sides), which `contains` never assumes.
fn covers(outer: &ResourceScope, inner: &ResourceScope) -> bool {
    if outer == inner || outer.contains(inner) {
        return true;
    }
    match (outer, inner) {
        (ResourceScope::Patterns(os), ResourceScope::Patterns(is)) => {
            is.iter().all(|i| os.iter().any(|o| o == i))
        }
        _ => false,
    }
}

/// The groups of the actions granted by `principal`'s own policies.
fn own_groups(
    catalog: &Catalog,
    principal: &str,
    actions: &[(u32, &Grant)],
    side: &Analysed,
) -> Vec<ChangeGroup> {
    let own: Vec<(u32, &Grant)> = actions
        .iter()
        .filter(|(_, g)| g.holder == principal)
        .copied()
        .collect();
    groups(catalog, &own, side)
}

fn groups(catalog: &Catalog, actions: &[(u32, &Grant)], side: &Analysed) -> Vec<ChangeGroup> {
    let mut map: BTreeMap<(&str, AccessLevel), ChangeGroup> = BTreeMap::new();
    for &(id, g) in actions {
        let level = catalog.level(id).unwrap_or(AccessLevel::Write);
        let prefix = catalog.prefix_of(id);
        let group = map.entry((prefix, level)).or_insert_with(|| ChangeGroup {
            service: prefix.to_string(),
            access_level: level.as_str().to_string(),
            count: 0,
            actions: Vec::new(),
            names: Vec::new(),
        });
        group.count += 1;
        group.names.push(catalog.full_name(id));
        if group.actions.len() < LISTED {
            group.actions.push(ActionChange {
                action: catalog.full_name(id),
                resources: g.resources.describe(),
                statement: g.statement.clone(),
                holder: g.holder.clone(),
                location: statement_location(&side.set, &g.statement, &g.holder),
            });
        }
    }
    map.into_values().collect()
}

/// Where a statement is written: the statement itself, else (an AWS managed policy, whose
/// text is not in the input) the attachment of its policy to the holder.
fn statement_location(set: &IacSet, st: &StatementRef, holder: &str) -> Option<Location> {
    statement_location_strict(set, st, holder, holder).or_else(|| {
        // an inline policy id is `OWNER#inline/NAME`: fall back to the owner's resource
        let owner = st.policy.split('#').next().unwrap_or(&st.policy);
        set.locations.principals.get(owner).cloned()
    })
}

/// Findings introduced (new ids, or same id with more excess or a higher severity) and
/// resolved.
fn findings(
    base: &Analysed,
    head: &Analysed,
    changes: &[PrincipalChange],
) -> (Vec<Introduced>, Vec<Finding>) {
    let before: BTreeMap<&str, &Finding> = base
        .analysis
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f))
        .collect();
    let after: BTreeSet<&str> = head
        .analysis
        .findings
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    let mut introduced = Vec::new();
    for f in &head.analysis.findings {
        let gained: BTreeSet<&str> = changes
            .iter()
            .filter(|c| c.principal == f.principal)
            .flat_map(|c| c.added.iter().flat_map(|g| g.names.iter()))
            .map(String::as_str)
            .collect();
        let (status, because) = match before.get(f.id.as_str()) {
            None => ("new", None),
            Some(old) => match worse(old, f, &gained) {
                Some(why) => ("worse", Some(why)),
                None => continue,
            },
        };
        introduced.push(Introduced {
            finding: f.clone(),
            status,
            because,
            location: locate(base, head, f),
        });
    }
    let resolved = base
        .analysis
        .findings
        .iter()
        .filter(|f| !after.contains(f.id.as_str()))
        .cloned()
        .collect();
    (introduced, resolved)
}

/// Is the head finding worse than the base one of the same id: a higher severity, a group of
/// excess actions (service, access level) that is new or larger, or excess actions the
/// principal gained in this change (e.g. the same action on more resources)?
fn worse(old: &Finding, new: &Finding, gained: &BTreeSet<&str>) -> Option<String> {
    let groups = |f: &Finding| -> BTreeMap<(String, String), usize> {
        f.excess
            .iter()
            .map(|g| ((g.service.to_string(), g.access_level.to_string()), g.count))
            .collect()
    };
    let before = groups(old);
    let mut why = Vec::new();
    if new.severity > old.severity {
        why.push(format!("severity {} → {}", old.severity, new.severity));
    }
    let grown: Vec<String> = groups(new)
        .into_iter()
        .filter_map(|((service, level), n)| {
            let b = before
                .get(&(service.clone(), level.clone()))
                .copied()
                .unwrap_or(0);
            (n > b).then(|| format!("{service} {level} {b} → {n}"))
        })
        .collect();
    if !grown.is_empty() {
        let shown: Vec<&str> = grown.iter().take(3).map(String::as_str).collect();
        let more = grown.len().saturating_sub(shown.len());
        why.push(format!(
            "more excess: {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let widened: Vec<&str> = new
        .excess
        .iter()
        .flat_map(|g| g.actions.iter())
        .map(|a| a.action())
        .filter(|a| gained.contains(a))
        .take(3)
        .collect();
    if !widened.is_empty() && grown.is_empty() {
        why.push(format!("granted more widely: {}", widened.join(", ")));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The place in head that grants what a finding reports: the first statement in path order
/// (the hops, then the statements behind the excess) that the change added or altered, else
/// the first that head shows at all, else the principal.
fn locate(base: &Analysed, head: &Analysed, f: &Finding) -> Option<Location> {
    let mut evidence: Vec<(&StatementRef, &str)> = Vec::new();
    for h in &f.path {
        evidence.extend(h.statements.iter().map(|s| (s, f.principal.as_str())));
    }
    for g in &f.excess {
        for h in g.via() {
            evidence.extend(h.statements.iter().map(|s| (s, f.principal.as_str())));
        }
        evidence.extend(g.actions.iter().map(|a| (a.statement(), g.holder())));
    }
    let located = |(s, holder): &(&StatementRef, &str)| {
        statement_location_strict(&head.set, s, holder, &f.principal)
    };
    evidence
        .iter()
        .filter(|e| changed(base, head, e.0, e.1))
        .find_map(located)
        .or_else(|| evidence.iter().find_map(located))
        .or_else(|| head.set.locations.principals.get(&f.principal).cloned())
}

/// Did the change add or alter this statement (or, for a policy whose text the input does not
/// hold, attach the policy to `holder`)?
fn changed(base: &Analysed, head: &Analysed, st: &StatementRef, holder: &str) -> bool {
    if head.set.locations.statement(&st.policy, st.index).is_some() {
        let Some((now, _)) = head.analysis.account.statement(st) else {
            return false;
        };
        let before = base
            .analysis
            .account
            .policies
            .iter()
            .find(|p| p.id == st.policy)
            .and_then(|p| p.policy.as_ref());
        return !before.is_some_and(|p| p.policy.statements.iter().any(|s| s == now));
    }
    let holds = |side: &Analysed| {
        let account = &side.analysis.account;
        account.principals.iter().any(|p| {
            p.arn == holder
                && p.identity
                    .iter()
                    .any(|(i, _)| account.policies.get(*i).is_some_and(|e| e.id == st.policy))
        })
    };
    holds(head) && !holds(base)
}

/// True when a finding at or above `threshold` is introduced and not suppressed.
pub fn fails(diff: &CheckDiff, threshold: Option<Severity>) -> bool {
    threshold.is_some_and(|t| {
        diff.introduced
            .iter()
            .any(|i| !i.finding.is_suppressed() && i.finding.severity >= t)
    })
}

/// [`statement_location`] without the fallback to the owner's resource.
fn statement_location_strict(
    set: &IacSet,
    st: &StatementRef,
    holder: &str,
    principal: &str,
) -> Option<Location> {
    set.locations
        .statement(&st.policy, st.index)
        .cloned()
        .or_else(|| {
            [holder, principal].iter().find_map(|h| {
                set.locations
                    .attachments
                    .get(&(h.to_string(), st.policy.clone()))
                    .cloned()
            })
        })
}
