//! Fixture tests of the Terraform plan reader (`fixtures/iac/terraform/`).

use overreach_snapshot::RoleDetail;
use serde_json::{Value, json};

mod tiny;

use super::*;
use crate::{NoteKind, Settings};

const BASIC: &str = include_str!("../../../../../fixtures/iac/terraform/basic/plan.json");
const BASIC_TF: &str = include_str!("../../../../../fixtures/iac/terraform/basic/main.tf");
const MODULES: &str = include_str!("../../../../../fixtures/iac/terraform/modules/plan.json");
const MODULES_TF: &str = include_str!("../../../../../fixtures/iac/terraform/modules/main.tf");
const MODULES_CI_TF: &str =
    include_str!("../../../../../fixtures/iac/terraform/modules/modules/ci/main.tf");
const MODULES_APP_TF: &str =
    include_str!("../../../../../fixtures/iac/terraform/modules/modules/app/main.tf");

fn file(path: &str, text: &str) -> InputFile {
    InputFile {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn settings() -> Settings {
    Settings {
        account_id: "111122223333".into(),
        ..Settings::default()
    }
}

fn read_plan(path: &str, text: &str) -> IacSet {
    let mut set = IacSet::default();
    read(&file(path, text), &settings(), &mut set).unwrap();
    set
}

fn role<'s>(set: &'s IacSet, name: &str) -> &'s RoleDetail {
    set.snapshot
        .roles
        .iter()
        .find(|r| r.role_name == name)
        .unwrap()
}

fn attached(list: &[overreach_snapshot::AttachedPolicy]) -> Vec<&str> {
    list.iter().map(|p| p.policy_arn.as_str()).collect()
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap()
}

fn has_note(set: &IacSet, kind: NoteKind, needle: &str) -> bool {
    set.notes
        .iter()
        .any(|n| n.kind == kind && n.message.contains(needle))
}

#[test]
fn sniffs_plans_and_not_other_json() {
    assert!(sniff(&file("plan.json", BASIC)));
    assert!(sniff(&file(
        "p.json",
        r#"{"format_version":"1.2","terraform_version":"1.9.5"}"#
    )));
    assert!(!sniff(&file(
        "s.json",
        r#"{"overreach": {"format_version": 1}, "RoleDetailList": []}"#
    )));
    assert!(!sniff(&file(
        "t.json",
        r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}"#
    )));
    assert!(!sniff(&file("a.json", "[1, 2]")));
}

#[test]
fn roles_policies_and_attachments_after_apply() {
    let set = read_plan("basic/plan.json", BASIC);
    let deploy = role(&set, "deploy");
    assert_eq!(deploy.arn, "arn:aws:iam::111122223333:role/ci/deploy");
    assert_eq!(deploy.path.as_deref(), Some("/ci/"));
    assert_eq!(deploy.tags[0].key, "declared-role");
    let trust = deploy.assume_role_policy_document.as_ref().unwrap().value();
    assert_eq!(trust["Statement"][0]["Sid"], "GitHubActions");
    // the policy's ARN is known only after apply: computed from its name and path
    assert_eq!(
        attached(&deploy.attached_managed_policies),
        vec![
            "arn:aws:iam::111122223333:policy/deploy-s3",
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]
    );
    let policy = set
        .snapshot
        .policies
        .iter()
        .find(|p| p.name() == "deploy-s3")
        .unwrap();
    assert_eq!(policy.arn, "arn:aws:iam::111122223333:policy/deploy-s3");
    let doc = policy
        .default_version()
        .unwrap()
        .document
        .as_ref()
        .unwrap()
        .value();
    assert_eq!(
        doc["Statement"][0]["Resource"],
        "arn:aws:s3:::example-artifacts/*"
    );
    assert_eq!(
        deploy.instance_profile_list[0].arn,
        "arn:aws:iam::111122223333:instance-profile/deploy"
    );
}

#[test]
fn deletes_are_dropped() {
    let set = read_plan("basic/plan.json", BASIC);
    let all: Vec<&str> = set
        .snapshot
        .roles
        .iter()
        .flat_map(|r| attached(&r.attached_managed_policies))
        .collect();
    assert!(
        !all.contains(&"arn:aws:iam::aws:policy/AdministratorAccess"),
        "{all:?}"
    );
}

