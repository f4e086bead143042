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

use super::{RuleInfo, attribute, groups_for, start};
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
    // the agent acts as itself, or as a role session it reached (made without MFA)
    let own_ctx = crate::access::agent_context(ctx.account, view.idx, false);
    let session_ctx = crate::access::agent_context(ctx.account, view.idx, true);
    let context_of = |holder: &Holder| {
        if holder.node.is_none() {
            &own_ctx
        } else {
            &session_ctx
        }
    };
    // guards are judged in the agent's context, which depends on its kind and on the tags
    // that conditions of the account ask about (`aws:PrincipalTag/KEY`) only
    let me = &ctx.account.principals[view.idx];
    let asked = ctx.memo.principal_tag_keys(ctx.account);
    let relevant: Vec<&(String, String)> = me
        .tags
        .iter()
        .filter(|(k, _)| asked.contains(&k.to_ascii_lowercase()))
        .collect();
    let tags = format!("{:?}:{relevant:?}", me.kind);
    let question = format!("destructive:{tags}");
    let shares = attribute(ctx, view, &question, |holder| {
        let agent = context_of(holder);
        let tag = format!("destructive:{}:{tags}", holder.node.is_none());
        ctx.memo.get(holder, &tag, || {
            let mut set = ActionSet::empty(ctx.catalog.len());
            for grant in holder
                .rights
                .grants
                .iter()
                .filter(|g| !guarded(ctx, &g.statement, agent))
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
    let mut groups = Vec::new();
    let mut total = 0;
    for (holder, share) in &shares {
        total += share.len();
        let agent = context_of(holder);
        groups.extend(groups_for(
            ctx,
            view,
            holder,
            share,
            Some("Write (destructive)"),
            |g| guarded(ctx, &g.statement, agent),
        ));
    }
    let unguarded_certain = groups
        .iter()
        .any(|g| g.actions.iter().any(|a| !a.conditional));
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
    let listed: Vec<&str> = groups
        .iter()
        .flat_map(|g| g.actions.iter().map(|a| a.action.as_str()))
        .collect();
    let mut examples: Vec<&str> = NOTABLE
        .iter()
        .copied()
        .filter(|n| listed.contains(n))
        .collect();
    examples.extend(listed.iter().copied().filter(|a| !NOTABLE.contains(a)));
    examples.truncate(3);
    f.message = format!(
        "agent can run {total} destructive actions without an MFA or tag guard (e.g. {})",
        examples.join(", ")
    );
    f.set_excess(groups);
    out.push(f);
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
