//! `agent-destructive-access`: an agent principal (an AI coding tool, a CI pipeline, a
//! service) can delete, terminate, disable, detach or overwrite resources without a guarding
//! condition.
//!
//! Destructive actions are catalogue actions of access level Write or Permissions management
//! whose name starts with one of: Delete, Terminate, Destroy, Purge, Remove, Detach,
//! Disassociate, Deregister, Disable, Revoke, Reset, Stop, Cancel, Replace, Overwrite,
//! Rollback. A grant is guarded when an agent cannot satisfy its conditions — they are
//! evaluated in an agent's request context: no MFA (a role session made without MFA carries
//! `aws:MultiFactorAuthPresent = false`, long-term access keys carry no MFA key), every other
//! key unknown — or when every condition it has is on a tag key (`aws:ResourceTag/*`,
//! `aws:RequestTag/*`, `aws:TagKeys`), which scopes the call to resources a human tagged.
//! The request context is that of whoever makes the call: the agent itself for its own
//! policies and for groups it can join; for a role it can assume (or a principal it can take
//! over) that principal, whose tags are the `aws:PrincipalTag` values of its sessions, also
//! for the groups that principal can join and the admin it can take. Session
//! tags the agent could pass with `sts:TagSession` are not modelled.
//! Service-linked roles are skipped: AWS owns their policies.
//!
//! Why it matters: an agent that decides to "delete and recreate the environment" can do it
//! only if IAM lets it.
//!
//! Example: a role trusted by a coding agent's OIDC provider with `PowerUserAccess` can call
//! `cloudformation:DeleteStack` and `rds:DeleteDBInstance`.
//!
//! Fix: remove the destructive actions from the agent's policies, add an explicit Deny for
//! them, or require a tag or MFA condition that only a human approval step can satisfy.

use overreach_policy::{AccessLevel, ActionSet, Catalog};

use super::{RuleInfo, attribute, evidence, start};
use crate::analyze::{Context, Holder, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};
use crate::kind::PrincipalKind;

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "agent-destructive-access",
    summary: "an agent can delete, terminate, disable, detach or overwrite resources unguarded",
    help: "An agent principal (AI tool, CI pipeline, service) holds destructive actions without an MFA or tag condition. Remove them, deny them explicitly, or gate them behind a condition only an approval step can satisfy.",
    default_severity: Severity::High,
    check,
};

const VERBS: [&str; 16] = [
    "Delete",
    "Terminate",
    "Destroy",
    "Purge",
    "Remove",
    "Detach",
    "Disassociate",
    "Deregister",
    "Disable",
    "Revoke",
    "Reset",
    "Stop",
    "Cancel",
    "Replace",
    "Overwrite",
    "Rollback",
];

/// Is this catalogue action destructive?
pub(crate) fn is_destructive(catalog: &Catalog, id: u32) -> bool {
    let Some(a) = catalog.action(id) else {
        return false;
    };
    matches!(
        a.level,
        AccessLevel::Write | AccessLevel::PermissionsManagement
    ) && VERBS.iter().any(|v| a.name.starts_with(v))
}

fn is_tag_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("aws:resourcetag/") || k.starts_with("aws:requesttag/") || k == "aws:tagkeys"
}

/// Can an agent not satisfy the granting statement's conditions?
fn guarded(
    ctx: &Context<'_>,
    statement: &overreach_policy::StatementRef,
    agent: &overreach_policy::RequestContext,
) -> bool {
    let Some((st, version)) = ctx.account.statement(statement) else {
        return false;
    };
    if st.conditions.is_empty() {
        return false;
    }
    if st.conditions.iter().all(|c| is_tag_key(&c.key)) {
        return true;
    }
    overreach_policy::condition::evaluate_all(&st.conditions, version, agent).truth
        == overreach_policy::Tri::No
}

