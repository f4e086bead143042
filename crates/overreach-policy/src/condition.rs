//! Condition operators and their evaluation against a request context.
//!
//! Semantics (IAM User Guide, "Condition operators" and "Multivalued context keys"):
//! - a key absent from the request makes positive operators false and negated operators
//!   (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...) true; `...IfExists` is true and
//!   `Null` tests presence;
//! - several values for one key: OR for positive operators, AND (none may match) for negated;
//! - `ForAllValues:` holds when every request value matches (vacuously true when absent);
//!   `ForAnyValue:` holds when at least one does (false when absent);
//! - a key whose value is not known makes the condition [`Tri::Unknown`].

use std::net::IpAddr;

use crate::context::{Lookup, RequestContext, Tri};
use crate::glob::Pattern;
use crate::policy::Version;
use crate::variables::{self, Resolved};

/// The operator family and test, without `IfExists` and set qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[expect(missing_docs, reason = "the variants are AWS's operator names")]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASE_OPS: [(&str, BaseOp); 27] = [
    ("StringEquals", BaseOp::StringEquals),
    ("StringNotEquals", BaseOp::StringNotEquals),
    ("StringEqualsIgnoreCase", BaseOp::StringEqualsIgnoreCase),
    (
        "StringNotEqualsIgnoreCase",
        BaseOp::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOp::StringLike),
    ("StringNotLike", BaseOp::StringNotLike),
    ("NumericEquals", BaseOp::NumericEquals),
    ("NumericNotEquals", BaseOp::NumericNotEquals),
    ("NumericLessThan", BaseOp::NumericLessThan),
    ("NumericLessThanEquals", BaseOp::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOp::NumericGreaterThan),
    ("NumericGreaterThanEquals", BaseOp::NumericGreaterThanEquals),
    ("DateEquals", BaseOp::DateEquals),
    ("DateNotEquals", BaseOp::DateNotEquals),
    ("DateLessThan", BaseOp::DateLessThan),
    ("DateLessThanEquals", BaseOp::DateLessThanEquals),
    ("DateGreaterThan", BaseOp::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOp::DateGreaterThanEquals),
    ("Bool", BaseOp::Bool),
    ("BinaryEquals", BaseOp::BinaryEquals),
    ("IpAddress", BaseOp::IpAddress),
    ("NotIpAddress", BaseOp::NotIpAddress),
    ("ArnEquals", BaseOp::ArnEquals),
    ("ArnLike", BaseOp::ArnLike),
    ("ArnNotEquals", BaseOp::ArnNotEquals),
    ("ArnNotLike", BaseOp::ArnNotLike),
    ("Null", BaseOp::Null),
];

impl BaseOp {
    /// True for the negated operators, whose several values combine with AND.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOp::StringNotEquals
                | BaseOp::StringNotEqualsIgnoreCase
                | BaseOp::StringNotLike
                | BaseOp::NumericNotEquals
                | BaseOp::DateNotEquals
                | BaseOp::NotIpAddress
                | BaseOp::ArnNotEquals
                | BaseOp::ArnNotLike
        )
    }

    /// AWS's name of the operator.
    pub fn name(self) -> &'static str {
        BASE_OPS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(name, _)| name)
    }
}

/// A set qualifier for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:`
    ForAllValues,
    /// `ForAnyValue:`
    ForAnyValue,
}

/// A full condition operator as written (`ForAnyValue:StringLikeIfExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The test.
    pub base: BaseOp,
    /// The `...IfExists` suffix.
    pub if_exists: bool,
    /// The set qualifier prefix.
    pub set: Option<SetQualifier>,
}

impl Operator {
    /// Parses an operator name. Returns `None` for an unknown operator.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = strip_prefix_ci(name, "ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = strip_prefix_ci(name, "ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let find = |n: &str| {
            BASE_OPS
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(n))
                .map(|(_, op)| *op)
        };
        if let Some(base) = find(rest) {
            return Some(Operator {
                base,
                if_exists: false,
                set,
            });
        }
        let cut = rest.len().checked_sub("IfExists".len())?;
        let (head, tail) = (rest.get(..cut)?, rest.get(cut..)?);
        if !tail.eq_ignore_ascii_case("IfExists") {
            return None;
        }
        let base = find(head).filter(|b| *b != BaseOp::Null)?;
        Some(Operator {
            base,
            if_exists: true,
            set,
        })
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.set {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// One operator applied to one key with its values (a Condition block is a list of these,
/// combined with AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The condition key as written (`aws:SourceIp`).
    pub key: String,
    /// The values, as strings (JSON booleans and numbers are written as text).
    pub values: Vec<String>,
}

