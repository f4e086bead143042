//! The report formats of `overreach scan`, end to end on the real binary: the JSON report
//! against its JSON Schema (`schema/report-v1.schema.json`), SARIF against what GitHub code
//! scanning needs, markdown against a checked-in snapshot, and drift against a baseline report.
//!
//! Set `UPDATE_SNAPSHOTS=1` to rewrite `tests/snapshots/*.md` after an intended change.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
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
const AS_OF: &str = "2026-11-24";

/// Runs `overreach scan --snapshot SNAPSHOT --fail-on never --as-of AS_OF EXTRA…` and returns
/// stdout; `code` is the expected exit code.
fn scan(snapshot: &str, extra: &[&str], code: i32) -> String {
    let out = overreach()
        .args([
            "scan",
            "--snapshot",
            snapshot,
            "--fail-on",
            "never",
            "--as-of",
            AS_OF,
        ])
        .args(extra)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("schema/report-v1.schema.json")).unwrap();
    json(&text)
}

fn validator() -> jsonschema::Validator {
    let schema = schema();
    jsonschema::draft202012::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("the schema is not a valid draft 2020-12 schema: {e}"));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

/// Every schema violation, one per line with its place in the report.
fn violations(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, report: &Value, what: &str) {
    let errors = violations(validator, report);
    assert!(
        errors.is_empty(),
        "{what} does not match schema/report-v1.schema.json:\n{}",
        errors.join("\n")
    );
}

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_report_matches_its_schema() {
    let validator = validator();
    let cloudsplaining = json(&scan(CLOUDSPLAINING, &["--format", "json"], 0));
    assert!(!ids(&cloudsplaining).is_empty());
    assert_valid(&validator, &cloudsplaining, "the cloudsplaining report");
    // partial data (one truncated page): exit 3, and errors filled in
    let aws_cli = json(&scan(AWS_CLI, &["--format", "json"], 3));
    assert_eq!(aws_cli["partial"], true);
    assert_valid(&validator, &aws_cli, "the AWS CLI example's report");
    // suppressed findings carry a suppression object
    let dir = tempfile::tempdir().unwrap();
    let suppressions = dir.path().join("accepted.toml");
    std::fs::write(
        &suppressions,
        "[[suppress]]\nrule = \"undeclared-principal\"\nprincipal = \"arn:aws:iam::*:user/*\"\nreason = \"users are declared next quarter\"\nexpires = \"2027-01-31\"\n",
    )
    .unwrap();
    let suppressed = json(&scan(
        CLOUDSPLAINING,
        &[
            "--format",
            "json",
            "--suppressions",
            suppressions.to_str().unwrap(),
        ],
        0,
    ));
    assert_eq!(suppressed["summary"]["suppressed"], 3);
    assert_valid(&validator, &suppressed, "a report with suppressions");
}

#[test]
fn json_schema_is_strict() {
    // the schema catches what the writer must not do: unknown fields, unknown enum values,
    // missing fields
    let validator = validator();
    let report = json(&scan(CLOUDSPLAINING, &["--format", "json"], 0));
    let mut extra = report.clone();
    extra["findings"][0]["surprise"] = Value::Bool(true);
    let mut severity = report.clone();
    severity["findings"][0]["severity"] = "severe".into();
    let mut kind = report.clone();
    kind["principals"][0]["kind"] = "robot".into();
    let mut missing = report.clone();
    missing["summary"]
        .as_object_mut()
        .unwrap()
        .remove("suppressed");
    let mut version = report.clone();
    version["schema_version"] = "2".into();
    for (what, bad) in [
        ("an unknown field", extra),
        ("an unknown severity", severity),
        ("an unknown kind", kind),
        ("a missing field", missing),
        ("another schema version", version),
    ] {
        assert!(
            !violations(&validator, &bad).is_empty(),
            "the schema accepts {what}"
        );
    }
}

/// The line (1-based) of `"Arn": "<arn>"` in the file, found independently of the binary.
fn line_of(file: &str, arn: &str) -> usize {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    text.lines()
        .position(|l| l.trim().starts_with("\"Arn\"") && l.contains(&format!("\"{arn}\"")))
        .map(|i| i + 1)
        .unwrap()
}

