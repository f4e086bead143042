//! The permission graph condensed into strongly connected components, so that what principals
//! reach is worked out once per component instead of once per principal.
//!
//! Every principal of a component reaches the same nodes (its component's, if the component
//! holds a cycle, and everything downstream). The rules ask "which holder contributes which
//! action": [`Condensed::shares`] answers it per (component, question) by merging the answers
//! of the successor components, whose shares are disjoint and few, so the cost follows the
//! size of the condensation, not principals × reached nodes. Paths are rebuilt only for the
//! holders a finding shows: a route through the condensation (fewest hops, then fewest
//! conditional ones), and within a component a shortest path (a breadth-first search, or in a
//! large component the breadth-first tree towards the target, built once per target).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use overreach_policy::ActionSet;
use overreach_policy::summary::EffectiveSummary;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::account::{Account, PrincipalIdx};
use crate::graph::{Edge, Node, PermissionGraph};
use crate::privesc::PathCatalog;
use crate::rights::Rights;

/// Components up to this size are searched directly; in larger ones, paths follow a
/// breadth-first tree towards the target, built once per target.
const SMALL_COMPONENT: usize = 256;

/// Edges the search for the nearest equivalent holder may look at.
const EQUIVALENT_BUDGET: usize = 4_096;

/// The next condensation's [`Condensed::id`].
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A component's index.
pub type CompIdx = usize;

/// Question (tag) -> component -> its shares; looked up without allocating a key.
type Answers = HashMap<String, HashMap<CompIdx, Arc<Vec<Share>>>>;

/// A map keyed by graph node: searches fill one per question, so its hashing is on the hot
/// path. Node indices are small integers the graph hands out in order (nothing an input
/// chooses), so one multiply-rotate step per key spreads them well enough (with SipHash, hash
/// inserts were about two fifths of the nearest-holder search's samples at xlarge).
type IndexMap<V> = crate::cache::FastMap<NodeIndex, V>;

/// Something a principal can reach whose rights count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry {
    /// A user or role with its own rights.
    Principal(NodeIndex),
    /// A user or role reached by an escalation that writes its permission policies: whatever
    /// is written there, within its limits. The edge is the escalation.
    Rewritten(EdgeIndex),
    /// A group (`target`) a principal joins, or full control of the account (`target` is the
    /// account-admin node) it takes by writing its own policies: the rights it gains, under
    /// its own limits, its requests made as itself. `edge` is its escalation (into the target,
    /// or into a hub the target is one of), so the gainer is the edge's source whoever
    /// reaches it: a principal acting as another joins groups as that other.
    Gained { edge: EdgeIndex, target: NodeIndex },
}

impl Entry {
    /// The node the entry's path ends at (a rewrite's target).
    pub fn node(self, graph: &PermissionGraph) -> Option<NodeIndex> {
        match self {
            Entry::Principal(n) | Entry::Gained { target: n, .. } => Some(n),
            Entry::Rewritten(e) => graph.graph.edge_endpoints(e).map(|(_, t)| t),
        }
    }

    /// The principal whose requests the entry's rights are made as: the reached principal,
    /// the one whose policies are rewritten, or the one that gains.
    pub fn actor(self, graph: &PermissionGraph) -> Option<PrincipalIdx> {
        let node = match self {
            Entry::Principal(n) => n,
            Entry::Rewritten(e) => graph.graph.edge_endpoints(e)?.1,
            Entry::Gained { edge, .. } => graph.graph.edge_endpoints(edge)?.0,
        };
        match graph.graph[node] {
            Node::Principal(q) => Some(q),
            _ => None,
        }
    }
}

/// One holder's share of an answer: the actions it is the first to contribute.
#[derive(Debug, Clone)]
pub struct Share {
    /// The holder.
    pub entry: Entry,
    /// Its component (where the entry's path ends, or starts for a rewrite).
    pub comp: CompIdx,
    /// The actions (shared with the answers it was merged from when it is the same set).
    pub set: Arc<ActionSet>,
    /// Components crossed to reach it (nearer holders are asked first).
    pub depth: usize,
    /// How many actions the holder's rights name (broader holders are asked first within
    /// a component).
    pub breadth: usize,
}

/// The graph's components and the answers worked out so far.
#[derive(Debug)]
pub struct Condensed {
    comp_of: Vec<CompIdx>,
    members: Vec<Vec<NodeIndex>>,
    /// One edge per successor component (unconditional preferred): (edge, successor).
    succ: Vec<Vec<(EdgeIndex, CompIdx)>>,
    /// The component holds a cycle: its members reach each other (and themselves).
    cyclic: Vec<bool>,
    /// The component is a hub standing for a set of targets ([`is_hub`]): crossing it is not
    /// a hop.
    hub: Vec<bool>,
    /// Rewriting escalation edges leaving each component.
    rewrites: Vec<Vec<EdgeIndex>>,
    /// What the members of each component gain by their escalations into groups and account
    /// admin ([`Entry::Gained`]).
    gains: Vec<Vec<Entry>>,
    /// Tells this condensation's searches kept per thread from another's (never 0).
    id: u64,
    /// Breadth-first trees towards a target inside a large component, by target.
    trees: Mutex<HashMap<NodeIndex, Arc<IndexMap<EdgeIndex>>>>,
    answers: Mutex<Answers>,
    /// Each component's common holders, broadest first.
    holders: Mutex<HashMap<CompIdx, Arc<Holders>>>,
}

/// A component's holders with their breadth and rights.
type Holders = Vec<(usize, Entry, Arc<EffectiveSummary>)>;

