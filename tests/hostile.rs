//! Hostile and broken inputs through the real `overreach` binary (issue 7).
//!
//! Every run goes through `sh -c 'ulimit -v …; exec overreach …'` (an address-space limit of
//! 2 GiB) with a 20 s timeout, and must end with a documented exit code (0/1/2/3), never a
//! panic, a signal or the timeout. Invalid input must be exit 2 with an error that names the
//! file, the place in it and what to do. Small inputs live in `fixtures/hostile/`; big ones
//! (deep nesting, 1 GB, 100,000 statements, 1 MB strings, slow wildcards) are generated into a
//! temporary folder. `RELIABILITY.md` lists every input with its expected behaviour.
//!
//! The last section holds the bugs this corpus found, each with where it was (RELIABILITY.md,
//! "Bugs found").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Wall-clock limit of one run.
const TIMEOUT: Duration = Duration::from_secs(20);
/// Wall-clock limit of one run in the tests of bugs that hung, so that a regression costs less
/// time: each of those runs takes under 1 s when right.
const QUICK_TIMEOUT: Duration = Duration::from_secs(10);
/// Address-space limit of one run, in KiB (`ulimit -v`): 2 GiB.
const MEMORY_KIB: u64 = 2 * 1024 * 1024;
/// A length for strings that must stay manageable: 1 MB.
const MB: usize = 1_000_000;
/// Nesting depth of the deep inputs.
const DEPTH: usize = 10_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn hostile(name: &str) -> PathBuf {
    root().join("fixtures/hostile").join(name)
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    what: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    timeout: Duration,
}

impl Run {
    fn timed_out(&self) -> bool {
        self.code.is_none() && self.elapsed >= self.timeout
    }

    /// No panic, no signal, no timeout, a documented exit code.
    fn survived(&self) -> &Self {
        assert!(
            !self.timed_out(),
            "{}: still running after {:?} (killed)\nstderr: {}",
            self.what,
            self.timeout,
            clip(&self.stderr)
        );
        assert!(
            !self.stderr.contains("panicked"),
            "{}: panicked\n{}",
            self.what,
            clip(&self.stderr)
        );
        assert!(
            matches!(self.code, Some(0..=3)),
            "{}: exit code {:?} is not one of the documented 0/1/2/3 (killed by a signal, or aborted: out of memory?)\nstderr: {}",
            self.what,
            self.code,
            clip(&self.stderr)
        );
        self
    }

    /// Exit 2 with one error that names the file (`file`), the place (each of `place`) and
    /// what to do (`todo`), and says nothing on stdout.
    fn input_error(&self, file: &str, place: &[&str], todo: &str) -> &Self {
        self.survived();
        assert_eq!(
            self.code,
            Some(2),
            "{}: expected exit 2 (invalid input)\nstdout: {}\nstderr: {}",
            self.what,
            clip(&self.stdout),
            clip(&self.stderr)
        );
        let err = &self.stderr;
        assert!(err.starts_with("error: "), "{}: {}", self.what, clip(err));
        assert!(
            err.contains(file),
            "{}: the error does not name `{file}`: {}",
            self.what,
            clip(err)
        );
        for p in place {
            assert!(
                err.contains(p),
                "{}: the error does not say `{p}`: {}",
                self.what,
                clip(err)
            );
        }
        assert!(
            err.contains(todo),
            "{}: the error does not say what to do (`{todo}`): {}",
            self.what,
            clip(err)
        );
        assert!(
            err.len() < 4096,
            "{}: a {}-byte error message",
            self.what,
            err.len()
        );
        assert!(
            self.stdout.is_empty(),
            "{}: {}",
            self.what,
            clip(&self.stdout)
        );
        self
    }

    /// Ran to the end (exit 0, 1 or 3): the input was accepted.
    fn accepted(&self) -> &Self {
        self.survived();
        assert!(
            matches!(self.code, Some(0 | 1 | 3)),
            "{}: expected a result, got exit {:?}: {}",
            self.what,
            self.code,
            clip(&self.stderr)
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e})", self.what))
    }
}

