//! Values after apply: the planned value when Terraform knows it, else what the configuration's
//! `references` lead to (another resource's known or computable attribute, a module output, an
//! input variable), else unknown, with what it depends on.
//!
//! INVARIANT: a reference is followed only when it is the expression's single root reference
//! (all others being its own prefixes); an expression mixing several values is unknown. The
//! plan JSON has no expression text, so `"${aws_iam_role.x.arn}/*"` and `aws_iam_role.x.arn`
//! look alike: callers follow references only for whole attributes that hold one value (names,
//! ARNs, documents), never for parts of a policy's `Resource` or `Condition`.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::plan::{ModStep, Plan, closing_bracket, prefix};
use super::snap::{iam_arn, normal_path};
use crate::{NoteKind, Settings};

/// A value after apply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Known(Value),
    /// Known only after apply; the text says what it depends on.
    Unknown(String),
    Absent,
}

/// A built document and, for each of its statements, the index of the statement block it
/// came from (`None`: from a source or override document).
pub(crate) type Built = (Val, Vec<Option<usize>>);

/// How deep references may chain (a cycle cannot happen in a valid plan; this bounds a
/// hostile one).
const MAX_DEPTH: usize = 24;

/// Resolves attributes of a plan's instances.
#[derive(Debug)]
pub(crate) struct Resolver<'p, 'a> {
    pub(crate) plan: &'p Plan<'a>,
    pub(crate) partition: String,
    pub(crate) account: String,
    /// Notes raised while resolving, by instance: kept apart so resolution stays `&self`.
    pub(crate) notes: RefCell<BTreeSet<(usize, NoteKind, String)>>,
    /// Policy documents built from `aws_iam_policy_document` blocks, with the block index of
    /// each statement (`None`: it came from another document).
    pub(crate) built: RefCell<HashMap<usize, Built>>,
}

impl<'p, 'a> Resolver<'p, 'a> {
    pub(crate) fn new(plan: &'p Plan<'a>, settings: &Settings) -> Self {
        let known = |rtype: &str, attr: &str| {
            plan.instances
                .iter()
                .filter(|i| i.data && i.rtype == rtype && i.unknown(attr).is_none())
                .find_map(|i| i.value(attr).and_then(Value::as_str))
                .map(str::to_string)
        };
        Resolver {
            plan,
            partition: known("aws_partition", "partition")
                .unwrap_or_else(|| settings.partition.clone()),
            account: known("aws_caller_identity", "account_id")
                .unwrap_or_else(|| settings.account_id.clone()),
            notes: RefCell::new(BTreeSet::new()),
            built: RefCell::new(HashMap::new()),
        }
    }

    pub(crate) fn note(&self, i: usize, kind: NoteKind, message: String) {
        self.notes.borrow_mut().insert((i, kind, message));
    }

    /// Attribute `attr` of instance `i` after apply.
    pub(crate) fn attr(&self, i: usize, attr: &str) -> Val {
        self.attr_at(i, attr, 0)
    }

    fn attr_at(&self, i: usize, attr: &str, depth: usize) -> Val {
        let Some(inst) = self.plan.instances.get(i) else {
            return Val::Absent;
        };
        if depth > MAX_DEPTH {
            return Val::Unknown(format!("{}.{attr}", inst.address));
        }
        let unknown = inst.unknown(attr).is_some();
        if !unknown && let Some(v) = inst.value(attr) {
            return Val::Known(v.clone());
        }
        let entity = entity_kind(inst.rtype).filter(|_| !inst.data);
        match (entity, attr) {
            (Some(_), "name") => return Val::Known(Value::String(self.name_at(i, depth).0)),
            (Some("policy"), "id" | "arn") | (Some(_), "arn") => {
                return match self.arn_at(i, depth) {
                    Some(arn) => Val::Known(Value::String(arn)),
                    None => Val::Unknown(format!("{}.{attr}", inst.address)),
                };
            }
            (Some(_), "id") => return Val::Known(Value::String(self.name_at(i, depth).0)),
            _ => {}
        }
        if inst.data
            && inst.rtype == "aws_iam_policy_document"
            && matches!(attr, "json" | "minified_json")
        {
            return self.policy_document(i, depth);
        }
        if !unknown {
            return Val::Absent;
        }
        match self.plan.expressions(inst).and_then(|e| e.get(attr)) {
            Some(expr) => self.expr(&inst.module, expr, depth + 1),
            None => Val::Unknown(format!("{}.{attr}", inst.address)),
        }
    }

