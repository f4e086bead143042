//! Source positions inside JSON text: serde_json's `Value` keeps none, so this walks the text
//! once and reports the line and column where each value of interest starts.
//!
//! Used for the address lines of a Terraform plan and for the statements of the raw policy
//! files a manifest names. It is meant for text serde_json has already accepted: it checks just
//! enough syntax to stay in step, and gives up (returns the position) on anything else.

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// One step of the path to a value: an object key (raw, as written between the quotes) or
/// an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'t> {
    Key(&'t str),
    Index(usize),
}

/// Deeper than serde_json's own limit (128), so text it accepted never hits this one.
const MAX_DEPTH: usize = 256;

/// Calls `visit` with the path, start position and first byte of every value in `text`.
pub(crate) fn scan<'t>(
    text: &'t str,
    visit: &mut dyn FnMut(&[Seg<'t>], Pos, u8),
) -> Result<(), Pos> {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        line_start: 0,
        path: Vec::new(),
    };
    // a UTF-8 byte order mark is not JSON, but editors write one
    if text.starts_with('\u{feff}') {
        s.at = 3;
        s.line_start = 3;
    }
    s.value(visit)?;
    Ok(())
}

/// The positions of the statements of a policy document: one per element of a `Statement`
/// array, or one for a single `Statement` object; empty when there is no `Statement`.
pub(crate) fn statement_positions(text: &str) -> Vec<Pos> {
    let mut elements = Vec::new();
    let mut single = None;
    let _ = scan(text, &mut |path, pos, first| match path {
        [Seg::Key("Statement"), Seg::Index(_)] => elements.push(pos),
        [Seg::Key("Statement")] if first == b'{' => single = Some(pos),
        _ => {}
    });
    match single {
        Some(pos) => vec![pos],
        None => elements,
    }
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    line: u32,
    line_start: usize,
    path: Vec<Seg<'t>>,
}

impl<'t> Scanner<'t> {
    fn pos(&self) -> Pos {
        let end = self.at.min(self.bytes.len());
        let start = self.line_start.min(end);
        // count characters, not bytes: a UTF-8 continuation byte starts no character
        let column = self.bytes[start..end]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count();
        Pos {
            line: self.line,
            column: u32::try_from(column).unwrap_or(u32::MAX).saturating_add(1),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                b' ' | b'\t' | b'\r' => self.at += 1,
                _ => break,
            }
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), Pos> {
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.pos())
        }
    }

    fn value(&mut self, visit: &mut dyn FnMut(&[Seg<'t>], Pos, u8)) -> Result<(), Pos> {
        self.skip_ws();
        if self.path.len() > MAX_DEPTH {
            return Err(self.pos());
        }
        let first = self.bytes.get(self.at).copied();
        visit(&self.path, self.pos(), first.unwrap_or(0));
        match first {
            Some(b'{') => {
                self.at += 1;
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Ok(());
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.expect(b':')?;
                    self.path.push(Seg::Key(key));
                    self.value(visit)?;
                    self.path.pop();
                    self.skip_ws();
                    match self.bytes.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(());
                        }
                        _ => return Err(self.pos()),
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Ok(());
                }
                let mut index = 0;
                loop {
                    self.path.push(Seg::Index(index));
                    self.value(visit)?;
                    self.path.pop();
                    index += 1;
                    self.skip_ws();
                    match self.bytes.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(());
                        }
                        _ => return Err(self.pos()),
                    }
                }
            }
            Some(b'"') => self.string().map(|_| ()),
            Some(_) => {
                // number, true, false, null: up to the next delimiter
                let start = self.at;
                while let Some(&b) = self.bytes.get(self.at) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.at += 1;
                }
                if self.at == start {
                    return Err(self.pos());
                }
                Ok(())
            }
            None => Err(self.pos()),
        }
    }

    /// A string at the cursor, returned raw (escapes left as written).
    fn string(&mut self) -> Result<&'t str, Pos> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(self.pos());
        }
        self.at += 1;
        let start = self.at;
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'\\' => self.at += 2,
                b'"' => {
                    let raw = self.text.get(start..self.at).ok_or_else(|| self.pos())?;
                    self.at += 1;
                    return Ok(raw);
                }
                _ => self.at += 1,
            }
        }
        Err(self.pos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(text: &str) -> Vec<(u32, u32)> {
        statement_positions(text)
            .into_iter()
            .map(|p| (p.line, p.column))
            .collect()
    }

    #[test]
    fn statements_of_pretty_printed_document() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\"\n    },\n    {\"Effect\": \"Deny\"}\n  ]\n}\n";
        assert_eq!(positions(text), vec![(4, 5), (7, 5)]);
    }

    #[test]
    fn statements_of_single_line_document() {
        let text = r#"{"Statement":[{"Effect":"Allow"},{"Effect":"Deny","Resource":"é"}]}"#;
        assert_eq!(positions(text), vec![(1, 15), (1, 34)]);
    }

    #[test]
    fn single_statement_object_and_empty_array() {
        let text = "{\n \"Statement\": {\"Effect\": \"Allow\"}}";
        assert_eq!(positions(text), vec![(2, 15)]);
        assert!(positions(r#"{"Statement": []}"#).is_empty());
        assert!(positions(r#"{"Version": "2012-10-17"}"#).is_empty());
    }

    #[test]
    fn keys_with_escapes_and_nested_statement_keys_are_not_confused() {
        let text = r#"{"a\"b": {"Statement": [{}]}, "Statement": [{"x": "\\"}]}"#;
        assert_eq!(positions(text), vec![(1, 45)]);
    }

    #[test]
    fn paths_are_reported() {
        let mut seen = Vec::new();
        scan(r#"{"a": [1, {"b": null}]}"#, &mut |path, pos, _| {
            seen.push((format!("{path:?}"), pos.column));
        })
        .unwrap();
        assert_eq!(seen.len(), 5);
        assert_eq!(seen[4], ("[Key(\"a\"), Index(1), Key(\"b\")]".into(), 17));
    }

    #[test]
    fn broken_text_gives_the_position() {
        assert_eq!(
            scan("{\n  \"a\" 1}", &mut |_, _, _| {}),
            Err(Pos { line: 2, column: 7 })
        );
    }
}
