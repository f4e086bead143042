//! Benchmark: parse, expand and summarise every AWS managed policy; then the same expansion
//! scaled to 60,000 policies (the size of the largest accounts), the way an account scan
//! meets them (with the shared expansion cache). Run: `cargo bench -p overreach-policy`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use overreach_policy::{Catalog, Expander, ManagedPolicies, NamedPolicy, Policy, summarize_policy};

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        black_box(f());
        best = best.min(start.elapsed());
    }
    println!(
        "{label:<58} {:>9.1} ms (best of {runs})",
        best.as_secs_f64() * 1e3
    );
    best
}

fn main() {
    let catalog = time(
        "catalogue: load embedded data (first use)",
        1,
        Catalog::embedded,
    );
    let _ = catalog;
    let catalog = Catalog::embedded();
    let managed = ManagedPolicies::embedded();
    let all = managed.all();
    let statements: usize = all
        .iter()
        .filter_map(|p| p.parse().ok())
        .map(|p| p.statements.len())
        .sum();
    println!(
        "{} managed policies, {statements} statements, {} catalogue actions",
        all.len(),
        catalog.len()
    );

    time("parse every managed policy", 5, || {
        all.iter().filter_map(|p| p.parse().ok()).count()
    });
    let parsed: Vec<NamedPolicy> = all
        .iter()
        .filter_map(|p| Some(NamedPolicy::new(p.arn.clone(), p.parse().ok()?)))
        .collect();
    time(
        "expand + summarise every managed policy (cold cache)",
        5,
        || {
            let mut ex = Expander::new(catalog);
            parsed
                .iter()
                .map(|p| summarize_policy(p, &mut ex).allows.len())
                .sum::<usize>()
        },
    );
    time("parse + expand + summarise every managed policy", 5, || {
        let mut ex = Expander::new(catalog);
        all.iter()
            .filter_map(|p| p.parse().ok())
            .map(|p: Policy| {
                summarize_policy(&NamedPolicy::new("x", p), &mut ex)
                    .allows
                    .len()
            })
            .sum::<usize>()
    });
    // 60,000 policies: the managed corpus repeated (as customer policies copy it)
    let n = 60_000;
    time(
        "expand + summarise 60,000 policies (shared cache)",
        3,
        || {
            let mut ex = Expander::new(catalog);
            (0..n)
                .map(|i| {
                    summarize_policy(&parsed[i % parsed.len()], &mut ex)
                        .allows
                        .len()
                })
                .sum::<usize>()
        },
    );
}
