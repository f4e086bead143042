//! The permission graph: users, groups, roles, policies, AWS services, federated providers,
//! external accounts and "anyone", with membership, attachment, can-assume and
//! privilege-escalation edges.
//!
//! A can-assume edge exists when the role's trust policy allows the caller *and* the caller's
//! own layers (identity policies, boundary, SCPs, denies) allow `sts:AssumeRole` on the role:
//! both are decided by the exact evaluator, so an edge is either unconditional or marked
//! conditional with the condition keys it depends on.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use overreach_policy::eval::resource_pattern_matches;
use overreach_policy::eval::{Outcome, ResourcePolicyKind, action_matches};
use overreach_policy::glob::Pattern;
use overreach_policy::summary::ResourceScope;
use overreach_policy::{NamedPolicy, StatementRef};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::access::decide;
use crate::account::{Account, GroupIdx, PolicyIdx, PrincipalIdx, PrincipalType, arn_account};
use crate::cache::FastMap;
use crate::rights::Rights;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// A user or role of the account.
    Principal(PrincipalIdx),
    /// A group.
    Group(GroupIdx),
    /// A policy.
    Policy(PolicyIdx),
    /// An AWS service principal (`lambda.amazonaws.com`).
    Service(String),
    /// A federated identity provider (OIDC/SAML ARN, `cognito-identity.amazonaws.com`).
    Federated(String),
    /// Another AWS account (its id).
    ExternalAccount(String),
    /// Anyone at all (`Principal: "*"`).
    Anyone,
    /// The account's root user (trust policies naming the account also let it in).
    AccountRoot,
    /// Full control of the account's IAM (reached by self-escalation paths).
    AccountAdmin,
    /// Every target of an escalation path (by id), for principals that can take the path
    /// against any target: one edge to this hub instead of one per target.
    PathTargets(String),
}

/// Why an edge of a reach path holds (the default: nothing to show, e.g. a hop into a hub).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Grounds {
    /// The edge holds only if conditions hold (their keys).
    pub condition_keys: Vec<String>,
    /// The statements that decide it.
    pub statements: Vec<StatementRef>,
    /// Set when the edge needs something IAM data cannot show (e.g. an existing resource).
    pub inconclusive: Option<String>,
}

impl Grounds {
    /// The grounds of an allowing decision (conditional: with its missing keys); `None` when
    /// the decision denies.
    pub fn of(d: overreach_policy::eval::Decision) -> Option<Grounds> {
        match d.outcome {
            Outcome::Allowed => Some(Grounds {
                condition_keys: Vec::new(),
                statements: d.statements,
                inconclusive: None,
            }),
            Outcome::Conditional => Some(Grounds {
                condition_keys: d.missing_keys,
                statements: d.statements,
                inconclusive: None,
            }),
            _ => None,
        }
    }

    /// Adds what `other` requires to these grounds: both must hold.
    pub fn join(&mut self, other: &Grounds) {
        self.condition_keys
            .extend(other.condition_keys.iter().cloned());
        self.statements.extend(other.statements.iter().cloned());
        if self.inconclusive.is_none() {
            self.inconclusive.clone_from(&other.inconclusive);
        }
    }

    /// True when the edge holds only under conditions or assumptions.
    pub fn is_conditional(&self) -> bool {
        !self.condition_keys.is_empty() || self.inconclusive.is_some()
    }
}

/// An edge of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// User -> group.
    MemberOf,
    /// Principal or group -> policy.
    Attached {
        /// Attached as a permissions boundary.
        boundary: bool,
    },
    /// Caller -> role: the caller can assume the role.
    CanAssume {
        /// `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity` or `sts:AssumeRoleWithSAML`.
        action: &'static str,
        /// Why (equal grounds are one allocation).
        grounds: Arc<Grounds>,
    },
    /// Principal -> principal, group or account admin: a privilege-escalation path.
    Escalation {
        /// The path id in the escalation catalogue (`lambda-001`), shared by its edges.
        path: Arc<str>,
        /// Why (equal grounds are one allocation).
        grounds: Arc<Grounds>,
    },
}

/// One allocation per distinct grounds: millions of edges share few.
#[derive(Debug, Default)]
pub struct Interner {
    seen: std::collections::HashSet<Arc<Grounds>>,
}

impl Interner {
    /// The shared grounds equal to `grounds`.
    pub fn get(&mut self, grounds: Grounds) -> Arc<Grounds> {
        if let Some(hit) = self.seen.get(&grounds) {
            return Arc::clone(hit);
        }
        let shared = Arc::new(grounds);
        self.seen.insert(Arc::clone(&shared));
        shared
    }

    /// The shared grounds equal to `grounds` (itself when it is the first).
    pub fn share(&mut self, grounds: Arc<Grounds>) -> Arc<Grounds> {
        if let Some(hit) = self.seen.get(&grounds) {
            return Arc::clone(hit);
        }
        self.seen.insert(Arc::clone(&grounds));
        grounds
    }
}

impl Edge {
    /// Can rights flow along this edge (assume or escalation)?
    pub fn is_hop(&self) -> bool {
        matches!(self, Edge::CanAssume { .. } | Edge::Escalation { .. })
    }

    /// The grounds of a hop.
    pub fn grounds(&self) -> Option<&Grounds> {
        match self {
            Edge::CanAssume { grounds, .. } | Edge::Escalation { grounds, .. } => Some(grounds),
            _ => None,
        }
    }
}

/// The graph with lookups.
#[derive(Debug, Clone, Default)]
pub struct PermissionGraph {
    /// The graph.
    pub graph: DiGraph<Node, Edge>,
    nodes: HashMap<Node, NodeIndex>,
}

/// One way a principal reaches a node: the hops, fewest first.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The node reached.
    pub node: NodeIndex,
    /// The edges from the principal to it.
    pub path: Vec<EdgeIndex>,
    /// True when some hop holds only under conditions or assumptions.
    pub conditional: bool,
}

/// The actions that let a caller assume a role.
pub const ASSUME_ACTIONS: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

impl PermissionGraph {
    /// Builds the graph with membership, attachment and can-assume edges (escalation edges are
    /// added by [`crate::privesc`]).
    pub fn build(account: &Account, rights: &Rights) -> PermissionGraph {
        let mut g = PermissionGraph {
            graph: DiGraph::new(),
            nodes: HashMap::new(),
        };
        for pi in 0..account.principals.len() {
            g.node(Node::Principal(pi));
        }
        for (gi, group) in account.groups.iter().enumerate() {
            let gn = g.node(Node::Group(gi));
            for &pidx in &group.policies {
                let pn = g.node(Node::Policy(pidx));
                g.graph.add_edge(gn, pn, Edge::Attached { boundary: false });
            }
        }
        for (pi, p) in account.principals.iter().enumerate() {
            let n = g.node(Node::Principal(pi));
            for &gi in &p.groups {
                let gn = g.node(Node::Group(gi));
                g.graph.add_edge(n, gn, Edge::MemberOf);
            }
            for (pidx, holding) in &p.identity {
                if *holding == crate::account::Holding::Direct {
                    let pn = g.node(Node::Policy(*pidx));
                    g.graph.add_edge(n, pn, Edge::Attached { boundary: false });
                }
            }
            if let Some(b) = p.boundary {
                let pn = g.node(Node::Policy(b));
                g.graph.add_edge(n, pn, Edge::Attached { boundary: true });
            }
        }
        g.add_assume_edges(account, rights);
        g
    }

    /// The index of a node, adding it when new.
    pub fn node(&mut self, node: Node) -> NodeIndex {
        if let Some(&i) = self.nodes.get(&node) {
            return i;
        }
        let i = self.graph.add_node(node.clone());
        self.nodes.insert(node, i);
        i
    }

    /// Adds planned edges in order, with shared grounds: `edge` makes each edge from them.
    pub(crate) fn add_planned(
        &mut self,
        planned: Vec<PlannedEdge>,
        interned: &mut Interner,
        edge: impl Fn(Arc<Grounds>) -> Edge,
    ) {
        for (from, to, grounds) in planned {
            let from = self.node(from);
            let to = self.node(to);
            self.graph.add_edge(from, to, edge(interned.share(grounds)));
        }
    }

    /// Adds an `sts:AssumeRole` can-assume edge.
    fn add_assume_edge(&mut self, from: NodeIndex, to: NodeIndex, grounds: Arc<Grounds>) {
        self.graph.add_edge(
            from,
            to,
            Edge::CanAssume {
                action: "sts:AssumeRole",
                grounds,
            },
        );
    }

    /// The index of an existing node.
    pub fn find(&self, node: &Node) -> Option<NodeIndex> {
        self.nodes.get(node).copied()
    }

    /// The node of a principal.
    pub fn principal(&self, p: PrincipalIdx) -> Option<NodeIndex> {
        self.find(&Node::Principal(p))
    }

