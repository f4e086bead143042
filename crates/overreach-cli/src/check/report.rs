//! The check's outputs: the JSON report (check schema version 1, frozen wire types,
//! `schema/check-v1.schema.json`), SARIF located at the granting statements, a markdown pull
//! request comment and a terminal table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use overreach_iac::{IacSet, Location};
use serde::Serialize;

use super::diff::{ActionChange, ChangeGroup, CheckDiff, PrincipalChange};
use crate::report::json::{FindingEntry, HopEntry, StatementEntry};
use crate::report::sarif;

/// The schema version written.
pub const SCHEMA_VERSION: &str = "1";

/// The check report. It borrows the check's diff and inputs: only computed values (time,
/// counts) are owned.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub schema_version: &'static str,
    /// Always `check`.
    pub report: &'static str,
    pub tool: ToolEntry,
    pub generated_at: String,
    pub base: SideEntry<'a>,
    pub head: SideEntry<'a>,
    /// The `--fail-on` threshold (`never` when none).
    pub fail_on: &'a str,
    /// False when a finding at or above `fail_on` is introduced.
    pub passed: bool,
    /// True when the context snapshot or an input snapshot is partial: the judgement may miss
    /// rights.
    pub partial: bool,
    /// Changes to the declared roles or suppressions the check found between base and head
    /// (they are judged by the base's, and need a reviewer's eye).
    pub review: &'a [String],
    pub summary: SummaryEntry,
    pub changes: Vec<ChangeEntry<'a>>,
    pub introduced: Vec<IntroducedEntry<'a>>,
    pub resolved: Vec<FindingEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ToolEntry {
    pub name: &'static str,
    pub version: &'static str,
}

/// One side as read.
#[derive(Debug, Serialize)]
pub struct SideEntry<'a> {
    /// What was given (`origin/main`, a folder).
    pub spec: &'a str,
    /// Files recognised, with their format.
    pub files: &'a BTreeMap<String, &'static str>,
    /// What the readers could not resolve or model.
    pub notes: Vec<NoteEntry<'a>>,
    /// Paths not read (symbolic links), with why.
    pub skipped: Vec<SkippedEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct NoteEntry<'a> {
    pub kind: &'static str,
    pub location: LocationEntry<'a>,
    pub message: &'a str,
}

#[derive(Debug, Serialize)]
pub struct SkippedEntry<'a> {
    pub path: &'a str,
    pub reason: &'a str,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct LocationEntry<'a> {
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Serialize)]
pub struct SummaryEntry {
    pub principals_changed: usize,
    pub actions_added: usize,
    pub actions_removed: usize,
    pub introduced: usize,
    pub resolved: usize,
}

#[derive(Debug, Serialize)]
pub struct ChangeEntry<'a> {
    pub principal: &'a str,
    /// `added`, `removed` or `changed`.
    pub status: &'static str,
    pub declared_role: Option<&'a str>,
    pub location: Option<LocationEntry<'a>>,
    pub added: Vec<GroupEntry<'a>>,
    pub added_own: Vec<GroupEntry<'a>>,
    pub removed: Vec<GroupEntry<'a>>,
    pub new_reach: Vec<ReachEntry<'a>>,
    pub lost_reach: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct GroupEntry<'a> {
    pub service: &'a str,
    pub access_level: &'a str,
    pub count: usize,
    pub actions: Vec<ActionEntry<'a>>,
    pub names: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct ActionEntry<'a> {
    pub action: &'a str,
    pub resources: &'a [String],
    pub holder: &'a str,
    pub statement: StatementEntry<'a>,
    pub location: Option<LocationEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct ReachEntry<'a> {
    pub target: &'a str,
    pub path: Vec<HopEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct IntroducedEntry<'a> {
    /// `new` or `worse`.
    pub status: &'static str,
    /// For `worse`: what got worse (severity, excess groups, actions granted more widely).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worse_because: Option<&'a str>,
    pub location: Option<LocationEntry<'a>>,
    pub finding: FindingEntry<'a>,
}

fn location(l: &Location) -> LocationEntry<'_> {
    LocationEntry {
        file: &l.file,
        line: l.line,
        column: l.column,
    }
}

