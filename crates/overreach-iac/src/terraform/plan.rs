//! The plan's resource instances in their after-apply view, with their configuration and the
//! line of each in the plan file.
//!
//! Terraform's plan JSON spreads one resource over three places: `planned_values` (known
//! after-apply values; deleted resources are already left out), `resource_changes` (the
//! actions, and `after_unknown`: which values are known only after apply) and `prior_state`
//! (data sources read while planning, and resources a `-target` plan left alone). The
//! `configuration` holds the unevaluated expressions, whose `references` resolve unknowns.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::jsonpos::{self, Pos, Seg};
use crate::IacError;

/// One module call step of an instance's module path: `module.NAME[KEY]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModStep {
    pub(crate) call: String,
    /// The instance key as written between the brackets (`0`, `"a"`), if any.
    pub(crate) key: Option<String>,
}

/// A module instance path: the root is empty.
pub(crate) type ModPath = Vec<ModStep>;

/// `module.a["k"].module.b.` (with the trailing dot), or empty for the root.
pub(crate) fn prefix(path: &[ModStep]) -> String {
    let mut out = String::new();
    for step in path {
        out.push_str("module.");
        out.push_str(&step.call);
        if let Some(key) = &step.key {
            out.push('[');
            out.push_str(key);
            out.push(']');
        }
        out.push('.');
    }
    out
}

/// Splits a module address (`module.a["x.y"].module.b`) into steps; `None` when it is not one.
pub(crate) fn parse_module_address(address: &str) -> Option<ModPath> {
    let mut out = Vec::new();
    let mut rest = address;
    while !rest.is_empty() {
        rest = rest.strip_prefix("module.")?;
        let end = rest.find(['[', '.']).unwrap_or(rest.len());
        let call = rest[..end].to_string();
        rest = &rest[end..];
        let mut key = None;
        if rest.starts_with('[') {
            let close = closing_bracket(rest)?;
            key = Some(rest[1..close].to_string());
            rest = &rest[close + 1..];
        }
        out.push(ModStep { call, key });
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The index of the `]` closing the `[` at the start of `text`, skipping quoted strings.
pub(crate) fn closing_bracket(text: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

/// One resource instance as it will be after apply.
#[derive(Debug)]
pub(crate) struct Instance<'a> {
    /// The full address, `module.iam.aws_iam_role.x["a"]`.
    pub(crate) address: String,
    pub(crate) module: ModPath,
    pub(crate) data: bool,
    pub(crate) rtype: &'a str,
    pub(crate) name: &'a str,
    pub(crate) values: Option<&'a Map<String, Value>>,
    /// `after_unknown` of its change, when it has one.
    pub(crate) unknown: Option<&'a Value>,
    /// 1-based line and column of its `"address"` value in the plan file (0 when not found):
    /// `terraform show -json` writes one line, so the column matters.
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl<'a> Instance<'a> {
    /// The planned value of a top-level attribute (null and absent are the same).
    pub(crate) fn value(&self, attr: &str) -> Option<&'a Value> {
        self.values
            .and_then(|v| v.get(attr))
            .filter(|v| !v.is_null())
    }

    /// The `after_unknown` marker of a top-level attribute: `true`, or a structure of
    /// markers when only parts are unknown.
    pub(crate) fn unknown(&self, attr: &str) -> Option<&'a Value> {
        self.unknown
            .and_then(|u| u.get(attr))
            .filter(|u| !matches!(u, Value::Bool(false) | Value::Null))
    }
}

/// A parsed plan.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub(crate) root: &'a Map<String, Value>,
    pub(crate) instances: Vec<Instance<'a>>,
    pub(crate) by_address: HashMap<String, usize>,
}

