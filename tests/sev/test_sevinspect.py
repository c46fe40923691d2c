#!/usr/bin/env python3
"""Self-test of sevinspect's rules with no QEMU: its page-table rules on
synthetic page tables, its virtqueue rules on a fake guest that answers
QMP's virtio queries, and its NVMe rules on a fake controller in memory.  A clean set passes, and each kind of mistake the
kernel could make is reported as what it is (a device whose descriptors were
never seen, too).  Prints TAP lines ("ok - ..." /
"not ok - ..."); exit status 1 if any failed.  Run by tests/guest/sev-sim.test."""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sevinspect as si  # noqa: E402
import virtqueues  # noqa: E402
import nvmequeues  # noqa: E402

MiB = 1 << 20
RAM = [(0, 64 * MiB)]
DMA = (2 * MiB, 2 * MiB)          # the DMA heap: [2 MiB, 4 MiB)
P, W, PS = 1, 2, 0x80
NX = 1 << 63


class FakeMemory:
    def __init__(self):
        self.pages = {}

    def table(self, phys):
        return self.pages.setdefault(phys, [0] * 512)

    def read(self, addr, size):
        assert size == 4096 and addr % 4096 == 0, (addr, size)
        return struct.pack("<512Q", *self.pages.get(addr, [0] * 512))


def idx(va, level):
    return (va >> (12 + 9 * (level - 1))) & 511


def build(cbit=52, mutate=None):
    """Kernel-like tables: the direct map with 4 KiB, 2 MiB and 1 GiB leaves,
    the DMA heap at the DMA map, the LAPIC at the MMIO map.  mutate(name,
    entry) may change any entry by name (0 removes it)."""
    c = 1 << cbit
    m = mutate or (lambda name, e: e)
    mem = FakeMemory()
    root = 0x1000
    direct, dmamap, mmiomap = si.DIRECT_MAP_BASE, si.DMA_MAP_BASE, si.MMIO_MAP_BASE
    # direct map: PML4 -> 0x2000 -> 0x3000 -> 0x4000
    mem.table(root)[idx(direct, 4)] = m("pml4e", 0x2000 | P | W | c)
    mem.table(0x2000)[0] = m("pdpte", 0x3000 | P | W | c)
    mem.table(0x3000)[0] = m("pde", 0x4000 | P | W | c)
    mem.table(0x4000)[0x100] = m("private4k", 0x100000 | P | W | NX | c)
    mem.table(0x4000)[0x101] = m("private4k-b", 0x101000 | P | W | NX | c)
    mem.table(0x3000)[1] = m("alias2m", 0)
    mem.table(0x3000)[3] = m("private2m", 0x600000 | P | W | PS | NX | c)
    mem.table(0x2000)[3] = m("mmio1g", 0xC0000000 | P | W | PS | 0x18)
    # DMA map: PML4 -> 0x6000 -> 0x7000, one 2 MiB leaf for the whole heap
    mem.table(root)[idx(dmamap, 4)] = m("pml4e-dma", 0x6000 | P | W | c)
    mem.table(0x6000)[0] = m("pdpte-dma", 0x7000 | P | W | c)
    mem.table(0x7000)[1] = m("dma2m", 0x200000 | P | W | PS | NX)
    # MMIO map: PML4 -> 0x8000 -> 0x5000, the LAPIC's 2 MiB
    mem.table(root)[idx(mmiomap, 4)] = m("pml4e-mmio", 0x8000 | P | W | c)
    mem.table(0x8000)[3] = m("pdpte-mmio", 0x5000 | P | W | c)
    mem.table(0x5000)[idx(0xFEE00000, 2)] = m("lapic2m", 0xFEE00000 | P | W | PS | 0x18)
    return mem, root


def run(cbit=52, mutate=None, ranges=RAM, dma=DMA):
    mem, root = build(cbit, mutate)
    chk, summary, notes = si.walk_pagetables(mem, root, ranges, dma, cbit, 50)
    return chk, summary


results = []


def check(desc, cond, *diag):
    results.append(cond)
    print("%s - inspector self-test: %s" % ("ok" if cond else "not ok", desc))
    if not cond:
        for d in diag:
            print("# " + str(d))


def expect_one(desc, pattern, only=True, **kw):
    """The mistake is reported, and (with only) nothing else is."""
    chk, summary = run(**kw)
    hit = [line for line in chk.lines if pattern in line]
    check(desc, chk.violations >= 1 and hit and (not only or len(hit) == len(chk.lines)), summary, *chk.lines)


