//! A strict JSON parser into the positioned [`Node`] tree.
//!
//! Hand-written rather than serde_json because the reader needs the line and column of every
//! value, and must refuse duplicate keys (CloudFormation and IAM reject them; serde_json keeps
//! the last). It is iterative (an explicit stack), so nesting costs heap, not call stack, and
//! runs in time linear in the input.

use crate::tree::{JSON_MAX_DEPTH, MAX_NODES, MapBuilder, Node, ParseError, Value};

/// Parses one JSON value (a leading byte-order mark is skipped).
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut p = Parser {
        text,
        pos: 0,
        line: 1,
        column: 1,
        nodes: 0,
    };
    let root = p.document()?;
    p.skip_ws();
    if p.pos < text.len() {
        return Err(p.error(format!(
            "invalid JSON: {} after the end of the top-level value; remove it",
            p.found()
        )));
    }
    Ok(root)
}

/// A container being built.
enum Frame {
    /// The list's position and its elements so far.
    Seq((u32, u32), Vec<Node>),
    /// The map's position, its entries so far, and the key awaiting its value.
    Map((u32, u32), MapBuilder, Node),
}

/// The error for a key seen twice in one map (shared with the YAML parser).
pub(crate) fn duplicate_key(key: &Node, first_line: u32) -> ParseError {
    ParseError::new(
        key.line,
        key.column,
        format!(
            "duplicate key `{}` (first at line {first_line}): CloudFormation and IAM reject duplicate keys; remove one",
            key.as_str().unwrap_or_default()
        ),
    )
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    column: u32,
    nodes: usize,
}

