//! The markdown report, for pull-request comments and chat: a summary line, a table of the
//! findings by severity, drift against a baseline, and for each finding at or above medium a
//! collapsible `<details>` block with its excess groups and path. Deterministic (no
//! timestamps): the same analysis renders the same text. Sized for a GitHub comment: at most
//! [`MAX_ROWS`] table rows and [`MAX_DETAILS`] detail blocks, the rest counted.

use std::fmt::Write as _;

use overreach_analysis::analyze::Analysis;
use overreach_analysis::finding::{Finding, Hop, HopKind, Severity};
use overreach_policy::StatementRef;

use super::drift::{Drift, Status};

/// At most this many findings in the table.
pub const MAX_ROWS: usize = 100;
/// At most this many `<details>` blocks.
pub const MAX_DETAILS: usize = 30;
/// At most this many excess groups per finding.
pub const MAX_GROUPS: usize = 10;
/// At most this many actions per excess group.
pub const MAX_ACTIONS: usize = 5;

/// `` `text` ``, with a longer fence when the text holds a backtick.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Text for a table cell: no line breaks, `|` escaped, no raw HTML.
fn cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text for HTML (the `<summary>` line).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown text outside tables: no raw HTML.
fn text(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

/// `arn:aws:iam::1:role/x` → `role/x`.
fn short(arn: &str) -> &str {
    arn.rsplit_once(':').map_or(arn, |(_, r)| r)
}

/// `` `policy` statement N (Sid `x`) ``.
fn statement(s: &StatementRef) -> String {
    match &s.sid {
        Some(sid) => format!(
            "{} statement {} (Sid {})",
            code(&s.policy),
            s.index,
            code(sid)
        ),
        None => format!("{} statement {}", code(&s.policy), s.index),
    }
}

/// One hop: `` `from` → `to`: assume (`sts:AssumeRole`), conditions …, allowed by … ``.
fn hop(h: &Hop) -> String {
    let mut out = format!("{} → {}: ", code(short(&h.from)), code(short(&h.to)));
    match &h.kind {
        HopKind::Assume { action } => {
            let _ = write!(out, "assume ({})", code(action));
        }
        HopKind::Escalation { path, name } => {
            let _ = write!(out, "escalation path {} ({})", code(path), text(name));
        }
    }
    if !h.condition_keys.is_empty() {
        let keys: Vec<String> = h.condition_keys.iter().map(|k| code(k)).collect();
        let _ = write!(out, "; only if {}", keys.join(", "));
    }
    if let Some(why) = &h.inconclusive {
        let _ = write!(out, "; inconclusive: {}", text(why));
    }
    if !h.statements.is_empty() {
        let st: Vec<String> = h.statements.iter().map(statement).collect();
        let _ = write!(out, "; allowed by {}", st.join(", "));
    }
    out
}

fn counts(findings: &[&Finding]) -> [usize; 4] {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    [
        n(Severity::Critical),
        n(Severity::High),
        n(Severity::Medium),
        n(Severity::Low),
    ]
}

/// Renders the report.
pub fn render(analysis: &Analysis, partial: bool, drift: Option<&Drift>) -> String {
    let mut active: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .collect();
    // highest severity first; the analysis' order within a severity
    active.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let suppressed = analysis.findings.len() - active.len();
    let [critical, high, medium, low] = counts(&active);
    let mut out = String::new();
    out.push_str("## overreach\n\n");
    let _ = writeln!(
        out,
        "**{} finding{}** in {} principals: {critical} critical, {high} high, {medium} medium, {low} low; {suppressed} suppressed.",
        active.len(),
        if active.len() == 1 { "" } else { "s" },
        analysis.account.principals.len(),
    );
    if let Some(d) = drift {
        let _ = writeln!(out, "Since the baseline: {}.", d.counts());
    }
    if partial {
        out.push_str(
            "\n> [!WARNING]\n> Partial data: some APIs failed or were denied while fetching the snapshot, so findings may be missing.\n",
        );
    }
    if !active.is_empty() {
        out.push('\n');
        table(&mut out, &active, drift);
    }
    if let Some(d) = drift {
        drift_section(&mut out, d, analysis);
    }
    let detailed: Vec<&&Finding> = active
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    if !detailed.is_empty() {
        out.push_str("\n### Details (medium and above)\n");
        for f in detailed.iter().take(MAX_DETAILS) {
            details(&mut out, f, drift);
        }
        if detailed.len() > MAX_DETAILS {
            let _ = writeln!(
                out,
                "\n…and {} more findings at or above medium: see the JSON report.",
                detailed.len() - MAX_DETAILS
            );
        }
    }
    out
}

fn table(out: &mut String, active: &[&Finding], drift: Option<&Drift>) {
    if drift.is_some() {
        out.push_str("| severity | drift | principal | kind | declared role | rule | summary |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
    } else {
        out.push_str("| severity | principal | kind | declared role | rule | summary |\n");
        out.push_str("|---|---|---|---|---|---|\n");
    }
    for f in active.iter().take(MAX_ROWS) {
        let mut severity = f.severity.as_str().to_string();
        if f.suppression.as_ref().is_some_and(|s| s.expired) {
            severity.push_str(" (suppression expired)");
        }
        let status = drift.map_or(String::new(), |d| {
            format!(" {} |", d.status(&f.id).as_str())
        });
        let _ = writeln!(
            out,
            "| {severity} |{status} {} | {} | {} | {} | {} |",
            cell(&code(short(&f.principal))),
            f.principal_kind.as_str(),
            cell(f.declared_role.as_deref().unwrap_or("-")),
            code(f.rule),
            cell(&f.message),
        );
    }
    if active.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n…and {} more findings: see the JSON report.",
            active.len() - MAX_ROWS
        );
    }
}

