//! Accepted findings: a suppression file lists findings the team has decided to live with, each
//! with a reason and an expiry date, after which the finding comes back (marked as expired).
//!
//! ```toml
//! [[suppress]]
//! rule = "exceeds-declared-role"              # a rule id (kebab-case)
//! principal = "arn:aws:iam::*:role/legacy-*"  # ARN glob
//! action = "s3:*"                             # optional action glob (case-insensitive)
//! reason = "migration ticket OPS-123"         # required, non-empty
//! expires = "2027-01-31"                      # required, YYYY-MM-DD; active through that day
//! ```
//!
//! The crate has no clock: [`Suppressions::check`] takes today's date from the caller.

use overreach_policy::eval::resource_pattern_matches;
use overreach_policy::glob::Pattern;
use toml::de::DeValue;

use crate::config::{
    ConfigError, KeyPath, Location, Source, Value, check_arn_glob, is_action_pattern,
};

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule id (`exceeds-declared-role`).
    pub rule: String,
    /// The principal ARN glob as written.
    pub principal: String,
    principal_pattern: Pattern,
    /// The action glob as written, if any.
    pub action: Option<String>,
    action_pattern: Option<Pattern>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Last day the suppression is active (`YYYY-MM-DD`, inclusive).
    pub expires: String,
    /// Where the entry is.
    pub location: Location,
}

impl Suppression {
    /// Does the entry name this finding? With an action glob, every one of `actions` must match
    /// it, and a finding without actions is not matched.
    fn matches(&self, rule: &str, principal_arn: &str, actions: &[String]) -> bool {
        if self.rule != rule || !resource_pattern_matches(&self.principal_pattern, principal_arn) {
            return false;
        }
        match &self.action_pattern {
            None => true,
            Some(p) => !actions.is_empty() && actions.iter().all(|a| p.matches_ignore_case(a)),
        }
    }
}

/// What a suppression file says about one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionStatus<'a> {
    /// Suppressed by entry `index` (0-based, file order), still in force.
    Active {
        /// Index of the entry.
        index: usize,
        /// Its reason.
        reason: &'a str,
        /// Its expiry date.
        expires: &'a str,
    },
    /// Entry `index` matches but has expired: report the finding, marked as such.
    Expired {
        /// Index of the entry.
        index: usize,
        /// Its reason.
        reason: &'a str,
        /// Its expiry date.
        expires: &'a str,
    },
    /// No entry matches.
    None,
}

/// A parsed suppression file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suppressions {
    /// The entries, in file order.
    pub entries: Vec<Suppression>,
}

