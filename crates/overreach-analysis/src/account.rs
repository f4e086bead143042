//! The account model: a snapshot resolved into principals with their policies by layer.
//!
//! Wire quirks stop here: documents are parsed once, AWS managed policies missing from the
//! snapshot are resolved from the data compiled into overreach, and anything that cannot be
//! resolved is recorded against the principals it affects (their verdicts become
//! "inconclusive" rather than silently clean).

use std::collections::{BTreeMap, HashMap};

use overreach_policy::managed::is_aws_managed_arn;
use overreach_policy::{ManagedPolicies, NamedPolicy, Policy, PolicyError, parse_policy_value};
use overreach_snapshot::{PolicyDocument, Snapshot};

/// Index of a policy in [`Account::policies`].
pub type PolicyIdx = usize;
/// Index of a principal in [`Account::principals`].
pub type PrincipalIdx = usize;
/// Index of a group in [`Account::groups`].
pub type GroupIdx = usize;

/// What kind of policy an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyOrigin {
    /// An AWS managed policy.
    AwsManaged,
    /// A customer managed policy of the account.
    CustomerManaged,
    /// An inline policy of a user, group or role (its ARN).
    Inline {
        /// The owner's ARN.
        owner: String,
        /// The policy's name.
        name: String,
    },
    /// A role's trust policy.
    Trust {
        /// The role's ARN.
        role: String,
    },
    /// A service or resource control policy of the organization.
    OrgPolicy {
        /// `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.
        policy_type: String,
    },
}

/// One policy of the account.
#[derive(Debug, Clone)]
pub struct PolicyEntry {
    /// The id used in findings: the ARN of a managed policy, `OWNER_ARN#inline/NAME` for an
    /// inline policy, `ROLE_ARN#trust` for a trust policy.
    pub id: String,
    /// What kind of policy it is.
    pub origin: PolicyOrigin,
    /// The parsed document; `None` when it is missing or could not be parsed (see `problem`).
    pub policy: Option<NamedPolicy>,
    /// Why the document is not available.
    pub problem: Option<String>,
}

/// Whether a principal is an IAM user or a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

impl PrincipalType {
    /// `user` / `role`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::Role => "role",
        }
    }
}

/// How a principal holds an identity-based policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    /// Attached or inline on the principal itself.
    Direct,
    /// Through membership of this group (its index).
    Group(GroupIdx),
}

/// Signals about how a principal is used (for kind inference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// A console password exists (`None`: unknown).
    pub console_login: Option<bool>,
    /// Active access keys (`None`: unknown).
    pub active_access_keys: Option<usize>,
    /// ARNs of the instance profiles holding the role.
    pub instance_profiles: Vec<String>,
}

/// A user or role with its policies by layer.
#[derive(Debug, Clone)]
pub struct PrincipalInfo {
    /// The ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// User or role.
    pub kind: PrincipalType,
    /// Tags (key, value).
    pub tags: Vec<(String, String)>,
    /// Identity-based policies, each with how it is held, in a stable order.
    pub identity: Vec<(PolicyIdx, Holding)>,
    /// Groups the user is in.
    pub groups: Vec<GroupIdx>,
    /// The permissions boundary.
    pub boundary: Option<PolicyIdx>,
    /// The trust policy (roles).
    pub trust: Option<PolicyIdx>,
    /// Usage signals.
    pub signals: Signals,
    /// Why this principal's rights cannot be fully known (a policy that could not be read).
    pub inconclusive: Vec<String>,
}

impl PrincipalInfo {
    /// The value of a tag (tag keys compare exactly, as in IAM).
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A group.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    /// The ARN.
    pub arn: String,
    /// The name.
    pub name: String,
    /// Its policies.
    pub policies: Vec<PolicyIdx>,
    /// Its members.
    pub members: Vec<PrincipalIdx>,
}

/// The account, resolved.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account id (from the metadata, else from the ARNs).
    pub id: String,
    /// The partition (`aws` unless the ARNs say otherwise).
    pub partition: String,
    /// Every policy.
    pub policies: Vec<PolicyEntry>,
    /// Users and roles, users first, each sorted by ARN.
    pub principals: Vec<PrincipalInfo>,
    /// Groups, sorted by ARN.
    pub groups: Vec<GroupInfo>,
    /// SCP levels that apply to the account's principals (root, OUs, account), outermost first.
    pub scps: Vec<Vec<PolicyIdx>>,
    /// Problems met while resolving (also recorded on the principals they affect).
    pub warnings: Vec<String>,
    by_arn: HashMap<String, PrincipalIdx>,
    policy_by_id: HashMap<String, PolicyIdx>,
}

