//! Policy documents, stored decoded as JSON values whatever form they arrived in.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// A policy document as a JSON value (not yet parsed into the policy language).
///
/// On load, a document given as a string is decoded: the raw IAM API returns documents
/// URL-encoded, some tools write them as JSON text; the AWS CLI writes them as objects.
/// On write, it is always an object.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument(pub Value);

impl PolicyDocument {
    /// Decodes a document as the IAM API returns it: URL-encoded JSON text, or JSON text.
    pub fn from_api_text(text: &str) -> Result<Self, DocumentError> {
        let json = overreach_policy::decode::decode_document(text)
            .map_err(|e| DocumentError(e.to_string()))?;
        serde_json::from_str::<StrictValue>(&json)
            .map(|v| PolicyDocument(v.0))
            .map_err(|e| DocumentError(format!("the decoded document is not valid: {e}")))
    }

    /// The document as a JSON value.
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// A policy document string that is neither JSON nor URL-encoded JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad policy document: {0}")]
pub struct DocumentError(String);

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = PolicyDocument;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a policy document (a JSON object, or JSON text, or URL-encoded JSON text)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        PolicyDocument::from_api_text(v).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = StrictValue::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(PolicyDocument(value.0))
    }
}

/// A JSON value that refuses duplicate object keys. serde_json's `Value` keeps the last of
/// two equal keys, so a second `Effect` could turn a Deny into an Allow, or a second
/// `Statement` hide one; IAM rejects such documents, and so do we.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(d)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(StrictValue(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}` in a policy document: IAM rejects such documents, and the copies may disagree; keep one"
                )));
            }
            out.insert(key, value);
        }
        Ok(StrictValue(Value::Object(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_form() {
        let object: PolicyDocument = serde_json::from_str(r#"{"Version":"2012-10-17"}"#).unwrap();
        let text: PolicyDocument =
            serde_json::from_str(r#""{\"Version\":\"2012-10-17\"}""#).unwrap();
        let encoded: PolicyDocument =
            serde_json::from_str(r#""%7B%22Version%22%3A%222012-10-17%22%7D""#).unwrap();
        assert_eq!(object, text);
        assert_eq!(object, encoded);
        assert_eq!(
            serde_json::to_string(&encoded).unwrap(),
            r#"{"Version":"2012-10-17"}"#
        );
    }

    #[test]
    fn rejects_duplicate_keys() {
        for doc in [
            r#"{"Statement":[{"Effect":"Deny","Effect":"Allow","Action":"*"}]}"#,
            r#"{"Statement":[],"Statement":[]}"#,
            r#""{\"Version\":\"a\",\"Version\":\"b\"}""#,
        ] {
            let err = serde_json::from_str::<PolicyDocument>(doc).unwrap_err();
            assert!(err.to_string().contains("duplicate key"), "{doc}: {err}");
        }
    }

    #[test]
    fn rejects_garbage() {
        let err = serde_json::from_str::<PolicyDocument>(r#""%7B%2""#).unwrap_err();
        assert!(err.to_string().contains("bad percent-escape"), "{err}");
        let err = serde_json::from_str::<PolicyDocument>("[1]").unwrap_err();
        assert!(err.to_string().contains("policy document"), "{err}");
    }
}
