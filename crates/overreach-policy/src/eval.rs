//! The evaluator: AWS's documented policy evaluation logic for one request.
//!
//! Order (IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation"):
//! 1. an explicit `Deny` in any policy of any layer denies;
//! 2. every SCP level and every RCP level must allow;
//! 3. a resource-based policy may grant on its own (same account, when it names the caller);
//!    a role trust policy must always allow `sts:AssumeRole*`;
//! 4. otherwise the identity side must allow: identity-based policies, and the permissions
//!    boundary and session policies when present;
//! 5. cross-account, both the identity side and the resource-based policy must allow.
//!
//! Every statement match is three-valued: a condition on a key whose value is unknown makes it
//! [`Tri::Unknown`], and a decision that hinges on one is [`Outcome::Conditional`], never a
//! silent allow or deny.

use std::collections::BTreeSet;

use crate::condition;
use crate::context::{RequestContext, Tri};
use crate::glob::{Pattern, match_resource_arn, wildcard_match};
use crate::policy::{Effect, NameMatch, NamedPolicy, Statement, StatementRef, Version};
use crate::principal::{Principal, PrincipalMatch, match_principal};
use crate::variables::{self, Resolved};

/// One request to decide.
#[derive(Debug, Clone)]
pub struct Request {
    /// Who asks.
    pub principal: Principal,
    /// The action, `service:Name`.
    pub action: String,
    /// The resource ARN (`*` when the action takes none).
    pub resource: String,
    /// The account that owns the resource; `None` means the principal's own account.
    pub resource_account: Option<String>,
    /// The condition keys.
    pub context: RequestContext,
}

impl Request {
    /// A request whose context is filled with the keys derivable from the principal
    /// (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`),
    /// unless `context` sets them already.
    pub fn new(
        principal: Principal,
        action: &str,
        resource: &str,
        context: RequestContext,
    ) -> Request {
        let mut context = context;
        let mut derive = |key: &str, value: Option<String>| {
            if !context.is_set(key) {
                match value {
                    Some(v) => {
                        context.set(key, v);
                    }
                    None => {
                        context.set_absent(key);
                    }
                }
            }
        };
        derive("aws:PrincipalArn", principal.principal_arn());
        derive(
            "aws:PrincipalAccount",
            principal.account().map(str::to_string),
        );
        derive(
            "aws:PrincipalType",
            Some(principal.principal_type().to_string()),
        );
        derive(
            "aws:username",
            match &principal {
                Principal::User { name, .. } => Some(name.clone()),
                _ => None,
            },
        );
        if let Principal::Service(name) = &principal {
            derive("aws:PrincipalServiceName", Some(name.clone()));
        }
        Request {
            principal,
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: None,
            context,
        }
    }

    /// Is the resource in another account than the principal's?
    fn is_cross_account(&self) -> bool {
        match (&self.resource_account, self.principal.account()) {
            (Some(res), Some(own)) => res != own,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// What kind of resource-based policy is attached to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourcePolicyKind {
    /// A resource-based policy (bucket policy, key policy, ...).
    Resource,
    /// A role trust policy: it must allow every `sts:AssumeRole*` request.
    Trust,
}

/// Every policy that applies to one request, by layer.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies of the principal (its own, its groups').
    pub identity: Vec<&'a NamedPolicy>,
    /// The permissions boundary, if any.
    pub boundary: Option<&'a NamedPolicy>,
    /// SCPs, one list per level (root, OUs, account): each level must allow.
    pub scps: Vec<Vec<&'a NamedPolicy>>,
    /// RCPs, one list per level: each level must allow.
    pub rcps: Vec<Vec<&'a NamedPolicy>>,
    /// Session policies, if the session was created with any.
    pub session: Vec<&'a NamedPolicy>,
    /// The resource-based policy (or role trust policy) of the resource.
    pub resource: Option<(&'a NamedPolicy, ResourcePolicyKind)>,
}

/// The layers of [`PolicySet`], as decisions name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Service control policies.
    Scp,
    /// Resource control policies.
    Rcp,
    /// A role trust policy.
    Trust,
    /// A resource-based policy.
    Resource,
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// Session policies.
    Session,
}

impl Layer {
    /// The kebab-case name used in reports and fixtures.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Scp => "scp",
            Layer::Rcp => "rcp",
            Layer::Trust => "trust",
            Layer::Resource => "resource",
            Layer::Identity => "identity",
            Layer::Boundary => "boundary",
            Layer::Session => "session",
        }
    }
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed.
    Allowed,
    /// Denied by an explicit `Deny`.
    ExplicitDeny,
    /// Denied because this layer (the first in evaluation order) did not allow.
    ImplicitDeny(Layer),
    /// Depends on condition keys whose values are not known.
    Conditional,
}

