//! The analysis pipeline: account model, rights, graph with assume and escalation edges,
//! declarations, then every rule on every principal.

use std::sync::Arc;

use overreach_policy::summary::EffectiveSummary;
use overreach_policy::{Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;
use petgraph::graph::{EdgeIndex, NodeIndex};
use rayon::prelude::*;

use crate::account::{Account, PrincipalIdx};
use crate::cache::{FastMap, cached};
use crate::condensed::Condensed;
use crate::config::{Baselines, Config};
use crate::declared::{Declared, declare_all};
use crate::finding::{Finding, Hop, HopKind, SuppressionNote};
use crate::graph::{Edge, Node, PermissionGraph};
use crate::privesc::{PathCatalog, add_escalation_edges};
use crate::rights::Rights;
use crate::rules;
use crate::suppress::{SuppressionStatus, Suppressions};

/// Choices of the caller.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `[[assign]]` wins over tags.
    pub config_wins: bool,
    /// Today's date (`YYYY-MM-DD`), for suppression expiry and unused permissions; the
    /// analysis has no clock. `None`: suppressions never expire and unused-permission is off.
    pub today: Option<String>,
    /// Days without use after which a granted service counts as unused.
    pub unused_days: u32,
}

/// Everything the analysis found out.
#[derive(Debug)]
pub struct Analysis {
    /// The resolved account.
    pub account: Account,
    /// Every principal's own rights.
    pub rights: Rights,
    /// The permission graph.
    pub graph: PermissionGraph,
    /// Its strongly connected components.
    pub condensed: Condensed,
    /// Every principal's declaration.
    pub declared: Vec<Declared>,
    /// Findings, sorted by severity (highest first), then principal, rule and id.
    pub findings: Vec<Finding>,
    /// Problems met (unreadable policies, missing data).
    pub warnings: Vec<String>,
}

/// What the rules see.
#[derive(Debug)]
pub struct Context<'a> {
    /// The account.
    pub account: &'a Account,
    /// The snapshot (for last-accessed data).
    pub snapshot: &'a Snapshot,
    /// Rights.
    pub rights: &'a Rights,
    /// The graph.
    pub graph: &'a PermissionGraph,
    /// The graph's strongly connected components, with answers shared by their principals.
    pub condensed: &'a Condensed,
    /// The configuration.
    pub config: &'a Config,
    /// Baselines of the declared roles.
    pub baselines: &'a Baselines,
    /// Declarations.
    pub declared: &'a [Declared],
    /// Options.
    pub options: &'a Options,
    /// The catalogue.
    pub catalog: &'a Catalog,
    /// Memo of per-holder sets that depend only on the holder's (shared) rights and a tag
    /// (e.g. the declared role): rules ask it for every principal that reaches the holder.
    pub memo: Memo,
}

/// Sets computed once per (shared rights, tag).
#[derive(Debug, Default)]
pub struct Memo {
    /// tag -> shared rights (by address) -> set; looked up without allocating a key.
    sets: std::sync::RwLock<FastMap<String, FastMap<usize, Arc<overreach_policy::ActionSet>>>>,
    tag_keys: std::sync::OnceLock<std::collections::BTreeSet<String>>,
    /// Per principal, the memo tag of a question whose answer depends on who acts (made once;
    /// principals alike share one).
    actor_tags: std::sync::OnceLock<Vec<Arc<str>>>,
    /// Per grant (by address): its resources as written and its statement, shared by every
    /// action the evidence cites it for.
    cites: std::sync::RwLock<FastMap<usize, Citation>>,
    /// The edges of one report hop -> the hop, shared by every path through them.
    hops: std::sync::RwLock<FastMap<Vec<EdgeIndex>, Arc<Hop>>>,
    /// The catalogue's actions of each access level (in the evidence's level order).
    level_masks: std::sync::OnceLock<Vec<overreach_policy::ActionSet>>,
    /// (caller, role, assume action's index in `ASSUME_ACTIONS`, the caller is a session) ->
    /// an agent's request to assume the role is allowed (or conditional).
    agent_assumes: std::sync::RwLock<FastMap<(PrincipalIdx, PrincipalIdx, usize, bool), bool>>,
}

