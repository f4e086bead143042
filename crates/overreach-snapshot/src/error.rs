//! Why a snapshot could not be loaded, with where in the file and what to do.

use serde_json::error::Category;

const EOF_PROBLEM: &str = "the file ends early";

/// A snapshot that could not be loaded. The caller adds the file path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not JSON, cut short, or a value of the wrong shape.
    #[error("{problem} at `{path}` (line {line}, column {column}): {message}\n  hint: {hint}")]
    Invalid {
        /// What kind of problem, e.g. "the file ends early".
        problem: &'static str,
        /// The JSON path of the value, e.g. `UserDetailList[2].Arn` (`.` for the top).
        path: String,
        line: usize,
        column: usize,
        message: String,
        hint: &'static str,
    },
    /// The file declares a `format_version` newer than this build reads.
    #[error(
        "snapshot format version {found} is newer than the newest this build reads ({supported})\n  hint: upgrade overreach, or fetch the snapshot again with this version"
    )]
    UnsupportedVersion { found: u64, supported: u32 },
    /// The reader failed.
    #[error("could not read the snapshot: {0}")]
    Io(#[source] std::io::Error),
}

impl LoadError {
    /// True when the only problem is that the input ends early (more bytes could fix it).
    pub fn is_truncation(&self) -> bool {
        matches!(self, LoadError::Invalid { problem, .. } if *problem == EOF_PROBLEM)
    }

    /// An error about the file as a whole (not JSON's syntax or shape) at a byte offset.
    pub(crate) fn at_offset(
        bytes: &[u8],
        offset: usize,
        problem: &'static str,
        message: String,
        hint: &'static str,
    ) -> Self {
        let before = &bytes[..offset.min(bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        LoadError::Invalid {
            problem,
            path: ".".to_owned(),
            line,
            column,
            message,
            hint,
        }
    }

    pub(crate) fn from_path_error(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        LoadError::from_parts(path, err.into_inner())
    }

    pub(crate) fn from_json_error(err: serde_json::Error) -> Self {
        LoadError::from_parts(".".to_owned(), err)
    }

    fn from_parts(path: String, err: serde_json::Error) -> Self {
        let (problem, hint) = match err.classify() {
            Category::Eof => (
                EOF_PROBLEM,
                "the file is truncated: fetch it again (`overreach fetch -o FILE`)",
            ),
            Category::Syntax => (
                "the file is not valid JSON",
                "the file was damaged or is not a snapshot: fetch it again, or check it with `python3 -m json.tool FILE`",
            ),
            Category::Data => (
                "unexpected value",
                "a snapshot is the output of `overreach fetch` or `aws iam get-account-authorization-details`; fix or remove this value",
            ),
            Category::Io => ("read error", "check that the file is readable"),
        };
        // serde_json's word for bytes that are not UTF-8 inside a string
        let (problem, hint) = if err.to_string().starts_with("invalid unicode code point") {
            (
                "the file is not UTF-8 text",
                "save the file as UTF-8 (PowerShell: `Out-File -Encoding utf8`), or fetch it again",
            )
        } else {
            (problem, hint)
        };
        let line = err.line();
        let column = err.column();
        // serde_json appends " at line L column C" to its messages: the position is ours to say.
        let mut message = err.to_string();
        if let Some(cut) = message.rfind(" at line ") {
            message.truncate(cut);
        }
        LoadError::Invalid {
            problem,
            path,
            line,
            column,
            message,
            hint,
        }
    }
}
