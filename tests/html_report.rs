//! The HTML report (`overreach scan --format html[=FILE]`) end to end: one self-contained file
//! (nothing fetched at view time) whose embedded data is the JSON report (valid against
//! `schema/report-v1.schema.json`), then drawn by Debian's headless Chromium: the findings
//! table has one row per finding, a `#filter=` fragment leaves only the matching rows visible,
//! `#open=ID` draws the finding's path as SVG, and a screenshot is a real PNG.
//!
//! Needs `/usr/bin/chromium`; `tools/test.sh` (the README's test command) installs it. Set
//! `HTML_REPORT_SCREENSHOT=FILE.png` to keep the screenshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const SNAPSHOT: &str = "fixtures/demo/snapshot.json";
const CONFIG: &str = "fixtures/demo/overreach.toml";
const AS_OF: &str = "2026-11-24";
const DATA_OPEN: &str = r#"<script type="application/json" id="report">"#;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo account's report as HTML and as JSON (one run), in `dir`.
fn generate(dir: &Path) -> (PathBuf, String, Value) {
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    Command::cargo_bin("overreach")
        .unwrap()
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args([
            "scan",
            "--snapshot",
            SNAPSHOT,
            "--config",
            CONFIG,
            "--fail-on",
            "never",
            "--as-of",
            AS_OF,
        ])
        .arg(format!("--format=html={}", html.display()))
        .arg(format!("--format=json={}", json.display()))
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&html).unwrap();
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (html, text, report)
}

/// (the page without its embedded data, the embedded data's text).
fn split_data(html: &str) -> (String, String) {
    let start = html
        .find(DATA_OPEN)
        .unwrap_or_else(|| panic!("no `{DATA_OPEN}` in the page"))
        + DATA_OPEN.len();
    let len = html[start..]
        .find("</script>")
        .expect("the data's script element is not closed");
    let page = format!("{}{}", &html[..start], &html[start + len..]);
    (page, html[start..start + len].to_string())
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema/report-v1.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

#[test]
fn html_report_is_self_contained_and_embeds_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html, json) = generate(dir.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    let (page, data) = split_data(&html);
    // nothing outside the data refers to the network or loads anything
    for needle in [
        "http://", "https://", "<link", " src=", "@import", "url(/", "url(h",
    ] {
        assert!(
            !page.to_ascii_lowercase().contains(needle),
            "the page (outside its embedded data) contains `{needle}`"
        );
    }
    assert!(page.contains("Content-Security-Policy") && page.contains("default-src 'none'"));
    // one script element for data, one inline script, and no other
    assert_eq!(page.matches("<script").count(), 2);
    // the data cannot close its element early
    assert!(!data.contains("</"));
    let embedded: Value = serde_json::from_str(&data).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&embedded)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the embedded report does not match schema/report-v1.schema.json:\n{}",
        errors.join("\n")
    );
    // the same data as the JSON report (written in the same run, maybe a second apart)
    let mut a = embedded.clone();
    let mut b = json.clone();
    a["generated_at"] = Value::Null;
    b["generated_at"] = Value::Null;
    assert_eq!(a, b, "the embedded data differs from the JSON report");
    assert!(html.contains("<title>overreach report — 111122223333</title>"));
}

/// Runs headless Chromium on `url` with `extra` arguments; returns stdout.
fn chromium(work: &Path, name: &str, extra: &[String], url: &str) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run the README's test command `tools/test.sh`, which installs \
         Debian's `chromium` package"
    );
    let profile = work.join(format!("profile-{name}"));
    std::fs::create_dir_all(&profile).unwrap();
    let stdout_path = work.join(format!("{name}.out"));
    let stderr_path = work.join(format!("{name}.err"));
    let mut child = std::process::Command::new(CHROMIUM)
        .current_dir(work)
        .env("HOME", work)
        .env("XDG_CONFIG_HOME", work)
        .env("XDG_CACHE_HOME", work)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {CHROMIUM}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed ({status}) on {url}:\n{stderr}"
    );
    std::fs::read_to_string(&stdout_path).unwrap()
}

