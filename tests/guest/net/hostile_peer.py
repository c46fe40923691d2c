"""A hostile peer for net-hostile.test, on the host side of a tap device:
hostile_peer.py IFACE GUEST_IP HOST_IP PORT.

The guest runs an echo server (tests/guest/progs/echo_forever.c) on PORT.
This script sends raw Ethernet frames through an AF_PACKET socket:
malformed Ethernet, ARP, IPv4, IPv6, TCP and UDP headers, absurd TCP
options, overlapping and oversized fragments, ICMP and ICMPv6 errors that
quote garbage or report absurd MTUs, ND messages with zero-length options;
a SYN flood from addresses that never answer; raw TCP clients that use odd
options, advertise a zero window, or vanish in the middle of a transfer.
After every group an ordinary client (the host kernel's TCP) checks that
the server still echoes correctly.  Raw clients use an address of their
own (FAKE_IP, whose ARP requests this script answers), so that the host
kernel never sees, nor resets, their connections.

Prints "ok NAME" or "fail NAME: WHY" per check, "info ..." lines."""
import hashlib
import os
import queue
import random
import socket
import struct
import sys
import threading
import time

IFACE, GUEST_IP, HOST_IP, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
FAKE_IP = GUEST_IP.rsplit(".", 1)[0] + ".66"
FAKE_MAC = bytes.fromhex("020000000066")
BCAST = b"\xff" * 6
failures = 0


def report(ok, name, why=""):
    global failures
    if ok:
        print("ok %s" % name, flush=True)
    else:
        failures += 1
        print("fail %s: %s" % (name, why), flush=True)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a4(ip):
    return socket.inet_aton(ip)


def eth(dst, typ, payload, src=None):
    return dst + (src or FAKE_MAC) + struct.pack("!H", typ) + payload


def ip4(src, dst, proto, payload, ihl=5, tot=None, frag=0, ident=None, opts=b"", good=True):
    tot = 20 + len(opts) + len(payload) if tot is None else tot
    ident = random.randrange(65536) if ident is None else ident
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot & 0xFFFF, ident, frag, 64, proto, 0,
                    a4(src), a4(dst)) + opts
    c = csum(h) if good else 0x1234
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535, doff=None,
        v6=False):
    opts += b"\0" * (-len(opts) % 4)
    doff = (20 + len(opts)) // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, doff << 4,
                    flags, win, 0, 0) + opts
    seg = h + data
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = a4(src) + a4(dst) + struct.pack("!xBH", 6, len(seg))
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, data, length=None):
    length = 8 + len(data) if length is None else length
    h = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0)
    c = csum(a4(src) + a4(dst) + struct.pack("!xBH", 17, len(h) + len(data)) + h + data)
    return h[:6] + struct.pack("!H", c) + data


def icmp4(typ, code, rest, body, good=True):
    m = struct.pack("!BBH", typ, code, 0) + rest + body
    c = csum(m) if good else 0x4321
    return m[:2] + struct.pack("!H", c) + m[4:]


def ip6(src, dst, nh, payload, plen=None, hlim=64):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB", 0x60000000, plen & 0xFFFF, nh, hlim) + src + dst + payload


