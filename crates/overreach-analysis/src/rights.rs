//! Effective rights of every principal from its own policies: identity-based policies cut down
//! by its permissions boundary and the SCPs, minus explicit denies.
//!
//! Each policy is expanded once ([`PolicySummary`]) and shared by every principal that holds
//! it; principals holding the same policies under the same limits share one
//! [`EffectiveSummary`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use overreach_policy::summary::{
    EffectiveSummary, Layers, PolicySummary, ResourceScope, StatementSummary, summarize_policy,
    summarize_principal,
};
use overreach_policy::{ActionSet, Catalog, Effect, Expander, StatementRef};

use crate::account::{Account, GroupIdx, PolicyIdx, PrincipalIdx};
use crate::cache::{FastMap, cached};

/// The rights of every principal of an account.
#[derive(Debug)]
pub struct Rights {
    policies: Vec<Option<PolicySummary>>,
    principals: Vec<Arc<EffectiveSummary>>,
    universe: usize,
    /// (group, boundary, service-linked) -> the group's policies under those limits.
    groups: RwLock<FastMap<GroupKey, Arc<EffectiveSummary>>>,
    /// (boundary, service-linked) -> everything, under those limits.
    admins: RwLock<FastMap<LimitsKey, Arc<EffectiveSummary>>>,
}

/// A principal's limits: its permissions boundary, and whether SCPs apply (not to
/// service-linked roles).
type LimitsKey = (Option<PolicyIdx>, bool);

/// A group under some limits.
type GroupKey = (GroupIdx, LimitsKey);

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
        use rayon::prelude::*;
        // policies, then distinct layer combinations, on every core (an expander per thread:
        // expansions are pure, only their caching is per thread)
        let policies: Vec<Option<PolicySummary>> = account
            .policies
            .par_iter()
            .map_init(
                || Expander::new(catalog),
                |expander, p| p.policy.as_ref().map(|np| summarize_policy(np, expander)),
            )
            .collect();
        let universe = catalog.len();
        // each principal's layers, as an index into the distinct ones; the first principal
        // with them stands for the SCPs too
        let mut index: HashMap<LayerKey, usize> = HashMap::new();
        let mut classes: Vec<(PrincipalIdx, LayerKey)> = Vec::new();
        let of_principal: Vec<usize> = (0..account.principals.len())
            .map(|pi| {
                let p = &account.principals[pi];
                let mut identity: Vec<PolicyIdx> = p.identity.iter().map(|(i, _)| *i).collect();
                identity.sort_unstable();
                identity.dedup();
                let key = LayerKey {
                    identity,
                    boundary: p.boundary,
                    no_scps: account.is_service_linked(pi),
                };
                if let Some(&c) = index.get(&key) {
                    return c;
                }
                classes.push((pi, key.clone()));
                index.insert(key, classes.len() - 1);
                classes.len() - 1
            })
            .collect();
        let summaries: Vec<Arc<EffectiveSummary>> = classes
            .par_iter()
            .map(|(first, key)| {
                Arc::new(combine(
                    &policies,
                    account.scps_for(*first),
                    &key.identity,
                    key.boundary,
                    universe,
                ))
            })
            .collect();
        let principals = of_principal
            .iter()
            .map(|&c| Arc::clone(&summaries[c]))
            .collect();
        Rights {
            policies,
            principals,
            universe,
            groups: RwLock::new(FastMap::default()),
            admins: RwLock::new(FastMap::default()),
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
        self.admin_summary(account, principal, true)
    }

    fn admin_summary(
        &self,
        account: &Account,
        principal: PrincipalIdx,
        own_denies: bool,
    ) -> EffectiveSummary {
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
        if own_denies {
            identity.extend(p.identity.iter().filter_map(|(i, _)| get(*i)));
        }
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

    /// The rights a principal gains by joining group `g`: the group's policies under the
    /// principal's boundary and SCPs (its own denies are not applied: sound, errs towards more
    /// access). Cached per group and limits.
    pub fn group_for(
        &self,
        account: &Account,
        principal: PrincipalIdx,
        g: GroupIdx,
    ) -> Arc<EffectiveSummary> {
        let p = &account.principals[principal];
        let key = (g, Rights::limits(account, principal));
        cached(&self.groups, key, || {
            Arc::new(combine(
                &self.policies,
                account.scps_for(principal),
                &account.groups[g].policies,
                p.boundary,
                self.universe,
            ))
        })
    }

    /// [`Rights::admin_for`] without the principal's own denies, cached per limits (for the
    /// rules, which run it for every self-escalating principal).
    pub fn admin_under_limits(
        &self,
        account: &Account,
        principal: PrincipalIdx,
    ) -> Arc<EffectiveSummary> {
        cached(&self.admins, Rights::limits(account, principal), || {
            Arc::new(self.admin_summary(account, principal, false))
        })
    }

    /// The limits the rights of a group or of account admin are cut down to for `principal`:
    /// principals with the same limits get the same rights from [`Rights::group_for`] and
    /// [`Rights::admin_under_limits`].
    fn limits(account: &Account, principal: PrincipalIdx) -> LimitsKey {
        (
            account.principals[principal].boundary,
            account.is_service_linked(principal),
        )
    }

    /// The statement that lets principal `p` do action `id` on any resource, when nothing can
    /// stop it: an unconditional grant on `*` not limited by its boundary or SCPs, and no Deny
    /// statement in any of its layers that names the action (a deny on one resource would make
    /// the answer depend on the resource). `None` means "decide per resource".
    pub fn anywhere(
        &self,
        account: &Account,
        p: PrincipalIdx,
        id: overreach_policy::ActionId,
    ) -> Option<StatementRef> {
        let info = &account.principals[p];
        if !info.inconclusive.is_empty() {
            return None;
        }
        for i in account.layer_policies(p) {
            let summary = self.policies.get(i).and_then(Option::as_ref)?;
            if summary.denies.iter().any(|d| d.actions.contains(id)) {
                return None;
            }
        }
        self.of(p)
            .grants
            .iter()
            .find(|g| {
                g.allowed.contains(id)
                    && g.resources == ResourceScope::Any
                    && g.limited_by.is_empty()
                    && g.condition_keys.is_empty()
            })
            .map(|g| g.statement.clone())
    }

    /// The shared summary of a principal (to tell equal rights apart cheaply).
    pub fn shared(&self, principal: PrincipalIdx) -> &Arc<EffectiveSummary> {
        &self.principals[principal]
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
