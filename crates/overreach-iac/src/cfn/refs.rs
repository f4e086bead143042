//! `Ref`, `Fn::GetAtt` and conditions: parameters, pseudo parameters, the names and ARNs of
//! the template's IAM resources, and `Conditions` with their three-valued logic.

use crate::cfn::eval::{Eval, Result, Val, args, fail, literal};
use crate::model::NoteKind;
use crate::tree::{Node, Value};

/// Longest chain of references between resources or conditions followed (`A`'s name from
/// `B`'s from `C`'s...); far beyond real templates.
const MAX_CHAIN: usize = 32;

/// The physical identity of an IAM resource of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The name (the logical id when the template leaves the name to CloudFormation).
    pub name: String,
    /// `/` unless the template sets `Path`.
    pub path: String,
    /// The ARN.
    pub arn: String,
}

/// For each IAM type with a physical name: its name property and ARN resource type.
pub(crate) fn naming(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "AWS::IAM::Role" => ("RoleName", "role"),
        "AWS::IAM::User" => ("UserName", "user"),
        "AWS::IAM::Group" => ("GroupName", "group"),
        "AWS::IAM::ManagedPolicy" => ("ManagedPolicyName", "policy"),
        "AWS::IAM::InstanceProfile" => ("InstanceProfileName", "instance-profile"),
        _ => return None,
    })
}

impl<'a> Eval<'a> {
    /// The ARN of an IAM entity named `name` in the target account.
    pub fn arn(&self, resource: &str, path: &str, name: &str) -> String {
        let s = self.settings;
        format!(
            "arn:{}:iam::{}:{resource}{path}{name}",
            s.partition, s.account_id
        )
    }

