#!/usr/bin/env python3
"""Takes an image archive apart as Compute Engine would: a gzip'd tar whose
only member is disk.raw, a whole number of GiB, holding a GPT disk (with
its protective MBR) that has an EFI System Partition.  Writes disk.raw to
OUT sparsely (zero blocks become holes).  Prints one line per fact; exit 1
with the reason on the first that does not hold.
Usage: unpack.py ARCHIVE.tar.gz OUT"""
import struct
import sys
import tarfile
import uuid

GIB = 1 << 30
ESP = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main(archive, out):
    with tarfile.open(archive, "r:gz") as t:
        members = t.getmembers()
        if [m.name for m in members] != ["disk.raw"]:
            fail("members %r, want exactly ['disk.raw']" % [m.name for m in members])
        m = members[0]
        if not m.isreg():
            fail("disk.raw is not a regular file")
        if m.size == 0 or m.size % GIB:
            fail("disk.raw is %d bytes, not a whole number of GiB" % m.size)
        print("member disk.raw, %d bytes = %d GiB" % (m.size, m.size // GIB))
        src = t.extractfile(m)
        with open(out, "wb") as f:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                if block.count(0) == len(block):
                    f.seek(len(block), 1)
                else:
                    f.write(block)
            f.truncate(m.size)
    import gzip
    with gzip.open(archive) as z:
        magic = z.read(512)[257:265]
    if magic != b"ustar  \0":
        fail("tar header magic %r is not GNU's 'ustar  \\0'" % magic)
    print("GNU tar header (as Google documents: tar --format=oldgnu)")
    with open(out, "rb") as f:
        mbr, gpt = f.read(512), f.read(512)
        if mbr[510:512] != b"\x55\xaa" or mbr[446 + 4] != 0xEE:
            fail("no protective MBR (0x55AA signature and a type 0xEE partition)")
        if gpt[:8] != b"EFI PART":
            fail("no GPT header at LBA 1")
        backup_lba = struct.unpack_from("<Q", gpt, 32)[0]
        if backup_lba != m.size // 512 - 1:
            fail("the backup GPT header is at LBA %d, not the last (%d)" % (backup_lba, m.size // 512 - 1))
        f.seek(backup_lba * 512)
        if f.read(8) != b"EFI PART":
            fail("no backup GPT header at the last LBA")
        entries_lba, count, size = struct.unpack_from("<QII", gpt, 72)
        f.seek(entries_lba * 512)
        table = f.read(count * size)
    for i in range(count):
        e = table[i * size:(i + 1) * size]
        if uuid.UUID(bytes_le=e[:16]) == ESP:
            first, last = struct.unpack_from("<QQ", e, 32)
            print("protective MBR, GPT, EFI System Partition: LBA %d-%d (%d MiB)" %
                  (first, last, (last - first + 1) * 512 >> 20))
            return
    fail("no EFI System Partition in the GPT")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
