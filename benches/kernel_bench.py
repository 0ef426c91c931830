#!/usr/bin/env python3
"""Kernel benchmark: the dossier Jupyter kernel next to ipykernel, in one run.

For each kernel, in the same virtualenv and through the same client code
(jupyter_client), it measures

  * start: from KernelManager.start_kernel() to the kernel_info reply
    (median of --starts fresh kernels, interleaved dossier/ipykernel);
  * round trip: one trivial cell, `1 + 1`, from sending execute_request to
    having both the execute_reply and the idle status (p50 and p90 of --n
    executions after --warmup).

Targets (issue 7): start >= 5x faster than ipykernel; round-trip p50 <= 2 ms.

Run it with the virtualenv the tests create (.venv/, from tests/requirements.txt):

    cargo build --release
    .venv/bin/python benches/kernel_bench.py            # release binary of $CARGO_TARGET_DIR
    .venv/bin/python benches/kernel_bench.py --dossier PATH --starts 10 --n 100

Both kernelspecs are written into a temporary JUPYTER_PATH; nothing is
installed for the user. The client connects before the kernel has bound its
ports, so its first connection is refused and retried after ZeroMQ's
reconnect interval (100 ms by default). The client sockets here retry every
1 ms (`--reconnect-ms`), so the start figure is the kernel's own time, not
the client's retry timer; the setting is the same for both kernels.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import zmq
from jupyter_client.manager import KernelManager


def write_spec(prefix, name, argv, language, interrupt_mode="signal"):
    d = os.path.join(prefix, "kernels", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "kernel.json"), "w") as f:
        json.dump(
            {"argv": argv, "display_name": name, "language": language, "interrupt_mode": interrupt_mode},
            f,
        )


CONTEXT = None


def start(name):
    """Starts a kernel; returns (seconds to the kernel_info reply, manager, client)."""
    km = KernelManager(kernel_name=name, context=CONTEXT)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client(context=CONTEXT)
    kc.start_channels()
    msg_id = kc.kernel_info()
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    return time.perf_counter() - t0, km, kc


def drain_to_idle(kc, msg_id, timeout=30):
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if (
            m["parent_header"].get("msg_id") == msg_id
            and m["msg_type"] == "status"
            and m["content"]["execution_state"] == "idle"
        ):
            return


def sync_iopub(kc):
    """Waits until IOPub is subscribed (ZeroMQ drops what a PUB socket sends
    before the SUB has joined): kernel_info until its idle status arrives."""
    from queue import Empty

    for _ in range(100):
        msg_id = kc.kernel_info()
        try:
            drain_to_idle(kc, msg_id, timeout=0.5)
            return
        except Empty:
            continue
    raise RuntimeError("IOPub never delivered a status message")


def round_trips(kc, n, warmup):
    sync_iopub(kc)
    times = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        msg_id = kc.execute("1 + 1")
        while True:
            reply = kc.get_shell_msg(timeout=30)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        drain_to_idle(kc, msg_id)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
        assert reply["content"]["status"] == "ok", reply["content"]
    return times


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/dossier-target"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dossier", default=os.path.join(target, "release", "dossier"))
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument(
        "--reconnect-ms",
        type=int,
        default=1,
        help="ZeroMQ reconnect interval of the client sockets (ZeroMQ's default is 100)",
    )
    args = ap.parse_args()
    if not os.path.isfile(args.dossier):
        sys.exit(f"no dossier binary at {args.dossier}: run `cargo build --release` or pass --dossier")

    global CONTEXT
    CONTEXT = zmq.Context()
    CONTEXT.setsockopt(zmq.RECONNECT_IVL, args.reconnect_ms)
    tmp = tempfile.mkdtemp(prefix="dossier-kernel-bench-")
    data = os.path.join(tmp, "share", "jupyter")
    write_spec(data, "bench-dossier", [args.dossier, "kernel", "--connection-file", "{connection_file}"], "rhai", "message")
    write_spec(data, "bench-ipykernel", [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "python")
    os.environ["JUPYTER_PATH"] = data
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(tmp, "runtime")
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    # Run in a project folder of dossier's (the kernel loads dossier.toml from it).
    os.chdir(os.path.dirname(here))

    kernels = ["bench-dossier", "bench-ipykernel"]
    starts = {k: [] for k in kernels}
    for _ in range(args.starts):
        for k in kernels:
            t, km, kc = start(k)
            starts[k].append(t)
            stop(km, kc)
    trips = {}
    for k in kernels:
        _, km, kc = start(k)
        trips[k] = round_trips(kc, args.n, args.warmup)
        stop(km, kc)

    version = subprocess.run([args.dossier, "--version"], capture_output=True, text=True).stdout.strip()
    import ipykernel
    import jupyter_client

    ms = lambda s: f"{s * 1000:.2f} ms"
    d_start, i_start = statistics.median(starts["bench-dossier"]), statistics.median(starts["bench-ipykernel"])
    d_p50, i_p50 = pct(trips["bench-dossier"], 0.5), pct(trips["bench-ipykernel"], 0.5)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"versions: {version}, ipykernel {ipykernel.__version__}, jupyter_client {jupyter_client.__version__}, Python {platform.python_version()}")
    print(f"command: {' '.join([os.path.relpath(sys.executable)] + sys.argv)}")
    print(f"client reconnect interval: {args.reconnect_ms} ms")
    print()
    print(f"| measure | dossier kernel | ipykernel | ipykernel / dossier |")
    print(f"|---|---:|---:|---:|")
    print(f"| start → kernel_info reply, median of {args.starts} | {ms(d_start)} | {ms(i_start)} | {i_start / d_start:.1f}× |")
    print(f"| start, min – max | {ms(min(starts['bench-dossier']))} – {ms(max(starts['bench-dossier']))} | {ms(min(starts['bench-ipykernel']))} – {ms(max(starts['bench-ipykernel']))} | |")
    print(f"| execute `1 + 1` round trip, p50 of {args.n} | {ms(d_p50)} | {ms(i_p50)} | {i_p50 / d_p50:.1f}× |")
    print(f"| round trip p90 | {ms(pct(trips['bench-dossier'], 0.9))} | {ms(pct(trips['bench-ipykernel'], 0.9))} | |")
    print()
    ok_start = i_start / d_start >= 5
    ok_trip = d_p50 <= 0.002
    print(f"target start >= 5x faster than ipykernel: {'met' if ok_start else 'NOT met'} ({i_start / d_start:.1f}x)")
    print(f"target round-trip p50 <= 2 ms: {'met' if ok_trip else 'NOT met'} ({ms(d_p50)})")


if __name__ == "__main__":
    main()
