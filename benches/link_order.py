#!/usr/bin/env python3
"""Write build/link-order.txt: the functions a render runs, for the linker.

    python3 benches/link_order.py                # from the release binary
    python3 benches/link_order.py --dossier BIN  # from another build
    python3 benches/link_order.py --check        # how much of the list BIN has

A release build on x86-64 Linux hands the list to LLD
(`--symbol-ordering-file`, see build.rs), which lays those functions out
first, side by side, in the list's order. A cold `dossier render` then
touches a few MB of the 90 MB of code instead of pages scattered all over
it (BENCHMARKS.md, issue 12, "Code laid out in the order it runs").

How: each scenario below runs once under `valgrind --tool=callgrind`, which
sees every function executed, not a sample. The list holds the functions of
the first scenario, hottest (own instructions) first, then those that the
next scenario adds, and so on; only names the binary defines are kept.
Symbol names do not depend on the source text of a function, only on its
crate, its type and the build settings, so the list stays valid across most
edits; a new compiler or new dependency versions rename things, and
`--check` tells how much still matches (names missing from a build are
skipped, so a stale list costs speed, never correctness). Run it again after
such an upgrade and commit the new file.

Needs valgrind (Debian: `apt-get install valgrind`) and binutils' `nm`.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "link-order.txt"

# What a cold start runs, most important first: start-up, both briefings as
# HTML (the target), then what PDF output adds.
SCENARIOS = [
    ("start-up", ["run", "benches/empty.rhai"]),
    ("both briefings, HTML", ["render", "--format", "html"]),
    ("both briefings, HTML and PDF", ["render", "--format", "html,pdf"]),
]

# The project files a render reads; the scenarios run in a copy of them.
PROJECT = ["dossier.toml", "data", "scripts", "reports", "benches/empty.rhai"]


def default_binary() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR") or str(Path.home() / ".cache" / "dossier-target")
    return Path(target) / "release" / "dossier"


def defined_functions(binary: Path) -> dict[str, int]:
    """The function symbols `binary` defines (mangled, as the linker sees
    them), each with its size in bytes (0 where `nm` gives none)."""
    out = subprocess.run(["nm", "-S", "--defined-only", str(binary)], check=True,
                         capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split(" ")
        if len(parts) >= 4 and parts[2] in "tTwW":  # address, size, type, name
            sizes[" ".join(parts[3:])] = int(parts[1], 16)
        elif len(parts) == 3 and parts[1] in "tTwW":  # address, type, name
            sizes[parts[2]] = 0
    return sizes


def own_cost(profile: Path) -> Counter:
    """Instructions executed in each function (not its callees) of one
    callgrind profile (name compression on, `--dump-instr=no`)."""
    cost: Counter = Counter()
    names: dict[str, str] = {}
    current = None
    after_call = False
    entry = re.compile(r"^(c?fn)=\((\d+)\)(?: (.*))?$")
    for line in profile.read_text(errors="replace").splitlines():
        m = entry.match(line)
        if m:
            kind, ident, name = m.groups()
            if name:
                names[ident] = name
            if kind == "fn":
                current = names.get(ident)
                after_call = False
            elif ident in names:
                cost[names[ident]] += 0  # a callee: executed, cost counted as its own fn
            continue
        if line.startswith("calls="):
            after_call = True  # the next cost line is the call's inclusive cost
            continue
        if current and (line[:1].isdigit() or line[:1] in ("+", "-", "*")):
            if after_call:
                after_call = False
                continue
            fields = line.split()
            if len(fields) >= 2:
                try:
                    cost[current] += int(fields[1])
                except ValueError:
                    pass
    return cost


def profile_scenario(binary: Path, args: list[str], workdir: Path, prefix: Path, label: str) -> Counter:
    cmd = ["valgrind", "--tool=callgrind", "--dump-instr=no", "--demangle=no",
           f"--callgrind-out-file={prefix}.%p", str(binary), *args]
    print(f"  {label}: dossier {' '.join(args)}", file=sys.stderr)
    run = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"link_order: `dossier {' '.join(args)}` failed under valgrind:\n{run.stderr[-2000:]}")
    cost: Counter = Counter()
    for f in prefix.parent.glob(f"{prefix.name}.*"):
        cost.update(own_cost(f))
    return cost


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dossier", type=Path, default=default_binary(), help="the release binary to profile")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the list")
    ap.add_argument("--check", action="store_true", help="only report how much of the list the binary defines")
    opts = ap.parse_args()
    if not opts.dossier.is_file():
        sys.exit(f"link_order: no binary at {opts.dossier} (cargo build --release first)")
    defined = defined_functions(opts.dossier)

    if opts.check:
        listed = [l for l in opts.out.read_text().splitlines() if l]
        found = sum(1 for l in listed if l in defined)
        print(f"{opts.out.relative_to(ROOT) if opts.out.is_relative_to(ROOT) else opts.out}: "
              f"{found} of {len(listed)} names defined in {opts.dossier} ({100 * found / max(1, len(listed)):.1f} %)")
        return

    if not shutil.which("valgrind"):
        sys.exit("link_order: valgrind is not installed (apt-get install valgrind)")
    order: list[str] = []
    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="dossier-link-order-") as tmp:
        work, profiles = Path(tmp) / "project", Path(tmp) / "profiles"
        profiles.mkdir()
        for item in PROJECT:
            src, dst = ROOT / item, work / item
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
        for i, (label, args) in enumerate(SCENARIOS):
            cost = profile_scenario(opts.dossier, args, work, profiles / f"cg-{i}", label)
            added = [n for n, _ in sorted(cost.items(), key=lambda kv: (-kv[1], kv[0]))
                     if n in defined and n not in seen]
            seen.update(added)
            order.extend(added)
            print(f"    {len(added)} functions added", file=sys.stderr)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = opts.out.with_suffix(".tmp")
    tmp_out.write_text("".join(n + "\n" for n in order))
    tmp_out.replace(opts.out)

    total = sum(defined[n] for n in order)
    print(f"wrote {opts.out}: {len(order)} functions, {total / 1e6:.1f} MB of code")


if __name__ == "__main__":
    main()