impl Parser<'_> {
    fn document(&mut self) -> Result<Node, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws();
            self.count()?;
            let (line, column) = (self.line, self.column);
            let at = |value| Node::new(value, line, column);
            let mut done = match self.peek() {
                Some(b'{') => {
                    self.open(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.bump();
                        at(Value::Map(Vec::new()))
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Map((line, column), MapBuilder::default(), key));
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.open(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.bump();
                        at(Value::Seq(Vec::new()))
                    } else {
                        stack.push(Frame::Seq((line, column), Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'"') => at(Value::String(self.string()?)),
                Some(b't') => self.literal("true", at(Value::Bool(true)))?,
                Some(b'f') => self.literal("false", at(Value::Bool(false)))?,
                Some(b'n') => self.literal("null", at(Value::Null))?,
                Some(b'-' | b'0'..=b'9') => at(Value::Number(self.number()?)),
                _ => return Err(self.unexpected("a value")),
            };
            // Hand the finished value to its container; close containers that end here.
            loop {
                let Some(frame) = stack.pop() else {
                    return Ok(done);
                };
                self.skip_ws();
                match frame {
                    Frame::Seq(pos, mut items) => {
                        items.push(done);
                        if self.eat(b',') {
                            stack.push(Frame::Seq(pos, items));
                            continue 'value;
                        }
                        if !self.eat(b']') {
                            return Err(self.unexpected("`,` or `]` after a list element"));
                        }
                        done = Node::new(Value::Seq(items), pos.0, pos.1);
                    }
                    Frame::Map(pos, mut entries, key) => {
                        if let Err((first, key)) = entries.insert(key, done) {
                            return Err(duplicate_key(&key, first));
                        }
                        if self.eat(b',') {
                            self.skip_ws();
                            let key = self.key()?;
                            stack.push(Frame::Map(pos, entries, key));
                            continue 'value;
                        }
                        if !self.eat(b'}') {
                            return Err(self.unexpected("`,` or `}` after an object member"));
                        }
                        done = Node::new(Value::Map(entries.finish()), pos.0, pos.1);
                    }
                }
            }
        }
    }

    /// Consumes `{` or `[` at nesting `depth`.
    fn open(&mut self, depth: usize) -> Result<(), ParseError> {
        if depth >= JSON_MAX_DEPTH {
            return Err(self.error(format!(
                "invalid JSON: nesting deeper than {JSON_MAX_DEPTH} levels; flatten the document"
            )));
        }
        self.bump();
        Ok(())
    }

    fn count(&mut self) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(format!(
                "the file holds more than {MAX_NODES} values, far beyond CloudFormation's 1 MB template limit; split it"
            )));
        }
        Ok(())
    }

    /// An object key and its `:`.
    fn key(&mut self) -> Result<Node, ParseError> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a quoted object key"));
        }
        self.count()?;
        let (line, column) = (self.line, self.column);
        let key = Node::new(Value::String(self.string()?), line, column);
        self.skip_ws();
        if !self.eat(b':') {
            return Err(self.unexpected("`:` after an object key"));
        }
        Ok(key)
    }

    fn literal(&mut self, word: &str, node: Node) -> Result<Node, ParseError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            self.column += word.len() as u32;
            Ok(node)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while let Some(b) = bytes.get(self.pos)
            && matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        if !crate::tree::is_json_number(text) {
            return Err(self.error(format!("invalid JSON: `{text}` is not a number")));
        }
        self.column += (self.pos - start) as u32;
        Ok(text.to_owned())
    }

    /// A string starting at `"`; the closing quote is consumed.
    fn string(&mut self) -> Result<String, ParseError> {
        self.bump();
        let bytes = self.text.as_bytes();
        let mut out = String::new();
        loop {
            let start = self.pos;
            // INVARIANT: stops only at ASCII bytes, so the slices below are on char boundaries.
            while let Some(&b) = bytes.get(self.pos)
                && b != b'"'
                && b != b'\\'
                && b >= 0x20
            {
                if b & 0xC0 != 0x80 {
                    self.column += 1;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.bump();
                    self.escape(&mut out)?;
                }
                Some(_) => {
                    return Err(self.error(
                        "invalid JSON: a control character (such as a line break) inside a string; escape it",
                    ));
                }
                None => {
                    return Err(
                        self.error("invalid JSON: the file ends inside a string: is it truncated?")
                    );
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.bump();
                let high = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&high) {
                    if !self.text[self.pos..].starts_with("\\u") {
                        return Err(self.error("invalid JSON: a lone surrogate in a `\\u` escape"));
                    }
                    self.bump();
                    self.bump();
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.error("invalid JSON: a lone surrogate in a `\\u` escape"));
                    }
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                let Some(c) = char::from_u32(code) else {
                    return Err(self.error("invalid JSON: a lone surrogate in a `\\u` escape"));
                };
                out.push(c);
                return Ok(());
            }
            _ => {
                return Err(self.error(format!(
                    "invalid JSON: unknown escape `\\{}` in a string",
                    self.found_char()
                )));
            }
        };
        self.bump();
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.text.get(self.pos..self.pos + 4).unwrap_or_default();
        match u32::from_str_radix(digits, 16) {
            Ok(v) if digits.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.pos += 4;
                self.column += 4;
                Ok(v)
            }
            _ => Err(self.error("invalid JSON: `\\u` must be followed by four hex digits")),
        }
    }

    fn skip_ws(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.column = 1;
                }
                b' ' | b'\t' | b'\r' => self.column += 1,
                _ => return,
            }
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Consumes one ASCII byte on the current line.
    fn bump(&mut self) {
        self.pos += 1;
        self.column += 1;
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.bump();
        }
        hit
    }

    fn found_char(&self) -> char {
        self.text[self.pos..].chars().next().unwrap_or(' ')
    }

    /// What is at the current position, for messages.
    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "the end of the file".into(),
            Some('`') => "a backtick".into(),
            Some(c) if c.is_control() => format!("the character U+{:04X}", u32::from(c)),
            Some(c) => format!("`{c}`"),
        }
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        if self.pos >= self.text.len() {
            return self.error(format!(
                "invalid JSON: the file ends where {wanted} was expected: is it truncated?"
            ));
        }
        self.error(format!(
            "invalid JSON: expected {wanted}, found {}",
            self.found()
        ))
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.line, self.column, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ParseError {
        parse(text).unwrap_err()
    }

    #[test]
    fn values_and_positions() {
        let n =
            parse("{\n  \"a\": [1, -2.5e3, true, null],\n  \"é\": \"x\\u00e9\\ud83d\\ude00\"\n}")
                .unwrap();
        assert_eq!((n.line, n.column), (1, 1));
        let (k, v) = n.entry("a").unwrap();
        assert_eq!((k.line, k.column, v.line, v.column), (2, 3, 2, 8));
        let Value::Seq(items) = &v.value else {
            panic!()
        };
        assert_eq!(items[1].value, Value::Number("-2.5e3".into()));
        assert_eq!((items[2].line, items[2].column), (2, 20));
        let (k, v) = n.entry("é").unwrap();
        assert_eq!((k.column, v.column), (3, 8), "columns count characters");
        assert_eq!(v.as_str(), Some("xé😀"));
    }

    #[test]
    fn duplicate_key_points_at_the_second() {
        let e = err("{\"a\": 1,\n \"a\": 2}");
        assert_eq!((e.line, e.column), (2, 2));
        assert!(
            e.message.contains("duplicate key `a` (first at line 1)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn malformed_inputs_have_positions() {
        let cases = [
            ("{\"a\": 1", 1, 8, "truncated"),
            ("{\"a\": 1,}", 1, 9, "quoted object key"),
            ("[1 2]", 1, 4, "`,` or `]`"),
            ("{\"a\" 1}", 1, 6, "`:`"),
            ("{\"a\": 01}", 1, 7, "not a number"),
            ("\"abc", 1, 5, "ends inside a string"),
            ("{} x", 1, 4, "after the end"),
            ("[\"\\x\"]", 1, 4, "unknown escape"),
            ("[\"\\ud800\"]", 1, 9, "lone surrogate"),
            ("[tru]", 1, 2, "expected a value"),
            ("", 1, 1, "truncated"),
        ];
        for (text, line, column, msg) in cases {
            let e = err(text);
            assert_eq!((e.line, e.column), (line, column), "{text}: {}", e.message);
            assert!(e.message.contains(msg), "{text}: {}", e.message);
        }
    }

    #[test]
    fn depth_limit() {
        let ok = format!(
            "{}{}",
            "[".repeat(JSON_MAX_DEPTH),
            "]".repeat(JSON_MAX_DEPTH)
        );
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(100_000);
        let e = err(&deep);
        assert!(
            e.message.contains("nesting deeper than 512"),
            "{}",
            e.message
        );
    }

    #[test]
    fn linear_on_large_input() {
        // 200k members on one line: column tracking must not rescan the line
        let body: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\":\"v{i}\"")).collect();
        let text = format!("{{{}}}", body.join(","));
        let start = std::time::Instant::now();
        let n = parse(&text).unwrap();
        assert_eq!(n.as_map().unwrap().len(), 200_000);
        assert!(start.elapsed().as_secs() < 20);
    }
}
