//! The policy files a manifest names: paths resolved against the manifest's directory and
//! kept inside the input root, documents parsed once, statements located.

use overreach_snapshot::PolicyDocument;
use toml::Spanned;

use super::{Reader, error, to_u32};
use crate::terraform::jsonpos;
use crate::{IacError, Location};

impl Reader<'_> {
    /// The document of a policy file named in the manifest, with its statement locations.
    pub(super) fn document(
        &mut self,
        item: &Spanned<String>,
    ) -> Result<(PolicyDocument, Vec<Location>), IacError> {
        let path = self.resolve(item)?;
        if let Some(found) = self.docs.get(&path) {
            return Ok(found.clone());
        }
        let Some(file) = self
            .all
            .iter()
            .find(|f| normalize(&f.path).as_deref() == Ok(path.as_str()))
        else {
            return Err(self.error(item.span(), format!("policy file `{}` is not among the input files (looked for `{path}`); add it or fix the path", item.get_ref())));
        };
        let text = std::str::from_utf8(&file.bytes).map_err(|_| {
            error(
                &file.path,
                0,
                0,
                "the policy file is not UTF-8 text; save it as UTF-8".into(),
            )
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            return Err(error(
                &file.path,
                to_u32(e.line()),
                to_u32(e.column()),
                format!("the policy file is not valid JSON: {message}; fix the JSON"),
            ));
        }
        let doc = PolicyDocument::from_api_text(text)
            .map_err(|e| error(&file.path, 0, 0, format!("{e}; fix the JSON")))?;
        let statements = jsonpos::statement_positions(text)
            .into_iter()
            .map(|p| Location {
                file: file.path.clone(),
                line: p.line,
                column: p.column,
            })
            .collect();
        let found = (doc, statements);
        self.docs.insert(path, found.clone());
        Ok(found)
    }

    /// A manifest path → the input path it names, refusing absolute paths and `..` above the
    /// input root.
    pub(super) fn resolve(&self, item: &Spanned<String>) -> Result<String, IacError> {
        let rel = item.get_ref().replace('\\', "/");
        if rel.starts_with('/') || rel.as_bytes().get(1) == Some(&b':') {
            return Err(self.error(item.span(), format!("policy file `{}` is an absolute path; give it relative to the manifest's directory", item.get_ref())));
        }
        let dir = self.file.path.rsplit_once('/').map_or("", |(d, _)| d);
        let joined = if dir.is_empty() {
            rel
        } else {
            format!("{dir}/{rel}")
        };
        normalize(&joined).map_err(|()| self.error(item.span(), format!("policy file `{}` is outside the input root; keep policy files inside the checked directory", item.get_ref())))
    }

    pub(super) fn policy_file_location(&self, item: &Spanned<String>) -> Location {
        let file = self.resolve(item).unwrap_or_default();
        Location {
            file: self
                .all
                .iter()
                .find(|f| normalize(&f.path).as_deref() == Ok(file.as_str()))
                .map_or(file, |f| f.path.clone()),
            line: 1,
            column: 1,
        }
    }
}

/// `a/./b/../c` → `a/c`; `Err` when `..` climbs above the root.
fn normalize(path: &str) -> Result<String, ()> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(())?;
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// `policies/deploy.json` → `deploy`.
pub(super) fn stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}