    fn add_assume_edges(&mut self, account: &Account, rights: &Rights) {
        let catalog = overreach_policy::Catalog::embedded();
        let assume_id = catalog.lookup("sts:AssumeRole");
        // principals whose own policies may allow sts:AssumeRole at all
        let assumers: Vec<PrincipalIdx> = (0..account.principals.len())
            .filter(|&p| {
                assume_id.is_some_and(|id| {
                    let r = rights.of(p);
                    r.allowed.contains(id) || r.conditional.contains(id)
                })
            })
            .collect();
        // principals that may assume any role, whatever it is: one edge to the account-root hub
        // stands for an edge to every role that trusts the account (no per-pair decision)
        let anywhere: HashMap<PrincipalIdx, StatementRef> = assumers
            .iter()
            .filter_map(|&p| Some((p, rights.anywhere(account, p, assume_id?)?)))
            .collect();
        // where each assumer's grants of sts:AssumeRole may apply: a role trusting the account
        // can be assumed only by principals whose own policies allow it on the role
        let assume_scopes: HashMap<PrincipalIdx, Vec<&ResourceScope>> = assumers
            .iter()
            .map(|&p| {
                let scopes = assume_id
                    .map(|id| {
                        rights
                            .of(p)
                            .grants_for(id)
                            .map(|(g, _)| &g.resources)
                            .collect()
                    })
                    .unwrap_or_default();
                (p, scopes)
            })
            .collect();
        // assumers with the same scopes (the same policies, mostly) are tested together: a role
        // costs one test per distinct scope list, not one per assumer
        let mut by_scopes: HashMap<&[&ResourceScope], Vec<PrincipalIdx>> = HashMap::new();
        for &p in &assumers {
            if let Some(scopes) = assume_scopes.get(&p) {
                by_scopes.entry(scopes.as_slice()).or_default().push(p);
            }
        }
        let mut scope_groups: Vec<(&[&ResourceScope], Vec<PrincipalIdx>)> =
            by_scopes.into_iter().collect();
        scope_groups.sort_by_key(|(_, members)| members.first().copied());
        // each group is filed under the literal prefixes of its patterns (lowercase); a role's
        // ARN looks up its own prefixes, then the groups found are tested exactly
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        let mut unprefixed: Vec<usize> = Vec::new();
        for (gi, (scopes, _)) in scope_groups.iter().enumerate() {
            let mut prefixes = Vec::new();
            let mut open = false;
            for scope in scopes.iter() {
                match scope {
                    ResourceScope::Patterns(patterns) => {
                        for text in patterns {
                            let prefix = literal_prefix(text);
                            open |= prefix.is_empty();
                            prefixes.push(prefix.to_ascii_lowercase());
                        }
                    }
                    ResourceScope::Any | ResourceScope::Not(_) => open = true,
                }
            }
            if open {
                unprefixed.push(gi);
            } else {
                prefixes.sort();
                prefixes.dedup();
                for prefix in prefixes {
                    by_prefix.entry(prefix).or_default().push(gi);
                }
            }
        }
        let allowed_on = |arn: &str| -> Vec<PrincipalIdx> {
            let lower = arn.to_ascii_lowercase();
            let mut found: Vec<usize> = unprefixed.clone();
            for end in 1..=lower.len() {
                if let Some(groups) = lower.get(..end).and_then(|p| by_prefix.get(p)) {
                    found.extend(groups.iter().copied());
                }
            }
            found.sort_unstable();
            found.dedup();
            found
                .into_iter()
                .map(|gi| &scope_groups[gi])
                .filter(|(scopes, _)| scopes.iter().any(|s| s.may_cover(arn)))
                .flat_map(|(_, members)| members.iter().copied())
                .collect()
        };
        let mut hub_used = false;
        let mut interned = Interner::default();
        let mut alike = AlikeRoles::new(account);
        // roles whose trust lets in any caller of the account alike (an identity-free policy
        // without a Deny), with the trust's grounds: the caller's own layers decide, through
        // hubs of the roles they decide alike (below)
        let mut delegating: Vec<(PrincipalIdx, Arc<Grounds>)> = Vec::new();
        // roles whose trust lets in anyone alike (below)
        let mut open_roles: Vec<(PrincipalIdx, &NamedPolicy)> = Vec::new();
        for (ri, role) in account.principals.iter().enumerate() {
            if role.kind != PrincipalType::Role {
                continue;
            }
            let Some(trust) = role.trust.and_then(|t| account.policies[t].policy.as_ref()) else {
                continue;
            };
            let role_node = self.node(Node::Principal(ri));
            let mut candidates: BTreeSet<PrincipalIdx> = BTreeSet::new();
            // callers let in by the account's trust: their own policies must allow the call
            let mut delegated: BTreeSet<PrincipalIdx> = BTreeSet::new();
            // the trust's grounds when it lets in every caller of the account alike
            let mut trusting: Option<Arc<Grounds>> = None;
            // a Deny in the trust policy may single out callers: then decide every pair
            let trust_denies = trust
                .policy
                .statements
                .iter()
                .any(|st| st.effect == overreach_policy::Effect::Deny);
            let identity_free = crate::access::trust_identity_free(trust);
            // the trust lets in anyone, alike for every caller of the account
            let mut open = false;
            for (si, st) in trust.policy.statements.iter().enumerate() {
                if st.effect != overreach_policy::Effect::Allow {
                    continue;
                }
                let Some(action) = ASSUME_ACTIONS
                    .iter()
                    .find(|a| action_matches(&st.action, a))
                else {
                    continue;
                };
                let Some(spec) = &st.principal else { continue };
                let grounds = Arc::new(Grounds {
                    condition_keys: st.conditions.iter().map(|c| c.key.clone()).collect(),
                    statements: vec![trust.statement_ref(si)],
                    inconclusive: None,
                });
                let outside = |g: &mut PermissionGraph, node: Node, action: &'static str| {
                    let from = g.node(node);
                    g.graph.add_edge(
                        from,
                        role_node,
                        Edge::CanAssume {
                            action,
                            grounds: Arc::clone(&grounds),
                        },
                    );
                };
                if spec.any || spec.negated {
                    outside(self, Node::Anyone, action);
                    if spec.any
                        && !spec.negated
                        && !trust_denies
                        && identity_free
                        && *action == "sts:AssumeRole"
                    {
                        open = true;
                    } else {
                        candidates.extend(0..account.principals.len());
                    }
                }
                for s in &spec.service {
                    outside(self, Node::Service(s.clone()), action);
                }
                for f in &spec.federated {
                    outside(self, Node::Federated(f.clone()), action);
                }
                for v in &spec.aws {
                    if v == "*" {
                        continue;
                    }
                    let acct = if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
                        Some(v.clone())
                    } else {
                        arn_account(v)
                    };
                    let names_account = !v.starts_with("arn:") || v.ends_with(":root");
                    match acct {
                        Some(a) if a == account.id && names_account => {
                            if trust_denies {
                                delegated.extend(allowed_on(&role.arn));
                                continue;
                            }
                            outside(self, Node::AccountRoot, action);
                            hub_used = true;
                            if !identity_free {
                                delegated.extend(
                                    allowed_on(&role.arn)
                                        .into_iter()
                                        .filter(|p| !anywhere.contains_key(p)),
                                );
                            } else if *action == "sts:AssumeRole"
                                && trusting.as_ref().is_none_or(|t| t.is_conditional())
                            {
                                // an unconditional statement is the better ground
                                trusting = Some(Arc::clone(&grounds));
                            }
                        }
                        Some(a) if a == account.id => {
                            if let Some(p) = account.principal(v) {
                                candidates.insert(p);
                            } else if let Some(p) = role_by_name(account, v) {
                                candidates.insert(p);
                            }
                        }
                        Some(a) => outside(self, Node::ExternalAccount(a), action),
                        None => {}
                    }
                }
            }
            if let Some(grounds) = trusting {
                delegating.push((ri, grounds));
            }
            if open {
                open_roles.push((ri, trust));
            }
            candidates.extend(delegated);
            for p in candidates {
                if p == ri {
                    continue;
                }
                let Some(grounds) = alike.grounds(p, ri, trust) else {
                    continue;
                };
                let from = self.node(Node::Principal(p));
                self.add_assume_edge(from, role_node, interned.get(grounds));
            }
        }
        self.add_open_edges(account, &open_roles, &mut alike, &mut interned);
        let callers: Vec<PrincipalIdx> = assumers
            .iter()
            .copied()
            .filter(|p| !anywhere.contains_key(p))
            .collect();
        let planned = delegated_edges(account, rights, &callers, &assume_scopes, &delegating);
        self.add_planned(planned, &mut interned, |grounds| Edge::CanAssume {
            action: "sts:AssumeRole",
            grounds,
        });
        if hub_used {
            let root = self.node(Node::AccountRoot);
            let mut fast: Vec<(&PrincipalIdx, &StatementRef)> = anywhere.iter().collect();
            fast.sort();
            for (&p, statement) in fast {
                let from = self.node(Node::Principal(p));
                let grounds = Grounds {
                    condition_keys: Vec::new(),
                    statements: vec![statement.clone()],
                    inconclusive: None,
                };
                self.add_assume_edge(from, root, interned.get(grounds));
            }
        }
    }

    /// Can-assume edges to roles whose trust lets in anyone (without a Deny, the same for every
    /// caller of the account). The trust allows the caller by itself, so only the caller's
    /// statements about `sts:AssumeRole` (its denies), its boundary and the SCPs can change
    /// the decision: callers with the same of those, none of which asks who the caller is, are
    /// decided once, and link to one hub with an edge to each role they may assume. Other
    /// callers are decided role by role.
    fn add_open_edges(
        &mut self,
        account: &Account,
        open_roles: &[(PrincipalIdx, &NamedPolicy)],
        alike: &mut AlikeRoles<'_>,
        interned: &mut Interner,
    ) {
        if open_roles.is_empty() {
            return;
        }
        type Key = (bool, bool, Option<PolicyIdx>, Vec<(PolicyIdx, usize)>);
        let key_of = |p: PrincipalIdx| -> Option<Key> {
            if !crate::access::identity_free(account, p, &["sts:AssumeRole"]) {
                return None;
            }
            let info = &account.principals[p];
            let mut statements = Vec::new();
            for (i, _) in &info.identity {
                let policy = account.policies.get(*i)?.policy.as_ref()?;
                for (si, st) in policy.policy.statements.iter().enumerate() {
                    if action_matches(&st.action, "sts:AssumeRole") {
                        statements.push((*i, si));
                    }
                }
            }
            statements.sort_unstable();
            statements.dedup();
            Some((
                info.kind == PrincipalType::User,
                account.is_service_linked(p),
                info.boundary,
                statements,
            ))
        };
        let mut hubs: HashMap<Key, Option<NodeIndex>> = HashMap::new();
        for p in 0..account.principals.len() {
            let from = self.node(Node::Principal(p));
            let Some(key) = key_of(p) else {
                for &(ri, trust) in open_roles {
                    if ri == p {
                        continue;
                    }
                    if let Some(grounds) = alike.grounds(p, ri, trust) {
                        let to = self.node(Node::Principal(ri));
                        self.add_assume_edge(from, to, interned.get(grounds));
                    }
                }
                continue;
            };
            let hub = match hubs.get(&key) {
                Some(hub) => *hub,
                None => {
                    // decided with the first caller of the class
                    let mut hub = None;
                    for &(ri, trust) in open_roles {
                        let Some(grounds) = alike.grounds(p, ri, trust) else {
                            continue;
                        };
                        let h = *hub.get_or_insert_with(|| {
                            self.node(Node::PathTargets(format!("open#{}", hubs.len() + 1)))
                        });
                        let to = self.node(Node::Principal(ri));
                        self.add_assume_edge(h, to, interned.get(grounds));
                    }
                    hubs.insert(key, hub);
                    hub
                }
            };
            if let Some(hub) = hub {
                self.add_assume_edge(from, hub, interned.get(Grounds::default()));
            }
        }
    }

    /// Every node a principal reaches through can-assume and escalation edges, by fewest hops
    /// (an unconditional path is preferred over a conditional one of the same length).
    pub fn reach(&self, from: PrincipalIdx) -> Vec<Reach> {
        let tree = self.reach_tree(from);
        tree.order
            .iter()
            .map(|&(node, conditional)| Reach {
                node,
                path: tree.path_to(node),
                conditional,
            })
            .collect()
    }

    /// The breadth-first tree of what a principal reaches: nodes in order of distance, each
    /// with the edge it is reached by. Paths are rebuilt only when asked for.
    pub fn reach_tree(&self, from: PrincipalIdx) -> ReachTree {
        let mut tree = ReachTree {
            order: Vec::new(),
            pred: HashMap::new(),
        };
        let Some(start) = self.principal(from) else {
            return tree;
        };
        // flat per-node state (a node count of entries, cheap next to the edges scanned):
        // depth + 1 (0 = not seen), conditional, and the edge the node was reached by
        let n = self.graph.node_count();
        let mut depth = vec![0u32; n];
        let mut cond = vec![false; n];
        let mut pred: Vec<Option<(EdgeIndex, NodeIndex)>> = vec![None; n];
        depth[start.index()] = 1;
        let mut queue = VecDeque::from([start]);
        let mut seen = Vec::new();
        while let Some(node) = queue.pop_front() {
            let (d, c) = (depth[node.index()], cond[node.index()]);
            for e in self.graph.edges(node) {
                let Some(grounds) = e.weight().grounds() else {
                    continue;
                };
                let to = e.target();
                let t = to.index();
                let next = c || grounds.is_conditional();
                if depth[t] == 0 {
                    depth[t] = d + 1;
                    cond[t] = next;
                    pred[t] = Some((e.id(), node));
                    seen.push(to);
                    queue.push_back(to);
                } else if depth[t] == d + 1 && cond[t] && !next && to != start {
                    // same length, unconditional beats conditional
                    cond[t] = false;
                    pred[t] = Some((e.id(), node));
                }
            }
        }
        // breadth-first discovery is already by distance; ties by node index
        seen.sort_by_key(|n| (depth[n.index()], n.index()));
        tree.pred.reserve(seen.len());
        for &node in &seen {
            if let Some(p) = pred[node.index()] {
                tree.pred.insert(node, p);
            }
        }
        tree.order = seen.into_iter().map(|n| (n, cond[n.index()])).collect();
        tree
    }
}

