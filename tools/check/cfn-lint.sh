#!/usr/bin/env bash
# Runs cfn-lint over every CloudFormation template of the `overreach check` fixtures
# (fixtures/check/**: *.yaml, *.yml, and *.json files with a top-level `Resources`, which includes
# the cdk synth output) and checks that every Terraform plan (*.json with `planned_values`) is
# valid JSON. Exits 1 when cfn-lint reports an error or a plan is not JSON, 2 when cfn-lint is
# missing, 0 otherwise. Warnings are printed but do not fail (the fixtures have none with 1.51.0).
#
#   tools/check/cfn-lint.sh             # fixtures/check
#   tools/check/cfn-lint.sh DIR…        # other folders
#
# Made with cfn-lint 1.51.0.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ "$#" -eq 0 ]; then set -- "$repo/fixtures/check"; fi
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint not found (pip install cfn-lint)" >&2
  exit 2
fi

templates=()
plans=()
while IFS= read -r -d '' f; do
  case "$f" in
    */policies/*) continue ;;   # manifest policy documents, not templates
  esac
  case "$f" in
    *.yaml|*.yml) templates+=("$f") ;;
    *.json)
      kind="$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print("cfn" if isinstance(d, dict) and "Resources" in d else "tf" if isinstance(d, dict) and "planned_values" in d else "")' "$f")"
      if [ "$kind" = cfn ]; then templates+=("$f"); elif [ "$kind" = tf ]; then plans+=("$f"); fi
      ;;
  esac
done < <(find "$@" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 | sort -z)

status=0
for p in "${plans[@]}"; do
  python3 -m json.tool "$p" >/dev/null || { echo "invalid JSON: $p"; status=1; }
done
if [ "${#templates[@]}" -gt 0 ]; then
  # cfn-lint exit codes: 0 clean, bit 2 errors, bit 4 warnings, bit 8 informational
  set +e
  cfn-lint --format parseable -- "${templates[@]}"
  rc=$?
  set -e
  if [ $((rc & 2)) -ne 0 ] || [ "$rc" -eq 1 ]; then status=1; fi
fi
echo "cfn-lint: ${#templates[@]} templates, ${#plans[@]} terraform plans checked, $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
