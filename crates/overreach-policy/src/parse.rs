//! Parsing policy documents: the wire form (string-or-list fields, a single-object
//! `Statement`, URL-encoded text) into the resolved [`Policy`].
//!
//! Errors name the JSON path of the offending element and, when parsing text, its line and
//! column.

use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::condition::{Condition, Operator};
use crate::decode::decode_document;
use crate::policy::{Effect, NameMatch, Policy, PrincipalSpec, Statement, Version};

/// A policy document that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct PolicyError {
    /// JSON path of the element at fault (`Statement[1].Effect`); `.` for the whole document.
    pub path: String,
    /// 1-based line and column in the document text, when parsed from text.
    pub position: Option<(usize, usize)>,
    /// What is wrong, lower-case, with what to do where it helps.
    pub message: String,
}

impl PolicyError {
    fn render(&self) -> String {
        match self.position {
            Some((line, column)) => format!(
                "at `{}` (line {line}, column {column}): {}",
                self.path, self.message
            ),
            None => format!("at `{}`: {}", self.path, self.message),
        }
    }
}

/// Parses a policy document from its text: JSON, or URL-encoded JSON as the IAM API returns it.
pub fn parse_policy(text: &str) -> Result<Policy, PolicyError> {
    let json = decode_document(text).map_err(|e| PolicyError {
        path: ".".into(),
        position: None,
        message: format!("the document is neither JSON nor URL-encoded JSON: {e}"),
    })?;
    // a good document is parsed once, without tracking the parser's place; a bad one again
    // with it, so the error names the place
    if let Ok(raw) = serde_json::from_str::<RawPolicy>(&json) {
        return Ok(raw.into_policy());
    }
    let mut de = serde_json::Deserializer::from_str(&json);
    let raw: RawPolicy = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        PolicyError {
            path: display_path(e.path()),
            position: (inner.line() > 0).then(|| (inner.line(), inner.column())),
            message: clean_message(&inner.to_string()),
        }
    })?;
    de.end().map_err(|e| PolicyError {
        path: ".".into(),
        position: Some((e.line(), e.column())),
        message: "trailing characters after the policy document".into(),
    })?;
    Ok(raw.into_policy())
}

/// Parses a policy document already decoded into a JSON value (as snapshots store them).
/// A string value is taken as the document's text.
pub fn parse_policy_value(value: &serde_json::Value) -> Result<Policy, PolicyError> {
    if let serde_json::Value::String(text) = value {
        return parse_policy(text);
    }
    // as in `parse_policy`: the place is tracked only for a document that fails
    if let Ok(raw) = RawPolicy::deserialize(value) {
        return Ok(raw.into_policy());
    }
    let raw: RawPolicy = serde_path_to_error::deserialize(value).map_err(|e| PolicyError {
        path: display_path(e.path()),
        position: None,
        message: clean_message(&e.inner().to_string()),
    })?;
    Ok(raw.into_policy())
}

fn display_path(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p.is_empty() || p == "." {
        ".".into()
    } else {
        p
    }
}

/// serde_json appends " at line L column C" to its messages; the position is reported
/// separately.
fn clean_message(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a policy document: an object with Version and Statement"
)]
struct RawPolicy {
    #[serde(rename = "Version", default, deserialize_with = "de_version")]
    version: Option<Version>,
    #[serde(rename = "Id", default)]
    id: Option<String>,
    #[serde(rename = "Statement")]
    statement: OneOrMany<Statement>,
}

impl RawPolicy {
    fn into_policy(self) -> Policy {
        Policy {
            version: self.version.unwrap_or(Version::V2008),
            id: self.id,
            statements: self.statement.0,
        }
    }
}

fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Version>, D::Error> {
    let s = String::deserialize(d)?;
    match s.as_str() {
        "2012-10-17" => Ok(Some(Version::V2012)),
        "2008-10-17" => Ok(Some(Version::V2008)),
        other => Err(de::Error::custom(format_args!(
            "unsupported policy Version `{other}`: use \"2012-10-17\""
        ))),
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a statement: an object with Effect, Action or NotAction, and Resource"
)]
struct RawStatement {
    #[serde(rename = "Sid", default)]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: RawEffect,
    #[serde(rename = "Principal", default)]
    principal: Option<RawPrincipal>,
    #[serde(rename = "NotPrincipal", default)]
    not_principal: Option<RawPrincipal>,
    #[serde(rename = "Action", default)]
    action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction", default)]
    not_action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource", default)]
    resource: Option<OneOrMany<String>>,
    #[serde(rename = "NotResource", default)]
    not_resource: Option<OneOrMany<String>>,
    #[serde(rename = "Condition", default)]
    condition: Option<Conditions>,
}

