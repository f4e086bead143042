//! Overreach snapshots and `get-account-authorization-details` files as check inputs.

use overreach_snapshot::Snapshot;

use crate::{IacError, IacSet, InputFile, Location, Note, NoteKind};

/// True when `file` looks like a snapshot: JSON naming one of the GAAD lists near its start.
pub fn sniff(file: &InputFile) -> bool {
    if !file.path.ends_with(".json") {
        return false;
    }
    let head = &file.bytes[..file.bytes.len().min(64 * 1024)];
    let head = String::from_utf8_lossy(head);
    head.trim_start().starts_with('{')
        && [
            "\"UserDetailList\"",
            "\"RoleDetailList\"",
            "\"GroupDetailList\"",
        ]
        .iter()
        .any(|k| head.contains(k))
}

/// Reads the snapshot `file` into `set`: its entities join the set (a later definition of the
/// same ARN wins, with a note); principals are located at the line of their `"Arn"`.
pub fn read(file: &InputFile, set: &mut IacSet) -> Result<(), IacError> {
    let snapshot = Snapshot::from_slice(&file.bytes).map_err(|e| IacError {
        file: file.path.clone(),
        line: 0,
        column: 0,
        message: format!("not a readable snapshot: {e}"),
    })?;
    let text = String::from_utf8_lossy(&file.bytes);
    let at = |arn: &str| Location {
        file: file.path.clone(),
        line: line_of(&text, &format!("\"{arn}\"")).unwrap_or(1),
        column: 1,
    };
    if snapshot.is_partial() {
        set.notes.push(Note {
            kind: NoteKind::Warning,
            location: at(""),
            message: "this snapshot is partial: some API calls failed when it was fetched".into(),
        });
    }
    let target = &mut set.snapshot;
    for u in snapshot.users {
        set.locations.principals.insert(u.arn.clone(), at(&u.arn));
        replace(&mut target.users, u, |x| &x.arn);
    }
    for g in snapshot.groups {
        set.locations.principals.insert(g.arn.clone(), at(&g.arn));
        replace(&mut target.groups, g, |x| &x.arn);
    }
    for r in snapshot.roles {
        set.locations.principals.insert(r.arn.clone(), at(&r.arn));
        replace(&mut target.roles, r, |x| &x.arn);
    }
    for p in snapshot.policies {
        replace(&mut target.policies, p, |x| &x.arn);
    }
    target.errors.extend(snapshot.errors);
    if target.organization.is_none() {
        target.organization = snapshot.organization;
    }
    Ok(())
}

fn replace<T>(list: &mut Vec<T>, item: T, key: impl Fn(&T) -> &String) {
    match list.iter().position(|x| key(x) == key(&item)) {
        Some(i) => list[i] = item,
        None => list.push(item),
    }
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> Option<u32> {
    let at = text.find(needle)?;
    u32::try_from(text[..at].matches('\n').count() + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gaad_and_locates_principals() {
        let text = "{\n  \"UserDetailList\": [],\n  \"RoleDetailList\": [\n    {\"RoleName\": \"r\",\n     \"Arn\": \"arn:aws:iam::1:role/r\"}\n  ],\n  \"GroupDetailList\": [], \"Policies\": []\n}\n";
        let file = InputFile {
            path: "gaad.json".into(),
            bytes: text.as_bytes().to_vec(),
        };
        assert!(sniff(&file));
        let mut set = IacSet::default();
        read(&file, &mut set).unwrap();
        assert_eq!(set.snapshot.roles.len(), 1);
        assert_eq!(set.locations.principals["arn:aws:iam::1:role/r"].line, 5);
        let not = InputFile {
            path: "package.json".into(),
            bytes: b"{\"name\": \"x\"}".to_vec(),
        };
        assert!(!sniff(&not));
    }
}