def icmp6(src, dst, typ, code, rest, body):
    m = struct.pack("!BBH", typ, code, 0) + rest + body
    c = csum(src + dst + struct.pack("!IxxxB", len(m), 58) + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def linklocal(mac):
    eui = bytes([mac[0] ^ 2]) + mac[1:3] + b"\xff\xfe" + mac[3:]
    return b"\xfe\x80" + b"\0" * 6 + eui


# ---- the wire ----

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
sock.bind((IFACE, 0))
HOST_MAC = sock.getsockname()[4]
segments = queue.Queue()                 # TCP segments to FAKE_IP: (sport, dport, seq, ack, flags, win, data)
answer_arp = threading.Event()
answer_arp.set()


def receiver():
    while True:
        try:
            f, addr = sock.recvfrom(65536)
        except OSError:
            return
        if addr[2] == socket.PACKET_OUTGOING or len(f) < 14:
            continue
        typ = struct.unpack("!H", f[12:14])[0]
        if typ == 0x0806 and len(f) >= 42 and f[21] == 1 and f[38:42] == a4(FAKE_IP):
            if answer_arp.is_set():
                arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + FAKE_MAC + a4(FAKE_IP) + f[22:28] + f[28:32]
                send(eth(f[6:12], 0x0806, arp))
        elif typ == 0x0800 and len(f) >= 34 and f[23] == 6 and f[30:34] == a4(FAKE_IP):
            ihl = (f[14] & 15) * 4
            t = f[14 + ihl:]
            tot = struct.unpack("!H", f[16:18])[0]
            sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", t[:16])
            segments.put((sport, dport, seq, ack, flags, win, t[(off >> 4) * 4:tot - ihl]))


def send(frame):
    try:
        sock.send(frame)
        return True
    except OSError:
        return False


# ---- an ordinary client: the host kernel's TCP ----

def echo_round(c, data):
    """Sends data on connection c (from a thread) and reads as many bytes
    back, or fewer if the server closes: what came back."""
    threading.Thread(target=c.sendall, args=(data,), daemon=True).start()
    got = bytearray()
    while len(got) < len(data):
        b = c.recv(65536)
        if not b:
            break
        got += b
    return bytes(got)


def echo_ok(size=65536, v6=None, timeout=20):
    """The server echoes SIZE random bytes exactly; (ok, why)."""
    data = os.urandom(size)
    try:
        if v6:
            c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            c.settimeout(timeout)
            c.connect((v6, PORT, 0, socket.if_nametoindex(IFACE)))
        else:
            c = socket.create_connection((GUEST_IP, PORT), timeout=timeout)
        c.settimeout(timeout)
        got = echo_round(c, data)
        c.close()
    except OSError as e:
        return False, str(e)
    if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
        return False, "%d bytes back, not what was sent" % len(got)
    return True, ""


def still_serving(group):
    ok, why = echo_ok(8192)
    report(ok, "after %s: the server still echoes" % group, why)


def guest_mac():
    with open("/proc/net/arp") as f:
        for line in f:
            p = line.split()
            if p[0] == GUEST_IP and p[3] != "00:00:00:00:00:00":
                return bytes.fromhex(p[3].replace(":", ""))
    return None


# ---- raw TCP clients from FAKE_IP ----

class RawConn:
    def __init__(self, gmac, opts=b"", win=65535):
        self.gmac, self.sport = gmac, random.randrange(20000, 60000)
        self.seq, self.win, self.got, self.rcv = random.randrange(1 << 32), win, bytearray(), None
        while not segments.empty():
            segments.get_nowait()
        self.out(0x02, opts=opts)                        # SYN
        s = self.wait(lambda s: s[4] & 0x12 == 0x12)
        if not s:
            raise OSError("no SYN-ACK")
        self.seq += 1
        self.rcv = (s[2] + 1) & 0xFFFFFFFF
        self.out(0x10)                                   # ACK

    def out(self, flags, data=b"", opts=b""):
        send(eth(self.gmac, 0x0800, ip4(FAKE_IP, GUEST_IP, 6, tcp(
            FAKE_IP, GUEST_IP, self.sport, PORT, self.seq, self.rcv or 0, flags, data, opts, self.win))))

    def wait(self, match, timeout=5.0):
        end = time.time() + timeout
        while time.time() < end:
            try:
                s = segments.get(timeout=0.2)
            except queue.Empty:
                continue
            if s[0] == PORT and s[1] == self.sport and match(s):
                return s
        return None

    def send_data(self, data, mss=1000):
        for i in range(0, len(data), mss):
            self.out(0x18, data[i:i + mss])
            self.seq += len(data[i:i + mss])

    def take(self, n, ack=True, timeout=20.0):
        """Reads until n bytes arrived in order (acking them if ack)."""
        end, seen = time.time() + timeout, []
        while len(self.got) < n and time.time() < end:
            s = self.wait(lambda s: True, 0.5)
            if not s:
                continue
            seen.append("seq+%d len %d flags %#x win %d" % ((s[2] - self.rcv) & 0xFFFFFFFF, len(s[6]), s[4], s[5]))
            if s[4] & 0x04:
                break
            off = (self.rcv - s[2]) & 0xFFFFFFFF          # a resent segment may overlap
            if off < len(s[6]):
                self.got += s[6][off:]
                self.rcv = (self.rcv + len(s[6]) - off) & 0xFFFFFFFF
            if ack:
                self.out(0x10)
        if len(self.got) < n and ack:
            print("info   (short read: the last segments: %s)" % "; ".join(seen[-6:]), flush=True)
        return bytes(self.got)

    def reset(self):
        self.out(0x04)


def raw_echo(name, gmac, opts, size=3000):
    try:
        c = RawConn(gmac, opts)
        data = os.urandom(size)
        c.send_data(data)
        got = c.take(size)
        c.reset()
        report(got == data, name, "%d of %d bytes echoed" % (len(got), size))
    except OSError as e:
        report(False, name, str(e))


# ---- the malformed frames, by group ----

def group_headers(g):
    G, H = GUEST_IP, HOST_IP
    t = tcp(H, G, 40000, PORT, 1, 0, 0x02)
    u = udp(H, G, 40000, 9, b"x" * 32)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + HOST_MAC + a4(H) + b"\0" * 6 + a4(G)
    return [
        ("ethernet header cut short", g[:10]),
        ("ethernet header only", eth(g, 0x0800, b"")),
        ("ARP cut short", eth(g, 0x0806, arp[:12])),
        ("ARP with hardware and protocol lengths 0", eth(g, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 0, 0, 1) + b"\0" * 20)),
        ("ARP opcode 99", eth(g, 0x0806, arp[:6] + struct.pack("!H", 99) + arp[8:])),
        ("ARP claiming the guest's own address", eth(BCAST, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + FAKE_MAC + a4(G) + BCAST + a4(G))),
        ("IPv4 header cut short", eth(g, 0x0800, ip4(H, G, 6, t)[:12])),
        ("IPv4 total length past the frame", eth(g, 0x0800, ip4(H, G, 6, t, tot=1400))),
        ("IPv4 total length below the header", eth(g, 0x0800, ip4(H, G, 6, t, tot=8))),
        ("IPv4 header length 3 words", eth(g, 0x0800, ip4(H, G, 6, t, ihl=3))),
        ("IPv4 header length 15 words, 5 sent", eth(g, 0x0800, ip4(H, G, 6, b"", ihl=15))),
        ("IPv4 options of garbage", eth(g, 0x0800, ip4(H, G, 6, t, ihl=8, opts=b"\x44\x00\xff\x07\x01\x00\x00\x00\x83\xff\x00\x00"))),
        ("IPv4 bad header checksum", eth(g, 0x0800, ip4(H, G, 6, t, good=False))),
        ("IPv4 version 5", eth(g, 0x0800, b"\x55" + ip4(H, G, 6, t)[1:])),
        ("IPv4 protocol 253", eth(g, 0x0800, ip4(H, G, 253, b"junk" * 10))),
        ("TCP header cut short", eth(g, 0x0800, ip4(H, G, 6, t[:12]))),
        ("TCP data offset past the segment", eth(g, 0x0800, ip4(H, G, 6, tcp(H, G, 40001, PORT, 1, 0, 0x02, doff=15)))),
        ("TCP data offset below 5", eth(g, 0x0800, ip4(H, G, 6, tcp(H, G, 40002, PORT, 1, 0, 0x02, doff=2)))),
        ("TCP with every flag", eth(g, 0x0800, ip4(H, G, 6, tcp(H, G, 40003, PORT, 1, 1, 0xFF, b"data")))),
        ("TCP SYN+FIN with data", eth(g, 0x0800, ip4(H, G, 6, tcp(H, G, 40004, PORT, 1, 0, 0x03, b"x" * 100)))),
        ("TCP bad checksum", eth(g, 0x0800, ip4(H, G, 6, t[:16] + b"\x12\x34" + t[18:]))),
        ("UDP length 4", eth(g, 0x0800, ip4(H, G, 17, udp(H, G, 40000, 9, b"x" * 8, length=4)))),
        ("UDP length past the datagram", eth(g, 0x0800, ip4(H, G, 17, udp(H, G, 40000, 9, b"x" * 8, length=3000)))),
        ("UDP header cut short", eth(g, 0x0800, ip4(H, G, 17, u[:5]))),
    ]


