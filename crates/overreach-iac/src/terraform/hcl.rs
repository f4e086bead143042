//! Finding a resource's block in the `.tf` sources of a plan, so findings point at the line a
//! reviewer edits rather than into the plan JSON.
//!
//! This is a scan, not an HCL parser: it tracks braces outside strings, comments and heredocs,
//! and recognises `resource "T" "N" {` / `data "T" "N" {` at the top level and, inside them,
//! `statement {` blocks. A block it cannot find unambiguously is not located (the caller falls
//! back to the plan's line): a wrong line is worse than a less precise one.

use crate::{InputFile, Location};

/// A `resource` or `data` block of a `.tf` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TfBlock {
    pub(crate) data: bool,
    pub(crate) rtype: String,
    pub(crate) name: String,
    pub(crate) at: Location,
    /// The `statement {` blocks directly inside, in order.
    pub(crate) statements: Vec<Location>,
    /// A `dynamic "statement"` block is inside: statement indexes cannot be mapped.
    pub(crate) dynamic_statements: bool,
}

/// Where a plan's resources are to be looked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hints {
    /// The directory of the plan file (root module resources prefer `.tf` files there).
    pub(crate) plan_dir: String,
    /// The local source of the module the resource is in (`./modules/iam`), when known.
    pub(crate) module_source: Option<String>,
}

/// The position of the block declaring a plan address (`module.iam.aws_iam_role.x["a"]`,
/// `data.aws_iam_policy_document.d`) in the `.tf` files among `sources`, when exactly one
/// block matches.
pub fn locate_in_tf_sources(sources: &[InputFile], address: &str) -> Option<Location> {
    find(sources, address, &Hints::default()).map(|b| b.at)
}

/// The block declaring `address`, using `hints` to choose among several candidates.
pub(crate) fn find(sources: &[InputFile], address: &str, hints: &Hints) -> Option<TfBlock> {
    find_in(&index(sources), address, hints)
}

/// Every `resource` and `data` block of the `.tf` files among `sources`, with the directory
/// of its file: scanned once per plan, searched once per resource.
pub(crate) fn index(sources: &[InputFile]) -> Vec<(String, TfBlock)> {
    let mut out = Vec::new();
    for file in sources.iter().filter(|f| f.path.ends_with(".tf")) {
        let Ok(text) = std::str::from_utf8(&file.bytes) else {
            continue;
        };
        let dir = dir_of(&file.path).to_string();
        out.extend(
            blocks(&file.path, text)
                .into_iter()
                .map(|b| (dir.clone(), b)),
        );
    }
    out
}

/// [`find`] in an [`index`].
pub(crate) fn find_in(
    index: &[(String, TfBlock)],
    address: &str,
    hints: &Hints,
) -> Option<TfBlock> {
    let (in_module, data, rtype, name) = split_address(address)?;
    let mut candidates: Vec<(String, TfBlock)> = index
        .iter()
        .filter(|(_, b)| b.data == data && b.rtype == rtype && b.name == name)
        .cloned()
        .collect();
    if candidates.len() > 1 {
        if in_module {
            if let Some(source) = &hints.module_source {
                let suffix = local_dir(source);
                candidates.retain(|(dir, _)| {
                    !suffix.is_empty() && (dir == &suffix || dir.ends_with(&format!("/{suffix}")))
                });
            }
        } else {
            candidates.retain(|(dir, _)| dir == &hints.plan_dir);
        }
    }
    match candidates.len() {
        1 => candidates.pop().map(|(_, b)| b),
        _ => None,
    }
}

/// `(in a module, data?, type, name)` of a resource instance address.
fn split_address(address: &str) -> Option<(bool, bool, String, String)> {
    // the resource part is what follows the last module step
    let mut rest = address;
    let mut in_module = false;
    while let Some(r) = rest.strip_prefix("module.") {
        in_module = true;
        let end = r.find(['[', '.'])?;
        let mut after = &r[end..];
        if after.starts_with('[') {
            let close = super::plan::closing_bracket(after)?;
            after = &after[close + 1..];
        }
        rest = after.strip_prefix('.')?;
    }
    let (data, rest) = match rest.strip_prefix("data.") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.split('[').next()?;
    let (rtype, name) = rest.split_once('.')?;
    Some((in_module, data, rtype.to_string(), name.to_string()))
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A local module source as a directory suffix (`../modules/iam` → `modules/iam`); empty for
/// registry and remote sources.
fn local_dir(source: &str) -> String {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return String::new();
    }
    source
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect::<Vec<_>>()
        .join("/")
}