/// `file://` URL of an absolute path, with a fragment.
fn file_url(path: &Path, fragment: &str) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// The findings table's rows in the rendered DOM: (finding id, hidden, row markup).
fn rows(dom: &str) -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find("<tr class=\"finding") {
        let tail = &rest[i..];
        let tag = &tail[..tail.find('>').unwrap() + 1];
        let end = tail.find("</tr>").unwrap();
        let id = tag
            .split("data-id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("a row without data-id: {tag}"))
            .to_string();
        let hidden = tag.contains(" hidden");
        out.push((id, hidden, tail[..end].to_string()));
        rest = &tail[end..];
    }
    out
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, json) = generate(dir.path());
    let path = path.canonicalize().unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.len() >= 5, "the demo should have several findings");
    let ids: Vec<String> = findings
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();

    // 1. everything: one visible row per finding, in the table, with the header filled in
    let dom = chromium(
        dir.path(),
        "all",
        &["--dump-dom".to_string()],
        &file_url(&path, ""),
    );
    assert!(
        dom.contains("<table id=\"findings\""),
        "no findings table in the rendered page:\n{dom}"
    );
    let all = rows(&dom);
    let mut seen: Vec<String> = all.iter().map(|(id, _, _)| id.clone()).collect();
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want, "not one row per finding");
    assert!(
        all.iter().all(|(_, hidden, _)| !hidden),
        "rows hidden without a filter"
    );
    assert!(dom.contains("<dd id=\"account\">111122223333</dd>"));
    assert!(dom.contains(&format!("Showing all {} findings.", findings.len())));
    assert!(!dom.contains("id=\"partial\" class=\"banner partial\" role=\"alert\">"));

    // 2. a filter from the URL fragment: only the matching rows stay visible
    let needle = "kiro-agent";
    let matching: Vec<&str> = findings
        .iter()
        .filter(|f| {
            ["principal", "rule", "message", "declared_role"]
                .iter()
                .any(|k| f[*k].as_str().is_some_and(|s| s.contains(needle)))
        })
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!matching.is_empty() && matching.len() < findings.len());
    let dom = chromium(
        dir.path(),
        "filtered",
        &["--dump-dom".to_string()],
        &file_url(&path, &format!("filter={needle}&sort=rule")),
    );
    assert!(dom.contains(&format!("value=\"{needle}\"")) || dom.contains(needle));
    let filtered = rows(&dom);
    assert_eq!(
        filtered.len(),
        findings.len(),
        "the filter removed rows instead of hiding them"
    );
    for (id, hidden, row) in &filtered {
        let should_show = matching.contains(&id.as_str());
        assert_eq!(
            !hidden, should_show,
            "row {id} visible = {}, expected {should_show}:\n{row}",
            !hidden
        );
        if !hidden {
            assert!(row.contains(needle));
        }
    }
    // sorted by rule (ascending) as the fragment asks
    let rules: Vec<String> = filtered
        .iter()
        .map(|(_, _, row)| {
            let cell = row.split("<td class=\"rule\"><code>").nth(1).unwrap();
            cell[..cell.find("</code>").unwrap()].to_string()
        })
        .collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(rules, sorted, "`sort=rule` did not sort the table by rule");
    assert!(dom.contains(&format!(
        "Showing {} of {} findings.",
        matching.len(),
        findings.len()
    )));

    // 3. a finding opened from the fragment: its details with the path drawn as SVG
    let escalation = findings
        .iter()
        .find(|f| {
            f["rule"] == "privilege-escalation"
                && f["path"].as_array().is_some_and(|p| p.len() >= 2)
        })
        .expect("the demo has an escalation finding with a path");
    let open = escalation["id"].as_str().unwrap();
    let dom = chromium(
        dir.path(),
        "open",
        &["--dump-dom".to_string()],
        &file_url(&path, &format!("open={open}")),
    );
    let details = dom
        .split("<tr class=\"detail\"")
        .nth(1)
        .unwrap_or_else(|| panic!("finding {open} was not opened:\n{dom}"));
    let details = &details[..details.find("</tr>").unwrap()];
    assert!(details.contains("<svg"), "no drawing in the details");
    assert!(details.contains("role=\"img\""));
    // a box for every hop's end, an arrow labelled with every hop's kind
    let first = &escalation["path"][0];
    let kind = first["kind"].as_str().unwrap();
    assert!(
        details.contains(&format!(">{kind}</text>")),
        "no `{kind}` arrow"
    );
    assert!(details.contains("marker-end="));
    assert!(details.contains(">principal</text>"));
    assert!(details.contains("Excess rights"));

    // 4. a screenshot
    let shot = dir.path().join("shot.png");
    chromium(
        dir.path(),
        "shot",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,900".to_string(),
        ],
        &file_url(&path, ""),
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    assert!(png.len() > 10_000, "the screenshot is suspiciously small");
    if let Some(keep) = std::env::var_os("HTML_REPORT_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
