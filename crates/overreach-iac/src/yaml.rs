//! YAML into the positioned [`Node`] tree, from the event stream of `saphyr-parser`.
//!
//! Building from events (not a ready-made document type) is what keeps positions and local
//! tags (`!Ref`, `!Sub`) and lets aliases be expanded under a budget: a "billion laughs"
//! document is refused after [`MAX_ALIAS_NODES`] copied values instead of exhausting memory.
//!
//! Scalars follow YAML 1.2's core schema, narrowed so that nothing the author wrote is
//! reinterpreted: `null`/`~`/empty are null, `true`/`false` (any case style the schema
//! allows) are booleans, and only text that is also JSON number text is a number. Everything
//! else is a string: `2012-10-17` (a date in YAML 1.1), `012345678901` (an account id with a
//! leading zero), `0x1F`, `yes`, `.inf`. Merge keys (`<<`) are ordinary keys, as in
//! CloudFormation.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::json::duplicate_key;
use crate::tree::{
    MAX_ALIAS_NODES, MAX_NODES, MapBuilder, Node, ParseError, Value, YAML_MAX_DEPTH, is_json_number,
};

/// Parses a stream holding one YAML document (no document gives `null`).
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut b = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            let message = match e.info() {
                // saphyr's own limit on `[`/`{` nesting (255)
                "recursion limit exceeded" => {
                    "invalid YAML: nesting deeper than 255 levels; flatten the document".into()
                }
                info => format!("invalid YAML: {info}"),
            };
            ParseError::new(line_of(m.line()), column_of(m.col()), message)
        })?;
        b.event(event, span)?;
    }
    Ok(b.root.unwrap_or_else(|| Node::new(Value::Null, 1, 1)))
}

fn line_of(line: usize) -> u32 {
    u32::try_from(line.max(1)).unwrap_or(u32::MAX)
}

fn column_of(col: usize) -> u32 {
    u32::try_from(col.saturating_add(1)).unwrap_or(u32::MAX)
}

/// A finished node with its size (nodes) and height, tracked to budget alias copies.
struct Built {
    node: Node,
    count: usize,
    height: usize,
}

