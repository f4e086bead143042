//! Hostile and broken templates: errors with positions, never a panic, a hang or a memory
//! blow-up.

use std::time::{Duration, Instant};

use super::{BASIC_JSON, BASIC_YAML, read_err, read_ok};

/// Fails when reading takes longer than `limit` (generous: debug builds, shared machines).
fn quick<T>(limit: u64, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(limit),
        "took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn alias_bomb() {
    let mut text = String::from("Resources:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        text.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let e = quick(5, || read_err(&text));
    assert!(e.message.contains("billion laughs"), "{e}");
    assert!(e.line >= 2, "{e}");
}

#[test]
fn deep_nesting() {
    let json = format!("{{\"Resources\": {}", "[".repeat(200_000));
    let e = quick(5, || read_err(&json));
    assert!(e.message.contains("nesting deeper than 512"), "{e}");
    assert_eq!(e.line, 1);
    let yaml = format!("Resources: {}", "[".repeat(200_000));
    let e = quick(5, || read_err(&yaml));
    assert!(e.message.contains("nesting deeper than"), "{e}");
    let mut block = String::from("Resources:\n");
    for i in 1..400 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    let e = quick(5, || read_err(&block));
    assert!(e.message.contains("nesting deeper than 256"), "{e}");
}

#[test]
fn deep_but_legal_values_stop_at_the_evaluation_limit() {
    // a 400-deep list inside a policy is valid JSON but beyond the evaluator's depth
    let doc = format!("{}\"x\"{}", "[".repeat(400), "]".repeat(400));
    let text = format!(
        r#"{{"Resources": {{"R": {{"Type": "AWS::IAM::Role", "Properties": {{"Tags": {doc}}}}}}}}}"#
    );
    let e = quick(5, || read_err(&text));
    assert!(e.message.contains("nest deeper than"), "{e}");
}

#[test]
fn duplicate_keys() {
    let e =
        read_err("Resources:\n  R:\n    Type: AWS::IAM::Role\n  R:\n    Type: AWS::IAM::User\n");
    assert_eq!((e.line, e.column), (4, 3));
    assert!(
        e.message.contains("duplicate key `R` (first at line 2)"),
        "{e}"
    );
    let e = read_err(
        "{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Type\": \"AWS::IAM::User\"}}}",
    );
    assert_eq!((e.line, e.column), (1, 48));
    let statement = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Deny\n                Effect: Allow\n";
    assert_eq!(read_err(statement).line, 10);
}

#[test]
fn wrong_types() {
    let cases = [
        ("Resources: [a]\n", 1, "`Resources` must be a map"),
        ("Resources:\n  R: [a]\n", 2, "resource `R` must be a map"),
        (
            "Resources:\n  R:\n    Type: [AWS::IAM::Role]\n",
            3,
            "`Type` of resource `R` must be a string",
        ),
        ("Resources:\n  R:\n    Properties: {}\n", 2, "has no `Type`"),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: [a]\n",
            4,
            "`Properties` of resource `R` must be a map",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Condition: [a]\n",
            4,
            "must name a condition",
        ),
        ("- a\n- b\n", 1, "a template must be a map"),
        (
            "Parameters: [a]\nResources: {}\n",
            1,
            "`Parameters` must be a map",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: p}\n",
            2,
            "has no `PolicyDocument`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyDocument: {}}\n",
            2,
            "has no `PolicyName`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {Policies: {a: b}}\n",
            4,
            "must be a list",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {Policies: [a]}\n",
            4,
            "`PolicyName` and `PolicyDocument`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {AssumeRolePolicyDocument: [a]}\n",
            4,
            "must be a map with `Statement`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {AssumeRolePolicyDocument: '{no'}\n",
            4,
            "not JSON",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {RoleName: !Ref [a]}\n",
            4,
            "`Ref` takes the name",
        ),
    ];
    for (text, line, says) in cases {
        let e = read_err(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.message.contains(says), "{text}: {e}");
        assert!(
            e.message.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{e}"
        );
    }
}

#[test]
fn truncated_files() {
    for (path, text) in [("t.json", BASIC_JSON), ("t.yaml", BASIC_YAML)] {
        for cut in [text.len() / 3, text.len() / 2, text.len() - 3] {
            let part = &text[..cut];
            let Err(e) = super::read_with(path, part, &crate::model::Settings::default()) else {
                // a YAML prefix can be a smaller valid template; it must then read
                assert!(path.ends_with("yaml"), "{path} cut at {cut} read");
                continue;
            };
            assert!(e.line > 0 && e.column > 0, "{path} cut at {cut}: {e}");
        }
    }
    let e = read_err(&BASIC_JSON[..BASIC_JSON.len() / 2]);
    assert!(e.message.contains("truncated"), "{e}");
}

