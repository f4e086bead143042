//! Benchmarks of overreach: `gen-account` writes deterministic synthetic accounts (the output
//! of `aws iam get-account-authorization-details`) of preset sizes, and `bench` times every
//! stage of the analysis on them. See `BENCHMARKS.md` at the top of the workspace.

pub mod generate;
pub mod managed;
pub mod rng;

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

pub use generate::{Size, Spec, Stats};

/// Writes one account (or `accounts` accounts with cross-account trust) and `overreach.toml`
/// next to them. Returns the files written with their stats.
pub fn write_accounts(
    size: Size,
    seed: u64,
    accounts: usize,
    out: &Path,
) -> io::Result<Vec<(PathBuf, Stats)>> {
    let ids = generate::account_ids(accounts);
    let seeds: Vec<u64> = (0..ids.len())
        .map(|k| seed.wrapping_add(k as u64))
        .collect();
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let others = ids
            .iter()
            .zip(&seeds)
            .enumerate()
            .filter(|(m, _)| *m != k)
            .map(|(_, (i, s))| (i.clone(), *s))
            .collect();
        let path = if ids.len() == 1 {
            out.to_path_buf()
        } else {
            let stem = out
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("account");
            dir.join(format!("{stem}-{id}.json"))
        };
        let spec = Spec {
            size,
            seed: seeds[k],
            account_id: id.clone(),
            others,
        };
        // write to a temporary name, then rename: a half-written file is never taken as done;
        // a rename over a device or a pipe would replace it, so only files are written
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` is not a regular file: name a file", path.display()),
            ));
        }
        let tmp = path.with_extension("json.tmp");
        let stats = generate::generate(
            &spec,
            BufWriter::with_capacity(1 << 20, File::create(&tmp)?),
        )?;
        std::fs::rename(&tmp, &path)?;
        written.push((path, stats));
    }
    std::fs::write(dir.join("overreach.toml"), generate::config_toml())?;
    Ok(written)
}

/// The account model and its full permission graph (can-assume and escalation edges) of a
/// snapshot file, for the diagnostic examples.
pub fn account_graph(
    path: &Path,
) -> Result<
    (
        overreach_analysis::account::Account,
        overreach_analysis::graph::PermissionGraph,
    ),
    String,
> {
    use overreach_analysis::account::Account;
    use overreach_analysis::graph::PermissionGraph;
    use overreach_analysis::privesc::{PathCatalog, add_escalation_edges};
    use overreach_analysis::rights::Rights;
    use overreach_policy::{Catalog, ManagedPolicies};
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let snapshot = overreach_snapshot::Snapshot::from_slice(&bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let account = Account::from_snapshot(&snapshot, ManagedPolicies::embedded());
    let rights = Rights::compute(&account, Catalog::embedded());
    let mut graph = PermissionGraph::build(&account, &rights);
    let paths = PathCatalog::embedded().map_err(str::to_string)?;
    add_escalation_edges(&mut graph, &account, &rights, paths);
    Ok((account, graph))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(seed: u64) -> Vec<u8> {
        let spec = Spec {
            size: Size::Small,
            seed,
            account_id: generate::account_ids(1)[0].clone(),
            others: Vec::new(),
        };
        let mut out = Vec::new();
        generate::generate(&spec, &mut out).unwrap();
        out
    }

    #[test]
    fn deterministic_and_loadable() {
        let a = small(7);
        assert_eq!(a, small(7), "same seed, same bytes");
        assert_ne!(a, small(8));
        let snap = overreach_snapshot::Snapshot::from_slice(&a).unwrap();
        assert_eq!((snap.users.len(), snap.roles.len()), (50, 100));
        // AWS managed policies come with their documents, customer ones with every version
        let admin = snap
            .policy("arn:aws:iam::aws:policy/AdministratorAccess")
            .unwrap();
        assert!(
            admin
                .default_version()
                .and_then(|v| v.document.as_ref())
                .is_some()
        );
        let text = String::from_utf8(a).unwrap();
        for needle in [
            "NotAction",
            "\"Deny\"",
            "aws:MultiFactorAuthPresent",
            "aws:SourceIp",
            "oidc-provider/token.actions.githubusercontent.com",
            "lambda.amazonaws.com",
            "PermissionsBoundaryArn",
            "declared-role",
            "iam:CreateAccessKey",
            "iam:AttachUserPolicy",
            "${aws:username}",
            "\"AWS\": \"arn:aws:iam::111122223333:root\"",
        ] {
            assert!(text.contains(needle), "missing {needle}");
        }
    }

    #[test]
    fn an_account_is_never_renamed_over_a_folder_or_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("account.json");
        std::fs::create_dir(&folder).unwrap();
        let err = write_accounts(Size::Small, 1, 1, &folder).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(folder.is_dir());
    }

    #[test]
    fn config_parses() {
        overreach_analysis::config::Config::parse(&generate::config_toml(), "overreach.toml")
            .unwrap();
    }
}
