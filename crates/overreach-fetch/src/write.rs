//! Atomic writes: a reader sees the old file or the whole new one, never half of one.
//!
//! Only regular files are replaced. A path that names something else (`/dev/null`,
//! `/dev/stdout`, a named pipe) is written in place as a stream: renaming a file over it would
//! replace the device or the pipe with a file. A symbolic link is followed, so the link stays and
//! the file it points to is replaced.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use overreach_snapshot::Snapshot;

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not write `{}`: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Where a write to a path lands.
#[derive(Debug)]
enum Destination {
    /// A regular file, existing or new, at this path (symbolic links followed): a temporary file
    /// in the same folder is renamed over it. `permissions` are those of the file it replaces.
    Replace {
        path: PathBuf,
        permissions: Option<Permissions>,
    },
    /// Not a regular file (a device, a named pipe, a socket): opened and written in place.
    Stream(PathBuf),
}

/// Who may read a file the write creates. A file it replaces keeps its own permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewFile {
    /// The owner only (0600): snapshots.
    Private,
    /// As any new file: 0666 less the umask (usually 0644): reports.
    Shared,
}

/// How many symbolic links a dangling chain may have before the path is refused (Linux's limit).
const MAX_LINKS: usize = 40;

/// Decides how a write to `path` must happen. A folder is refused before anything is written.
fn destination(path: &Path) -> io::Result<Destination> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Destination::Replace {
            path: std::fs::canonicalize(path)?,
            permissions: Some(meta.permissions()),
        }),
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            ErrorKind::IsADirectory,
            "it is a folder; name a file",
        )),
        Ok(_) => Ok(Destination::Stream(path.to_owned())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Destination::Replace {
            path: link_target(path)?,
            permissions: None,
        }),
        Err(e) => Err(e),
    }
}

/// The path a new file must take so that `path`, possibly a dangling symbolic link, names it.
fn link_target(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

/// Writes what `render` writes to `path`: atomically when `path` is a regular file (a temporary
/// file in the same folder, written, fsynced, then renamed over it, and the folder fsynced), in
/// place when it is a device or a pipe (see [`Destination`]).
///
/// If anything fails, or the process is interrupted before the rename, the temporary file is
/// removed (or at worst left as `.NAME.*.tmp`) and `path` is untouched.
pub fn write_file(
    path: &Path,
    new_file: NewFile,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |source: io::Error| WriteError {
        path: path.to_owned(),
        source,
    };
    let (target, permissions) = match destination(path).map_err(fail)? {
        Destination::Stream(stream) => {
            let file = OpenOptions::new().write(true).open(stream).map_err(fail)?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            render(&mut out).map_err(fail)?;
            return out.flush().map_err(fail);
        }
        Destination::Replace { path, permissions } => (path, permissions),
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if new_file == NewFile::Shared {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o666));
    }
    let temp = builder.tempfile_in(dir).map_err(fail)?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions).map_err(fail)?;
    }
    {
        let mut out = BufWriter::with_capacity(1 << 20, temp.as_file());
        render(&mut out).map_err(fail)?;
        out.flush().map_err(fail)?;
    }
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(&target).map_err(|e| fail(e.error))?;
    // The rename is durable only once the directory entry is: best effort (not every
    // platform can open a directory).
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Writes `snapshot` to `path` as [`write_file`] does; a new snapshot is readable by its owner
/// only.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), WriteError> {
    write_file(path, NewFile::Private, |out| {
        snapshot.to_writer(&mut *out).map_err(io::Error::other)?;
        out.write_all(b"\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.json");
        std::fs::write(&path, "old").unwrap();
        write_snapshot(&path, &Snapshot::default()).unwrap();
        let loaded = Snapshot::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(loaded, Snapshot::default());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["snap.json"]);
    }

    #[test]
    fn failure_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/snap.json");
        let err = write_snapshot(&missing, &Snapshot::default()).unwrap_err();
        assert!(err.to_string().contains("could not write"), "{err}");
        assert!(!missing.exists());
    }

    fn write_text(path: &Path, text: &str) -> Result<(), WriteError> {
        write_file(path, NewFile::Shared, |out| out.write_all(text.as_bytes()))
    }

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        // deciding only: a regression must not turn this machine's /dev/null into a file
        let null = Path::new("/dev/null");
        assert!(matches!(destination(null), Ok(Destination::Stream(p)) if p == null));
    }

    #[test]
    fn a_named_pipe_gets_the_bytes_and_stays_a_pipe() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("report.pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (sent, received) = std::sync::mpsc::channel();
        {
            let fifo = fifo.clone();
            // blocks until a writer opens the pipe: the test fails by timeout, never hangs
            std::thread::spawn(move || sent.send(std::fs::read_to_string(fifo).unwrap()));
        }
        write_text(&fifo, "whole report").unwrap();
        let read = received.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(read.as_deref(), Ok("whole report"));
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "{kind:?}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left beside the pipe");
    }

    #[test]
    fn a_symbolic_link_stays_and_its_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_text(&link, "new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");

        // a dangling link gets its file created where it points
        let later = dir.path().join("later.json");
        std::os::unix::fs::symlink("sub/../later-real.json", &later).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        write_text(&later, "first").unwrap();
        assert!(
            std::fs::symlink_metadata(&later)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let created = dir.path().join("later-real.json");
        assert_eq!(std::fs::read_to_string(created).unwrap(), "first");
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o600)).unwrap();
        write_text(&path, "new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_new_report_is_shared_as_any_new_file_and_a_new_snapshot_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        write_text(&report, "{}").unwrap();
        let plain = dir.path().join("plain.json");
        std::fs::write(&plain, "{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&report),
            mode(&plain),
            "the umask decides, as for File::create"
        );
        let snapshot = dir.path().join("snapshot.json");
        write_snapshot(&snapshot, &Snapshot::default()).unwrap();
        assert_eq!(mode(&snapshot), 0o600);
    }

    #[test]
    fn a_folder_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut rendered = false;
        let err = write_file(dir.path(), NewFile::Shared, |_| {
            rendered = true;
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
        assert!(!rendered);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
