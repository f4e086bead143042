//! Runs every evaluation case under `fixtures/eval/` (format: `fixtures/eval/README.md`)
//! through the evaluator and reports every difference at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use overreach_policy::eval::{Outcome, PolicySet, Request, ResourcePolicyKind, evaluate};
use overreach_policy::{NamedPolicy, Principal, RequestContext, parse_policy_value};
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/eval")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn named(v: &Value) -> Result<NamedPolicy, String> {
    let id = v["id"].as_str().ok_or("policy without id")?;
    let policy = parse_policy_value(&v["document"]).map_err(|e| format!("policy `{id}`: {e}"))?;
    Ok(NamedPolicy::new(id, policy))
}

fn named_list(v: &Value) -> Result<Vec<NamedPolicy>, String> {
    v.as_array()
        .map_or(Ok(Vec::new()), |a| a.iter().map(named).collect())
}

fn context(case: &Value) -> RequestContext {
    let req = &case["request"];
    let mut ctx = if req["context_complete"].as_bool().unwrap_or(false) {
        RequestContext::complete()
    } else {
        RequestContext::unknown()
    };
    if let Some(map) = req["context"].as_object() {
        for (k, v) in map {
            match v {
                Value::Array(items) => {
                    ctx.set_values(k, items.iter().map(scalar).collect());
                }
                other => {
                    ctx.set(k, scalar(other));
                }
            }
        }
    }
    if let Some(tags) = req["principal_tags"].as_object() {
        for (k, v) in tags {
            let key = format!("aws:PrincipalTag/{k}");
            if !ctx.is_set(&key) {
                ctx.set(&key, scalar(v));
            }
        }
    }
    ctx
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs one case; `Err` describes the difference.
fn run_case(case: &Value) -> Result<(), String> {
    let pol = &case["policies"];
    let identity = named_list(&pol["identity"])?;
    let boundary = if pol["boundary"].is_object() {
        Some(named(&pol["boundary"])?)
    } else {
        None
    };
    let scps: Vec<Vec<NamedPolicy>> = pol["scps"].as_array().map_or(Ok(Vec::new()), |levels| {
        levels.iter().map(named_list).collect()
    })?;
    let rcps: Vec<Vec<NamedPolicy>> = pol["rcps"].as_array().map_or(Ok(Vec::new()), |levels| {
        levels.iter().map(named_list).collect()
    })?;
    let session = named_list(&pol["session"])?;
    let resource = if pol["resource"].is_object() {
        let kind = match pol["resource"]["kind"].as_str() {
            Some("trust") => ResourcePolicyKind::Trust,
            None | Some("resource") => ResourcePolicyKind::Resource,
            Some(other) => return Err(format!("unknown resource kind `{other}`")),
        };
        Some((named(&pol["resource"])?, kind))
    } else {
        None
    };
    let set = PolicySet {
        identity: identity.iter().collect(),
        boundary: boundary.as_ref(),
        scps: scps.iter().map(|l| l.iter().collect()).collect(),
        rcps: rcps.iter().map(|l| l.iter().collect()).collect(),
        session: session.iter().collect(),
        resource: resource.as_ref().map(|(p, k)| (p, *k)),
    };
    let req = &case["request"];
    let principal_text = req["principal"]
        .as_str()
        .ok_or("request without principal")?;
    let principal =
        Principal::parse(principal_text).ok_or(format!("bad principal `{principal_text}`"))?;
    let action = req["action"].as_str().ok_or("request without action")?;
    let resource_arn = req["resource"].as_str().unwrap_or("*");
    let mut request = Request::new(principal, action, resource_arn, context(case));
    request.resource_account = req["resource_account"]
        .as_str()
        .map(str::to_string)
        .or_else(|| {
            let account = resource_arn.split(':').nth(4).filter(|a| !a.is_empty())?;
            Some(account.to_string())
        });

    let decision = evaluate(&request, &set);
    let exp = &case["expected"];
    let mut problems = Vec::new();
    let want = exp["decision"]
        .as_str()
        .ok_or("expected without decision")?;
    if decision.outcome.as_str() != want {
        problems.push(format!("decision: want {want}, got {:?}", decision.outcome));
    }
    if let (Some(layer), Outcome::ImplicitDeny(got)) = (exp["layer"].as_str(), decision.outcome)
        && layer != got.as_str()
    {
        problems.push(format!("layer: want {layer}, got {}", got.as_str()));
    }
    if let Some(statements) = exp["statements"].as_array() {
        let want: BTreeSet<(String, u64)> = statements
            .iter()
            .map(|s| {
                (
                    s["policy"].as_str().unwrap_or("").to_string(),
                    s["statement"].as_u64().unwrap_or(u64::MAX),
                )
            })
            .collect();
        let got: BTreeSet<(String, u64)> = decision
            .statements
            .iter()
            .map(|s| (s.policy.clone(), s.index as u64))
            .collect();
        if want != got {
            problems.push(format!("statements: want {want:?}, got {got:?}"));
        }
    }
    if let Some(keys) = exp["missing_keys"].as_array() {
        let want: BTreeSet<String> = keys
            .iter()
            .filter_map(|k| k.as_str())
            .map(str::to_ascii_lowercase)
            .collect();
        let got: BTreeSet<String> = decision
            .missing_keys
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        if want != got {
            problems.push(format!("missing_keys: want {want:?}, got {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[test]
fn every_evaluation_case_holds() {
    let mut files = Vec::new();
    json_files(&fixtures_dir(), &mut files);
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", file.display()));
        let cases = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        for case in &cases {
            count += 1;
            let name = case["name"].as_str().unwrap_or("<unnamed>").to_string();
            assert!(
                names.insert(name.clone()),
                "duplicate case name `{name}` in {}",
                file.display()
            );
            if let Err(why) = run_case(case) {
                let rel = file.strip_prefix(fixtures_dir()).unwrap_or(file);
                failures.push(format!("{} / {name}: {why}", rel.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} evaluation cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        count >= 150,
        "expected at least 150 evaluation cases, found {count}"
    );
    println!("{count} evaluation cases passed");
}
