//! The intrinsic functions that compute strings and lists: `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, and base64 for `Fn::Base64`.

use crate::cfn::eval::{Eval, Result, Val, args, arity, fail, literal};
use crate::model::unresolved;
use crate::tree::{Node, Value};

impl<'a> Eval<'a> {
    /// `Fn::Sub`: `"text ${Name} ${Res.Attr} ${!Literal}"` or `[text, {Name: value}]`.
    pub(crate) fn sub(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let (template, vars) = match &arg.value {
            Value::String(s) => (s.as_str(), None),
            Value::Seq(items) => match items.as_slice() {
                [t, vars] if t.as_str().is_some() && vars.as_map().is_some() => {
                    (t.as_str().unwrap_or_default(), vars.as_map())
                }
                _ => {
                    return Err(arity(
                        node,
                        "Fn::Sub",
                        "a string, or a list of a string and a map of variables",
                    ));
                }
            },
            _ => {
                return Err(arity(
                    node,
                    "Fn::Sub",
                    "a string, or a list of a string and a map of variables",
                ));
            }
        };
        let mut out = String::new();
        let mut partial = false;
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let given = vars.and_then(|v| v.iter().find(|(k, _)| k.as_str() == Some(name)));
            let val = match given {
                Some((_, value)) => self.eval(value)?,
                None => match name.split_once('.') {
                    Some((res, attr)) => self.get_att(res, attr, node)?,
                    None => self.reference(name, node)?,
                },
            };
            match val {
                Val::Partial(s) => {
                    partial = true;
                    out.push_str(&s);
                }
                Val::Unknown(what) => {
                    partial = true;
                    out.push_str(&unresolved(&what));
                }
                v => match v.known_text() {
                    Some(s) => out.push_str(&s),
                    None => {
                        return Err(fail(
                            node,
                            format!(
                                "`Fn::Sub` variable `{name}` is not a string; use `Fn::Join` for lists"
                            ),
                        ));
                    }
                },
            }
        }
        out.push_str(rest);
        self.charge(node, out.len())?;
        Ok(if partial {
            Val::Partial(out)
        } else {
            Val::Str(out)
        })
    }

    pub(crate) fn join(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let [delim, list] = args::<2>(arg, node, "Fn::Join", "a delimiter and a list of values")?;
        let Some(delim) = self.eval(delim)?.known_text() else {
            return Err(fail(
                delim,
                "the delimiter of `Fn::Join` must be a string".into(),
            ));
        };
        let items = match self.eval(list)? {
            Val::List(items) => items,
            Val::Unknown(what) => return Ok(Val::Unknown(what)),
            _ => {
                return Err(fail(
                    list,
                    "the second element of `Fn::Join` must be a list".into(),
                ));
            }
        };
        let mut parts = Vec::with_capacity(items.len());
        let mut partial = false;
        for item in &items {
            partial |= matches!(item, Val::Partial(_) | Val::Unknown(_));
            match item.text() {
                Some(t) => parts.push(t),
                None => {
                    return Err(fail(
                        list,
                        "the values of `Fn::Join` must be strings, not lists or maps".into(),
                    ));
                }
            }
        }
        let out = parts.join(&delim);
        self.charge(node, out.len())?;
        Ok(if partial {
            Val::Partial(out)
        } else {
            Val::Str(out)
        })
    }

    pub(crate) fn select(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let [index, list] = args::<2>(arg, node, "Fn::Select", "an index and a list")?;
        let i = match self.eval(index)? {
            v @ (Val::Str(_) | Val::Num(_)) => {
                let text = v.known_text().unwrap_or_default();
                text.trim().parse::<usize>().map_err(|_| {
                    fail(
                        index,
                        format!("the index of `Fn::Select` must be a whole number, not `{text}`"),
                    )
                })?
            }
            Val::Unknown(what) => return Ok(Val::Unknown(what)),
            _ => {
                return Err(fail(
                    index,
                    "the index of `Fn::Select` must be a number".into(),
                ));
            }
        };
        match self.eval(list)? {
            Val::List(mut items) => {
                let n = items.len();
                if i >= n {
                    return Err(fail(
                        node,
                        format!("`Fn::Select` index {i} is beyond the {n} values of the list"),
                    ));
                }
                Ok(items.swap_remove(i))
            }
            Val::Unknown(what) => Ok(Val::Unknown(what)),
            _ => Err(fail(
                list,
                "the second element of `Fn::Select` must be a list".into(),
            )),
        }
    }

    pub(crate) fn split(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let [delim, source] = args::<2>(arg, node, "Fn::Split", "a delimiter and a string")?;
        let delim = match self.eval(delim)?.known_text() {
            Some(d) if !d.is_empty() => d,
            _ => {
                return Err(fail(
                    delim,
                    "the delimiter of `Fn::Split` must be a non-empty string".into(),
                ));
            }
        };
        match self.eval(source)? {
            Val::Str(s) => Ok(Val::List(
                s.split(&delim).map(|p| Val::Str(p.to_owned())).collect(),
            )),
            Val::Unknown(what) => Ok(Val::Unknown(what)),
            Val::Partial(_) => Ok(self.unknown(
                node,
                "Split".into(),
                "`Fn::Split` of text the template does not fully determine",
            )),
            _ => Err(fail(
                source,
                "the second element of `Fn::Split` must be a string".into(),
            )),
        }
    }

    pub(crate) fn find_in_map(&mut self, arg: &'a Node, node: &'a Node) -> Result<Val> {
        let items = match &arg.value {
            Value::Seq(items) if items.len() == 3 || items.len() == 4 => items,
            _ => {
                return Err(arity(
                    node,
                    "Fn::FindInMap",
                    "a list of a mapping name, a top-level key and a second-level key",
                ));
            }
        };
        let mut keys = Vec::with_capacity(3);
        for k in &items[..3] {
            match self.eval(k)? {
                Val::Unknown(what) => return Ok(Val::Unknown(what)),
                v => match v.known_text() {
                    Some(t) => keys.push(t),
                    None => {
                        return Ok(self.unknown(
                            k,
                            "FindInMap".into(),
                            "a `Fn::FindInMap` key the template does not determine",
                        ));
                    }
                },
            }
        }
        let found = self
            .t
            .mappings
            .get(keys[0].as_str())
            .copied()
            .ok_or_else(|| {
                fail(
                    node,
                    format!(
                        "`Fn::FindInMap` names mapping `{}`, which `Mappings` does not define",
                        keys[0]
                    ),
                )
            })?
            .get(&keys[1])
            .and_then(|top| top.get(&keys[2]));
        match (found, items.get(3)) {
            (Some(v), _) => {
                let v = literal(v);
                self.charge(node, v.cost())?;
                Ok(v)
            }
            (None, Some(default)) => match default.get("DefaultValue") {
                Some(d) => self.eval(d),
                None => Err(fail(
                    default,
                    "the fourth element of `Fn::FindInMap` must be `{DefaultValue: ...}`".into(),
                )),
            },
            (None, None) => Err(fail(
                node,
                format!(
                    "mapping `{}` has no `{}` / `{}`; add it or fix the keys",
                    keys[0], keys[1], keys[2]
                ),
            )),
        }
    }
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }
}