impl Account {
    /// Resolves a snapshot. Never fails: what cannot be resolved becomes a warning and makes
    /// the affected principals inconclusive.
    pub fn from_snapshot(snapshot: &Snapshot, managed: &ManagedPolicies) -> Account {
        let mut b = Builder {
            managed,
            policies: Vec::new(),
            by_id: HashMap::new(),
            warnings: Vec::new(),
            parsed: parse_documents(snapshot),
        };
        // customer managed (and AWS managed) policies listed in the snapshot
        for p in &snapshot.policies {
            let origin = if is_aws_managed_arn(&p.arn) {
                PolicyOrigin::AwsManaged
            } else {
                PolicyOrigin::CustomerManaged
            };
            let doc = p.default_version().and_then(|v| v.document.as_ref());
            match doc {
                Some(doc) => {
                    b.add_document(&p.arn, origin, doc);
                }
                None => {
                    b.add_missing(
                        &p.arn,
                        origin,
                        "the snapshot has no default version document for this policy",
                    );
                }
            }
        }

        let mut groups: Vec<GroupInfo> = Vec::new();
        let mut group_by_name: HashMap<&str, GroupIdx> = HashMap::new();
        let mut sorted_groups: Vec<_> = snapshot.groups.iter().collect();
        sorted_groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        for g in sorted_groups {
            let mut policies = Vec::new();
            for inline in &g.group_policy_list {
                policies.push(b.add_inline(&g.arn, &inline.policy_name, &inline.policy_document));
            }
            for att in &g.attached_managed_policies {
                policies.push(b.managed_ref(&att.policy_arn));
            }
            group_by_name.insert(g.group_name.as_str(), groups.len());
            groups.push(GroupInfo {
                arn: g.arn.clone(),
                name: g.group_name.clone(),
                policies,
                members: Vec::new(),
            });
        }

        let signals: HashMap<&str, &overreach_snapshot::CredentialSignals> = snapshot
            .credential_signals
            .iter()
            .map(|s| (s.user_arn.as_str(), s))
            .collect();

        let mut principals = Vec::new();
        let mut users: Vec<_> = snapshot.users.iter().collect();
        users.sort_by(|a, b| a.arn.cmp(&b.arn));
        for u in users {
            let mut identity = Vec::new();
            for inline in &u.user_policy_list {
                identity.push((
                    b.add_inline(&u.arn, &inline.policy_name, &inline.policy_document),
                    Holding::Direct,
                ));
            }
            for att in &u.attached_managed_policies {
                identity.push((b.managed_ref(&att.policy_arn), Holding::Direct));
            }
            let mut member_of = Vec::new();
            let mut inconclusive = Vec::new();
            for name in &u.group_list {
                match group_by_name.get(name.as_str()) {
                    Some(&gi) => {
                        member_of.push(gi);
                        for &p in &groups[gi].policies {
                            identity.push((p, Holding::Group(gi)));
                        }
                    }
                    None => {
                        let msg = format!(
                            "user `{}` is in group `{name}`, which is not in the snapshot: its policies are unknown",
                            u.user_name
                        );
                        b.warnings.push(msg.clone());
                        inconclusive.push(msg);
                    }
                }
            }
            let boundary = u
                .permissions_boundary
                .as_ref()
                .map(|pb| b.managed_ref(&pb.permissions_boundary_arn));
            let s = signals.get(u.arn.as_str());
            principals.push(PrincipalInfo {
                arn: u.arn.clone(),
                name: u.user_name.clone(),
                kind: PrincipalType::User,
                tags: u
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
                identity,
                groups: member_of,
                boundary,
                trust: None,
                signals: Signals {
                    console_login: s.and_then(|s| s.has_login_profile),
                    active_access_keys: s.and_then(|s| {
                        s.access_keys.as_ref().map(|keys| {
                            keys.iter()
                                .filter(|k| k.status.as_deref() != Some("Inactive"))
                                .count()
                        })
                    }),
                    instance_profiles: Vec::new(),
                },
                inconclusive,
            });
        }
        let mut roles: Vec<_> = snapshot.roles.iter().collect();
        roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        for r in roles {
            let mut identity = Vec::new();
            for inline in &r.role_policy_list {
                identity.push((
                    b.add_inline(&r.arn, &inline.policy_name, &inline.policy_document),
                    Holding::Direct,
                ));
            }
            for att in &r.attached_managed_policies {
                identity.push((b.managed_ref(&att.policy_arn), Holding::Direct));
            }
            let boundary = r
                .permissions_boundary
                .as_ref()
                .map(|pb| b.managed_ref(&pb.permissions_boundary_arn));
            let trust = match &r.assume_role_policy_document {
                Some(doc) => Some(b.add_document(
                    &format!("{}#trust", r.arn),
                    PolicyOrigin::Trust {
                        role: r.arn.clone(),
                    },
                    doc,
                )),
                None => Some(b.add_missing(
                    &format!("{}#trust", r.arn),
                    PolicyOrigin::Trust {
                        role: r.arn.clone(),
                    },
                    "the snapshot has no trust policy for this role",
                )),
            };
            principals.push(PrincipalInfo {
                arn: r.arn.clone(),
                name: r.role_name.clone(),
                kind: PrincipalType::Role,
                tags: r
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect(),
                identity,
                groups: Vec::new(),
                boundary,
                trust,
                signals: Signals {
                    instance_profiles: r
                        .instance_profile_list
                        .iter()
                        .map(|ip| ip.arn.clone())
                        .collect(),
                    ..Signals::default()
                },
                inconclusive: Vec::new(),
            });
        }

        let id = snapshot
            .meta
            .as_ref()
            .and_then(|m| m.account_id.clone())
            .or_else(|| principals.first().and_then(|p| arn_account(&p.arn)))
            .unwrap_or_default();
        let partition = principals
            .first()
            .and_then(|p| p.arn.split(':').nth(1).map(str::to_string))
            .unwrap_or_else(|| "aws".into());
        let scps = b.scp_levels(snapshot, &id);

        // record unreadable policies on the principals that hold them
        for (pi, p) in principals.iter_mut().enumerate() {
            let held = p
                .identity
                .iter()
                .map(|(i, _)| *i)
                .chain(p.boundary)
                .chain(p.trust)
                .chain(scps.iter().flatten().copied());
            for idx in held {
                if let Some(problem) = &b.policies[idx].problem {
                    p.inconclusive
                        .push(format!("policy `{}`: {problem}", b.policies[idx].id));
                }
            }
            for &gi in &p.groups {
                groups[gi].members.push(pi);
            }
        }
        let by_arn = principals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.clone(), i))
            .collect();
        let policy_by_id = b.by_id;
        Account {
            id,
            partition,
            policy_by_id,
            policies: b.policies,
            principals,
            groups,
            scps,
            warnings: b.warnings,
            by_arn,
        }
    }

    /// A principal by ARN.
    pub fn principal(&self, arn: &str) -> Option<PrincipalIdx> {
        self.by_arn.get(arn).copied()
    }

    /// The statement a reference points at, with its policy's language version.
    pub fn statement(
        &self,
        r: &overreach_policy::StatementRef,
    ) -> Option<(&overreach_policy::Statement, overreach_policy::Version)> {
        let idx = *self.policy_by_id.get(&r.policy)?;
        let policy = self.policies.get(idx)?.policy.as_ref()?;
        Some((
            policy.policy.statements.get(r.index)?,
            policy.policy.version,
        ))
    }

    /// True for a service-linked role (path `/aws-service-role/`): AWS owns its policies, and
    /// SCPs do not restrict it.
    pub fn is_service_linked(&self, p: PrincipalIdx) -> bool {
        self.principals[p].arn.contains(":role/aws-service-role/")
    }

    /// Every policy that decides a request of principal `p`: its identity policies (own and
    /// its groups'), its permissions boundary and its SCPs.
    pub fn layer_policies(&self, p: PrincipalIdx) -> impl Iterator<Item = PolicyIdx> + '_ {
        let info = &self.principals[p];
        info.identity
            .iter()
            .map(|(i, _)| *i)
            .chain(info.boundary)
            .chain(self.scps_for(p).iter().flatten().copied())
    }

    /// The SCP levels that restrict a principal (none for service-linked roles).
    pub fn scps_for(&self, p: PrincipalIdx) -> &[Vec<PolicyIdx>] {
        if self.is_service_linked(p) {
            &[]
        } else {
            &self.scps
        }
    }

    /// A principal by ARN, name (`alice`) or `user/alice` / `role/admin`.
    pub fn find_principal(&self, query: &str) -> Option<PrincipalIdx> {
        if let Some(i) = self.principal(query) {
            return Some(i);
        }
        let (kind, name) = match query.split_once('/') {
            Some(("user", n)) => (Some(PrincipalType::User), n),
            Some(("role", n)) => (Some(PrincipalType::Role), n),
            _ => (None, query),
        };
        self.principals
            .iter()
            .position(|p| p.name == name && kind.is_none_or(|k| k == p.kind))
    }

    /// The parsed policies of a list of indices (the unreadable ones are skipped: their
    /// principals are marked inconclusive).
    pub fn named(&self, idx: impl IntoIterator<Item = PolicyIdx>) -> Vec<&NamedPolicy> {
        idx.into_iter()
            .filter_map(|i| self.policies.get(i).and_then(|p| p.policy.as_ref()))
            .collect()
    }
}