/// The first and last 600 characters of a long text.
fn clip(s: &str) -> String {
    if s.len() <= 1500 {
        return s.to_owned();
    }
    let head: String = s.chars().take(600).collect();
    let tail: String = s
        .chars()
        .rev()
        .take(600)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}\n[… {} bytes …]\n{tail}", s.len())
}

/// Runs `overreach ARGS` with an address-space limit (KiB) and a timeout.
fn run_limited(memory_kib: u64, timeout: Duration, args: &[OsString]) -> Run {
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {memory_kib} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("overreach"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .timeout(timeout);
    let what = format!(
        "overreach {}",
        args.iter()
            .map(|a| {
                let a = a.to_string_lossy();
                if a.len() > 120 {
                    format!("{}…({} bytes)", &a[..60], a.len())
                } else {
                    a.into_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    );
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = started.elapsed();
    eprintln!("{what}: exit {:?} in {elapsed:?}", out.status.code());
    Run {
        what,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed,
        timeout,
    }
}

thread_local! {
    /// The timeout of this test's runs (each test runs on its own thread).
    static RUN_TIMEOUT: std::cell::Cell<Duration> = const { std::cell::Cell::new(TIMEOUT) };
}

/// Called first by the tests of bugs found here: their runs get [`QUICK_TIMEOUT`].
fn quick() {
    RUN_TIMEOUT.with(|t| t.set(QUICK_TIMEOUT));
}

fn run<S: Into<OsString> + Clone>(args: &[S]) -> Run {
    let args: Vec<OsString> = args.iter().cloned().map(Into::into).collect();
    run_limited(MEMORY_KIB, RUN_TIMEOUT.with(std::cell::Cell::get), &args)
}

fn scan(snapshot: &Path) -> Run {
    run(&[OsString::from("scan"), "--snapshot".into(), snapshot.into()])
}

fn scan_json(snapshot: &Path) -> Run {
    run(&[
        OsString::from("scan"),
        "--snapshot".into(),
        snapshot.into(),
        "--format".into(),
        "json".into(),
    ])
}

fn explain(snapshot: &Path, principal: &str, action: &str, resource: Option<&str>) -> Run {
    let mut args = vec![
        OsString::from("explain"),
        "--snapshot".into(),
        snapshot.into(),
        principal.into(),
        action.into(),
    ];
    if let Some(r) = resource {
        args.push(r.into());
    }
    run(&args)
}

fn scan_with_config(config: &Path) -> Run {
    run(&[
        OsString::from("scan"),
        "--snapshot".into(),
        hostile("control-snapshot.json").into(),
        "--config".into(),
        config.into(),
    ])
}

/// `scan` and `explain user/x s3:GetObject` on one snapshot.
fn both(snapshot: &Path) -> [Run; 2] {
    [
        scan(snapshot),
        explain(snapshot, "user/x", "s3:GetObject", None),
    ]
}

/// A snapshot with one user `x` and one inline policy `p` holding `document` (JSON text).
fn snapshot_with_policy_text(document: &str, user_arn: &str) -> String {
    format!(
        r#"{{"UserDetailList": [{{"UserName": "x", "Arn": "{user_arn}", "UserPolicyList": [{{"PolicyName": "p", "PolicyDocument": {document}}}]}}]}}"#
    )
}

const USER_X: &str = "arn:aws:iam::111122223333:user/x";

fn snapshot_with_policy(document: &Value, user_arn: &str) -> String {
    snapshot_with_policy_text(&document.to_string(), user_arn)
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The first line of `explain`'s text output: the decision.
fn decision(run: &Run) -> &str {
    run.stdout.lines().next().unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// Broken files

#[test]
fn broken_snapshots_are_input_errors_naming_file_place_and_fix() {
    // (file, places the error must name, what to do)
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "invalid-utf8-start.json",
            &["line 1, column 1", "UTF-8"],
            "hint: ",
        ),
        (
            "invalid-utf8-in-string.json",
            &["line 1, column 34"],
            "hint: ",
        ),
        (
            "truncated.json",
            &[
                "ends early",
                "UserDetailList[0].UserPolicyList[0].PolicyDocument",
            ],
            "fetch it again",
        ),
        ("empty.json", &["ends early", "line 1"], "fetch it again"),
        ("null.json", &["`.`", "line 1, column"], "hint: "),
        (
            "format-version-99.json",
            &["format version 99", "newest this build reads (1)"],
            "upgrade overreach",
        ),
        // a duplicate key in the snapshot's own structure is an error
        (
            "duplicate-key-snapshot.json",
            &["duplicate field `UserDetailList`", "line 1"],
            "hint: ",
        ),
        (
            "duplicate-key-user.json",
            &["duplicate field `Arn`", "UserDetailList[0]", "line 1"],
            "hint: ",
        ),
    ];
    for (file, place, todo) in cases {
        let path = hostile(file);
        for r in both(&path) {
            r.input_error(file, place, todo);
        }
    }
}

#[test]
fn a_wrong_statement_type_makes_the_principal_inconclusive() {
    // A policy that does not parse does not stop the scan: its principal is reported
    // `inconclusive-principal` with the policy and the place, and a warning goes to stderr.
    for kind in ["number", "string", "bool", "nested-list"] {
        let path = hostile(&format!("statement-{kind}.json"));
        let r = scan_json(&path);
        r.accepted();
        assert!(
            r.stderr.contains("user/x#inline/p") && r.stderr.contains("`Statement"),
            "{}: {}",
            r.what,
            r.stderr
        );
        let report = r.json();
        let rules: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(
            rules.contains(&"inconclusive-principal"),
            "{}: {rules:?}",
            r.what
        );
        let e = explain(&path, "user/x", "s3:GetObject", None);
        e.accepted();
        assert!(
            e.stdout.contains("inconclusive"),
            "{}: {}",
            e.what,
            e.stdout
        );
        assert_ne!(decision(&e), "allowed", "{}", e.what);
    }
}

// ---------------------------------------------------------------------------------------------
// Nesting

#[test]
fn ten_thousand_deep_nesting_is_refused_without_overflowing_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let arrays = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(DEPTH), "}".repeat(DEPTH));
    let in_condition = |v: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {{"StringEquals": {{"aws:x": {v}}}}}}}]}}"#
        )
    };
    // inside a policy document inside a snapshot: arrays, objects, and the document as text
    let policy_arrays = write(
        dir.path(),
        "deep-policy-arrays.json",
        snapshot_with_policy_text(&in_condition(&arrays), USER_X),
    );
    let policy_objects = write(
        dir.path(),
        "deep-policy-objects.json",
        snapshot_with_policy_text(&in_condition(&objects), USER_X),
    );
    let policy_text = write(
        dir.path(),
        "deep-policy-text.json",
        snapshot_with_policy_text(&Value::String(in_condition(&arrays)).to_string(), USER_X),
    );
    for path in [&policy_arrays, &policy_objects, &policy_text] {
        for r in both(path) {
            r.input_error(
                &file_name(path),
                &[
                    "recursion limit",
                    "UserDetailList[0].UserPolicyList[0].PolicyDocument",
                ],
                "hint: ",
            );
        }
    }
    // under a key of the snapshot
    let under_key = write(
        dir.path(),
        "deep-under-key.json",
        format!(r#"{{"UserDetailList": {arrays}}}"#),
    );
    for r in both(&under_key) {
        r.input_error("deep-under-key.json", &["UserDetailList"], "hint: ");
    }
    // as the snapshot itself: arrays are refused; objects under an unknown key are skipped
    // (unknown keys are ignored, and serde_json skips them without recursion)
    let top_arrays = write(dir.path(), "deep-top-arrays.json", &arrays);
    for r in both(&top_arrays) {
        r.input_error("deep-top-arrays.json", &["line 1"], "hint: ");
    }
    let top_objects = write(dir.path(), "deep-top-objects.json", &objects);
    for r in both(&top_objects) {
        r.survived();
    }
}

