//! Evaluation of template values: literals, intrinsic-function dispatch and `Fn::If`. The
//! string and list functions are in [`super::functions`]; `Ref`, `Fn::GetAtt` and conditions
//! in [`super::refs`].
//!
//! What the template does not determine becomes [`Val::Unknown`] (wholly unknown) or
//! [`Val::Partial`] (text with `${unresolved:...}` parts), plus an `unresolved` note at the
//! intrinsic that could not be resolved.

use std::collections::HashMap;

use crate::cfn::refs::Identity;
use crate::cfn::template::Template;
use crate::model::{Location, Note, NoteKind, Settings, unresolved};
use crate::tree::{Node, ParseError, Value};

use crate::cfn::functions::base64;

pub(crate) type Result<T> = std::result::Result<T, ParseError>;

/// An evaluated value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// `AWS::NoValue`: the enclosing property or element is removed.
    NoValue,
    Null,
    Bool(bool),
    /// Number text as written.
    Num(String),
    /// Known text.
    Str(String),
    /// Text with `${unresolved:...}` parts.
    Partial(String),
    /// Not determined by the template: what it is (`GetAtt Bucket.Arn`).
    Unknown(String),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
}

impl Val {
    /// Known scalar text (strings, numbers, booleans).
    pub fn known_text(&self) -> Option<String> {
        match self {
            Val::Str(s) | Val::Num(s) => Some(s.clone()),
            Val::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Text for a policy string: known text, or with `${unresolved:...}` parts.
    pub fn text(&self) -> Option<String> {
        match self {
            Val::Partial(s) => Some(s.clone()),
            Val::Unknown(what) => Some(unresolved(what)),
            v => v.known_text(),
        }
    }

    /// The JSON form (unknowns as `${unresolved:...}` strings; number text JSON cannot hold
    /// stays a string).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::NoValue | Val::Null => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Num(n) => n
                .parse::<serde_json::Number>()
                .map_or_else(|_| J::String(n.clone()), J::Number),
            Val::Str(s) | Val::Partial(s) => J::String(s.clone()),
            Val::Unknown(what) => J::String(unresolved(what)),
            Val::List(items) => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A rough size in bytes, charged against the expansion budget.
    pub fn cost(&self) -> usize {
        match self {
            Val::Num(s) | Val::Str(s) | Val::Partial(s) | Val::Unknown(s) => s.len() + 8,
            Val::List(items) => items.iter().map(Val::cost).sum::<usize>() + 8,
            Val::Map(entries) => {
                entries
                    .iter()
                    .map(|(k, v)| k.len() + v.cost())
                    .sum::<usize>()
                    + 8
            }
            _ => 8,
        }
    }
}

/// Deepest evaluation (nested values plus references followed): far beyond real templates,
/// low enough for the call stack of any thread.
const MAX_EVAL_DEPTH: usize = 192;

/// The evaluator of one template.
#[derive(Debug)]
pub(crate) struct Eval<'a> {
    pub t: &'a Template<'a>,
    pub settings: &'a Settings,
    pub file: &'a str,
    pub notes: Vec<Note>,
    /// Conditions taken as decided while reading one statement (see the module doc of
    /// [`crate::cfn`]).
    pub assume: Vec<(String, bool)>,
    pub(crate) conds: HashMap<String, Option<bool>>,
    pub(crate) idents: HashMap<String, Identity>,
    /// Conditions and resources being resolved, to report cycles.
    pub(crate) resolving: Vec<String>,
    depth: usize,
    budget: usize,
}

impl<'a> Eval<'a> {
    /// An evaluator allowed to produce about `budget` bytes of values.
    pub fn new(t: &'a Template<'a>, settings: &'a Settings, file: &'a str, budget: usize) -> Self {
        Eval {
            t,
            settings,
            file,
            notes: Vec::new(),
            assume: Vec::new(),
            conds: HashMap::new(),
            idents: HashMap::new(),
            resolving: Vec::new(),
            depth: 0,
            budget,
        }
    }

    /// The location of `node` in this file.
    pub fn loc(&self, node: &Node) -> Location {
        Location {
            file: self.file.to_owned(),
            line: node.line,
            column: node.column.max(1),
        }
    }

    /// Records a note at `node`.
    pub fn note(&mut self, kind: NoteKind, node: &Node, message: String) {
        let location = self.loc(node);
        self.notes.push(Note {
            kind,
            location,
            message,
        });
    }

    /// An unknown value, with its note.
    pub fn unknown(&mut self, node: &Node, what: String, why: &str) -> Val {
        let shown = unresolved(&what);
        self.note(
            NoteKind::Unresolved,
            node,
            format!("{why}: kept as `{shown}`"),
        );
        Val::Unknown(what)
    }

    /// Spends `n` bytes of the expansion budget.
    pub fn charge(&mut self, node: &Node, n: usize) -> Result<()> {
        match self.budget.checked_sub(n) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(fail(
                node,
                "resolving the template's references produces far more data than the template holds (values built from values many times over); simplify the template".into(),
            )),
        }
    }

    /// Evaluates `node`.
    pub fn eval(&mut self, node: &'a Node) -> Result<Val> {
        self.depth += 1;
        let out = if self.depth > MAX_EVAL_DEPTH {
            Err(fail(
                node,
                format!(
                    "values and references nest deeper than {MAX_EVAL_DEPTH} levels; simplify the template"
                ),
            ))
        } else {
            self.eval_inner(node)
        };
        self.depth -= 1;
        out
    }

