//! The table report: one row per finding, highest severity first, with a summary footer.
//! Fits a 120-column terminal.

use comfy_table::{ContentArrangement, Table, presets};
use overreach_analysis::analyze::Analysis;

use super::drift::{Drift, Status};

/// At most this many characters per cell: comfy-table's wrapping is quadratic in a cell's
/// length, and a terminal row of more is unreadable anyway (the JSON report has everything).
const MAX_CELL: usize = 300;

/// `s`, cut to [`MAX_CELL`] characters with an ellipsis.
fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_CELL) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

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
            clip(principal),
            f.principal_kind.as_str().to_string(),
            clip(f.declared_role.as_deref().unwrap_or("-")),
            f.rule.to_string(),
            clip(&f.message),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_clipped() {
        assert_eq!(clip("abc"), "abc");
        let long = "é".repeat(MAX_CELL + 5);
        let c = clip(&long);
        assert_eq!(c.chars().count(), MAX_CELL + 1);
        assert!(c.ends_with('…'));
    }
}
