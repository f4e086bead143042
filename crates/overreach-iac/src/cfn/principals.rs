//! Putting principals and managed policies into the set: definitions replace earlier ones
//! with the same ARN (absorbing a stub's attachments), references to principals defined
//! nowhere become stubs.

use std::collections::HashMap;

use overreach_snapshot::{
    AttachedPolicy, GroupDetail, InlinePolicy, ManagedPolicyDetail, RoleDetail, Snapshot,
    UserDetail,
};

use crate::cfn::properties::name_of;
use crate::model::{IacSet, Location, Note, NoteKind};

/// What the sink needs of users, groups and roles.
pub(crate) trait Principal: Sized {
    /// `role`, `user` or `group`.
    const KIND: &'static str;
    fn arn(&self) -> &str;
    /// A principal known only by name (path `/`).
    fn stub(name: &str, arn: &str) -> Self;
    fn inline(&mut self) -> &mut Vec<InlinePolicy>;
    fn attached(&mut self) -> &mut Vec<AttachedPolicy>;
    /// Takes over what a stub of the same ARN collected.
    fn absorb(&mut self, stub: Self);
    fn list(snapshot: &mut Snapshot) -> &mut Vec<Self>;
}

impl Principal for RoleDetail {
    const KIND: &'static str = "role";
    fn arn(&self) -> &str {
        &self.arn
    }
    fn stub(name: &str, arn: &str) -> Self {
        crate::details::empty_role(name, arn, "/")
    }
    fn inline(&mut self) -> &mut Vec<InlinePolicy> {
        &mut self.role_policy_list
    }
    fn attached(&mut self) -> &mut Vec<AttachedPolicy> {
        &mut self.attached_managed_policies
    }
    fn absorb(&mut self, stub: Self) {
        self.role_policy_list.extend(stub.role_policy_list);
        self.attached_managed_policies
            .extend(stub.attached_managed_policies);
        self.instance_profile_list
            .extend(stub.instance_profile_list);
    }
    fn list(snapshot: &mut Snapshot) -> &mut Vec<Self> {
        &mut snapshot.roles
    }
}

impl Principal for UserDetail {
    const KIND: &'static str = "user";
    fn arn(&self) -> &str {
        &self.arn
    }
    fn stub(name: &str, arn: &str) -> Self {
        crate::details::empty_user(name, arn)
    }
    fn inline(&mut self) -> &mut Vec<InlinePolicy> {
        &mut self.user_policy_list
    }
    fn attached(&mut self) -> &mut Vec<AttachedPolicy> {
        &mut self.attached_managed_policies
    }
    fn absorb(&mut self, stub: Self) {
        self.user_policy_list.extend(stub.user_policy_list);
        self.attached_managed_policies
            .extend(stub.attached_managed_policies);
        for g in stub.group_list {
            if !self.group_list.contains(&g) {
                self.group_list.push(g);
            }
        }
    }
    fn list(snapshot: &mut Snapshot) -> &mut Vec<Self> {
        &mut snapshot.users
    }
}

impl Principal for GroupDetail {
    const KIND: &'static str = "group";
    fn arn(&self) -> &str {
        &self.arn
    }
    fn stub(name: &str, arn: &str) -> Self {
        crate::details::empty_group(name, arn)
    }
    fn inline(&mut self) -> &mut Vec<InlinePolicy> {
        &mut self.group_policy_list
    }
    fn attached(&mut self) -> &mut Vec<AttachedPolicy> {
        &mut self.attached_managed_policies
    }
    fn absorb(&mut self, stub: Self) {
        self.group_policy_list.extend(stub.group_policy_list);
        self.attached_managed_policies
            .extend(stub.attached_managed_policies);
    }
    fn list(snapshot: &mut Snapshot) -> &mut Vec<Self> {
        &mut snapshot.groups
    }
}

/// The set being filled by one file.
#[derive(Debug)]
pub(crate) struct Sink<'s> {
    pub set: &'s mut IacSet,
    /// `(kind, ARN)` → index in the snapshot list of that kind (`policy` for managed).
    index: HashMap<(&'static str, String), usize>,
    /// ARN → logical id, for what this file defined.
    defined: HashMap<String, String>,
    pub notes: Vec<Note>,
}

