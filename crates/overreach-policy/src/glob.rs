//! IAM wildcard patterns (`*` any run of characters, `?` one character): matching and
//! containment.
//!
//! A [`Pattern`] is a token list rather than a string so that a policy variable that stands for
//! a literal `*` or `?` (`${*}`, `${?}`) stays literal after substitution.

use std::fmt;

/// One token of a wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, empty included.
    Many,
}

/// A wildcard pattern, normalised so that inside a run of wildcards every `?` comes before at
/// most one `*` (`*?*` and `?*` match the same strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Pattern {
    toks: Vec<Tok>,
}

impl Pattern {
    /// Parses `*` and `?` as wildcards; every other character is literal.
    pub fn new(text: &str) -> Pattern {
        Pattern::from_toks(text.chars().map(|c| match c {
            '*' => Tok::Many,
            '?' => Tok::One,
            c => Tok::Lit(c),
        }))
    }

    /// A pattern in which every character is literal.
    pub fn literal(text: &str) -> Pattern {
        Pattern {
            toks: text.chars().map(Tok::Lit).collect(),
        }
    }

    /// Builds a pattern from tokens, normalising wildcard runs.
    pub fn from_toks(toks: impl IntoIterator<Item = Tok>) -> Pattern {
        let mut out: Vec<Tok> = Vec::new();
        // INVARIANT: `run_start..out.len()` is the current run of wildcards in `out`, holding
        // `?`s first and then at most one `*`.
        let mut run_start = 0;
        for tok in toks {
            match tok {
                Tok::Lit(_) => {
                    out.push(tok);
                    run_start = out.len();
                }
                Tok::One => {
                    let star = out[run_start..].contains(&Tok::Many);
                    if star {
                        // keep `?` before `*`
                        let pos = out.len() - 1;
                        out.insert(pos, Tok::One);
                    } else {
                        out.push(Tok::One);
                    }
                }
                Tok::Many => {
                    if !out[run_start..].contains(&Tok::Many) {
                        out.push(Tok::Many);
                    }
                }
            }
        }
        Pattern { toks: out }
    }

    /// The tokens.
    pub fn toks(&self) -> &[Tok] {
        &self.toks
    }

    /// True when the pattern has no wildcard.
    pub fn is_literal(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, Tok::Lit(_)))
    }

    /// True for the pattern `*`.
    pub fn is_match_all(&self) -> bool {
        self.toks == [Tok::Many]
    }

    /// Does the pattern match all of `text`? Case-sensitive.
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_toks(&self.toks, &chars, false)
    }

    /// Does the pattern match all of `text`, ignoring ASCII case?
    pub fn matches_ignore_case(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_toks(&self.toks, &chars, true)
    }

    /// Is every string this pattern matches also matched by `self`? See [`contains`].
    pub fn contains(&self, inner: &Pattern) -> bool {
        contains(&self.toks, &inner.toks)
    }

    /// Splits at literal `sep` characters, at most `n` parts (the last part keeps the rest).
    pub fn splitn(&self, n: usize, sep: char) -> Vec<Pattern> {
        let mut parts = vec![Pattern::default()];
        for tok in &self.toks {
            if *tok == Tok::Lit(sep) && parts.len() < n {
                parts.push(Pattern::default());
            } else if let Some(last) = parts.last_mut() {
                last.toks.push(*tok);
            }
        }
        parts
    }
}

impl fmt::Display for Pattern {
    /// Writes the pattern in IAM syntax; a literal `*`, `?` or `$` is written as `${*}`,
    /// `${?}`, `${$}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for tok in &self.toks {
            match tok {
                Tok::Lit('*') => f.write_str("${*}")?,
                Tok::Lit('?') => f.write_str("${?}")?,
                Tok::Lit(c) => write!(f, "{c}")?,
                Tok::One => f.write_str("?")?,
                Tok::Many => f.write_str("*")?,
            }
        }
        Ok(())
    }
}

