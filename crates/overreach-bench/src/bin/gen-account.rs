//! `gen-account --size small|medium|large|xlarge [--seed N] [--accounts N] -o FILE`: writes a
//! deterministic synthetic `aws iam get-account-authorization-details` JSON and a matching
//! `overreach.toml` next to it. With `--accounts N` (organization mode) it writes N files
//! `STEM-ACCOUNTID.json` whose roles trust each other across accounts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use overreach_bench::{Size, write_accounts};

const USAGE: &str =
    "usage: gen-account --size small|medium|large|xlarge [--seed N] [--accounts N] -o FILE";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-account: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut size = None;
    let mut seed = 1u64;
    let mut accounts = 1usize;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--size" => {
                let v = value("--size")?;
                size = Some(Size::parse(&v).ok_or_else(|| format!("unknown size `{v}`\n{USAGE}"))?);
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--accounts" => {
                accounts = value("--accounts")?
                    .parse()
                    .map_err(|e| format!("--accounts: {e}"))?;
            }
            "-o" | "--output" => out = Some(PathBuf::from(value("-o")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let size = size.ok_or_else(|| format!("--size is required\n{USAGE}"))?;
    let out = out.ok_or_else(|| format!("-o FILE is required\n{USAGE}"))?;
    if accounts == 0 {
        return Err("--accounts must be at least 1".into());
    }
    let start = Instant::now();
    let written = write_accounts(size, seed, accounts, &out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    for (path, s) in &written {
        eprintln!(
            "{}: {} users, {} groups, {} roles, {} customer + {} AWS managed policies, {:.1} MB",
            path.display(),
            s.users,
            s.groups,
            s.roles,
            s.customer_policies,
            s.aws_policies,
            s.bytes as f64 / 1e6
        );
    }
    eprintln!("in {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}
