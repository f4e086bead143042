#!/usr/bin/env bash
# Regenerates the CDK check fixtures (fixtures/check/cdk-*/{base,head}/cdk.out/OrdersCi.template.json)
# by synthesising fixtures/cdk-app once per variant. Not run by the tests: it needs Node.js and
# the npm registry (the versions pinned in fixtures/cdk-app/package.json), no AWS account.
#
#   tools/check/cdk-synth.sh            # work directory: a fresh temporary one
#   CDK_WORK=/tmp/cdk-work tools/check/cdk-synth.sh   # reuse an install (node_modules)
#
# node_modules never goes into the repository: the app is copied into the work directory, the
# packages installed there (npm ci from package-lock.json when present, else npm install), and
# only the synthesised templates are copied back.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
app="$repo/fixtures/cdk-app"
work="${CDK_WORK:-$(mktemp -d)}"
mkdir -p "$work"

cp "$app/app.js" "$app/cdk.json" "$app/package.json" "$work/"
[ -f "$app/package-lock.json" ] && cp "$app/package-lock.json" "$work/"
cd "$work"
if [ ! -d node_modules/aws-cdk-lib ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
synth() { # variant -> directory
  rm -rf "$2"
  npx cdk synth --no-version-reporting --no-path-metadata --no-asset-metadata --no-notices \
    -c variant="$1" -o "$2" -q
}

# case folder : head variant (every case's base is the `base` variant)
cases="cdk-widen-passrole:widen-passrole cdk-attach-admin-to-readonly:attach-admin cdk-split-noop:split cdk-narrow:narrow"

synth base "$work/out/base"
for entry in $cases; do
  case="${entry%%:*}" variant="${entry#*:}"
  synth "$variant" "$work/out/$variant"
  for side in base head; do
    from="$work/out/base"
    [ "$side" = head ] && from="$work/out/$variant"
    dest="$repo/fixtures/check/$case/$side/cdk.out"
    mkdir -p "$dest"
    cp "$from/OrdersCi.template.json" "$dest/"
  done
  echo "fixtures/check/$case: base=base head=$variant"
done
