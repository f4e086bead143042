//! What kind of principal something is — a human, or an agent (an AI coding tool, a CI
//! pipeline, a service) — when nobody declared it: inferred from how it signs in, and the
//! inference is shown.

use crate::account::{Account, PrincipalIdx, PrincipalType};

/// Human or agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// A person.
    Human,
    /// A program: an AI agent, a CI pipeline, a service.
    Agent,
    /// Neither declared nor inferable.
    Unknown,
}

impl PrincipalKind {
    /// `human`, `agent`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Human => "human",
            PrincipalKind::Agent => "agent",
            PrincipalKind::Unknown => "unknown",
        }
    }

    /// Parses `human` / `agent` (case-insensitive).
    pub fn parse(s: &str) -> Option<PrincipalKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "human" => Some(PrincipalKind::Human),
            "agent" => Some(PrincipalKind::Agent),
            _ => None,
        }
    }
}

/// A kind with the reason it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindDecision {
    /// The kind.
    pub kind: PrincipalKind,
    /// How it was decided, for reports (`inferred: trusts lambda.amazonaws.com`).
    pub source: String,
}

/// Infers the kind of a principal from its sign-in signals and trust.
///
/// Roles: trust in an AWS service or an OIDC / web-identity provider means an agent; trust in
/// a SAML provider (including IAM Identity Center's `AWSReservedSSO_*` roles) means a human.
/// Users: a console password means a human; active access keys with no console password mean
/// an agent. Otherwise unknown.
pub fn infer(account: &Account, p: PrincipalIdx) -> KindDecision {
    let info = &account.principals[p];
    let decided = |kind, source: String| KindDecision { kind, source };
    match info.kind {
        PrincipalType::Role => {
            if info.name.starts_with("AWSReservedSSO_") {
                return decided(
                    PrincipalKind::Human,
                    "inferred: an IAM Identity Center permission set role".into(),
                );
            }
            let Some(trust) = info.trust.and_then(|t| account.policies[t].policy.as_ref()) else {
                return decided(
                    PrincipalKind::Unknown,
                    "not inferable: the trust policy is unavailable".into(),
                );
            };
            let mut saml = None;
            let mut agent = None;
            for st in trust
                .policy
                .statements
                .iter()
                .filter(|s| s.effect == overreach_policy::Effect::Allow)
            {
                let Some(spec) = &st.principal else { continue };
                if let Some(s) = spec.service.first() {
                    agent.get_or_insert(format!("inferred: trusts the service `{s}`"));
                }
                for f in &spec.federated {
                    if f.contains(":saml-provider/") {
                        saml.get_or_insert(format!("inferred: trusts the SAML provider `{f}`"));
                    } else {
                        agent.get_or_insert(format!(
                            "inferred: trusts the web-identity provider `{f}`"
                        ));
                    }
                }
            }
            match (saml, agent) {
                (Some(s), _) => decided(PrincipalKind::Human, s),
                (None, Some(a)) => decided(PrincipalKind::Agent, a),
                (None, None) => decided(
                    PrincipalKind::Unknown,
                    "not inferable: trusted by IAM principals only".into(),
                ),
            }
        }
        PrincipalType::User => {
            match (info.signals.console_login, info.signals.active_access_keys) {
                (Some(true), _) => decided(
                    PrincipalKind::Human,
                    "inferred: has a console password".into(),
                ),
                (Some(false), Some(n)) if n > 0 => decided(
                    PrincipalKind::Agent,
                    "inferred: access keys and no console password".into(),
                ),
                _ => decided(
                    PrincipalKind::Unknown,
                    "not inferable: no sign-in signals in the snapshot".into(),
                ),
            }
        }
    }
}
