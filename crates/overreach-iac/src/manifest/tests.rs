//! Tests of the manifest reader (`fixtures/iac/manifest/`).

use super::*;
use crate::NoteKind;

const MANIFEST: &str = include_str!("../../../../fixtures/iac/manifest/overreach-manifest.toml");
const POLICIES: [(&str, &str); 5] = [
    (
        "deploy-trust.json",
        include_str!("../../../../fixtures/iac/manifest/policies/deploy-trust.json"),
    ),
    (
        "deploy.json",
        include_str!("../../../../fixtures/iac/manifest/policies/deploy.json"),
    ),
    (
        "shared.json",
        include_str!("../../../../fixtures/iac/manifest/policies/shared.json"),
    ),
    (
        "boundary.json",
        include_str!("../../../../fixtures/iac/manifest/policies/boundary.json"),
    ),
    (
        "devs.json",
        include_str!("../../../../fixtures/iac/manifest/policies/devs.json"),
    ),
];

fn file(path: &str, text: &str) -> InputFile {
    InputFile {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

/// The fixture under `iam/`, with `manifest` as its manifest.
fn inputs(manifest: &str) -> Vec<InputFile> {
    let mut all = vec![file("iam/overreach-manifest.toml", manifest)];
    all.extend(
        POLICIES
            .iter()
            .map(|(name, text)| file(&format!("iam/policies/{name}"), text)),
    );
    all
}

fn read_all(manifest: &str) -> Result<IacSet, IacError> {
    let all = inputs(manifest);
    let mut set = IacSet::default();
    read(&all[0], &all, &Settings::default(), &mut set)?;
    Ok(set)
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap()
}

#[test]
fn sniffs_by_file_name() {
    assert!(sniff(&file("overreach-manifest.toml", "")));
    assert!(sniff(&file("infra/prod.overreach-manifest.toml", "")));
    assert!(!sniff(&file("overreach.toml", "")));
    assert!(!sniff(&file("overreach-manifest.toml/x.json", "")));
}

#[test]
fn principals_policies_and_locations() {
    let set = read_all(MANIFEST).unwrap();
    let s = &set.snapshot;
    let deploy = s.roles.iter().find(|r| r.role_name == "deploy").unwrap();
    assert_eq!(deploy.arn, "arn:aws:iam::111122223333:role/ci/deploy");
    assert_eq!(
        deploy.assume_role_policy_document.as_ref().unwrap().value()["Statement"][0]["Sid"],
        "GitHubActions"
    );
    assert_eq!(deploy.role_policy_list[0].policy_name, "deploy");
    let attached: Vec<&str> = deploy
        .attached_managed_policies
        .iter()
        .map(|p| p.policy_arn.as_str())
        .collect();
    assert_eq!(
        attached,
        vec![
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::111122223333:policy/shared"
        ]
    );
    assert_eq!(
        deploy
            .permissions_boundary
            .as_ref()
            .unwrap()
            .permissions_boundary_arn,
        "arn:aws:iam::111122223333:policy/boundary"
    );
    assert_eq!(deploy.tags.len(), 2);
    // customer managed policies from files, each once although two roles use `shared`
    let names: Vec<&str> = s.policies.iter().map(|p| p.name()).collect();
    assert_eq!(names, vec!["shared", "boundary"]);
    let reporter = s.roles.iter().find(|r| r.role_name == "reporter").unwrap();
    assert_eq!(
        (reporter.arn.as_str(), reporter.path.as_deref()),
        (
            "arn:aws:iam::111122223333:role/service/reporter",
            Some("/service/")
        )
    );

    let at = &set.locations.principals[&deploy.arn];
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        (
            "iam/overreach-manifest.toml",
            line_of(MANIFEST, "[[role]]"),
            1
        )
    );
    let inline = &set.locations.policies["arn:aws:iam::111122223333:role/ci/deploy#inline/deploy"];
    assert_eq!(inline.at.file, "iam/policies/deploy.json");
    assert_eq!(
        inline
            .statements
            .iter()
            .map(|l| (l.line, l.column))
            .collect::<Vec<_>>(),
        vec![(4, 5), (10, 5)]
    );
    let shared = &set.locations.policies["arn:aws:iam::111122223333:policy/shared"];
    assert_eq!(
        shared
            .statements
            .iter()
            .map(|l| (l.line, l.column))
            .collect::<Vec<_>>(),
        vec![(1, 38), (1, 99)]
    );
    let boundary = &set.locations.policies["arn:aws:iam::111122223333:policy/boundary"];
    assert_eq!(
        boundary
            .statements
            .iter()
            .map(|l| l.line)
            .collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!(
        set.locations
            .statement(&format!("{}#trust", deploy.arn), 0)
            .unwrap()
            .line,
        4
    );
}

#[test]
fn users_join_groups_and_unknown_groups_are_stubs() {
    let set = read_all(MANIFEST).unwrap();
    let alice = set
        .snapshot
        .users
        .iter()
        .find(|u| u.user_name == "alice")
        .unwrap();
    assert_eq!(alice.group_list, vec!["devs", "auditors"]);
    let devs = set
        .snapshot
        .groups
        .iter()
        .find(|g| g.group_name == "devs")
        .unwrap();
    assert_eq!(devs.group_policy_list[0].policy_name, "devs");
    assert_eq!(
        set.stubs.iter().collect::<Vec<_>>(),
        vec!["arn:aws:iam::111122223333:group/auditors"]
    );
    let note = &set.notes[0];
    assert_eq!(note.kind, NoteKind::External);
    assert_eq!(note.location.line, line_of(MANIFEST, "auditors"));
}

#[test]
fn account_defaults_to_the_settings() {
    let text = "[[role]]\nname = \"r\"\n";
    let set = read_all(text).unwrap();
    assert_eq!(
        set.snapshot.roles[0].arn,
        "arn:aws:iam::000000000000:role/r"
    );
}

fn error(text: &str) -> IacError {
    read_all(text).unwrap_err()
}

#[test]
fn unknown_keys_are_errors_at_their_line() {
    let e = error("[[role]]\nname = \"r\"\npolices = [\"policies/deploy.json\"]\n");
    assert_eq!(
        (e.file.as_str(), e.line, e.column),
        ("iam/overreach-manifest.toml", 3, 1)
    );
    assert!(
        e.message.contains("unknown field `polices`"),
        "{}",
        e.message
    );
    let e = error("[[roles]]\nname = \"r\"\n");
    assert_eq!(e.line, 1);
    let e = error("[[user]]\nname = \"u\"\ntrust = \"policies/deploy-trust.json\"\n");
    assert_eq!(e.line, 3);
    assert!(
        e.message.contains("`trust` is not a key of `[[user]]`"),
        "{}",
        e.message
    );
}

#[test]
fn missing_and_escaping_files_are_errors() {
    let e = error("[[role]]\nname = \"r\"\npolicies = [\"policies/nope.json\"]\n");
    assert_eq!((e.line, e.column), (3, 13));
    assert!(
        e.message.contains("looked for `iam/policies/nope.json`"),
        "{}",
        e.message
    );
    let e = error("[[role]]\nname = \"r\"\npolicies = [\"../../etc/policy.json\"]\n");
    assert!(
        e.message.contains("outside the input root"),
        "{}",
        e.message
    );
    let e = error("[[role]]\nname = \"r\"\nmanaged = [\"/etc/policy.json\"]\n");
    assert!(e.message.contains("absolute path"), "{}", e.message);
    // `..` that stays inside the root is fine
    let ok =
        read_all("[[role]]\nname = \"r\"\npolicies = [\"../iam/policies/devs.json\"]\n").unwrap();
    assert_eq!(ok.snapshot.roles[0].role_policy_list[0].policy_name, "devs");
}

#[test]
fn other_errors() {
    let e = error("account_id = \"12\"\n");
    assert!(e.message.contains("12 digits"), "{}", e.message);
    let e = error("[[role]]\nname = \"r\"\narn = \"arn:aws:iam::111122223333:role/r\"\n");
    assert_eq!(e.line, 3);
    let e = error("[[role]]\narn = \"arn:aws:iam::111122223333:user/r\"\n");
    assert!(e.message.contains("must be a role ARN"), "{}", e.message);
    let e = error("[[group]]\npath = \"/x/\"\n");
    assert!(e.message.contains("needs `name` or `arn`"), "{}", e.message);
    let e = error("[[role]\n");
    assert_eq!(e.line, 1);

    let mut all = inputs("[[role]]\nname = \"r\"\npolicies = [\"bad.json\"]\n");
    all.push(file(
        "iam/bad.json",
        "{\n  \"Statement\": [\n    {\"Effect\": }\n  ]\n}\n",
    ));
    let mut set = IacSet::default();
    let e = read(&all[0], &all, &Settings::default(), &mut set).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("iam/bad.json", 3));
    assert!(
        e.message.starts_with("the policy file is not valid JSON"),
        "{}",
        e.message
    );
}