fn drift_section(out: &mut String, d: &Drift, analysis: &Analysis) {
    out.push_str("\n### Changes since the baseline\n\n");
    let _ = writeln!(out, "{}.", d.counts());
    let by_id = |id: &str| analysis.findings.iter().find(|f| f.id == id);
    if !d.new.is_empty() {
        out.push_str("\nNew:\n");
        for id in &d.new {
            if let Some(f) = by_id(id) {
                let _ = writeln!(
                    out,
                    "- {} {} {} {}: {}",
                    f.severity.as_str(),
                    code(short(&f.principal)),
                    code(f.rule),
                    code(id),
                    text(&f.message)
                );
            }
        }
    }
    if !d.resolved.is_empty() {
        out.push_str("\nResolved:\n");
        for r in &d.resolved {
            let _ = writeln!(
                out,
                "- {} {} {} {}: {}",
                text(&r.severity),
                code(short(&r.principal)),
                code(&r.rule),
                code(&r.id),
                text(&r.message)
            );
        }
    }
}

fn details(out: &mut String, f: &Finding, drift: Option<&Drift>) {
    let new = drift.is_some_and(|d| d.status(&f.id) == Status::New);
    let _ = write!(
        out,
        "\n<details>\n<summary><b>{}</b>{} <code>{}</code> {}</summary>\n\n",
        f.severity.as_str(),
        if new { " (new)" } else { "" },
        html(short(&f.principal)),
        html(f.rule),
    );
    let _ = writeln!(out, "{}\n", text(&f.message));
    let _ = writeln!(
        out,
        "Principal {} ({}, declared role {}), confidence {}, finding id {}.",
        code(&f.principal),
        f.principal_kind.as_str(),
        f.declared_role.as_deref().map_or("none".to_string(), code),
        f.confidence.as_str(),
        code(&f.id),
    );
    if !f.excess.is_empty() {
        out.push_str("\n| service | level | count | actions | held by |\n|---|---|---|---|---|\n");
        for g in f.excess.iter().take(MAX_GROUPS) {
            let mut actions: Vec<String> = g
                .actions
                .iter()
                .take(MAX_ACTIONS)
                .map(|a| {
                    if a.conditional {
                        format!("{} (conditional)", code(a.action()))
                    } else {
                        code(a.action())
                    }
                })
                .collect();
            if g.count > actions.len() {
                actions.push("…".into());
            }
            let holder = if g.holder() == f.principal || g.holder() == short(&f.principal) {
                "itself".to_string()
            } else {
                code(short(g.holder()))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&g.service),
                cell(g.access_level),
                g.count,
                cell(&actions.join(", ")),
                cell(&holder),
            );
        }
        if f.excess.len() > MAX_GROUPS {
            let rest = &f.excess[MAX_GROUPS..];
            let _ = writeln!(
                out,
                "\n…and {} more groups ({} actions): see the JSON report.",
                rest.len(),
                rest.iter().map(|g| g.count).sum::<usize>()
            );
        }
    }
    if !f.path.is_empty() {
        out.push_str("\nPath:\n\n");
        for (i, h) in f.path.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, hop(h));
        }
    }
    out.push_str("\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(cell("a|b\n<c>"), "a\\|b &lt;c&gt;");
        assert_eq!(html("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(short("arn:aws:iam::1:role/x"), "role/x");
    }
}