/// What one principal reaches, as a breadth-first tree.
#[derive(Debug, Clone, Default)]
pub struct ReachTree {
    /// Reached nodes by distance (then index), with whether their path is conditional.
    pub order: Vec<(NodeIndex, bool)>,
    /// node -> (the edge it is reached by, that edge's source)
    pred: HashMap<NodeIndex, (EdgeIndex, NodeIndex)>,
}

impl ReachTree {
    /// The edge `node` is reached by.
    pub fn last_edge(&self, node: NodeIndex) -> Option<EdgeIndex> {
        self.pred.get(&node).map(|&(e, _)| e)
    }

    /// The edges from the principal to `node` (empty for the principal itself).
    pub fn path_to(&self, node: NodeIndex) -> Vec<EdgeIndex> {
        let mut path = Vec::new();
        let mut n = node;
        // INVARIANT: predecessors form a tree rooted at the principal, so this ends; the
        // length guard only protects against a broken invariant
        while let Some(&(e, src)) = self.pred.get(&n) {
            path.push(e);
            n = src;
            if path.len() > self.order.len() {
                break;
            }
        }
        path.reverse();
        path
    }
}

/// An edge to add: from, to, and why.
pub(crate) type PlannedEdge = (Node, Node, Arc<Grounds>);

/// A caller's targets grouped by the decision about the caller's own requests: the caller's
/// grounds, and each target with what the target itself contributes (its trust policy's
/// statement, the service trust a PassRole path needs).
pub(crate) type Groups = Vec<(Grounds, Vec<Target>)>;

/// A target with what it contributes.
pub(crate) type Target = (Node, Arc<Grounds>);

/// Where a caller's edges go (hubs or single targets), and why.
pub(crate) type Links = Arc<Vec<(Node, Grounds)>>;

/// Hubs standing for sets of targets, shared by the callers whose own layers decide the same
/// set alike: such a caller gets one edge to the hub (its grounds), the hub one edge per
/// target (the target's grounds). A team's callers and a team's roles then cost one edge per
/// caller plus one per role, not one per pair. A hop into a hub and the hop out of it stand
/// for one hop of a path (reports join them).
pub(crate) struct TargetHubs<'a> {
    label: &'a str,
    by_targets: FastMap<TargetSet, Node>,
    /// (shared layers, is a user) -> the links of the class of callers decided alike.
    classes: HashMap<(usize, bool), Links>,
    /// Shared layers -> whether nothing in them depends on who the caller is.
    free: HashMap<usize, bool>,
    /// Every possible target, by lowercase ARN: its node, its ARN and what it contributes.
    universe: Vec<(Node, String, Arc<Grounds>)>,
    /// `universe`'s ARNs (its places are the universe's).
    index: ArnIndex,
    /// Target -> its place in `universe`.
    place: FastMap<Node, usize>,
    /// Grant pattern -> the targets it matches (places, sorted) and its hub once made.
    by_pattern: HashMap<String, (Arc<Vec<usize>>, Option<Node>)>,
}

/// A set of targets as a hub's key: their places in the universe, ascending (a caller's group
/// may hold every role of the account: places hash and compare faster than nodes), or the
/// nodes when one is not in the universe.
#[derive(Debug, PartialEq, Eq, Hash)]
enum TargetSet {
    Places(Vec<usize>),
    Nodes(Vec<Node>),
}