impl<'a> Plan<'a> {
    /// Reads the instances out of a parsed plan (`whole`), `text` being its source.
    pub(crate) fn new(path: &str, text: &str, whole: &'a Value) -> Result<Self, IacError> {
        let lines = address_lines(text);
        let Some(root) = whole.as_object() else {
            return Err(type_error(
                path,
                &lines,
                "",
                "the plan must be a JSON object",
            ));
        };
        let mut plan = Plan {
            root,
            instances: Vec::new(),
            by_address: HashMap::new(),
        };
        let mut changes: HashMap<&str, &'a Value> = HashMap::new();
        let mut order: Vec<(&str, &'a Value, usize)> = Vec::new();
        let mut deleted: HashSet<&str> = HashSet::new();
        if let Some(rc) = root.get("resource_changes") {
            let list = rc.as_array().ok_or_else(|| {
                type_error(
                    path,
                    &lines,
                    "resource_changes",
                    "`resource_changes` must be an array",
                )
            })?;
            for (i, change) in list.iter().enumerate() {
                // deposed objects are on their way out whatever happens
                if change.get("deposed").is_some() {
                    continue;
                }
                let Some(address) = change.get("address").and_then(Value::as_str) else {
                    continue;
                };
                let actions: Vec<&str> = change
                    .pointer("/change/actions")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if actions.contains(&"delete") && !actions.contains(&"create") {
                    deleted.insert(address);
                }
                changes.insert(address, change);
                order.push((address, change, i));
            }
        }
        for section in ["planned_values/root_module", "values/root_module"] {
            // `values`: a state file (`terraform show -json` without a plan) is its own
            // after-apply view
            if let Some(module) = whole.pointer(&format!("/{section}")) {
                plan.walk(path, &lines, module, section, &changes, &deleted)?;
            }
        }
        // changes planned_values lacks (it should list every one that is not a delete)
        for (address, change, i) in order {
            if plan.by_address.contains_key(address) || deleted.contains(address) {
                continue;
            }
            let at = format!("resource_changes/{i}");
            let unknown = change.pointer("/change/after_unknown");
            let inst = instance(
                path,
                &lines,
                change,
                change.pointer("/change/after"),
                &at,
                unknown,
            )?;
            plan.push(inst);
        }
        if let Some(module) = whole.pointer("/prior_state/values/root_module") {
            // only what the plan does not change: data sources read while planning, and
            // resources a `-target` plan left out
            let mut skip = deleted;
            skip.extend(changes.keys().copied());
            plan.walk(
                path,
                &lines,
                module,
                "prior_state/values/root_module",
                &HashMap::new(),
                &skip,
            )?;
        }
        Ok(plan)
    }

    fn walk(
        &mut self,
        path: &str,
        lines: &HashMap<String, Pos>,
        module: &'a Value,
        at: &str,
        changes: &HashMap<&str, &'a Value>,
        skip: &HashSet<&str>,
    ) -> Result<(), IacError> {
        if let Some(resources) = module.get("resources") {
            let list = resources.as_array().ok_or_else(|| {
                let message = format!("`{}.resources` must be an array", at.replace('/', "."));
                type_error(path, lines, at, &message)
            })?;
            for (i, r) in list.iter().enumerate() {
                let here = format!("{at}/resources/{i}");
                let address = r.get("address").and_then(Value::as_str).unwrap_or_default();
                if skip.contains(address) || self.by_address.contains_key(address) {
                    continue;
                }
                let unknown = changes
                    .get(address)
                    .and_then(|c| c.pointer("/change/after_unknown"));
                let inst = instance(path, lines, r, r.get("values"), &here, unknown)?;
                self.push(inst);
            }
        }
        if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
            for (i, child) in children.iter().enumerate() {
                let here = format!("{at}/child_modules/{i}");
                self.walk(path, lines, child, &here, changes, skip)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, inst: Instance<'a>) {
        self.by_address
            .insert(inst.address.clone(), self.instances.len());
        self.instances.push(inst);
    }

    /// The configuration of a module (`configuration.root_module`, then `module_calls`).
    pub(crate) fn config_module(&self, path: &[ModStep]) -> Option<&'a Map<String, Value>> {
        let mut module = self.root.get("configuration")?.get("root_module")?;
        for step in path {
            module = module.get("module_calls")?.get(&step.call)?.get("module")?;
        }
        module.as_object()
    }

    /// The module call `call` made from the module at `path`.
    pub(crate) fn module_call(
        &self,
        path: &[ModStep],
        call: &str,
    ) -> Option<&'a Map<String, Value>> {
        self.config_module(path)?
            .get("module_calls")?
            .get(call)?
            .as_object()
    }

    /// The configured expressions of an instance's resource block.
    pub(crate) fn expressions(&self, inst: &Instance<'_>) -> Option<&'a Map<String, Value>> {
        let module = self.config_module(&inst.module)?;
        let mode = if inst.data { "data" } else { "managed" };
        module
            .get("resources")?
            .as_array()?
            .iter()
            .find(|r| {
                r.get("type").and_then(Value::as_str) == Some(inst.rtype)
                    && r.get("name").and_then(Value::as_str) == Some(inst.name)
                    && r.get("mode").and_then(Value::as_str).unwrap_or("managed") == mode
            })?
            .get("expressions")?
            .as_object()
    }

    /// The root module's input variable values (`variables.NAME.value`).
    pub(crate) fn variable(&self, name: &str) -> Option<&'a Value> {
        self.root.get("variables")?.get(name)?.get("value")
    }

    /// The local source directories of module calls, by module path (`./modules/iam`).
    pub(crate) fn module_sources(&self) -> BTreeMap<Vec<String>, String> {
        let mut out = BTreeMap::new();
        if let Some(root) = self.config_module(&[]) {
            collect_sources(root, &mut Vec::new(), &mut out);
        }
        out
    }
}

