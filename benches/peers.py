#!/usr/bin/env python3
"""Speed against the Python peers (issue 12), measured in one run.

    python3 benches/peers.py                       # everything below, 7 runs a side
    python3 benches/peers.py --only query --runs 5
    python3 benches/peers.py --only briefings --runs 15
    python3 benches/peers.py --only partitioned    # >= 100M rows, hive-partitioned Parquet
    python3 benches/peers.py --only by_year        # the same rows, partitioned by year

What it compares, each side as a new process, the two sides interleaved
(a, b, a, b, ...) after one warm-up run each, so they share the machine's noise:

  query        `dossier run benches/big_query.rhai -P data=FILE` against
               `python big_query.py FILE` (Python Polars, its default
               streaming engine) on the 10M-row table of gen_big.py:
               wall time and peak memory (ru_maxrss), medians and ratios.
  briefings    `dossier render --format html` (both bundled briefings, cold
               process) against `python briefing.py OUT`; and
               `dossier render --format html,pdf`.
  partitioned  the same query over a hive-partitioned copy of the table
               (--partitions copies, each with its own partner codes, one
               folder part=K per copy, see make_partitioned) read by a
               glob, dossier against Python Polars' streaming engine.
  by_year      the same rows (--partitions copies) partitioned by year
               instead, one folder year=Y per year (see make_by_year), the
               folder given to both sides. The query joins and groups on
               year, so dossier runs it partition by partition
               (src/data/partitionwise.rs); Python Polars streams it whole.

Set-up (once): the peers' virtualenv and data, as their README says:
    python3 -m venv ~/.cache/peers-venv
    ~/.cache/peers-venv/bin/pip install -r ../shared/peers/requirements-lock.txt
The table is generated on first use with the peers' gen_big.py into
benches/data/peer_mirror_trade.parquet (--data to use another file).

The dossier binary is $CARGO_TARGET_DIR/release/dossier (default
~/.cache/dossier-target) unless --dossier is given; this script does not build.
Python 3.11 standard library only; Linux (wait4's ru_maxrss).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benches" / "data" / "peer_mirror_trade.parquet"
PARTITIONED = ROOT / "benches" / "data" / "peer_partitioned"
BY_YEAR = ROOT / "benches" / "data" / "peer_by_year"


@dataclass
class Run:
    wall_s: float
    maxrss_kib: int
    stdout: str


def spawn(argv: list[str], cwd: Path = ROOT) -> Run:
    """Runs argv in cwd; wall time around posix_spawn + wait4, peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        old = os.getcwd()
        os.chdir(cwd)
        try:
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
        finally:
            os.chdir(old)
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(argv)} failed:\n{err.read().decode('utf-8', 'replace')}")
        return Run((t1 - t0) / 1e9, usage.ru_maxrss, out.read().decode("utf-8", "replace"))


def find_peers() -> Path:
    for p in [ROOT.parent / "shared" / "peers", ROOT.parent.parent / "shared" / "peers"]:
        if (p / "big_query.py").exists():
            return p
    sys.exit("cannot find the peers folder (../shared/peers); give --peers")


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def interleave(a: list[str], b: list[str], runs: int, cwd_a: Path = ROOT, cwd_b: Path = ROOT):
    """One warm-up each, then a, b, a, b, ... `runs` times; returns both lists."""
    ra, rb = [spawn(a, cwd_a)], [spawn(b, cwd_b)]
    first = (ra[0].stdout, rb[0].stdout)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(spawn(a, cwd_a))
        rb.append(spawn(b, cwd_b))
    return ra, rb, first