impl Suppressions {
    /// Parses a suppression file; `origin` is the file name used in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Suppressions, ConfigError> {
        let src = Source { text, origin };
        let root = src.parse_document()?;
        let root = root.get_ref();
        src.check_keys(root, &KeyPath::root(), &["suppress"])?;
        let mut entries = Vec::new();
        if let Some(list) = root.get("suppress") {
            let path = KeyPath::root().key("suppress");
            for (i, entry) in src.array(list, &path)?.iter().enumerate() {
                entries.push(entry_of(&src, entry, &path.index(i))?);
            }
        }
        Ok(Suppressions { entries })
    }

    /// The status of a finding of `rule` on `principal_arn` about `actions` on `today`
    /// (`YYYY-MM-DD`, supplied by the caller). A suppression is active through its `expires`
    /// date inclusive and expired from the day after. When several entries match, the first
    /// active one wins; failing that, the first expired one.
    pub fn check(
        &self,
        rule: &str,
        principal_arn: &str,
        actions: &[String],
        today: &str,
    ) -> SuppressionStatus<'_> {
        let mut expired = SuppressionStatus::None;
        for (index, s) in self.entries.iter().enumerate() {
            if !s.matches(rule, principal_arn, actions) {
                continue;
            }
            // INVARIANT: `expires` is a valid `YYYY-MM-DD`, so string order is date order.
            if today <= s.expires.as_str() {
                return SuppressionStatus::Active {
                    index,
                    reason: &s.reason,
                    expires: &s.expires,
                };
            }
            if expired == SuppressionStatus::None {
                expired = SuppressionStatus::Expired {
                    index,
                    reason: &s.reason,
                    expires: &s.expires,
                };
            }
        }
        expired
    }

    /// Refuses entries naming a rule id outside `known` (typo protection once the caller has
    /// the rule registry at hand).
    pub fn check_rule_ids(&self, origin: &str, known: &[&str]) -> Result<(), ConfigError> {
        match self
            .entries
            .iter()
            .find(|s| !known.contains(&s.rule.as_str()))
        {
            None => Ok(()),
            Some(s) => Err(ConfigError {
                origin: origin.into(),
                line: s.location.line,
                column: s.location.column,
                key: format!("{}.rule", s.location.key),
                message: format!(
                    "unknown rule `{}`; use one of {}",
                    s.rule,
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

fn entry_of(
    src: &Source<'_>,
    value: &Value<'_>,
    path: &KeyPath,
) -> Result<Suppression, ConfigError> {
    let table = src.table(value, path)?;
    src.check_keys(
        table,
        path,
        &["rule", "principal", "action", "reason", "expires"],
    )?;
    let span = value.span();

    let v = src.required(
        table,
        span.clone(),
        path,
        "rule",
        "the id of the rule, e.g. `exceeds-declared-role`",
    )?;
    let p = path.key("rule");
    let rule = src.str(v, &p)?;
    if !is_kebab(rule) {
        return Err(src.error(
            v.span(),
            &p,
            format!(
                "`{rule}` is not a rule id; rule ids are kebab-case, e.g. `exceeds-declared-role`"
            ),
        ));
    }

    let v = src.required(
        table,
        span.clone(),
        path,
        "principal",
        "an ARN glob such as `arn:aws:iam::*:role/legacy-*`",
    )?;
    let p = path.key("principal");
    let principal = src.str(v, &p)?;
    if let Err(why) = check_arn_glob(principal) {
        return Err(src.error(v.span(), &p, why));
    }

    let action = match table.get("action") {
        None => None,
        Some(v) => {
            let p = path.key("action");
            let text = src.str(v, &p)?;
            if !is_action_pattern(text) {
                return Err(src.error(
                    v.span(),
                    &p,
                    format!("`{text}` is not an action glob; write `service:Name` (wildcards allowed, e.g. `s3:*`) or `*`"),
                ));
            }
            Some(text.trim().to_string())
        }
    };

    let v = src.required(
        table,
        span.clone(),
        path,
        "reason",
        "why the finding is accepted, e.g. a ticket",
    )?;
    let reason = src.non_empty_str(v, &path.key("reason"))?;

    let v = src.required(
        table,
        span.clone(),
        path,
        "expires",
        "the last day it applies, `YYYY-MM-DD`",
    )?;
    let expires = date_of(src, v, &path.key("expires"))?;

    Ok(Suppression {
        rule: rule.into(),
        principal: principal.into(),
        principal_pattern: Pattern::new(principal),
        action_pattern: action.as_deref().map(Pattern::new),
        action,
        reason: reason.into(),
        expires,
        location: src.location(span, path),
    })
}

/// `expires` as a string `"2027-01-31"` or a TOML local date `2027-01-31`.
fn date_of(src: &Source<'_>, value: &Value<'_>, path: &KeyPath) -> Result<String, ConfigError> {
    let text = match value.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => {
            return Err(src.error(
                value.span(),
                path,
                "expected a date `YYYY-MM-DD`, e.g. `expires = \"2027-01-31\"`",
            ));
        }
    };
    if !is_date(&text) {
        return Err(src.error(
            value.span(),
            path,
            format!("`{text}` is not a date; write `YYYY-MM-DD`, e.g. `2027-01-31`"),
        ));
    }
    Ok(text)
}

/// A calendar date `YYYY-MM-DD` (Gregorian, leap years included).
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn is_kebab(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[suppress]]
rule = "exceeds-declared-role"
principal = "arn:aws:iam::*:role/legacy-*"
action = "s3:*"
reason = "migration ticket OPS-123"
expires = "2027-01-31"

[[suppress]]
rule = "privilege-escalation"
principal = "arn:aws:iam::111122223333:user/admin"
reason = "break-glass user"
expires = 2026-06-30
"#;

    fn sup() -> Suppressions {
        Suppressions::parse(FILE, "suppress.toml").unwrap()
    }

    fn acts(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn err(text: &str) -> ConfigError {
        match Suppressions::parse(text, "suppress.toml") {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e,
        }
    }

    const LEGACY: &str = "arn:aws:iam::111122223333:role/legacy-app";

    #[test]
    fn parses() {
        let s = sup();
        assert_eq!(s.entries.len(), 2);
        assert_eq!(s.entries[0].action.as_deref(), Some("s3:*"));
        assert_eq!(s.entries[1].expires, "2026-06-30");
        assert_eq!(s.entries[1].location.line, 9);
        assert_eq!(Suppressions::parse("", "s").unwrap().entries.len(), 0);
    }

    #[test]
    fn active_when_every_action_matches() {
        let s = sup();
        let got = s.check(
            "exceeds-declared-role",
            LEGACY,
            &acts(&["s3:GetObject", "S3:PutObject"]),
            "2026-11-24",
        );
        assert_eq!(
            got,
            SuppressionStatus::Active {
                index: 0,
                reason: "migration ticket OPS-123",
                expires: "2027-01-31"
            }
        );
    }

    #[test]
    fn not_suppressed_when_one_action_is_outside_the_glob() {
        let s = sup();
        let acts = acts(&["s3:GetObject", "iam:PassRole"]);
        assert_eq!(
            s.check("exceeds-declared-role", LEGACY, &acts, "2026-11-24"),
            SuppressionStatus::None
        );
        // a finding with no actions is not about `s3:*`
        assert_eq!(
            s.check("exceeds-declared-role", LEGACY, &[], "2026-11-24"),
            SuppressionStatus::None
        );
    }

    #[test]
    fn other_rule_or_principal_is_not_suppressed() {
        let s = sup();
        let a = acts(&["s3:GetObject"]);
        assert_eq!(
            s.check("privilege-escalation", LEGACY, &a, "2026-11-24"),
            SuppressionStatus::None
        );
        assert_eq!(
            s.check(
                "exceeds-declared-role",
                "arn:aws:iam::111122223333:role/new-app",
                &a,
                "2026-11-24"
            ),
            SuppressionStatus::None
        );
    }

    #[test]
    fn without_action_glob_any_actions_match() {
        let s = sup();
        let admin = "arn:aws:iam::111122223333:user/admin";
        assert!(matches!(
            s.check("privilege-escalation", admin, &[], "2026-01-01"),
            SuppressionStatus::Active { index: 1, .. }
        ));
    }

    #[test]
    fn expiry_is_inclusive() {
        let s = sup();
        let a = acts(&["s3:GetObject"]);
        let on = |today| s.check("exceeds-declared-role", LEGACY, &a, today);
        assert!(matches!(on("2027-01-30"), SuppressionStatus::Active { .. }));
        assert!(matches!(on("2027-01-31"), SuppressionStatus::Active { .. }));
        assert_eq!(
            on("2027-02-01"),
            SuppressionStatus::Expired {
                index: 0,
                reason: "migration ticket OPS-123",
                expires: "2027-01-31"
            }
        );
    }

    #[test]
    fn active_entry_wins_over_expired_one() {
        let text = r#"
[[suppress]]
rule = "r"
principal = "arn:aws:iam::*:role/*"
reason = "old"
expires = "2020-01-01"
[[suppress]]
rule = "r"
principal = "arn:aws:iam::*:role/x"
reason = "new"
expires = "2030-01-01"
"#;
        let s = Suppressions::parse(text, "s").unwrap();
        let x = "arn:aws:iam::1:role/x";
        assert!(matches!(
            s.check("r", x, &[], "2025-01-01"),
            SuppressionStatus::Active { index: 1, .. }
        ));
        assert!(matches!(
            s.check("r", x, &[], "2031-01-01"),
            SuppressionStatus::Expired { index: 0, .. }
        ));
    }

    #[test]
    fn errors() {
        let base = "[[suppress]]\nrule = \"r\"\nprincipal = \"arn:aws:iam::*:role/x\"\n";
        let e = err(&format!(
            "{base}reason = \"x\"\nexpires = \"2027-01-31\"\nreasons = \"y\"\n"
        ));
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (6, 1, "suppress[0].reasons")
        );
        let e = err(&format!("{base}expires = \"2027-01-31\"\n"));
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (1, 1, "suppress[0].reason")
        );
        assert!(e.message.starts_with("missing `reason`"), "{e}");
        let e = err(&format!("{base}reason = \"x\"\n"));
        assert_eq!(e.key, "suppress[0].expires");
        let e = err(&format!(
            "{base}reason = \"  \"\nexpires = \"2027-01-31\"\n"
        ));
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (4, 10, "suppress[0].reason")
        );
        for bad in [
            "2027-02-29",
            "2027-13-01",
            "27-01-31",
            "2027-1-31",
            "tomorrow",
        ] {
            let e = err(&format!("{base}reason = \"x\"\nexpires = \"{bad}\"\n"));
            assert_eq!(
                (e.line, e.column, e.key.as_str()),
                (5, 11, "suppress[0].expires"),
                "{bad}"
            );
            assert!(e.message.contains("is not a date"), "{e}");
        }
        assert!(
            Suppressions::parse(
                &format!("{base}reason = \"x\"\nexpires = \"2028-02-29\"\n"),
                "s"
            )
            .is_ok()
        );
        let e = err(&format!(
            "{base}reason = \"x\"\nexpires = 2027-01-31T00:00:00Z\n"
        ));
        assert!(e.message.starts_with("expected a date"), "{e}");
        let e = err("[[suppress]]\nrule = \"Exceeds_Role\"\n");
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (2, 8, "suppress[0].rule")
        );
        let e = err("[[suppres]]\n");
        assert_eq!(e.key, "suppres");
    }

    #[test]
    fn rule_ids_checked_against_registry() {
        let s = sup();
        assert!(
            s.check_rule_ids("s", &["exceeds-declared-role", "privilege-escalation"])
                .is_ok()
        );
        let e = s
            .check_rule_ids("s", &["exceeds-declared-role"])
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (9, "suppress[1].rule"));
    }
}
