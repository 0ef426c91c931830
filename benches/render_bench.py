#!/usr/bin/env python3
"""Briefing benchmarks (issues: briefings, PDF).

Measures, in one run, from a cold process each time (release build):
  - `dossier render --format html` of both bundled briefings (median of N),
  - `dossier render --format pdf` of both bundled briefings (median of N),
  - the time to render each chart kind (mean over reps, inside one process),
and prints a Markdown table for BENCHMARKS.md.

    python3 benches/render_bench.py            # build release, 15 runs
    python3 benches/render_bench.py --runs 5 --no-build
"""
import argparse, os, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/dossier-target"))
BIN = Path(os.environ.get("DOSSIER_BIN", TARGET / "release" / "dossier"))


def timed(args):
    t = time.perf_counter()
    p = subprocess.run([str(BIN)] + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"dossier {' '.join(args)} failed:\n{p.stderr}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--bin", "dossier"], cwd=ROOT, check=True)
    timed(["render", "--format", "html"])  # warm the page cache once
    html, pdf = [], []
    for _ in range(a.runs):  # interleaved, so both see the same machine noise
        html.append(timed(["render", "--format", "html"]))
        pdf.append(timed(["render", "--format", "pdf"]))
    out = subprocess.run([str(BIN), "run", "benches/chart_kinds.rhai", "-P", f"reps={a.reps}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    kinds = [l.split() for l in out.strip().splitlines()]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    mh, mp = statistics.median(html), statistics.median(pdf)
    print(f"commit {commit}, {a.runs} runs, release build, cold process each run\n")
    print("| measure | median | p90 | target | ratio to target |")
    print("|---|---:|---:|---:|---:|")
    q = lambda xs: sorted(xs)[int(0.9 * (len(xs) - 1))]
    print(f"| `dossier render --format html` (both briefings) | {mh*1000:.0f} ms | {q(html)*1000:.0f} ms | 150 ms | {mh/0.150:.2f} |")
    print(f"| `dossier render --format pdf` (both briefings) | {mp*1000:.0f} ms | {q(pdf)*1000:.0f} ms | 1000 ms | {mp/1.0:.2f} |")
    print(f"| PDF / HTML | {mp/mh:.2f}× | | | |")
    print("\n| chart kind | ms per chart (mean of %d) |" % a.reps)
    print("|---|---:|")
    for k, ms in kinds:
        print(f"| {k} | {float(ms):.2f} |")


if __name__ == "__main__":
    main()
