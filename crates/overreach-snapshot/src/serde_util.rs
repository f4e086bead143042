//! Lenient list decoding: the wire sometimes has `null`, one object, or a list where a list is meant.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use rayon::prelude::*;

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A list that may be written as a list, a single element, or `null` (read as empty).
///
/// The AWS CLI's own example of `get-account-authorization-details` has
/// `AttachedManagedPolicies` as a single object; real dumps sometimes have `null` lists.
/// A hand-written visitor rather than an untagged enum, so that errors inside elements keep
/// their JSON path and position.
pub(crate) fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Send,
{
    deserializer.deserialize_any(OneOrMany {
        parallel: false,
        element: PhantomData,
    })
}

/// The visitor of [`one_or_many`] and [`one_or_many_parallel`].
struct OneOrMany<T> {
    /// A list's elements are delimited first, then parsed on every core.
    parallel: bool,
    element: PhantomData<T>,
}

impl<'de, T: Deserialize<'de> + Send> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, a single element or null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(4096);
        if !self.parallel {
            let mut items = Vec::with_capacity(capacity);
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            return Ok(items);
        }
        let mut texts: Vec<&'de serde_json::value::RawValue> = Vec::with_capacity(capacity);
        while let Some(text) = seq.next_element()? {
            texts.push(text);
        }
        texts
            .par_iter()
            .map(|text| serde_json::from_str::<T>(text.get()))
            .collect::<Result<Vec<T>, _>>()
            .map_err(de::Error::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(vec![T::deserialize(MapAccessDeserializer::new(map))?])
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(vec![T::deserialize(StrDeserializer::<E>::new(v))?])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

thread_local! {
    /// Set while [`crate::Snapshot`]'s fast parse runs on this thread.
    static PARALLEL: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (a parse on this thread) with the lists read by [`one_or_many_parallel`] parsed
/// on every core.
pub(crate) fn with_parallel_lists<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            PARALLEL.set(self.0);
        }
    }
    let _reset = Reset(PARALLEL.replace(true));
    f()
}

/// [`one_or_many`] for a snapshot's big lists (users, groups, roles, policies). Inside
/// [`with_parallel_lists`], a list's elements are first only delimited (their text checked
/// and borrowed), then parsed on every core, in order; an error then says only that the
/// list did not parse (the caller parses again, tracking the place, to say where).
pub(crate) fn one_or_many_parallel<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Send,
{
    deserializer.deserialize_any(OneOrMany {
        parallel: PARALLEL.get(),
        element: PhantomData,
    })
}
