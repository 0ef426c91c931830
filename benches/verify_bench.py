#!/usr/bin/env python3
"""`dossier verify` against `dossier render --format html` (issue 10).

Both on the bundled project, both briefings, in one run, interleaved so
that both see the same machine noise; a cold process each time. Prints the
medians and their ratio (the target: verify at most 2x render) as a
Markdown table for BENCHMARKS.md.

    python3 benches/verify_bench.py                  # release build, 15 runs
    python3 benches/verify_bench.py --debug --runs 9 # the debug binary, no build
"""
import argparse, os, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/dossier-target"))


def timed(binary, args):
    t = time.perf_counter()
    p = subprocess.run([str(binary)] + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} failed:\n{p.stderr}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--debug", action="store_true", help="time the debug binary (no build)")
    a = ap.parse_args()
    profile = "debug" if a.debug else "release"
    binary = Path(os.environ.get("DOSSIER_BIN", TARGET / profile / "dossier"))
    if not a.debug and "DOSSIER_BIN" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--bin", "dossier"], cwd=ROOT, check=True)
    timed(binary, ["render", "--format", "html"])  # warm the page cache once
    timed(binary, ["verify"])
    render, verify = [], []
    for _ in range(a.runs):
        render.append(timed(binary, ["render", "--format", "html"]))
        verify.append(timed(binary, ["verify"]))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    mr, mv = statistics.median(render), statistics.median(verify)
    print(f"commit {commit}, {a.runs} runs, {profile} build, cold process each run\n")
    print("| measure | median | target |")
    print("|---|---:|---:|")
    print(f"| `dossier render --format html` (both briefings) | {mr*1000:.0f} ms | |")
    print(f"| `dossier verify` (both briefings) | {mv*1000:.0f} ms | |")
    print(f"| verify / render | {mv/mr:.2f}x | at most 2x |")


if __name__ == "__main__":
    main()