def group_options(g):
    G, H = GUEST_IP, HOST_IP
    syn = lambda sport, opts: eth(g, 0x0800, ip4(FAKE_IP, G, 6, tcp(FAKE_IP, G, sport, PORT, 7, 0, 0x02, opts=opts)))
    return [
        ("TCP option of length 0", syn(41000, b"\x02\x00\x05\xb4")),
        ("TCP option of length 1", syn(41001, b"\x03\x01\x03\x02")),
        ("TCP option length past the header", syn(41002, b"\x02\x28\x05\xb4")),
        ("TCP unknown option, length 255", syn(41003, b"\x63\xff\x00\x00")),
        ("TCP SACK option, length 0", syn(41004, b"\x05\x00\x00\x00")),
        ("TCP 40 bytes of NOPs", syn(41005, b"\x01" * 40)),
        ("TCP timestamps option cut short", syn(41006, b"\x08\x0a\x00\x00")),
    ]


def group_fragments(g):
    G, H = GUEST_IP, HOST_IP
    body = udp(H, G, 40000, 9, b"F" * 64)
    frames, ident = [], 0x4242
    f = lambda off8, mf, data, ident=ident: eth(g, 0x0800, ip4(H, G, 17, data, frag=(0x2000 if mf else 0) | off8, ident=ident))
    frames.append(("IPv4 overlapping fragments", [f(0, 1, body[:48]), f(2, 1, body[16:64]), f(4, 0, body[32:])]))
    frames.append(("IPv4 fragment past 64 KiB", [f(0, 1, body[:48], 0x4343), f(8189, 0, b"Z" * 64, 0x4343)]))
    frames.append(("IPv4 fragment of length 0", [f(0, 1, b"", 0x4444), f(1, 0, b"", 0x4444)]))
    frames.append(("IPv4 duplicate last fragments", [f(0, 1, body[:24], 0x4545), f(3, 0, body[24:], 0x4545), f(3, 0, body[24:], 0x4545), f(3, 0, b"Q" * 8, 0x4545)]))
    frames.append(("600 IPv4 first fragments that never end", [f(0, 1, body[:48], 0x5000 + i) for i in range(600)]))
    return frames


