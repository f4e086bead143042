//! Tests of the CloudFormation reader: the fixtures under `fixtures/iac/cfn/`, intrinsic
//! functions, and hostile input.

mod conditions;
mod hostile;
mod intrinsics;

use overreach_snapshot::{GroupDetail, RoleDetail, UserDetail};
use serde_json::json;

use crate::cfn::{read, sniff};
use crate::model::{IacError, IacSet, InputFile, Note, NoteKind, Settings};

const BASIC_YAML: &str = include_str!("../../../../../fixtures/iac/cfn/basic.yaml");
const BASIC_JSON: &str = include_str!("../../../../../fixtures/iac/cfn/basic.json");
const CDK: &str = include_str!("../../../../../fixtures/iac/cfn/cdk.template.json");

pub(super) fn file(path: &str, text: &str) -> InputFile {
    InputFile {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

pub(super) fn read_with(path: &str, text: &str, settings: &Settings) -> Result<IacSet, IacError> {
    let mut set = IacSet::default();
    read(&file(path, text), settings, &mut set).map(|()| set)
}

pub(super) fn read_ok(path: &str, text: &str) -> IacSet {
    match read_with(path, text, &Settings::default()) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    }
}

pub(super) fn read_err(text: &str) -> IacError {
    let path = if text.trim_start().starts_with('{') {
        "t.json"
    } else {
        "t.yaml"
    };
    match read_with(path, text, &Settings::default()) {
        Ok(set) => panic!("expected an error, read {:?}", set.snapshot),
        Err(e) => e,
    }
}

pub(super) fn role<'s>(set: &'s IacSet, name: &str) -> &'s RoleDetail {
    let found = set.snapshot.roles.iter().find(|r| r.role_name == name);
    found.unwrap_or_else(|| panic!("no role {name} in {:?}", set.snapshot.roles))
}

pub(super) fn user<'s>(set: &'s IacSet, name: &str) -> &'s UserDetail {
    let found = set.snapshot.users.iter().find(|u| u.user_name == name);
    found.unwrap_or_else(|| panic!("no user {name} in {:?}", set.snapshot.users))
}

pub(super) fn group<'s>(set: &'s IacSet, name: &str) -> &'s GroupDetail {
    let found = set.snapshot.groups.iter().find(|g| g.group_name == name);
    found.unwrap_or_else(|| panic!("no group {name} in {:?}", set.snapshot.groups))
}

/// Notes of `kind` as `(line, message)`.
pub(super) fn notes(set: &IacSet, kind: NoteKind) -> Vec<(u32, &str)> {
    set.notes
        .iter()
        .filter(|n| n.kind == kind)
        .map(|n: &Note| (n.location.line, n.message.as_str()))
        .collect()
}

const ACCOUNT: &str = "arn:aws:iam::000000000000";

#[test]
fn json_and_yaml_read_the_same() {
    let yaml = read_ok("basic.yaml", BASIC_YAML);
    let json = read_ok("basic.json", BASIC_JSON);
    assert_eq!(yaml.snapshot, json.snapshot);
    assert_eq!(yaml.stubs, json.stubs);
    let kinds = |s: &IacSet| {
        s.notes
            .iter()
            .map(|n| (n.kind, n.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&yaml), kinds(&json));
}

#[test]
fn statement_positions_yaml_and_json() {
    let arn = format!("{ACCOUNT}:role/service/app-role");
    for (path, text, at, statements, trust) in [
        (
            "basic.yaml",
            BASIC_YAML,
            (19, 13),
            [(21, 17), (24, 17)],
            (10, 9),
        ),
        (
            "basic.json",
            BASIC_JSON,
            (23, 31),
            [(26, 17), (31, 17)],
            (10, 37),
        ),
    ] {
        let set = read_ok(path, text);
        let p = &set.locations.policies[&format!("{arn}#inline/app-data")];
        assert_eq!((p.at.line, p.at.column), at, "{path}");
        let got: Vec<_> = p.statements.iter().map(|l| (l.line, l.column)).collect();
        assert_eq!(got, statements, "{path}");
        assert_eq!(p.statements[1].file, path);
        // a single statement object is index 0
        let t = &set.locations.policies[&format!("{arn}#trust")];
        assert_eq!(t.statements.len(), 1, "{path}");
        assert_eq!((t.at.line, t.at.column), trust, "{path}");
        let at = &set.locations.principals[&arn];
        assert_eq!(at.line, if path.ends_with("yaml") { 4 } else { 5 });
    }
}

#[test]
fn role_is_read_whole() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    let r = role(&set, "app-role");
    assert_eq!(r.arn, format!("{ACCOUNT}:role/service/app-role"));
    assert_eq!(r.path.as_deref(), Some("/service/"));
    let trust = r.assume_role_policy_document.as_ref().unwrap();
    assert_eq!(
        trust.0["Statement"]["Principal"]["Service"],
        json!("ec2.amazonaws.com")
    );
    let inline: Vec<_> = r
        .role_policy_list
        .iter()
        .map(|p| p.policy_name.as_str())
        .collect();
    assert_eq!(inline, ["app-data", "logs"]);
    assert_eq!(
        r.role_policy_list[0].policy_document.0["Statement"][1]["Action"],
        json!(["s3:PutObject"])
    );
    let attached: Vec<_> = r
        .attached_managed_policies
        .iter()
        .map(|a| a.policy_arn.as_str())
        .collect();
    assert_eq!(
        attached,
        [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            &format!("{ACCOUNT}:policy/shared")
        ]
    );
    assert_eq!(
        r.attached_managed_policies[1].policy_name.as_deref(),
        Some("shared")
    );
    let b = r.permissions_boundary.as_ref().unwrap();
    assert_eq!(
        b.permissions_boundary_arn,
        "arn:aws:iam::aws:policy/PowerUserAccess"
    );
    assert_eq!(
        (r.tags[0].key.as_str(), r.tags[0].value.as_str()),
        ("team", "data")
    );
    let key = (
        r.arn.clone(),
        "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
    );
    assert_eq!(set.locations.attachments[&key].line, 29);
}