/// Matches `text` against an IAM wildcard pattern given as a string.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return match_bytes(pattern.as_bytes(), text.as_bytes(), ignore_case);
    }
    let pattern = Pattern::new(pattern);
    if ignore_case {
        pattern.matches_ignore_case(text)
    } else {
        pattern.matches(text)
    }
}

/// The classic greedy matcher with backtracking to the last `*`: O(len(p) * len(t)) at worst,
/// linear in the usual case, and no recursion (hostile patterns cannot blow the stack).
fn match_bytes(p: &[u8], t: &[u8], ignore_case: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || (p[pi] != b'*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn match_toks(p: &[Tok], t: &[char], ignore_case: bool) -> bool {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(Tok::Lit(c)) if eq(*c, t[ti]) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(Tok::Many) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|tok| *tok == Tok::Many)
}

/// Matches an ARN against a `Resource` pattern: `*` and `?` do not match `:`, except that a
/// `*` that is the last character of an ARN segment may expand beyond the colon (IAM User
/// Guide, "IAM JSON policy elements: Resource"). Case-sensitive.
///
/// The pattern's literal head is compared first (most ARNs a pattern is asked about differ
/// there); the rest is a position-set simulation: O(len(pattern) * len(arn)) time, no
/// backtracking, so hostile patterns stay bounded. The usual pattern's rest has fewer than
/// 128 positions and runs on a bit set, without allocating.
pub fn match_resource_arn(pattern: &Pattern, arn: &str) -> bool {
    let toks = pattern.toks();
    if pattern.is_literal() {
        // no wildcard: plain equality, linear
        return toks.len() == arn.chars().count()
            && toks.iter().zip(arn.chars()).all(|(t, c)| *t == Tok::Lit(c));
    }
    // before the first wildcard every token must be the ARN's next character
    let head = toks.iter().take_while(|t| matches!(t, Tok::Lit(_))).count();
    let mut chars = arn.chars();
    for t in &toks[..head] {
        match chars.next() {
            Some(c) if *t == Tok::Lit(c) => {}
            _ => return false,
        }
    }
    // the rest is a suffix of the pattern: what follows each `*` is unchanged
    let rest = &toks[head..];
    if rest.len() < SMALL_SIMULATION {
        simulate_small(rest, chars)
    } else {
        simulate(rest, chars)
    }
}

/// Patterns with fewer positions than this (one bit each, and one for "matched") run on a
/// `u128`.
const SMALL_SIMULATION: usize = 127;

/// Does the `*` at position `i` cross colons? It does when it ends its segment (followed by
/// `:` or by the end of the pattern).
fn crosses(toks: &[Tok], i: usize) -> bool {
    matches!(toks.get(i + 1), None | Some(Tok::Lit(':')))
}

/// [`match_resource_arn`]'s simulation for fewer than [`SMALL_SIMULATION`] tokens: the active
/// positions are the bits of a `u128`.
fn simulate_small(toks: &[Tok], chars: std::str::Chars<'_>) -> bool {
    let m = toks.len();
    let activate = |mut i: usize, set: &mut u128| {
        loop {
            *set |= 1 << i;
            if i < m && toks[i] == Tok::Many {
                i += 1;
            } else {
                return;
            }
        }
    };
    let mut active = 0u128;
    activate(0, &mut active);
    for c in chars {
        let mut next = 0u128;
        let mut bits = active;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if i == m {
                continue;
            }
            match toks[i] {
                Tok::Lit(l) if l == c => activate(i + 1, &mut next),
                Tok::One if c != ':' => activate(i + 1, &mut next),
                Tok::Many if c != ':' || crosses(toks, i) => activate(i, &mut next),
                _ => {}
            }
        }
        if next == 0 {
            return false;
        }
        active = next;
    }
    active >> m & 1 == 1
}

