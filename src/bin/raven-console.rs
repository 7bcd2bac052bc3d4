use raven_console::console::{self, config::Args};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match console::run(Args::from_process()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raven-console: {e:#}");
            // Like clap's own usage errors: the invocation, not the run, was wrong.
            if e.downcast_ref::<console::config::UsageError>().is_some() {
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}
