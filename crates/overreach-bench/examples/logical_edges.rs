//! Prints every principal's logical hops (can-assume and escalation), with edges through
//! target hubs joined into the hop they stand for, one line per (principal, kind, target,
//! conditional, statements), sorted. Two graph builds that represent the same hops print the
//! same lines, however they share hubs:
//! `cargo run --release -p overreach-bench --example logical_edges -- FILE > OUT`.

use std::collections::BTreeSet;
use std::io::Write;

use overreach_analysis::analyze::node_label;
use overreach_analysis::graph::{Edge, Grounds, Node};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

fn main() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: logical_edges SNAPSHOT")?;
    let (account, graph) = overreach_bench::account_graph(std::path::Path::new(&path))?;
    let g = &graph.graph;
    let kind = |e: &Edge| match e {
        Edge::CanAssume { action, .. } => action.to_string(),
        Edge::Escalation { path, .. } => path.to_string(),
        _ => String::new(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for start in g.node_indices() {
        if !matches!(g[start], Node::Principal(_)) {
            continue;
        }
        let from = node_label(&account, &g[start]);
        let mut lines: BTreeSet<String> = BTreeSet::new();
        // (node, grounds so far, kind of the first hop)
        let mut stack: Vec<(NodeIndex, Vec<&Grounds>)> = vec![(start, Vec::new())];
        while let Some((node, so_far)) = stack.pop() {
            for e in g.edges(node) {
                let Some(grounds) = e.weight().grounds() else {
                    continue;
                };
                let mut all = so_far.clone();
                all.push(grounds);
                if matches!(g[e.target()], Node::PathTargets(_)) {
                    stack.push((e.target(), all));
                    continue;
                }
                if e.target() == start {
                    // reaching itself (through a hub it shares) adds nothing
                    continue;
                }
                let conditional = all.iter().any(|g| g.is_conditional());
                let statements: BTreeSet<String> = all
                    .iter()
                    .flat_map(|g| g.statements.iter())
                    .map(|s| format!("{}#{}", s.policy, s.index))
                    .collect();
                let keys: BTreeSet<&String> =
                    all.iter().flat_map(|g| g.condition_keys.iter()).collect();
                lines.insert(format!(
                    "{from} {} {} cond={conditional} keys={keys:?} {statements:?}",
                    kind(e.weight()),
                    node_label(&account, &g[e.target()]),
                ));
            }
        }
        for line in lines {
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