def group_icmp(g, gl6, hl6):
    G, H = GUEST_IP, HOST_IP
    quote_tcp = ip4(G, H, 6, tcp(G, H, PORT, 40000, 1, 1, 0x10))[:28]
    quote_udp = ip4(G, H, 17, udp(G, H, 33333, 53, b"q" * 8))[:36]
    i4 = lambda typ, code, rest, body, good=True: eth(g, 0x0800, ip4(H, G, 1, icmp4(typ, code, rest, body, good)))
    frames = [
        ("ICMP port unreachable quoting 4 bytes", i4(3, 3, b"\0" * 4, quote_udp[:4])),
        ("ICMP unreachable quoting header length 15", i4(3, 3, b"\0" * 4, b"\x4f" + quote_udp[1:])),
        ("ICMP unreachable quoting IPv6 in IPv4", i4(3, 3, b"\0" * 4, b"\x60" + quote_udp[1:])),
        ("ICMP unreachable quoting a later fragment", i4(3, 3, b"\0" * 4, quote_udp[:6] + b"\x00\x10" + quote_udp[8:])),
        ("ICMP unreachable quoting UDP to no socket", i4(3, 3, b"\0" * 4, quote_udp)),
        ("ICMP unreachable with a bad checksum", i4(3, 3, b"\0" * 4, quote_udp, good=False)),
        ("ICMP frag needed, MTU 0, quoting TCP", i4(3, 4, b"\0" * 4, quote_tcp)),
        ("ICMP frag needed, MTU 68, quoting TCP", i4(3, 4, struct.pack("!HH", 0, 68), quote_tcp)),
        ("ICMP unreachable code 99", i4(3, 99, b"\0" * 4, quote_tcp)),
        ("ICMP time exceeded", i4(11, 0, b"\0" * 4, quote_tcp)),
        ("ICMP parameter problem", i4(12, 0, b"\x00\x00\x00\x00", quote_tcp)),
        ("ICMP redirect to elsewhere", i4(5, 1, a4("192.0.2.1"), quote_tcp)),
        ("ICMP type 200", i4(200, 0, b"\0" * 4, b"x" * 40)),
        ("ICMP header cut short", eth(g, 0x0800, ip4(H, G, 1, b"\x03\x03"))),
        ("ICMP echo request, 1400 bytes", i4(8, 0, b"\x00\x01\x00\x01", b"e" * 1400)),
    ]
    if gl6 and hl6:
        q6 = ip6(gl6, hl6, 6, tcp(gl6, hl6, PORT, 40000, 1, 1, 0x10, v6=True))
        i6 = lambda typ, code, rest, body, src=hl6, hlim=64: eth(g, 0x86DD, ip6(src, gl6, 58, icmp6(src, gl6, typ, code, rest, body), hlim=hlim))
        frames += [
            ("ICMPv6 too big, MTU 1279", i6(2, 0, struct.pack("!I", 1279), q6)),
            ("ICMPv6 too big, MTU 0", i6(2, 0, struct.pack("!I", 0), q6)),
            ("ICMPv6 too big, MTU 8", i6(2, 0, struct.pack("!I", 8), q6)),
            ("ICMPv6 unreachable quoting 8 bytes", i6(1, 4, b"\0" * 4, q6[:8])),
            ("ICMPv6 unreachable code 99", i6(1, 99, b"\0" * 4, q6)),
            ("ICMPv6 parameter problem pointing past the packet", i6(4, 0, struct.pack("!I", 99999), q6)),
            ("ND router advertisement, option length 0", i6(134, 0, struct.pack("!BBH", 64, 0, 1800) + b"\0" * 8, b"\x03\x00" + b"\0" * 30, hlim=255)),
            ("ND router advertisement, MTU option 0", i6(134, 0, struct.pack("!BBH", 64, 0, 1800) + b"\0" * 8, b"\x05\x01\x00\x00" + b"\0" * 4, hlim=255)),
            ("ND router advertisement, prefix length 200", i6(134, 0, struct.pack("!BBH", 64, 0, 1800) + b"\0" * 8, struct.pack("!BBBBIII", 3, 4, 200, 0xC0, 9999, 9999, 0) + b"\x20\x01\x0d\xb8" + b"\0" * 12, hlim=255)),
            ("ND neighbour solicitation, option length 0", i6(135, 0, b"\0" * 4, gl6 + b"\x01\x00" + b"\0" * 6, hlim=255)),
            ("ND redirect, cut short", i6(137, 0, b"\0" * 4, gl6[:8], hlim=255)),
            ("IPv6 header cut short", eth(g, 0x86DD, ip6(hl6, gl6, 6, b"")[:20])),
            ("IPv6 payload length past the frame", eth(g, 0x86DD, ip6(hl6, gl6, 6, tcp(hl6, gl6, 40000, PORT, 1, 0, 2, v6=True), plen=1400))),
            ("IPv6 hop-by-hop header past the frame", eth(g, 0x86DD, ip6(hl6, gl6, 0, b"\x06\xff" + b"\0" * 6))),
            ("IPv6 routing header, segments left 255", eth(g, 0x86DD, ip6(hl6, gl6, 43, b"\x06\x02\x00\xff" + b"\0" * 20))),
            ("IPv6 overlapping fragments", [eth(g, 0x86DD, ip6(hl6, gl6, 44, struct.pack("!BBHI", 17, 0, off << 3 | mf, 0x77) + b"G" * 48)) for off, mf in ((0, 1), (2, 1), (4, 0))]),
            ("IPv6 fragment past 64 KiB", [eth(g, 0x86DD, ip6(hl6, gl6, 44, struct.pack("!BBHI", 17, 0, off << 3 | mf, 0x78) + b"H" * 64)) for off, mf in ((0, 1), (8189, 0))]),
        ]
    return frames


