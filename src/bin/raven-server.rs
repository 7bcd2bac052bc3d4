use std::io::IsTerminal;

use clap::Parser;
use raven_console::server::cli::{Cli, LogFormat, run};
use tracing_subscriber::EnvFilter;

/// glibc malloc cost ~15% of the CPU of a list request under load (its arena
/// locks and `malloc_consolidate`, with rows freed on another thread than the
/// one that made them: sqlx's SQLite worker); mimalloc serves the same work with
/// about 1.25x the requests/s (docs/BENCHMARKS.md, finding 4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("RAVEN_LOG")
        // sqlx warns of every statement over a second with its whole text:
        // a seed's index builds, a migration. Noise by default.
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx::query=error"));
    // Log lines go out from a thread of their own, in batches: written on the
    // request's thread, one `write` each, they were a twentieth of a list
    // request's CPU, and a log reader that stalls would stall every request
    // (docs/BENCHMARKS.md, finding 18). Dropping the guard flushes them.
    let (writer, flush_logs) =
        tracing_appender::non_blocking(std::io::BufWriter::new(std::io::stderr()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => {
            raven_console::server::log_request_fields(true);
            logs.json()
                .flatten_event(true)
                .with_current_span(false)
                .init();
        }
    }
    let result = run(cli).await;
    // The last log lines before the error, in the order they happened.
    drop(flush_logs);
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raven-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
