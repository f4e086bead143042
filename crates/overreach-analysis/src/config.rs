//! Declared roles (`overreach.toml`): what each kind of principal is meant to be able to do,
//! parsed with positions kept so that every error points into the user's file, and resolved
//! into [`Baseline`]s the rules compare effective rights against.
//!
//! The file:
//!
//! ```toml
//! [tags]                      # optional; the tag keys principals use to declare themselves
//! role = "declared-role"      # default
//! kind = "principal-kind"     # default; values: human | agent
//!
//! [roles.readonly]
//! description = "Read-only access"
//! kind = "any"                # human | agent | any (default any)
//! access_levels = ["List", "Read"]
//! policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "baselines/extra.json"]
//!
//! [roles.orders-service]
//! kind = "agent"
//! allow = [
//!   { actions = ["dynamodb:GetItem"], resources = ["arn:aws:dynamodb:us-east-1:111122223333:table/orders"] },
//! ]
//!
//! [[assign]]
//! principal = "arn:aws:iam::*:role/kiro-*"
//! role = "orders-service"
//! kind = "agent"
//! ```
//!
//! The crate does no I/O: [`Config::parse`] takes the file's text, [`Config::policy_files`]
//! lists the baseline documents the caller must read (paths relative to the config's folder,
//! never absolute, never escaping it with `..`), and [`Baselines::build`] takes their text.

use std::collections::BTreeMap;
use std::ops::Range;

use overreach_policy::eval::resource_pattern_matches;
use overreach_policy::glob::Pattern;
use overreach_policy::managed::is_aws_managed_arn;
use overreach_policy::summary::ResourceScope;
use overreach_policy::{
    AccessLevel, ActionId, ActionSet, Catalog, Expander, ManagedPolicies, NamedPolicy,
    parse_policy, summarize_policy,
};
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::kind::PrincipalKind;

/// The tag key principals use to name their declared role, unless `[tags] role` says otherwise.
pub const DEFAULT_ROLE_TAG: &str = "declared-role";
/// The tag key principals use to say whether they are a human or an agent, unless
/// `[tags] kind` says otherwise.
pub const DEFAULT_KIND_TAG: &str = "principal-kind";

/// A configuration (or suppression) file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    /// The file as the caller named it.
    pub origin: String,
    /// 1-based line of the offending text (0 when the error is not tied to a position).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// TOML key path of the offending value (`roles.readonly.access_levels[1]`); empty for
    /// the whole file.
    pub key: String,
    /// What is wrong and what to do, lower-case, no trailing period.
    pub message: String,
}

impl ConfigError {
    fn render(&self) -> String {
        let mut out = self.origin.clone();
        if self.line > 0 {
            out.push_str(&format!(":{}:{}", self.line, self.column));
        }
        out.push_str(": ");
        if !self.key.is_empty() {
            out.push_str(&format!("at `{}`: ", self.key));
        }
        out.push_str(&self.message);
        out
    }
}

/// Which kinds of principal a role is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RoleKind {
    /// Humans only.
    Human,
    /// Agents only.
    Agent,
    /// Either.
    #[default]
    Any,
}

impl RoleKind {
    /// Does a principal of `kind` fit the role? A principal of unknown kind fits every role
    /// (nothing shows it does not).
    pub fn admits(self, kind: PrincipalKind) -> bool {
        matches!(
            (self, kind),
            (RoleKind::Any, _)
                | (_, PrincipalKind::Unknown)
                | (RoleKind::Human, PrincipalKind::Human)
                | (RoleKind::Agent, PrincipalKind::Agent)
        )
    }

    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Human => "human",
            RoleKind::Agent => "agent",
            RoleKind::Any => "any",
        }
    }
}

/// The tag keys principals declare themselves with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagKeys {
    /// Tag naming the declared role.
    pub role: String,
    /// Tag naming the principal kind (`human` / `agent`).
    pub kind: String,
}

impl Default for TagKeys {
    fn default() -> TagKeys {
        TagKeys {
            role: DEFAULT_ROLE_TAG.into(),
            kind: DEFAULT_KIND_TAG.into(),
        }
    }
}

/// Where a value sits in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// TOML key path (`roles.readonly.allow[0]`).
    pub key: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One `allow` rule of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowRule {
    /// Action patterns (`service:Name`, wildcards allowed, or `*`); at least one.
    pub actions: Vec<String>,
    /// Resource patterns (`*` or `arn:...`); `["*"]` when the file leaves them out.
    pub resources: Vec<String>,
    /// Where the rule is.
    pub location: Location,
}

/// Where a baseline policy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// An AWS managed policy ARN, resolved from the embedded managed policies.
    Managed(String),
    /// A path relative to the configuration file's folder, `/`-separated, never absolute and
    /// never containing `..`.
    File(String),
}

/// One `policies` entry of a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRef {
    /// The ARN or path.
    pub source: PolicySource,
    /// Where the entry is.
    pub location: Location,
}

/// A declared role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDef {
    /// The name (`[roles.NAME]`).
    pub name: String,
    /// What the role is for.
    pub description: Option<String>,
    /// Which principals it is meant for.
    pub kind: RoleKind,
    /// Every catalogue action of these levels is allowed on any resource.
    pub access_levels: Vec<AccessLevel>,
    /// Explicit grants.
    pub allow: Vec<AllowRule>,
    /// Policies whose Allow statements add to the baseline.
    pub policies: Vec<PolicyRef>,
    /// Where the role's table is.
    pub location: Location,
}

