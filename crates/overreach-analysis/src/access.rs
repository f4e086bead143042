//! Exact decisions for one principal of the account: builds the request and the policy set the
//! evaluator needs (identity policies, boundary, SCP levels, and a resource or trust policy).

use overreach_policy::eval::{Decision, PolicySet, Request, ResourcePolicyKind, evaluate};
use overreach_policy::{NamedPolicy, Principal, RequestContext};

use crate::account::{Account, PrincipalIdx, PrincipalType};

/// The request context static analysis knows for a principal: its tags; every other key is
/// unknown (so conditions on it make a decision "conditional").
pub fn principal_context(account: &Account, p: PrincipalIdx) -> RequestContext {
    let mut ctx = RequestContext::unknown();
    for (k, v) in &account.principals[p].tags {
        ctx.set(&format!("aws:PrincipalTag/{k}"), v.clone());
    }
    ctx
}

/// The requester as the evaluator sees it (a role acts through a session).
pub fn requester(account: &Account, p: PrincipalIdx) -> Option<Principal> {
    let info = &account.principals[p];
    match info.kind {
        PrincipalType::User | PrincipalType::Role => Principal::parse(&info.arn),
    }
}

/// Decides whether principal `p` may do `action` on `resource`, with an optional
/// resource-based or trust policy of the target.
pub fn decide(
    account: &Account,
    p: PrincipalIdx,
    action: &str,
    resource: &str,
    resource_policy: Option<(&NamedPolicy, ResourcePolicyKind)>,
) -> Option<Decision> {
    decide_with(account, p, action, resource, resource_policy, &[])
}

/// [`decide`] with condition keys the request is known to carry (e.g. `iam:PassedToService`
/// when a path passes a role to a given service).
pub fn decide_with(
    account: &Account,
    p: PrincipalIdx,
    action: &str,
    resource: &str,
    resource_policy: Option<(&NamedPolicy, ResourcePolicyKind)>,
    known: &[(&str, &str)],
) -> Option<Decision> {
    let mut context = principal_context(account, p);
    for (k, v) in known {
        context.set(k, *v);
    }
    decide_in(account, p, action, resource, resource_policy, context)
}

/// The context of a request made by an agent: no MFA. A role session created without MFA
/// carries `aws:MultiFactorAuthPresent = false`; a user's long-term access keys carry no MFA
/// key at all (IAM User Guide, global condition keys).
pub fn agent_context(account: &Account, p: PrincipalIdx, as_session: bool) -> RequestContext {
    let mut ctx = principal_context(account, p);
    if as_session || account.principals[p].kind == PrincipalType::Role {
        ctx.set("aws:MultiFactorAuthPresent", "false");
    } else {
        ctx.set_absent("aws:MultiFactorAuthPresent");
    }
    ctx.set_absent("aws:MultiFactorAuthAge");
    ctx
}

/// [`decide`] in a given request context.
pub fn decide_in(
    account: &Account,
    p: PrincipalIdx,
    action: &str,
    resource: &str,
    resource_policy: Option<(&NamedPolicy, ResourcePolicyKind)>,
    context: RequestContext,
) -> Option<Decision> {
    let who = requester(account, p)?;
    let info = &account.principals[p];
    let identity_idx: Vec<usize> = info.identity.iter().map(|(i, _)| *i).collect();
    let identity = account.named(identity_idx);
    let boundary = info
        .boundary
        .and_then(|b| account.policies.get(b))
        .and_then(|e| e.policy.as_ref());
    let boundary_missing = info.boundary.is_some() && boundary.is_none();
    // an unreadable boundary: treat it as allowing nothing (the principal is inconclusive)
    let empty;
    let boundary = if boundary_missing {
        empty = NamedPolicy::new(
            "<unreadable permissions boundary>",
            overreach_policy::Policy {
                version: overreach_policy::Version::V2012,
                id: None,
                statements: Vec::new(),
            },
        );
        Some(&empty)
    } else {
        boundary
    };
    let scps: Vec<Vec<&NamedPolicy>> = account
        .scps_for(p)
        .iter()
        .map(|level| account.named(level.iter().copied()))
        .collect();
    let set = PolicySet {
        identity,
        boundary,
        scps,
        rcps: Vec::new(),
        session: Vec::new(),
        resource: resource_policy,
    };
    let mut request = Request::new(who, action, resource, context);
    // only a 12-digit account makes a request cross-account (`aws` in AWS managed policy ARNs
    // and empty accounts in S3 ARNs are not accounts)
    request.resource_account = crate::account::arn_account(resource)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .or_else(|| Some(account.id.clone()));
    Some(evaluate(&request, &set))
}