/// Examples shown first in the message: the best-known destructive calls.
const NOTABLE: [&str; 10] = [
    "cloudformation:DeleteStack",
    "rds:DeleteDBInstance",
    "rds:DeleteDBCluster",
    "ec2:TerminateInstances",
    "s3:DeleteBucket",
    "dynamodb:DeleteTable",
    "eks:DeleteCluster",
    "lambda:DeleteFunction",
    "iam:DeleteRole",
    "ec2:DeleteVpc",
];

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    if ctx.declared[view.idx].kind.kind != PrincipalKind::Agent
        || ctx.account.is_service_linked(view.idx)
    {
        return;
    }
    let destructive = destructive_set(ctx.catalog);
    // guards are judged in the context of whoever makes the request (the holder's actor):
    // the agent itself (its own policies, a group it joins), or the principal it acts as (a
    // role session, a user it took over, and the groups that one joins). A context depends
    // on the principal's kind and on the tags that conditions of the account ask about
    // (`aws:PrincipalTag/KEY`) only.
    let tags = ctx.memo.actor_tags(|| actor_tags(ctx));
    let contexts = std::cell::RefCell::new(std::collections::HashMap::new());
    let guarded_for = |holder: &Holder, g: &overreach_policy::summary::Grant| {
        let q = holder.actor;
        let mut cache = contexts.borrow_mut();
        let agent = cache
            .entry(q)
            .or_insert_with(|| crate::access::agent_context(ctx.account, q, false));
        guarded(ctx, &g.statement, agent)
    };
    let shares = attribute(ctx, view, "destructive", |holder| {
        let tag = tags.get(holder.actor).map_or("destructive", |t| &**t);
        ctx.memo.get(holder, tag, || {
            let mut set = ActionSet::empty(ctx.catalog.len());
            for grant in holder
                .rights
                .grants
                .iter()
                .filter(|g| !guarded_for(holder, g))
            {
                set.union_with(
                    &grant
                        .allowed
                        .union(&grant.conditional)
                        .intersection(destructive),
                );
            }
            set
        })
    });
    if shares.is_empty() {
        return;
    }
    let mut total = 0;
    let mut all = ActionSet::empty(ctx.catalog.len());
    for (_, share) in &shares {
        total += share.len();
        all.union_with(share);
    }
    let evidence = evidence(ctx, view, &shares, Some("Write (destructive)"), guarded_for);
    let unguarded_certain = evidence.any_certain();
    let mut f = start(ctx, view, RULE.id, "");
    f.severity = if total >= 50 {
        Severity::Critical
    } else {
        Severity::High
    };
    f.confidence = if unguarded_certain {
        Confidence::High
    } else {
        Confidence::Medium
    };
    // the best-known destructive calls first, then what the evidence lists
    let mut examples: Vec<String> = NOTABLE
        .iter()
        .filter(|n| ctx.catalog.lookup(n).is_some_and(|id| all.contains(id)))
        .map(|n| n.to_string())
        .collect();
    for g in &evidence.groups {
        for a in &g.actions {
            if examples.len() < 3 && !examples.iter().any(|e| **e == *a.action()) {
                examples.push(a.action().to_string());
            }
        }
    }
    examples.truncate(3);
    f.message = format!(
        "agent can run {total} destructive actions without an MFA or tag guard (e.g. {})",
        examples.join(", ")
    );
    f.excess = evidence.groups;
    f.excess_omitted = evidence.omitted;
    out.push(f);
}

/// Every principal's memo tag: `destructive:` and what an agent context made for it depends
/// on (its kind, and its tags that some condition of the account asks about); principals
/// alike share one tag.
fn actor_tags(ctx: &Context<'_>) -> Vec<std::sync::Arc<str>> {
    let asked = ctx.memo.principal_tag_keys(ctx.account);
    let mut made: std::collections::HashMap<String, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    ctx.account
        .principals
        .iter()
        .map(|who| {
            let relevant: Vec<&(String, String)> = who
                .tags
                .iter()
                .filter(|(k, _)| asked.contains(&k.to_ascii_lowercase()))
                .collect();
            let tag = format!("destructive:{:?}:{relevant:?}", who.kind);
            std::sync::Arc::clone(
                made.entry(tag)
                    .or_insert_with_key(|t| std::sync::Arc::from(t.as_str())),
            )
        })
        .collect()
}

/// Every destructive catalogue action (computed once).
fn destructive_set(catalog: &Catalog) -> &'static ActionSet {
    static SET: std::sync::OnceLock<ActionSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        ActionSet::from_ids(
            catalog.len(),
            (0..catalog.len() as u32).filter(|&id| is_destructive(catalog, id)),
        )
    })
}