/// The top-level `resource` and `data` blocks of a `.tf` file.
pub(crate) fn blocks(path: &str, text: &str) -> Vec<TfBlock> {
    let mut out: Vec<TfBlock> = Vec::new();
    let mut depth: usize = 0;
    let mut in_comment = false;
    let mut heredoc: Option<String> = None;
    let mut current: Option<TfBlock> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = line.trim_start();
        let column = u32::try_from(line.len() - trimmed.len() + 1).unwrap_or(1);
        let at = Location {
            file: path.to_string(),
            line: line_no,
            column,
        };
        if !in_comment && depth == 0 {
            if let Some((data, rtype, name)) = header(trimmed) {
                current = Some(TfBlock {
                    data,
                    rtype,
                    name,
                    at: at.clone(),
                    statements: Vec::new(),
                    dynamic_statements: false,
                });
            }
        } else if !in_comment
            && depth == 1
            && let Some(b) = current.as_mut()
        {
            let word = |w: &str| trimmed.strip_prefix(w).map(str::trim_start);
            if word("statement").is_some_and(|r| r.starts_with('{')) {
                b.statements.push(at.clone());
            } else if word("dynamic").is_some_and(|r| r.trim_matches('"').starts_with("statement"))
            {
                b.dynamic_statements = true;
            }
        }
        let (d, c, h) = scan_line(line, depth, in_comment);
        depth = d;
        in_comment = c;
        heredoc = h;
        if depth == 0
            && let Some(b) = current.take()
        {
            out.push(b);
        }
    }
    out
}

/// `resource "T" "N" {` / `data T N {`: `(data?, T, N)`.
fn header(line: &str) -> Option<(bool, String, String)> {
    let (data, rest) = if let Some(r) = line.strip_prefix("resource") {
        (false, r)
    } else if let Some(r) = line.strip_prefix("data") {
        (true, r)
    } else {
        return None;
    };
    if !rest.starts_with([' ', '\t', '"']) {
        return None;
    }
    let mut labels = Vec::new();
    let mut rest = rest.trim_start();
    while labels.len() < 2 {
        let (label, after) = if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"')?;
            (&r[..end], &r[end + 1..])
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?;
            (&rest[..end], &rest[end..])
        };
        if label.is_empty() {
            return None;
        }
        labels.push(label.to_string());
        rest = after.trim_start();
    }
    if !rest.starts_with('{') {
        return None;
    }
    let name = labels.pop()?;
    let rtype = labels.pop()?;
    Some((data, rtype, name))
}

/// Brace depth after `line`, whether a `/* */` comment is still open, and the end marker of a
/// heredoc the line opens.
fn scan_line(line: &str, mut depth: usize, mut in_comment: bool) -> (usize, bool, Option<String>) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if in_comment {
            if c == '*' && next == Some('/') {
                in_comment = false;
                i += 1;
            }
        } else if in_string {
            match c {
                '\\' => i += 1,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            match (c, next) {
                ('"', _) => in_string = true,
                ('#', _) | ('/', Some('/')) => break,
                ('/', Some('*')) => {
                    in_comment = true;
                    i += 1;
                }
                ('<', Some('<')) => {
                    let marker: String = chars[i + 2..]
                        .iter()
                        .skip_while(|c| **c == '-' || **c == '~')
                        .take_while(|c| c.is_alphanumeric() || **c == '_')
                        .collect();
                    if !marker.is_empty() {
                        return (depth, in_comment, Some(marker));
                    }
                }
                ('{', _) => depth += 1,
                ('}', _) => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    (depth, in_comment, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = r#"# IAM for CI
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = <<EOF
{ "Statement": [ { "Effect": "Allow" } ] }
resource "aws_iam_role" "fake" {
EOF
  description = "a { brace in a string"
}

/* resource "aws_iam_role" "commented" { */
data "aws_iam_policy_document" "deploy" {
  statement {
    actions = ["s3:GetObject"]
    condition {
      test = "StringEquals"
    }
  }
  // statement {
    statement {
    sid = "second"
  }
}
"#;

    fn file(path: &str, text: &str) -> InputFile {
        InputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn finds_blocks_and_statements_outside_strings_comments_and_heredocs() {
        let found = blocks("main.tf", MAIN);
        let names: Vec<_> = found
            .iter()
            .map(|b| (b.rtype.as_str(), b.name.as_str(), b.at.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("aws_iam_role", "deploy", 2),
                ("aws_iam_policy_document", "deploy", 12)
            ]
        );
        let lines: Vec<_> = found[1]
            .statements
            .iter()
            .map(|l| (l.line, l.column))
            .collect();
        assert_eq!(lines, vec![(13, 3), (20, 5)]);
    }

    #[test]
    fn locates_addresses_in_modules_and_refuses_ambiguity() {
        let module = "resource \"aws_iam_role\" \"deploy\" {\n}\n";
        let sources = [
            file("infra/main.tf", MAIN),
            file("infra/modules/iam/main.tf", module),
            file("README.md", MAIN),
        ];
        let at = locate_in_tf_sources(&sources, "data.aws_iam_policy_document.deploy").unwrap();
        assert_eq!((at.file.as_str(), at.line), ("infra/main.tf", 12));
        // two `aws_iam_role.deploy`: ambiguous without hints
        assert_eq!(
            locate_in_tf_sources(&sources, "aws_iam_role.deploy[0]"),
            None
        );
        let hints = Hints {
            plan_dir: "infra".into(),
            module_source: Some("./modules/iam".into()),
        };
        let b = find(&sources, r#"module.iam["a"].aws_iam_role.deploy"#, &hints).unwrap();
        assert_eq!(b.at.file, "infra/modules/iam/main.tf");
        let b = find(&sources, "aws_iam_role.deploy", &hints).unwrap();
        assert_eq!(b.at.file, "infra/main.tf");
    }
}