impl<'a> TargetHubs<'a> {
    /// Hubs named `{label}#{n}` (a set of targets) and `{label}@{pattern}` (the targets a grant
    /// pattern matches, among `universe`: every possible target with its ARN and what it
    /// contributes).
    pub(crate) fn new(
        label: &'a str,
        universe: Vec<(Node, String, Arc<Grounds>)>,
    ) -> TargetHubs<'a> {
        let mut universe = universe;
        universe.sort_by_cached_key(|(_, arn, _)| arn.to_ascii_lowercase());
        let index = ArnIndex::new(universe.iter().map(|(_, arn, _)| arn.as_str()));
        let place = universe
            .iter()
            .enumerate()
            .map(|(i, (node, _, _))| (node.clone(), i))
            .collect();
        TargetHubs {
            label,
            by_targets: FastMap::default(),
            classes: HashMap::new(),
            free: HashMap::new(),
            universe,
            index,
            place,
            by_pattern: HashMap::new(),
        }
    }

    /// The class `p` is decided with about `actions`: the callers with the same layers, when
    /// nothing in those layers depends on who the caller is (then they decide every target
    /// alike); `None` otherwise.
    pub(crate) fn class_of(
        &mut self,
        account: &Account,
        rights: &Rights,
        p: PrincipalIdx,
        actions: &[&str],
    ) -> Option<(usize, bool)> {
        // a property of the layers, so of the whole class: decided once per class
        let layers = Arc::as_ptr(rights.shared(p)) as usize;
        self.free
            .entry(layers)
            .or_insert_with(|| crate::access::identity_free(account, p, actions))
            .then_some((layers, account.principals[p].kind == PrincipalType::User))
    }

    /// Plans caller `p`'s edges: those of its class (callers with the same identity-free
    /// layers, decided alike) when the class was linked before, else those of `groups()` with
    /// the caller's grant `patterns`, then remembered for the class.
    pub(crate) fn link_caller(
        &mut self,
        p: PrincipalIdx,
        class: Option<(usize, bool)>,
        out: &mut Vec<PlannedEdge>,
        groups: impl FnOnce() -> (Groups, Vec<String>),
    ) {
        let links = match class.and_then(|key| self.classes.get(&key)) {
            Some(links) => Arc::clone(links),
            None => {
                let (groups, patterns) = groups();
                let links = Arc::new(self.link(groups, &patterns, out));
                if let Some(key) = class {
                    self.classes.insert(key, Arc::clone(&links));
                }
                links
            }
        };
        for (to, grounds) in links.iter() {
            out.push((Node::Principal(p), to.clone(), Arc::new(grounds.clone())));
        }
    }

    /// Where a caller's edges go for its `groups`: a single target directly (the caller's
    /// and the target's grounds together), several through hubs (the caller's grounds; a new
    /// hub's edges to its targets are planned in `out`). A group that is exactly what some of
    /// the caller's grant `patterns` match goes to those patterns' hubs, which every caller
    /// with the same grant shares whatever else it holds; any other group to the hub of its
    /// exact set.
    fn link(
        &mut self,
        groups: Groups,
        patterns: &[String],
        out: &mut Vec<PlannedEdge>,
    ) -> Vec<(Node, Grounds)> {
        let mut links = Vec::with_capacity(groups.len());
        for (mut grounds, targets) in groups {
            if let [(node, target)] = targets.as_slice() {
                grounds.join(target);
                links.push((node.clone(), grounds));
                continue;
            }
            if let Some(hubs) = self.pattern_cover(&targets, patterns, out) {
                links.extend(hubs.into_iter().map(|hub| (hub, grounds.clone())));
                continue;
            }
            // each target's place looked up once (a group may hold thousands)
            let mut placed: Vec<(Option<usize>, Target)> = targets
                .into_iter()
                .map(|t| (self.place.get(&t.0).copied(), t))
                .collect();
            placed.sort_by_key(|(place, _)| *place);
            let key = match placed.iter().map(|(place, _)| *place).collect() {
                Some(places) => TargetSet::Places(places),
                None => TargetSet::Nodes(placed.iter().map(|(_, (n, _))| n.clone()).collect()),
            };
            let targets = placed.into_iter().map(|(_, t)| t);
            let hub = match self.by_targets.get(&key) {
                Some(hub) => hub.clone(),
                None => {
                    let hub =
                        Node::PathTargets(format!("{}#{}", self.label, self.by_targets.len() + 1));
                    for (node, target) in targets {
                        out.push((hub.clone(), node, target));
                    }
                    self.by_targets.insert(key, hub.clone());
                    hub
                }
            };
            links.push((hub, grounds));
        }
        links
    }

    /// The hubs of grant patterns whose targets together are exactly `targets` (each pattern
    /// matching only targets of the set; the broadest first, each adding some), or `None`.
    fn pattern_cover(
        &mut self,
        targets: &[(Node, Arc<Grounds>)],
        patterns: &[String],
        out: &mut Vec<PlannedEdge>,
    ) -> Option<Vec<Node>> {
        // membership by place: a caller's group and a pattern's targets may each be thousands
        let mut is_wanted = vec![false; self.universe.len()];
        let mut wanted = 0;
        for (n, _) in targets {
            let i = *self.place.get(n)?;
            if !std::mem::replace(&mut is_wanted[i], true) {
                wanted += 1;
            }
        }
        let mut inside: Vec<(usize, &String, Arc<Vec<usize>>)> = Vec::new();
        for text in patterns {
            let set = self.pattern_targets(text);
            if !set.is_empty() && set.iter().all(|&i| is_wanted.get(i) == Some(&true)) {
                inside.push((set.len(), text, set));
            }
        }
        inside.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut covered = vec![false; self.universe.len()];
        let mut count = 0;
        let mut chosen: Vec<&String> = Vec::new();
        for (_, text, set) in &inside {
            let new = set.iter().filter(|&&i| !covered[i]).count();
            if new == 0 {
                continue;
            }
            for &i in set.iter() {
                covered[i] = true;
            }
            count += new;
            chosen.push(text);
            if count == wanted {
                break;
            }
        }
        if count != wanted {
            return None;
        }
        let chosen: Vec<String> = chosen.into_iter().cloned().collect();
        Some(
            chosen
                .iter()
                .map(|text| self.pattern_hub(text, out))
                .collect(),
        )
    }

    /// The targets a grant pattern matches (places in `universe`), worked out once.
    fn pattern_targets(&mut self, text: &str) -> Arc<Vec<usize>> {
        if let Some((set, _)) = self.by_pattern.get(text) {
            return Arc::clone(set);
        }
        let set: Vec<usize> = if text.contains("${") {
            // its value depends on the request: no hub
            Vec::new()
        } else {
            let pattern = Pattern::new(text);
            let mut set: Vec<usize> = self
                .index
                .prefixed(text)
                .filter(|&i| resource_pattern_matches(&pattern, &self.universe[i].1))
                .collect();
            set.sort_unstable();
            set
        };
        let set = Arc::new(set);
        self.by_pattern
            .insert(text.to_string(), (Arc::clone(&set), None));
        set
    }

    /// The hub of a grant pattern's targets (made, with its edges planned in `out`, once).
    pub(crate) fn pattern_hub(&mut self, text: &str, out: &mut Vec<PlannedEdge>) -> Node {
        let set = self.pattern_targets(text);
        if let Some((_, Some(hub))) = self.by_pattern.get(text) {
            return hub.clone();
        }
        let hub = Node::PathTargets(format!("{}@{}", self.label, text));
        for &i in set.iter() {
            let (node, _, grounds) = &self.universe[i];
            out.push((hub.clone(), node.clone(), Arc::clone(grounds)));
        }
        if let Some(entry) = self.by_pattern.get_mut(text) {
            entry.1 = Some(hub.clone());
        }
        hub
    }
}

/// Decisions about one caller's requests, each with the targets it holds for.
#[derive(Default)]
pub(crate) struct Decisions {
    list: Groups,
}

impl Decisions {
    /// Records a decision; its index.
    pub(crate) fn add(&mut self, grounds: Grounds) -> usize {
        self.list.push((grounds, Vec::new()));
        self.list.len() - 1
    }

    /// Adds a target to decision `d`, with what the target contributes.
    pub(crate) fn target(&mut self, d: usize, node: Node, grounds: Arc<Grounds>) {
        if let Some((_, targets)) = self.list.get_mut(d) {
            targets.push((node, grounds));
        }
    }

    /// The decisions with their targets, equal decisions merged, in first-decided order.
    pub(crate) fn into_groups(self) -> Groups {
        let mut out: Groups = Vec::new();
        let mut index: HashMap<Grounds, usize> = HashMap::new();
        for (grounds, targets) in self.list {
            if targets.is_empty() {
                continue;
            }
            match index.get(&grounds) {
                Some(&i) => out[i].1.extend(targets),
                None => {
                    index.insert(grounds.clone(), out.len());
                    out.push((grounds, targets));
                }
            }
        }
        out
    }
}

