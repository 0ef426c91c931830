#!/usr/bin/env python3
"""Interleaved A/B timing of whole commands, for before/after ratios in one run.

    python3 benches/ab.py RUNS 'LABEL|ENV|PROGRAM|ARGS' ...

Each variant is a label, environment settings (`K=V;K2=V2`, or empty), a
program and its arguments (split on spaces). Every variant runs once to
warm up, then the variants run in turn (a, b, c, a, b, c, ...) RUNS times,
each as a new process, so they share the machine's noise. Prints, per
variant, the median wall time (around spawn + wait4), p10, p90, the ratio
to the first variant's median, and the median peak RSS. A non-zero exit
stops the run. Examples (BENCHMARKS.md, issue 12):

    python3 benches/ab.py 30 'before||/tmp/dossier-old|render --format html' \\
                             'after||/tmp/dossier-new|render --format html'
    python3 benches/ab.py 11 'default||/tmp/dossier|run benches/big_query.rhai' \\
                             'thp|_RJEM_MALLOC_CONF=thp:always|/tmp/dossier|run benches/big_query.rhai'

Copy each binary out of the build folder first: it is shared and may be
rebuilt meanwhile.
"""
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    variants = []
    for spec in sys.argv[2:]:
        try:
            label, env_spec, program, args = spec.split("|")
        except ValueError:
            sys.exit(f"not LABEL|ENV|PROGRAM|ARGS: {spec!r}")
        env = dict(os.environ)
        for kv in filter(None, env_spec.split(";")):
            k, v = kv.split("=", 1)
            env[k] = v
        variants.append((label, env, [program] + args.split()))
    wall = {v[0]: [] for v in variants}
    rss = {v[0]: [] for v in variants}
    for label, env, cmd in variants:
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(runs):
        for label, env, cmd in variants:
            t = time.perf_counter()
            p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
            elapsed = time.perf_counter() - t
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{label}: {' '.join(cmd)} failed")
            wall[label].append(elapsed * 1000)
            rss[label].append(usage.ru_maxrss / 1024)
    base = None
    for label, _, _ in variants:
        xs = sorted(wall[label])
        m = statistics.median(xs)
        base = base or m
        print(f"{label:14s} median {m:8.1f} ms  p10 {xs[len(xs) // 10]:7.1f}  "
              f"p90 {xs[len(xs) * 9 // 10]:7.1f}  ratio {m / base:.3f}  "
              f"maxrss {statistics.median(rss[label]):.0f} MiB")


if __name__ == "__main__":
    main()
