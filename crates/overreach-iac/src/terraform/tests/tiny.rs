//! Reader tests on small plans written in the test: document building, unknowns, errors.

use serde_json::{Value, json};

use super::{file, has_note, read_plan, role, settings};
use crate::terraform::read;
use crate::{IacSet, NoteKind};

/// A minimal plan around `resources` (planned values) and `config` (root module resources).
fn tiny(resources: Value, changes: Value, config: Value) -> String {
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}}
    })
    .to_string()
}

fn res(address: &str, values: Value) -> Value {
    let (rest, data) = match address.strip_prefix("data.") {
        Some(r) => (r, true),
        None => (address, false),
    };
    let (t, n) = rest.split_once('.').unwrap();
    json!({"address": address, "mode": if data {"data"} else {"managed"}, "type": t, "name": n, "values": values})
}

fn change(address: &str, unknown: Value) -> Value {
    json!({"address": address, "change": {"actions": ["create"], "after_unknown": unknown}})
}

fn cfg(address: &str, expressions: Value) -> Value {
    let mut r = res(address, Value::Null);
    r["expressions"] = expressions;
    r
}

#[test]
fn policy_document_built_from_configuration_with_sources_and_principals() {
    let base = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Base","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"Same","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let plan = tiny(
        json!([
            res("aws_iam_role.ci", json!({"name": "ci", "path": "/"})),
            res("aws_iam_role.target", json!({"name": "target"})),
            res("data.aws_iam_policy_document.base", json!({"json": base})),
            // no planned statement values: built from the configuration's blocks
            res("data.aws_iam_policy_document.trust", json!({})),
        ]),
        json!([
            change(
                "aws_iam_role.ci",
                json!({"arn": true, "assume_role_policy": true})
            ),
            change(
                "aws_iam_role.target",
                json!({"arn": true, "assume_role_policy": true})
            ),
            change(
                "data.aws_iam_policy_document.trust",
                json!({"json": true, "source_policy_documents": true, "statement": true})
            ),
        ]),
        json!([
            cfg("aws_iam_role.ci", json!({"name": {"constant_value": "ci"}})),
            cfg(
                "aws_iam_role.target",
                json!({"name": {"constant_value": "target"}, "assume_role_policy": {"references": ["data.aws_iam_policy_document.trust.json", "data.aws_iam_policy_document.trust"]}})
            ),
            cfg(
                "data.aws_iam_policy_document.trust",
                json!({
                    "source_policy_documents": {"references": ["data.aws_iam_policy_document.base.json", "data.aws_iam_policy_document.base"]},
                    "statement": [
                        {"sid": {"constant_value": "Same"}, "actions": {"constant_value": ["sts:AssumeRole"]},
                         "principals": [{"type": {"constant_value": "AWS"}, "identifiers": {"references": ["aws_iam_role.ci.arn", "aws_iam_role.ci"]}}]},
                        {"effect": {"constant_value": "Deny"}, "actions": {"constant_value": ["sts:TagSession"]},
                         "principals": [{"type": {"constant_value": "*"}, "identifiers": {"constant_value": ["*"]}}],
                         "condition": [{"test": {"constant_value": "StringNotEquals"}, "variable": {"constant_value": "aws:PrincipalAccount"}, "values": {"references": ["var.account"]}}]}
                    ]
                })
            ),
        ]),
    );
    let set = read_plan("p.json", &plan);
    let doc = role(&set, "target")
        .assume_role_policy_document
        .as_ref()
        .unwrap()
        .value()
        .clone();
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3, "{doc}");
    assert_eq!(statements[0]["Sid"], "Base");
    // `Same` from the block replaces the source document's, in place
    assert_eq!(statements[1]["Action"], json!(["sts:AssumeRole"]));
    assert_eq!(
        statements[1]["Principal"],
        json!({"AWS": ["arn:aws:iam::111122223333:role/ci"]})
    );
    assert_eq!(statements[2]["Principal"], "*");
    assert_eq!(
        statements[2]["Condition"]["StringNotEquals"]["aws:PrincipalAccount"],
        json!(["${unresolved:var.account}"])
    );
}

#[test]
fn unknown_documents_are_noted_and_never_guessed() {
    let plan = tiny(
        json!([
            res(
                "aws_iam_role.r",
                json!({"name": "r", "assume_role_policy": "{\"Statement\":[]}"})
            ),
            res("aws_iam_role_policy.p", json!({"name": "p", "role": "r"}))
        ]),
        json!([change("aws_iam_role_policy.p", json!({"policy": true}))]),
        json!([cfg(
            "aws_iam_role_policy.p",
            json!({"policy": {"references": ["aws_s3_bucket.b.arn", "aws_s3_bucket.b", "var.x"]}})
        )]),
    );
    let set = read_plan("p.json", &plan);
    let p = &role(&set, "r").role_policy_list[0];
    // kept as a document the analysis cannot parse, so the role comes out inconclusive
    assert_eq!(
        p.policy_document.value(),
        &json!("${unresolved:aws_s3_bucket.b.arn__var.x}")
    );
    assert!(has_note(
        &set,
        NoteKind::Unresolved,
        "`policy` of `aws_iam_role_policy.p` is known only after apply"
    ));
}