/// [`match_resource_arn`]'s simulation for any number of tokens.
fn simulate(toks: &[Tok], chars: std::str::Chars<'_>) -> bool {
    let m = toks.len();
    // INVARIANT: `active` lists each active position once (`mark` is its membership bitmap),
    // so one step costs O(active positions), not O(pattern length)
    let mut active: Vec<usize> = Vec::new();
    let mut mark = vec![false; m + 1];
    let mut next: Vec<usize> = Vec::new();
    let mut next_mark = vec![false; m + 1];
    activate(toks, 0, &mut active, &mut mark);
    for c in chars {
        for &i in &active {
            if i == m {
                continue;
            }
            match toks[i] {
                Tok::Lit(l) if l == c => activate(toks, i + 1, &mut next, &mut next_mark),
                Tok::One if c != ':' => activate(toks, i + 1, &mut next, &mut next_mark),
                Tok::Many if c != ':' || crosses(toks, i) => {
                    activate(toks, i, &mut next, &mut next_mark);
                }
                _ => {}
            }
        }
        for &i in &active {
            mark[i] = false;
        }
        active.clear();
        std::mem::swap(&mut active, &mut next);
        std::mem::swap(&mut mark, &mut next_mark);
        if active.is_empty() {
            return false;
        }
    }
    mark[m]
}

/// Marks position `i` active, and the positions after any `*` run from it (a `*` may match
/// nothing).
fn activate(toks: &[Tok], mut i: usize, list: &mut Vec<usize>, mark: &mut [bool]) {
    loop {
        if !mark[i] {
            mark[i] = true;
            list.push(i);
        }
        if i < toks.len() && toks[i] == Tok::Many {
            i += 1;
        } else {
            return;
        }
    }
}

/// Above this many DP cells containment gives up and answers "not proven" (`false`).
const CONTAINMENT_CELL_LIMIT: usize = 1 << 22;