/// The account id of an ARN.
pub fn arn_account(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

struct Builder<'m> {
    managed: &'m ManagedPolicies,
    policies: Vec<PolicyEntry>,
    by_id: HashMap<String, PolicyIdx>,
    warnings: Vec<String>,
    /// The snapshot's documents parsed ahead, by address (taken as they are added).
    parsed: crate::cache::FastMap<usize, Result<Policy, PolicyError>>,
}

/// Every policy document of the snapshot (managed policies' default versions, inline and
/// trust policies), parsed on every core: the builder then takes them in its own order, so
/// the account is the same as if each were parsed when added.
fn parse_documents(
    snapshot: &Snapshot,
) -> crate::cache::FastMap<usize, Result<Policy, PolicyError>> {
    use rayon::prelude::*;
    let mut docs: Vec<&PolicyDocument> = snapshot
        .policies
        .iter()
        .filter_map(|p| p.default_version().and_then(|v| v.document.as_ref()))
        .collect();
    for g in &snapshot.groups {
        docs.extend(g.group_policy_list.iter().map(|p| &p.policy_document));
    }
    for u in &snapshot.users {
        docs.extend(u.user_policy_list.iter().map(|p| &p.policy_document));
    }
    for r in &snapshot.roles {
        docs.extend(r.role_policy_list.iter().map(|p| &p.policy_document));
        docs.extend(r.assume_role_policy_document.as_ref());
    }
    docs.par_iter()
        .map(|&doc| {
            (
                std::ptr::from_ref(doc) as usize,
                parse_policy_value(doc.value()),
            )
        })
        .collect()
}

