//! Compact sets of actions over the catalogue, and the expansion of `Action` / `NotAction`
//! patterns into them.
//!
//! A set is a bitset over [`ActionId`]s (kept as a sorted id list while small, so that 60,000
//! policies of a few actions each stay cheap) plus what it holds outside the catalogue: named
//! actions the catalogue does not know, and an "every other action" flag set by `*` and by
//! `NotAction` complements. Outside the catalogue the algebra is approximate: the complement of
//! a set with named unknown actions keeps them (it errs towards more access, never less).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::catalog::{ActionId, Catalog};
use crate::glob::wildcard_match;
use crate::policy::NameMatch;

const WORD: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// Sorted, deduplicated ids.
    Sparse(Vec<ActionId>),
    /// One bit per catalogue action.
    Dense(Box<[u64]>),
}

/// A set of actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSet {
    /// Number of catalogue actions (the universe).
    universe: usize,
    repr: Repr,
    /// Lower-case actions or patterns outside the catalogue that the set holds.
    unknown: BTreeSet<String>,
    /// The set also holds every action outside the catalogue.
    rest: bool,
}

impl ActionSet {
    /// The empty set over a catalogue of `universe` actions.
    pub fn empty(universe: usize) -> ActionSet {
        ActionSet {
            universe,
            repr: Repr::Sparse(Vec::new()),
            unknown: BTreeSet::new(),
            rest: false,
        }
    }

    /// Every action, known or not (`Action: "*"`).
    pub fn all(universe: usize) -> ActionSet {
        let mut words = vec![u64::MAX; universe.div_ceil(WORD)].into_boxed_slice();
        trim(&mut words, universe);
        ActionSet {
            universe,
            repr: Repr::Dense(words),
            unknown: BTreeSet::new(),
            rest: true,
        }
    }

    /// A set of the given catalogue ids.
    pub fn from_ids(universe: usize, ids: impl IntoIterator<Item = ActionId>) -> ActionSet {
        let mut v: Vec<ActionId> = ids
            .into_iter()
            .filter(|&i| (i as usize) < universe)
            .collect();
        v.sort_unstable();
        v.dedup();
        let mut s = ActionSet {
            universe,
            repr: Repr::Sparse(v),
            unknown: BTreeSet::new(),
            rest: false,
        };
        s.settle();
        s
    }

    /// Adds an action outside the catalogue (kept lower-case).
    pub fn insert_unknown(&mut self, name: &str) {
        self.unknown.insert(name.to_ascii_lowercase());
    }

    /// The universe size.
    pub fn universe(&self) -> usize {
        self.universe
    }

    /// Does the set hold catalogue action `id`?
    #[inline]
    pub fn contains(&self, id: ActionId) -> bool {
        match &self.repr {
            Repr::Sparse(v) => v.binary_search(&id).is_ok(),
            Repr::Dense(w) => {
                let i = id as usize;
                i < self.universe && w[i / WORD] >> (i % WORD) & 1 == 1
            }
        }
    }