chk, summary = run()
check("clean tables pass, every kind of leaf counted",
      chk.violations == 0 and "tables=8 " in summary and "private_4k=2 " in summary and
      "private_2m=1 " in summary and "shared_dma=1 " in summary and "mmio=2 " in summary,
      summary, *chk.lines)
chk, summary = run(cbit=51)
check("C-bit 51 (inside the address field) is stripped from addresses",
      chk.violations == 0 and "private_4k=2 " in summary, summary, *chk.lines)


def clear(name):
    return lambda n, e: e & ~(1 << 52) if n == name else e


def setc(name):
    return lambda n, e: e | (1 << 52) if n == name else e


expect_one("a table entry without the C-bit", "entry pointing to a table lacks the C-bit", mutate=clear("pde"))
expect_one("a private 4 KiB leaf without the C-bit", "private RAM mapped without the C-bit",
           mutate=clear("private4k"))
expect_one("a private 2 MiB leaf without the C-bit", "private RAM mapped without the C-bit",
           mutate=clear("private2m"))
expect_one("the DMA heap mapped with the C-bit", "DMA heap mapped with the C-bit", mutate=setc("dma2m"))
expect_one("MMIO (LAPIC) mapped with the C-bit", "MMIO (not RAM) mapped with the C-bit", mutate=setc("lapic2m"))
expect_one("a 1 GiB MMIO leaf with the C-bit", "MMIO (not RAM) mapped with the C-bit", mutate=setc("mmio1g"))
expect_one("a large leaf straddling the DMA heap's edge", "straddles the DMA heap", only=False,
           dma=(3 * MiB, 4 * MiB))
expect_one("the DMA heap also mapped in the direct map (shared alias)", "DMA heap mapped outside the DMA map",
           mutate=lambda n, e: 0x200000 | P | W | PS if n == "alias2m" else e)
expect_one("a direct-map leaf at the wrong offset", "direct map leaf not at its fixed offset",
           mutate=lambda n, e: (e + 0x4000) if n == "private4k" else e)
expect_one("the DMA heap not mapped at the DMA map", "not wholly mapped at DMA_MAP_BASE",
           mutate=lambda n, e: 0 if n == "dma2m" else e)
expect_one("a page-table page inside the DMA heap", "page-table page at phys 0x3000", only=False,
           mutate=lambda n, e: e, dma=(0x3000, 0x1000))

# ---- virtqueues, on a fake guest ----

HEAP = DMA[0]


class FakeQueue:
    def __init__(self, descs, base, step=1, num=8):
        """descs: [(addr, len, flags)] in the descriptor table at base (0:
        the driver set up no queue); step: requests completed per sample."""
        self.num, self.desc, self.step, self.used_idx = num, base, step, 0
        self.table = struct.pack("<" + "QIHH" * num, *[v for i in range(num) for v in
                                                       ((descs[i][0], descs[i][1], descs[i][2], 0)
                                                        if i < len(descs) else (0, 0, 0, 0))])


class FakeQMP:
    def __init__(self, devices):
        self.devices = devices       # [(name, [FakeQueue])]

    def queue(self, path, q):
        return self.devices[int(path[1:])][1][q]

    def cmd(self, name, **a):
        if name == "x-query-virtio":
            return [{"name": n, "path": "/%d" % i} for i, (n, _q) in enumerate(self.devices)]
        if name == "x-query-virtio-status":
            return {"num-vqs": len(self.devices[int(a["path"][1:])][1]),
                    "guest-features": {"transports": ["VIRTIO_F_IOMMU_PLATFORM: ..."]}}
        if name == "x-query-virtio-queue-status":
            q = self.queue(a["path"], a["queue"])
            q.used_idx = (q.used_idx + q.step) & 0xFFFF
            d = q.desc
            return {"vring-num": q.num if d else 0, "vring-desc": d, "vring-avail": d + 0x100 if d else 0,
                    "vring-used": d + 0x200 if d else 0, "used-idx": q.used_idx}
        if name == "x-query-virtio-queue-element":
            raise si.InspectError("queue empty")
        raise AssertionError(name)


