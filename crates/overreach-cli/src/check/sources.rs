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
    // `.tf` sources let the Terraform reader point at the resource block instead of the plan
    [".json", ".yaml", ".yml", ".template", ".tf"]
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

/// True when `spec` names no file or folder, so it is read as a git revision.
pub fn is_revision(spec: &str) -> bool {
    std::fs::symlink_metadata(spec).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// Reads a side: an existing path (folder or file), else a git revision. With `git_view`
/// (the other side is a revision), a folder inside a git work tree is read as git sees it:
/// tracked and untracked files, not ignored ones, as a revision could hold them.
pub fn read(spec: &str, git_view: bool) -> anyhow::Result<Side> {
    let path = Path::new(spec);
    let mut side = Side::default();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            if !(git_view && git_listing(path, &mut side)?) {
                walk(path, path, &mut side, 0)?;
            }
        }
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => git_revision(spec, &mut side)?,
        Err(e) => bail!("cannot read `{spec}`: {e}"),
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
            if path.join(".git").is_file() {
                // a submodule's checkout: a git revision of this repository does not hold its
                // files either, so both sides leave it out
                side.skipped.push((
                    display(root, Some(&rel), &name),
                    "a git submodule: not searched".into(),
                ));
            } else if !skipped_dir(&name) {
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

/// Reads a folder of a git work tree through `git ls-files` (tracked and untracked, ignored
/// files listed as skipped). False when the folder is not in a work tree.
fn git_listing(dir: &Path, side: &mut Side) -> anyhow::Result<bool> {
    let ls = |extra: &[&str]| -> Option<Vec<String>> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["ls-files", "-z", "--exclude-standard"])
            .args(extra)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status.success().then(|| {
            out.stdout
                .split(|b| *b == 0)
                .filter(|e| !e.is_empty())
                .map(|e| String::from_utf8_lossy(e).into_owned())
                .collect()
        })
    };
    let Some(listed) = ls(&["--cached", "--others"]) else {
        return Ok(false);
    };
    for rel in listed {
        let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        if rel.split('/').any(skipped_dir) || !candidate(&name) {
            continue;
        }
        let path = dir.join(&rel);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            // listed by git but gone from the work tree (deleted, not staged)
            continue;
        };
        let shown = display(dir, Some(Path::new(&rel)), &name);
        if meta.file_type().is_symlink() {
            side.skipped
                .push((shown, "a symbolic link: not followed".into()));
        } else if meta.is_file() {
            side.files.push(InputFile {
                path: shown,
                bytes: read_file(&path, meta.len())?,
            });
        }
    }
    for rel in ls(&["--others", "--ignored"]).unwrap_or_default() {
        let name = rel.rsplit('/').next().unwrap_or(&rel);
        if candidate(name) && !rel.split('/').any(skipped_dir) {
            side.skipped.push((
                display(dir, Some(Path::new(&rel)), name),
                "ignored by git: a revision cannot hold it, so the work tree side leaves it out too (check folders instead, e.g. two `cdk synth` outputs)".into(),
            ));
        }
    }
    Ok(true)
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
    // without `--full-tree`, paths are relative to the current folder and limited to it, as a
    // folder side's are when the check runs in a subfolder of the repository
    let listing = git(&["ls-tree", "-r", "-z", "-l", &commit])?;
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
    let objects: Vec<&str> = wanted.iter().map(|(_, o)| o.as_str()).collect();
    let blobs =
        cat_blobs(&objects).with_context(|| format!("cannot read the files of `{spec}`"))?;
    for ((path, _), bytes) in wanted.into_iter().zip(blobs) {
        side.files.push(InputFile { path, bytes });
    }
    Ok(())
}

/// The contents of blobs, in order, from one `git cat-file --batch` process.
fn cat_blobs(objects: &[&str]) -> anyhow::Result<Vec<Vec<u8>>> {
    use std::io::{BufRead, BufReader, Read, Write};
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot run `git cat-file`")?;
    let mut input = child.stdin.take().context("no stdin for `git cat-file`")?;
    let request: String = objects.iter().map(|o| format!("{o}\n")).collect();
    // written from a thread: git answers while it reads, and a full pipe would block both
    let writer = std::thread::spawn(move || input.write_all(request.as_bytes()));
    let stdout = child
        .stdout
        .take()
        .context("no stdout for `git cat-file`")?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::with_capacity(objects.len());
    for object in objects {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        // `<object> blob <size>`
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .with_context(|| {
                format!(
                    "`git cat-file` gave no content for {object}: {}",
                    header.trim()
                )
            })?;
        let mut bytes = vec![0; size];
        reader.read_exact(&mut bytes)?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline)?;
        out.push(bytes);
    }
    let _ = writer.join();
    let status = child.wait()?;
    if !status.success() {
        bail!("`git cat-file --batch` failed");
    }
    Ok(out)
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

/// The text of `path` (relative to the current folder) at git revision `rev`, if it exists
/// there.
pub fn file_at_revision(rev: &str, path: &Path) -> Option<String> {
    let rel = path.to_string_lossy().replace('\\', "/");
    let rel = rel.strip_prefix("./").unwrap_or(&rel);
    let out = git(&["cat-file", "blob", &format!("{rev}:./{rel}")]).ok()?;
    String::from_utf8(out).ok()
}
