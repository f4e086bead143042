//! The plan's IAM resources → principals and policies of the snapshot, with locations.
//!
//! Principals and managed policies go in first, then what attaches to them (inline policy
//! resources, attachments, memberships, instance profiles), so an attachment finds a principal
//! the plan defines whatever the order of the plan's resources.

mod locate;
mod values;

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};

use overreach_snapshot::{
    AttachedPolicy, GroupDetail, InlinePolicy, InstanceProfile, PolicyDocument, UserDetail,
    name_from_arn,
};
use serde_json::Value;

use super::hcl::TfBlock;
use super::resolve::{Resolver, Val};
use super::snap::{self, Kind};
use crate::{IacError, IacSet, InputFile, NoteKind, PolicyLocation, unresolved};

/// What a policy attribute holds after apply.
enum Doc {
    Known(PolicyDocument),
    Unknown(String),
    Absent,
}

/// Builds one plan into a set.
pub(crate) struct Builder<'r, 'p, 'a> {
    pub(crate) r: &'r Resolver<'p, 'a>,
    pub(crate) set: &'r mut IacSet,
    pub(crate) file: &'r str,
    pub(crate) sources: &'r [InputFile],
    pub(crate) plan_dir: String,
    pub(crate) module_sources: BTreeMap<Vec<String>, String>,
    tf: RefCell<HashMap<usize, Option<TfBlock>>>,
    tf_index: OnceCell<Vec<(String, TfBlock)>>,
}

/// Resource types that grant nothing by themselves (credentials, identity providers, account
/// settings, and the `*_exclusive` resources, which only detach).
const NO_GRANTS: &[&str] = &[
    "aws_iam_access_key",
    "aws_iam_account_alias",
    "aws_iam_account_password_policy",
    "aws_iam_openid_connect_provider",
    "aws_iam_saml_provider",
    "aws_iam_security_token_service_preferences",
    "aws_iam_server_certificate",
    "aws_iam_service_specific_credential",
    "aws_iam_signing_certificate",
    "aws_iam_user_login_profile",
    "aws_iam_user_ssh_key",
    "aws_iam_virtual_mfa_device",
];

impl<'r, 'p, 'a> Builder<'r, 'p, 'a> {
    pub(crate) fn new(
        r: &'r Resolver<'p, 'a>,
        set: &'r mut IacSet,
        file: &'r str,
        sources: &'r [InputFile],
    ) -> Self {
        Builder {
            r,
            set,
            file,
            sources,
            plan_dir: file.rsplit_once('/').map_or("", |(d, _)| d).to_string(),
            module_sources: r.plan.module_sources(),
            tf: RefCell::new(HashMap::new()),
            tf_index: OnceCell::new(),
        }
    }

    pub(crate) fn run(mut self) -> Result<(), IacError> {
        let managed: Vec<(usize, &str)> = self
            .r
            .plan
            .instances
            .iter()
            .enumerate()
            .filter(|(_, inst)| !inst.data)
            .map(|(i, inst)| (i, inst.rtype))
            .collect();
        for &(i, rtype) in &managed {
            match rtype {
                "aws_iam_policy" => self.policy(i)?,
                "aws_iam_role" => self.role(i)?,
                "aws_iam_user" => self.user(i)?,
                "aws_iam_group" => self.group(i)?,
                _ => {}
            }
        }
        for &(i, rtype) in &managed {
            match rtype {
                "aws_iam_role_policy" => self.inline(i, Kind::Role)?,
                "aws_iam_user_policy" => self.inline(i, Kind::User)?,
                "aws_iam_group_policy" => self.inline(i, Kind::Group)?,
                "aws_iam_role_policy_attachment" => self.attachment(i, Kind::Role)?,
                "aws_iam_user_policy_attachment" => self.attachment(i, Kind::User)?,
                "aws_iam_group_policy_attachment" => self.attachment(i, Kind::Group)?,
                "aws_iam_policy_attachment" => self.policy_attachment(i)?,
                "aws_iam_group_membership" => self.group_membership(i)?,
                "aws_iam_user_group_membership" => self.user_group_membership(i)?,
                "aws_iam_instance_profile" => self.instance_profile(i)?,
                "aws_iam_policy" | "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {}
                t if t.starts_with("aws_iam_")
                    && !NO_GRANTS.contains(&t)
                    && !t.ends_with("_exclusive") =>
                {
                    let address = self.address(i);
                    self.note(
                        i,
                        NoteKind::Unsupported,
                        format!(
                            "`{address}` (`{t}`) is not modelled: access it grants is not analysed"
                        ),
                    );
                }
                _ => {}
            }
        }
        let notes: Vec<_> = self.r.notes.borrow().iter().cloned().collect();
        for (i, kind, message) in notes {
            self.note(i, kind, message);
        }
        Ok(())
    }