/// The result of evaluating conditions: a truth and the unknown keys it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondResult {
    /// The truth.
    pub truth: Tri,
    /// The keys whose unknown values made the truth [`Tri::Unknown`].
    pub missing: Vec<String>,
}

/// Evaluates all `conditions` (AND) against the context.
pub fn evaluate_all(
    conditions: &[Condition],
    version: Version,
    ctx: &RequestContext,
) -> CondResult {
    let mut truth = Tri::Yes;
    let mut missing = Vec::new();
    for c in conditions {
        let r = evaluate(c, version, ctx);
        if r.truth == Tri::No {
            return CondResult {
                truth: Tri::No,
                missing: Vec::new(),
            };
        }
        if r.truth == Tri::Unknown {
            missing.extend(r.missing);
        }
        truth = truth.and(r.truth);
    }
    CondResult { truth, missing }
}

/// Evaluates one condition.
pub fn evaluate(cond: &Condition, version: Version, ctx: &RequestContext) -> CondResult {
    let op = cond.operator;
    let unknown = |keys: Vec<String>| CondResult {
        truth: Tri::Unknown,
        missing: keys,
    };
    let known = |b: bool| CondResult {
        truth: Tri::from_bool(b),
        missing: Vec::new(),
    };
    let request_values = match ctx.get(&cond.key) {
        Lookup::Unknown => return unknown(vec![cond.key.clone()]),
        Lookup::Absent => None,
        Lookup::Present(values) => Some(values),
    };
    if op.base == BaseOp::Null {
        let present = request_values.is_some_and(|v| !v.is_empty());
        // Null: "true" holds when the key is absent, "false" when it is present
        return known(cond.values.iter().any(|v| {
            let wants_absent = v.eq_ignore_ascii_case("true");
            wants_absent != present
        }));
    }
    let Some(request_values) = request_values else {
        return known(absent_result(op));
    };
    if request_values.is_empty() {
        // a multivalued key present with no values behaves as absent
        return known(absent_result(op));
    }
    // Resolve policy values once (policy variables may make them unknown).
    let mut policy_values = Vec::with_capacity(cond.values.len());
    let mut missing = Vec::new();
    for v in &cond.values {
        match PolicyValue::resolve(op.base, v, version, ctx) {
            PolicyValueResult::Value(pv) => policy_values.push(pv),
            PolicyValueResult::NoValue => {}
            PolicyValueResult::Unknown(keys) => missing.extend(keys),
        }
    }
    let negated = op.base.is_negated();
    // m(v): does request value v match any policy value (positive sense)?
    let mut per_value = Vec::with_capacity(request_values.len());
    for rv in request_values {
        let hit = policy_values.iter().any(|pv| pv.matches(op.base, rv));
        let m = if hit {
            Tri::Yes
        } else if missing.is_empty() {
            Tri::No
        } else {
            Tri::Unknown
        };
        per_value.push(if negated { m.negate() } else { m });
    }
    let truth = match op.set {
        Some(SetQualifier::ForAllValues) => per_value.iter().fold(Tri::Yes, |a, b| a.and(*b)),
        Some(SetQualifier::ForAnyValue) => per_value.iter().fold(Tri::No, |a, b| a.or(*b)),
        None if negated => per_value.iter().fold(Tri::Yes, |a, b| a.and(*b)),
        None => per_value.iter().fold(Tri::No, |a, b| a.or(*b)),
    };
    CondResult {
        truth,
        missing: if truth == Tri::Unknown {
            missing
        } else {
            Vec::new()
        },
    }
}

/// The result when the key is absent from the request.
fn absent_result(op: Operator) -> bool {
    if op.if_exists {
        return true;
    }
    match op.set {
        Some(SetQualifier::ForAllValues) => true,
        Some(SetQualifier::ForAnyValue) => false,
        None => op.base.is_negated(),
    }
}

enum PolicyValueResult {
    Value(PolicyValue),
    NoValue,
    Unknown(Vec<String>),
}

/// A policy-side value, prepared for its operator family.
enum PolicyValue {
    Text(String),
    Pattern(Pattern),
    Number(Option<f64>),
    Date(Option<f64>),
    Cidr(Option<Cidr>),
    Arn(Vec<Pattern>),
}

