//! `overreach`: finds AWS IAM principals that can do more than their declared role.
//!
//! The binary is glue: the work is done by the library crates. Each subcommand lives in its
//! own file under `cmd/`; exit codes come from one function in `exit.rs`.

mod check;
mod cmd;
mod exit;
mod input;
mod output;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::Outcome;

/// The analysis builds and drops many small action sets and shares: mimalloc's per-thread
/// free lists serve them faster than the system allocator (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Finds AWS IAM principals that can do more than their declared role.
#[derive(Debug, Parser)]
#[command(name = "overreach", version = cmd::long_version(), long_version = cmd::long_version())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Scan(Box<cmd::scan::ScanArgs>),
    Check(Box<cmd::check::CheckArgs>),
    Explain(cmd::explain::ExplainArgs),
    Graph(cmd::graph::GraphArgs),
    Catalog(cmd::catalog::CatalogArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    Fetch(cmd::fetch::FetchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => cmd::scan::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Graph(args) => cmd::graph::run(&args),
        Command::Catalog(args) => cmd::catalog::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "overreach",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Clean)
        }
        Command::Fetch(args) => cmd::fetch::run(&args),
    };
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("error: {err:#}");
            Outcome::Error
        }
    };
    ExitCode::from(outcome.code())
}
