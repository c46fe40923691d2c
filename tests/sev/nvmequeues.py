"""The NVMe check of sevinspect.py (--virtqueues samples NVMe controllers
too; --traffic nvme).  NVMe has no virtqueues: the controller learns its
admin queues from registers (AQA, ASQ, ACQ in BAR0) and its I/O queues from
the admin commands that created them, and every command carries its data
addresses (PRP1, PRP2, PRP lists).  Under SEV all of them must lie inside
the DMA heap (kernel/drivers/nvme.h; docs/architecture.md, the memory
model).  Each sample, with the VM stopped:

  - the registers: admin submission and completion queues inside the heap;
  - every admin command in the admin SQ: Identify buffers and the rings of
    Create I/O CQ/SQ inside the heap (the I/O queues are found there);
  - every command in each I/O SQ (the ring keeps the last commands the
    controller was given, answered or not): Read and Write PRP1, PRP2 and,
    when the transfer spans more than two pages, each entry of the PRP
    list (chained lists followed), inside the heap.  The driver's list
    pages are its own for the controller's lifetime (nvme.h: prp_lists),
    so a list holds entries the driver wrote, this command's or a later
    one's that used the same page.  Commands still in flight (command id
    in no entry of the I/O CQ) are counted: QEMU finishes requests when
    the VM stops, so there are seldom any.  The transfer length is
    the block count times the namespace's block size, taken from the kernel
    log line of that controller and namespace ("nvme: nvmeN at BB:SS.F:
    namespace I: N blocks of B bytes").

A controller with I/O queues whose Read/Write commands were never seen has
not been checked: a violation.  With --traffic nvme, the I/O SQ must change
between the first and the last sample (the controller was given commands
while sampled).

guest: .qmp.cmd(name, **args), .read_phys(addr, size), .log_path.
Python 3 standard library only."""
import re
import struct
import time

from inspectlib import Checker, inside

PAGE = 4096
NVME_CLASS = 0x0108


class Controller:
    def __init__(self, bdf, bar0):
        self.bdf = bdf                 # "00:03.0"
        self.bar0 = bar0
        self.label = "nvme at %s" % bdf
        self.block = {}                # namespace ID -> bytes per block, from the kernel log
        self.io_queues = {}            # qid -> (sq address, entries)
        self.io_cqs = {}               # qid -> (cq address, entries)
        self.rw_seen = 0               # Read/Write commands checked
        self.unsized = False           # its transfers could not be sized (reported)
        self.first_sq = None           # I/O SQ bytes at the first and last sample
        self.last_sq = None


def find_controllers(qmp):
    found = []
    for bus in qmp.cmd("query-pci"):
        for d in bus.get("devices", []):
            if d.get("class_info", {}).get("class") != NVME_CLASS:
                continue
            bar0 = [r for r in d.get("regions", []) if r.get("bar") == 0 and r.get("type") == "memory"]
            if bar0:
                found.append(Controller("%02x:%02x.%x" % (bus["bus"], d["slot"], d["function"]),
                                        bar0[0]["address"]))
    return found