fn side<'a>(spec: &'a str, set: &'a IacSet, skipped: &'a [(String, String)]) -> SideEntry<'a> {
    SideEntry {
        spec,
        files: &set.files,
        notes: set
            .notes
            .iter()
            .map(|n| NoteEntry {
                kind: n.kind.as_str(),
                location: location(&n.location),
                message: &n.message,
            })
            .collect(),
        skipped: skipped
            .iter()
            .map(|(path, reason)| SkippedEntry { path, reason })
            .collect(),
    }
}

fn group(g: &ChangeGroup) -> GroupEntry<'_> {
    GroupEntry {
        service: &g.service,
        access_level: &g.access_level,
        count: g.count,
        actions: g.actions.iter().map(action).collect(),
        names: &g.names,
    }
}

fn action(a: &ActionChange) -> ActionEntry<'_> {
    ActionEntry {
        action: &a.action,
        resources: &a.resources,
        holder: &a.holder,
        statement: crate::report::json::statement(&a.statement),
        location: a.location.as_ref().map(location),
    }
}

fn change(c: &PrincipalChange) -> ChangeEntry<'_> {
    ChangeEntry {
        principal: &c.principal,
        status: c.status,
        declared_role: c.declared_role.as_deref(),
        location: c.location.as_ref().map(location),
        added: c.added.iter().map(group).collect(),
        added_own: c.added_own.iter().map(group).collect(),
        removed: c.removed.iter().map(group).collect(),
        new_reach: c
            .new_reach
            .iter()
            .map(|(target, hops)| ReachEntry {
                target,
                path: hops.iter().map(crate::report::json::hop).collect(),
            })
            .collect(),
        lost_reach: &c.lost_reach,
    }
}

/// Everything the renderers need.
#[derive(Debug)]
pub struct View<'a> {
    pub diff: &'a CheckDiff,
    pub base: (&'a str, &'a IacSet, &'a [(String, String)]),
    pub head: (&'a str, &'a IacSet, &'a [(String, String)]),
    pub fail_on: &'a str,
    pub passed: bool,
    pub partial: bool,
    /// Changes to the rules the check applies (declared roles, suppressions) for review.
    pub review: &'a [String],
}

fn count(groups: &[ChangeGroup]) -> usize {
    groups.iter().map(|g| g.count).sum()
}

/// The JSON report.
pub fn json<'a>(v: &View<'a>, generated_at: String) -> CheckReport<'a> {
    CheckReport {
        schema_version: SCHEMA_VERSION,
        report: "check",
        tool: ToolEntry {
            name: "overreach",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at,
        base: side(v.base.0, v.base.1, v.base.2),
        head: side(v.head.0, v.head.1, v.head.2),
        fail_on: v.fail_on,
        passed: v.passed,
        partial: v.partial,
        review: v.review,
        summary: SummaryEntry {
            principals_changed: v.diff.changes.len(),
            actions_added: v.diff.changes.iter().map(|c| count(&c.added)).sum(),
            actions_removed: v.diff.changes.iter().map(|c| count(&c.removed)).sum(),
            introduced: v.diff.introduced.len(),
            resolved: v.diff.resolved.len(),
        },
        changes: v.diff.changes.iter().map(change).collect(),
        introduced: v
            .diff
            .introduced
            .iter()
            .map(|i| IntroducedEntry {
                status: i.status,
                worse_because: i.because.as_deref(),
                location: i.location.as_ref().map(location),
                finding: crate::report::json::finding(&i.finding),
            })
            .collect(),
        resolved: v
            .diff
            .resolved
            .iter()
            .map(crate::report::json::finding)
            .collect(),
    }
}

/// SARIF: one result per introduced finding, at the head statement (or resource) granting
/// it; a finding with no place in head (only in the context) points at the first head file.
pub fn sarif_log(v: &View<'_>) -> sarif::Log {
    // a finding with no place in head still gets a result: at the first input file, else at
    // what was given as head
    let fallback = v
        .head
        .1
        .files
        .keys()
        .next()
        .or_else(|| v.base.1.files.keys().next())
        .cloned()
        .unwrap_or_else(|| v.head.0.to_string());
    let results = v
        .diff
        .introduced
        .iter()
        .map(|i| {
            let (uri, line, column) = match &i.location {
                Some(l) => (l.file.clone(), l.line as usize, Some(l.column as usize)),
                None => (fallback.clone(), 1, None),
            };
            let loc = sarif::Location {
                physical_location: sarif::PhysicalLocation {
                    artifact_location: sarif::ArtifactLocation {
                        // outside the current folder: an absolute file URI, not a bare path
                        uri: if uri.starts_with('/') {
                            format!("file://{}", sarif::path_uri(&uri))
                        } else {
                            sarif::path_uri(&uri)
                        },
                    },
                    region: Some(sarif::Region {
                        start_line: line.max(1),
                        start_column: column.filter(|c| *c >= 1),
                    }),
                },
            };
            let state = if i.status == "worse" {
                "updated"
            } else {
                "new"
            };
            sarif::result_at(&i.finding, vec![loc], Some(state))
        })
        .collect();
    sarif::Log {
        schema: sarif::SCHEMA,
        version: sarif::VERSION,
        runs: vec![sarif::Run {
            tool: sarif::Tool {
                driver: sarif::Driver {
                    name: "overreach",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: sarif::INFORMATION_URI,
                    rules: sarif::rules(),
                },
            },
            results,
        }],
    }
}