fn traversable(edge: &Edge) -> bool {
    edge.grounds().is_some()
}

fn conditional(edge: &Edge) -> bool {
    edge.grounds()
        .is_some_and(crate::graph::Grounds::is_conditional)
}

/// A node that stands for a set of targets (the targets of a path, the roles trusting the
/// account): a hop into it and the hop out of it are one hop of a path.
fn is_hub(node: &Node) -> bool {
    matches!(node, Node::PathTargets(_) | Node::AccountRoot)
}

fn inconclusive(edge: &Edge) -> bool {
    edge.grounds().is_some_and(|g| g.inconclusive.is_some())
}

impl Condensed {
    /// Condenses the graph (assume and escalation edges only) with an iterative Kosaraju:
    /// components come out in topological order.
    pub fn build(graph: &PermissionGraph) -> Condensed {
        let g = &graph.graph;
        let n = g.node_count();
        // first pass: finishing order of a depth-first search
        let mut seen = vec![false; n];
        let mut order = Vec::with_capacity(n);
        for start in g.node_indices() {
            if seen[start.index()] {
                continue;
            }
            seen[start.index()] = true;
            let mut stack: Vec<(NodeIndex, Vec<NodeIndex>)> =
                vec![(start, next_nodes(graph, start))];
            while let Some((node, rest)) = stack.last_mut() {
                match rest.pop() {
                    Some(t) if !seen[t.index()] => {
                        seen[t.index()] = true;
                        let more = next_nodes(graph, t);
                        stack.push((t, more));
                    }
                    Some(_) => {}
                    None => {
                        order.push(*node);
                        stack.pop();
                    }
                }
            }
        }
        // second pass on the reversed graph, latest finisher first
        let mut comp_of = vec![usize::MAX; n];
        let mut members: Vec<Vec<NodeIndex>> = Vec::new();
        for &start in order.iter().rev() {
            if comp_of[start.index()] != usize::MAX {
                continue;
            }
            let c = members.len();
            let mut list = vec![start];
            comp_of[start.index()] = c;
            let mut stack = vec![start];
            while let Some(node) = stack.pop() {
                for e in g.edges_directed(node, Direction::Incoming) {
                    if !traversable(e.weight()) {
                        continue;
                    }
                    let s = e.source();
                    if comp_of[s.index()] == usize::MAX {
                        comp_of[s.index()] = c;
                        list.push(s);
                        stack.push(s);
                    }
                }
            }
            list.sort();
            members.push(list);
        }
        let catalog = overreach_policy::Catalog::embedded();
        let paths = PathCatalog::embedded().ok();
        let rewriting: HashSet<&str> = paths
            .iter()
            .flat_map(|c| c.paths.iter())
            .filter(|p| p.rewrites_target_permissions(catalog))
            .map(|p| p.id.as_str())
            .collect();
        let mut succ = vec![Vec::new(); members.len()];
        let mut cyclic: Vec<bool> = members.iter().map(|m| m.len() > 1).collect();
        let mut rewrites = vec![Vec::new(); members.len()];
        for (c, list) in members.iter().enumerate() {
            let mut best: HashMap<CompIdx, EdgeIndex> = HashMap::new();
            for &node in list {
                for e in g.edges(node) {
                    let w = e.weight();
                    if !traversable(w) {
                        continue;
                    }
                    if let Edge::Escalation { path, .. } = w
                        && rewriting.contains(&**path)
                    {
                        rewrites[c].push(e.id());
                    }
                    let t = comp_of[e.target().index()];
                    if t == c {
                        cyclic[c] |= e.target() == node;
                        continue;
                    }
                    match best.get(&t) {
                        Some(&old) if !conditional(&g[old]) || conditional(w) => {}
                        _ => {
                            best.insert(t, e.id());
                        }
                    }
                }
            }
            let mut list: Vec<(EdgeIndex, CompIdx)> =
                best.into_iter().map(|(t, e)| (e, t)).collect();
            // latest edge first, as the graph lists a node's edges (ties between equally good
            // routes then go the way a search over the graph goes)
            list.sort_by_key(|&(e, t)| (std::cmp::Reverse(e), t));
            succ[c] = list;
        }
        let hub: Vec<bool> = members
            .iter()
            .map(|m| matches!(m.as_slice(), [n] if is_hub(&g[*n])))
            .collect();
        // the groups and account admin among each hub's targets, looked at once per hub
        let gained = |n: NodeIndex| matches!(g[n], Node::Group(_) | Node::AccountAdmin);
        let hub_gains: HashMap<NodeIndex, Vec<NodeIndex>> = g
            .node_indices()
            .filter(|&n| is_hub(&g[n]))
            .map(|n| {
                let targets: Vec<NodeIndex> = next_nodes(graph, n)
                    .into_iter()
                    .filter(|&t| gained(t))
                    .collect();
                (n, targets)
            })
            .filter(|(_, targets)| !targets.is_empty())
            .collect();
        let gains = members
            .iter()
            .map(|m| gains(graph, m, &hub_gains))
            .collect();
        Condensed {
            comp_of,
            members,
            succ,
            cyclic,
            hub,
            rewrites,
            gains,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            trees: Mutex::new(HashMap::new()),
            answers: Mutex::new(HashMap::new()),
            holders: Mutex::new(HashMap::new()),
        }
    }

    /// The hops it takes to enter component `s`: none for a hub (the hop out of it counts).
    fn step(&self, s: CompIdx) -> usize {
        usize::from(!self.hub[s])
    }