    /// Number of catalogue actions in the set.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Sparse(v) => v.len(),
            Repr::Dense(w) => w.iter().map(|x| x.count_ones() as usize).sum(),
        }
    }

    /// True when the set holds no catalogue action (it may still hold unknown ones).
    #[inline]
    pub fn has_no_known(&self) -> bool {
        match &self.repr {
            Repr::Sparse(v) => v.is_empty(),
            Repr::Dense(w) => w.iter().all(|x| *x == 0),
        }
    }

    /// True when the set holds nothing, inside or outside the catalogue.
    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.unknown.is_empty() && !self.rest
    }

    /// Actions outside the catalogue the set names.
    pub fn unknown(&self) -> &BTreeSet<String> {
        &self.unknown
    }

    /// Does the set hold every action outside the catalogue?
    pub fn holds_rest(&self) -> bool {
        self.rest
    }

    /// The catalogue ids in the set, ascending.
    pub fn ids(&self) -> Vec<ActionId> {
        match &self.repr {
            Repr::Sparse(v) => v.clone(),
            Repr::Dense(w) => {
                let mut out = Vec::new();
                for (wi, &word) in w.iter().enumerate() {
                    let mut bits = word;
                    while bits != 0 {
                        let b = bits.trailing_zeros() as usize;
                        out.push((wi * WORD + b) as ActionId);
                        bits &= bits - 1;
                    }
                }
                out
            }
        }
    }

    /// Calls `f` with every catalogue id in the set, ascending (no allocation).
    pub fn for_each(&self, f: impl FnMut(ActionId)) {
        self.for_each_in(0..self.universe as ActionId, f);
    }

    /// How many catalogue actions of `range` the set holds that `mask` holds too (all of
    /// them without a mask): word by word where both are bitsets, so counting a large set by
    /// service costs its words, not its actions.
    pub fn count_in(&self, range: std::ops::Range<ActionId>, mask: Option<&ActionSet>) -> usize {
        let (start, end) = (
            range.start as usize,
            (range.end as usize).min(self.universe),
        );
        if start >= end {
            return 0;
        }
        match (&self.repr, mask) {
            (Repr::Dense(w), None) => count_words(w, None, start, end),
            (Repr::Dense(w), Some(m)) => match &m.repr {
                Repr::Dense(mw) => count_words(w, Some(mw), start, end),
                // the shorter list is walked
                Repr::Sparse(_) => m.count_in(range, Some(self)),
            },
            (Repr::Sparse(_), _) => {
                let mut n = 0;
                self.for_each_in(range, |id| {
                    n += usize::from(mask.is_none_or(|m| m.contains(id)));
                });
                n
            }
        }
    }

    /// Calls `f` with every catalogue id of the set within `range`, ascending.
    pub fn for_each_in(&self, range: std::ops::Range<ActionId>, mut f: impl FnMut(ActionId)) {
        match &self.repr {
            Repr::Sparse(v) => {
                let from = v.partition_point(|&i| i < range.start);
                v[from..]
                    .iter()
                    .take_while(|&&i| i < range.end)
                    .for_each(|&i| f(i));
            }
            Repr::Dense(w) => {
                let (start, end) = (
                    range.start as usize,
                    (range.end as usize).min(self.universe),
                );
                if start >= end {
                    return;
                }
                for wi in start / WORD..end.div_ceil(WORD) {
                    let mut bits = w[wi];
                    while bits != 0 {
                        let i = wi * WORD + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if i >= end {
                            return;
                        }
                        if i >= start {
                            f(i as ActionId);
                        }
                    }
                }
            }
        }
    }

    /// Union.
    pub fn union(&self, other: &ActionSet) -> ActionSet {
        let mut out = self.clone();
        out.union_with(other);
        out
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &ActionSet) {
        match (&mut self.repr, &other.repr) {
            (Repr::Dense(a), Repr::Dense(b)) => {
                a.iter_mut().zip(b.iter()).for_each(|(x, y)| *x |= y)
            }
            (Repr::Dense(a), Repr::Sparse(b)) => b.iter().for_each(|&i| set_bit(a, i)),
            (Repr::Sparse(a), Repr::Sparse(b)) => *a = merge_union(a, b),
            (Repr::Sparse(a), Repr::Dense(b)) => {
                let mut words = b.clone();
                a.iter().for_each(|&i| set_bit(&mut words, i));
                self.repr = Repr::Dense(words);
            }
        }
        self.unknown.extend(other.unknown.iter().cloned());
        self.rest |= other.rest;
        self.settle();
    }

    /// Intersection.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        let repr = match (&self.repr, &other.repr) {
            (Repr::Dense(a), Repr::Dense(b)) => {
                Repr::Dense(a.iter().zip(b.iter()).map(|(x, y)| x & y).collect())
            }
            (Repr::Sparse(a), Repr::Sparse(b)) => Repr::Sparse(merge_intersection(a, b)),
            (Repr::Sparse(s), Repr::Dense(_)) => {
                Repr::Sparse(s.iter().copied().filter(|&i| other.contains(i)).collect())
            }
            (Repr::Dense(_), Repr::Sparse(s)) => {
                Repr::Sparse(s.iter().copied().filter(|&i| self.contains(i)).collect())
            }
        };
        let mut unknown: BTreeSet<String> =
            self.unknown.intersection(&other.unknown).cloned().collect();
        if self.rest {
            unknown.extend(other.unknown.iter().cloned());
        }
        if other.rest {
            unknown.extend(self.unknown.iter().cloned());
        }
        let mut out = ActionSet {
            universe: self.universe,
            repr,
            unknown,
            rest: self.rest && other.rest,
        };
        out.settle();
        out
    }

    /// Complement within all actions.
    pub fn complement(&self) -> ActionSet {
        let mut words = self.dense_words();
        words.iter_mut().for_each(|w| *w = !*w);
        trim(&mut words, self.universe);
        let mut out = ActionSet {
            universe: self.universe,
            repr: Repr::Dense(words),
            unknown: BTreeSet::new(),
            // approximate: named unknown actions are not subtracted from "every other action"
            rest: !self.rest || !self.unknown.is_empty(),
        };
        out.settle();
        out
    }

    /// Difference `self - other`.
    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        let repr = match (&self.repr, &other.repr) {
            (Repr::Sparse(a), _) => {
                Repr::Sparse(a.iter().copied().filter(|&i| !other.contains(i)).collect())
            }
            (Repr::Dense(a), Repr::Dense(b)) => {
                Repr::Dense(a.iter().zip(b.iter()).map(|(x, y)| x & !y).collect())
            }
            (Repr::Dense(a), Repr::Sparse(b)) => {
                let mut words = a.clone();
                b.iter().for_each(|&i| clear_bit(&mut words, i));
                Repr::Dense(words)
            }
        };
        let unknown = if other.rest {
            BTreeSet::new()
        } else {
            self.unknown.difference(&other.unknown).cloned().collect()
        };
        let mut out = ActionSet {
            universe: self.universe,
            repr,
            unknown,
            rest: self.rest && !other.rest,
        };
        out.settle();
        out
    }

    /// Is every action of `self` in `other`?
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        // as `self.difference(other).is_empty()`, without building the difference
        if self.rest && !other.rest {
            return false;
        }
        if !other.rest && !self.unknown.is_subset(&other.unknown) {
            return false;
        }
        match (&self.repr, &other.repr) {
            (Repr::Sparse(a), _) => a.iter().all(|&i| other.contains(i)),
            (Repr::Dense(a), Repr::Dense(b)) => a.iter().zip(b.iter()).all(|(x, y)| x & !y == 0),
            (Repr::Dense(_), Repr::Sparse(b)) => {
                // settled sets are dense only when larger than any sparse one
                if self.len() > b.len() {
                    return false;
                }
                let mut inside = true;
                self.for_each(|i| inside &= b.binary_search(&i).is_ok());
                inside
            }
        }
    }

    fn dense_words(&self) -> Box<[u64]> {
        match &self.repr {
            Repr::Dense(w) => w.clone(),
            Repr::Sparse(v) => {
                let mut words = vec![0u64; self.universe.div_ceil(WORD)].into_boxed_slice();
                v.iter().for_each(|&i| set_bit(&mut words, i));
                words
            }
        }
    }

    /// Chooses the smaller representation. INVARIANT: equal sets have equal `repr` variants
    /// after `settle`, so derived `PartialEq` is set equality.
    fn settle(&mut self) {
        let dense_len = self.universe.div_ceil(WORD);
        // a sorted u32 list costs 4 bytes an id, a bitset 8 bytes a word
        let threshold = dense_len * 2;
        match &self.repr {
            Repr::Sparse(v) if v.len() > threshold => self.repr = Repr::Dense(self.dense_words()),
            Repr::Dense(_) => {
                if self.len() <= threshold {
                    self.repr = Repr::Sparse(self.ids());
                }
            }
            Repr::Sparse(_) => {}
        }
    }
}

