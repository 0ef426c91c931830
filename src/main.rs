//! The `dossier` binary: parse arguments, call the library, map the result
//! to an exit code. Everything else lives in the library (see `ARCHITECTURE.md`).

/// jemalloc on Linux, as Python Polars uses there, with its default
/// settings (`_RJEM_MALLOC_CONF` in the environment changes them): Polars
/// allocates and frees many short-lived buffers from its worker threads.
/// Measured against mimalloc in BENCHMARKS.md (issue 12): the 10M-row query
/// 0.83x the time, both briefings with a third less memory.
#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// mimalloc elsewhere.
#[cfg(not(target_os = "linux"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dossier::cli::main()
}