/// An `[[assign]]` entry: a role for principals matched by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The ARN glob as written.
    pub principal: String,
    /// The glob, parsed.
    pub pattern: Pattern,
    /// The role (always one of [`Config::roles`]).
    pub role: String,
    /// The principal kind, when the entry says it (never [`PrincipalKind::Unknown`]).
    pub kind: Option<PrincipalKind>,
    /// Where the entry is.
    pub location: Location,
}

/// A baseline document the caller must read, relative to the configuration's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFileRef {
    /// The path as written (the key expected in [`Baselines::build`]'s `files`).
    pub path: String,
    /// The role naming it.
    pub role: String,
    /// Where the entry is.
    pub location: Location,
}

/// A parsed configuration.
///
/// INVARIANT: every assignment names a role in `roles`; every policy path is relative and
/// stays inside the configuration's folder.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The file as the caller named it (for errors found later, in [`Baselines::build`]).
    pub origin: String,
    /// Tag keys.
    pub tags: TagKeys,
    /// Roles by name.
    pub roles: BTreeMap<String, RoleDef>,
    /// `[[assign]]` entries, in file order.
    pub assignments: Vec<Assignment>,
}

impl Config {
    /// Parses `overreach.toml` text; `origin` is the file name used in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let src = Source { text, origin };
        let root = src.parse_document()?;
        let root = root.get_ref();
        src.check_keys(root, &KeyPath::root(), &["tags", "roles", "assign"])?;
        let mut config = Config {
            origin: origin.into(),
            ..Config::default()
        };
        if let Some(tags) = root.get("tags") {
            let path = KeyPath::root().key("tags");
            let table = src.table(tags, &path)?;
            src.check_keys(table, &path, &["role", "kind"])?;
            if let Some(v) = table.get("role") {
                config.tags.role = src.non_empty_str(v, &path.key("role"))?.into();
            }
            if let Some(v) = table.get("kind") {
                config.tags.kind = src.non_empty_str(v, &path.key("kind"))?.into();
            }
        }
        if let Some(roles) = root.get("roles") {
            let path = KeyPath::root().key("roles");
            for (name, value) in src.table(roles, &path)? {
                let role = src.role(name, value, &path.key(name.get_ref()))?;
                config.roles.insert(role.name.clone(), role);
            }
        }
        if let Some(assign) = root.get("assign") {
            let path = KeyPath::root().key("assign");
            for (i, entry) in src.array(assign, &path)?.iter().enumerate() {
                let a = src.assignment(entry, &path.index(i), &config.roles)?;
                config.assignments.push(a);
            }
        }
        Ok(config)
    }

    /// A role by name.
    pub fn role(&self, name: &str) -> Option<&RoleDef> {
        self.roles.get(name)
    }

    /// The baseline documents the caller must read, in file order.
    pub fn policy_files(&self) -> Vec<PolicyFileRef> {
        let mut out: Vec<PolicyFileRef> = self
            .roles
            .values()
            .flat_map(|role| {
                role.policies.iter().filter_map(|p| match &p.source {
                    PolicySource::File(path) => Some(PolicyFileRef {
                        path: path.clone(),
                        role: role.name.clone(),
                        location: p.location.clone(),
                    }),
                    PolicySource::Managed(_) => None,
                })
            })
            .collect();
        out.sort_by_key(|f| (f.location.line, f.location.column));
        out
    }

    /// The first `[[assign]]` entry whose principal glob matches `arn` (case-sensitive; a
    /// wildcard does not span a colon unless it ends its ARN segment, as in IAM).
    pub fn role_for_arn(&self, arn: &str) -> Option<&Assignment> {
        self.assignments
            .iter()
            .find(|a| resource_pattern_matches(&a.pattern, arn))
    }
}

/// One rule of a baseline: these actions on this scope.
#[derive(Debug, Clone)]
struct ScopedRule {
    actions: ActionSet,
    resources: ResourceScope,
}

/// What one role may do, expanded over the catalogue.
///
/// INVARIANT: `any_resource` is the union of every rule whose scope is every resource;
/// `scoped` holds the other rules, one per distinct scope.
#[derive(Debug, Clone)]
pub struct Baseline {
    role: String,
    any_resource: ActionSet,
    scoped: Vec<ScopedRule>,
    /// Position of each scope in `scoped`, so that adding N rules stays linear.
    scoped_index: std::collections::HashMap<ResourceScope, usize>,
}

impl Baseline {
    fn new(role: &str, universe: usize) -> Baseline {
        Baseline {
            role: role.into(),
            any_resource: ActionSet::empty(universe),
            scoped: Vec::new(),
            scoped_index: std::collections::HashMap::new(),
        }
    }

    fn add(&mut self, actions: &ActionSet, resources: ResourceScope) {
        if resources == ResourceScope::Any {
            self.any_resource.union_with(actions);
        } else if let Some(&i) = self.scoped_index.get(&resources) {
            self.scoped[i].actions.union_with(actions);
        } else {
            self.scoped_index
                .insert(resources.clone(), self.scoped.len());
            self.scoped.push(ScopedRule {
                actions: actions.clone(),
                resources,
            });
        }
    }

    /// The role's name.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The actions the baseline allows on every resource.
    pub fn any_resource(&self) -> &ActionSet {
        &self.any_resource
    }