    /// How many components the graph has.
    pub fn component_count(&self) -> usize {
        self.members.len()
    }

    /// The size of the largest component.
    pub fn largest_component(&self) -> usize {
        self.members.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The component of a node.
    pub fn comp(&self, node: NodeIndex) -> CompIdx {
        self.comp_of[node.index()]
    }

    /// The shares of what the principal at `start` reaches, for one question: `tag` names
    /// the question (what `contribution` computes besides the holder's rights),
    /// `contribution` gives a holder's set. Shares are disjoint, nearest first (the
    /// principal's own component, then downstream), broadest first within a component.
    ///
    /// Every holder gives whoever reaches it the same rights (a group or account admin is
    /// the gain of the principal that joins it or writes its own policies, under that
    /// principal's limits), so answers are worked out once per (component, question): a
    /// principal in a cycle gets its component's; one outside any cycle (which does not
    /// reach itself) its own rewrites and gains, then its successors' answers merged.
    pub fn shares(
        &self,
        ctx: &Reaching<'_>,
        start: NodeIndex,
        tag: &str,
        contribution: &mut dyn FnMut(&Arc<EffectiveSummary>, &Entry) -> Arc<ActionSet>,
    ) -> Arc<Vec<Share>> {
        let c = self.comp(start);
        if self.cyclic[c] {
            return self.answer(ctx, c, tag, contribution);
        }
        let (mut out, mut covered) =
            self.own_shares(ctx, c, Some(Entry::Principal(start)), contribution);
        let answers: Vec<(Arc<Vec<Share>>, usize)> = self.succ[c]
            .iter()
            .map(|&(_, s)| (self.answer(ctx, s, tag, contribution), self.step(s)))
            .collect();
        merge_nearest(&mut out, &mut covered, &answers);
        Arc::new(out)
    }

    /// The shares of component `c`'s own holders but `skip` (a principal outside any cycle
    /// does not reach itself), and what they cover. Inside a component every member is as
    /// reachable as any other: the broadest holders are asked first, so the evidence names
    /// few holders, the strongest.
    fn own_shares(
        &self,
        ctx: &Reaching<'_>,
        c: CompIdx,
        skip: Option<Entry>,
        contribution: &mut dyn FnMut(&Arc<EffectiveSummary>, &Entry) -> Arc<ActionSet>,
    ) -> (Vec<Share>, ActionSet) {
        let mut covered = ActionSet::empty(ctx.universe);
        let mut out = Vec::new();
        for (breadth, entry, rights) in self.holders(ctx, c).iter() {
            if Some(*entry) != skip {
                push(
                    &mut out,
                    &mut covered,
                    (*entry, c, 0, *breadth),
                    &contribution(rights, entry),
                );
            }
        }
        (out, covered)
    }

    /// The holders of component `c` (its principals, their rewrites and gains), broadest
    /// first; the same for every question, so made once.
    fn holders(&self, ctx: &Reaching<'_>, c: CompIdx) -> Arc<Holders> {
        if let Some(hit) = self.holders.lock().ok().and_then(|m| m.get(&c).cloned()) {
            return hit;
        }
        let mut entries: Holders = self.members[c]
            .iter()
            .filter(|&&node| matches!(ctx.graph.graph[node], Node::Principal(_)))
            .map(|&node| Entry::Principal(node))
            .chain(self.rewrites[c].iter().map(|&e| Entry::Rewritten(e)))
            .chain(self.gains[c].iter().copied())
            .filter_map(|entry| ctx.rights(entry).map(|r| (breadth(&r), entry, r)))
            .collect();
        entries.sort_by_key(|(breadth, _, _)| std::cmp::Reverse(*breadth));
        let entries = Arc::new(entries);
        if let Ok(mut m) = self.holders.lock() {
            m.insert(c, Arc::clone(&entries));
        }
        entries
    }

    /// The answer for every principal of component `c` (memoised, successors first).
    fn answer(
        &self,
        ctx: &Reaching<'_>,
        c: CompIdx,
        tag: &str,
        contribution: &mut dyn FnMut(&Arc<EffectiveSummary>, &Entry) -> Arc<ActionSet>,
    ) -> Arc<Vec<Share>> {
        let cached = |c: CompIdx| {
            self.answers
                .lock()
                .ok()
                .and_then(|m| m.get(tag).and_then(|by| by.get(&c)).cloned())
        };
        if let Some(hit) = cached(c) {
            return hit;
        }
        // post-order over the components not answered yet
        let mut stack = vec![(c, false)];
        while let Some((x, expanded)) = stack.pop() {
            if cached(x).is_some() {
                continue;
            }
            if !expanded {
                stack.push((x, true));
                for &(_, s) in &self.succ[x] {
                    if cached(s).is_none() {
                        stack.push((s, false));
                    }
                }
                continue;
            }
            let (mut out, mut covered) = self.own_shares(ctx, x, None, contribution);
            let answers: Vec<(Arc<Vec<Share>>, usize)> = self.succ[x]
                .iter()
                .filter_map(|&(_, s)| Some((cached(s)?, self.step(s))))
                .collect();
            merge_nearest(&mut out, &mut covered, &answers);
            if let Ok(mut m) = self.answers.lock() {
                m.entry(tag.to_string())
                    .or_default()
                    .insert(x, Arc::new(out));
            }
        }
        cached(c).unwrap_or_default()
    }

    /// Every node `start` reaches that `keep` accepts, with its component: its own
    /// component's (when it holds a cycle), then component by component downstream, nearest
    /// first.
    pub fn reachable(
        &self,
        start: NodeIndex,
        keep: impl FnMut(NodeIndex) -> bool,
    ) -> Vec<(NodeIndex, CompIdx)> {
        self.reachable_first(start, usize::MAX, keep).0
    }

    /// The first `limit` nodes of [`Condensed::reachable`], and whether there are more (the
    /// search stops there: its cost follows the limit, not everything reachable).
    pub fn reachable_first(
        &self,
        start: NodeIndex,
        limit: usize,
        mut keep: impl FnMut(NodeIndex) -> bool,
    ) -> (Vec<(NodeIndex, CompIdx)>, bool) {
        let c = self.comp(start);
        let mut out = Vec::new();
        let mut queue = VecDeque::new();
        let mut seen = HashSet::from([c]);
        if self.cyclic[c] {
            queue.push_back(c);
        } else {
            for &(_, s) in &self.succ[c] {
                if seen.insert(s) {
                    queue.push_back(s);
                }
            }
        }
        while let Some(x) = queue.pop_front() {
            for &n in &self.members[x] {
                if n != start && keep(n) {
                    if out.len() == limit {
                        return (out, true);
                    }
                    out.push((n, x));
                }
            }
            for &(_, s) in &self.succ[x] {
                if seen.insert(s) {
                    queue.push_back(s);
                }
            }
        }
        (out, false)
    }

    /// Every holder `start` reaches (principals, rewrites of principals' permissions, and
    /// what principals gain by joining groups or writing their own policies), with its
    /// component, nearest components first.
    pub fn reachable_entries(
        &self,
        graph: &PermissionGraph,
        start: NodeIndex,
    ) -> Vec<(Entry, CompIdx)> {
        let reached = self.reachable(start, |_| true);
        let mut out: Vec<(Entry, CompIdx)> = reached
            .iter()
            .filter(|&&(n, _)| matches!(graph.graph[n], Node::Principal(_)))
            .map(|&(n, c)| (Entry::Principal(n), c))
            .collect();
        // rewrites and gains leave the principal's own component and every component it
        // reaches
        let mut seen = HashSet::new();
        for x in std::iter::once(self.comp(start)).chain(reached.iter().map(|&(_, x)| x)) {
            if seen.insert(x) {
                out.extend(self.rewrites[x].iter().map(|&e| (Entry::Rewritten(e), x)));
                out.extend(self.gains[x].iter().map(|&entry| (entry, x)));
            }
        }
        out
    }

    /// The edges from `start` to where `entry` (in component `comp`) is reached, or `None`
    /// when the search finds no route (a broken invariant).
    pub fn path(
        &self,
        graph: &PermissionGraph,
        start: NodeIndex,
        entry: Entry,
        comp: CompIdx,
    ) -> Option<Vec<EdgeIndex>> {
        let (target, last) = match entry {
            Entry::Rewritten(e) => (graph.graph.edge_endpoints(e)?.0, vec![e]),
            Entry::Gained { edge, .. } => (
                graph.graph.edge_endpoints(edge)?.0,
                self.gain_edges(graph, entry)?,
            ),
            Entry::Principal(n) => (n, Vec::new()),
        };
        let (mut edges, cur) = self.enter_component(graph, start, comp)?;
        edges.extend(self.within(graph, cur, target)?);
        edges.extend(last);
        Some(edges)
    }

    /// What the principal at `node` gains ([`Entry::Gained`]).
    pub fn gains_of<'a>(
        &'a self,
        graph: &'a PermissionGraph,
        node: NodeIndex,
    ) -> impl Iterator<Item = Entry> + 'a {
        self.gains[self.comp(node)]
            .iter()
            .copied()
            .filter(move |e| {
                matches!(e, Entry::Gained { edge, .. }
                if graph.graph.edge_endpoints(*edge).is_some_and(|(s, _)| s == node))
            })
    }

    /// The edges from a gainer to what it gains: its escalation, and when that goes into a
    /// hub, the hub's edge to the target (`None` for other entries).
    pub fn gain_edges(&self, graph: &PermissionGraph, entry: Entry) -> Option<Vec<EdgeIndex>> {
        let Entry::Gained { edge, target } = entry else {
            return None;
        };
        let (_, into) = graph.graph.edge_endpoints(edge)?;
        if into == target {
            return Some(vec![edge]);
        }
        Some(vec![edge, graph.graph.find_edge(into, target)?])
    }

    /// The edges from `start` into component `comp` (the route over components, and the
    /// paths inside the components crossed), and the node where they enter it.
    fn enter_component(
        &self,
        graph: &PermissionGraph,
        start: NodeIndex,
        comp: CompIdx,
    ) -> Option<(Vec<EdgeIndex>, NodeIndex)> {
        let route = self.route(graph, self.comp(start), comp)?;
        let mut edges = Vec::new();
        let mut cur = start;
        for e in route {
            let (u, v) = graph.graph.edge_endpoints(e)?;
            edges.extend(self.within(graph, cur, u)?);
            edges.push(e);
            cur = v;
        }
        Some((edges, cur))
    }

    /// Like [`Condensed::path`], but for a principal holder, to the nearest member of its
    /// component that `serves` (e.g. contributes at least the holder's share: an equivalent or
    /// broader holder, so the evidence stays true and the path is short): the entry actually
    /// reached, and the path. The search is bounded; past it, the holder itself.
    pub fn path_to_nearest(
        &self,
        graph: &PermissionGraph,
        start: NodeIndex,
        entry: Entry,
        comp: CompIdx,
        serves: &mut dyn FnMut(Entry) -> bool,
    ) -> Option<(Entry, Vec<EdgeIndex>)> {
        let Entry::Principal(target) = entry else {
            return self.path(graph, start, entry, comp).map(|p| (entry, p));
        };
        let g = &graph.graph;
        let (mut edges, cur) = self.enter_component(graph, start, comp)?;
        let mut ok = |n: NodeIndex| {
            n != start && matches!(g[n], Node::Principal(_)) && serves(Entry::Principal(n))
        };
        // the nearest member that serves, from where the route enters
        if ok(cur) {
            return Some((Entry::Principal(cur), edges));
        }
        let found = with_expansions(|kept| {
            let search = kept.nearest(self.id, cur, comp);
            let t = search.first(graph, &self.comp_of, |t| t == target || ok(t))?;
            Some((t, search.trace_back(graph, t)))
        });
        match found {
            Some((t, path)) => {
                edges.extend(path?);
                Some((Entry::Principal(t), edges))
            }
            None => {
                edges.extend(self.within(graph, cur, target)?);
                Some((entry, edges))
            }
        }
    }

    /// Inter-component edges from component `from` to `to`: fewest conditional edges first,
    /// then fewest that rest on an assumption (an existing resource), then fewest hops (a hub
    /// is crossed in one hop).
    fn route(&self, graph: &PermissionGraph, from: CompIdx, to: CompIdx) -> Option<Vec<EdgeIndex>> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        if from == to {
            return Some(Vec::new());
        }
        let mut best: HashMap<CompIdx, (usize, usize, usize)> = HashMap::from([(from, (0, 0, 0))]);
        let mut pred: HashMap<CompIdx, (EdgeIndex, CompIdx)> = HashMap::new();
        // (cost, order of discovery) keeps ties in the order the edges are listed
        let mut heap = BinaryHeap::from([Reverse(((0usize, 0usize, 0usize), 0usize, from))]);
        let mut tick = 0usize;
        while let Some(Reverse((cost, _, c))) = heap.pop() {
            if best.get(&c).is_some_and(|&b| b < cost) {
                continue;
            }
            if c == to {
                let mut out = Vec::new();
                let mut at = to;
                while let Some(&(e, prev)) = pred.get(&at) {
                    out.push(e);
                    at = prev;
                }
                out.reverse();
                return Some(out);
            }
            for &(e, s) in &self.succ[c] {
                let next = (
                    cost.0 + usize::from(conditional(&graph.graph[e])),
                    cost.1 + usize::from(inconclusive(&graph.graph[e])),
                    cost.2 + self.step(s),
                );
                if best.get(&s).is_none_or(|&b| next < b) {
                    best.insert(s, next);
                    pred.insert(s, (e, c));
                    tick += 1;
                    heap.push(Reverse((next, tick, s)));
                }
            }
        }
        None
    }

    /// A path from `x` to `y` inside their component.
    fn within(
        &self,
        graph: &PermissionGraph,
        x: NodeIndex,
        y: NodeIndex,
    ) -> Option<Vec<EdgeIndex>> {
        if x == y {
            return Some(Vec::new());
        }
        let c = self.comp(x);
        if self.comp(y) != c {
            return None;
        }
        if self.members[c].len() <= SMALL_COMPONENT {
            return bfs_within(graph, &self.comp_of, c, x, y, usize::MAX);
        }
        // a large component: the breadth-first tree towards `y` (built once per target; the
        // holders a finding shows are few) gives a shortest path from anywhere
        let tree = self.toward(graph, c, y)?;
        let mut out = Vec::new();
        let mut at = x;
        while at != y {
            let e = *tree.get(&at)?;
            out.push(e);
            at = graph.graph.edge_endpoints(e)?.1;
            if out.len() > self.members[c].len() {
                return None;
            }
        }
        Some(out)
    }

    /// node -> the edge it leaves by on a shortest path to `y` inside component `c`
    /// (unconditional edges preferred among equally short ones).
    fn toward(
        &self,
        graph: &PermissionGraph,
        c: CompIdx,
        y: NodeIndex,
    ) -> Option<Arc<IndexMap<EdgeIndex>>> {
        if let Some(hit) = self.trees.lock().ok().and_then(|m| m.get(&y).cloned()) {
            return Some(hit);
        }
        let mut search = Expansion::new(y, c, Way::Backward, usize::MAX);
        search.first(graph, &self.comp_of, |_| false);
        let tree = Arc::new(search.into_edges());
        if let Ok(mut m) = self.trees.lock() {
            m.insert(y, Arc::clone(&tree));
        }
        Some(tree)
    }
}

