"""A small DNS server for net-dns.test: answers A (and AAAA) queries for the
names given as NAME=IPV4[,IPV6] over UDP on ADDR:PORT, NXDOMAIN for any
other name; prints "ready" once bound, and one line "query NAME TYPE" per
question it answers, then exits after SECONDS."""
import socket
import struct
import sys
import time

addr, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
names = {}
for spec in sys.argv[4:]:
    name, ips = spec.split("=")
    names[name.lower().rstrip(".")] = ips.split(",")

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
print("ready", flush=True)
end = time.time() + seconds


def question(msg):
    """The first question's name (as text), its end offset, type."""
    i, labels = 12, []
    while msg[i]:
        labels.append(msg[i + 1:i + 1 + msg[i]].decode("ascii", "replace"))
        i += 1 + msg[i]
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return ".".join(labels).lower(), i + 5, qtype


while time.time() < end:
    s.settimeout(max(0.1, end - time.time()))
    try:
        msg, peer = s.recvfrom(512)
    except socket.timeout:
        break
    if len(msg) < 17:
        continue
    ident, flags = struct.unpack("!HH", msg[:4])
    name, qend, qtype = question(msg)
    print("query %s %s" % (name, {1: "A", 28: "AAAA"}.get(qtype, qtype)), flush=True)
    answers = []
    if name in names:
        for ip in names[name]:
            if qtype == 1 and ":" not in ip:
                answers.append((1, socket.inet_pton(socket.AF_INET, ip)))
            if qtype == 28 and ":" in ip:
                answers.append((28, socket.inet_pton(socket.AF_INET6, ip)))
    rcode = 0 if name in names else 3
    head = struct.pack("!HHHHHH", ident, 0x8180 | rcode | (flags & 0x0100), 1, len(answers), 0, 0)
    body = msg[12:qend]
    for t, data in answers:
        body += struct.pack("!HHHIH", 0xC00C, t, 1, 60, len(data)) + data
    s.sendto(head + body, peer)