    /// The actions of `actions`, granted on `resources`, that no baseline rule covers. A rule
    /// covers an action when its action set holds it and its resource scope provably contains
    /// `resources` ([`ResourceScope::contains`], sound: when in doubt the action is excess).
    pub fn excess(&self, actions: &ActionSet, resources: &ResourceScope) -> ActionSet {
        let mut out = actions.difference(&self.any_resource);
        // only an any-resource rule contains an any-resource grant, and those are all in
        // `any_resource`: the common case is one bitset difference
        if *resources == ResourceScope::Any {
            return out;
        }
        for rule in &self.scoped {
            if out.is_empty() {
                break;
            }
            if rule.resources.contains(resources) {
                out = out.difference(&rule.actions);
            }
        }
        out
    }

    /// Does the baseline cover catalogue action `action` on `resources`?
    pub fn covers(&self, action: ActionId, resources: &ResourceScope) -> bool {
        self.any_resource.contains(action)
            || *resources != ResourceScope::Any
                && self
                    .scoped
                    .iter()
                    .any(|r| r.actions.contains(action) && r.resources.contains(resources))
    }
}

/// The baselines of every declared role.
#[derive(Debug, Clone, Default)]
pub struct Baselines {
    by_role: BTreeMap<String, Baseline>,
}

impl Baselines {
    /// Expands every role of `config`: its access levels (every catalogue action of those
    /// levels, any resource), its `allow` rules and the Allow statements of its policies.
    ///
    /// `files` maps each path of [`Config::policy_files`] to the document's text. Deny
    /// statements in baseline policies are ignored without error (a baseline says what a role
    /// may do; denies belong in the account's policies). Conditions on baseline statements
    /// are not compared: a conditional Allow counts as granting its actions on its resources.
    pub fn build(
        config: &Config,
        files: &BTreeMap<String, String>,
        catalog: &Catalog,
        managed: &ManagedPolicies,
    ) -> Result<Baselines, ConfigError> {
        let universe = catalog.len();
        let mut expander = Expander::new(catalog);
        let by_level = levels_index(catalog);
        let mut by_role = BTreeMap::new();
        for role in config.roles.values() {
            let mut baseline = Baseline::new(&role.name, universe);
            for level in &role.access_levels {
                if let Some(set) = by_level.get(level) {
                    baseline.add(set, ResourceScope::Any);
                }
            }
            for rule in &role.allow {
                let mut actions = ActionSet::empty(universe);
                for a in &rule.actions {
                    actions.union_with(&expander.pattern(a));
                }
                baseline.add(&actions, scope_of(&rule.resources));
            }
            for policy in &role.policies {
                let named = load_policy(config, policy, files, managed)?;
                for allow in summarize_policy(&named, &mut expander).allows {
                    baseline.add(&allow.actions, allow.resources);
                }
            }
            by_role.insert(role.name.clone(), baseline);
        }
        Ok(Baselines { by_role })
    }

    /// A role's baseline.
    pub fn get(&self, role: &str) -> Option<&Baseline> {
        self.by_role.get(role)
    }

