#!/usr/bin/env python3
"""cloak network benchmark (bench/run.sh net): figures only.

bench/progs/netserve runs in cloak with `-p HOST:5001` (QEMU user
networking, TCG) and natively on this host; the same client measures both:
  - TCP throughput host -> guest: SIZE bytes sent, until the server's count
    comes back (MB/s, 10^6 bytes);
  - TCP throughput guest -> host: SIZE bytes read, to the server's close;
  - request/response latency: ROUNDTRIPS 64-byte messages echoed one at a
    time on one connection (TCP_NODELAY both ways), the median in us.
The TCP figures again under --sev-sim (the SEV code paths, bounce
buffers included; nothing encrypted) and the sev-sim/normal ratio: both
VMs run side by side and are measured in turn, so a change in the host's
load (a shared machine) hits both alike.
Then, where Debian's wrk and iperf3 are installed:
  - HTTP requests/s: wrk (WRK_SECONDS, 1 thread, WRK_CONNS connections)
    against bench/progs/httpserve (one thread, epoll, a small static page)
    in cloak and natively, and the same for Go's net/http answering
    GET /page (200 000 bytes; tests/guest/lang/httpserver.go);
  - iperf3 -s run inside cloak as a dynamic program (Debian's binary and
    its libraries), TCP host -> guest and guest -> host (-R), against
    iperf3 natively on this host.
Then the same TCP figures (and iperf3) through a tap device (--net
tap:IFNAME, static addresses) in a user and network namespace made for
the run: QEMU's tap back end has a vnet header, so the card offers
checksum offload, large receive segments and mergeable buffers, and the
host's TCP scales its window (QEMU's user network does neither).
`bench/net.py tap` runs only these.
Medians of RUNS (3 for the slower wrk and iperf3 runs)."""
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CLOAK = os.path.join(BUILD, "bin", "cloak")
SERVER = os.path.join(BUILD, "bench", "netserve")
HTTP_SERVER = os.path.join(BUILD, "bench", "httpserve")
GO_SERVER = os.path.join(BUILD, "tests", "guest", "lang", "go-httpserver")
WRK = "/usr/bin/wrk"
IPERF3 = "/usr/bin/iperf3"
WRK_SECONDS = 5
WRK_CONNS = 8
IPERF_SECONDS = 3
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SLOW_RUNS = min(RUNS, 3)
SIZE = 32 << 20
ROUNDTRIPS = 500


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(port, what, host="127.0.0.1"):
    c = socket.create_connection((host, port), timeout=120)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(what)
    return c