#[test]
fn not_utf8() {
    let file = crate::model::InputFile {
        path: "t.yaml".into(),
        bytes: vec![b'a', b':', 0xff],
    };
    let e = crate::cfn::read(
        &file,
        &crate::model::Settings::default(),
        &mut Default::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("not UTF-8"), "{e}");
}

#[test]
fn doubling_names_hit_the_budget() {
    // each name is its predecessor twice: 2^31 bytes if nothing stopped it
    let mut text = String::from(
        "Resources:\n  R0:\n    Type: AWS::IAM::Role\n    Properties: {RoleName: abcdefghijklmnop}\n",
    );
    for i in 1..31 {
        let p = i - 1;
        text.push_str(&format!("  R{i}:\n    Type: AWS::IAM::Role\n    Properties: {{RoleName: !Join ['', [!Ref R{p}, !Ref R{p}]]}}\n"));
    }
    let e = quick(20, || read_err(&text));
    assert!(e.message.contains("far more data"), "{e}");
}

#[test]
fn one_policy_on_many_principals_hits_the_budget() {
    let statement = format!(
        "{{Effect: Allow, Action: s3:GetObject, Resource: '{}'}}",
        "x".repeat(200_000)
    );
    let mut text = format!(
        "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: p\n      PolicyDocument: {{Statement: [{statement}]}}\n      Roles:\n"
    );
    for i in 0..2000 {
        text.push_str(&format!("        - r{i}\n"));
    }
    let e = quick(20, || read_err(&text));
    assert!(e.message.contains("far more data"), "{e}");
}

#[test]
fn long_reference_chains_are_refused() {
    // each name from the next one's: resolving R0 follows the whole chain
    let mut text = String::from("Resources:\n");
    for i in 0..100 {
        let n = i + 1;
        text.push_str(&format!(
            "  R{i}:\n    Type: AWS::IAM::Role\n    Properties: {{RoleName: !Sub '${{R{n}}}x'}}\n"
        ));
    }
    text.push_str("  R100:\n    Type: AWS::IAM::Role\n");
    let e = quick(5, || read_err(&text));
    assert!(e.message.contains("chain through more than"), "{e}");
}

#[test]
fn large_templates_read_in_linear_time() {
    // ~4 MB each (CloudFormation's own limit is 1 MB); a quadratic step would take minutes
    read_large(12_000);
}

// 100 MB templates are a benchmark, not a test:
// `cargo run --release -p overreach-iac --example large_templates`.

fn read_large(roles: usize) {
    let mut yaml = String::from("Resources:\n");
    let mut json = Vec::new();
    for i in 0..roles {
        yaml.push_str(&format!(
            "  Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - {{Effect: Allow, Action: [s3:GetObject, s3:PutObject], Resource: !Sub 'arn:${{AWS::Partition}}:s3:::bucket-{i}/*'}}\n      ManagedPolicyArns: [!Ref Shared]\n"
        ));
        json.push(format!(
            r#""Role{i}": {{"Type": "AWS::IAM::Role", "Properties": {{"Policies": [{{"PolicyName": "p", "PolicyDocument": {{"Statement": [{{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": {{"Fn::Sub": "arn:${{AWS::Partition}}:s3:::bucket-{i}/*"}}}}]}}}}], "ManagedPolicyArns": [{{"Ref": "Shared"}}]}}}}"#
        ));
    }
    yaml.push_str("  Shared:\n    Type: AWS::IAM::ManagedPolicy\n    Properties: {PolicyDocument: {Statement: []}}\n");
    json.push(r#""Shared": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": []}}}"#.into());
    let json = format!("{{\"Resources\": {{{}}}}}", json.join(",\n"));
    for (path, text) in [("big.yaml", yaml), ("big.json", json)] {
        let start = Instant::now();
        let set = quick(120, || read_ok(path, &text));
        eprintln!("{path}: {} MB in {:?}", text.len() >> 20, start.elapsed());
        assert_eq!(set.snapshot.roles.len(), roles, "{path}");
        assert_eq!(set.locations.policies.len(), roles + 1, "{path}");
    }
}

#[test]
fn random_mutations_never_panic() {
    // flip, drop and duplicate bytes of the fixtures: every outcome is Ok or a positioned error
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (path, text) in [("t.yaml", BASIC_YAML), ("t.json", BASIC_JSON)] {
        for _ in 0..300 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let i = (next() as usize) % bytes.len();
                match next() % 3 {
                    0 => bytes[i] = b"{}[]:,-!&*'\"\n #|>"[(next() % 17) as usize],
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, bytes[i]),
                }
            }
            let file = crate::model::InputFile {
                path: path.into(),
                bytes,
            };
            let mut set = Default::default();
            if let Err(e) = crate::cfn::read(&file, &crate::model::Settings::default(), &mut set) {
                assert!(!e.message.is_empty());
            }
        }
    }
}