    // -- principals and managed policies ------------------------------------------------

    fn role(&mut self, i: usize) -> Result<(), IacError> {
        let (name, path, arn) = self.identity(i, "role");
        let mut role = snap::empty_role(&name, &arn, &path);
        match self.document(i, "assume_role_policy")? {
            Doc::Known(doc) => {
                let at = self.policy_location(i, "assume_role_policy", &doc);
                self.set
                    .locations
                    .policies
                    .insert(format!("{arn}#trust"), at);
                role.assume_role_policy_document = Some(doc);
            }
            Doc::Unknown(what) => self.unknown_doc(i, "assume_role_policy", &what),
            Doc::Absent => {}
        }
        role.tags = self.tags(i)?;
        role.permissions_boundary = self.boundary(i)?;
        let blocks = if self.exclusive(i, "inline_policy") {
            self.inline_blocks(i)?
        } else {
            Vec::new()
        };
        for (policy_name, doc) in blocks {
            self.set.locations.policies.insert(
                format!("{arn}#inline/{policy_name}"),
                PolicyLocation {
                    at: self.loc(i),
                    statements: Vec::new(),
                },
            );
            snap::put_inline(&mut role.role_policy_list, &policy_name, doc);
        }
        if self.exclusive(i, "managed_policy_arns") {
            for policy_arn in self.list(i, "managed_policy_arns")? {
                push_attached(&mut role.attached_managed_policies, &policy_arn);
                let key = (arn.clone(), policy_arn);
                self.set.locations.attachments.insert(key, self.loc(i));
            }
        }
        let at = self.loc(i);
        snap::put_role(self.set, role, at);
        Ok(())
    }

    fn user(&mut self, i: usize) -> Result<(), IacError> {
        let (name, path, arn) = self.identity(i, "user");
        let user = UserDetail {
            path: Some(path),
            user_name: name,
            user_id: None,
            arn,
            create_date: None,
            user_policy_list: Vec::new(),
            group_list: Vec::new(),
            attached_managed_policies: Vec::new(),
            permissions_boundary: self.boundary(i)?,
            tags: self.tags(i)?,
        };
        let at = self.loc(i);
        snap::put_user(self.set, user, at);
        Ok(())
    }

    fn group(&mut self, i: usize) -> Result<(), IacError> {
        let (name, path, arn) = self.identity(i, "group");
        let group = GroupDetail {
            path: Some(path),
            group_name: name,
            group_id: None,
            arn,
            create_date: None,
            group_policy_list: Vec::new(),
            attached_managed_policies: Vec::new(),
        };
        let at = self.loc(i);
        snap::put_group(self.set, group, at);
        Ok(())
    }

    fn policy(&mut self, i: usize) -> Result<(), IacError> {
        let (name, path, arn) = self.identity(i, "policy");
        let (doc, at) = match self.document(i, "policy")? {
            Doc::Known(doc) => {
                let at = self.policy_location(i, "policy", &doc);
                (Some(doc), at)
            }
            Doc::Unknown(what) => {
                self.unknown_doc(i, "policy", &what);
                (
                    None,
                    PolicyLocation {
                        at: self.loc(i),
                        statements: Vec::new(),
                    },
                )
            }
            Doc::Absent => (
                None,
                PolicyLocation {
                    at: self.loc(i),
                    statements: Vec::new(),
                },
            ),
        };
        snap::put_policy(self.set, &name, &path, &arn, doc, at);
        Ok(())
    }

