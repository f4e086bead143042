//! Failure drills of `overreach fetch` (the hostile-input issue), against a real IAM API on
//! loopback (moto_server) behind the fault-injecting proxy of `support/moto_proxy.rs`: a
//! pagination marker that repeats, calls slower than the attempt timeout, `kill -9` in the
//! middle of a run or of a write, and secrets on every output including failure paths.
//!
//! Each drill asserts what RELIABILITY.md promises: the run finishes, everything fetched is in
//! the snapshot, everything missing is in its `Errors`, the exit code says partial (3), and the
//! output file is whole (never half-written). Needs `moto_server` and boto3 on PATH, like
//! `tests/fetch_moto.rs`: without them the tests fail with the install command, they never
//! skip.

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
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moto::Moto;
use moto_proxy::{Fault, Proxy, Request};
use overreach_snapshot::{FetchErrorKind, Snapshot};

/// The credentials every run signs with: distinctive, with the `/` and `+` of real ones, so
/// that a leak is found in any encoding.
const ACCESS_KEY_ID: &str = "ASIAOVERREACHDRILL01";
const SECRET_ACCESS_KEY: &str = "drillSecretKey/9f3Q+7zWq2Lk0PvXcR4tYb8NmE1uIo6Hs5Ja";
const SESSION_TOKEN: &str = "drillSessionToken//Fw8Kp+3Rz0Qy7Ux2Vn5Lm9Ht4Jc6Bd1Ge==";

/// What the proxy answers to sts:AssumeRole in the secrets drill: the role's credentials.
const ASSUMED_SECRET: &str = "drillAssumedSecret/Zt6Yp+1Qa8Ws3Ed5Rf7Tg9Yh2Uj4Ik0Ol";
const ASSUMED_TOKEN: &str = "drillAssumedToken/Mn4Bv+6Cx8Za0Sd2Fg3Hj5Kl7Qw9Er1Ty==";
const ASSUME_ROLE_RESPONSE: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAOVERREACHROLE001</AccessKeyId><SecretAccessKey>drillAssumedSecret/Zt6Yp+1Qa8Ws3Ed5Rf7Tg9Yh2Uj4Ik0Ol</SecretAccessKey><SessionToken>drillAssumedToken/Mn4Bv+6Cx8Za0Sd2Fg3Hj5Kl7Qw9Er1Ty==</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/audit/overreach-fetch</Arn><AssumedRoleId>AROAOVERREACHDRILL01:overreach-fetch</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></AssumeRoleResponse>";

const MARKER_REPEATED: &str = "the API returned a pagination marker it had already returned";

/// `overreach` with the drill's credentials and no access to the user's AWS configuration.
fn overreach() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("overreach"));
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_CONFIG_FILE", "/nonexistent/overreach-test")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/overreach-test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // overreach has no verbosity flag and installs no log subscriber; should one ever
        // appear, these drills run with everything it could print.
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1");
    cmd
}

/// Runs `cmd` to its end; a run that does not finish within 60 s fails the test.
fn run(cmd: std::process::Command) -> Output {
    assert_cmd::Command::from_std(cmd)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn load(path: &Path) -> Snapshot {
    Snapshot::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("`{}` is not a whole snapshot: {e}", path.display()))
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let names: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.into_iter().collect()
}

/// A clean fetch straight from moto (no proxy), as the reference of what exists.
fn clean_fetch(moto: &Moto, extra: &[&str]) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clean.json");
    let mut cmd = overreach();
    cmd.args([
        "fetch",
        "--max-attempts",
        "1",
        "--endpoint-url",
        &moto.url(),
    ])
    .args(extra)
    .arg("-o")
    .arg(&out);
    let result = run(cmd);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    load(&out)
}

/// The (api, target) of every recorded error, sorted.
fn error_calls(s: &Snapshot) -> Vec<(String, String)> {
    let mut calls: Vec<_> = s
        .errors
        .iter()
        .map(|e| (e.api.clone(), e.target.clone()))
        .collect();
    calls.sort();
    calls
}

fn user_arn(s: &Snapshot, name: &str) -> String {
    s.users
        .iter()
        .find(|u| u.user_name == name)
        .unwrap()
        .arn
        .clone()
}

