//! Unit tests of loading and writing snapshots, on the real files in `fixtures/snapshot/`.

use std::path::{Path, PathBuf};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/snapshot")
}

fn load(relative: &str) -> Snapshot {
    let bytes = std::fs::read(fixtures().join(relative)).unwrap();
    Snapshot::from_slice(&bytes).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_loads_and_round_trips() {
    let mut files = Vec::new();
    json_files(&fixtures(), &mut files);
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let snapshot =
            Snapshot::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut written = Vec::new();
        snapshot.to_writer(&mut written).unwrap();
        assert_eq!(
            Snapshot::from_slice(&written).unwrap(),
            snapshot,
            "{}",
            file.display()
        );
    }
}

/// The fast parse (big lists delimited, then parsed on every core) gives what a plain
/// sequential parse gives, for every fixture and for lists written as one object or null.
#[test]
fn parallel_lists_parse_as_sequential() {
    let mut files = Vec::new();
    json_files(&fixtures(), &mut files);
    let mut texts: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    texts.push(br#"{"RoleDetailList": {"RoleName": "r", "Arn": "arn:aws:iam::1:role/r"}, "UserDetailList": null, "Policies": []}"#.to_vec());
    for bytes in texts {
        let sequential: Snapshot = serde_json::from_slice(&bytes).unwrap();
        let parallel = Snapshot::parse(&bytes).unwrap();
        assert_eq!(
            parallel,
            sequential,
            "{}",
            String::from_utf8_lossy(&bytes[..80.min(bytes.len())])
        );
    }
}

#[test]
fn fixture_counts() {
    // (file, users, groups, roles, policies), counted independently with `jq length`.
    let cases = [
        (
            "aws-cli/get-account-authorization-details.example.json",
            3,
            3,
            1,
            3,
        ),
        ("cloudsplaining/example-authz-details.json", 3, 2, 3, 32),
        (
            "cloudsplaining/example_authz_details_for_overrides.json",
            0,
            0,
            0,
            1,
        ),
        (
            "cloudsplaining/example_authz_details_for_overrides_complete.json",
            1,
            1,
            2,
            3,
        ),
        ("cloudsplaining/example_authz_v2.json", 1, 1, 2, 2),
        ("cloudsplaining/managed_policy_mismatch.json", 0, 1, 0, 1),
    ];
    for (file, users, groups, roles, policies) in cases {
        let s = load(file);
        let got = (
            s.users.len(),
            s.groups.len(),
            s.roles.len(),
            s.policies.len(),
        );
        assert_eq!(got, (users, groups, roles, policies), "{file}");
        assert_eq!(s.source(), Source::AwsCli);
    }
}

#[test]
fn aws_cli_example_quirks() {
    let s = load("aws-cli/get-account-authorization-details.example.json");
    // Two groups have `AttachedManagedPolicies` as one object instead of a list.
    let admins = &s.groups[0];
    assert_eq!(admins.group_name, "Admins");
    assert_eq!(
        admins.attached_managed_policies,
        [AttachedPolicy {
            policy_name: Some("AdministratorAccess".into()),
            policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        }]
    );
    assert_eq!(s.groups[1].attached_managed_policies.len(), 1);
    assert!(s.groups[2].attached_managed_policies.is_empty());
    assert_eq!(s.is_truncated, Some(true));
    assert!(s.marker.is_some());
    assert!(s.is_partial());
    let role = &s.roles[0];
    assert_eq!(role.instance_profile_list[0].roles[0].role_name, "EC2role");
    assert_eq!(
        role.role_last_used.as_ref().unwrap().region.as_deref(),
        Some("us-west-2")
    );
    let doc = role.assume_role_policy_document.as_ref().unwrap();
    assert_eq!(
        doc.value()["Statement"][0]["Principal"]["Service"],
        "ec2.amazonaws.com"
    );
    let bob = &s.users[1];
    assert_eq!(
        bob.user_policy_list[0].policy_name,
        "DenyBillingAndIAMPolicy"
    );
    assert_eq!(bob.group_list, ["Admins"]);
}

#[test]
fn null_usage_count_and_missing_lists() {
    let s = load("cloudsplaining/managed_policy_mismatch.json");
    assert!(s.roles.is_empty());
    let s = load("cloudsplaining/example-authz-details.json");
    let nulls = s
        .policies
        .iter()
        .filter(|p| p.permissions_boundary_usage_count.is_none())
        .count();
    assert!(nulls >= 7, "{nulls}");
}

#[test]
fn default_version_prefers_the_id() {
    let s = load("cloudsplaining/example-authz-details.json");
    for p in &s.policies {
        let v = p.default_version().unwrap();
        assert_eq!(v.version_id, p.default_version_id, "{}", p.arn);
        assert!(v.document.is_some());
    }
}

#[test]
fn truncated_file_errors_with_position() {
    let bytes =
        std::fs::read(fixtures().join("aws-cli/get-account-authorization-details.example.json"))
            .unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let err = Snapshot::from_slice(cut).unwrap_err();
    let LoadError::Invalid {
        problem,
        line,
        column,
        ref path,
        ..
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(problem, "the file ends early");
    let text = std::str::from_utf8(cut).unwrap();
    assert_eq!(line, text.lines().count());
    assert!(column > 0);
    // The cut falls inside Bob's inline policy (the file is 8,284 bytes).
    assert!(
        path.starts_with("UserDetailList[1].UserPolicyList[0]"),
        "{path}"
    );
    assert!(
        err.to_string().contains("hint: the file is truncated"),
        "{err}"
    );
}

#[test]
fn wrong_type_errors_with_path_line_and_column() {
    let text = std::fs::read_to_string(
        fixtures().join("aws-cli/get-account-authorization-details.example.json"),
    )
    .unwrap();
    let bad = text.replacen(r#""UserName": "Alice""#, r#""UserName": 5"#, 1);
    let err = Snapshot::from_slice(bad.as_bytes()).unwrap_err();
    let LoadError::Invalid {
        ref path,
        line,
        column,
        ref message,
        ..
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(path, "UserDetailList[0].UserName");
    let expected_line = bad
        .lines()
        .position(|l| l.contains(r#""UserName": 5"#))
        .unwrap()
        + 1;
    assert_eq!(line, expected_line);
    assert!(column > 10, "{column}");
    assert!(message.contains("invalid type: integer `5`"), "{message}");
    assert!(
        err.to_string()
            .contains("`UserDetailList[0].UserName` (line"),
        "{err}"
    );
}

#[test]
fn error_inside_single_object_list_keeps_path() {
    let json = br#"{"GroupDetailList": [{"GroupName": "g", "Arn": "a",
        "AttachedManagedPolicies": {"PolicyName": "P", "PolicyArn": 7}}]}"#;
    let err = Snapshot::from_slice(json).unwrap_err();
    let LoadError::Invalid { ref path, line, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(path, "GroupDetailList[0].AttachedManagedPolicies.PolicyArn");
    assert_eq!(line, 2);
}

#[test]
fn missing_required_field_and_trailing_garbage() {
    let err = Snapshot::from_slice(br#"{"RoleDetailList": [{"RoleName": "r"}]}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `Arn`"), "{err}");
    assert!(err.to_string().contains("`RoleDetailList[0]`"), "{err}");
    let err = Snapshot::from_slice(b"{} {}").unwrap_err();
    assert!(err.to_string().contains("trailing characters"), "{err}");
    let err = Snapshot::from_slice(b"").unwrap_err();
    assert!(err.to_string().contains("ends early"), "{err}");
}

#[test]
fn newer_format_version_is_a_clear_error() {
    let json = br#"{"overreach": {"format_version": 2, "new_required_thing": []},
        "UserDetailList": "a shape from the future"}"#;
    let err = Snapshot::from_slice(json).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::UnsupportedVersion {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade overreach"), "{err}");
}

#[test]
fn encoded_documents_and_extra_sections_load() {
    let json = br#"{
      "overreach": {"format_version": 1, "tool_version": "0.1.0", "account_id": "123456789012",
                    "fetched_at": "2026-01-01T00:00:00Z", "partition": "aws",
                    "source": "overreach-fetch", "some_future_field": true},
      "UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::123456789012:user/u",
        "UserPolicyList": [{"PolicyName": "p",
          "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}],
        "GroupList": null, "Unknown": {"kept": false}}],
      "Policies": [{"Arn": "arn:aws:iam::123456789012:policy/path/boundary",
        "DefaultVersionId": "v2",
        "PolicyVersionList": [
          {"VersionId": "v1", "IsDefaultVersion": false, "Document": "{\"Version\":\"2012-10-17\"}"},
          {"VersionId": "v2", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17"}}]}],
      "errors": [{"api": "GetLoginProfile", "target": "arn:aws:iam::123456789012:user/u",
                  "permission": "iam:GetLoginProfile", "message": "denied", "kind": "denied"}],
      "credential_signals": [{"user_name": "u", "user_arn": "arn:aws:iam::123456789012:user/u",
        "mfa_devices": 1, "access_keys": [{"access_key_id": "AKIAEXAMPLE", "status": "Active"}]}],
      "last_accessed": [{"arn": "arn:aws:iam::123456789012:user/u", "services": [
        {"service_namespace": "s3", "last_authenticated": "2026-01-01T00:00:00Z",
         "actions": [{"action_name": "GetObject"}]}]}],
      "organization": {"id": "o-1", "roots": [{"id": "r-1", "policy_ids": ["p-FullAWSAccess"],
        "organizational_units": [{"id": "ou-1", "accounts": [{"id": "123456789012"}]}]}],
        "policies": [{"id": "p-FullAWSAccess", "policy_type": "SERVICE_CONTROL_POLICY",
                      "document": "{\"Version\":\"2012-10-17\"}"}]}
    }"#;
    let s = Snapshot::from_slice(json).unwrap();
    assert_eq!(s.source(), Source::OverreachFetch);
    assert_eq!(
        s.users[0].user_policy_list[0].policy_document.value()["Statement"],
        serde_json::json!([])
    );
    assert!(s.users[0].group_list.is_empty());
    let policy = s
        .policy("arn:aws:iam::123456789012:policy/path/boundary")
        .unwrap();
    assert_eq!(policy.name(), "boundary");
    assert_eq!(
        policy.default_version().unwrap().version_id.as_deref(),
        Some("v2")
    );
    assert_eq!(s.errors[0].kind, FetchErrorKind::Denied);
    assert!(s.is_partial());
    assert_eq!(s.credential_signals[0].mfa_devices, Some(1));
    assert_eq!(
        s.last_accessed[0].services[0].actions[0].action_name,
        "GetObject"
    );
    let org = s.organization.as_ref().unwrap();
    assert_eq!(
        org.roots[0].organizational_units[0].accounts[0].id,
        "123456789012"
    );
    assert!(org.policies[0].document.is_some());
    // Written back: documents are objects, errors under `Errors`.
    let mut out = Vec::new();
    s.to_writer(&mut out).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(value["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"].is_object());
    assert_eq!(value["Errors"][0]["permission"], "iam:GetLoginProfile");
    assert_eq!(Snapshot::from_slice(&out).unwrap(), s);
}

#[test]
fn from_reader_reads_to_the_end() {
    let s = Snapshot::from_reader(&b"{\"UserDetailList\": []}"[..]).unwrap();
    assert!(s.users.is_empty());
}