/// A container being built, with the anchor and tag of its start event.
struct Frame {
    line: u32,
    column: u32,
    anchor: usize,
    tag: Option<String>,
    count: usize,
    height: usize,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    /// Entries so far and the key awaiting its value.
    Map(MapBuilder, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize, usize)>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    copied: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), ParseError> {
        let (line, column) = (line_of(span.start.line()), column_of(span.start.col()));
        let error = |message: String| Err(ParseError::new(line, column, message));
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return error(
                        "a template is one YAML document, and this is a second one (after `---`); split the file"
                            .into(),
                    );
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, line, column)?;
                let tag = local_tag(tag.as_deref(), line, column)?;
                let value = match tag.as_deref() {
                    // keys are strings whatever they look like (`123456789012:` in Mappings)
                    None if self.awaits_key() => Value::String(text.into_owned()),
                    Some("") | Some("!!str") => Value::String(text.into_owned()),
                    _ if style != ScalarStyle::Plain => Value::String(text.into_owned()),
                    _ => plain(&text),
                };
                let node = wrap(Node::new(value, line, column), tag);
                self.finish(node, anchor, (1, 1))?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                self.count(1, line, column)?;
                if self.stack.len() >= YAML_MAX_DEPTH {
                    return error(format!(
                        "invalid YAML: nesting deeper than {YAML_MAX_DEPTH} levels; flatten the document"
                    ));
                }
                if self.awaits_key() {
                    return error(
                        "a list or map as a map key is not supported; use a string key".into(),
                    );
                }
                let tag = local_tag(tag.as_deref(), line, column)?;
                let kind = match &tag {
                    Some(t) if t == "!!seq" || t == "!!map" => None,
                    t => t.clone(),
                };
                let is_seq = matches!(event, Event::SequenceStart(..));
                self.stack.push(Frame {
                    line,
                    column,
                    anchor,
                    tag: kind,
                    count: 1,
                    height: 1,
                    kind: if is_seq {
                        FrameKind::Seq(Vec::new())
                    } else {
                        FrameKind::Map(MapBuilder::default(), None)
                    },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(f) = self.stack.pop() else {
                    return error("invalid YAML: unbalanced end of a collection".into());
                };
                let value = match f.kind {
                    FrameKind::Seq(items) => Value::Seq(items),
                    FrameKind::Map(entries, _) => Value::Map(entries.finish()),
                };
                let node = wrap(Node::new(value, f.line, f.column), f.tag);
                self.finish(node, f.anchor, (f.count, f.height))?;
            }
            Event::Alias(id) => {
                let Some((node, count, height)) = self.anchors.get(&id) else {
                    return error("invalid YAML: an alias to an unknown anchor".into());
                };
                let (node, count, height) = (node.clone(), *count, *height);
                if self.stack.len() + height > YAML_MAX_DEPTH + 1 {
                    return error(format!(
                        "invalid YAML: this alias nests values deeper than {YAML_MAX_DEPTH} levels; flatten the document"
                    ));
                }
                self.copy(count, line, column)?;
                self.count(count, line, column)?;
                let node = relocate(node, line, column);
                self.finish(node, 0, (count, height))?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Map(_, None),
                ..
            })
        )
    }

    /// Hands a finished node to its container (or makes it the root).
    fn finish(
        &mut self,
        node: Node,
        anchor: usize,
        size: (usize, usize),
    ) -> Result<(), ParseError> {
        if anchor != 0 {
            // The copy kept for aliases counts against the budget, so nested anchors cannot
            // multiply work either.
            self.copy(size.0, node.line, node.column)?;
            self.anchors.insert(anchor, (node.clone(), size.0, size.1));
        }
        let built = Built {
            node,
            count: size.0,
            height: size.1,
        };
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        top.count += built.count;
        top.height = top.height.max(built.height + 1);
        match &mut top.kind {
            FrameKind::Seq(items) => items.push(built.node),
            FrameKind::Map(_, key @ None) => {
                if built.node.as_str().is_none() {
                    let what = match &built.node.value {
                        Value::Tagged(tag, _) => format!("a value tagged `!{tag}`"),
                        _ => built.node.kind().to_string(),
                    };
                    return Err(ParseError::new(
                        built.node.line,
                        built.node.column,
                        format!("a map key must be a string, not {what}; quote it"),
                    ));
                }
                *key = Some(built.node);
            }
            FrameKind::Map(entries, key @ Some(_)) => {
                if let Some(k) = key.take()
                    && let Err((first, k)) = entries.insert(k, built.node)
                {
                    return Err(duplicate_key(&k, first));
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, n: usize, line: u32, column: u32) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(ParseError::new(
                line,
                column,
                format!(
                    "the file holds more than {MAX_NODES} values, far beyond CloudFormation's 1 MB template limit; split it"
                ),
            ));
        }
        Ok(())
    }

    fn copy(&mut self, n: usize, line: u32, column: u32) -> Result<(), ParseError> {
        self.copied = self.copied.saturating_add(n);
        if self.copied > MAX_ALIAS_NODES {
            return Err(ParseError::new(
                line,
                column,
                format!(
                    "YAML anchors and aliases expand to more than {MAX_ALIAS_NODES} values (a \"billion laughs\" document?); write the values out or remove the aliases"
                ),
            ));
        }
        Ok(())
    }
}

/// The tag as the tree keeps it: `None` for no tag, `Some("")` for the non-specific `!`,
/// `Some("!!str")` etc. for core-schema tags, `Some("Ref")` for local tags.
fn local_tag(tag: Option<&Tag>, line: u32, column: u32) -> Result<Option<String>, ParseError> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!" {
        return Ok(Some(tag.suffix.clone()));
    }
    if tag.handle == "tag:yaml.org,2002:"
        && matches!(
            tag.suffix.as_str(),
            "str" | "int" | "float" | "bool" | "null" | "seq" | "map"
        )
    {
        return Ok(Some(format!("!!{}", tag.suffix)));
    }
    Err(ParseError::new(
        line,
        column,
        format!(
            "unsupported YAML tag `{}{}`; CloudFormation knows only its own short forms such as `!Ref`",
            tag.handle, tag.suffix
        ),
    ))
}

