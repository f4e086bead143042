#!/usr/bin/env bash
# Reproduces BENCHMARKS.md ("Current figures"): builds the two binaries, then runs the harness per
# size. Usage: tools/bench/run.sh [SIZE…]   (default: small medium large)
# small and medium run every stage, `overreach scan` and cloudsplaining (when installed); large
# skips cloudsplaining (single-threaded, far longer); xlarge runs the stages up to the
# condensation in the harness, then `overreach scan` end to end under /usr/bin/time (it needs
# about 17 GB of memory and 6 minutes on a 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p overreach-cli -p overreach-bench
sizes=("${@:-small medium large}")
for size in ${sizes[@]}; do
  case "$size" in
    small|medium)
      ./target/release/bench --size "$size" --mem-limit-gib 8 --timeout-secs 600 \
        --json "target/bench/$size.json" ;;
    large)
      ./target/release/bench --size large --no-cloudsplaining --mem-limit-gib 16 --timeout-secs 800 \
        --json target/bench/large.json ;;
    xlarge)
      ./target/release/bench --size xlarge --no-cloudsplaining --no-cli --no-analyze --mem-limit-gib 20 \
        --timeout-secs 1100 --json target/bench/xlarge-stages.json
      /usr/bin/time -f "%e s, %M KiB" ./target/release/overreach scan \
        --snapshot target/bench/xlarge/account.json --config target/bench/xlarge/overreach.toml \
        --format json=target/bench/xlarge/report.json --fail-on never ;;
    *) echo "unknown size $size" >&2; exit 2 ;;
  esac
done
# Where the time goes (perf with the software clock; hardware counters are not available in VMs):
#   perf record -F 199 --call-graph dwarf,32768 -o /tmp/p.data ./target/release/overreach scan \
#     --snapshot target/bench/medium/account.json --config target/bench/medium/overreach.toml \
#     --format json=/tmp/x.json --fail-on never
#   perf report -i /tmp/p.data --children --stdio -g none --percent-limit 3
