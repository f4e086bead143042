//! Placeholder being replaced by the terraform reader.

use crate::{IacError, IacSet, InputFile, Settings};

/// True when `file` looks like this format.
pub fn sniff(_file: &InputFile) -> bool {
    false
}

/// Reads `file` into `set`.
pub fn read(_file: &InputFile, _settings: &Settings, _set: &mut IacSet) -> Result<(), IacError> {
    Ok(())
}