fn error_of(text: &str) -> crate::IacError {
    let mut set = IacSet::default();
    read(&file("plan.json", text), &settings(), &mut set).unwrap_err()
}

#[test]
fn errors_have_positions_and_say_what_to_do() {
    let e = error_of("{\"format_version\": \"1.2\",\n \"terraform_version\": }");
    assert_eq!((e.line, e.column), (2, 23));
    assert!(
        e.message.starts_with("the plan is not valid JSON"),
        "{}",
        e.message
    );

    let e = error_of("{\n  \"format_version\": \"2.0\",\n  \"terraform_version\": \"9.0.0\"\n}");
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("`2.0`") && e.message.contains("1.x"),
        "{}",
        e.message
    );

    let bad = tiny(
        json!([res(
            "aws_iam_policy.p",
            json!({"name": "p", "policy": "{\"Statement\": [}"})
        )]),
        json!([]),
        json!([]),
    );
    let e = error_of(&bad);
    assert_eq!(e.line, 1);
    assert!(
        e.message
            .starts_with("`aws_iam_policy.p`: `policy` is not a valid policy document"),
        "{}",
        e.message
    );

    let bad = tiny(
        json!([res(
            "aws_iam_role_policy_attachment.a",
            json!({"role": 7, "policy_arn": "arn:aws:iam::aws:policy/X"})
        )]),
        json!([]),
        json!([]),
    );
    let e = error_of(&bad);
    assert!(
        e.message
            .contains("`role` must be a string, found a number"),
        "{}",
        e.message
    );

    let e = error_of(
        r#"{"format_version": "1.0", "planned_values": {"root_module": {"resources": {}}}}"#,
    );
    assert!(e.message.contains("must be an array"), "{}", e.message);
}

#[test]
fn account_and_partition_come_from_data_sources() {
    let plan = tiny(
        json!([
            res(
                "data.aws_caller_identity.current",
                json!({"account_id": "444455556666"})
            ),
            res("data.aws_partition.current", json!({"partition": "aws-cn"})),
            res("aws_iam_role.r", json!({"name": "r", "path": "/x/"})),
        ]),
        json!([change("aws_iam_role.r", json!({"arn": true}))]),
        json!([]),
    );
    let set = read_plan("p.json", &plan);
    assert_eq!(
        set.snapshot.roles[0].arn,
        "arn:aws-cn:iam::444455556666:role/x/r"
    );
}

#[test]
fn unmodelled_iam_resources_are_noted() {
    let plan = tiny(
        json!([
            res(
                "aws_iam_service_linked_role.es",
                json!({"aws_service_name": "es.amazonaws.com"})
            ),
            res("aws_iam_access_key.k", json!({"user": "u"})),
            res("aws_s3_bucket.b", json!({"bucket": "b"})),
        ]),
        json!([]),
        json!([]),
    );
    let set = read_plan("p.json", &plan);
    assert_eq!(set.notes.len(), 1, "{:?}", set.notes);
    assert!(has_note(
        &set,
        NoteKind::Unsupported,
        "`aws_iam_service_linked_role.es`"
    ));
}

#[test]
fn computed_inline_and_managed_lists_count_only_when_configured() {
    let values = json!({
        "name": "r",
        "assume_role_policy": "{\"Statement\":[]}",
        "inline_policy": [{"name": "old", "policy": "{\"Statement\":[]}"}],
        "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]
    });
    // configured without the two: their values are what AWS reported before the plan
    let configured = tiny(
        json!([res("aws_iam_role.r", values.clone())]),
        json!([]),
        json!([cfg(
            "aws_iam_role.r",
            json!({"name": {"constant_value": "r"}})
        )]),
    );
    let set = read_plan("p.json", &configured);
    assert!(set.snapshot.roles[0].role_policy_list.is_empty());
    assert!(set.snapshot.roles[0].attached_managed_policies.is_empty());
    // no configuration in the plan at all: the values are all there is
    let bare = tiny(json!([res("aws_iam_role.r", values)]), json!([]), json!([]));
    let set = read_plan("p.json", &bare);
    assert_eq!(set.snapshot.roles[0].role_policy_list[0].policy_name, "old");
    assert_eq!(set.snapshot.roles[0].attached_managed_policies.len(), 1);
}

#[test]
fn state_files_are_read_as_they_are() {
    let state = json!({
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {"root_module": {"resources": [res("aws_iam_user.u", json!({"name": "u", "arn": "arn:aws:iam::111122223333:user/u"}))]}}
    });
    let set = read_plan("state.json", &state.to_string());
    assert_eq!(
        set.snapshot.users[0].arn,
        "arn:aws:iam::111122223333:user/u"
    );
}
