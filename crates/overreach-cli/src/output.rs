//! Writing results: stdout, or a file written atomically (a temporary file in the same folder,
//! flushed, then renamed), so a reader never sees half a report. A device or a named pipe
//! (`/dev/null`, `<(…)`) is written in place (see `overreach_fetch::write_file`); `/dev/stdout`
//! is stdout.

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

/// Streams what `render` writes to `path` atomically, or to stdout when `path` is `-` (or
/// `/dev/stdout`: written through the process's own descriptor, so a shell's `>>` appends), so a
/// large report is never held in memory as text.
pub fn write_with(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if path == Path::new("-") || path == Path::new("/dev/stdout") {
        let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        render(&mut out).context("cannot write to stdout")?;
        return out.flush().context("cannot write to stdout");
    }
    // the renderer's own error, kept whole: the writer only carries its message
    let mut failed = None;
    let written = overreach_fetch::write_file(path, overreach_fetch::NewFile::Shared, |out| {
        render(out).map_err(|e| {
            let brief = std::io::Error::other(e.to_string());
            failed = Some(e);
            brief
        })
    });
    match failed {
        Some(e) => Err(e.context(format!("cannot write `{}`", path.display()))),
        None => Ok(written?),
    }
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