/// Checks what GitHub code scanning needs of a SARIF log, returns the results.
fn check_sarif(log: &Value, snapshot: &str) -> Vec<Value> {
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif") && s.contains("2.1.0")),
        "{}",
        log["$schema"]
    );
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "overreach");
    assert!(driver["version"].is_string());
    assert!(driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rule_ids,
        overreach_analysis::rules::rule_ids(),
        "driver.rules are the analysis' rules, in order"
    );
    for (rule, info) in rules.iter().zip(overreach_analysis::rules::RULES) {
        assert_eq!(rule["shortDescription"]["text"], info.summary);
        assert_eq!(rule["fullDescription"]["text"], info.help);
        assert_eq!(rule["help"]["text"], info.help);
        let level = match info.default_severity.as_str() {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level, "{}", info.id);
    }
    let results = run["results"].as_array().unwrap().clone();
    assert!(!results.is_empty());
    for r in &results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert!(rule_ids.contains(&id), "unknown ruleId {id}");
        assert_eq!(rule_ids[index], id, "ruleIndex points at the rule");
        assert!(
            ["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()),
            "{r}"
        );
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(
            r["partialFingerprints"]["overreachFindingId/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 16)
        );
        for key in ["severity", "confidence", "principal", "declared_role"] {
            assert!(r["properties"].get(key).is_some(), "{key} in {r}");
        }
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], snapshot);
        let line = location["region"]["startLine"].as_u64().unwrap();
        assert!(line >= 1);
        if r["baselineState"] != "absent" {
            let principal = r["properties"]["principal"].as_str().unwrap();
            assert_eq!(
                line as usize,
                line_of(snapshot, principal),
                "the region is the principal's Arn line"
            );
        }
    }
    results
}

#[test]
fn sarif_report_has_what_code_scanning_needs() {
    let log = json(&scan(CLOUDSPLAINING, &["--format", "sarif"], 0));
    let results = check_sarif(&log, CLOUDSPLAINING);
    let report = json(&scan(CLOUDSPLAINING, &["--format", "json"], 0));
    assert_eq!(results.len(), ids(&report).len(), "one result per finding");
    // one known principal, at its known line
    let ec2 = results
        .iter()
        .find(|r| {
            r["properties"]["principal"] == "arn:aws:iam::012345678901:role/OverprivilegedEC2"
        })
        .unwrap();
    assert_eq!(
        ec2["locations"][0]["physicalLocation"]["region"]["startLine"],
        243
    );
    let critical = results
        .iter()
        .find(|r| r["properties"]["severity"] == "critical")
        .unwrap();
    assert_eq!(critical["level"], "error");
    let low = results
        .iter()
        .find(|r| r["properties"]["severity"] == "low")
        .unwrap();
    assert_eq!(low["level"], "note");
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    assert!(results.iter().all(|r| r.get("baselineState").is_none()));

    // the AWS CLI example (partial: exit 3)
    let log = json(&scan(AWS_CLI, &["--format", "sarif"], 3));
    check_sarif(&log, AWS_CLI);

    // suppressed findings are results with an external suppression
    let dir = tempfile::tempdir().unwrap();
    let suppressions = dir.path().join("accepted.toml");
    std::fs::write(
        &suppressions,
        "[[suppress]]\nrule = \"undeclared-principal\"\nprincipal = \"arn:aws:iam::*:user/*\"\nreason = \"users are declared next quarter\"\nexpires = \"2027-01-31\"\n",
    )
    .unwrap();
    let sarif = dir.path().join("out.sarif");
    scan(
        CLOUDSPLAINING,
        &[
            "--suppressions",
            suppressions.to_str().unwrap(),
            "--format",
            &format!("sarif={}", sarif.display()),
        ],
        0,
    );
    let log = json(&std::fs::read_to_string(&sarif).unwrap());
    let results = check_sarif(&log, CLOUDSPLAINING);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 3);
    for r in suppressed {
        assert_eq!(r["ruleId"], "undeclared-principal");
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert_eq!(
            r["suppressions"][0]["justification"],
            "users are declared next quarter"
        );
    }
}