/// ` (worse)`, ` (suppressed)`: what the severity alone does not say.
fn status_note(i: &super::diff::Introduced) -> String {
    let mut out = String::new();
    if i.status == "worse" {
        match &i.because {
            Some(why) => out.push_str(&format!(" (worse: {why})")),
            None => out.push_str(" (worse)"),
        }
    }
    if i.finding.is_suppressed() {
        out.push_str(" (suppressed)");
    }
    out
}

fn short(arn: &str) -> &str {
    arn.rsplit_once(':').map_or(arn, |(_, r)| r)
}

fn at(l: Option<&Location>) -> String {
    l.map(|l| format!("{}:{}", l.file, l.line))
        .unwrap_or_default()
}

fn groups_line(groups: &[ChangeGroup]) -> String {
    // a broad change (admin access) is summed up by access level, not listed service by service
    if groups.len() > 6 {
        let mut levels: BTreeMap<&str, usize> = BTreeMap::new();
        for g in groups {
            *levels.entry(g.access_level.as_str()).or_default() += g.count;
        }
        let services: std::collections::BTreeSet<&str> =
            groups.iter().map(|g| g.service.as_str()).collect();
        let by_level: Vec<String> = levels.iter().map(|(l, n)| format!("{l} ×{n}")).collect();
        return format!(
            "{} actions in {} services ({})",
            count(groups),
            services.len(),
            by_level.join(", ")
        );
    }
    groups
        .iter()
        .map(|g| {
            let names: Vec<&str> = g
                .actions
                .iter()
                .take(3)
                .map(|a| a.action.as_str())
                .collect();
            let more = g.count.saturating_sub(names.len());
            let resources = g
                .actions
                .first()
                .map(|a| a.resources.join(", "))
                .unwrap_or_default();
            format!(
                "{} {} ×{} ({}{}) on {}",
                g.service,
                g.access_level,
                g.count,
                names.join(", "),
                if more > 0 {
                    format!(", +{more}")
                } else {
                    String::new()
                },
                resources
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The markdown pull-request comment.
pub fn markdown(v: &View<'_>) -> String {
    let mut s = String::new();
    let d = v.diff;
    let verdict = if v.passed { "passed" } else { "failed" };
    let _ = writeln!(s, "## overreach check: {verdict}\n");
    let _ = writeln!(
        s,
        "`{}` → `{}`: {} principal(s) change, {} finding(s) introduced, {} resolved (fail on: {}).{}\n",
        cell(&v.base.0.replace('`', "'")),
        cell(&v.head.0.replace('`', "'")),
        d.changes.len(),
        d.introduced.len(),
        d.resolved.len(),
        v.fail_on,
        if v.partial {
            " **The context snapshot is partial: rights may be missing.**"
        } else {
            ""
        }
    );
    for r in v.review {
        let _ = writeln!(s, "> **Review:** {}\n", cell(r));
    }
    if !d.introduced.is_empty() {
        let _ = writeln!(s, "### Introduced findings\n");
        let _ = writeln!(s, "| severity | rule | principal | where | finding |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for i in &d.introduced {
            let f = &i.finding;
            let _ = writeln!(
                s,
                "| {}{} | `{}` | `{}` | {} | {} |",
                f.severity,
                status_note(i),
                f.rule,
                cell(short(&f.principal)),
                cell(&at(i.location.as_ref())),
                cell(&f.message)
            );
        }
        s.push('\n');
    }
    if !d.changes.is_empty() {
        let _ = writeln!(s, "### Changes in effective rights\n");
        for c in &d.changes {
            let _ = writeln!(
                s,
                "- **`{}`** ({}{}){}",
                short(&c.principal),
                c.status,
                c.declared_role
                    .as_deref()
                    .map(|r| format!(", declared `{r}`"))
                    .unwrap_or_default(),
                c.location
                    .as_ref()
                    .map(|l| format!(" at `{}:{}`", l.file, l.line))
                    .unwrap_or_default()
            );
            if !c.added.is_empty() {
                let _ = writeln!(s, "  - gains: {}", cell(&groups_line(&c.added)));
            }
            if !c.added_own.is_empty() && count(&c.added_own) < count(&c.added) {
                let _ = writeln!(
                    s,
                    "  - of which its own policies grant: {}",
                    cell(&groups_line(&c.added_own))
                );
            }
            if !c.removed.is_empty() {
                let _ = writeln!(s, "  - loses: {}", cell(&groups_line(&c.removed)));
            }
            for (target, hops) in c.new_reach.iter().take(5) {
                let how = hop_labels(hops);
                let _ = writeln!(
                    s,
                    "  - newly reaches `{}` ({})",
                    short(target),
                    how.join(" → ")
                );
            }
            if c.new_reach.len() > 5 {
                let _ = writeln!(s, "  - … and {} more newly reached", c.new_reach.len() - 5);
            }
        }
        s.push('\n');
    }
    if !d.resolved.is_empty() {
        let _ = writeln!(s, "### Resolved findings\n");
        for f in &d.resolved {
            let _ = writeln!(
                s,
                "- `{}` `{}`: {}",
                f.rule,
                short(&f.principal),
                cell(&f.message)
            );
        }
        s.push('\n');
    }
    let notes: Vec<_> = v.head.1.notes.iter().collect();
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>{} note(s) on the head inputs</summary>\n",
            notes.len()
        );
        for n in notes {
            let _ = writeln!(
                s,
                "- {} `{}:{}`: {}",
                n.kind.as_str(),
                n.location.file,
                n.location.line,
                cell(&n.message)
            );
        }
        let _ = writeln!(s, "\n</details>");
    }
    if d.changes.is_empty() && d.introduced.is_empty() && d.resolved.is_empty() {
        let _ = writeln!(s, "No change in any principal's effective rights.");
    }
    s
}

/// The hops' labels, a hub's two hops (to the hub, from it) shown once.
fn hop_labels(hops: &[overreach_analysis::finding::Hop]) -> Vec<String> {
    let mut out: Vec<String> = hops.iter().map(|h| h.label()).collect();
    out.dedup();
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The terminal table.
pub fn table(v: &View<'_>, width: u16) -> String {
    use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
    let d = v.diff;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "overreach check {}: {} → {}: {} principal(s) change, {} finding(s) introduced, {} resolved (fail on {})",
        if v.passed { "passed" } else { "FAILED" },
        v.base.0,
        v.head.0,
        d.changes.len(),
        d.introduced.len(),
        d.resolved.len(),
        v.fail_on
    );
    if v.partial {
        let _ = writeln!(out, "partial: a snapshot is partial: rights may be missing");
    }
    for r in v.review {
        let _ = writeln!(out, "review: {r}");
    }
    if !d.introduced.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            .set_header(["severity", "rule", "principal", "where", "finding"]);
        for i in &d.introduced {
            let f = &i.finding;
            t.add_row([
                format!("{}{}", f.severity, status_note(i)),
                f.rule.to_string(),
                short(&f.principal).to_string(),
                at(i.location.as_ref()),
                f.message.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    if !d.changes.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            .set_header(["principal", "change", "gains", "loses", "newly reaches"]);
        for c in &d.changes {
            t.add_row([
                short(&c.principal).to_string(),
                c.status.to_string(),
                if !c.added_own.is_empty() && count(&c.added_own) < count(&c.added) {
                    format!(
                        "{}; own policies: {}",
                        groups_line(&c.added),
                        groups_line(&c.added_own)
                    )
                } else {
                    groups_line(&c.added)
                },
                groups_line(&c.removed),
                c.new_reach
                    .iter()
                    .map(|(t, _)| short(t))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    for (spec, set) in [(v.base.0, v.base.1), (v.head.0, v.head.1)] {
        for n in &set.notes {
            let _ = writeln!(
                out,
                "note ({spec}): {} {}:{}: {}",
                n.kind.as_str(),
                n.location.file,
                n.location.line,
                n.message
            );
        }
    }
    out
}
