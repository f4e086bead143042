//! Reading the inputs of a run: the snapshot, the declared-roles configuration with its
//! baseline files, and suppressions. Every error names the file and the place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::io::Read;

use anyhow::{Context, bail};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::suppress::Suppressions;
use overreach_policy::{Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;

/// Above this size a snapshot's first MiB is checked before the whole file is read.
const PREFIX: usize = 1 << 20;

/// Configuration, suppression and baseline files larger than this are refused.
const TEXT_LIMIT: u64 = 16 << 20;

/// Reads and parses a snapshot (ours or an AWS CLI `get-account-authorization-details` file).
///
/// A large file is read whole only after its first MiB parses as far as it goes: a file that
/// is broken near its start is refused without reading gigabytes into memory.
pub fn load_snapshot(path: &Path) -> anyhow::Result<Snapshot> {
    let invalid = |e: overreach_snapshot::LoadError| anyhow::anyhow!("`{}`: {e}", path.display());
    // the snapshot may be a pipe the user chose (`/dev/stdin`, `<(aws iam ...)`)
    let file = open_input(path, "the snapshot", true)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = std::io::BufReader::with_capacity(PREFIX, file);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(PREFIX) + 1);
    (&mut reader)
        .take(PREFIX as u64)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the snapshot `{}`", path.display()))?;
    if bytes.len() == PREFIX {
        // cut at a character boundary; an error other than "ends early" is the file's own
        let cut = match std::str::from_utf8(&bytes) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => bytes.len(),
        };
        if let Err(e) = Snapshot::from_slice(&bytes[..cut])
            && !e.is_truncation()
        {
            return Err(invalid(e));
        }
        bytes
            .try_reserve(
                usize::try_from(size)
                    .unwrap_or(0)
                    .saturating_sub(bytes.len()),
            )
            .map_err(|_| {
                anyhow::anyhow!(
                    "`{}` is too large to load into memory ({size} bytes)\n  hint: overreach holds the snapshot in memory while it parses it; run it where at least twice the file's size is free",
                    path.display()
                )
            })?;
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the snapshot `{}`", path.display()))?;
    }
    Snapshot::from_slice(&bytes).map_err(invalid)
}

/// Opens an input file. Files named inside other inputs (baseline policies of a
/// configuration) must be regular files: a FIFO or a device there would block or never end.
/// The snapshot itself may be a pipe, because the user chose it.
fn open_input(path: &Path, what: &str, allow_pipes: bool) -> anyhow::Result<std::fs::File> {
    // stat before open: opening a FIFO blocks until something writes to it
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    if meta.is_dir() || (!allow_pipes && !meta.is_file()) {
        bail!(
            "{what} `{}` is not a regular file: give a file, not a pipe, device or folder",
            path.display()
        );
    }
    std::fs::File::open(path).with_context(|| format!("cannot read {what} `{}`", path.display()))
}

/// Reads a small text file (configuration, suppressions, baseline policy): a regular file, at
/// most 16 MiB, UTF-8 (the error names the line and column of the first bad byte).
pub fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    let file = open_input(path, what, false)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > TEXT_LIMIT {
        bail!(
            "{what} `{}` is {size} bytes; the limit is {TEXT_LIMIT}: is it the right file?",
            path.display()
        );
    }
    let mut bytes = Vec::new();
    file.take(TEXT_LIMIT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    let bytes = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        anyhow::anyhow!(
            "{}:{line}:{column}: {what} is not UTF-8 text: save it as UTF-8",
            path.display()
        )
    })
}

/// Loads a snapshot and the declared roles, and analyses them with default options and no
/// suppressions (for `explain` and `graph`, which answer questions rather than report).
pub fn analyze_with_defaults(
    snapshot: &Path,
    config: Option<&Path>,
) -> anyhow::Result<overreach_analysis::analyze::Analysis> {
    let snapshot = load_snapshot(snapshot)?;
    let declarations = load_config(config)?;
    Ok(overreach_analysis::analyze::analyze(
        &snapshot,
        &declarations.config,
        &declarations.baselines,
        &Suppressions::default(),
        &overreach_analysis::analyze::Options::default(),
    ))
}

/// The declared roles and their baselines.
#[derive(Debug, Default)]
pub struct Declarations {
    /// The configuration (empty when there is none).
    pub config: Config,
    /// Baselines of its roles.
    pub baselines: Baselines,
}

/// Reads `--config FILE`, or `overreach.toml` in the current folder when it exists.
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<Declarations> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from("overreach.toml");
            if !default.exists() {
                return Ok(Declarations::default());
            }
            default
        }
    };
    let text = read_text(&path, "the configuration")?;
    config_from_text(&text, &path)
}

/// The configuration `text` (as found at `path`, whose folder holds the baseline files it
/// names), with its baselines.
pub fn config_from_text(text: &str, path: &Path) -> anyhow::Result<Declarations> {
    let origin = path.display().to_string();
    let config = Config::parse(text, &origin).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut files = BTreeMap::new();
    for f in config.policy_files() {
        let full = dir.join(&f.path);
        // symlinks out of the configuration's folder are refused like `..` paths
        let canonical_dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        match full.canonicalize() {
            Ok(c) if !c.starts_with(&canonical_dir) => bail!(
                "{origin}:{}: at `{}`: `{}` resolves outside the configuration's folder (a symlink?): keep baseline files inside it",
                f.location.line,
                f.location.key,
                f.path
            ),
            _ => {}
        }
        if full.exists() {
            let text = read_text(&full, "the baseline policy file").map_err(|e| {
                anyhow::anyhow!(
                    "{origin}:{}:{}: at `{}`: {e:#}",
                    f.location.line,
                    f.location.column,
                    f.location.key
                )
            })?;
            files.insert(f.path.clone(), text);
        }
    }
    let baselines = Baselines::build(
        &config,
        &files,
        Catalog::embedded(),
        ManagedPolicies::embedded(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Declarations { config, baselines })
}

/// Reads a suppressions file, checking its rule ids.
pub fn load_suppressions(path: Option<&Path>) -> anyhow::Result<Suppressions> {
    let Some(path) = path else {
        return Ok(Suppressions::default());
    };
    let text = read_text(path, "the suppressions file")?;
    suppressions_from_text(&text, path)
}

/// The suppressions `text` (as found at `path`), with its rule ids checked.
pub fn suppressions_from_text(text: &str, path: &Path) -> anyhow::Result<Suppressions> {
    let origin = path.display().to_string();
    let s = Suppressions::parse(text, &origin).map_err(|e| anyhow::anyhow!("{e}"))?;
    s.check_rule_ids(&origin, &overreach_analysis::rules::rule_ids())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(s)
}

/// Today's date in UTC as `YYYY-MM-DD` (the analysis has no clock; the CLI supplies it).
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Now in UTC as RFC 3339 (`2026-11-24T21:46:00Z`).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
    }
}
