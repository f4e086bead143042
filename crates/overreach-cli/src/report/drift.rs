//! Drift against a previous JSON report (`--baseline PREVIOUS.json`): every finding of this run
//! is *new* or *remaining* by its `id` (a fingerprint stable across runs), and every finding of
//! the baseline that is gone is *resolved*.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use overreach_analysis::finding::Finding;
use serde::Deserialize;

/// A finding's drift status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not in the baseline.
    New,
    /// In the baseline too.
    Remaining,
}

impl Status {
    /// `new` or `remaining`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Remaining => "remaining",
        }
    }
}

/// A finding of the baseline report that this run no longer finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Its id.
    pub id: String,
    /// Its rule.
    pub rule: String,
    /// Its severity, as written.
    pub severity: String,
    /// Its principal.
    pub principal: String,
    /// Its confidence, as written.
    pub confidence: String,
    /// Its principal's declared role.
    pub declared_role: Option<String>,
    /// Its message.
    pub message: String,
}

/// The drift of this run against a baseline report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Ids of this run's findings absent from the baseline, in report order.
    pub new: Vec<String>,
    /// The baseline's findings absent from this run, in the baseline's order.
    pub resolved: Vec<Resolved>,
    /// Ids of this run's findings also in the baseline, in report order.
    pub remaining: Vec<String>,
    new_set: BTreeSet<String>,
}

impl Drift {
    /// Compares this run's findings with the baseline's.
    pub fn compute(findings: &[Finding], baseline: &BaselineReport) -> Drift {
        let before: BTreeSet<&str> = baseline.findings.iter().map(|f| f.id.as_str()).collect();
        let now: BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        let mut drift = Drift::default();
        let mut seen = BTreeSet::new();
        for f in findings {
            if !seen.insert(f.id.as_str()) {
                continue;
            }
            if before.contains(f.id.as_str()) {
                drift.remaining.push(f.id.clone());
            } else {
                drift.new.push(f.id.clone());
                drift.new_set.insert(f.id.clone());
            }
        }
        let mut seen = BTreeSet::new();
        for f in &baseline.findings {
            if now.contains(f.id.as_str()) || !seen.insert(f.id.as_str()) {
                continue;
            }
            drift.resolved.push(Resolved {
                id: f.id.clone(),
                rule: f.rule.clone(),
                severity: f.severity.clone(),
                principal: f.principal.clone(),
                confidence: f.confidence.clone(),
                declared_role: f.declared_role.clone(),
                message: f.message.clone(),
            });
        }
        drift
    }

    /// The status of a finding of this run.
    pub fn status(&self, id: &str) -> Status {
        if self.new_set.contains(id) {
            Status::New
        } else {
            Status::Remaining
        }
    }

    /// The resolved ids.
    pub fn resolved_ids(&self) -> Vec<&str> {
        self.resolved.iter().map(|r| r.id.as_str()).collect()
    }

    /// "2 new, 1 resolved, 7 remaining".
    pub fn counts(&self) -> String {
        format!(
            "{} new, {} resolved, {} remaining",
            self.new.len(),
            self.resolved.len(),
            self.remaining.len()
        )
    }
}

/// The part of a JSON report (schema version 1) that drift needs.
#[derive(Debug, Deserialize)]
pub struct BaselineReport {
    /// The findings (suppressed ones included).
    pub findings: Vec<BaselineFinding>,
}

/// A finding of the baseline report.
#[derive(Debug, Deserialize)]
pub struct BaselineFinding {
    /// Its fingerprint.
    pub id: String,
    /// Its rule.
    pub rule: String,
    /// Its severity.
    pub severity: String,
    /// Its principal.
    pub principal: String,
    /// Its confidence.
    #[serde(default)]
    pub confidence: String,
    /// Its principal's declared role.
    #[serde(default)]
    pub declared_role: Option<String>,
    /// Its message.
    #[serde(default)]
    pub message: String,
}