#[test]
fn instance_profile_named_after_its_logical_id() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    let r = role(&set, "app-role");
    let [p] = r.instance_profile_list.as_slice() else {
        panic!("{r:?}")
    };
    assert_eq!(p.instance_profile_name, "Profile");
    assert_eq!(p.arn, format!("{ACCOUNT}:instance-profile/Profile"));
    assert_eq!(p.roles[0].arn, r.arn);
}

#[test]
fn users_groups_and_memberships() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    assert_eq!(user(&set, "alice").group_list, ["Admins"]);
    // no UserName: the logical id stands for the generated name
    let bob = user(&set, "Bob");
    assert_eq!(bob.arn, format!("{ACCOUNT}:user/Bob"));
    assert_eq!(bob.group_list, ["Admins"]);
    assert_eq!(
        bob.attached_managed_policies[0].policy_arn,
        format!("{ACCOUNT}:policy/shared")
    );
    assert_eq!(bob.user_policy_list[0].policy_name, "bob-extra");
    let admins = group(&set, "Admins");
    assert_eq!(admins.arn, format!("{ACCOUNT}:group/people/Admins"));
    assert_eq!(admins.group_policy_list[0].policy_name, "logs");
    // carol is not in the template: a stub user holding the membership
    let carol = user(&set, "carol");
    assert_eq!(carol.group_list, ["Admins"]);
    assert!(set.stubs.contains(&carol.arn));
}

#[test]
fn managed_policy_has_one_default_version() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    let [p] = set.snapshot.policies.as_slice() else {
        panic!()
    };
    assert_eq!(p.arn, format!("{ACCOUNT}:policy/shared"));
    let v = p.default_version().unwrap();
    assert_eq!(v.version_id.as_deref(), Some("v1"));
    assert_eq!(
        v.document.as_ref().unwrap().0["Statement"][0]["Action"],
        json!("sqs:SendMessage")
    );
    assert_eq!(set.locations.policies[&p.arn].statements[0].line, 56);
}

#[test]
fn one_policy_resource_on_several_principals() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    let ids = [
        format!("{ACCOUNT}:role/service/app-role#inline/logs"),
        format!("{ACCOUNT}:role/legacy-role#inline/logs"),
        format!("{ACCOUNT}:group/people/Admins#inline/logs"),
    ];
    for id in &ids {
        let p = &set.locations.policies[id];
        assert_eq!((p.at.line, p.statements[0].line), (66, 67), "{id}");
    }
    let legacy = role(&set, "legacy-role");
    assert!(set.stubs.contains(&legacy.arn));
    assert_eq!(
        legacy.role_policy_list[0].policy_document.0["Statement"][0]["Action"],
        json!("logs:PutLogEvents")
    );
    let external = notes(&set, NoteKind::External);
    assert!(
        external
            .iter()
            .any(|(l, m)| *l == 72 && m.contains("role `legacy-role`")),
        "{external:?}"
    );
    assert!(
        external
            .iter()
            .any(|(l, m)| *l == 81 && m.contains("user `carol`")),
        "{external:?}"
    );
}

#[test]
fn unsupported_resources_are_noted() {
    let set = read_ok("basic.yaml", BASIC_YAML);
    let unsupported = notes(&set, NoteKind::Unsupported);
    assert_eq!(unsupported.len(), 1, "{unsupported:?}");
    assert_eq!(unsupported[0].0, 99);
    assert!(unsupported[0].1.contains("`AWS::S3::BucketPolicy`"));
    // nothing read from the bucket policy, so its `GetAtt` leaves no note
    assert!(
        notes(&set, NoteKind::Unresolved).is_empty(),
        "{:?}",
        set.notes
    );
}

