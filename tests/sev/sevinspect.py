#!/usr/bin/env python3
"""Inspect a running cloak guest from outside, through QEMU's monitor (QMP),
for the SEV memory model (docs/architecture.md, the memory model; docs/sev.md,
"What is encrypted, and what is not").

It starts QEMU itself from a command line (`cloak run --dry-run ...` prints
one), adds a QMP socket, waits until the program has printed a line, and then
runs the checks asked for:

  --pagetables      stop the VM, read every CPU's CR3, walk the 4-level page tables from
                    guest memory and check the C-bit (bit --cbit, default 52)
                    of every present entry: set on entries pointing to tables
                    and on leaves mapping private RAM, clear on leaves mapping
                    the DMA heap or MMIO (anything that is not RAM).  Also the
                    layout (kernel/mm/layout.h): direct, DMA and MMIO maps at
                    their fixed offsets, the DMA heap mapped wholly at the DMA
                    map and nowhere else.
  --virtqueues N    sample every virtqueue of every virtio device N times:
                    ring addresses and the buffer of every descriptor with a
                    non-zero length must lie inside the DMA heap, and every
                    device whose queues the driver set up must show at least
                    one descriptor (one never seen was never checked: that
                    is a violation).  tests/sev/virtqueues.py.
                    NVMe controllers are sampled as often: their admin and
                    I/O queues, Identify buffers and every Read/Write's PRPs
                    (PRP lists followed) inside the DMA heap, and Read/Write
                    commands seen.  tests/sev/nvmequeues.py.
  --traffic DEVS    with --virtqueues: each device named (QEMU's names, comma
                    separated, e.g. virtio-blk,virtio-rng; nvme for NVMe
                    controllers) must be there and complete requests (NVMe:
                    be given commands) while it is sampled.
  --secret STRING   dump all guest RAM: STRING must be in private RAM and
                    never inside the DMA heap.

  --dma-heap-second-half  check against only the second half of the DMA
                    heap the kernel logged: rings and buffers in the first
                    half become violations (a negative control: it proves a
                    device's descriptors are really compared with the heap).

The DMA heap comes from the kernel log (`dma-heap: phys=0x.. size=0x..`, or
the older `DMA heap N KiB at HEX`); RAM from `info mtree -f`.

Output: one summary line per check ("pagetables: key=value ..."), then
"violation: ..." lines (at most --max-violations per check).  Exit status 0
when every check passed, 1 when a check found violations, 2 when the
inspection itself failed (QEMU did not start, the program never got ready,
...).  QEMU is always quit (QMP `quit`, then killed) before exiting.

Python 3 standard library only.
"""
import sys
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

from inspectlib import Checker, InspectError, inside, overlaps
from virtqueues import check_virtqueues
from nvmequeues import check_nvme

PTE_P = 1 << 0
PTE_PS = 1 << 7
PTE_ADDR = 0x000FFFFFFFFFF000

USER_TOP = 0x00007FFFFFFFF000
DIRECT_MAP_BASE = 0xFFFF800000000000
DMA_MAP_BASE = 0xFFFF880000000000
MMIO_MAP_BASE = 0xFFFF900000000000
HEAP_BASE = 0xFFFFA00000000000
HEAP_END = HEAP_BASE + (1 << 40)
KERNEL_VBASE = 0xFFFFFFFF80000000


def va_region(va):
    if va < 0x0000800000000000:
        return "user"
    if va >= KERNEL_VBASE:
        return "kernel image"
    if va >= HEAP_END:
        return "above heap"
    if va >= HEAP_BASE:
        return "heap"
    if va >= MMIO_MAP_BASE:
        return "mmio map"
    if va >= DMA_MAP_BASE:
        return "dma map"
    if va >= DIRECT_MAP_BASE:
        return "direct map"
    return "?"


