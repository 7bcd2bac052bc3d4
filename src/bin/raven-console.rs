use raven_console::console::{self, config::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match console::run(Args::from_process()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raven-console: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