#[derive(Deserialize)]
enum RawEffect {
    Allow,
    Deny,
}

impl<'de> Deserialize<'de> for Statement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Statement, D::Error> {
        let raw = RawStatement::deserialize(d)?;
        let effect = match raw.effect {
            RawEffect::Allow => Effect::Allow,
            RawEffect::Deny => Effect::Deny,
        };
        let action = match (raw.action, raw.not_action) {
            (Some(a), None) => NameMatch {
                negated: false,
                patterns: a.0,
            },
            (None, Some(a)) => NameMatch {
                negated: true,
                patterns: a.0,
            },
            (Some(_), Some(_)) => {
                return Err(de::Error::custom(
                    "a statement has both `Action` and `NotAction`: keep one",
                ));
            }
            (None, None) => {
                return Err(de::Error::custom(
                    "a statement needs `Action` or `NotAction`",
                ));
            }
        };
        let resource = match (raw.resource, raw.not_resource) {
            (Some(r), None) => Some(NameMatch {
                negated: false,
                patterns: r.0,
            }),
            (None, Some(r)) => Some(NameMatch {
                negated: true,
                patterns: r.0,
            }),
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err(de::Error::custom(
                    "a statement has both `Resource` and `NotResource`: keep one",
                ));
            }
        };
        let principal = match (raw.principal, raw.not_principal) {
            (Some(p), None) => Some(p.into_spec(false)),
            (None, Some(p)) => Some(p.into_spec(true)),
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err(de::Error::custom(
                    "a statement has both `Principal` and `NotPrincipal`: keep one",
                ));
            }
        };
        Ok(Statement {
            sid: raw.sid,
            effect,
            principal,
            action,
            resource,
            conditions: raw.condition.map(|c| c.0).unwrap_or_default(),
        })
    }
}

/// `"*"` or `{"AWS": ..., "Service": ..., "Federated": ..., "CanonicalUser": ...}`.
struct RawPrincipal(PrincipalSpec);

impl RawPrincipal {
    fn into_spec(self, negated: bool) -> PrincipalSpec {
        PrincipalSpec { negated, ..self.0 }
    }
}

impl<'de> Deserialize<'de> for RawPrincipal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawPrincipal, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawPrincipal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"*\" or an object with AWS, Service, Federated or CanonicalUser")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPrincipal, E> {
                if v == "*" {
                    Ok(RawPrincipal(PrincipalSpec {
                        any: true,
                        ..PrincipalSpec::default()
                    }))
                } else {
                    Err(E::custom(format_args!(
                        "a principal string must be \"*\", found `{v}`: write {{\"AWS\": \"{v}\"}}"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPrincipal, A::Error> {
                let mut spec = PrincipalSpec::default();
                let mut seen: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if seen.contains(&key) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate principal type `{key}`: merge the values into one list"
                        )));
                    }
                    let values = map.next_value::<OneOrMany<String>>()?.0;
                    let target = match key.as_str() {
                        "AWS" => {
                            if values.iter().any(|v| v == "*") {
                                spec.any = true;
                            }
                            &mut spec.aws
                        }
                        "Service" => &mut spec.service,
                        "Federated" => &mut spec.federated,
                        "CanonicalUser" => &mut spec.canonical_user,
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unknown principal type `{other}`: expected AWS, Service, Federated or CanonicalUser"
                            )));
                        }
                    };
                    target.extend(values);
                    seen.push(key);
                }
                Ok(RawPrincipal(spec))
            }
        }
        d.deserialize_any(V)
    }
}

/// A `Condition` block: operator -> key -> value(s), flattened into a list.
struct Conditions(Vec<Condition>);

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Conditions, D::Error> {
        struct Outer;
        impl<'de> Visitor<'de> for Outer {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of condition operators")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conditions, A::Error> {
                let mut out: Vec<Condition> = Vec::new();
                let mut seen_ops: Vec<String> = Vec::new();
                while let Some(op_name) = map.next_key::<String>()? {
                    let Some(operator) = Operator::parse(&op_name) else {
                        return Err(de::Error::custom(format_args!(
                            "unknown condition operator `{op_name}`"
                        )));
                    };
                    if seen_ops.contains(&op_name) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate condition operator `{op_name}`: IAM would keep only one; merge them"
                        )));
                    }
                    let keys = map.next_value::<KeyValues>()?;
                    out.extend(keys.0.into_iter().map(|(key, values)| Condition {
                        operator,
                        key,
                        values,
                    }));
                    seen_ops.push(op_name);
                }
                Ok(Conditions(out))
            }
        }
        d.deserialize_map(Outer)
    }
}