fn next_nodes(graph: &PermissionGraph, node: NodeIndex) -> Vec<NodeIndex> {
    graph
        .graph
        .edges(node)
        .filter(|e| traversable(e.weight()))
        .map(|e| e.target())
        .collect()
}

/// Which way a search inside a component follows edges.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Out of a node (from a principal towards what it reaches).
    Forward,
    /// Into a node (from a target back towards who reaches it).
    Backward,
}

/// A search's cost of a path: hops, then edges resting on an assumption, then conditional
/// edges (see [`Expansion`]).
type Cost = (usize, usize, usize);

/// What a search knows of a node: its best cost so far, the edge that gives it (none for the
/// start), and whether it is settled.
#[derive(Clone, Copy)]
struct Visit {
    cost: Cost,
    via: Option<EdgeIndex>,
    done: bool,
}

/// A search for shortest paths inside component `comp` from `start`, settled node by node only
/// as far as the questions asked of it need, so that several questions from the same node
/// share one expansion.
///
/// A path is shorter when it has fewer hops (an edge into a hub is not a hop: the edge out of
/// it is, so a hop through a hub weighs what a direct edge weighs), then fewer edges that rest
/// on an assumption (an existing resource), then fewer conditional edges; among equal paths
/// the one found first wins. Nodes settle nearest first; the expansion ends when more than
/// `budget` edges were looked at. For every node reached it keeps the edge it was reached by
/// (`Forward`) or leaves by (`Backward`).
struct Expansion {
    start: NodeIndex,
    comp: CompIdx,
    way: Way,
    budget: usize,
    visits: IndexMap<Visit>,
    /// (cost, order of discovery, node): ties go to the path found first.
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(Cost, usize, NodeIndex)>>,
    /// The nodes settled so far, in order (the start first).
    settled: Vec<NodeIndex>,
    tick: usize,
    looked: usize,
    /// The budget is spent, or nothing is left to settle.
    over: bool,
}