def query_table(name: str, ra: list[Run], rb: list[Run], a: str, b: str, target_wall: float | None,
                mem_limit_mib: float | None = None):
    wa, wb = med([r.wall_s for r in ra]), med([r.wall_s for r in rb])
    ma, mb = med([r.maxrss_kib for r in ra]) / 1024, med([r.maxrss_kib for r in rb]) / 1024
    print(f"\n### {name}\n")
    print(f"| measure | {a} | {b} | ratio | target |")
    print("|---|---:|---:|---:|---|")
    t = f"≤ {target_wall}: {'meets' if wa / wb <= target_wall else 'misses'}" if target_wall else ""
    print(f"| wall time (median of {len(ra)}) | {wa:.3f} s | {wb:.3f} s | **{wa / wb:.2f}** | {t} |")
    m = "≤ 1.00: meets" if ma <= mb else "≤ 1.00: misses"
    print(f"| peak RSS (median) | {ma:.0f} MiB | {mb:.0f} MiB | **{ma / mb:.2f}** | {m if target_wall else ''} |")
    if mem_limit_mib:
        ok = max(r.maxrss_kib for r in ra) / 1024 < mem_limit_mib
        print(f"| {a}'s highest peak RSS | {max(r.maxrss_kib for r in ra) / 1024:.0f} MiB | | | "
              f"< {mem_limit_mib:.0f} MiB: {'meets' if ok else 'misses'} |")
    print("\nAll runs, wall s / peak MiB:\n```")
    print("dossier " + "  ".join(f"{r.wall_s:.3f}/{r.maxrss_kib / 1024:.0f}" for r in ra))
    print("python  " + "  ".join(f"{r.wall_s:.3f}/{r.maxrss_kib / 1024:.0f}" for r in rb))
    print("```")


def check_same(first: tuple[str, str], copies: bool = False):
    """Both sides printed the same row count and top partner. Over the
    partitioned copies the top gap is a tie between the copies (each is the
    same data under its own `CKK` prefix), so the prefix is not compared."""
    a, b = (x.split() for x in first)
    if copies:
        a, b = ([w[3:] if w.startswith("C") and w[1:3].isdigit() else w for w in x] for x in (a, b))
    if a != b:
        sys.exit(f"the two sides disagree:\ndossier: {first[0]!r}\npython: {first[1]!r}")


def make_partitioned(py: str, src: Path, dest: Path, copies: int):
    """Writes `copies` copies of the 10M-row table as dest/part=K/data.parquet,
    each copy with its own partner codes (so the join keys never cross copies)."""
    if dest.exists() and len(list(dest.glob("part=*/data.parquet"))) == copies:
        return
    shutil.rmtree(dest, ignore_errors=True)
    code = (
        "import polars as pl, sys\n"
        "src, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "lf = pl.scan_parquet(src)\n"
        "for k in range(n):\n"
        "    out = f'{dest}/part={k}/data.parquet'\n"
        "    import os; os.makedirs(os.path.dirname(out), exist_ok=True)\n"
        "    lf.with_columns((pl.lit(f'C{k:02d}') + pl.col('partner')).alias('partner')).sink_parquet(out)\n"
    )
    subprocess.run([py, "-c", code, str(src), str(dest), str(copies)], check=True)


