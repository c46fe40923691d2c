"""Looks at the TCP segments the guest sends on IFNAME (a tap: as the host
received them, before anyone completed a checksum) and sorts them by their
checksum field: "full" (the whole checksum, right), "partial" (the
pseudo-header's sum only, as a card completing checksums (virtio-net CSUM,
NEEDS_CSUM) must be handed it), "bad" (neither).  Counts segments from SRC
(an IPv4 or IPv6 address) carrying data, up to COUNT or SECONDS; prints
"full N partial N bad N".  Needs CAP_NET_RAW (the test's own namespace).
usage: tcp_csum_sniff.py IFNAME SRC COUNT SECONDS"""
import socket
import struct
import sys
import time

ifname, count, seconds = sys.argv[1], int(sys.argv[3]), float(sys.argv[4])
v6 = ":" in sys.argv[2]
src = socket.inet_pton(socket.AF_INET6 if v6 else socket.AF_INET, sys.argv[2])


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def sum16(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd if v6 else 0x0800))
s.bind((ifname, 0))
s.settimeout(0.5)
print("listening", flush=True)
seen = {"full": 0, "partial": 0, "bad": 0}
end = time.monotonic() + seconds
while sum(seen.values()) < count and time.monotonic() < end:
    try:
        f = s.recv(70000)
    except socket.timeout:
        continue
    ip = f[14:]
    if v6:
        # no extension headers: the guest sends none
        if len(ip) < 60 or ip[6] != 6 or ip[8:24] != src:
            continue
        seg = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        addrs = ip[8:40]
    else:
        if len(ip) < 40 or ip[9] != 6 or ip[12:16] != src:
            continue
        seg = ip[(ip[0] & 15) * 4:struct.unpack("!H", ip[2:4])[0]]
        addrs = ip[12:20]
    if len(seg) < 20 or len(seg) <= (seg[12] >> 4) * 4:
        continue                                   # no data: ACKs are not looked at
    pseudo = fold(sum16(addrs) + 6 + len(seg))
    field = struct.unpack("!H", seg[16:18])[0]
    if fold(pseudo + sum16(seg)) == 0xffff:
        seen["full"] += 1
    elif field == pseudo:
        seen["partial"] += 1
    else:
        seen["bad"] += 1
print("full %d partial %d bad %d" % (seen["full"], seen["partial"], seen["bad"]), flush=True)
