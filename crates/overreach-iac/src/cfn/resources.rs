//! The IAM resource types: principals and managed policies first, then what attaches to
//! them (policies, group memberships, instance profiles), so order in the file does not
//! matter.

use std::collections::HashMap;

use overreach_snapshot::{
    GroupDetail, InlinePolicy, InstanceProfile, ManagedPolicyDetail, PolicyDocument, PolicyVersion,
    RoleDetail, UserDetail,
};

use crate::cfn::eval::{Eval, Result, fail};
use crate::cfn::policy::Doc;
use crate::cfn::principals::{Principal, Sink, attach, put_inline};
use crate::cfn::properties::{Named, name_of};
use crate::cfn::template::Resource;
use crate::model::{Location, NoteKind};
use crate::tree::Node;

/// Decided conditions (see [`crate::cfn`]).
pub(crate) type Base = Vec<(String, bool)>;

/// Reads one template's IAM resources into the sink.
#[derive(Debug)]
pub(crate) struct Reader<'a, 's> {
    pub ev: Eval<'a>,
    pub sink: Sink<'s>,
    /// `(kind, name)` → ARN of the template's users, groups and roles.
    names: HashMap<(&'static str, String), String>,
}

impl<'a, 's> Reader<'a, 's> {
    pub fn new(ev: Eval<'a>, sink: Sink<'s>) -> Self {
        Reader {
            ev,
            sink,
            names: HashMap::new(),
        }
    }

    /// Learns the names of the template's principals (before anything references them).
    pub fn name(&mut self, r: &Resource<'a>) -> Result<()> {
        let kind = match r.kind {
            "AWS::IAM::Role" => "role",
            "AWS::IAM::User" => "user",
            "AWS::IAM::Group" => "group",
            _ => return Ok(()),
        };
        let ident = self.ev.identity(r.id, r.key)?;
        self.names.insert((kind, ident.name), ident.arn);
        Ok(())
    }

    /// Defines a role, user, group or managed policy.
    pub fn define(&mut self, r: &Resource<'a>, base: &Base) -> Result<()> {
        let ident = match r.kind {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" | "AWS::IAM::ManagedPolicy" => {
                self.ev.identity(r.id, r.key)?
            }
            _ => return Ok(()),
        };
        let at = self.ev.loc(r.key);
        let arn = ident.arn.clone();
        if r.kind == "AWS::IAM::ManagedPolicy" {
            let Some(node) = r.prop("PolicyDocument") else {
                return Err(fail(
                    r.key,
                    format!("managed policy `{}` has no `PolicyDocument`; add one", r.id),
                ));
            };
            let Some(doc) = self.docs(node, base)? else {
                return Ok(());
            };
            self.locate(&arn, &doc);
            let description = match r.prop("Description") {
                Some(d) => self.ev.eval(d)?.text(),
                None => None,
            };
            let policy = ManagedPolicyDetail {
                policy_name: Some(ident.name),
                policy_id: None,
                arn,
                path: Some(ident.path),
                default_version_id: Some("v1".into()),
                attachment_count: None,
                permissions_boundary_usage_count: None,
                is_attachable: Some(true),
                description,
                create_date: None,
                update_date: None,
                policy_version_list: vec![PolicyVersion {
                    document: Some(PolicyDocument(doc.value.to_json())),
                    version_id: Some("v1".into()),
                    is_default_version: true,
                    create_date: None,
                }],
            };
            self.sink.define_policy(policy, r.id, at);
            return Ok(());
        }
        let inline = match r.prop("Policies") {
            Some(n) => self.inline_list(n, base, &arn)?,
            None => Vec::new(),
        };
        let managed = self.arn_list(r.prop("ManagedPolicyArns"), base)?;
        match r.kind {
            "AWS::IAM::Role" => {
                let mut role = RoleDetail::stub(&ident.name, &arn);
                role.path = Some(ident.path);
                if let Some(n) = r.prop("AssumeRolePolicyDocument")
                    && let Some(doc) = self.docs(n, base)?
                {
                    self.locate(&format!("{arn}#trust"), &doc);
                    role.assume_role_policy_document = Some(PolicyDocument(doc.value.to_json()));
                }
                role.permissions_boundary = self.boundary(r.prop("PermissionsBoundary"))?;
                role.tags = self.tags(r.prop("Tags"))?;
                self.fill(&mut role, inline, &managed);
                self.sink.define(role, r.id, at);
            }
            "AWS::IAM::User" => {
                let mut user = UserDetail::stub(&ident.name, &arn);
                user.path = Some(ident.path);
                user.permissions_boundary = self.boundary(r.prop("PermissionsBoundary"))?;
                user.tags = self.tags(r.prop("Tags"))?;
                for Named { name: group, .. } in
                    self.names_in(r.prop("Groups"), base, r.id, "group")?
                {
                    self.external_group(&group, r.prop("Groups").unwrap_or(r.key));
                    let group = name_of(&group);
                    if !user.group_list.contains(&group) {
                        user.group_list.push(group);
                    }
                }
                self.fill(&mut user, inline, &managed);
                self.sink.define(user, r.id, at);
            }
            _ => {
                let mut group = GroupDetail::stub(&ident.name, &arn);
                group.path = Some(ident.path);
                self.fill(&mut group, inline, &managed);
                self.sink.define(group, r.id, at);
            }
        }
        Ok(())
    }

