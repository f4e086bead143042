//! The rules: one file each, with a stable kebab-case id and documentation (what it finds, why
//! it matters, an example, the fix) in the file's doc comment and in [`RuleInfo`].

use std::sync::Arc;

use overreach_policy::summary::Grant;
use overreach_policy::{AccessLevel, ActionSet, Catalog};

use crate::analyze::{Context, Holder, PrincipalView};
use crate::finding::{
    ExcessAction, ExcessGroup, Finding, MAX_ACTIONS_LISTED, MAX_GROUPS_LISTED, Reach, Severity,
};

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
/// `question` names what `contribution` computes besides a holder's rights (e.g. the
/// declared role). Returns the holders that got something, with their share and path.
pub(crate) fn attribute(
    ctx: &Context<'_>,
    view: &PrincipalView,
    question: &str,
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
        question,
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
    question: &str,
    covered: ActionSet,
    mut contribution: impl FnMut(&Holder) -> Arc<ActionSet>,
) -> Vec<(Holder, ActionSet)> {
    let Some(start) = view.node else {
        return Vec::new();
    };
    let reaching = ctx.reaching();
    // a reached holder's contribution depends on its rights and actor only (and the
    // question)
    let mut ask = |rights: &Arc<overreach_policy::summary::EffectiveSummary>,
                   entry: &crate::condensed::Entry| {
        contribution(&asked(ctx, view, *entry, Arc::clone(rights)))
    };
    let shares = ctx.condensed.shares(&reaching, start, question, &mut ask);
    let mut out = Vec::new();
    for share in shares.iter() {
        let set = share.set.difference(&covered);
        if set.has_no_known() {
            continue;
        }
        // any member contributing at least this share may stand for the holder: the nearest
        // (members with the same contribution are alike: each distinct one is compared once)
        // (kept alive in the map, so no other set can take the address)
        let mut verdicts: std::collections::HashMap<*const ActionSet, (Arc<ActionSet>, bool)> =
            std::collections::HashMap::new();
        let mut serves = |entry: crate::condensed::Entry| {
            reaching.rights(entry).is_some_and(|rights| {
                let theirs = contribution(&asked(ctx, view, entry, rights));
                verdicts
                    .entry(Arc::as_ptr(&theirs))
                    .or_insert_with(|| (Arc::clone(&theirs), set.is_subset(&theirs)))
                    .1
            })
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

/// A reached holder as a contribution sees it: its rights, actor and the node it is reached
/// at (label and path come later, for the holders a finding shows).
fn asked(
    ctx: &Context<'_>,
    view: &PrincipalView,
    entry: crate::condensed::Entry,
    rights: Arc<overreach_policy::summary::EffectiveSummary>,
) -> Holder {
    Holder {
        label: String::new(),
        node: entry.node(ctx.graph).or(view.node),
        actor: entry.actor(ctx.graph).unwrap_or(view.idx),
        conditional: false,
        rights,
        path: None,
    }
}

/// The evidence of a rule about rights: its shares grouped by service and access level.
/// Every group is counted; only the [`MAX_GROUPS_LISTED`] most severe are listed, each with
/// at most [`MAX_ACTIONS_LISTED`] actions and the statement that grants each.
#[derive(Debug)]
pub(crate) struct Evidence {
    /// Every group, counted: the [`MAX_GROUPS_LISTED`] most severe first, in order.
    pub counts: Vec<GroupCount>,
    /// The listed groups.
    pub groups: Vec<ExcessGroup>,
    /// How many groups are not listed.
    pub omitted: usize,
    /// The hops to each holder, in the order of the shares.
    pub vias: Vec<Arc<[Arc<crate::finding::Hop>]>>,
}

/// One excess group before its actions are listed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupCount {
    /// Index of the holder in the shares.
    pub holder: usize,
    /// Index of the service in the catalogue.
    pub service: u32,
    /// Its access level.
    pub level: AccessLevel,
    /// How many actions.
    pub count: usize,
    /// Some action of the group is granted without conditions on a path without conditions.
    pub certain: bool,
}

impl Evidence {
    /// Total number of actions counted.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|g| g.count).sum()
    }

    /// Some action is granted without conditions.
    pub fn any_certain(&self) -> bool {
        self.counts.iter().any(|g| g.certain)
    }
}

const LEVELS: usize = 5;

/// Sets of up to this many actions are counted action by action; larger ones word by word
/// for each service and level (some 2,000 counts of a few words each).
const WALK_LIMIT: usize = 2048;

fn level_index(level: AccessLevel) -> usize {
    match level {
        AccessLevel::List => 0,
        AccessLevel::Read => 1,
        AccessLevel::Write => 2,
        AccessLevel::PermissionsManagement => 3,
        AccessLevel::Tagging => 4,
    }
}

pub(crate) const LEVEL_OF: [AccessLevel; LEVELS] = [
    AccessLevel::List,
    AccessLevel::Read,
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
    AccessLevel::Tagging,
];

/// Groups the shares by holder, service and access level (all in one level named `label`
/// when given) and lists the most severe groups. Grants for which `skip(holder, grant)` is
/// true are not cited (nor counted as certain). Actions granted without conditions are cited
/// with such a statement when one exists.
pub(crate) fn evidence(
    ctx: &Context<'_>,
    view: &PrincipalView,
    shares: &[(Holder, ActionSet)],
    label: Option<&'static str>,
    skip: impl Fn(&Holder, &Grant) -> bool,
) -> Evidence {
    let catalog = ctx.catalog;
    let key = |id: u32| {
        catalog.service_and_level(id).map(|(service, level)| {
            let level = if label.is_some() {
                AccessLevel::Write
            } else {
                level
            };
            service as usize * LEVELS + level_index(level)
        })
    };
    // how many actions of a set each (service, level) has: action by action for a small
    // set, word by word per service (and level) for a large one
    let masks = ctx.memo.level_masks(catalog);
    let count_keys = |set: &ActionSet, add: &mut dyn FnMut(usize, usize)| {
        if set.len() <= WALK_LIMIT {
            set.for_each(|id| {
                if let Some(k) = key(id) {
                    add(k, 1);
                }
            });
            return;
        }
        for (service, info) in catalog.services().iter().enumerate() {
            if label.is_some() {
                let n = set.count_in(info.actions.clone(), None);
                if n > 0 {
                    add(service * LEVELS + level_index(AccessLevel::Write), n);
                }
                continue;
            }
            for (level, mask) in masks.iter().enumerate() {
                let n = set.count_in(info.actions.clone(), Some(mask));
                if n > 0 {
                    add(service * LEVELS + level, n);
                }
            }
        }
    };
    let mut tally = vec![(0usize, false); catalog.services().len() * LEVELS];
    let mut counts = Vec::new();
    for (h, (holder, share)) in shares.iter().enumerate() {
        let mut touched = Vec::new();
        count_keys(share, &mut |k, n| {
            if tally[k].0 == 0 {
                touched.push(k);
            }
            tally[k].0 += n;
        });
        if !holder.conditional {
            let mut sure = ActionSet::empty(catalog.len());
            for grant in holder.rights.grants.iter().filter(|g| !skip(holder, g)) {
                sure.union_with(&grant.allowed);
            }
            count_keys(&sure.intersection(share), &mut |k, _| tally[k].1 = true);
        }
        touched.sort_unstable();
        for k in touched {
            let (count, certain) = std::mem::take(&mut tally[k]);
            counts.push(GroupCount {
                holder: h,
                service: (k / LEVELS) as u32,
                level: LEVEL_OF[k % LEVELS],
                count,
                certain,
            });
        }
    }
    let prefix = |g: &GroupCount| {
        catalog
            .services()
            .get(g.service as usize)
            .map_or("", |s| s.prefix.as_str())
    };
    let level_name = |g: &GroupCount| label.unwrap_or(g.level.as_str());
    // most severe first; only the listed groups need their order (every key differs: a
    // holder has one group per service and level), so the rest is only partitioned off
    let rank = |g: &GroupCount| {
        (
            group_rank(level_name(g), prefix(g)),
            std::cmp::Reverse(g.count),
            prefix(g),
            g.holder,
            level_index(g.level),
        )
    };
    let mut keyed: Vec<_> = counts.into_iter().map(|g| (rank(&g), g)).collect();
    if keyed.len() > MAX_GROUPS_LISTED {
        keyed.select_nth_unstable_by(MAX_GROUPS_LISTED, |a, b| a.0.cmp(&b.0));
    }
    let head = keyed.len().min(MAX_GROUPS_LISTED);
    keyed[..head].sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let counts: Vec<GroupCount> = keyed.into_iter().map(|(_, g)| g).collect();
    let vias: Vec<Arc<[Arc<crate::finding::Hop>]>> = shares
        .iter()
        .map(|(h, _)| Arc::from(view.shared_via(ctx, h)))
        .collect();
    let reaches: Vec<Arc<Reach>> = shares
        .iter()
        .zip(&vias)
        .map(|((h, _), via)| {
            Arc::new(Reach {
                holder: Arc::from(h.label.as_str()),
                via: Arc::clone(via),
            })
        })
        .collect();
    let groups = counts
        .iter()
        .take(MAX_GROUPS_LISTED)
        .map(|g| {
            let (holder, share) = &shares[g.holder];
            let range = catalog
                .services()
                .get(g.service as usize)
                .map_or(0..0, |s| s.actions.clone());
            // the group's actions, ascending, and whether each is listed yet
            let group_key = key_of(g);
            let mut wanted: Vec<(u32, bool)> = Vec::with_capacity(g.count);
            share.for_each_in(range, |id| {
                if key(id) == Some(group_key) {
                    wanted.push((id, false));
                }
            });
            let full = MAX_ACTIONS_LISTED.min(wanted.len());
            let mut actions: Vec<ExcessAction> = Vec::with_capacity(full);
            // unconditional grants first, then conditional ones; each grant lists its
            // actions of the group not listed yet, ascending, until the list is full
            for conditional in [false, true] {
                for grant in holder.rights.grants.iter().filter(|gr| !skip(holder, gr)) {
                    if actions.len() >= full {
                        break;
                    }
                    let set = if conditional {
                        &grant.conditional
                    } else {
                        &grant.allowed
                    };
                    // looked up once per grant (the memo is shared by every thread)
                    let mut cited: Option<crate::analyze::Citation> = None;
                    for (id, listed) in wanted.iter_mut() {
                        if actions.len() >= full {
                            break;
                        }
                        if !*listed && set.contains(*id) {
                            *listed = true;
                            actions.push(ExcessAction {
                                id: *id,
                                cited: Arc::clone(
                                    cited.get_or_insert_with(|| ctx.memo.cite(grant)),
                                ),
                                conditional: conditional || holder.conditional,
                            });
                        }
                    }
                }
            }
            actions.sort_by(|a, b| a.action().cmp(b.action()));
            ExcessGroup {
                service: catalog.shared_prefix(g.service),
                access_level: level_name(g),
                count: g.count,
                actions: actions.into_boxed_slice(),
                reach: Arc::clone(&reaches[g.holder]),
            }
        })
        .collect();
    Evidence {
        omitted: counts.len().saturating_sub(MAX_GROUPS_LISTED),
        counts,
        groups,
        vias,
    }
}

fn key_of(g: &GroupCount) -> usize {
    g.service as usize * LEVELS + level_index(g.level)
}

/// Where an excess group ranks in a finding (lower first): permissions management, write,
/// tagging, read, list; within a level, the services that hold identities, infrastructure and
/// data first.
fn group_rank(level: &str, service: &str) -> (u8, usize) {
    let rank = match level {
        "Permissions management" => 0,
        "Write (destructive)" | "Write" => 1,
        "Tagging" => 2,
        "Read" => 3,
        _ => 4,
    };
    const CORE: [&str; 14] = [
        "iam",
        "sts",
        "organizations",
        "cloudformation",
        "ec2",
        "rds",
        "s3",
        "dynamodb",
        "lambda",
        "eks",
        "ecs",
        "kms",
        "secretsmanager",
        "route53",
    ];
    let core = CORE
        .iter()
        .position(|c| *c == service)
        .unwrap_or(CORE.len());
    (rank, core)
}

/// Every action a holder's grants give (allowed or conditional).
pub(crate) fn granted(holder: &Holder) -> ActionSet {
    let r = &holder.rights;
    r.allowed.union(&r.conditional)
}

/// Severity of holding this excess: critical for IAM/STS/Organizations permissions
/// management or near-admin breadth, high for any write, medium for reads, low for lists.
pub(crate) fn excess_severity(catalog: &Catalog, evidence: &Evidence) -> Severity {
    let prefix = |g: &GroupCount| {
        catalog
            .services()
            .get(g.service as usize)
            .map_or("", |s| s.prefix.as_str())
    };
    let has = |level: AccessLevel, pred: &dyn Fn(&GroupCount) -> bool| {
        evidence
            .counts
            .iter()
            .any(|g| g.certain && g.level == level && pred(g))
    };
    let identity_admin = |g: &GroupCount| matches!(prefix(g), "iam" | "sts" | "organizations");
    if has(AccessLevel::PermissionsManagement, &identity_admin) || evidence.total() >= 5_000 {
        Severity::Critical
    } else if has(AccessLevel::Write, &|_| true)
        || has(AccessLevel::PermissionsManagement, &|_| true)
        || has(AccessLevel::Tagging, &|_| true)
    {
        Severity::High
    } else if evidence.counts.iter().any(|g| g.level != AccessLevel::List) {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// "412 actions (37 write or permissions) in s3, iam and 3 more services", each action once;
/// services by how many of the actions they hold.
pub(crate) fn describe_excess(catalog: &Catalog, actions: &ActionSet) -> String {
    let mut per_service = vec![0usize; catalog.services().len()];
    let mut writes = 0;
    let mut total = 0;
    actions.for_each(|id| {
        if let Some((service, level)) = catalog.service_and_level(id) {
            per_service[service as usize] += 1;
            total += 1;
            if !matches!(level, AccessLevel::List | AccessLevel::Read) {
                writes += 1;
            }
        }
    });
    let mut services: Vec<(&str, usize)> = catalog
        .services()
        .iter()
        .zip(per_service)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (s.prefix.as_str(), n))
        .collect();
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
    format!("{total} actions ({writes} write or permissions) in {shown}{tail}")
}
