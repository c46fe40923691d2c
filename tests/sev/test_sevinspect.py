#!/usr/bin/env python3
"""Self-test of sevinspect's page-table rules on synthetic page tables, with
no QEMU: a clean set of tables passes, and each kind of mistake the kernel
could make is reported as what it is.  Prints TAP lines ("ok - ..." /
"not ok - ..."); exit status 1 if any failed.  Run by tests/guest/sev-sim.test."""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sevinspect as si  # noqa: E402

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
sys.exit(0 if all(results) else 1)
