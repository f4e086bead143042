//! The table report: one row per finding, highest severity first, with a summary footer.
//! Fits a 120-column terminal.

use comfy_table::{ContentArrangement, Table, presets};
use overreach_analysis::analyze::Analysis;

use super::drift::{Drift, Status};

/// Renders the findings (suppressed ones are counted, not listed). With a drift, new findings
/// are marked `(new)` and a footer gives the counts and the resolved ids.
pub fn render(analysis: &Analysis, partial: bool, width: u16, drift: Option<&Drift>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header([
            "severity",
            "principal",
            "kind",
            "declared role",
            "rule",
            "summary",
        ]);
    let mut shown = 0;
    let mut suppressed = 0;
    for f in &analysis.findings {
        if f.is_suppressed() {
            suppressed += 1;
            continue;
        }
        shown += 1;
        let principal = f
            .principal
            .rsplit_once(':')
            .map_or(f.principal.as_str(), |(_, r)| r);
        let mut severity = f.severity.as_str().to_string();
        if f.suppression.as_ref().is_some_and(|s| s.expired) {
            severity.push_str(" (suppression expired)");
        }
        if drift.is_some_and(|d| d.status(&f.id) == Status::New) {
            severity.push_str(" (new)");
        }
        table.add_row([
            severity,
            principal.to_string(),
            f.principal_kind.as_str().to_string(),
            f.declared_role.clone().unwrap_or_else(|| "-".into()),
            f.rule.to_string(),
            f.message.clone(),
        ]);
    }
    let mut out = String::new();
    if shown > 0 {
        out.push_str(&table.to_string());
        out.push('\n');
    }
    let count = |s: overreach_analysis::finding::Severity| {
        analysis
            .findings
            .iter()
            .filter(|f| !f.is_suppressed() && f.severity == s)
            .count()
    };
    use overreach_analysis::finding::Severity::*;
    out.push_str(&format!(
        "{} principals, {shown} findings ({} critical, {} high, {} medium, {} low), {suppressed} suppressed{}\n",
        analysis.account.principals.len(),
        count(Critical),
        count(High),
        count(Medium),
        count(Low),
        if partial { "; PARTIAL: some data could not be fetched, see errors" } else { "" }
    ));
    if let Some(d) = drift {
        out.push_str(&format!("since the baseline: {}", d.counts()));
        if !d.resolved.is_empty() {
            out.push_str(&format!("; resolved: {}", d.resolved_ids().join(", ")));
        }
        out.push('\n');
    }
    out
}
