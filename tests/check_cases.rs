//! `overreach check` on every case of `fixtures/check/` (base/head pairs per input format):
//! the exit code, the principals' added and removed rights, the findings the change
//! introduces with their SARIF file and line, the notes, and the JSON report against its
//! schema (`schema/check-v1.schema.json`). The expectations are each case's `expect.toml`
//! (format in `fixtures/check/README.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/check-v1.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("the check schema is not a valid draft 2020-12 schema: {e}"));
    jsonschema::draft202012::options()
        .build(&schema)
        .unwrap_or_else(|e| panic!("the check schema does not compile: {e}"))
}

struct Outcome {
    code: i32,
    json: Value,
    sarif: Value,
    stderr: String,
}

fn run_case(case: &Path, out: &Path) -> Outcome {
    let json = out.join("check.json");
    let sarif = out.join("check.sarif");
    let o = Command::new(env!("CARGO_BIN_EXE_overreach"))
        .current_dir(root())
        .arg("check")
        .arg("--base")
        .arg(case.join("base"))
        .arg("--head")
        .arg(case.join("head"))
        .arg("--config")
        .arg(case.join("overreach.toml"))
        .arg("--as-of")
        .arg("2026-11-24")
        .arg("--format")
        .arg(format!("json={}", json.display()))
        .arg("--format")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    let read = |p: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap_or_else(|e| {
            panic!(
                "{}: no output {} ({e}); stderr: {}",
                case.display(),
                p.display(),
                String::from_utf8_lossy(&o.stderr)
            )
        }))
        .unwrap()
    };
    Outcome {
        code: o.status.code().unwrap_or(-1),
        json: read(&json),
        sarif: read(&sarif),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_ascii_lowercase))
                .collect()
        })
        .unwrap_or_default()
}

/// Every action (lowercase) of a change's groups (`added` or `removed`), by the full `names`
/// lists (`actions` details only the first ten per group).
fn actions(change: &Value, key: &str) -> Vec<String> {
    change[key]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["names"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_ascii_lowercase())
        .collect()
}

fn check_case(case: &Path, validator: &jsonschema::Validator) -> Vec<String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let expect: toml::Table =
        toml::from_str(&std::fs::read_to_string(case.join("expect.toml")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let o = run_case(case, dir.path());
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{name}: {m}"));
    if let Err(e) = validator.validate(&o.json) {
        fail(format!("the JSON report does not match the schema: {e}"));
    }
    let exit = expect["exit"].as_integer().unwrap();
    if i64::from(o.code) != exit {
        fail(format!(
            "exit {} (expected {exit}); stderr: {}",
            o.code, o.stderr
        ));
    }
    let changes = o.json["changes"].as_array().unwrap();
    let introduced = o.json["introduced"].as_array().unwrap();
    if expect.get("no_change").and_then(toml::Value::as_bool) == Some(true) {
        let changed: Vec<&str> = changes
            .iter()
            .filter(|c| {
                !c["added"].as_array().unwrap().is_empty()
                    || !c["removed"].as_array().unwrap().is_empty()
            })
            .map(|c| c["principal"].as_str().unwrap())
            .collect();
        if !changed.is_empty() {
            fail(format!("expected no change, rights change for {changed:?}"));
        }
        let new: Vec<&str> = introduced
            .iter()
            .filter(|i| i["status"] == "new")
            .map(|i| i["finding"]["rule"].as_str().unwrap())
            .collect();
        if !new.is_empty() {
            fail(format!("expected no new finding, got {new:?}"));
        }
    }
    for c in expect
        .get("change")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let principal = c["principal"].as_str().unwrap();
        let Some(got) = changes.iter().find(|x| x["principal"] == principal) else {
            fail(format!("no change reported for {principal}"));
            continue;
        };
        for (key, want) in [
            ("added", strings(c.get("added"))),
            ("removed", strings(c.get("removed"))),
        ] {
            let have = actions(got, key);
            for a in want {
                if !have.contains(&a) {
                    fail(format!("{principal}: `{a}` not among {key} actions"));
                }
            }
        }
    }
    let results = o.sarif["runs"][0]["results"].as_array().unwrap();
    for f in expect
        .get("new_finding")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let rule = f["rule"].as_str().unwrap();
        let principal = f["principal"].as_str().unwrap();
        if !introduced
            .iter()
            .any(|i| i["finding"]["rule"] == rule && i["finding"]["principal"] == principal)
        {
            fail(format!(
                "{rule} for {principal} is not reported as introduced"
            ));
            continue;
        }
        let Some(line) = f.get("line").and_then(toml::Value::as_integer) else {
            continue;
        };
        let file = f["file"].as_str().unwrap();
        let want_uri = format!(
            "{}/head/{file}",
            case.strip_prefix(root()).unwrap_or(case).display()
        );
        let want_uri = want_uri.trim_start_matches("./").to_string();
        let hit = results
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["principal"] == principal);
        match hit {
            None => fail(format!("no SARIF result for {rule} on {principal}")),
            Some(r) => {
                let loc = &r["locations"][0]["physicalLocation"];
                let uri = loc["artifactLocation"]["uri"].as_str().unwrap_or_default();
                let got = loc["region"]["startLine"].as_i64().unwrap_or(0);
                if !uri.ends_with(&want_uri) || got != line {
                    fail(format!(
                        "{rule} on {principal}: SARIF at {uri}:{got}, expected {want_uri}:{line}"
                    ));
                }
            }
        }
    }
    let notes = o.json["head"]["notes"].as_array().unwrap();
    for n in expect
        .get("note")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let kind = n["kind"].as_str().unwrap();
        let file = n["file"].as_str().unwrap();
        if !notes.iter().any(|x| {
            x["kind"] == kind
                && x["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with(file)
        }) {
            fail(format!("no `{kind}` note in {file}"));
        }
    }
    problems
}

