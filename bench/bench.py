#!/usr/bin/env python3
"""cloak benchmarks: figures only, never pass/fail.

Every figure is the median of RUNS runs.  Baselines are measured in the same
run: the floor kernel (bench/floor, prints one line and exits) booted the
same way as cloak's kernel, and the same program run natively on the host.
"""
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import thread_bench

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
CLOAK = os.path.join(BUILD, "bin", "cloak")
KERNEL = os.path.join(BUILD, "share", "cloak", "kernel.elf")
LOADER = os.path.join(BUILD, "share", "cloak", "bootx64.efi")
FLOOR = os.path.join(BUILD, "bench", "floor.elf")
MKDISK = os.path.join(BUILD, "tests", "mkdisk")
GETPPID = os.path.join(BUILD, "bench", "getppid_loop")
SEQIO = os.path.join(BUILD, "bench", "seqio")
RNGREAD = os.path.join(BUILD, "bench", "rngread")
SMPBENCH = os.path.join(BUILD, "bench", "smp_bench")
PYTHON = "/usr/bin/python3.11"
SQLITE = "/usr/bin/sqlite3"
LUGGAGE = os.path.join(ROOT, "examples", "luggage", "luggage")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

# The reference unikernel (Nanos), measured on these machines under TCG, as
# given in the issue; printed for scale.
REFERENCE = {
    "pvh_first": 0.43, "uefi_first": 3.9, "min_mem": 13, "getppid_us": 4.0, "kernel_mb": 1.7,
}

tmp = tempfile.mkdtemp(prefix="cloak-bench.")


def say(*a):
    print(*a, flush=True)


