//! `overreach-manifest.toml`: raw policy documents (JSON files) bound to principals, for
//! repositories that keep IAM policies as plain files applied by some other tool.
//!
//! ```toml
//! account_id = "111122223333"                 # optional, else the settings' account
//!
//! [[role]]
//! name = "deploy"                             # or arn = "arn:aws:iam::111122223333:role/ci/deploy"
//! path = "/ci/"                               # optional
//! trust = "policies/deploy-trust.json"
//! policies = ["policies/deploy.json"]         # inline, named after the file stem
//! managed = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "policies/shared.json"]
//! boundary = "policies/boundary.json"         # an ARN or a file
//! tags = { declared-role = "ci-deploy" }
//!
//! [[user]]                                    # name/arn, path, policies, managed, boundary,
//! groups = ["devs"]                           # tags, groups
//!
//! [[group]]                                   # name/arn, path, policies, managed
//! ```
//!
//! Paths are relative to the manifest's directory and must stay inside the input root. A file
//! listed under `managed` or `boundary` becomes a customer managed policy named after its stem.
//! Principals are located at their `[[role]]`/`[[user]]`/`[[group]]` header, policies at their
//! file, statements at their `{` in it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use overreach_snapshot::{
    AttachedPolicy, GroupDetail, PermissionsBoundary, PolicyDocument, Tag, UserDetail,
    name_from_arn,
};
use serde::Deserialize;
use toml::Spanned;

use self::files::stem;
use crate::terraform::snap::{self, Kind};
use crate::{IacError, IacSet, InputFile, Location, PolicyLocation, Settings};

/// The file name a manifest ends with.
const NAME: &str = "overreach-manifest.toml";

/// True when `file` is a manifest (its name ends with `overreach-manifest.toml`).
pub fn sniff(file: &InputFile) -> bool {
    file.path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.ends_with(NAME))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    account_id: Option<Spanned<String>>,
    #[serde(default)]
    role: Vec<Spanned<Entry>>,
    #[serde(default)]
    user: Vec<Spanned<Entry>>,
    #[serde(default)]
    group: Vec<Spanned<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<Spanned<String>>,
    arn: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    trust: Option<Spanned<String>>,
    #[serde(default)]
    policies: Vec<Spanned<String>>,
    #[serde(default)]
    managed: Vec<Spanned<String>>,
    boundary: Option<Spanned<String>>,
    tags: Option<Spanned<BTreeMap<String, String>>>,
    groups: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Reads the manifest `file`, taking the policy documents it names from `all`, into `set`.
