//! `overreach graph`: the permission graph, or the paths around one principal, as Graphviz dot
//! or Mermaid.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, ValueEnum};
use overreach_analysis::analyze::{Analysis, node_label};
use overreach_analysis::graph::{Edge, Node};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::exit::Outcome;
use crate::input;

/// Draw the permission graph, or every path from one principal.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach graph --snapshot gaad.json --principal role/ci-deploy --format mermaid
  overreach graph --snapshot gaad.json --format dot | dot -Tsvg > graph.svg

Solid edges are unconditional; dashed edges hold only under conditions or need a resource
IAM data cannot show. Escalation edges are labelled with their path id.")]
pub struct GraphArgs {
    /// The account snapshot.
    #[arg(long, value_name = "FILE")]
    pub snapshot: PathBuf,
    /// Only the paths from this principal (ARN, `user/NAME`, `role/NAME` or a bare name).
    #[arg(long)]
    pub principal: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    pub format: Format,
    /// Include membership and policy attachment edges (the whole graph gets large).
    #[arg(long)]
    pub attachments: bool,
}

/// Output format of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Dot,
    Mermaid,
}

/// Runs `overreach graph`.
pub fn run(args: &GraphArgs) -> anyhow::Result<Outcome> {
    let analysis = input::analyze_with_defaults(&args.snapshot, None)?;
    let g = &analysis.graph.graph;
    let edges: BTreeSet<EdgeIndex> = match &args.principal {
        Some(query) => {
            let Some(p) = analysis.account.find_principal(query) else {
                bail!(
                    "no principal `{query}` in `{}`: give an ARN, `user/NAME` or `role/NAME`",
                    args.snapshot.display()
                );
            };
            analysis
                .graph
                .reach(p)
                .into_iter()
                .flat_map(|r| r.path)
                .collect()
        }
        None => g
            .edge_indices()
            .filter(|&e| args.attachments || g[e].is_hop())
            .collect(),
    };
    let mut nodes: BTreeSet<NodeIndex> = BTreeSet::new();
    for &e in &edges {
        if let Some((a, b)) = g.edge_endpoints(e) {
            nodes.insert(a);
            nodes.insert(b);
        }
    }
    if let Some(p) = args
        .principal
        .as_deref()
        .and_then(|q| analysis.account.find_principal(q))
    {
        nodes.extend(analysis.graph.principal(p));
    }
    let text = match args.format {
        Format::Dot => dot(&analysis, &nodes, &edges),
        Format::Mermaid => mermaid(&analysis, &nodes, &edges),
    };
    print!("{text}");
    Ok(Outcome::Clean)
}

fn edge_label(e: &Edge) -> (String, bool) {
    match e {
        Edge::MemberOf => ("member of".into(), false),
        Edge::Attached { boundary: true } => ("boundary".into(), false),
        Edge::Attached { boundary: false } => ("attached".into(), false),
        Edge::CanAssume { action, grounds } => (
            action.trim_start_matches("sts:").to_string(),
            grounds.is_conditional(),
        ),
        Edge::Escalation { path, grounds } => (path.to_string(), grounds.is_conditional()),
    }
}

fn short(label: &str) -> String {
    label
        .rsplit_once(':')
        .map_or(label.to_string(), |(_, r)| r.to_string())
}

fn shape(node: &Node) -> &'static str {
    match node {
        Node::Principal(_) => "box",
        Node::Group(_) => "folder",
        Node::Policy(_) => "note",
        Node::AccountAdmin => "doubleoctagon",
        _ => "ellipse",
    }
}

fn dot(a: &Analysis, nodes: &BTreeSet<NodeIndex>, edges: &BTreeSet<EdgeIndex>) -> String {
    let g = &a.graph.graph;
    let mut out =
        String::from("digraph overreach {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for &n in nodes {
        let label = short(&node_label(&a.account, &g[n]));
        let _ = writeln!(
            out,
            "  n{} [label={:?}, shape={}];",
            n.index(),
            label,
            shape(&g[n])
        );
    }
    for &e in edges {
        let Some((x, y)) = g.edge_endpoints(e) else {
            continue;
        };
        let (label, dashed) = edge_label(&g[e]);
        let style = if dashed { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label={label:?}{style}];",
            x.index(),
            y.index()
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid(a: &Analysis, nodes: &BTreeSet<NodeIndex>, edges: &BTreeSet<EdgeIndex>) -> String {
    let g = &a.graph.graph;
    let mut out = String::from("flowchart LR\n");
    for &n in nodes {
        let label = short(&node_label(&a.account, &g[n])).replace('"', "'");
        let _ = writeln!(out, "  n{}[\"{label}\"]", n.index());
    }
    for e in g.edge_references().filter(|e| edges.contains(&e.id())) {
        let (label, dashed) = edge_label(e.weight());
        let arrow = if dashed { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            e.source().index(),
            label.replace('|', "/"),
            e.target().index()
        );
    }
    out
}
