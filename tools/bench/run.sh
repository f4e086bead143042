#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: builds the two binaries, then runs the harness per size.
# Usage: tools/bench/run.sh [SIZE…]   (default: small medium)
# Sizes whose analysis runs out of memory are reported as such (the harness runs the analysis in
# a child process under `prlimit --as`, default 12 GiB, and a timeout, default 900 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p overreach-cli -p overreach-bench
sizes=("${@:-small medium}")
for size in ${sizes[@]}; do
  ./target/release/bench --size "$size" --rules-sample 25 --mem-limit-gib 8 --timeout-secs 480 \
    --json "target/bench/$size.json"
done
# Where the time goes (perf with the software clock; hardware counters are not available in VMs):
#   perf record -e cpu-clock --call-graph dwarf,16384 -F 200 -o /tmp/p.data \
#     ./target/release/bench --worker target/bench/medium/account.json target/bench/medium/overreach.toml --no-analyze
#   perf report -i /tmp/p.data --children --stdio -g none --percent-limit 3