/// How evidence cites a grant: its resources as written and its statement (one allocation per
/// grant, shared by every action cited for it).
pub type Citation = Arc<crate::finding::Cited>;

/// The tag keys (lowercase) the conditions and resources of `policies` ask about as
/// `aws:PrincipalTag/KEY`.
fn tag_keys_asked<'a>(
    policies: impl Iterator<Item = &'a crate::account::PolicyEntry>,
) -> std::collections::BTreeSet<String> {
    let mut keys = std::collections::BTreeSet::new();
    let mut scan = |text: &str| {
        let lower = text.to_ascii_lowercase();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find("aws:principaltag/") {
            let tail = &rest[at + "aws:principaltag/".len()..];
            let end = tail
                .find(|c: char| c == '}' || c == ',' || c == '"' || c.is_whitespace())
                .unwrap_or(tail.len());
            keys.insert(tail[..end].to_string());
            rest = &tail[end..];
        }
    };
    for p in policies.filter_map(|p| p.policy.as_ref()) {
        for st in &p.policy.statements {
            for c in &st.conditions {
                scan(&c.key);
                c.values.iter().for_each(|v| scan(v));
            }
            st.resource
                .iter()
                .flat_map(|r| r.patterns.iter())
                .for_each(|t| scan(t));
        }
    }
    keys
}

impl Memo {
    /// The tag keys (lowercase) that some condition of the account asks about as
    /// `aws:PrincipalTag/KEY` (or through a policy variable naming it).
    pub fn principal_tag_keys(&self, account: &Account) -> &std::collections::BTreeSet<String> {
        self.tag_keys
            .get_or_init(|| tag_keys_asked(account.policies.iter()))
    }

    /// Every principal's memo tag for the one question whose answer depends on who acts,
    /// made by `make` the first time.
    pub fn actor_tags(&self, make: impl FnOnce() -> Vec<Arc<str>>) -> &[Arc<str>] {
        self.actor_tags.get_or_init(make)
    }

    /// The citation of `grant`, made once.
    pub fn cite(&self, grant: &overreach_policy::summary::Grant) -> Citation {
        // INVARIANT: the key's address stays valid while the analysis runs: `Rights` keeps every
        // shared summary (and its grants) alive
        let key = std::ptr::from_ref(grant) as usize;
        cached(&self.cites, key, || {
            Arc::new(crate::finding::Cited {
                resources: grant.resources.describe(),
                statement: grant.statement.clone(),
            })
        })
    }

    /// Whether an agent's request, made by `caller` (the agent itself, or a role session it
    /// reached: `session`), to assume `role` with assume action number `action` is allowed
    /// or conditional; `decide` works it out once per key.
    pub(crate) fn agent_assumes(
        &self,
        key: (PrincipalIdx, PrincipalIdx, usize, bool),
        decide: impl FnOnce() -> bool,
    ) -> bool {
        cached(&self.agent_assumes, key, decide)
    }

    /// The catalogue's actions of each access level, in the evidence's level order (made once).
    pub(crate) fn level_masks(&self, catalog: &Catalog) -> &[overreach_policy::ActionSet] {
        self.level_masks.get_or_init(|| {
            crate::rules::LEVEL_OF
                .iter()
                .map(|level| {
                    overreach_policy::ActionSet::from_ids(
                        catalog.len(),
                        (0..catalog.len() as u32).filter(|&id| {
                            catalog
                                .service_and_level(id)
                                .is_some_and(|(_, l)| l == *level)
                        }),
                    )
                })
                .collect()
        })
    }

    /// The report hop of a run of edges (see [`for_each_run`]), made once.
    fn hop(
        &self,
        graph: &PermissionGraph,
        account: &Account,
        edges: &[EdgeIndex],
    ) -> Option<Arc<Hop>> {
        if let Some(hit) = self.hops.read().ok().and_then(|m| m.get(edges).cloned()) {
            return Some(hit);
        }
        let made = Arc::new(joined_hop(graph, account, edges)?);
        if let Ok(mut m) = self.hops.write() {
            m.insert(edges.to_vec(), Arc::clone(&made));
        }
        Some(made)
    }

