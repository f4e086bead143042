//! overreach on its own scanner policy (`scanner-policy/*.json`): a role holding exactly the
//! documented policy, declared read-only, must hold no write or permissions-management action,
//! must exceed nothing, and must be able to make every call the fetcher makes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::Path;

use overreach_analysis::analyze::{Options, analyze};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::explain::explain;
use overreach_analysis::suppress::Suppressions;
use overreach_policy::eval::Outcome;
use overreach_policy::{AccessLevel, Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;
use serde_json::{Value, json};

const ROLE: &str = "arn:aws:iam::111122223333:role/overreach-scanner";

fn policy(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scanner-policy")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_scanner_policy_is_read_only_and_sufficient() {
    let inline: Vec<Value> = [
        "overreach-scanner.json",
        "last-accessed-extra.json",
        "org-extra.json",
    ]
    .iter()
    .map(|n| json!({"PolicyName": n.trim_end_matches(".json"), "PolicyDocument": policy(n)}))
    .collect();
    let snapshot = json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{
            "RoleName": "overreach-scanner", "Arn": ROLE, "Path": "/",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": inline,
            "Tags": [{"Key": "declared-role", "Value": "scanner"}, {"Key": "principal-kind", "Value": "agent"}]
        }]
    });
    let snapshot = Snapshot::from_slice(snapshot.to_string().as_bytes()).unwrap();
    // read everything; with --org, assume the member-account role and nothing else
    let config = Config::parse(
        r#"[roles.scanner]
kind = "agent"
access_levels = ["List", "Read"]
allow = [{ actions = ["sts:AssumeRole"], resources = ["arn:aws:iam::*:role/OrganizationAccountAccessRole"] }]
"#,
        "overreach.toml",
    )
    .unwrap();
    let baselines = Baselines::build(
        &config,
        &Default::default(),
        Catalog::embedded(),
        ManagedPolicies::embedded(),
    )
    .unwrap();
    let analysis = analyze(
        &snapshot,
        &config,
        &baselines,
        &Suppressions::default(),
        &Options::default(),
    );

    let catalog = Catalog::embedded();
    let p = analysis.account.principal(ROLE).unwrap();
    let rights = analysis.rights.of(p);
    let held: Vec<String> = rights
        .allowed
        .union(&rights.conditional)
        .ids()
        .into_iter()
        .filter(|&id| {
            !matches!(
                catalog.level(id),
                Some(AccessLevel::List | AccessLevel::Read)
            )
        })
        .map(|id| catalog.full_name(id))
        .collect();
    // GenerateServiceLastAccessedDetails starts a report job: AWS classes it as Read; the one
    // non-read action is the --org hop into member accounts
    assert_eq!(
        held,
        ["sts:AssumeRole"],
        "the scanner policy grants non-read actions"
    );
    let findings: Vec<String> = analysis
        .findings
        .iter()
        .filter(|f| f.rule != "undeclared-principal")
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect();
    assert!(findings.is_empty(), "{findings:?}");

    for (action, resource) in [
        ("iam:GetAccountAuthorizationDetails", "*"),
        ("iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        (
            "iam:GetPolicyVersion",
            "arn:aws:iam::111122223333:policy/boundary",
        ),
        (
            "iam:GetLoginProfile",
            "arn:aws:iam::111122223333:user/alice",
        ),
        ("iam:ListMFADevices", "arn:aws:iam::111122223333:user/alice"),
        ("iam:ListAccessKeys", "arn:aws:iam::111122223333:user/alice"),
        (
            "iam:GetAccessKeyLastUsed",
            "arn:aws:iam::111122223333:user/alice",
        ),
        (
            "iam:GenerateServiceLastAccessedDetails",
            "arn:aws:iam::111122223333:role/x",
        ),
        ("organizations:ListAccountsForParent", "*"),
    ] {
        let e = explain(&analysis, p, action, resource).unwrap();
        assert_eq!(
            e.decision.outcome,
            Outcome::Allowed,
            "{action} on {resource}: {:?}",
            e.decision
        );
    }
}
