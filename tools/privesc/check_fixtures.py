#!/usr/bin/env python3
"""Self-check of fixtures/privesc against escalation-paths.json with a tiny reference matcher.

Not an IAM evaluator: it only understands the fixtures' own shape (Allow statements, exact
action names, exact ARNs or "*", no conditions). For every fixture it checks that the
positive account lets the attacker take the path to the expected target and that the
negative one does not, and lists any *other* path the negative account still allows
(informational: the engine may report those edges too).

Usage (from the workspace root):
    python3 tools/privesc/check_fixtures.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PATHS = os.path.join(ROOT, "crates", "overreach-analysis", "data", "escalation-paths.json")
FIXTURES = os.path.join(ROOT, "fixtures", "privesc")


def as_list(x):
    return x if isinstance(x, list) else [x]


def statements(doc):
    return [s for s in as_list(doc.get("Statement", [])) if s.get("Effect") == "Allow"]


class View:
    def __init__(self, acct, attacker):
        self.acct = acct
        self.attacker = attacker
        self.managed = {p["Arn"]: p for p in acct["Policies"]}
        self.principals = {}
        for u in acct["UserDetailList"]:
            self.principals[u["Arn"]] = ("user", u)
        for r in acct["RoleDetailList"]:
            self.principals[r["Arn"]] = ("role", r)
        self.groups = {g["Arn"]: g for g in acct["GroupDetailList"]}
        self.kind, self.me = self.principals[attacker]
        self.docs = [p["PolicyDocument"] for p in
                     self.me.get("UserPolicyList", []) + self.me.get("RolePolicyList", [])]
        self.my_managed = [a["PolicyArn"] for a in self.me["AttachedManagedPolicies"]]
        for gname in self.me.get("GroupList", []):
            g = next(g for g in acct["GroupDetailList"] if g["GroupName"] == gname)
            self.docs += [p["PolicyDocument"] for p in g["GroupPolicyList"]]
            self.my_managed += [a["PolicyArn"] for a in g["AttachedManagedPolicies"]]
        for a in self.my_managed:
            if a in self.managed:
                p = self.managed[a]
                self.docs += [v["Document"] for v in p["PolicyVersionList"] if v["IsDefaultVersion"]]

    def identity_allows(self, action, resource):
        for d in self.docs:
            for s in statements(d):
                if (action in as_list(s["Action"]) or "*" in as_list(s["Action"])) and \
                        (resource in as_list(s["Resource"]) or "*" in as_list(s["Resource"])):
                    return True
        return False

    def allows(self, action, resource):
        if action == "sts:AssumeRole" and resource in self.principals:
            trust = self.principals[resource][1]["AssumeRolePolicyDocument"]
            aws = [a for s in statements(trust) for a in as_list(s.get("Principal", {}).get("AWS", []))]
            if self.attacker in aws:
                return True  # same account, principal named explicitly
            root = "arn:aws:iam::%s:root" % resource.split(":")[4]
            return root in aws and self.identity_allows(action, resource)
        return self.identity_allows(action, resource)


def trusts(role, service):
    return any(service in as_list(s.get("Principal", {}).get("Service", []))
               for s in statements(role["AssumeRolePolicyDocument"]))


def detections(path, v):
    """Targets (ARN, or None for self) for which the attacker can take the path."""
    t = path["target"]
    applies = t.get("applies_to", "any")
    if applies != "any" and applies != v.kind:
        return set()
    if t["kind"] == "self":
        cands = [(None, None)]
    elif t["kind"] == "group":
        cands = [(a, g) for a, g in v.groups.items()]
    else:
        cands = [(a, o) for a, (k, o) in v.principals.items() if k == t["kind"] and a != v.attacker]
    found = set()
    for arn, obj in cands:
        if t.get("trusts_service") and not trusts(obj, t["trusts_service"]):
            continue
        if t.get("needs_instance_profile") and not obj["InstanceProfileList"]:
            continue
        choices = {"*": ["*"], "self": [v.attacker], "target": [arn],
                   "attached-policy": [a for a in v.my_managed if a in v.managed],
                   "target-attached-policy": [a["PolicyArn"] for a in (obj or {}).get(
                       "AttachedManagedPolicies", []) if a["PolicyArn"] in v.managed],
                   "instance-profile": [p["Arn"] for p in (obj or {}).get("InstanceProfileList", [])]}
        if all(any(v.allows(r["action"], res) for res in choices[r["resource"]])
               for r in path["required"]):
            found.add(arn)
    return found


def main():
    with open(PATHS, encoding="utf-8") as fh:
        paths = [p for p in json.load(fh)["paths"] if p.get("expressible", True)]
    errors = 0
    for name in sorted(os.listdir(FIXTURES)):
        d = os.path.join(FIXTURES, name)
        if not os.path.isfile(os.path.join(d, "expect.json")):
            continue
        with open(os.path.join(d, "expect.json"), encoding="utf-8") as fh:
            exp = json.load(fh)
        by_id = {p["id"]: p for p in paths}
        for side in ("positive", "negative"):
            with open(os.path.join(d, side + ".json"), encoding="utf-8") as fh:
                v = View(json.load(fh), exp["principal"])
            hit = exp["target"] in detections(by_id[exp["path"]], v)
            if hit != exp[side]["detected"]:
                errors += 1
                print("FAIL %s %s: detected=%s" % (name, side, hit))
            if side == "negative":
                others = sorted("%s->%s" % (p["id"], (a or "self").rsplit("/", 1)[-1])
                                for p in paths if p["id"] != exp["path"] for a in detections(p, v))
                if others:
                    print("note %s negative still allows: %s" % (name, ", ".join(others)))
    print("%s" % ("all fixtures behave as expected" if not errors else "%d failures" % errors))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
