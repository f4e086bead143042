//! Intrinsic functions, resolved and not, in short and long form.

use serde_json::{Value, json};

use super::{ACCOUNT, notes, read_err, read_ok, read_with, role};
use crate::model::{IacSet, NoteKind, Settings};

/// A template whose role `r` has one statement with `Resource: EXPR`.
pub(super) fn template(expr: &str) -> String {
    format!(
        r#"Parameters:
  Env: {{Type: String, Default: prod}}
  NoDefault: {{Type: String}}
  Names: {{Type: CommaDelimitedList, Default: "a,b,c"}}
  Ssm: {{Type: "AWS::SSM::Parameter::Value<String>", Default: /team/bucket}}
Mappings:
  Accounts:
    prod: {{Id: "111122223333", Buckets: [b1, b2]}}
    "123": {{Id: x}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition IsDev, !Condition Unknown]
  Unknown: !Equals [!Ref NoDefault, x]
  Unknown2: !Equals [!Ref AWS::StackName, x]
Resources:
  Bucket: {{Type: AWS::S3::Bucket}}
  Other:
    Type: AWS::IAM::Role
    Properties: {{RoleName: other}}
  Pol:
    Type: AWS::IAM::ManagedPolicy
    Properties: {{ManagedPolicyName: mp, Path: /p/, PolicyDocument: {{Statement: []}}}}
  R:
    Type: AWS::IAM::Role
    Properties:
      RoleName: r
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: {expr}
"#
    )
}

/// The line of `Resource:` in [`template`].
pub(super) const LINE: u32 = 35;

pub(super) fn statements_with(expr: &str, settings: &Settings) -> (Value, IacSet) {
    let set = read_with("t.yaml", &template(expr), settings).unwrap_or_else(|e| panic!("{e}"));
    let doc = role(&set, "r").role_policy_list[0]
        .policy_document
        .0
        .clone();
    (doc["Statement"].clone(), set)
}

/// The `Resource` of the statement, and the set.
pub(super) fn resource(expr: &str) -> (Value, IacSet) {
    let (statements, set) = statements_with(expr, &Settings::default());
    assert_eq!(statements.as_array().map(Vec::len), Some(1), "{statements}");
    (statements[0]["Resource"].clone(), set)
}

fn resolved(expr: &str) -> Value {
    let (v, set) = resource(expr);
    assert!(set.notes.is_empty(), "{expr}: {:?}", set.notes);
    v
}

/// The value and the one unresolved note, which must be on [`LINE`] and mention `says`.
fn unresolved(expr: &str, says: &str) -> Value {
    let (v, set) = resource(expr);
    let found = notes(&set, NoteKind::Unresolved);
    assert_eq!(found.len(), 1, "{expr}: {found:?}");
    assert_eq!(found[0].0, LINE, "{expr}");
    assert!(found[0].1.contains(says), "{expr}: {}", found[0].1);
    v
}

#[test]
fn the_skeleton_line_is_right() {
    assert_eq!(
        template("X").lines().nth(LINE as usize - 1),
        Some("                Resource: X")
    );
}

#[test]
fn ref_parameters_and_pseudo_parameters() {
    let expr =
        r#"!Sub "${AWS::Partition}|${AWS::Region}|${AWS::AccountId}|${AWS::URLSuffix}|${Env}""#;
    assert_eq!(
        resolved(expr),
        json!("aws|us-east-1|000000000000|amazonaws.com|prod")
    );
    let mut settings = Settings {
        partition: "aws-cn".into(),
        region: "cn-north-1".into(),
        account_id: "123456789012".into(),
        ..Settings::default()
    };
    settings.parameters.insert("Env".into(), "dev".into());
    settings
        .parameters
        .insert("AWS::StackName".into(), "app".into());
    let (s, set) = statements_with(&format!("[{expr}, !Ref AWS::StackName]"), &settings);
    assert_eq!(
        s[0]["Resource"],
        json!(["aws-cn|cn-north-1|123456789012|amazonaws.com.cn|dev", "app"])
    );
    assert!(set.notes.is_empty(), "{:?}", set.notes);
    assert_eq!(resolved("!Select [2, !Ref Names]"), json!("c"));
}

#[test]
fn ref_and_get_att_of_iam_resources() {
    let v = resolved(
        "[!Ref Other, !GetAtt Other.Arn, !GetAtt [Other, Arn], !Ref Pol, !GetAtt Pol.PolicyArn, !Sub '${Other.Arn}/x']",
    );
    let role = format!("{ACCOUNT}:role/other");
    let policy = format!("{ACCOUNT}:policy/p/mp");
    assert_eq!(
        v,
        json!(["other", role, role, policy, policy, format!("{role}/x")])
    );
}

