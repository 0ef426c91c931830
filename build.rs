//! Build script. On Linux x86-64 the `dossier` executable is linked at a
//! fixed address (`-no-pie`), as Go links its binaries: a position-
//! independent build of this size carries 215,189 relative relocations
//! (5 MB of `.rela.dyn`) that the loader applies at every start, copying
//! the 4 MB of `.data.rel.ro` page by page (about 1,000 page faults, most
//! of a `dossier --version`). Shared libraries, the heap, the stack and
//! every mapping stay randomised. `DOSSIER_PIE=1` at build time keeps the
//! position-independent executable. BENCHMARKS.md ("Issue 12") has the
//! figures.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOSSIER_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if os == "linux" && arch == "x86_64" && std::env::var_os("DOSSIER_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
