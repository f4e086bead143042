#!/usr/bin/env python3
"""Generate fixtures/privesc/<id>/{positive,negative,expect}.json from escalation-paths.json.

For every expressible path, writes two `aws iam get-account-authorization-details`-shaped
accounts (111122223333): a positive one where an attacker principal holds exactly the
path's required permissions on exactly the resources the path needs, plus the
prerequisites (target role/user/group, trust policy, instance profile, managed policy),
and a negative twin with exactly one prerequisite missing. Also writes
fixtures/privesc/README.md. Deterministic: running it twice gives identical bytes.

Usage (from the workspace root):
    python3 tools/privesc/gen_fixtures.py \
        [--paths crates/overreach-analysis/data/escalation-paths.json] [--out fixtures/privesc]
"""
import argparse
import base64
import copy
import hashlib
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_PATHS = os.path.join(ROOT, "crates", "overreach-analysis", "data", "escalation-paths.json")
DEFAULT_OUT = os.path.join(ROOT, "fixtures", "privesc")

ACCOUNT = "111122223333"
DATE = "2025-01-01T00:00:00Z"
ADMIN = {"PolicyName": "AdministratorAccess",
         "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
BENIGN = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
# Service a negative twin's target role trusts instead of the one the path needs.
OTHER_SERVICE = {"ec2.amazonaws.com": "lambda.amazonaws.com"}
DEFAULT_OTHER_SERVICE = "ec2.amazonaws.com"
# Which action the "missing-action" negative drops (default: the last one). Chosen so that
# the remaining permissions do not satisfy a parent/variant path on the same target.
DROP_ACTION = {
    "iam-003": "iam:CreateAccessKey",
    "lambda-004": "lambda:UpdateFunctionCode",
    "lambda-005": "lambda:UpdateFunctionCode",
    "ec2instanceconnect-003": "ec2-instance-connect:SendSSHPublicKey",
}
# Negative variant overrides, where the default choice would leave a sibling path open
# (e.g. codebuild:StartBuild on "*" without the PassRole still allows codebuild-002).
NEGATIVE_VARIANT = {
    "codebuild-001": "trust-other-service",
    "codebuild-004": "missing-action",
}


def arn(kind, name):
    return "arn:aws:iam::%s:%s/%s" % (ACCOUNT, kind, name)


def uid(prefix, name):
    digest = hashlib.sha1(("%s/%s" % (prefix, name)).encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def trust(principal):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


class Account:
    def __init__(self):
        self.users, self.groups, self.roles, self.policies = [], [], [], []

    def user(self, name, inline=None, attached=(), groups=()):
        u = {"Path": "/", "UserName": name, "UserId": uid("AIDA", name), "Arn": arn("user", name),
             "CreateDate": DATE, "UserPolicyList": inline or [], "GroupList": list(groups),
             "AttachedManagedPolicies": list(attached), "Tags": []}
        self.users.append(u)
        return u

    def group(self, name, inline=None, attached=()):
        g = {"Path": "/", "GroupName": name, "GroupId": uid("AGPA", name), "Arn": arn("group", name),
             "CreateDate": DATE, "GroupPolicyList": inline or [],
             "AttachedManagedPolicies": list(attached)}
        self.groups.append(g)
        return g

    def role(self, name, trust_doc, inline=None, attached=(), instance_profile=False):
        r = {"Path": "/", "RoleName": name, "RoleId": uid("AROA", name), "Arn": arn("role", name),
             "CreateDate": DATE, "AssumeRolePolicyDocument": trust_doc, "InstanceProfileList": [],
             "RolePolicyList": inline or [], "AttachedManagedPolicies": list(attached), "Tags": []}
        if instance_profile:
            r["InstanceProfileList"].append({
                "Path": "/", "InstanceProfileName": name, "InstanceProfileId": uid("AIPA", name),
                "Arn": arn("instance-profile", name), "CreateDate": DATE,
                "Roles": [{k: r[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate",
                                             "AssumeRolePolicyDocument")}]})
        self.roles.append(r)
        return r

    def managed(self, name, doc, attachments):
        self.policies.append({
            "PolicyName": name, "PolicyId": uid("ANPA", name), "Arn": arn("policy", name),
            "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True, "CreateDate": DATE,
            "UpdateDate": DATE,
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": DATE}]})
        return {"PolicyName": name, "PolicyArn": arn("policy", name)}

    def render(self):
        return {"UserDetailList": self.users, "GroupDetailList": self.groups,
                "RoleDetailList": self.roles, "Policies": self.policies}


def variants(path):
    """Negative-twin candidates for a path, in a fixed order."""
    t, req = path["target"], path["required"]
    res = {r["resource"] for r in req}
    out = []
    if t.get("trusts_service"):
        out.append("trust-other-service")
    if t.get("assumable_by_self"):
        out.append("trust-not-self")
    if any(r["action"] == "iam:PassRole" and r["resource"] == "target" for r in req):
        out.append("passrole-other-role")
    if t.get("needs_instance_profile"):
        out.append("no-instance-profile")
    if "attached-policy" in res:
        out.append("policy-not-attached")
    if "target-attached-policy" in res:
        out.append("policy-not-attached-to-target")
    if len(req) > 1:
        out.append("missing-action")
    if ({"self", "target"} & res) and not out:
        out.append("wrong-resource")
    if not out:
        raise SystemExit("gen_fixtures.py: no negative variant for %s" % path["id"])
    return out


def build(path, variant=None):
    """Return (account document, attacker ARN, target ARN or None, why) for a path."""
    t, gains, kind = path["target"], path["gains"], path["target"]["kind"]
    acct = Account()
    why = None

    attacker_is_role = t.get("applies_to") == "role"
    attacker_name = "attacker-role" if attacker_is_role else "attacker"
    attacker_arn = arn("role" if attacker_is_role else "user", attacker_name)

    # Target principal or group.
    target_arn = None
    target_name = None
    if kind == "role":
        target_name = "target-admin" if gains == "role" else "target-role"
        target_arn = arn("role", target_name)
    elif kind == "user":
        target_name = "victim-admin" if gains == "user" else "victim-user"
        target_arn = arn("user", target_name)
    elif kind == "group":
        target_name = "admins"
        target_arn = arn("group", target_name)

    # Managed policies.
    attacker_attached = []
    target_attached = []
    resources = {"*": "*", "self": attacker_arn, "target": target_arn}
    res_kinds = {r["resource"] for r in path["required"]}
    if "attached-policy" in res_kinds:
        attached = variant != "policy-not-attached"
        ref = acct.managed("attacker-managed", BENIGN, 1 if attached else 0)
        resources["attached-policy"] = ref["PolicyArn"]
        if attached:
            attacker_attached.append(ref)
        else:
            why = ("the customer managed policy attacker-managed is not attached to the attacker, "
                   "so rewriting it grants nothing")
    if "target-attached-policy" in res_kinds:
        attached = variant != "policy-not-attached-to-target"
        ref = acct.managed("target-managed", BENIGN, 1 if attached else 0)
        resources["target-attached-policy"] = ref["PolicyArn"]
        if attached:
            target_attached.append(ref)
        else:
            why = ("the customer managed policy target-managed is not attached to %s, so "
                   "rewriting it does not change the role" % target_name)
    if "instance-profile" in res_kinds:
        resources["instance-profile"] = arn("instance-profile", target_name)

    # Attacker's inline policy: the required actions on the required resources.
    req = list(path["required"])
    if variant == "missing-action":
        drop = DROP_ACTION.get(path["id"], req[-1]["action"])
        req = [r for r in req if r["action"] != drop]
        why = "the attacker is not allowed %s" % drop
    grants = []  # (action, resource ARN)
    wrong_done = False
    for r in req:
        res = resources[r["resource"]]
        if variant == "passrole-other-role" and r["action"] == "iam:PassRole":
            res = arn("role", "other-role")
            why = "iam:PassRole is allowed only on role/other-role, not on %s" % target_name
        if variant == "wrong-resource" and r["resource"] in ("self", "target") and not wrong_done:
            k = {"self": "role" if attacker_is_role else "user", "target": kind}[r["resource"]]
            other = "other-%s" % k
            res = arn(k, other)
            wrong_done = True
            why = "%s is allowed only on %s/%s, not on %s" % (
                r["action"], k, other, "the attacker itself" if r["resource"] == "self" else target_name)
        grants.append((r["action"], res))
    statements = []
    by_res = {}
    for action, res in grants:
        if res not in by_res:
            by_res[res] = []
            statements.append(res)
        by_res[res].append(action)
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Escalation%d" % (i + 1), "Effect": "Allow", "Action": by_res[res], "Resource": res}
        for i, res in enumerate(statements)]}
    inline = [{"PolicyName": "escalation", "PolicyDocument": doc}]

    if attacker_is_role:
        acct.role(attacker_name, trust({"AWS": "arn:aws:iam::%s:root" % ACCOUNT}), inline=inline,
                  attached=attacker_attached)
    else:
        acct.user(attacker_name, inline=inline, attached=attacker_attached)

    if kind == "role":
        svc = t.get("trusts_service")
        if svc:
            principal = {"Service": svc}
            if variant == "trust-other-service":
                other = OTHER_SERVICE.get(svc, DEFAULT_OTHER_SERVICE)
                principal = {"Service": other}
                why = "%s trusts %s, not %s" % (target_name, other, svc)
        elif t.get("assumable_by_self"):
            # Trusting the account root means the attacker's own sts:AssumeRole grant is needed too.
            principal = {"AWS": "arn:aws:iam::%s:root" % ACCOUNT}
            if variant == "trust-not-self":
                principal = {"Service": "ec2.amazonaws.com"}
                why = "%s trusts only ec2.amazonaws.com, so the attacker cannot assume it" % target_name
        else:
            # The path rewrites the trust policy; start from one that does not let the attacker in.
            principal = {"Service": "ec2.amazonaws.com"}
        profile = bool(t.get("needs_instance_profile")) or "instance-profile" in res_kinds
        if variant == "no-instance-profile":
            profile = False
            why = "%s has no instance profile" % target_name
        if gains == "role":
            acct.role(target_name, trust(principal), attached=[ADMIN] + target_attached,
                      instance_profile=profile)
        else:
            inline_t = [] if target_attached else [{"PolicyName": "read-only", "PolicyDocument": BENIGN}]
            acct.role(target_name, trust(principal), inline=inline_t, attached=target_attached,
                      instance_profile=profile)
    elif kind == "user":
        if gains == "user":
            acct.user(target_name, attached=[ADMIN])
        else:
            acct.user(target_name, inline=[{"PolicyName": "read-only", "PolicyDocument": BENIGN}])
    elif kind == "group":
        acct.group(target_name, attached=[ADMIN])

    if variant is not None and why is None:
        raise SystemExit("gen_fixtures.py: variant %s did not apply to %s" % (variant, path["id"]))
    return acct.render(), attacker_arn, target_arn, why


def dump(obj):
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    json.loads(text)  # validate
    return text


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


README = """# Privilege-escalation fixtures

One directory per escalation path of
`crates/overreach-analysis/data/escalation-paths.json` (itself derived from
DataDog/pathfinding.cloud). Each holds three files:

- `positive.json`: an `aws iam get-account-authorization-details`-shaped account
  (111122223333) where the attacker (user `attacker`, or role `attacker-role` for paths
  that only roles can use) has an inline policy `escalation` granting exactly the path's
  required actions on exactly the resources it needs (concrete ARNs for `target`, `self`,
  `attached-policy` and `target-attached-policy`, `*` otherwise), plus the
  prerequisites: a role `target-admin` with `AdministratorAccess` whose trust policy
  allows the path's service (and an instance profile where needed), a user
  `victim-admin` or a group `admins` with `AdministratorAccess`, a customer managed
  policy `attacker-managed` attached to the attacker or `target-managed` attached to the
  target. Where the path makes the attacker an administrator by modifying another
  principal, that principal (`target-role`, `victim-user`) only has a harmless policy.
  Roles the attacker must already be able to assume trust the account root, so the
  attacker's own `sts:AssumeRole` grant matters.
- `negative.json`: the same account with exactly one prerequisite missing (the target
  role trusts another service or not the attacker, `iam:PassRole` names another role,
  no instance profile, one required action absent, the managed policy not attached,
  or the action granted on another principal).
- `expect.json`: `{"path", "principal", "target", "positive": {"detected": true,
  "certain": ...}, "negative": {"detected": false, "variant": ..., "why": ...}}`.
  `target` is null for self paths. `certain` is false where the path has
  `needs_existing` (a resource IAM data cannot show), which the engine reports as
  inconclusive rather than certain.

AWS managed policies (`AdministratorAccess`) are referenced by ARN and not listed in
`Policies`, as `get-account-authorization-details --filter LocalManagedPolicy` would.

## Regenerating

From the workspace root (Python 3, no third-party packages needed here):

    python3 tools/privesc/gen_paths.py      # needs PyYAML; rewrites escalation-paths.json
    python3 tools/privesc/gen_fixtures.py   # rewrites this directory
    python3 tools/privesc/check_fixtures.py # self-check with a tiny reference matcher

Both are deterministic (a second run gives identical bytes).

## Licence

Derived from DataDog/pathfinding.cloud (`data/paths`, snapshot 2025-12-17), Apache-2.0;
see `crates/overreach-analysis/data/LICENSE.pathfinding-cloud` and
`NOTICE.pathfinding-cloud`.

## Paths without fixtures

%s
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--paths", default=DEFAULT_PATHS)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    with open(args.paths, encoding="utf-8") as fh:
        paths = json.load(fh)["paths"]

    expressible = [p for p in paths if p.get("expressible", True)]
    skipped = [p for p in paths if not p.get("expressible", True)]
    written = set()
    counts = {}
    for i, p in enumerate(sorted(expressible, key=lambda p: p["id"])):
        cands = variants(p)
        variant = NEGATIVE_VARIANT.get(p["id"], cands[i % len(cands)])
        if variant not in cands:
            raise SystemExit("gen_fixtures.py: variant %s does not fit %s" % (variant, p["id"]))
        pos, attacker, target, _ = build(p)
        neg, attacker2, target2, why = build(p, variant)
        assert (attacker, target) == (attacker2, target2) and pos != neg
        d = os.path.join(args.out, p["id"])
        write(os.path.join(d, "positive.json"), dump(pos))
        write(os.path.join(d, "negative.json"), dump(neg))
        expect = {"path": p["id"], "principal": attacker, "target": target,
                  "positive": {"detected": True, "certain": p["needs_existing"] is None},
                  "negative": {"detected": False, "variant": variant, "why": why}}
        write(os.path.join(d, "expect.json"), dump(expect))
        written.add(p["id"])
        counts[variant] = counts.get(variant, 0) + 1

    # Remove fixture directories of paths that are gone or no longer expressible.
    for name in sorted(os.listdir(args.out)):
        full = os.path.join(args.out, name)
        if os.path.isdir(full) and name not in written and re.fullmatch(r"[a-z0-9-]+-\d{3}", name) \
                and os.path.exists(os.path.join(full, "expect.json")):
            shutil.rmtree(full)

    lines = "\n".join("- `%s` (%s): not expressible - %s" % (p["id"], p["name"], p["why"])
                      for p in skipped) or "None."
    write(os.path.join(args.out, "README.md"), README % lines)
    print("wrote %d fixture directories under %s" % (len(written), os.path.relpath(args.out, ROOT)))
    print("negative variants: %s" % ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    for p in skipped:
        print("no fixture: %s (%s)" % (p["id"], p["why"]))


if __name__ == "__main__":
    main()