    /// The set for `holder` and `tag`, computed by `f` the first time.
    pub fn get(
        &self,
        holder: &Holder,
        tag: &str,
        f: impl FnOnce() -> overreach_policy::ActionSet,
    ) -> Arc<overreach_policy::ActionSet> {
        // INVARIANT: the key's pointer stays valid while the analysis runs: `Rights` keeps every
        // shared summary alive
        let key = holder.rights_key();
        if let Some(hit) = self
            .sets
            .read()
            .ok()
            .and_then(|m| m.get(tag).and_then(|by| by.get(&key)).cloned())
        {
            return hit;
        }
        let set = Arc::new(f());
        if let Ok(mut m) = self.sets.write() {
            m.entry(tag.to_string())
                .or_default()
                .insert(key, Arc::clone(&set));
        }
        set
    }
}

/// Rights a principal holds or reaches.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The ARN of the principal (or group) whose rights these are; `account-admin` for
    /// self-escalation.
    pub label: String,
    /// The reached node (`None`: the principal's own rights).
    pub node: Option<NodeIndex>,
    /// The principal whose requests these rights are used in: the principal itself for its
    /// own rights, the reached or rewritten principal, or the one that joins a group or
    /// writes its own policies (see [`crate::condensed::Entry::actor`]).
    pub actor: PrincipalIdx,
    /// True when some hop holds only under conditions or assumptions.
    pub conditional: bool,
    /// The rights (shared: equal rights are one allocation).
    pub rights: Arc<EffectiveSummary>,
    /// The edges from the principal to the holder (`None` for its own rights).
    pub path: Option<Arc<Vec<EdgeIndex>>>,
}

impl Holder {
    /// A key equal for holders with the same rights (the shared allocation).
    pub fn rights_key(&self) -> usize {
        Arc::as_ptr(&self.rights) as usize
    }
}

/// One principal as the rules see it: its own rights, and (through [`Context::condensed`])
/// what it reaches. Paths are built only for the holders a finding shows.
#[derive(Debug)]
pub struct PrincipalView {
    /// Its index.
    pub idx: PrincipalIdx,
    /// Its node in the graph.
    pub node: Option<NodeIndex>,
}

impl PrincipalView {
    /// The view of principal `idx`.
    pub fn new(ctx: &Context<'_>, idx: PrincipalIdx) -> PrincipalView {
        PrincipalView {
            idx,
            node: ctx.graph.principal(idx),
        }
    }

    /// The principal's own rights.
    pub fn own(&self, ctx: &Context<'_>) -> Holder {
        Holder {
            label: ctx.account.principals[self.idx].arn.clone(),
            node: None,
            actor: self.idx,
            conditional: false,
            rights: Arc::clone(ctx.rights.shared(self.idx)),
            path: None,
        }
    }

    /// The hops to a holder (empty for the principal's own rights).
    pub fn via(&self, ctx: &Context<'_>, holder: &Holder) -> Vec<Hop> {
        holder
            .path
            .as_deref()
            .map(|edges| hops(ctx.graph, ctx.account, edges))
            .unwrap_or_default()
    }

    /// [`PrincipalView::via`] with each hop shared by every finding that shows it.
    pub fn shared_via(&self, ctx: &Context<'_>, holder: &Holder) -> Vec<Arc<Hop>> {
        holder
            .path
            .as_deref()
            .map(|edges| shared_hops(ctx, edges))
            .unwrap_or_default()
    }

    /// The holder reached at `node` by `path` (its rights as the principal gets them).
    pub fn holder_at(
        &self,
        ctx: &Context<'_>,
        entry: crate::condensed::Entry,
        path: Vec<EdgeIndex>,
    ) -> Option<Holder> {
        let reaching = ctx.reaching();
        let rights = reaching.rights(entry)?;
        let node = entry.node(ctx.graph)?;
        let conditional = path.iter().any(|&e| {
            ctx.graph.graph[e]
                .grounds()
                .is_some_and(crate::graph::Grounds::is_conditional)
        });
        Some(Holder {
            label: node_label(ctx.account, &ctx.graph.graph[node]),
            node: Some(node),
            actor: entry.actor(ctx.graph)?,
            conditional,
            rights,
            path: Some(Arc::new(path)),
        })
    }
}