class FakeGuest:
    def __init__(self, devices):
        self.qmp = FakeQMP(devices)
        self.extra = {}              # phys -> bytes (indirect tables)

    def read_phys(self, addr, size):
        for _n, queues in self.qmp.devices:
            for q in queues:
                if q.desc == addr:
                    return q.table[:size]
        return self.extra[addr][:size]

    def stop(self):
        pass

    def cont(self):
        pass


def vq(devices, traffic=(), samples=3, extra=None):
    g = FakeGuest(devices)
    g.extra.update(extra or {})
    chk, summary, notes = virtqueues.check_virtqueues(g, DMA, samples, 0, 50, traffic)
    return chk, summary, notes


def blk(descs=((HEAP + 0x10000, 512, 0), (HEAP + 0x11000, 4096, 2)), step=1):
    return ("virtio-blk", [FakeQueue(list(descs), HEAP + 0x1000, step)])


def rng(descs=((HEAP + 0x20000, 64, 2),), step=1):
    return ("virtio-rng", [FakeQueue(list(descs), HEAP + 0x3000, step)])


def expect_vq(desc, pattern, *devices, only=True, **kw):
    """The mistake is reported, and (with only) nothing else is."""
    chk, summary, notes = vq(list(devices), **kw)
    hit = [line for line in chk.lines if pattern in line]
    check(desc, chk.violations >= 1 and hit and (not only or len(hit) == len(chk.lines)), summary, *chk.lines)


chk, summary, notes = vq([blk(), rng(), ("virtio-scsi", [FakeQueue([], 0), FakeQueue([], 0),
                                                         FakeQueue([(HEAP + 0x30000, 4096, 2)], HEAP + 0x5000)])],
                         traffic=("virtio-blk", "virtio-rng", "virtio-scsi"))
check("virtqueues: clean devices pass, descriptors counted per device",
      chk.violations == 0 and "descriptors=12 " in summary and "queues=3 " in summary and
      "descriptors seen per device: virtio-blk=6, virtio-rng=3, virtio-scsi=3" in notes,
      summary, *(chk.lines + notes))
expect_vq("virtqueues: a descriptor's buffer outside the DMA heap", "descriptor 1 (flags 0x2) at 0x900000",
          blk(((HEAP, 512, 0), (0x900000, 4096, 2))), samples=1)
# (its descriptors are not read there, so none is seen either)
expect_vq("virtqueues: a ring outside the DMA heap", "descriptor table at 0x900000",
          ("virtio-rng", [FakeQueue([(HEAP, 64, 2)], 0x900000)]), only=False, samples=1)
expect_vq("virtqueues: an indirect table's entry outside the DMA heap", "indirect descriptor 0",
          blk(((HEAP + 0x8000, 32, virtqueues.VRING_DESC_F_INDIRECT),)), samples=1,
          extra={HEAP + 0x8000: struct.pack("<QIHHQIHH", 0x900000, 512, 0, 1, HEAP, 16, 2, 0)})
expect_vq("virtqueues: a set-up device whose descriptors were never seen fails", "virtio-rng: no descriptor seen",
          blk(), rng(descs=()))
expect_vq("virtqueues: a traffic device that is not there fails", "no virtio-scsi device",
          blk(), rng(), traffic=("virtio-scsi",))
expect_vq("virtqueues: a traffic device that completes nothing fails", "virtio-rng: completed no request",
          blk(), rng(step=0), traffic=("virtio-rng",))

# ---- NVMe, on a fake guest: registers, rings and PRP lists in memory ----

BAR0 = 0xFE000000


