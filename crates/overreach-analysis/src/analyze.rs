//! The analysis pipeline: account model, rights, graph with assume and escalation edges,
//! declarations, then every rule on every principal.

use std::borrow::Cow;

use overreach_policy::summary::EffectiveSummary;
use overreach_policy::{Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;
use petgraph::graph::EdgeIndex;

use crate::account::{Account, PrincipalIdx};
use crate::config::{Baselines, Config};
use crate::declared::{Declared, declare_all};
use crate::finding::{Finding, Hop, HopKind, SuppressionNote};
use crate::graph::{Edge, Node, PermissionGraph, Reach};
use crate::privesc::{PathCatalog, add_escalation_edges};
use crate::rights::Rights;
use crate::rules;
use crate::suppress::{SuppressionStatus, Suppressions};

/// Choices of the caller.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `[[assign]]` wins over tags.
    pub config_wins: bool,
    /// Today's date (`YYYY-MM-DD`), for suppression expiry and unused permissions; the
    /// analysis has no clock. `None`: suppressions never expire and unused-permission is off.
    pub today: Option<String>,
    /// Days without use after which a granted service counts as unused.
    pub unused_days: u32,
}

/// Everything the analysis found out.
#[derive(Debug)]
pub struct Analysis {
    /// The resolved account.
    pub account: Account,
    /// Every principal's own rights.
    pub rights: Rights,
    /// The permission graph.
    pub graph: PermissionGraph,
    /// Every principal's declaration.
    pub declared: Vec<Declared>,
    /// Findings, sorted by severity (highest first), then principal, rule and id.
    pub findings: Vec<Finding>,
    /// Problems met (unreadable policies, missing data).
    pub warnings: Vec<String>,
}

/// What the rules see.
#[derive(Debug)]
pub struct Context<'a> {
    /// The account.
    pub account: &'a Account,
    /// The snapshot (for last-accessed data).
    pub snapshot: &'a Snapshot,
    /// Rights.
    pub rights: &'a Rights,
    /// The graph.
    pub graph: &'a PermissionGraph,
    /// The configuration.
    pub config: &'a Config,
    /// Baselines of the declared roles.
    pub baselines: &'a Baselines,
    /// Declarations.
    pub declared: &'a [Declared],
    /// Options.
    pub options: &'a Options,
    /// The catalogue.
    pub catalog: &'a Catalog,
}

/// Rights a principal holds or reaches, with the way it reaches them.
#[derive(Debug)]
pub struct Holder<'a> {
    /// The ARN of the principal (or group) whose rights these are; `account-admin` for
    /// self-escalation.
    pub label: String,
    /// The reached principal, when it is one.
    pub principal: Option<PrincipalIdx>,
    /// The hops from the principal (empty: its own rights).
    pub via: Vec<Hop>,
    /// True when some hop holds only under conditions or assumptions.
    pub conditional: bool,
    /// The rights.
    pub rights: Cow<'a, EffectiveSummary>,
}

/// One principal as the rules see it.
#[derive(Debug)]
pub struct PrincipalView<'a> {
    /// Its index.
    pub idx: PrincipalIdx,
    /// Its own rights first, then everything it reaches.
    pub holders: Vec<Holder<'a>>,
}

impl PrincipalView<'_> {
    /// The holders reached through other principals (not its own rights).
    pub fn reached(&self) -> &[Holder<'_>] {
        self.holders.get(1..).unwrap_or(&[])
    }
}

/// Runs the analysis.
pub fn analyze(
    snapshot: &Snapshot,
    config: &Config,
    baselines: &Baselines,
    suppressions: &Suppressions,
    options: &Options,
) -> Analysis {
    let catalog = Catalog::embedded();
    let account = Account::from_snapshot(snapshot, ManagedPolicies::embedded());
    let rights = Rights::compute(&account, catalog);
    let mut graph = PermissionGraph::build(&account, &rights);
    let mut warnings = account.warnings.clone();
    match PathCatalog::embedded() {
        Ok(paths) => add_escalation_edges(&mut graph, &account, &rights, paths),
        Err(e) => warnings.push(format!("{e}: privilege-escalation paths are not checked")),
    }
    let declared = declare_all(&account, config, options.config_wins);
    let ctx = Context {
        account: &account,
        snapshot,
        rights: &rights,
        graph: &graph,
        config,
        baselines,
        declared: &declared,
        options,
        catalog,
    };
    let mut findings = Vec::new();
    for p in 0..account.principals.len() {
        let view = view(&ctx, p);
        for rule in rules::RULES {
            (rule.check)(&ctx, &view, &mut findings);
        }
    }
    for f in &mut findings {
        apply_suppression(f, suppressions, options);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.id.cmp(&b.id))
    });
    Analysis {
        account,
        rights,
        graph,
        declared,
        findings,
        warnings,
    }
}

