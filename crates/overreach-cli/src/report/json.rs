//! The JSON report, schema version 1: frozen wire types, separate from the analysis' internal
//! types. Adding optional fields is compatible; removing or changing one needs version 2.
//! The JSON Schema is `schema/report-v1.schema.json`.

use overreach_analysis::analyze::Analysis;
use overreach_analysis::finding::{Finding, Hop, HopKind};
use overreach_policy::{Catalog, StatementRef};
use serde::Serialize;

/// The schema version this module writes.
pub const SCHEMA_VERSION: &str = "1";

/// The report. It borrows the analysis (and the snapshot, the drift) it is built from: only
/// computed values (time, counts) are owned.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub generated_at: String,
    pub account_ids: &'a [String],
    pub partial: bool,
    pub errors: Vec<ErrorEntry<'a>>,
    pub warnings: &'a [String],
    pub summary: Summary,
    pub principals: Vec<PrincipalEntry<'a>>,
    pub findings: Findings<'a>,
    /// With `--baseline`: the drift against that report (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftEntry<'a>>,
}

/// The findings, each turned into its [`FindingEntry`] only as it is written (a large report
/// has hundreds of thousands).
#[derive(Debug, Clone, Copy)]
pub struct Findings<'a> {
    pub list: &'a [Finding],
    /// With `--baseline`: each finding's `status`.
    pub drift: Option<&'a super::drift::Drift>,
}

impl<'a> Findings<'a> {
    fn entry(&self, f: &'a Finding) -> FindingEntry<'a> {
        let mut e = finding(f);
        e.status = self.drift.map(|d| d.status(&f.id).as_str());
        e
    }
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.list.iter().map(|f| self.entry(f)))
    }
}

/// Finding ids new since the baseline report, resolved (gone) and remaining.
#[derive(Debug, Serialize)]
pub struct DriftEntry<'a> {
    pub new: &'a [String],
    pub resolved: Vec<&'a str>,
    pub remaining: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub catalog_version: &'static str,
    pub catalog_date: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry<'a> {
    pub api: &'a str,
    pub target: &'a str,
    pub permission: &'a str,
    pub kind: &'static str,
    pub message: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub principals: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub by_severity: SeverityCounts,
    pub by_rule: std::collections::BTreeMap<&'static str, usize>,
}

#[derive(Debug, Default, Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Debug, Serialize)]
pub struct PrincipalEntry<'a> {
    pub arn: &'a str,
    #[serde(rename = "type")]
    pub principal_type: &'static str,
    pub kind: &'static str,
    pub kind_source: &'a str,
    pub declared_role: Option<&'a str>,
    pub declared_role_source: Option<&'a str>,
    pub inconclusive: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct FindingEntry<'a> {
    pub id: &'a str,
    pub rule: &'static str,
    pub severity: &'static str,
    pub confidence: &'static str,
    pub principal: &'a str,
    pub principal_kind: &'static str,
    pub declared_role: Option<&'a str>,
    pub message: &'a str,
    pub excess: Vec<ExcessEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_groups_omitted: Option<usize>,
    pub path: Vec<HopEntry<'a>>,
    pub suppressed: bool,
    pub suppression: Option<SuppressionEntry<'a>>,
    /// With `--baseline`: `new` or `remaining` (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct ExcessEntry<'a> {
    pub service: &'a str,
    pub access_level: &'a str,
    pub count: usize,
    pub truncated: bool,
    pub holder: &'a str,
    pub via: Vec<HopEntry<'a>>,
    pub actions: Vec<ActionEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ActionEntry<'a> {
    pub action: &'a str,
    pub resources: &'a [String],
    pub conditional: bool,
    pub statement: StatementEntry<'a>,
}

#[derive(Debug, Serialize)]
pub struct StatementEntry<'a> {
    pub policy: &'a str,
    pub index: usize,
    pub sid: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct HopEntry<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: &'static str,
    pub action: Option<&'a str>,
    pub escalation_path: Option<&'a str>,
    pub escalation_name: Option<&'a str>,
    pub conditional: bool,
    pub condition_keys: &'a [String],
    pub inconclusive: Option<&'a str>,
    pub statements: Vec<StatementEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SuppressionEntry<'a> {
    pub reason: &'a str,
    pub expires: &'a str,
    pub expired: bool,
}

/// A statement reference as written in reports.
pub fn statement(s: &StatementRef) -> StatementEntry<'_> {
    StatementEntry {
        policy: &s.policy,
        index: s.index,
        sid: s.sid.as_deref(),
    }
}

