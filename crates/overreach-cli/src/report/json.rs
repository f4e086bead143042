//! The JSON report, schema version 1: frozen wire types, separate from the analysis' internal
//! types. Adding optional fields is compatible; removing or changing one needs version 2.
//! The JSON Schema is `schema/report-v1.schema.json`.

use overreach_analysis::analyze::Analysis;
use overreach_analysis::finding::{Finding, Hop, HopKind};
use overreach_policy::{Catalog, StatementRef};
use serde::Serialize;

/// The schema version this module writes.
pub const SCHEMA_VERSION: &str = "1";

/// The report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub generated_at: String,
    pub account_ids: Vec<String>,
    pub partial: bool,
    pub errors: Vec<ErrorEntry>,
    pub warnings: Vec<String>,
    pub summary: Summary,
    pub principals: Vec<PrincipalEntry>,
    pub findings: Vec<FindingEntry>,
    /// With `--baseline`: the drift against that report (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftEntry>,
}

/// Finding ids new since the baseline report, resolved (gone) and remaining.
#[derive(Debug, Serialize)]
pub struct DriftEntry {
    pub new: Vec<String>,
    pub resolved: Vec<String>,
    pub remaining: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    pub catalog_version: String,
    pub catalog_date: String,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    pub api: String,
    pub target: String,
    pub permission: String,
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub principals: usize,
    pub findings: usize,
    pub suppressed: usize,
    pub by_severity: SeverityCounts,
    pub by_rule: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Default, Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Debug, Serialize)]
