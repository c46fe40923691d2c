#!/usr/bin/env python3
"""cloak against Nanos (bench/run.sh nanos): figures only.

The same static programs run in cloak and in the Nanos unikernel, in the
same run, under the same QEMU: TCG, -machine q35, -cpu max, -m 128M, one
vCPU, QEMU user networking with a hostfwd on 127.0.0.1.  Each system boots
its own way, as its tools run it: cloak by PVH (`cloak run --dry-run`'s
command, so archive packing is not timed), Nanos from a disk image made
here with Nanos's own mkfs (SeaBIOS, Nanos's boot.img stages, the kernel
read from the TFS image, virtio-scsi; ops's default on x86: Nanos's
Makefile boots its kernel.img by -kernel only on microvm, and on q35 under
QEMU 7.2 it stops at once with no output).  Neither image build (cloak's
archive, Nanos's mkfs: each under 0.01 s) is timed.  Figures,
medians of BENCH_RUNS (5), the two systems measured in turn:
  - boot: QEMU start to the program's first line (examples/luggage) and to
    QEMU's exit, with a network card (DHCP first, both) and without;
  - boot to the first HTTP response: QEMU start to the first 200 from
    bench/progs/httpserve (C, epoll) and Go's net/http
    (tests/guest/lang/httpserver.go), probed every 50 ms;
  - HTTP requests/s with wrk (1 thread, 8 connections, 5 s): httpserve's
    small page, and the Go server's GET /page (200 000 bytes);
  - TCP host -> guest and guest -> host (32 MiB) and request/response
    latency with bench/progs/netserve, as bench/net.py measures them.
Both VMs of a network figure run side by side and are measured in turn.

Nanos is not part of cloak and nothing of it is kept here: point NANOS_DIR
at a Nanos build, either the source tree after its build or a directory
holding kernel.img, boot.img and mkfs.  Building it (x86-64 Debian 12;
needs gcc, make, nasm, git, binutils; about 2 minutes):

    git clone https://github.com/nanovms/nanos && cd nanos
    make kernel mkfs      # output/platform/pc/bin/kernel.img,
                          # output/platform/pc/boot/boot.img, output/tools/bin/mkfs
    NANOS_DIR=$PWD bench/run.sh nanos      # from cloak's tree

`make kernel` clones its three dependencies into vendor/ with git
(acpica tag R09_30_21, nanovms/lwip branch STABLE-2_1_x, nanovms/mbedtls);
offline, put those trees there yourself, `touch vendor/NAME/.vendored`
for each and apply patches/acpica.patch to vendor/acpica.  The kernel's
version string comes from `git rev-parse HEAD`, so the tree must be a git
repository.  ops (Nanos's usual front end) is not needed."""
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True   # importing net.py leaves nothing in bench/
import net  # noqa: E402

ROOT = net.ROOT
BUILD = net.BUILD
CLOAK = net.CLOAK
LUGGAGE = os.path.join(ROOT, "examples", "luggage", "luggage")
HTTP_SERVER = net.HTTP_SERVER
NET_SERVER = net.SERVER
GO_SERVER = net.GO_SERVER
RUNS = net.RUNS
MEM = "128M"
QEMU = "qemu-system-x86_64"

tmp = None                  # made by main()
kept = []


def say(*a):
    print(*a, flush=True)


def nanos_files(d):
    """(kernel.img, boot.img, mkfs) in a Nanos build tree or a flat
    directory; None where missing."""
    layouts = (("output/platform/pc/bin/kernel.img", "output/platform/pc/boot/boot.img",
                "output/tools/bin/mkfs"), ("kernel.img", "boot.img", "mkfs"))
    for layout in layouts:
        files = tuple(os.path.join(d, f) for f in layout)
        if all(os.path.isfile(f) for f in files):
            return files
    return None


