//! Privilege-escalation edges from the path catalogue (`data/escalation-paths.json`, derived
//! from pathfinding.cloud, Apache-2.0). Paths are data: each names the requests the principal
//! must be allowed, on which resources, and what it gains. Every request is decided by the exact
//! evaluator against the principal's own layers; prerequisites (a role that trusts the service,
//! an instance profile, a policy attached to the principal) are checked against the account.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use overreach_policy::eval::{
    Outcome, PolicySet, Request, ResourcePolicyKind, evaluate, resource_pattern_matches,
};
use overreach_policy::glob::Pattern;
use overreach_policy::{Catalog, Principal, RequestContext, StatementRef};
use rayon::prelude::*;
use serde::Deserialize;

use crate::access::decide_with;
use crate::account::{Account, PolicyOrigin, PrincipalIdx, PrincipalType};
use crate::graph::{
    ASSUME_ACTIONS, Decisions, Edge, Grounds, Groups, Node, PermissionGraph, PlannedEdge,
    TargetHubs,
};
use crate::rights::Rights;

const PATHS_JSON: &str = include_str!("../data/escalation-paths.json");

/// The escalation path catalogue.
#[derive(Debug, Deserialize)]
pub struct PathCatalog {
    /// Where the data comes from.
    pub source: String,
    /// The paths.
    pub paths: Vec<EscalationPath>,
}

/// What taking a path gives the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gains {
    /// Any permission it grants itself (within its boundary and SCPs).
    Admin,
    /// The target role's permissions.
    Role,
    /// The target user's permissions.
    User,
    /// The target group's permissions.
    Group,
}

/// Which resource a required request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceRef {
    /// Any resource.
    #[serde(rename = "*")]
    Any,
    /// The target principal or group.
    Target,
    /// The principal itself.
    #[serde(rename = "self")]
    Own,
    /// A customer managed policy attached to the principal.
    AttachedPolicy,
    /// A customer managed policy attached to the target.
    TargetAttachedPolicy,
    /// An instance profile of the target role.
    InstanceProfile,
}

/// One request the principal must be allowed.
#[derive(Debug, Clone, Deserialize)]
pub struct Requirement {
    /// The action.
    pub action: String,
    /// The resource it is about.
    pub resource: ResourceRef,
}

/// The kind of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// The principal itself.
    #[serde(rename = "self")]
    Own,
    /// A role.
    Role,
    /// A user.
    User,
    /// A group.
    Group,
}

/// The target of a path and its prerequisites.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    /// What is targeted.
    pub kind: TargetKind,
    /// The role must trust this service principal.
    #[serde(default)]
    pub trusts_service: Option<String>,
    /// The principal edits the role's trust, then assumes it: it needs `sts:AssumeRole` on it.
    #[serde(default)]
    pub assumable_by_self: Option<bool>,
    /// The role must be in an instance profile.
    #[serde(default)]
    pub needs_instance_profile: Option<bool>,
    /// For self paths: `user`, `role` or `any`.
    #[serde(default)]
    pub applies_to: Option<String>,
}

/// One escalation path.
#[derive(Debug, Clone, Deserialize)]
pub struct EscalationPath {
    /// Stable id (`lambda-001`).
    pub id: String,
    /// The permissions, as pathfinding.cloud names the path.
    pub name: String,
    /// self-escalation, principal-access, new-passrole, existing-passrole, credential-access.
    pub category: String,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// What it gives.
    pub gains: Gains,
    /// The requests the principal must be allowed.
    pub required: Vec<Requirement>,
    /// The target.
    pub target: Target,
    /// A resource IAM data cannot show, needed by the path (edges become inconclusive).
    #[serde(default)]
    pub needs_existing: Option<String>,
    /// Where the path is documented.
    #[serde(default)]
    pub reference: String,
    /// False for paths this engine cannot express (kept for the record).
    #[serde(default = "yes")]
    pub expressible: bool,
    /// Why a path is not expressible.
    #[serde(default)]
    pub why: Option<String>,
}

fn yes() -> bool {
    true
}