impl Expansion {
    fn new(start: NodeIndex, comp: CompIdx, way: Way, budget: usize) -> Expansion {
        let mut e = Expansion {
            start,
            comp,
            way,
            budget,
            visits: IndexMap::default(),
            heap: std::collections::BinaryHeap::new(),
            settled: Vec::new(),
            tick: 0,
            looked: 0,
            over: false,
        };
        e.restart(start, comp, way, budget);
        e
    }

    /// Starts over from `start` (keeping the memory of the last search).
    fn restart(&mut self, start: NodeIndex, comp: CompIdx, way: Way, budget: usize) {
        (self.start, self.comp, self.way, self.budget) = (start, comp, way, budget);
        self.visits.clear();
        self.heap.clear();
        self.settled.clear();
        (self.tick, self.looked, self.over) = (0, 0, false);
        self.visits.insert(
            start,
            Visit {
                cost: (0, 0, 0),
                via: None,
                done: false,
            },
        );
        self.heap.push(std::cmp::Reverse(((0, 0, 0), 0, start)));
    }

    /// The `i`th node to settle (the start is the 0th), settling as many more as it takes;
    /// `None` past the last one the budget allows.
    fn settled(
        &mut self,
        graph: &PermissionGraph,
        comp_of: &[CompIdx],
        i: usize,
    ) -> Option<NodeIndex> {
        let g = &graph.graph;
        let direction = match self.way {
            Way::Forward => Direction::Outgoing,
            Way::Backward => Direction::Incoming,
        };
        while self.settled.len() <= i {
            if self.over {
                return None;
            }
            let Some(std::cmp::Reverse((cost, _, node))) = self.heap.pop() else {
                self.over = true;
                return None;
            };
            match self.visits.get_mut(&node) {
                Some(v) if !v.done => v.done = true,
                _ => continue,
            }
            self.settled.push(node);
            for e in g.edges_directed(node, direction) {
                let (next, into) = match self.way {
                    Way::Forward => (e.target(), e.target()),
                    Way::Backward => (e.source(), node),
                };
                if !traversable(e.weight()) || comp_of[next.index()] != self.comp {
                    continue;
                }
                self.looked += 1;
                let w = e.weight();
                let step: Cost = (
                    usize::from(!is_hub(&g[into])),
                    usize::from(inconclusive(w)),
                    usize::from(conditional(w)),
                );
                let to = (cost.0 + step.0, cost.1 + step.1, cost.2 + step.2);
                match self.visits.entry(next) {
                    std::collections::hash_map::Entry::Occupied(mut o) => {
                        let v = o.get_mut();
                        if v.done || to >= v.cost {
                            continue;
                        }
                        v.cost = to;
                        v.via = Some(e.id());
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(Visit {
                            cost: to,
                            via: Some(e.id()),
                            done: false,
                        });
                    }
                }
                self.tick += 1;
                self.heap.push(std::cmp::Reverse((to, self.tick, next)));
            }
            if self.looked > self.budget {
                self.over = true;
            }
        }
        self.settled.get(i).copied()
    }

