//! Where the builder's resources are written, and the notes and errors placed there.

use overreach_snapshot::PolicyDocument;
use serde_json::Value;

use super::Builder;
use crate::terraform::hcl::{self, Hints, TfBlock};
use crate::{IacError, Location, Note, NoteKind, PolicyLocation};

impl Builder<'_, '_, '_> {
    // -- locations, notes, errors ------------------------------------------------------------

    pub(super) fn address(&self, i: usize) -> String {
        self.r
            .plan
            .instances
            .get(i)
            .map(|x| x.address.clone())
            .unwrap_or_default()
    }

    pub(super) fn tf_block(&self, i: usize) -> Option<TfBlock> {
        if self.sources.is_empty() {
            return None;
        }
        if let Some(b) = self.tf.borrow().get(&i) {
            return b.clone();
        }
        let inst = self.r.plan.instances.get(i)?;
        let calls: Vec<String> = inst.module.iter().map(|s| s.call.clone()).collect();
        let hints = Hints {
            plan_dir: self.plan_dir.clone(),
            module_source: self.module_sources.get(&calls).cloned(),
        };
        let index = self.tf_index.get_or_init(|| hcl::index(self.sources));
        let found = hcl::find_in(index, &inst.address, &hints);
        self.tf.borrow_mut().insert(i, found.clone());
        found
    }

    /// Where instance `i` is written: its `.tf` block, else its address in the plan.
    pub(super) fn loc(&self, i: usize) -> Location {
        if let Some(b) = self.tf_block(i) {
            return b.at;
        }
        let (line, column) = self
            .r
            .plan
            .instances
            .get(i)
            .map_or((0, 0), |x| (x.line, x.column));
        Location {
            file: self.file.to_string(),
            line,
            column,
        }
    }

    /// Where a policy attribute of `i` is written; its statements are located in the
    /// `aws_iam_policy_document` it comes from, when it comes from one.
    pub(super) fn policy_location(
        &self,
        i: usize,
        attr: &str,
        doc: &PolicyDocument,
    ) -> PolicyLocation {
        let at = self.loc(i);
        let Some(ds) = self.r.document_source(i, attr) else {
            return PolicyLocation {
                at,
                statements: Vec::new(),
            };
        };
        let count = match doc.value().get("Statement") {
            Some(Value::Array(a)) => a.len(),
            Some(_) => 1,
            None => 0,
        };
        let origins = self.r.built_origins(ds).unwrap_or_else(|| {
            let inst = self.r.plan.instances.get(ds);
            let merged = ["source_policy_documents", "override_policy_documents"]
                .iter()
                .any(|a| {
                    inst.and_then(|x| x.value(a))
                        .and_then(Value::as_array)
                        .is_some_and(|l| !l.is_empty())
                });
            let blocks = inst
                .and_then(|x| x.value("statement"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if merged || blocks != count {
                vec![None; count]
            } else {
                (0..count).map(Some).collect()
            }
        });
        let block = self.tf_block(ds).filter(|b| !b.dynamic_statements);
        let fallback = self.loc(ds);
        let statements = origins
            .iter()
            .map(|o| {
                o.and_then(|k| block.as_ref().and_then(|b| b.statements.get(k).cloned()))
                    .unwrap_or_else(|| fallback.clone())
            })
            .collect();
        PolicyLocation { at, statements }
    }

    pub(super) fn note(&mut self, i: usize, kind: NoteKind, message: String) {
        let location = self.loc(i);
        let note = Note {
            kind,
            location,
            message,
        };
        if !self.set.notes.contains(&note) {
            self.set.notes.push(note);
        }
    }

    pub(super) fn error(&self, i: usize, message: String) -> IacError {
        let (line, column) = self
            .r
            .plan
            .instances
            .get(i)
            .map_or((0, 0), |x| (x.line, x.column));
        IacError {
            file: self.file.to_string(),
            line,
            column,
            message,
        }
    }

    pub(super) fn type_error(
        &self,
        i: usize,
        attr: &str,
        expected: &str,
        found: &Value,
    ) -> IacError {
        let kind = match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        self.error(i, format!("`{}`: `{attr}` must be {expected}, found {kind}; this plan was not written by `terraform show -json`", self.address(i)))
    }
}
