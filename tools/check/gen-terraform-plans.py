#!/usr/bin/env python3
"""Writes the Terraform plan fixtures of `overreach check` (fixtures/check/terraform-*/{base,head}/plan.json).

Terraform is not available where the fixtures were made, so the plans are written by this
script, following the JSON output format of `terraform show -json PLAN` (format_version 1.2,
Terraform 1.9, hashicorp/aws 5.x): `planned_values`, `resource_changes` (with `before`,
`after`, `after_unknown`, `action_reason` for deferred data reads), `prior_state` (the refreshed
state, holding the data sources read during planning), and `configuration` (expressions with
`constant_value` or `references`).

What the plans model, as real ones do:
- existing infrastructure: every managed resource has a change (`no-op`, `update`, `create`);
  known ARNs are in `after`; the role's computed `inline_policy` / `managed_policy_arns`
  (not set in the configuration) are the prior state's values, so in a head plan they can lag
  behind the `aws_iam_role_policy` / attachment resources, which are authoritative;
- new resources: ARNs and other computed attributes are unknown (`after_unknown`), absent from
  `planned_values`; an attachment whose `policy_arn` is such an ARN is unknown too, and only
  `configuration` says which policy it references;
- `data.aws_iam_policy_document`: read during planning when its arguments are known (it is then
  in `prior_state` only, with its `json`); deferred (`read_because_config_unknown`, `json`
  unknown) when it references a value known only after apply.

Usage: python3 tools/check/gen-terraform-plans.py   (from the repository root; rewrites the files)
"""

import json
import os
import zlib

ACCOUNT = "111122223333"
REGION = "eu-west-1"
PROVIDER = "registry.terraform.io/hashicorp/aws"
TF = "1.9.8"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "check")


