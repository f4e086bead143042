//! `data "aws_iam_policy_document"` whose `json` is known only after apply: the document is
//! built the way the AWS provider builds it, from the statement blocks' planned values
//! (Terraform evaluates all it can at plan time), with every unknown part kept symbolic.
//!
//! Unknown `resources`/`not_resources` and condition values become `${unresolved:WHAT}` (a
//! request-time unknown: grants through them come out conditional); an unknown principal is
//! resolved when it is a single reference to a computable ARN, else kept symbolic; unknown
//! actions or effects cannot be symbolic, so the statement part is left out with a note.

use serde_json::{Map, Value, json};

use super::resolve::{Resolver, Val, root_references};
use crate::{NoteKind, unresolved};

impl Resolver<'_, '_> {
    /// The JSON text of policy document data source `i`, built from its blocks.
    pub(crate) fn policy_document(&self, i: usize, depth: usize) -> Val {
        if let Some((v, _)) = self.built.borrow().get(&i) {
            return v.clone();
        }
        let (val, origins) = self.build_document(i, depth);
        self.built.borrow_mut().insert(i, (val.clone(), origins));
        val
    }

    /// For each statement of the document built for `i`, the index of the statement block it
    /// came from; `None` when `i` was not built or a statement came from another document.
    pub(crate) fn built_origins(&self, i: usize) -> Option<Vec<Option<usize>>> {
        self.built.borrow().get(&i).map(|(_, o)| o.clone())
    }

    fn build_document(&self, i: usize, depth: usize) -> (Val, Vec<Option<usize>>) {
        let Some(inst) = self.plan.instances.get(i) else {
            return (Val::Absent, Vec::new());
        };
        let config = self.plan.expressions(inst);
        let config_blocks = config
            .and_then(|c| c.get("statement"))
            .and_then(Value::as_array);
        let (blocks, unknown_blocks) = match inst.value("statement") {
            Some(Value::Array(a)) => (a.clone(), inst.unknown("statement").cloned()),
            // no planned statements: the configuration's blocks, a field being unknown when
            // it is not a constant
            _ => {
                let (v, m): (Vec<Value>, Vec<Value>) = config_blocks
                    .map(|b| b.iter().map(from_config).unzip())
                    .unwrap_or_default();
                (v, Some(Value::Array(m)))
            }
        };
        let mut statements: Vec<(Value, Option<usize>)> = Vec::new();
        for (k, block) in blocks.iter().enumerate() {
            let unk = match &unknown_blocks {
                Some(Value::Bool(true)) => Some(&Value::Bool(true)),
                Some(Value::Array(a)) => a.get(k),
                _ => None,
            };
            let cfg = config_blocks.and_then(|c| c.get(k));
            let here = format!("{}.statement[{k}]", inst.address);
            let st = Statement {
                r: self,
                i,
                block,
                unk,
                cfg,
                here,
            };
            if let Some(s) = st.build(depth) {
                statements.push((s, Some(k)));
            }
        }
        let mut merged: Vec<(Value, Option<usize>)> = Vec::new();
        merge(
            &mut merged,
            self.documents_of(i, "source_policy_documents", depth),
        );
        for s in statements {
            merge_one(&mut merged, s);
        }
        merge(
            &mut merged,
            self.documents_of(i, "override_policy_documents", depth),
        );
        let mut out = Map::new();
        let version = inst
            .value("version")
            .and_then(Value::as_str)
            .unwrap_or("2012-10-17");
        out.insert("Version".into(), json!(version));
        if let Some(id) = inst.value("policy_id").and_then(Value::as_str) {
            out.insert("Id".into(), json!(id));
        }
        let origins = merged.iter().map(|(_, o)| *o).collect();
        out.insert(
            "Statement".into(),
            Value::Array(merged.into_iter().map(|(s, _)| s).collect()),
        );
        (
            Val::Known(Value::String(Value::Object(out).to_string())),
            origins,
        )
    }

