#!/usr/bin/env python3
"""Writes a base/head pair of CloudFormation templates with N IAM resources (default 200) for
the `overreach check` benchmark: roles with inline policies and trust in services, customer
managed policies attached to them, users in groups, AWS managed attachments, declared-role
tags. Head widens one role's iam:PassRole to `*`, attaches AdministratorAccess to a readonly
role and narrows another. Deterministic.

usage: gen_check_pair.py OUT_DIR [N]
"""
import json
import pathlib
import sys

out = pathlib.Path(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
services = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "kms", "ec2", "ecr", "ssm"]
verbs = ["Get*", "List*", "Describe*", "Put*", "Delete*", "Create*", "Update*"]


def template(head: bool) -> dict:
    res = {}
    roles = n // 4          # each role comes with a policy, a managed policy and a user/group
    for i in range(roles):
        svc = services[i % len(services)]
        role = f"Role{i}"
        kind = "agent" if i % 3 else "human"
        declared = ["readonly", "developer", "service"][i % 3]
        managed = []
        if i % 5 == 0:
            managed.append("arn:aws:iam::aws:policy/ReadOnlyAccess")
        if head and i == 3:
            managed.append("arn:aws:iam::aws:policy/AdministratorAccess")
        res[role] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"role-{i}",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"Service": f"{'lambda' if i % 2 else 'ec2'}.amazonaws.com"}, "Action": "sts:AssumeRole"}],
                },
                "ManagedPolicyArns": managed + [{"Ref": f"Managed{i}"}],
                "Tags": [{"Key": "declared-role", "Value": declared}, {"Key": "principal-kind", "Value": kind}],
            },
        }
        actions = [f"{svc}:{v}" for v in verbs[: 2 + i % 5]]
        resource = {"Fn::Sub": f"arn:${{AWS::Partition}}:{svc}:${{AWS::Region}}:${{AWS::AccountId}}:app-{i}-*"}
        if head and i == 7:
            resource = "*"        # narrowing in reverse below; widening here
        statements = [{"Sid": "App", "Effect": "Allow", "Action": actions, "Resource": resource}]
        if i % 4 == 1:
            pass_to = "*" if head and i == 5 else {"Fn::GetAtt": [f"Role{(i + 1) % roles}", "Arn"]}
            statements.append({"Sid": "Pass", "Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": pass_to})
        res[f"Policy{i}"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": f"inline-{i}", "Roles": [{"Ref": role}], "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}},
        }
        res[f"Managed{i}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"ManagedPolicyName": f"managed-{i}", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": [f"{svc}:Describe*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
            ]}},
        }
        if i % 2 == 0:
            res[f"User{i}"] = {"Type": "AWS::IAM::User", "Properties": {"UserName": f"user-{i}", "Groups": [{"Ref": f"Group{i % 10}"}],
                               "Tags": [{"Key": "declared-role", "Value": "developer"}, {"Key": "principal-kind", "Value": "human"}]}}
        else:
            res[f"Group{i}"] = {"Type": "AWS::IAM::Group", "Properties": {"GroupName": f"group-{i}", "ManagedPolicyArns": [{"Ref": f"Managed{i}"}]}}
    for g in range(10):
        res.setdefault(f"Group{g}", {"Type": "AWS::IAM::Group", "Properties": {"GroupName": f"group-{g}"}})
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": res}


config = """[roles.readonly]
access_levels = ["List", "Read"]
[roles.developer]
access_levels = ["List", "Read", "Write", "Tagging"]
[roles.service]
kind = "agent"
access_levels = ["List", "Read", "Write"]
"""
for side in ["base", "head"]:
    d = out / side
    d.mkdir(parents=True, exist_ok=True)
    t = template(side == "head")
    (d / "template.json").write_text(json.dumps(t, indent=2) + "\n")
(out / "overreach.toml").write_text(config)
count = len(template(True)["Resources"])
print(f"{out}: {count} resources per side")
