#!/usr/bin/env python3
"""cloak network benchmark (bench/run.sh net): figures only.

bench/progs/netserve runs in cloak with `-p HOST:5001` (QEMU user
networking, TCG) and natively on this host; the same client measures both:
  - TCP throughput host -> guest: SIZE bytes sent, until the server's count
    comes back (MB/s, 10^6 bytes);
  - TCP throughput guest -> host: SIZE bytes read, to the server's close;
  - request/response latency: ROUNDTRIPS 64-byte messages echoed one at a
    time on one connection (TCP_NODELAY both ways), the median in us.
Medians of RUNS."""
import os
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
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIZE = 32 << 20
ROUNDTRIPS = 500


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(port, what):
    c = socket.create_connection(("127.0.0.1", port), timeout=120)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(what)
    return c


def to_server(port):
    c = connect(port, b"S")
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


def from_server(port):
    c = connect(port, b"G" + struct.pack("<Q", SIZE))
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


def latency(port):
    c = connect(port, b"E")
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


def wait_ready(port):
    """QEMU accepts on the host port before the guest listens: ready is
    when an echo comes back."""
    end = time.monotonic() + 180
    while time.monotonic() < end:
        try:
            c = connect(port, b"E")
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


def main():
    for f in (CLOAK, SERVER):
        if not os.path.exists(f):
            sys.exit("bench: %s is missing; run `make bench`" % f)
    print("network: TCP through QEMU's user networking (-p, hostfwd on 127.0.0.1), TCG; medians of %d" % RUNS,
          flush=True)
    results = {}
    hp = free_port()
    vm = subprocess.Popen([CLOAK, "run", "-m", "128M", "--accel", "tcg", "-p", "%d:5001" % hp, SERVER, "5001"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        results["cloak"] = measure(hp)
    finally:
        vm.terminate()
        vm.wait()
    np = free_port()
    native = subprocess.Popen([SERVER, str(np)], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        results["native"] = measure(np)
    finally:
        native.terminate()
        native.wait()
    for name, unit in (("host -> guest", "MB/s"), ("guest -> host", "MB/s"), ("latency", "us")):
        print("  %-28s cloak %9.1f %-4s   native on this host %9.1f %s" %
              ("request/response latency" if name == "latency" else "throughput " + name,
               results["cloak"][name], unit, results["native"][name], unit), flush=True)
    print("  (%d MiB per transfer; latency: %d round trips of 64 bytes, the median)" % (SIZE >> 20, ROUNDTRIPS))


if __name__ == "__main__":
    main()
