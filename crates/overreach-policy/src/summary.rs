//! Static summaries: what a set of policies allows without a concrete request.
//!
//! [`PolicySummary`] expands one policy's statements once (shared by every principal that
//! attaches the policy). [`summarize_principal`] combines the layers of one principal: the
//! identity-based allows, cut down by the permissions boundary, every SCP level and session
//! policies, minus explicit denies. Each resulting right keeps the statement that grants it.
//!
//! An action is *allowed* when a statement without conditions grants it on some resource, every
//! limiting layer allows it on a scope that contains that resource without conditions, and no
//! deny covers that resource. It is *conditional* when it is granted only under conditions,
//! when a limiting layer's scope does not provably contain the grant's, or when a conditional
//! deny covers it. Resource containment is decided with [`Pattern::contains`], which is sound:
//! when containment cannot be proven, a deny is not assumed to cover (more access is reported,
//! never less).

use std::sync::Arc;

use crate::actionset::{ActionSet, Expander};
use crate::glob::Pattern;
use crate::policy::{Effect, NameMatch, NamedPolicy, StatementRef};
use crate::variables::has_variables;

/// The resources a statement covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceScope {
    /// Every resource (`Resource: "*"`, or no `Resource` element as in trust policies).
    Any,
    /// These patterns (`Resource`).
    Patterns(Vec<String>),
    /// Everything but these patterns (`NotResource`).
    Not(Vec<String>),
}

impl ResourceScope {
    fn from_element(element: Option<&NameMatch>) -> ResourceScope {
        match element {
            None => ResourceScope::Any,
            Some(e) if e.is_match_all() => ResourceScope::Any,
            Some(e) if e.negated => ResourceScope::Not(e.patterns.clone()),
            Some(e) => ResourceScope::Patterns(e.patterns.clone()),
        }
    }

    /// Does `self` provably cover every resource `inner` covers? Sound, not complete.
    /// Patterns holding policy variables never count as covering (their value varies), and
    /// inside `inner` a variable stands for any text.
    pub fn contains(&self, inner: &ResourceScope) -> bool {
        match (self, inner) {
            (ResourceScope::Any, _) => true,
            (_, ResourceScope::Any) => false,
            (ResourceScope::Patterns(outer), ResourceScope::Patterns(inner)) => {
                inner.iter().all(|i| {
                    let i = inner_pattern(i);
                    outer
                        .iter()
                        .any(|o| !has_variables(o) && resource_contains(&Pattern::new(o), &i))
                })
            }
            // everything but `o` contains everything but `i` when each `o` is inside some `i`
            (ResourceScope::Not(outer), ResourceScope::Not(inner)) => outer.iter().all(|o| {
                let o = inner_pattern(o);
                inner
                    .iter()
                    .any(|i| !has_variables(i) && resource_contains(&Pattern::new(i), &o))
            }),
            _ => false,
        }
    }

    /// Could the scope cover `resource`? A quick test that never says no where the evaluator
    /// could match: policy variables stand for any text, wildcards span colons, case is
    /// ignored, and a `NotResource` scope always may.
    pub fn may_cover(&self, resource: &str) -> bool {
        match self {
            ResourceScope::Any | ResourceScope::Not(_) => true,
            ResourceScope::Patterns(patterns) => patterns.iter().any(|p| {
                if has_variables(p) {
                    inner_pattern(p).matches_ignore_case(resource)
                } else {
                    crate::glob::wildcard_match(p, resource, true)
                }
            }),
        }
    }

    /// The patterns a `Resource` scope names (`*` for any; none for `NotResource`).
    pub fn patterns(&self) -> &[String] {
        const ANY: &[String] = &[];
        match self {
            ResourceScope::Any => ANY,
            ResourceScope::Patterns(p) => p,
            ResourceScope::Not(_) => ANY,
        }
    }

    /// The scope as written, for reports (`NotResource` patterns prefixed with `not `).
    pub fn describe(&self) -> Vec<String> {
        match self {
            ResourceScope::Any => vec!["*".into()],
            ResourceScope::Patterns(p) => p.clone(),
            ResourceScope::Not(p) => p.iter().map(|x| format!("not {x}")).collect(),
        }
    }
}

