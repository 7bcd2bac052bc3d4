use std::io::IsTerminal;

use clap::Parser;
use raven_console::server::cli::{Cli, run};
use tracing_subscriber::EnvFilter;

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
