//! The `kefu` command: serve the site, or run one maintenance task.
use clap::Parser;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the Tokio runtime")
        .block_on(run())
}

/// glibc gives each thread that allocates its own arena, up to eight per core, and
/// each grows and keeps its own high-water mark: with the server's worker, runtime
/// and blocking threads that was most of the resident memory under load (see
/// bench/RESULTS.md). Two arenas serve two cores' worth of threads as fast.
///
/// Blocks of a megabyte or more (the 19 MiB a password hash works in, a large
/// export) are mapped on their own and given back when freed. Left to itself
/// glibc raises that threshold after the first such block is freed, and every
/// later sign-in's hash then came from an arena that kept it.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

async fn run() -> std::process::ExitCode {
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
