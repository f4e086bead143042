#!/usr/bin/env python3
"""Generate crates/overreach-analysis/data/escalation-paths.json.

Joins the pathfinding.cloud path YAMLs (data/paths/<service>/<id>.yaml, Apache-2.0,
DataDog/pathfinding.cloud) with our encoding of each path (tools/privesc/encodings.yaml)
and writes one path per line, sorted by id. Also copies the upstream LICENSE and NOTICE
next to the output. Deterministic: running it twice gives identical bytes.

Usage (from the workspace root):
    python3 tools/privesc/gen_paths.py \
        [--source /work/shared/fixtures/privesc/pathfinding.cloud] \
        [--out crates/overreach-analysis/data/escalation-paths.json]
"""
import argparse
import collections
import glob
import json
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("gen_paths.py: PyYAML is missing; install it with `python3 -m pip install pyyaml`")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_SOURCE = "/work/shared/fixtures/privesc/pathfinding.cloud"
DEFAULT_OUT = os.path.join(ROOT, "crates", "overreach-analysis", "data", "escalation-paths.json")
ENCODINGS = os.path.join(HERE, "encodings.yaml")

SOURCE_LINE = ("DataDog/pathfinding.cloud data/paths (snapshot 2025-12-17), Apache-2.0, "
               "see LICENSE.pathfinding-cloud and NOTICE.pathfinding-cloud")

GAINS = {"admin", "role", "user", "group"}
RESOURCES = {"*", "target", "self", "attached-policy", "target-attached-policy", "instance-profile"}
KINDS = {"self", "role", "user", "group"}
APPLIES_TO = {"user", "role", "any"}
CATEGORIES = {"self-escalation", "principal-access", "new-passrole", "credential-access",
              "existing-passrole"}
TARGET_KEYS = ["kind", "trusts_service", "assumable_by_self", "needs_instance_profile", "applies_to"]
ENC_KEYS = {"summary", "gains", "resources", "target", "needs_existing", "expressible", "why"}


def fail(msg):
    sys.exit("gen_paths.py: " + msg)


def load_upstream(source):
    paths = {}
    files = sorted(glob.glob(os.path.join(source, "data", "paths", "*", "*.yaml")))
    if not files:
        fail("no path YAMLs under %s/data/paths" % source)
    for f in files:
        with open(f, encoding="utf-8") as fh:
            d = yaml.safe_load(fh)
        pid = d["id"]
        if pid in paths:
            fail("duplicate id %s" % pid)
        if os.path.splitext(os.path.basename(f))[0] != pid:
            fail("%s: id %s does not match the file name" % (f, pid))
        paths[pid] = d
    return paths


def encode(pid, up, enc):
    unknown = set(enc) - ENC_KEYS
    if unknown:
        fail("%s: unknown encoding keys %s" % (pid, sorted(unknown)))
    if up["category"] not in CATEGORIES:
        fail("%s: unknown category %r" % (pid, up["category"]))
    actions = [p["permission"] for p in up["permissions"]["required"]]
    if len(set(actions)) != len(actions):
        fail("%s: duplicate required action" % pid)
    res = enc.get("resources") or {}
    for a, r in res.items():
        if a not in actions:
            fail("%s: encoding names %s, which is not an upstream required action" % (pid, a))
        if r not in RESOURCES:
            fail("%s: unknown resource %r for %s" % (pid, r, a))
    required = [{"action": a, "resource": res.get(a, "*")} for a in actions]

    gains = enc.get("gains")
    if gains not in GAINS:
        fail("%s: unknown gains %r" % (pid, gains))
    t = enc.get("target") or {}
    if set(t) - set(TARGET_KEYS):
        fail("%s: unknown target keys %s" % (pid, sorted(set(t) - set(TARGET_KEYS))))
    if t.get("kind") not in KINDS:
        fail("%s: unknown target kind %r" % (pid, t.get("kind")))
    if "applies_to" in t and t["applies_to"] not in APPLIES_TO:
        fail("%s: unknown applies_to %r" % (pid, t["applies_to"]))
    if t["kind"] == "self" and "applies_to" not in t:
        fail("%s: self paths need applies_to" % pid)
    if t["kind"] == "self" and gains != "admin":
        fail("%s: self paths gain admin" % pid)
    for k in ("assumable_by_self", "needs_instance_profile"):
        if k in t and t[k] is not True:
            fail("%s: %s is either true or absent" % (pid, k))
    if t["kind"] != "role" and any(k in t for k in ("trusts_service", "assumable_by_self",
                                                   "needs_instance_profile")):
        fail("%s: role-only target keys on a %s target" % (pid, t["kind"]))
    kinds_used = {r["resource"] for r in required}
    if t["kind"] == "self" and kinds_used & {"target", "target-attached-policy", "instance-profile"}:
        fail("%s: self path refers to a target resource" % pid)
    if t["kind"] != "self" and "target" not in kinds_used and "target-attached-policy" not in kinds_used \
            and "trusts_service" not in t:
        fail("%s: nothing ties the %s target to the path" % (pid, t["kind"]))
    target = {k: t[k] for k in TARGET_KEYS if k in t}

    needs = enc.get("needs_existing")
    if needs is not None and not (isinstance(needs, str) and needs.strip()):
        fail("%s: needs_existing is null or a text" % pid)
    summary = enc.get("summary")
    if not (isinstance(summary, str) and summary.strip() and "\n" not in summary):
        fail("%s: summary must be one line" % pid)

    out = collections.OrderedDict()
    out["id"] = pid
    out["name"] = up["name"]
    out["category"] = up["category"]
    out["summary"] = summary
    out["gains"] = gains
    out["required"] = required
    out["target"] = target
    out["needs_existing"] = needs
    out["reference"] = "https://pathfinding.cloud/paths/%s" % pid
    if enc.get("expressible", True) is not True:
        if not enc.get("why"):
            fail("%s: non-expressible paths need a why" % pid)
        out["expressible"] = False
        out["why"] = enc["why"]
    elif "why" in enc:
        fail("%s: why is only for non-expressible paths" % pid)
    return out


