//! Placeholder being replaced by the manifest reader.

use crate::{IacError, IacSet, InputFile, Settings};

/// True when `file` is a manifest (`overreach-manifest.toml`).
pub fn sniff(_file: &InputFile) -> bool {
    false
}

/// Reads the manifest `file`, taking the policy documents it names from `all`, into `set`.
pub fn read(
    _file: &InputFile,
    _all: &[InputFile],
    _settings: &Settings,
    _set: &mut IacSet,
) -> Result<(), IacError> {
    Ok(())
}