class QMP:
    def __init__(self, path, timeout, alive=lambda: True):
        deadline = time.monotonic() + timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if not alive():
                    raise InspectError("QEMU exited before its QMP socket %s came up" % path)
                if time.monotonic() > deadline:
                    raise InspectError("cannot connect to QMP socket %s" % path)
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rw", encoding="utf-8")
        greeting = self._read()
        if "QMP" not in greeting:
            raise InspectError("no QMP greeting: %r" % greeting)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise InspectError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            r = self._read()
            if "event" in r:
                continue
            if "error" in r:
                raise InspectError("QMP %s %s: %s" % (name, args, r["error"].get("desc", r["error"])))
            return r.get("return")

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Guest:
    """A QEMU process started from a command line, with a QMP socket."""

    def __init__(self, argv, workdir, stdout_path, timeout):
        self.workdir = workdir
        self.sock_path = os.path.join(workdir, "qmp.sock")
        self.stdout_path = stdout_path
        self.log_path = None
        if not argv:
            raise InspectError("no QEMU command given")
        for a in argv:
            m = re.match(r"^file:(.*kernel\.log)$", a)
            if m:
                self.log_path = m.group(1)
        argv = list(argv) + ["-qmp", "unix:%s,server=on,wait=off" % self.sock_path]
        # QEMU runs under timeout(1) too: it cannot outlive a killed inspector.
        argv = ["timeout", "-k", "5", str(int(timeout) + 30)] + argv
        self.out = open(stdout_path, "wb")
        self.err = open(os.path.join(workdir, "qemu.err"), "wb")
        self.argv = argv
        self.proc = None
        self.qmp = None
        self.dumpfile = os.path.join(workdir, "mem.bin")

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        try:
            self.qmp = QMP(self.sock_path, 20, lambda: self.proc.poll() is None)
        except InspectError as e:
            self.err.flush()
            with open(self.err.name, "rb") as f:
                raise InspectError("%s; QEMU status %s, stderr: %r" % (
                    e, self.proc.poll(), f.read()[-300:])) from None

    def wait_output(self, regex, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(regex.encode())
        while time.monotonic() < deadline:
            with open(self.stdout_path, "rb") as f:
                if rx.search(f.read()):
                    return
            if self.proc.poll() is not None:
                raise InspectError("QEMU exited (status %s) before the program printed /%s/" %
                                   (self.proc.returncode, regex))
            time.sleep(0.05)
        raise InspectError("the program did not print /%s/ within %ss" % (regex, timeout))

    def read_phys(self, addr, size):
        if size <= 0:
            return b""
        self.qmp.cmd("pmemsave", val=addr, size=size, filename=self.dumpfile)
        with open(self.dumpfile, "rb") as f:
            data = f.read()
        os.unlink(self.dumpfile)
        if len(data) != size:
            raise InspectError("pmemsave 0x%x+0x%x gave %d bytes" % (addr, size, len(data)))
        return data

    def stop(self):
        self.qmp.cmd("stop")

    def cont(self):
        self.qmp.cmd("cont")

    def shutdown(self):
        if self.qmp:
            try:
                self.qmp.cmd("quit")
            except (InspectError, OSError, ValueError):
                pass
            self.qmp.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()


def ram_ranges(qmp):
    """[(start, end)] of guest RAM from the flat view of the system address space."""
    text = qmp.hmp("info mtree -f")
    ranges = []
    in_memory = False
    for line in text.splitlines():
        if line.startswith("FlatView"):
            in_memory = False
        if re.match(r'^\s*AS "memory"', line):
            in_memory = True
        if not in_memory:
            continue
        m = re.match(r"^\s+([0-9a-f]+)-([0-9a-f]+) \(prio -?\d+, (\w+)\): (\S+)", line)
        if not m:
            continue
        start, last, kind, name = int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4)
        # RAM: ram regions, and pc.ram shadowed read-only (PAM) below 1 MiB.
        # Firmware ROM (pc.bios) and i/o regions are not RAM.
        if kind == "ram" or (kind == "rom" and name.startswith(("pc.ram", "ram-"))):
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], last + 1)
            else:
                ranges.append((start, last + 1))
    if not ranges:
        # Fallback: q35's layout from the RAM size.
        size = qmp.cmd("query-memory-size-summary")["base-memory"]
        low = size if size < 0xB0000000 else 0x80000000
        ranges.append((0, low))
        if size > low:
            ranges.append((1 << 32, (1 << 32) + size - low))
    return ranges