// ---------------------------------------------------------------------------------------------
// Size

/// A 1 GiB file (sparse: a snapshot's first bytes, then NUL bytes).
fn one_gigabyte_file(dir: &Path) -> PathBuf {
    let path = dir.join("1gb.json");
    let file = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &file, br#"{"UserDetailList": ["#).unwrap();
    file.set_len(1 << 30).unwrap();
    path
}

/// A 1 GiB file whose first 2 MiB are a plausible snapshot (its start, then spaces), then
/// NUL bytes (sparse).
fn one_gigabyte_plausible_file(dir: &Path) -> PathBuf {
    let path = dir.join("1gb-plausible.json");
    let file = std::fs::File::create(&path).unwrap();
    let mut start = br#"{"UserDetailList": ["#.to_vec();
    start.resize(2 << 20, b' ');
    std::io::Write::write_all(&mut &file, &start).unwrap();
    file.set_len(1 << 30).unwrap();
    path
}

#[test]
fn a_one_gigabyte_snapshot_that_starts_well_is_read_or_refused_within_the_limits() {
    // The first MiB does not show the problem, so the whole file is read (about 1 GiB
    // resident) and refused at the first NUL byte; with less memory than the file, it is
    // refused as too large. Reading it takes 3 GiB of address space, not 2: the allocator
    // (mimalloc) reserves address space ahead of what is resident.
    let dir = tempfile::tempdir().unwrap();
    let path = one_gigabyte_plausible_file(dir.path());
    let column = format!("line 1, column {}", (2 << 20) + 1);
    let args: Vec<OsString> = vec!["scan".into(), "--snapshot".into(), path.clone().into()];
    run_limited(3 * 1024 * 1024, TIMEOUT, &args).input_error(
        "1gb-plausible.json",
        &[&column],
        "hint: ",
    );
    let args: Vec<OsString> = vec!["scan".into(), "--snapshot".into(), path.into()];
    run_limited(512 * 1024, TIMEOUT, &args).input_error(
        "1gb-plausible.json",
        &["too large"],
        "hint: ",
    );
}

