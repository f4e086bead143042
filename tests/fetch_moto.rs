//! End-to-end tests of `overreach fetch` against a real IAM API on loopback: moto_server,
//! populated through the IAM API with boto3 (`support/moto_populate.py`), fetched through the
//! library and through the `overreach` binary, then compared field by field with what was
//! created. A fault-injecting proxy in front of moto checks retries and partial results.
//!
//! Needs `moto_server` and boto3 on PATH (`python3 -m pip install 'moto[server]' boto3`);
//! without them the tests fail with that instruction, they never skip.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

#[path = "support/moto.rs"]
mod moto;
#[path = "support/moto_proxy.rs"]
mod moto_proxy;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use moto::Moto;
use moto_proxy::{Fault, Proxy, Request};
use overreach_fetch::{
    AwsOptions, Credentials, FetchOptions, Recorder, RetryMode, fetch_account, load_sdk_config,
};
use overreach_snapshot::{FetchErrorKind, Snapshot, Source};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

/// `overreach` with dummy credentials and no access to the user's AWS configuration.
fn std_overreach() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("overreach"));
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/nonexistent/overreach-test")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/overreach-test")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

fn overreach() -> Command {
    let mut cmd = Command::from_std(std_overreach());
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// Fetches through the library, straight from `url`.
fn fetch_with_library(url: &str) -> Snapshot {
    fetch_with_options(AwsOptions {
        endpoint_url: Some(url.to_owned()),
        max_attempts: 1,
        ..AwsOptions::default()
    })
}

fn fetch_with_options(aws: AwsOptions) -> Snapshot {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let aws = AwsOptions {
            region: Some("us-east-1".into()),
            credentials: Some(Credentials::new("testing", "testing", None, None, "test")),
            ..aws
        };
        let config = load_sdk_config(&aws).await;
        fetch_account(
            &config,
            &FetchOptions::default(),
            &Recorder::with_output(false, true),
        )
        .await
        .unwrap()
    })
}

fn load(path: &Path) -> Snapshot {
    Snapshot::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn sorted<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    items
        .into_iter()
        .collect::<BTreeSet<T>>()
        .into_iter()
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    sorted(
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned()),
    )
}