impl Context<'_> {
    /// What the component answers need.
    pub fn reaching(&self) -> crate::condensed::Reaching<'_> {
        crate::condensed::Reaching {
            account: self.account,
            graph: self.graph,
            rights: self.rights,
            universe: self.catalog.len(),
        }
    }
}

/// Runs the analysis.
pub fn analyze(
    snapshot: &Snapshot,
    config: &Config,
    baselines: &Baselines,
    suppressions: &Suppressions,
    options: &Options,
) -> Analysis {
    let account = Account::from_snapshot(snapshot, ManagedPolicies::embedded());
    analyze_account(account, snapshot, config, baselines, suppressions, options)
}

/// [`analyze`] of an account already read from `snapshot`. The analysis reads nothing more
/// of the snapshot than its last-accessed data, so a caller may release the users, groups,
/// roles and policies first ([`Snapshot::release_details`]): a large account's documents are
/// then not held twice.
pub fn analyze_account(
    account: Account,
    snapshot: &Snapshot,
    config: &Config,
    baselines: &Baselines,
    suppressions: &Suppressions,
    options: &Options,
) -> Analysis {
    let catalog = Catalog::embedded();
    let rights = Rights::compute(&account, catalog);
    let mut graph = PermissionGraph::build(&account, &rights);
    let mut warnings = account.warnings.clone();
    match PathCatalog::embedded() {
        Ok(paths) => add_escalation_edges(&mut graph, &account, &rights, paths),
        Err(e) => warnings.push(format!("{e}: privilege-escalation paths are not checked")),
    }
    let declared = declare_all(&account, config, options.config_wins);
    let condensed = Condensed::build(&graph);
    let ctx = Context {
        account: &account,
        snapshot,
        rights: &rights,
        graph: &graph,
        condensed: &condensed,
        config,
        baselines,
        declared: &declared,
        options,
        catalog,
        memo: Memo::default(),
    };
    // principals are judged in parallel: they share only memoised, deterministic answers, and
    // the findings are sorted below
    let mut findings: Vec<Finding> = (0..account.principals.len())
        .into_par_iter()
        .flat_map_iter(|p| {
            let view = PrincipalView::new(&ctx, p);
            let mut out = Vec::new();
            for rule in rules::RULES {
                (rule.check)(&ctx, &view, &mut out);
            }
            out
        })
        .collect();
    if !suppressions.entries.is_empty() {
        findings
            .par_iter_mut()
            .for_each(|f| apply_suppression(f, suppressions, options));
    }
    findings.par_sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.id.cmp(&b.id))
    });
    Analysis {
        account,
        rights,
        graph,
        condensed,
        declared,
        findings,
        warnings,
    }
}

fn apply_suppression(f: &mut Finding, suppressions: &Suppressions, options: &Options) {
    let today = options.today.as_deref().unwrap_or("0000-01-01");
    match suppressions.check(f.rule, &f.principal, &f.excess_actions(), today) {
        SuppressionStatus::Active {
            reason, expires, ..
        } => {
            f.suppression = Some(SuppressionNote {
                reason: reason.to_string(),
                expires: expires.to_string(),
                expired: false,
            });
        }
        SuppressionStatus::Expired {
            reason, expires, ..
        } => {
            f.suppression = Some(SuppressionNote {
                reason: reason.to_string(),
                expires: expires.to_string(),
                expired: true,
            });
        }
        SuppressionStatus::None => {}
    }
}