#[test]
fn sub_forms() {
    let v = resolved(r#"!Sub "${!Literal}-${Env}-${!aws:username}""#);
    assert_eq!(v, json!("${Literal}-prod-${aws:username}"));
    assert_eq!(
        resolved(r#"!Sub ["${A}-${Env}-${B}", {A: !Ref Other, B: literal}]"#),
        json!("other-prod-literal")
    );
    assert_eq!(
        resolved("!Sub \"no variables, ${unclosed\""),
        json!("no variables, ${unclosed")
    );
}

#[test]
fn multi_line_sub_block() {
    let text = template(
        "!Sub |\n                  arn:${AWS::Partition}:s3:::${Env}-a\n                  ",
    )
    .replace("Resource: !Sub |", "Resource: !Sub |-");
    let set = read_with("t.yaml", &text, &Settings::default()).unwrap();
    let doc = &role(&set, "r").role_policy_list[0].policy_document.0;
    assert_eq!(
        doc["Statement"][0]["Resource"],
        json!("arn:aws:s3:::prod-a")
    );
}

#[test]
fn join_select_split() {
    let v = resolved(
        r#"!Join [":", [a, !Select [1, !Split [",", "x,y,z"]], !Select ["0", !Ref Names], 7]]"#,
    );
    assert_eq!(v, json!("a:y:a:7"));
}

#[test]
fn find_in_map() {
    assert_eq!(
        resolved("!FindInMap [Accounts, !Ref Env, Id]"),
        json!("111122223333")
    );
    assert_eq!(resolved("!FindInMap [Accounts, '123', Id]"), json!("x"));
    assert_eq!(
        resolved("!FindInMap [Accounts, prod, Buckets]"),
        json!(["b1", "b2"])
    );
    assert_eq!(
        resolved("!FindInMap [Accounts, dev, Id, {DefaultValue: none}]"),
        json!("none")
    );
}

#[test]
fn if_with_determined_conditions() {
    assert_eq!(resolved("!If [IsProd, a, b]"), json!("a"));
    assert_eq!(resolved("!If [IsDev, a, b]"), json!("b"));
    assert_eq!(resolved("!If [Both, a, b]"), json!("a"));
    // Or(false, unknown) is unknown, but both branches are equal: no fork, no note about it
    let (v, set) = resource("!If [Either, a, a]");
    assert_eq!(v, json!("a"));
    assert!(
        set.notes.iter().all(|n| !n.message.contains("Either")),
        "{:?}",
        set.notes
    );
    assert_eq!(
        resolved("[x, !If [IsDev, a, !Ref AWS::NoValue]]"),
        json!(["x"])
    );
}

#[test]
fn base64_and_equals_as_values() {
    assert_eq!(resolved("!Base64 abc"), json!("YWJj"));
    assert_eq!(resolved("!Join ['', [!Equals [a, a]]]"), json!("true"));
}

#[test]
fn unresolvable_values_become_variables_with_notes() {
    let cases = [
        (
            "!Ref NoDefault",
            "${unresolved:parameter_NoDefault}",
            "pass `--parameter NoDefault=VALUE`",
        ),
        (
            "!Ref Ssm",
            "${unresolved:parameter_Ssm}",
            "SSM parameter `/team/bucket`",
        ),
        (
            "!Ref AWS::StackName",
            "${unresolved:Ref_AWS::StackName}",
            "known only at deployment",
        ),
        (
            "!GetAtt Bucket.Arn",
            "${unresolved:GetAtt_Bucket.Arn}",
            "`AWS::S3::Bucket`",
        ),
        (
            "!Sub '${Bucket.Arn}/*'",
            "${unresolved:GetAtt_Bucket.Arn}/*",
            "`Bucket.Arn`",
        ),
        (
            "!Ref Bucket",
            "${unresolved:Ref_Bucket}",
            "known only at deployment",
        ),
        (
            "!GetAtt Other.RoleId",
            "${unresolved:GetAtt_Other.RoleId}",
            "`Other.RoleId`",
        ),
        (
            "!ImportValue shared-bucket",
            "${unresolved:ImportValue_shared-bucket}",
            "another stack's export",
        ),
        (
            "!Select [0, !GetAZs '']",
            "${unresolved:GetAZs}",
            "not evaluated",
        ),
        (
            "!Join ['', ['arn:aws:s3:::', !Ref NoDefault]]",
            "arn:aws:s3:::${unresolved:parameter_NoDefault}",
            "no default",
        ),
        (
            "!FindInMap [Accounts, !Ref NoDefault, Id]",
            "${unresolved:parameter_NoDefault}",
            "no default",
        ),
        (
            "!Base64 {Ref: NoDefault}",
            "${unresolved:parameter_NoDefault}",
            "no default",
        ),
        (
            "!Cidr [10.0.0.0/16, 4, 8]",
            "${unresolved:Cidr}",
            "not evaluated",
        ),
    ];
    for (expr, value, says) in cases {
        let v = if expr.starts_with("!Base64") {
            // two notes: the parameter, then the function
            let (v, set) = resource(expr);
            assert_eq!(notes(&set, NoteKind::Unresolved).len(), 2);
            assert_eq!(v, json!("${unresolved:Base64}"));
            continue;
        } else {
            unresolved(expr, says)
        };
        assert_eq!(v, json!(value), "{expr}");
    }
}

#[test]
fn no_value_removes_properties() {
    let text = template("[a, !Ref AWS::NoValue]").replace(
        "RoleName: r\n",
        "RoleName: r\n      PermissionsBoundary: !If [IsDev, x, !Ref AWS::NoValue]\n",
    );
    let set = read_ok("t.yaml", &text);
    let r = role(&set, "r");
    assert!(r.permissions_boundary.is_none());
    assert_eq!(
        r.role_policy_list[0].policy_document.0["Statement"][0]["Resource"],
        json!(["a"])
    );
}

#[test]
fn long_forms_in_json() {
    let text = r#"{"Parameters": {"Env": {"Type": "String", "Default": "prod"}},
 "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
 "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Sub": "r-${Env}"},
   "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*",
     "Resource": [{"Fn::If": ["IsProd", {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b"]]}, "x"]},
                  {"Fn::Select": [0, {"Fn::Split": ["/", {"Fn::GetAtt": ["R", "Arn"]}]}]}]}]}}]}}}}"#;
    let set = read_ok("t.json", text);
    let r = role(&set, "r-prod");
    assert_eq!(
        r.role_policy_list[0].policy_document.0["Statement"][0]["Resource"],
        json!(["arn:aws:s3:::b", format!("{ACCOUNT}:role")])
    );
}