pub fn read(
    file: &InputFile,
    all: &[InputFile],
    settings: &Settings,
    set: &mut IacSet,
) -> Result<(), IacError> {
    let text = std::str::from_utf8(&file.bytes).map_err(|_| {
        error(
            &file.path,
            0,
            0,
            "the manifest is not UTF-8 text; save it as UTF-8".into(),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let reader = Reader {
        file,
        text,
        all,
        settings,
        docs: HashMap::new(),
        managed_done: Vec::new(),
    };
    let manifest: Manifest = toml::from_str(text).map_err(|e| {
        let message = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        reader.error(
            e.span().unwrap_or(0..0),
            format!("{message}; fix the manifest"),
        )
    })?;
    reader.run(manifest, set)
}

struct Reader<'a> {
    file: &'a InputFile,
    text: &'a str,
    all: &'a [InputFile],
    settings: &'a Settings,
    /// Policy files already read: path → document and statement locations.
    docs: HashMap<String, (PolicyDocument, Vec<Location>)>,
    /// Managed policy files already put in the set (by ARN).
    managed_done: Vec<String>,
}

/// What one `[[kind]]` entry resolves to.
struct Principal {
    name: String,
    path: String,
    arn: String,
    partition: String,
    account: String,
    at: Location,
}

impl<'a> Reader<'a> {
    fn run(mut self, manifest: Manifest, set: &mut IacSet) -> Result<(), IacError> {
        let account = match &manifest.account_id {
            Some(a)
                if a.get_ref().len() == 12 && a.get_ref().bytes().all(|b| b.is_ascii_digit()) =>
            {
                a.get_ref().clone()
            }
            Some(a) => {
                return Err(self.error(
                    a.span(),
                    format!("`account_id` must be 12 digits, found `{}`", a.get_ref()),
                ));
            }
            None => self.settings.account_id.clone(),
        };
        // groups first, so users joining them find them
        for entry in &manifest.group {
            let p = self.principal(entry, Kind::Group, &account)?;
            self.check_only(
                entry.get_ref(),
                "group",
                &["trust", "boundary", "tags", "groups"],
            )?;
            let mut group = GroupDetail {
                path: Some(p.path.clone()),
                group_name: p.name.clone(),
                group_id: None,
                arn: p.arn.clone(),
                create_date: None,
                group_policy_list: Vec::new(),
                attached_managed_policies: Vec::new(),
            };
            for (name, doc) in self.inline(entry.get_ref(), &p, set)? {
                snap::put_inline(&mut group.group_policy_list, &name, doc);
            }
            group.attached_managed_policies = self.managed(entry.get_ref(), &p, set)?;
            snap::put_group(set, group, p.at);
        }
        for entry in &manifest.role {
            let p = self.principal(entry, Kind::Role, &account)?;
            self.check_only(entry.get_ref(), "role", &["groups"])?;
            let e = entry.get_ref();
            let mut role = snap::empty_role(&p.name, &p.arn, &p.path);
            if let Some(trust) = &e.trust {
                let (doc, statements) = self.document(trust)?;
                let at = self.policy_file_location(trust);
                set.locations.policies.insert(
                    format!("{}#trust", p.arn),
                    PolicyLocation { at, statements },
                );
                role.assume_role_policy_document = Some(doc);
            }
            for (name, doc) in self.inline(e, &p, set)? {
                snap::put_inline(&mut role.role_policy_list, &name, doc);
            }
            role.attached_managed_policies = self.managed(e, &p, set)?;
            role.permissions_boundary = self.boundary(e, &p, set)?;
            role.tags = tags(e);
            snap::put_role(set, role, p.at);
        }
        for entry in &manifest.user {
            let p = self.principal(entry, Kind::User, &account)?;
            self.check_only(entry.get_ref(), "user", &["trust"])?;
            let e = entry.get_ref();
            let mut user = UserDetail {
                path: Some(p.path.clone()),
                user_name: p.name.clone(),
                user_id: None,
                arn: p.arn.clone(),
                create_date: None,
                user_policy_list: Vec::new(),
                group_list: Vec::new(),
                attached_managed_policies: self.managed(e, &p, set)?,
                permissions_boundary: self.boundary(e, &p, set)?,
                tags: tags(e),
            };
            for (name, doc) in self.inline(e, &p, set)? {
                snap::put_inline(&mut user.user_policy_list, &name, doc);
            }
            for g in e.groups.iter().flat_map(|g| g.get_ref()) {
                let why = format!(
                    "user `{}` is in group `{}`, which the manifest does not define",
                    p.name,
                    g.get_ref()
                );
                let at = self.location(g.span());
                snap::principal_or_stub(
                    set,
                    Kind::Group,
                    g.get_ref(),
                    &p.partition,
                    &p.account,
                    &at,
                    &why,
                );
                if !user.group_list.contains(g.get_ref()) {
                    user.group_list.push(g.get_ref().clone());
                }
            }
            snap::put_user(set, user, p.at);
        }
        Ok(())
    }

    /// Name, path and ARN of an entry, from `name` (+ `path`) or from `arn`.
    fn principal(
        &self,
        entry: &Spanned<Entry>,
        kind: Kind,
        account: &str,
    ) -> Result<Principal, IacError> {
        let e = entry.get_ref();
        let at = self.location(entry.span());
        let partition = self.settings.partition.clone();
        match (&e.name, &e.arn) {
            (Some(name), None) => {
                if name.get_ref().is_empty() || name.get_ref().contains('/') {
                    return Err(self.error(name.span(), format!("`name` must be a {} name without `/`, found `{}`; put the path in `path`", kind.as_str(), name.get_ref())));
                }
                let path = snap::normal_path(e.path.as_ref().map_or("/", |p| p.get_ref()));
                let arn = snap::iam_arn(&partition, account, kind.as_str(), &path, name.get_ref());
                Ok(Principal {
                    name: name.get_ref().clone(),
                    path,
                    arn,
                    partition,
                    account: account.into(),
                    at,
                })
            }
            (None, Some(arn)) => {
                let parsed = parse_arn(arn.get_ref(), kind.as_str());
                let Some((partition, account, path, name)) = parsed else {
                    return Err(self.error(arn.span(), format!("`arn` must be a {0} ARN (`arn:aws:iam::ACCOUNT:{0}/NAME`), found `{1}`", kind.as_str(), arn.get_ref())));
                };
                if let Some(p) = &e.path {
                    return Err(self.error(
                        p.span(),
                        "`path` is part of `arn` already; remove one of them".into(),
                    ));
                }
                Ok(Principal {
                    name,
                    path,
                    arn: arn.get_ref().clone(),
                    partition,
                    account,
                    at,
                })
            }
            (Some(_), Some(arn)) => {
                Err(self.error(arn.span(), "give either `name` or `arn`, not both".into()))
            }
            (None, None) => Err(self.error(
                entry.span(),
                format!("a `[[{}]]` needs `name` or `arn`", kind.as_str()),
            )),
        }
    }

    /// Refuses keys that exist for other kinds of entry.
    fn check_only(&self, e: &Entry, kind: &str, not_here: &[&str]) -> Result<(), IacError> {
        let spans: [(&str, Option<Range<usize>>); 4] = [
            ("trust", e.trust.as_ref().map(Spanned::span)),
            ("boundary", e.boundary.as_ref().map(Spanned::span)),
            ("tags", e.tags.as_ref().map(Spanned::span)),
            ("groups", e.groups.as_ref().map(Spanned::span)),
        ];
        for (key, span) in spans {
            if let (true, Some(span)) = (not_here.contains(&key), span) {
                return Err(self.error(
                    span,
                    format!("`{key}` is not a key of `[[{kind}]]`; remove it"),
                ));
            }
        }
        Ok(())
    }

    /// The inline policies (`policies`), named after their file stems, with their locations.
    fn inline(
        &mut self,
        e: &Entry,
        p: &Principal,
        set: &mut IacSet,
    ) -> Result<Vec<(String, PolicyDocument)>, IacError> {
        let mut out = Vec::new();
        for file in &e.policies {
            let (doc, statements) = self.document(file)?;
            let name = stem(file.get_ref()).to_string();
            let at = self.policy_file_location(file);
            set.locations.policies.insert(
                format!("{}#inline/{name}", p.arn),
                PolicyLocation { at, statements },
            );
            out.push((name, doc));
        }
        Ok(out)
    }

    /// The managed policies (`managed`): ARNs as they are, files as customer managed policies.
    fn managed(
        &mut self,
        e: &Entry,
        p: &Principal,
        set: &mut IacSet,
    ) -> Result<Vec<AttachedPolicy>, IacError> {
        let mut out: Vec<AttachedPolicy> = Vec::new();
        for item in &e.managed {
            let arn = self.policy_arn(item, p, set)?;
            let at = self.location(item.span());
            set.locations
                .attachments
                .insert((p.arn.clone(), arn.clone()), at);
            if !out.iter().any(|a| a.policy_arn == arn) {
                out.push(AttachedPolicy {
                    policy_name: Some(name_from_arn(&arn).to_string()),
                    policy_arn: arn,
                });
            }
        }
        Ok(out)
    }

    fn boundary(
        &mut self,
        e: &Entry,
        p: &Principal,
        set: &mut IacSet,
    ) -> Result<Option<PermissionsBoundary>, IacError> {
        let Some(b) = &e.boundary else {
            return Ok(None);
        };
        let arn = self.policy_arn(b, p, set)?;
        Ok(Some(PermissionsBoundary {
            permissions_boundary_type: Some("Policy".into()),
            permissions_boundary_arn: arn,
        }))
    }

    /// An ARN as is, or a policy file put in the set as a customer managed policy.
    fn policy_arn(
        &mut self,
        item: &Spanned<String>,
        p: &Principal,
        set: &mut IacSet,
    ) -> Result<String, IacError> {
        if item.get_ref().starts_with("arn:") {
            return Ok(item.get_ref().clone());
        }
        let (doc, statements) = self.document(item)?;
        let name = stem(item.get_ref());
        let arn = snap::iam_arn(&p.partition, &p.account, "policy", "/", name);
        if !self.managed_done.contains(&arn) {
            let at = self.policy_file_location(item);
            snap::put_policy(
                set,
                name,
                "/",
                &arn,
                Some(doc),
                PolicyLocation { at, statements },
            );
            self.managed_done.push(arn.clone());
        }
        Ok(arn)
    }

    fn location(&self, span: Range<usize>) -> Location {
        let (line, column) = position(self.text, span.start);
        Location {
            file: self.file.path.clone(),
            line,
            column,
        }
    }

    fn error(&self, span: Range<usize>, message: String) -> IacError {
        let (line, column) = position(self.text, span.start);
        error(&self.file.path, line, column, message)
    }
}

fn tags(e: &Entry) -> Vec<Tag> {
    e.tags
        .iter()
        .flat_map(|t| t.get_ref())
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

/// `arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME` → (partition, account, path, name).
fn parse_arn(arn: &str, kind: &str) -> Option<(String, String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix(kind)?.strip_prefix('/')?;
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (snap::normal_path(p), n),
        None => ("/".to_string(), rest),
    };
    if name.is_empty() || account.len() != 12 {
        return None;
    }
    Some((partition.into(), account.into(), path, name.into()))
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        to_u32(line),
        to_u32(before[line_start..].chars().count() + 1),
    )
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn error(file: &str, line: u32, column: u32, message: String) -> IacError {
    IacError {
        file: file.into(),
        line,
        column,
        message,
    }
}

mod files;
#[cfg(test)]
mod tests;