    fn fill<P: Principal>(
        &mut self,
        p: &mut P,
        inline: Vec<(String, Doc)>,
        managed: &[(String, Location)],
    ) {
        let arn = p.arn().to_owned();
        for (name, doc) in inline {
            self.locate(&format!("{arn}#inline/{name}"), &doc);
            put_inline(
                p.inline(),
                InlinePolicy {
                    policy_name: name,
                    policy_document: PolicyDocument(doc.value.to_json()),
                },
            );
        }
        for (m, at) in managed {
            attach(p.attached(), m);
            self.sink
                .set
                .locations
                .attachments
                .insert((arn.clone(), m.clone()), at.clone());
        }
    }

    /// Reads what attaches to principals: policies, memberships, instance profiles.
    pub fn attach(&mut self, r: &Resource<'a>, base: &Base) -> Result<()> {
        match r.kind {
            "AWS::IAM::Policy" => {
                let name = self.required_text(r, "PolicyName")?;
                for (prop, kind) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
                    self.inline_on(r, prop, kind, &name, base)?;
                }
            }
            "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                let name = self.required_text(r, "PolicyName")?;
                let (prop, kind) = match r.kind {
                    "AWS::IAM::RolePolicy" => ("RoleName", "role"),
                    "AWS::IAM::UserPolicy" => ("UserName", "user"),
                    _ => ("GroupName", "group"),
                };
                self.inline_on(r, prop, kind, &name, base)?;
            }
            "AWS::IAM::ManagedPolicy" => {
                let arn = self.ev.identity(r.id, r.key)?.arn;
                for (prop, kind) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
                    let why = format!("managed policy `{}` is attached to", r.id);
                    for Named { name, at, .. } in self.names_in(r.prop(prop), base, r.id, kind)? {
                        let owner = self.owner_arn(kind, &name);
                        self.sink
                            .set
                            .locations
                            .attachments
                            .insert((owner.clone(), arn.clone()), at.clone());
                        match kind {
                            "role" => attach(
                                self.sink
                                    .principal::<RoleDetail>(&owner, &name, &at, &why)
                                    .attached(),
                                &arn,
                            ),
                            "user" => attach(
                                self.sink
                                    .principal::<UserDetail>(&owner, &name, &at, &why)
                                    .attached(),
                                &arn,
                            ),
                            _ => attach(
                                self.sink
                                    .principal::<GroupDetail>(&owner, &name, &at, &why)
                                    .attached(),
                                &arn,
                            ),
                        }
                    }
                }
            }
            "AWS::IAM::UserToGroupAddition" => {
                let group = self.required_text(r, "GroupName")?;
                self.external_group(&group, r.prop("GroupName").unwrap_or(r.key));
                let group = name_of(&group);
                let why = format!("`{}` adds to group `{group}` the", r.id);
                for Named { name, at, .. } in self.names_in(r.prop("Users"), base, r.id, "user")? {
                    let owner = self.owner_arn("user", &name);
                    let user = self.sink.principal::<UserDetail>(&owner, &name, &at, &why);
                    if !user.group_list.contains(&group) {
                        user.group_list.push(group.clone());
                    }
                }
            }
            "AWS::IAM::InstanceProfile" => {
                let ident = self.ev.identity(r.id, r.key)?;
                let why = format!("instance profile `{}` holds the", r.id);
                for Named { name, at, .. } in self.names_in(r.prop("Roles"), base, r.id, "role")? {
                    let owner = self.owner_arn("role", &name);
                    let role = self.sink.principal::<RoleDetail>(&owner, &name, &at, &why);
                    let member = crate::details::profile_member(role);
                    role.instance_profile_list.push(InstanceProfile {
                        path: Some(ident.path.clone()),
                        instance_profile_name: ident.name.clone(),
                        instance_profile_id: None,
                        arn: ident.arn.clone(),
                        create_date: None,
                        roles: vec![member],
                        tags: Vec::new(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// An `AWS::IAM::Policy`-like resource: the inline policy `name` on each principal of
    /// `prop`, its document read once per set of decided conditions.
    fn inline_on(
        &mut self,
        r: &Resource<'a>,
        prop: &str,
        kind: &'static str,
        name: &str,
        base: &Base,
    ) -> Result<()> {
        let Some(doc_node) = r.prop("PolicyDocument") else {
            return Err(fail(
                r.key,
                format!("`{}` has no `PolicyDocument`; add one", r.id),
            ));
        };
        let mut docs: HashMap<Base, Option<Doc>> = HashMap::new();
        let why = format!("`{}` puts policy `{name}` on the", r.id);
        for Named {
            name: owner,
            decided,
            at,
        } in self.names_in(r.prop(prop), base, r.id, kind)?
        {
            if !docs.contains_key(&decided) {
                let doc = self.docs(doc_node, &decided)?;
                docs.insert(decided.clone(), doc);
            }
            let Some(Some(doc)) = docs.get(&decided) else {
                continue;
            };
            let doc = doc.clone();
            // each copy is data the analysis holds: it counts against the budget
            self.ev.charge(doc_node, doc.value.cost())?;
            let arn = self.owner_arn(kind, &owner);
            self.locate(&format!("{arn}#inline/{name}"), &doc);
            let policy = InlinePolicy {
                policy_name: name.to_owned(),
                policy_document: PolicyDocument(doc.value.to_json()),
            };
            match kind {
                "role" => put_inline(
                    self.sink
                        .principal::<RoleDetail>(&arn, &owner, &at, &why)
                        .inline(),
                    policy,
                ),
                "user" => put_inline(
                    self.sink
                        .principal::<UserDetail>(&arn, &owner, &at, &why)
                        .inline(),
                    policy,
                ),
                _ => put_inline(
                    self.sink
                        .principal::<GroupDetail>(&arn, &owner, &at, &why)
                        .inline(),
                    policy,
                ),
            }
        }
        Ok(())
    }

    /// The ARN of the principal named `name`: the template's, else one with path `/`.
    fn owner_arn(&self, kind: &'static str, name: &str) -> String {
        if name.starts_with("arn:") {
            return name.to_owned();
        }
        match self.names.get(&(kind, name.to_owned())) {
            Some(arn) => arn.clone(),
            None => self.ev.arn(kind, "/", name),
        }
    }

    fn external_group(&mut self, group: &str, at: &Node) {
        let arn = self.owner_arn("group", group);
        if !self.names.contains_key(&("group", group.to_owned()))
            && !self.sink.defines("group", &arn)
        {
            self.ev.note(
                NoteKind::External,
                at,
                format!("group `{group}` is not defined by the template: its policies come from the account"),
            );
        }
    }
}
