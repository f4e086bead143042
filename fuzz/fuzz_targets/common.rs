//! Shared by both targets: what to exercise once a document has parsed.

use overreach_policy::eval::{PolicySet, Request, ResourcePolicyKind, evaluate};
use overreach_policy::summary::summarize_policy;
use overreach_policy::{Catalog, Expander, NamedPolicy, Policy, Principal, RequestContext};

/// Summarises the policy against the embedded catalogue and evaluates it for a fixed
/// request, as an identity-based policy and as a resource-based policy, with an unknown
/// and with a complete request context.
pub fn exercise(policy: Policy) {
    let named = NamedPolicy::new("f", policy);

    let mut expander = Expander::new(Catalog::embedded());
    let _ = summarize_policy(&named, &mut expander);

    let principal = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    for context in [RequestContext::unknown(), RequestContext::complete()] {
        let request = Request::new(
            principal.clone(),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            context,
        );

        let identity = PolicySet {
            identity: vec![&named],
            ..Default::default()
        };
        let _ = evaluate(&request, &identity);

        let resource = PolicySet {
            resource: Some((&named, ResourcePolicyKind::Resource)),
            ..Default::default()
        };
        let _ = evaluate(&request, &resource);
    }
}