/// Bits `start..end` set in `words` (and in `mask`).
fn count_words(words: &[u64], mask: Option<&[u64]>, start: usize, end: usize) -> usize {
    let mut n = 0;
    for wi in start / WORD..end.div_ceil(WORD) {
        let mut bits = words[wi] & mask.map_or(u64::MAX, |m| m[wi]);
        let lo = wi * WORD;
        if start > lo {
            bits &= u64::MAX << (start - lo);
        }
        if end < lo + WORD {
            bits &= u64::MAX >> (lo + WORD - end);
        }
        n += bits.count_ones() as usize;
    }
    n
}

fn set_bit(words: &mut [u64], id: ActionId) {
    let i = id as usize;
    if let Some(w) = words.get_mut(i / WORD) {
        *w |= 1 << (i % WORD);
    }
}

fn clear_bit(words: &mut [u64], id: ActionId) {
    let i = id as usize;
    if let Some(w) = words.get_mut(i / WORD) {
        *w &= !(1 << (i % WORD));
    }
}

/// Clears the bits past the universe in the last word.
fn trim(words: &mut [u64], universe: usize) {
    let extra = universe % WORD;
    if extra != 0
        && let Some(last) = words.last_mut()
    {
        *last &= (1u64 << extra) - 1;
    }
}