/// A hop as written in reports.
pub fn hop(h: &Hop) -> HopEntry<'_> {
    let (kind, action, path, name) = match &h.kind {
        HopKind::Assume { action } => ("assume", Some(action.as_str()), None, None),
        HopKind::Escalation { path, name } => {
            ("escalation", None, Some(path.as_str()), Some(name.as_str()))
        }
    };
    HopEntry {
        from: &h.from,
        to: &h.to,
        kind,
        action,
        escalation_path: path,
        escalation_name: name,
        conditional: !h.condition_keys.is_empty() || h.inconclusive.is_some(),
        condition_keys: &h.condition_keys,
        inconclusive: h.inconclusive.as_deref(),
        statements: h.statements.iter().map(statement).collect(),
    }
}

/// The report entry of one finding.
pub fn finding(f: &Finding) -> FindingEntry<'_> {
    FindingEntry {
        id: &f.id,
        rule: f.rule,
        severity: f.severity.as_str(),
        confidence: f.confidence.as_str(),
        principal: &f.principal,
        principal_kind: f.principal_kind.as_str(),
        declared_role: f.declared_role.as_deref(),
        message: &f.message,
        excess: f
            .excess
            .iter()
            .map(|g| ExcessEntry {
                service: &g.service,
                access_level: g.access_level,
                count: g.count,
                truncated: g.count > g.actions.len(),
                holder: g.holder(),
                via: g.via().iter().map(|h| hop(h)).collect(),
                actions: g
                    .actions
                    .iter()
                    .map(|a| ActionEntry {
                        action: a.action(),
                        resources: a.resources(),
                        conditional: a.conditional,
                        statement: statement(a.statement()),
                    })
                    .collect(),
            })
            .collect(),
        excess_groups_omitted: (f.excess_omitted > 0).then_some(f.excess_omitted),
        path: f.path.iter().map(hop).collect(),
        suppressed: f.is_suppressed(),
        suppression: f.suppression.as_ref().map(|s| SuppressionEntry {
            reason: &s.reason,
            expires: &s.expires,
            expired: s.expired,
        }),
        status: None,
    }
}

/// Builds the report of an analysis, borrowing from it and the snapshot.
pub fn build<'a>(
    analysis: &'a Analysis,
    snapshot: &'a overreach_snapshot::Snapshot,
    generated_at: String,
) -> Report<'a> {
    let catalog = Catalog::embedded();
    let mut counts = SeverityCounts::default();
    let mut by_rule = std::collections::BTreeMap::new();
    let mut suppressed = 0;
    for f in &analysis.findings {
        if f.is_suppressed() {
            suppressed += 1;
            continue;
        }
        *by_rule.entry(f.rule).or_insert(0) += 1;
        match f.severity {
            overreach_analysis::finding::Severity::Critical => counts.critical += 1,
            overreach_analysis::finding::Severity::High => counts.high += 1,
            overreach_analysis::finding::Severity::Medium => counts.medium += 1,
            overreach_analysis::finding::Severity::Low => counts.low += 1,
        }
    }
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "overreach",
            version: env!("CARGO_PKG_VERSION"),
            catalog_version: &catalog.version,
            catalog_date: &catalog.updated_at,
        },
        generated_at,
        account_ids: if analysis.account.id.is_empty() {
            &[]
        } else {
            std::slice::from_ref(&analysis.account.id)
        },
        partial: snapshot.is_partial(),
        errors: snapshot
            .errors
            .iter()
            .map(|e| ErrorEntry {
                api: &e.api,
                target: &e.target,
                permission: &e.permission,
                kind: e.kind.as_str(),
                message: &e.message,
            })
            .collect(),
        warnings: &analysis.warnings,
        summary: Summary {
            principals: analysis.account.principals.len(),
            findings: analysis.findings.len() - suppressed,
            suppressed,
            by_severity: counts,
            by_rule,
        },
        principals: analysis
            .account
            .principals
            .iter()
            .zip(&analysis.declared)
            .map(|(p, d)| PrincipalEntry {
                arn: &p.arn,
                principal_type: p.kind.as_str(),
                kind: d.kind.kind.as_str(),
                kind_source: &d.kind.source,
                declared_role: d.role.as_deref(),
                declared_role_source: d.role_source.as_deref(),
                inconclusive: &p.inconclusive,
            })
            .collect(),
        findings: Findings {
            list: &analysis.findings,
            drift: None,
        },
        drift: None,
    }
}

impl<'a> Report<'a> {
    /// Adds the drift against a baseline report: the `drift` object and each finding's `status`.
    pub fn set_drift(&mut self, drift: &'a super::drift::Drift) {
        self.findings.drift = Some(drift);
        self.drift = Some(DriftEntry {
            new: &drift.new,
            resolved: drift.resolved_ids(),
            remaining: &drift.remaining,
        });
    }
}

