//! Reading one side of a check: a directory, a file, or a git revision of the repository the
//! command runs in (read with `git` without touching the work tree).

use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use overreach_iac::InputFile;

/// The largest input file read (a bigger one is an error naming it, not a silent skip).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Files of a side and what was skipped on the way.
#[derive(Debug, Default)]
pub struct Side {
    /// The files that may be inputs.
    pub files: Vec<InputFile>,
    /// Paths not read, with why (symbolic links, unreadable entries).
    pub skipped: Vec<(String, String)>,
}

/// True when a file name may hold an input: templates, plans, snapshots, policy documents,
/// manifests.
fn candidate(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".json", ".yaml", ".yml", ".template"]
        .iter()
        .any(|e| lower.ends_with(e))
        || lower.ends_with("overreach-manifest.toml")
}

/// Folders never searched: dependencies and VCS internals (CDK's `cdk.out` is searched).
fn skipped_dir(name: &str) -> bool {
    matches!(
        name,
        ".git" | "node_modules" | ".terraform" | "target" | ".venv" | "__pycache__"
    )
}

/// Reads a side: an existing path (folder or file), else a git revision.
pub fn read(spec: &str) -> anyhow::Result<Side> {
    let path = Path::new(spec);
    let mut side = Side::default();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => walk(path, path, &mut side, 0)?,
        Ok(m) if m.is_file() => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            side.files.push(InputFile {
                path: display(path, None, &name),
                bytes: read_file(path, m.len())?,
            });
        }
        Ok(_) => bail!(
            "`{spec}` is a symbolic link or a special file: give the folder or file it points to"
        ),
        Err(_) => git_revision(spec, &mut side)?,
    }
    side.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(side)
}

/// The path shown for a file: relative to the current folder when the side is inside it (so
/// SARIF locations resolve in the repository), else as given.
fn display(root: &Path, rel: Option<&Path>, name: &str) -> String {
    let full = match rel {
        Some(r) => root.join(r),
        None => root.to_path_buf(),
    };
    let shown = relative_to_cwd(&full).unwrap_or(full);
    let text = shown.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text).to_string();
    if text.is_empty() {
        name.to_string()
    } else {
        text
    }
}

fn relative_to_cwd(path: &Path) -> Option<PathBuf> {
    if path.is_relative() {
        // `a/../b` stays as given: only plain relative paths are already right
        if path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Some(path.to_path_buf());
        }
    }
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let abs = path.canonicalize().ok()?;
    abs.strip_prefix(&cwd).ok().map(Path::to_path_buf)
}

fn read_file(path: &Path, len: u64) -> anyhow::Result<Vec<u8>> {
    if len > MAX_FILE_BYTES {
        bail!(
            "`{}` is {} MiB, over the {} MiB limit for a check input: remove it from the checked folder or check its folder's parts separately",
            path.display(),
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        );
    }
    std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// Walks a folder without following symbolic links (a link could leave the checked tree or
/// loop): each one is listed as skipped.
fn walk(root: &Path, dir: &Path, side: &mut Side, depth: usize) -> anyhow::Result<()> {
    if depth > 64 {
        bail!("`{}` is nested more than 64 folders deep", dir.display());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list `{}`", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list `{}`", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let meta = std::fs::symlink_metadata(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        if meta.file_type().is_symlink() {
            side.skipped.push((
                display(root, Some(&rel), &name),
                "a symbolic link: not followed".into(),
            ));
        } else if meta.is_dir() {
            if !skipped_dir(&name) {
                walk(root, &path, side, depth + 1)?;
            }
        } else if meta.is_file() && candidate(&name) {
            side.files.push(InputFile {
                path: display(root, Some(&rel), &name),
                bytes: read_file(&path, meta.len())?,
            });
        }
    }
    Ok(())
}

/// Reads the candidate files of a git revision with `git ls-tree` and `git cat-file`, paths
/// relative to the repository root.
fn git_revision(spec: &str, side: &mut Side) -> anyhow::Result<()> {
    if spec.starts_with('-') {
        bail!("`{spec}` is neither a path nor a git revision");
    }
    let commit = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{spec}^{{commit}}"),
    ])
    .ok()
    .map(|o| String::from_utf8_lossy(&o).trim().to_string())
    .filter(|c| !c.is_empty());
    let Some(commit) = commit else {
        bail!(
            "`{spec}` is neither a file, a folder, nor a git revision of the repository here: give a path, or a revision such as `origin/main` (fetch it first in shallow CI clones: `git fetch --depth=1 origin main`)"
        );
    };
    let listing = git(&["ls-tree", "-r", "-z", "--full-tree", "-l", &commit])?;
    let mut wanted = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        // `<mode> <type> <object> <size>\t<path>`
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, kind, object, size] = fields[..] else {
            continue;
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        if path.split('/').any(skipped_dir) || !candidate(name) {
            continue;
        }
        if mode == "120000" {
            side.skipped
                .push((path.to_string(), "a symbolic link: not followed".into()));
            continue;
        }
        if kind != "blob" {
            continue;
        }
        if size.parse::<u64>().is_ok_and(|s| s > MAX_FILE_BYTES) {
            bail!(
                "`{path}` at `{spec}` is over the {} MiB limit for a check input",
                MAX_FILE_BYTES / (1024 * 1024)
            );
        }
        wanted.push((path.to_string(), object.to_string()));
    }
    for (path, object) in wanted {
        let bytes = git(&["cat-file", "blob", &object])
            .with_context(|| format!("cannot read `{path}` at `{spec}`"))?;
        side.files.push(InputFile { path, bytes });
    }
    Ok(())
}

fn git(args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("cannot run `git`: install git, or give folders instead of revisions")?;
    if !out.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}
