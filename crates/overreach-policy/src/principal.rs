//! The principal making a request, and how a `Principal` element matches it.

use crate::policy::PrincipalSpec;

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user (`arn:aws:iam::ACCOUNT:user/PATH/NAME`).
    User {
        /// The user ARN.
        arn: String,
        /// The account id.
        account: String,
        /// The user name (last path segment).
        name: String,
    },
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`), or a role given by
    /// its ARN, which acts through a session.
    RoleSession {
        /// The session ARN.
        session_arn: String,
        /// The role ARN (with its path when known).
        role_arn: String,
        /// The account id.
        account: String,
    },
    /// The account root user.
    Root {
        /// The account id.
        account: String,
    },
    /// An AWS service principal (`lambda.amazonaws.com`).
    Service(String),
    /// A federated identity (an OIDC/SAML provider ARN or `cognito-identity.amazonaws.com`).
    Federated(String),
    /// An anonymous caller.
    Anonymous,
}

impl Principal {
    /// Interprets a principal string: an IAM user/role ARN, an assumed-role session ARN, an
    /// account root ARN, a service name, a provider ARN, or `*` for anonymous.
    pub fn parse(s: &str) -> Option<Principal> {
        if s == "*" {
            return Some(Principal::Anonymous);
        }
        if let Some(rest) = s.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, service, _region, account, resource] = parts.as_slice() else {
                return None;
            };
            let account = account.to_string();
            return match (*service, resource.split_once('/')) {
                ("iam", None) if *resource == "root" => Some(Principal::Root { account }),
                ("iam", Some(("user", path))) => Some(Principal::User {
                    arn: s.to_string(),
                    name: path.rsplit('/').next().unwrap_or(path).to_string(),
                    account,
                }),
                ("iam", Some(("role", path))) => {
                    let name = path.rsplit('/').next().unwrap_or(path);
                    Some(Principal::RoleSession {
                        session_arn: format!(
                            "arn:{partition}:sts::{account}:assumed-role/{name}/overreach"
                        ),
                        role_arn: s.to_string(),
                        account,
                    })
                }
                ("sts", Some(("assumed-role", rest))) => {
                    let role = rest.split('/').next().unwrap_or(rest);
                    Some(Principal::RoleSession {
                        session_arn: s.to_string(),
                        role_arn: format!("arn:{partition}:iam::{account}:role/{role}"),
                        account,
                    })
                }
                ("iam", Some(("oidc-provider" | "saml-provider", _))) => {
                    Some(Principal::Federated(s.to_string()))
                }
                _ => None,
            };
        }
        if s.ends_with(".amazonaws.com") && s.contains("cognito-identity") {
            return Some(Principal::Federated(s.to_string()));
        }
        if s.contains('.') {
            return Some(Principal::Service(s.to_string()));
        }
        None
    }

    /// The account the principal belongs to, when it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::User { account, .. }
            | Principal::RoleSession { account, .. }
            | Principal::Root { account } => Some(account),
            _ => None,
        }
    }

    /// The ARN reported as `aws:PrincipalArn` (a role session reports its role's ARN).
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Principal::User { arn, .. } => Some(arn.clone()),
            Principal::RoleSession { role_arn, .. } => Some(role_arn.clone()),
            Principal::Root { account } => Some(format!("arn:aws:iam::{account}:root")),
            _ => None,
        }
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self {
            Principal::User { .. } => "User",
            Principal::RoleSession { .. } => "AssumedRole",
            Principal::Root { .. } => "Account",
            Principal::Service(_) => "Service",
            Principal::Federated(_) => "FederatedUser",
            Principal::Anonymous => "Anonymous",
        }
    }
}

/// How a `Principal` element matched the caller: this decides whether a resource-based policy
/// grants on its own or only delegates to the caller's identity-based policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// The element does not cover the caller.
    No,
    /// The element names the caller's account: identity-based policies must allow too.
    Account,
    /// The element names the caller's role ARN: a grant limited by the role session's
    /// permissions boundary and session policies.
    RoleArn,
    /// The element names the caller itself (user ARN, session ARN, service, provider) or
    /// everyone (`*`).
    Direct,
}

/// Matches a `Principal` / `NotPrincipal` element against the caller.
pub fn match_principal(spec: &PrincipalSpec, who: &Principal) -> PrincipalMatch {
    let m = match_positive(spec, who);
    if spec.negated {
        if m == PrincipalMatch::No {
            PrincipalMatch::Direct
        } else {
            PrincipalMatch::No
        }
    } else {
        m
    }
}

fn match_positive(spec: &PrincipalSpec, who: &Principal) -> PrincipalMatch {
    if spec.any {
        return PrincipalMatch::Direct;
    }
    let mut best = PrincipalMatch::No;
    match who {
        Principal::Service(name) => {
            if spec.service.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                best = PrincipalMatch::Direct;
            }
        }
        Principal::Federated(provider) => {
            if spec.federated.iter().any(|f| f == provider) {
                best = PrincipalMatch::Direct;
            }
        }
        Principal::Anonymous => {}
        Principal::User { arn, account, .. } => {
            for v in &spec.aws {
                if v == arn {
                    best = best.max(PrincipalMatch::Direct);
                } else if names_account(v, account) {
                    best = best.max(PrincipalMatch::Account);
                }
            }
        }
        Principal::RoleSession {
            session_arn,
            role_arn,
            account,
        } => {
            for v in &spec.aws {
                if v == session_arn {
                    best = best.max(PrincipalMatch::Direct);
                } else if v == role_arn || same_role(v, role_arn) {
                    best = best.max(PrincipalMatch::RoleArn);
                } else if names_account(v, account) {
                    best = best.max(PrincipalMatch::Account);
                }
            }
        }
        Principal::Root { account } => {
            for v in &spec.aws {
                if names_account(v, account) {
                    best = best.max(PrincipalMatch::Direct);
                }
            }
        }
    }
    best
}

/// `111122223333` or `arn:PARTITION:iam::111122223333:root`.
fn names_account(value: &str, account: &str) -> bool {
    if value == account {
        return true;
    }
    value
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::"))
        .is_some_and(|(_, tail)| tail == format!("{account}:root"))
}

/// A role ARN written with a path matches the role ARN derived from a session (no path).
fn same_role(value: &str, role_arn: &str) -> bool {
    let name = |arn: &str| -> Option<(String, String)> {
        let (head, path) = arn.split_once(":role/")?;
        Some((head.to_string(), path.rsplit('/').next()?.to_string()))
    };
    match (name(value), name(role_arn)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(aws: &[&str]) -> PrincipalSpec {
        PrincipalSpec {
            aws: aws.iter().map(|s| s.to_string()).collect(),
            ..PrincipalSpec::default()
        }
    }

    #[test]
    fn parses_principals() {
        let p = Principal::parse("arn:aws:sts::111122223333:assumed-role/Dev/alice").unwrap();
        assert!(
            matches!(&p, Principal::RoleSession { role_arn, .. } if role_arn == "arn:aws:iam::111122223333:role/Dev")
        );
        assert!(matches!(
            Principal::parse("arn:aws:iam::111122223333:user/team/bob").unwrap(),
            Principal::User { name, .. } if name == "bob"
        ));
        assert_eq!(
            Principal::parse("lambda.amazonaws.com"),
            Some(Principal::Service("lambda.amazonaws.com".into()))
        );
        assert_eq!(Principal::parse("*"), Some(Principal::Anonymous));
    }

    #[test]
    fn matches() {
        let bob = Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
        assert_eq!(
            match_principal(&spec(&["111122223333"]), &bob),
            PrincipalMatch::Account
        );
        assert_eq!(
            match_principal(&spec(&["arn:aws:iam::111122223333:root"]), &bob),
            PrincipalMatch::Account
        );
        assert_eq!(
            match_principal(&spec(&["arn:aws:iam::111122223333:user/bob"]), &bob),
            PrincipalMatch::Direct
        );
        let session = Principal::parse("arn:aws:sts::111122223333:assumed-role/Dev/s").unwrap();
        assert_eq!(
            match_principal(
                &spec(&["arn:aws:iam::111122223333:role/team/Dev"]),
                &session
            ),
            PrincipalMatch::RoleArn
        );
        let mut not = spec(&["arn:aws:iam::111122223333:user/bob"]);
        not.negated = true;
        assert_eq!(match_principal(&not, &bob), PrincipalMatch::No);
    }
}