def send_group(name, frames):
    unsendable = 0
    for desc, fr in frames:
        for frame in (fr if isinstance(fr, list) else [fr]):
            for _ in range(2):
                if not send(frame):
                    unsendable += 1
    print("info %s: %d kinds sent%s" % (name, len(frames), ", %d frames refused by this host's kernel" % unsendable if unsendable else ""), flush=True)
    time.sleep(0.5)
    still_serving(name)


def mtu_drop_midway(g, gl6, hl6, v6):
    """A valid ICMPv6 'too big' (MTU 1280) in the middle of a connection:
    the guest's segments, cut for a 1500-byte MTU, now leave in fragments,
    whose TCP checksum the guest must compute itself (a card's checksum
    offload takes whole segments only)."""
    try:
        c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        c.settimeout(20)
        c.connect((v6, PORT, 0, socket.if_nametoindex(IFACE)))
        sport = c.getsockname()[1]
        quote = ip6(gl6, hl6, 6, tcp(gl6, hl6, PORT, sport, 1, 1, 0x10, data=b"d" * 1200, v6=True))
        first = True
        for size in (65536, 262144):
            data = os.urandom(size)
            got = echo_round(c, data)
            if got != data:
                c.close()
                return False, "%d of %d bytes back%s" % (len(got), size, "" if first else " after the drop")
            if first:
                send(eth(g, 0x86DD, ip6(hl6, gl6, 58, icmp6(hl6, gl6, 2, 0, struct.pack("!I", 1280), quote[:1232]))))
                time.sleep(0.5)
                first = False
        c.close()
    except OSError as e:
        return False, str(e)
    return True, ""