    /// The name of a user, group, role, policy or instance profile after apply, and whether
    /// it is a stand-in: when Terraform picks the name at apply (`name_prefix`, or no name),
    /// the resource address is used, so every reference to it still meets.
    pub(crate) fn name_of(&self, i: usize) -> (String, bool) {
        self.name_at(i, 0)
    }

    fn name_at(&self, i: usize, depth: usize) -> (String, bool) {
        let Some(inst) = self.plan.instances.get(i) else {
            return (String::new(), true);
        };
        if inst.unknown("name").is_none()
            && let Some(name) = inst.value("name").and_then(Value::as_str)
        {
            return (name.to_string(), false);
        }
        let configured = self.plan.expressions(inst).and_then(|e| e.get("name"));
        if let Some(expr) = configured
            && depth < MAX_DEPTH
            && let Val::Known(Value::String(name)) = self.expr(&inst.module, expr, depth + 1)
        {
            return (name, false);
        }
        (inst.address.clone(), true)
    }

    /// The IAM path of instance `i` (`/` when not set); `None` when known only after apply.
    pub(crate) fn path_of(&self, i: usize) -> Option<String> {
        let inst = self.plan.instances.get(i)?;
        if inst.unknown("path").is_none() {
            return Some(normal_path(
                inst.value("path").and_then(Value::as_str).unwrap_or("/"),
            ));
        }
        match self.plan.expressions(inst).and_then(|e| e.get("path")) {
            Some(expr) => match self.expr(&inst.module, expr, 1) {
                Val::Known(Value::String(p)) => Some(normal_path(&p)),
                _ => None,
            },
            // not configured: the provider's default
            None => Some("/".into()),
        }
    }

    fn arn_at(&self, i: usize, depth: usize) -> Option<String> {
        let inst = self.plan.instances.get(i)?;
        let kind = entity_kind(inst.rtype)?;
        let path = self.path_of(i)?;
        let (name, _) = self.name_at(i, depth);
        Some(iam_arn(&self.partition, &self.account, kind, &path, &name))
    }

    /// The value of a configured expression evaluated in module `module`.
    pub(crate) fn expr(&self, module: &[ModStep], expr: &Value, depth: usize) -> Val {
        if let Some(c) = expr.get("constant_value") {
            return if c.is_null() {
                Val::Absent
            } else {
                Val::Known(c.clone())
            };
        }
        let roots = root_references(expr);
        match roots.as_slice() {
            [only] => self.reference(module, only, depth),
            [] => Val::Unknown("an expression without references".into()),
            many => Val::Unknown(many.join(", ")),
        }
    }

    /// The single root reference of a configured attribute of instance `i`, if it has one.
    pub(crate) fn single_reference(&self, i: usize, attr: &str) -> Option<String> {
        let inst = self.plan.instances.get(i)?;
        let expr = self.plan.expressions(inst)?.get(attr)?;
        let roots = root_references(expr);
        match roots.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    }

    /// What a reference (`aws_iam_role.x.arn`, `var.name`, `module.m.out`) evaluates to.
    pub(crate) fn reference(&self, module: &[ModStep], r: &str, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            return Val::Unknown(r.into());
        }
        let unknown = || Val::Unknown(r.to_string());
        if let Some(rest) = r.strip_prefix("var.") {
            if rest.contains(['.', '[']) {
                return unknown();
            }
            let Some((last, parent)) = module.split_last() else {
                return self
                    .plan
                    .variable(rest)
                    .map_or_else(unknown, |v| Val::Known(v.clone()));
            };
            let call = self.plan.module_call(parent, &last.call);
            if let Some(expr) = call
                .and_then(|c| c.get("expressions"))
                .and_then(|e| e.get(rest))
            {
                return self.expr(parent, expr, depth + 1);
            }
            // not set by the caller: the variable's default
            return self
                .plan
                .config_module(module)
                .and_then(|m| m.get("variables")?.get(rest)?.get("default"))
                .map_or_else(unknown, |v| Val::Known(v.clone()));
        }
        if let Some(rest) = r.strip_prefix("module.") {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let call = &rest[..end];
            let mut after = &rest[end..];
            let mut key = None;
            if after.starts_with('[') {
                let Some(close) = closing_bracket(after) else {
                    return unknown();
                };
                key = Some(after[1..close].to_string());
                after = &after[close + 1..];
            }
            let Some(output) = after.strip_prefix('.').filter(|o| !o.contains(['.', '['])) else {
                return unknown();
            };
            let Some(mc) = self.plan.module_call(module, call) else {
                return unknown();
            };
            let repeated =
                mc.contains_key("count_expression") || mc.contains_key("for_each_expression");
            if repeated != key.is_some() {
                return unknown();
            }
            let mut child = module.to_vec();
            child.push(ModStep {
                call: call.into(),
                key,
            });
            let expr = mc
                .get("module")
                .and_then(|m| m.get("outputs")?.get(output)?.get("expression"));
            return match expr {
                Some(expr) => self.expr(&child, expr, depth + 1),
                None => unknown(),
            };
        }
        let Some((resource, attr)) = split_resource_reference(r) else {
            return unknown();
        };
        let address = format!("{}{resource}", prefix(module));
        match self.plan.by_address.get(&address) {
            Some(&i) => match self.attr_at(i, attr, depth + 1) {
                Val::Unknown(_) => unknown(),
                v => v,
            },
            None => unknown(),
        }
    }

    /// The data source a policy attribute takes its document from
    /// (`policy = data.aws_iam_policy_document.x.json`), for statement locations.
    pub(crate) fn document_source(&self, i: usize, attr: &str) -> Option<usize> {
        let inst = self.plan.instances.get(i)?;
        let r = self.single_reference(i, attr)?;
        let (resource, a) = split_resource_reference(&r)?;
        if !resource.starts_with("data.aws_iam_policy_document.")
            || !matches!(a, "json" | "minified_json")
        {
            return None;
        }
        self.plan
            .by_address
            .get(&format!("{}{resource}", prefix(&inst.module)))
            .copied()
    }
}

