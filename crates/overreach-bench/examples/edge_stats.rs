//! Counts the permission graph's edges by kind and escalation path for one account, to see
//! where graph size comes from: `cargo run --release -p overreach-bench --example edge_stats -- FILE`.

use std::collections::BTreeMap;

use overreach_analysis::graph::{Edge, Node};
use petgraph::visit::EdgeRef;

fn main() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: edge_stats SNAPSHOT")?;
    let (_, graph) = overreach_bench::account_graph(std::path::Path::new(&path))?;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for e in graph.graph.edge_references() {
        let from_hub = matches!(
            graph.graph[e.source()],
            Node::PathTargets(_) | Node::AccountRoot
        );
        let key = match e.weight() {
            Edge::MemberOf => "member-of".to_string(),
            Edge::Attached { .. } => "attached".to_string(),
            Edge::CanAssume { .. } => format!(
                "can-assume{}{}",
                if from_hub { " (from hub)" } else { "" },
                match graph.graph[e.target()] {
                    Node::PathTargets(_) | Node::AccountRoot => " (to hub)",
                    _ => "",
                }
            ),
            Edge::Escalation { path, .. } => format!(
                "escalation {path}{}",
                if from_hub { " (from hub)" } else { "" }
            ),
        };
        *by_kind.entry(key).or_default() += 1;
    }
    let total: usize = by_kind.values().sum();
    println!(
        "{total:>9}  edges in all, {} nodes",
        graph.graph.node_count()
    );
    let mut rows: Vec<_> = by_kind.into_iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (k, n) in rows.iter().take(60) {
        println!("{n:>9}  {k}");
    }
    Ok(())
}