impl Outcome {
    /// `allowed`, `explicit-deny`, `implicit-deny`, `conditional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitDeny => "explicit-deny",
            Outcome::ImplicitDeny(_) => "implicit-deny",
            Outcome::Conditional => "conditional",
        }
    }
}

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The answer.
    pub outcome: Outcome,
    /// The statements that decide it: the matching Allow statements of every layer
    /// (allowed), the matching Deny statements (explicit deny), or the statements whose match is
    /// unknown (conditional). Sorted.
    pub statements: Vec<StatementRef>,
    /// For a conditional decision, the condition keys it depends on (sorted, as written).
    pub missing_keys: Vec<String>,
}

/// How one statement matched.
#[derive(Debug, Clone)]
struct Hit<'a> {
    policy: &'a NamedPolicy,
    index: usize,
    truth: Tri,
    principal: PrincipalMatch,
    missing: Vec<String>,
}

/// The Allow side of one layer.
#[derive(Debug, Default)]
struct LayerAllow<'a> {
    hits: Vec<Hit<'a>>,
}

impl LayerAllow<'_> {
    fn truth(&self) -> Tri {
        self.hits.iter().fold(Tri::No, |t, h| t.or(h.truth))
    }

    /// The truth counting only hits whose principal match satisfies `pred`.
    fn truth_where(&self, pred: impl Fn(PrincipalMatch) -> bool) -> Tri {
        self.hits
            .iter()
            .filter(|h| pred(h.principal))
            .fold(Tri::No, |t, h| t.or(h.truth))
    }
}

