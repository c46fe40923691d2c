#!/usr/bin/env python3
"""Writes a cpio "newc" archive from NAME=HOSTFILE / NAME=@TEXT arguments,
for guest tests that need archives cloak itself would never write."""
import sys


def entry(name, data, mode):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join("%08x" % v for v in (
        0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * ((4 - len(out) % 4) % 4)
    out += data
    out += b"\0" * ((4 - len(out) % 4) % 4)
    return out


def main():
    path = sys.argv[1]
    blob = b""
    for arg in sys.argv[2:]:
        name, _, src = arg.partition("=")
        if src.startswith("@"):
            data = src[1:].encode().decode("unicode_escape").encode("latin-1")
        else:
            data = open(src, "rb").read()
        blob += entry(name, data, 0o100755)
    blob += entry("TRAILER!!!", b"", 0)
    open(path, "wb").write(blob)


main()