def nanos_version(d):
    r = subprocess.run(["git", "-C", d, "log", "-1", "--format=%h %cs %s"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "unknown (not a git tree)"


class Nanos:
    def __init__(self, d):
        self.kernel, self.boot, self.mkfs = nanos_files(d)

    def image(self, name, program, args):
        """A Nanos disk image running PROGRAM ARGS, made by Nanos's mkfs."""
        base = os.path.basename(program)
        manifest = "(\n children:(%s:(contents:(host:%s)))\n program:/%s\n arguments:[%s]\n environment:()\n)\n" % (
            base, program, base, " ".join([base] + args))
        img = os.path.join(tmp, name + ".img")
        r = subprocess.run([self.mkfs, "-b", self.boot, "-k", self.kernel, img], input=manifest,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench: Nanos's mkfs failed: %s" % (r.stderr.strip() or r.stdout.strip()))
        return img

    @staticmethod
    def argv(img, net_on=True, fwd=None):
        """FWD: (host port, guest port) forwarded, or None."""
        a = [QEMU, "-machine", "q35,accel=tcg", "-cpu", "max", "-m", MEM, "-smp", "1", "-nodefaults",
             "-no-reboot", "-display", "none", "-serial", "stdio",
             "-drive", "if=none,id=hd0,format=raw,snapshot=on,file=" + img,
             "-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,bus=scsi0.0,drive=hd0",
             "-device", "virtio-rng-pci"]
        if net_on:
            nd = "user,id=n0" + (",hostfwd=tcp:127.0.0.1:%d-:%d" % fwd if fwd else "")
            a += ["-netdev", nd, "-device", "virtio-net-pci,netdev=n0"]
        return a


def cloak_argv(args):
    """The QEMU command `cloak run` would run (its files kept until the end)."""
    p = subprocess.run([CLOAK, "run", "--dry-run", "-m", MEM, "--accel", "tcg"] + args,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench: cloak run --dry-run failed: " + p.stderr.strip())
    m = re.search(r"kept in (\S+) \(remove", p.stderr)
    if m:
        kept.append(m.group(1))
    return shlex.split(p.stdout.strip())


def spawn(argv):
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)


def timed_boot(argv, marker):
    """(seconds to the first output line containing MARKER, to exit)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    first = None
    for line in p.stdout:
        if first is None and marker in line:
            first = time.monotonic() - t0
    p.wait()
    return (first if first is not None else float("nan")), time.monotonic() - t0


def first_response(port, path, t0, deadline=120):
    """Seconds from T0 to the first HTTP 200 on PORT.  A new attempt every
    50 ms, earlier ones left running: QEMU accepts on the host port before
    the guest listens, and a SYN the guest never saw is retried late."""
    lock, when = threading.Lock(), []
    done = threading.Event()

    def attempt():
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.settimeout(5)
            c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            if c.recv(64).startswith(b"HTTP/1.1 200"):
                with lock:
                    when.append(time.monotonic() - t0)
                done.set()
            c.close()
        except OSError:
            pass

    while not done.wait(0.05):
        if time.monotonic() - t0 > deadline:
            raise RuntimeError("no HTTP answer on port %d in %d s" % (port, deadline))
        threading.Thread(target=attempt, daemon=True).start()
    with lock:
        return min(when)


def timed_first_response(argv, port, path):
    t0 = time.monotonic()
    p = spawn(argv)
    try:
        return first_response(port, path, t0)
    finally:
        net.stop(p)


def wrk(port, path):
    """(requests/s, 99th percentile latency in ms) from one wrk run.  The
    timeout is 10 s, not wrk's 2 s: under TCG a 200 000-byte answer can
    stall past 2 s, and the tail is reported, not dropped."""
    out = subprocess.run([net.WRK, "-t1", "-c%d" % net.WRK_CONNS, "-d%ds" % net.WRK_SECONDS, "--timeout", "10s",
                          "--latency", "http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True,
                         timeout=net.WRK_SECONDS + 60).stdout
    m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    p99 = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
    if not m or not p99 or re.search(r"Non-2xx|Socket errors", out):
        raise RuntimeError("wrk: %s" % out.strip())
    return float(m.group(1)), float(p99.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]


def in_turn(fns, runs=RUNS):
    """{name: median of RUNS calls}, the callables called in turn."""
    got = {n: [] for n in fns}
    for _ in range(runs):
        for n, fn in fns.items():
            got[n].append(fn())
    return {n: statistics.median(v) for n, v in got.items()}


def fmt(v):
    return "%9.0f" % v if v >= 100 else "%9.1f" % v if v >= 10 else "%9.3f" % v


def row(what, c, n, unit, higher_better):
    r = c / n
    faster = r > 1 if higher_better else r < 1
    say("  %-40s cloak %s   Nanos %s %-6s cloak/Nanos %5.2fx (%s better)" %
        (what, fmt(c), fmt(n), unit, r, "cloak" if faster else "Nanos"))


def boot_figures(nanos):
    say("boot, QEMU start to the program's first line (luggage) / to QEMU's exit")
    img = nanos.image("luggage", LUGGAGE, ["12345"])
    marker = b"My luggage"
    for label, net_on in (("with a network card", True), ("no network card", False)):
        c_argv = cloak_argv(([] if net_on else ["--net", "none"]) + [LUGGAGE, "12345"])
        n_argv = Nanos.argv(img, net_on)
        runs = {"c": [], "n": []}
        for _ in range(RUNS):
            runs["c"].append(timed_boot(c_argv, marker))
            runs["n"].append(timed_boot(n_argv, marker))
        med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in runs.items()}
        row("first line, " + label, med["c"][0], med["n"][0], "s", False)
        row("exit, " + label, med["c"][1], med["n"][1], "s", False)


def http_boot_figures(nanos):
    say("boot to the first HTTP response (QEMU start to a 200, probed every 50 ms)")
    servers = [("C epoll (httpserve)", HTTP_SERVER, "/")]
    if os.path.exists(GO_SERVER):
        servers.append(("Go net/http", GO_SERVER, "/page"))
    for label, prog, path in servers:
        port = net.free_port()
        c_argv = cloak_argv(["-p", "%d:8080" % port, prog, "8080"])
        n_argv = Nanos.argv(nanos.image("boot-" + os.path.basename(prog), prog, ["8080"]), True, (port, 8080))
        med = in_turn({"c": lambda: timed_first_response(c_argv, port, path),
                       "n": lambda: timed_first_response(n_argv, port, path)})
        row(label, med["c"], med["n"], "s", False)


def side_by_side(nanos, prog, args, guest_port):
    """A cloak VM and a Nanos VM running PROG ARGS: ((proc, port), (proc, port))."""
    c, cp = net.start_vm([prog] + args, guest_port)
    np_ = net.free_port()
    img = nanos.image("run-" + os.path.basename(prog), prog, args)
    n = spawn(Nanos.argv(img, True, (np_, guest_port)))
    return (c, cp), (n, np_)


def http_figures(nanos):
    say("HTTP requests/s, wrk (%d conns, %d s), the VMs side by side, in turn" % (net.WRK_CONNS, net.WRK_SECONDS))
    servers = [("C epoll (httpserve), small page", HTTP_SERVER, "/")]
    if os.path.exists(GO_SERVER):
        servers.append(("Go net/http, GET /page (200 000 B)", GO_SERVER, "/page"))
    else:
        say("  (Go: %s missing; make test-programs with Debian's go)" % GO_SERVER)
    for label, prog, path in servers:
        (c, cp), (n, np_) = side_by_side(nanos, prog, ["8080"], 8080)
        try:
            for p in (cp, np_):
                first_response(p, path, time.monotonic())
            runs = {"c": [], "n": []}
            for _ in range(RUNS):
                runs["c"].append(wrk(cp, path))
                runs["n"].append(wrk(np_, path))
        finally:
            net.stop(c)
            net.stop(n)
        rate = {k: statistics.median(r for r, _ in v) for k, v in runs.items()}
        p99 = {k: statistics.median(t for _, t in v) for k, v in runs.items()}
        row(label, rate["c"], rate["n"], "req/s", True)
        row("  its 99th percentile latency", p99["c"], p99["n"], "ms", False)


def tcp_figures(nanos):
    say("TCP through the hostfwd (bench/progs/netserve, %d MiB; latency: %d round trips of 64 B)" %
        (net.SIZE >> 20, net.ROUNDTRIPS))
    (c, cp), (n, np_) = side_by_side(nanos, NET_SERVER, ["5001"], 5001)
    try:
        net.wait_ready(cp)
        net.wait_ready(np_)
        for label, fn, unit, hb in (("throughput host -> guest", net.to_server, "MB/s", True),
                                    ("throughput guest -> host", net.from_server, "MB/s", True),
                                    ("request/response latency", net.latency, "us", False)):
            med = in_turn({"c": lambda: fn(cp), "n": lambda: fn(np_)})
            row(label, med["c"], med["n"], unit, hb)
    finally:
        net.stop(c)
        net.stop(n)


def main():
    d = os.environ.get("NANOS_DIR", "")
    if not d or not nanos_files(d):
        say("nanos: not run: set NANOS_DIR=DIR, a Nanos build (its source tree after "
            "`make kernel mkfs`, or a directory with kernel.img, boot.img and mkfs)%s; "
            "how to build it: the header of bench/nanos.py" % (" (%s has none)" % d if d else ""))
        return
    for f in (CLOAK, LUGGAGE, HTTP_SERVER, NET_SERVER, net.WRK):
        if not os.path.exists(f):
            sys.exit("bench: %s is missing; run `make bench` (wrk: scripts/install-deps.sh)" % f)
    global tmp
    tmp = tempfile.mkdtemp(prefix="cloak-nanos.")
    kept.append(tmp)
    nanos = Nanos(os.path.abspath(d))
    qv = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    say("cloak against Nanos (%s), %s, TCG, -m %s, 1 vCPU; medians of %d" % (nanos_version(d), qv, MEM, RUNS))
    try:
        boot_figures(nanos)
        http_boot_figures(nanos)
        http_figures(nanos)
        tcp_figures(nanos)
    finally:
        for k in kept:
            shutil.rmtree(k, ignore_errors=True)


if __name__ == "__main__":
    main()