/// Decides `request` against `policies`.
pub fn evaluate<'a>(request: &Request, policies: &PolicySet<'a>) -> Decision {
    let mut all: Vec<(&NamedPolicy, Layer)> = Vec::new();
    for level in &policies.scps {
        all.extend(level.iter().map(|p| (*p, Layer::Scp)));
    }
    for level in &policies.rcps {
        all.extend(level.iter().map(|p| (*p, Layer::Rcp)));
    }
    all.extend(policies.identity.iter().map(|p| (*p, Layer::Identity)));
    all.extend(policies.boundary.map(|p| (p, Layer::Boundary)));
    all.extend(policies.session.iter().map(|p| (*p, Layer::Session)));
    if let Some((p, kind)) = policies.resource {
        let layer = match kind {
            ResourcePolicyKind::Resource => Layer::Resource,
            ResourcePolicyKind::Trust => Layer::Trust,
        };
        all.push((p, layer));
    }

    // 1. explicit deny anywhere
    let denies: Vec<Hit<'_>> = all
        .iter()
        .flat_map(|(p, layer)| matching(request, p, Effect::Deny, *layer))
        .collect();
    let certain: Vec<&Hit<'_>> = denies.iter().filter(|h| h.truth == Tri::Yes).collect();
    if !certain.is_empty() {
        return decision(Outcome::ExplicitDeny, &certain);
    }

    // 2-5. allows, layer by layer
    let allow = |list: &[&'a NamedPolicy], layer: Layer| allow_layer(request, list, layer);
    let scp_levels: Vec<LayerAllow<'_>> =
        policies.scps.iter().map(|l| allow(l, Layer::Scp)).collect();
    let rcp_levels: Vec<LayerAllow<'_>> =
        policies.rcps.iter().map(|l| allow(l, Layer::Rcp)).collect();
    let identity = allow(&policies.identity, Layer::Identity);
    let boundary = policies.boundary.map(|b| allow(&[b], Layer::Boundary));
    let session = (!policies.session.is_empty()).then(|| allow(&policies.session, Layer::Session));
    let resource = policies.resource.map(|(p, kind)| {
        let layer = if kind == ResourcePolicyKind::Trust {
            Layer::Trust
        } else {
            Layer::Resource
        };
        (allow(&[p], layer), kind)
    });

    let scp = scp_levels.iter().fold(Tri::Yes, |t, l| t.and(l.truth()));
    let rcp = rcp_levels.iter().fold(Tri::Yes, |t, l| t.and(l.truth()));
    let pb = boundary.as_ref().map_or(Tri::Yes, LayerAllow::truth);
    let sess = session.as_ref().map_or(Tri::Yes, LayerAllow::truth);
    let id = identity.truth();
    let identity_side = id.and(pb).and(sess);
    let cross = request.is_cross_account();

    // services, federated identities and anonymous callers have no identity-based policies:
    // only the resource-based (or trust) policy can grant them anything
    let accountless = request.principal.account().is_none();
    let grant = match &resource {
        None if cross || accountless => Tri::No,
        Some((res, _)) if accountless => res.truth_where(|m| m != PrincipalMatch::No),
        None => identity_side,
        Some((res, kind)) => {
            let any = res.truth_where(|m| m != PrincipalMatch::No);
            if cross {
                any.and(identity_side)
            } else {
                // a grant naming the caller stands alone; naming its role ARN is limited by
                // the boundary and session policies; naming the account only delegates
                let direct = res.truth_where(|m| m == PrincipalMatch::Direct);
                let role = res.truth_where(|m| m == PrincipalMatch::RoleArn);
                if *kind == ResourcePolicyKind::Trust {
                    // "If a permissions boundary is set for the user, then it must allow the
                    // sts:AssumeRole action" even when the trust policy names the user
                    // (IAM User Guide, "Update a role trust policy")
                    any.and(direct.or(role).and(pb).and(sess).or(identity_side))
                } else {
                    direct.or(role.and(pb).and(sess)).or(identity_side)
                }
            }
        }
    };
    let total = scp.and(rcp).and(grant);
    let unknown_denies: Vec<&Hit<'_>> = denies.iter().filter(|h| h.truth == Tri::Unknown).collect();

    match total {
        Tri::Yes if unknown_denies.is_empty() => {
            let mut hits: Vec<&Hit<'_>> = Vec::new();
            for l in scp_levels.iter().chain(&rcp_levels).chain([&identity]) {
                hits.extend(l.hits.iter().filter(|h| h.truth == Tri::Yes));
            }
            for l in boundary
                .iter()
                .chain(session.iter())
                .chain(resource.iter().map(|(r, _)| r))
            {
                hits.extend(l.hits.iter().filter(|h| h.truth == Tri::Yes));
            }
            decision(Outcome::Allowed, &hits)
        }
        Tri::Yes => decision(Outcome::Conditional, &unknown_denies),
        Tri::Unknown => {
            let mut hits = unknown_denies;
            let layers = scp_levels
                .iter()
                .chain(&rcp_levels)
                .chain([&identity])
                .chain(boundary.iter())
                .chain(session.iter())
                .chain(resource.iter().map(|(r, _)| r));
            for l in layers {
                if l.truth() == Tri::Unknown {
                    hits.extend(l.hits.iter().filter(|h| h.truth == Tri::Unknown));
                }
            }
            decision(Outcome::Conditional, &hits)
        }
        Tri::No => {
            let layer = if scp == Tri::No {
                Layer::Scp
            } else if rcp == Tri::No {
                Layer::Rcp
            } else {
                match &resource {
                    Some((res, ResourcePolicyKind::Trust)) if res.truth() == Tri::No => {
                        Layer::Trust
                    }
                    Some((res, ResourcePolicyKind::Resource))
                        if cross && res.truth() == Tri::No =>
                    {
                        Layer::Resource
                    }
                    Some((_, ResourcePolicyKind::Resource)) if accountless => Layer::Resource,
                    None if cross || accountless => Layer::Resource,
                    // the resource side named the caller, so only the limits can have failed
                    Some((res, _))
                        if !cross
                            && res.truth_where(|m| m >= PrincipalMatch::RoleArn) != Tri::No
                            && (pb == Tri::No || sess == Tri::No) =>
                    {
                        if pb == Tri::No {
                            Layer::Boundary
                        } else {
                            Layer::Session
                        }
                    }
                    _ if id == Tri::No => Layer::Identity,
                    _ if pb == Tri::No => Layer::Boundary,
                    _ if sess == Tri::No => Layer::Session,
                    _ => Layer::Identity,
                }
            };
            decision(Outcome::ImplicitDeny(layer), &[])
        }
    }
}

fn allow_layer<'a>(request: &Request, list: &[&'a NamedPolicy], layer: Layer) -> LayerAllow<'a> {
    LayerAllow {
        hits: list
            .iter()
            .flat_map(|p| matching(request, p, Effect::Allow, layer))
            .collect(),
    }
}