#[test]
fn a_one_gigabyte_snapshot_is_refused_within_the_limits() {
    // Refused at its first bad byte (column 21) without reading the rest; see
    // `a_big_snapshot_is_not_read_whole_into_memory` for a tighter memory limit.
    let dir = tempfile::tempdir().unwrap();
    let path = one_gigabyte_file(dir.path());
    // one after the other: each run holds the whole file
    for r in both(&path) {
        r.input_error(
            "1gb.json",
            &["UserDetailList[0]", "line 1, column 21"],
            "hint: ",
        );
    }
}

#[test]
fn a_policy_with_100000_statements_finishes_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let statements: Vec<Value> = (0..100_000)
        .map(|i| {
            json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                   "Resource": format!("arn:aws:s3:::bucket-{i}/*")})
        })
        .collect();
    let doc = json!({"Version": "2012-10-17", "Statement": statements});
    let path = write(dir.path(), "100k.json", snapshot_with_policy(&doc, USER_X));
    let r = scan_json(&path);
    r.accepted();
    assert_eq!(r.json()["summary"]["principals"], 1, "{}", r.what);
    scan(&path).accepted();
    let e = explain(
        &path,
        "user/x",
        "s3:GetObject",
        Some("arn:aws:s3:::bucket-99999/k"),
    );
    e.accepted();
    assert_eq!(decision(&e), "allowed", "{}", e.stdout);
    assert!(
        e.stdout.contains("statement 99999 (Sid `S99999`"),
        "{}",
        e.stdout
    );
}

/// The snapshot of `huge_strings_*`: 1 MB in the user's ARN, a Resource ARN and condition
/// values.
fn huge_strings_snapshot(dir: &Path) -> PathBuf {
    let big = "a".repeat(MB);
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{big}")},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:prefix": big}, "StringLike": {"aws:PrincipalArn": format!("*{big}*")}}},
    ]});
    write(
        dir,
        "huge-strings.json",
        snapshot_with_policy(&doc, &format!("arn:aws:iam::111122223333:user/{big}")),
    )
}