    /// The nearest node but the start that `stop` accepts, within the budget.
    fn first(
        &mut self,
        graph: &PermissionGraph,
        comp_of: &[CompIdx],
        mut stop: impl FnMut(NodeIndex) -> bool,
    ) -> Option<NodeIndex> {
        let start = self.start;
        (1..)
            .map_while(|i| self.settled(graph, comp_of, i))
            .find(|&n| n != start && stop(n))
    }

    /// The edge a node was reached by (`Forward`) or leaves by (`Backward`).
    fn via(&self, node: NodeIndex) -> Option<EdgeIndex> {
        self.visits.get(&node).and_then(|v| v.via)
    }

    /// Every node reached, with its edge (see [`Expansion::via`]).
    fn into_edges(self) -> IndexMap<EdgeIndex> {
        self.visits
            .into_iter()
            .filter_map(|(n, v)| Some((n, v.via?)))
            .collect()
    }

    /// The edges that reached `node` in a forward search, from the start.
    fn trace_back(&self, graph: &PermissionGraph, node: NodeIndex) -> Option<Vec<EdgeIndex>> {
        let mut out = Vec::new();
        let mut at = node;
        while let Some(e) = self.via(at) {
            out.push(e);
            at = graph.graph.edge_endpoints(e)?.0;
            if out.len() > self.visits.len() {
                return None;
            }
        }
        out.reverse();
        Some(out)
    }
}