impl<'s> Sink<'s> {
    pub fn new(set: &'s mut IacSet) -> Self {
        let s = &set.snapshot;
        let mut index = HashMap::new();
        let lists: [(&'static str, Vec<&str>); 4] = [
            ("role", s.roles.iter().map(|r| r.arn.as_str()).collect()),
            ("user", s.users.iter().map(|r| r.arn.as_str()).collect()),
            ("group", s.groups.iter().map(|r| r.arn.as_str()).collect()),
            (
                "policy",
                s.policies.iter().map(|r| r.arn.as_str()).collect(),
            ),
        ];
        for (kind, arns) in lists {
            for (i, arn) in arns.into_iter().enumerate() {
                index.insert((kind, arn.to_owned()), i);
            }
        }
        Sink {
            set,
            index,
            defined: HashMap::new(),
            notes: Vec::new(),
        }
    }

    /// Defines a principal (resource `id`, written at `at`).
    pub fn define<P: Principal>(&mut self, mut p: P, id: &str, at: Location) {
        let arn = p.arn().to_owned();
        self.set
            .locations
            .principals
            .insert(arn.clone(), at.clone());
        let slot = self.index.get(&(P::KIND, arn.clone())).copied();
        if let Some(i) = slot {
            let list = P::list(&mut self.set.snapshot);
            let old = std::mem::replace(&mut list[i], P::stub("", &arn));
            if self.set.stubs.remove(&arn) {
                p.absorb(old);
            } else {
                self.replaced(&arn, id, at);
            }
            P::list(&mut self.set.snapshot)[i] = p;
        } else {
            let list = P::list(&mut self.set.snapshot);
            self.index.insert((P::KIND, arn.clone()), list.len());
            list.push(p);
        }
        self.defined.insert(arn, id.to_owned());
    }

    /// Defines a customer managed policy.
    pub fn define_policy(&mut self, p: ManagedPolicyDetail, id: &str, at: Location) {
        let arn = p.arn.clone();
        match self.index.get(&("policy", arn.clone())).copied() {
            Some(i) => {
                self.replaced(&arn, id, at);
                self.set.snapshot.policies[i] = p;
            }
            None => {
                self.index
                    .insert(("policy", arn.clone()), self.set.snapshot.policies.len());
                self.set.snapshot.policies.push(p);
            }
        }
        self.defined.insert(arn, id.to_owned());
    }

    fn replaced(&mut self, arn: &str, id: &str, at: Location) {
        let message = match self.defined.get(arn) {
            Some(first) => format!(
                "`{id}` has the same ARN `{arn}` as `{first}`; CloudFormation would fail to create both, the later one is read"
            ),
            None => {
                format!("`{arn}` is also defined by a file read earlier; this definition is read")
            }
        };
        self.notes.push(Note {
            kind: NoteKind::Warning,
            location: at,
            message,
        });
    }

    /// The principal with `arn`, or a stub for it (named `name`) when nothing defines it;
    /// `why` says, for the note, what references it.
    pub fn principal<P: Principal>(
        &mut self,
        arn: &str,
        name: &str,
        at: &Location,
        why: &str,
    ) -> &mut P {
        let i = match self.index.get(&(P::KIND, arn.to_owned())) {
            Some(&i) => i,
            None => {
                let name = name_of(name);
                self.notes.push(Note {
                    kind: NoteKind::External,
                    location: at.clone(),
                    message: format!(
                        "{why} {} `{name}`, which the template does not define: read as a stub holding just that, to merge with the account's {}",
                        P::KIND,
                        P::KIND
                    ),
                });
                self.set.stubs.insert(arn.to_owned());
                // findings about the stub point at the reference until a definition is read
                let at_reference = at.clone();
                self.set
                    .locations
                    .principals
                    .entry(arn.to_owned())
                    .or_insert(at_reference);
                let list = P::list(&mut self.set.snapshot);
                self.index.insert((P::KIND, arn.to_owned()), list.len());
                list.push(P::stub(&name, arn));
                list.len() - 1
            }
        };
        &mut P::list(&mut self.set.snapshot)[i]
    }

    /// True when `arn` is a principal or policy of the set (not a stub).
    pub fn defines(&self, kind: &'static str, arn: &str) -> bool {
        self.index.contains_key(&(kind, arn.to_owned())) && !self.set.stubs.contains(arn)
    }
}

/// Adds an inline policy, replacing one of the same name (IAM keeps one per name).
pub(crate) fn put_inline(list: &mut Vec<InlinePolicy>, policy: InlinePolicy) {
    match list
        .iter_mut()
        .find(|p| p.policy_name == policy.policy_name)
    {
        Some(old) => *old = policy,
        None => list.push(policy),
    }
}

/// Attaches a managed policy once.
pub(crate) fn attach(list: &mut Vec<AttachedPolicy>, arn: &str) {
    if !list.iter().any(|a| a.policy_arn == arn) {
        list.push(AttachedPolicy {
            policy_name: Some(overreach_snapshot::name_from_arn(arn).to_owned()),
            policy_arn: arn.to_owned(),
        });
    }
}