    /// Every baseline, by role name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Baseline)> {
        self.by_role.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn levels_index(catalog: &Catalog) -> BTreeMap<AccessLevel, ActionSet> {
    let mut ids: BTreeMap<AccessLevel, Vec<ActionId>> = BTreeMap::new();
    for id in 0..catalog.len() {
        let Ok(id) = ActionId::try_from(id) else {
            break;
        };
        if let Some(level) = catalog.level(id) {
            ids.entry(level).or_default().push(id);
        }
    }
    ids.into_iter()
        .map(|(level, ids)| (level, ActionSet::from_ids(catalog.len(), ids)))
        .collect()
}

fn scope_of(resources: &[String]) -> ResourceScope {
    if resources.iter().any(|r| r == "*") {
        ResourceScope::Any
    } else {
        ResourceScope::Patterns(resources.to_vec())
    }
}

fn load_policy(
    config: &Config,
    policy: &PolicyRef,
    files: &BTreeMap<String, String>,
    managed: &ManagedPolicies,
) -> Result<NamedPolicy, ConfigError> {
    let error = |message: String| ConfigError {
        origin: config.origin.clone(),
        line: policy.location.line,
        column: policy.location.column,
        key: policy.location.key.clone(),
        message,
    };
    match &policy.source {
        PolicySource::Managed(arn) => {
            let Some(found) = managed.get(arn) else {
                return Err(error(format!(
                    "unknown AWS managed policy `{arn}`; check the name, or save the document \
                     to a file and list its path"
                )));
            };
            let document = found.parse().map_err(|e| {
                error(format!(
                    "AWS managed policy `{arn}` could not be parsed ({e}); list a copy of it \
                     as a file instead"
                ))
            })?;
            Ok(NamedPolicy::new(arn.clone(), document))
        }
        PolicySource::File(path) => {
            let Some(text) = files.get(path) else {
                return Err(error(format!(
                    "policy file `{path}` was not read; create it (the path is relative to the \
                     configuration file) or remove the entry"
                )));
            };
            let document = parse_policy(text).map_err(|e| {
                error(format!(
                    "policy file `{path}` is not a valid policy document: {e}; fix the document"
                ))
            })?;
            Ok(NamedPolicy::new(path.clone(), document))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the spanned TOML tree (shared with `suppress.rs`).

/// A TOML key path under construction (`roles.readonly.allow[0]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyPath(String);

impl KeyPath {
    pub(crate) fn root() -> KeyPath {
        KeyPath(String::new())
    }

    pub(crate) fn key(&self, key: &str) -> KeyPath {
        let bare = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let part = if bare {
            key.to_string()
        } else {
            format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
        };
        if self.0.is_empty() {
            KeyPath(part)
        } else {
            KeyPath(format!("{}.{part}", self.0))
        }
    }

    pub(crate) fn index(&self, i: usize) -> KeyPath {
        KeyPath(format!("{}[{i}]", self.0))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A string of an array, with its span and key path.
type StrItem<'v> = (&'v str, Range<usize>, KeyPath);

/// The text being parsed, for turning spans into errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub(crate) text: &'a str,
    pub(crate) origin: &'a str,
}

impl<'a> Source<'a> {
    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    pub(crate) fn location(&self, span: Range<usize>, path: &KeyPath) -> Location {
        let (line, column) = self.position(span.start);
        Location {
            key: path.as_str().into(),
            line,
            column,
        }
    }

    pub(crate) fn error(
        &self,
        span: Range<usize>,
        path: &KeyPath,
        message: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = self.position(span.start);
        ConfigError {
            origin: self.origin.into(),
            line,
            column,
            key: path.as_str().into(),
            message: message.into(),
        }
    }

    pub(crate) fn parse_document(&self) -> Result<Spanned<DeTable<'a>>, ConfigError> {
        DeTable::parse(self.text).map_err(|e| {
            let message = e
                .message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            let message = format!("invalid TOML: {message}; fix the syntax");
            self.error(e.span().unwrap_or(0..0), &KeyPath::root(), message)
        })
    }

    /// Refuses keys outside `allowed` (typo protection).
    pub(crate) fn check_keys(
        &self,
        table: &DeTable<'_>,
        path: &KeyPath,
        allowed: &[&str],
    ) -> Result<(), ConfigError> {
        for key in table.keys() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(self.error(
                    key.span(),
                    &path.key(name),
                    format!("unknown key `{name}`; use one of {expected}"),
                ));
            }
        }
        Ok(())
    }

    fn type_error(&self, value: &Value<'_>, path: &KeyPath, expected: &str) -> ConfigError {
        self.error(
            value.span(),
            path,
            format!(
                "expected {expected}, found {}",
                article(value.get_ref().type_str())
            ),
        )
    }

    pub(crate) fn table<'v>(
        &self,
        value: &'v Value<'a>,
        path: &KeyPath,
    ) -> Result<&'v DeTable<'a>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            _ => Err(self.type_error(value, path, "a table")),
        }
    }

    pub(crate) fn array<'v>(
        &self,
        value: &'v Value<'a>,
        path: &KeyPath,
    ) -> Result<&'v DeArray<'a>, ConfigError> {
        match value.get_ref() {
            DeValue::Array(a) => Ok(a),
            _ => Err(self.type_error(value, path, "an array")),
        }
    }

    pub(crate) fn str<'v>(
        &self,
        value: &'v Value<'a>,
        path: &KeyPath,
    ) -> Result<&'v str, ConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.type_error(value, path, "a string")),
        }
    }

    pub(crate) fn non_empty_str<'v>(
        &self,
        value: &'v Value<'a>,
        path: &KeyPath,
    ) -> Result<&'v str, ConfigError> {
        let s = self.str(value, path)?;
        if s.trim().is_empty() {
            return Err(self.error(value.span(), path, "this must not be empty"));
        }
        Ok(s)
    }

    /// A required key of `table`, or an error at the table.
    pub(crate) fn required<'v>(
        &self,
        table: &'v DeTable<'a>,
        table_span: Range<usize>,
        path: &KeyPath,
        key: &str,
        what: &str,
    ) -> Result<&'v Value<'a>, ConfigError> {
        table.get(key).ok_or_else(|| {
            self.error(
                table_span,
                &path.key(key),
                format!("missing `{key}`; add {what}"),
            )
        })
    }

    /// An array of strings, each with its span and path.
    fn strings<'v>(
        &self,
        value: &'v Value<'a>,
        path: &KeyPath,
    ) -> Result<Vec<StrItem<'v>>, ConfigError> {
        let mut out = Vec::new();
        for (i, item) in self.array(value, path)?.iter().enumerate() {
            let p = path.index(i);
            out.push((self.str(item, &p)?, item.span(), p));
        }
        Ok(out)
    }

    fn role(
        &self,
        name: &Spanned<std::borrow::Cow<'a, str>>,
        value: &Value<'a>,
        path: &KeyPath,
    ) -> Result<RoleDef, ConfigError> {
        if name.get_ref().trim().is_empty() {
            return Err(self.error(name.span(), path, "a role needs a non-empty name"));
        }
        let table = self.table(value, path)?;
        self.check_keys(
            table,
            path,
            &["description", "kind", "access_levels", "allow", "policies"],
        )?;
        let mut role = RoleDef {
            name: name.get_ref().to_string(),
            description: None,
            kind: RoleKind::Any,
            access_levels: Vec::new(),
            allow: Vec::new(),
            policies: Vec::new(),
            location: self.location(name.span(), path),
        };
        if let Some(v) = table.get("description") {
            role.description = Some(self.str(v, &path.key("description"))?.into());
        }
        if let Some(v) = table.get("kind") {
            let p = path.key("kind");
            role.kind = match self.str(v, &p)? {
                "human" => RoleKind::Human,
                "agent" => RoleKind::Agent,
                "any" => RoleKind::Any,
                other => {
                    return Err(self.error(
                        v.span(),
                        &p,
                        format!("unknown kind `{other}`; use `human`, `agent` or `any`"),
                    ));
                }
            };
        }
        if let Some(v) = table.get("access_levels") {
            for (text, span, p) in self.strings(v, &path.key("access_levels"))? {
                let Some(level) = AccessLevel::parse(text) else {
                    return Err(self.error(
                        span,
                        &p,
                        format!(
                            "unknown access level `{text}`; use `List`, `Read`, `Write`, \
                             `Permissions management` or `Tagging`"
                        ),
                    ));
                };
                if !role.access_levels.contains(&level) {
                    role.access_levels.push(level);
                }
            }
        }
        if let Some(v) = table.get("allow") {
            let p = path.key("allow");
            for (i, rule) in self.array(v, &p)?.iter().enumerate() {
                role.allow.push(self.allow_rule(rule, &p.index(i))?);
            }
        }
        if let Some(v) = table.get("policies") {
            for (text, span, p) in self.strings(v, &path.key("policies"))? {
                let source = self.policy_source(text, span.clone(), &p)?;
                role.policies.push(PolicyRef {
                    source,
                    location: self.location(span, &p),
                });
            }
        }
        Ok(role)
    }

    fn allow_rule(&self, value: &Value<'a>, path: &KeyPath) -> Result<AllowRule, ConfigError> {
        let table = self.table(value, path)?;
        self.check_keys(table, path, &["actions", "resources"])?;
        let no_actions = || {
            self.error(
                value.span(),
                path,
                "an allow rule needs at least one action; add `actions = [\"service:Action\"]` \
                 or remove the rule",
            )
        };
        let actions_value = table.get("actions").ok_or_else(no_actions)?;
        let mut actions = Vec::new();
        for (text, span, p) in self.strings(actions_value, &path.key("actions"))? {
            if !is_action_pattern(text) {
                return Err(self.error(
                    span,
                    &p,
                    format!(
                        "`{text}` is not an action; write `service:ActionName` (wildcards \
                         allowed, e.g. `s3:Get*`) or `*`"
                    ),
                ));
            }
            actions.push(text.trim().to_string());
        }
        if actions.is_empty() {
            return Err(no_actions());
        }
        let mut resources = Vec::new();
        if let Some(v) = table.get("resources") {
            let p = path.key("resources");
            for (text, span, p) in self.strings(v, &p)? {
                if text != "*" && !text.starts_with("arn:") {
                    return Err(self.error(
                        span,
                        &p,
                        format!(
                            "`{text}` is not a resource; write an ARN pattern `arn:...` or `*`"
                        ),
                    ));
                }
                resources.push(text.to_string());
            }
            if resources.is_empty() {
                return Err(self.error(
                    v.span(),
                    &p,
                    "`resources` is empty; list at least one ARN pattern, or leave the key out \
                     to mean every resource",
                ));
            }
        } else {
            resources.push("*".into());
        }
        Ok(AllowRule {
            actions,
            resources,
            location: self.location(value.span(), path),
        })
    }

    fn policy_source(
        &self,
        text: &str,
        span: Range<usize>,
        path: &KeyPath,
    ) -> Result<PolicySource, ConfigError> {
        if text.starts_with("arn:") {
            if is_aws_managed_arn(text) {
                return Ok(PolicySource::Managed(text.into()));
            }
            return Err(self.error(
                span,
                path,
                format!(
                    "`{text}` is not an AWS managed policy ARN (`arn:aws:iam::aws:policy/...`); \
                     save a customer managed policy to a file and list its relative path"
                ),
            ));
        }
        match check_relative_path(text) {
            Ok(()) => Ok(PolicySource::File(text.into())),
            Err(why) => Err(self.error(span, path, why)),
        }
    }

    fn assignment(
        &self,
        value: &Value<'a>,
        path: &KeyPath,
        roles: &BTreeMap<String, RoleDef>,
    ) -> Result<Assignment, ConfigError> {
        let table = self.table(value, path)?;
        self.check_keys(table, path, &["principal", "role", "kind"])?;
        let p = path.key("principal");
        let principal_value = self.required(
            table,
            value.span(),
            path,
            "principal",
            "an ARN glob such as `arn:aws:iam::*:role/ci-*`",
        )?;
        let principal = self.str(principal_value, &p)?;
        if let Err(why) = check_arn_glob(principal) {
            return Err(self.error(principal_value.span(), &p, why));
        }
        let p = path.key("role");
        let role_value = self.required(table, value.span(), path, "role", "the name of a role")?;
        let role = self.str(role_value, &p)?;
        if !roles.contains_key(role) {
            let known = if roles.is_empty() {
                "none is declared".to_string()
            } else {
                roles
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(self.error(
                role_value.span(),
                &p,
                format!(
                    "unknown role `{role}`; declare it with `[roles.{role}]` or use a declared \
                     role ({known})"
                ),
            ));
        }
        let kind = match table.get("kind") {
            None => None,
            Some(v) => {
                let p = path.key("kind");
                let text = self.str(v, &p)?;
                match text {
                    "human" => Some(PrincipalKind::Human),
                    "agent" => Some(PrincipalKind::Agent),
                    other => {
                        return Err(self.error(
                            v.span(),
                            &p,
                            format!("unknown kind `{other}`; use `human` or `agent`"),
                        ));
                    }
                }
            }
        };
        Ok(Assignment {
            principal: principal.into(),
            pattern: Pattern::new(principal),
            role: role.into(),
            kind,
            location: self.location(value.span(), path),
        })
    }
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// `*`, or `service:Name` with a service prefix of letters, digits and `-`, and a name of
/// letters, digits and wildcards. Unknown-but-well-formed actions pass: the catalogue may be
/// older than AWS.
pub(crate) fn is_action_pattern(text: &str) -> bool {
    let text = text.trim();
    if text == "*" {
        return true;
    }
    let Some((service, name)) = text.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
}

/// An IAM ARN pattern: `arn:` then partition, service, region, account and resource, the
/// resource non-empty.
pub(crate) fn check_arn_glob(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not an ARN pattern; write `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` \
             with `*` and `?` as wildcards, e.g. `arn:aws:iam::*:role/ci-*`"
        ))
    }
}

