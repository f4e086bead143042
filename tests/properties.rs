//! Property tests of the evaluator and the action sets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use overreach_policy::eval::{Outcome, PolicySet, Request, evaluate};
use overreach_policy::policy::NameMatch;
use overreach_policy::{Catalog, Expander, NamedPolicy, Principal, RequestContext, parse_policy};
use proptest::prelude::*;

fn catalog() -> &'static Catalog {
    Catalog::embedded()
}

/// An action name from the catalogue, by index.
fn action(i: usize) -> String {
    let c = catalog();
    c.full_name((i % c.len()) as u32)
}

/// A pattern: an exact action, a prefix wildcard, a service wildcard, or `*`.
fn pattern_strategy() -> impl Strategy<Value = String> {
    (0usize..30_000, 0u8..4, 1usize..6).prop_map(|(i, kind, cut)| {
        let a = action(i);
        let (svc, name) = a.split_once(':').unwrap();
        match kind {
            0 => a.clone(),
            1 => format!("{svc}:{}*", &name[..cut.min(name.len())]),
            2 => format!("{svc}:*"),
            _ => "*".to_string(),
        }
    })
}

fn request(action: &str) -> Request {
    let who = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    Request::new(
        who,
        action,
        "arn:aws:s3:::bucket/key",
        RequestContext::complete(),
    )
}

fn policy(effect: &str, key: &str, patterns: &[String]) -> NamedPolicy {
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, key: patterns, "Resource": "*"}]
    });
    NamedPolicy::new(
        format!("{effect}-{key}"),
        parse_policy(&doc.to_string()).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Adding a Deny of X never allows X, whatever else is allowed.
    #[test]
    fn a_deny_never_allows(allow in prop::collection::vec(pattern_strategy(), 1..4), i in 0usize..30_000) {
        let x = action(i);
        let allow = policy("Allow", "Action", &allow);
        let deny = policy("Deny", "Action", std::slice::from_ref(&x));
        let set = PolicySet { identity: vec![&allow, &deny], ..PolicySet::default() };
        let d = evaluate(&request(&x), &set);
        prop_assert_eq!(d.outcome, Outcome::ExplicitDeny);
    }

    /// `NotAction: A` together with `Action: A` allows every action.
    #[test]
    fn not_action_and_action_cover_everything(a in prop::collection::vec(pattern_strategy(), 1..4), i in 0usize..30_000) {
        let x = action(i);
        let p1 = policy("Allow", "Action", &a);
        let p2 = policy("Allow", "NotAction", &a);
        let set = PolicySet { identity: vec![&p1, &p2], ..PolicySet::default() };
        prop_assert_eq!(evaluate(&request(&x), &set).outcome, Outcome::Allowed);
        // and the sets agree: their union is the whole catalogue
        let mut ex = Expander::new(catalog());
        let yes = ex.element(&NameMatch { negated: false, patterns: a.clone() });
        let no = ex.element(&NameMatch { negated: true, patterns: a });
        prop_assert_eq!(yes.union(&no).len(), catalog().len());
        prop_assert!(yes.intersection(&no).ids().is_empty());
    }

    /// The set expansion agrees with the evaluator's matching for every pattern.
    #[test]
    fn expansion_agrees_with_matching(p in pattern_strategy(), i in 0usize..30_000) {
        let x = action(i);
        let mut ex = Expander::new(catalog());
        let set = ex.pattern(&p);
        let id = catalog().lookup(&x).unwrap();
        let element = NameMatch { negated: false, patterns: vec![p] };
        prop_assert_eq!(set.contains(id), overreach_policy::eval::action_matches(&element, &x));
    }

    /// Set algebra: (A - B) ∪ (A ∩ B) = A.
    #[test]
    fn difference_and_intersection_partition(a in prop::collection::vec(pattern_strategy(), 1..4),
                                              b in prop::collection::vec(pattern_strategy(), 1..4)) {
        let mut ex = Expander::new(catalog());
        let a = ex.element(&NameMatch { negated: false, patterns: a });
        let b = ex.element(&NameMatch { negated: false, patterns: b });
        let parts = a.difference(&b).union(&a.intersection(&b));
        prop_assert_eq!(parts.ids(), a.ids());
    }
}

/// Expansion of `svc:*` equals the catalogue's list for `svc`, for every service.
#[test]
fn service_wildcard_equals_the_catalogue_list() {
    let c = catalog();
    let mut ex = Expander::new(c);
    for service in c.services() {
        let set = ex.pattern(&format!("{}:*", service.prefix));
        let want: Vec<u32> = service.actions.clone().collect();
        assert_eq!(set.ids(), want, "{}", service.prefix);
    }
}
