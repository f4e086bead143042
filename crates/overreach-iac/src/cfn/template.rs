//! A template's sections, checked and indexed, with YAML short forms rewritten to long forms.

use std::collections::HashMap;

use crate::tree::{Node, ParseError, Value};

/// One entry of `Resources`.
#[derive(Debug)]
pub(crate) struct Resource<'t> {
    /// The logical id.
    pub id: &'t str,
    /// The logical id's key node: where the resource is reported.
    pub key: &'t Node,
    /// `Type`.
    pub kind: &'t str,
    /// `Properties` (an empty map when absent).
    pub properties: &'t Node,
    /// `Condition`, with its node.
    pub condition: Option<(&'t str, &'t Node)>,
}

impl<'t> Resource<'t> {
    /// The property `name`, unless absent or null.
    pub fn prop(&self, name: &str) -> Option<&'t Node> {
        self.properties
            .get(name)
            .filter(|n| !matches!(n.value, Value::Null))
    }
}

/// The sections the reader uses, indexed by name.
#[derive(Debug)]
pub(crate) struct Template<'t> {
    pub parameters: HashMap<&'t str, &'t Node>,
    pub mappings: HashMap<&'t str, &'t Node>,
    pub conditions: HashMap<&'t str, &'t Node>,
    /// In source order.
    pub resources: Vec<Resource<'t>>,
    /// Logical id → index in `resources`.
    pub by_id: HashMap<&'t str, usize>,
    /// `Transform` (a string or a list), with its key node.
    pub transform: Option<(&'t Node, &'t Node)>,
}

static EMPTY: Node = Node {
    value: Value::Map(Vec::new()),
    line: 0,
    column: 0,
};

fn error(node: &Node, message: String) -> ParseError {
    ParseError::new(node.line, node.column, message)
}

impl<'t> Template<'t> {
    /// Indexes `root` (already desugared), checking the shape of each section.
    pub fn new(root: &'t Node) -> Result<Template<'t>, ParseError> {
        if root.as_map().is_none() {
            return Err(error(
                root,
                format!("a template must be a map, not {}", root.kind()),
            ));
        }
        let section = |name: &str| -> Result<HashMap<&'t str, &'t Node>, ParseError> {
            let Some((key, node)) = root.entry(name) else {
                return Ok(HashMap::new());
            };
            match &node.value {
                Value::Map(entries) => Ok(entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str()?, v)))
                    .collect()),
                Value::Null => Ok(HashMap::new()),
                _ => Err(error(
                    key,
                    format!("`{name}` must be a map, not {}", node.kind()),
                )),
            }
        };
        let parameters = section("Parameters")?;
        let mappings = section("Mappings")?;
        let conditions = section("Conditions")?;
        let mut resources = Vec::new();
        let mut by_id = HashMap::new();
        if let Some((rkey, rnode)) = root.entry("Resources") {
            let Some(entries) = rnode.as_map() else {
                return Err(error(
                    rkey,
                    format!("`Resources` must be a map, not {}", rnode.kind()),
                ));
            };
            for (key, node) in entries {
                let id = key.as_str().unwrap_or_default();
                if id.starts_with("Fn::ForEach") {
                    // a language-extensions loop: reported as unsupported by the reader
                    resources.push(Resource {
                        id,
                        key,
                        kind: "Fn::ForEach",
                        properties: &EMPTY,
                        condition: None,
                    });
                    continue;
                }
                let resource = resource(id, key, node)?;
                by_id.insert(id, resources.len());
                resources.push(resource);
            }
        }
        Ok(Template {
            parameters,
            mappings,
            conditions,
            resources,
            by_id,
            transform: root.entry("Transform"),
        })
    }

    /// The resource with logical id `id`.
    pub fn resource(&self, id: &str) -> Option<&Resource<'t>> {
        self.by_id.get(id).map(|&i| &self.resources[i])
    }
}

