//! `bench --size small|medium|large|xlarge [--size …] [--seed N] [--dir DIR] [--overreach BIN]
//! [--no-cli] [--no-cloudsplaining] [--json FILE]`
//!
//! Times every stage of an analysis of a generated account (generating it into
//! `target/bench/SIZE/` when missing): parse floor, load, account model, rights, graph,
//! escalation edges, the condensation into strongly connected components, declarations, the full
//! `analyze`, then the real `overreach scan` binary
//! end to end (under `/usr/bin/time -v` when present, for its peak memory), and `cloudsplaining`
//! on the same file when it is installed.
//!
//! Stage peaks come from `VmHWM` in `/proc/self/status`, reset before each stage through
//! `/proc/self/clear_refs` (Linux), so each is the peak resident memory reached during that stage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The allocator of the `overreach` binary, so the stages measure what a scan runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use overreach_analysis::account::Account;
use overreach_analysis::analyze::{Context, Options, PrincipalView, analyze};
use overreach_analysis::config::{Baselines, Config};
use overreach_analysis::declared::declare_all;
use overreach_analysis::graph::PermissionGraph;
use overreach_analysis::privesc::{PathCatalog, add_escalation_edges};
use overreach_analysis::rights::Rights;
use overreach_analysis::rules;
use overreach_analysis::suppress::Suppressions;
use overreach_bench::{Size, write_accounts};
use overreach_policy::{Catalog, ManagedPolicies};
use overreach_snapshot::Snapshot;

const USAGE: &str = "usage: bench --size small|medium|large|xlarge[,…] [--seed N] [--dir DIR] [--overreach BIN] [--no-cli] [--no-cloudsplaining] [--rules-breakdown] [--rules-sample N] [--no-analyze] [--no-escalation] [--mem-limit-gib N (default 12)] [--timeout-secs N (default 900)] [--json FILE]";

type Res<T> = Result<T, String>;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--worker") {
        let (Some(file), Some(config)) = (argv.get(2), argv.get(3)) else {
            eprintln!(
                "bench --worker FILE CONFIG [--rules-breakdown] [--rules-sample N] [--no-analyze]"
            );
            return ExitCode::from(2);
        };
        let flag = |f: &str| argv.iter().any(|a| a == f);
        let sample = argv
            .iter()
            .position(|a| a == "--rules-sample")
            .and_then(|i| argv.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let breakdown = flag("--rules-breakdown");
        return match worker(
            Path::new(file),
            Path::new(config),
            breakdown,
            sample,
            !flag("--no-analyze"),
            !flag("--no-escalation"),
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench worker: {e}");
                ExitCode::from(2)
            }
        };
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(2)
        }
    }
}

#[derive(Debug)]
struct Args {
    sizes: Vec<Size>,
    seed: u64,
    dir: PathBuf,
    overreach: PathBuf,
    cli: bool,
    cloudsplaining: bool,
    rules_breakdown: bool,
    rules_sample: usize,
    analyze: bool,
    escalation: bool,
    mem_limit_gib: u64,
    timeout_secs: u64,
    json: Option<PathBuf>,
}