#[test]
fn sam_transform_and_nested_stacks_are_unsupported() {
    let text = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n  Nested:\n    Type: AWS::CloudFormation::Stack\n  Key:\n    Type: AWS::IAM::AccessKey\n";
    let set = read_ok("sam.yaml", text);
    let lines: Vec<u32> = notes(&set, NoteKind::Unsupported)
        .iter()
        .map(|(l, _)| *l)
        .collect();
    assert_eq!(lines, [1, 3, 5, 7]);
}

#[test]
fn cdk_synth_output_reads() {
    let set = read_ok("cdk.out/App.template.json", CDK);
    let r = role(&set, "AppFunctionServiceRoleD3F2A1B0");
    assert_eq!(
        r.arn,
        format!("{ACCOUNT}:role/AppFunctionServiceRoleD3F2A1B0")
    );
    assert_eq!(
        r.attached_managed_policies[0].policy_arn,
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    );
    let p = &r.role_policy_list[0];
    assert_eq!(p.policy_name, "AppFunctionServiceRoleDefaultPolicyA1B2C3D4");
    let resources = &p.policy_document.0["Statement"][0]["Resource"];
    assert_eq!(
        resources,
        &json!([
            "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
            "${unresolved:GetAtt_Table.Arn}"
        ])
    );
    assert!(
        notes(&set, NoteKind::Unsupported).is_empty(),
        "{:?}",
        set.notes
    );
    let unresolved = notes(&set, NoteKind::Unresolved);
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
}

#[test]
fn sniff_accepts_templates_only() {
    assert!(sniff(&file("basic.yaml", BASIC_YAML)));
    assert!(sniff(&file("basic.json", BASIC_JSON)));
    assert!(sniff(&file("App.template.json", CDK)));
    assert!(sniff(&file(
        "x.yml",
        "Resources:\n  R:\n    Type: AWS::SNS::Topic\n"
    )));
    // broken, but clearly a template: read, so its error is reported
    assert!(sniff(&file(
        "t.yaml",
        "AWSTemplateFormatVersion: 2010-09-09\nResources: [\n"
    )));
    let not = [
        (
            "plan.json",
            r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[]}},"Resources":1}"#,
        ),
        (
            "snap.json",
            r#"{"UserDetailList":[],"RoleDetailList":[],"Policies":[]}"#,
        ),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo Resources\n",
        ),
        ("k8s.yaml", "kind: List\nResources:\n  - a\n"),
        (
            "main.ts",
            "new Stack(app, 'x'); // Resources AWS::IAM::Role {",
        ),
        ("bin", "\u{0}\u{1}"),
    ];
    for (path, text) in not {
        assert!(!sniff(&file(path, text)), "{path}");
    }
    assert!(!sniff(&InputFile {
        path: "x.json".into(),
        bytes: vec![0xff, 0xfe, b'{']
    }));
}

#[test]
fn later_files_win_and_absorb_stubs() {
    let settings = Settings::default();
    let mut set = IacSet::default();
    let policy = "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: p\n      PolicyDocument: {Statement: []}\n      Roles: [shared-role]\n";
    let roles = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: shared-role\n";
    read(&file("a.yaml", policy), &settings, &mut set).unwrap();
    assert_eq!(set.stubs.len(), 1);
    read(&file("b.yaml", roles), &settings, &mut set).unwrap();
    assert!(set.stubs.is_empty(), "the definition replaces the stub");
    assert_eq!(
        role(&set, "shared-role").role_policy_list[0].policy_name,
        "p"
    );
    read(&file("c.yaml", roles), &settings, &mut set).unwrap();
    assert_eq!(set.snapshot.roles.len(), 1);
    let warnings = notes(&set, NoteKind::Warning);
    assert!(
        warnings[0]
            .1
            .contains("also defined by a file read earlier"),
        "{warnings:?}"
    );
}

#[test]
fn principals_named_by_arn() {
    let text = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: {Statement: []}\n      Roles: ['arn:aws:iam::000000000000:role/team/ci']\n";
    let set = read_ok("t.yaml", text);
    let ci = role(&set, "ci");
    assert_eq!(ci.arn, format!("{ACCOUNT}:role/team/ci"));
    assert_eq!(
        ci.attached_managed_policies[0].policy_arn,
        format!("{ACCOUNT}:policy/P")
    );
    // the stub is located at its reference
    assert_eq!(set.locations.principals[&ci.arn].line, 6);
    let key = (ci.arn.clone(), format!("{ACCOUNT}:policy/P"));
    assert_eq!(set.locations.attachments[&key].line, 6);
}