fn collect_sources(
    module: &Map<String, Value>,
    path: &mut Vec<String>,
    out: &mut BTreeMap<Vec<String>, String>,
) {
    let Some(calls) = module.get("module_calls").and_then(Value::as_object) else {
        return;
    };
    for (name, call) in calls {
        path.push(name.clone());
        if let Some(source) = call.get("source").and_then(Value::as_str) {
            out.insert(path.clone(), source.to_string());
        }
        if let Some(child) = call.get("module").and_then(Value::as_object) {
            collect_sources(child, path, out);
        }
        path.pop();
    }
}

/// The lines of every resource's `"address"` and of `format_version`, by JSON path
/// (`planned_values/root_module/resources/0`).
pub(crate) fn address_lines(text: &str) -> HashMap<String, Pos> {
    let mut out = HashMap::new();
    let _ = jsonpos::scan(text, &mut |path, pos, _| {
        let n = path.len();
        let is_address =
            n >= 2 && path[n - 1] == Seg::Key("address") && matches!(path[n - 2], Seg::Index(_));
        if is_address || path == [Seg::Key("format_version")] {
            let key: Vec<String> = path[..n.saturating_sub(usize::from(is_address))]
                .iter()
                .map(|s| match s {
                    Seg::Key(k) => (*k).to_string(),
                    Seg::Index(i) => i.to_string(),
                })
                .collect();
            out.insert(key.join("/"), pos);
        }
    });
    out
}

fn instance<'a>(
    path: &str,
    lines: &HashMap<String, Pos>,
    r: &'a Value,
    values: Option<&'a Value>,
    at: &str,
    unknown: Option<&'a Value>,
) -> Result<Instance<'a>, IacError> {
    let (line, column) = lines.get(at).map_or((0, 0), |p| (p.line, p.column));
    let field = |key: &str| -> Result<&'a str, IacError> {
        r.get(key).and_then(Value::as_str).ok_or_else(|| IacError {
            file: path.to_string(),
            line,
            column,
            message: format!(
                "a resource has no string `{key}`; this is not `terraform show -json` output"
            ),
        })
    };
    let address = field("address")?.to_string();
    let rtype = field("type")?;
    let name = field("name")?;
    let data = r.get("mode").and_then(Value::as_str) == Some("data");
    let module_address = r
        .get("module_address")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| module_of(&address));
    let module = parse_module_address(&module_address).unwrap_or_default();
    let values = match values {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            return Err(IacError {
                file: path.to_string(),
                line,
                column,
                message: format!(
                    "`{address}`: `values` must be an object; this is not `terraform show -json` output"
                ),
            });
        }
    };
    Ok(Instance {
        address,
        module,
        data,
        rtype,
        name,
        values,
        unknown,
        line,
        column,
    })
}

/// The module part of a resource instance address (`module.a.module.b` of
/// `module.a.module.b.aws_iam_role.x`).
fn module_of(address: &str) -> String {
    let mut rest = address;
    let mut end = 0;
    while let Some(r) = rest.strip_prefix("module.") {
        let name_end = r.find(['[', '.']).unwrap_or(r.len());
        let mut after = &r[name_end..];
        if after.starts_with('[') {
            match closing_bracket(after) {
                Some(close) => after = &after[close + 1..],
                None => break,
            }
        }
        end = address.len() - after.len();
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None => break,
        }
    }
    address[..end].to_string()
}

fn type_error(path: &str, lines: &HashMap<String, Pos>, at: &str, message: &str) -> IacError {
    IacError {
        file: path.to_string(),
        line: lines.get(at).map_or(0, |p| p.line),
        column: 0,
        message: format!("{message}; this is not `terraform show -json` output"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_addresses_round_trip() {
        let path = parse_module_address(r#"module.a["x.y]"].module.b[0]"#).unwrap();
        assert_eq!(path.len(), 2);
        assert_eq!(path[0].key.as_deref(), Some(r#""x.y]""#));
        assert_eq!(prefix(&path), r#"module.a["x.y]"].module.b[0]."#);
        assert_eq!(parse_module_address("").unwrap(), Vec::new());
        assert!(parse_module_address("aws_iam_role.x").is_none());
    }

    #[test]
    fn module_of_instance_addresses() {
        assert_eq!(module_of("aws_iam_role.x"), "");
        assert_eq!(
            module_of(r#"module.a["k.1"].aws_iam_role.x[0]"#),
            r#"module.a["k.1"]"#
        );
        assert_eq!(
            module_of("module.a.module.b.data.aws_iam_policy_document.d"),
            "module.a.module.b"
        );
    }
}
