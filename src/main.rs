//! The `dossier` binary: parse arguments, call the library, map the result
//! to an exit code. Everything else lives in the library (see `ARCHITECTURE.md`).

/// jemalloc on Linux, as Python Polars uses there: Polars allocates and
/// frees many short-lived buffers from its worker threads. With huge pages
/// for its memory (`MALLOC_CONF` below) the 10M-row query of BENCHMARKS.md
/// takes 0.77x the time it took with mimalloc.
#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts (`_RJEM_MALLOC_CONF` in the
/// environment overrides them): transparent huge pages for the heap, which
/// saves the kernel zeroing and mapping a 4 KiB page at a time as Polars'
/// buffers grow.
#[cfg(target_os = "linux")]
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8] = b"thp:always\0";

/// mimalloc elsewhere.
#[cfg(not(target_os = "linux"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dossier::cli::main()
}
