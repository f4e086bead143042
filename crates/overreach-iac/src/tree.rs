//! A positioned value tree: what the JSON and YAML parsers produce and the CloudFormation
//! reader walks, so every value can be traced back to its line and column.
//!
//! INVARIANT: trees built by [`crate::json`] and [`crate::yaml`] respect the limits below
//! (depth, node count); code walking them may recurse without further checks.

use std::collections::HashSet;

/// Nesting limit of JSON input (a template is rarely deeper than 20).
pub const JSON_MAX_DEPTH: usize = 512;
/// Nesting limit of YAML input (lower: block nesting costs indentation, and aliases add
/// depth).
pub const YAML_MAX_DEPTH: usize = 256;
/// The most values one file may hold: CloudFormation templates are at most 1 MB, so this is
/// only reached by hostile or generated input (about 500 MB of memory).
pub const MAX_NODES: usize = 10_000_000;
/// The most values YAML aliases may add by expansion ("billion laughs" documents).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A value with the 1-based line and column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A JSON-like value. Map keys are [`Value::String`] nodes, unique within their map.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty YAML value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number as written; always valid JSON number text.
    Number(String),
    /// A string (including YAML scalars that are not null, bool or a JSON number).
    String(String),
    /// A list.
    Seq(Vec<Node>),
    /// A map in source order.
    Map(Vec<(Node, Node)>),
    /// A YAML local tag (`!Ref x`): the tag without its `!`, and the tagged value.
    Tagged(String, Box<Node>),
}

impl Node {
    /// A node at a position.
    pub fn new(value: Value, line: u32, column: u32) -> Node {
        Node {
            value,
            line,
            column,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, when this is a map.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key`, when this is a map holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value of `key`, when this is a map holding it.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// What kind of value this is, for messages (`a string`, `a list`, ...).
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
            Value::Tagged(..) => "a tagged value",
        }
    }
}

/// A malformed input: where and what, lowercase, user input in backticks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based; 0 when the error is about the whole input.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    /// What is wrong and what to do.
    pub message: String,
}

impl ParseError {
    /// An error at a position.
    pub fn new(line: u32, column: u32, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Builds a map while refusing duplicate keys in linear time (small maps compare directly,
/// larger ones keep a hash set).
#[derive(Debug, Default)]
pub struct MapBuilder {
    entries: Vec<(Node, Node)>,
    seen: HashSet<String>,
}

/// Beyond this many entries, duplicate checks use a hash set.
const SMALL_MAP: usize = 16;

impl MapBuilder {
    /// Adds `key: value`; on a duplicate key, gives back the first occurrence's line and the
    /// rejected key.
    pub fn insert(&mut self, key: Node, value: Node) -> Result<(), (u32, Node)> {
        let name = key.as_str().unwrap_or_default();
        let first = |entries: &[(Node, Node)]| {
            entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(name))
                .map_or(key.line, |(k, _)| k.line)
        };
        let duplicate = if self.entries.len() < SMALL_MAP {
            self.entries.iter().any(|(k, _)| k.as_str() == Some(name))
        } else {
            if self.seen.is_empty() {
                let keys = self.entries.iter().filter_map(|(k, _)| k.as_str());
                self.seen.extend(keys.map(str::to_owned));
            }
            !self.seen.insert(name.to_owned())
        };
        if duplicate {
            let line = first(&self.entries);
            return Err((line, key));
        }
        self.entries.push((key, value));
        Ok(())
    }

    /// The finished map's entries.
    pub fn finish(self) -> Vec<(Node, Node)> {
        self.entries
    }
}

/// True when `text` is JSON number text (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`).
pub fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Node {
        Node::new(Value::String(text.into()), 1, 1)
    }

    #[test]
    fn json_numbers() {
        for ok in ["0", "-1", "12.5", "1e10", "1E-2", "-0.0e+1"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "",
            "-",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "0x1F",
            "2012-10-17",
            "1_000",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn duplicate_keys_small_and_large() {
        let mut m = MapBuilder::default();
        for i in 0..40 {
            m.insert(s(&format!("k{i}")), s("v")).unwrap();
        }
        assert!(m.insert(s("k3"), s("v")).is_err());
        assert!(m.insert(s("k39"), s("v")).is_err());
        m.insert(s("k40"), s("v")).unwrap();
        assert_eq!(m.finish().len(), 41);
    }
}