    /// The statements of the JSON documents listed in `attr` (source or override documents).
    fn documents_of(&self, i: usize, attr: &str, depth: usize) -> Vec<(Value, Option<usize>)> {
        let Some(inst) = self.plan.instances.get(i) else {
            return Vec::new();
        };
        let texts: Vec<Val> = match inst.unknown(attr) {
            None => match inst.value(attr) {
                Some(Value::Array(a)) => a.iter().map(|v| Val::Known(v.clone())).collect(),
                _ => Vec::new(),
            },
            // one whole unknown list, or one unknown element: follow a single reference
            Some(u) if u == &Value::Bool(true) || u == &json!([true]) => {
                let r = self.single_reference(i, attr);
                let v = r
                    .as_deref()
                    .map(|r| self.reference(&inst.module, r, depth + 1));
                match v {
                    Some(Val::Known(Value::Array(a))) => a.into_iter().map(Val::Known).collect(),
                    Some(Val::Known(v)) => vec![Val::Known(v)],
                    _ => vec![Val::Unknown(
                        r.unwrap_or_else(|| format!("{}.{attr}", inst.address)),
                    )],
                }
            }
            Some(_) => vec![Val::Unknown(format!("{}.{attr}", inst.address))],
        };
        let mut out = Vec::new();
        for t in texts {
            let parsed = match &t {
                Val::Known(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
                _ => None,
            };
            let statements = parsed.as_ref().map(|d| match d.get("Statement") {
                Some(Value::Array(a)) => a.clone(),
                Some(s @ Value::Object(_)) => vec![s.clone()],
                _ => Vec::new(),
            });
            match statements {
                Some(list) => out.extend(list.into_iter().map(|s| (s, None))),
                None => self.note(
                    i,
                    NoteKind::Unresolved,
                    format!(
                        "a document in `{attr}` of `{}` is known only after apply{}: its statements are left out",
                        inst.address,
                        what(&t)
                    ),
                ),
            }
        }
        out
    }
}

/// ` (it depends on `X`)` for an unknown value.
fn what(v: &Val) -> String {
    match v {
        Val::Unknown(w) => format!(" (it depends on `{w}`)"),
        _ => String::new(),
    }
}

/// A configured block as planned values and unknown markers: constants are values, other
/// expressions unknown, nested blocks (lists of blocks) converted alike.
fn from_config(block: &Value) -> (Value, Value) {
    let mut values = Map::new();
    let mut marks = Map::new();
    for (k, e) in block.as_object().into_iter().flatten() {
        if let Value::Array(nested) = e {
            let (v, m): (Vec<Value>, Vec<Value>) = nested.iter().map(from_config).unzip();
            values.insert(k.clone(), Value::Array(v));
            marks.insert(k.clone(), Value::Array(m));
        } else if let Some(c) = e.get("constant_value") {
            values.insert(k.clone(), c.clone());
        } else {
            marks.insert(k.clone(), Value::Bool(true));
        }
    }
    (Value::Object(values), Value::Object(marks))
}

/// Statements with a `Sid` replace the one with the same `Sid`; the others are appended.
fn merge(into: &mut Vec<(Value, Option<usize>)>, from: Vec<(Value, Option<usize>)>) {
    for s in from {
        merge_one(into, s);
    }
}

fn merge_one(into: &mut Vec<(Value, Option<usize>)>, s: (Value, Option<usize>)) {
    let sid =
        s.0.get("Sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
    if let Some(sid) = sid
        && let Some(slot) = into
            .iter_mut()
            .find(|(o, _)| o.get("Sid").and_then(Value::as_str) == Some(sid))
    {
        *slot = s;
        return;
    }
    into.push(s);
}

/// One statement block being turned into a statement.
struct Statement<'r, 'p, 'a> {
    r: &'r Resolver<'p, 'a>,
    i: usize,
    block: &'r Value,
    unk: Option<&'r Value>,
    cfg: Option<&'r Value>,
    here: String,
}

impl Statement<'_, '_, '_> {
    fn build(&self, depth: usize) -> Option<Value> {
        let mut out = Map::new();
        if let [Val::Known(Value::String(sid))] =
            self.items(self.block, self.unk, self.cfg, "sid").as_slice()
            && !sid.is_empty()
        {
            out.insert("Sid".into(), json!(sid));
        }
        let effect = match self
            .items(self.block, self.unk, self.cfg, "effect")
            .as_slice()
        {
            [] => "Allow".to_string(),
            [Val::Known(Value::String(e))] if e.is_empty() => "Allow".to_string(),
            [Val::Known(Value::String(e))] => e.clone(),
            _ => {
                self.r.note(
                    self.i,
                    NoteKind::Unresolved,
                    format!(
                        "the effect of `{}` is known only after apply: the statement is left out",
                        self.here
                    ),
                );
                return None;
            }
        };
        out.insert("Effect".into(), json!(effect));
        for (attr, key) in [("actions", "Action"), ("not_actions", "NotAction")] {
            let items = self.items(self.block, self.unk, self.cfg, attr);
            let strings = self.strings(items, attr, false);
            if !strings.is_empty() {
                out.insert(key.into(), json!(strings));
            }
        }
        for (attr, key) in [("resources", "Resource"), ("not_resources", "NotResource")] {
            let items = self.items(self.block, self.unk, self.cfg, attr);
            let strings = self.strings(items, attr, true);
            if !strings.is_empty() {
                out.insert(key.into(), json!(strings));
            }
        }
        for (attr, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(p) = self.principals(attr, depth) {
                out.insert(key.into(), p);
            }
        }
        if let Some(c) = self.conditions() {
            out.insert("Condition".into(), c);
        }
        Some(Value::Object(out))
    }

