use std::io::IsTerminal;

use clap::Parser;
use raven_console::server::cli::{Cli, run};
use tracing_subscriber::EnvFilter;

/// glibc malloc cost ~15% of the CPU of a list request under load (its arena
/// locks and `malloc_consolidate`, with rows freed on another thread than the
/// one that made them: sqlx's SQLite worker); mimalloc serves the same work with
/// about 1.25x the requests/s (docs/BENCHMARKS.md, finding 4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("RAVEN_LOG")
                // sqlx warns of every statement over a second with its whole
                // text: a seed's index builds, a migration. Noise by default.
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx::query=error")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raven-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
