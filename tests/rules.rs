//! Per-rule fixtures: `fixtures/rules/<rule-id>/<case>/` holds an account (`snapshot.json`), an
//! optional `overreach.toml` (with baseline files next to it) and `suppressions.toml`, and
//! `expect.json` saying for which principals the rule must fire (with what excess, severity,
//! path) and for which it must stay silent. Format: `fixtures/rules/README.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;
use std::path::Path;

use overreach_analysis::analyze::{Options, analyze};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::finding::Finding;
use overreach_analysis::rules::rule_ids;
use overreach_analysis::suppress::Suppressions;
use overreach_policy::{Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;
use serde_json::Value;

fn sorted_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one case; returns the problems found.
fn run_case(rule: &str, case: &Path) -> Vec<String> {
    let snapshot = Snapshot::from_slice(&std::fs::read(case.join("snapshot.json")).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let (config, baselines) = match std::fs::read_to_string(case.join("overreach.toml")) {
        Ok(text) => {
            let config = Config::parse(&text, "overreach.toml")
                .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            let mut files = BTreeMap::new();
            for f in config.policy_files() {
                files.insert(
                    f.path.clone(),
                    std::fs::read_to_string(case.join(&f.path)).unwrap(),
                );
            }
            let baselines = Baselines::build(
                &config,
                &files,
                Catalog::embedded(),
                ManagedPolicies::embedded(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            (config, baselines)
        }
        Err(_) => (Config::default(), Baselines::default()),
    };
    let suppressions = match std::fs::read_to_string(case.join("suppressions.toml")) {
        Ok(text) => Suppressions::parse(&text, "suppressions.toml").unwrap(),
        Err(_) => Suppressions::default(),
    };
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expect.json")).unwrap()).unwrap();
    let options = Options {
        config_wins: expect["config_wins"].as_bool().unwrap_or(false),
        today: Some(expect["as_of"].as_str().unwrap_or("2026-11-24").to_string()),
        unused_days: expect["unused_days"].as_u64().unwrap_or(90) as u32,
    };
    let analysis = analyze(&snapshot, &config, &baselines, &suppressions, &options);
    let of = |principal: &str| -> Vec<&Finding> {
        analysis
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.principal == principal)
            .collect()
    };
    let mut problems = Vec::new();
    let fire = expect["fire"].as_array().cloned().unwrap_or_default();
    let silent = strings(&expect["silent"]);
    if fire.is_empty() && silent.is_empty() {
        problems.push("expect.json has neither `fire` nor `silent`".to_string());
    }
    for want in &fire {
        let principal = want["principal"].as_str().unwrap();
        let found = of(principal);
        let Some(f) = found.first() else {
            let others: Vec<String> = analysis
                .findings
                .iter()
                .map(|f| format!("{} {}", f.rule, f.principal))
                .collect();
            problems.push(format!(
                "no `{rule}` finding for {principal} (findings: {others:?})"
            ));
            continue;
        };
        let actions: Vec<String> = found
            .iter()
            .flat_map(|f| {
                f.excess
                    .iter()
                    .flat_map(|g| g.actions.iter().map(|a| a.action().to_ascii_lowercase()))
            })
            .collect();
        for a in strings(&want["excess_includes"]) {
            if !actions.contains(&a.to_ascii_lowercase()) {
                problems.push(format!(
                    "{principal}: excess lacks `{a}` (has {} actions, e.g. {:?})",
                    actions.len(),
                    &actions[..actions.len().min(5)]
                ));
            }
        }
        for a in strings(&want["excess_excludes"]) {
            if actions.contains(&a.to_ascii_lowercase()) {
                problems.push(format!("{principal}: excess wrongly includes `{a}`"));
            }
        }
        if let Some(sev) = want["severity"].as_str()
            && !found.iter().any(|f| f.severity.as_str() == sev)
        {
            problems.push(format!(
                "{principal}: severity {} (want {sev})",
                f.severity.as_str()
            ));
        }
        if let Some(conf) = want["confidence"].as_str()
            && !found.iter().any(|f| f.confidence.as_str() == conf)
        {
            problems.push(format!(
                "{principal}: confidence {} (want {conf})",
                f.confidence.as_str()
            ));
        }
        for step in strings(&want["path_includes"]) {
            let hit = found.iter().any(|f| {
                f.path.iter().chain(f.excess.iter().flat_map(|g| g.via().iter().map(|h| &**h))).any(|h| {
                    h.to == step || h.from == step || matches!(&h.kind, overreach_analysis::finding::HopKind::Escalation { path, .. } if *path == step)
                })
            });
            if !hit {
                problems.push(format!("{principal}: path does not include `{step}`"));
            }
        }
        if let Some(s) = want["suppressed"].as_bool()
            && f.is_suppressed() != s
        {
            problems.push(format!(
                "{principal}: suppressed={} (want {s})",
                f.is_suppressed()
            ));
        }
        if let Some(s) = want["suppression_expired"].as_bool()
            && f.suppression.as_ref().map(|x| x.expired) != Some(s)
        {
            problems.push(format!(
                "{principal}: suppression expired={:?} (want {s})",
                f.suppression.as_ref().map(|x| x.expired)
            ));
        }
        if let Some(m) = want["message_contains"].as_str()
            && !found.iter().any(|f| f.message.contains(m))
        {
            problems.push(format!("{principal}: message `{}` lacks `{m}`", f.message));
        }
    }
    for principal in &silent {
        if analysis.account.principal(principal).is_none() {
            problems.push(format!(
                "silent principal {principal} is not in the snapshot"
            ));
        }
        for f in of(principal) {
            problems.push(format!(
                "{principal}: unexpected `{rule}` finding: {}",
                f.message
            ));
        }
    }
    problems
}

#[test]
fn every_rule_fixture_holds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rules");
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut covered = Vec::new();
    for rule_dir in sorted_dirs(&dir) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            rule_ids().contains(&rule.as_str()),
            "fixtures/rules/{rule}: no such rule"
        );
        covered.push(rule.clone());
        for case in sorted_dirs(&rule_dir) {
            cases += 1;
            for p in run_case(&rule, &case) {
                failures.push(format!(
                    "{rule}/{}: {p}",
                    case.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    for id in rule_ids() {
        assert!(
            covered.iter().any(|c| c == id),
            "rule `{id}` has no fixtures under fixtures/rules/"
        );
    }
    assert!(
        failures.is_empty(),
        "{} problems in {cases} rule fixtures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{cases} rule fixtures hold");
}