/// A policy path must stay inside the configuration's folder: the configuration may come from
/// a repository the user does not control, and must not make overreach read `/etc/...` or
/// `../../secrets.json`.
fn check_relative_path(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(
            "empty policy entry; write an AWS managed policy ARN or a path relative to the \
             configuration file"
                .into(),
        );
    }
    if text.contains("://") {
        return Err(format!(
            "`{text}` is a URL; download the document and list its path relative to the \
             configuration file"
        ));
    }
    if text.contains('\\') || text.contains('\0') {
        return Err(format!(
            "`{text}` contains a backslash or NUL; write the path with `/` separators"
        ));
    }
    let bytes = text.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if text.starts_with('/') || text.starts_with('~') || drive {
        return Err(format!(
            "`{text}` is an absolute path, refused so that a configuration cannot read files \
             outside its folder; write it relative to the configuration file"
        ));
    }
    if text.contains(':') {
        return Err(format!(
            "`{text}` is neither an AWS managed policy ARN (`arn:aws:iam::aws:policy/...`) nor \
             a relative path; fix the entry"
        ));
    }
    if text.split('/').any(|part| part == "..") {
        return Err(format!(
            "`{text}` leaves the configuration's folder with `..`, refused so that a \
             configuration cannot read other files; move the document under the configuration's \
             folder"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../fixtures/config/example/overreach.toml");
    const EXTRA: &str = include_str!("../../../fixtures/config/example/baselines/extra.json");

    fn err(text: &str) -> ConfigError {
        match Config::parse(text, "overreach.toml") {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => e,
        }
    }

    fn at(e: &ConfigError) -> (usize, usize, &str) {
        (e.line, e.column, e.key.as_str())
    }

    fn files() -> BTreeMap<String, String> {
        BTreeMap::from([("baselines/extra.json".to_string(), EXTRA.to_string())])
    }

    fn id(name: &str) -> ActionId {
        Catalog::embedded().lookup(name).unwrap()
    }

    fn baselines(config: &Config) -> Baselines {
        Baselines::build(
            config,
            &files(),
            Catalog::embedded(),
            ManagedPolicies::embedded(),
        )
        .unwrap()
    }

    #[test]
    fn example_parses() {
        let c = Config::parse(EXAMPLE, "overreach.toml").unwrap();
        assert_eq!(c.tags, TagKeys::default());
        let ro = c.role("readonly").unwrap();
        assert_eq!(ro.description.as_deref(), Some("Read-only access"));
        assert_eq!(ro.kind, RoleKind::Any);
        assert_eq!(ro.access_levels, [AccessLevel::List, AccessLevel::Read]);
        assert_eq!(ro.policies.len(), 2);
        assert_eq!(ro.policies[1].location.key, "roles.readonly.policies[1]");
        let orders = c.role("orders-service").unwrap();
        assert_eq!(orders.kind, RoleKind::Agent);
        assert_eq!(orders.allow[0].actions.len(), 2);
        let files = c.policy_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "baselines/extra.json");
        assert_eq!(files[0].role, "readonly");
        assert!(files[0].location.line > 1);
        let a = c
            .role_for_arn("arn:aws:iam::111122223333:role/kiro-dev")
            .unwrap();
        assert_eq!(a.role, "ai-coding-agent");
        assert_eq!(a.kind, Some(PrincipalKind::Agent));
        assert!(
            c.role_for_arn("arn:aws:iam::111122223333:role/other")
                .is_none()
        );
        // `*` spans `/` inside the resource segment
        assert!(
            c.role_for_arn("arn:aws:iam::111122223333:role/kiro-a/b")
                .is_some()
        );
        // case-sensitive
        assert!(
            c.role_for_arn("arn:aws:iam::111122223333:role/KIRO-dev")
                .is_none()
        );
    }

    #[test]
    fn default_config_is_empty() {
        let c = Config::default();
        assert!(c.roles.is_empty());
        assert_eq!(c.tags.role, "declared-role");
        assert_eq!(c.tags.kind, "principal-kind");
        assert_eq!(Config::parse("", "x.toml").unwrap().tags, c.tags);
    }

    #[test]
    fn tags_override_defaults() {
        let c = Config::parse("[tags]\nrole = \"team-role\"\n", "o.toml").unwrap();
        assert_eq!(c.tags.role, "team-role");
        assert_eq!(c.tags.kind, DEFAULT_KIND_TAG);
    }

    #[test]
    fn syntax_error_has_position() {
        let e = err("[roles.a]\nkind = \"any\n");
        assert_eq!((e.line, e.key.as_str()), (2, ""));
        assert!(e.message.starts_with("invalid TOML"), "{e}");
        assert!(e.to_string().starts_with("overreach.toml:2:"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = err("[rolse.a]\n");
        assert_eq!(at(&e), (1, 2, "rolse"));
        let e = err("[roles.a]\nacces_levels = [\"Read\"]\n");
        assert_eq!(at(&e), (2, 1, "roles.a.acces_levels"));
        assert!(e.message.contains("`access_levels`"), "{e}");
        let e = err("[roles.a]\nallow = [{ actions = [\"s3:GetObject\"], resource = [\"*\"] }]\n");
        assert_eq!(at(&e), (2, 40, "roles.a.allow[0].resource"));
        let e = err(
            "[roles.a]\n[[assign]]\nprincipal = \"arn:aws:iam::*:role/x\"\nrole = \"a\"\nkinds = \"agent\"\n",
        );
        assert_eq!(at(&e), (5, 1, "assign[0].kinds"));
        let e = err("[tags]\nrol = \"x\"\n");
        assert_eq!(at(&e), (2, 1, "tags.rol"));
    }

    #[test]
    fn wrong_types_are_refused() {
        let e = err("[roles.a]\naccess_levels = \"Read\"\n");
        assert_eq!(at(&e), (2, 17, "roles.a.access_levels"));
        assert_eq!(e.message, "expected an array, found a string");
        let e = err("[roles.a]\ndescription = 3\n");
        assert_eq!(at(&e), (2, 15, "roles.a.description"));
        assert_eq!(e.message, "expected a string, found an integer");
        let e = err("roles = 1\n");
        assert_eq!(at(&e), (1, 9, "roles"));
    }

    #[test]
    fn unknown_access_level() {
        let e = err("[roles.readonly]\naccess_levels = [\"List\", \"Reed\"]\n");
        assert_eq!(at(&e), (2, 26, "roles.readonly.access_levels[1]"));
        assert!(
            e.message.starts_with("unknown access level `Reed`; use"),
            "{e}"
        );
        // AWS's spelling and the kebab spelling both parse
        let c = Config::parse(
            "[roles.a]\naccess_levels = [\"Permissions management\", \"permissions-management\"]\n",
            "o",
        )
        .unwrap();
        assert_eq!(
            c.role("a").unwrap().access_levels,
            [AccessLevel::PermissionsManagement]
        );
    }

    #[test]
    fn bad_kind() {
        let e = err("[roles.a]\nkind = \"robot\"\n");
        assert_eq!(at(&e), (2, 8, "roles.a.kind"));
        assert_eq!(
            e.message,
            "unknown kind `robot`; use `human`, `agent` or `any`"
        );
        let e = err(
            "[roles.a]\n[[assign]]\nprincipal = \"arn:aws:iam::*:role/x\"\nrole = \"a\"\nkind = \"any\"\n",
        );
        assert_eq!(at(&e), (5, 8, "assign[0].kind"));
    }

    #[test]
    fn assign_unknown_role() {
        let e =
            err("[roles.a]\n\n[[assign]]\nprincipal = \"arn:aws:iam::*:role/x\"\nrole = \"b\"\n");
        assert_eq!(at(&e), (5, 8, "assign[0].role"));
        assert!(e.message.starts_with("unknown role `b`; declare it"), "{e}");
        assert!(e.message.contains("(`a`)"), "{e}");
    }

    #[test]
    fn assign_missing_keys() {
        let e = err("[roles.a]\n[[assign]]\nrole = \"a\"\n");
        assert_eq!(e.key, "assign[0].principal");
        assert!(e.message.starts_with("missing `principal`"), "{e}");
    }

    #[test]
    fn bad_glob() {
        for bad in [
            "",
            "kiro-*",
            "arn:aws:iam::*",
            "arn:aws:iam::*:",
            "arn::iam::*:role/x",
        ] {
            let text = format!("[roles.a]\n[[assign]]\nprincipal = \"{bad}\"\nrole = \"a\"\n");
            let e = err(&text);
            assert_eq!(at(&e), (3, 13, "assign[0].principal"), "{bad}");
            assert!(e.message.contains("is not an ARN pattern"), "{e}");
        }
    }

    #[test]
    fn allow_rule_without_actions() {
        let e = err("[roles.a]\nallow = [{ resources = [\"*\"] }]\n");
        assert_eq!(at(&e), (2, 10, "roles.a.allow[0]"));
        assert!(
            e.message
                .starts_with("an allow rule needs at least one action")
        );
        let e = err("[roles.a]\nallow = [{ actions = [] }]\n");
        assert_eq!(at(&e), (2, 10, "roles.a.allow[0]"));
    }

    #[test]
    fn malformed_action() {
        let e = err("[roles.a]\nallow = [{ actions = [\"s3:GetObject\", \"GetObject\"] }]\n");
        assert_eq!(at(&e), (2, 39, "roles.a.allow[0].actions[1]"));
        assert!(e.message.starts_with("`GetObject` is not an action"));
        // unknown but well-formed: fine
        let c = Config::parse(
            "[roles.a]\nallow = [{ actions = [\"newsvc:DoThing\", \"*\", \"s3:Get*\"] }]\n",
            "o",
        )
        .unwrap();
        assert_eq!(c.role("a").unwrap().allow[0].resources, ["*"]);
    }

    #[test]
    fn bad_policy_entries() {
        let cases = [
            (
                "arn:aws:iam::111122223333:policy/Mine",
                "is not an AWS managed policy ARN",
            ),
            ("/etc/passwd", "is an absolute path"),
            ("C:/x.json", "is an absolute path"),
            ("../secrets.json", "leaves the configuration's folder"),
            (
                "baselines/../../x.json",
                "leaves the configuration's folder",
            ),
            ("https://example.com/p.json", "is a URL"),
            ("", "empty policy entry"),
        ];
        for (entry, want) in cases {
            let text = format!("[roles.a]\npolicies = [\"ok.json\", \"{entry}\"]\n");
            let e = err(&text);
            assert_eq!(at(&e), (2, 24, "roles.a.policies[1]"), "{entry}");
            assert!(e.message.contains(want), "{entry}: {e}");
        }
        let c = Config::parse("[roles.a]\npolicies = [\"./a/b.json\"]\n", "o").unwrap();
        assert_eq!(c.policy_files()[0].path, "./a/b.json");
    }

    #[test]
    fn readonly_baseline() {
        let c = Config::parse(
            "[roles.ro]\npolicies = [\"arn:aws:iam::aws:policy/ReadOnlyAccess\"]\n",
            "o",
        )
        .unwrap();
        let b = baselines(&c);
        let ro = b.get("ro").unwrap();
        assert!(ro.covers(id("s3:GetObject"), &ResourceScope::Any));
        assert!(!ro.covers(id("s3:PutObject"), &ResourceScope::Any));
        let universe = Catalog::embedded().len();
        let granted = ActionSet::from_ids(universe, [id("s3:GetObject"), id("s3:PutObject")]);
        let excess = ro.excess(&granted, &ResourceScope::Any);
        assert_eq!(excess.ids(), [id("s3:PutObject")]);
    }

    #[test]
    fn access_level_baseline() {
        let c = Config::parse("[roles.r]\naccess_levels = [\"Read\"]\n", "o").unwrap();
        let b = baselines(&c);
        let r = b.get("r").unwrap();
        assert!(r.covers(id("s3:GetObject"), &ResourceScope::Any));
        assert!(!r.covers(id("s3:ListAllMyBuckets"), &ResourceScope::Any));
        assert!(!r.covers(id("iam:CreateUser"), &ResourceScope::Any));
    }

    #[test]
    fn allow_rule_with_resource() {
        let table = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";
        let text = format!(
            "[roles.o]\nallow = [{{ actions = [\"dynamodb:GetItem\"], resources = [\"{table}\"] }}]\n"
        );
        let c = Config::parse(&text, "o").unwrap();
        let b = baselines(&c);
        let o = b.get("o").unwrap();
        let get = id("dynamodb:GetItem");
        let on_table = ResourceScope::Patterns(vec![table.into()]);
        assert!(o.covers(get, &on_table));
        assert!(!o.covers(get, &ResourceScope::Any));
        assert!(!o.covers(id("dynamodb:PutItem"), &on_table));
        let granted = ActionSet::from_ids(Catalog::embedded().len(), [get]);
        assert!(o.excess(&granted, &on_table).is_empty());
        assert_eq!(o.excess(&granted, &ResourceScope::Any).ids(), [get]);
    }

    #[test]
    fn example_baselines_build() {
        let c = Config::parse(EXAMPLE, "overreach.toml").unwrap();
        let b = baselines(&c);
        let ro = b.get("readonly").unwrap();
        // from baselines/extra.json (ReadOnlyAccess lacks it; its Deny is ignored)
        assert!(ro.covers(id("sts:GetCallerIdentity"), &ResourceScope::Any));
        assert!(b.get("ai-coding-agent").is_some());
    }

    #[test]
    fn missing_or_bad_policy_files() {
        let c = Config::parse(EXAMPLE, "overreach.toml").unwrap();
        let e = Baselines::build(
            &c,
            &BTreeMap::new(),
            Catalog::embedded(),
            ManagedPolicies::embedded(),
        )
        .unwrap_err();
        assert_eq!(e.key, "roles.readonly.policies[1]");
        assert_eq!(e.line, c.policy_files()[0].location.line);
        assert!(
            e.message.contains("`baselines/extra.json` was not read"),
            "{e}"
        );

        let bad = BTreeMap::from([(
            "baselines/extra.json".to_string(),
            "{\"Statement\": [{\"Effect\": \"Maybe\", \"Action\": \"*\"}]}".to_string(),
        )]);
        let e = Baselines::build(&c, &bad, Catalog::embedded(), ManagedPolicies::embedded())
            .unwrap_err();
        assert!(e.message.contains("Statement[0].Effect"), "{e}");

        let c = Config::parse(
            "[roles.x]\npolicies = [\"arn:aws:iam::aws:policy/NoSuchPolicyEver\"]\n",
            "o.toml",
        )
        .unwrap();
        let e = Baselines::build(
            &c,
            &BTreeMap::new(),
            Catalog::embedded(),
            ManagedPolicies::embedded(),
        )
        .unwrap_err();
        assert_eq!(at(&e), (2, 13, "roles.x.policies[0]"));
        assert!(e.message.starts_with("unknown AWS managed policy"), "{e}");
    }

    #[test]
    fn rendered_message() {
        let e = err("[roles.readonly]\naccess_levels = [\"List\", \"Reed\"]\n");
        assert_eq!(
            e.to_string(),
            "overreach.toml:2:26: at `roles.readonly.access_levels[1]`: unknown access level \
             `Reed`; use `List`, `Read`, `Write`, `Permissions management` or `Tagging`"
        );
    }

    #[test]
    fn positions_count_characters() {
        let src = Source {
            text: "é\nab",
            origin: "o",
        };
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(2), (1, 2));
        assert_eq!(src.position(4), (2, 2));
        assert_eq!(src.position(99), (2, 3));
    }

    #[test]
    fn invalid_fixtures_fail_as_documented() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/config/invalid");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // first line: `# expect: <key> <line>:<column> <message start>`
            let expect = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{} lacks `# expect:`", path.display()));
            let e = err(&text);
            let got = format!("{} {}:{} {}", e.key, e.line, e.column, e.message);
            assert!(got.starts_with(expect), "{}: got {got}", path.display());
            seen += 1;
        }
        assert!(seen >= 5);
    }
}
