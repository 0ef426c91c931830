//! Build script. Two link settings for the `dossier` executable on Linux
//! x86-64, both for the speed of a cold start (BENCHMARKS.md, issue 12):
//!
//! - It is linked at a fixed address (`-no-pie`), as Go links its binaries:
//!   a position-independent build of this size carries 215,189 relative
//!   relocations (5 MB of `.rela.dyn`) that the loader applies at every
//!   start, copying the 4 MB of `.data.rel.ro` page by page (about 1,000
//!   page faults, most of a `dossier --version`). Shared libraries, the
//!   heap, the stack and every mapping stay randomised. `DOSSIER_PIE=1` at
//!   build time keeps the position-independent executable.
//! - Release builds lay out first, side by side, the functions a render
//!   runs (`build/link-order.txt`, made by `benches/link_order.py`), so a
//!   render touches about 6 MB of the 90 MB of code instead of pages all
//!   over it: a third of the code page faults, and fewer TLB and cache
//!   misses. This needs LLD, the linker Rust uses by default on this
//!   target since 1.90; a build with another linker (a `linker` or
//!   `-fuse-ld` in RUSTFLAGS), or with `DOSSIER_LINK_ORDER=0`, links in
//!   the compiler's order. Names the file lists that a build lacks are
//!   skipped, so a stale list only costs speed.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOSSIER_PIE");
    println!("cargo:rerun-if-env-changed=DOSSIER_LINK_ORDER");
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    if env("CARGO_CFG_TARGET_OS") != "linux" || env("CARGO_CFG_TARGET_ARCH") != "x86_64" {
        return;
    }
    if std::env::var_os("DOSSIER_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let order = Path::new(&env("CARGO_MANIFEST_DIR")).join("build/link-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    if env("PROFILE") == "release"
        && env("DOSSIER_LINK_ORDER") != "0"
        && order.is_file()
        && links_with_lld(
            &env("TARGET"),
            &env("CARGO_ENCODED_RUSTFLAGS"),
            &env("RUSTC"),
        )
    {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the final link uses LLD: Rust's default for
/// `x86_64-unknown-linux-gnu` from 1.90 on, unless the flags name another
/// linker.
fn links_with_lld(target: &str, encoded_rustflags: &str, rustc: &str) -> bool {
    if target != "x86_64-unknown-linux-gnu" {
        return false;
    }
    let flags: Vec<&str> = encoded_rustflags.split('\x1f').collect();
    let other_linker = flags.iter().enumerate().any(|(i, f)| {
        let next = flags.get(i + 1).copied().unwrap_or("");
        let arg = if *f == "-C" {
            next
        } else {
            f.trim_start_matches("-C")
        };
        arg.starts_with("linker=")
            || arg.starts_with("linker-flavor=")
            || (arg.contains("-fuse-ld=") && !arg.contains("-fuse-ld=lld"))
    });
    if other_linker {
        return false;
    }
    let rustc = if rustc.is_empty() { "rustc" } else { rustc };
    let Ok(out) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(release) = text.lines().find_map(|l| l.strip_prefix("release: ")) else {
        return false;
    };
    let mut parts = release
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