/// How many nearest-holder expansions a thread keeps: the rules ask of a principal's start
/// (and of the nodes where its routes enter components) once per share and per rule, and a
/// principal's rules run one after another on one thread.
const EXPANSIONS_KEPT: usize = 64;

/// A thread's nearest-holder expansions, by start node, for one condensation (`owner`); and
/// one spare expansion for other searches.
#[derive(Default)]
struct Expansions {
    owner: u64,
    by_start: HashMap<NodeIndex, Expansion>,
    spare: Option<Expansion>,
}

thread_local! {
    static EXPANSIONS: std::cell::RefCell<Expansions> =
        std::cell::RefCell::new(Expansions::default());
}

/// Runs `f` with this thread's expansions (fresh ones if they are in use).
fn with_expansions<T>(f: impl FnOnce(&mut Expansions) -> T) -> T {
    EXPANSIONS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut kept) => f(&mut kept),
        Err(_) => f(&mut Expansions::default()),
    })
}

impl Expansions {
    /// The nearest-holder expansion from `start` in component `comp` of the condensation
    /// `owner`, kept.
    fn nearest(&mut self, owner: u64, start: NodeIndex, comp: CompIdx) -> &mut Expansion {
        if self.owner != owner {
            self.owner = owner;
            self.by_start.clear();
        }
        if !self.by_start.contains_key(&start) && self.by_start.len() >= EXPANSIONS_KEPT {
            self.by_start.clear();
        }
        self.by_start
            .entry(start)
            .or_insert_with(|| Expansion::new(start, comp, Way::Forward, EQUIVALENT_BUDGET))
    }

    /// A fresh expansion (reusing the spare one's memory).
    fn fresh(&mut self, start: NodeIndex, comp: CompIdx, way: Way, budget: usize) -> Expansion {
        match self.spare.take() {
            Some(mut e) => {
                e.restart(start, comp, way, budget);
                e
            }
            None => Expansion::new(start, comp, way, budget),
        }
    }
}

/// A shortest path from `x` to `y` inside component `c` (see [`Expansion`]).
fn bfs_within(
    graph: &PermissionGraph,
    comp_of: &[CompIdx],
    c: CompIdx,
    x: NodeIndex,
    y: NodeIndex,
    budget: usize,
) -> Option<Vec<EdgeIndex>> {
    with_expansions(|kept| {
        let mut e = kept.fresh(x, c, Way::Forward, budget);
        let path = e
            .first(graph, comp_of, |n| n == y)
            .and_then(|_| e.trace_back(graph, y));
        kept.spare = Some(e);
        path
    })
}

/// Adds the successors' shares, each its step further away (one component, none through a
/// hub), nearest first, then broadest first (then in the successors' order), each beyond
/// what is covered.
fn merge_nearest(
    out: &mut Vec<Share>,
    covered: &mut ActionSet,
    answers: &[(Arc<Vec<Share>>, usize)],
) {
    let mut all: Vec<(usize, usize, &Share)> = answers
        .iter()
        .enumerate()
        .flat_map(|(i, (a, step))| a.iter().map(move |sh| (sh.depth + step, i, sh)))
        .collect();
    all.sort_by_key(|&(depth, i, sh)| (depth, std::cmp::Reverse(sh.breadth), i));
    for (depth, _, sh) in all {
        push(
            out,
            covered,
            (sh.entry, sh.comp, depth, sh.breadth),
            &sh.set,
        );
    }
}

/// Adds a contribution beyond what is covered.
fn push(
    out: &mut Vec<Share>,
    covered: &mut ActionSet,
    (entry, comp, depth, breadth): (Entry, CompIdx, usize, usize),
    set: &Arc<ActionSet>,
) {
    if set.is_subset(covered) {
        return;
    }
    let share = set.difference(covered);
    if share.has_no_known() {
        return;
    }
    covered.union_with(&share);
    // most shares pass whole from a successor's answer to its predecessors': one allocation
    let share = if share == **set {
        Arc::clone(set)
    } else {
        Arc::new(share)
    };
    out.push(Share {
        entry,
        comp,
        set: share,
        depth,
        breadth,
    });
}

/// What the component answers need from the analysis.
#[derive(Debug)]
pub struct Reaching<'a> {
    /// The account.
    pub account: &'a Account,
    /// The graph.
    pub graph: &'a PermissionGraph,
    /// Rights.
    pub rights: &'a Rights,
    /// Catalogue size.
    pub universe: usize,
}

impl Reaching<'_> {
    /// The rights an entry gives whoever reaches it: a principal's own, whatever a rewrite
    /// writes within the rewritten principal's limits, a joined group's or account admin
    /// under the gainer's limits.
    pub fn rights(&self, entry: Entry) -> Option<Arc<EffectiveSummary>> {
        let actor = entry.actor(self.graph)?;
        match entry {
            Entry::Principal(_) => Some(Arc::clone(self.rights.shared(actor))),
            Entry::Rewritten(_) => Some(self.rights.admin_under_limits(self.account, actor)),
            Entry::Gained { target, .. } => match self.graph.graph[target] {
                Node::Group(g) => Some(self.rights.group_for(self.account, actor, g)),
                Node::AccountAdmin => Some(self.rights.admin_under_limits(self.account, actor)),
                _ => None,
            },
        }
    }
}

/// How many actions a holder's rights name.
fn breadth(rights: &EffectiveSummary) -> usize {
    rights.allowed.len() + rights.conditional.len()
}