# ---- floods and clients that misbehave ----

def syn_flood(gmac, n=600):
    t0 = time.time()
    for i in range(n):
        src = "%s.%d" % (GUEST_IP.rsplit(".", 1)[0], 100 + i % 100)
        send(eth(gmac, 0x0800, ip4(src, GUEST_IP, 6, tcp(src, GUEST_IP, 1024 + i, PORT, random.randrange(1 << 32), 0, 0x02))))
    print("info SYN flood: %d SYNs from 100 addresses that never answer, in %.1f s" % (n, time.time() - t0), flush=True)
    t1 = time.time()
    ok, why = echo_ok(8192, timeout=90)
    report(ok, "after a SYN flood: a new client is served (%.0f s after it)" % (time.time() - t1), why)


def vanishing_client(gmac):
    """Sends 60 KiB, takes part of the echo without acknowledging it, then
    is gone: no ACK, no RST, no ARP answer."""
    try:
        c = RawConn(gmac)
        c.send_data(os.urandom(60000))
        got = c.take(8000, ack=False, timeout=10)
        print("info vanishing client: got %d bytes of its echo, then vanished" % len(got), flush=True)
    except OSError as e:
        report(False, "a client that vanishes mid-transfer", str(e))
        return
    answer_arp.clear()
    time.sleep(3)
    ok, why = echo_ok(262144)
    report(ok, "a client vanished mid-transfer: 256 KiB still echoed to another", why)
    answer_arp.set()


def zero_window_client(gmac):
    try:
        c = RawConn(gmac, win=0)
        c.send_data(b"z" * 4000)
        time.sleep(2)
        ok, why = echo_ok(65536)
        report(ok, "a client with a zero window: others still served", why)
        c.win = 65535
        got = c.take(4000)
        c.reset()
        report(got == b"z" * 4000, "a client with a zero window gets its echo once it opens", "%d bytes" % len(got))
    except OSError as e:
        report(False, "a client with a zero window", str(e))


def main():
    threading.Thread(target=receiver, daemon=True).start()
    ok, why = echo_ok(65536)
    report(ok, "before anything: the server echoes 64 KiB", why)
    gmac = guest_mac()
    if not gmac:
        report(False, "the guest's MAC address is known", "not in /proc/net/arp")
        return
    gl6, hl6 = linklocal(gmac), None
    with open("/proc/net/if_inet6") as f:
        for line in f:
            p = line.split()
            if p[5] == IFACE and p[0].startswith("fe80"):
                hl6 = bytes.fromhex(p[0])
    v6 = socket.inet_ntop(socket.AF_INET6, gl6)
    ok6 = False
    if hl6:
        ok6, why = echo_ok(65536, v6=v6)
        report(ok6, "before anything: the server echoes 64 KiB over IPv6 (%s)" % v6, why)
    else:
        print("info no IPv6 link-local address on %s: the IPv6 checks are left out" % IFACE, flush=True)
    send_group("malformed headers", [(d, f) for d, f in group_headers(gmac)])
    send_group("absurd TCP options", group_options(gmac))
    for name, opts in (("MSS 0", b"\x02\x04\x00\x00"), ("MSS 1", b"\x02\x04\x00\x01"),
                       ("window scale 200", b"\x03\x03\xc8\x01"), ("MSS 65535, window scale 14", b"\x02\x04\xff\xff\x03\x03\x0e\x01")):
        raw_echo("a client with %s: its echo is right" % name, gmac, opts)
    send_group("fragments", group_fragments(gmac))
    send_group("ICMP errors quoting garbage" + (", ICMPv6 and ND" if hl6 else ""), group_icmp(gmac, gl6 if hl6 else None, hl6))
    if ok6:
        ok, why = echo_ok(262144, v6=v6)
        report(ok, "after ICMPv6 'too big' with MTU 1279, 0, 8: 256 KiB over IPv6", why)
        ok, why = mtu_drop_midway(gmac, gl6, hl6, v6)
        report(ok, "a path MTU of 1280 in mid-connection: 256 KiB more over IPv6, in fragments", why)
    zero_window_client(gmac)
    vanishing_client(gmac)
    syn_flood(gmac)
    ok, why = echo_ok(1 << 20)
    report(ok, "at the end: 1 MiB echoed", why)
    print("done, %d failed" % failures, flush=True)


main()