#[test]
fn intrinsic_errors_have_positions() {
    let cases = [
        ("!Join [a]", "`Fn::Join` takes"),
        ("!Select [5, [a]]", "index 5 is beyond"),
        (
            "!Ref Nope",
            "`Nope`, which is neither a parameter nor a resource",
        ),
        ("!GetAtt Nope.Arn", "not a resource of the template"),
        ("!If [Missing, a, b]", "condition `Missing` is not defined"),
        ("!If [IsProd, a]", "`Fn::If` takes"),
        ("!Foo x", "unknown tag `!Foo`"),
        ("{'Fn::Foo': x}", "unknown intrinsic function `Fn::Foo`"),
        ("!Ref AWS::Nope", "not a pseudo parameter"),
        ("!FindInMap [Nope, a, b]", "mapping `Nope`"),
        (
            "!FindInMap [Accounts, prod, Nope]",
            "has no `prod` / `Nope`",
        ),
        ("!Sub ['${A}', {A: [x]}]", "is not a string"),
        ("!Split ['', x]", "non-empty"),
    ];
    for (expr, says) in cases {
        let e = read_err(&template(expr));
        assert_eq!(e.line, LINE, "{expr}: {e}");
        assert!(e.column > 1, "{expr}: {e}");
        assert!(e.message.contains(says), "{expr}: {e}");
    }
}

#[test]
fn cycles_are_errors() {
    let names = "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties: {RoleName: !Sub '${B}-a'}\n  B:\n    Type: AWS::IAM::Role\n    Properties: {RoleName: !Ref A}\n";
    let e = read_err(names);
    assert!(
        e.message.contains("circular reference: `A` → `B` → `A`"),
        "{e}"
    );
    let conds = "Conditions:\n  C1: !Condition C2\n  C2: !Not [!Condition C1]\nResources:\n  A:\n    Type: AWS::IAM::Role\n    Condition: C1\n";
    let e = read_err(conds);
    assert!(e.message.contains("circular reference"), "{e}");
    assert_eq!(e.line, 3);
}