#[test]
fn huge_strings_in_arns_and_condition_values_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let path = huge_strings_snapshot(dir.path());
    let r = scan_json(&path);
    r.accepted();
    assert_eq!(r.json()["summary"]["principals"], 1, "{}", r.what);
    // the 1 MB Resource against `*` (a specific ARN does not cover `*`), and the 1 MB
    // condition values (s3:prefix is unknown)
    let e = explain(&path, "user/x", "s3:GetObject", None);
    e.accepted();
    assert!(decision(&e).starts_with("denied"), "{}", clip(&e.stdout));
    let e = explain(&path, "user/x", "s3:PutObject", None);
    e.accepted();
    assert!(
        decision(&e).starts_with("conditional"),
        "{}",
        clip(&e.stdout)
    );
    // a long resource against a short pattern
    let resource = format!("arn:aws:s3:::{}", "b".repeat(100_000));
    let e = explain(&path, "user/x", "s3:PutObject", Some(&resource));
    e.accepted();
}

// ---------------------------------------------------------------------------------------------
// Slow matching

#[test]
fn wildcard_patterns_built_to_be_slow_are_matched_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    // `*a*a*…*a*b` (1,000 `*a`) never matches a long run of `a`: a backtracking matcher
    // takes exponential time on it.
    let pattern = format!("{}*b", "*a".repeat(1000));
    let long_name = "a".repeat(20_000);
    let long_user = format!("arn:aws:iam::111122223333:user/{long_name}");
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{pattern}")},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringLike": {"aws:PrincipalArn": format!("arn:aws:iam::111122223333:user/{pattern}"),
                                      "aws:username": pattern.clone()}}},
        {"Effect": "Allow", "Action": pattern.clone(), "Resource": "*"},
        {"Effect": "Deny", "NotAction": format!("s3:{pattern}"), "NotResource": format!("arn:aws:s3:::{pattern}")},
    ]});
    let path = write(
        dir.path(),
        "slow-wildcards.json",
        snapshot_with_policy(&doc, &long_user),
    );
    scan_json(&path).accepted();
    let resource = format!("arn:aws:s3:::{long_name}");
    let e = explain(&path, &long_user, "s3:GetObject", Some(&resource));
    e.accepted();
    assert!(decision(&e).starts_with("denied"), "{}", clip(&e.stdout));
    let e = explain(&path, &long_user, "s3:PutObject", Some(&resource));
    e.accepted();
    assert!(decision(&e).starts_with("denied"), "{}", clip(&e.stdout));
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn configuration_paths_cannot_leave_the_configurations_folder() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "outside-dotdot.toml",
            &[
                "outside-dotdot.toml:3:13",
                "roles.reader.policies[0]",
                "`../secrets/x.json`",
            ],
            "move the document under the configuration's folder",
        ),
        (
            "outside-dotdot-middle.toml",
            &[
                "outside-dotdot-middle.toml:3:13",
                "roles.reader.policies[0]",
            ],
            "move the document under the configuration's folder",
        ),
        (
            "outside-absolute.toml",
            &[
                "outside-absolute.toml:3:13",
                "roles.reader.policies[0]",
                "absolute path",
            ],
            "write it relative to the configuration file",
        ),
    ];
    for (file, place, todo) in cases {
        scan_with_config(&hostile(&format!("config/{file}"))).input_error(file, place, todo);
    }
    // the control: the same shape inside the folder is fine
    scan_with_config(&hostile("config/inside.toml")).accepted();

    // symlinks in the configuration's folder that point outside it: a file and a folder
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    let cfg = dir.path().join("cfg");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&cfg).unwrap();
    write(
        &outside,
        "x.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    );
    std::os::unix::fs::symlink(outside.join("x.json"), cfg.join("link.json")).unwrap();
    std::os::unix::fs::symlink(&outside, cfg.join("linkdir")).unwrap();
    for (name, target) in [
        ("file-link.toml", "link.json"),
        ("dir-link.toml", "linkdir/x.json"),
    ] {
        let config = write(
            &cfg,
            name,
            format!("[roles.reader]\npolicies = [\"{target}\"]\n"),
        );
        scan_with_config(&config).input_error(
            name,
            &[
                &format!("{name}:2"),
                "roles.reader.policies[0]",
                "resolves outside",
            ],
            "keep baseline files inside it",
        );
    }
}