def dma_heap_from_log(path, timeout):
    deadline = time.monotonic() + timeout
    while True:
        text = ""
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        m = re.search(r"dma-heap: phys=(0x[0-9a-fA-F]+) size=(0x[0-9a-fA-F]+)", text)
        if m:
            return int(m.group(1), 16), int(m.group(2), 16), "dma-heap line"
        m = re.search(r"DMA heap (\d+) KiB at ([0-9a-fA-F]+)", text)
        if m:
            return int(m.group(2), 16), int(m.group(1)) * 1024, "mm line"
        if time.monotonic() > deadline:
            raise InspectError("no DMA heap line in the kernel log %s" % path)
        time.sleep(0.05)


def log_mentions_sev_sim(path):
    if not path or not os.path.exists(path):
        return False
    with open(path, "rb") as f:
        return b"memory encryption: simulated SEV" in f.read()


class Memory:
    """Guest RAM dumped once (the VM must be stopped)."""

    def __init__(self, guest, ranges):
        self.chunks = []
        for start, end in ranges:
            self.chunks.append((start, end, guest.read_phys(start, end - start)))

    def read(self, addr, size):
        for start, end, data in self.chunks:
            if start <= addr and addr + size <= end:
                return data[addr - start:addr - start + size]
        raise InspectError("physical 0x%x+0x%x is not in RAM" % (addr, size))

    def find_all(self, needle):
        hits = []
        for start, end, data in self.chunks:
            i = data.find(needle)
            while i >= 0:
                hits.append(start + i)
                i = data.find(needle, i + 1)
        return hits


def check_pagetables(guest, ranges, dma, cbit, max_violations):
    """Walks the tables of every CPU's CR3 (each distinct root once): an
    application processor must run on tables as correct as the boot CPU's."""
    regs = guest.qmp.hmp("info registers -a")
    cr3s = [int(x, 16) for x in re.findall(r"CR3=([0-9a-fA-F]+)", regs)]
    if not cr3s:
        raise InspectError("no CR3 in `info registers -a`")
    mem = Memory(guest, ranges)
    roots = sorted(set(cr3s), key=cr3s.index)
    chk, summary, notes = walk_pagetables(mem, roots[0], ranges, dma, cbit, max_violations)
    for root in roots[1:]:
        other, other_summary, _ = walk_pagetables(mem, root, ranges, dma, cbit, max_violations)
        chk.violations += other.violations
        chk.lines += other.lines[:max(0, chk.max - len(chk.lines))]
        notes.append("another root: %s" % other_summary)
    summary = summary.replace(" violations=", " cpus=%d roots=%d violations=" % (len(cr3s), len(roots)))
    summary = re.sub(r"violations=\d+$", "violations=%d" % chk.violations, summary)
    notes.append("CR3 per CPU: %s" % ", ".join("cpu%d=0x%x" % (i, v) for i, v in enumerate(cr3s)))
    return chk, summary, notes