impl Builder<'_> {
    fn push(&mut self, entry: PolicyEntry) -> PolicyIdx {
        let idx = self.policies.len();
        self.by_id.insert(entry.id.clone(), idx);
        self.policies.push(entry);
        idx
    }

    fn add_document(&mut self, id: &str, origin: PolicyOrigin, doc: &PolicyDocument) -> PolicyIdx {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        // INVARIANT: `parsed` is keyed by the addresses of the snapshot's documents, which
        // outlive the builder; a document not parsed ahead is parsed here
        let parsed = self
            .parsed
            .remove(&(std::ptr::from_ref(doc) as usize))
            .unwrap_or_else(|| parse_policy_value(doc.value()));
        match parsed {
            Ok(policy) => self.push(PolicyEntry {
                id: id.to_string(),
                origin,
                policy: Some(NamedPolicy::new(id, policy)),
                problem: None,
            }),
            Err(e) => {
                let problem = format!("the document does not parse: {e}");
                self.warnings.push(format!("policy `{id}`: {problem}"));
                self.push(PolicyEntry {
                    id: id.to_string(),
                    origin,
                    policy: None,
                    problem: Some(problem),
                })
            }
        }
    }

    fn add_missing(&mut self, id: &str, origin: PolicyOrigin, why: &str) -> PolicyIdx {
        if let Some(&i) = self.by_id.get(id) {
            return i;
        }
        self.warnings.push(format!("policy `{id}`: {why}"));
        self.push(PolicyEntry {
            id: id.to_string(),
            origin,
            policy: None,
            problem: Some(why.to_string()),
        })
    }

    fn add_inline(&mut self, owner: &str, name: &str, doc: &PolicyDocument) -> PolicyIdx {
        let id = format!("{owner}#inline/{name}");
        self.add_document(
            &id,
            PolicyOrigin::Inline {
                owner: owner.to_string(),
                name: name.to_string(),
            },
            doc,
        )
    }

    /// A managed policy by ARN: from the snapshot, else (AWS managed) from the compiled-in
    /// data, else missing.
    fn managed_ref(&mut self, arn: &str) -> PolicyIdx {
        if let Some(&i) = self.by_id.get(arn) {
            return i;
        }
        if is_aws_managed_arn(arn) {
            if let Some(m) = self.managed.get(arn) {
                return match m.parse() {
                    Ok(policy) => self.push(PolicyEntry {
                        id: arn.to_string(),
                        origin: PolicyOrigin::AwsManaged,
                        policy: Some(NamedPolicy::new(arn, policy)),
                        problem: None,
                    }),
                    Err(e) => self.add_missing(
                        arn,
                        PolicyOrigin::AwsManaged,
                        &format!("the compiled-in document does not parse: {e}"),
                    ),
                };
            }
            return self.add_missing(
                arn,
                PolicyOrigin::AwsManaged,
                "an AWS managed policy neither in the snapshot nor in the data compiled into overreach (newer than the data?)",
            );
        }
        self.add_missing(
            arn,
            PolicyOrigin::CustomerManaged,
            "a customer managed policy missing from the snapshot (was the fetch partial?)",
        )
    }

    /// The SCP levels on the path from the organization root to `account`.
    fn scp_levels(&mut self, snapshot: &Snapshot, account: &str) -> Vec<Vec<PolicyIdx>> {
        let Some(org) = &snapshot.organization else {
            return Vec::new();
        };
        // the management account is not restricted by SCPs
        if org.management_account_id.as_deref() == Some(account) {
            return Vec::new();
        }
        let docs: BTreeMap<&str, &overreach_snapshot::OrgPolicy> =
            org.policies.iter().map(|p| (p.id.as_str(), p)).collect();
        for root in &org.roots {
            let mut chain: Vec<Vec<String>> = Vec::new();
            if let Some(levels) = find_account(root, account, &mut chain) {
                let mut out = Vec::new();
                for ids in levels {
                    let mut level = Vec::new();
                    for id in ids {
                        let Some(p) = docs.get(id.as_str()) else {
                            level.push(self.add_missing(&id, PolicyOrigin::OrgPolicy { policy_type: "SERVICE_CONTROL_POLICY".into() }, "an SCP attached in the organization tree but missing from the snapshot"));
                            continue;
                        };
                        if p.policy_type != "SERVICE_CONTROL_POLICY" {
                            continue;
                        }
                        let origin = PolicyOrigin::OrgPolicy {
                            policy_type: p.policy_type.clone(),
                        };
                        let pid = p.arn.clone().unwrap_or_else(|| p.id.clone());
                        level.push(match &p.document {
                            Some(doc) => self.add_document(&pid, origin, doc),
                            None => self.add_missing(
                                &pid,
                                origin,
                                "the SCP's document could not be fetched",
                            ),
                        });
                    }
                    out.push(level);
                }
                return out;
            }
        }
        Vec::new()
    }
}

/// The policy ids attached at each level from `node` down to `account`, if it is below.
fn find_account(
    node: &overreach_snapshot::OrgNode,
    account: &str,
    chain: &mut Vec<Vec<String>>,
) -> Option<Vec<Vec<String>>> {
    chain.push(node.policy_ids.clone());
    if let Some(a) = node.accounts.iter().find(|a| a.id == account) {
        let mut levels = chain.clone();
        levels.push(a.policy_ids.clone());
        chain.pop();
        return Some(levels);
    }
    for ou in &node.organizational_units {
        if let Some(found) = find_account(ou, account, chain) {
            chain.pop();
            return Some(found);
        }
    }
    chain.pop();
    None
}
