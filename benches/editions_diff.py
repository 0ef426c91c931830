#!/usr/bin/env python3
"""`dossier diff` of two editions of a 1M-row table with 1 % of rows changed.

    python3 benches/editions_diff.py --bin PATH/TO/dossier      # 1,000,000 rows
    python3 benches/editions_diff.py --bin ... --rows 100000    # smaller

Steps, in one run:
  1. writes a temporary project: data/datapackage.json with one table `big`
     (primary key `id`; columns country, year, flow, value, source_id),
     data/big.csv with --rows rows, a report whose script reads the table
     (its height) and a one-line template;
  2. `dossier render --edition` records edition A;
  3. changes `value` in 1 % of the rows (every 100th row), and records
     edition B the same way;
  4. runs `dossier diff big --since A --edition B` (text output; the two
     snapshots are read from the store, checked against their hashes,
     parsed and joined on the key) and `dossier diff big --since A` (the
     current data against A: the current file is hashed as well) under
     `/usr/bin/time -v`, --repeat times each, and prints the median wall
     time, the median CPU time (user + system, all threads), the peak
     resident memory, and the rows reported as changed
     (which must be 1 % of --rows);
  5. prints a Markdown table for BENCHMARKS.md.

Target (issue 11 "Editions"): <= 1 s. Linux; needs /usr/bin/time (Debian
package `time`). Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = {
    "name": "bench",
    "resources": [
        {
            "name": "big",
            "path": "big.csv",
            "title": "A generated table",
            "schema": {
                "fields": [
                    {"name": "id", "type": "string"},
                    {"name": "country", "type": "string"},
                    {"name": "year", "type": "integer"},
                    {"name": "flow", "type": "string"},
                    {"name": "value", "type": "number"},
                    {"name": "source_id", "type": "string"},
                ],
                "primaryKey": "id",
            },
        }
    ],
}

TOML = """[project]
name = "bench"

[[report]]
name = "big"
script = "scripts/big.rhai"
template = "big.html"
"""


def write_table(path: Path, rows: int, changed: bool) -> None:
    rng = random.Random(11)
    countries = ["KAZ", "ISR", "UZB", "KGZ", "TJK", "TKM"]
    flows = ["exports", "imports", "total"]
    with path.open("w") as f:
        f.write("id,country,year,flow,value,source_id\n")
        for i in range(rows):
            value = rng.randrange(1_000, 1_000_000_000)
            if changed and i % 100 == 0:
                value += 1_000
            f.write(f"r{i:07d},{countries[i % 6]},{2000 + i % 25},{flows[i % 3]},{value},src-{i % 50}\n")


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    r = run(["/usr/bin/time", "-v", *cmd], cwd)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", r.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", r.stderr).group(1)) for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    return seconds, cpu, rss, r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the dossier binary")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dossier = str(Path(args.bin).resolve())
    with tempfile.TemporaryDirectory(prefix="dossier-editions-bench-") as tmp:
        p = Path(tmp)
        (p / "data").mkdir()
        (p / "scripts").mkdir()
        (p / "reports").mkdir()
        (p / "dossier.toml").write_text(TOML)
        (p / "data/datapackage.json").write_text(json.dumps(PACKAGE, indent=2))
        (p / "scripts/big.rhai").write_text('let rows = dataset("big").collect().height;\n')
        (p / "reports/big.html").write_text("<!DOCTYPE html><title>big</title><p>{{ rows }} rows</p>\n")
        write_table(p / "data/big.csv", args.rows, changed=False)
        size = (p / "data/big.csv").stat().st_size
        run([dossier, "render", "--edition"], p)
        write_table(p / "data/big.csv", args.rows, changed=True)
        run([dossier, "render", "--edition"], p)
        eds = json.loads(run([dossier, "editions", "big", "--json"], p).stdout)
        a, b = eds[0]["id"], eds[1]["id"]
        results = {}
        for label, cmd in [
            ("two editions", [dossier, "diff", "big", "--since", a, "--edition", b]),
            ("data now against an edition", [dossier, "diff", "big", "--since", a]),
        ]:
            walls, cpus, rsss, out = [], [], [], ""
            for _ in range(args.repeat):
                w, c, r, out = timed(cmd, p)
                walls.append(w)
                cpus.append(c)
                rsss.append(r)
            m = re.search(r"([\d,]+) rows? changed", out)
            results[label] = (statistics.median(walls), statistics.median(cpus), max(rsss), m.group(1) if m else "?")
        print(f"rows: {args.rows:,}; CSV {size / 1e6:.1f} MB; changed rows expected: {args.rows // 100:,}")
        print()
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print()
        print("| comparison | median wall (s) | median CPU, user + system (s) | peak RSS (MiB) | rows reported changed | wall / 1 s target |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, (w, c, r, n) in results.items():
            print(f"| {label} | {w:.2f} | {c:.2f} | {r / 1024:.0f} | {n} | {w / 1.0:.2f} |")


if __name__ == "__main__":
    main()