#[test]
fn hostile_configuration_content_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let deep_arrays = write(
        dir.path(),
        "deep-arrays.toml",
        format!("x = {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH)),
    );
    let deep_tables = write(
        dir.path(),
        "deep-tables.toml",
        format!("x = {}1{}\n", "{a=".repeat(DEPTH), "}".repeat(DEPTH)),
    );
    let deep_keys = write(
        dir.path(),
        "deep-keys.toml",
        format!("[{}]\n", vec!["a"; DEPTH].join(".")),
    );
    for path in [&deep_arrays, &deep_tables, &deep_keys] {
        scan_with_config(path).input_error(&file_name(path), &[":1:"], "fix the syntax");
    }
    let duplicate = write(
        dir.path(),
        "duplicate.toml",
        "[roles.a]\nkind = \"agent\"\nkind = \"human\"\n",
    );
    scan_with_config(&duplicate).input_error("duplicate.toml", &[":3:1", "duplicate key"], "fix");
    // a baseline policy file with a duplicate key, and one 10,000 deep
    write(
        dir.path(),
        "dup-policy.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    let dup_policy = write(
        dir.path(),
        "dup-policy.toml",
        "[roles.a]\npolicies = [\"dup-policy.json\"]\n",
    );
    scan_with_config(&dup_policy).input_error(
        "dup-policy.toml",
        &[":2:13", "dup-policy.json", "duplicate field `Effect`"],
        "fix the document",
    );
    write(
        dir.path(),
        "deep-policy.json",
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {{"StringEquals": {{"aws:x": {}{}}}}}}}]}}"#,
            "[".repeat(DEPTH),
            "]".repeat(DEPTH)
        ),
    );
    let deep_policy = write(
        dir.path(),
        "deep-policy.toml",
        "[roles.a]\npolicies = [\"deep-policy.json\"]\n",
    );
    scan_with_config(&deep_policy).input_error(
        "deep-policy.toml",
        &[":2:13", "deep-policy.json"],
        "fix the document",
    );
    // an empty configuration declares nothing
    let empty = write(dir.path(), "empty.toml", "");
    scan_with_config(&empty).accepted();
}

// ---------------------------------------------------------------------------------------------
// Bugs found by this corpus (RELIABILITY.md, "Bugs found"): each test failed on the code as it
// was and describes where the bug was. Their runs have the shorter `QUICK_TIMEOUT`.

/// Was a bug: a duplicate key inside a policy document of a snapshot was silently resolved to
/// the last value (`overreach-snapshot` `document.rs`: the document became a
/// `serde_json::Value`, whose map keeps the last duplicate), in object and in text form. A
/// second `Statement` key hid a Deny and a second `Effect` turned a Deny into an Allow:
/// `explain` said "allowed". A baseline policy file with a duplicate key was already refused
/// (`hostile_configuration_content_is_an_input_error`). Now: an error that names the key, and
/// never "allowed".
#[test]
fn duplicate_keys_in_a_snapshot_policy_are_never_silently_dropped() {
    quick();
    for file in [
        "duplicate-key-policy-statement.json",
        "duplicate-key-policy-effect.json",
        "duplicate-key-policy-text.json",
    ] {
        let path = hostile(file);
        let e = explain(&path, "user/x", "s3:GetObject", None);
        e.survived();
        assert!(
            e.stderr.contains("duplicate") || e.stdout.contains("duplicate"),
            "{file}: no word about the duplicate key; decision `{}`\n{}",
            decision(&e),
            e.stdout
        );
        assert_ne!(decision(&e), "allowed", "{file}: a hidden Deny");
    }
}

