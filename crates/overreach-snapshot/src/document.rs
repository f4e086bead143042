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
        serde_json::from_str(&json)
            .map(PolicyDocument)
            .map_err(|e| DocumentError(format!("the decoded document is not JSON: {e}")))
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
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(PolicyDocument(value))
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
    fn rejects_garbage() {
        let err = serde_json::from_str::<PolicyDocument>(r#""%7B%2""#).unwrap_err();
        assert!(err.to_string().contains("bad percent-escape"), "{err}");
        let err = serde_json::from_str::<PolicyDocument>("[1]").unwrap_err();
        assert!(err.to_string().contains("policy document"), "{err}");
    }
}