def enc(doc):
    """`jsonencode(...)`: compact, object keys sorted."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def doc_json(doc):
    """`data.aws_iam_policy_document.*.json`: indented by two spaces."""
    return json.dumps(doc, indent=2)


def role_arn(name, path="/"):
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


class Plan:
    def __init__(self):
        self.planned = []
        self.changes = []
        self.prior = []
        self.config = []
        self.variables = {}

    # --- low level
    def _addr(self, mode, type_, name):
        return (f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}")

    def managed(self, type_, name, after, *, before="same", unknown=None, config=None, action=None):
        """A managed resource. before="same": exists unchanged; None: created; dict: updated."""
        addr = self._addr("managed", type_, name)
        unknown = unknown or {}
        if before == "same":
            before, actions = after, ["no-op"]
        elif before is None:
            actions = ["create"]
        else:
            actions = ["update"]
        if action:
            actions = action
        known_after = {k: v for k, v in after.items() if k not in unknown}
        self.planned.append({
            "address": addr, "mode": "managed", "type": type_, "name": name,
            "provider_name": PROVIDER, "schema_version": 0,
            "values": known_after, "sensitive_values": sensitive(known_after),
        })
        self.changes.append({
            "address": addr, "mode": "managed", "type": type_, "name": name,
            "provider_name": PROVIDER,
            "change": {
                "actions": actions, "before": before, "after": known_after,
                "after_unknown": unknown, "before_sensitive": False if before is None else sensitive(before),
                "after_sensitive": sensitive(known_after),
            },
        })
        if before is not None:
            self.prior.append({
                "address": addr, "mode": "managed", "type": type_, "name": name,
                "provider_name": PROVIDER, "schema_version": 0,
                "values": before, "sensitive_values": sensitive(before),
            })
        self.config.append(cfg("managed", type_, name, config or {}))
        return addr

    def data_known(self, type_, name, values, config):
        addr = self._addr("data", type_, name)
        self.prior.append({
            "address": addr, "mode": "data", "type": type_, "name": name,
            "provider_name": PROVIDER, "schema_version": 0,
            "values": values, "sensitive_values": sensitive(values),
        })
        self.config.append(cfg("data", type_, name, config))
        return addr

    def data_deferred(self, type_, name, after, unknown, config):
        addr = self._addr("data", type_, name)
        self.planned.append({
            "address": addr, "mode": "data", "type": type_, "name": name,
            "provider_name": PROVIDER, "schema_version": 0,
            "values": after, "sensitive_values": sensitive(after),
        })
        self.changes.append({
            "address": addr, "mode": "data", "type": type_, "name": name,
            "provider_name": PROVIDER,
            "change": {
                "actions": ["read"], "before": None, "after": after, "after_unknown": unknown,
                "before_sensitive": False, "after_sensitive": sensitive(after),
            },
            "action_reason": "read_because_config_unknown",
        })
        self.config.append(cfg("data", type_, name, config))
        return addr

    # --- resources
    def caller_identity(self):
        return self.data_known("aws_caller_identity", "current", {
            "account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/terraform",
            "id": ACCOUNT, "user_id": "AIDAEXAMPLETERRAFORM",
        }, {})

    def policy_document(self, name, statements, cfg_statements):
        doc = {"Version": "2012-10-17", "Statement": [stmt_json(s) for s in statements]}
        text = doc_json(doc)
        return self.data_known("aws_iam_policy_document", name, {
            "id": str(zlib.crc32(text.encode())), "json": text, "minified_json": enc(doc),
            "override_json": None, "override_policy_documents": None, "policy_id": None,
            "source_json": None, "source_policy_documents": None,
            "statement": [stmt_values(s) for s in statements], "version": "2012-10-17",
        }, {"statement": cfg_statements})

    def role(self, name, tf_name, trust, tags, *, trust_ref=None, path="/", inline=None, managed=None,
             new=False, config_extra=None):
        after = {
            "arn": role_arn(name, path), "assume_role_policy": trust, "create_date": "2026-03-02T09:14:21Z",
            "description": "", "force_detach_policies": False, "id": name,
            "inline_policy": inline or [], "managed_policy_arns": managed or [],
            "max_session_duration": 3600, "name": name, "name_prefix": "", "path": path,
            "permissions_boundary": None, "tags": tags, "tags_all": tags,
            "unique_id": "AROA" + (name.upper().replace("-", "") + "EXAMPLE0000000")[:17],
        }
        config = {"name": {"constant_value": name}, "tags": {"constant_value": tags}}
        if trust_ref:
            config["assume_role_policy"] = {"references": [trust_ref + ".json", trust_ref]}
        else:
            config["assume_role_policy"] = {}
        if path != "/":
            config["path"] = {"constant_value": path}
        config.update(config_extra or {})
        if new:
            unknown = {"arn": True, "create_date": True, "id": True, "unique_id": True,
                       "inline_policy": True, "managed_policy_arns": True, "name_prefix": True, "tags_all": True}
            for k in unknown:
                after.pop(k, None)
            after["description"] = None
            return self.managed("aws_iam_role", tf_name, after, before=None, config=config, unknown=unknown)
        return self.managed("aws_iam_role", tf_name, after, config=config)

    def dump(self, path):
        self.planned.sort(key=lambda r: r["address"])
        out = {
            "format_version": "1.2",
            "terraform_version": TF,
            "variables": self.variables,
            "planned_values": {"root_module": {"resources": self.planned}},
            "resource_changes": self.changes,
            "prior_state": {
                "format_version": "1.0", "terraform_version": TF,
                "values": {"root_module": {"resources": sorted(self.prior, key=lambda r: r["address"])}},
            },
            "configuration": {
                "provider_config": {"aws": {
                    "name": "aws", "full_name": PROVIDER, "version_constraint": "~> 5.80",
                    "expressions": {"region": {"constant_value": REGION}},
                }},
                "root_module": {"resources": self.config},
            },
            "relevant_attributes": [],
            "timestamp": "2026-11-24T10:00:00Z",
            "applyable": any(c["change"]["actions"] != ["no-op"] for c in self.changes),
            "complete": True,
            "errored": False,
        }
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")


def sensitive(values):
    out = {}
    for k, v in values.items():
        if isinstance(v, list):
            out[k] = [{} if isinstance(x, dict) else False for x in v] if any(isinstance(x, dict) for x in v) else []
        elif isinstance(v, dict):
            out[k] = {}
    return out


def cfg(mode, type_, name, expressions):
    return {
        "address": (f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"),
        "mode": mode, "type": type_, "name": name, "provider_config_key": "aws",
        "expressions": expressions, "schema_version": 0,
    }


# A statement, written once: {"sid", "effect", "actions", "resources", "principals": [(type, [ids])],
# "conditions": [(test, variable, [values])]}
def stmt_json(s):
    out = {}
    if s.get("sid"):
        out["Sid"] = s["sid"]
    out["Effect"] = s.get("effect", "Allow")
    acts = sorted(s["actions"])
    out["Action"] = acts[0] if len(acts) == 1 else acts
    if "resources" in s:
        res = sorted(s["resources"])
        out["Resource"] = res[0] if len(res) == 1 else res
    if "principals" in s:
        out["Principal"] = {t: (ids[0] if len(ids) == 1 else ids) for t, ids in s["principals"]}
    if "conditions" in s:
        cond = {}
        for test, var, vals in s["conditions"]:
            cond.setdefault(test, {})[var] = vals[0] if len(vals) == 1 else vals
        out["Condition"] = cond
    return out


def stmt_values(s):
    return {
        "actions": sorted(s["actions"]),
        "condition": [{"test": t, "values": v, "variable": var} for t, var, v in s.get("conditions", [])],
        "effect": s.get("effect", "Allow"), "not_actions": [], "not_principals": [], "not_resources": [],
        "principals": [{"identifiers": ids, "type": t} for t, ids in s.get("principals", [])],
        "resources": sorted(s.get("resources", [])), "sid": s.get("sid", ""),
    }


def stmt_config(s, resource_refs=None):
    out = {"actions": {"constant_value": s["actions"]}}
    if s.get("sid"):
        out["sid"] = {"constant_value": s["sid"]}
    if "effect" in s:
        out["effect"] = {"constant_value": s["effect"]}
    if resource_refs:
        out["resources"] = {"references": resource_refs}
    elif "resources" in s:
        out["resources"] = {"constant_value": s["resources"]}
    if "principals" in s:
        out["principals"] = [{"identifiers": {"constant_value": ids}, "type": {"constant_value": t}}
                             for t, ids in s["principals"]]
    if "conditions" in s:
        out["condition"] = [{"test": {"constant_value": t}, "variable": {"constant_value": var},
                             "values": {"constant_value": v}} for t, var, v in s["conditions"]]
    return out


LAMBDA_TRUST = {"actions": ["sts:AssumeRole"], "principals": [("Service", ["lambda.amazonaws.com"])]}
GITHUB_OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def trust_github():
    return enc({"Version": "2012-10-17", "Statement": [{
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:example/orders:ref:refs/heads/main"}},
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB_OIDC},
    }]})


def lambda_trust_doc(plan):
    """data.aws_iam_policy_document.lambda_trust, known at plan time."""
    addr = plan.policy_document("lambda_trust", [LAMBDA_TRUST], [stmt_config(LAMBDA_TRUST)])
    text = doc_json({"Version": "2012-10-17", "Statement": [stmt_json(LAMBDA_TRUST)]})
    return addr, text


# ---------------------------------------------------------------- widen-passrole
def widen_passrole(side):
    p = Plan()
    p.caller_identity()
    trust_addr, lambda_trust = lambda_trust_doc(p)
    logs = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders-*"
    base_policy = {"Version": "2012-10-17", "Statement": [
        {"Action": ["lambda:CreateFunction", "lambda:GetFunction", "lambda:InvokeFunction"], "Effect": "Allow",
         "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-*", "Sid": "Functions"},
        {"Action": "iam:PassRole", "Effect": "Allow", "Resource": role_arn("orders-service"),
         "Sid": "PassExecutionRole"},
        {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow", "Resource": logs,
         "Sid": "FunctionLogs"},
    ]}
    head_policy = json.loads(json.dumps(base_policy))
    head_policy["Statement"][1]["Resource"] = "*"
    deploy_inline = [{"name": "deploy-orders", "policy": enc(base_policy)}]  # prior state, both sides
    p.role("deploy", "deploy", trust_github(), {"declared-role": "ci-deploy", "principal-kind": "agent"},
           inline=deploy_inline)
    p.role("orders-service", "orders_service", lambda_trust, {"declared-role": "orders-service"},
           trust_ref=trust_addr,
           inline=[{"name": "orders-logs", "policy": enc({"Version": "2012-10-17", "Statement": [
               {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow", "Resource": logs}]})}])
    p.role("account-janitor", "janitor", lambda_trust, {"declared-role": "account-janitor"}, trust_ref=trust_addr,
           managed=["arn:aws:iam::aws:policy/AdministratorAccess"])
    pol = {"id": "deploy:deploy-orders", "name": "deploy-orders", "name_prefix": "", "role": "deploy"}
    cfg_ = {"name": {"constant_value": "deploy-orders"},
            "role": {"references": ["aws_iam_role.deploy.id", "aws_iam_role.deploy"]},
            "policy": {}}
    if side == "base":
        cfg_["policy"] = {"references": ["aws_iam_role.orders_service.arn", "aws_iam_role.orders_service"]}
        p.managed("aws_iam_role_policy", "deploy", dict(pol, policy=enc(base_policy)), config=cfg_)
    else:
        p.managed("aws_iam_role_policy", "deploy", dict(pol, policy=enc(head_policy)),
                  before=dict(pol, policy=enc(base_policy)), config=cfg_)
    p.managed("aws_iam_role_policy", "orders_service_logs", {
        "id": "orders-service:orders-logs", "name": "orders-logs", "name_prefix": "", "role": "orders-service",
        "policy": enc({"Version": "2012-10-17", "Statement": [
            {"Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Effect": "Allow", "Resource": logs}]})},
        config={"name": {"constant_value": "orders-logs"},
                "role": {"references": ["aws_iam_role.orders_service.id", "aws_iam_role.orders_service"]},
                "policy": {}})
    p.managed("aws_iam_role_policy_attachment", "janitor_admin", {
        "id": "account-janitor-20260302091421000000000001", "role": "account-janitor",
        "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        config={"role": {"references": ["aws_iam_role.janitor.name", "aws_iam_role.janitor"]},
                "policy_arn": {"constant_value": "arn:aws:iam::aws:policy/AdministratorAccess"}})
    p.dump(os.path.join(ROOT, "terraform-widen-passrole", side, "plan.json"))


# ---------------------------------------------------------------- reorder-noop (a stack not yet applied)
ETL_STATEMENTS = [
    {"sid": "ReadRaw", "actions": ["s3:GetObject", "s3:ListBucket"],
     "resources": ["arn:aws:s3:::acme-raw", "arn:aws:s3:::acme-raw/*"]},
    {"sid": "WriteCurated", "actions": ["s3:PutObject"], "resources": ["arn:aws:s3:::acme-curated/*"]},
    {"sid": "NoDeletes", "effect": "Deny", "actions": ["s3:DeleteObject", "s3:DeleteBucket"], "resources": ["*"]},
]
GLUE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Jobs", "Effect": "Allow", "Action": ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns"],
     "Resource": f"arn:aws:glue:{REGION}:{ACCOUNT}:job/etl-*"},
    {"Sid": "Catalog", "Effect": "Allow", "Action": ["glue:GetTable", "glue:GetDatabase", "glue:GetPartitions"],
     "Resource": "*"},
]}


def reorder_noop(side):
    p = Plan()
    statements = ETL_STATEMENTS if side == "base" else [
        dict(s, actions=list(reversed(s["actions"])), resources=list(reversed(s["resources"])))
        for s in reversed(ETL_STATEMENTS)]
    glue = GLUE_POLICY if side == "base" else {"Statement": [
        {"Resource": s["Resource"], "Action": list(reversed(s["Action"])), "Effect": s["Effect"], "Sid": s["Sid"]}
        for s in reversed(GLUE_POLICY["Statement"])], "Version": "2012-10-17"}
    trust = {"actions": ["sts:AssumeRole"], "principals": [("Service", ["glue.amazonaws.com"])]}

    def etl_doc():
        return p.policy_document("etl", statements, [stmt_config(s) for s in statements])

    def trust_doc():
        return p.policy_document("glue_trust", [trust], [stmt_config(trust)])

    def role():
        p.role("etl", "etl", doc_json({"Version": "2012-10-17", "Statement": [stmt_json(trust)]}),
               {"declared-role": "etl", "principal-kind": "agent"}, trust_ref="data.aws_iam_policy_document.glue_trust",
               new=True)

    def inline():
        etl_json = doc_json({"Version": "2012-10-17", "Statement": [stmt_json(s) for s in statements]})
        p.managed("aws_iam_role_policy", "etl", {"name": "etl-data", "policy": etl_json, "role": "etl"},
                  before=None, unknown={"id": True, "name_prefix": True},
                  config={"name": {"constant_value": "etl-data"},
                          "policy": {"references": ["data.aws_iam_policy_document.etl.json",
                                                    "data.aws_iam_policy_document.etl"]},
                          "role": {"references": ["aws_iam_role.etl.id", "aws_iam_role.etl"]}})

    def customer_managed():
        p.managed("aws_iam_policy", "glue_jobs", {
            "description": "Run the ETL Glue jobs", "name": "etl-glue-jobs", "path": "/", "policy": enc(glue),
            "tags": None}, before=None,
            unknown={"arn": True, "attachment_count": True, "id": True, "name_prefix": True, "policy_id": True,
                     "tags_all": True},
            config={"name": {"constant_value": "etl-glue-jobs"},
                    "description": {"constant_value": "Run the ETL Glue jobs"},
                    "policy": {}})

    def attachments():
        p.managed("aws_iam_role_policy_attachment", "etl_glue_jobs", {"role": "etl"}, before=None,
                  unknown={"id": True, "policy_arn": True},
                  config={"role": {"references": ["aws_iam_role.etl.name", "aws_iam_role.etl"]},
                          "policy_arn": {"references": ["aws_iam_policy.glue_jobs.arn", "aws_iam_policy.glue_jobs"]}})
        p.managed("aws_iam_role_policy_attachment", "etl_s3_read", {
            "role": "etl", "policy_arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}, before=None,
            unknown={"id": True},
            config={"role": {"references": ["aws_iam_role.etl.name", "aws_iam_role.etl"]},
                    "policy_arn": {"constant_value": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}})

    if side == "base":
        p.caller_identity(); trust_doc(); etl_doc(); role(); inline(); customer_managed(); attachments()
    else:  # the same configuration, written in another order
        attachments(); customer_managed(); inline(); etl_doc(); role(); trust_doc(); p.caller_identity()
        p.changes.reverse()
    p.dump(os.path.join(ROOT, "terraform-reorder-noop", side, "plan.json"))


# ---------------------------------------------------------------- narrow
def narrow(side):
    p = Plan()
    p.caller_identity()
    base_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Load", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": "*"},
        {"Sid": "Queue", "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
         "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:loader-jobs"},
    ]}
    head_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Load", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::acme-landing/*"},
        base_policy["Statement"][1],
    ]}
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/data-loader"
    trust = {"actions": ["sts:AssumeRole"], "principals": [("Service", ["ecs-tasks.amazonaws.com"])]}
    taddr = p.policy_document("ecs_trust", [trust], [stmt_config(trust)])
    p.role("data-loader", "loader", doc_json({"Version": "2012-10-17", "Statement": [stmt_json(trust)]}),
           {"declared-role": "data-loader", "principal-kind": "agent"}, trust_ref=taddr, managed=[policy_arn])
    values = {"arn": policy_arn, "attachment_count": 1, "description": "", "id": policy_arn, "name": "data-loader",
              "name_prefix": "", "path": "/", "policy_id": "ANPAEXAMPLEDATALOADER", "tags": {}, "tags_all": {}}
    config = {"name": {"constant_value": "data-loader"}, "policy": {}}
    if side == "base":
        p.managed("aws_iam_policy", "loader", dict(values, policy=enc(base_policy)), config=config)
    else:
        p.managed("aws_iam_policy", "loader", dict(values, policy=enc(head_policy)),
                  before=dict(values, policy=enc(base_policy)), config=config)
    p.managed("aws_iam_role_policy_attachment", "loader", {
        "id": "data-loader-20260302091421000000000002", "policy_arn": policy_arn, "role": "data-loader"},
        config={"role": {"references": ["aws_iam_role.loader.name", "aws_iam_role.loader"]},
                "policy_arn": {"references": ["aws_iam_policy.loader.arn", "aws_iam_policy.loader"]}})
    p.dump(os.path.join(ROOT, "terraform-narrow", side, "plan.json"))


# ---------------------------------------------------------------- unresolved
def unresolved(side):
    p = Plan()
    p.caller_identity()
    trust_addr, lambda_trust = lambda_trust_doc(p)
    read_input = {"Version": "2012-10-17", "Statement": [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::acme-report-input/*",
         "Sid": "ReadInput"}]}
    inline = [{"name": "report-input", "policy": enc(read_input)}]
    p.role("report-generator", "report_generator", lambda_trust,
           {"declared-role": "report-generator", "principal-kind": "agent"}, trust_ref=trust_addr, inline=inline)
    p.managed("aws_iam_role_policy", "report_input", {
        "id": "report-generator:report-input", "name": "report-input", "name_prefix": "",
        "policy": enc(read_input), "role": "report-generator"},
        config={"name": {"constant_value": "report-input"}, "policy": {},
                "role": {"references": ["aws_iam_role.report_generator.id", "aws_iam_role.report_generator"]}})
    if side == "head":
        # a new bucket: its ARN is known only after apply
        p.managed("aws_s3_bucket", "reports", {"bucket_prefix": "acme-reports-", "force_destroy": False,
                                               "tags": None}, before=None,
                  unknown={"arn": True, "bucket": True, "bucket_domain_name": True, "id": True, "region": True,
                           "tags_all": True},
                  config={"bucket_prefix": {"constant_value": "acme-reports-"}})
        write = {"sid": "WriteReports", "actions": ["s3:PutObject", "s3:ListBucket"]}
        known = stmt_values(write)
        del known["resources"]
        known["effect"] = None  # not set in the configuration: the provider's default applies after the read
        p.data_deferred("aws_iam_policy_document", "reports_write", {
            "override_json": None, "override_policy_documents": None, "policy_id": None, "source_json": None,
            "source_policy_documents": None, "statement": [known], "version": None},
            {"id": True, "json": True, "minified_json": True, "statement": [{"resources": True}]},
            {"statement": [stmt_config(write, resource_refs=[
                "aws_s3_bucket.reports.arn", "aws_s3_bucket.reports"])]})
        p.managed("aws_iam_role_policy", "reports_write", {"name": "reports-write", "role": "report-generator"},
                  before=None, unknown={"id": True, "name_prefix": True, "policy": True},
                  config={"name": {"constant_value": "reports-write"},
                          "policy": {"references": ["data.aws_iam_policy_document.reports_write.json",
                                                    "data.aws_iam_policy_document.reports_write"]},
                          "role": {"references": ["aws_iam_role.report_generator.id",
                                                  "aws_iam_role.report_generator"]}})
    p.dump(os.path.join(ROOT, "terraform-unresolved", side, "plan.json"))


if __name__ == "__main__":
    for side in ("base", "head"):
        widen_passrole(side)
        reorder_noop(side)
        narrow(side)
        unresolved(side)
