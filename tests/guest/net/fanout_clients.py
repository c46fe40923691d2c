#!/usr/bin/env python3
"""fanout_clients.py PORT CLIENTS BYTES: CLIENTS connections at once to
tests/guest/progs/netdev_fanout, each reading to the end; prints one line
per client, "client I BYTES ok" when it got BYTES bytes of the server's
xorshift stream (its SHA-256 checked against the stream made here), else
what it got; exits 1 if any client went wrong."""
import hashlib
import socket
import sys
import threading

CHUNK = 65536


def stream_sha(n):
    x, out = 2463534242, bytearray(CHUNK)
    for i in range(CHUNK):
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        out[i] = x & 0xff
    h = hashlib.sha256()
    for at in range(0, n, CHUNK):
        h.update(out[:min(CHUNK, n - at)])
    return h.hexdigest()


def client(port, n, results, i):
    h, got = hashlib.sha256(), 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                got += len(b)
        results[i] = (got, h.hexdigest())
    except OSError as e:
        results[i] = (got, "error: %s" % e)


def main():
    port, clients, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    want = stream_sha(n)
    results = [None] * clients
    threads = [threading.Thread(target=client, args=(port, n, results, i)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = 0
    for i, (got, sha) in enumerate(results):
        if got == n and sha == want:
            print("client %d %d ok" % (i, got))
        else:
            bad += 1
            print("client %d got %d bytes, sha256 %s (want %d, %s)" % (i, got, sha, n, want))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