impl PolicyValue {
    fn resolve(
        base: BaseOp,
        raw: &str,
        version: Version,
        ctx: &RequestContext,
    ) -> PolicyValueResult {
        use BaseOp::*;
        let substituted = |literal: bool| {
            if literal {
                variables::resolve_literal(raw, version, ctx)
            } else {
                variables::resolve(raw, version, ctx)
            }
        };
        let value = match base {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | Bool => match substituted(true) {
                Resolved::Pattern(p) => PolicyValue::Text(variables::pattern_text(&p)),
                Resolved::NoValue => return PolicyValueResult::NoValue,
                Resolved::Unknown(k) => return PolicyValueResult::Unknown(k),
            },
            StringLike | StringNotLike => match substituted(false) {
                Resolved::Pattern(p) => PolicyValue::Pattern(p),
                Resolved::NoValue => return PolicyValueResult::NoValue,
                Resolved::Unknown(k) => return PolicyValueResult::Unknown(k),
            },
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => match substituted(false) {
                Resolved::Pattern(p) => PolicyValue::Arn(p.splitn(6, ':')),
                Resolved::NoValue => return PolicyValueResult::NoValue,
                Resolved::Unknown(k) => return PolicyValueResult::Unknown(k),
            },
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => PolicyValue::Number(parse_number(raw)),
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => PolicyValue::Date(parse_date(raw)),
            IpAddress | NotIpAddress => PolicyValue::Cidr(Cidr::parse(raw)),
            BinaryEquals | Null => PolicyValue::Text(raw.to_string()),
        };
        PolicyValueResult::Value(value)
    }

    /// Does the request value match this policy value, in the positive sense of `base`?
    fn matches(&self, base: BaseOp, request: &str) -> bool {
        use BaseOp::*;
        match (self, base) {
            (PolicyValue::Text(t), StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | Bool) => {
                t.eq_ignore_ascii_case(request)
            }
            (PolicyValue::Text(t), _) => t == request,
            (PolicyValue::Pattern(p), _) => p.matches(request),
            (PolicyValue::Arn(parts), _) => arn_parts_match(parts, request),
            (PolicyValue::Number(Some(p)), _) => match parse_number(request) {
                Some(r) => compare(base, r, *p),
                None => false,
            },
            (PolicyValue::Date(Some(p)), _) => match parse_date(request) {
                Some(r) => compare(base, r, *p),
                None => false,
            },
            (PolicyValue::Cidr(Some(c)), _) => request
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| c.contains(ip)),
            (PolicyValue::Number(None) | PolicyValue::Date(None) | PolicyValue::Cidr(None), _) => {
                false
            }
        }
    }
}

fn compare(base: BaseOp, request: f64, policy: f64) -> bool {
    use BaseOp::*;
    match base {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => request == policy,
        NumericLessThan | DateLessThan => request < policy,
        NumericLessThanEquals | DateLessThanEquals => request <= policy,
        NumericGreaterThan | DateGreaterThan => request > policy,
        NumericGreaterThanEquals | DateGreaterThanEquals => request >= policy,
        _ => false,
    }
}

