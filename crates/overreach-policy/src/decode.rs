//! Decoding of policy documents as the raw IAM API returns them (RFC 3986 percent-encoding).
//!
//! The IAM API returns every policy document URL-encoded; the AWS CLI and most dumps decode
//! them. A document whose first non-blank character is `{` is taken as already decoded.

use std::borrow::Cow;

/// Why a percent-encoded document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape at byte {offset}: expected two hex digits after `%`")]
    BadEscape {
        /// Byte offset of the `%` in the encoded text.
        offset: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("the decoded document is not valid UTF-8 (at decoded byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte in the decoded bytes.
        offset: usize,
    },
}

/// Returns the JSON text of a policy document, decoding it when it is URL-encoded.
///
/// Text that already looks like JSON (first non-blank char `{`) is returned as is, so that
/// both the raw API form and the AWS CLI form are accepted.
pub fn decode_document(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    if text.trim_start().starts_with('{') {
        return Ok(Cow::Borrowed(text));
    }
    percent_decode(text)
}

/// Decodes `%XX` escapes (and `+` is kept as is: IAM encodes spaces as `%20`).
pub fn percent_decode(text: &str) -> Result<Cow<'_, str>, DecodeError> {
    if !text.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(DecodeError::BadEscape { offset: i }),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|e| DecodeError::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
        })
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_api_form() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(decode_document(raw).unwrap(), r#"{"Version":"2012-10-17"}"#);
    }

    #[test]
    fn keeps_decoded_form() {
        let doc = r#"  {"Version":"2012-10-17","Sid":"100%"}"#;
        assert!(matches!(decode_document(doc).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn reports_bad_escape() {
        assert_eq!(
            decode_document("%7B%2").unwrap_err(),
            DecodeError::BadEscape { offset: 3 }
        );
        assert_eq!(
            decode_document("%FF%FE").unwrap_err(),
            DecodeError::NotUtf8 { offset: 0 }
        );
    }
}
