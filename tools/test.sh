#!/usr/bin/env bash
# The project's one test command (README "Testing"): sets up what the tests need on a fresh
# machine, then runs every check CI runs. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "setting up test dependencies"
if ! command -v moto_server >/dev/null 2>&1; then
    # a real IAM API on loopback for the fetcher's tests
    python3 -m pip install --quiet 'moto[server]>=5.1,<6'
fi
if ! command -v cfn-lint >/dev/null 2>&1; then
    # CloudFormation's linter accepts every template fixture of the check (tests/check_cases.rs)
    python3 -m pip install --quiet 'cfn-lint==1.51.0'
fi
if ! cargo deny --version >/dev/null 2>&1; then
    cargo install --locked --quiet cargo-deny@0.20.2
fi
if [ ! -x /usr/bin/chromium ]; then
    # Debian's headless Chromium renders the HTML report in tests/html_report.rs
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "cargo deny check licenses bans sources"
cargo deny --log-level error check licenses bans sources

step "all checks passed"
