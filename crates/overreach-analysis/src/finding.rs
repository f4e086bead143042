//! Findings: what a rule reports, with the evidence that makes it explainable.

use std::fmt;
use std::sync::Arc;

use overreach_policy::StatementRef;

use crate::kind::PrincipalKind;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Hygiene.
    Low,
    /// Worth fixing.
    Medium,
    /// Fix soon.
    High,
    /// Fix now.
    Critical,
}

impl Severity {
    /// `low`, `medium`, `high`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses the names above.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    /// It rests on data that could not be read, or on assumptions.
    Low,
    /// It holds only if some conditions hold.
    Medium,
    /// It holds unconditionally.
    High,
}

impl Confidence {
    /// `low`, `medium`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One hop of a path from the principal to what it can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// Where the hop starts (an ARN, a service, an account).
    pub from: String,
    /// Where it ends (an ARN, a group ARN, `account-admin`).
    pub to: String,
    /// `assume` (with the STS action) or `escalation` (with the path id).
    pub kind: HopKind,
    /// Condition keys the hop depends on (empty: unconditional).
    pub condition_keys: Vec<String>,
    /// What the hop needs that IAM data cannot show, if anything.
    pub inconclusive: Option<String>,
    /// The statements that allow the hop.
    pub statements: Vec<StatementRef>,
}

/// The kind of a hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopKind {
    /// A role assumption.
    Assume {
        /// The STS action.
        action: String,
    },
    /// A privilege-escalation path of the catalogue.
    Escalation {
        /// Its id.
        path: String,
        /// Its name (the permissions).
        name: String,
    },
}

impl Hop {
    /// A short label: `assume` or `escalation lambda-001`.
    pub fn label(&self) -> String {
        match &self.kind {
            HopKind::Assume { .. } => "assume".into(),
            HopKind::Escalation { path, .. } => format!("escalation {path}"),
        }
    }
}

/// An action a principal can do beyond its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcessAction {
    /// The action's id in the embedded catalogue (the one every analysis uses): see
    /// [`ExcessAction::action`].
    pub id: overreach_policy::ActionId,
    /// Where and by what it is granted, shared by every action the grant is cited for (a
    /// large account lists some 15 million actions: one pointer each, not two).
    pub cited: Arc<Cited>,
    /// True when granted only under conditions.
    pub conditional: bool,
}

impl ExcessAction {
    /// `service:Action` with AWS's casing.
    pub fn action(&self) -> &'static str {
        overreach_policy::Catalog::embedded().name(self.id)
    }

    /// The resources it is granted on (as written; `not X` for NotResource).
    pub fn resources(&self) -> &[String] {
        &self.cited.resources
    }

    /// The granting statement.
    pub fn statement(&self) -> &StatementRef {
        &self.cited.statement
    }
}

/// A grant as evidence cites it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cited {
    /// The resources (as written; `not X` for NotResource).
    pub resources: Vec<String>,
    /// The granting statement.
    pub statement: StatementRef,
}

/// Excess actions of one service and access level, reached one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcessGroup {
    /// The service prefix (shared: one allocation per service).
    pub service: Arc<str>,
    /// The access level.
    pub access_level: &'static str,
    /// How many actions (all of them, even when `actions` is cut short).
    pub count: usize,
    /// The actions (at most [`MAX_ACTIONS_LISTED`]).
    pub actions: Box<[ExcessAction]>,
    /// Who grants them and how the finding's principal reaches it (shared by the groups of
    /// one holder: a large account has millions of groups).
    pub reach: Arc<Reach>,
}

impl ExcessGroup {
    /// The principal whose policies grant the actions (the finding's principal, or one it
    /// reaches).
    pub fn holder(&self) -> &str {
        &self.reach.holder
    }

    /// The hops from the finding's principal to the holder (empty: its own policies).
    pub fn via(&self) -> &[Arc<Hop>] {
        &self.reach.via
    }
}

/// A holder of excess actions as a finding reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The principal whose policies grant the actions (the finding's principal, or one it
    /// reaches).
    pub holder: Arc<str>,
    /// The hops from the finding's principal to the holder (empty: its own policies); each
    /// hop is shared by every finding that shows it.
    pub via: Arc<[Arc<Hop>]>,
}

/// At most this many actions are listed per excess group; `count` has the full number.
pub const MAX_ACTIONS_LISTED: usize = 10;

/// At most this many excess groups are kept per finding (the most severe, then the largest).
pub const MAX_GROUPS_LISTED: usize = 20;

/// A finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A fingerprint stable across runs (rule, principal and the finding's subject).
    pub id: String,
    /// The rule id (`exceeds-declared-role`).
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Confidence.
    pub confidence: Confidence,
    /// The principal's ARN.
    pub principal: String,
    /// Its kind.
    pub principal_kind: PrincipalKind,
    /// Its declared role.
    pub declared_role: Option<String>,
    /// One line for humans.
    pub message: String,
    /// Excess actions (rules about rights): at most [`MAX_GROUPS_LISTED`] groups, most
    /// severe first.
    pub excess: Vec<ExcessGroup>,
    /// How many excess groups were left out.
    pub excess_omitted: usize,
    /// The path the finding is about (escalation, assumption).
    pub path: Vec<Hop>,
    /// The accepted-risk entry that suppresses it, if any.
    pub suppression: Option<SuppressionNote>,
}

/// Why a finding is (or was) suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionNote {
    /// The reason given.
    pub reason: String,
    /// The expiry date.
    pub expires: String,
    /// True when the suppression has expired (the finding is active again).
    pub expired: bool,
}

impl Finding {
    /// Starts a finding; `subject` distinguishes findings of one rule on one principal (e.g. the
    /// target of an escalation) and enters the fingerprint.
    pub fn new(rule: &'static str, principal: &str, subject: &str) -> Finding {
        Finding {
            id: fingerprint(&[rule, principal, subject]),
            rule,
            severity: Severity::Low,
            confidence: Confidence::High,
            principal: principal.to_string(),
            principal_kind: PrincipalKind::Unknown,
            declared_role: None,
            message: String::new(),
            excess: Vec::new(),
            excess_omitted: 0,
            path: Vec::new(),
            suppression: None,
        }
    }

    /// True when an active suppression hides it.
    pub fn is_suppressed(&self) -> bool {
        self.suppression.as_ref().is_some_and(|s| !s.expired)
    }

    /// Every excess action name.
    pub fn excess_actions(&self) -> Vec<String> {
        self.excess
            .iter()
            .flat_map(|g| g.actions.iter().map(|a| a.action().to_string()))
            .collect()
    }
}

/// FNV-1a 64 of the parts (separated), as 16 hex digits: stable across runs and platforms.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(
            fingerprint(&["exceeds-declared-role", "arn:aws:iam::1:user/a", ""]).len(),
            16
        );
    }
}
