//! Who each principal is declared to be: its role and kind, from its tags, the configuration's
//! `[[assign]]` entries, or inference.
//!
//! Precedence (documented in the README): a principal's own tags win over `[[assign]]`, because
//! the tag travels with the principal and is set by its owner; `--config-wins` reverses this
//! for teams that manage declarations centrally. The kind comes from, in order: the kind tag,
//! the assignment's `kind`, the declared role's `kind` (when it is `human` or `agent`), and last
//! inference from sign-in signals ([`crate::kind::infer`]).

use crate::account::{Account, PrincipalIdx};
use crate::config::{Config, RoleKind};
use crate::kind::{KindDecision, PrincipalKind, infer};

/// A principal's declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The declared role, when it names a role of the configuration.
    pub role: Option<String>,
    /// Where the role comes from (`tag declared-role`, `overreach.toml:12 [[assign]]`).
    pub role_source: Option<String>,
    /// A role name declared by tag that the configuration does not define.
    pub unknown_role: Option<String>,
    /// The kind and how it was decided.
    pub kind: KindDecision,
}

/// Declares every principal of the account.
pub fn declare_all(account: &Account, config: &Config, config_wins: bool) -> Vec<Declared> {
    (0..account.principals.len())
        .map(|p| declare(account, config, p, config_wins))
        .collect()
}

/// Declares one principal.
pub fn declare(account: &Account, config: &Config, p: PrincipalIdx, config_wins: bool) -> Declared {
    let info = &account.principals[p];
    let tag_role = info
        .tag(&config.tags.role)
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let assignment = config.role_for_arn(&info.arn);
    let from_tag = |name: &str| (name.to_string(), format!("tag `{}`", config.tags.role));
    let from_assign = |a: &crate::config::Assignment| {
        (
            a.role.clone(),
            format!(
                "{}:{} [[assign]] `{}`",
                config.origin, a.location.line, a.principal
            ),
        )
    };
    let chosen = match (tag_role, assignment, config_wins) {
        (Some(_), Some(a), true) | (None, Some(a), _) => Some(from_assign(a)),
        (Some(t), _, _) => Some(from_tag(t)),
        (None, None, _) => None,
    };
    let (role, role_source, unknown_role) = match chosen {
        Some((name, source)) if config.role(&name).is_some() => (Some(name), Some(source), None),
        Some((name, _)) => (None, None, Some(name)),
        None => (None, None, None),
    };

    let tag_kind = info
        .tag(&config.tags.kind)
        .and_then(PrincipalKind::parse)
        .map(|k| KindDecision {
            kind: k,
            source: format!("tag `{}`", config.tags.kind),
        });
    let assign_kind = assignment.and_then(|a| {
        a.kind.map(|k| KindDecision {
            kind: k,
            source: format!(
                "{}:{} [[assign]] `{}`",
                config.origin, a.location.line, a.principal
            ),
        })
    });
    let role_kind = role
        .as_deref()
        .and_then(|r| config.role(r))
        .and_then(|def| {
            let kind = match def.kind {
                RoleKind::Human => PrincipalKind::Human,
                RoleKind::Agent => PrincipalKind::Agent,
                RoleKind::Any => return None,
            };
            Some(KindDecision {
                kind,
                source: format!("declared role `{}` is for {}s", def.name, kind.as_str()),
            })
        });
    let kind = if config_wins {
        assign_kind.or(tag_kind)
    } else {
        tag_kind.or(assign_kind)
    }
    .or(role_kind)
    .unwrap_or_else(|| infer(account, p));
    Declared {
        role,
        role_source,
        unknown_role,
        kind,
    }
}
