//! Policy documents: evaluated into JSON with the position of the document and of each
//! statement as the analysis counts them; a statement holding a `Fn::If` on an undetermined
//! condition is read once per outcome, each copy under the condition key of that outcome.

use crate::cfn::condition_key;
use crate::cfn::eval::{Eval, Result, Val, fail, literal};
use crate::model::Location;
use crate::tree::{Node, Value};

/// Most undetermined conditions one statement is read under (2^3 = 8 copies); beyond, the
/// `Fn::If`s become `${unresolved:...}` values.
const MAX_FORK: usize = 3;

/// An evaluated policy document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Doc {
    /// The document.
    pub value: Val,
    /// Where it was written.
    pub at: Location,
    /// Per statement (as the analysis indexes them), where it was written.
    pub statements: Vec<Location>,
}

impl Doc {
    /// Appends `other`'s statements (two outcomes of one `Fn::If` naming the same policy).
    pub fn merge(&mut self, other: Doc) {
        let take = |v: Val| match v {
            Val::Map(mut entries) => match entries.iter().position(|(k, _)| k == "Statement") {
                Some(i) => match entries.swap_remove(i).1 {
                    Val::List(items) => items,
                    s => vec![s],
                },
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut mine = take(self.value.clone());
        mine.extend(take(other.value));
        if let Val::Map(entries) = &mut self.value {
            entries.retain(|(k, _)| k != "Statement");
            entries.push(("Statement".into(), Val::List(mine)));
        }
        self.statements.extend(other.statements);
    }
}

/// Reads the document at `node` with the conditions `base` decided (the resource's own
/// undetermined `Condition`, or the outcome of a `Fn::If` around the policy). `None` when it
/// evaluates to `AWS::NoValue`.
pub(crate) fn document<'a>(
    ev: &mut Eval<'a>,
    node: &'a Node,
    base: &[(String, bool)],
) -> Result<Option<Doc>> {
    let saved = std::mem::replace(&mut ev.assume, base.to_vec());
    let out = read(ev, node, base);
    ev.assume = saved;
    out
}

fn read<'a>(ev: &mut Eval<'a>, node: &'a Node, base: &[(String, bool)]) -> Result<Option<Doc>> {
    let at = ev.loc(node);
    let Some(entries) = node.as_map().filter(|_| !is_intrinsic(node)) else {
        return whole(ev, node, base);
    };
    let mut out = Vec::with_capacity(entries.len());
    let mut statements = Vec::new();
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        let val = if key == "Statement" {
            statement_list(ev, v, base, &mut statements)?
        } else {
            ev.eval(v)?
        };
        if val != Val::NoValue {
            out.push((key.to_owned(), val));
        }
    }
    Ok(Some(Doc {
        value: Val::Map(out),
        at,
        statements,
    }))
}

/// A document computed as a whole (`!If [C, {...}, {...}]`, JSON text): statements are
/// reported at the document.
fn whole<'a>(ev: &mut Eval<'a>, node: &'a Node, base: &[(String, bool)]) -> Result<Option<Doc>> {
    let at = ev.loc(node);
    let mut value = match ev.eval(node)? {
        Val::NoValue => return Ok(None),
        Val::Str(text) => {
            let tree = crate::json::parse(&text).map_err(|e| {
                fail(
                    node,
                    format!(
                        "the policy document is a string that is not JSON ({}); write it as a map",
                        e.message
                    ),
                )
            })?;
            literal(&tree)
        }
        v @ Val::Map(_) => v,
        // the analysis cannot parse this document, so the principals holding it come out
        // inconclusive rather than clean
        v @ (Val::Unknown(_) | Val::Partial(_)) => Val::Map(vec![("Statement".into(), v)]),
        _ => {
            return Err(fail(
                node,
                "a policy document must be a map with `Statement`".into(),
            ));
        }
    };
    let mut statements = Vec::new();
    if let Val::Map(entries) = &mut value
        && let Some((_, s)) = entries.iter_mut().find(|(k, _)| k == "Statement")
    {
        match s {
            Val::List(items) => {
                for item in items.iter_mut() {
                    mark(item, base);
                    statements.push(at.clone());
                }
            }
            Val::Map(_) => {
                mark(s, base);
                statements.push(at.clone());
            }
            _ => {}
        }
    }
    Ok(Some(Doc {
        value,
        at,
        statements,
    }))
}

