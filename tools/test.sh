#!/usr/bin/env bash
# The project's one test command (README "Testing"): sets up what the tests need on a fresh
# machine, then runs every check CI runs. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# A /dev/null that has become a plain file (a file renamed over it) hands whatever was last
# written to it to every process reading it: cargo's `rustc -` probe then fails with "unknown
# start of token". Put the device back when allowed to, else say what is wrong.
if [ ! -c /dev/null ]; then
    printf 'warning: /dev/null is not the null device; recreating it\n' >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    { $sudo rm -f /dev/null && $sudo mknod -m 666 /dev/null c 1 3; } || {
        printf 'error: /dev/null is broken: run `rm /dev/null && mknod -m 666 /dev/null c 1 3` as root\n' >&2
        exit 1
    }
fi

step() { printf '\n==> %s\n' "$*" >&2; }

step "setting up test dependencies"
need_apt=()
# `overreach check` reads git revisions; its tests make repositories
command -v git >/dev/null 2>&1 || need_apt+=(git)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# Debian's headless Chromium renders the HTML report in tests/html_report.rs
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian and Ubuntu mark the system Python as externally managed: retry with their escape;
# a user install puts its commands in ~/.local/bin
export PATH="$HOME/.local/bin:$PATH"
pip_install() {
    python3 -m pip install --quiet "$@" 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages "$@"
}
if ! command -v moto_server >/dev/null 2>&1; then
    # a real IAM API on loopback for the fetcher's tests
    pip_install 'moto[server]>=5.1,<6'
fi
if ! command -v cfn-lint >/dev/null 2>&1; then
    # CloudFormation's linter accepts every template fixture of the check (tests/check_cases.rs)
    pip_install 'cfn-lint==1.51.0'
fi
if ! cargo deny --version >/dev/null 2>&1; then
    cargo install --locked --quiet cargo-deny@0.20.2
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