/// Reads a previous JSON report; anything but an overreach report of schema version 1 is an
/// error naming the file.
pub fn load(path: &Path) -> anyhow::Result<BaselineReport> {
    // a FIFO or a device would block or never end: only regular files are reports
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the baseline report `{}`", path.display()))?;
    if !meta.is_file() {
        bail!(
            "the baseline report `{}` is not a regular file: give the path of a JSON report written by `--format json`",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline report `{}`", path.display()))?;
    parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "`{}` is not an overreach JSON report of schema version 1 (as `--format json` writes): {e}",
            path.display()
        )
    })
}

/// Parses the text of a previous JSON report.
pub fn parse(text: &str) -> anyhow::Result<BaselineReport> {
    let value: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let Some(obj) = value.as_object() else {
        bail!("not a JSON object");
    };
    match obj.get("schema_version").and_then(|v| v.as_str()) {
        Some(super::json::SCHEMA_VERSION) => {}
        Some(other) => bail!("its `schema_version` is `{other}`"),
        None => bail!("it has no `schema_version`"),
    }
    if obj
        .get("tool")
        .and_then(|t| t.get("name"))
        .and_then(|n| n.as_str())
        != Some("overreach")
    {
        bail!("its `tool.name` is not `overreach`");
    }
    findings_of(value)
}

/// Deserialises with the failing path in the message (`findings[3].id: missing field`).
fn findings_of(value: serde_json::Value) -> anyhow::Result<BaselineReport> {
    let findings = value
        .get("findings")
        .and_then(|f| f.as_array())
        .ok_or_else(|| anyhow::anyhow!("it has no `findings` array"))?;
    let mut out = Vec::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        let finding = BaselineFinding::deserialize(f)
            .map_err(|e| anyhow::anyhow!("at `findings[{i}]`: {e}"))?;
        out.push(finding);
    }
    Ok(BaselineReport { findings: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_v1_report() {
        assert!(parse("[]").is_err());
        assert!(
            parse(r#"{"schema_version": "2", "tool": {"name": "overreach"}, "findings": []}"#)
                .is_err()
        );
        assert!(
            parse(r#"{"schema_version": "1", "tool": {"name": "other"}, "findings": []}"#).is_err()
        );
        let err = parse(
            r#"{"schema_version": "1", "tool": {"name": "overreach"}, "findings": [{"id": 3}]}"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("findings[0]"), "{err}");
        assert!(
            parse(r#"{"schema_version": "1", "tool": {"name": "overreach"}, "findings": []}"#)
                .is_ok()
        );
    }

    #[test]
    fn classifies_by_id() {
        let mut a = Finding::new("trust-allows-anyone", "arn:aws:iam::1:role/a", "");
        a.message = "a".into();
        let b = Finding::new("trust-allows-anyone", "arn:aws:iam::1:role/b", "");
        let baseline = BaselineReport {
            findings: vec![
                BaselineFinding {
                    id: a.id.clone(),
                    rule: a.rule.into(),
                    severity: "high".into(),
                    principal: a.principal.clone(),
                    confidence: "high".into(),
                    declared_role: None,
                    message: String::new(),
                },
                BaselineFinding {
                    id: "0000000000000000".into(),
                    rule: "trust-allows-anyone".into(),
                    severity: "high".into(),
                    principal: "arn:aws:iam::1:role/gone".into(),
                    confidence: "high".into(),
                    declared_role: None,
                    message: String::new(),
                },
            ],
        };
        let d = Drift::compute(&[a.clone(), b.clone()], &baseline);
        assert_eq!(d.remaining, vec![a.id.clone()]);
        assert_eq!(d.new, vec![b.id.clone()]);
        assert_eq!(d.resolved_ids(), vec!["0000000000000000"]);
        assert_eq!(d.status(&b.id), Status::New);
        assert_eq!(d.status(&a.id), Status::Remaining);
        assert_eq!(d.counts(), "1 new, 1 resolved, 1 remaining");
    }
}
