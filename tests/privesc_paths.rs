//! One fixture account per privilege-escalation path of the catalogue (generated from the
//! catalogue data by `tools/privesc/gen_fixtures.py`): the path must be detected in the
//! positive account, and not in its negative twin (one prerequisite missing).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;

use overreach_analysis::analyze::{Options, analyze};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::graph::{Edge, Node};
use overreach_analysis::privesc::PathCatalog;
use overreach_analysis::suppress::Suppressions;
use overreach_snapshot::Snapshot;
use petgraph::visit::EdgeRef;
use serde_json::Value;

/// Is there an escalation edge with `path` from `principal` (to `target`, when given)?
fn detected(snapshot: &Snapshot, path: &str, principal: &str, target: Option<&str>) -> bool {
    let analysis = analyze(
        snapshot,
        &Config::default(),
        &Baselines::default(),
        &Suppressions::default(),
        &Options::default(),
    );
    let Some(p) = analysis.account.principal(principal) else {
        panic!("fixture has no principal {principal}");
    };
    let from = analysis.graph.principal(p).unwrap();
    let plain = PathCatalog::embedded()
        .unwrap()
        .get(path)
        .unwrap()
        .is_plain_assumption();
    analysis.graph.graph.edges(from).any(|e| {
        let matches = match e.weight() {
            Edge::Escalation { path: id, .. } => **id == *path,
            // a plain assumption path is represented by the can-assume edge
            Edge::CanAssume { .. } => plain,
            _ => false,
        };
        if !matches {
            return false;
        }
        let g = &analysis.graph.graph;
        let node_is = |n: petgraph::graph::NodeIndex, t: &str| match &g[n] {
            Node::Principal(q) => analysis.account.principals[*q].arn == t,
            Node::Group(gi) => analysis.account.groups[*gi].arn == t,
            Node::AccountAdmin => true,
            _ => false,
        };
        match (target, &g[e.target()]) {
            (None, _) => true,
            // through the path's hub: the hub must lead to the target
            (Some(t), Node::PathTargets(_)) => g.edges(e.target()).any(|h| node_is(h.target(), t)),
            (Some(t), Node::Principal(q)) => analysis.account.principals[*q].arn == t,
            (Some(t), Node::Group(g)) => analysis.account.groups[*g].arn == t,
            (Some(_), Node::AccountAdmin) => true,
            _ => false,
        }
    })
}

#[test]
fn every_escalation_path_is_detected_and_its_negative_twin_is_not() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/privesc");
    let catalog = PathCatalog::embedded().unwrap();
    let expressible: Vec<&str> = catalog
        .paths
        .iter()
        .filter(|p| p.expressible)
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(
        catalog.paths.len(),
        65,
        "the pathfinding.cloud snapshot has 65 paths"
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for id in &expressible {
        let case = dir.join(id);
        let expect: Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("expect.json"))
                .unwrap_or_else(|e| panic!("{id}: no expect.json: {e}")),
        )
        .unwrap();
        let principal = expect["principal"].as_str().unwrap();
        let target = expect["target"].as_str();
        for (file, want) in [("positive.json", true), ("negative.json", false)] {
            let bytes = std::fs::read(case.join(file)).unwrap();
            let snapshot =
                Snapshot::from_slice(&bytes).unwrap_or_else(|e| panic!("{id}/{file}: {e}"));
            let got = detected(&snapshot, id, principal, target);
            if got != want {
                let why = expect["negative"]["why"].as_str().unwrap_or("");
                failures.push(format!(
                    "{id}/{file}: detected={got}, expected {want} {why}"
                ));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} escalation fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "{} paths detected in their positive fixture and not in the negative twin ({} of 65 expressible)",
        expressible.len(),
        expressible.len()
    );
}