fn resource<'t>(id: &'t str, key: &'t Node, node: &'t Node) -> Result<Resource<'t>, ParseError> {
    if node.as_map().is_none() {
        return Err(error(
            node,
            format!(
                "resource `{id}` must be a map with `Type` and `Properties`, not {}",
                node.kind()
            ),
        ));
    }
    let kind = match node.get("Type") {
        Some(t) => t.as_str().ok_or_else(|| {
            error(
                t,
                format!(
                    "the `Type` of resource `{id}` must be a string such as `AWS::IAM::Role`, not {}",
                    t.kind()
                ),
            )
        })?,
        None => {
            return Err(error(
                key,
                format!("resource `{id}` has no `Type`; add one such as `AWS::IAM::Role`"),
            ));
        }
    };
    let properties = match node.get("Properties") {
        None => &EMPTY,
        Some(p) if matches!(p.value, Value::Null) => &EMPTY,
        Some(p) if p.as_map().is_some() => p,
        Some(p) => {
            return Err(error(
                p,
                format!(
                    "the `Properties` of resource `{id}` must be a map, not {}",
                    p.kind()
                ),
            ));
        }
    };
    let condition = match node.get("Condition") {
        None => None,
        Some(c) => Some((
            c.as_str().ok_or_else(|| {
                error(
                    c,
                    format!(
                        "the `Condition` of resource `{id}` must name a condition, not be {}",
                        c.kind()
                    ),
                )
            })?,
            c,
        )),
    };
    Ok(Resource {
        id,
        key,
        kind,
        properties,
        condition,
    })
}

/// The YAML short forms CloudFormation defines, and their long names.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Sub", "Fn::Sub"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("GetAZs", "Fn::GetAZs"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// Rewrites YAML short forms (`!Ref X`, `!GetAtt A.B`) into the long forms (`{"Ref": "X"}`,
/// `{"Fn::GetAtt": ["A", "B"]}`), so the evaluator knows one shape. Recursion is bounded by
/// the parsers' depth limits.
pub(crate) fn desugar(node: Node) -> Result<Node, ParseError> {
    let Node {
        value,
        line,
        column,
    } = node;
    let value = match value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(desugar).collect::<Result<_, _>>()?),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((k, desugar(v)?)))
                .collect::<Result<_, ParseError>>()?,
        ),
        Value::Tagged(tag, inner) => {
            let Some(&(_, long)) = SHORT_FORMS.iter().find(|(short, _)| *short == tag) else {
                return Err(ParseError::new(
                    line,
                    column,
                    format!(
                        "unknown tag `!{tag}`; CloudFormation's short forms are `!Ref`, `!Sub`, `!GetAtt`, `!Join`, `!If` and the other `Fn::` names"
                    ),
                ));
            };
            let mut arg = desugar(*inner)?;
            if long == "Fn::GetAtt"
                && let Value::String(s) = &arg.value
            {
                // `!GetAtt Resource.Attribute`: the attribute may itself hold dots
                let (res, attr) = s.split_once('.').unwrap_or((s.as_str(), ""));
                let part = |t: &str| Node::new(Value::String(t.to_owned()), arg.line, arg.column);
                arg.value = Value::Seq(vec![part(res), part(attr)]);
            }
            let key = Node::new(Value::String(long.to_owned()), line, column);
            Value::Map(vec![(key, arg)])
        }
        v => v,
    };
    Ok(Node::new(value, line, column))
}

/// True when `root` has the shape of a template: a map with `AWSTemplateFormatVersion`, or
/// with `Resources` holding at least one entry typed `AWS::...`.
pub(crate) fn looks_like_template(root: &Node) -> bool {
    if root.as_map().is_none() {
        return false;
    }
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|entries| {
            entries.iter().any(|(_, r)| {
                r.get("Type")
                    .and_then(Node::as_str)
                    .is_some_and(|t| t.starts_with("AWS::"))
            })
        })
}