#[test]
fn every_check_case_meets_its_expectations() {
    let validator = validator();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/check"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 20,
        "expected the 20 check cases, found {}",
        cases.len()
    );
    let problems: Vec<String> = cases
        .iter()
        .flat_map(|c| check_case(c, &validator))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn overreach_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_overreach"));
    c.current_dir(dir);
    c
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn base_from_a_git_revision_reads_the_commit_without_touching_the_work_tree() {
    let case = root().join("fixtures/check/cfn-yaml-widen-passrole");
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    std::fs::copy(case.join("base/template.yaml"), dir.join("template.yaml")).unwrap();
    std::fs::copy(case.join("overreach.toml"), dir.join("overreach.toml")).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    // the pull request's change, not committed: HEAD is the base, the work tree the head
    let head_text = std::fs::read(case.join("head/template.yaml")).unwrap();
    std::fs::write(dir.join("template.yaml"), &head_text).unwrap();
    let o = overreach_in(dir)
        .args([
            "check", "--base", "HEAD", "--head", ".", "--format", "sarif",
        ])
        .output()
        .unwrap();
    assert_exit(&o, 1);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "privilege-escalation")
        .expect("a privilege-escalation result");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "template.yaml");
    assert_eq!(loc["region"]["startLine"], 32);
    // the work tree is what it was; a revision that does not exist is a clear error
    assert_eq!(std::fs::read(dir.join("template.yaml")).unwrap(), head_text);
    let o = overreach_in(dir)
        .args(["check", "--base", "no-such-rev", "--head", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("neither a file, a folder, nor a git revision")
    );
    // base and head both revisions: no change
    git(dir, &["commit", "-qam", "head"]);
    let o = overreach_in(dir)
        .args([
            "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["head"]["files"]["template.yaml"], "cloudformation");
}

#[test]
fn symbolic_links_in_a_checked_folder_are_not_followed() {
    let case = root().join("fixtures/check/cfn-json-attach-admin-to-readonly");
    let tmp = tempfile::tempdir().unwrap();
    let (base, head) = (tmp.path().join("base"), tmp.path().join("head"));
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&head).unwrap();
    // the head's template is only reachable through a link: it must not be read
    std::os::unix::fs::symlink(case.join("head/template.json"), head.join("template.json"))
        .unwrap();
    std::os::unix::fs::symlink("/", head.join("root")).unwrap();
    let o = overreach_in(tmp.path())
        .args([
            "check", "--base", "base", "--head", "head", "--format", "json",
        ])
        .arg("--config")
        .arg(case.join("overreach.toml"))
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let skipped: Vec<&str> = json["head"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["head/root", "head/template.json"]);
    assert!(json["head"]["files"].as_object().unwrap().is_empty());
}

#[test]
fn broken_templates_are_errors_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, head) = (tmp.path().join("base"), tmp.path().join("head"));
    std::fs::create_dir_all(&base).unwrap();
    std::fs::create_dir_all(&head).unwrap();
    // a billion-laughs alias bomb, and a truncated JSON template (fixtures/hostile/check)
    let hostile = root().join("fixtures/hostile/check");
    std::fs::copy(hostile.join("alias-bomb.yaml"), head.join("bomb.yaml")).unwrap();
    std::fs::copy(
        hostile.join("truncated-template.json"),
        head.join("cut.json"),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let o = overreach_in(tmp.path())
        .args(["check", "--base", "base", "--head", "head"])
        .output()
        .unwrap();
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("2 input file(s) of `head` cannot be read"),
        "{err}"
    );
    assert!(err.contains("head/bomb.yaml:"), "{err}");
    assert!(err.contains("head/cut.json:1:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn cloudformation_fixtures_pass_cfn_lint() {
    // the README's test command installs cfn-lint: without it this test fails, it never
    // passes silently
    let version = Command::new("cfn-lint").arg("--version").output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "cfn-lint is not installed: run tools/test.sh or `pip install cfn-lint==1.51.0`"
    );
    let o = Command::new("bash")
        .arg(root().join("tools/check/cfn-lint.sh"))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn markdown_comment_names_the_finding_its_line_and_the_change() {
    let case = root().join("fixtures/check/cfn-yaml-widen-passrole");
    let o = overreach_in(&root())
        .arg("check")
        .arg("--base")
        .arg(case.join("base"))
        .arg("--head")
        .arg(case.join("head"))
        .arg("--config")
        .arg(case.join("overreach.toml"))
        .args(["--format", "markdown", "--as-of", "2026-11-24"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("## overreach check: failed\n"), "{md}");
    assert!(
        md.contains("| critical | `privilege-escalation` | `role/deploy` |"),
        "{md}"
    );
    assert!(
        md.contains("cfn-yaml-widen-passrole/head/template.yaml:32 |"),
        "{md}"
    );
    assert!(md.contains("- **`role/deploy`** (changed"), "{md}");
    assert!(
        md.contains("newly reaches `role/account-janitor` (escalation lambda-001)\n"),
        "{md}"
    );
    assert!(
        md.contains("of which its own policies grant: iam Write ×1 (iam:PassRole) on *"),
        "{md}"
    );
    // a pull request that changes nothing says so and passes
    let case = root().join("fixtures/check/cfn-yaml-reorder-noop");
    let o = overreach_in(&root())
        .arg("check")
        .arg("--base")
        .arg(case.join("base"))
        .arg("--head")
        .arg(case.join("head"))
        .arg("--config")
        .arg(case.join("overreach.toml"))
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(
        md.contains("No change in any principal's effective rights."),
        "{md}"
    );
}

#[test]
fn context_snapshot_judges_the_change_with_what_principals_already_have() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for side in ["base", "head"] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
    }
    // the live account: an auditor declared readonly by its tags, and a role the change deletes
    let context = serde_json::json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [
            {"RoleName": "auditor", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/auditor",
             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
             "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
             "Tags": [{"Key": "declared-role", "Value": "readonly"}, {"Key": "principal-kind", "Value": "human"}]},
            {"RoleName": "old-batch", "Path": "/", "Arn": "arn:aws:iam::111122223333:role/old-batch",
             "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
             "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
        ]
    });
    std::fs::write(dir.join("live.json"), context.to_string()).unwrap();
    std::fs::write(
        dir.join("overreach.toml"),
        "[roles.readonly]\naccess_levels = [\"List\", \"Read\"]\n",
    )
    .unwrap();
    let role = |name: &str| {
        format!(
            "  {name}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}\n      AssumeRolePolicyDocument:\n        Statement: []\n"
        )
    };
    std::fs::write(
        dir.join("base/template.yaml"),
        format!("Resources:\n{}", role("old-batch")),
    )
    .unwrap();
    // head: the stack no longer defines old-batch; a policy is attached to the existing auditor
    std::fs::write(
        dir.join("head/template.yaml"),
        "Resources:\n  Cleanup:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: cleanup\n      Roles: [auditor]\n      PolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: s3:DeleteObject\n            Resource: '*'\n",
    )
    .unwrap();
    let run = |context: bool| -> (i32, Value) {
        let mut c = overreach_in(dir);
        c.args([
            "check",
            "--base",
            "base",
            "--head",
            "head",
            "--config",
            "overreach.toml",
        ])
        .args(["--format", "json"]);
        if context {
            c.args(["--context-snapshot", "live.json"]);
        } else {
            c.args(["--account-id", "111122223333"]);
        }
        let o = c.output().unwrap();
        (
            o.status.code().unwrap(),
            serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr))),
        )
    };
    // with the live account: the auditor is declared readonly, so the delete is an excess
    let (code, json) = run(true);
    assert_eq!(code, 1, "{json:#}");
    let introduced: Vec<(&str, &str)> = json["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["finding"]["rule"].as_str().unwrap(),
                i["finding"]["principal"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        introduced.contains(&(
            "exceeds-declared-role",
            "arn:aws:iam::111122223333:role/auditor"
        )),
        "{introduced:?}"
    );
    let status = |json: &Value, arn: &str| -> Option<String> {
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["principal"] == arn)
            .map(|c| c["status"].as_str().unwrap().to_string())
    };
    assert_eq!(
        status(&json, "arn:aws:iam::111122223333:role/auditor").as_deref(),
        Some("changed")
    );
    assert_eq!(
        status(&json, "arn:aws:iam::111122223333:role/old-batch").as_deref(),
        Some("removed")
    );
    // without it the auditor is only a stub (no tags, no declared role): nothing to fail on,
    // and the stub is noted as external
    let (code, json) = run(false);
    assert_eq!(code, 0, "{json:#}");
    assert!(
        json["head"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "external")
    );
}