/// Writes the report as compact JSON followed by a newline: the text `serde_json::to_writer`
/// gives, but the findings (nearly all of a large report) are rendered on every core, a window
/// at a time, while the window before is written.
pub fn write_compact(out: &mut dyn std::io::Write, report: &Report<'_>) -> anyhow::Result<()> {
    // 64 findings per task, 8 tasks per window: a window of a large report is some 18 MB (two
    // windows are in flight: one being written, the next rendered)
    write_windows(out, report, 64, 8)
}

/// [`write_compact`], rendering `chunk` findings per task and `tasks` tasks per window.
fn write_windows(
    out: &mut dyn std::io::Write,
    report: &Report<'_>,
    chunk: usize,
    tasks: usize,
) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let r = report;
    let mut head = Vec::new();
    field(&mut head, '{', "schema_version", &r.schema_version)?;
    field(&mut head, ',', "tool", &r.tool)?;
    field(&mut head, ',', "generated_at", &r.generated_at)?;
    field(&mut head, ',', "account_ids", &r.account_ids)?;
    field(&mut head, ',', "partial", &r.partial)?;
    field(&mut head, ',', "errors", &r.errors)?;
    field(&mut head, ',', "warnings", &r.warnings)?;
    field(&mut head, ',', "summary", &r.summary)?;
    field(&mut head, ',', "principals", &r.principals)?;
    head.extend_from_slice(b",\"findings\":[");
    out.write_all(&head)?;

    let findings = r.findings;
    // written buffers come back for the next windows: fresh memory costs a page fault per
    // page, and a large report would otherwise fault in its whole size
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
    let spare = &spare;
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<serde_json::Result<Vec<u8>>>(tasks);
        scope.spawn(move || {
            for (w, window) in findings.list.chunks(chunk * tasks).enumerate() {
                let rendered: Vec<serde_json::Result<Vec<u8>>> = window
                    .par_chunks(chunk)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let mut buf = spare
                            .lock()
                            .ok()
                            .and_then(|mut s| s.pop())
                            .unwrap_or_default();
                        for (i, f) in chunk.iter().enumerate() {
                            if (w, c, i) != (0, 0, 0) {
                                buf.push(b',');
                            }
                            serde_json::to_writer(&mut buf, &findings.entry(f))?;
                        }
                        Ok(buf)
                    })
                    .collect();
                for buf in rendered {
                    if tx.send(buf).is_err() {
                        return; // the writer stopped on an error
                    }
                }
            }
        });
        for buf in rx {
            let mut buf = buf?;
            out.write_all(&buf)?;
            buf.clear();
            if let Ok(mut s) = spare.lock() {
                s.push(buf);
            }
        }
        Ok(())
    })?;

    let mut tail = b"]".to_vec();
    if let Some(drift) = &r.drift {
        field(&mut tail, ',', "drift", drift)?;
    }
    tail.extend_from_slice(b"}\n");
    out.write_all(&tail)?;
    Ok(())
}

/// Appends `{"name":value` or `,"name":value` (`before` is `{` or `,`).
fn field(
    buf: &mut Vec<u8>,
    before: char,
    name: &str,
    value: &impl Serialize,
) -> serde_json::Result<()> {
    buf.push(before as u8);
    serde_json::to_writer(&mut *buf, name)?;
    buf.push(b':');
    serde_json::to_writer(&mut *buf, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parallel writer gives exactly serde's text, with and without a drift.
    #[test]
    fn compact_writer_matches_serde() -> anyhow::Result<()> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo/");
        let snapshot = crate::input::load_snapshot(format!("{root}snapshot.json").as_ref())?;
        let analysis = crate::input::analyze_with_defaults(
            format!("{root}snapshot.json").as_ref(),
            Some(format!("{root}overreach.toml").as_ref()),
        )?;
        assert!(analysis.findings.len() > 7, "{}", analysis.findings.len());
        let baseline = super::super::drift::parse(&format!(
            r#"{{"schema_version": "1", "tool": {{"name": "overreach"}}, "findings": [{{"id": "{}", "rule": "x", "severity": "high", "principal": "p", "confidence": "high", "declared_role": null, "message": ""}}]}}"#,
            analysis.findings[1].id
        ))?;
        let drift = super::super::drift::Drift::compute(&analysis.findings, &baseline);
        for with_drift in [false, true] {
            let mut report = build(&analysis, &snapshot, "2026-01-01T00:00:00Z".into());
            if with_drift {
                report.set_drift(&drift);
            }
            let expected = serde_json::to_string(&report)? + "\n";
            for (chunk, tasks) in [(1, 1), (2, 3), (128, 16)] {
                let mut out = Vec::new();
                write_windows(&mut out, &report, chunk, tasks)?;
                assert_eq!(String::from_utf8(out)?, expected, "{chunk} {tasks}");
            }
        }
        Ok(())
    }
}