def cross_check(source, paths):
    """Compare required actions with the compacted derivative, when it is next to the snapshot."""
    compact = os.path.join(os.path.dirname(os.path.abspath(source)), "pathfinding_paths.json")
    if not os.path.exists(compact):
        return
    with open(compact, encoding="utf-8") as fh:
        c = {p["id"]: p for p in json.load(fh)["paths"]}
    for p in paths:
        q = c.get(p["id"])
        if q is None:
            print("note: %s is not in %s" % (p["id"], compact), file=sys.stderr)
        elif q["required"] != [r["action"] for r in p["required"]]:
            print("note: %s required actions differ from %s" % (p["id"], compact), file=sys.stderr)
    for pid in sorted(set(c) - {p["id"] for p in paths}):
        print("note: %s is only in %s" % (pid, compact), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    upstream = load_upstream(args.source)
    with open(ENCODINGS, encoding="utf-8") as fh:
        encodings = yaml.safe_load(fh)
    missing = sorted(set(upstream) - set(encodings))
    extra = sorted(set(encodings) - set(upstream))
    if missing:
        fail("no encoding for %s (add them to %s)" % (", ".join(missing), ENCODINGS))
    if extra:
        fail("encodings for paths not upstream: %s" % ", ".join(extra))

    paths = [encode(pid, upstream[pid], encodings[pid]) for pid in sorted(upstream)]
    cross_check(args.source, paths)

    lines = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in paths]
    text = ('{"source":%s,"paths":[\n' % json.dumps(SOURCE_LINE)) + ",\n".join(lines) + "\n]}\n"
    json.loads(text)  # validate
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    outdir = os.path.dirname(args.out)
    for name in ("LICENSE", "NOTICE"):
        with open(os.path.join(args.source, name), "rb") as src:
            data = src.read()
        with open(os.path.join(outdir, name + ".pathfinding-cloud"), "wb") as dst:
            dst.write(data)

    print("wrote %s: %d paths, %d expressible" % (
        os.path.relpath(args.out, ROOT), len(paths),
        sum(1 for p in paths if p.get("expressible", True))))
    for label, key in (("category", "category"), ("gains", "gains")):
        counts = collections.Counter(p[key] for p in paths)
        print("per %s: %s" % (label, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    counts = collections.Counter(p["target"]["kind"] for p in paths)
    print("per target kind: %s" % ", ".join("%s %d" % kv for kv in sorted(counts.items())))
    print("with needs_existing: %d" % sum(1 for p in paths if p["needs_existing"]))
    bad = [p for p in paths if not p.get("expressible", True)]
    print("not expressible: %d" % len(bad))
    for p in bad:
        print("  %s: %s" % (p["id"], p["why"]))


if __name__ == "__main__":
    main()
