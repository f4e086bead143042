//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${*}`, defaults as in
//! `${aws:PrincipalTag/team, 'none'}`), substituted from the request context.

use crate::context::{Lookup, RequestContext};
use crate::glob::{Pattern, Tok};
use crate::policy::Version;

/// The result of substituting the variables of one policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Every variable had a value: the pattern (variable values are literal text in it).
    Pattern(Pattern),
    /// A variable's key is not in the request and has no default: the element cannot match.
    NoValue,
    /// A variable's key is unknown: these keys decide whether the element matches.
    Unknown(Vec<String>),
}

/// True when `text` contains something that looks like a policy variable.
pub fn has_variables(text: &str) -> bool {
    text.contains("${")
}

/// Substitutes the variables of `text` (only in version 2012-10-17 documents; in 2008-10-17
/// `${...}` is literal text) and parses `*`/`?` outside variables as wildcards.
pub fn resolve(text: &str, version: Version, ctx: &RequestContext) -> Resolved {
    if version == Version::V2008 || !has_variables(text) {
        return Resolved::Pattern(Pattern::new(text));
    }
    let mut toks: Vec<Tok> = Vec::with_capacity(text.len());
    let mut unknown = Vec::new();
    let mut no_value = false;
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        push_wild(&mut toks, &rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // an unclosed `${` is literal text
            push_wild(&mut toks, &rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        rest = &after[end + 1..];
        match inner {
            "*" => toks.push(Tok::Lit('*')),
            "?" => toks.push(Tok::Lit('?')),
            "$" => toks.push(Tok::Lit('$')),
            _ => {
                let (key, default) = split_default(inner);
                match ctx.get(key) {
                    Lookup::Present(values) if !values.is_empty() => {
                        toks.extend(values[0].chars().map(Tok::Lit));
                    }
                    Lookup::Present(_) | Lookup::Absent => match default {
                        Some(d) => toks.extend(d.chars().map(Tok::Lit)),
                        None => no_value = true,
                    },
                    Lookup::Unknown => match default {
                        // the key may be present with another value
                        Some(_) | None => unknown.push(key.to_string()),
                    },
                }
            }
        }
    }
    push_wild(&mut toks, rest);
    if no_value {
        Resolved::NoValue
    } else if !unknown.is_empty() {
        Resolved::Unknown(unknown)
    } else {
        Resolved::Pattern(Pattern::from_toks(toks))
    }
}

/// Substitutes variables and returns the literal string (for operators without wildcards):
/// a `*` outside variables stays a `*` character.
pub fn resolve_literal(text: &str, version: Version, ctx: &RequestContext) -> Resolved {
    match resolve(text, version, ctx) {
        Resolved::Pattern(p) => Resolved::Pattern(Pattern::literal(&pattern_text(&p))),
        other => other,
    }
}

/// The characters of a pattern with wildcards written as `*`/`?`.
pub fn pattern_text(p: &Pattern) -> String {
    p.toks()
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => *c,
            Tok::One => '?',
            Tok::Many => '*',
        })
        .collect()
}

fn push_wild(toks: &mut Vec<Tok>, text: &str) {
    toks.extend(text.chars().map(|c| match c {
        '*' => Tok::Many,
        '?' => Tok::One,
        c => Tok::Lit(c),
    }));
}

/// Splits `key, 'default'` into the key and the default value.
fn split_default(inner: &str) -> (&str, Option<&str>) {
    if let Some((key, default)) = inner.split_once(',') {
        let d = default.trim();
        if let Some(d) = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')) {
            return (key.trim(), Some(d));
        }
    }
    (inner.trim(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        let mut c = RequestContext::unknown();
        c.set("aws:username", "alice")
            .set_absent("aws:PrincipalTag/team");
        c
    }

    #[test]
    fn substitutes() {
        let r = resolve(
            "arn:aws:s3:::home/${aws:username}/*",
            Version::V2012,
            &ctx(),
        );
        let Resolved::Pattern(p) = r else {
            panic!("{r:?}")
        };
        assert!(p.matches("arn:aws:s3:::home/alice/x"));
        assert!(!p.matches("arn:aws:s3:::home/bob/x"));
    }

    #[test]
    fn special_and_defaults() {
        let Resolved::Pattern(p) = resolve("a${*}b", Version::V2012, &ctx()) else {
            panic!()
        };
        assert!(p.matches("a*b") && !p.matches("axb"));
        let r = resolve("${aws:PrincipalTag/team, 'none'}", Version::V2012, &ctx());
        assert_eq!(r, Resolved::Pattern(Pattern::literal("none")));
        assert_eq!(
            resolve("${aws:PrincipalTag/team}", Version::V2012, &ctx()),
            Resolved::NoValue
        );
        assert_eq!(
            resolve("${aws:SourceIp}", Version::V2012, &ctx()),
            Resolved::Unknown(vec!["aws:SourceIp".into()])
        );
    }

    #[test]
    fn version_2008_is_literal() {
        let Resolved::Pattern(p) = resolve("home/${aws:username}", Version::V2008, &ctx()) else {
            panic!()
        };
        assert!(p.matches("home/${aws:username}"));
    }
}
