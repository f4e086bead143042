//! Writing results: stdout, or a file written atomically (a temporary file in the same folder,
//! flushed, then renamed), so a reader never sees half a report.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;

/// Writes `text` to `path` atomically, or to stdout when `path` is `-`.
pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    write_with(path, |out| {
        out.write_all(text.as_bytes())?;
        Ok(())
    })
}

/// Streams what `render` writes to `path` atomically, or to stdout when `path` is `-`, so a
/// large report is never held in memory as text.
pub fn write_with(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if path == Path::new("-") {
        let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        render(&mut out).context("cannot write to stdout")?;
        return out.flush().context("cannot write to stdout");
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create `{}`", tmp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, f);
        render(&mut out).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        let f = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot flush `{}`", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot move the report into place at `{}`", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `value` as JSON followed by a newline: indented for a person reading a terminal,
/// compact otherwise (files and pipes; a large report is half the size).
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let pretty = indented(path);
    write_with(path, |out| {
        if pretty {
            serde_json::to_writer_pretty(&mut *out, value)?;
        } else {
            serde_json::to_writer(&mut *out, value)?;
        }
        out.write_all(b"\n")?;
        Ok(())
    })
}

/// True when JSON written to `path` is for a person: stdout on a terminal.
pub fn indented(path: &Path) -> bool {
    use std::io::IsTerminal;
    path == Path::new("-") && std::io::stdout().is_terminal()
}