fn merge_union(a: &[ActionId], b: &[ActionId]) -> Vec<ActionId> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn merge_intersection(a: &[ActionId], b: &[ActionId]) -> Vec<ActionId> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Expands action patterns into [`ActionSet`]s, caching every pattern it has seen.
///
/// Patterns are case-insensitive. A pattern that matches no catalogue action is kept as an
/// unknown action (and listed by [`Expander::unknown_patterns`]), never dropped.
#[derive(Debug)]
pub struct Expander<'c> {
    catalog: &'c Catalog,
    /// Lower-case pattern -> its expansion.
    cache: HashMap<String, Arc<ActionSet>>,
    /// Lower-case pattern list (with `!` prefix for NotAction) -> its expansion.
    element_cache: HashMap<Vec<String>, Arc<ActionSet>>,
}

impl<'c> Expander<'c> {
    /// An expander over `catalog`.
    pub fn new(catalog: &'c Catalog) -> Expander<'c> {
        Expander {
            catalog,
            cache: HashMap::new(),
            element_cache: HashMap::new(),
        }
    }

    /// The catalogue.
    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    /// The expansion of one pattern (`s3:Get*`, `*`, `iam:PassRole`).
    pub fn pattern(&mut self, pattern: &str) -> Arc<ActionSet> {
        let key = pattern.trim().to_ascii_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return Arc::clone(hit);
        }
        let set = Arc::new(expand_pattern(self.catalog, &key));
        self.cache.insert(key, Arc::clone(&set));
        set
    }

    /// The expansion of an `Action` / `NotAction` element.
    pub fn element(&mut self, element: &NameMatch) -> Arc<ActionSet> {
        let mut key: Vec<String> = element
            .patterns
            .iter()
            .map(|p| p.trim().to_ascii_lowercase())
            .collect();
        if element.negated {
            key.push("!".into());
        }
        if let Some(hit) = self.element_cache.get(&key) {
            return Arc::clone(hit);
        }
        let mut set = ActionSet::empty(self.catalog.len());
        for p in &element.patterns {
            set.union_with(&self.pattern(p));
        }
        if element.negated {
            set = set.complement();
        }
        let set = Arc::new(set);
        self.element_cache.insert(key, Arc::clone(&set));
        set
    }