fn parse_args() -> Res<Args> {
    let root = workspace_root();
    let mut a = Args {
        sizes: Vec::new(),
        seed: 1,
        dir: root.join("target/bench"),
        overreach: root.join("target/release/overreach"),
        cli: true,
        cloudsplaining: true,
        rules_breakdown: false,
        rules_sample: 0,
        analyze: true,
        escalation: true,
        mem_limit_gib: 12,
        timeout_secs: 900,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |n: &str| {
            it.next()
                .ok_or_else(|| format!("{n} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--size" => {
                for s in value("--size")?.split(',') {
                    a.sizes.push(
                        Size::parse(s).ok_or_else(|| format!("unknown size `{s}`\n{USAGE}"))?,
                    );
                }
            }
            "--seed" => {
                a.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--dir" => a.dir = PathBuf::from(value("--dir")?),
            "--overreach" => a.overreach = PathBuf::from(value("--overreach")?),
            "--no-cli" => a.cli = false,
            "--no-cloudsplaining" => a.cloudsplaining = false,
            "--rules-breakdown" => a.rules_breakdown = true,
            "--rules-sample" => {
                a.rules_breakdown = true;
                a.rules_sample = value("--rules-sample")?
                    .parse()
                    .map_err(|e| format!("--rules-sample: {e}"))?;
            }
            "--no-analyze" => a.analyze = false,
            "--no-escalation" => {
                a.escalation = false;
                a.analyze = false;
            }
            "--mem-limit-gib" => {
                a.mem_limit_gib = value("--mem-limit-gib")?
                    .parse()
                    .map_err(|e| format!("--mem-limit-gib: {e}"))?
            }
            "--timeout-secs" => {
                a.timeout_secs = value("--timeout-secs")?
                    .parse()
                    .map_err(|e| format!("--timeout-secs: {e}"))?
            }
            "--json" => a.json = Some(PathBuf::from(value("--json")?)),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if a.sizes.is_empty() {
        a.sizes.push(Size::Small);
    }
    Ok(a)
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).unwrap_or(here).to_path_buf()
}

/// Peak resident memory of this process since the last reset, in KiB.
fn vm_hwm_kib() -> u64 {
    proc_status("VmHWM:")
}

fn proc_status(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0); false when not possible.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[derive(Debug, Clone)]
struct Stage {
    name: String,
    secs: f64,
    /// Peak RSS during the stage (KiB), when measurable.
    peak_kib: Option<u64>,
    note: String,
}

struct Recorder {
    stages: Vec<Stage>,
    can_reset: bool,
    pending: bool,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Recorder {
    fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let can = self.can_reset && reset_hwm();
        let start = Instant::now();
        self.flush();
        let out = f();
        let secs = start.elapsed().as_secs_f64();
        let peak = if can { Some(vm_hwm_kib()) } else { None };
        self.stages.push(Stage {
            name: name.to_string(),
            secs,
            peak_kib: peak,
            note: String::new(),
        });
        self.pending = true;
        out
    }

    /// Adds a note to the last stage and prints it.
    fn note(&mut self, note: String) {
        if let Some(s) = self.stages.last_mut() {
            s.note = note;
        }
        self.flush();
    }

    /// Prints the last stage when not printed yet.
    fn flush(&mut self) {
        if self.pending
            && let Some(s) = self.stages.last()
        {
            print_stage(s);
        }
        self.pending = false;
    }
}

/// One stage as a JSON line on stdout (the worker's protocol with its parent).
fn print_stage(s: &Stage) {
    use std::io::Write;
    let line = serde_json::json!({"stage": s.name, "secs": s.secs, "peak_kib": s.peak_kib, "note": s.note});
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fmt_kib(k: Option<u64>) -> String {
    match k {
        Some(k) => format!("{:.0} MiB", k as f64 / 1024.0),
        None => "n/a".into(),
    }
}

/// An external command's wall time and, under `/usr/bin/time -v`, its peak RSS.
#[derive(Debug)]
struct External {
    secs: f64,
    max_rss_kib: Option<u64>,
    status: String,
}

fn run_external(args: &Args, program: &Path, rest: &[&str], log: &Path) -> Res<External> {
    let time_bin = Path::new("/usr/bin/time");
    let mut full: Vec<String> = Vec::new();
    let runner: PathBuf = if time_bin.exists() {
        full.push("-v".into());
        full.push("-o".into());
        full.push(log.display().to_string());
        full.push(program.display().to_string());
        time_bin.to_path_buf()
    } else {
        program.to_path_buf()
    };
    full.extend(rest.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
    let _ = std::fs::remove_file(log);
    let start = Instant::now();
    let (status, _) = run_limited(args, &runner, &refs, false)?;
    let secs = start.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let max_rss_kib = text
        .lines()
        .find(|l| l.contains("Maximum resident set size"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse().ok());
    let status = text
        .lines()
        .find(|l| {
            l.contains("Command terminated by signal")
                || l.contains("Command exited with non-zero status")
        })
        .map(|l| l.trim().to_string())
        .unwrap_or(status);
    Ok(External {
        secs,
        max_rss_kib,
        status,
    })
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

#[derive(Debug)]
struct SizeResult {
    size: Size,
    file: PathBuf,
    bytes: u64,
    stages: Vec<Stage>,
    worker_status: String,
    cli: Option<External>,
    cloudsplaining: Option<External>,
    cloudsplaining_missing: bool,
    total_secs: f64,
}

/// Runs the in-process stages in a child process (`bench --worker FILE CONFIG`) under the
/// memory limit and timeout, so that one size running out of memory is a result, not a crash.
fn bench_size(args: &Args, size: Size) -> Res<SizeResult> {
    let total = Instant::now();
    let dir = args.dir.join(size.name());
    let file = dir.join("account.json");
    let config_path = dir.join("overreach.toml");
    eprintln!("== {} ({})", size.name(), file.display());
    let mut stages = Vec::new();
    if !file.exists() || !config_path.exists() {
        let start = Instant::now();
        let written = write_accounts(size, args.seed, 1, &file)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let secs = start.elapsed().as_secs_f64();
        let note = written
            .first()
            .map(|(_, s)| {
                format!(
                    "{} users, {} groups, {} roles, {} + {} policies",
                    s.users, s.groups, s.roles, s.customer_policies, s.aws_policies
                )
            })
            .unwrap_or_default();
        eprintln!("  generated in {secs:.2} s: {note}");
        stages.push(Stage {
            name: "generate (gen-account; not part of any total)".into(),
            secs,
            peak_kib: None,
            note,
        });
    }
    let bytes = std::fs::metadata(&file).map_err(|e| e.to_string())?.len();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let file_s = file.display().to_string();
    let config_s = config_path.display().to_string();
    let sample_s = args.rules_sample.to_string();
    let mut worker_args = vec!["--worker", &file_s, &config_s, "--rules-sample", &sample_s];
    if args.rules_breakdown {
        worker_args.push("--rules-breakdown");
    }
    if !args.analyze {
        worker_args.push("--no-analyze");
    }
    if !args.escalation {
        worker_args.push("--no-escalation");
    }
    let (status, lines) = run_limited(args, &exe, &worker_args, true)?;
    for line in lines {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            stages.push(Stage {
                name: v["stage"].as_str().unwrap_or("?").to_string(),
                secs: v["secs"].as_f64().unwrap_or(0.0),
                peak_kib: v["peak_kib"].as_u64(),
                note: v["note"].as_str().unwrap_or("").to_string(),
            });
        }
    }
    eprintln!("  worker: {status}");

    let cli = if args.cli {
        if args.overreach.is_file() {
            let out = std::env::temp_dir().join(format!("overreach-bench-{}.json", size.name()));
            let out_arg = format!("json={}", out.display());
            eprintln!("  running {} scan …", args.overreach.display());
            let e = run_external(
                args,
                &args.overreach,
                &[
                    "scan",
                    "--snapshot",
                    &file_s,
                    "--config",
                    &config_s,
                    "--format",
                    &out_arg,
                    "--fail-on",
                    "never",
                    "--as-of",
                    "2026-11-24",
                ],
                &dir.join("overreach-scan.log"),
            )?;
            eprintln!(
                "  overreach scan (end to end)              {:>9.3} s   peak RSS {} ({})",
                e.secs,
                fmt_kib(e.max_rss_kib),
                e.status
            );
            Some(e)
        } else {
            eprintln!(
                "  {} not found: build it with `cargo build --release -p overreach-cli`",
                args.overreach.display()
            );
            None
        }
    } else {
        None
    };

    let mut cloudsplaining_missing = false;
    let cloudsplaining = if args.cloudsplaining {
        match which("cloudsplaining") {
            Some(bin) => {
                let out = dir.join("cloudsplaining");
                let _ = std::fs::create_dir_all(&out);
                let out_s = out.display().to_string();
                eprintln!("  running cloudsplaining scan …");
                let e = run_external(
                    args,
                    &bin,
                    &["scan", "--input-file", &file_s, "--output", &out_s],
                    &dir.join("cloudsplaining.log"),
                )?;
                eprintln!(
                    "  cloudsplaining scan (end to end)         {:>9.3} s   peak RSS {} ({})",
                    e.secs,
                    fmt_kib(e.max_rss_kib),
                    e.status
                );
                Some(e)
            }
            None => {
                eprintln!("  cloudsplaining: not found (pip install cloudsplaining)");
                cloudsplaining_missing = true;
                None
            }
        }
    } else {
        None
    };

    Ok(SizeResult {
        size,
        file,
        bytes,
        stages,
        worker_status: status,
        cli,
        cloudsplaining,
        cloudsplaining_missing,
        total_secs: total.elapsed().as_secs_f64(),
    })
}

/// Runs `program args` under `prlimit --as` (when present) and the timeout; returns its status
/// and, when `capture` is set, its stdout lines (echoed to stderr as they come).
fn run_limited(
    args: &Args,
    program: &Path,
    rest: &[&str],
    capture: bool,
) -> Res<(String, Vec<String>)> {
    let mut cmd = if Path::new(PRLIMIT).exists() {
        let mut c = Command::new(PRLIMIT);
        c.arg(format!("--as={}", args.mem_limit_gib * (1u64 << 30)))
            .arg("--")
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(rest).stdin(Stdio::null());
    cmd.stdout(if capture {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let reader = child.stdout.take().map(|out| {
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut lines = Vec::new();
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    eprintln!(
                        "  {:<52} {:>9.3} s   peak RSS {}   {}",
                        v["stage"].as_str().unwrap_or("?"),
                        v["secs"].as_f64().unwrap_or(0.0),
                        fmt_kib(v["peak_kib"].as_u64()),
                        v["note"].as_str().unwrap_or("")
                    );
                }
                lines.push(line);
            }
            lines
        })
    });
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(st) => break describe(st),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("killed after the {} s timeout", args.timeout_secs);
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let lines = reader.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok((status, lines))
}

const PRLIMIT: &str = "/usr/bin/prlimit";

fn describe(st: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(6)) => "aborted (SIGABRT: out of memory under the limit?)".into(),
        (None, Some(9)) => "killed (SIGKILL)".into(),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown".into(),
    }
}

/// The worker: every in-process stage, one JSON line per stage on stdout.
fn worker(
    file: &Path,
    config_path: &Path,
    rules_breakdown: bool,
    sample: usize,
    full: bool,
    escalation: bool,
) -> Res<()> {
    let mut rec = Recorder {
        stages: Vec::new(),
        can_reset: reset_hwm(),
        pending: false,
    };
    let data = rec.time("read file", || std::fs::read(file));
    let data = data.map_err(|e| format!("{}: {e}", file.display()))?;
    rec.time(
        "parse floor, cold (first parse: allocator still growing)",
        || serde_json::from_slice::<Snapshot>(&data).map(drop),
    )
    .map_err(|e| format!("parse: {e}"))?;
    let floor = rec.time("parse floor: serde_json::from_slice::<Snapshot>", || {
        serde_json::from_slice::<Snapshot>(&data).map(|s| {
            (
                s.users.len(),
                s.groups.len(),
                s.roles.len(),
                s.policies.len(),
            )
        })
    });
    let (u, g, r, p) = floor.map_err(|e| format!("parse: {e}"))?;
    rec.note(format!("{u} users, {g} groups, {r} roles, {p} policies"));
    rec.time("parse: Snapshot::from_slice (as the CLI)", || {
        Snapshot::from_slice(&data).map(drop)
    })
    .map_err(|e| format!("parse: {e}"))?;
    drop(data);
    let snapshot = rec.time("load: read + Snapshot::from_slice", || {
        std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| Snapshot::from_slice(&b).map_err(|e| e.to_string()))
    })?;
    rec.time("catalogue + managed policies (embedded, once)", || {
        (
            Catalog::embedded().len(),
            ManagedPolicies::embedded().version.len(),
        )
    });
    let catalog = Catalog::embedded();
    let account = rec.time("account model: Account::from_snapshot", || {
        Account::from_snapshot(&snapshot, ManagedPolicies::embedded())
    });
    rec.note(format!(
        "{} principals, {} policies",
        account.principals.len(),
        account.policies.len()
    ));
    let rights = rec.time("rights: Rights::compute", || {
        Rights::compute(&account, catalog)
    });
    let mut graph = rec.time("graph: PermissionGraph::build", || {
        PermissionGraph::build(&account, &rights)
    });
    let before = graph.graph.edge_count();
    rec.note(format!(
        "{} nodes, {} edges",
        graph.graph.node_count(),
        before
    ));
    if !escalation {
        return Ok(());
    }
    let paths = PathCatalog::embedded().map_err(|e| e.to_string())?;
    rec.time("graph: add_escalation_edges", || {
        add_escalation_edges(&mut graph, &account, &rights, paths)
    });
    rec.note(format!(
        "+{} edges",
        graph.graph.edge_count().saturating_sub(before)
    ));
    let condensed = rec.time("condensation: strongly connected components", || {
        overreach_analysis::condensed::Condensed::build(&graph)
    });
    rec.note(format!(
        "{} components, the largest of {} nodes",
        condensed.component_count(),
        condensed.largest_component()
    ));
    drop(condensed);

    let text = std::fs::read_to_string(config_path).map_err(|e| e.to_string())?;
    let (config, baselines) =
        rec.time("declared roles: Config::parse + Baselines::build", || {
            let config = Config::parse(&text, &config_path.display().to_string())
                .map_err(|e| e.to_string())?;
            let baselines = Baselines::build(
                &config,
                &BTreeMap::new(),
                catalog,
                ManagedPolicies::embedded(),
            )
            .map_err(|e| e.to_string())?;
            Ok::<_, String>((config, baselines))
        })?;
    let options = Options {
        config_wins: false,
        today: Some("2026-11-24".into()),
        unused_days: 90,
    };
    if rules_breakdown {
        rules_breakdown_stages(
            &mut rec, &snapshot, &account, &rights, &graph, &config, &baselines, &options, sample,
        );
    }
    drop(graph);
    drop(rights);
    drop(account);
    if !full {
        return Ok(());
    }
    let analysis = rec.time("full analysis: analyze()", || {
        analyze(
            &snapshot,
            &config,
            &baselines,
            &Suppressions::default(),
            &options,
        )
    });
    let groups: usize = analysis.findings.iter().map(|f| f.excess.len()).sum();
    let listed: usize = analysis
        .findings
        .iter()
        .flat_map(|f| &f.excess)
        .map(|g| g.actions.len())
        .sum();
    rec.note(format!(
        "{} findings, {groups} excess groups, {listed} listed actions",
        analysis.findings.len()
    ));
    Ok(())
}

/// Times `analyze::view` and each rule separately over every principal, dropping findings
/// after each principal (so memory stays that of one principal's findings).
#[allow(
    clippy::too_many_arguments,
    reason = "a benchmark stage over the pipeline's parts"
)]
fn rules_breakdown_stages(
    rec: &mut Recorder,
    snapshot: &Snapshot,
    account: &Account,
    rights: &Rights,
    graph: &PermissionGraph,
    config: &Config,
    baselines: &Baselines,
    options: &Options,
    sample: usize,
) {
    let declared = rec.time("declarations: declare_all", || {
        declare_all(account, config, options.config_wins)
    });
    let condensed = rec.time("condensation: strongly connected components", || {
        overreach_analysis::condensed::Condensed::build(graph)
    });
    let ctx = Context {
        account,
        snapshot,
        rights,
        graph,
        condensed: &condensed,
        config,
        baselines,
        declared: &declared,
        options,
        catalog: Catalog::embedded(),
        memo: Default::default(),
    };
    let n = rules::RULES.len();
    let mut secs = vec![0.0f64; n];
    let mut found = vec![0usize; n];
    let mut groups = vec![0usize; n];
    let mut listed = vec![0usize; n];
    let mut view_secs = 0.0;
    let mut holders = 0usize;
    let mut peak_principal = (0.0f64, 0usize);
    rec.flush();
    let all = account.principals.len();
    let step = if sample == 0 || sample >= all {
        1
    } else {
        all.div_ceil(sample)
    };
    let chosen: Vec<usize> = (0..all).step_by(step).collect();
    let can = rec.can_reset && reset_hwm();
    let start = Instant::now();
    for &p in &chosen {
        let t = Instant::now();
        let v = PrincipalView::new(&ctx, p);
        view_secs += t.elapsed().as_secs_f64();
        holders += 1;
        let mut findings = Vec::new();
        for (i, rule) in rules::RULES.iter().enumerate() {
            let t = Instant::now();
            let before = findings.len();
            (rule.check)(&ctx, &v, &mut findings);
            secs[i] += t.elapsed().as_secs_f64();
            found[i] += findings.len() - before;
            for f in &findings[before..] {
                groups[i] += f.excess.len();
                listed[i] += f.excess.iter().map(|g| g.actions.len()).sum::<usize>();
            }
        }
        let el = t.elapsed().as_secs_f64();
        if el > peak_principal.0 {
            peak_principal = (el, p);
        }
    }
    let total = start.elapsed().as_secs_f64();
    let peak = if can { Some(vm_hwm_kib()) } else { None };
    let mut emit = |name: String, secs: f64, note: String| {
        rec.stages.push(Stage {
            name,
            secs,
            peak_kib: peak,
            note,
        });
        if let Some(st) = rec.stages.last() {
            print_stage(st);
        }
    };
    emit(
        "rules breakdown: principal views (every principal)".into(),
        view_secs,
        format!("{holders} views"),
    );
    for (i, rule) in rules::RULES.iter().enumerate() {
        emit(
            format!("rules breakdown: {}", rule.id),
            secs[i],
            format!(
                "{} findings, {} excess groups, {} listed actions",
                found[i], groups[i], listed[i]
            ),
        );
    }
    emit(
        "rules breakdown: total (view + rules, findings dropped)".into(),
        total,
        format!(
            "{} of {all} principals (every {step}th){}; slowest principal {:.3} s: {}",
            chosen.len(),
            if step > 1 {
                format!(", × {step} ≈ {:.0} s for all", total * step as f64)
            } else {
                String::new()
            },
            peak_principal.0,
            account
                .principals
                .get(peak_principal.1)
                .map(|p| p.arn.as_str())
                .unwrap_or("")
        ),
    );
}
fn report(results: &[SizeResult]) -> String {
    let mut s = String::new();
    for r in results {
        let _ = writeln!(
            s,
            "\n### {} — {} ({:.1} MB)",
            r.size.name(),
            r.file.display(),
            r.bytes as f64 / 1e6,
        );
        let _ = writeln!(
            s,
            "\n| stage | seconds | peak RSS | note |\n|---|---:|---:|---|"
        );
        for st in &r.stages {
            let _ = writeln!(
                s,
                "| {} | {:.3} | {} | {} |",
                st.name,
                st.secs,
                fmt_kib(st.peak_kib),
                st.note
            );
        }
        if let Some(e) = &r.cli {
            let _ = writeln!(
                s,
                "| `overreach scan` end to end (json report) | {:.3} | {} | {} |",
                e.secs,
                fmt_kib(e.max_rss_kib),
                e.status
            );
        }
        match (&r.cloudsplaining, &r.cli) {
            (Some(c), Some(o)) if o.status == "exit 0" => {
                let _ = writeln!(
                    s,
                    "| `cloudsplaining scan` end to end | {:.3} | {} | {}; {:.1}× overreach's time |",
                    c.secs,
                    fmt_kib(c.max_rss_kib),
                    c.status,
                    c.secs / o.secs.max(1e-9)
                );
            }
            (Some(c), _) => {
                let _ = writeln!(
                    s,
                    "| `cloudsplaining scan` end to end | {:.3} | {} | {} |",
                    c.secs,
                    fmt_kib(c.max_rss_kib),
                    c.status
                );
            }
            _ if r.cloudsplaining_missing => {
                let _ = writeln!(s, "| `cloudsplaining` | — | — | not found |");
            }
            _ => {}
        }
        let _ = writeln!(
            s,
            "\nin-process worker: {}; peak RSS of the in-process stages: {}; bench wall time for this size: {:.1} s",
            r.worker_status,
            fmt_kib(r.stages.iter().filter_map(|s| s.peak_kib).max()),
            r.total_secs
        );
    }
    s
}

fn json(results: &[SizeResult]) -> serde_json::Value {
    let dur = |e: &Option<External>| {
        e.as_ref().map(|e| serde_json::json!({"secs": e.secs, "max_rss_kib": e.max_rss_kib, "status": e.status}))
    };
    serde_json::Value::Array(
        results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "size": r.size.name(),
                    "file": r.file.display().to_string(),
                    "bytes": r.bytes,
                    "worker": r.worker_status,
                    "stages": r.stages.iter().map(|s| serde_json::json!({"stage": s.name, "secs": s.secs, "peak_rss_kib": s.peak_kib, "note": s.note})).collect::<Vec<_>>(),
                    "overreach_scan": dur(&r.cli),
                    "cloudsplaining_scan": dur(&r.cloudsplaining),
                    "total_secs": r.total_secs,
                })
            })
            .collect(),
    )
}

fn run() -> Res<()> {
    let args = parse_args()?;
    let start = Instant::now();
    let mut results = Vec::new();
    for &size in &args.sizes {
        results.push(bench_size(&args, size)?);
    }
    println!("{}", report(&results));
    println!(
        "total bench wall time: {:.1} s",
        Duration::from_secs_f64(start.elapsed().as_secs_f64()).as_secs_f64()
    );
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&json(&results)).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
