//! Attribute values of the plan's resources, as the builder needs them: documents, strings,
//! lists, tags; each known after apply, or noted.

use overreach_snapshot::{PermissionsBoundary, PolicyDocument, Tag};
use serde_json::Value;

use super::{Builder, Doc};
use crate::terraform::resolve::{Val, root_references};
use crate::{IacError, NoteKind, unresolved};

impl Builder<'_, '_, '_> {
    // -- attribute values ------------------------------------------------------------------

    /// A policy document attribute (`policy`, `assume_role_policy`).
    pub(super) fn document(&mut self, i: usize, attr: &str) -> Result<Doc, IacError> {
        let in_plan = self
            .r
            .plan
            .instances
            .get(i)
            .is_some_and(|x| x.unknown(attr).is_none());
        let text = match self.r.attr(i, attr) {
            Val::Known(Value::String(s)) if s.trim().is_empty() => return Ok(Doc::Absent),
            Val::Known(Value::String(s)) => s,
            Val::Known(v @ Value::Object(_)) => return Ok(Doc::Known(PolicyDocument(v))),
            Val::Known(v) => return Err(self.type_error(i, attr, "a string of JSON", &v)),
            Val::Unknown(what) => return Ok(Doc::Unknown(what)),
            Val::Absent => return Ok(Doc::Absent),
        };
        match PolicyDocument::from_api_text(&text) {
            Ok(doc) => Ok(Doc::Known(doc)),
            Err(e) if in_plan => Err(self.error(i, format!("`{}`: `{attr}` is not a valid policy document ({e}); fix the JSON in the configuration", self.address(i)))),
            // reached through a reference: the expression may wrap the value (the plan has no
            // expression text), so this is not the user's error
            Err(_) => Ok(Doc::Unknown(self.r.single_reference(i, attr).unwrap_or_else(|| format!("{}.{attr}", self.address(i))))),
        }
    }

    pub(super) fn unknown_doc(&mut self, i: usize, attr: &str, what: &str) {
        let address = self.address(i);
        self.note(i, NoteKind::Unresolved, format!("`{attr}` of `{address}` is known only after apply (it depends on `{what}`): its grants are not analysed"));
    }

    /// A string attribute; `None` (with a note) when known only after apply.
    pub(super) fn string(&mut self, i: usize, attr: &str) -> Result<Option<String>, IacError> {
        match self.r.attr(i, attr) {
            Val::Known(Value::String(s)) => Ok(Some(s)),
            Val::Known(v) => Err(self.type_error(i, attr, "a string", &v)),
            Val::Unknown(what) => {
                let address = self.address(i);
                self.note(i, NoteKind::Unresolved, format!("`{attr}` of `{address}` is known only after apply (it depends on `{what}`): the resource is left out"));
                Ok(None)
            }
            Val::Absent => Ok(None),
        }
    }

    /// A list of strings; elements known only after apply are followed through the
    /// expression's references when as many resolve as are missing, else noted and left out.
    pub(super) fn list(&mut self, i: usize, attr: &str) -> Result<Vec<String>, IacError> {
        let Some(inst) = self.r.plan.instances.get(i) else {
            return Ok(Vec::new());
        };
        let marker = inst.unknown(attr);
        let values: Vec<&Value> = match (inst.value(attr), marker) {
            (_, Some(Value::Bool(true))) | (None, _) => Vec::new(),
            (Some(Value::Array(a)), _) => a.iter().collect(),
            (Some(v), _) => return Err(self.type_error(i, attr, "a list of strings", v)),
        };
        let mut out = Vec::new();
        let mut missing = usize::from(marker == Some(&Value::Bool(true)));
        for (j, v) in values.iter().enumerate() {
            match (marker.and_then(|m| m.get(j)), v) {
                (Some(Value::Bool(true)), _) | (_, Value::Null) => missing += 1,
                (_, Value::String(s)) => out.push(s.clone()),
                (_, v) => return Err(self.type_error(i, attr, "a list of strings", v)),
            }
        }
        if missing == 0 {
            return Ok(out);
        }
        let roots = self
            .r
            .plan
            .expressions(inst)
            .and_then(|e| e.get(attr))
            .map(root_references)
            .unwrap_or_default();
        let mut found = Vec::new();
        for root in &roots {
            match self.r.reference(&inst.module, root, 1) {
                Val::Known(Value::String(s)) if !out.contains(&s) => found.push(s),
                Val::Known(Value::Array(a))
                    if roots.len() == 1 && marker == Some(&Value::Bool(true)) =>
                {
                    found.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
                }
                _ => {}
            }
        }
        if found.len() == missing
            || (marker == Some(&Value::Bool(true)) && roots.len() == 1 && !found.is_empty())
        {
            out.extend(found);
        } else {
            let address = self.address(i);
            let what = if roots.is_empty() {
                format!("{address}.{attr}")
            } else {
                roots.join("`, `")
            };
            self.note(i, NoteKind::Unresolved, format!("elements of `{attr}` of `{address}` are known only after apply (they depend on `{what}`): they are left out"));
        }
        Ok(out)
    }

    pub(super) fn boundary(&mut self, i: usize) -> Result<Option<PermissionsBoundary>, IacError> {
        Ok(self
            .string(i, "permissions_boundary")?
            .filter(|s| !s.is_empty())
            .map(|arn| PermissionsBoundary {
                permissions_boundary_type: Some("Policy".into()),
                permissions_boundary_arn: arn,
            }))
    }

    /// `tags_all` (with the provider's default tags) when known, else `tags`.
    pub(super) fn tags(&mut self, i: usize) -> Result<Vec<Tag>, IacError> {
        let value = match self.r.attr(i, "tags_all") {
            Val::Known(v) => v,
            _ => match self.r.attr(i, "tags") {
                Val::Known(v) => v,
                _ => return Ok(Vec::new()),
            },
        };
        let Value::Object(map) = &value else {
            return Err(self.type_error(i, "tags", "a map of strings", &value));
        };
        Ok(map
            .iter()
            .map(|(k, v)| Tag {
                key: k.clone(),
                value: v.as_str().map_or_else(|| v.to_string(), str::to_string),
            })
            .collect())
    }

    /// The `inline_policy` blocks of a role: `(name, document)`.
    pub(super) fn inline_blocks(
        &mut self,
        i: usize,
    ) -> Result<Vec<(String, PolicyDocument)>, IacError> {
        let Some(inst) = self.r.plan.instances.get(i) else {
            return Ok(Vec::new());
        };
        let Some(Value::Array(blocks)) = inst.value("inline_policy") else {
            return Ok(Vec::new());
        };
        let marker = inst.unknown("inline_policy");
        let address = inst.address.clone();
        let mut out = Vec::new();
        for (j, b) in blocks.iter().enumerate() {
            let unk = marker.and_then(|m| m.get(j));
            let name = b.get("name").and_then(Value::as_str).unwrap_or_default();
            let policy = b.get("policy").and_then(Value::as_str).unwrap_or_default();
            if unk.and_then(|u| u.get("name")) == Some(&Value::Bool(true))
                || unk.and_then(|u| u.get("policy")) == Some(&Value::Bool(true))
            {
                let what = format!("{address}.inline_policy[{j}]");
                self.unknown_doc(i, "inline_policy", &what);
                let name = if name.is_empty() {
                    what.clone()
                } else {
                    name.to_string()
                };
                out.push((name, PolicyDocument(Value::String(unresolved(&what)))));
                continue;
            }
            if name.is_empty() && policy.trim().is_empty() {
                continue;
            }
            let doc = PolicyDocument::from_api_text(policy).map_err(|e| self.error(i, format!("`{address}`: `inline_policy` `{name}` is not a valid policy document ({e}); fix the JSON in the configuration")))?;
            out.push((name.to_string(), doc));
        }
        Ok(out)
    }

    pub(super) fn configured(&self, i: usize, attr: &str) -> bool {
        self.r
            .plan
            .instances
            .get(i)
            .and_then(|inst| self.r.plan.expressions(inst))
            .is_some_and(|e| e.contains_key(attr))
    }

    /// Whether an optional-and-computed attribute (`inline_policy`, `managed_policy_arns` of a
    /// role) is set in the configuration: when it is not, its planned value is what AWS
    /// reported before the plan, which the plan's own attachment resources (maybe being
    /// deleted) already describe. Without a configuration in the plan, the value is all there is.
    pub(super) fn exclusive(&self, i: usize, attr: &str) -> bool {
        let inst = self.r.plan.instances.get(i);
        match inst.and_then(|inst| self.r.plan.expressions(inst)) {
            Some(e) => e.contains_key(attr),
            None => true,
        }
    }
}
