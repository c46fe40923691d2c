"""Client of tests/guest/progs/netpump.c: one connection to ADDR PORT
(IPv4, IPv6, or link-local IPv6 with %IFNAME), MODE S, G or E with SIZE
bytes, checked by SHA-256 (S: the server's digest of what it read; G: the
server's digest of what it sent; E: the echo's digest against the data).
Retries the connection for up to 60 s (the guest may still be booting).
Prints "ok MODE SIZE MB/s" or "bad MODE ..." and exits 0 or 1.
usage: pump_client.py ADDR PORT MODE SIZE"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time

addr, port, mode, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])


def connect():
    end = time.monotonic() + 60
    while True:
        try:
            info = socket.getaddrinfo(addr, port, 0, socket.SOCK_STREAM)[0]
            c = socket.socket(info[0], socket.SOCK_STREAM)
            c.settimeout(120)
            c.connect(info[4])
            return c
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


def read_all(c):
    parts = []
    while True:
        b = c.recv(1 << 16)
        if not b:
            return b"".join(parts)
        parts.append(b)


c = connect()
t0 = time.monotonic()
if mode == "S":
    data = os.urandom(size)
    c.sendall(b"S" + data)
    c.shutdown(socket.SHUT_WR)
    got = read_all(c)
    good = got == hashlib.sha256(data).digest()
elif mode == "G":
    c.sendall(b"G" + struct.pack("<Q", size))
    got = read_all(c)
    good = len(got) == size + 32 and hashlib.sha256(got[:size]).digest() == got[size:]
else:
    data = os.urandom(size)
    c.sendall(b"E")
    t = threading.Thread(target=lambda: (c.sendall(data), c.shutdown(socket.SHUT_WR)))
    t.start()
    got = read_all(c)
    t.join()
    good = got == data
t = time.monotonic() - t0
c.close()
if good:
    print("ok %s %d %.1f MB/s" % (mode, size, size / t / 1e6))
else:
    print("bad %s %d: got %d bytes, digest %s" % (mode, size, len(got), "wrong"))
sys.exit(0 if good else 1)