    /// The elements of list (or string) field `attr` of `block`, with `unk` its unknown
    /// markers and `cfg` its configured expressions.
    fn items(
        &self,
        block: &Value,
        unk: Option<&Value>,
        cfg: Option<&Value>,
        attr: &str,
    ) -> Vec<Val> {
        let marker = unk.and_then(|u| {
            if u == &Value::Bool(true) {
                Some(u)
            } else {
                u.get(attr)
            }
        });
        let label = || {
            let roots = cfg
                .and_then(|c| c.get(attr))
                .map(root_references)
                .unwrap_or_default();
            if roots.is_empty() {
                format!("{}.{attr}", self.here)
            } else {
                roots.join(",")
            }
        };
        if marker == Some(&Value::Bool(true)) {
            return vec![Val::Unknown(label())];
        }
        match block.get(attr) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(j, v)| match marker.and_then(|m| m.get(j)) {
                    Some(Value::Bool(true)) => Val::Unknown(label()),
                    _ => Val::Known(v.clone()),
                })
                .collect(),
            Some(v) => vec![Val::Known(v.clone())],
        }
    }

    /// String elements; unknown ones become `${unresolved:..}` where a policy variable is
    /// allowed (`symbolic`), else are left out with a note.
    fn strings(&self, items: Vec<Val>, attr: &str, symbolic: bool) -> Vec<String> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Val::Known(Value::String(s)) => out.push(s),
                Val::Known(other) => out.push(other.to_string()),
                Val::Unknown(w) if symbolic => {
                    let token = unresolved(&w);
                    self.r.note(
                        self.i,
                        NoteKind::Unresolved,
                        format!("`{attr}` of `{}` is known only after apply (it depends on `{w}`): kept symbolic as `{token}`", self.here),
                    );
                    out.push(token);
                }
                Val::Unknown(w) => self.r.note(
                    self.i,
                    NoteKind::Unresolved,
                    format!("`{attr}` of `{}` is known only after apply (it depends on `{w}`): it is left out", self.here),
                ),
                Val::Absent => {}
            }
        }
        out
    }

    fn principals(&self, attr: &str, depth: usize) -> Option<Value> {
        let blocks = self
            .block
            .get(attr)
            .and_then(Value::as_array)
            .filter(|b| !b.is_empty())?;
        let marker = self.unk.and_then(|u| u.get(attr));
        if marker == Some(&Value::Bool(true)) {
            self.r.note(
                self.i,
                NoteKind::Unresolved,
                format!(
                    "`{attr}` of `{}` is known only after apply: it is left out",
                    self.here
                ),
            );
            return None;
        }
        let mut map: Map<String, Value> = Map::new();
        for (j, b) in blocks.iter().enumerate() {
            let unk = marker.and_then(|m| m.get(j));
            let kind = b
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("AWS")
                .to_string();
            // principals are a set: the configured block is known to match only when alone
            let cfg_blocks = self.cfg.and_then(|c| c.get(attr)).and_then(Value::as_array);
            let cfg_ref = cfg_blocks
                .filter(|c| c.len() == 1 && blocks.len() == 1)
                .and_then(|c| c.first());
            let items = self.items(b, unk, cfg_ref, "identifiers");
            let module = self
                .r
                .plan
                .instances
                .get(self.i)
                .map(|x| x.module.clone())
                .unwrap_or_default();
            let mut ids = Vec::new();
            for item in items {
                match item {
                    Val::Known(Value::String(s)) => ids.push(s),
                    Val::Known(_) | Val::Absent => {}
                    Val::Unknown(w) => {
                        // a principal is a whole ARN: a single reference to a computable one
                        let roots = cfg_ref
                            .and_then(|c| c.get("identifiers"))
                            .map(root_references)
                            .unwrap_or_default();
                        let resolved = match roots.as_slice() {
                            [only] => self.r.reference(&module, only, depth + 1),
                            _ => Val::Unknown(w.clone()),
                        };
                        match resolved {
                            Val::Known(Value::String(s)) => ids.push(s),
                            Val::Known(Value::Array(a)) => {
                                ids.extend(a.iter().filter_map(Value::as_str).map(str::to_string))
                            }
                            _ => ids.push(unresolved(&w)),
                        }
                    }
                }
            }
            // `type = "*"` with `identifiers = ["*"]` is the provider's spelling of `"*"`
            if kind == "*" {
                return Some(json!("*"));
            }
            let slot = map.entry(kind).or_insert_with(|| json!([]));
            if let Value::Array(list) = slot {
                list.extend(ids.into_iter().map(Value::String));
            }
        }
        Some(Value::Object(map))
    }

    fn conditions(&self) -> Option<Value> {
        let blocks = self.block.get("condition").and_then(Value::as_array)?;
        let marker = self.unk.and_then(|u| u.get("condition"));
        if marker == Some(&Value::Bool(true)) {
            self.r.note(
                self.i,
                NoteKind::Unresolved,
                format!(
                    "the conditions of `{}` are known only after apply: they are left out",
                    self.here
                ),
            );
            return None;
        }
        let mut out: Map<String, Value> = Map::new();
        for (j, b) in blocks.iter().enumerate() {
            let unk = marker.and_then(|m| m.get(j));
            let test = b.get("test").and_then(Value::as_str);
            let variable = b.get("variable").and_then(Value::as_str);
            let (Some(test), Some(variable)) = (test, variable) else {
                self.r.note(self.i, NoteKind::Unresolved, format!("a condition of `{}` has a test or key known only after apply: it is left out", self.here));
                continue;
            };
            // conditions are a set too
            let cfg_blocks = self
                .cfg
                .and_then(|c| c.get("condition"))
                .and_then(Value::as_array);
            let cfg = cfg_blocks
                .filter(|c| c.len() == 1 && blocks.len() == 1)
                .and_then(|c| c.first());
            let values = self.strings(self.items(b, unk, cfg, "values"), "values", true);
            let per_test = out.entry(test.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(m) = per_test {
                let slot = m.entry(variable.to_string()).or_insert_with(|| json!([]));
                if let Value::Array(list) = slot {
                    list.extend(values.into_iter().map(Value::String));
                }
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }
}