/// A pattern in which `${...}` variables stand for any text.
fn inner_pattern(text: &str) -> Pattern {
    if !has_variables(text) {
        return Pattern::new(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Pattern::new(&out)
}

/// ARN-aware containment: `*` contains everything; ARNs compare component by component.
fn resource_contains(outer: &Pattern, inner: &Pattern) -> bool {
    if outer.is_match_all() {
        return true;
    }
    let (o, i) = (outer.splitn(6, ':'), inner.splitn(6, ':'));
    if o.len() == 6 && i.len() == 6 {
        return o.iter().zip(&i).all(|(a, b)| a.contains(b));
    }
    outer.contains(inner)
}

/// One statement, expanded.
#[derive(Debug, Clone)]
pub struct StatementSummary {
    /// Which statement.
    pub statement: StatementRef,
    /// The actions it names, expanded over the catalogue.
    pub actions: Arc<ActionSet>,
    /// The resources it covers.
    pub resources: ResourceScope,
    /// The condition keys it tests (empty: unconditional).
    pub condition_keys: Vec<String>,
}

impl StatementSummary {
    /// True when the statement has conditions.
    pub fn is_conditional(&self) -> bool {
        !self.condition_keys.is_empty()
    }
}

/// One policy, expanded; shared by every principal that attaches it.
#[derive(Debug, Clone)]
pub struct PolicySummary {
    /// The policy's id.
    pub id: String,
    /// The Allow statements.
    pub allows: Vec<StatementSummary>,
    /// The Deny statements.
    pub denies: Vec<StatementSummary>,
}

/// Expands every statement of a policy.
pub fn summarize_policy(policy: &NamedPolicy, expander: &mut Expander<'_>) -> PolicySummary {
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    for (index, statement) in policy.policy.statements.iter().enumerate() {
        let mut keys: Vec<String> = statement.conditions.iter().map(|c| c.key.clone()).collect();
        keys.sort_by_key(|k| k.to_ascii_lowercase());
        keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let summary = StatementSummary {
            statement: policy.statement_ref(index),
            actions: expander.element(&statement.action),
            resources: ResourceScope::from_element(statement.resource.as_ref()),
            condition_keys: keys,
        };
        match statement.effect {
            Effect::Allow => allows.push(summary),
            Effect::Deny => denies.push(summary),
        }
    }
    PolicySummary {
        id: policy.id.clone(),
        allows,
        denies,
    }
}

/// The policies of one principal, by layer (already summarised).
#[derive(Debug, Clone, Default)]
pub struct Layers<'a> {
    /// Identity-based policies (own, groups').
    pub identity: Vec<&'a PolicySummary>,
    /// The permissions boundary.
    pub boundary: Option<&'a PolicySummary>,
    /// SCP levels: each must allow.
    pub scps: Vec<Vec<&'a PolicySummary>>,
    /// Session policies.
    pub session: Vec<&'a PolicySummary>,
}

/// What one identity-based Allow statement contributes after every layer.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The granting statement.
    pub statement: StatementRef,
    /// Its resources.
    pub resources: ResourceScope,
    /// Actions it grants without conditions.
    pub allowed: ActionSet,
    /// Actions it grants only under conditions or on part of its scope.
    pub conditional: ActionSet,
    /// The condition keys the conditional part depends on (the statement's own, and those of
    /// limiting or denying statements).
    pub condition_keys: Vec<String>,
    /// Statements of limiting layers (boundary, SCPs, session) or denies that made part of it
    /// conditional.
    pub limited_by: Vec<StatementRef>,
}

/// The effective rights of one principal from its own policies.
#[derive(Debug, Clone)]
pub struct EffectiveSummary {
    /// Actions allowed on some resource without conditions.
    pub allowed: ActionSet,
    /// Actions allowed only under conditions (not in `allowed`).
    pub conditional: ActionSet,
    /// Actions outside the catalogue that the allowing statements name.
    pub unknown_actions: Vec<String>,
    /// The contributing statements.
    pub grants: Vec<Grant>,
}

