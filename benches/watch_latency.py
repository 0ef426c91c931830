#!/usr/bin/env python3
"""Watch-mode benchmark: latency from saving a data file to the updated
briefing on disk, next to the time of one render.

    python3 benches/watch_latency.py              # build, then 40 edits
    python3 benches/watch_latency.py --edits 60 --rename
    python3 benches/watch_latency.py --no-build   # use the existing release binary

Steps, in one run:
  1. `cargo build --release --bin dossier` (skip with --no-build), then a
     private copy of the binary (the build folder is shared, and another
     build could replace it during the run);
  2. a copy of the repository's project (dossier.toml, data/, scripts/,
     reports/) in a temporary folder: the bundled briefing, two reports
     (English and Arabic) that both read data/trade.csv;
  3. one render: `dossier render` run --renders times (wall time of the
     process, and each report's own time from its `ok` line);
  4. `dossier watch` started on the copy; after its first build, --edits
     edits of data/trade.csv, one at a time: a value_usd cell changes, the
     file is saved (in place, or with --rename by writing a temporary file
     and renaming it over, as vim and JetBrains IDEs do), and the clock
     runs from the moment the save returns until both outputs
     (out/briefing-en.html and out/briefing-ar.html) have been replaced on
     disk (new inode or modification time, polled every --poll-ms); the
     next edit waits for the status line and a pause of --gap-ms so that
     edits are not batched together;
  5. prints a Markdown table (p50, p95, min, max) for BENCHMARKS.md, and
     the raw latencies.

The latency includes watch mode's batching delay (15 ms after the last
event once the saved file is closed or renamed into place; 100 ms while a
write may still be open) and both reports' rebuilds.
Python 3.11 standard library only; Linux (it uses st_ino and st_mtime_ns).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ["out/briefing-en.html", "out/briefing-ar.html"]
STATUS = re.compile(r"^\d\d:\d\d:\d\d  (ok|FAIL) ")
OK_LINE = re.compile(r"^ok\s+(\S+)\s+(\d+) ms")
WATCH_LINE = re.compile(r"^\d\d:\d\d:\d\d  ok    .*?  (\d+) ms  ")


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "dossier-target")


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
        return (st.st_ino, st.st_mtime_ns)
    except FileNotFoundError:
        return None


def copy_project(dest: Path) -> None:
    for d in ["data", "scripts", "reports"]:
        shutil.copytree(ROOT / d, dest / d)
    shutil.copy(ROOT / "dossier.toml", dest / "dossier.toml")


def edited_trade(original: str, i: int) -> str:
    """data/trade.csv with the first value_usd cell changed by i dollars."""
    rows = list(csv.reader(io.StringIO(original)))
    col = rows[0].index("value_usd")
    for r in rows[1:]:
        if r[col].strip():
            r[col] = str(int(float(r[col])) + i)
            break
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def save(path: Path, text: str, rename: bool) -> None:
    if rename:
        tmp = path.with_name(path.name + ".bench-tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=40, help="edits to time (at least 30 for the issue's figures)")
    ap.add_argument("--renders", type=int, default=10, help="`dossier render` runs for the render time")
    ap.add_argument("--rename", action="store_true", help="save by rename-over instead of in place")
    ap.add_argument("--poll", action="store_true", help="run `dossier watch --poll`")
    ap.add_argument("--gap-ms", type=float, default=300, help="pause between one rebuild and the next edit")
    ap.add_argument("--poll-ms", type=float, default=1.0, help="how often the outputs are checked")
    ap.add_argument("--no-build", action="store_true", help="use the existing release binary")
    ap.add_argument("--binary", type=Path, help="time this dossier binary instead (implies --no-build)")
    args = ap.parse_args()

    if not args.no_build and args.binary is None:
        subprocess.run(["cargo", "build", "--release", "--bin", "dossier"], cwd=ROOT, check=True)
    built = args.binary or target_dir() / "release" / "dossier"
    work = Path(tempfile.mkdtemp(prefix="dossier-watch-bench-"))
    binary = work / "dossier"
    shutil.copy2(built, binary)
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    if " watch " not in help_text:
        sys.exit(f"{built} has no `watch` command (built from another branch?)")
    project = work / "project"
    copy_project(project)
    trade = project / "data" / "trade.csv"
    original = trade.read_text(encoding="utf-8")

    # One render.
    walls, per_report = [], {}
    subprocess.run([binary, "render"], cwd=project, capture_output=True, check=True)  # warm the page cache
    for _ in range(args.renders):
        t0 = time.perf_counter()
        r = subprocess.run([binary, "render"], cwd=project, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - t0)
        for line in r.stdout.splitlines():
            m = OK_LINE.match(line)
            if m:
                per_report.setdefault(m.group(1), []).append(int(m.group(2)))

    # Watch.
    argv = [str(binary), "watch"] + (["--poll"] if args.poll else [])
    proc = subprocess.Popen(argv, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: "queue.Queue[str]" = queue.Queue()
    errors: list[str] = []

    def pump(stream, sink) -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    threading.Thread(target=pump, args=(proc.stdout, lines.put), daemon=True).start()
    threading.Thread(target=pump, args=(proc.stderr, errors.append), daemon=True).start()

    def next_line(what: str, timeout: float = 60.0) -> str:
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            proc.kill()
            sys.exit(f"timed out waiting for {what}; stderr:\n" + "\n".join(errors))

    def next_status(what: str) -> str:
        while True:
            line = next_line(what)
            if STATUS.match(line):
                if " FAIL " in line:
                    proc.kill()
                    sys.exit(f"a rebuild failed: {line}\n" + "\n".join(errors))
                return line

    try:
        next_status("the first build")
        while "watching" not in next_line("the watches"):
            pass
        latencies, first_output, rebuild_ms = [], [], []
        outs = [project / o for o in OUTPUTS]
        for i in range(1, args.edits + 1):
            text = edited_trade(original, i)
            before = [stamp(o) for o in outs]
            seen: list[float | None] = [None] * len(outs)
            save(trade, text, args.rename)
            t_save = time.perf_counter()
            deadline = t_save + 30
            while None in seen:
                now = time.perf_counter()
                for k, o in enumerate(outs):
                    if seen[k] is None and stamp(o) != before[k]:
                        seen[k] = now
                if now > deadline:
                    proc.kill()
                    sys.exit(f"edit {i}: the outputs did not change within 30 s")
                time.sleep(args.poll_ms / 1000)
            latencies.append((max(seen) - t_save) * 1000)
            first_output.append((min(seen) - t_save) * 1000)
            line = next_status(f"the status line of edit {i}")
            m = WATCH_LINE.match(line)
            if m:
                rebuild_ms.append(int(m.group(1)))
            time.sleep(args.gap_ms / 1000)
            # Nothing else may have been rebuilt in between.
            extra = [l for l in list(lines.queue) if STATUS.match(l)]
            if extra:
                sys.exit(f"edit {i}: more than one rebuild: {extra}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    cpu = "unknown"
    try:
        for l in Path("/proc/cpuinfo").read_text().splitlines():
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    render_ms = statistics.median(walls) * 1000
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print()
    print(f"Machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}. "
          f"Date: {dt.date.today().isoformat()}.")
    print(f"Command: python3 benches/watch_latency.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"Save: {'rename-over' if args.rename else 'in place'}; watcher: {'--poll' if args.poll else 'native'}; "
          f"{args.edits} edits of data/trade.csv; two reports rebuilt per edit.")
    print()
    print("| measure | p50 | p95 | min | max | target |")
    print("|---|---:|---:|---:|---:|---|")
    verdict = lambda v, t: "meets" if v <= t else "misses"
    print(f"| save → both briefings on disk | **{p50:.0f} ms** | **{p95:.0f} ms** | {min(latencies):.0f} ms | "
          f"{max(latencies):.0f} ms | p50 ≤ 250 ms: {verdict(p50, 250)}; p95 ≤ 400 ms: {verdict(p95, 400)} |")
    print(f"| save → first briefing on disk | {percentile(first_output, 50):.0f} ms | {percentile(first_output, 95):.0f} ms | "
          f"{min(first_output):.0f} ms | {max(first_output):.0f} ms | |")
    if rebuild_ms:
        print(f"| rebuild as reported by the status line | {percentile(rebuild_ms, 50):.0f} ms | "
              f"{percentile(rebuild_ms, 95):.0f} ms | {min(rebuild_ms)} ms | {max(rebuild_ms)} ms | |")
    print()
    print("| one render | median | p50 latency ÷ this |")
    print("|---|---:|---:|")
    print(f"| `dossier render` (both reports, process wall time, {args.renders} runs) | {render_ms:.0f} ms | "
          f"{p50 / render_ms:.2f} |")
    for name, ms in per_report.items():
        med = statistics.median(ms)
        print(f"| `{name}` alone (its `ok` line) | {med:.0f} ms | {p50 / med:.2f} |")
    print()
    print("Latencies (ms), in edit order:")
    print(" ".join(f"{x:.0f}" for x in latencies))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