impl EscalationPath {
    /// True when every required action is an `sts:AssumeRole*` action: the path is a plain
    /// role assumption, which the graph's can-assume edges already represent.
    pub fn is_plain_assumption(&self) -> bool {
        self.required.iter().all(|r| {
            ASSUME_ACTIONS
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&r.action))
        })
    }

    /// Does the path write the target's permission policies (attach, put or replace a policy
    /// of the target)? Then the principal gains whatever it writes there, not only the
    /// target's current rights. Decided from the catalogue: a Permissions-management action on
    /// the target whose name is about policies, other than its trust policy.
    pub fn rewrites_target_permissions(&self, catalog: &Catalog) -> bool {
        self.required.iter().any(|r| {
            matches!(
                r.resource,
                ResourceRef::Target | ResourceRef::TargetAttachedPolicy
            ) && r.action.contains("Policy")
                && !r.action.contains("AssumeRolePolicy")
                && catalog.lookup(&r.action).and_then(|id| catalog.level(id))
                    == Some(overreach_policy::AccessLevel::PermissionsManagement)
        })
    }
}

impl PathCatalog {
    /// The catalogue compiled into overreach.
    pub fn embedded() -> Result<&'static PathCatalog, &'static str> {
        static CATALOG: OnceLock<Result<PathCatalog, String>> = OnceLock::new();
        CATALOG
            .get_or_init(|| {
                serde_json::from_str(PATHS_JSON).map_err(|e| {
                    format!(
                        "the escalation path catalogue compiled into overreach is unreadable: {e}"
                    )
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// A path by id.
    pub fn get(&self, id: &str) -> Option<&EscalationPath> {
        self.paths.iter().find(|p| p.id == id)
    }
}

/// Adds an escalation edge for every path each principal can take. Paths are decided in
/// parallel; their edges are added in catalogue order, so the graph is the same on every run.
pub fn add_escalation_edges(
    graph: &mut PermissionGraph,
    account: &Account,
    rights: &Rights,
    paths: &PathCatalog,
) {
    let expressible: Vec<&EscalationPath> = paths.paths.iter().filter(|p| p.expressible).collect();
    let mut interned = crate::graph::Interner::default();
    // every path is a task of its own: paths differ widely in cost (at xlarge the four
    // costliest took 8.6 of 14.8 s of thread time), and batches of paths waited for their
    // slowest. Plans are small beside the graph (one planned edge per edge to add).
    let plans: Vec<(&EscalationPath, Vec<PlannedEdge>)> = expressible
        .par_iter()
        .with_max_len(1)
        .map(|&path| (path, path_edges(account, rights, path)))
        .collect();
    add_planned(graph, &mut interned, plans);
}

/// Adds planned edges in order, with shared grounds and path ids.
fn add_planned(
    graph: &mut PermissionGraph,
    interned: &mut crate::graph::Interner,
    plans: Vec<(&EscalationPath, Vec<PlannedEdge>)>,
) {
    for (path, edges) in plans {
        let id: Arc<str> = Arc::from(path.id.as_str());
        graph.add_planned(edges, interned, |grounds| Edge::Escalation {
            path: Arc::clone(&id),
            grounds,
        });
    }
}

/// The edges of one path, in the order they are added.
///
/// A caller whose requests are decided alike for several targets (one grant covers them all)
/// gets one edge to a hub standing for those targets, carrying the caller's grounds; the hub
/// has one edge per target, carrying what the target contributes. Callers whose grants cover
/// the same targets share the hub, so a team's callers and a team's roles cost one edge per
/// caller plus one per role, not one per pair. A single target gets a direct edge.
fn path_edges(account: &Account, rights: &Rights, path: &EscalationPath) -> Vec<PlannedEdge> {
    let catalog = Catalog::embedded();
    let mut out: Vec<PlannedEdge> = Vec::new();
    let ids: Vec<Option<u32>> = path
        .required
        .iter()
        .map(|r| catalog.lookup(&r.action))
        .collect();
    // a plain role assumption is what the can-assume edges (and the account-root hub)
    // already represent, decided exactly
    if path.is_plain_assumption() {
        return out;
    }
    // the roles a service may assume do not depend on the principal: decide them once
    let service_roles: Option<Vec<(PrincipalIdx, Arc<Grounds>)>> =
        path.target.trusts_service.as_deref().map(|service| {
            (0..account.principals.len())
                .filter(|&r| account.principals[r].kind == PrincipalType::Role)
                .filter_map(|r| trusts_service(account, r, service).map(|g| (r, Arc::new(g))))
                .collect()
        });
    // a path whose requests are about "any resource" or "the target" only: a principal that
    // may make them on any resource, whatever the target, gets one edge to the path's hub
    let hubbable = path.target.kind != TargetKind::Own
        && path.target.assumable_by_self != Some(true)
        && path
            .required
            .iter()
            .all(|r| matches!(r.resource, ResourceRef::Any | ResourceRef::Target));
    let universe = all_targets(account, path, service_roles.as_deref())
        .into_iter()
        .filter_map(|(node, grounds)| {
            let arn = match &node {
                Node::Principal(q) => account.principals[*q].arn.clone(),
                Node::Group(g) => account.groups[*g].arn.clone(),
                _ => return None,
            };
            Some((node, arn, grounds))
        })
        .collect();
    let mut hubs = TargetHubs::new(&path.id, universe);
    let role_index = RoleIndex::new(
        account,
        service_roles.as_deref(),
        path.target.assumable_by_self == Some(true),
    );
    // the customer managed policies of every principal, for requests about a target's
    // attached policies (looked up once, not per caller and target)
    let attached: Vec<Vec<&str>> = if path
        .required
        .iter()
        .any(|r| r.resource == ResourceRef::TargetAttachedPolicy)
    {
        (0..account.principals.len())
            .map(|t| customer_policies(account, t))
            .collect()
    } else {
        Vec::new()
    };
    // whether a caller may assume a role it edits (one table of trust classes per path)
    let mut assumable = crate::graph::AlikeRoles::new(account);
    let required: Vec<&str> = path.required.iter().map(|r| r.action.as_str()).collect();
    for p in 0..account.principals.len() {
        // cheap filter: every required action must be allowed at least conditionally
        let own = rights.of(p);
        // a principal that already holds every action gains nothing by escalating
        if own.allowed.len() == catalog.len() {
            continue;
        }
        if !ids
            .iter()
            .all(|id| id.is_none_or(|id| own.allowed.contains(id) || own.conditional.contains(id)))
        {
            continue;
        }
        if let Some(applies) = path.target.applies_to.as_deref() {
            let kind = account.principals[p].kind;
            if (applies == "user" && kind != PrincipalType::User)
                || (applies == "role" && kind != PrincipalType::Role)
            {
                continue;
            }
        }
        if hubbable {
            // no request names the target: one decision holds for every target
            let target_free = path.required.iter().all(|r| r.resource == ResourceRef::Any);
            let grounds = if target_free {
                check(account, rights, p, path, None)
            } else {
                ids.iter()
                    .map(|id| id.and_then(|id| rights.anywhere(account, p, id)))
                    .collect::<Option<Vec<StatementRef>>>()
                    .map(|statements| Grounds {
                        condition_keys: Vec::new(),
                        statements,
                        inconclusive: path.needs_existing.clone(),
                    })
            };
            if target_free && grounds.is_none() {
                continue;
            }
            if let Some(grounds) = grounds {
                // the hub of every target: what a grant on any resource matches
                let to = hubs.pattern_hub("*", &mut out);
                out.push((Node::Principal(p), to, Arc::new(grounds)));
                continue;
            }
        }
        // principals with the same layers decide every target alike when nothing in those
        // layers depends on who they are: decide once per class
        let class =
            if path.target.kind != TargetKind::Own && path.target.assumable_by_self != Some(true) {
                hubs.class_of(account, rights, p, &required)
            } else {
                None
            };
        hubs.link_caller(p, class, &mut out, || {
            targets(
                account,
                rights,
                p,
                path,
                (&role_index, &attached),
                &mut assumable,
            )
        });
    }
    out
}

/// Every target that meets the path's target-side prerequisites (service trust, instance
/// profile), with what it contributes.
fn all_targets(
    account: &Account,
    path: &EscalationPath,
    service_roles: Option<&[(PrincipalIdx, Arc<Grounds>)]>,
) -> Vec<(Node, Arc<Grounds>)> {
    let plain = Arc::new(Grounds::default());
    match path.target.kind {
        TargetKind::Own => Vec::new(),
        TargetKind::Role => candidate_roles(account, service_roles)
            .into_iter()
            .filter(|(r, _)| {
                path.target.needs_instance_profile != Some(true)
                    || !account.principals[*r].signals.instance_profiles.is_empty()
            })
            .map(|(r, g)| (Node::Principal(r), g))
            .collect(),
        TargetKind::User => (0..account.principals.len())
            .filter(|&u| account.principals[u].kind == PrincipalType::User)
            .map(|u| (Node::Principal(u), Arc::clone(&plain)))
            .collect(),
        TargetKind::Group => (0..account.groups.len())
            .map(|g| (Node::Group(g), Arc::clone(&plain)))
            .collect(),
    }
}

/// The targets `p` reaches by taking `path`, grouped by the grounds of `p`'s requests, and the
/// resource patterns of `p`'s grants of the requests about the target.
fn targets(
    account: &Account,
    rights: &Rights,
    p: PrincipalIdx,
    path: &EscalationPath,
    (roles, attached): (&RoleIndex, &[Vec<&str>]),
    assumable: &mut crate::graph::AlikeRoles<'_>,
) -> (Groups, Vec<String>) {
    let me = &account.principals[p];
    let mut decisions = Decisions::default();
    let plain = Arc::new(Grounds::default());
    // a request on the target can be allowed only where one of the principal's grants of
    // the action may cover the target: the others need no decision
    let summary = rights.of(p);
    let catalog = Catalog::embedded();
    let on_target: Vec<Vec<&overreach_policy::summary::ResourceScope>> = path
        .required
        .iter()
        .filter(|r| r.resource == ResourceRef::Target)
        .filter_map(|r| catalog.lookup(&r.action))
        .map(|id| summary.grants_for(id).map(|(g, _)| &g.resources).collect())
        .collect();
    let may_reach = |arn: &str| {
        on_target
            .iter()
            .all(|scopes| scopes.iter().any(|s| s.may_cover(arn)))
    };
    let mut alike = AlikeTargets::new(account, p, path, attached);
    match path.target.kind {
        TargetKind::Own => {
            if let Some(g) = check(account, rights, p, path, None) {
                let d = decisions.add(g);
                decisions.target(d, Node::AccountAdmin, plain);
            }
        }
        TargetKind::Role => {
            // every role, or only those that trust the path's service (with why they do)
            // only the roles a grant of the first request about the target may cover: found
            // through the literal prefixes of its patterns
            // and, when the role must trust the principal, only those whose trust may name it
            let places = match &roles.admitting {
                Some(admitting) => admitting.of(account, p),
                None => on_target
                    .first()
                    .and_then(|scopes| roles.index.covered(scopes))
                    .unwrap_or_else(|| (0..roles.roles.len()).collect()),
            };
            for i in places {
                let (ri, target_grounds) = (roles.roles[i].0, &roles.roles[i].1);
                let role = &account.principals[ri];
                // the principal itself stays a target (reaching itself adds nothing), so
                // callers reaching the same targets share one hub
                if !may_reach(&role.arn) {
                    continue;
                }
                if path.target.needs_instance_profile == Some(true)
                    && role.signals.instance_profiles.is_empty()
                {
                    continue;
                }
                if path.target.assumable_by_self == Some(true) {
                    // the role's current trust policy must let the principal in
                    let Some(trust) = role.trust.and_then(|t| account.policies[t].policy.as_ref())
                    else {
                        continue;
                    };
                    if !assumable.admits(p, ri, trust) {
                        continue;
                    }
                }
                if let Some(d) = alike.check(account, rights, p, path, ri, &mut decisions) {
                    decisions.target(d, Node::Principal(ri), Arc::clone(target_grounds));
                }
            }
        }
        TargetKind::User => {
            for (ui, user) in account.principals.iter().enumerate() {
                if user.kind != PrincipalType::User || !may_reach(&user.arn) {
                    continue;
                }
                if let Some(d) = alike.check(account, rights, p, path, ui, &mut decisions) {
                    decisions.target(d, Node::Principal(ui), Arc::clone(&plain));
                }
            }
        }
        TargetKind::Group => {
            if me.kind != PrincipalType::User {
                return (Vec::new(), Vec::new());
            }
            for (gi, group) in account.groups.iter().enumerate() {
                if me.groups.contains(&gi) || !may_reach(&group.arn) {
                    continue;
                }
                if let Some(g) = check_resources(account, rights, p, path, &group.arn, &[]) {
                    let d = decisions.add(g);
                    decisions.target(d, Node::Group(gi), Arc::clone(&plain));
                }
            }
        }
    }
    let patterns = crate::graph::scope_patterns(&on_target.concat());
    (decisions.into_groups(), patterns)
}

/// Every role, or the roles trusting the path's service, with what each contributes.
fn candidate_roles(
    account: &Account,
    service_roles: Option<&[(PrincipalIdx, Arc<Grounds>)]>,
) -> Vec<(PrincipalIdx, Arc<Grounds>)> {
    match service_roles {
        Some(list) => list.to_vec(),
        None => {
            let plain = Arc::new(Grounds::default());
            (0..account.principals.len())
                .filter(|&r| account.principals[r].kind == PrincipalType::Role)
                .map(|r| (r, Arc::clone(&plain)))
                .collect()
        }
    }
}

/// The roles a path may target (every role, or those trusting its service), with what each
/// contributes, their ARNs indexed and, for paths that assume the target, by whom their trust
/// may name.
struct RoleIndex {
    roles: Vec<(PrincipalIdx, Arc<Grounds>)>,
    index: crate::graph::ArnIndex,
    admitting: Option<crate::graph::AdmittingRoles>,
}

impl RoleIndex {
    fn new(
        account: &Account,
        service_roles: Option<&[(PrincipalIdx, Arc<Grounds>)]>,
        assumed: bool,
    ) -> RoleIndex {
        let roles = candidate_roles(account, service_roles);
        let index = crate::graph::ArnIndex::new(
            roles
                .iter()
                .map(|(r, _)| account.principals[*r].arn.as_str()),
        );
        let admitting = assumed
            .then(|| crate::graph::AdmittingRoles::new(account, roles.iter().map(|(r, _)| *r)));
        RoleIndex {
            roles,
            index,
            admitting,
        }
    }
}

/// Targets that principal `p`'s policies cannot tell apart get one decision. The requests of
/// a path differ between targets only in the resources they name that belong to the target
/// (its ARN, its attached customer managed policies, its instance profiles), and every layer
/// of `p` (identity, boundary, SCPs) sees a resource only through the resource patterns of
/// its statements about the path's actions. Two targets whose resources, request by request
/// and in order, those patterns match alike are decided alike. Not used (every target decided
/// on its own) when a pattern holds a policy variable.
struct AlikeTargets<'t> {
    patterns: Option<Vec<Pattern>>,
    /// Every principal's customer managed policies (when the path asks about them).
    attached: &'t [Vec<&'t str>],
    /// The signature of the target at hand.
    signature: Vec<u32>,
    /// Signature -> the decision's index (`None`: denied).
    decided: crate::cache::FastMap<Vec<u32>, Option<usize>>,
}

impl<'t> AlikeTargets<'t> {
    fn new(
        account: &Account,
        p: PrincipalIdx,
        path: &EscalationPath,
        attached: &'t [Vec<&'t str>],
    ) -> AlikeTargets<'t> {
        let actions: Vec<&str> = path.required.iter().map(|r| r.action.as_str()).collect();
        AlikeTargets {
            attached,
            signature: Vec::new(),
            patterns: crate::access::resource_patterns(account, p, &actions),
            decided: crate::cache::FastMap::default(),
        }
    }

    /// [`check`] for target `t`, decided once per set of targets the patterns match alike:
    /// the index of the decision in `decisions`.
    fn check(
        &mut self,
        account: &Account,
        rights: &Rights,
        p: PrincipalIdx,
        path: &EscalationPath,
        t: PrincipalIdx,
        decisions: &mut Decisions,
    ) -> Option<usize> {
        let Some(patterns) = &self.patterns else {
            return check(account, rights, p, path, Some(t)).map(|g| decisions.add(g));
        };
        let target = &account.principals[t];
        // per request about the target: how many resources it names, and how each pattern
        // matches each of them (in a buffer kept across targets: most signatures are seen)
        let signature = &mut self.signature;
        signature.clear();
        let mut add = |resources: &[&str]| {
            signature.push(resources.len() as u32);
            for resource in resources {
                signature.extend(
                    patterns
                        .iter()
                        .map(|pattern| u32::from(resource_pattern_matches(pattern, resource))),
                );
            }
        };
        let mut profiles: Vec<&str> = Vec::new();
        for req in &path.required {
            match req.resource {
                ResourceRef::Any | ResourceRef::Own | ResourceRef::AttachedPolicy => {}
                ResourceRef::Target => add(&[target.arn.as_str()]),
                ResourceRef::TargetAttachedPolicy => {
                    add(self.attached.get(t).map_or(&[], Vec::as_slice));
                }
                ResourceRef::InstanceProfile => {
                    profiles.clear();
                    profiles.extend(target.signals.instance_profiles.iter().map(String::as_str));
                    add(&profiles);
                }
            }
        }
        if let Some(hit) = self.decided.get(self.signature.as_slice()) {
            return *hit;
        }
        let d = check(account, rights, p, path, Some(t)).map(|g| decisions.add(g));
        self.decided.insert(self.signature.clone(), d);
        d
    }
}

/// Decides every required request of `path` for `p` (and a target principal).
fn check(
    account: &Account,
    rights: &Rights,
    p: PrincipalIdx,
    path: &EscalationPath,
    target: Option<PrincipalIdx>,
) -> Option<Grounds> {
    let target_arn = target
        .map(|t| account.principals[t].arn.clone())
        .unwrap_or_default();
    let profiles = target
        .map(|t| account.principals[t].signals.instance_profiles.clone())
        .unwrap_or_default();
    check_resources(account, rights, p, path, &target_arn, &profiles)
}

fn check_resources(
    account: &Account,
    rights: &Rights,
    p: PrincipalIdx,
    path: &EscalationPath,
    target_arn: &str,
    profiles: &[String],
) -> Option<Grounds> {
    let me = &account.principals[p];
    let mut keys = BTreeSet::new();
    let mut statements: BTreeSet<StatementRef> = BTreeSet::new();
    for req in &path.required {
        let candidates: Vec<String> = match req.resource {
            // "some resource": `*`, then every resource pattern its grants name for the action
            ResourceRef::Any => {
                let mut c = vec!["*".to_string()];
                if let Some(id) = Catalog::embedded().lookup(&req.action) {
                    for (grant, _) in rights.of(p).grants_for(id) {
                        c.extend(grant.resources.patterns().iter().cloned());
                    }
                }
                c.dedup();
                c
            }
            ResourceRef::Target => vec![target_arn.to_string()],
            ResourceRef::Own => vec![me.arn.clone()],
            ResourceRef::AttachedPolicy => owned(customer_policies(account, p)),
            ResourceRef::TargetAttachedPolicy => account
                .principal(target_arn)
                .map(|t| owned(customer_policies(account, t)))
                .unwrap_or_default(),
            ResourceRef::InstanceProfile => profiles.to_vec(),
        };
        // passing a role to the path's service: the request carries iam:PassedToService
        let known: Vec<(&str, &str)> = match &path.target.trusts_service {
            Some(service) if req.action.eq_ignore_ascii_case("iam:PassRole") => {
                vec![("iam:PassedToService", service.as_str())]
            }
            _ => Vec::new(),
        };
        // the request must be allowed on at least one candidate resource
        let mut best: Option<(bool, Vec<String>, Vec<StatementRef>)> = None;
        for resource in &candidates {
            let Some(d) = decide_with(account, p, &req.action, resource, None, &known) else {
                continue;
            };
            match d.outcome {
                Outcome::Allowed => {
                    best = Some((true, Vec::new(), d.statements));
                    break;
                }
                Outcome::Conditional if best.is_none() => {
                    best = Some((false, d.missing_keys, d.statements))
                }
                _ => {}
            }
        }
        let (_, missing, stmts) = best?;
        keys.extend(missing);
        statements.extend(stmts);
    }
    Some(Grounds {
        condition_keys: keys.into_iter().collect(),
        statements: statements.into_iter().collect(),
        inconclusive: path.needs_existing.clone(),
    })
}

fn owned(texts: Vec<&str>) -> Vec<String> {
    texts.into_iter().map(str::to_string).collect()
}

/// ARNs of the customer managed policies a principal holds (directly or through groups).
fn customer_policies(account: &Account, p: PrincipalIdx) -> Vec<&str> {
    let mut out: Vec<&str> = account.principals[p]
        .identity
        .iter()
        .filter(|(i, _)| account.policies[*i].origin == PolicyOrigin::CustomerManaged)
        .map(|(i, _)| account.policies[*i].id.as_str())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Does role `r`'s trust policy let `service` assume it? The grounds when it does.
fn trusts_service(account: &Account, r: PrincipalIdx, service: &str) -> Option<Grounds> {
    let role = &account.principals[r];
    let trust = role
        .trust
        .and_then(|t| account.policies[t].policy.as_ref())?;
    let request = Request::new(
        Principal::Service(service.to_string()),
        "sts:AssumeRole",
        &role.arn,
        RequestContext::unknown(),
    );
    let set = PolicySet {
        resource: Some((trust, ResourcePolicyKind::Trust)),
        ..PolicySet::default()
    };
    Grounds::of(evaluate(&request, &set))
}