    fn eval_inner(&mut self, node: &'a Node) -> Result<Val> {
        self.charge(node, 8)?;
        Ok(match &node.value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.clone()),
            Value::String(s) => {
                self.charge(node, s.len())?;
                Val::Str(s.clone())
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match self.eval(item)? {
                        Val::NoValue => {}
                        v => out.push(v),
                    }
                }
                Val::List(out)
            }
            Value::Map(entries) => {
                if let [(key, arg)] = entries.as_slice()
                    && let Some(name) = key.as_str()
                    && (name == "Ref" || name.starts_with("Fn::"))
                {
                    return self.intrinsic(name, arg, node);
                }
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    match self.eval(v)? {
                        Val::NoValue => {}
                        v => out.push((k.as_str().unwrap_or_default().to_owned(), v)),
                    }
                }
                Val::Map(out)
            }
            Value::Tagged(tag, _) => {
                return Err(fail(node, format!("unexpected tag `!{tag}`")));
            }
        })
    }

    fn intrinsic(&mut self, name: &str, arg: &'a Node, node: &'a Node) -> Result<Val> {
        match name {
            "Ref" => {
                let Some(target) = arg.as_str() else {
                    return Err(fail(
                        arg,
                        format!(
                            "`Ref` takes the name of a parameter or resource, not {}",
                            arg.kind()
                        ),
                    ));
                };
                self.reference(target, node)
            }
            "Fn::GetAtt" => self.get_att_node(arg, node),
            "Fn::Sub" => self.sub(arg, node),
            "Fn::Join" => self.join(arg, node),
            "Fn::Select" => self.select(arg, node),
            "Fn::Split" => self.split(arg, node),
            "Fn::FindInMap" => self.find_in_map(arg, node),
            "Fn::If" => self.if_(arg, node),
            "Fn::Base64" => match self.eval(arg)? {
                Val::Str(s) => Ok(Val::Str(base64(s.as_bytes()))),
                _ => Ok(self.unknown(
                    node,
                    "Base64".into(),
                    "`Fn::Base64` of a value the template does not determine",
                )),
            },
            "Fn::ImportValue" => {
                let export = self.eval(arg)?.text().unwrap_or_default();
                Ok(self.unknown(
                    node,
                    format!("ImportValue {export}"),
                    &format!(
                        "`Fn::ImportValue` `{export}` reads another stack's export, which this template does not determine"
                    ),
                ))
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => match self.cond_expr(node)? {
                Some(b) => Ok(Val::Bool(b)),
                None => Ok(Val::Unknown(name.trim_start_matches("Fn::").to_owned())),
            },
            "Fn::GetAZs" | "Fn::Cidr" | "Fn::Length" | "Fn::ToJsonString" | "Fn::Transform" => {
                Ok(self.unknown(
                    node,
                    name.trim_start_matches("Fn::").to_owned(),
                    &format!("`{name}` is not evaluated by overreach"),
                ))
            }
            _ => Err(fail(
                node,
                format!(
                    "unknown intrinsic function `{name}`; check its spelling (`Fn::Sub`, `Fn::Join`, `Fn::If`, ...)"
                ),
            )),
        }
    }

    fn if_(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let [cond, yes, no] = args::<3>(
            arg,
            node,
            "Fn::If",
            "a condition name, a value if true and a value if false",
        )?;
        let Some(name) = cond.as_str() else {
            return Err(fail(
                cond,
                "the first element of `Fn::If` must name a condition".into(),
            ));
        };
        match self.condition(name, cond)? {
            Some(true) => return self.eval(yes),
            Some(false) => return self.eval(no),
            None => {}
        }
        if let Some(&(_, assumed)) = self.assume.iter().find(|(c, _)| c == name) {
            self.note(
                NoteKind::Unresolved,
                node,
                format!(
                    "condition `{name}` is not determined by the template: this `Fn::If` is read for each outcome, under the condition key `{}`",
                    super::condition_key(name)
                ),
            );
            return self.eval(if assumed { yes } else { no });
        }
        let (a, b) = (self.eval(yes)?, self.eval(no)?);
        if a == b {
            return Ok(a);
        }
        Ok(self.unknown(
            node,
            format!("If {name}"),
            &format!("condition `{name}` is not determined by the template, so `Fn::If` has no single value"),
        ))
    }
}

/// The elements of a list argument of exactly `N` elements.
pub(crate) fn args<'n, const N: usize>(
    arg: &'n Node,
    node: &Node,
    function: &str,
    wants: &str,
) -> Result<&'n [Node; N]> {
    match &arg.value {
        Value::Seq(items) => {
            <&[Node; N]>::try_from(items.as_slice()).map_err(|_| arity(node, function, wants))
        }
        _ => Err(arity(node, function, wants)),
    }
}

pub(crate) fn arity(node: &Node, function: &str, wants: &str) -> ParseError {
    fail(
        node,
        format!("`{function}` takes {wants}; fix its arguments"),
    )
}

/// An error at `node`.
pub(crate) fn fail(node: &Node, message: String) -> ParseError {
    ParseError::new(node.line, node.column, message)
}

/// A value that may not hold intrinsic functions (mappings, parameter defaults).
pub(crate) fn literal(node: &Node) -> Val {
    match &node.value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => Val::Num(n.clone()),
        Value::String(s) => Val::Str(s.clone()),
        Value::Seq(items) => Val::List(items.iter().map(literal).collect()),
        Value::Map(entries) => Val::Map(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), literal(v)))
                .collect(),
        ),
        Value::Tagged(_, inner) => literal(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_keeps_text_json_cannot_hold() {
        assert_eq!(Val::Num("12".into()).to_json(), serde_json::json!(12));
        assert_eq!(
            Val::Unknown("GetAtt B.Arn".into()).to_json(),
            serde_json::json!("${unresolved:GetAtt_B.Arn}")
        );
    }
}
