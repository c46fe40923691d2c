#!/usr/bin/env python3
"""netdev_parse.py FILE: parses a /proc/net/dev text as programs do (the
two header lines, then "NAME: 16 numbers" per interface, the field names
from the header's Receive and Transmit groups); prints one line per
interface, "NAME rx_bytes=N ... tx_compressed=N"; exits 1 on a line that
does not parse."""
import sys


def parse(text):
    lines = text.splitlines()
    _, rx, tx = lines[1].split("|")
    names = ["rx_" + f for f in rx.split()] + ["tx_" + f for f in tx.split()]
    out = {}
    for line in lines[2:]:
        name, nums = line.split(":", 1)
        vals = [int(v) for v in nums.split()]
        if len(vals) != len(names):
            raise ValueError("%d fields, not %d: %r" % (len(vals), len(names), line))
        out[name.strip()] = dict(zip(names, vals))
    return out


def main():
    try:
        ifs = parse(open(sys.argv[1]).read())
    except (ValueError, IndexError) as e:
        print("unparsable: %s" % e)
        return 1
    for name, f in ifs.items():
        print(name, " ".join("%s=%d" % kv for kv in f.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