fn decision(outcome: Outcome, hits: &[&Hit<'_>]) -> Decision {
    let statements: BTreeSet<StatementRef> = hits
        .iter()
        .map(|h| h.policy.statement_ref(h.index))
        .collect();
    let missing: BTreeSet<String> = if outcome == Outcome::Conditional {
        hits.iter()
            .flat_map(|h| h.missing.iter().cloned())
            .collect()
    } else {
        BTreeSet::new()
    };
    Decision {
        outcome,
        statements: statements.into_iter().collect(),
        missing_keys: missing.into_iter().collect(),
    }
}

/// The statements of `policy` with `effect` that match the request (certainly or maybe).
fn matching<'a>(
    request: &Request,
    policy: &'a NamedPolicy,
    effect: Effect,
    layer: Layer,
) -> Vec<Hit<'a>> {
    let mut out = Vec::new();
    for (index, statement) in policy.policy.statements.iter().enumerate() {
        if statement.effect != effect {
            continue;
        }
        let needs_principal = matches!(layer, Layer::Resource | Layer::Trust);
        if let Some(hit) =
            match_statement(request, statement, policy.policy.version, needs_principal)
        {
            out.push(Hit {
                policy,
                index,
                truth: hit.0,
                principal: hit.1,
                missing: hit.2,
            });
        }
    }
    out
}

/// Matches one statement: `None` when it certainly does not apply.
fn match_statement(
    request: &Request,
    statement: &Statement,
    version: Version,
    needs_principal: bool,
) -> Option<(Tri, PrincipalMatch, Vec<String>)> {
    let principal = match &statement.principal {
        Some(spec) => match_principal(spec, &request.principal),
        // a resource-based policy statement without Principal matches nobody
        None if needs_principal => PrincipalMatch::No,
        None => PrincipalMatch::Direct,
    };
    if principal == PrincipalMatch::No {
        return None;
    }
    if !action_matches(&statement.action, &request.action) {
        return None;
    }
    let mut truth = Tri::Yes;
    let mut missing = Vec::new();
    if let Some(resource) = &statement.resource {
        let (t, m) = resource_matches(resource, &request.resource, version, &request.context);
        if t == Tri::No {
            return None;
        }
        truth = truth.and(t);
        missing.extend(m);
    }
    let c = condition::evaluate_all(&statement.conditions, version, &request.context);
    if c.truth == Tri::No {
        return None;
    }
    truth = truth.and(c.truth);
    missing.extend(c.missing);
    Some((truth, principal, missing))
}

/// `Action` / `NotAction` against one action name (case-insensitive, wildcards).
pub fn action_matches(element: &NameMatch, action: &str) -> bool {
    let hit = element
        .patterns
        .iter()
        .any(|p| wildcard_match(p, action, true));
    hit != element.negated
}

/// `Resource` / `NotResource` against one resource ARN, after policy variables.
pub fn resource_matches(
    element: &NameMatch,
    resource: &str,
    version: Version,
    ctx: &RequestContext,
) -> (Tri, Vec<String>) {
    let mut truth = Tri::No;
    let mut missing = Vec::new();
    for raw in &element.patterns {
        let t = match variables::resolve(raw, version, ctx) {
            Resolved::Pattern(p) => Tri::from_bool(resource_pattern_matches(&p, resource)),
            Resolved::NoValue => Tri::No,
            Resolved::Unknown(keys) => {
                missing.extend(keys);
                Tri::Unknown
            }
        };
        truth = truth.or(t);
    }
    let truth = if element.negated {
        truth.negate()
    } else {
        truth
    };
    if truth != Tri::Unknown {
        missing.clear();
    }
    (truth, missing)
}

/// A resource pattern against an ARN: `*` matches everything; in an ARN a wildcard does not
/// span a colon unless it ends its segment; anything else matches as a whole string.
pub fn resource_pattern_matches(pattern: &Pattern, resource: &str) -> bool {
    if pattern.is_match_all() {
        return true;
    }
    if resource.starts_with("arn:") {
        return match_resource_arn(pattern, resource);
    }
    pattern.matches(resource)
}
