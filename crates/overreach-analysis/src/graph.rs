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
#[derive(Debug, Clone)]
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
        let may_assume = |p: PrincipalIdx, arn: &str| {
            assume_scopes
                .get(&p)
                .is_some_and(|scopes| scopes.iter().any(|s| s.may_cover(arn)))
        };
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
        // callers whose layers say the same about sts:AssumeRole whoever they are: one decision
        // per (class, role) for roles trusting the account, through one hub per class
        let mut class_of: HashMap<PrincipalIdx, (usize, bool)> = HashMap::new();
        {
            let mut free: HashMap<usize, bool> = HashMap::new();
            for &p in &assumers {
                if anywhere.contains_key(&p) {
                    continue;
                }
                let layers = std::sync::Arc::as_ptr(rights.shared(p)) as usize;
                let ok = *free.entry(layers).or_insert_with(|| {
                    crate::access::identity_free(account, p, &["sts:AssumeRole"])
                });
                if ok {
                    class_of.insert(
                        p,
                        (layers, account.principals[p].kind == PrincipalType::User),
                    );
                }
            }
        }
        // class -> (representative, hub node once it has a role)
        let mut class_hubs: HashMap<(usize, bool), (PrincipalIdx, Option<NodeIndex>)> =
            HashMap::new();
        for (&p, &key) in &class_of {
            let entry = class_hubs.entry(key).or_insert((p, None));
            entry.0 = entry.0.min(p);
        }
        // classes in the order of their representatives
        let mut class_keys: Vec<(usize, bool)> = class_hubs.keys().copied().collect();
        class_keys.sort_by_key(|k| class_hubs[k].0);
        // the classes whose representative's grants may cover each role, in class order: found
        // through the roles' ARNs sorted by the literal prefixes of the grants' patterns, not by
        // testing every (class, role) pair
        let mut roles_by_arn: Vec<(String, PrincipalIdx)> = account
            .principals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == PrincipalType::Role)
            .map(|(ri, r)| (r.arn.to_ascii_lowercase(), ri))
            .collect();
        roles_by_arn.sort();
        let mut classes_for_role: HashMap<PrincipalIdx, Vec<(usize, bool)>> = HashMap::new();
        for &key in &class_keys {
            let rep = class_hubs[&key].0;
            let mut reached: Vec<PrincipalIdx> = Vec::new();
            for scope in assume_scopes.get(&rep).into_iter().flatten() {
                match scope {
                    ResourceScope::Patterns(patterns) => {
                        for text in patterns {
                            let prefix = literal_prefix(text).to_ascii_lowercase();
                            let from = roles_by_arn.partition_point(|(a, _)| *a < prefix);
                            reached.extend(
                                roles_by_arn[from..]
                                    .iter()
                                    .take_while(|(a, _)| a.starts_with(&prefix))
                                    .map(|(_, ri)| *ri),
                            );
                        }
                    }
                    ResourceScope::Any | ResourceScope::Not(_) => {
                        reached.extend(roles_by_arn.iter().map(|(_, ri)| *ri));
                    }
                }
            }
            reached.sort_unstable();
            reached.dedup();
            for ri in reached {
                if may_assume(rep, &account.principals[ri].arn) {
                    classes_for_role.entry(ri).or_default().push(key);
                }
            }
        }
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
            // the role trusts the account with an identity-free policy: decide per class
            let mut classes_here = false;
            // a Deny in the trust policy may single out callers: then decide every pair
            let trust_denies = trust
                .policy
                .statements
                .iter()
                .any(|st| st.effect == overreach_policy::Effect::Deny);
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
                    candidates.extend(0..account.principals.len());
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
                            } else {
                                outside(self, Node::AccountRoot, action);
                                hub_used = true;
                                let by_class = crate::access::trust_identity_free(trust);
                                delegated.extend(allowed_on(&role.arn).into_iter().filter(|p| {
                                    !(anywhere.contains_key(p)
                                        || by_class && class_of.contains_key(p))
                                }));
                                if by_class {
                                    classes_here = true;
                                }
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
            if classes_here {
                for &key in classes_for_role.get(&ri).into_iter().flatten() {
                    let (rep, hub) = class_hubs[&key];
                    let Some(grounds) = alike.grounds(rep, ri, trust) else {
                        continue;
                    };
                    let hub = match hub {
                        Some(h) => h,
                        None => {
                            let h = self.node(Node::PathTargets(format!(
                                "assume#{}",
                                account.principals[rep].name
                            )));
                            if let Some(entry) = class_hubs.get_mut(&key) {
                                entry.1 = Some(h);
                            }
                            h
                        }
                    };
                    self.graph.add_edge(
                        hub,
                        role_node,
                        Edge::CanAssume {
                            action: "sts:AssumeRole",
                            grounds: interned.get(grounds),
                        },
                    );
                }
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
                self.graph.add_edge(
                    from,
                    role_node,
                    Edge::CanAssume {
                        action: "sts:AssumeRole",
                        grounds: interned.get(grounds),
                    },
                );
            }
        }
        // every member of a class that reaches some role links to its class's hub
        let mut members: Vec<(&PrincipalIdx, &(usize, bool))> = class_of.iter().collect();
        members.sort();
        for (&p, key) in members {
            if let Some((_, Some(hub))) = class_hubs.get(key) {
                let from = self.node(Node::Principal(p));
                self.graph.add_edge(
                    from,
                    *hub,
                    Edge::CanAssume {
                        action: "sts:AssumeRole",
                        grounds: interned.get(Grounds::default()),
                    },
                );
            }
        }
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
                self.graph.add_edge(
                    from,
                    root,
                    Edge::CanAssume {
                        action: "sts:AssumeRole",
                        grounds: interned.get(grounds),
                    },
                );
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
    /// (caller, trust class, ARN signature) -> the decision and the trust policy it was made
    /// with.
    decided: HashMap<RoleKey, (Option<Arc<Grounds>>, PolicyIdx)>,
}

