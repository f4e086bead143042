//! `trust-allows-anyone`: a role's trust policy allows any principal (`"Principal": "*"` or
//! `{"AWS": "*"}`) to assume it.
//!
//! Why it matters: anyone with AWS credentials, in any account, can become the role unless a
//! condition stops them.
//!
//! Example: `{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}`.
//!
//! One finding per open statement, identified by its `Sid` (else its conditions), not its
//! position: reordering the trust policy keeps the finding's id.
//!
//! Fix: name the accounts or principals that may assume the role; at the least add an
//! `aws:PrincipalOrgID` or `sts:ExternalId` condition.

use super::{RuleInfo, start};
use crate::account::PrincipalType;
use crate::analyze::{Context, PrincipalView};
use crate::finding::{Confidence, Finding, Severity};

pub(super) const RULE: RuleInfo = RuleInfo {
    id: "trust-allows-anyone",
    summary: "a role's trust policy lets any principal assume it",
    help: "The role trusts `*`: anyone with AWS credentials may assume it unless a condition stops them. Name the trusted accounts or principals, or add an aws:PrincipalOrgID / sts:ExternalId condition.",
    default_severity: Severity::Critical,
    check,
};

fn check(ctx: &Context<'_>, view: &PrincipalView, out: &mut Vec<Finding>) {
    let role = &ctx.account.principals[view.idx];
    if role.kind != PrincipalType::Role {
        return;
    }
    let Some(trust) = role
        .trust
        .and_then(|t| ctx.account.policies[t].policy.as_ref())
    else {
        return;
    };
    for (i, st) in trust.policy.statements.iter().enumerate() {
        let open = st.effect == overreach_policy::Effect::Allow
            && st.principal.as_ref().is_some_and(|p| p.any && !p.negated);
        if !open {
            continue;
        }
        // the finding is identified by the statement's content (its Sid, else its conditions),
        // not its position: reordering a trust policy must not make a "new" finding
        let mut conditions: Vec<String> = st.conditions.iter().map(|c| format!("{c:?}")).collect();
        conditions.sort();
        let subject = st
            .sid
            .clone()
            .unwrap_or_else(|| format!("conditions:{}", conditions.join(";")));
        let mut f = start(ctx, view, RULE.id, &subject);
        let conditional = !st.conditions.is_empty();
        f.severity = if conditional {
            Severity::Medium
        } else {
            Severity::Critical
        };
        f.confidence = if conditional {
            Confidence::Medium
        } else {
            Confidence::High
        };
        let keys: Vec<&str> = st.conditions.iter().map(|c| c.key.as_str()).collect();
        f.message = if conditional {
            format!(
                "trust policy statement {i} allows any principal, limited only by conditions on {}",
                keys.join(", ")
            )
        } else {
            format!(
                "trust policy statement {i} allows any principal in any account to assume this role"
            )
        };
        f.path = vec![crate::finding::Hop {
            from: "anyone (*)".into(),
            to: role.arn.clone(),
            kind: crate::finding::HopKind::Assume {
                action: "sts:AssumeRole".into(),
            },
            condition_keys: keys.iter().map(|k| k.to_string()).collect(),
            inconclusive: None,
            statements: vec![trust.statement_ref(i)],
        }];
        out.push(f);
    }
}