/// Was a bug: a JSON array at the top of a snapshot was read as a snapshot, element by element
/// in field order (serde's derived `Deserialize` for `Snapshot` accepts a sequence): `[]` was
/// an empty account (exit 0), `[null, [user]]` an account with that user, and a deep array
/// said "invalid type: sequence, expected u32".
#[test]
fn a_top_level_array_is_not_a_snapshot() {
    quick();
    for file in ["top-level-array.json", "top-level-array-positional.json"] {
        for r in both(&hostile(file)) {
            r.input_error(file, &["line 1"], "hint: ");
        }
    }
}

/// Was a bug (usability): a JSON object with none of a snapshot's keys, such as a policy
/// document given by mistake, loaded as an empty account: exit 0, "0 principals". A file
/// without `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies` and `overreach` is
/// not a snapshot.
#[test]
fn a_file_without_any_snapshot_key_is_not_a_snapshot() {
    quick();
    let file = "policy-document-as-snapshot.json";
    scan(&hostile(file)).input_error(file, &["UserDetailList"], "hint: ");
}

/// Was a bug (message): UTF-16 (what Windows PowerShell 5's `>` writes), a binary file and a
/// UTF-8 byte-order mark got "expected value at line 1 column 1" and a hint about damaged
/// files; a configuration that is not UTF-8 got "stream did not contain valid UTF-8", with no
/// line and no hint. The error must say the file is not UTF-8 text; a UTF-8 BOM is either
/// skipped or named.
#[test]
fn encoding_problems_are_named() {
    for file in ["utf16.json", "invalid-utf8-start.json"] {
        scan(&hostile(file)).input_error(file, &["UTF-8", "line 1, column 1"], "hint: ");
    }
    let bom = scan(&hostile("utf8-bom.json"));
    if bom.code == Some(2) {
        bom.input_error("utf8-bom.json", &["UTF-8"], "hint: ");
    } else {
        bom.accepted();
    }
    let file = "invalid-utf8.toml";
    scan_with_config(&hostile(&format!("config/{file}"))).input_error(
        file,
        &[&format!("{file}:2:"), "UTF-8"],
        "save it as UTF-8",
    );
}

/// Was a bug: the table report hung on a long principal name (comfy-table's dynamic
/// arrangement, `split_line` → `unicode_width::str_width` from `report/table.rs` `render`, is
/// quadratic in a cell's length): a 1 MB user ARN (100 KB was enough) did not finish in 20 s.
#[test]
fn the_table_report_stays_fast_with_a_huge_principal_arn() {
    let dir = tempfile::tempdir().unwrap();
    let path = huge_strings_snapshot(dir.path());
    scan(&path).accepted();
}

/// Was a bug: `input::load_snapshot` read the whole file into memory (`std::fs::read`) before
/// parsing, so a 1 GB file cost 1 GB of memory (and 3.5 s) although it is refused at byte 21;
/// with less memory than the file the error was "cannot read the snapshot: out of memory",
/// with no hint. Under 512 MiB the answer must be the same as with plenty of memory.
/// (`--config` and baseline files were read the same way, with `read_to_string`.)
#[test]
fn a_big_snapshot_is_not_read_whole_into_memory() {
    quick();
    let dir = tempfile::tempdir().unwrap();
    let path = one_gigabyte_file(dir.path());
    let args: Vec<OsString> = vec!["scan".into(), "--snapshot".into(), path.into()];
    run_limited(512 * 1024, QUICK_TIMEOUT, &args).input_error(
        "1gb.json",
        &["line 1, column 21"],
        "hint: ",
    );
}

/// Was a bug: a baseline file that is a FIFO (named pipe) in the configuration's folder hung
/// the run: `input::load_config` called `read_to_string` on whatever the path was, without
/// checking that it is a regular file.
#[test]
fn a_fifo_as_baseline_file_is_refused_not_waited_on() {
    quick();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let config = write(
        dir.path(),
        "fifo.toml",
        "[roles.a]\npolicies = [\"fifo.json\"]\n",
    );
    scan_with_config(&config).input_error("fifo.toml", &[":2:13", "fifo.json"], "regular file");
}