/// Matches an ARN component by component (six colon-separated parts, wildcards per part).
pub(crate) fn arn_parts_match(parts: &[Pattern], arn: &str) -> bool {
    if parts.len() == 1 && parts[0].is_match_all() {
        return true;
    }
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    if fields.len() != parts.len() {
        return false;
    }
    parts.iter().zip(&fields).all(|(p, f)| p.matches(f))
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Parses an ISO 8601 date/time (`2020-01-01`, `2020-01-01T10:00:00Z`, fractions and offsets)
/// or epoch seconds, into seconds since the epoch.
pub fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<f64>().ok();
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0..4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5..7)?;
    let day = num(8..10)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = 0.0;
    let mut rest = &s[10..];
    if let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) {
        let tb = time.as_bytes();
        let tnum = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = time.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let hour = tnum(0..2)?;
        if tb.get(2) != Some(&b':') {
            return None;
        }
        let minute = tnum(3..5)?;
        let (second, mut used) = if tb.get(5) == Some(&b':') {
            (tnum(6..8)?, 8)
        } else {
            (0, 5)
        };
        if hour > 24 || minute > 59 || second > 60 {
            return None;
        }
        let mut frac = 0.0;
        if tb.get(used) == Some(&b'.') {
            let start = used + 1;
            let mut end = start;
            while tb.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            frac = format!("0.{}", &time[start..end]).parse().ok()?;
            used = end;
        }
        seconds = (hour * 3600 + minute * 60 + second) as f64 + frac;
        rest = &time[used..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days as f64 * 86_400.0 + seconds - offset as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `203.0.113.0/24`, `2001:db8::/32`, or a bare address (a single host).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// Is `ip` inside this network?
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: Operator::parse(op).unwrap(),
            key: key.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn eval(c: &Condition, ctx: &RequestContext) -> Tri {
        evaluate(c, Version::V2012, ctx).truth
    }

    #[test]
    fn parses_operators() {
        let op = Operator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.base, BaseOp::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("IfExists").is_none());
    }

    #[test]
    fn absent_and_unknown_keys() {
        let complete = RequestContext::complete();
        let unknown = RequestContext::unknown();
        let eq = cond("StringEquals", "aws:PrincipalTag/team", &["blue"]);
        let ne = cond("StringNotEquals", "aws:PrincipalTag/team", &["blue"]);
        assert_eq!(eval(&eq, &complete), Tri::No);
        assert_eq!(eval(&ne, &complete), Tri::Yes);
        assert_eq!(eval(&eq, &unknown), Tri::Unknown);
        let ife = cond("StringEqualsIfExists", "aws:PrincipalTag/team", &["blue"]);
        assert_eq!(eval(&ife, &complete), Tri::Yes);
        let null = cond("Null", "aws:PrincipalTag/team", &["true"]);
        assert_eq!(eval(&null, &complete), Tri::Yes);
    }

    #[test]
    fn negated_values_combine_with_and() {
        let mut ctx = RequestContext::complete();
        ctx.set("aws:RequestedRegion", "eu-west-1");
        let ne = cond(
            "StringNotEquals",
            "aws:RequestedRegion",
            &["us-east-1", "eu-west-1"],
        );
        assert_eq!(eval(&ne, &ctx), Tri::No);
    }

    #[test]
    fn set_qualifiers() {
        let mut ctx = RequestContext::complete();
        ctx.set_values("aws:TagKeys", vec!["a".into(), "b".into()]);
        let all = cond("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b", "c"]);
        let all_miss = cond("ForAllValues:StringEquals", "aws:TagKeys", &["a"]);
        let any = cond("ForAnyValue:StringEquals", "aws:TagKeys", &["b"]);
        assert_eq!(eval(&all, &ctx), Tri::Yes);
        assert_eq!(eval(&all_miss, &ctx), Tri::No);
        assert_eq!(eval(&any, &ctx), Tri::Yes);
        let empty = RequestContext::complete();
        assert_eq!(eval(&all_miss, &empty), Tri::Yes);
        assert_eq!(eval(&any, &empty), Tri::No);
    }

    #[test]
    fn numbers_dates_ips_arns() {
        let mut ctx = RequestContext::complete();
        ctx.set("s3:max-keys", "10")
            .set("aws:CurrentTime", "2020-06-01T12:00:00Z")
            .set("aws:SourceIp", "203.0.113.7")
            .set("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic");
        assert_eq!(
            eval(&cond("NumericLessThanEquals", "s3:max-keys", &["10"]), &ctx),
            Tri::Yes
        );
        assert_eq!(
            eval(&cond("NumericLessThan", "s3:max-keys", &["10"]), &ctx),
            Tri::No
        );
        assert_eq!(
            eval(
                &cond("DateGreaterThan", "aws:CurrentTime", &["2020-01-01"]),
                &ctx
            ),
            Tri::Yes
        );
        assert_eq!(
            eval(
                &cond("DateLessThan", "aws:CurrentTime", &["1577836800"]),
                &ctx
            ),
            Tri::No
        );
        assert_eq!(
            eval(
                &cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
                &ctx
            ),
            Tri::Yes
        );
        assert_eq!(
            eval(
                &cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]),
                &ctx
            ),
            Tri::No
        );
        assert_eq!(
            eval(
                &cond(
                    "ArnLike",
                    "aws:SourceArn",
                    &["arn:aws:sns:*:111122223333:*"]
                ),
                &ctx
            ),
            Tri::Yes
        );
        assert_eq!(
            eval(&cond("ArnLike", "aws:SourceArn", &["arn:aws:sns:*"]), &ctx),
            Tri::No,
            "a wildcard does not span colons"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400.0));
        assert_eq!(parse_date("2020-01-01T00:00:00Z"), Some(1_577_836_800.0));
        assert_eq!(
            parse_date("2020-01-01T01:00:00+01:00"),
            Some(1_577_836_800.0)
        );
        assert_eq!(parse_date("2020-01-01T00:00:00.5Z"), Some(1_577_836_800.5));
        assert_eq!(parse_date("not a date"), None);
        assert_eq!(parse_date("2020-13-01"), None);
    }

    #[test]
    fn ipv6() {
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains("2001:db8::1".parse().unwrap()));
        assert!(!c.contains("2001:db9::1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
