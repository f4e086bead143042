//! The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers: frozen wire types
//! with only the fields overreach emits.
//!
//! One run; `tool.driver.rules` are the analysis' rules; one result per finding (suppressed ones
//! carry `suppressions`), located in the snapshot file at the line of the principal's `"Arn"`.
//! With a baseline, results carry `baselineState` (`new` / `unchanged`), and each resolved
//! finding of the baseline is a result with `baselineState: absent`. GitHub code scanning
//! ignores `baselineState` and tracks alerts itself: upload a run without `--baseline` there.

use std::collections::{BTreeMap, HashMap};

use overreach_analysis::analyze::Analysis;
use overreach_analysis::finding::{Finding, Severity};
use overreach_analysis::rules::RULES;
use serde::Serialize;

use super::drift::{Drift, Resolved, Status};

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";
/// The schema of that version.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is documented.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The key of the finding id in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "overreachFindingId/v1";

/// A SARIF log.
#[derive(Debug, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
pub struct Run {
    pub tool: Tool,
    pub results: Vec<SarifResult>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    pub information_uri: &'static str,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: &'static str,
    pub name: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: Help,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Debug, Serialize)]
pub struct Text {
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Help {
    pub text: String,
    pub markdown: String,
}

#[derive(Debug, Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

/// GitHub code scanning reads `tags` and `security-severity` (a score of 0.0–10.0 as a string).
#[derive(Debug, Serialize)]
pub struct RuleProperties {
    pub tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    pub level: &'static str,
    pub message: Text,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    pub properties: ResultProperties,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    pub uri: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct Suppression {
    pub kind: &'static str,
    pub justification: String,
}

#[derive(Debug, Serialize)]
pub struct ResultProperties {
    pub severity: String,
    pub confidence: String,
    pub principal: String,
    pub declared_role: Option<String>,
}

/// Where the results point: the snapshot file, and its text to find principals' lines in
/// (`None` when the input is not a regular file).
#[derive(Debug)]
pub struct Source<'a> {
    /// The snapshot's URI, relative to the current folder when it is inside it.
    pub uri: String,
    /// The snapshot's text.
    pub text: Option<&'a str>,
}

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's security-severity score of a severity (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// `exceeds-declared-role` → `ExceedsDeclaredRole`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The driver's rules.
pub fn rules() -> Vec<Rule> {
    RULES
        .iter()
        .map(|r| Rule {
            id: r.id,
            name: pascal(r.id),
            short_description: Text {
                text: r.summary.to_string(),
            },
            full_description: Text {
                text: r.help.to_string(),
            },
            help: Help {
                text: r.help.to_string(),
                markdown: r.help.to_string(),
            },
            default_configuration: Configuration {
                level: level(r.default_severity),
            },
            properties: RuleProperties {
                tags: vec!["security", "iam"],
                security_severity: security_severity(r.default_severity),
            },
        })
        .collect()
}

/// The 1-based line of the first `"Arn": "<arn>"` of every ARN in a JSON text (any whitespace
/// around the colon; JSON escapes in the value undone), found in one pass.
pub fn arn_lines(text: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    let mut line = 1;
    let mut counted = 0;
    let mut from = 0;
    while let Some(pos) = text[from..].find("\"Arn\"") {
        let start = from + pos;
        from = start + 5;
        let rest = text[from..].trim_start();
        let Some(value) = rest.strip_prefix(':').map(str::trim_start) else {
            continue;
        };
        let Some(value) = value.strip_prefix('"') else {
            continue;
        };
        let Some(arn) = json_string(value) else {
            continue;
        };
        line += text[counted..start].matches('\n').count();
        counted = start;
        lines.entry(arn).or_insert(line);
    }
    lines
}

/// The JSON string starting at `s` (after its opening quote), unescaped.
fn json_string(s: &str) -> Option<String> {
    let mut end = 0;
    let bytes = s.as_bytes();
    while end < bytes.len() {
        match bytes[end] {
            b'"' => break,
            b'\\' => end += 2,
            _ => end += 1,
        }
    }
    let raw = s.get(..end)?;
    serde_json::from_str(&format!("\"{raw}\"")).ok()
}

/// A relative path as a URI reference: `/` separators, unreserved bytes kept, others
/// percent-encoded.
pub fn path_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds the SARIF log of an analysis.
pub fn build(analysis: &Analysis, source: &Source<'_>, drift: Option<&Drift>) -> Log {
    let lines = source.text.map(arn_lines);
    // a file's results always have a line: the principal's, else the first
    let line_of = |arn: &str| lines.as_ref().map(|l| l.get(arn).copied().unwrap_or(1));
    let mut results: Vec<SarifResult> = analysis
        .findings
        .iter()
        .map(|f| result(f, source, line_of(&f.principal), drift))
        .collect();
    if let Some(d) = drift {
        results.extend(
            d.resolved
                .iter()
                .map(|r| absent(r, source, line_of(&r.principal))),
        );
    }
    Log {
        schema: SCHEMA,
        version: VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "overreach",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules(),
                },
            },
            results,
        }],
    }
}

