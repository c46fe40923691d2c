"""The virtqueue check of sevinspect.py (see there, --virtqueues and
--traffic).  Under SEV a device may only be given addresses inside the DMA
heap (docs/architecture.md, the memory model; docs/sev.md, "What is
encrypted, and what is not"): the rings of every queue and the buffer of
every descriptor.  A device whose descriptors were never seen has not been
checked, and that is a violation, not a pass.

guest: .qmp.cmd(name, **args), .read_phys(addr, size), .stop(), .cont().
Python 3 standard library only."""
import struct
import time

from inspectlib import Checker, InspectError, inside

VRING_DESC_F_INDIRECT = 4


class Device:
    def __init__(self, name, path, nqueues):
        self.name = name
        self.path = path
        self.label = name
        self.queues = list(range(nqueues))
        self.active = set()          # queues the driver set up
        self.descriptors = 0         # non-empty descriptors checked
        self.used_first = {}         # queue -> used index at its first sample
        self.used_last = {}

    def completed(self):
        """Requests the device completed between the first and last sample."""
        return sum((self.used_last[q] - self.used_first[q]) & 0xFFFF for q in self.used_first)


def find_devices(qmp, chk):
    devices = []
    for d in qmp.cmd("x-query-virtio"):
        st = qmp.cmd("x-query-virtio-status", path=d["path"])
        feats = st.get("guest-features", {}).get("transports", [])
        if not any(f.startswith(("VIRTIO_F_IOMMU_PLATFORM", "VIRTIO_F_ACCESS_PLATFORM")) for f in feats):
            chk.violation("%s (%s): the driver did not accept VIRTIO_F_ACCESS_PLATFORM" % (d["name"], d["path"]))
        devices.append(Device(d["name"], d["path"], st["num-vqs"]))
    for dev in devices:
        if sum(1 for x in devices if x.name == dev.name) > 1:
            dev.label = "%s at %s" % (dev.name, dev.path)
    return devices


class Sampler:
    """Checks the queues of a stopped guest, one sample at a time."""

    def __init__(self, guest, dma, chk, counts, readable=None):
        self.guest = guest
        self.dma = dma
        self.readable = readable or dma   # where a descriptor table may be read from
        self.chk = chk
        self.counts = counts
        self.buffers = set()

    def in_heap(self, what, addr, size):
        if not inside(addr, size, *self.dma):
            self.chk.violation("%s at 0x%x+0x%x lies outside the DMA heap" % (what, addr, size))
            return False
        return True

    def buffer(self, dev, what, addr, size):
        self.counts["descriptors"] += 1
        dev.descriptors += 1
        self.buffers.add(addr)
        return self.in_heap(what, addr, size)

    def desc_table(self, dev, label, data, n):
        for i in range(n):
            a, ln, fl, _nx = struct.unpack_from("<QIHH", data, 16 * i)
            if ln == 0:
                continue
            ok = self.buffer(dev, "%s descriptor %d (flags 0x%x)" % (label, i, fl), a, ln)
            if ok and fl & VRING_DESC_F_INDIRECT and "indirect" not in label:
                self.counts["indirect_tables"] += 1
                self.desc_table(dev, label + " indirect", self.guest.read_phys(a, ln - ln % 16), ln // 16)

    def queue(self, dev, q):
        qmp = self.guest.qmp
        qs = qmp.cmd("x-query-virtio-queue-status", path=dev.path, queue=q)
        num, desc, avail, used = qs["vring-num"], qs["vring-desc"], qs["vring-avail"], qs["vring-used"]
        if not desc or not num:
            return                   # not set up by the driver
        dev.active.add(q)
        dev.used_first.setdefault(q, qs["used-idx"])
        dev.used_last[q] = qs["used-idx"]
        label = "%s queue %d" % (dev.label, q)
        self.counts["rings"] += 3
        self.in_heap(label + " descriptor table", desc, 16 * num)
        self.in_heap(label + " available ring", avail, 6 + 2 * num)
        self.in_heap(label + " used ring", used, 6 + 8 * num)
        if inside(desc, 16 * num, *self.readable):
            self.desc_table(dev, label, self.guest.read_phys(desc, 16 * num), num)
        try:
            el = qmp.cmd("x-query-virtio-queue-element", path=dev.path, queue=q)
        except InspectError:
            el = None                # empty queue
        if el:
            self.counts["elements"] += 1
            for dd in el.get("descs", []):
                if dd["len"]:
                    self.buffer(dev, "%s element %d buffer" % (label, el["index"]), dd["addr"], dd["len"])


def verdicts(devices, traffic, samples, chk):
    """Every device the driver set up must have shown descriptors; each
    device named in traffic must be there and complete requests."""
    for dev in devices:
        if dev.active and not dev.descriptors:
            chk.violation("%s: no descriptor seen in %d sample(s): its buffers were never checked" %
                          (dev.label, samples))
    for name in traffic:
        found = [d for d in devices if d.name == name]
        if not found:
            chk.violation("no %s device: its traffic was never checked" % name)
        for dev in found:
            if not dev.active:
                chk.violation("%s: the driver set up no queue" % dev.label)
            elif samples < 2:
                chk.violation("%s: traffic needs at least 2 samples" % dev.label)
            elif not dev.completed():
                chk.violation("%s: completed no request while sampled (%d samples)" % (dev.label, samples))


def check_virtqueues(guest, dma, samples, interval, max_violations, traffic=(), readable=None):
    """Returns (Checker, summary line, notes).  readable: the heap the
    kernel logged, when dma is narrower (a negative control): descriptor
    tables there are still read, so that their buffers are checked too."""
    chk = Checker("virtqueues", max_violations)
    counts = {"samples": 0, "devices": 0, "queues": 0, "rings": 0, "descriptors": 0,
              "elements": 0, "indirect_tables": 0, "buffers_seen": 0}
    devices = find_devices(guest.qmp, chk)
    counts["devices"] = len(devices)
    sampler = Sampler(guest, dma, chk, counts, readable)
    for s in range(samples):
        if s:
            time.sleep(interval)
        guest.stop()
        try:
            counts["samples"] += 1
            for dev in devices:
                for q in dev.queues:
                    sampler.queue(dev, q)
        finally:
            guest.cont()
    verdicts(devices, traffic, samples, chk)
    counts["queues"] = sum(len(d.active) for d in devices)
    counts["buffers_seen"] = len(sampler.buffers)
    notes = ["devices: " + ", ".join("%s(%d queues)" % (d.label, len(d.queues)) for d in devices),
             "descriptors seen per device: " + ", ".join("%s=%d" % (d.label, d.descriptors) for d in devices),
             "requests completed while sampled: " + ", ".join("%s=%d" % (d.label, d.completed())
                                                              for d in devices if d.active)]
    idle = ["%s queue %d" % (d.label, q) for d in devices for q in d.queues if q not in d.active]
    if idle:
        notes.append("not set up by the driver (no rings to check): " + ", ".join(idle))
    summary = "virtqueues: %s violations=%d" % (" ".join("%s=%d" % kv for kv in counts.items()), chk.violations)
    return chk, summary, notes
