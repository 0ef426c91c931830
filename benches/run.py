#!/usr/bin/env python3
"""Core benchmark: a dossier script against the same query in plain Polars.

    python3 benches/run.py            # build, generate data if needed, measure
    python3 benches/run.py --quick    # fewer runs, for a smoke test
    python3 benches/run.py --rows 1000000

Steps, in one run:
  1. `cargo build --release --bin dossier --examples` (skip with --no-build);
  2. writes benches/data/mirror_trade.parquet with the `gen_mirror_trade`
     example when it is missing or was made for another --rows;
  3. runs (a) `dossier run benches/mirror_gap.rhai` and (b) the
     `bench_plain_polars` example once each to warm the page cache and checks
     that they print the same table, then N more times each, interleaved
     a, b, a, b, … so that both sides share the machine's noise;
  4. times `dossier run benches/empty.rhai` (start-up alone) 30 times;
  5. prints a Markdown table for BENCHMARKS.md.

Wall time is measured around posix_spawn + wait4 of each child; peak memory is
the child's ru_maxrss from wait4 (KiB on Linux). Binaries are taken from
$CARGO_TARGET_DIR/release (default ~/.cache/dossier-target, this project's
convention). Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benches" / "data" / "mirror_trade.parquet"
MANIFEST = DATA.with_suffix(".json")
SCRIPT = "benches/mirror_gap.rhai"
EMPTY = "benches/empty.rhai"


@dataclass
class Run:
    wall_s: float
    maxrss_kib: int
    stdout: str


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "dossier-target")


def spawn(argv: list[str], env: dict[str, str]) -> Run:
    """Runs argv (from the current folder, the project root); returns wall
    time, peak RSS and stdout. Exits on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(
                f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)}):\n"
                + err.read().decode("utf-8", "replace")
            )
        return Run((t1 - t0) / 1e9, usage.ru_maxrss, stdout)


def table_rows(text: str) -> list[list[str]]:
    """The cells of a printed Polars table, body rows only."""
    rows, body = [], False
    for line in text.splitlines():
        if line.startswith("╞"):
            body = True
        elif body and line.startswith("│"):
            rows.append([c.strip() for c in line.strip("│").split("┆")])
    return rows


def same_cell(x: str, y: str) -> bool:
    """Equal as text, or as numbers to the precision of the shorter one
    (dossier prints floats in full, plain Polars to 6 decimals)."""
    if x == y:
        return True
    try:
        fx, fy = float(x), float(y)
    except ValueError:
        return False
    decimals = min(len(v.partition(".")[2]) for v in (x, y))
    return abs(fx - fy) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


