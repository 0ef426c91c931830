//! The `dossier` binary: parse arguments, call the library, map the result
//! to an exit code. Everything else lives in the library (see `ARCHITECTURE.md`).

fn main() -> std::process::ExitCode {
    dossier::cli::main()
}