/// True when every decision about `p` making the `actions` requests depends only on its policy
/// layers, not on who it is: no policy variable and no condition on the requester's identity
/// (name, ARN, id, tags, source identity) in a statement of its identity policies, boundary or
/// SCPs that applies to one of those actions. Principals sharing their layers then share every
/// decision of the path.
pub(crate) fn identity_free(account: &Account, p: PrincipalIdx, actions: &[&str]) -> bool {
    let info = &account.principals[p];
    if !info.inconclusive.is_empty() {
        return false;
    }
    for idx in account.layer_policies(p) {
        let Some(policy) = account.policies.get(idx).and_then(|e| e.policy.as_ref()) else {
            return false;
        };
        for st in &policy.policy.statements {
            if !actions
                .iter()
                .any(|a| overreach_policy::eval::action_matches(&st.action, a))
            {
                continue;
            }
            let patterns = st
                .action
                .patterns
                .iter()
                .chain(st.resource.iter().flat_map(|r| r.patterns.iter()));
            if patterns.clone().any(|t| t.contains("${")) {
                return false;
            }
            if st.conditions.iter().any(asks_who) {
                return false;
            }
        }
    }
    true
}

/// True when a trust policy's decision does not depend on who the caller of the account is
/// (beyond being one): no policy variable and no condition on the caller's identity in any
/// statement. Callers with the same identity-free layers then get the same decision.
pub(crate) fn trust_identity_free(trust: &overreach_policy::NamedPolicy) -> bool {
    trust.policy.statements.iter().all(|st| {
        st.conditions
            .iter()
            .all(|c| !(asks_who(c) || c.key.to_ascii_lowercase().starts_with("sts:")))
            && st
                .resource
                .iter()
                .flat_map(|r| r.patterns.iter())
                .all(|t| !t.contains("${"))
    })
}

/// Does a condition depend on who of the account makes the request (the requester's name,
/// ARN, id, type, tags, source identity or provider, or a policy variable)? Its account and
/// organization do not.
fn asks_who(c: &overreach_policy::condition::Condition) -> bool {
    let key = c.key.to_ascii_lowercase();
    // the caller's account and organization are the same for every principal of the account
    if [
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
    ]
    .contains(&key.as_str())
        && !c.values.iter().any(|v| v.contains("${"))
    {
        return false;
    }
    [
        "aws:principal",
        "aws:user",
        "aws:sourceidentity",
        "aws:federatedprovider",
    ]
    .iter()
    .any(|p| key.starts_with(p))
        || c.values.iter().any(|v| v.contains("${"))
}

/// The resource patterns of every statement in principal `p`'s layers that applies to one of
/// `actions`, each once, compiled: two ARNs they all match alike get the same decisions from
/// those layers about those actions. `None` when a pattern holds a policy variable (its value
/// depends on the request).
pub(crate) fn resource_patterns(
    account: &Account,
    p: PrincipalIdx,
    actions: &[&str],
) -> Option<Vec<overreach_policy::glob::Pattern>> {
    let mut texts: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for idx in account.layer_policies(p) {
        let Some(policy) = account.policies.get(idx).and_then(|e| e.policy.as_ref()) else {
            continue;
        };
        for st in &policy.policy.statements {
            if !actions
                .iter()
                .any(|a| overreach_policy::eval::action_matches(&st.action, a))
            {
                continue;
            }
            for text in st.resource.iter().flat_map(|r| r.patterns.iter()) {
                if text.contains("${") {
                    return None;
                }
                texts.insert(text);
            }
        }
    }
    Some(
        texts
            .into_iter()
            .map(overreach_policy::glob::Pattern::new)
            .collect(),
    )
}