fn apply_suppression(f: &mut Finding, suppressions: &Suppressions, options: &Options) {
    let today = options.today.as_deref().unwrap_or("0000-01-01");
    match suppressions.check(f.rule, &f.principal, &f.excess_actions(), today) {
        SuppressionStatus::Active {
            reason, expires, ..
        } => {
            f.suppression = Some(SuppressionNote {
                reason: reason.to_string(),
                expires: expires.to_string(),
                expired: false,
            });
        }
        SuppressionStatus::Expired {
            reason, expires, ..
        } => {
            f.suppression = Some(SuppressionNote {
                reason: reason.to_string(),
                expires: expires.to_string(),
                expired: true,
            });
        }
        SuppressionStatus::None => {}
    }
}

/// Builds the view of one principal: own rights, then every reached principal, group or
/// account-admin node with its path.
pub fn view<'a>(ctx: &Context<'a>, p: PrincipalIdx) -> PrincipalView<'a> {
    let account = ctx.account;
    let mut holders = vec![Holder {
        label: account.principals[p].arn.clone(),
        principal: Some(p),
        via: Vec::new(),
        conditional: false,
        rights: Cow::Borrowed(ctx.rights.of(p)),
    }];
    for reach in ctx.graph.reach(p) {
        let (label, principal, rights) = match &ctx.graph.graph[reach.node] {
            Node::Principal(q) => {
                let rights = if rewrites_permissions(ctx, &reach) {
                    Cow::Owned(ctx.rights.admin_for(account, *q))
                } else {
                    Cow::Borrowed(ctx.rights.of(*q))
                };
                (account.principals[*q].arn.clone(), Some(*q), rights)
            }
            Node::Group(g) => {
                let group = &account.groups[*g];
                let mut identity: Vec<usize> = account.principals[p]
                    .identity
                    .iter()
                    .map(|(i, _)| *i)
                    .collect();
                identity.extend(group.policies.iter().copied());
                (
                    group.arn.clone(),
                    None,
                    Cow::Owned(ctx.rights.with_policies(account, p, &identity)),
                )
            }
            Node::AccountAdmin => (
                "account-admin".to_string(),
                None,
                Cow::Owned(ctx.rights.admin_for(account, p)),
            ),
            _ => continue,
        };
        holders.push(Holder {
            label,
            principal,
            via: hops(ctx, &reach),
            conditional: reach.conditional,
            rights,
        });
    }
    PrincipalView { idx: p, holders }
}

/// Does the last hop of `reach` write the target's permission policies (so the principal gains
/// anything it writes there, within the target's boundary and SCPs)?
fn rewrites_permissions(ctx: &Context<'_>, reach: &Reach) -> bool {
    let Some(&last) = reach.path.last() else {
        return false;
    };
    let Edge::Escalation { path, .. } = &ctx.graph.graph[last] else {
        return false;
    };
    PathCatalog::embedded()
        .ok()
        .and_then(|c| c.get(path))
        .is_some_and(|p| p.rewrites_target_permissions(ctx.catalog))
}

/// The hops of a reach path, for reports.
pub fn hops(ctx: &Context<'_>, reach: &Reach) -> Vec<Hop> {
    reach
        .path
        .iter()
        .filter_map(|&e| hop(ctx.graph, ctx.account, e))
        .collect()
}

/// One edge as a report hop.
pub fn hop(graph: &PermissionGraph, account: &Account, e: EdgeIndex) -> Option<Hop> {
    let (from, to) = graph.graph.edge_endpoints(e)?;
    let label = |n| node_label(account, &graph.graph[n]);
    let (kind, grounds) = match &graph.graph[e] {
        Edge::CanAssume { action, grounds } => (
            HopKind::Assume {
                action: action.clone(),
            },
            grounds,
        ),
        Edge::Escalation { path, grounds } => {
            let name = PathCatalog::embedded()
                .ok()
                .and_then(|c| c.get(path))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (
                HopKind::Escalation {
                    path: path.clone(),
                    name,
                },
                grounds,
            )
        }
        _ => return None,
    };
    Some(Hop {
        from: label(from),
        to: label(to),
        kind,
        condition_keys: grounds.condition_keys.clone(),
        inconclusive: grounds.inconclusive.clone(),
        statements: grounds.statements.clone(),
    })
}

/// How a node is named in reports.
pub fn node_label(account: &Account, node: &Node) -> String {
    match node {
        Node::Principal(p) => account.principals[*p].arn.clone(),
        Node::Group(g) => account.groups[*g].arn.clone(),
        Node::Policy(i) => account.policies[*i].id.clone(),
        Node::Service(s) => s.clone(),
        Node::Federated(f) => f.clone(),
        Node::ExternalAccount(a) => format!("account {a}"),
        Node::Anyone => "anyone (*)".into(),
        Node::AccountRoot => format!("arn:{}:iam::{}:root", account.partition, account.id),
        Node::AccountAdmin => "account-admin".into(),
    }
}
