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

/// A file that could not be written. Its message carries the reason, so the reason is not
/// also its `source()` (an error chain would print it twice).
#[derive(Debug, thiserror::Error)]
#[error("could not write `{}`: {reason}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: std::io::Error,
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
        // `/dev/fd/3`, `/proc/self/fd/3`: an open descriptor, even when it leads to a regular
        // file (which another file renamed over its path would not reach)
        Ok(meta) if meta.is_file() && (path.starts_with("/dev") || path.starts_with("/proc")) => {
            Ok(Destination::Stream(path.to_owned()))
        }
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
    write_file_via(path, new_file, true, render)
}

/// [`write_file`], trying direct I/O for a regular file or not.
fn write_file_via(
    path: &Path,
    new_file: NewFile,
    mut direct: bool,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let fail = |reason: io::Error| WriteError {
        path: path.to_owned(),
        reason,
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
    let mode = match new_file {
        NewFile::Private => 0o600,
        NewFile::Shared => 0o666,
    };
    let temp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .make_in(dir, |path| create(path, mode, &mut direct))
        .map_err(fail)?;
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions).map_err(fail)?;
    }
    if direct {
        let file = temp.as_file().try_clone().map_err(fail)?;
        let mut out = Direct::new(file, temp.path());
        render(&mut out).map_err(fail)?;
        out.finish().map_err(fail)?;
    } else {
        let mut out = BufWriter::with_capacity(CHUNK, temp.as_file());
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

/// How much is written at once.
const CHUNK: usize = 8 << 20;

/// Block alignment of direct writes: memory address, length and file offset (4 KiB covers every
/// logical block size in use).
const ALIGN: usize = 4096;

/// Creates the temporary file `path` (new, with `mode` less the umask), bypassing the page cache
/// where the platform and file system allow it (`direct` tells which happened).
///
/// A report of several gigabytes written through the page cache costs the kernel a page
/// allocation and a copy per 4 KiB, and the final fsync writes it all back; written directly,
/// the disk reads it from the writer's buffer.
fn create(path: &Path, mode: u32, direct: &mut bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
        #[cfg(target_os = "linux")]
        if *direct {
            let mut with_direct = options.clone();
            with_direct.custom_flags(libc::O_DIRECT);
            match with_direct.open(path) {
                // some file systems (older tmpfs, some FUSE ones) refuse the flag: write
                // through the page cache there
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
                opened => return opened,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = mode;
    *direct = false;
    options.open(path)
}

/// A writer for a file opened for direct I/O: it gathers bytes in a block-aligned buffer and
/// writes whole chunks; [`Direct::finish`] pads the last block and cuts the file back to its
/// length. Should the file system refuse a direct write after all, the file is opened again
/// without it and the rest goes through the page cache.
struct Direct<'p> {
    file: File,
    /// The file's path, to open it again without direct I/O.
    path: &'p Path,
    direct: bool,
    /// Over-allocated so that an aligned window of [`CHUNK`] bytes fits: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// Bytes in the window.
    filled: usize,
    /// Bytes written to the file so far (always whole chunks).
    written: u64,
}

impl<'p> Direct<'p> {
    fn new(file: File, path: &'p Path) -> Self {
        let buf = vec![0u8; CHUNK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN).min(ALIGN);
        Direct {
            file,
            path,
            direct: true,
            buf,
            start,
            filled: 0,
            written: 0,
        }
    }

    /// Writes the window's first `len` bytes at the end of what is written (`len` a whole
    /// number of blocks while direct).
    fn put(&mut self, len: usize) -> io::Result<()> {
        let window = self.start..self.start + len;
        match self.file.write_all(&self.buf[window.clone()]) {
            Err(e) if self.direct && e.kind() == ErrorKind::InvalidInput => {
                self.without_direct_io()?;
                self.file.write_all(&self.buf[window])
            }
            done => done,
        }
    }

    /// Opens the file again through the page cache, positioned after the chunks written.
    fn without_direct_io(&mut self) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        self.file = OpenOptions::new().write(true).open(self.path)?;
        self.file.seek(SeekFrom::Start(self.written))?;
        self.direct = false;
        Ok(())
    }

    /// Writes what is left, padded to a whole block, then sets the file's true length.
    fn finish(mut self) -> io::Result<()> {
        if self.filled > 0 {
            let padded = self.filled.div_ceil(ALIGN) * ALIGN;
            let (start, filled) = (self.start, self.filled);
            self.buf[start + filled..start + padded].fill(0);
            self.put(padded)?;
        }
        self.file.set_len(self.written + self.filled as u64)
    }
}

impl Write for Direct<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = bytes.len().min(CHUNK - self.filled);
        let at = self.start + self.filled;
        self.buf[at..at + n].copy_from_slice(&bytes[..n]);
        self.filled += n;
        if self.filled == CHUNK {
            self.put(CHUNK)?;
            self.written += CHUNK as u64;
            self.filled = 0;
        }
        Ok(n)
    }

    /// Whole chunks are written as they fill; the rest waits for [`Direct::finish`] (direct I/O
    /// writes whole blocks only).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    fn an_open_descriptor_is_written_in_place_even_when_it_is_a_file() {
        // this test's stdout may be a pipe or a file: either way, never replaced
        let stdout = Path::new("/proc/self/fd/1");
        assert!(matches!(destination(stdout), Ok(Destination::Stream(p)) if p == stdout));
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

    /// Bytes whose every position is distinct enough to catch a misplaced chunk.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
            .collect()
    }

    #[test]
    fn every_length_round_trips_around_block_and_chunk_edges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        for len in [
            0,
            1,
            ALIGN - 1,
            ALIGN,
            ALIGN + 1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK + 7,
        ] {
            let bytes = pattern(len);
            // in uneven pieces, as a serializer writes
            write_file(&path, NewFile::Shared, |out| {
                for piece in bytes.chunks(3_000_017) {
                    out.write_all(piece)?;
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "length {len}");
        }
    }

    #[test]
    fn without_direct_io_the_same_bytes_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        for len in [0, ALIGN + 3, CHUNK + 1] {
            let bytes = pattern(len);
            write_file_via(&path, NewFile::Shared, false, |out| out.write_all(&bytes)).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "length {len}");
        }
    }

    #[test]
    fn a_direct_writer_refused_mid_file_goes_on_through_the_page_cache() {
        // no file system here refuses O_DIRECT: the fallback `put` takes on EINVAL is called
        // after a chunk is written, and the rest must land after it, unpadded
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part.tmp");
        let bytes = pattern(CHUNK + ALIGN + 5);
        let file = File::create(&path).unwrap();
        let mut out = Direct::new(file, &path);
        out.write_all(&bytes[..CHUNK + 100]).unwrap();
        out.without_direct_io().unwrap();
        out.write_all(&bytes[CHUNK + 100..]).unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
