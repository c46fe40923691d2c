#!/usr/bin/env python3
"""Thread benchmarks (issue 9): figures only, never pass/fail.

Each figure is the median of RUNS runs of a program that times itself, in
cloak (QEMU, --smp 2) and natively on this host in the same run, with the
ratio guest/native (for ops/s native/guest: how many times slower cloak is).
bench/run.sh threads runs only these; bench/bench.py runs them last.
"""
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CLOAK = os.path.join(BUILD, "bin", "cloak")
THREADS = os.path.join(BUILD, "bench", "threads_bench")
PINGPONG = os.path.join(BUILD, "bench", "chan_pingpong")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SMP = "2"

# (label, unit, program, arguments, output pattern, higher is better)
FIGURES = [
    ("thread create+join", "us", THREADS, ["create", "2000"], r"create_join_us ([0-9.]+)", False),
    ("futex wake-to-wake round trip, 2 threads", "us", THREADS, ["futex", "20000"],
     r"futex_rtt_us ([0-9.]+)", False),
    ("mutex counter, 4 threads contending", "ops/s", THREADS, ["mutex", "4", "100000"],
     r"mutex_ops_per_s ([0-9.]+)", True),
    ("Go channel ping-pong, GOMAXPROCS=2", "us", PINGPONG, ["100000"], r"chan_rtt_ns ([0-9.]+)", False),
]


def say(*a):
    print(*a, flush=True)


def figure(argv, pattern, env, scale):
    """The median of RUNS runs of argv, or the reason there is none."""
    vals = []
    for _ in range(RUNS):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
        except subprocess.TimeoutExpired:
            return None, "timed out (300 s): %s" % " ".join(argv)
        m = re.search(pattern, p.stdout)
        if p.returncode != 0 or not m:
            return None, "status %d: %s" % (p.returncode, (p.stdout + p.stderr).strip()[-200:])
        vals.append(float(m.group(1)) * scale)
    return statistics.median(vals), vals


def main():
    missing = [f for f in (CLOAK, THREADS) if not os.path.exists(f)]
    if missing:
        sys.exit("bench: %s missing; run `make bench`" % ", ".join(missing))
    say("threads: medians of %d runs, in cloak (--smp %s, TCG) and natively on this host" % (RUNS, SMP))
    for label, unit, prog, args, pattern, higher in FIGURES:
        if not os.path.exists(prog):
            say("  %-42s not built (%s: no Go compiler?)" % (label, os.path.basename(prog)))
            continue
        # Go's figure is in ns; printed in us like the others.
        scale = 1e-3 if pattern.startswith("chan_rtt_ns") else 1.0
        env = dict(os.environ)
        extra = []
        if prog == PINGPONG:
            env["GOMAXPROCS"] = "2"
            extra = ["-e", "GOMAXPROCS=2"]
        g, gruns = figure([CLOAK, "run", "-m", "64M", "--smp", SMP] + extra + [prog] + args, pattern,
                          os.environ, scale)
        n, nruns = figure([prog] + args, pattern, env, scale)
        if g is None or n is None:
            say("  %-42s failed: %s" % (label, gruns if g is None else nruns))
            continue
        ratio = n / g if higher else g / n
        fmt = "%.0f" if unit == "ops/s" else "%.2f"
        say("  %s (%s)" % (label, unit))
        say("    cloak %10s   native %10s   ratio %.1fx   (cloak runs: %s)"
            % (fmt % g, fmt % n, ratio, " ".join(fmt % v for v in gruns)))
    say("  targets under TCG: create+join and futex round trip within 5x of native")


if __name__ == "__main__":
    main()