def dry_run(args):
    """The QEMU command cloak would run, as an argv list."""
    p = subprocess.run([CLOAK, "run", "--dry-run"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("bench: cloak run --dry-run failed: " + p.stderr.strip())
    m = re.search(r"kept in (\S+) \(remove", p.stderr)
    if m:
        kept.append(m.group(1))
    return shlex.split(p.stdout.strip())


kept = []


def timed_boot(argv, marker):
    """(seconds to the first stdout line containing marker, seconds to exit)."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    first = None
    for line in p.stdout:
        if first is None and marker.encode() in line:
            first = time.monotonic() - t0
    p.wait()
    total = time.monotonic() - t0
    return (first if first is not None else float("nan")), total


def median_boot(argv, marker):
    firsts, totals = [], []
    for _ in range(RUNS):
        f, t = timed_boot(argv, marker)
        firsts.append(f)
        totals.append(t)
    return statistics.median(firsts), statistics.median(totals)


def replace_opt(argv, opt, value):
    out = list(argv)
    i = out.index(opt)
    out[i + 1] = value
    return out


def floor_pvh(template):
    """cloak's PVH command with the floor kernel instead of cloak's."""
    argv = replace_opt(template, "-kernel", FLOOR)
    i = argv.index("-initrd")
    del argv[i:i + 2]
    return argv


def floor_uefi(template):
    disk = os.path.join(tmp, "floor.img")
    empty = os.path.join(tmp, "empty.cpio")
    open(empty, "wb").close()
    subprocess.run([MKDISK, disk, "EFI/BOOT/BOOTX64.EFI=" + LOADER,
                    "cloak/kernel.elf=" + FLOOR, "cloak/archive.cpio=" + empty], check=True,
                   stdout=subprocess.DEVNULL)
    argv = []
    for a in template:
        if a.startswith("if=none,id=disk0,"):
            a = "if=none,id=disk0,format=raw,file=" + disk.replace(",", ",,")
        argv.append(a)
    # Same consoles as cloak's: COM1 (where the floor writes, and where OVMF
    # draws its screen) goes to a file, so only the exit can be timed.
    return argv


def guest_figure(args, pattern):
    vals = []
    for _ in range(RUNS):
        p = subprocess.run([CLOAK, "run"] + args, capture_output=True, text=True)
        m = re.search(pattern, p.stdout)
        if not m:
            sys.exit("bench: no figure in output of cloak run %s: %s %s" % (args, p.stdout, p.stderr))
        vals.append(float(m.group(1)))
    return statistics.median(vals)


def native_figure(argv, pattern):
    vals = []
    for _ in range(RUNS):
        p = subprocess.run(argv, capture_output=True, text=True)
        vals.append(float(re.search(pattern, p.stdout).group(1)))
    return statistics.median(vals)


def loaded_size(elf):
    """Bytes the kernel occupies in memory (sum of PT_LOAD memsz)."""
    out = subprocess.run(["readelf", "-lW", elf], capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            total += int(f[5], 16)
    return total


def runs_with(template, mib):
    argv = replace_opt(template, "-m", "%dM" % mib)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False
    return "My luggage password is 12345" in p.stdout


def smallest_memory(template):
    lo, hi = 1, 64            # lo fails (assumed), hi works
    if not runs_with(template, hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if runs_with(template, mid):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    if sys.argv[1:] == ["console"]:     # needs only cloak and busybox
        say("cloak console benchmark: medians of %d runs" % RUNS)
        console()
        return
    if sys.argv[1:] == ["smp"]:         # needs only cloak and bench/progs/smp_bench
        say("cloak SMP benchmark: medians of %d runs, QEMU under TCG (shared machine: figures are noisy)" % RUNS)
        smp()
        return
    if sys.argv[1:] == ["threads"]:     # needs only cloak and bench/progs
        thread_bench.main()
        return
    for f in (CLOAK, KERNEL, LOADER, FLOOR, MKDISK, GETPPID, LUGGAGE, SEQIO, RNGREAD, PYTHON, SQLITE, SMPBENCH):
        if not os.path.exists(f):
            sys.exit("bench: %s is missing; run `make bench`" % f)
    say("cloak benchmarks: medians of %d runs, QEMU under TCG (shared machine: figures are noisy)" % RUNS)
    say("")
    sections = sys.argv[1:]
    if sections == ["write"]:
        write_path()
        return
    if sections == ["disks"]:
        disk_buses()
        return
    if sections:
        sys.exit("bench: usage: bench/run.sh [write|disks|console|smp|threads|net]  (smp: a CPU-bound job on 1 and 2 vCPUs; write: volume write+fsync only, "
                 "normal and sev-sim; disks: NVMe against virtio-blk, normal and sev-sim; "
                 "console: stdin and stdout MB/s, virtio console and UART; threads: thread and goroutine figures; "
                 "net: TCP through -p)")

    pvh = dry_run(["-m", "64M", LUGGAGE, "12345"])
    uefi = dry_run(["--uefi", "-m", "128M", LUGGAGE, "12345"])

    f_first, f_exit = median_boot(floor_pvh(pvh), "floor")
    l_first, l_exit = median_boot(pvh, "My luggage")
    say("boot, PVH (SeaBIOS + PVH option ROM), QEMU start to ...")
    say("  %-36s first line %6.3f s   exit %6.3f s" % ("floor kernel", f_first, f_exit))
    say("  %-36s first line %6.3f s   exit %6.3f s" % ("cloak + luggage", l_first, l_exit))
    say("  ratio to the floor (first line)      %.2fx   (target <= 1.5x)" % (l_first / f_first))
    say("  against the reference's %.2f s       %.2fx   (target < 0.5x)" %
        (REFERENCE["pvh_first"], l_first / REFERENCE["pvh_first"]))
    say("")

    _, uf_exit = median_boot(floor_uefi(uefi), "floor")
    ul_first, ul_exit = median_boot(uefi, "My luggage")
    say("boot, UEFI (OVMF + cloak's loader from a GPT disk), QEMU start to ...")
    say("  %-36s                         exit %6.3f s" % ("floor kernel (same loader, consoles)", uf_exit))
    say("  %-36s first line %6.3f s   exit %6.3f s" % ("cloak + luggage", ul_first, ul_exit))
    say("  cloak's kernel + program over the floor  %+.3f s at exit (target: < 0.15 s)"
        % (ul_exit - uf_exit))
    say("  reference: %.1f s through OVMF" % REFERENCE["uefi_first"])
    say("")

    g = guest_figure(["-m", "64M", GETPPID, "1000000"], r"getppid_ns ([0-9.]+)")
    n = native_figure([GETPPID, "1000000"], r"getppid_ns ([0-9.]+)")
    say("getppid() round trip, 1,000,000 calls timed inside the program")
    say("  in cloak (TCG)  %8.3f us   native on this host %6.3f us   ratio %.1fx" % (g / 1000, n / 1000, g / n))
    say("  target < 2 us; reference %.1f us" % REFERENCE["getppid_us"])
    say("")

    archive = os.path.join(tmp, "luggage.cpio")
    subprocess.run([CLOAK, "build", LUGGAGE, "-o", archive], check=True)
    disk = os.path.join(tmp, "luggage.img")
    subprocess.run([CLOAK, "build", "--uefi", LUGGAGE, "-o", disk], check=True)
    say("sizes")
    say("  kernel.elf file       %8.1f KiB  (target < 1 MiB; reference %.1f MB)"
        % (os.path.getsize(KERNEL) / 1024, REFERENCE["kernel_mb"]))
    say("  kernel in memory      %8.1f KiB  (PT_LOAD total)" % (loaded_size(KERNEL) / 1024))
    say("  bootx64.efi           %8.1f KiB" % (os.path.getsize(LOADER) / 1024))
    say("  luggage boot archive  %8.1f KiB  (luggage itself %.1f KiB)"
        % (os.path.getsize(archive) / 1024, os.path.getsize(LUGGAGE) / 1024))
    say("  luggage UEFI disk     %8.1f KiB" % (os.path.getsize(disk) / 1024))
    say("")

    m = smallest_memory(pvh)
    say("smallest -m at which luggage runs (PVH): %s  (target 16M, aim 8M; reference %dM)"
        % ("%dM" % m if m else "more than 64M", REFERENCE["min_mem"]))
    say("")
    volumes()
    say("")
    programs()
    say("")
    bounce_cost()
    say("")
    disk_buses()
    say("")
    console()
    say("")
    smp()
    say("")
    thread_bench.main()
    say("")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "net.py")])


def smp():
    """The scaling of a CPU-bound job (2 threads) from 1 to 2 vCPUs (ideal
    2x), beside what this host gives two native threads at the same moment.
    (Thread create+join and futex figures: thread_bench.)"""
    units = 2000
    one = guest_figure(["-m", "64M", "--smp", "1", SMPBENCH, "work", "2", str(units)], r"work ms ([0-9.]+)")
    two = guest_figure(["-m", "64M", "--smp", "2", SMPBENCH, "work", "2", str(units)], r"work ms ([0-9.]+)")
    # What this host gives two threads at the moment (other load included):
    # the ceiling of the guest's figure.
    nat1 = native_figure([SMPBENCH, "work", "1", str(units)], r"work ms ([0-9.]+)")
    nat2 = native_figure([SMPBENCH, "work", "2", str(units)], r"work ms ([0-9.]+)")
    say("CPU-bound job, 2 threads: 1 vCPU %.0f ms, 2 vCPUs %.0f ms: %.2fx faster on 2  (target >= 1.7x; "
        "native on this host now: 1 thread %.0f ms, 2 threads %.0f ms: %.2fx, %d host CPUs)"
        % (one, two, one / two, nat1, nat2, nat1 / nat2, os.cpu_count()))


def volume_run(env, bus, args, extra=()):
    p = subprocess.run([CLOAK, "run", "-m", "256M", "--disk-bus", bus, "--mount", "benchvol:/data"] + list(extra)
                       + args, capture_output=True, text=True, env=env)
    return p.stdout + p.stderr


def bounce_cost():
    """SEV's price without SEV hardware: sev-sim turns bounce buffering on."""
    env = dict(os.environ, CLOAK_VOLUMES=os.path.join(tmp, "volumes"))
    say("bounce buffering (sev-sim against normal mode, same run, 64 KiB transfers, MB/s)")
    rows = []
    for label, args, pattern in (
            ("volume write+fsync 64 MiB", [SEQIO, "write", "/data/f.bin", "64", "64"], r"write_fsync_mbps ([0-9.]+)"),
            ("volume read 64 MiB (cold)", [SEQIO, "read", "/data/f.bin", "64"], r"read_mbps ([0-9.]+)"),
            ("virtio-rng /dev/hwrng 2 MiB", [RNGREAD, "64", "2"], r"hwrng_mbps ([0-9.]+)")):
        figures = {}
        for mode, extra in (("normal", ()), ("sim", ("--kernel-args", "sev-sim"))):
            vals = []
            for _ in range(RUNS):
                out = volume_run(env, "virtio-blk", args, extra)
                m = re.search(pattern, out)
                if not m:
                    say("  %s (%s): failed: %s" % (label, mode, out.strip()[-200:]))
                    return
                vals.append(float(m.group(1)))
            figures[mode] = statistics.median(vals)
        ratio = figures["normal"] / figures["sim"]
        say("  %-30s normal %8.1f   sev-sim %8.1f   cost %.3fx  (target <= 1.06x)"
            % (label, figures["normal"], figures["sim"], ratio))


def write_path():
    """Volume write+fsync only (64 MiB in 64 KiB writes), normal and sev-sim
    runs interleaved so that both see the same machine load."""
    env = dict(os.environ, CLOAK_VOLUMES=os.path.join(tmp, "volumes"))
    os.makedirs(env["CLOAK_VOLUMES"], exist_ok=True)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    subprocess.run([CLOAK, "volume", "create", "benchvol", "-d", empty, "-s", "160M"], env=env, check=True,
                   capture_output=True)
    args = [SEQIO, "write", "/data/f.bin", "64", "64"]
    vals = {"normal": [], "sim": []}
    for _ in range(RUNS):
        for mode, extra in (("normal", ()), ("sim", ("--kernel-args", "sev-sim"))):
            out = volume_run(env, "virtio-blk", args, extra)
            m = re.search(r"write_fsync_mbps ([0-9.]+)", out)
            if not m:
                sys.exit("bench: write (%s) failed: %s" % (mode, out.strip()[-300:]))
            vals[mode].append(float(m.group(1)))
    normal, sim = statistics.median(vals["normal"]), statistics.median(vals["sim"])
    say("volume write+fsync 64 MiB in 64 KiB writes, virtio-blk (MB/s)")
    say("  normal  median %7.1f   runs %s" % (normal, " ".join("%.0f" % v for v in vals["normal"])))
    say("  sev-sim median %7.1f   runs %s" % (sim, " ".join("%.0f" % v for v in vals["sim"])))
    say("  sev-sim cost %.3fx (target <= 1.10x); target normal >= 400" % (normal / sim))


def disk_buses():
    """NVMe against virtio-blk in the same run, normal and sev-sim: 64 MiB
    written in 64 KiB blocks + fsync, then read back in a new VM (cold
    cache); the four configurations interleaved so that all see the same
    machine load."""
    env = dict(os.environ, CLOAK_VOLUMES=os.path.join(tmp, "volumes"))
    os.makedirs(env["CLOAK_VOLUMES"], exist_ok=True)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    subprocess.run([CLOAK, "volume", "create", "busvol", "-d", empty, "-s", "160M"], env=env, check=True,
                   capture_output=True)
    configs = [(bus, mode, extra) for bus in ("virtio-blk", "nvme")
               for mode, extra in (("normal", ()), ("sev-sim", ("--kernel-args", "sev-sim")))]
    vals = {(bus, mode): ([], []) for bus, mode, _ in configs}
    for _ in range(RUNS):
        for bus, mode, extra in configs:
            run = lambda args: subprocess.run(
                [CLOAK, "run", "-m", "256M", "--disk-bus", bus, "--mount", "busvol:/data"] + list(extra) + args,
                capture_output=True, text=True, env=env)
            p = run([SEQIO, "write", "/data/f.bin", "64", "64"])
            mw = re.search(r"write_fsync_mbps ([0-9.]+)", p.stdout + p.stderr)
            p = run([SEQIO, "read", "/data/f.bin", "64"])
            mr = re.search(r"read_mbps ([0-9.]+)", p.stdout + p.stderr)
            if not mw or not mr:
                say("  %s (%s): failed: %s" % (bus, mode, (p.stdout + p.stderr).strip()[-300:]))
                return
            vals[(bus, mode)][0].append(float(mw.group(1)))
            vals[(bus, mode)][1].append(float(mr.group(1)))
    say("disk buses, same run: 64 MiB in 64 KiB blocks (MB/s, medians of %d)" % RUNS)
    for bus, mode, _ in configs:
        w, r = vals[(bus, mode)]
        say("  %-11s %-8s write+fsync %7.1f   read (cold) %7.1f   runs w %s / r %s"
            % (bus, mode, statistics.median(w), statistics.median(r), " ".join("%.0f" % v for v in w),
               " ".join("%.0f" % v for v in r)))


def volumes():
    """64 MiB in 64 KiB blocks + fsync, then read back in a new VM (cold cache)."""
    env = dict(os.environ, CLOAK_VOLUMES=os.path.join(tmp, "volumes"))
    os.makedirs(env["CLOAK_VOLUMES"], exist_ok=True)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty, exist_ok=True)
    subprocess.run([CLOAK, "volume", "create", "benchvol", "-d", empty, "-s", "160M"], env=env, check=True,
                   capture_output=True)
    native_file = os.path.join(tmp, "native.bin")
    nw = native_figure([SEQIO, "write", native_file, "64", "64"], r"write_fsync_mbps ([0-9.]+)")
    nr = native_figure([SEQIO, "read", native_file, "64"], r"read_mbps ([0-9.]+)")
    say("volume I/O, 64 MiB in 64 KiB blocks (MB/s; native on this host beside it; TCG)")
    for bus in ("virtio-blk", "virtio-scsi", "nvme"):
        w, r = [], []
        for _ in range(RUNS):
            out = volume_run(env, bus, [SEQIO, "write", "/data/f.bin", "64", "64"])
            mw = re.search(r"write_fsync_mbps ([0-9.]+)", out)
            out = volume_run(env, bus, [SEQIO, "read", "/data/f.bin", "64"])
            mr = re.search(r"read_mbps ([0-9.]+)", out)
            if not mw or not mr:
                say("  %s: failed: %s" % (bus, out.strip()[-300:]))
                return
            w.append(float(mw.group(1)))
            r.append(float(mr.group(1)))
        say("  %-12s write+fsync %7.1f   read (cold) %7.1f    native: write+fsync %7.1f  read %7.1f"
            % (bus, statistics.median(w), statistics.median(r), nw, nr))
    say("  targets: write+fsync >= 400, read >= 650; reference (virtio-scsi) 138-410 and 533-648")


BUSYBOX = "/bin/busybox"


def console_run(args, size, serial, timeout=120):
    """(seconds, bytes of stdout) of one cloak run of busybox ARGS, fed size
    zero bytes on stdin through a pipe; stdout read and counted.  serial:
    the old UART console (CLOAK_SERIAL_CONSOLE=1).  None on a timeout."""
    env = dict(os.environ, CLOAK_SERIAL_CONSOLE="1" if serial else "0")
    t0 = time.monotonic()
    feed = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
    p = subprocess.Popen([CLOAK, "run", "-m", "64M", BUSYBOX] + args, stdin=feed.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    feed.stdout.close()
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.terminate()
        p.communicate()
        feed.kill()
        feed.wait()
        return None
    feed.wait()
    return time.monotonic() - t0, len(out)


def console_rate(make_args, size, serial, check_out):
    """MB/s of moving size bytes: the median run minus the median of the
    same run moving none (boot and exit).  None when a run timed out."""
    runs, base = [], []
    for _ in range(RUNS):
        r = console_run(make_args(size), size, serial)
        b = console_run(make_args(0), 0, serial)
        if r is None or b is None:
            return None
        if check_out and r[1] != size:
            return "got %d of %d bytes" % (r[1], size)
        runs.append(r[0])
        base.append(b[0])
    d = statistics.median(runs) - statistics.median(base)
    return size / 1e6 / d if d > 0 else float("inf")


def console():
    """The program's stdin and stdout: the virtio console against the UART,
    same run.  stdin: busybox dd reading exactly N bytes (no end of input
    needed, which the UART lacks); stdout: busybox head -c N /dev/zero."""
    if not os.path.exists(BUSYBOX):
        say("console: no %s (Debian package busybox-static), skipped" % BUSYBOX)
        return
    rd = lambda n: ["dd", "of=/dev/null", "bs=65536", "count=%d" % (n // 65536), "iflag=fullblock"]
    wr = lambda n: ["head", "-c", str(n), "/dev/zero"]
    fmt = lambda r: ("%8.1f MB/s" % r) if isinstance(r, float) else ("  %s" % (r or "timed out (120 s)"))
    say("program stdin and stdout, MB/s (a run moving N bytes minus a run moving none)")
    say("  stdin,  virtio console, 64 MiB through a pipe %s" % fmt(console_rate(rd, 64 << 20, False, False)))
    say("  stdin,  UART,            64 KiB through a pipe %s" % fmt(console_rate(rd, 64 << 10, True, False)))
    say("  stdout, virtio console, 64 MiB                %s" % fmt(console_rate(wr, 64 << 20, False, True)))
    say("  stdout, UART,            4 MiB                %s" % fmt(console_rate(wr, 4 << 20, True, True)))


def programs():
    py = os.path.join(tmp, "python.json")
    with open(py, "w") as f:
        f.write('{"MapDirs": {"/usr/lib/python3.11/*": "/usr/lib/python3.11"}}')
    argv = dry_run(["-m", "256M", "-c", py, PYTHON, "-c", "print(1)"])
    first, total = median_boot(argv, "1")
    say("python3 -c 'print(1)', QEMU start to output %.3f s, to exit %.3f s" % (first, total))

    env = dict(os.environ, CLOAK_VOLUMES=os.path.join(tmp, "volumes"))
    sql = ("CREATE TABLE IF NOT EXISTS t(a INTEGER, b TEXT); DELETE FROM t; BEGIN; WITH RECURSIVE c(x) AS "
           "(SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<10000) INSERT INTO t SELECT x, hex(randomblob(16)) "
           "FROM c; COMMIT;")
    # The program prints no timing for SQL given on its command line, so the
    # figure is a whole VM run minus the same run doing SELECT 1.
    def timed(args):
        t0 = time.monotonic()
        out = volume_run(env, "virtio-blk", args)
        return time.monotonic() - t0, out
    times, base = [], []
    for _ in range(RUNS):
        t, out = timed([SQLITE, "/data/bench.db", sql + " SELECT count(*) FROM t;"])
        if "10000" not in out:
            say("sqlite3: failed: %s" % out.strip()[-300:])
            return
        times.append(t)
        base.append(timed([SQLITE, "/data/bench.db", "SELECT 1;"])[0])
    native_db = os.path.join(tmp, "native.db")
    nt = []
    for _ in range(RUNS):
        t0 = time.monotonic()
        subprocess.run([SQLITE, native_db, sql], capture_output=True)
        nt.append(time.monotonic() - t0)
    times = [statistics.median(times) - statistics.median(base)]
    say("sqlite3, 10,000 rows in one transaction on a volume: %.3f s over a SELECT 1 run  (native, whole run: %.3f s)"
        % (times[0], statistics.median(nt)))


try:
    main()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
    for d in kept:
        shutil.rmtree(d, ignore_errors=True)