#[test]
fn markdown_report_matches_the_snapshot() {
    let md = scan(CLOUDSPLAINING, &["--format", "markdown"], 0);
    assert_eq!(
        md,
        scan(CLOUDSPLAINING, &["--format", "markdown"], 0),
        "deterministic"
    );
    assert!(md.starts_with("## overreach\n\n**"), "{md}");
    assert!(md.contains(" findings** in 6 principals"), "{md}");
    assert!(md.contains("<details>") && md.contains("escalation path `iam-002`"));
    assert!(!md.contains(AS_OF), "no timestamps in markdown");
    let expected = root().join("tests/snapshots/scan-cloudsplaining.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(&expected, &md).unwrap();
    }
    let want = std::fs::read_to_string(&expected).unwrap_or_default();
    if md != want {
        let diff = md
            .lines()
            .zip(want.lines().chain(std::iter::repeat("<end of file>")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n got: {a}\nwant: {b}", i + 1))
            .unwrap_or_else(|| "lengths differ".into());
        panic!(
            "the markdown report differs from {} (UPDATE_SNAPSHOTS=1 rewrites it after an intended change)\n{diff}",
            expected.display()
        );
    }
}

/// Writes `report` to a file in `dir` and returns its path.
fn write_report(dir: &Path, name: &str, report: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(report).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn drift_against_the_same_report_is_all_remaining() {
    let validator = validator();
    let dir = tempfile::tempdir().unwrap();
    let first = json(&scan(CLOUDSPLAINING, &["--format", "json"], 0));
    let baseline = write_report(dir.path(), "first.json", &first);
    let second = json(&scan(
        CLOUDSPLAINING,
        &["--format", "json", "--baseline", &baseline],
        0,
    ));
    assert_valid(&validator, &second, "a report with drift");
    assert_eq!(strings(&second["drift"]["remaining"]), ids(&first));
    assert!(second["drift"]["new"].as_array().unwrap().is_empty());
    assert!(second["drift"]["resolved"].as_array().unwrap().is_empty());
    assert!(
        second["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "remaining")
    );
    // without a baseline, neither drift nor status
    assert!(first.get("drift").is_none());
    assert!(first["findings"][0].get("status").is_none());

    let total = second["findings"].as_array().unwrap().len();
    let table = scan(CLOUDSPLAINING, &["--baseline", &baseline], 0);
    assert!(
        table.contains(&format!(
            "since the baseline: 0 new, 0 resolved, {total} remaining"
        )),
        "{table}"
    );
    assert!(!table.contains("(new)"), "{table}");
    let md = scan(
        CLOUDSPLAINING,
        &["--format", "markdown", "--baseline", &baseline],
        0,
    );
    assert!(md.contains(&format!(
        "### Changes since the baseline\n\n0 new, 0 resolved, {total} remaining."
    )));
    let sarif = json(&scan(
        CLOUDSPLAINING,
        &["--format", "sarif", "--baseline", &baseline],
        0,
    ));
    assert!(
        check_sarif(&sarif, CLOUDSPLAINING)
            .iter()
            .all(|r| r["baselineState"] == "unchanged")
    );

    // --fail-on-new: nothing new, so nothing fails even at `low`
    let fail = |extra: &[&str]| {
        overreach()
            .args(["scan", "--snapshot", CLOUDSPLAINING, "--as-of", AS_OF])
            .args(["--baseline", &baseline, "--fail-on", "low"])
            .args(extra)
            .assert()
            .get_output()
            .status
            .code()
    };
    assert_eq!(fail(&[]), Some(1));
    assert_eq!(fail(&["--fail-on-new"]), Some(0));
}

#[test]
fn drift_finds_new_and_resolved_findings() {
    let validator = validator();
    let dir = tempfile::tempdir().unwrap();
    let report = json(&scan(CLOUDSPLAINING, &["--format", "json"], 0));
    let all = ids(&report);
    // the baseline lacks the first (critical) finding and has one this run does not find
    let mut baseline = report.clone();
    let findings = baseline["findings"].as_array_mut().unwrap();
    let removed = findings.remove(0);
    assert_eq!(removed["severity"], "critical");
    let mut gone = findings[0].clone();
    gone["id"] = "0123456789abcdef".into();
    gone["principal"] = "arn:aws:iam::012345678901:user/retired".into();
    findings.push(gone);
    let removed_id = removed["id"].as_str().unwrap().to_string();
    let path = write_report(dir.path(), "baseline.json", &baseline);

    let now = json(&scan(
        CLOUDSPLAINING,
        &["--format", "json", "--baseline", &path],
        0,
    ));
    assert_valid(&validator, &now, "a report with new findings");
    assert_eq!(strings(&now["drift"]["new"]), vec![removed_id.clone()]);
    assert_eq!(strings(&now["drift"]["resolved"]), vec!["0123456789abcdef"]);
    assert_eq!(strings(&now["drift"]["remaining"]), all[1..].to_vec());
    for f in now["findings"].as_array().unwrap() {
        let want = if f["id"] == removed_id.as_str() {
            "new"
        } else {
            "remaining"
        };
        assert_eq!(f["status"], want, "{}", f["id"]);
    }

    let remaining = now["findings"].as_array().unwrap().len() - 1;
    let table = scan(CLOUDSPLAINING, &["--baseline", &path], 0);
    assert!(
        table.contains(&format!(
            "since the baseline: 1 new, 1 resolved, {remaining} remaining; resolved: 0123456789abcdef"
        )),
        "{table}"
    );
    assert_eq!(table.matches("(new)").count(), 1, "{table}");

    let md = scan(
        CLOUDSPLAINING,
        &["--format", "markdown", "--baseline", &path],
        0,
    );
    assert!(
        md.contains(&format!("1 new, 1 resolved, {remaining} remaining.")),
        "{md}"
    );
    assert!(md.contains(&format!("`{removed_id}`")), "{md}");
    assert!(md.contains("`user/retired`"), "{md}");
    assert!(md.contains("<b>critical</b> (new)"), "{md}");

    let sarif = json(&scan(
        CLOUDSPLAINING,
        &["--format", "sarif", "--baseline", &path],
        0,
    ));
    let states: BTreeSet<(String, String)> = check_sarif(&sarif, CLOUDSPLAINING)
        .iter()
        .map(|r| {
            (
                r["partialFingerprints"]["overreachFindingId/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["baselineState"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(states.contains(&(removed_id.clone(), "new".into())));
    assert_eq!(
        states.iter().filter(|(_, s)| s == "unchanged").count(),
        remaining
    );
    assert!(states.contains(&("0123456789abcdef".into(), "absent".into())));
    assert_eq!(
        states.len(),
        remaining + 2,
        "the findings of this run and the resolved one"
    );

    // with --fail-on-new only the new (critical) finding decides --fail-on
    let code = |extra: &[&str]| {
        overreach()
            .args(["scan", "--snapshot", CLOUDSPLAINING, "--as-of", AS_OF])
            .args(["--baseline", &path, "--fail-on-new"])
            .args(extra)
            .assert()
            .get_output()
            .status
            .code()
    };
    assert_eq!(code(&["--fail-on", "critical"]), Some(1));
    // a baseline without a low finding: new, but below --fail-on high
    let mut low_only = report.clone();
    let findings = low_only["findings"].as_array_mut().unwrap();
    let low = findings
        .iter()
        .position(|f| f["severity"] == "low")
        .unwrap();
    findings.remove(low);
    let low_path = write_report(dir.path(), "low.json", &low_only);
    let low_code = overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--as-of", AS_OF])
        .args([
            "--baseline",
            &low_path,
            "--fail-on-new",
            "--fail-on",
            "high",
        ])
        .assert()
        .get_output()
        .status
        .code();
    assert_eq!(low_code, Some(0));
}

#[test]
fn a_bad_baseline_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("not-json.json", "{ nope"),
        ("array.json", "[]"),
        ("sarif.json", "{\"version\": \"2.1.0\", \"runs\": []}"),
        (
            "v2.json",
            "{\"schema_version\": \"2\", \"tool\": {\"name\": \"overreach\"}, \"findings\": []}",
        ),
        (
            "broken.json",
            "{\"schema_version\": \"1\", \"tool\": {\"name\": \"overreach\"}, \"findings\": [{\"rule\": \"x\"}]}",
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = overreach()
            .args(["scan", "--snapshot", CLOUDSPLAINING, "--baseline"])
            .arg(&path)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains(name) && err.contains("schema version 1"),
            "{name}: {err}"
        );
    }
    let missing = overreach()
        .args([
            "scan",
            "--snapshot",
            CLOUDSPLAINING,
            "--baseline",
            "no/such/report.json",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(missing)
            .unwrap()
            .contains("no/such/report.json")
    );
    // a FIFO would block the run: refused
    let fifo = dir.path().join("fifo.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let err = overreach()
            .args(["scan", "--snapshot", CLOUDSPLAINING, "--baseline"])
            .arg(&fifo)
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        assert!(
            String::from_utf8(err)
                .unwrap()
                .contains("is not a regular file")
        );
    }
    // --fail-on-new needs a baseline
    overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--fail-on-new"])
        .assert()
        .code(2);
    // an unknown format is an error that lists the ones there are
    let err = overreach()
        .args(["scan", "--snapshot", CLOUDSPLAINING, "--format", "pdf"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(err)
            .unwrap()
            .contains("unknown format `pdf`")
    );
}