/// A role `app` declared `app` (s3:GetObject on app/*), its inline statements as YAML list
/// items (indented for `Statement:`).
fn app_template(statements: &str) -> String {
    format!(
        "Resources:\n  App:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      AssumeRolePolicyDocument:\n        Statement: []\n      Tags:\n        - {{Key: declared-role, Value: app}}\n        - {{Key: principal-kind, Value: agent}}\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n{statements}"
    )
}

const APP_CONFIG: &str = "[roles.app]\nkind = \"agent\"\nallow = [{ actions = [\"s3:GetObject\"], resources = [\"arn:aws:s3:::app/*\"] }]\n";

/// Runs a check of `base` against `head` templates (file name → text) with `APP_CONFIG`.
fn check_pair(
    base: &[(&str, &str)],
    head: &[(&str, &str)],
    extra: &[&str],
) -> (i32, Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    for (side, files) in [("base", base), ("head", head)] {
        std::fs::create_dir_all(tmp.path().join(side)).unwrap();
        for (name, text) in files {
            std::fs::write(tmp.path().join(side).join(name), text).unwrap();
        }
    }
    std::fs::write(tmp.path().join("overreach.toml"), APP_CONFIG).unwrap();
    let o = overreach_in(tmp.path())
        .args([
            "check",
            "--base",
            "base",
            "--head",
            "head",
            "--config",
            "overreach.toml",
        ])
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let json = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap(), json, stderr)
}