class FakeNvmeGuest:
    """One controller at 00:04.0: admin queues at HEAP+0x1000/+0x2000, I/O
    CQ and SQ (8 entries) created at HEAP+0x3000/+0x4000, an Identify
    buffer; io: [(opcode, cid, prp1, prp2, blocks)] in the I/O SQ; lists:
    {address: [entries]}.  Blocks of 512 bytes, from a fake kernel log."""

    def __init__(self, io, lists=None, sq=HEAP + 0x4000, log="512", advance=True):
        self.mem = {}
        self.qmp = self
        self.advance = advance
        regs = bytearray(0x38)
        struct.pack_into("<I", regs, 0x14, 1)                               # CC.EN
        struct.pack_into("<IQQ", regs, 0x24, (7 << 16) | 7, HEAP + 0x1000, HEAP + 0x2000)
        self.mem[BAR0] = bytes(regs)
        admin = bytearray(64 * 8)
        for i, (op, prp1, cdw10) in enumerate(((0x06, HEAP + 0x5000, 1), (0x05, HEAP + 0x3000, (7 << 16) | 1),
                                               (0x01, sq, (7 << 16) | 1))):
            struct.pack_into("<BxHI", admin, 64 * i, op, i, 0)
            struct.pack_into("<Q", admin, 64 * i + 24, prp1)
            struct.pack_into("<I", admin, 64 * i + 40, cdw10)
        self.mem[HEAP + 0x1000] = bytes(admin)
        self.sq = sq
        self.io = io
        self.write_sq(0)
        self.mem[HEAP + 0x3000] = bytes(16 * 8)
        for addr, entries in (lists or {}).items():
            self.mem[addr] = struct.pack("<512Q", *(list(entries) + [0] * (512 - len(entries))))
        self.log_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "nvme-fake-%d.log" % os.getpid())
        with open(self.log_path, "w") as f:
            if log:
                f.write("nvme: nvme0 at 00:04.0: namespace 1: 16384 blocks of %s bytes (8 MiB)\n" % log)

    def write_sq(self, shift):
        ring = bytearray(64 * 8)
        for i, (op, cid, prp1, prp2, blocks) in enumerate(self.io):
            struct.pack_into("<BxHI", ring, 64 * i, op, cid + shift, 1)
            struct.pack_into("<QQ", ring, 64 * i + 24, prp1, prp2)
            struct.pack_into("<I", ring, 64 * i + 48, blocks - 1)
        self.mem[self.sq] = bytes(ring)

    def cmd(self, name, **a):
        assert name == "query-pci", name
        return [{"bus": 0, "devices": [{"slot": 4, "function": 0, "class_info": {"class": 0x0108},
                                        "regions": [{"bar": 0, "type": "memory", "address": BAR0}]}]}]

    def read_phys(self, addr, size):
        for base, blob in self.mem.items():
            if base <= addr and addr + size <= base + len(blob):
                return blob[addr - base:addr - base + size]
        return bytes(size)

    def stop(self):
        pass

    def cont(self):
        if self.advance:
            self.write_sq(1)     # the driver sent new commands meanwhile


def nv(io, traffic=False, samples=2, **kw):
    g = FakeNvmeGuest(io, **kw)
    try:
        return nvmequeues.check_nvme(g, DMA, samples, 0, 50, traffic)
    finally:
        os.unlink(g.log_path)


def expect_nv(desc, pattern, io, **kw):
    chk, summary, notes = nv(io, **kw)
    hit = [line for line in chk.lines if pattern in line]
    check(desc, chk.violations >= 1 and hit and len(hit) == len(chk.lines), summary, *chk.lines)


LIST = HEAP + 0x6000
CLEAN = [(0x01, 10, HEAP + 0x10000 + 512, HEAP + 0x11000, 8),         # 4 KiB across two pages
         (0x02, 11, HEAP + 0x20000, LIST, 24)]                          # 12 KiB: a list of 2 entries
chk, summary, notes = nv(CLEAN, traffic=True, lists={LIST: [HEAP + 0x21000, HEAP + 0x22000]})
check("nvme: a clean controller passes, its queues, commands and PRP list counted",
      chk.violations == 0 and "queues=" in summary and "prp_lists=2 " in summary and "controllers=1 " in summary,
      summary, *(chk.lines + notes))
expect_nv("nvme: a PRP list entry outside the DMA heap", "PRP list entry at 0x900000", CLEAN,
          lists={LIST: [HEAP + 0x21000, 0x900000]}, samples=1)
expect_nv("nvme: a PRP1 outside the DMA heap", "write cid 10 PRP1 at 0x900200",
          [(0x01, 10, 0x900200, 0, 1)], samples=1)
expect_nv("nvme: an I/O submission queue outside the DMA heap", "I/O submission queue at 0x900000", CLEAN,
          sq=0x900000, samples=1)
expect_nv("nvme: no block size in the kernel log: not checked, a violation", "no block size", CLEAN, log="",
          lists={LIST: [HEAP + 0x21000, HEAP + 0x22000]}, samples=1)
expect_nv("nvme: a controller whose reads and writes were never seen fails", "no Read or Write seen", [],
          samples=1)
expect_nv("nvme: a traffic controller given no command while sampled fails", "was given no command", CLEAN,
          lists={LIST: [HEAP + 0x21000, HEAP + 0x22000]}, traffic=True, advance=False)
sys.exit(0 if all(results) else 1)