def same_table(a: str, b: str) -> bool:
    ra, rb = table_rows(a), table_rows(b)
    return (
        len(ra) > 0
        and len(ra) == len(rb)
        and all(len(x) == len(y) and all(map(same_cell, x, y)) for x, y in zip(ra, rb))
    )


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def machine() -> dict[str, str]:
    model = "?"
    mem = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "?"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip() or "not a git checkout"
    except OSError:
        commit = "?"
    return {
        "commit": commit,
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "kernel": platform.release(),
        "rustc": rustc,
        "date": dt.date.today().isoformat(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="measured runs of each side (default 5)")
    ap.add_argument("--empty-runs", type=int, default=30, help="runs of the empty script (default 30)")
    ap.add_argument("--quick", action="store_true", help="2 runs per side, 10 empty runs")
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows of the generated table (default 10,000,000)")
    ap.add_argument("--no-build", action="store_true", help="use the release binaries as they are")
    ap.add_argument("--debug", action="store_true", help="use the debug binaries (smoke test of this script only)")
    args = ap.parse_args()
    os.chdir(ROOT)  # dossier finds the project root from the current folder
    if args.quick:
        args.runs, args.empty_runs = 2, 10

    tdir = target_dir()
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = str(tdir)
    profile = ["--release"] if not args.debug else []
    if not args.no_build:
        cmd = ["cargo", "build", *profile, "--bin", "dossier", "--examples"]
        print("building: " + " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    bins = tdir / ("debug" if args.debug else "release")
    dossier = str(bins / "dossier")
    plain = str(bins / "examples" / "bench_plain_polars")
    gen = str(bins / "examples" / "gen_mirror_trade")
    for b in (dossier, plain, gen):
        if not os.access(b, os.X_OK):
            sys.exit(f"missing binary {b}: run without --no-build")

    manifest = None
    if DATA.is_file() and MANIFEST.is_file():
        manifest = json.loads(MANIFEST.read_text())
    if manifest is None or manifest.get("rows_target") != args.rows:
        print(f"generating {DATA.relative_to(ROOT)} ({args.rows:,} rows target)", file=sys.stderr, flush=True)
        subprocess.run([gen, "--rows", str(args.rows), "--out", str(DATA)], cwd=ROOT, check=True)
        manifest = json.loads(MANIFEST.read_text())

    side_a = [dossier, "run", SCRIPT]
    side_b = [plain, str(DATA.relative_to(ROOT))]

    # Warm-up (not measured): page cache, and the two outputs must agree.
    wa, wb = spawn(side_a, env), spawn(side_b, env)
    if not same_table(wa.stdout, wb.stdout):
        sys.exit(f"(a) and (b) printed different tables:\n--- (a)\n{wa.stdout}\n--- (b)\n{wb.stdout}")
    print(wa.stdout, file=sys.stderr)
    print(f"(a) and (b) print the same {len(table_rows(wa.stdout))} rows", file=sys.stderr, flush=True)

    a: list[Run] = []
    b: list[Run] = []
    for i in range(args.runs):
        a.append(spawn(side_a, env))
        b.append(spawn(side_b, env))
        print(
            f"  run {i + 1}/{args.runs}: (a) {a[-1].wall_s:.3f} s {a[-1].maxrss_kib / 1024:.0f} MiB"
            f"   (b) {b[-1].wall_s:.3f} s {b[-1].maxrss_kib / 1024:.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    spawn([dossier, "run", EMPTY], env)  # warm-up
    empty = [spawn([dossier, "run", EMPTY], env).wall_s for _ in range(args.empty_runs)]
    version = [spawn([dossier, "--version"], env).wall_s for _ in range(args.empty_runs)]

    a_wall, b_wall = median([r.wall_s for r in a]), median([r.wall_s for r in b])
    a_rss, b_rss = median([r.maxrss_kib for r in a]), median([r.maxrss_kib for r in b])
    r_wall, r_rss = a_wall / b_wall, a_rss / b_rss
    e_med, e_p95 = median(empty) * 1000, p95(empty) * 1000
    ok = lambda good: "meets" if good else "**misses**"  # noqa: E731
    m = machine()

    print()
    if args.debug:
        print("**DEBUG BUILD: these figures are not the benchmark.**")
    print(f"Machine: {m['cpus']} × {m['cpu']}, {m['memory']} RAM, Linux {m['kernel']}; {m['rustc']}; {m['date']}.")
    print(f"Code: {m['commit']}, {'debug' if args.debug else 'release'} build.")
    print(
        f"Data: {manifest['rows']:,} rows ({manifest['countries']} reporters × {manifest['countries'] - 1} partners"
        f" × {manifest['chapters']} HS chapters × {manifest['years']} years), {manifest['bytes'] / 1e6:.1f} MB Parquet."
    )
    print(f"Runs: {args.runs} of each side after one warm-up each, interleaved (a, b, a, b, …); medians.")
    print()
    print("| measure | (a) dossier script | (b) plain Polars | (a)/(b) | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| wall time | {a_wall:.3f} s | {b_wall:.3f} s | {r_wall:.3f} | ≤ 1.10: {ok(r_wall <= 1.10)} |")
    print(
        f"| peak RSS | {a_rss / 1024:.1f} MiB | {b_rss / 1024:.1f} MiB | {r_rss:.3f} | ≤ 1.10: {ok(r_rss <= 1.10)} |"
    )
    print()
    print("| start-up | median | p95 | target |")
    print("|---|---:|---:|---|")
    print(
        f"| `dossier run benches/empty.rhai` ({args.empty_runs} runs) | {e_med:.1f} ms | {e_p95:.1f} ms"
        f" | median ≤ 20 ms: {ok(e_med <= 20)} |"
    )
    print(
        f"| `dossier --version` (process start only, for reference) | {median(version) * 1000:.1f} ms"
        f" | {p95(version) * 1000:.1f} ms | |"
    )
    print()
    print("All runs (wall s / peak MiB):")
    print("  (a) " + "  ".join(f"{r.wall_s:.3f}/{r.maxrss_kib / 1024:.0f}" for r in a))
    print("  (b) " + "  ".join(f"{r.wall_s:.3f}/{r.maxrss_kib / 1024:.0f}" for r in b))
    print("  empty (ms) " + " ".join(f"{x * 1000:.1f}" for x in empty))


if __name__ == "__main__":
    main()