fn stmt(action: &str, resources: &str, extra: &str) -> String {
    format!(
        "              - Effect: Allow\n                Action: {action}\n                Resource: {resources}\n{extra}"
    )
}

#[test]
fn an_existing_excess_on_more_resources_is_a_worse_finding() {
    let base = app_template(&stmt("s3:GetObject", "arn:aws:s3:::logs/*", ""));
    let head = app_template(&stmt("s3:GetObject", "'*'", ""));
    let (code, json, err) = check_pair(
        &[("t.yaml", &base)],
        &[("t.yaml", &head)],
        &["--fail-on", "low"],
    );
    assert_eq!(code, 1, "{err}{json:#}");
    let statuses: Vec<&str> = json["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["finding"]["rule"] == "exceeds-declared-role")
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["worse"]);
    let because = json["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "worse")
        .and_then(|i| i["worse_because"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(because.contains("s3:GetObject"), "{because}");
}

#[test]
fn merged_statements_and_reordered_unknown_resources_are_no_change() {
    let two = format!(
        "{}{}",
        stmt("s3:GetObject", "arn:aws:s3:::app/a/*", ""),
        stmt("s3:GetObject", "arn:aws:s3:::app/b/*", "")
    );
    let one = stmt(
        "s3:GetObject",
        "[arn:aws:s3:::app/b/*, arn:aws:s3:::app/a/*]",
        "",
    );
    let unknown_ab = stmt(
        "s3:PutObject",
        "[!GetAtt Bucket.Arn, !ImportValue shared-bucket]",
        "",
    );
    let unknown_ba = stmt(
        "s3:PutObject",
        "[!ImportValue shared-bucket, !GetAtt Bucket.Arn]",
        "",
    );
    let bucket = "  Bucket:\n    Type: AWS::S3::Bucket\n";
    let base = format!("{}{two}{unknown_ab}", app_template(""))
        .replace("Resources:\n", &format!("Resources:\n{bucket}"));
    let head = format!("{}{one}{unknown_ba}", app_template(""))
        .replace("Resources:\n", &format!("Resources:\n{bucket}"));
    let (code, json, err) = check_pair(
        &[("t.yaml", &base)],
        &[("t.yaml", &head)],
        &["--fail-on", "low"],
    );
    assert_eq!(code, 0, "{err}{json:#}");
    assert_eq!(json["changes"], serde_json::json!([]), "{json:#}");
}

#[test]
fn a_removed_condition_is_a_gain() {
    let mfa = "                Condition: {Bool: {aws:MultiFactorAuthPresent: 'true'}}\n";
    let base = app_template(&stmt("s3:DeleteObject", "arn:aws:s3:::app/*", mfa));
    let head = app_template(&stmt("s3:DeleteObject", "arn:aws:s3:::app/*", ""));
    let (_, json, err) = check_pair(&[("t.yaml", &base)], &[("t.yaml", &head)], &[]);
    let added: Vec<&str> = json["changes"][0]["added"]
        .as_array()
        .unwrap_or_else(|| panic!("{err}{json:#}"))
        .iter()
        .flat_map(|g| g["names"].as_array().unwrap().iter())
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(added, ["s3:DeleteObject"], "{json:#}");
}

#[test]
fn one_principal_defined_in_two_files_is_an_error() {
    let t = app_template(&stmt("s3:GetObject", "arn:aws:s3:::app/*", ""));
    let (code, _, err) = check_pair(
        &[("t.yaml", &t)],
        &[("dev.yaml", &t), ("prod.yaml", &t)],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("head/prod.yaml:") && err.contains("is also defined in `head/dev.yaml`"),
        "{err}"
    );
}

#[test]
fn a_partial_snapshot_among_the_inputs_makes_the_result_partial() {
    let snap = r#"{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [],
        "Errors": [{"api": "ListAccessKeys", "target": "alice", "permission": "iam:ListAccessKeys", "kind": "denied", "message": "denied"}]}"#;
    let (code, json, err) = check_pair(&[("s.json", snap)], &[("s.json", snap)], &[]);
    assert_eq!(code, 3, "{err}{json:#}");
    assert_eq!(json["partial"], true);
}

#[test]
fn declared_roles_loosened_in_the_same_change_are_not_applied() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    let readonly = "[roles.readonly]\naccess_levels = [\"List\", \"Read\"]\n";
    let role = |managed: &str| {
        format!(
            "Resources:\n  Auditor:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: auditor\n      AssumeRolePolicyDocument:\n        Statement: []\n      ManagedPolicyArns: [{managed}]\n      Tags:\n        - {{Key: declared-role, Value: readonly}}\n"
        )
    };
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("overreach.toml"), readonly).unwrap();
    std::fs::write(
        dir.join("infra/t.yaml"),
        role("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    )
    .unwrap();
    std::fs::write(
        dir.join("other/t.yaml"),
        role("arn:aws:iam::aws:policy/ReadOnlyAccess").replace("auditor", "other"),
    )
    .unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    // run from a subfolder: the other folder's stack is not "removed"
    let o = overreach_in(&dir.join("infra"))
        .args([
            "check",
            "--base",
            "HEAD",
            "--head",
            ".",
            "--format",
            "json",
            "--config",
            "../overreach.toml",
        ])
        .output()
        .unwrap();
    assert_exit(&o, 0);
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"], serde_json::json!([]), "{json:#}");
    // the change attaches admin and widens `readonly` in the same commit: judged by the base's
    std::fs::write(
        dir.join("infra/t.yaml"),
        role("arn:aws:iam::aws:policy/AdministratorAccess"),
    )
    .unwrap();
    std::fs::write(
        dir.join("overreach.toml"),
        "[roles.readonly]\naccess_levels = [\"List\", \"Read\", \"Write\", \"Permissions management\", \"Tagging\"]\n",
    )
    .unwrap();
    let o = overreach_in(dir)
        .args([
            "check",
            "--base",
            "HEAD",
            "--head",
            ".",
            "--format",
            "json",
            "--config",
            "overreach.toml",
        ])
        .output()
        .unwrap();
    assert_exit(&o, 1);
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        json["review"][0]
            .as_str()
            .unwrap()
            .contains("the declared roles"),
        "{json:#}"
    );
}

/// The run exited with `code` (its stderr shown when not).
fn assert_exit(o: &std::process::Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
