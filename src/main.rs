//! The `dossier` binary: parse arguments, call the library, map the result
//! to an exit code. Everything else lives in the library (see `ARCHITECTURE.md`).

/// mimalloc: Polars allocates and frees many short-lived buffers from its
/// worker threads, where it is faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dossier::cli::main()
}