/// A path's edges as report hops. A hop into a hub that stands for a set of targets and the
/// hop out of it are one hop of the path (from the caller to the target, with the grounds of
/// both): hubs are how the graph stores such hops, not steps a principal takes.
pub fn hops(graph: &PermissionGraph, account: &Account, edges: &[EdgeIndex]) -> Vec<Hop> {
    let mut out = Vec::with_capacity(edges.len());
    for_each_run(graph, edges, |run| {
        out.extend(joined_hop(graph, account, run))
    });
    out
}

/// [`hops`], each made once per analysis: a large account's findings show the same hops
/// again and again (one per holder of each finding).
fn shared_hops(ctx: &Context<'_>, edges: &[EdgeIndex]) -> Vec<Arc<Hop>> {
    let mut out = Vec::with_capacity(edges.len());
    for_each_run(ctx.graph, edges, |run| {
        out.extend(ctx.memo.hop(ctx.graph, ctx.account, run));
    });
    out
}

/// Calls `f` with the edges of each report hop of a path, in order: from the first edge after
/// the previous hop up to the first that does not end at a hub, leaving out edges that are
/// not hops (membership, attachment). A path ending at a hub (not asked for by the rules)
/// keeps its last run.
fn for_each_run(graph: &PermissionGraph, edges: &[EdgeIndex], mut f: impl FnMut(&[EdgeIndex])) {
    let mut run: Vec<EdgeIndex> = Vec::new();
    for &e in edges {
        let Some((_, to)) = graph.graph.edge_endpoints(e) else {
            continue;
        };
        if graph.graph[e].grounds().is_none() {
            continue;
        }
        run.push(e);
        if !matches!(graph.graph[to], Node::PathTargets(_)) {
            f(&run);
            run.clear();
        }
    }
    if !run.is_empty() {
        f(&run);
    }
}

/// One report hop from a run of edges (see [`for_each_run`]): from where the first starts to
/// where the last ends, of the last's kind, with the conditions and statements of all.
fn joined_hop(graph: &PermissionGraph, account: &Account, run: &[EdgeIndex]) -> Option<Hop> {
    let mut joined: Option<Hop> = None;
    for &e in run {
        let Some(mut h) = hop(graph, account, e) else {
            continue;
        };
        if let Some(into) = joined.take() {
            h.from = into.from;
            let keys = std::mem::take(&mut h.condition_keys);
            h.condition_keys = into.condition_keys;
            for k in keys {
                if !h.condition_keys.contains(&k) {
                    h.condition_keys.push(k);
                }
            }
            let statements = std::mem::take(&mut h.statements);
            h.statements = into.statements;
            for s in statements {
                if !h.statements.contains(&s) {
                    h.statements.push(s);
                }
            }
            h.inconclusive = into.inconclusive.or(h.inconclusive);
        }
        joined = Some(h);
    }
    joined
}

/// One edge as a report hop.
pub fn hop(graph: &PermissionGraph, account: &Account, e: EdgeIndex) -> Option<Hop> {
    let (from, to) = graph.graph.edge_endpoints(e)?;
    let label = |n| node_label(account, &graph.graph[n]);
    let (kind, grounds) = match &graph.graph[e] {
        Edge::CanAssume { action, grounds } => (
            HopKind::Assume {
                action: action.to_string(),
            },
            grounds,
        ),
        Edge::Escalation { path, grounds } => {
            let name = PathCatalog::embedded()
                .ok()
                .and_then(|c| c.get(path))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (
                HopKind::Escalation {
                    path: path.to_string(),
                    name,
                },
                grounds,
            )
        }
        _ => return None,
    };
    Some(Hop {
        from: label(from),
        to: label(to),
        kind,
        condition_keys: grounds.condition_keys.clone(),
        inconclusive: grounds.inconclusive.clone(),
        statements: grounds.statements.clone(),
    })
}

