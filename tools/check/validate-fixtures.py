#!/usr/bin/env python3
"""Checks the shape of the `overreach check` fixtures (fixtures/check/*), not what the check
reports: every case has base/, head/, overreach.toml, expect.toml and a line in README.md;
expect.toml has only the documented keys, with the right types; every JSON file parses; and every
`file`/`line` of a [[new_finding]] points where the README says it must:

- a JSON file: the line of a statement's `{`, or of a managed policy ARN item (a string, or the
  `{` of an intrinsic);
- a YAML file: the line of a list item (`- `), i.e. a statement's first line or a
  ManagedPolicyArns item;
- a TOML manifest: a line holding an ARN string (a `managed` item).

Python 3.11+, standard library only. Exit 0 when all is well, 1 with one line per problem.
Usage: python3 tools/check/validate-fixtures.py [fixtures/check]
"""

import json
import os
import re
import sys
import tomllib

TOP = {"description": str, "exit": int, "no_change": bool, "change": list, "new_finding": list, "note": list}
CHANGE = {"principal": str, "added": list, "removed": list}
FINDING = {"rule": str, "principal": str, "file": str, "line": int}
NOTE = {"kind": str, "file": str}
RULES = {
    "exceeds-declared-role", "privilege-escalation", "agent-destructive-access", "agent-assumes-human-role",
    "trust-allows-anyone", "unknown-declared-role", "undeclared-principal", "unused-permission",
    "inconclusive-principal",
}
NOTE_KINDS = {"unresolved", "unsupported", "external", "warning"}
ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
PRINCIPAL = re.compile(r"^arn:aws:iam::\d{12}:(role|user|group)/\S+$")


def check_keys(where, table, schema, required, problems):
    for k, v in table.items():
        if k not in schema:
            problems.append(f"{where}: unknown key `{k}`")
        elif not isinstance(v, schema[k]) or (schema[k] is int and isinstance(v, bool)):
            problems.append(f"{where}: `{k}` must be {schema[k].__name__}")
    for k in required:
        if k not in table:
            problems.append(f"{where}: `{k}` is missing")


def check_line(case, f, line, problems):
    path = os.path.join(case, "head", f)
    where = f"{os.path.basename(case)}/expect.toml: {f}:{line}"
    if not os.path.isfile(path):
        problems.append(f"{where}: no such file in head/")
        return
    lines = open(path, encoding="utf-8").read().split("\n")
    if not 1 <= line <= len(lines):
        problems.append(f"{where}: line out of range")
        return
    text = lines[line - 1].strip()
    if f.endswith(".json"):
        ok = text == "{" or text.startswith("{ ") or (text.startswith('"arn:') and text.rstrip(",").endswith('"'))
    elif f.endswith((".yaml", ".yml")):
        ok = text.startswith("- ")
    elif f.endswith(".toml"):
        ok = '"arn:' in text
    else:
        ok = False
    if not ok:
        problems.append(f"{where}: `{text}` is not a statement's or a managed policy ARN's first line")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "check")
    problems = []
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    cases = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not cases:
        problems.append(f"{root}: no cases")
    for name in cases:
        case = os.path.join(root, name)
        for need in ("base", "head", "overreach.toml", "expect.toml"):
            if not os.path.exists(os.path.join(case, need)):
                problems.append(f"{name}: `{need}` is missing")
        if f"`{name}`" not in readme:
            problems.append(f"{name}: not listed in README.md")
        for dirpath, _, files in os.walk(case):
            for fn in files:
                if fn.endswith(".json"):
                    try:
                        json.load(open(os.path.join(dirpath, fn), encoding="utf-8"))
                    except ValueError as e:
                        problems.append(f"{os.path.join(dirpath, fn)}: {e}")
        try:
            tomllib.load(open(os.path.join(case, "overreach.toml"), "rb"))
            exp = tomllib.load(open(os.path.join(case, "expect.toml"), "rb"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            problems.append(f"{name}: {e}")
            continue
        check_keys(f"{name}/expect.toml", exp, TOP, ["description", "exit", "no_change"], problems)
        if exp.get("exit") not in (0, 1):
            problems.append(f"{name}/expect.toml: `exit` must be 0 or 1")
        if exp.get("no_change") and (exp.get("change") or exp.get("new_finding")):
            problems.append(f"{name}/expect.toml: `no_change = true` with changes or new findings")
        if exp.get("new_finding") and exp.get("exit") != 1:
            problems.append(f"{name}/expect.toml: new findings listed (all high or above) but `exit` is not 1")
        for i, c in enumerate(exp.get("change", [])):
            check_keys(f"{name}/expect.toml change[{i}]", c, CHANGE, ["principal"], problems)
            if not PRINCIPAL.match(c.get("principal", "")):
                problems.append(f"{name}/expect.toml change[{i}]: `principal` is not an IAM principal ARN")
            for a in c.get("added", []) + c.get("removed", []):
                if not ACTION.match(a):
                    problems.append(f"{name}/expect.toml change[{i}]: `{a}` is not an action")
        for i, nf in enumerate(exp.get("new_finding", [])):
            check_keys(f"{name}/expect.toml new_finding[{i}]", nf, FINDING, ["rule", "principal"], problems)
            if nf.get("rule") not in RULES:
                problems.append(f"{name}/expect.toml new_finding[{i}]: unknown rule `{nf.get('rule')}`")
            if not PRINCIPAL.match(nf.get("principal", "")):
                problems.append(f"{name}/expect.toml new_finding[{i}]: `principal` is not an IAM principal ARN")
            if ("file" in nf) != ("line" in nf):
                problems.append(f"{name}/expect.toml new_finding[{i}]: `file` and `line` go together")
            elif "file" in nf:
                check_line(case, nf["file"], nf["line"], problems)
            elif not name.startswith("terraform-"):
                problems.append(f"{name}/expect.toml new_finding[{i}]: `file`/`line` are required outside terraform")
        for i, n in enumerate(exp.get("note", [])):
            check_keys(f"{name}/expect.toml note[{i}]", n, NOTE, ["kind", "file"], problems)
            if n.get("kind") not in NOTE_KINDS:
                problems.append(f"{name}/expect.toml note[{i}]: unknown kind `{n.get('kind')}`")
            if not os.path.isfile(os.path.join(case, "head", n.get("file", ""))):
                problems.append(f"{name}/expect.toml note[{i}]: no such file in head/")
    for p in problems:
        print(p)
    print(f"{len(cases)} cases, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
