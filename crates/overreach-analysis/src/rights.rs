//! Effective rights of every principal from its own policies: identity-based policies cut down
//! by its permissions boundary and the SCPs, minus explicit denies.
//!
//! Each policy is expanded once ([`PolicySummary`]) and shared by every principal that holds
//! it; principals holding the same policies under the same limits share one
//! [`EffectiveSummary`].

use std::collections::HashMap;
use std::sync::Arc;

use overreach_policy::summary::{
    EffectiveSummary, Layers, PolicySummary, ResourceScope, StatementSummary, summarize_policy,
    summarize_principal,
};
use overreach_policy::{ActionSet, Catalog, Effect, Expander, StatementRef};

use crate::account::{Account, PolicyIdx, PrincipalIdx};

/// The rights of every principal of an account.
#[derive(Debug)]
pub struct Rights {
    policies: Vec<Option<PolicySummary>>,
    principals: Vec<Arc<EffectiveSummary>>,
    universe: usize,
}

/// The layers of one principal as policy indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LayerKey {
    identity: Vec<PolicyIdx>,
    boundary: Option<PolicyIdx>,
    /// Service-linked roles are not restricted by SCPs.
    no_scps: bool,
}

impl Rights {
    /// Expands every policy and combines each principal's layers.
    pub fn compute(account: &Account, catalog: &Catalog) -> Rights {
        let mut expander = Expander::new(catalog);
        let policies: Vec<Option<PolicySummary>> = account
            .policies
            .iter()
            .map(|p| {
                p.policy
                    .as_ref()
                    .map(|np| summarize_policy(np, &mut expander))
            })
            .collect();
        let universe = catalog.len();
        let mut cache: HashMap<LayerKey, Arc<EffectiveSummary>> = HashMap::new();
        let mut principals = Vec::with_capacity(account.principals.len());
        for (pi, p) in account.principals.iter().enumerate() {
            let mut identity: Vec<PolicyIdx> = p.identity.iter().map(|(i, _)| *i).collect();
            identity.sort_unstable();
            identity.dedup();
            let key = LayerKey {
                identity,
                boundary: p.boundary,
                no_scps: account.is_service_linked(pi),
            };
            let summary = match cache.get(&key) {
                Some(s) => Arc::clone(s),
                None => {
                    let s = Arc::new(combine(
                        &policies,
                        account.scps_for(pi),
                        &key.identity,
                        key.boundary,
                        universe,
                    ));
                    cache.insert(key, Arc::clone(&s));
                    s
                }
            };
            principals.push(summary);
        }
        Rights {
            policies,
            principals,
            universe,
        }
    }

    /// The effective rights of a principal from its own policies.
    pub fn of(&self, principal: PrincipalIdx) -> &EffectiveSummary {
        &self.principals[principal]
    }

    /// The summary of one policy, when its document is available.
    pub fn policy(&self, idx: PolicyIdx) -> Option<&PolicySummary> {
        self.policies.get(idx).and_then(Option::as_ref)
    }

    /// The rights a principal would have with `identity` policies instead of its own, under
    /// its own limits (a group it could join, a policy it could attach).
    pub fn with_policies(
        &self,
        account: &Account,
        principal: PrincipalIdx,
        identity: &[PolicyIdx],
    ) -> EffectiveSummary {
        let p = &account.principals[principal];
        combine(
            &self.policies,
            account.scps_for(principal),
            identity,
            p.boundary,
            self.universe,
        )
    }

    /// What a principal gets by granting itself any permission (self-escalation): every
    /// action, still cut down by its own permissions boundary and the SCPs.
    pub fn admin_for(&self, account: &Account, principal: PrincipalIdx) -> EffectiveSummary {
        let admin = PolicySummary {
            id: "(any policy the principal grants itself)".into(),
            allows: vec![StatementSummary {
                statement: StatementRef {
                    policy: "(any policy the principal grants itself)".into(),
                    index: 0,
                    sid: None,
                    effect: Effect::Allow,
                },
                actions: Arc::new(ActionSet::all(self.universe)),
                resources: ResourceScope::Any,
                condition_keys: Vec::new(),
            }],
            denies: Vec::new(),
        };
        let p = &account.principals[principal];
        let get = |i: PolicyIdx| self.policies.get(i).and_then(Option::as_ref);
        let empty = PolicySummary {
            id: String::new(),
            allows: Vec::new(),
            denies: Vec::new(),
        };
        // the principal's own denies still apply
        let mut identity: Vec<&PolicySummary> = vec![&admin];
        identity.extend(p.identity.iter().filter_map(|(i, _)| get(*i)));
        let layers = Layers {
            identity,
            boundary: p.boundary.map(|b| get(b).unwrap_or(&empty)),
            scps: account
                .scps_for(principal)
                .iter()
                .map(|level| level.iter().filter_map(|&i| get(i)).collect())
                .collect(),
            session: Vec::new(),
        };
        summarize_principal(&layers, self.universe)
    }

    /// Number of catalogue actions.
    pub fn universe(&self) -> usize {
        self.universe
    }
}

fn combine(
    policies: &[Option<PolicySummary>],
    scps: &[Vec<PolicyIdx>],
    identity: &[PolicyIdx],
    boundary: Option<PolicyIdx>,
    universe: usize,
) -> EffectiveSummary {
    let get = |i: PolicyIdx| policies.get(i).and_then(Option::as_ref);
    let empty = PolicySummary {
        id: String::new(),
        allows: Vec::new(),
        denies: Vec::new(),
    };
    let layers = Layers {
        identity: identity.iter().filter_map(|&i| get(i)).collect(),
        // an unreadable boundary allows nothing we can prove: the principal is inconclusive
        boundary: boundary.map(|b| get(b).unwrap_or(&empty)),
        scps: scps
            .iter()
            .map(|level| level.iter().filter_map(|&i| get(i)).collect())
            .collect(),
        session: Vec::new(),
    };
    summarize_principal(&layers, universe)
}