/// How a node is named in reports.
pub fn node_label(account: &Account, node: &Node) -> String {
    match node {
        Node::Principal(p) => account.principals[*p].arn.clone(),
        Node::Group(g) => account.groups[*g].arn.clone(),
        Node::Policy(i) => account.policies[*i].id.clone(),
        Node::Service(s) => s.clone(),
        Node::Federated(f) => f.clone(),
        Node::ExternalAccount(a) => format!("account {a}"),
        Node::Anyone => "anyone (*)".into(),
        Node::AccountRoot => format!("arn:{}:iam::{}:root", account.partition, account.id),
        Node::AccountAdmin => "account-admin".into(),
        Node::PathTargets(path) => format!("every target of {path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Shared hops are the hops [`hops`] makes, on every path of up to four edges from every
    /// principal: through hubs (an escalation path's targets, the roles trusting the account),
    /// past edges that are not hops, and ending at a hub.
    #[test]
    fn shared_hops_are_the_hops_of_the_path() {
        let a = "arn:aws:iam::111122223333";
        let role = |name: &str, trust: serde_json::Value| {
            json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{name}"),
                "Arn": format!("{a}:role/{name}"), "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": trust, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []})
        };
        let user = |name: &str| {
            json!({"Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
                "Arn": format!("{a}:user/{name}"), "GroupList": ["devs"],
                "AttachedManagedPolicies": [], "Tags": [],
                "UserPolicyList": [{"PolicyName": "work", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
                        "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction",
                        "sts:AssumeRole"], "Resource": "*"}]}}]})
        };
        let snapshot = json!({
            "UserDetailList": [user("dev"), user("ops")],
            "GroupDetailList": [{"Path": "/", "GroupName": "devs", "GroupId": "AGPADEVS",
                "Arn": format!("{a}:group/devs"), "GroupPolicyList": [],
                "AttachedManagedPolicies": []}],
            "RoleDetailList": [
                role("fn-1", json!({"Service": "lambda.amazonaws.com"})),
                role("fn-2", json!({"Service": "lambda.amazonaws.com"})),
                role("team-1", json!({"AWS": format!("{a}:root")})),
                role("team-2", json!({"AWS": format!("{a}:root")})),
            ],
            "Policies": []
        });
        let snapshot = Snapshot::from_slice(snapshot.to_string().as_bytes()).unwrap();
        let config = Config::parse("", "overreach.toml").unwrap();
        let baselines = Baselines::build(
            &config,
            &Default::default(),
            Catalog::embedded(),
            ManagedPolicies::embedded(),
        )
        .unwrap();
        let options = Options::default();
        let analysis = analyze(
            &snapshot,
            &config,
            &baselines,
            &Default::default(),
            &options,
        );
        let ctx = Context {
            account: &analysis.account,
            snapshot: &snapshot,
            rights: &analysis.rights,
            graph: &analysis.graph,
            condensed: &analysis.condensed,
            config: &config,
            baselines: &baselines,
            declared: &analysis.declared,
            options: &options,
            catalog: Catalog::embedded(),
            memo: Memo::default(),
        };
        let graph = &analysis.graph.graph;
        let mut paths: Vec<Vec<EdgeIndex>> = Vec::new();
        let mut frontier: Vec<(NodeIndex, Vec<EdgeIndex>)> = graph
            .node_indices()
            .filter(|&n| matches!(graph[n], Node::Principal(_)))
            .map(|n| (n, Vec::new()))
            .collect();
        for _ in 0..4 {
            let mut next = Vec::new();
            for (node, path) in &frontier {
                for e in graph.edges(*node) {
                    use petgraph::visit::EdgeRef;
                    let mut longer = path.clone();
                    longer.push(e.id());
                    next.push((e.target(), longer));
                }
            }
            paths.extend(next.iter().map(|(_, p)| p.clone()));
            frontier = next;
        }
        let mut through_hub = false;
        for path in &paths {
            through_hub |= path.iter().any(|&e| {
                graph
                    .edge_endpoints(e)
                    .is_some_and(|(_, to)| matches!(graph[to], Node::PathTargets(_)))
            });
            let shared: Vec<Hop> = shared_hops(&ctx, path)
                .iter()
                .map(|h| Hop::clone(h))
                .collect();
            assert_eq!(shared, hops(ctx.graph, ctx.account, path), "{path:?}");
        }
        assert!(
            through_hub,
            "no path crosses a hub: the test proves nothing"
        );
    }
}
