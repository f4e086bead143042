//! Recording failed API calls, and the progress line: what a fetch tells the user on stderr.
//!
//! INVARIANT: every failed call goes through [`Recorder::record`], which keeps it for the
//! snapshot's `Errors` and prints it on stderr; nothing else prints. Messages come from the
//! service or the transport and never contain credentials.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use overreach_snapshot::{FetchError, FetchErrorKind};

/// Collects the errors of one fetch and shows progress. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: Arc<Mutex<Inner>>,
    /// Prefix of stderr lines, e.g. the account id in an organization scan.
    label: Arc<str>,
}

#[derive(Debug)]
struct Inner {
    errors: Vec<FetchError>,
    /// Whether a progress line is shown (stderr is a terminal and the caller wants one).
    progress: bool,
    /// Whether a progress line is on screen and must be cleared before printing.
    dirty: bool,
    quiet: bool,
}

impl Recorder {
    /// A recorder printing errors on stderr, and a progress line when stderr is a terminal.
    pub fn new() -> Recorder {
        Recorder::with_output(std::io::stderr().is_terminal(), false)
    }

    /// A recorder with explicit output: `progress` shows the progress line, `quiet` prints
    /// nothing at all (the errors are still recorded).
    pub fn with_output(progress: bool, quiet: bool) -> Recorder {
        Recorder {
            inner: Arc::new(Mutex::new(Inner {
                errors: Vec::new(),
                progress: progress && !quiet,
                dirty: false,
                quiet,
            })),
            label: Arc::from(""),
        }
    }

    /// A recorder with its own errors that prints with the same settings, prefixed by `label`.
    pub fn child(&self, label: &str) -> Recorder {
        let (progress, quiet) = {
            let inner = self.lock();
            (inner.progress, inner.quiet)
        };
        let mut child = Recorder::with_output(progress, quiet);
        child.label = Arc::from(format!("{label}: "));
        child
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves a plain list: still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one failed call and prints it on stderr.
    pub fn record(&self, error: FetchError) {
        let mut inner = self.lock();
        if !inner.quiet {
            let mut stderr = std::io::stderr().lock();
            if inner.dirty {
                let _ = write!(stderr, "\r\x1b[2K");
            }
            let target = if error.target.is_empty() {
                String::new()
            } else {
                format!(" on `{}`", error.target)
            };
            let _ = writeln!(
                stderr,
                "warning: {}{} {}{target} ({} needed): {}",
                self.label,
                error.api,
                error.kind.as_str(),
                error.permission,
                error.message
            );
        }
        inner.dirty = false;
        inner.errors.push(error);
    }

    /// Records a failed SDK call.
    pub fn record_sdk<E, R>(&self, call: Call<'_>, err: &SdkError<E, R>)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let (kind, message) = classify(err);
        self.record(call.error(kind, message));
    }

    /// Shows `message` as the progress line (only on a terminal).
    pub fn progress(&self, message: &str) {
        let mut inner = self.lock();
        if !inner.progress {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{}{message}", self.label);
        let _ = stderr.flush();
        inner.dirty = true;
    }

    /// Clears the progress line.
    pub fn finish(&self) {
        let mut inner = self.lock();
        if inner.dirty {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            inner.dirty = false;
        }
    }

    /// The errors recorded so far.
    pub fn errors(&self) -> Vec<FetchError> {
        self.lock().errors.clone()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

/// One API call, as named in a recorded error.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The operation, e.g. `GetLoginProfile`.
    pub api: &'static str,
    /// The permission it needs, e.g. `iam:GetLoginProfile`.
    pub permission: &'static str,
    /// What it is about (an ARN or account id), or empty.
    pub target: &'a str,
}

impl<'a> Call<'a> {
    /// A call of `api` needing `permission`, about `target`.
    pub fn new(api: &'static str, permission: &'static str, target: &'a str) -> Self {
        Call {
            api,
            permission,
            target,
        }
    }

    /// The error record for this call.
    pub fn error(self, kind: FetchErrorKind, message: String) -> FetchError {
        FetchError {
            api: self.api.to_owned(),
            target: self.target.to_owned(),
            permission: self.permission.to_owned(),
            message,
            kind,
        }
    }
}

/// The error code of a service error (`AccessDenied`, `NoSuchEntity`...), if it is one.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];
const THROTTLED_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
];

/// The class and the message of a failed SDK call.
pub fn classify<E, R>(err: &SdkError<E, R>) -> (FetchErrorKind, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(service) = err {
        let meta = service.err();
        let code = meta.code().unwrap_or("UnknownError");
        let kind = if DENIED_CODES.contains(&code) {
            FetchErrorKind::Denied
        } else if THROTTLED_CODES.contains(&code) {
            FetchErrorKind::Throttled
        } else {
            FetchErrorKind::Failed
        };
        let message = match meta.message() {
            Some(message) => format!("{code}: {message}"),
            None => code.to_owned(),
        };
        return (kind, message);
    }
    if let SdkError::TimeoutError(_) = err {
        // The SDK's own text ends in a debug dump of its types: say what happened and what
        // to do instead.
        let detail = std::error::Error::source(err)
            .map(|source| format!(" ({source})"))
            .unwrap_or_default();
        return (
            FetchErrorKind::Failed,
            format!(
                "no answer in time{detail}: if the API is only slow, raise `--attempt-timeout-secs`"
            ),
        );
    }
    (FetchErrorKind::Failed, DisplayErrorContext(err).to_string())
}