def to_server(port, host="127.0.0.1"):
    c = connect(port, b"S", host)
    chunk = b"\x5a" * (1 << 16)
    t0 = time.monotonic()
    for _ in range(SIZE // len(chunk)):
        c.sendall(chunk)
    c.shutdown(socket.SHUT_WR)
    got = b""
    while len(got) < 8:
        b = c.recv(8 - len(got))
        if not b:
            break
        got += b
    t = time.monotonic() - t0
    c.close()
    if len(got) != 8 or struct.unpack("<Q", got)[0] != SIZE:
        raise RuntimeError("the server counted %r" % got)
    return SIZE / t / 1e6


def from_server(port, host="127.0.0.1"):
    c = connect(port, b"G" + struct.pack("<Q", SIZE), host)
    t0 = time.monotonic()
    n = 0
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        n += len(b)
    t = time.monotonic() - t0
    c.close()
    if n != SIZE:
        raise RuntimeError("got %d of %d bytes" % (n, SIZE))
    return SIZE / t / 1e6


def latency(port, host="127.0.0.1"):
    c = connect(port, b"E", host)
    msg = b"m" * 64
    times = []
    for _ in range(ROUNDTRIPS):
        t0 = time.monotonic()
        c.sendall(msg)
        got = 0
        while got < len(msg):
            got += len(c.recv(len(msg) - got))
        times.append(time.monotonic() - t0)
    c.close()
    return statistics.median(times) * 1e6


def wait_ready(port, host="127.0.0.1"):
    """QEMU accepts on the host port before the guest listens: ready is
    when an echo comes back."""
    end = time.monotonic() + 180
    while time.monotonic() < end:
        try:
            c = connect(port, b"E", host)
            c.settimeout(5)
            c.sendall(b"?")
            if c.recv(1) == b"?":
                c.close()
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server never answered")


def measure(port):
    wait_ready(port)
    figures = {}
    for name, fn in (("host -> guest", to_server), ("guest -> host", from_server), ("latency", latency)):
        figures[name] = statistics.median(fn(port) for _ in range(RUNS))
    return figures


def start_vm(args, guest_port, sev_sim=False):
    """A cloak VM running ARGS with a free host port forwarded to
    GUEST_PORT: (process, host port)."""
    hp = free_port()
    cmd = [CLOAK, "run", "-m", "128M", "--accel", "tcg", "-p", "%d:%d" % (hp, guest_port)]
    if sev_sim:
        cmd.append("--sev-sim")
    vm = subprocess.Popen(cmd + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          stdin=subprocess.DEVNULL)
    return vm, hp


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tcp_figures():
    """Normal and sev-sim VMs side by side, measured in turn (one idles
    while the other runs), so a change in the host's load hits both."""
    (a, pa), (b, pb) = start_vm([SERVER, "5001"], 5001, False), start_vm([SERVER, "5001"], 5001, True)
    try:
        wait_ready(pa)
        wait_ready(pb)
        runs = {"cloak": {}, "sev-sim": {}}
        for name, fn in (("host -> guest", to_server), ("guest -> host", from_server), ("latency", latency)):
            for which in runs:
                runs[which][name] = []
            for _ in range(RUNS):
                runs["cloak"][name].append(fn(pa))
                runs["sev-sim"][name].append(fn(pb))
        return {w: {n: statistics.median(v) for n, v in f.items()} for w, f in runs.items()}
    finally:
        stop(a)
        stop(b)


def wait_http(port, path="/"):
    end = time.monotonic() + 180
    while time.monotonic() < end:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            if c.recv(64).startswith(b"HTTP/1.1 200"):
                c.close()
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the HTTP server never answered")


def wrk_rate(port, path="/"):
    out = subprocess.run([WRK, "-t1", "-c%d" % WRK_CONNS, "-d%ds" % WRK_SECONDS,
                          "http://127.0.0.1:%d%s" % (port, path)], capture_output=True, text=True,
                         timeout=WRK_SECONDS + 60).stdout
    m = re.search(r"Requests/sec:\s*([0-9.]+)", out)
    if not m or re.search(r"Non-2xx|Socket errors", out):
        raise RuntimeError("wrk: %s" % out.strip())
    return float(m.group(1))


def http_figures(server=None, path="/"):
    """Requests/s of server (default: the C epoll one) answering GET path
    in cloak, under sev-sim (side by side, in turn) and natively."""
    server = server or HTTP_SERVER
    port = free_port()
    native = subprocess.Popen([server, str(port)], stdout=subprocess.DEVNULL,
                              stdin=subprocess.DEVNULL)
    (a, pa), (b, pb) = start_vm([server, "8080"], 8080, False), start_vm([server, "8080"], 8080, True)
    try:
        for p in (port, pa, pb):
            wait_http(p, path)
        rates = {pa: [], pb: [], port: []}
        for _ in range(SLOW_RUNS):
            for p in rates:
                rates[p].append(wrk_rate(p, path))
        return [statistics.median(rates[p]) for p in (pa, pb, port)]
    finally:
        for proc in (native, a, b):
            stop(proc)


def iperf_once(port, reverse, host="127.0.0.1"):
    """One iperf3 run against the server on PORT: Mbit/s received."""
    for attempt in range(60):
        r = subprocess.run([IPERF3, "-c", host, "-p", str(port), "-t", str(IPERF_SECONDS), "-J"]
                           + (["-R"] if reverse else []), capture_output=True, text=True,
                           timeout=IPERF_SECONDS + 120)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            j = {}
        if "end" in j and "sum_received" in j["end"] and not j.get("error"):
            return j["end"]["sum_received"]["bits_per_second"] / 1e6
        time.sleep(2)                    # the guest's server not listening yet
    raise RuntimeError("iperf3: %s" % (r.stdout.strip() or r.stderr.strip()))


def iperf_figures(in_cloak):
    if in_cloak:
        proc, port = start_vm([IPERF3, "-s"], 5201)
    else:
        port = free_port()
        proc = subprocess.Popen([IPERF3, "-s", "-p", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        return {"host -> guest": statistics.median(iperf_once(port, False) for _ in range(SLOW_RUNS)),
                "guest -> host": statistics.median(iperf_once(port, True) for _ in range(SLOW_RUNS))}
    finally:
        stop(proc)


TAPS = (("cloaktap0", "192.168.77"), ("cloaktap1", "192.168.78"))


def tap_vm(args, tap, sev_sim=False):
    """A cloak VM on tap TAP (its host side .1, the guest static .2)."""
    ifname, net = tap
    cmd = [CLOAK, "run", "-m", "128M", "--accel", "tcg", "--net", "tap:" + ifname,
           "--ip-address", net + ".2", "--gateway", net + ".1"] + (["--sev-sim"] if sev_sim else [])
    return subprocess.Popen(cmd + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)


def tap_inner():
    """Inside unshare -rnm (tap_figures): two taps, a normal and a sev-sim
    VM side by side measured in turn, then iperf3 in cloak on a tap; one
    line of JSON."""
    subprocess.run(["mount", "-t", "sysfs", "sysfs", "/sys"], check=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for ifname, net in TAPS:
        for c in (["ip", "tuntap", "add", "dev", ifname, "mode", "tap"],
                  ["ip", "addr", "add", net + ".1/24", "dev", ifname], ["ip", "link", "set", ifname, "up"]):
            subprocess.run(c, check=True)
    a, b = tap_vm([SERVER, "5001"], TAPS[0]), tap_vm([SERVER, "5001"], TAPS[1], True)
    ha, hb = TAPS[0][1] + ".2", TAPS[1][1] + ".2"
    out = {"cloak": {}, "sev-sim": {}}
    try:
        wait_ready(5001, ha)
        wait_ready(5001, hb)
        for name, fn in (("host -> guest", to_server), ("guest -> host", from_server), ("latency", latency)):
            runs = {"cloak": [], "sev-sim": []}
            for _ in range(RUNS):
                runs["cloak"].append(fn(5001, ha))
                runs["sev-sim"].append(fn(5001, hb))
            for w in runs:
                out[w][name] = statistics.median(runs[w])
    finally:
        stop(a)
        stop(b)
    if os.path.exists(IPERF3):
        vm = tap_vm([IPERF3, "-s"], TAPS[0])
        try:
            out["iperf3"] = {"host -> guest": statistics.median(iperf_once(5201, False, ha) for _ in range(SLOW_RUNS)),
                             "guest -> host": statistics.median(iperf_once(5201, True, ha) for _ in range(SLOW_RUNS))}
        finally:
            stop(vm)
    print(json.dumps(out))


def tap_figures():
    """The tap figures: this script again, in its own user and network
    namespace (no root, the host's network untouched)."""
    if not os.path.exists("/dev/net/tun") or subprocess.run(["unshare", "-rnm", "true"]).returncode:
        print("  tap: skipped (no /dev/net/tun or no user namespaces here)")
        return
    r = subprocess.run(["unshare", "-rnm", sys.executable, os.path.abspath(__file__), "tap-inner"],
                       capture_output=True, text=True)
    try:
        res = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("  tap: failed: %s" % (r.stderr.strip()[-500:] or r.stdout.strip()[-500:]))
        return
    print("network: TCP through a tap (--net tap, static addresses; user+network namespace), TCG; medians of %d"
          % RUNS, flush=True)
    for name, unit in (("host -> guest", "MB/s"), ("guest -> host", "MB/s"), ("latency", "us")):
        c, s = res["cloak"][name], res["sev-sim"][name]
        ratio = c / s if unit == "MB/s" else s / c
        extra = "  (%.2f Gbit/s)" % (c * 8 / 1000) if unit == "MB/s" else ""
        print("  %-28s cloak %9.1f %-4s   sev-sim %9.1f (cost %.2fx)%s" %
              ("request/response latency" if name == "latency" else "throughput " + name,
               c, unit, s, ratio, extra), flush=True)
    if "iperf3" in res:
        for name in ("host -> guest", "guest -> host"):
            print("  %-28s cloak %9.0f Mbit/s" % ("iperf3 " + name, res["iperf3"][name]), flush=True)


def main():
    for f in (CLOAK, SERVER):
        if not os.path.exists(f):
            sys.exit("bench: %s is missing; run `make bench`" % f)
    if sys.argv[1:] == ["tap-inner"]:
        return tap_inner()
    if sys.argv[1:] == ["tap"]:
        return tap_figures()
    print("network: TCP through QEMU's user networking (-p, hostfwd on 127.0.0.1), TCG; medians of %d" % RUNS,
          flush=True)
    results = tcp_figures()
    np = free_port()
    native = subprocess.Popen([SERVER, str(np)], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        results["native"] = measure(np)
    finally:
        stop(native)
    for name, unit in (("host -> guest", "MB/s"), ("guest -> host", "MB/s"), ("latency", "us")):
        c, s = results["cloak"][name], results["sev-sim"][name]
        ratio = c / s if unit == "MB/s" else s / c          # cost: >1 is slower
        print("  %-28s cloak %9.1f %-4s   sev-sim %9.1f (cost %.2fx)   native on this host %9.1f %s" %
              ("request/response latency" if name == "latency" else "throughput " + name,
               c, unit, s, ratio, results["native"][name], unit), flush=True)
    print("  (%d MiB per transfer; latency: %d round trips of 64 bytes, the median)" % (SIZE >> 20, ROUNDTRIPS),
          flush=True)
    if os.path.exists(WRK) and os.path.exists(HTTP_SERVER):
        c, s, n = http_figures()
        print("  %-28s cloak %9.0f req/s  sev-sim %9.0f (cost %.2fx)   native on this host %9.0f req/s" %
              ("HTTP (wrk, %d conns, %d s)" % (WRK_CONNS, WRK_SECONDS), c, s, c / s, n), flush=True)
    else:
        print("  HTTP: %s or %s missing (scripts/install-deps.sh; make bench)" % (WRK, HTTP_SERVER))
    if os.path.exists(WRK) and os.path.exists(GO_SERVER):
        c, s, n = http_figures(GO_SERVER, "/page")
        print("  %-28s cloak %9.0f req/s  sev-sim %9.0f (cost %.2fx)   native on this host %9.0f req/s" %
              ("Go net/http, 200 KB (wrk)", c, s, c / s, n), flush=True)
    else:
        print("  Go net/http: %s missing (make test-programs with Debian's golang-go)" % GO_SERVER)
    if os.path.exists(IPERF3):
        c, n = iperf_figures(True), iperf_figures(False)
        for name in ("host -> guest", "guest -> host"):
            print("  %-28s cloak %9.0f Mbit/s          native on this host %9.0f Mbit/s" %
                  ("iperf3 " + name, c[name], n[name]), flush=True)
        print("  (iperf3 -s is Debian's dynamic binary run in cloak; %d s per run)" % IPERF_SECONDS)
    else:
        print("  iperf3: %s missing (scripts/install-deps.sh)" % IPERF3)
    tap_figures()


if __name__ == "__main__":
    main()
