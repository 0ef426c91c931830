#!/usr/bin/env python3
"""Scheduler overhead: what `dossier schedule run` costs while idle, and how
late runs start.

    python3 benches/schedule_overhead.py             # build, 60 s idle, 60 runs
    python3 benches/schedule_overhead.py --quick     # 10 s idle, 10 runs (smoke test)
    python3 benches/schedule_overhead.py --no-build --idle-seconds 120 --runs 120

Steps, in one run:
  1. `cargo build --release --bin dossier` (skip with --no-build);
  2. copies the test fixture tests/fixtures/schedule (a tiny report) into a
     temporary project;
  3. idle: a job whose next run is years away (29 February, 00:00); starts
     `dossier schedule run`, lets it settle for 2 s, then measures the CPU
     time the process uses over --idle-seconds of wall time: the sum over
     its threads of /proc/PID/task/*/schedstat (nanoseconds on CPU), with
     utime+stime from /proc/PID/stat (clock ticks) as a cross-check;
  4. start delay: a job every second (6-field cron `* * * * * *`) rendering
     the tiny report; runs the scheduler until --runs runs have succeeded,
     stops it with SIGTERM, and reads `dossier schedule history --json`:
     delay = started_at - scheduled_utc for each run (from the scheduled
     second to the moment the scheduler records and starts the run); also
     the time until the run's own process is running (the first line of
     its archived run.log), and the scheduler's own CPU over that phase
     (its children, the runs, excluded);
  5. prints a Markdown table for BENCHMARKS.md.

Targets (issue "Scheduled briefings"): idle CPU < 0.1 % of a core; start
delay p95 < 1 s. The binary is taken from $CARGO_TARGET_DIR/release
(default ~/.cache/dossier-target). Linux only (/proc). Python 3.11 standard
library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "schedule"
CLK_TCK = os.sysconf("SC_CLK_TCK")

IDLE_TOML = """
[[schedule]]
name = "leap"
report = "tiny"
cron = "0 0 29 2 *"
timezone = "Asia/Almaty"
"""

EVERY_SECOND_TOML = """
[[schedule]]
name = "tick"
report = "tiny"
cron = "* * * * * *"
timezone = "Asia/Almaty"
params = { edition = "{date} {time}" }
"""


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "dossier-target")


def cpu_ns(pid: int) -> int:
    """CPU time of all threads of `pid`, in ns (schedstat's first field)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def cpu_ticks(pid: int) -> int:
    """utime + stime of `pid` (its own, not its children's), in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_project(schedule: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix="dossier-schedule-bench-"))
    shutil.copytree(FIXTURE, d, dirs_exist_ok=True)
    toml = (d / "dossier.toml").read_text()
    toml = toml[: toml.index("[[schedule]]")] + schedule.lstrip()
    (d / "dossier.toml").write_text(toml)
    return d


def start(binary: Path, project: Path, log: Path) -> subprocess.Popen:
    out = open(log, "wb")
    return subprocess.Popen(
        [str(binary), "schedule", "run"],
        cwd=project,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop(p: subprocess.Popen) -> int:
    p.send_signal(signal.SIGTERM)
    return p.wait(timeout=60)


def history(binary: Path, project: Path) -> list[dict]:
    out = subprocess.run(
        [str(binary), "schedule", "history", "--json", "--limit", "100000"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def idle_phase(binary: Path, seconds: float) -> dict:
    project = make_project(IDLE_TOML)
    p = start(binary, project, project / "scheduler.log")
    try:
        time.sleep(2.0)
        if p.poll() is not None:
            sys.exit("the scheduler exited:\n" + (project / "scheduler.log").read_text())
        ns0, tk0, w0 = cpu_ns(p.pid), cpu_ticks(p.pid), time.monotonic()
        time.sleep(seconds)
        ns1, tk1, w1 = cpu_ns(p.pid), cpu_ticks(p.pid), time.monotonic()
        rss = rss_kib(p.pid)
    finally:
        code = stop(p)
    shutil.rmtree(project, ignore_errors=True)
    wall = w1 - w0
    return {
        "wall_s": wall,
        "cpu_ms": (ns1 - ns0) / 1e6,
        "cpu_pct": 100.0 * (ns1 - ns0) / 1e9 / wall,
        "cpu_ticks_ms": (tk1 - tk0) * 1000.0 / CLK_TCK,
        "rss_mib": rss / 1024.0,
        "exit": code,
    }


def delay_phase(binary: Path, runs: int) -> dict:
    project = make_project(EVERY_SECOND_TOML)
    p = start(binary, project, project / "scheduler.log")
    ns0, w0 = cpu_ns(p.pid), time.monotonic()
    deadline = time.monotonic() + runs * 3 + 60
    ns1 = ns0
    try:
        while True:
            time.sleep(1.0)
            ns1 = cpu_ns(p.pid)
            ok = [r for r in history(binary, project) if r["status"] == "succeeded"]
            if len(ok) >= runs:
                break
            if time.monotonic() > deadline or p.poll() is not None:
                sys.exit("the scheduler did not complete the runs:\n" + (project / "scheduler.log").read_text())
    finally:
        w1 = time.monotonic()
        code = stop(p)
    rows = history(binary, project)
    ok = [r for r in rows if r["status"] == "succeeded"]
    delays = [(ts(r["started_at"]) - ts(r["scheduled_utc"])).total_seconds() * 1000.0 for r in ok]
    # The run's process writes its own start time as the first line of run.log.
    proc_delays = []
    for r in ok:
        first = (project / r["archive"] / "run.log").read_text().splitlines()[0]
        started = first.rsplit(" ", 1)[1]
        proc_delays.append((ts(started) - ts(r["scheduled_utc"])).total_seconds() * 1000.0)
    shutil.rmtree(project, ignore_errors=True)
    durations = [float(r["duration_ms"]) for r in ok]
    return {
        "runs": len(ok),
        "missed": sum(1 for r in rows if r["status"] == "missed"),
        "failed": sum(1 for r in rows if r["status"] not in ("succeeded", "missed")),
        "delay_p50_ms": percentile(delays, 0.50),
        "delay_p95_ms": percentile(delays, 0.95),
        "delay_max_ms": max(delays) if delays else float("nan"),
        "proc_p50_ms": percentile(proc_delays, 0.50),
        "proc_p95_ms": percentile(proc_delays, 0.95),
        "run_p50_ms": percentile(durations, 0.50),
        "sched_cpu_pct": 100.0 * (ns1 - ns0) / 1e9 / (w1 - w0),
        "exit": code,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true", help="use the existing release binary")
    ap.add_argument("--bin", type=Path, help="the dossier binary (default: $CARGO_TARGET_DIR/release/dossier)")
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--quick", action="store_true", help="10 s idle and 10 runs")
    a = ap.parse_args()
    if a.quick:
        a.idle_seconds, a.runs = 10.0, 10
    if not a.no_build and a.bin is None:
        subprocess.run(["cargo", "build", "--release", "--bin", "dossier"], cwd=ROOT, check=True,
                       env={**os.environ, "CARGO_TARGET_DIR": str(target_dir())})
    binary = a.bin or target_dir() / "release" / "dossier"
    if not binary.exists():
        sys.exit(f"{binary} does not exist: build it with `cargo build --release`")

    load_before = os.getloadavg()[0]
    idle = idle_phase(binary, a.idle_seconds)
    delay = delay_phase(binary, a.runs)
    load_after = os.getloadavg()[0]

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"Machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}. "
          f"Date: {dt.date.today().isoformat()}. Binary: {binary}. "
          f"Load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}.")
    print()
    print("| measure | value | target | value / target |")
    print("|---|---:|---:|---:|")
    print(f"| idle scheduler CPU over {idle['wall_s']:.0f} s (% of one core) | "
          f"**{idle['cpu_pct']:.4f} %** ({idle['cpu_ms']:.1f} ms; /proc/stat ticks: {idle['cpu_ticks_ms']:.0f} ms) "
          f"| < 0.1 % | {idle['cpu_pct'] / 0.1:.3f} |")
    print(f"| start delay p50 ({delay['runs']} runs, every second) | **{delay['delay_p50_ms']:.2f} ms** | | |")
    print(f"| start delay p95 | **{delay['delay_p95_ms']:.2f} ms** | < 1 s | {delay['delay_p95_ms'] / 1000.0:.4f} |")
    print(f"| start delay max | {delay['delay_max_ms']:.2f} ms | | |")
    print(f"| scheduled second → run process running, p50 / p95 | {delay['proc_p50_ms']:.1f} / {delay['proc_p95_ms']:.1f} ms | | |")
    print()
    print(f"Idle resident memory: {idle['rss_mib']:.1f} MiB. "
          f"Each run (a child process rendering the tiny report): p50 {delay['run_p50_ms']:.0f} ms. "
          f"Scheduler CPU while running a job every second (children excluded): {delay['sched_cpu_pct']:.3f} % of a core. "
          f"Missed occurrences: {delay['missed']}; other non-successes: {delay['failed']}. "
          f"Exit codes after SIGTERM: {idle['exit']}, {delay['exit']}.")


if __name__ == "__main__":
    main()
