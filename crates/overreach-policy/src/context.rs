//! The request context: the condition keys of one request, and the three-valued logic used
//! when some of them are not known.

use std::collections::{BTreeMap, BTreeSet};

/// A three-valued truth: the answer when some condition key's value is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tri {
    /// Definitely false.
    No,
    /// Depends on a key whose value is not known.
    Unknown,
    /// Definitely true.
    Yes,
}

impl Tri {
    /// Three-valued AND.
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    /// Three-valued OR.
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }

    /// Three-valued NOT.
    pub fn negate(self) -> Tri {
        match self {
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
            Tri::Yes => Tri::No,
        }
    }

    /// From a definite boolean.
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }
}

/// What the context says about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The key is in the request with these values (one for single-valued keys).
    Present(&'a [String]),
    /// The key is known not to be in the request.
    Absent,
    /// Nothing is known about the key: conditions on it are [`Tri::Unknown`].
    Unknown,
}

/// The condition keys of a request. Keys compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: BTreeMap<String, Vec<String>>,
    /// Keys known to be absent even though the context is not complete.
    absent: BTreeSet<String>,
    /// When true, a key not in `values` is absent; when false it is unknown.
    complete: bool,
}

impl RequestContext {
    /// An empty context in which every key is unknown (static analysis).
    pub fn unknown() -> RequestContext {
        RequestContext::default()
    }

    /// An empty context in which every key not set later is absent (a concrete request).
    pub fn complete() -> RequestContext {
        RequestContext {
            complete: true,
            ..RequestContext::default()
        }
    }

    /// Whether keys not set are absent (true) or unknown (false).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.set_values(key, vec![value.into()])
    }

    /// Sets a multi-valued key (e.g. `aws:TagKeys`).
    pub fn set_values(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        let key = key.to_ascii_lowercase();
        self.absent.remove(&key);
        self.values.insert(key, values);
        self
    }

    /// Marks a key as known absent.
    pub fn set_absent(&mut self, key: &str) -> &mut Self {
        let key = key.to_ascii_lowercase();
        self.values.remove(&key);
        self.absent.insert(key);
        self
    }

    /// True when the key has a value or is known absent.
    pub fn is_set(&self, key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        self.values.contains_key(&key) || self.absent.contains(&key)
    }

    /// What is known about `key`.
    pub fn get(&self, key: &str) -> Lookup<'_> {
        let lower;
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = key.to_ascii_lowercase();
            lower.as_str()
        } else {
            key
        };
        match self.values.get(key) {
            Some(values) => Lookup::Present(values),
            None if self.complete || self.absent.contains(key) => Lookup::Absent,
            None => Lookup::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tri_logic() {
        assert_eq!(Tri::Yes.and(Tri::Unknown), Tri::Unknown);
        assert_eq!(Tri::No.and(Tri::Unknown), Tri::No);
        assert_eq!(Tri::Yes.or(Tri::Unknown), Tri::Yes);
        assert_eq!(Tri::Unknown.negate(), Tri::Unknown);
    }

    #[test]
    fn lookups() {
        let mut ctx = RequestContext::unknown();
        ctx.set("aws:SourceIp", "10.0.0.1")
            .set_absent("aws:MultiFactorAuthPresent");
        assert!(matches!(ctx.get("AWS:sourceip"), Lookup::Present(v) if v[0] == "10.0.0.1"));
        assert_eq!(ctx.get("aws:MultiFactorAuthPresent"), Lookup::Absent);
        assert_eq!(ctx.get("aws:RequestedRegion"), Lookup::Unknown);
        assert_eq!(RequestContext::complete().get("x:y"), Lookup::Absent);
    }
}
