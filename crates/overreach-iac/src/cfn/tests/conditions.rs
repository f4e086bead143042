//! `Fn::If` on conditions the template does not determine: statements read per outcome under
//! condition keys, attachments kept, scalars unresolved.

use serde_json::json;

use super::intrinsics::{LINE, statements_with, template};
use super::{ACCOUNT, notes, read_ok, read_with, role};
use crate::model::{NoteKind, Settings};

#[test]
fn undetermined_if_in_a_statement_reads_both_outcomes() {
    let (s, set) = statements_with(
        "!If [Unknown, 'arn:aws:s3:::a', 'arn:aws:s3:::b']",
        &Settings::default(),
    );
    assert_eq!(
        s,
        json!([
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a",
             "Condition": {"Bool": {"unresolved:condition/Unknown": "true"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b",
             "Condition": {"Bool": {"unresolved:condition/Unknown": "false"}}}
        ])
    );
    let id = format!("{ACCOUNT}:role/r#inline/p");
    let lines: Vec<u32> = set.locations.policies[&id]
        .statements
        .iter()
        .map(|l| l.line)
        .collect();
    assert_eq!(lines, [LINE - 2, LINE - 2]);
    let found = notes(&set, NoteKind::Unresolved);
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == LINE && m.contains("condition `Unknown`")),
        "{found:?}"
    );
}

#[test]
fn undetermined_if_around_statements() {
    let text = template("'*'").replace(
        "            Statement:\n",
        "            Statement:\n              - !If\n                - Unknown\n                - {Effect: Deny, Action: '*', Resource: '*', Condition: {Bool: {aws:SecureTransport: false}}}\n                - !Ref AWS::NoValue\n",
    );
    let set = read_with("t.yaml", &text, &Settings::default()).unwrap();
    let doc = &role(&set, "r").role_policy_list[0].policy_document.0;
    assert_eq!(
        doc["Statement"][0]["Condition"],
        json!({"Bool": {"aws:SecureTransport": false, "unresolved:condition/Unknown": "true"}})
    );
    assert_eq!(doc["Statement"][1]["Resource"], json!("*"));
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 2);
    let id = format!("{ACCOUNT}:role/r#inline/p");
    let lines: Vec<u32> = set.locations.policies[&id]
        .statements
        .iter()
        .map(|l| l.line)
        .collect();
    assert_eq!(lines, [LINE - 2, LINE + 2]);
}

#[test]
fn too_many_undetermined_conditions_fall_back_to_variables() {
    let expr =
        "[!If [Unknown, a, b], !If [Unknown2, c, d], !If [Either, e, f], !If [Names2, g, h]]";
    let text = template(expr).replace(
        "  Unknown2:",
        "  Names2: !Equals [!Ref NoDefault, y]\n  Unknown2:",
    );
    let set = read_with("t.yaml", &text, &Settings::default()).unwrap();
    let doc = &role(&set, "r").role_policy_list[0].policy_document.0;
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!([
            "${unresolved:If_Unknown}",
            "${unresolved:If_Unknown2}",
            "${unresolved:If_Either}",
            "${unresolved:If_Names2}"
        ])
    );
}

#[test]
fn undetermined_names_fall_back_to_the_logical_id() {
    let text = template("'*'").replace(
        "RoleName: r\n",
        "RoleName: !If [Unknown, r, r2]\n      Path: !Ref NoDefault\n",
    );
    let set = read_with("t.yaml", &text, &Settings::default()).unwrap();
    let r = &set
        .snapshot
        .roles
        .iter()
        .find(|r| r.role_name == "R")
        .unwrap();
    assert_eq!(r.arn, format!("{ACCOUNT}:role/R"));
    let found = notes(&set, NoteKind::Unresolved);
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 28 && m.contains("logical id `R`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 29 && m.contains("`Path` of `R`")),
        "{found:?}"
    );
}

#[test]
fn resource_conditions() {
    let text = template("'*'").replace(
        "  R:\n    Type: AWS::IAM::Role\n",
        "  R:\n    Type: AWS::IAM::Role\n    Condition: Unknown\n",
    );
    let set = read_with("t.yaml", &text, &Settings::default()).unwrap();
    let doc = &role(&set, "r").role_policy_list[0].policy_document.0;
    assert_eq!(
        doc["Statement"][0]["Condition"],
        json!({"Bool": {"unresolved:condition/Unknown": "true"}})
    );
    assert!(
        notes(&set, NoteKind::Unresolved)
            .iter()
            .any(|(l, m)| *l == 27 && m.contains("created only when"))
    );
    let text = template("'*'").replace(
        "    Properties: {RoleName: other}\n",
        "    Condition: IsDev\n    Properties: {RoleName: other}\n",
    );
    let set = read_ok("t.yaml", &text);
    assert!(set.snapshot.roles.iter().all(|r| r.role_name != "other"));
}

#[test]
fn undetermined_if_around_inline_policies_merges_same_names() {
    let text = template("a").replace(
        "      Policies:\n        - PolicyName: p\n",
        "      Policies:\n        - !If\n          - Unknown\n          - PolicyName: p\n            PolicyDocument: {Statement: {Effect: Allow, Action: 'iam:*', Resource: '*'}}\n          - !Ref AWS::NoValue\n        - PolicyName: p\n",
    );
    let set = read_ok("t.yaml", &text);
    let r = role(&set, "r");
    assert_eq!(r.role_policy_list.len(), 1);
    let s = &r.role_policy_list[0].policy_document.0["Statement"];
    assert_eq!(s[0]["Action"], json!("iam:*"));
    assert_eq!(
        s[0]["Condition"],
        json!({"Bool": {"unresolved:condition/Unknown": "true"}})
    );
    assert_eq!(s[1]["Resource"], json!("a"));
}

#[test]
fn undetermined_if_around_attachments_keeps_both() {
    let text = template("'*'").replace(
        "RoleName: r\n",
        "RoleName: r\n      ManagedPolicyArns:\n        - !If [Unknown, 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/AdministratorAccess']\n        - !If [IsDev, x, !Ref AWS::NoValue]\n      PermissionsBoundary: !If [Unknown, a, b]\n",
    );
    let set = read_ok("t.yaml", &text);
    let r = role(&set, "r");
    let attached: Vec<_> = r
        .attached_managed_policies
        .iter()
        .map(|a| a.policy_arn.as_str())
        .collect();
    assert_eq!(
        attached,
        [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ]
    );
    let boundary = r.permissions_boundary.as_ref().unwrap();
    assert_eq!(
        boundary.permissions_boundary_arn,
        "${unresolved:If_Unknown}"
    );
    let found = notes(&set, NoteKind::Unresolved);
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 30 && m.contains("attachments kept")),
        "{found:?}"
    );
}