/// Wraps a node in its local tag, if any (core-schema tags were applied already).
fn wrap(node: Node, tag: Option<String>) -> Node {
    match tag {
        Some(t) if !t.is_empty() && !t.starts_with("!!") => {
            let (line, column) = (node.line, node.column);
            Node::new(Value::Tagged(t, Box::new(node)), line, column)
        }
        _ => node,
    }
}

/// The value of a plain (unquoted) scalar.
fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        t if is_json_number(t) => Value::Number(t.to_owned()),
        t => Value::String(t.to_owned()),
    }
}

/// An alias copy reported at the alias (where the reader meets it), not at the anchor.
fn relocate(mut node: Node, line: u32, column: u32) -> Node {
    node.line = line;
    node.column = column;
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(n: &Node) -> (u32, u32) {
        (n.line, n.column)
    }

    #[test]
    fn block_flow_tags_and_positions() {
        let text = "# c\nResources:\n  R:\n    Type: AWS::IAM::Role\n    N: !Sub |\n      a ${X}\n    G: !GetAtt [A, B]\n    F: {a: 1, b: [x, 'y']}\n    E:\n    V: 2012-10-17\n    Z: 012\n    B: True\n";
        let root = parse(text).unwrap();
        let r = root.get("Resources").unwrap().get("R").unwrap();
        assert_eq!(at(r), (4, 5));
        let n = r.get("N").unwrap();
        assert_eq!(at(n), (5, 8));
        let Value::Tagged(tag, inner) = &n.value else {
            panic!("{n:?}")
        };
        assert_eq!((tag.as_str(), inner.as_str()), ("Sub", Some("a ${X}\n")));
        let Value::Tagged(tag, inner) = &r.get("G").unwrap().value else {
            panic!()
        };
        assert_eq!(tag, "GetAtt");
        assert!(matches!(&inner.value, Value::Seq(v) if v.len() == 2));
        let f = r.get("F").unwrap();
        assert_eq!(f.get("a").unwrap().value, Value::Number("1".into()));
        assert_eq!(r.get("E").unwrap().value, Value::Null);
        assert_eq!(r.get("V").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(r.get("Z").unwrap().as_str(), Some("012"));
        assert_eq!(r.get("B").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn core_tags_and_unknown_tags() {
        let root = parse("a: !!str 123\nb: !!int 7\n").unwrap();
        assert_eq!(root.get("a").unwrap().as_str(), Some("123"));
        assert_eq!(root.get("b").unwrap().value, Value::Number("7".into()));
        let e = parse("a: !!binary aGk=\n").unwrap_err();
        assert!(e.message.contains("unsupported YAML tag"), "{}", e.message);
    }

    #[test]
    fn anchors_expand_at_the_alias() {
        let root = parse("a: &x {k: [1, 2]}\nb: *x\n").unwrap();
        let b = root.get("b").unwrap();
        assert_eq!(at(b), (2, 4));
        assert_eq!(b.get("k"), root.get("a").unwrap().get("k"));
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("billion laughs"), "{}", e.message);
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);
        let e = parse("a: [1, 2\n").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        assert!(e.line >= 1);
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("? [a]\n: 1\n").unwrap_err();
        assert!(e.message.contains("map key"), "{}", e.message);
        let e = parse("!Ref x: 1\n").unwrap_err();
        assert!(
            e.message.contains("map key must be a string"),
            "{}",
            e.message
        );
    }

    #[test]
    fn depth_limits() {
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nesting"), "{}", e.message);
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse(&block).unwrap_err().message.contains("nesting"));
        let ok = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        // a small deterministic fuzz over YAML's punctuation
        let alphabet: &[&str] = &[
            "a",
            ":",
            " ",
            "\n",
            "-",
            "[",
            "]",
            "{",
            "}",
            ",",
            "!",
            "&x",
            "*x",
            "|",
            ">",
            "'",
            "\"",
            "#",
            "?",
            "\t",
            "!Ref ",
            "---",
            "%TAG ! x\n",
            "\\",
            "é",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let _ = parse(&text);
        }
    }
}
