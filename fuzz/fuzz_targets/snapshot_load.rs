//! Arbitrary bytes through `Snapshot::from_slice` (what `--snapshot FILE` does after reading
//! the file). A snapshot that loads is analysed end to end with no configuration (account
//! model, rights, graph, escalation paths, every rule), then written back out, and what was
//! written must load again (what `overreach fetch` writes, `scan` must read).
#![no_main]

use libfuzzer_sys::fuzz_target;
use overreach_analysis::analyze::{Options, analyze};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::suppress::Suppressions;
use overreach_snapshot::Snapshot;

fuzz_target!(|data: &[u8]| {
    let Ok(snapshot) = Snapshot::from_slice(data) else {
        return;
    };
    let options = Options {
        config_wins: false,
        today: Some("2026-11-24".to_owned()),
        unused_days: 90,
    };
    let _ = analyze(
        &snapshot,
        &Config::default(),
        &Baselines::default(),
        &Suppressions::default(),
        &options,
    );
    let mut written = Vec::new();
    snapshot
        .to_writer(&mut written)
        .expect("a loaded snapshot serialises");
    if let Err(e) = Snapshot::from_slice(&written) {
        panic!("a written snapshot does not load again: {e}");
    }
});