/// Was a bug (message): a `Statement` of the wrong type was reported as "expected struct
/// RawStatement", the name of a Rust type of `overreach-policy` `parse.rs`, instead of what a
/// statement is (an object, or a list of objects).
#[test]
fn a_wrong_statement_type_message_names_no_internal_type() {
    quick();
    let r = scan(&hostile("statement-number.json"));
    r.accepted();
    assert!(!r.stderr.contains("RawStatement"), "{}", r.stderr);
}

/// Was a bug: `Baseline::add` (`overreach-analysis` `config.rs`, `self.scoped.iter_mut().find`
/// at line 346) searched the role's scoped rules linearly for each statement, so a baseline
/// file with N statements on distinct resources took O(N²): 5,000 statements 0.8 s, 10,000
/// 2.2 s, 100,000 over 20 s (debug build). (The same 100,000 statements in a snapshot's inline
/// policy take 2 s: `a_policy_with_100000_statements_finishes_in_bounded_time`.)
#[test]
fn a_baseline_with_100000_statements_takes_linear_time() {
    quick();
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from(r#"{"Version": "2012-10-17", "Statement": ["#);
    for i in 0..100_000 {
        if i > 0 {
            big.push(',');
        }
        write!(
            big,
            r#"{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-{i}/*"}}"#
        )
        .unwrap();
    }
    big.push_str("]}");
    write(dir.path(), "big-policy.json", big);
    let big_policy = write(
        dir.path(),
        "big-policy.toml",
        "[roles.a]\npolicies = [\"big-policy.json\"]\n",
    );
    scan_with_config(&big_policy).accepted();
}

/// Was a bug: `glob::match_resource_arn` (`overreach-policy` `glob.rs` line 233) walked every
/// pattern position for every character of the ARN (`for i in 0..m`, and `close_stars`),
/// even when only one position was active, so matching cost len(pattern) × len(ARN) for a
/// plain literal too. A 1 MB `Resource` against a 100 KB resource in `explain`, and `scan` of
/// a user allowed `sts:AssumeRole` on a role whose ARN is 100 KB (the can-assume edge matches
/// the 100 KB pattern against the same 100 KB ARN), ran past 20 s.
#[test]
fn resource_matching_is_linear_in_the_length_of_literals() {
    quick();
    let dir = tempfile::tempdir().unwrap();
    let path = huge_strings_snapshot(dir.path());
    let resource = format!("arn:aws:s3:::{}", "a".repeat(100_000));
    let e = explain(&path, "user/x", "s3:GetObject", Some(&resource));
    e.accepted();
    assert!(decision(&e).starts_with("denied"), "{}", clip(&e.stdout));

    let role_arn = format!("arn:aws:iam::111122223333:role/{}", "r".repeat(100_000));
    let snapshot = json!({
        "UserDetailList": [{"UserName": "x", "Arn": USER_X, "UserPolicyList": [{"PolicyName": "p",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}}]}],
        "RoleDetailList": [{"RoleName": "r".repeat(100_000), "Arn": role_arn,
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]}}],
    });
    let path = write(dir.path(), "long-role.json", snapshot.to_string());
    scan_json(&path).accepted();
}

/// A snapshot can come from a pipe: `aws iam get-account-authorization-details | overreach
/// scan --snapshot /dev/stdin`, or `--snapshot <(…)`. Refusing FIFOs belongs to baseline files
/// named by a configuration (`a_fifo_as_baseline_file_is_refused_not_waited_on`), not to the
/// file the user names on the command line.
#[test]
fn a_snapshot_can_be_read_from_a_pipe() {
    quick();
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_KIB} && exec \"$0\" scan --snapshot /dev/stdin --format json"
        ))
        .arg(assert_cmd::cargo::cargo_bin("overreach"))
        .current_dir(root())
        .pipe_stdin(hostile("control-snapshot.json"))
        .unwrap()
        .timeout(QUICK_TIMEOUT)
        .assert()
        .code(0);
}