/// key -> value(s) inside one operator.
struct KeyValues(Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for KeyValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyValues, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of condition keys and values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValues, A::Error> {
                let mut out: Vec<(String, Vec<String>)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(&key)) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate condition key `{key}`: IAM would keep only one; merge the values"
                        )));
                    }
                    let values = map.next_value::<OneOrMany<Scalar>>()?;
                    out.push((key, values.0.into_iter().map(|s| s.0).collect()));
                }
                Ok(KeyValues(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A condition value: a string, or a boolean or number written as text.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A field that IAM accepts as one value or a list of values.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OneOrMany<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element::<T>()? {
                    out.push(item);
                }
                Ok(OneOrMany(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<OneOrMany<T>, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::BaseOp;

    #[test]
    fn parses_single_object_statement_and_string_fields() {
        let p = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(p.version, Version::V2012);
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].action.patterns, ["s3:GetObject"]);
    }

    #[test]
    fn parses_url_encoded() {
        let p = parse_policy("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22NotAction%22%3A%5B%22iam%3A*%22%5D%7D%5D%7D").unwrap();
        assert_eq!(p.version, Version::V2008);
        assert!(p.statements[0].action.negated);
        assert_eq!(p.statements[0].effect, Effect::Deny);
    }

    #[test]
    fn parses_principals_and_conditions() {
        let p = parse_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
              "Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Service":"ec2.amazonaws.com"},
              "Action":"sts:AssumeRole",
              "Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},"NumericLessThan":{"s3:max-keys":10},
                           "ForAnyValue:StringLike":{"aws:TagKeys":["a*","b"]}}}]}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        let pr = s.principal.as_ref().unwrap();
        assert_eq!(pr.aws.len(), 2);
        assert_eq!(pr.service, ["ec2.amazonaws.com"]);
        assert_eq!(s.conditions.len(), 3);
        assert_eq!(s.conditions[0].values, ["true"]);
        assert_eq!(s.conditions[1].operator.base, BaseOp::NumericLessThan);
        assert_eq!(s.conditions[2].values, ["a*", "b"]);
    }

    #[test]
    fn errors_have_path_and_position() {
        let text = "{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},\n {\"Effect\":\"Alow\",\"Action\":\"*\"}]}";
        let e = parse_policy(text).unwrap_err();
        assert_eq!(e.path, "Statement[1].Effect");
        assert_eq!(e.position.map(|p| p.0), Some(3));
        assert!(e.message.contains("unknown variant `Alow`"), "{e}");

        let e =
            parse_policy(r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*"}]}"#)
                .unwrap_err();
        assert!(e.message.contains("both `Action` and `NotAction`"), "{e}");
        assert_eq!(e.path, "Statement[0]");

        let e = parse_policy(r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#)
            .unwrap_err();
        assert!(
            e.message
                .contains("unknown condition operator `StringEqualz`"),
            "{e}"
        );

        let e = parse_policy(r#"{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*"}]}"#)
            .unwrap_err();
        assert!(e.message.contains("duplicate field `Effect`"), "{e}");

        let e = parse_policy(r#"{"Statement":"oops"}"#).unwrap_err();
        assert_eq!(e.path, "Statement");

        let e = parse_policy(r#"{"Statement":[{"Effect":"Allow","Action":"*"}"#).unwrap_err();
        assert!(e.position.is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"*","Condition":{{"StringEquals":{{"a":{deep}}}}}}}]}}"#
        );
        assert!(parse_policy(&text).is_err());
    }

    #[test]
    fn from_value() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*"],"Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(parse_policy_value(&v).unwrap().statements.len(), 1);
        let bad: serde_json::Value =
            serde_json::from_str(r#"{"Statement":[{"Effect":1}]}"#).unwrap();
        assert_eq!(
            parse_policy_value(&bad).unwrap_err().path,
            "Statement[0].Effect"
        );
    }
}
