//! The `kefu` command: serve the site, or run one maintenance task.
use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = kefu::cli::Cli::parse();
    kefu::telemetry::init();
    match kefu::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kefu: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
