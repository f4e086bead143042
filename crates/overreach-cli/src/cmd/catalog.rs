//! `overreach catalog`: look up actions, access levels, resource types, condition keys, AWS
//! managed policies, and the date of the data compiled into the binary.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use comfy_table::{ContentArrangement, Table, presets};
use overreach_policy::{AccessLevel, Catalog, Expander, ManagedPolicies};
use serde_json::json;

use crate::exit::Outcome;

/// Look up actions in the action catalogue compiled into overreach.
///
/// Without arguments, prints where the catalogue comes from and its date.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  overreach catalog                           # data source, version and date
  overreach catalog 's3:Get*'                 # actions matching a pattern, with access level
  overreach catalog 'iam:*' --level permissions-management
  overreach catalog iam:PassRole --format json
  overreach catalog --managed ReadOnlyAccess  # an AWS managed policy's document")]
pub struct CatalogArgs {
    /// Action patterns to look up (`service:Action`, wildcards allowed, case-insensitive).
    patterns: Vec<String>,
    /// Only actions of these access levels (list, read, write, permissions-management, tagging).
    #[arg(long, value_parser = parse_level)]
    level: Vec<AccessLevel>,
    /// Print an AWS managed policy (name or ARN) instead.
    #[arg(long, value_name = "NAME_OR_ARN", conflicts_with_all = ["patterns", "level"])]
    managed: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

fn parse_level(s: &str) -> Result<AccessLevel, String> {
    AccessLevel::parse(s).ok_or_else(|| {
        format!(
            "unknown access level `{s}`: use list, read, write, permissions-management or tagging"
        )
    })
}

/// Runs `overreach catalog`.
pub fn run(args: &CatalogArgs) -> anyhow::Result<Outcome> {
    let catalog = Catalog::embedded();
    if let Some(e) = catalog.load_error() {
        bail!("the action catalogue compiled into this binary is unreadable: {e}");
    }
    if let Some(name) = &args.managed {
        return show_managed(name, args.format);
    }
    if args.patterns.is_empty() && args.level.is_empty() {
        return show_about(catalog, args.format);
    }
    let patterns: Vec<String> = if args.patterns.is_empty() {
        vec!["*".into()]
    } else {
        args.patterns.clone()
    };
    let mut expander = Expander::new(catalog);
    let mut ids = Vec::new();
    let mut unmatched = Vec::new();
    for p in &patterns {
        let set = expander.pattern(p);
        if set.has_no_known() {
            unmatched.push(p.clone());
        }
        ids.extend(set.ids());
    }
    ids.sort_unstable();
    ids.dedup();
    ids.retain(|&id| {
        args.level.is_empty() || catalog.level(id).is_some_and(|l| args.level.contains(&l))
    });

    match args.format {
        Format::Json => {
            let actions: Vec<_> = ids
                .iter()
                .map(|&id| {
                    json!({
                        "action": catalog.full_name(id),
                        "access_level": catalog.level(id).map(AccessLevel::as_str),
                        "resource_types": catalog.resource_types(id).iter()
                            .map(|(name, arn)| json!({"name": name, "arn": arn})).collect::<Vec<_>>(),
                        "condition_keys": catalog.condition_keys(id),
                    })
                })
                .collect();
            let out = json!({
                "catalog": {"source": catalog.source, "version": catalog.version, "updated_at": catalog.updated_at},
                "actions": actions,
                "unmatched_patterns": unmatched,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).context("cannot render JSON")?
            );
        }
        Format::Table => {
            let mut table = Table::new();
            table
                .load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(["action", "access level", "resource types", "condition keys"]);
            for &id in &ids {
                let resources: Vec<&str> =
                    catalog.resource_types(id).iter().map(|(n, _)| *n).collect();
                table.add_row([
                    catalog.full_name(id),
                    catalog
                        .level(id)
                        .map_or("", AccessLevel::as_str)
                        .to_string(),
                    resources.join(", "),
                    catalog.condition_keys(id).len().to_string(),
                ]);
            }
            if !ids.is_empty() {
                println!("{table}");
            }
            println!(
                "{} action(s); catalogue {} {} (updated {})",
                ids.len(),
                catalog.source,
                catalog.version,
                catalog.updated_at
            );
        }
    }
    if !unmatched.is_empty() {
        eprintln!(
            "warning: no catalogue action matches {}: check the spelling; an action newer than the catalogue ({}) is unknown to it",
            unmatched
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            catalog.updated_at
        );
        if ids.is_empty() {
            return Ok(Outcome::Error);
        }
    }
    Ok(Outcome::Clean)
}

fn show_about(catalog: &Catalog, format: Format) -> anyhow::Result<Outcome> {
    let managed = ManagedPolicies::embedded();
    match format {
        Format::Json => {
            let out = json!({
                "catalog": {"source": catalog.source, "version": catalog.version, "updated_at": catalog.updated_at,
                            "services": catalog.services().len(), "actions": catalog.len()},
                "managed_policies": {"source": managed.source, "version": managed.version, "policies": managed.all().len()},
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).context("cannot render JSON")?
            );
        }
        Format::Table => {
            println!(
                "action catalogue:      {} {}",
                catalog.source, catalog.version
            );
            println!("  updated:             {}", catalog.updated_at);
            println!("  services:            {}", catalog.services().len());
            println!("  actions:             {}", catalog.len());
            for level in AccessLevel::ALL {
                let n = (0..catalog.len() as u32)
                    .filter(|&id| catalog.level(id) == Some(level))
                    .count();
                println!("    {:<22} {n}", level.as_str());
            }
            println!(
                "AWS managed policies:  {} {}",
                managed.source, managed.version
            );
            println!("  policies:            {}", managed.all().len());
        }
    }
    Ok(Outcome::Clean)
}

fn show_managed(name: &str, format: Format) -> anyhow::Result<Outcome> {
    let managed = ManagedPolicies::embedded();
    let Some(policy) = managed.get(name) else {
        bail!(
            "no AWS managed policy `{name}` in the data compiled into overreach ({} {}): check the name, or the policy is newer than the data",
            managed.source,
            managed.version
        );
    };
    let document: serde_json::Value = serde_json::from_str(policy.document_text())
        .context("the compiled-in document is not JSON")?;
    match format {
        Format::Json => {
            let out = json!({"name": policy.name, "arn": policy.arn, "version": policy.version,
                             "updated": policy.updated, "document": document});
            println!(
                "{}",
                serde_json::to_string_pretty(&out).context("cannot render JSON")?
            );
        }
        Format::Table => {
            println!(
                "{} ({}, {}, updated {})",
                policy.name,
                policy.arn,
                policy.version,
                policy.updated.as_deref().unwrap_or("unknown")
            );
            println!(
                "{}",
                serde_json::to_string_pretty(&document).context("cannot render JSON")?
            );
        }
    }
    Ok(Outcome::Clean)
}
