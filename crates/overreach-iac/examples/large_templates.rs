//! Reads generated CloudFormation templates of N roles (default 300,000: about 100 MB each, in
//! YAML and in JSON) and prints the time each takes: the readers' size benchmark, which a
//! timed unit test should not be.
//!
//! `cargo run --release -p overreach-iac --example large_templates -- [ROLES]`

use std::process::ExitCode;
use std::time::Instant;

use overreach_iac::{InputFile, Settings};

fn main() -> ExitCode {
    let roles: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300_000);
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
    let mut ok = true;
    for (path, text) in [("big.yaml", yaml), ("big.json", json)] {
        let file = InputFile {
            path: path.into(),
            bytes: text.into_bytes(),
        };
        let start = Instant::now();
        let outcome = overreach_iac::read(std::slice::from_ref(&file), &Settings::default());
        let took = start.elapsed();
        match outcome {
            Ok(set) if set.snapshot.roles.len() == roles => println!(
                "{path}: {} MB, {roles} roles in {took:.2?}",
                file.bytes.len() >> 20
            ),
            Ok(set) => {
                eprintln!(
                    "{path}: read {} roles, expected {roles}",
                    set.snapshot.roles.len()
                );
                ok = false;
            }
            Err(e) => {
                eprintln!("{path}: {e:?}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