/// A caller, a trust class and the signature of a role's ARN under the caller's patterns.
type RoleKey = (PrincipalIdx, usize, Vec<bool>);

impl<'a> AlikeRoles<'a> {
    pub(crate) fn new(account: &'a Account) -> AlikeRoles<'a> {
        AlikeRoles {
            account,
            trust_class: HashMap::new(),
            classes: HashMap::new(),
            class_patterns: Vec::new(),
            patterns: HashMap::new(),
            decided: HashMap::new(),
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
        let role = &account.principals[ri];
        let Some(class) = role.trust.and_then(|t| self.class_of(t, trust)) else {
            return assume_grounds(account, p, role, trust);
        };
        let Some(mine) = self
            .patterns
            .entry(p)
            .or_insert_with(|| crate::access::resource_patterns(account, p, &["sts:AssumeRole"]))
            .as_ref()
        else {
            return assume_grounds(account, p, role, trust);
        };
        let signature: Vec<bool> = mine
            .iter()
            .chain(&self.class_patterns[class])
            .map(|pattern| resource_pattern_matches(pattern, &role.arn))
            .collect();
        let key = (p, class, signature);
        if let Some((grounds, decided_with)) = self.decided.get(&key) {
            let decided_with = account
                .policies
                .get(*decided_with)
                .and_then(|e| e.policy.as_ref())
                .map_or("", |t| t.id.as_str());
            return grounds.as_deref().cloned().map(|mut g| {
                for s in &mut g.statements {
                    if s.policy == decided_with {
                        s.policy.clone_from(&trust.id);
                    }
                }
                g
            });
        }
        let grounds = assume_grounds(account, p, role, trust);
        if let Some(t) = role.trust {
            self.decided.insert(key, (grounds.clone().map(Arc::new), t));
        }
        grounds
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

/// The text of a resource pattern before its first wildcard or policy variable: every ARN the
/// pattern may match starts with it (ignoring case).
fn literal_prefix(text: &str) -> &str {
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
}