    /// Every pattern seen so far that matched no catalogue action, sorted.
    pub fn unknown_patterns(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .cache
            .iter()
            .filter(|(_, s)| !s.unknown().is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        v.sort();
        v
    }
}

fn expand_pattern(catalog: &Catalog, pattern: &str) -> ActionSet {
    let universe = catalog.len();
    if pattern == "*" {
        return ActionSet::all(universe);
    }
    let Some((svc, act)) = pattern.split_once(':') else {
        let mut s = ActionSet::empty(universe);
        s.insert_unknown(pattern);
        return s;
    };
    let wild_service = svc.contains(['*', '?']);
    let wild_action = act.contains(['*', '?']);
    let mut ids: Vec<ActionId> = Vec::new();
    if !wild_service && !wild_action {
        if let Some(id) = catalog.lookup(pattern) {
            ids.push(id);
        }
    } else {
        for service in catalog.services() {
            let prefix_matches = if wild_service {
                wildcard_match(svc, &service.prefix, true)
            } else {
                service.prefix.eq_ignore_ascii_case(svc)
            };
            if !prefix_matches {
                continue;
            }
            for (offset, action) in catalog.service_actions(service).iter().enumerate() {
                if !wild_action || wildcard_match(act, &action.name, true) {
                    ids.push(service.actions.start + offset as ActionId);
                }
            }
        }
    }
    let mut s = ActionSet::from_ids(universe, ids);
    if s.has_no_known() {
        s.insert_unknown(pattern);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::embedded()
    }

    /// Counting by range (with and without a mask, bitsets and lists alike) equals counting
    /// action by action, over ranges that start and end inside words and at the edges.
    #[test]
    fn counts_in_ranges_as_a_walk_does() {
        let u = 1000;
        let every_third = ActionSet::from_ids(u, (0..u as u32).filter(|i| i % 3 == 0));
        let few = ActionSet::from_ids(u, [1, 2, 63, 64, 65, 500, 999]);
        let odd = ActionSet::from_ids(u, (0..u as u32).filter(|i| i % 2 == 1));
        assert!(matches!(every_third.repr, Repr::Dense(_)));
        assert!(matches!(few.repr, Repr::Sparse(_)));
        let ranges = [
            0..0,
            0..1,
            0..64,
            1..65,
            63..129,
            60..70,
            0..1000,
            999..1000,
            990..2000,
        ];
        for set in [&every_third, &few, &odd] {
            for mask in [None, Some(&every_third), Some(&few), Some(&odd)] {
                for range in ranges.clone() {
                    let mut walked = 0;
                    set.for_each_in(range.clone(), |id| {
                        walked += usize::from(mask.is_none_or(|m| m.contains(id)));
                    });
                    assert_eq!(set.count_in(range.clone(), mask), walked, "{range:?}");
                }
            }
        }
    }

    #[test]
    fn expands_service_wildcards() {
        let c = catalog();
        let mut e = Expander::new(c);
        let s3 = e.pattern("s3:*");
        let service = c.service("s3").unwrap();
        assert_eq!(s3.len(), service.actions.len());
        let get = e.pattern("S3:get*");
        assert!(get.contains(c.lookup("s3:GetObject").unwrap()));
        assert!(get.is_subset(&s3));
        assert!(!get.contains(c.lookup("s3:PutObject").unwrap()));
    }

    #[test]
    fn unknown_actions_are_kept() {
        let mut e = Expander::new(catalog());
        let s = e.pattern("madeup:DoThing");
        assert_eq!(s.len(), 0);
        assert!(s.unknown().contains("madeup:dothing"));
        assert_eq!(e.unknown_patterns(), ["madeup:dothing"]);
    }

    #[test]
    fn not_action_is_the_complement() {
        let c = catalog();
        let mut e = Expander::new(c);
        let not_iam = e.element(&NameMatch {
            negated: true,
            patterns: vec!["iam:*".into()],
        });
        assert!(!not_iam.contains(c.lookup("iam:PassRole").unwrap()));
        assert!(not_iam.contains(c.lookup("s3:GetObject").unwrap()));
        assert!(not_iam.holds_rest());
        let iam = e.pattern("iam:*");
        assert_eq!(not_iam.union(&iam).len(), c.len());
        assert!(not_iam.intersection(&iam).is_empty());
    }

    #[test]
    fn subset_agrees_with_an_empty_difference() {
        let mut e = Expander::new(catalog());
        let sets = [
            e.pattern("s3:*"),
            e.pattern("s3:Get*"),
            e.pattern("ec2:*"),
            e.pattern("*"),
            e.pattern("madeup:Thing"),
            e.element(&NameMatch {
                negated: true,
                patterns: vec!["iam:*".into()],
            }),
            Arc::new(ActionSet::empty(catalog().len())),
            Arc::new(ActionSet::from_ids(catalog().len(), [3, 5000])),
        ];
        for a in &sets {
            for b in &sets {
                assert_eq!(a.is_subset(b), a.difference(b).is_empty(), "{a:?} ⊆ {b:?}");
            }
        }
    }

    #[test]
    fn ranged_iteration_matches_ids_in_both_forms() {
        let sparse = ActionSet::from_ids(300, [3, 64, 65, 130, 299]);
        let dense = ActionSet::from_ids(300, (0..300).filter(|i| i % 7 == 0 || *i == 65));
        assert!(matches!(sparse.repr, Repr::Sparse(_)));
        assert!(matches!(dense.repr, Repr::Dense(_)));
        for set in [&sparse, &dense] {
            let mut all = Vec::new();
            set.for_each(|i| all.push(i));
            assert_eq!(all, set.ids());
            for range in [0..300, 64..131, 4..7, 299..300, 400..500, 130..130] {
                let mut part = Vec::new();
                set.for_each_in(range.clone(), |i| part.push(i));
                let want: Vec<ActionId> = set
                    .ids()
                    .into_iter()
                    .filter(|i| range.contains(i))
                    .collect();
                assert_eq!(part, want, "{range:?}");
            }
        }
    }

    #[test]
    fn sparse_and_dense_agree() {
        let c = catalog();
        let mut e = Expander::new(c);
        let big = e.pattern("ec2:*");
        let small = e.pattern("ec2:Describe*");
        let all = ActionSet::all(c.len());
        assert_eq!(all.intersection(&small).ids(), small.ids());
        assert_eq!(all.difference(&all.difference(&big)).ids(), big.ids());
        assert_eq!(small.union(&big).len(), big.len());
        assert!(all.difference(&all).is_empty());
    }
}