/// The can-assume edges from `callers` to the `delegating` roles (roles whose trust lets in
/// every caller of the account alike, with the trust's grounds): the trust lets the caller in
/// only if its own layers (identity policies, boundary, SCPs, denies) allow `sts:AssumeRole`
/// on the role, so the decision is the caller's layers' (on the edge into a hub) joined with
/// the trust's (on the hub's edge to the role). A caller's layers decide roles alike when
/// their resource patterns about `sts:AssumeRole` match the roles' ARNs alike; callers with
/// the same identity-free layers decide every role alike, so they are decided once.
fn delegated_edges(
    account: &Account,
    rights: &Rights,
    callers: &[PrincipalIdx],
    assume_scopes: &HashMap<PrincipalIdx, Vec<&ResourceScope>>,
    delegating: &[(PrincipalIdx, Arc<Grounds>)],
) -> Vec<PlannedEdge> {
    const ACTION: &str = "sts:AssumeRole";
    let mut out: Vec<PlannedEdge> = Vec::new();
    // a grant's pattern finds the roles it may cover through its literal prefix, not by
    // testing every role
    let index = ArnIndex::new(
        delegating
            .iter()
            .map(|(ri, _)| account.principals[*ri].arn.as_str()),
    );
    let universe = delegating
        .iter()
        .map(|(ri, trust)| {
            (
                Node::Principal(*ri),
                account.principals[*ri].arn.clone(),
                Arc::clone(trust),
            )
        })
        .collect();
    let mut hubs = TargetHubs::new("assume", universe);
    // a caller's targets, worked out (the grants' reach and the decisions on each role)
    let targets_of = |p: PrincipalIdx| -> (Groups, Vec<String>) {
        let scopes = assume_scopes.get(&p).map(Vec::as_slice).unwrap_or_default();
        let reached = index
            .covered(scopes)
            .unwrap_or_else(|| (0..delegating.len()).collect());
        let patterns = crate::access::resource_patterns(account, p, &[ACTION]);
        let mut decided: HashMap<Vec<bool>, Option<usize>> = HashMap::new();
        let mut decisions = Decisions::default();
        for i in reached {
            let (ri, trust) = &delegating[i];
            let arn = &account.principals[*ri].arn;
            if !scopes.iter().any(|s| s.may_cover(arn)) {
                continue;
            }
            let decide = |decisions: &mut Decisions| {
                decide(account, p, ACTION, arn, None)
                    .and_then(Grounds::of)
                    .map(|g| decisions.add(g))
            };
            let d = match &patterns {
                Some(patterns) => {
                    let signature: Vec<bool> = patterns
                        .iter()
                        .map(|pattern| resource_pattern_matches(pattern, arn))
                        .collect();
                    match decided.get(&signature) {
                        Some(hit) => *hit,
                        None => {
                            let d = decide(&mut decisions);
                            decided.insert(signature, d);
                            d
                        }
                    }
                }
                None => decide(&mut decisions),
            };
            if let Some(d) = d {
                decisions.target(d, Node::Principal(*ri), Arc::clone(trust));
            }
        }
        (decisions.into_groups(), scope_patterns(scopes))
    };
    // only the first caller of each class (and each caller without one) has its targets
    // worked out, as `link_caller` asks for them: on both cores, before the linking in order
    let classes: Vec<Option<(usize, bool)>> = callers
        .iter()
        .map(|&p| hubs.class_of(account, rights, p, &[ACTION]))
        .collect();
    let mut first = std::collections::HashSet::new();
    let asked: Vec<usize> = (0..callers.len())
        .filter(|&i| classes[i].is_none_or(|key| first.insert(key)))
        .collect();
    let mut worked: Vec<Option<(Groups, Vec<String>)>> = (0..callers.len()).map(|_| None).collect();
    {
        use rayon::prelude::*;
        let results: Vec<(usize, (Groups, Vec<String>))> = asked
            .par_iter()
            .map(|&i| (i, targets_of(callers[i])))
            .collect();
        for (i, targets) in results {
            worked[i] = Some(targets);
        }
    }
    for (i, &p) in callers.iter().enumerate() {
        hubs.link_caller(p, classes[i], &mut out, || {
            worked[i].take().unwrap_or_else(|| targets_of(p))
        });
    }
    out
}

