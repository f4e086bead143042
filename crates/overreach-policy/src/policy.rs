//! The resolved form of an IAM policy document: what the evaluator and the summaries work on.
//!
//! Parsing lives in `parse.rs`; this file holds the types only. Wire quirks (string-or-list
//! fields, a single-object `Statement`, booleans and numbers as condition values) are gone here.

use crate::condition::Condition;

/// The policy language version. A missing `Version` means 2008-10-17.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17` (or none): policy variables are not substituted; `${...}` is literal text.
    V2008,
    /// `2012-10-17`: policy variables are substituted.
    V2012,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies; wins over every allow.
    Deny,
}

impl Effect {
    /// `Allow` / `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The language version.
    pub version: Version,
    /// The optional `Id`.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The optional `Sid`.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Principal` / `NotPrincipal`: present in resource-based and trust policies only.
    pub principal: Option<PrincipalSpec>,
    /// `Action` / `NotAction`.
    pub action: NameMatch,
    /// `Resource` / `NotResource`; absent in trust policies (the role itself is the resource).
    pub resource: Option<NameMatch>,
    /// The conditions, all of which must hold (AND).
    pub conditions: Vec<Condition>,
}

/// An `Action`/`NotAction` or `Resource`/`NotResource` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatch {
    /// True for `NotAction` / `NotResource`.
    pub negated: bool,
    /// The patterns as written (policy variables not yet substituted).
    pub patterns: Vec<String>,
}

impl NameMatch {
    /// `Action: "*"` and friends.
    pub fn is_match_all(&self) -> bool {
        !self.negated && self.patterns.iter().any(|p| p == "*")
    }
}

/// A `Principal` / `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrincipalSpec {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// `"*"` (or `{"AWS": "*"}`): everyone, anonymous included.
    pub any: bool,
    /// `AWS` values: account ids, account root ARNs, user/role/session ARNs.
    pub aws: Vec<String>,
    /// `Service` values, e.g. `lambda.amazonaws.com`.
    pub service: Vec<String>,
    /// `Federated` values: identity provider ARNs or `cognito-identity.amazonaws.com` etc.
    pub federated: Vec<String>,
    /// `CanonicalUser` values.
    pub canonical_user: Vec<String>,
}

/// A position-free reference to one statement of a named policy, as decisions report it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// The id the caller gave the policy (an ARN, `user/alice/inline/name`, ...).
    pub policy: String,
    /// 0-based index in the policy's statements.
    pub index: usize,
    /// The statement's `Sid`, if any.
    pub sid: Option<String>,
    /// The statement's effect.
    pub effect: Effect,
}

/// A policy with the identifier decisions and summaries report it by.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    /// The identifier (e.g. a managed policy ARN).
    pub id: String,
    /// The document.
    pub policy: Policy,
}

impl NamedPolicy {
    /// Bundles a document with its id.
    pub fn new(id: impl Into<String>, policy: Policy) -> NamedPolicy {
        NamedPolicy {
            id: id.into(),
            policy,
        }
    }

    /// The reference to statement `index`.
    pub fn statement_ref(&self, index: usize) -> StatementRef {
        let statement = &self.policy.statements[index];
        StatementRef {
            policy: self.id.clone(),
            index,
            sid: statement.sid.clone(),
            effect: statement.effect,
        }
    }
}