    /// Name, path and ARN of a principal or policy resource, with notes for stand-ins.
    fn identity(&mut self, i: usize, kind: &str) -> (String, String, String) {
        let (name, stand_in) = self.r.name_of(i);
        let address = self.address(i);
        if stand_in {
            let how = if self.configured(i, "name_prefix") {
                "from `name_prefix` "
            } else {
                ""
            };
            self.note(
                i,
                NoteKind::Unresolved,
                format!(
                    "the name of `{address}` is chosen {how}at apply: it is called `{address}` here"
                ),
            );
        }
        let path = self.r.path_of(i).unwrap_or_else(|| {
            self.note(
                i,
                NoteKind::Unresolved,
                format!(
                    "the path of `{address}` is known only after apply: `/` is assumed for its ARN"
                ),
            );
            "/".into()
        });
        let arn = match self.r.attr(i, "arn") {
            Val::Known(Value::String(arn)) => arn,
            _ => snap::iam_arn(&self.r.partition, &self.r.account, kind, &path, &name),
        };
        (name, path, arn)
    }

    // -- what attaches to them -----------------------------------------------------------

    fn inline(&mut self, i: usize, kind: Kind) -> Result<(), IacError> {
        let Some(owner) = self.string(i, kind.as_str())? else {
            return Ok(());
        };
        let address = self.address(i);
        let owner_arn = self.principal(
            i,
            kind,
            &owner,
            &format!(
                "`{address}` puts a policy on {} `{owner}`, which the plan does not define",
                kind.as_str()
            ),
        );
        let (name, stand_in) = self.r.name_of(i);
        if stand_in {
            self.note(
                i,
                NoteKind::Unresolved,
                format!(
                    "the name of `{address}` is chosen at apply: it is called `{address}` here"
                ),
            );
        }
        let (doc, at) = match self.document(i, "policy")? {
            Doc::Known(doc) => {
                let at = self.policy_location(i, "policy", &doc);
                (doc, at)
            }
            Doc::Unknown(what) => {
                self.unknown_doc(i, "policy", &what);
                // a document the analysis cannot parse: the owner comes out inconclusive
                (
                    PolicyDocument(Value::String(unresolved(&what))),
                    PolicyLocation {
                        at: self.loc(i),
                        statements: Vec::new(),
                    },
                )
            }
            Doc::Absent => return Ok(()),
        };
        self.set
            .locations
            .policies
            .insert(format!("{owner_arn}#inline/{name}"), at);
        if let Some(list) = inline_list(self.set, kind, &owner_arn) {
            snap::put_inline(list, &name, doc);
        }
        Ok(())
    }

    fn attachment(&mut self, i: usize, kind: Kind) -> Result<(), IacError> {
        let (Some(owner), Some(policy_arn)) = (
            self.string(i, kind.as_str())?,
            self.string(i, "policy_arn")?,
        ) else {
            return Ok(());
        };
        self.attach(i, kind, &owner, &policy_arn);
        Ok(())
    }

    fn policy_attachment(&mut self, i: usize) -> Result<(), IacError> {
        let Some(policy_arn) = self.string(i, "policy_arn")? else {
            return Ok(());
        };
        for (kind, attr) in [
            (Kind::User, "users"),
            (Kind::Role, "roles"),
            (Kind::Group, "groups"),
        ] {
            for owner in self.list(i, attr)? {
                self.attach(i, kind, &owner, &policy_arn);
            }
        }
        Ok(())
    }