/// The resource patterns of grants (`*` for a grant on any resource; none for `NotResource`).
pub(crate) fn scope_patterns(scopes: &[&ResourceScope]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes {
        match scope {
            ResourceScope::Patterns(patterns) => out.extend(patterns.iter().cloned()),
            ResourceScope::Any => out.push("*".to_string()),
            ResourceScope::Not(_) => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// ARNs sorted by lowercase text, each with its place in the list it was made from: a grant
/// pattern finds the ARNs it may match through its literal prefix instead of testing each.
pub(crate) struct ArnIndex {
    sorted: Vec<(String, usize)>,
}

impl ArnIndex {
    pub(crate) fn new<'s>(arns: impl Iterator<Item = &'s str>) -> ArnIndex {
        let mut sorted: Vec<(String, usize)> = arns
            .enumerate()
            .map(|(i, arn)| (arn.to_ascii_lowercase(), i))
            .collect();
        sorted.sort();
        ArnIndex { sorted }
    }

    /// The places of the ARNs that start with the literal prefix of pattern `text` (ignoring
    /// case), in ARN order.
    pub(crate) fn prefixed<'a>(&'a self, text: &str) -> impl Iterator<Item = usize> + 'a {
        let prefix = literal_prefix(text).to_ascii_lowercase();
        let from = self.sorted.partition_point(|(a, _)| *a < prefix);
        self.sorted[from..]
            .iter()
            .take_while(move |(a, _)| a.starts_with(&prefix))
            .map(|(_, i)| *i)
    }

    /// The places (ascending, each once) of every ARN the grant scopes may cover, found
    /// through the literal prefixes of their patterns (a superset: callers still test each);
    /// `None` when a scope is open (any resource, `NotResource`, a pattern starting with a
    /// wildcard).
    pub(crate) fn covered(&self, scopes: &[&ResourceScope]) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        for scope in scopes {
            let ResourceScope::Patterns(patterns) = scope else {
                return None;
            };
            for text in patterns {
                if literal_prefix(text).is_empty() {
                    return None;
                }
                out.extend(self.prefixed(text));
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}

/// A role named by ARN without its path (trust policies may omit it).
fn role_by_name(account: &Account, arn: &str) -> Option<PrincipalIdx> {
    let (_, rest) = arn.split_once(":role/")?;
    let name = rest.rsplit('/').next()?;
    account
        .principals
        .iter()
        .position(|p| p.kind == PrincipalType::Role && p.name == name)
}

/// The grounds on which principal `p` may assume `role` (its layers and the role's trust
/// policy), if it may.
/// Decisions of `sts:AssumeRole` shared between roles a caller cannot tell apart. The request
/// differs between two roles only in the role's ARN and its trust policy: roles whose trust
/// policies are the same document, and whose ARNs the caller's policies (identity, boundary,
/// SCPs) and the trust's resource patterns match alike, get the same decision, its trust
/// statements re-pointed at each role's own trust policy. Callers or trusts with policy
/// variables in resource patterns are decided role by role.
pub(crate) struct AlikeRoles<'a> {
    account: &'a Account,
    /// Trust policy -> its class (the same document), `None` when it cannot be shared.
    trust_class: HashMap<PolicyIdx, Option<usize>>,
    classes: HashMap<String, usize>,
    /// Each class's resource patterns (rare: trusts usually name none).
    class_patterns: Vec<Vec<Pattern>>,
    /// Caller -> the resource patterns of its layers (`None`: a policy variable).
    patterns: HashMap<PrincipalIdx, Option<Vec<Pattern>>>,
    /// (caller, trust class) -> signature of a role's ARN under the caller's and the class's
    /// patterns -> the decision and the trust policy it was made with.
    decided: FastMap<(PrincipalIdx, usize), FastMap<Vec<bool>, Decided>>,
    /// The signature of the role at hand.
    signature: Vec<bool>,
    /// Trust policy -> whom it may name.
    admissions: HashMap<PolicyIdx, Admission>,
}

/// A decision on assuming a role, and the trust policy it was made with.
type Decided = (Option<Arc<Grounds>>, PolicyIdx);

impl<'a> AlikeRoles<'a> {
    pub(crate) fn new(account: &'a Account) -> AlikeRoles<'a> {
        AlikeRoles {
            account,
            trust_class: HashMap::new(),
            classes: HashMap::new(),
            class_patterns: Vec::new(),
            patterns: HashMap::new(),
            decided: FastMap::default(),
            signature: Vec::new(),
            admissions: HashMap::new(),
        }
    }

    /// The grounds on which `p` may assume role `ri` (whose trust policy is `trust`), `None`
    /// when it may not.
    pub(crate) fn grounds(
        &mut self,
        p: PrincipalIdx,
        ri: PrincipalIdx,
        trust: &NamedPolicy,
    ) -> Option<Grounds> {
        let account = self.account;
        let (grounds, decided_with) = self.decide(p, ri, trust)?;
        // a decision shared with a role alike cites that role's trust: cite this one's
        let decided_with = account
            .policies
            .get(decided_with)
            .and_then(|e| e.policy.as_ref())
            .map(|t| t.id.as_str());
        grounds.as_deref().cloned().map(|mut g| {
            for s in &mut g.statements {
                if Some(s.policy.as_str()) == decided_with {
                    s.policy.clone_from(&trust.id);
                }
            }
            g
        })
    }

    /// Whether `p` may assume role `ri`: [`AlikeRoles::grounds`] without copying them.
    pub(crate) fn admits(
        &mut self,
        p: PrincipalIdx,
        ri: PrincipalIdx,
        trust: &NamedPolicy,
    ) -> bool {
        self.decide(p, ri, trust)
            .is_some_and(|(grounds, _)| grounds.is_some())
    }

    /// The decision for `p` and role `ri`, shared with the roles alike, and the trust policy
    /// it was made with (`usize::MAX` when none); `None` when the trust cannot name `p`.
    fn decide(
        &mut self,
        p: PrincipalIdx,
        ri: PrincipalIdx,
        trust: &NamedPolicy,
    ) -> Option<Decided> {
        let account = self.account;
        let role = &account.principals[ri];
        // whom the trust may name, read once per trust policy (when `trust` is the role's own)
        let own = role.trust.filter(|&t| {
            account
                .policies
                .get(t)
                .and_then(|e| e.policy.as_ref())
                .is_some_and(|policy| std::ptr::eq(policy, trust))
        });
        let admitted = match own {
            Some(t) => self
                .admissions
                .entry(t)
                .or_insert_with(|| Admission::of(account, trust))
                .admits(account, p),
            None => may_admit(account, trust, p),
        };
        if !admitted {
            return None;
        }
        let alone =
            |grounds: Option<Grounds>| (grounds.map(Arc::new), role.trust.unwrap_or(usize::MAX));
        let Some(class) = role.trust.and_then(|t| self.class_of(t, trust)) else {
            return Some(alone(assume_grounds(account, p, role, trust)));
        };
        let Some(mine) = self
            .patterns
            .entry(p)
            .or_insert_with(|| crate::access::resource_patterns(account, p, &["sts:AssumeRole"]))
            .as_ref()
        else {
            return Some(alone(assume_grounds(account, p, role, trust)));
        };
        self.signature.clear();
        self.signature.extend(
            mine.iter()
                .chain(&self.class_patterns[class])
                .map(|pattern| resource_pattern_matches(pattern, &role.arn)),
        );
        let decided = self.decided.entry((p, class)).or_default();
        if let Some(hit) = decided.get(self.signature.as_slice()) {
            return Some(hit.clone());
        }
        let decision = alone(assume_grounds(account, p, role, trust));
        if role.trust.is_some() {
            decided.insert(self.signature.clone(), decision.clone());
        }
        Some(decision)
    }

    fn class_of(&mut self, t: PolicyIdx, trust: &NamedPolicy) -> Option<usize> {
        if let Some(c) = self.trust_class.get(&t) {
            return *c;
        }
        let texts: Vec<&String> = trust
            .policy
            .statements
            .iter()
            .flat_map(|st| st.resource.iter().flat_map(|r| r.patterns.iter()))
            .collect();
        let shareable = texts.iter().all(|text| !text.contains("${"));
        let class = shareable.then(|| {
            let key = format!("{:?}", trust.policy);
            let next = self.classes.len();
            let class = *self.classes.entry(key).or_insert(next);
            if class == next {
                self.class_patterns
                    .push(texts.iter().map(|text| Pattern::new(text)).collect());
            }
            class
        });
        self.trust_class.insert(t, class);
        class
    }
}

/// Could the trust policy let caller `p` of this account in? Not when no `Allow` statement's
/// principal could name it: services, identity providers, other accounts and other users or
/// roles of the account only. Then `p` may not assume the role, whatever its own policies say,
/// and no decision is needed. Anything else (anyone, the account, `p` itself, a value this
/// test does not read) is left to the evaluator.
fn may_admit(account: &Account, trust: &NamedPolicy, p: PrincipalIdx) -> bool {
    Admission::of(account, trust).admits(account, p)
}

/// Whom a trust policy may name, read once: everyone of the account (a wildcard, the account,
/// `*`, a `NotPrincipal`), or users and roles by name.
#[derive(Debug, Clone, Default)]
struct Admission {
    all: bool,
    /// (`:user/` or `:role/`, the name: the ARN's last path segment).
    named: Vec<(&'static str, String)>,
}

impl Admission {
    fn of(account: &Account, trust: &NamedPolicy) -> Admission {
        let mut out = Admission::default();
        let specs = trust
            .policy
            .statements
            .iter()
            .filter(|st| st.effect == overreach_policy::Effect::Allow)
            .filter_map(|st| st.principal.as_ref());
        for spec in specs {
            if spec.any || spec.negated {
                out.all = true;
            }
            for v in &spec.aws {
                let other_account = arn_account(v).is_some_and(|a| a != account.id)
                    || (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) && *v != account.id);
                if other_account {
                    continue;
                }
                if v.contains(['*', '?']) {
                    out.all = true;
                    continue;
                }
                // another user or role of the account, named by ARN
                let named = [":user/", ":role/"]
                    .iter()
                    .find_map(|k| v.split_once(k).map(|(_, rest)| (*k, rest)));
                match named {
                    Some((k, rest)) => out
                        .named
                        .push((k, rest.rsplit('/').next().unwrap_or(rest).to_string())),
                    None => out.all = true,
                }
            }
        }
        out
    }

    /// May the policy name principal `p`?
    fn admits(&self, account: &Account, p: PrincipalIdx) -> bool {
        if self.all {
            return true;
        }
        let me = &account.principals[p];
        let kind = Admission::kind_of(me.kind);
        self.named
            .iter()
            .any(|(k, name)| *k == kind && *name == me.name)
    }

    /// How an ARN of the account names a principal of this type.
    fn kind_of(kind: PrincipalType) -> &'static str {
        match kind {
            PrincipalType::User => ":user/",
            PrincipalType::Role => ":role/",
        }
    }
}

/// Roles indexed by whom their trust policies may name (see [`Admission`]): a caller is let
/// in only by roles whose trust may name anyone of the account, or names it, so the roles
/// that may trust a caller are read from two lists instead of asked one by one.
pub(crate) struct AdmittingRoles {
    /// Places of the roles whose trust may name anyone of the account.
    anyone: Vec<usize>,
    /// (`:user/` or `:role/`, name) -> places of the roles whose trust names it.
    named: HashMap<(&'static str, String), Vec<usize>>,
}

impl AdmittingRoles {
    /// Indexes `roles` (role principals, by place); a role without a readable trust policy
    /// lets nobody in.
    pub(crate) fn new(
        account: &Account,
        roles: impl Iterator<Item = PrincipalIdx>,
    ) -> AdmittingRoles {
        let mut out = AdmittingRoles {
            anyone: Vec::new(),
            named: HashMap::new(),
        };
        for (place, r) in roles.enumerate() {
            let trust = account.principals[r]
                .trust
                .and_then(|t| account.policies.get(t))
                .and_then(|e| e.policy.as_ref());
            let Some(trust) = trust else {
                continue;
            };
            let admission = Admission::of(account, trust);
            if admission.all {
                out.anyone.push(place);
                continue;
            }
            for key in admission.named {
                let places = out.named.entry(key).or_default();
                // a trust naming the caller twice lists the role once
                if places.last() != Some(&place) {
                    places.push(place);
                }
            }
        }
        out
    }

    /// The places of the roles whose trust may let `p` in, in order.
    pub(crate) fn of(&self, account: &Account, p: PrincipalIdx) -> Vec<usize> {
        let me = &account.principals[p];
        let named = self
            .named
            .get(&(Admission::kind_of(me.kind), me.name.clone()))
            .map_or(&[][..], Vec::as_slice);
        let mut out = Vec::with_capacity(self.anyone.len() + named.len());
        out.extend_from_slice(&self.anyone);
        out.extend_from_slice(named);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The text of a resource pattern before its first wildcard or policy variable: every ARN the
/// pattern may match starts with it (ignoring case).
pub(crate) fn literal_prefix(text: &str) -> &str {
    let end = text.find(['*', '?']).unwrap_or(text.len());
    let end = text[..end].find("${").unwrap_or(end);
    &text[..end]
}

fn assume_grounds(
    account: &Account,
    p: PrincipalIdx,
    role: &crate::account::PrincipalInfo,
    trust: &overreach_policy::NamedPolicy,
) -> Option<Grounds> {
    let d = decide(
        account,
        p,
        "sts:AssumeRole",
        &role.arn,
        Some((trust, ResourcePolicyKind::Trust)),
    )?;
    Grounds::of(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use overreach_policy::{Catalog, ManagedPolicies};
    use serde_json::json;

    /// The roles that may let a caller in: those trusting anyone of the account (the account,
    /// a wildcard, `NotPrincipal`) and those naming it (by ARN, with or without a path), not
    /// those naming someone else, a service or another account, nor a role without trust.
    #[test]
    fn admitting_roles_are_those_whose_trust_may_name_the_caller() {
        let a = "arn:aws:iam::111122223333";
        let trust = |principal: serde_json::Value| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": principal, "Action": "sts:AssumeRole"}]})
        };
        let role = |name: &str, trust: serde_json::Value| {
            json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{name}"),
                "Arn": format!("{a}:role/{name}"), "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []})
        };
        let user = |name: &str| {
            json!({"Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
                "Arn": format!("{a}:user/{name}"), "GroupList": [], "AttachedManagedPolicies": [],
                "Tags": [], "UserPolicyList": []})
        };
        let snapshot = json!({
            "UserDetailList": [user("dev"), user("ops")],
            "GroupDetailList": [],
            "RoleDetailList": [
                role("by-account", trust(json!({"AWS": format!("{a}:root")}))),
                role("by-dev", trust(json!({"AWS": [format!("{a}:user/team/dev"),
                    format!("{a}:user/dev")]}))),
                role("by-service", trust(json!({"Service": "lambda.amazonaws.com"}))),
                role("by-other-account", trust(json!({"AWS": "444455556666"}))),
                role("by-anyone", trust(json!("*"))),
                role("by-role-dev", trust(json!({"AWS": format!("{a}:role/dev")}))),
            ],
            "Policies": []
        });
        let snapshot =
            overreach_snapshot::Snapshot::from_slice(snapshot.to_string().as_bytes()).unwrap();
        let account = Account::from_snapshot(&snapshot, ManagedPolicies::embedded());
        let roles: Vec<PrincipalIdx> = (0..account.principals.len())
            .filter(|&r| account.principals[r].kind == PrincipalType::Role)
            .collect();
        let index = AdmittingRoles::new(&account, roles.iter().copied());
        // in the roles' order (the account keeps them by name)
        let admitting = |user: &str| -> Vec<&str> {
            let p = account.principal(&format!("{a}:user/{user}")).unwrap();
            let places = index.of(&account, p);
            assert!(places.is_sorted());
            places
                .into_iter()
                .map(|place| account.principals[roles[place]].name.as_str())
                .collect()
        };
        assert_eq!(admitting("dev"), ["by-account", "by-anyone", "by-dev"]);
        assert_eq!(admitting("ops"), ["by-account", "by-anyone"]);
        // the index only narrows: every role it leaves out is one the trust cannot admit
        for user in ["dev", "ops"] {
            let p = account.principal(&format!("{a}:user/{user}")).unwrap();
            let listed = index.of(&account, p);
            for (place, &r) in roles.iter().enumerate() {
                let trust = account.principals[r]
                    .trust
                    .and_then(|t| account.policies[t].policy.as_ref())
                    .unwrap();
                assert_eq!(
                    listed.contains(&place),
                    may_admit(&account, trust, p),
                    "{user} and {}",
                    account.principals[r].name
                );
            }
        }
    }

    /// Roles with the same trust document and ARNs the caller's grant matches alike share one
    /// decision; each edge still cites its own role's trust policy, and a role the grant does
    /// not cover gets no edge. Both ways a caller is decided: as a class (through its hub) and
    /// pair by pair (a grant that asks about the caller's tags).
    #[test]
    fn roles_decided_alike_keep_their_own_trust_statement() {
        let a = "arn:aws:iam::111122223333";
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("{a}:root")}, "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
        let role = |name: &str| {
            json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{name}"),
                "Arn": format!("{a}:role/{name}"), "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []})
        };
        let user = |name: &str, condition: serde_json::Value| {
            let mut statement = json!({"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("{a}:role/team-a-*")});
            if !condition.is_null() {
                statement["Condition"] = condition;
            }
            json!({"Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
                "Arn": format!("{a}:user/{name}"), "GroupList": [], "AttachedManagedPolicies": [],
                "Tags": [{"Key": "team", "Value": "a"}],
                "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [statement]}}]})
        };
        let snapshot = json!({
            "UserDetailList": [
                user("dev", serde_json::Value::Null),
                user("tagged", json!({"StringEquals": {"aws:PrincipalTag/team": "a"}})),
            ],
            "GroupDetailList": [],
            "RoleDetailList": [role("team-a-1"), role("team-a-2"), role("team-b-1")],
            "Policies": []
        });
        let snapshot =
            overreach_snapshot::Snapshot::from_slice(snapshot.to_string().as_bytes()).unwrap();
        let account = Account::from_snapshot(&snapshot, ManagedPolicies::embedded());
        let rights = Rights::compute(&account, Catalog::embedded());
        let graph = PermissionGraph::build(&account, &rights);
        for caller in ["dev", "tagged"] {
            let from = graph
                .principal(account.principal(&format!("{a}:user/{caller}")).unwrap())
                .unwrap();
            // the roles reached, directly or through the caller's class hub
            let mut cited: Vec<(String, Vec<String>)> = Vec::new();
            let mut queue = vec![from];
            while let Some(node) = queue.pop() {
                for e in graph.graph.edges(node) {
                    let Edge::CanAssume { grounds, .. } = e.weight() else {
                        continue;
                    };
                    match &graph.graph[e.target()] {
                        Node::Principal(p) => cited.push((
                            account.principals[*p].name.clone(),
                            grounds
                                .statements
                                .iter()
                                .map(|s| s.policy.clone())
                                .collect(),
                        )),
                        Node::PathTargets(_) => queue.push(e.target()),
                        _ => {}
                    }
                }
            }
            cited.sort();
            let names: Vec<&str> = cited.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["team-a-1", "team-a-2"], "{caller}: {cited:?}");
            for (name, policies) in &cited {
                let trusts: Vec<&String> =
                    policies.iter().filter(|p| p.contains("trust")).collect();
                assert_eq!(trusts.len(), 1, "{caller}: {cited:?}");
                assert!(
                    trusts[0].contains(name.as_str()),
                    "{caller}: {name} cites {trusts:?}"
                );
            }
        }
    }

    const A: &str = "arn:aws:iam::111122223333";

    /// The account, its graph with escalation edges, from IAM entity JSON.
    fn build(
        users: Vec<serde_json::Value>,
        roles: Vec<serde_json::Value>,
        groups: Vec<serde_json::Value>,
    ) -> (Account, PermissionGraph) {
        let snapshot = json!({"UserDetailList": users, "GroupDetailList": groups,
            "RoleDetailList": roles, "Policies": []});
        let snapshot =
            overreach_snapshot::Snapshot::from_slice(snapshot.to_string().as_bytes()).unwrap();
        let account = Account::from_snapshot(&snapshot, ManagedPolicies::embedded());
        let rights = Rights::compute(&account, Catalog::embedded());
        let mut graph = PermissionGraph::build(&account, &rights);
        let paths = crate::privesc::PathCatalog::embedded().unwrap();
        crate::privesc::add_escalation_edges(&mut graph, &account, &rights, paths);
        (account, graph)
    }

    fn user(name: &str, statements: serde_json::Value, groups: &[&str]) -> serde_json::Value {
        json!({"Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
            "Arn": format!("{A}:user/{name}"), "GroupList": groups,
            "AttachedManagedPolicies": [], "Tags": [{"Key": "team", "Value": "a"}],
            "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": statements}}]})
    }

    fn role(name: &str, principal: serde_json::Value) -> serde_json::Value {
        json!({"Path": "/", "RoleName": name, "RoleId": format!("AROA{name}"),
            "Arn": format!("{A}:role/{name}"), "RolePolicyList": [],
            "AttachedManagedPolicies": [], "Tags": [],
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}})
    }

    fn node_of(account: &Account, graph: &PermissionGraph, name: &str) -> NodeIndex {
        let p = account
            .principals
            .iter()
            .position(|p| p.name == name)
            .unwrap();
        graph.principal(p).unwrap()
    }

    /// The principals `from` reaches in one hop (through a hub or directly), with the edge kind
    /// (`sts:AssumeRole` or the escalation path id).
    fn one_hop(account: &Account, graph: &PermissionGraph, from: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![node_of(account, graph, from)];
        while let Some(n) = stack.pop() {
            for e in graph.graph.edges(n) {
                let kind = match e.weight() {
                    Edge::CanAssume { action, .. } => action.to_string(),
                    Edge::Escalation { path, .. } => path.to_string(),
                    _ => continue,
                };
                match &graph.graph[e.target()] {
                    Node::PathTargets(_) => stack.push(e.target()),
                    Node::Principal(q) => out.push((account.principals[*q].name.clone(), kind)),
                    _ => {}
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Callers whose own grants cover the same roles trusting the account go through one
    /// shared hub, whatever else their layers hold (other statements, a grant that asks about
    /// their tags), and the hub leads to those roles only, each citing its own trust; a role
    /// trusting one caller by name is reached by that caller alone, and a role trusting a
    /// service by no caller.
    #[test]
    fn callers_granted_the_same_roles_share_one_hub() {
        let assume = json!({"Effect": "Allow", "Action": "sts:AssumeRole",
            "Resource": format!("{A}:role/team-a-*")});
        let mut tagged = assume.clone();
        tagged["Condition"] = json!({"StringEquals": {"aws:PrincipalTag/team": "a"}});
        let users = vec![
            user(
                "dev",
                json!([assume, {"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("{A}:role/named")}]),
                &[],
            ),
            user(
                "ops",
                json!([assume, {"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "*"}, {"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": format!("{A}:role/named")}]),
                &[],
            ),
            user("tagged", json!([tagged]), &[]),
        ];
        let account_trust = json!({"AWS": format!("{A}:root")});
        let roles = vec![
            role("team-a-1", account_trust.clone()),
            role("team-a-2", account_trust.clone()),
            role("team-b-1", account_trust),
            role("named", json!({"AWS": format!("{A}:user/dev")})),
            role("team-a-lambda", json!({"Service": "lambda.amazonaws.com"})),
        ];
        let (account, graph) = build(users, roles, Vec::new());
        let mut hubs = Vec::new();
        for caller in ["dev", "ops", "tagged"] {
            let from = node_of(&account, &graph, caller);
            let into: Vec<NodeIndex> = graph
                .graph
                .edges(from)
                .filter(|e| matches!(graph.graph[e.target()], Node::PathTargets(_)))
                .map(|e| e.target())
                .collect();
            assert_eq!(into.len(), 1, "{caller}: one hub");
            hubs.push(into[0]);
        }
        assert!(hubs.windows(2).all(|w| w[0] == w[1]), "one shared hub");
        let mut targets: Vec<(String, Vec<String>)> = graph
            .graph
            .edges(hubs[0])
            .map(|e| match (&graph.graph[e.target()], e.weight().grounds()) {
                (Node::Principal(q), Some(g)) => (
                    account.principals[*q].name.clone(),
                    g.statements.iter().map(|s| s.policy.clone()).collect(),
                ),
                other => panic!("unexpected hub edge {other:?}"),
            })
            .collect();
        targets.sort();
        assert_eq!(
            targets,
            [
                ("team-a-1".into(), vec![format!("{A}:role/team-a-1#trust")]),
                ("team-a-2".into(), vec![format!("{A}:role/team-a-2#trust")]),
            ]
        );
        let assumed = |caller: &str| -> Vec<String> {
            one_hop(&account, &graph, caller)
                .into_iter()
                .filter(|(_, kind)| kind == "sts:AssumeRole")
                .map(|(name, _)| name)
                .collect()
        };
        assert_eq!(assumed("dev"), ["named", "team-a-1", "team-a-2"]);
        // ops's own policy allows the call, but the trust names dev only
        assert_eq!(assumed("ops"), ["team-a-1", "team-a-2"]);
        assert_eq!(assumed("tagged"), ["team-a-1", "team-a-2"]);
    }

    /// Principals with the same layers are decided once as a class; each still reaches every
    /// other member (the member the class was decided with included), and a path shown through
    /// a hub reads as one hop citing the grant.
    #[test]
    fn class_members_reach_each_other_and_hub_hops_read_as_one() {
        let group = json!({"Path": "/", "GroupName": "keys", "GroupId": "AGPAkeys",
            "Arn": format!("{A}:group/keys"), "AttachedManagedPolicies": [],
            "GroupPolicyList": [{"PolicyName": "keys", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Sid": "Keys", "Effect": "Allow",
                    "Action": "iam:CreateAccessKey", "Resource": format!("{A}:user/*")}]}}]});
        let member = |name: &str| {
            json!({"Path": "/", "UserName": name, "UserId": format!("AIDA{name}"),
                "Arn": format!("{A}:user/{name}"), "GroupList": ["keys"],
                "AttachedManagedPolicies": [], "Tags": [], "UserPolicyList": []})
        };
        let (account, graph) = build(
            vec![member("u1"), member("u2"), member("u3")],
            Vec::new(),
            vec![group],
        );
        for (from, others) in [
            ("u1", ["u2", "u3"]),
            ("u2", ["u1", "u3"]),
            ("u3", ["u1", "u2"]),
        ] {
            let reached: Vec<String> = one_hop(&account, &graph, from)
                .into_iter()
                .filter(|(name, kind)| kind == "iam-002" && name != from)
                .map(|(name, _)| name)
                .collect();
            assert_eq!(reached, others, "{from}");
        }
        // u1 -> hub -> u2, rendered
        let u1 = node_of(&account, &graph, "u1");
        let u2 = node_of(&account, &graph, "u2");
        let into = graph
            .graph
            .edges(u1)
            .find(|e| {
                matches!(&graph.graph[e.target()], Node::PathTargets(h) if h.starts_with("iam-002"))
            })
            .unwrap();
        let out = graph
            .graph
            .edges(into.target())
            .find(|e| e.target() == u2)
            .unwrap();
        let hops = crate::analyze::hops(&graph, &account, &[into.id(), out.id()]);
        assert_eq!(hops.len(), 1, "{hops:?}");
        assert_eq!(hops[0].from, format!("{A}:user/u1"));
        assert_eq!(hops[0].to, format!("{A}:user/u2"));
        assert_eq!(hops[0].statements.len(), 1, "{hops:?}");
        assert_eq!(hops[0].statements[0].sid.as_deref(), Some("Keys"));
    }

    /// A role whose trust lets in anyone is reached by every caller of the account whose own
    /// layers do not deny it: callers with the same statements about `sts:AssumeRole` share one
    /// hub, a caller denied the call gets no edge, and one whose deny asks about its tags is
    /// decided on its own.
    #[test]
    fn roles_open_to_anyone_are_reached_through_one_hub() {
        let deny = |condition: serde_json::Value| {
            let mut st = json!({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"});
            if !condition.is_null() {
                st["Condition"] = condition;
            }
            st
        };
        let read = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"});
        let users = vec![
            user("plain-1", json!([read]), &[]),
            user(
                "plain-2",
                json!([read, {"Effect": "Allow", "Action": "ec2:Describe*",
                "Resource": "*"}]),
                &[],
            ),
            user("blocked", json!([read, deny(serde_json::Value::Null)]), &[]),
            user(
                "tagged",
                json!([
                    read,
                    deny(json!({"StringEquals":
                {"aws:PrincipalTag/team": "b"}}))
                ]),
                &[],
            ),
        ];
        let roles = vec![
            role("legacy-1", json!("*")),
            role("legacy-2", json!({"AWS": "*"})),
        ];
        let (account, graph) = build(users, roles, Vec::new());
        let hub_of = |caller: &str| -> Vec<NodeIndex> {
            let from = node_of(&account, &graph, caller);
            graph
                .graph
                .edges(from)
                .filter(|e| matches!(&graph.graph[e.target()], Node::PathTargets(h) if h.starts_with("open#")))
                .map(|e| e.target())
                .collect()
        };
        assert_eq!(hub_of("plain-1").len(), 1);
        assert_eq!(hub_of("plain-1"), hub_of("plain-2"), "one shared hub");
        assert!(hub_of("blocked").is_empty() && hub_of("tagged").is_empty());
        let assumed = |caller: &str| -> Vec<String> {
            one_hop(&account, &graph, caller)
                .into_iter()
                .filter(|(name, kind)| kind == "sts:AssumeRole" && name.starts_with("legacy"))
                .map(|(name, _)| name)
                .collect()
        };
        assert_eq!(assumed("plain-1"), ["legacy-1", "legacy-2"]);
        assert_eq!(assumed("plain-2"), ["legacy-1", "legacy-2"]);
        assert!(assumed("blocked").is_empty(), "an explicit deny wins");
        // tagged's deny asks about a tag it does not carry: decided pair by pair, allowed
        assert_eq!(assumed("tagged"), ["legacy-1", "legacy-2"]);
    }

    /// A caller granted two teams' roles in one statement links to each team's pattern hub,
    /// the same hubs the callers granted one team use (not a hub of its own for the union).
    #[test]
    fn a_grant_of_two_patterns_shares_each_patterns_hub() {
        let grant = |resources: Vec<String>| json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resources}]);
        let a = format!("{A}:role/team-a-*");
        let b = format!("{A}:role/team-b-*");
        let users = vec![
            user("only-a", grant(vec![a.clone()]), &[]),
            user("only-b", grant(vec![b.clone()]), &[]),
            user("both", grant(vec![a, b]), &[]),
        ];
        let trust = json!({"AWS": format!("{A}:root")});
        let roles = ["team-a-1", "team-a-2", "team-b-1", "team-b-2"]
            .iter()
            .map(|n| role(n, trust.clone()))
            .collect();
        let (account, graph) = build(users, roles, Vec::new());
        let hubs = |caller: &str| -> Vec<NodeIndex> {
            let mut out: Vec<NodeIndex> = graph
                .graph
                .edges(node_of(&account, &graph, caller))
                .filter(|e| matches!(graph.graph[e.target()], Node::PathTargets(_)))
                .map(|e| e.target())
                .collect();
            out.sort();
            out
        };
        let mut expected = [hubs("only-a"), hubs("only-b")].concat();
        expected.sort();
        assert_eq!(expected.len(), 2);
        assert_eq!(hubs("both"), expected);
        let reached: Vec<String> = one_hop(&account, &graph, "both")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(reached, ["team-a-1", "team-a-2", "team-b-1", "team-b-2"]);
    }
}
