//! Atomic writes: a reader sees the old file or the whole new one, never half of one.

use std::fs::File;
use std::io::{BufWriter, Write};
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

/// Writes `snapshot` to `path` atomically: a temporary file in the same directory, written,
/// flushed and fsynced, then renamed over `path` (and the directory fsynced).
///
/// If anything fails, or the process is interrupted before the rename, the temporary file is
/// removed (or at worst left as `.NAME.*.tmp`) and `path` is untouched.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), WriteError> {
    let fail = |source: std::io::Error| WriteError {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    {
        let mut writer = BufWriter::new(temp.as_file());
        snapshot
            .to_writer(&mut writer)
            .map_err(|e| fail(std::io::Error::other(e)))?;
        writer.write_all(b"\n").map_err(fail)?;
        writer.flush().map_err(fail)?;
    }
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    // The rename is durable only once the directory entry is: best effort (not every
    // platform can open a directory).
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
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
}