def block_sizes(log_path, controllers):
    try:
        with open(log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except (OSError, TypeError):
        return
    for m in re.finditer(r"^nvme: nvme\d+ at ([0-9a-f:.]+): namespace (\d+): \d+ blocks of (\d+) bytes", text,
                         re.M):
        for c in controllers:
            if c.bdf == m.group(1):
                c.block[int(m.group(2))] = int(m.group(3))


class Sampler:
    def __init__(self, guest, dma, chk, counts):
        self.guest = guest
        self.dma = dma
        self.chk = chk
        self.counts = counts

    def in_heap(self, what, addr, size):
        self.counts["addresses"] += 1
        if not inside(addr, size, *self.dma):
            self.chk.violation("%s at 0x%x+0x%x lies outside the DMA heap" % (what, addr, size))
            return False
        return True

    def prps(self, c, what, prp1, prp2, length):
        """Every page a transfer of length bytes covers."""
        first = min(length, PAGE - (prp1 % PAGE))
        self.in_heap(what + " PRP1", prp1, first)
        left = length - first
        if left <= 0:
            return
        if left <= PAGE:
            self.in_heap(what + " PRP2", prp2, left)
            return
        entries = (left + PAGE - 1) // PAGE
        list_addr, slot = prp2, 0
        if not self.in_heap(what + " PRP list", list_addr, min(entries, PAGE // 8) * 8):
            return
        self.counts["prp_lists"] += 1
        data = self.guest.read_phys(list_addr - list_addr % PAGE, PAGE)
        slot = (list_addr % PAGE) // 8
        while entries:
            (entry,) = struct.unpack_from("<Q", data, 8 * slot)
            if slot == PAGE // 8 - 1 and entries > 1:
                if not self.in_heap(what + " chained PRP list", entry, PAGE):
                    return
                data, slot = self.guest.read_phys(entry, PAGE), 0
                continue
            self.in_heap(what + " PRP list entry", entry, min(PAGE, left))
            left -= min(PAGE, left)
            entries -= 1
            slot += 1

    def admin(self, c):
        regs = self.guest.read_phys(c.bar0, 0x38)
        cc, = struct.unpack_from("<I", regs, 0x14)
        if not cc & 1:
            return                     # not enabled (yet, or after a reset)
        aqa, asq, acq = struct.unpack_from("<IQQ", regs, 0x24)
        sq_n, cq_n = (aqa & 0xFFF) + 1, ((aqa >> 16) & 0xFFF) + 1
        self.counts["queues"] += 2
        self.in_heap("%s admin submission queue" % c.label, asq, 64 * sq_n)
        self.in_heap("%s admin completion queue" % c.label, acq, 16 * cq_n)
        if not inside(asq, 64 * sq_n, *self.dma):
            return
        ring = self.guest.read_phys(asq, 64 * sq_n)
        for i in range(sq_n):
            op, cid, nsid = struct.unpack_from("<BxHI", ring, 64 * i)
            prp1, = struct.unpack_from("<Q", ring, 64 * i + 24)
            cdw10, = struct.unpack_from("<I", ring, 64 * i + 40)
            qid, entries = cdw10 & 0xFFFF, (cdw10 >> 16) + 1
            what = "%s admin command %d (opcode 0x%x)" % (c.label, i, op)
            if op == 0x06 and prp1:
                self.counts["commands"] += 1
                self.in_heap(what + " Identify buffer", prp1, PAGE)
            elif op == 0x05:
                self.counts["commands"] += 1
                if self.in_heap(what + " I/O completion queue", prp1, 16 * entries):
                    c.io_cqs[qid] = (prp1, entries)
            elif op == 0x01:
                self.counts["commands"] += 1
                if self.in_heap(what + " I/O submission queue", prp1, 64 * entries):
                    c.io_queues[qid] = (prp1, entries)

    def answered(self, c):
        """Command ids in the I/O completion queues."""
        done = set()
        for cq, entries in c.io_cqs.values():
            ring = self.guest.read_phys(cq, 16 * entries)
            for i in range(entries):
                done.add(struct.unpack_from("<H", ring, 16 * i + 12)[0])
        return done

    def io(self, c):
        done = self.answered(c)
        for qid, (sq, entries) in sorted(c.io_queues.items()):
            ring = self.guest.read_phys(sq, 64 * entries)
            self.counts["queues"] += 1
            if c.first_sq is None:
                c.first_sq = ring
            c.last_sq = ring
            for i in range(entries):
                op, cid, nsid = struct.unpack_from("<BxHI", ring, 64 * i)
                prp1, prp2 = struct.unpack_from("<QQ", ring, 64 * i + 24)
                cdw12, = struct.unpack_from("<I", ring, 64 * i + 48)
                if op not in (0x01, 0x02) or not prp1:
                    continue
                if nsid not in c.block:
                    if not c.unsized:
                        self.chk.violation("%s: no block size for namespace %d in the kernel log: its transfers "
                                           "cannot be checked" % (c.label, nsid))
                    c.unsized = True
                    continue
                c.rw_seen += 1
                self.counts["commands"] += 1
                what = "%s queue %d %s cid %d" % (c.label, qid, "write" if op == 1 else "read", cid)
                in_flight = cid not in done
                if in_flight:
                    self.counts["in_flight"] += 1
                self.prps(c, what, prp1, prp2, ((cdw12 & 0xFFFF) + 1) * c.block[nsid])


def check_nvme(guest, dma, samples, interval, max_violations, traffic=False):
    """Returns (Checker, summary line, notes), or None when the guest has no
    NVMe controller and none was asked for."""
    controllers = find_controllers(guest.qmp)
    if not controllers and not traffic:
        return None
    chk = Checker("nvme", max_violations)
    counts = {"samples": 0, "controllers": len(controllers), "queues": 0, "commands": 0, "in_flight": 0,
              "prp_lists": 0, "addresses": 0}
    block_sizes(guest.log_path, controllers)
    sampler = Sampler(guest, dma, chk, counts)
    for s in range(samples):
        if s:
            time.sleep(interval)
        guest.stop()
        try:
            counts["samples"] += 1
            for c in controllers:
                sampler.admin(c)
                sampler.io(c)
        finally:
            guest.cont()
    if traffic and not controllers:
        chk.violation("no NVMe controller: its traffic was never checked")
    for c in controllers:
        if c.io_queues and not c.rw_seen and not c.unsized:
            chk.violation("%s: no Read or Write seen in %d sample(s): its data addresses were never checked" %
                          (c.label, samples))
        if traffic and (samples < 2 or c.first_sq == c.last_sq):
            chk.violation("%s: was given no command while sampled (%d samples)" % (c.label, samples))
    summary = "nvme: %s violations=%d" % (" ".join("%s=%d" % kv for kv in counts.items()), chk.violations)
    notes = ["controllers: " + ", ".join("%s (namespace:block size %s, %d I/O queue(s), %d reads/writes checked)" %
                                         (c.label, ",".join("%d:%d" % kv for kv in sorted(c.block.items())),
                                          len(c.io_queues), c.rw_seen) for c in controllers)]
    return chk, summary, notes