#[test]
fn unknown_role_and_policy_document_resolve_through_references() {
    let set = read_plan("basic/plan.json", BASIC);
    // `role = aws_iam_role.deploy.id` (unknown) and `policy = data.…logs.json` (read at apply)
    let logs = &role(&set, "deploy").role_policy_list[0];
    assert_eq!(logs.policy_name, "logs");
    let doc = logs.policy_document.value();
    assert_eq!(
        doc["Statement"][0],
        json!({"Sid": "Write", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": ["${unresolved:aws_cloudwatch_log_group.app.arn}"]})
    );
    assert_eq!(doc["Statement"][1]["Resource"], json!(["*"]));
    // the statements are located at the data source
    let id = "arn:aws:iam::111122223333:role/ci/deploy#inline/logs";
    let loc = &set.locations.policies[id];
    assert_eq!(
        loc.at.line,
        line_of(BASIC, r#""address": "aws_iam_role_policy.logs""#)
    );
    let ds_line = line_of(BASIC, r#""address": "data.aws_iam_policy_document.logs""#);
    assert_eq!(
        loc.statements.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![ds_line, ds_line]
    );
}

#[test]
fn name_prefix_gets_the_address_as_a_stable_name() {
    let set = read_plan("basic/plan.json", BASIC);
    let worker = role(&set, "aws_iam_role.worker");
    assert_eq!(
        worker.arn,
        "arn:aws:iam::111122223333:role/aws_iam_role.worker"
    );
    assert!(has_note(
        &set,
        NoteKind::Unresolved,
        "`aws_iam_role.worker` is chosen from `name_prefix`"
    ));
    assert_eq!(worker.role_policy_list[0].policy_name, "queue");
    // inline `managed_policy_arns`, and the exclusive attachment through the resolved name
    assert_eq!(
        attached(&worker.attached_managed_policies),
        vec![
            "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        ]
    );
}

#[test]
fn users_groups_and_memberships() {
    let set = read_plan("basic/plan.json", BASIC);
    let alice = set
        .snapshot
        .users
        .iter()
        .find(|u| u.user_name == "alice")
        .unwrap();
    assert_eq!(alice.group_list, vec!["devs"]);
    assert_eq!(alice.user_policy_list[0].policy_name, "self-service");
    assert_eq!(
        alice
            .permissions_boundary
            .as_ref()
            .unwrap()
            .permissions_boundary_arn,
        "arn:aws:iam::111122223333:policy/boundary"
    );
    assert_eq!(
        attached(&alice.attached_managed_policies),
        vec![
            "arn:aws:iam::aws:policy/IAMUserChangePassword",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        ]
    );
    let devs = set
        .snapshot
        .groups
        .iter()
        .find(|g| g.group_name == "devs")
        .unwrap();
    assert_eq!(devs.arn, "arn:aws:iam::111122223333:group/devs");
    // `group = aws_iam_group.devs.id`, unknown, resolved; a single statement object
    assert_eq!(
        devs.group_policy_list[0].policy_document.value()["Statement"]["Action"],
        "ec2:Describe*"
    );
    assert_eq!(
        attached(&devs.attached_managed_policies),
        vec!["arn:aws:iam::aws:policy/AWSCodeCommitReadOnly"]
    );
}

#[test]
fn referenced_principals_outside_the_plan_are_stubs() {
    let set = read_plan("basic/plan.json", BASIC);
    let existing = role(&set, "existing-role");
    assert_eq!(
        attached(&existing.attached_managed_policies),
        vec!["arn:aws:iam::111122223333:policy/deploy-s3"]
    );
    let bob = set
        .snapshot
        .users
        .iter()
        .find(|u| u.user_name == "bob")
        .unwrap();
    assert_eq!(bob.group_list, vec!["devs"]);
    let stubs: Vec<&str> = set.stubs.iter().map(String::as_str).collect();
    assert_eq!(
        stubs,
        vec![
            "arn:aws:iam::111122223333:role/existing-role",
            "arn:aws:iam::111122223333:user/bob"
        ]
    );
    assert!(has_note(
        &set,
        NoteKind::External,
        "to role `existing-role`, which the plan does not define"
    ));
    let note = set
        .notes
        .iter()
        .find(|n| n.message.contains("existing-role"))
        .unwrap();
    assert_eq!(
        note.location.line,
        line_of(
            BASIC,
            r#""address": "aws_iam_role_policy_attachment.existing""#
        )
    );
}

#[test]
fn locations_in_the_plan() {
    let set = read_plan("basic/plan.json", BASIC);
    let at = &set.locations.principals["arn:aws:iam::111122223333:role/ci/deploy"];
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("basic/plan.json", 9, 22)
    );
    // the trust policy's statements are in a data source read while planning (prior_state)
    let trust = &set.locations.policies["arn:aws:iam::111122223333:role/ci/deploy#trust"];
    let ds = set
        .locations
        .statement("arn:aws:iam::111122223333:role/ci/deploy#trust", 0)
        .unwrap();
    assert_eq!(trust.at.line, 9);
    assert!(
        ds.line > 1000,
        "prior_state comes after planned_values: {}",
        ds.line
    );
}

#[test]
fn single_line_plans_are_located_by_column() {
    let value: Value = serde_json::from_str(BASIC).unwrap();
    let text = serde_json::to_string(&value).unwrap();
    let set = read_plan("plan.json", &text);
    let at = &set.locations.principals["arn:aws:iam::111122223333:role/ci/deploy"];
    let expected = text.find(r#""aws_iam_role.deploy""#).unwrap() + 1;
    assert_eq!((at.line, at.column as usize), (1, expected));
}

#[test]
fn locations_in_tf_sources() {
    let plan = file("infra/plan.json", BASIC);
    let sources = [plan.clone(), file("infra/main.tf", BASIC_TF)];
    let mut set = IacSet::default();
    read_with_sources(&plan, &sources, &settings(), &mut set).unwrap();
    let at = &set.locations.principals["arn:aws:iam::111122223333:role/ci/deploy"];
    assert_eq!(
        (at.file.as_str(), at.line),
        (
            "infra/main.tf",
            line_of(BASIC_TF, r#"resource "aws_iam_role" "deploy""#)
        )
    );
    let logs = &set.locations.policies["arn:aws:iam::111122223333:role/ci/deploy#inline/logs"];
    let ds = line_of(BASIC_TF, r#"data "aws_iam_policy_document" "logs""#);
    assert_eq!(
        logs.statements.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![ds + 1, ds + 6]
    );
    let trust = set
        .locations
        .statement("arn:aws:iam::111122223333:role/ci/deploy#trust", 0)
        .unwrap();
    assert_eq!(trust.line, line_of(BASIC_TF, "statement {"));
    assert_eq!(
        locate_in_tf_sources(&sources, "aws_iam_user.alice")
            .unwrap()
            .line,
        line_of(BASIC_TF, r#""aws_iam_user" "alice""#)
    );
}

#[test]
fn modules_indexes_outputs_and_variables() {
    let plan = file("plan.json", MODULES);
    let sources = [
        file("main.tf", MODULES_TF),
        file("modules/ci/main.tf", MODULES_CI_TF),
        file("modules/app/main.tf", MODULES_APP_TF),
    ];
    let mut set = IacSet::default();
    read_with_sources(&plan, &sources, &settings(), &mut set).unwrap();
    let ci = role(&set, "ci");
    // `role = module.ci.role_name` → output `aws_iam_role.this.id` in the module instance
    assert_eq!(
        attached(&ci.attached_managed_policies),
        vec!["arn:aws:iam::111122223333:policy/extra-1"]
    );
    // `permissions_boundary = var.boundary_arn` ← the caller's `aws_iam_policy.boundary.arn`
    assert_eq!(
        ci.permissions_boundary
            .as_ref()
            .unwrap()
            .permissions_boundary_arn,
        "arn:aws:iam::111122223333:policy/boundary"
    );
    assert_eq!(
        ci.role_policy_list[0].policy_document.value()["Statement"][0]["Action"],
        "s3:ListBucket"
    );
    let at = &set.locations.principals[&ci.arn];
    assert_eq!((at.file.as_str(), at.line), ("modules/ci/main.tf", 5));
    let stmt = set
        .locations
        .statement(&format!("{}#inline/ci", ci.arn), 0)
        .unwrap();
    assert_eq!((stmt.file.as_str(), stmt.line), ("modules/ci/main.tf", 12));
    for name in ["app-reader", "app-writer"] {
        let r = role(&set, name);
        assert_eq!(set.locations.principals[&r.arn].file, "modules/app/main.tf");
        // `role = module.app[each.key].role_name`: never guessed
        assert!(r.attached_managed_policies.is_empty());
    }
    assert!(has_note(
        &set,
        NoteKind::Unresolved,
        "`role` of `aws_iam_role_policy_attachment.app[\"reader\"]` is known only after apply (it depends on `module.app, each.key`)"
    ));
    assert_eq!(set.snapshot.policies.len(), 3);
    assert!(set.stubs.is_empty());
}