def make_by_year(py: str, src: Path, dest: Path, copies: int):
    """Writes `copies` copies of the 10M-row table (each with its own partner
    codes, as make_partitioned) as dest/year=Y/data.parquet, one file per
    year holding every copy's rows of that year, the year in the folder name
    only (as Polars' own partitioned sinks write it)."""
    done = dest.with_name(dest.name + ".done")  # outside the folder the query scans
    if dest.exists() and done.exists() and done.read_text() == str(copies):
        return
    shutil.rmtree(dest, ignore_errors=True)
    code = (
        "import polars as pl, sys, os\n"
        "src, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
        "df = pl.read_parquet(src)\n"
        "for (y,), part in sorted(df.partition_by('year', as_dict=True).items()):\n"
        "    out = f'{dest}/year={y}/data.parquet'\n"
        "    os.makedirs(os.path.dirname(out), exist_ok=True)\n"
        "    part = part.drop('year')\n"
        "    pl.concat([part.with_columns((pl.lit(f'C{k:02d}') + pl.col('partner')).alias('partner'))\n"
        "               for k in range(n)]).write_parquet(out)\n"
    )
    subprocess.run([py, "-c", code, str(src), str(dest), str(copies)], check=True)
    done.write_text(str(copies))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", choices=["query", "briefings", "partitioned", "by_year"], action="append")
    ap.add_argument("--dossier", help="the dossier binary (default: $CARGO_TARGET_DIR/release/dossier)")
    ap.add_argument("--python", default=str(Path.home() / ".cache" / "peers-venv" / "bin" / "python"))
    ap.add_argument("--peers", type=Path)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--partitions", type=int, default=10, help="copies of the 10M-row table (default 10: 100M rows)")
    args = ap.parse_args()
    only = set(args.only or ["query", "briefings"])
    peers = args.peers or find_peers()
    target = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "dossier-target")
    src = Path(args.dossier) if args.dossier else target / "release" / "dossier"
    # A private copy: the build folder is shared and may be rebuilt meanwhile.
    tmpdir = Path(tempfile.mkdtemp(prefix="dossier-peers-"))
    dossier = str(tmpdir / "dossier")
    shutil.copy2(src, dossier)
    py = args.python
    if not Path(py).exists():
        sys.exit(f"no Python at {py}: create the peers' virtualenv (see this script's docstring)")

    print("# Speed against the Python peers (benches/peers.py)\n")
    print(f"Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; `nproc` = {os.cpu_count()}; "
          f"load average before: {os.getloadavg()[0]:.2f}; {platform.platform()}")
    print(f"Binary: {src}; Python: {subprocess.run([py, '-c', 'import polars; print(polars.__version__)'], capture_output=True, text=True).stdout.strip()} (Polars)")

    if only & {"query", "partitioned", "by_year"}:
        if not args.data.exists():
            args.data.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([py, str(peers / "gen_big.py"), str(args.data)], check=True)

    if "query" in only:
        data = str(args.data)
        ra, rb, first = interleave(
            [dossier, "run", "benches/big_query.rhai", "-P", f"data={data}"],
            [py, str(peers / "big_query.py"), data], args.runs)
        check_same(first)
        query_table(f"10M-row mirror-gap query ({args.data.name})", ra, rb, "dossier", "Python Polars", 0.9)

    if "briefings" in only:
        out = tmpdir / "peer-out"
        ra, rb, _ = interleave([dossier, "render", "--format", "html"],
                               [py, str(peers / "briefing.py"), str(out)], args.runs)
        rp = [spawn([dossier, "render", "--format", "html,pdf"]) for _ in range(args.runs)]
        ha, hb, hp = [r.wall_s * 1000 for r in ra], [r.wall_s * 1000 for r in rb], [r.wall_s * 1000 for r in rp]
        print("\n### Both briefings, cold process\n")
        print("| measure | median | p90 | target |")
        print("|---|---:|---:|---|")
        print(f"| `dossier render --format html` | **{med(ha):.1f} ms** | {pct(ha, 0.9):.1f} ms | ≤ 25 ms: {'meets' if med(ha) <= 25 else 'misses'} |")
        print(f"| `python briefing.py` (polars + matplotlib + jinja2) | {med(hb):.0f} ms | {pct(hb, 0.9):.0f} ms | |")
        print(f"| ratio python / dossier | **{med(hb) / med(ha):.0f}×** | | ≥ 50×: {'meets' if med(hb) / med(ha) >= 50 else 'misses'} |")
        print(f"| `dossier render --format html,pdf` | **{med(hp):.1f} ms** | {pct(hp, 0.9):.1f} ms | ≤ 100 ms: {'meets' if med(hp) <= 100 else 'misses'} |")

    def over_partitions(source: str, label: str):
        ra, rb, first = interleave(
            [dossier, "run", "benches/big_query.rhai", "-P", f"data={source}"],
            [py, str(peers / "big_query.py"), source], max(1, min(args.runs, 3)))
        check_same(first, copies=True)
        query_table(f"{args.partitions * 10}M rows, {label}", ra, rb,
                    "dossier", "Python Polars", None, mem_limit_mib=2048)

    if "partitioned" in only:
        make_partitioned(py, args.data, PARTITIONED, args.partitions)
        over_partitions(str(PARTITIONED / "part=*" / "*.parquet"),
                        f"{args.partitions} hive partitions (part=K/data.parquet)")
    if "by_year" in only:
        make_by_year(py, args.data, BY_YEAR, args.partitions)
        over_partitions(str(BY_YEAR), "50 hive partitions by year (year=Y/data.parquet)")
    shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