def walk_pagetables(mem, cr3, ranges, dma, cbit, max_violations):
    """Checks the tables under cr3; mem.read(phys, size) reads guest memory.
    Returns (Checker, summary line, notes)."""
    dma_base, dma_size = dma
    c = 1 << cbit
    chk = Checker("pagetables", max_violations)
    mmio_ranges = []
    dma_mapped = [0]
    counts = {"tables": 0, "table_entries": 0, "private_4k": 0, "private_2m": 0, "private_1g": 0,
              "shared_dma": 0, "mmio": 0}

    def in_ram(pa, size):
        return any(inside(pa, size, s, e - s) for s, e in ranges)

    def touches_ram(pa, size):
        return any(overlaps(pa, size, s, e - s) for s, e in ranges)

    def canon(va):
        return va | 0xFFFF000000000000 if va & (1 << 47) else va

    def leaf(va, e, level, size):
        pa = e & PTE_ADDR & ~c & ~(size - 1)
        has = bool(e & c)
        where = "va 0x%016x (%s) entry 0x%016x level %d phys 0x%x size 0x%x" % (
            va, va_region(va), e, level, pa, size)
        if overlaps(pa, size, dma_base, dma_size):
            if not inside(pa, size, dma_base, dma_size):
                chk.violation("leaf straddles the DMA heap edge: " + where)
            elif has:
                chk.violation("DMA heap mapped with the C-bit: " + where)
            counts["shared_dma"] += 1
        elif in_ram(pa, size):
            if not has:
                chk.violation("private RAM mapped without the C-bit: " + where)
            counts[{1: "private_4k", 2: "private_2m", 3: "private_1g"}[level]] += 1
        elif touches_ram(pa, size):
            chk.violation("leaf maps both RAM and non-RAM: " + where)
        else:
            if has:
                chk.violation("MMIO (not RAM) mapped with the C-bit: " + where)
            counts["mmio"] += 1
            if mmio_ranges and mmio_ranges[-1][1] == pa:
                mmio_ranges[-1][1] = pa + size
            else:
                mmio_ranges.append([pa, pa + size])
        # The layout (kernel/mm/layout.h): the fixed-offset maps, and the
        # DMA heap mapped only, and wholly, at DMA_MAP_BASE + phys.
        region = va_region(va)
        offsets = {"direct map": DIRECT_MAP_BASE, "dma map": DMA_MAP_BASE, "mmio map": MMIO_MAP_BASE}
        if region in offsets and va - offsets[region] != pa:
            chk.violation("%s leaf not at its fixed offset from the physical address: %s" % (region, where))
        if overlaps(pa, size, dma_base, dma_size):
            if region != "dma map":
                chk.violation("DMA heap mapped outside the DMA map: " + where)
            else:
                dma_mapped[0] += min(pa + size, dma_base + dma_size) - max(pa, dma_base)
        elif region == "dma map":
            chk.violation("DMA map leaf outside the DMA heap: " + where)

    seen = set()

    def walk(table_pa, level, va_base):
        if table_pa in seen:
            return
        seen.add(table_pa)
        counts["tables"] += 1
        if overlaps(table_pa, 4096, dma_base, dma_size) or not in_ram(table_pa, 4096):
            chk.violation("page-table page at phys 0x%x (level %d) is not private RAM" % (table_pa, level))
            return
        data = mem.read(table_pa, 4096)
        shift = 12 + 9 * (level - 1)
        for i, e in enumerate(struct.unpack("<512Q", data)):
            if not e & PTE_P:
                continue
            va = canon(va_base | (i << shift))
            if level == 1 or (level in (2, 3) and e & PTE_PS):
                leaf(va, e, level, 1 << shift)
                continue
            if level == 4 and e & PTE_PS:
                chk.violation("PS set in a PML4 entry: va 0x%016x entry 0x%016x" % (va, e))
                continue
            counts["table_entries"] += 1
            if not e & c:
                chk.violation("entry pointing to a table lacks the C-bit: va 0x%016x (%s) entry 0x%016x level %d"
                              % (va, va_region(va), e, level))
            walk(e & PTE_ADDR & ~c, level - 1, va)

    walk(cr3 & PTE_ADDR & ~c, 4, 0)
    if dma_mapped[0] != dma_size:
        chk.violation("the DMA heap is not wholly mapped at DMA_MAP_BASE: 0x%x of 0x%x bytes" % (dma_mapped[0], dma_size))
    summary = "pagetables: cr3=0x%x %s violations=%d" % (
        cr3, " ".join("%s=%d" % kv for kv in counts.items()), chk.violations)
    notes = []
    if mmio_ranges:
        mr = sorted(mmio_ranges)
        notes.append("MMIO mapped in %d range(s), %d page(s): %s%s" % (
            len(mr), sum((e - s) // 4096 for s, e in mr),
            ", ".join("0x%x-0x%x" % tuple(r) for r in mr[:4] + mr[-4:] if len(mr) > 8 or r in mr[:4]),
            "" if len(mr) <= 4 else " (first and last shown)" if len(mr) > 8 else
            ", " + ", ".join("0x%x-0x%x" % tuple(r) for r in mr[4:])))
    return chk, summary, notes


def check_secret(guest, ranges, dma, secret, max_violations):
    dma_base, dma_size = dma
    chk = Checker("secret", max_violations)
    mem = Memory(guest, ranges)
    hits = mem.find_all(secret.encode())
    private = [h for h in hits if not overlaps(h, len(secret), dma_base, dma_size)]
    shared = [h for h in hits if overlaps(h, len(secret), dma_base, dma_size)]
    for h in shared:
        chk.violation("the secret is in the DMA heap at phys 0x%x" % h)
    if not private:
        chk.violation("the secret was not found in private RAM (is the program running?)")
    total = sum(e - s for s, e in ranges)
    summary = "secret: ram_bytes=%d private_hits=%d dma_hits=%d violations=%d" % (
        total, len(private), len(shared), chk.violations)
    notes = ["secret found at phys " + ", ".join("0x%x" % h for h in private[:8])] if private else []
    return chk, summary, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qemu", required=True, help="the QEMU command line (as `cloak run --dry-run` prints it)")
    ap.add_argument("--ready", required=True, help="regex the program prints when it is running")
    ap.add_argument("--workdir", help="directory for the socket and dumps (default: a new temporary one)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds for the whole inspection")
    ap.add_argument("--cbit", type=int, default=52)
    ap.add_argument("--pagetables", action="store_true")
    ap.add_argument("--virtqueues", type=int, default=0, metavar="N")
    ap.add_argument("--interval", type=float, default=0.3, help="seconds between virtqueue samples")
    ap.add_argument("--traffic", default="", metavar="DEVS",
                    help="devices (e.g. virtio-blk,virtio-rng) that must complete requests while sampled")
    ap.add_argument("--secret")
    ap.add_argument("--dma-heap-second-half", action="store_true",
                    help="negative control: check against the second half of the DMA heap only")
    ap.add_argument("--max-violations", type=int, default=8)
    args = ap.parse_args()

    def on_signal(signum, _frame):
        raise InspectError("killed by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGALRM, on_signal)
    signal.alarm(int(args.timeout))

    workdir = args.workdir or tempfile.mkdtemp(prefix="sevinspect.")
    guest = None
    failed = False
    rc = 2
    try:
        guest = Guest(shlex.split(args.qemu), workdir, os.path.join(workdir, "stdout"), args.timeout)
        guest.start()
        guest.wait_output(args.ready, args.timeout / 2)
        base, size, src = dma_heap_from_log(guest.log_path, 5)
        logged = (base, size)
        if args.dma_heap_second_half:
            base, size = base + size // 2, size - size // 2
            src += ", second half only (--dma-heap-second-half)"
        dma = (base, size)
        ranges = ram_ranges(guest.qmp)
        print("guest: dma_heap=0x%x-0x%x (%s) ram=%s sev_sim_logged=%s" % (
            base, base + size, src, ",".join("0x%x-0x%x" % r for r in ranges),
            "yes" if log_mentions_sev_sim(guest.log_path) else "no"))
        results = []
        if args.virtqueues:
            traffic = [d for d in args.traffic.split(",") if d]
            chk, summary, notes = check_virtqueues(guest, dma, args.virtqueues, args.interval,
                                                   args.max_violations, [t for t in traffic if t != "nvme"],
                                                   logged)
            results.append((chk, summary, notes))
            nvme = check_nvme(guest, dma, args.virtqueues, args.interval, args.max_violations,
                              "nvme" in traffic)
            if nvme:
                results.append(nvme)
        if args.pagetables:
            guest.stop()
            try:
                chk, summary, notes = check_pagetables(guest, ranges, dma, args.cbit, args.max_violations)
            finally:
                guest.cont()
            results.append((chk, summary, notes))
        if args.secret:
            guest.stop()
            try:
                chk, summary, notes = check_secret(guest, ranges, dma, args.secret, args.max_violations)
            finally:
                guest.cont()
            results.append((chk, summary, notes))
        for chk, summary, notes in results:
            print(summary)
            for n in notes:
                print("note: %s: %s" % (chk.name, n))
            for line in chk.lines:
                print(line)
            if chk.violations:
                failed = True
        rc = 1 if failed else 0
    except (InspectError, OSError, ValueError, KeyError) as e:
        print("error: %s" % e)
        if guest:
            try:
                with open(guest.stdout_path, "rb") as f:
                    print("error: program output: %r" % f.read()[-300:])
            except OSError:
                pass
        rc = 2
    finally:
        signal.alarm(0)
        sys.stdout.flush()
        if guest:
            guest.shutdown()      # QEMU never outlives the inspector
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