#[test]
fn a_repeating_pagination_marker_stops_the_listing_and_keeps_the_pages_before() {
    let started = Instant::now();
    let moto = Moto::start();
    moto.populate(&[]);
    let org = moto.populate(&["--org", "1"]);
    let clean = clean_fetch(&moto, &["--include-org"]);
    let rule = Arc::new(|r: &Request| {
        let marker = r.params.get("Marker").map(String::as_str);
        let token = r.params.get("NextToken").map(String::as_str);
        let user = r.params.get("UserName").map(String::as_str);
        match (r.action.as_str(), marker.or(token)) {
            // A cycle A→B→A: the first page holds everything moto has (it never paginates),
            // the later pages are empty.
            ("GetAccountAuthorizationDetails", None) => Fault::Truncate("A"),
            ("GetAccountAuthorizationDetails", Some("A")) => Fault::EmptyPage("B"),
            ("GetAccountAuthorizationDetails", Some(_)) => Fault::EmptyPage("A"),
            // alice's access keys: the same marker twice in a row.
            ("ListAccessKeys", None) if user == Some("alice") => Fault::Truncate("K"),
            ("ListAccessKeys", Some(_)) => Fault::EmptyPage("K"),
            // Organizations (JSON protocol, NextToken): every parent's accounts.
            ("ListAccountsForParent", None) => Fault::Truncate("T"),
            ("ListAccountsForParent", Some(_)) => Fault::EmptyPage("T"),
            _ => Fault::Forward,
        }
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("account.json");
    let mut cmd = overreach();
    cmd.args(["fetch", "--include-org", "--max-attempts", "1"])
        .args(["--endpoint-url", &proxy.url(), "-o"])
        .arg(&out);
    let result = run(cmd);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(3), "{err}");
    assert!(err.contains(MARKER_REPEATED), "{err}");
    assert!(err.contains("PARTIAL: 4 calls failed"), "{err}");

    // Each listing asked once per distinct marker, then stopped.
    assert_eq!(
        proxy.count("GetAccountAuthorizationDetails", Fault::Truncate("A")),
        1
    );
    assert_eq!(
        proxy.count("GetAccountAuthorizationDetails", Fault::EmptyPage("B"))
            + proxy.count("GetAccountAuthorizationDetails", Fault::EmptyPage("A")),
        2
    );
    assert_eq!(proxy.count("ListAccessKeys", Fault::EmptyPage("K")), 1);
    assert_eq!(
        proxy.count("ListAccountsForParent", Fault::EmptyPage("T")),
        2
    );

    assert_eq!(names(dir.path()), ["account.json"]);
    let s = load(&out);
    assert!(s.is_partial());
    let tree = s.organization.as_ref().unwrap();
    let expected = [
        ("GetAccountAuthorizationDetails", String::new()),
        ("ListAccessKeys", user_arn(&clean, "alice")),
        (
            "ListAccountsForParent",
            org["ou"].as_str().unwrap().to_owned(),
        ),
        (
            "ListAccountsForParent",
            org["root"].as_str().unwrap().to_owned(),
        ),
    ]
    .map(|(api, target)| (api.to_owned(), target));
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(error_calls(&s), expected, "{:?}", s.errors);
    for e in &s.errors {
        assert_eq!(e.kind, FetchErrorKind::Failed);
        assert!(e.message.starts_with(MARKER_REPEATED), "{}", e.message);
        assert!(e.permission.ends_with(&e.api), "{e:?}");
    }

    // The pages before the repeat are kept: here they held everything.
    assert_eq!(s.users, clean.users);
    assert_eq!(s.groups, clean.groups);
    assert_eq!(s.roles, clean.roles);
    assert_eq!(s.policies, clean.policies);
    assert_eq!(s.credential_signals, clean.credential_signals);
    assert_eq!(Some(tree), clean.organization.as_ref());
    eprintln!("repeating marker: {:?}", started.elapsed());
}

#[test]
fn a_call_slower_than_the_attempt_timeout_is_retried_then_recorded() {
    let started = Instant::now();
    let moto = Moto::start();
    moto.populate(&[]);
    let clean = clean_fetch(&moto, &[]);
    let hang = Fault::Delay(Duration::from_secs(30));
    let rule = Arc::new(move |r: &Request| match r.action.as_str() {
        // The whole first page hangs: abandoned after the attempt timeout, retried, fine.
        "GetAccountAuthorizationDetails" if r.nth == 0 => hang,
        // One user's login profile hangs on every attempt: recorded.
        "GetLoginProfile" if r.params.get("UserName").map(String::as_str) == Some("alice") => hang,
        _ => Fault::Forward,
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slow.json");
    let mut cmd = overreach();
    // 5 s: far above a GetAccountAuthorizationDetails page of moto (about 0.5 s, all AWS
    // managed policies) even on a loaded machine, far below the 30 s hang.
    cmd.args([
        "fetch",
        "--attempt-timeout-secs",
        "5",
        "--max-attempts",
        "2",
    ])
    .args(["--retry-backoff-ms", "1", "--retry-mode", "standard"])
    .args(["--endpoint-url", &proxy.url(), "-o"])
    .arg(&out);
    let run_started = Instant::now();
    let result = run(cmd);
    let took = run_started.elapsed();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(3), "{err}");
    // Three hung attempts of 5 s each, the rest is quick: bounded, not a tight timing.
    assert!(took < Duration::from_secs(60), "{took:?}");
    assert!(
        took >= Duration::from_secs(15),
        "{took:?}: the timeouts did not apply"
    );
    assert_eq!(proxy.count("GetAccountAuthorizationDetails", hang), 1);
    assert_eq!(proxy.count("GetLoginProfile", hang), 2, "retried once");

    assert_eq!(names(dir.path()), ["slow.json"]);
    let s = load(&out);
    let alice = user_arn(&clean, "alice");
    assert_eq!(
        error_calls(&s),
        [("GetLoginProfile".to_owned(), alice.clone())],
        "{:?}",
        s.errors
    );
    let e = &s.errors[0];
    assert_eq!(e.kind, FetchErrorKind::Failed);
    assert_eq!(e.permission, "iam:GetLoginProfile");
    assert!(
        e.message
            .starts_with("no answer in time (operation attempt timeout")
            && e.message.contains("raise `--attempt-timeout-secs`"),
        "{}",
        e.message
    );
    eprintln!("slow responses: recorded `{}`", e.message);
    assert!(
        err.contains(&format!("GetLoginProfile failed on `{alice}`")),
        "{err}"
    );

    assert_eq!(s.users, clean.users);
    assert_eq!(s.groups, clean.groups);
    assert_eq!(s.roles, clean.roles);
    assert_eq!(s.policies, clean.policies);
    for (got, want) in s.credential_signals.iter().zip(&clean.credential_signals) {
        if got.user_name == "alice" {
            assert_eq!(got.has_login_profile, None, "unknown, not false");
            assert_eq!(got.access_keys, want.access_keys);
            assert_eq!(got.mfa_devices, want.mfa_devices);
        } else {
            assert_eq!(got, want);
        }
    }
    eprintln!("slow responses: run {took:?}, test {:?}", started.elapsed());
}

/// When a drill run is killed.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// This long after the start.
    After(Duration),
    /// As soon as a temporary file appears beside the output: in the middle of the write.
    Writing,
}

#[test]
fn kill_9_at_any_point_leaves_the_old_snapshot_or_a_whole_new_one() {
    use std::os::unix::process::ExitStatusExt;

    let started = Instant::now();
    let moto = Moto::start();
    moto.populate(&[]);
    // The last calls are slow: the run lasts long enough to be killed at every stage.
    let rule = Arc::new(|r: &Request| match r.action.as_str() {
        "GetAccessKeyLastUsed" => Fault::Delay(Duration::from_millis(300)),
        _ => Fault::Forward,
    });
    let proxy = Proxy::start(moto.port, rule);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("account.json");

    // A valid snapshot from an earlier successful run.
    let mut cmd = overreach();
    cmd.args([
        "fetch",
        "--max-attempts",
        "1",
        "--endpoint-url",
        &moto.url(),
    ])
    .arg("-o")
    .arg(&out);
    assert_eq!(run(cmd).status.code(), Some(0));
    let mut current = std::fs::read(&out).unwrap();
    let users = load(&out).users;

    let ms = |n| KillAt::After(Duration::from_millis(n));
    let plan = [
        ("fetch", ms(100)),
        ("fetch", ms(600)),
        ("scan", ms(900)),
        ("fetch", KillAt::Writing),
        ("fetch", ms(1300)),
        ("scan", KillAt::Writing),
        ("fetch", KillAt::Writing),
        ("scan", ms(1800)),
    ];
    let mut killed = 0;
    let mut caught_writing = 0;
    for (i, (command, kill_at)) in plan.into_iter().enumerate() {
        let mut cmd = overreach();
        match command {
            "fetch" => cmd.args(["fetch", "-o"]).arg(&out),
            _ => cmd
                .args(["scan", "--fail-on", "never", "--save-snapshot"])
                .arg(&out)
                .current_dir(dir.path()),
        };
        cmd.args(["--max-attempts", "1", "--endpoint-url", &proxy.url()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let before = names(dir.path());
        let mut child = cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut saw_temp = false;
        match kill_at {
            KillAt::After(delay) => std::thread::sleep(delay),
            KillAt::Writing => {
                while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
                    let now = names(dir.path());
                    if now
                        .iter()
                        .any(|n| n.ends_with(".tmp") && !before.contains(n))
                    {
                        saw_temp = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
        // SIGKILL (a no-op if the run already ended).
        let _ = child.kill();
        let status = child.wait().unwrap();
        let was_killed = status.signal() == Some(9);
        killed += usize::from(was_killed);

        // The output is the previous file, untouched, or a whole new snapshot.
        let now = std::fs::read(&out).unwrap();
        let replaced = now != current;
        if replaced {
            let s = Snapshot::from_slice(&now).unwrap_or_else(|e| {
                panic!("run {i} ({command}, {kill_at:?}): `account.json` is not whole: {e}")
            });
            assert_eq!(s.users, users, "run {i}");
            current = now;
        }
        // Only temporary files of the kind RELIABILITY.md names may be left beside it.
        let left: Vec<String> = names(dir.path())
            .into_iter()
            .filter(|n| n != "account.json")
            .collect();
        for name in &left {
            assert!(
                name.starts_with(".account.json.") && name.ends_with(".tmp"),
                "run {i}: unexpected file `{name}` left"
            );
        }
        // A temporary file this run left that is not a whole snapshot: killed mid-write.
        let half_written = left
            .iter()
            .filter(|n| !before.contains(n))
            .any(|n| Snapshot::from_slice(&std::fs::read(dir.path().join(n)).unwrap()).is_err());
        if saw_temp && was_killed && half_written {
            caught_writing += 1;
        }
        eprintln!(
            "kill -9 run {i} ({command}, {kill_at:?}): {status}, output replaced: {replaced}, \
             half-written temporary file left: {half_written}, temporary files in all: {}",
            left.len()
        );
    }
    assert!(killed >= 6, "only {killed} runs were killed while running");
    assert!(
        caught_writing >= 1,
        "no run was killed in the middle of writing: the drill missed the write"
    );

    // A run to the end replaces the file whole.
    let mut cmd = overreach();
    cmd.args([
        "fetch",
        "--max-attempts",
        "1",
        "--endpoint-url",
        &proxy.url(),
    ])
    .arg("-o")
    .arg(&out);
    let result = run(cmd);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let s = load(&out);
    assert_eq!(s.users, users);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    // The temporary files of killed runs stay (nothing can remove them at SIGKILL, and a
    // later run does not guess whose they are); never read, safe to delete.
    for name in names(dir.path()) {
        assert!(
            name == "account.json"
                || (name.starts_with(".account.json.") && name.ends_with(".tmp")),
            "unexpected file `{name}`"
        );
    }
    eprintln!(
        "kill -9: {killed} killed, {caught_writing} in the middle of a write, {:?}",
        started.elapsed()
    );
}

#[test]
fn no_secret_reaches_outputs_logs_or_snapshots_even_when_calls_fail() {
    let started = Instant::now();
    let moto = Moto::start();
    let manifest = moto.populate(&[]);
    let tokens = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = Arc::clone(&tokens);
    let rule = Arc::new(move |r: &Request| {
        if let Some(token) = &r.security_token {
            seen.lock().unwrap().insert(token.clone());
        }
        match r.action.as_str() {
            "AssumeRole" => Fault::Respond(ASSUME_ROLE_RESPONSE),
            "ListMFADevices" => Fault::Deny,
            "GetAccessKeyLastUsed" => Fault::Throttle,
            "GetLoginProfile" if r.params.get("UserName").map(String::as_str) == Some("alice") => {
                Fault::ServerError
            }
            "ListAccessKeys" if r.nth == 0 => Fault::Reset,
            _ => Fault::Forward,
        }
    });
    let proxy = Proxy::start(moto.port, rule);
    let deny_all = Proxy::start(moto.port, Arc::new(|_: &Request| Fault::Deny));
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut keep = |label: &str, out: &Output| {
        texts.push((
            format!("{label} stdout"),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
        texts.push((format!("{label} stderr"), stderr(out)));
    };

    // A fetch where calls are denied, throttled, fail and are reset.
    let mut cmd = overreach();
    cmd.args(["fetch", "--max-attempts", "2", "--retry-backoff-ms", "1"])
        .args([
            "--retry-mode",
            "standard",
            "--endpoint-url",
            &proxy.url(),
            "-o",
        ])
        .arg(path("fetched.json"));
    let fetched = run(cmd);
    assert_eq!(fetched.status.code(), Some(3), "{}", stderr(&fetched));
    keep("fetch", &fetched);

    // A live scan through an assumed role, every report format, the snapshot saved.
    let mut cmd = overreach();
    cmd.current_dir(dir.path())
        .args(["scan", "--role-arn", "arn:aws:iam::123456789012:role/audit"])
        .args(["--max-attempts", "2", "--retry-backoff-ms", "1"])
        .args(["--retry-mode", "standard", "--endpoint-url", &proxy.url()])
        .args(["--fail-on", "never", "--save-snapshot", "saved.json"])
        .args(["--format", "table", "--format", "json=report.json"])
        .args([
            "--format",
            "sarif=report.sarif",
            "--format",
            "markdown=report.md",
        ])
        .args(["--format", "html=report.html"]);
    let scanned = run(cmd);
    assert_eq!(scanned.status.code(), Some(3), "{}", stderr(&scanned));
    keep("scan", &scanned);

    // Credentials refused from the first call on.
    let mut cmd = overreach();
    cmd.args([
        "fetch",
        "--max-attempts",
        "1",
        "--endpoint-url",
        &deny_all.url(),
    ])
    .arg("-o")
    .arg(path("never.json"));
    let refused = run(cmd);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("could not authenticate"));
    keep("refused fetch", &refused);

    // The drill is real: both session tokens were sent, the partial snapshots hold the
    // failures, and the user secrets moto created exist.
    let tokens = tokens.lock().unwrap().clone();
    assert!(tokens.contains(SESSION_TOKEN), "{tokens:?}");
    assert!(tokens.contains(ASSUMED_TOKEN), "{tokens:?}");
    for file in ["fetched.json", "saved.json"] {
        let s = load(&path(file));
        assert!(!s.users.is_empty(), "{file}");
        let kinds: BTreeSet<&str> = s.errors.iter().map(|e| e.kind.as_str()).collect();
        let all = [
            FetchErrorKind::Denied,
            FetchErrorKind::Throttled,
            FetchErrorKind::Failed,
        ];
        assert_eq!(kinds, all.map(|k| k.as_str()).into(), "{file}");
    }
    for file in names(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(path(&file)).unwrap()).into_owned();
        texts.push((file, text));
    }
    let labels: Vec<&str> = texts.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels[6..],
        [
            "fetched.json",
            "report.html",
            "report.json",
            "report.md",
            "report.sarif",
            "saved.json"
        ],
        "no other file (no temporary file) is left"
    );

    let created = manifest["secrets"].as_array().unwrap();
    assert_eq!(created.len(), 4, "3 secret access keys and 1 password");
    let mut secrets: Vec<String> = created
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    secrets.extend(
        [
            SECRET_ACCESS_KEY,
            SESSION_TOKEN,
            ASSUMED_SECRET,
            ASSUMED_TOKEN,
        ]
        .map(str::to_owned),
    );
    for secret in &secrets {
        // The secret, its URL-encoded form, and a long enough piece of it.
        let encoded = secret
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D");
        let piece = &secret[secret.len() / 2 - 6..secret.len() / 2 + 6];
        for (label, text) in &texts {
            for needle in [secret.as_str(), encoded.as_str(), piece] {
                assert!(
                    !text.contains(needle),
                    "a secret (`{}...`) is in {label}",
                    &secret[..4]
                );
            }
        }
    }
    eprintln!("secrets: {:?}", started.elapsed());
}