pub struct PrincipalEntry {
    pub arn: String,
    #[serde(rename = "type")]
    pub principal_type: &'static str,
    pub kind: &'static str,
    pub kind_source: String,
    pub declared_role: Option<String>,
    pub declared_role_source: Option<String>,
    pub inconclusive: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FindingEntry {
    pub id: String,
    pub rule: &'static str,
    pub severity: &'static str,
    pub confidence: &'static str,
    pub principal: String,
    pub principal_kind: &'static str,
    pub declared_role: Option<String>,
    pub message: String,
    pub excess: Vec<ExcessEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_groups_omitted: Option<usize>,
    pub path: Vec<HopEntry>,
    pub suppressed: bool,
    pub suppression: Option<SuppressionEntry>,
    /// With `--baseline`: `new` or `remaining` (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct ExcessEntry {
    pub service: String,
    pub access_level: String,
    pub count: usize,
    pub truncated: bool,
    pub holder: String,
    pub via: Vec<HopEntry>,
    pub actions: Vec<ActionEntry>,
}

#[derive(Debug, Serialize)]
pub struct ActionEntry {
    pub action: String,
    pub resources: Vec<String>,
    pub conditional: bool,
    pub statement: StatementEntry,
}

#[derive(Debug, Serialize)]
pub struct StatementEntry {
    pub policy: String,
    pub index: usize,
    pub sid: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct HopEntry {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub action: Option<String>,
    pub escalation_path: Option<String>,
    pub escalation_name: Option<String>,
    pub conditional: bool,
    pub condition_keys: Vec<String>,
    pub inconclusive: Option<String>,
    pub statements: Vec<StatementEntry>,
}

#[derive(Debug, Serialize)]
pub struct SuppressionEntry {
    pub reason: String,
    pub expires: String,
    pub expired: bool,
}

/// A statement reference as written in reports.
pub fn statement(s: &StatementRef) -> StatementEntry {
    StatementEntry {
        policy: s.policy.clone(),
        index: s.index,
        sid: s.sid.clone(),
    }
}

/// A hop as written in reports.
pub fn hop(h: &Hop) -> HopEntry {
    let (kind, action, path, name) = match &h.kind {
        HopKind::Assume { action } => ("assume", Some(action.clone()), None, None),
        HopKind::Escalation { path, name } => {
            ("escalation", None, Some(path.clone()), Some(name.clone()))
        }
    };
    HopEntry {
        from: h.from.clone(),
        to: h.to.clone(),
        kind,
        action,
        escalation_path: path,
        escalation_name: name,
        conditional: !h.condition_keys.is_empty() || h.inconclusive.is_some(),
        condition_keys: h.condition_keys.clone(),
        inconclusive: h.inconclusive.clone(),
        statements: h.statements.iter().map(statement).collect(),
    }
}

/// The report entry of one finding.
pub fn finding(f: &Finding) -> FindingEntry {
    FindingEntry {
        id: f.id.clone(),
        rule: f.rule,
        severity: f.severity.as_str(),
        confidence: f.confidence.as_str(),
        principal: f.principal.clone(),
        principal_kind: f.principal_kind.as_str(),
        declared_role: f.declared_role.clone(),
        message: f.message.clone(),
        excess: f
            .excess
            .iter()
            .map(|g| ExcessEntry {
                service: g.service.clone(),
                access_level: g.access_level.clone(),
                count: g.count,
                truncated: g.count > g.actions.len(),
                holder: g.holder.clone(),
                via: g.via.iter().map(hop).collect(),
                actions: g
                    .actions
                    .iter()
                    .map(|a| ActionEntry {
                        action: a.action.clone(),
                        resources: a.resources.clone(),
                        conditional: a.conditional,
                        statement: statement(&a.statement),
                    })
                    .collect(),
            })
            .collect(),
        excess_groups_omitted: (f.excess_omitted > 0).then_some(f.excess_omitted),
        path: f.path.iter().map(hop).collect(),
        suppressed: f.is_suppressed(),
        suppression: f.suppression.as_ref().map(|s| SuppressionEntry {
            reason: s.reason.clone(),
            expires: s.expires.clone(),
            expired: s.expired,
        }),
        status: None,
    }
}

/// Builds the report of an analysis.
pub fn build(
    analysis: &Analysis,
    snapshot: &overreach_snapshot::Snapshot,
    generated_at: String,
) -> Report {
    let catalog = Catalog::embedded();
    let mut counts = SeverityCounts::default();
    let mut by_rule = std::collections::BTreeMap::new();
    let mut suppressed = 0;
    for f in &analysis.findings {
        if f.is_suppressed() {
            suppressed += 1;
            continue;
        }
        *by_rule.entry(f.rule.to_string()).or_insert(0) += 1;
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
            catalog_version: catalog.version.clone(),
            catalog_date: catalog.updated_at.clone(),
        },
        generated_at,
        account_ids: if analysis.account.id.is_empty() {
            Vec::new()
        } else {
            vec![analysis.account.id.clone()]
        },
        partial: snapshot.is_partial(),
        errors: snapshot
            .errors
            .iter()
            .map(|e| ErrorEntry {
                api: e.api.clone(),
                target: e.target.clone(),
                permission: e.permission.clone(),
                kind: e.kind.as_str().to_string(),
                message: e.message.clone(),
            })
            .collect(),
        warnings: analysis.warnings.clone(),
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
                arn: p.arn.clone(),
                principal_type: p.kind.as_str(),
                kind: d.kind.kind.as_str(),
                kind_source: d.kind.source.clone(),
                declared_role: d.role.clone(),
                declared_role_source: d.role_source.clone(),
                inconclusive: p.inconclusive.clone(),
            })
            .collect(),
        findings: analysis.findings.iter().map(finding).collect(),
        drift: None,
    }
}

impl Report {
    /// Adds the drift against a baseline report: the `drift` object and each finding's `status`.
    pub fn set_drift(&mut self, drift: &super::drift::Drift) {
        for f in &mut self.findings {
            f.status = Some(drift.status(&f.id).as_str());
        }
        self.drift = Some(DriftEntry {
            new: drift.new.clone(),
            resolved: drift.resolved_ids(),
            remaining: drift.remaining.clone(),
        });
    }
}