/// `role`, `user`, `group`, `policy`, `instance-profile`: the ARN kind of a resource type
/// whose ARN overreach computes.
pub(crate) fn entity_kind(rtype: &str) -> Option<&'static str> {
    match rtype {
        "aws_iam_role" => Some("role"),
        "aws_iam_user" => Some("user"),
        "aws_iam_group" => Some("group"),
        "aws_iam_policy" => Some("policy"),
        "aws_iam_instance_profile" => Some("instance-profile"),
        _ => None,
    }
}

/// The references of an expression that are not prefixes of another one (Terraform lists
/// `a.b.c`, `a.b` and `a` for one use of `a.b.c`).
pub(crate) fn root_references(expr: &Value) -> Vec<String> {
    let refs: Vec<&str> = expr
        .get("references")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out: Vec<String> = refs
        .iter()
        .filter(|r| {
            !refs.iter().any(|other| {
                other.len() > r.len()
                    && other.starts_with(**r)
                    && matches!(other.as_bytes()[r.len()], b'.' | b'[')
            })
        })
        .map(|r| (*r).to_string())
        .collect();
    out.dedup();
    out
}

/// Splits `data.T.N[0].attr` / `T.N.attr` into the resource instance part and a single
/// attribute; `None` for anything else (no attribute, nested attribute paths).
pub(crate) fn split_resource_reference(r: &str) -> Option<(&str, &str)> {
    let skip = if r.starts_with("data.") { 3 } else { 2 };
    let mut dots = 0;
    let mut end = None;
    let mut i = 0;
    let bytes = r.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'[' => i += closing_bracket(&r[i..])?,
            b'.' => {
                dots += 1;
                if dots == skip {
                    end = Some(i);
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let end = end?;
    let attr = &r[end + 1..];
    if attr.is_empty() || attr.contains(['.', '[']) {
        return None;
    }
    // local names and the keywords Terraform uses for non-resource references
    let first = &r[..r.find('.')?];
    if matches!(
        first,
        "local" | "each" | "count" | "path" | "terraform" | "self" | "var" | "module"
    ) {
        return None;
    }
    Some((&r[..end], attr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn root_references_drop_implied_prefixes() {
        let e = json!({"references": ["aws_iam_role.x.name", "aws_iam_role.x", "data.a.b[0].json", "data.a.b[0]", "data.a.b"]});
        assert_eq!(
            root_references(&e),
            vec!["aws_iam_role.x.name", "data.a.b[0].json"]
        );
    }

    #[test]
    fn resource_references_split() {
        assert_eq!(
            split_resource_reference("aws_iam_role.x.arn"),
            Some(("aws_iam_role.x", "arn"))
        );
        assert_eq!(
            split_resource_reference(r#"data.aws_iam_policy_document.d["a.b"].json"#),
            Some((r#"data.aws_iam_policy_document.d["a.b"]"#, "json"))
        );
        assert_eq!(split_resource_reference("aws_iam_role.x"), None);
        assert_eq!(split_resource_reference("aws_iam_role.x.tags.k"), None);
        assert_eq!(split_resource_reference("local.x.y"), None);
        assert_eq!(split_resource_reference("each.value.arn"), None);
    }
}