    /// `Ref name`, written at `at`.
    pub fn reference(&mut self, name: &str, at: &'a Node) -> Result<Val> {
        let param = self.t.parameters.get(name).copied();
        let list = param
            .and_then(|p| p.get("Type"))
            .and_then(Node::as_str)
            .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList");
        let split = |text: &str| match list {
            true => Val::List(
                text.split(',')
                    .map(|s| Val::Str(s.trim().to_owned()))
                    .collect(),
            ),
            false => Val::Str(text.to_owned()),
        };
        if let Some(given) = self.settings.parameters.get(name) {
            self.charge(at, given.len())?;
            return Ok(split(given));
        }
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            let s = self.settings;
            return Ok(match pseudo {
                "AccountId" => Val::Str(s.account_id.clone()),
                "Partition" => Val::Str(s.partition.clone()),
                "Region" => Val::Str(s.region.clone()),
                "URLSuffix" if s.partition == "aws-cn" => Val::Str("amazonaws.com.cn".into()),
                "URLSuffix" => Val::Str("amazonaws.com".into()),
                "NoValue" => Val::NoValue,
                "StackName" | "StackId" | "NotificationARNs" => self.unknown(
                    at,
                    format!("Ref {name}"),
                    &format!("`{name}` is known only at deployment; pass `--parameter {name}=VALUE` to resolve it"),
                ),
                _ => return Err(fail(at, format!("`{name}` is not a pseudo parameter; check its spelling"))),
            });
        }
        if let Some(p) = param {
            let kind = p.get("Type").and_then(Node::as_str).unwrap_or_default();
            let default = p.get("Default");
            return Ok(match default {
                Some(d) if kind.starts_with("AWS::SSM::Parameter::Value") => {
                    let key = literal(d).known_text().unwrap_or_default();
                    self.unknown(
                        at,
                        format!("parameter {name}"),
                        &format!(
                            "parameter `{name}` is read from SSM parameter `{key}` at deployment; pass `--parameter {name}=VALUE` to resolve it"
                        ),
                    )
                }
                Some(d) => {
                    let v = literal(d);
                    self.charge(at, v.cost())?;
                    match v.known_text() {
                        Some(t) => split(&t),
                        None => v,
                    }
                }
                None => self.unknown(
                    at,
                    format!("parameter {name}"),
                    &format!("parameter `{name}` has no default and no value was given; pass `--parameter {name}=VALUE` to resolve it"),
                ),
            });
        }
        let Some(r) = self.t.resource(name) else {
            return Err(fail(
                at,
                format!(
                    "`Ref` to `{name}`, which is neither a parameter nor a resource of the template; fix the name or define it"
                ),
            ));
        };
        let kind = r.kind;
        match kind {
            "AWS::IAM::ManagedPolicy" => Ok(Val::Str(self.identity(name, at)?.arn)),
            k if naming(k).is_some() => Ok(Val::Str(self.identity(name, at)?.name)),
            _ => Ok(self.unknown(
                at,
                format!("Ref {name}"),
                &format!("`Ref` of `{name}` (`{kind}`) is known only at deployment"),
            )),
        }
    }

    /// `Fn::GetAtt` in long form: `[Resource, Attribute]`.
    pub fn get_att_node(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let pair = match &arg.value {
            Value::String(s) => s
                .split_once('.')
                .map(|(r, a)| (r.to_owned(), Val::Str(a.to_owned()))),
            Value::Seq(_) => {
                let [res, attr] = args::<2>(
                    arg,
                    node,
                    "Fn::GetAtt",
                    "a resource name and an attribute name",
                )?;
                match res.as_str() {
                    Some(r) => Some((r.to_owned(), self.eval(attr)?)),
                    None => None,
                }
            }
            _ => None,
        };
        let Some((res, attr)) = pair else {
            return Err(fail(
                node,
                "`Fn::GetAtt` takes a resource name and an attribute name; fix its arguments"
                    .into(),
            ));
        };
        match attr.known_text() {
            Some(attr) => self.get_att(&res, &attr, node),
            None => Ok(self.unknown(
                node,
                format!("GetAtt {res}"),
                "a `Fn::GetAtt` attribute the template does not determine",
            )),
        }
    }

    /// `Fn::GetAtt res.attr`, written at `at`.
    pub fn get_att(&mut self, res: &str, attr: &str, at: &'a Node) -> Result<Val> {
        let Some(r) = self.t.resource(res) else {
            return Err(fail(
                at,
                format!(
                    "`Fn::GetAtt` of `{res}`, which is not a resource of the template; fix the name or define it"
                ),
            ));
        };
        let kind = r.kind;
        let known = matches!(
            (kind, attr),
            (
                "AWS::IAM::Role"
                    | "AWS::IAM::User"
                    | "AWS::IAM::Group"
                    | "AWS::IAM::InstanceProfile",
                "Arn"
            ) | ("AWS::IAM::ManagedPolicy", "PolicyArn")
        );
        if known {
            return Ok(Val::Str(self.identity(res, at)?.arn));
        }
        Ok(self.unknown(
            at,
            format!("GetAtt {res}.{attr}"),
            &format!("`Fn::GetAtt` `{res}.{attr}` (`{kind}`) is known only at deployment"),
        ))
    }

    /// The name, path and ARN of the IAM resource `id` (which has a physical name).
    pub fn identity(&mut self, id: &str, at: &'a Node) -> Result<Identity> {
        if let Some(found) = self.idents.get(id) {
            return Ok(found.clone());
        }
        let Some(r) = self.t.resource(id) else {
            return Err(fail(
                at,
                format!("`{id}` is not a resource of the template"),
            ));
        };
        let Some((name_prop, arn_kind)) = naming(r.kind) else {
            return Err(fail(
                at,
                format!("`{id}` is not an IAM resource with a name"),
            ));
        };
        let (name_node, path_node) = (r.prop(name_prop), r.prop("Path"));
        self.enter(id, at)?;
        // names do not depend on the statement being read
        let assume = std::mem::take(&mut self.assume);
        let name = self.name_text(name_node, id, name_prop);
        let path = self.path_text(path_node, id);
        self.assume = assume;
        self.resolving.pop();
        let (name, path) = (name?, path?);
        let ident = Identity {
            arn: self.arn(arn_kind, &path, &name),
            name,
            path,
        };
        self.idents.insert(id.to_owned(), ident.clone());
        Ok(ident)
    }

    fn name_text(&mut self, node: Option<&'a Node>, id: &str, prop: &str) -> Result<String> {
        let Some(node) = node else {
            // CloudFormation generates `STACK-ID-RANDOM`: the logical id is the stable stand-in
            return Ok(id.to_owned());
        };
        match self.eval(node)? {
            Val::NoValue => Ok(id.to_owned()),
            v => match v.known_text() {
                Some(t) if !t.is_empty() => Ok(t),
                _ => {
                    self.note(
                        NoteKind::Unresolved,
                        node,
                        format!("the `{prop}` of `{id}` is not determined by the template; its logical id `{id}` stands for it"),
                    );
                    Ok(id.to_owned())
                }
            },
        }
    }

    fn path_text(&mut self, node: Option<&'a Node>, id: &str) -> Result<String> {
        let Some(node) = node else {
            return Ok("/".into());
        };
        match self.eval(node)? {
            Val::NoValue => Ok("/".into()),
            v => match v.known_text() {
                Some(t) if t.starts_with('/') && t.ends_with('/') => Ok(t),
                _ => {
                    self.note(
                        NoteKind::Unresolved,
                        node,
                        format!("the `Path` of `{id}` is not determined by the template (or not `/.../`); `/` stands for it"),
                    );
                    Ok("/".into())
                }
            },
        }
    }

    /// Marks `what` as being resolved; errors on a cycle or a chain too long.
    fn enter(&mut self, what: &str, at: &Node) -> Result<()> {
        if let Some(i) = self.resolving.iter().position(|r| r == what) {
            let mut chain: Vec<&str> = self.resolving[i..].iter().map(String::as_str).collect();
            chain.push(what);
            return Err(fail(
                at,
                format!(
                    "circular reference: `{}`; CloudFormation rejects it too, break the cycle",
                    chain.join("` → `")
                ),
            ));
        }
        if self.resolving.len() >= MAX_CHAIN {
            return Err(fail(
                at,
                format!(
                    "references chain through more than {MAX_CHAIN} resources or conditions; simplify the template"
                ),
            ));
        }
        self.resolving.push(what.to_owned());
        Ok(())
    }

    /// The value of condition `name` (written at `at`): `None` when the template does not
    /// determine it. Assumptions of the statement being read are not consulted here: only
    /// `Fn::If` applies them, so memoised values stay true for the whole template.
    pub fn condition(&mut self, name: &str, at: &'a Node) -> Result<Option<bool>> {
        if let Some(&known) = self.conds.get(name) {
            return Ok(known);
        }
        let Some(expr) = self.t.conditions.get(name).copied() else {
            return Err(fail(
                at,
                format!(
                    "condition `{name}` is not defined in `Conditions`; define it or fix the name"
                ),
            ));
        };
        self.enter(name, at)?;
        let assume = std::mem::take(&mut self.assume);
        let value = self.cond_expr(expr);
        self.assume = assume;
        self.resolving.pop();
        let value = value?;
        self.conds.insert(name.to_owned(), value);
        Ok(value)
    }

    /// A condition expression: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` or `Condition`.
    pub fn cond_expr(&mut self, node: &'a Node) -> Result<Option<bool>> {
        let wrong = || {
            fail(
                node,
                "a condition must be `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` or `Condition`"
                    .into(),
            )
        };
        let Some([(key, arg)]) = node.as_map().and_then(|m| <&[_; 1]>::try_from(m).ok()) else {
            return Err(wrong());
        };
        match key.as_str().unwrap_or_default() {
            "Condition" => match arg.as_str() {
                Some(name) => self.condition(name, arg),
                None => Err(fail(arg, "`Condition` takes a condition name".into())),
            },
            "Fn::Equals" => {
                let [a, b] = args::<2>(arg, node, "Fn::Equals", "two values to compare")?;
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Ok(equal(&a, &b))
            }
            "Fn::Not" => {
                let [c] = args::<1>(arg, node, "Fn::Not", "a list of one condition")?;
                Ok(self.cond_expr(c)?.map(|b| !b))
            }
            op @ ("Fn::And" | "Fn::Or") => {
                let items = match &arg.value {
                    Value::Seq(items) if (2..=10).contains(&items.len()) => items,
                    _ => {
                        return Err(fail(
                            node,
                            format!("`{op}` takes a list of 2 to 10 conditions; fix its arguments"),
                        ));
                    }
                };
                let decisive = op == "Fn::Or";
                let mut unknown = false;
                for c in items {
                    match self.cond_expr(c)? {
                        Some(b) if b == decisive => return Ok(Some(decisive)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok(if unknown { None } else { Some(!decisive) })
            }
            _ => Err(wrong()),
        }
    }
}

/// `Fn::Equals` on evaluated values: `None` when either side is not determined.
fn equal(a: &Val, b: &Val) -> Option<bool> {
    match (a, b) {
        (Val::List(x), Val::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            x.iter()
                .zip(y)
                .try_fold(true, |acc, (p, q)| Some(acc && equal(p, q)?))
        }
        _ => Some(a.known_text()? == b.known_text()?),
    }
}