/// What the principals among `members` gain by their escalations into a group or account
/// admin (directly, or through a hub the target is one of): one entry per principal and
/// target, by its first edge without conditions or assumptions, else its first edge.
/// (`hub_gains`: the groups and account admin among each hub's targets.)
fn gains(
    graph: &PermissionGraph,
    members: &[NodeIndex],
    hub_gains: &HashMap<NodeIndex, Vec<NodeIndex>>,
) -> Vec<Entry> {
    let g = &graph.graph;
    let mut out = Vec::new();
    for &node in members {
        if !matches!(g[node], Node::Principal(_)) {
            continue;
        }
        // target -> (its index in `out`, the edge is plain)
        let mut best: HashMap<NodeIndex, (usize, bool)> = HashMap::new();
        for e in g.edges(node) {
            let w = e.weight();
            if !traversable(w) || !matches!(w, Edge::Escalation { .. }) {
                continue;
            }
            let plain = !conditional(w) && !inconclusive(w);
            let into = e.target();
            let direct = matches!(g[into], Node::Group(_) | Node::AccountAdmin);
            let targets = match hub_gains.get(&into) {
                Some(list) => list.as_slice(),
                None if direct => std::slice::from_ref(&into),
                None => &[],
            };
            for &target in targets {
                let entry = Entry::Gained {
                    edge: e.id(),
                    target,
                };
                match best.get(&target) {
                    Some(&(_, true)) => {}
                    Some(&(i, false)) => {
                        if plain {
                            out[i] = entry;
                            best.insert(target, (i, true));
                        }
                    }
                    None => {
                        best.insert(target, (out.len(), plain));
                        out.push(entry);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Grounds;

    /// A ring of principals with chords, and a hub in the middle: one component.
    fn ring(n: usize) -> PermissionGraph {
        let mut g = PermissionGraph::default();
        let nodes: Vec<NodeIndex> = (0..n).map(|p| g.node(Node::Principal(p))).collect();
        let hub = g.node(Node::PathTargets("test#1".to_string()));
        let plain = Arc::new(Grounds::default());
        let edge = || Edge::CanAssume {
            action: "sts:AssumeRole",
            grounds: Arc::clone(&plain),
        };
        for i in 0..n {
            g.graph.add_edge(nodes[i], nodes[(i + 1) % n], edge());
            if i % 3 == 0 {
                g.graph.add_edge(nodes[i], nodes[(i * 7 + 5) % n], edge());
            }
            if i % 5 == 0 {
                g.graph.add_edge(nodes[i], hub, edge());
                g.graph.add_edge(hub, nodes[(i * 11 + 2) % n], edge());
            }
        }
        g
    }

    /// A kept expansion answers every question as a fresh search would, in any order, with
    /// the same node and path, and within a small budget as well.
    #[test]
    fn a_kept_expansion_answers_as_fresh_searches_do() {
        let g = ring(60);
        let condensed = Condensed::build(&g);
        let start = NodeIndex::new(4);
        let c = condensed.comp(start);
        assert_eq!(condensed.members[c].len(), 61, "one component");
        for budget in [usize::MAX, 25] {
            let mut kept = Expansion::new(start, c, Way::Forward, budget);
            // far targets first, then near ones (the kept one has then settled past them)
            for wanted in [[37usize, 59, 2], [5, 6, 7], [13, 41, 0], [1000, 1001, 1002]] {
                let stop = |n: NodeIndex| wanted.contains(&n.index());
                let mut fresh = Expansion::new(start, c, Way::Forward, budget);
                let expected = fresh.first(&g, &condensed.comp_of, stop);
                let got = kept.first(&g, &condensed.comp_of, stop);
                assert_eq!(got, expected, "{wanted:?} within {budget}");
                if let Some(t) = got {
                    assert_eq!(kept.trace_back(&g, t), fresh.trace_back(&g, t));
                }
            }
        }
    }

    /// The path found is a shortest one (a hop through the hub weighs one hop).
    #[test]
    fn the_nearest_node_is_found_by_a_shortest_path() {
        let g = ring(30);
        let condensed = Condensed::build(&g);
        let start = NodeIndex::new(0);
        let c = condensed.comp(start);
        let mut search = Expansion::new(start, c, Way::Forward, usize::MAX);
        let to = NodeIndex::new(12);
        assert_eq!(search.first(&g, &condensed.comp_of, |n| n == to), Some(to));
        let path = search.trace_back(&g, to).unwrap_or_default();
        let hops = path
            .iter()
            .filter(|&&e| {
                g.graph
                    .edge_endpoints(e)
                    .is_some_and(|(_, t)| !is_hub(&g.graph[t]))
            })
            .count();
        // the true distance: a breadth-first search over hops (entering the hub is free)
        let mut dist = vec![usize::MAX; g.graph.node_count()];
        let mut queue = VecDeque::from([(start, 0usize)]);
        dist[start.index()] = 0;
        while let Some((n, d)) = queue.pop_front() {
            for e in g.graph.edges(n) {
                let t = e.target();
                let step = usize::from(!is_hub(&g.graph[t]));
                if d + step < dist[t.index()] {
                    dist[t.index()] = d + step;
                    if step == 0 {
                        queue.push_front((t, d));
                    } else {
                        queue.push_back((t, d + 1));
                    }
                }
            }
        }
        assert_eq!(hops, dist[to.index()]);
        assert!(hops < 12, "a chord or the hub shortens the ring: {hops}");
    }
}