/// The value of `Statement`, pushing one location per statement.
fn statement_list<'a>(
    ev: &mut Eval<'a>,
    node: &'a Node,
    base: &[(String, bool)],
    locations: &mut Vec<Location>,
) -> Result<Val> {
    match &node.value {
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                for s in statement(ev, item, base)? {
                    out.push(s);
                    locations.push(ev.loc(item));
                }
            }
            Ok(Val::List(out))
        }
        Value::Map(_) if !is_intrinsic(node) => {
            let mut copies = statement(ev, node, base)?;
            locations.extend(std::iter::repeat_n(ev.loc(node), copies.len()));
            // a single statement object keeps its shape
            Ok(match copies.len() {
                1 => copies.swap_remove(0),
                _ => Val::List(copies),
            })
        }
        _ => {
            let mut v = ev.eval(node)?;
            match &mut v {
                Val::List(items) => {
                    for item in items.iter_mut() {
                        mark(item, base);
                        locations.push(ev.loc(node));
                    }
                }
                Val::Map(_) => {
                    mark(&mut v, base);
                    locations.push(ev.loc(node));
                }
                _ => {}
            }
            Ok(v)
        }
    }
}

/// One statement element: one copy per outcome of the undetermined conditions its `Fn::If`s
/// test (none when every copy is `AWS::NoValue`).
fn statement<'a>(ev: &mut Eval<'a>, node: &'a Node, base: &[(String, bool)]) -> Result<Vec<Val>> {
    let mut conds = Vec::new();
    undetermined_ifs(ev, node, base, &mut conds)?;
    if conds.len() > MAX_FORK {
        conds.clear();
    }
    let noted = ev.notes.len();
    let mut copies = Vec::new();
    for outcome in 0..(1usize << conds.len()) {
        let mut assume = base.to_vec();
        // the first copy takes every condition as true
        assume.extend(
            conds
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), (outcome >> i) & 1 == 0)),
        );
        ev.assume = assume;
        let v = ev.eval(node);
        let assume = std::mem::replace(&mut ev.assume, base.to_vec());
        copies.push((v?, assume));
    }
    // outcomes that make no difference need no marks (nor notes about reading both)
    if copies.len() > 1 && copies.windows(2).all(|w| w[0].0 == w[1].0) {
        ev.notes.truncate(noted);
        copies = vec![(ev.eval(node)?, base.to_vec())];
    }
    let mut out = Vec::with_capacity(copies.len());
    for (mut v, assume) in copies {
        if v != Val::NoValue {
            mark(&mut v, &assume);
            out.push(v);
        }
    }
    Ok(out)
}

/// The conditions tested by `Fn::If`s in `node` that the template does not determine.
fn undetermined_ifs<'a>(
    ev: &mut Eval<'a>,
    node: &'a Node,
    base: &[(String, bool)],
    out: &mut Vec<String>,
) -> Result<()> {
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                undetermined_ifs(ev, item, base, out)?;
            }
        }
        Value::Map(entries) => {
            if let [
                (
                    k,
                    Node {
                        value: Value::Seq(args),
                        ..
                    },
                ),
            ] = entries.as_slice()
                && k.as_str() == Some("Fn::If")
                && let Some(first) = args.first()
                && let Some(name) = first.as_str()
                && !base.iter().any(|(c, _)| c == name)
                && !out.iter().any(|c| c == name)
                && ev.condition(name, first)?.is_none()
            {
                out.push(name.to_owned());
            }
            for (_, v) in entries {
                undetermined_ifs(ev, v, base, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Adds the decided conditions to a statement's `Condition` block, as `Bool` tests on the
/// condition keys `unresolved:condition/NAME` (unknown to the analysis, so the statement's
/// grants come out conditional).
fn mark(statement: &mut Val, decided: &[(String, bool)]) {
    if decided.is_empty() {
        return;
    }
    let Val::Map(entries) = statement else { return };
    let keys = || -> Vec<(String, Val)> {
        decided
            .iter()
            .map(|(c, b)| (condition_key(c), Val::Str(b.to_string())))
            .collect()
    };
    match entries.iter_mut().find(|(k, _)| k == "Condition") {
        None => entries.push((
            "Condition".into(),
            Val::Map(vec![("Bool".into(), Val::Map(keys()))]),
        )),
        Some((_, Val::Map(ops))) => match ops.iter_mut().find(|(k, _)| k == "Bool") {
            Some((_, Val::Map(tests))) => tests.extend(keys()),
            Some(_) => {}
            None => ops.push(("Bool".into(), Val::Map(keys()))),
        },
        // an undetermined `Condition` block already makes the statement unreadable
        Some(_) => {}
    }
}

/// True for a map that is an intrinsic function call.
fn is_intrinsic(node: &Node) -> bool {
    matches!(node.as_map(), Some([(k, _)]) if k.as_str().is_some_and(|k| k == "Ref" || k.starts_with("Fn::")))
}
