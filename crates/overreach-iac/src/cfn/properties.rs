//! Reading the properties of IAM resources: principal lists, policy lists and documents
//! (with the alternatives of `Fn::If` on undetermined conditions), ARNs, boundaries, tags.

use overreach_snapshot::{PermissionsBoundary, Tag};

use crate::cfn::condition_key;
use crate::cfn::eval::{Result, Val, fail};
use crate::cfn::policy::{Doc, document};
use crate::cfn::resources::{Base, Reader};
use crate::cfn::template::Resource;
use crate::model::{Location, NoteKind, PolicyLocation, unresolved};
use crate::tree::{Node, Value};

impl<'a> Reader<'a, '_> {
    /// Principal names in a property (a list, or one name), each with the conditions decided
    /// on the way to it; names the template does not determine are left out, with a note.
    pub(crate) fn names_in(
        &mut self,
        node: Option<&'a Node>,
        base: &Base,
        id: &str,
        kind: &str,
    ) -> Result<Vec<Named>> {
        let mut out = Vec::new();
        let Some(node) = node else { return Ok(out) };
        for (list, decided) in self.branches(node, base)? {
            let items: Vec<(&'a Node, Base)> = match &list.value {
                Value::Seq(items) => {
                    let mut v = Vec::new();
                    for item in items {
                        v.extend(self.branches(item, &decided)?);
                    }
                    v
                }
                _ => vec![(list, decided)],
            };
            for (item, decided) in items {
                let vals = match self.ev.eval(item)? {
                    Val::List(vals) => vals,
                    v => vec![v],
                };
                for v in vals {
                    match v {
                        Val::NoValue | Val::Null => {}
                        v @ (Val::Str(_) | Val::Num(_)) => out.push(Named {
                            name: v.known_text().unwrap_or_default(),
                            decided: decided.clone(),
                            at: self.ev.loc(item),
                        }),
                        _ => self.ev.note(
                            NoteKind::Unresolved,
                            item,
                            format!("`{id}` names a {kind} the template does not determine: nothing is attached to it"),
                        ),
                    }
                }
            }
        }
        Ok(out)
    }

    /// The alternatives of a value that may be a `Fn::If` on an undetermined condition:
    /// each with the conditions decided to reach it (`AWS::NoValue` alternatives dropped).
    pub(crate) fn branches(
        &mut self,
        node: &'a Node,
        base: &Base,
    ) -> Result<Vec<(&'a Node, Base)>> {
        let Some([(k, arg)]) = node.as_map().and_then(|m| <&[_; 1]>::try_from(m).ok()) else {
            return Ok(vec![(node, base.clone())]);
        };
        match (k.as_str(), &arg.value) {
            (Some("Ref"), Value::String(s)) if s == "AWS::NoValue" => Ok(Vec::new()),
            (Some("Fn::If"), Value::Seq(items)) if items.len() == 3 => {
                let Some(name) = items[0].as_str() else {
                    return Ok(vec![(node, base.clone())]);
                };
                let decided = match self.ev.condition(name, &items[0])? {
                    Some(b) => Some(b),
                    None => base.iter().find(|(c, _)| c == name).map(|(_, b)| *b),
                };
                if let Some(b) = decided {
                    return self.branches(&items[if b { 1 } else { 2 }], base);
                }
                self.ev.note(
                    NoteKind::Unresolved,
                    node,
                    format!(
                        "condition `{name}` is not determined by the template: both outcomes are read, statements under the condition key `{}`, attachments kept though one outcome lacks them",
                        condition_key(name)
                    ),
                );
                let mut out = Vec::new();
                for (b, branch) in [(true, &items[1]), (false, &items[2])] {
                    let mut with = base.clone();
                    with.push((name.to_owned(), b));
                    out.extend(self.branches(branch, &with)?);
                }
                Ok(out)
            }
            _ => Ok(vec![(node, base.clone())]),
        }
    }

    /// A policy document, its undetermined `Fn::If` alternatives merged into one.
    pub(crate) fn docs(&mut self, node: &'a Node, base: &Base) -> Result<Option<Doc>> {
        let mut out: Option<Doc> = None;
        for (n, decided) in self.branches(node, base)? {
            if let Some(doc) = document(&mut self.ev, n, &decided)? {
                match &mut out {
                    Some(first) => first.merge(doc),
                    None => out = Some(doc),
                }
            }
        }
        Ok(out)
    }

    /// `Policies` of a role, user or group: `(name, document)` per policy.
    pub(crate) fn inline_list(
        &mut self,
        node: &'a Node,
        base: &Base,
        owner: &str,
    ) -> Result<Vec<(String, Doc)>> {
        let mut out: Vec<(String, Doc)> = Vec::new();
        for (list, decided) in self.branches(node, base)? {
            let Value::Seq(items) = &list.value else {
                return Err(fail(
                    list,
                    format!(
                        "`Policies` of `{owner}` must be a list of maps with `PolicyName` and `PolicyDocument`"
                    ),
                ));
            };
            for item in items {
                for (p, decided) in self.branches(item, &decided)? {
                    let (Some(name), Some(doc)) = (p.get("PolicyName"), p.get("PolicyDocument"))
                    else {
                        return Err(fail(p, "each entry of `Policies` must be a map with `PolicyName` and `PolicyDocument`".into()));
                    };
                    let name = self.text(name)?;
                    let Some(doc) = self.docs(doc, &decided)? else {
                        continue;
                    };
                    match out.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, first)) => first.merge(doc),
                        None => out.push((name, doc)),
                    }
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn locate(&mut self, id: &str, doc: &Doc) {
        self.sink.set.locations.policies.insert(
            id.to_owned(),
            PolicyLocation {
                at: doc.at.clone(),
                statements: doc.statements.clone(),
            },
        );
    }

    /// A string property (unknown parts as `${unresolved:...}`).
    pub(crate) fn text(&mut self, node: &'a Node) -> Result<String> {
        self.ev
            .eval(node)?
            .text()
            .ok_or_else(|| fail(node, format!("expected a string, not {}", node.kind())))
    }

    pub(crate) fn required_text(&mut self, r: &Resource<'a>, prop: &str) -> Result<String> {
        match r.prop(prop) {
            Some(n) => self.text(n),
            None => Err(fail(r.key, format!("`{}` has no `{prop}`; add it", r.id))),
        }
    }

    /// Managed policy ARNs, each at its element. Both outcomes of an undetermined `Fn::If`
    /// are attached (an attachment cannot carry a condition key); an ARN the template does
    /// not determine is attached as `${unresolved:...}`, which the analysis cannot resolve
    /// (the principal is inconclusive).
    pub(crate) fn arn_list(
        &mut self,
        node: Option<&'a Node>,
        base: &Base,
    ) -> Result<Vec<(String, Location)>> {
        let mut out = Vec::new();
        let Some(node) = node else { return Ok(out) };
        for (list, decided) in self.branches(node, base)? {
            let items: Vec<&'a Node> = match &list.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![list],
            };
            for item in items {
                for (element, _) in self.branches(item, &decided)? {
                    let vals = match self.ev.eval(element)? {
                        Val::List(vals) => vals,
                        Val::NoValue => Vec::new(),
                        v => vec![v],
                    };
                    let at = self.ev.loc(element);
                    out.extend(vals.iter().filter_map(Val::text).map(|t| (t, at.clone())));
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn boundary(
        &mut self,
        node: Option<&'a Node>,
    ) -> Result<Option<PermissionsBoundary>> {
        let Some(node) = node else { return Ok(None) };
        Ok(self.ev.eval(node)?.text().map(|arn| PermissionsBoundary {
            permissions_boundary_type: Some("Policy".into()),
            permissions_boundary_arn: arn,
        }))
    }

    pub(crate) fn tags(&mut self, node: Option<&'a Node>) -> Result<Vec<Tag>> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let Val::List(items) = self.ev.eval(node)? else {
            return Ok(Vec::new());
        };
        let text = |v: Option<&Val>| v.and_then(Val::text).unwrap_or_else(|| unresolved("tag"));
        Ok(items
            .iter()
            .filter_map(|t| match t {
                Val::Map(e) => {
                    let get = |k: &str| e.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                    Some(Tag {
                        key: text(get("Key")),
                        value: text(get("Value")),
                    })
                }
                _ => None,
            })
            .collect())
    }
}

/// A principal named in a property (or by ARN), with the conditions decided on the way to it.
#[derive(Debug)]
pub(crate) struct Named {
    pub name: String,
    pub decided: Base,
    pub at: Location,
}

/// A principal name; an ARN given instead of a name yields its last segment.
pub(crate) fn name_of(text: &str) -> String {
    match text.strip_prefix("arn:") {
        Some(_) => overreach_snapshot::name_from_arn(text).to_owned(),
        None => text.to_owned(),
    }
}