fn inline_map(list: &[overreach_snapshot::InlinePolicy]) -> Value {
    list.iter()
        .map(|p| (p.policy_name.clone(), p.policy_document.value().clone()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn attached(list: &[overreach_snapshot::AttachedPolicy]) -> Vec<String> {
    sorted(list.iter().map(|p| p.policy_arn.clone()))
}

/// Asserts that `s` holds exactly what `moto_populate.py` created (`m` is its manifest).
fn check_against_manifest(s: &Snapshot, m: &Value) {
    let meta = s.meta.as_ref().unwrap();
    assert_eq!(meta.format_version, overreach_snapshot::FORMAT_VERSION);
    assert_eq!(meta.account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(meta.partition.as_deref(), Some("aws"));
    assert_eq!(s.source(), Source::OverreachFetch);
    assert!(meta.fetched_at.as_deref().unwrap().starts_with("20"));

    let users = m["users"].as_object().unwrap();
    assert_eq!(
        sorted(s.users.iter().map(|u| u.user_name.as_str())),
        sorted(users.keys().map(String::as_str))
    );
    for (name, spec) in users {
        let u = s.users.iter().find(|u| &u.user_name == name).unwrap();
        assert_eq!(u.arn, spec["arn"], "{name}");
        assert_eq!(u.user_id.as_deref().unwrap(), spec["id"], "{name}");
        assert_eq!(u.path.as_deref().unwrap(), spec["path"], "{name}");
        assert_eq!(
            serde_json::to_value(&u.tags).unwrap(),
            spec["tags"],
            "{name}"
        );
        assert_eq!(
            sorted(u.group_list.clone()),
            strings(&spec["groups"]),
            "{name}"
        );
        assert_eq!(inline_map(&u.user_policy_list), spec["inline"], "{name}");
        assert_eq!(
            attached(&u.attached_managed_policies),
            strings(&spec["attached"]),
            "{name}"
        );
        assert!(u.create_date.is_some());
        let c = s
            .credential_signals
            .iter()
            .find(|c| &c.user_name == name)
            .unwrap();
        assert_eq!(c.user_arn, u.arn);
        assert_eq!(
            c.has_login_profile,
            spec["login_profile"].as_bool(),
            "{name}"
        );
        assert_eq!(
            c.login_profile_created.is_some(),
            spec["login_profile"] == true,
            "{name}"
        );
        assert_eq!(
            Some(u64::from(c.mfa_devices.unwrap())),
            spec["mfa_devices"].as_u64(),
            "{name}"
        );
        let keys = c.access_keys.as_ref().unwrap();
        assert_eq!(
            sorted(keys.iter().map(|k| k.access_key_id.clone())),
            strings(&spec["access_keys"]),
            "{name}"
        );
        for (i, id) in spec["access_keys"].as_array().unwrap().iter().enumerate() {
            let key = keys.iter().find(|k| k.access_key_id == *id).unwrap();
            let expected = if i == 1 { "Inactive" } else { "Active" };
            assert_eq!(key.status.as_deref(), Some(expected), "{name} key {i}");
            assert!(key.create_date.is_some());
            // Never used: AWS (and moto) answer ServiceName "N/A" and no date.
            let used = key.last_used.as_ref().unwrap();
            assert_eq!(used.date, None);
        }
    }

    let groups = m["groups"].as_object().unwrap();
    assert_eq!(s.groups.len(), groups.len());
    for (name, spec) in groups {
        let g = s.groups.iter().find(|g| &g.group_name == name).unwrap();
        assert_eq!(g.arn, spec["arn"]);
        assert_eq!(g.path.as_deref().unwrap(), spec["path"]);
        assert_eq!(inline_map(&g.group_policy_list), spec["inline"], "{name}");
        assert_eq!(
            attached(&g.attached_managed_policies),
            strings(&spec["attached"]),
            "{name}"
        );
    }

    let roles = m["roles"].as_object().unwrap();
    assert_eq!(s.roles.len(), roles.len());
    for (name, spec) in roles {
        let r = s.roles.iter().find(|r| &r.role_name == name).unwrap();
        assert_eq!(r.arn, spec["arn"], "{name}");
        assert_eq!(r.role_id.as_deref().unwrap(), spec["id"], "{name}");
        assert_eq!(
            r.assume_role_policy_document.as_ref().unwrap().value(),
            &spec["trust"],
            "{name}"
        );
        assert_eq!(inline_map(&r.role_policy_list), spec["inline"], "{name}");
        assert_eq!(
            attached(&r.attached_managed_policies),
            strings(&spec["attached"]),
            "{name}"
        );
        let boundary = r
            .permissions_boundary
            .as_ref()
            .map(|b| b.permissions_boundary_arn.as_str());
        assert_eq!(boundary, spec["boundary"].as_str(), "{name}");
        assert_eq!(
            serde_json::to_value(&r.tags).unwrap(),
            spec["tags"],
            "{name}"
        );
        let profiles: Vec<_> = r
            .instance_profile_list
            .iter()
            .map(|p| p.instance_profile_name.clone())
            .collect();
        assert_eq!(profiles, strings(&spec["instance_profiles"]), "{name}");
        for profile in &r.instance_profile_list {
            assert_eq!(profile.roles[0].role_name, *name);
            assert_eq!(
                profile.roles[0]
                    .assume_role_policy_document
                    .as_ref()
                    .unwrap()
                    .value(),
                &spec["trust"]
            );
        }
    }

    for (name, spec) in m["policies"].as_object().unwrap() {
        let p = s.policy(spec["arn"].as_str().unwrap()).unwrap();
        assert_eq!(p.name(), name);
        assert_eq!(p.path.as_deref().unwrap(), spec["path"], "{name}");
        assert_eq!(
            p.default_version_id.as_deref().unwrap(),
            spec["default"],
            "{name}"
        );
        assert_eq!(
            p.default_version().unwrap().version_id.as_deref().unwrap(),
            spec["default"]
        );
        let versions = spec["versions"].as_object().unwrap();
        assert_eq!(p.policy_version_list.len(), versions.len(), "{name}");
        for v in &p.policy_version_list {
            let id = v.version_id.as_deref().unwrap();
            assert_eq!(
                v.document.as_ref().unwrap().value(),
                &versions[id],
                "{name} {id}"
            );
            assert_eq!(v.is_default_version, spec["default"] == id, "{name} {id}");
        }
    }
    let readonly = s.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert_eq!(readonly.name(), "ReadOnlyAccess");
    assert!(
        readonly
            .default_version()
            .unwrap()
            .document
            .as_ref()
            .unwrap()
            .value()["Statement"]
            .is_array()
    );
}

#[test]
fn fetch_matches_what_was_created_through_library_and_cli() {
    let started = Instant::now();
    let moto = Moto::start();
    let manifest = moto.populate(&[]);
    let from_library = fetch_with_library(&moto.url());
    assert!(from_library.errors.is_empty(), "{:?}", from_library.errors);
    check_against_manifest(&from_library, &manifest);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("account.json");
    overreach()
        .args([
            "fetch",
            "--endpoint-url",
            &moto.url(),
            "--max-attempts",
            "1",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("SecretAccessKey"));
    assert_eq!(manifest["secrets"].as_array().unwrap().len(), 4);
    for secret in manifest["secrets"].as_array().unwrap() {
        let secret = secret.as_str().unwrap();
        assert!(
            !text.contains(secret),
            "a secret (`{}...`) is in the snapshot",
            &secret[..4]
        );
    }
    let from_cli = load(&out);
    check_against_manifest(&from_cli, &manifest);
    assert_eq!(from_cli.users, from_library.users);
    assert_eq!(from_cli.groups, from_library.groups);
    assert_eq!(from_cli.roles, from_library.roles);
    assert_eq!(from_cli.policies, from_library.policies);
    assert_eq!(from_cli.credential_signals, from_library.credential_signals);

    // a live scan: fetch and analyse in one command, the snapshot saved on the side
    let saved = dir.path().join("saved.json");
    let scan = overreach()
        .args([
            "scan",
            "--endpoint-url",
            &moto.url(),
            "--max-attempts",
            "1",
            "--fail-on",
            "never",
            "--format",
            "json",
        ])
        .arg("--save-snapshot")
        .arg(&saved)
        .assert()
        .code(0);
    let report: Value = serde_json::from_slice(&scan.get_output().stdout).unwrap();
    assert_eq!(
        report["summary"]["principals"].as_u64().unwrap() as usize,
        from_library.users.len() + from_library.roles.len()
    );
    let saved_snapshot = load(&saved);
    assert_eq!(saved_snapshot.users, from_library.users);
    assert_eq!(saved_snapshot.roles, from_library.roles);
    // no secret in any output of the run: report, logs, saved snapshot
    let outputs = [
        String::from_utf8_lossy(&scan.get_output().stdout).into_owned(),
        String::from_utf8_lossy(&scan.get_output().stderr).into_owned(),
        std::fs::read_to_string(&saved).unwrap(),
    ];
    for secret in manifest["secrets"].as_array().unwrap() {
        let secret = secret.as_str().unwrap();
        assert!(
            outputs.iter().all(|o| !o.contains(secret)),
            "a secret (`{}...`) leaked",
            &secret[..4]
        );
    }
    eprintln!("fetch_matches_what_was_created: {:?}", started.elapsed());
}

#[test]
fn faults_are_retried_or_recorded_and_nothing_fetched_is_lost() {
    let started = Instant::now();
    let moto = Moto::start();
    moto.populate(&[]);
    let clean = fetch_with_library(&moto.url());
    let rule = Arc::new(|r: &Request| match r.action.as_str() {
        // Throttled twice, then fine: retried within 3 attempts.
        "GetAccountAuthorizationDetails" if r.nth < 2 => Fault::Throttle,
        // Always a 500 for one user: fails after 3 attempts.
        "GetLoginProfile" if r.params.get("UserName").map(String::as_str) == Some("alice") => {
            Fault::ServerError
        }
        // An optional API the scanner is denied.
        "ListMFADevices" => Fault::Deny,
        // The first connection is reset: retried.
        "ListAccessKeys" if r.nth == 0 => Fault::Reset,
        // Throttled on every attempt.
        "GetAccessKeyLastUsed" => Fault::Throttle,
        _ => Fault::Forward,
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("partial.json");
    let assert = overreach()
        // Standard retries: adaptive mode would slow the client to 0.5 requests/s after the
        // throttling (see `adaptive_retries_recover_from_throttling`).
        .args([
            "fetch",
            "--max-attempts",
            "3",
            "--retry-backoff-ms",
            "1",
            "--retry-mode",
            "standard",
        ])
        .args(["--endpoint-url", &proxy.url(), "-o"])
        .arg(&out)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("GetLoginProfile failed on `arn:aws:iam::123456789012:user/alice` (iam:GetLoginProfile needed)"), "{stderr}");
    assert!(stderr.contains("PARTIAL: 7 calls failed"), "{stderr}");

    assert_eq!(
        proxy.count("GetAccountAuthorizationDetails", Fault::Throttle),
        2
    );
    assert_eq!(proxy.count("GetLoginProfile", Fault::ServerError), 3);
    assert_eq!(
        proxy.count("ListMFADevices", Fault::Deny),
        3,
        "denied is not retried"
    );
    assert_eq!(proxy.count("ListAccessKeys", Fault::Reset), 1);
    assert_eq!(proxy.count("GetAccessKeyLastUsed", Fault::Throttle), 9);

    let s = load(&out);
    assert!(s.is_partial());
    let errors: Vec<(&str, &str, &str, FetchErrorKind)> = s
        .errors
        .iter()
        .map(|e| {
            (
                e.api.as_str(),
                e.target.as_str(),
                e.permission.as_str(),
                e.kind,
            )
        })
        .collect();
    let arn = |name: &str| {
        clean
            .users
            .iter()
            .find(|u| u.user_name == name)
            .unwrap()
            .arn
            .clone()
    };
    let (alice, bob, carol) = (arn("alice"), arn("bob"), arn("carol"));
    let expected = [
        (
            "GetLoginProfile",
            alice.as_str(),
            "iam:GetLoginProfile",
            FetchErrorKind::Failed,
            1,
        ),
        (
            "ListMFADevices",
            alice.as_str(),
            "iam:ListMFADevices",
            FetchErrorKind::Denied,
            1,
        ),
        (
            "ListMFADevices",
            bob.as_str(),
            "iam:ListMFADevices",
            FetchErrorKind::Denied,
            1,
        ),
        (
            "ListMFADevices",
            carol.as_str(),
            "iam:ListMFADevices",
            FetchErrorKind::Denied,
            1,
        ),
        (
            "GetAccessKeyLastUsed",
            alice.as_str(),
            "iam:GetAccessKeyLastUsed",
            FetchErrorKind::Throttled,
            2,
        ),
        (
            "GetAccessKeyLastUsed",
            bob.as_str(),
            "iam:GetAccessKeyLastUsed",
            FetchErrorKind::Throttled,
            1,
        ),
    ];
    for (api, target, permission, kind, n) in expected {
        let found = errors
            .iter()
            .filter(|e| **e == (api, target, permission, kind))
            .count();
        assert_eq!(found, n, "{api} {target}: {errors:?}");
    }
    assert_eq!(errors.len(), 7, "{errors:?}");
    let denied = s
        .errors
        .iter()
        .find(|e| e.kind == FetchErrorKind::Denied)
        .unwrap();
    assert!(
        denied.message.starts_with("AccessDenied: injected"),
        "{}",
        denied.message
    );

    // Everything that was fetched is there, equal to a clean fetch.
    assert_eq!(s.users, clean.users);
    assert_eq!(s.groups, clean.groups);
    assert_eq!(s.roles, clean.roles);
    assert_eq!(s.policies, clean.policies);
    for (got, want) in s.credential_signals.iter().zip(&clean.credential_signals) {
        assert_eq!(got.mfa_devices, None, "denied: unknown, not zero");
        let login = if got.user_name == "alice" {
            None
        } else {
            want.has_login_profile
        };
        assert_eq!(got.has_login_profile, login);
        let ids = |c: &overreach_snapshot::CredentialSignals| {
            c.access_keys
                .as_ref()
                .unwrap()
                .iter()
                .map(|k| (k.access_key_id.clone(), k.status.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(got), ids(want));
        assert!(
            got.access_keys
                .as_ref()
                .unwrap()
                .iter()
                .all(|k| k.last_used.is_none())
        );
    }
    eprintln!("faults: {:?}", started.elapsed());
}

#[test]
fn adaptive_retries_recover_from_throttling() {
    let started = Instant::now();
    let moto = Moto::start();
    moto.populate(&[]);
    let clean = fetch_with_library(&moto.url());
    let rule = Arc::new(|r: &Request| match r.action.as_str() {
        // Once throttled, adaptive mode charges every later request to a client-side token
        // bucket refilled at 0.5 tokens/s at first (a retry costs 5): the few calls after
        // this throttle wait ~15 s in all. That is the SDK's design, and this test's cost.
        "GetAccessKeyLastUsed" if r.nth == 0 => Fault::Throttle,
        _ => Fault::Forward,
    });
    let proxy = Proxy::start(moto.port, rule);
    let s = fetch_with_options(AwsOptions {
        endpoint_url: Some(proxy.url()),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        retry_mode: RetryMode::Adaptive,
        ..AwsOptions::default()
    });
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(proxy.count("GetAccessKeyLastUsed", Fault::Throttle), 1);
    assert_eq!(s.users, clean.users);
    assert_eq!(s.policies, clean.policies);
    assert_eq!(s.credential_signals, clean.credential_signals);
    eprintln!("adaptive: {:?}", started.elapsed());
}

#[test]
fn org_scan_writes_one_snapshot_per_account_and_lists_failures() {
    let started = Instant::now();
    let moto = Moto::start();
    let org = moto.populate(&["--org", "2"]);
    let accounts = strings(&org["accounts"]);
    let denied_account = accounts[1].clone();
    let denied = denied_account.clone();
    let rule = Arc::new(move |r: &Request| {
        let role = r.params.get("RoleArn").map(String::as_str).unwrap_or("");
        if r.action == "AssumeRole" && role.contains(&denied) {
            Fault::Deny
        } else {
            Fault::Forward
        }
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("org");
    let assert = overreach()
        .args([
            "fetch",
            "--org",
            "--concurrency",
            "2",
            "--max-attempts",
            "2",
            "--retry-backoff-ms",
            "1",
        ])
        .args(["--endpoint-url", &proxy.url(), "-o"])
        .arg(&out)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("account {denied_account}: failed")),
        "{stderr}"
    );

    let summary = load(&out.join("organization.json"));
    let tree = summary.organization.as_ref().unwrap();
    assert_eq!(tree.id, org["id"]);
    assert_eq!(
        tree.management_account_id.as_deref().unwrap(),
        org["management_account"]
    );
    let root = &tree.roots[0];
    assert_eq!(root.id, org["root"]);
    assert_eq!(
        root.accounts
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        [ACCOUNT]
    );
    let ou = &root.organizational_units[0];
    assert_eq!(ou.id, org["ou"]);
    assert_eq!(ou.name.as_deref(), Some("workloads"));
    assert_eq!(sorted(ou.accounts.iter().map(|a| a.id.clone())), accounts);
    assert!(
        ou.accounts
            .iter()
            .all(|a| a.status.as_deref() == Some("ACTIVE"))
    );
    assert!(
        ou.policy_ids
            .contains(&org["scp"].as_str().unwrap().to_owned())
    );
    let scp = tree.policies.iter().find(|p| p.id == org["scp"]).unwrap();
    assert_eq!(scp.policy_type, "SERVICE_CONTROL_POLICY");
    assert_eq!(scp.document.as_ref().unwrap().value(), &org["scp_document"]);
    assert!(tree.policies.iter().all(|p| p.document.is_some()));

    let failures: Vec<_> = summary
        .errors
        .iter()
        .filter(|e| e.api == "AssumeRole")
        .collect();
    assert_eq!(failures.len(), 1, "{:?}", summary.errors);
    assert_eq!(failures[0].target, denied_account);
    assert!(
        failures[0].message.contains("AccessDenied"),
        "{}",
        failures[0].message
    );

    for account in [ACCOUNT, accounts[0].as_str()] {
        let s = load(&out.join(format!("{account}.json")));
        assert_eq!(
            s.meta.as_ref().unwrap().account_id.as_deref(),
            Some(account)
        );
        assert!(s.errors.is_empty(), "{account}: {:?}", s.errors);
        assert!(s.policy("arn:aws:iam::aws:policy/ReadOnlyAccess").is_some());
    }
    assert!(!out.join(format!("{denied_account}.json")).exists());

    // One account with the organization included.
    let single = dir.path().join("management.json");
    overreach()
        .args([
            "fetch",
            "--include-org",
            "--max-attempts",
            "1",
            "--endpoint-url",
            &moto.url(),
            "-o",
        ])
        .arg(&single)
        .assert()
        .code(0);
    let with_org = load(&single);
    assert_eq!(with_org.organization.as_ref(), Some(tree));
    eprintln!("org: {:?}", started.elapsed());
}

#[test]
fn ctrl_c_leaves_no_file_behind() {
    let moto = Moto::start();
    let rule = Arc::new(|r: &Request| match r.action.as_str() {
        "GetAccountAuthorizationDetails" => Fault::Delay(Duration::from_secs(20)),
        _ => Fault::Forward,
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.json");
    let mut cmd = std_overreach();
    let child = cmd
        .args([
            "fetch",
            "--max-attempts",
            "1",
            "--endpoint-url",
            &proxy.url(),
            "-o",
        ])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while proxy.count(
        "GetAccountAuthorizationDetails",
        Fault::Delay(Duration::from_secs(20)),
    ) == 0
    {
        assert!(
            Instant::now() < deadline,
            "the fetch never reached GetAccountAuthorizationDetails"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_missing_moto_server_fails_with_the_install_command() {
    let err = Moto::start_program("moto_server-that-does-not-exist").unwrap_err();
    assert!(err.contains("pip install 'moto[server]'"), "{err}");
    assert!(err.contains("README"), "{err}");
}

#[test]
fn help_has_examples() {
    let assert = overreach().args(["fetch", "--help"]).assert().code(0);
    let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        help.contains("Examples:") && help.contains("--org-role"),
        "{help}"
    );
    assert!(
        !help.contains("retry-backoff-ms"),
        "test-only flag is hidden"
    );
    assert_eq!(json!(1), json!(1));
}
