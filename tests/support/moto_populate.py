"""Populates a moto_server (or any IAM-compatible endpoint) through the IAM API with boto3.

Used by `tests/fetch_moto.rs` and the fetch benchmark. Prints a JSON manifest of what was
created (with the ids the server assigned) on stdout, for the tests to compare a fetched
snapshot with.

    python3 moto_populate.py ENDPOINT_URL [--scale ROLES] [--org ACCOUNTS]

Without --scale: the feature fixture (users with tags, login profile, MFA device and access
keys; groups; roles trusting a role, a service and an OIDC provider; customer managed
policies with several versions; inline policies; a permission boundary; AWS managed
ReadOnlyAccess; instance profiles). With --scale N: N roles and N customer managed policies
(one attached to each role), nothing else. With --org N: an organization with one OU, N
member accounts and an SCP attached to the OU.
"""

import argparse
import json
import sys

import boto3
from botocore.config import Config

ACCOUNT = "123456789012"


def doc(statements):
    return {"Version": "2012-10-17", "Statement": statements}


def allow(actions, resource="*", sid=None):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if sid:
        s["Sid"] = sid
    return s


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def features(iam):
    # "secrets": what must never appear in a snapshot (secret keys and passwords).
    m = {"users": {}, "groups": {}, "roles": {}, "policies": {}, "secrets": ["Correct-Horse-1"]}

    # Customer managed policies: one with three versions (v2 default, v1 and v3 not).
    versions = [
        doc([allow("s3:GetObject", "arn:aws:s3:::bucket/*", "V1")]),
        doc([allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/*", "V2")]),
        doc([allow("s3:*", "*", "V3")]),
    ]
    p = iam.create_policy(PolicyName="data-access", Path="/app/", PolicyDocument=json.dumps(versions[0]),
                          Description="three versions")["Policy"]
    iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=json.dumps(versions[1]), SetAsDefault=True)
    iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=json.dumps(versions[2]), SetAsDefault=False)
    m["policies"]["data-access"] = {"arn": p["Arn"], "path": "/app/", "default": "v2",
                                    "versions": {"v1": versions[0], "v2": versions[1], "v3": versions[2]}}

    deploy = doc([allow(["ec2:Describe*", "cloudformation:*"], "*", "Deploy")])
    p = iam.create_policy(PolicyName="deploy", PolicyDocument=json.dumps(deploy))["Policy"]
    m["policies"]["deploy"] = {"arn": p["Arn"], "path": "/", "default": "v1", "versions": {"v1": deploy}}

    # A permission boundary used by nothing else.
    boundary = doc([allow(["s3:*", "logs:*"], "*", "Boundary")])
    p = iam.create_policy(PolicyName="boundary-only", PolicyDocument=json.dumps(boundary))["Policy"]
    m["policies"]["boundary-only"] = {"arn": p["Arn"], "path": "/", "default": "v1", "versions": {"v1": boundary}}
    boundary_arn = p["Arn"]
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"

    # Groups.
    for name, path in [("admins", "/"), ("developers", "/eng/")]:
        g = iam.create_group(GroupName=name, Path=path)["Group"]
        m["groups"][name] = {"arn": g["Arn"], "path": path, "inline": {}, "attached": []}
    inline = doc([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}])
    iam.put_group_policy(GroupName="developers", PolicyName="no-iam", PolicyDocument=json.dumps(inline))
    m["groups"]["developers"]["inline"]["no-iam"] = inline
    iam.attach_group_policy(GroupName="admins", PolicyArn=readonly)
    m["groups"]["admins"]["attached"].append(readonly)
    iam.attach_group_policy(GroupName="developers", PolicyArn=m["policies"]["deploy"]["arn"])
    m["groups"]["developers"]["attached"].append(m["policies"]["deploy"]["arn"])

    # Users.
    specs = [
        ("alice", "/", [{"Key": "team", "Value": "platform"}, {"Key": "owner", "Value": "alice@example.com"}],
         ["admins", "developers"], True, 1, 2),
        ("bob", "/contractors/", [], ["developers"], False, 0, 1),
        ("carol", "/", [{"Key": "team", "Value": "data"}], [], True, 0, 0),
    ]
    for name, path, tags, groups, login, mfa, keys in specs:
        kwargs = {"UserName": name, "Path": path}
        if tags:
            kwargs["Tags"] = tags
        u = iam.create_user(**kwargs)["User"]
        entry = {"arn": u["Arn"], "id": u["UserId"], "path": path, "tags": tags, "groups": groups,
                 "login_profile": login, "mfa_devices": mfa, "access_keys": [], "inline": {}, "attached": []}
        for g in groups:
            iam.add_user_to_group(GroupName=g, UserName=name)
        if login:
            iam.create_login_profile(UserName=name, Password="Correct-Horse-1", PasswordResetRequired=True)
        for i in range(mfa):
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{name}-mfa-{i}")["VirtualMFADevice"]
            iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                                  AuthenticationCode1="123456", AuthenticationCode2="654321")
        for i in range(keys):
            key = iam.create_access_key(UserName=name)["AccessKey"]
            entry["access_keys"].append(key["AccessKeyId"])
            m["secrets"].append(key["SecretAccessKey"])
            if i == 1:
                iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
        m["users"][name] = entry
    user_inline = doc([allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:queue")])
    iam.put_user_policy(UserName="bob", PolicyName="send", PolicyDocument=json.dumps(user_inline))
    m["users"]["bob"]["inline"]["send"] = user_inline
    iam.attach_user_policy(UserName="carol", PolicyArn=m["policies"]["data-access"]["arn"])
    m["users"]["carol"]["attached"].append(m["policies"]["data-access"]["arn"])

    # Roles: trusting a role, a service and an OIDC provider.
    oidc = iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                               ClientIDList=["sts.amazonaws.com"],
                                               ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    trusts = {
        "ci-deployer": doc([{"Effect": "Allow", "Principal": {"Federated": oidc},
                             "Action": "sts:AssumeRoleWithWebIdentity",
                             "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}}]),
        "ec2-app": doc([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]),
        "auditor": doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"},
                         "Action": "sts:AssumeRole"}]),
    }
    for name, trust in trusts.items():
        kwargs = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust), "Path": "/"}
        if name == "ec2-app":
            kwargs["PermissionsBoundary"] = boundary_arn
            kwargs["Tags"] = [{"Key": "app", "Value": "web"}]
        r = iam.create_role(**kwargs)["Role"]
        m["roles"][name] = {"arn": r["Arn"], "id": r["RoleId"], "trust": trust, "inline": {}, "attached": [],
                            "boundary": boundary_arn if name == "ec2-app" else None,
                            "tags": kwargs.get("Tags", []), "instance_profiles": []}
    role_inline = doc([allow("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t")])
    iam.put_role_policy(RoleName="ec2-app", PolicyName="table", PolicyDocument=json.dumps(role_inline))
    m["roles"]["ec2-app"]["inline"]["table"] = role_inline
    iam.attach_role_policy(RoleName="auditor", PolicyArn=readonly)
    m["roles"]["auditor"]["attached"].append(readonly)
    iam.attach_role_policy(RoleName="ci-deployer", PolicyArn=m["policies"]["deploy"]["arn"])
    m["roles"]["ci-deployer"]["attached"].append(m["policies"]["deploy"]["arn"])
    iam.create_instance_profile(InstanceProfileName="ec2-app-profile", Path="/")
    iam.add_role_to_instance_profile(InstanceProfileName="ec2-app-profile", RoleName="ec2-app")
    m["roles"]["ec2-app"]["instance_profiles"].append("ec2-app-profile")
    return m


def scale(iam, n):
    trust = json.dumps(doc([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                             "Action": "sts:AssumeRole"}]))
    for i in range(n):
        name = f"scale-{i:05d}"
        policy = json.dumps(doc([allow("s3:GetObject", f"arn:aws:s3:::bucket-{i}/*")]))
        arn = iam.create_policy(PolicyName=name, PolicyDocument=policy)["Policy"]["Arn"]
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    return {"roles": n, "policies": n}


def organization(endpoint, n):
    orgs = client("organizations", endpoint)
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    accounts = []
    for i in range(n):
        status = orgs.create_account(Email=f"member{i}@example.com", AccountName=f"member-{i}")
        account = status["CreateAccountStatus"]["AccountId"]
        orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        accounts.append(account)
    scp = doc([{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}])
    policy = orgs.create_policy(Content=json.dumps(scp), Description="no leaving", Name="deny-leave",
                                Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=ou)
    return {"id": org["Id"], "root": root, "ou": ou, "accounts": accounts, "scp": policy, "scp_document": scp,
            "management_account": org["MasterAccountId"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--scale", type=int)
    parser.add_argument("--org", type=int)
    args = parser.parse_args()
    iam = client("iam", args.endpoint)
    if args.scale is not None:
        manifest = scale(iam, args.scale)
    elif args.org is not None:
        manifest = organization(args.endpoint, args.org)
    else:
        manifest = features(iam)
    json.dump(manifest, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
