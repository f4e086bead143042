//! Explain: "can P do A on R, and how?" First the decision AWS would make for the request by P
//! itself (for `sts:AssumeRole*` on a role of the account, that role's trust policy counts, as
//! in AWS); then, separately, every other principal P can reach (assume chains, escalation
//! paths) that could make the request, with every hop.

use overreach_policy::StatementRef;
use overreach_policy::eval::{Decision, Outcome, ResourcePolicyKind};

use crate::access::decide;
use crate::account::PrincipalIdx;
use crate::analyze::{Analysis, hops};
use crate::finding::Hop;
use crate::graph::{ASSUME_ACTIONS, Node};
use petgraph::graph::EdgeIndex;

/// The answer to one explain question.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The principal's ARN.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision for the principal itself.
    pub decision: Decision,
    /// The id of the trust policy that took part, for `sts:AssumeRole*` on a role.
    pub trust_policy: Option<String>,
    /// Why the principal's own decision may be wrong (unreadable policies).
    pub inconclusive: Vec<String>,
    /// Other ways the principal can make the request.
    pub reach: Vec<ReachedDecision>,
}

/// The request made by something the principal reaches.
#[derive(Debug, Clone)]
pub struct ReachedDecision {
    /// Who makes it (an ARN, a group ARN, `account-admin`).
    pub holder: String,
    /// The hops from the principal.
    pub via: Vec<Hop>,
    /// The decision for the holder.
    pub outcome: Outcome,
    /// Its deciding statements.
    pub statements: Vec<StatementRef>,
    /// Condition keys it depends on (the holder's decision's and the path's).
    pub condition_keys: Vec<String>,
}

/// What a reached holder is: a principal acting as itself, a group joined by a principal, or
/// account admin taken by a principal writing its own policies.
#[derive(Debug, Clone, Copy)]
enum Holding {
    Principal(PrincipalIdx),
    Group(PrincipalIdx, crate::account::GroupIdx),
    Admin(PrincipalIdx),
}

/// Explains whether principal `p` can do `action` on `resource`.
pub fn explain(
    analysis: &Analysis,
    p: PrincipalIdx,
    action: &str,
    resource: &str,
) -> Option<Explanation> {
    let account = &analysis.account;
    let trust = trust_for(analysis, action, resource);
    let decision = decide(
        account,
        p,
        action,
        resource,
        trust.map(|t| (t, ResourcePolicyKind::Trust)),
    )?;
    let mut reach = Vec::new();
    // the principal itself and every principal it reaches, with what each gains by joining
    // a group or writing its own policies (judged as that principal: its own policies,
    // limits and denies)
    let start = analysis.graph.principal(p);
    let reached = analysis.graph.reach(p);
    let actors = start
        .map(|n| (n, Vec::new(), false))
        .into_iter()
        .chain(reached.into_iter().map(|r| (r.node, r.path, r.conditional)));
    for (node, path, conditional) in actors {
        let Node::Principal(q) = analysis.graph.graph[node] else {
            continue;
        };
        let mut candidates: Vec<(Vec<EdgeIndex>, Holding)> = Vec::new();
        if Some(node) != start {
            candidates.push((path.clone(), Holding::Principal(q)));
        }
        for gain in analysis.condensed.gains_of(&analysis.graph, node) {
            let (crate::condensed::Entry::Gained { target, .. }, Some(last)) =
                (gain, analysis.condensed.gain_edges(&analysis.graph, gain))
            else {
                continue;
            };
            let holding = match analysis.graph.graph[target] {
                Node::Group(g) => Holding::Group(q, g),
                Node::AccountAdmin => Holding::Admin(q),
                _ => continue,
            };
            candidates.push((path.iter().copied().chain(last).collect(), holding));
        }
        for (edges, holding) in candidates {
            let conditional = conditional
                || edges.iter().any(|&e| {
                    analysis.graph.graph[e]
                        .grounds()
                        .is_some_and(crate::graph::Grounds::is_conditional)
                });
            let via: Vec<Hop> = hops(&analysis.graph, account, &edges);
            let mut path_keys: Vec<String> = via
                .iter()
                .flat_map(|h| h.condition_keys.iter().cloned())
                .collect();
            let (holder, outcome, statements, keys) = match holding {
                Holding::Principal(q) => {
                    let Some(d) = decide(
                        account,
                        q,
                        action,
                        resource,
                        trust.map(|t| (t, ResourcePolicyKind::Trust)),
                    ) else {
                        continue;
                    };
                    (
                        account.principals[q].arn.clone(),
                        d.outcome,
                        d.statements,
                        d.missing_keys,
                    )
                }
                Holding::Group(q, g) => {
                    let group = &account.groups[g];
                    let mut identity: Vec<usize> = account.principals[q]
                        .identity
                        .iter()
                        .map(|(i, _)| *i)
                        .collect();
                    identity.extend(group.policies.iter().copied());
                    let s = analysis.rights.with_policies(account, q, &identity);
                    match summary_outcome(&s, action) {
                        Some(o) => (group.arn.clone(), o, Vec::new(), Vec::new()),
                        None => continue,
                    }
                }
                Holding::Admin(q) => {
                    let s = analysis.rights.admin_for(account, q);
                    match summary_outcome(&s, action) {
                        Some(o) => ("account-admin".to_string(), o, Vec::new(), Vec::new()),
                        None => continue,
                    }
                }
            };
            if !matches!(outcome, Outcome::Allowed | Outcome::Conditional) {
                continue;
            }
            let outcome = if conditional {
                Outcome::Conditional
            } else {
                outcome
            };
            path_keys.extend(keys);
            path_keys.sort();
            path_keys.dedup();
            reach.push(ReachedDecision {
                holder,
                via,
                outcome,
                statements,
                condition_keys: path_keys,
            });
        }
    }
    Some(Explanation {
        principal: account.principals[p].arn.clone(),
        action: action.to_string(),
        resource: resource.to_string(),
        decision,
        trust_policy: trust.map(|t| t.id.clone()),
        inconclusive: account.principals[p].inconclusive.clone(),
        reach,
    })
}

/// The trust policy of the role `resource` names, for `sts:AssumeRole*`.
fn trust_for<'a>(
    analysis: &'a Analysis,
    action: &str,
    resource: &str,
) -> Option<&'a overreach_policy::NamedPolicy> {
    if !ASSUME_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action))
    {
        return None;
    }
    let r = analysis.account.principal(resource)?;
    let t = analysis.account.principals[r].trust?;
    analysis.account.policies[t].policy.as_ref()
}

/// Allowed / conditional from a static summary (for group and admin holders).
fn summary_outcome(
    s: &overreach_policy::summary::EffectiveSummary,
    action: &str,
) -> Option<Outcome> {
    let id = overreach_policy::Catalog::embedded().lookup(action)?;
    if s.allowed.contains(id) {
        Some(Outcome::Allowed)
    } else if s.conditional.contains(id) {
        Some(Outcome::Conditional)
    } else {
        None
    }
}