/// Is the language of `inner` a subset of the language of `outer`?
///
/// Sound: `true` is always right. It simulates `inner` token by token inside `outer`, which is
/// complete for normalised patterns in practice (ARNs and action names); on pathological sizes
/// it answers `false` ("not proven").
pub fn contains(outer: &[Tok], inner: &[Tok]) -> bool {
    if outer == [Tok::Many] || outer == inner {
        return true;
    }
    let (n, m) = (outer.len(), inner.len());
    if (n + 1).saturating_mul(m + 1) > CONTAINMENT_CELL_LIMIT {
        return false;
    }
    // reach[i][j]: outer[i..] contains inner[j..]; computed from the ends backwards.
    let width = m + 1;
    let mut reach = vec![false; (n + 1) * width];
    reach[n * width + m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            let cell = match outer[i] {
                Tok::Many => reach[(i + 1) * width + j] || (j < m && reach[i * width + j + 1]),
                Tok::One => {
                    j < m
                        && matches!(inner[j], Tok::Lit(_) | Tok::One)
                        && reach[(i + 1) * width + j + 1]
                }
                Tok::Lit(c) => j < m && inner[j] == Tok::Lit(c) && reach[(i + 1) * width + j + 1],
            };
            reach[i * width + j] = cell;
        }
    }
    reach[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(wildcard_match("s3:Get*", "s3:getobject", true));
        assert!(!wildcard_match("s3:Get*", "s3:getobject", false));
        assert!(wildcard_match("a?c", "abc", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(wildcard_match("*a*a*a*b", "aaaaaaaaab", false));
        assert!(!wildcard_match("*a*a*a*b", &"a".repeat(10_000), false));
        assert!(wildcard_match("héllo*", "héllo wörld", false));
        assert!(Pattern::literal("a*").matches("a*"));
        assert!(!Pattern::literal("a*").matches("ab"));
    }

    #[test]
    fn arn_wildcards() {
        let m = |p: &str, t: &str| match_resource_arn(&Pattern::new(p), t);
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(m("arn:aws:s3:*", "arn:aws:s3:::bucket/key"));
        assert!(m(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        ));
        assert!(!m(
            "arn:aws:ec2:us-*-1:111122223333:instance/*",
            "arn:aws:ec2:us-east:x-1:111122223333:instance/i-1"
        ));
        assert!(!m("arn:aws:s3:::b?cket", "arn:aws:s3:::b:cket"));
        assert!(!m("arn:aws:iam::*:role/a", "arn:aws:iam::1:2:role/b"));
        assert!(m(
            "arn:aws:rds:us-east-1:111122223333:db:*",
            "arn:aws:rds:us-east-1:111122223333:db:mydb"
        ));
        let long = format!("arn:aws:s3:::{}", "a".repeat(20_000));
        assert!(!m(&format!("arn:aws:s3:::{}b", "*a".repeat(500)), &long));
    }

    /// The bit-set simulation and the general one agree, on every split of a pattern into a
    /// literal head and a rest, and on patterns too long for the bit set.
    #[test]
    fn arn_simulations_agree() {
        let patterns = [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:*",
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-*-1:111122223333:instance/*",
            "arn:aws:s3:::b?cket",
            "arn:aws:iam::*:role/a",
            "arn:aws:rds:us-east-1:111122223333:db:*",
            "*",
            "*:role/*",
            "arn:*:iam::*:role/team-?-*",
            "arn:aws:iam::111122223333:role/*/deploy-*",
        ];
        let arns = [
            "arn:aws:s3:::bucket/a/b:c",
            "arn:aws:s3:::bucket",
            "arn:aws:s3:::b:cket",
            "arn:aws:s3:::bucket/key",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:ec2:us-east:x-1:111122223333:instance/i-1",
            "arn:aws:iam::1:2:role/b",
            "arn:aws:iam::1:role/a",
            "arn:aws:rds:us-east-1:111122223333:db:mydb",
            "arn:aws:iam::111122223333:role/team-a-x",
            "arn:aws:iam::111122223333:role/ci/app/deploy-x",
            "",
        ];
        for p in patterns {
            let toks = Pattern::new(p).toks().to_vec();
            for arn in arns {
                let expected = simulate(&toks, arn.chars());
                assert_eq!(simulate_small(&toks, arn.chars()), expected, "{p} {arn}");
                // the head compared first, then either simulation on the rest
                assert_eq!(
                    match_resource_arn(&Pattern::new(p), arn),
                    expected,
                    "{p} {arn}"
                );
            }
        }
        // long patterns take the general simulation
        let long = format!("arn:aws:s3:::*{}*", "a?".repeat(100));
        let hit = format!("arn:aws:s3:::x{}", "ab".repeat(100));
        assert!(match_resource_arn(&Pattern::new(&long), &hit));
        assert!(!match_resource_arn(
            &Pattern::new(&long),
            &hit[..hit.len() - 1]
        ));
    }

    #[test]
    fn normalises_wildcard_runs() {
        assert_eq!(Pattern::new("a*?*b").toks(), Pattern::new("a?*b").toks());
        assert_eq!(Pattern::new("**").toks(), [Tok::Many]);
    }

    #[test]
    fn containment() {
        let c = |o: &str, i: &str| Pattern::new(o).contains(&Pattern::new(i));
        assert!(c("arn:aws:s3:::*", "arn:aws:s3:::logs-*/*"));
        assert!(!c("arn:aws:s3:::logs-*/*", "arn:aws:s3:::*"));
        assert!(c("*", "anything*"));
        assert!(c("?*", "*?"));
        assert!(c("a*", "a?b*"));
        assert!(!c("*ab*", "a*b"));
        assert!(c("*a*", "xa*"));
        assert!(!c("a?", "a*"));
    }

    #[test]
    fn display_round_trip() {
        let p = Pattern::from_toks([Tok::Lit('*'), Tok::Many, Tok::Lit('x')]);
        assert_eq!(p.to_string(), "${*}*x");
    }
}