fn location(source: &Source<'_>, line: Option<usize>) -> Vec<Location> {
    vec![Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: source.uri.clone(),
            },
            region: line.map(|start_line| Region {
                start_line,
                start_column: None,
            }),
        },
    }]
}

/// A finding of the baseline that this run no longer finds (`baselineState: absent`).
fn absent(r: &Resolved, source: &Source<'_>, line: Option<usize>) -> SarifResult {
    let severity = Severity::parse(&r.severity);
    SarifResult {
        rule_id: r.rule.clone(),
        rule_index: RULES.iter().position(|x| x.id == r.rule),
        level: severity.map_or("note", level),
        message: Text {
            text: format!(
                "resolved since the baseline: {}: {}",
                short_principal(&r.principal),
                r.message
            ),
        },
        locations: location(source, line),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, r.id.clone())]),
        baseline_state: Some("absent"),
        suppressions: Vec::new(),
        properties: ResultProperties {
            severity: r.severity.clone(),
            confidence: r.confidence.clone(),
            principal: r.principal.clone(),
            declared_role: r.declared_role.clone(),
        },
    }
}

fn result(
    f: &Finding,
    source: &Source<'_>,
    line: Option<usize>,
    drift: Option<&Drift>,
) -> SarifResult {
    let baseline_state = drift.map(|d| match d.status(&f.id) {
        Status::New => "new",
        Status::Remaining => "unchanged",
    });
    result_at(f, location(source, line), baseline_state)
}

/// The SARIF result of a finding at the given locations.
pub fn result_at(
    f: &Finding,
    locations: Vec<Location>,
    baseline_state: Option<&'static str>,
) -> SarifResult {
    let rule_index = RULES.iter().position(|r| r.id == f.rule);
    let suppressions = match &f.suppression {
        Some(s) if !s.expired => vec![Suppression {
            kind: "external",
            justification: s.reason.clone(),
        }],
        _ => Vec::new(),
    };
    SarifResult {
        rule_id: f.rule.to_string(),
        rule_index,
        level: level(f.severity),
        message: Text {
            text: format!("{}: {}", short_principal(&f.principal), f.message),
        },
        locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.id.clone())]),
        baseline_state,
        suppressions,
        properties: ResultProperties {
            severity: f.severity.as_str().to_string(),
            confidence: f.confidence.as_str().to_string(),
            principal: f.principal.clone(),
            declared_role: f.declared_role.clone(),
        },
    }
}

/// `arn:aws:iam::1:role/x` → `role/x`.
fn short_principal(arn: &str) -> &str {
    arn.rsplit_once(':').map_or(arn, |(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_arn_line() {
        let text = "{\n \"Roles\": [{\"Arn\": \"arn:aws:iam::1:role/a\"}],\n  \"Arn\" :\"arn:aws:iam::1:role/b\",\n  \"Arn\": \"arn:aws:iam::1:role\\/c\"\n}";
        let lines = arn_lines(text);
        assert_eq!(lines.get("arn:aws:iam::1:role/a"), Some(&2));
        assert_eq!(lines.get("arn:aws:iam::1:role/b"), Some(&3));
        assert_eq!(lines.get("arn:aws:iam::1:role/c"), Some(&4));
        assert_eq!(lines.get("arn:aws:iam::1:role/ab"), None);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn uris_and_levels() {
        assert_eq!(path_uri("./a b/c.json"), "a%20b/c.json");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(pascal("exceeds-declared-role"), "ExceedsDeclaredRole");
    }
}
