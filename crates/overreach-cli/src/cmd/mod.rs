//! One module per subcommand.

pub mod catalog;
pub mod check;
pub mod explain;
pub mod fetch;
pub mod graph;
pub mod scan;

use overreach_policy::{Catalog, ManagedPolicies};

/// The `--version` text: the tool's version and the dates of the data compiled into it.
pub fn long_version() -> String {
    let catalog = Catalog::embedded();
    let managed = ManagedPolicies::embedded();
    format!(
        "{} (action catalogue: {} {}, updated {}; AWS managed policies: {} {}, {} policies)",
        env!("CARGO_PKG_VERSION"),
        catalog.source,
        catalog.version,
        catalog.updated_at,
        managed.source,
        managed.version,
        managed.all().len()
    )
}