    fn attach(&mut self, i: usize, kind: Kind, owner: &str, policy_arn: &str) {
        let address = self.address(i);
        let arn = self.principal(i, kind, owner, &format!("`{address}` attaches `{policy_arn}` to {} `{owner}`, which the plan does not define", kind.as_str()));
        let s = &mut self.set.snapshot;
        let list = match kind {
            Kind::User => s
                .users
                .iter_mut()
                .find(|u| u.arn == arn)
                .map(|u| &mut u.attached_managed_policies),
            Kind::Group => s
                .groups
                .iter_mut()
                .find(|g| g.arn == arn)
                .map(|g| &mut g.attached_managed_policies),
            Kind::Role => s
                .roles
                .iter_mut()
                .find(|r| r.arn == arn)
                .map(|r| &mut r.attached_managed_policies),
        };
        if let Some(list) = list {
            push_attached(list, policy_arn);
        }
        let at = self.loc(i);
        self.set
            .locations
            .attachments
            .insert((arn, policy_arn.to_string()), at);
    }

    fn group_membership(&mut self, i: usize) -> Result<(), IacError> {
        let Some(group) = self.string(i, "group")? else {
            return Ok(());
        };
        let users = self.list(i, "users")?;
        self.join(i, &users, &[group]);
        Ok(())
    }

    fn user_group_membership(&mut self, i: usize) -> Result<(), IacError> {
        let Some(user) = self.string(i, "user")? else {
            return Ok(());
        };
        let groups = self.list(i, "groups")?;
        self.join(i, &[user], &groups);
        Ok(())
    }

    fn join(&mut self, i: usize, users: &[String], groups: &[String]) {
        let address = self.address(i);
        for g in groups {
            self.principal(
                i,
                Kind::Group,
                g,
                &format!("`{address}` adds members to group `{g}`, which the plan does not define"),
            );
        }
        for u in users {
            let arn = self.principal(
                i,
                Kind::User,
                u,
                &format!(
                    "`{address}` adds user `{u}` to groups, but the plan does not define the user"
                ),
            );
            if let Some(user) = self.set.snapshot.users.iter_mut().find(|x| x.arn == arn) {
                for g in groups {
                    if !user.group_list.contains(g) {
                        user.group_list.push(g.clone());
                    }
                }
            }
        }
    }

    fn instance_profile(&mut self, i: usize) -> Result<(), IacError> {
        let Some(role_name) = self.string(i, "role")? else {
            return Ok(());
        };
        let (name, path, arn) = self.identity(i, "instance-profile");
        let address = self.address(i);
        let role_arn = self.principal(i, Kind::Role, &role_name, &format!("`{address}` puts role `{role_name}`, which the plan does not define, in an instance profile"));
        if let Some(role) = self
            .set
            .snapshot
            .roles
            .iter_mut()
            .find(|r| r.arn == role_arn)
        {
            role.instance_profile_list.retain(|p| p.arn != arn);
            role.instance_profile_list.push(InstanceProfile {
                path: Some(path),
                instance_profile_name: name,
                instance_profile_id: None,
                arn,
                create_date: None,
                roles: vec![crate::details::profile_member(role)],
                tags: Vec::new(),
            });
        }
        Ok(())
    }

    fn principal(&mut self, i: usize, kind: Kind, name: &str, why: &str) -> String {
        let at = self.loc(i);
        let (partition, account) = (self.r.partition.clone(), self.r.account.clone());
        snap::principal_or_stub(self.set, kind, name, &partition, &account, &at, why)
    }
}

fn push_attached(list: &mut Vec<AttachedPolicy>, arn: &str) {
    if !list.iter().any(|p| p.policy_arn == arn) {
        list.push(AttachedPolicy {
            policy_name: Some(name_from_arn(arn).to_string()),
            policy_arn: arn.into(),
        });
    }
}

fn inline_list<'s>(
    set: &'s mut IacSet,
    kind: Kind,
    arn: &str,
) -> Option<&'s mut Vec<InlinePolicy>> {
    let s = &mut set.snapshot;
    match kind {
        Kind::User => s
            .users
            .iter_mut()
            .find(|u| u.arn == arn)
            .map(|u| &mut u.user_policy_list),
        Kind::Group => s
            .groups
            .iter_mut()
            .find(|g| g.arn == arn)
            .map(|g| &mut g.group_policy_list),
        Kind::Role => s
            .roles
            .iter_mut()
            .find(|r| r.arn == arn)
            .map(|r| &mut r.role_policy_list),
    }
}