impl EffectiveSummary {
    /// The grants that give `action` (by catalogue id), with whether each is conditional.
    pub fn grants_for(
        &self,
        action: crate::catalog::ActionId,
    ) -> impl Iterator<Item = (&Grant, bool)> {
        self.grants.iter().filter_map(move |g| {
            if g.allowed.contains(action) {
                Some((g, false))
            } else if g.conditional.contains(action) {
                Some((g, true))
            } else {
                None
            }
        })
    }
}

/// Combines a principal's layers into its effective rights.
pub fn summarize_principal(layers: &Layers<'_>, universe: usize) -> EffectiveSummary {
    let limiting: Vec<Vec<&PolicySummary>> = layers
        .boundary
        .map(|b| vec![b])
        .into_iter()
        .chain(layers.scps.iter().cloned())
        .chain((!layers.session.is_empty()).then(|| layers.session.clone()))
        .collect();
    let denies: Vec<&StatementSummary> = layers
        .identity
        .iter()
        .chain(layers.boundary.iter())
        .chain(layers.scps.iter().flatten())
        .chain(layers.session.iter())
        .flat_map(|p| p.denies.iter())
        .collect();

    let mut allowed = ActionSet::empty(universe);
    let mut conditional = ActionSet::empty(universe);
    let mut unknown: Vec<String> = Vec::new();
    let mut grants = Vec::new();
    for s in layers.identity.iter().flat_map(|p| p.allows.iter()) {
        let mut keys = s.condition_keys.clone();
        let mut limited_by = Vec::new();
        // each limiting layer: what it allows on a scope containing ours, unconditionally
        // (`sure`), and what it allows at all (`maybe`)
        let mut sure = (*s.actions).clone();
        let mut maybe = (*s.actions).clone();
        for layer in &limiting {
            let mut layer_sure = ActionSet::empty(universe);
            let mut layer_maybe = ActionSet::empty(universe);
            for t in layer.iter().flat_map(|p| p.allows.iter()) {
                if t.actions.intersection(&s.actions).is_empty() {
                    continue;
                }
                layer_maybe.union_with(&t.actions);
                if !t.is_conditional() && t.resources.contains(&s.resources) {
                    layer_sure.union_with(&t.actions);
                } else {
                    keys.extend(t.condition_keys.iter().cloned());
                    limited_by.push(t.statement.clone());
                }
            }
            sure = sure.intersection(&layer_sure);
            maybe = maybe.intersection(&layer_maybe);
        }
        for d in &denies {
            if d.actions.intersection(&maybe).is_empty() || !d.resources.contains(&s.resources) {
                continue;
            }
            if d.is_conditional() {
                sure = sure.difference(&d.actions);
                keys.extend(d.condition_keys.iter().cloned());
                limited_by.push(d.statement.clone());
            } else {
                sure = sure.difference(&d.actions);
                maybe = maybe.difference(&d.actions);
            }
        }
        if s.is_conditional() {
            sure = ActionSet::empty(universe);
        }
        let cond_part = maybe.difference(&sure);
        if sure.is_empty() && cond_part.is_empty() {
            continue;
        }
        unknown.extend(maybe.unknown().iter().cloned());
        allowed.union_with(&sure);
        conditional.union_with(&cond_part);
        keys.sort_by_key(|k| k.to_ascii_lowercase());
        keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        limited_by.sort();
        limited_by.dedup();
        grants.push(Grant {
            statement: s.statement.clone(),
            resources: s.resources.clone(),
            allowed: sure,
            conditional: cond_part,
            condition_keys: keys,
            limited_by,
        });
    }
    let conditional = conditional.difference(&allowed);
    unknown.sort();
    unknown.dedup();
    EffectiveSummary {
        allowed,
        conditional,
        unknown_actions: unknown,
        grants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::parse::parse_policy;

    #[test]
    fn may_cover_never_rules_out_what_could_match() {
        let arn = "arn:aws:iam::111122223333:role/deploy/App";
        let scope = |p: &[&str]| ResourceScope::Patterns(p.iter().map(|s| s.to_string()).collect());
        assert!(ResourceScope::Any.may_cover(arn));
        assert!(ResourceScope::Not(vec![arn.into()]).may_cover(arn));
        assert!(scope(&["arn:aws:iam::*:role/deploy/*"]).may_cover(arn));
        assert!(scope(&["arn:aws:iam::111122223333:role/DEPLOY/app"]).may_cover(arn));
        assert!(scope(&["arn:aws:iam::111122223333:role/${aws:username}/*"]).may_cover(arn));
        assert!(
            scope(&[
                "arn:aws:s3:::x",
                "arn:aws:iam::111122223333:role/deploy/Ap?"
            ])
            .may_cover(arn)
        );
        assert!(!scope(&["arn:aws:iam::111122223333:role/ops/*"]).may_cover(arn));
        assert!(!scope(&["arn:aws:iam::444455556666:role/deploy/App"]).may_cover(arn));
        assert!(!scope(&[]).may_cover(arn));
    }

    fn summary(ex: &mut Expander<'_>, id: &str, json: &str) -> PolicySummary {
        summarize_policy(&NamedPolicy::new(id, parse_policy(json).unwrap()), ex)
    }

    #[test]
    fn containment_of_scopes() {
        let any = ResourceScope::Any;
        let s3 = ResourceScope::Patterns(vec!["arn:aws:s3:::*".into()]);
        let logs = ResourceScope::Patterns(vec!["arn:aws:s3:::logs-*/*".into()]);
        assert!(any.contains(&logs));
        assert!(s3.contains(&logs));
        assert!(!logs.contains(&s3));
        assert!(!logs.contains(&any));
        let home = ResourceScope::Patterns(vec!["arn:aws:s3:::home/${aws:username}/*".into()]);
        assert!(s3.contains(&home));
        assert!(!home.contains(&s3));
    }

    #[test]
    fn boundary_cuts_admin_to_read_only() {
        let c = Catalog::embedded();
        let mut ex = Expander::new(c);
        let admin = summary(
            &mut ex,
            "admin",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        let pb = summary(
            &mut ex,
            "pb",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}"#,
        );
        let deny = summary(
            &mut ex,
            "deny",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"},
            {"Effect":"Deny","Action":"s3:ListBucket","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        let layers = Layers {
            identity: vec![&admin, &deny],
            boundary: Some(&pb),
            ..Layers::default()
        };
        let eff = summarize_principal(&layers, c.len());
        let id = |n: &str| c.lookup(n).unwrap();
        assert!(eff.allowed.contains(id("s3:GetBucketPolicy")));
        assert!(!eff.allowed.contains(id("s3:GetObject")));
        assert!(!eff.conditional.contains(id("s3:GetObject")));
        assert!(!eff.allowed.contains(id("s3:ListBucket")));
        assert!(eff.conditional.contains(id("s3:ListBucket")));
        assert!(!eff.allowed.contains(id("iam:PassRole")));
        let (grant, conditional) = eff.grants_for(id("s3:ListBucket")).next().unwrap();
        assert!(conditional);
        assert_eq!(grant.statement.policy, "admin");
        assert!(
            grant
                .condition_keys
                .contains(&"aws:SecureTransport".to_string())
        );
    }

    #[test]
    fn scp_levels_must_each_allow() {
        let c = Catalog::embedded();
        let mut ex = Expander::new(c);
        let admin = summary(
            &mut ex,
            "admin",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        let full = summary(
            &mut ex,
            "FullAWSAccess",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        let ec2_only = summary(
            &mut ex,
            "ec2-only",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#,
        );
        let layers = Layers {
            identity: vec![&admin],
            scps: vec![vec![&full], vec![&ec2_only]],
            ..Layers::default()
        };
        let eff = summarize_principal(&layers, c.len());
        assert_eq!(eff.allowed.len(), c.service("ec2").unwrap().actions.len());
    }

    #[test]
    fn resource_scoped_deny_leaves_other_resources() {
        let c = Catalog::embedded();
        let mut ex = Expander::new(c);
        let allow = summary(
            &mut ex,
            "a",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}"#,
        );
        let deny = summary(
            &mut ex,
            "d",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::secret*"}]}"#,
        );
        let eff = summarize_principal(
            &Layers {
                identity: vec![&allow, &deny],
                ..Layers::default()
            },
            c.len(),
        );
        let get = c.lookup("s3:GetObject").unwrap();
        let grants: Vec<_> = eff.grants_for(get).collect();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].0.statement.index, 0);
    }
}
