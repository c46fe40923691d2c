"""Echo clients for a TCP echo server in the guest, reached through a
forwarded port: N clients at once each send SIZE random bytes (and, with
BIG > 0, one more client BIG bytes) while reading the echo, then compare
the SHA-256 of what came back with what was sent.  The clients connect one
after another (each waits for the echo of its first byte before the next
connects: QEMU's port forwarding listens with a backlog of 1, and the host
kernel drops connections beyond it), then all transfer at once.  Prints one line:
"clients C ok, bytes B" or what went wrong; exit status 0 if all held.
usage: echo_clients.py PORT N SIZE BIG [TIMEOUT]"""
import hashlib
import os
import socket
import sys
import threading

port, n, size, big = (int(a) for a in sys.argv[1:5])
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 120
results = []
lock = threading.Lock()


def client(nbytes, established):
    data = os.urandom(nbytes)
    want = hashlib.sha256(data).hexdigest()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        c.sendall(data[:1])
        first = c.recv(1)
        established.set()
        if first != data[:1]:
            raise OSError("the first byte did not come back")

        def send():
            c.sendall(data[1:])
            c.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=send)
        t.start()
        got = hashlib.sha256(first)
        count = 1
        while True:
            b = c.recv(65536)
            if not b:
                break
            got.update(b)
            count += len(b)
        t.join()
        c.close()
        ok = got.hexdigest() == want and count == nbytes
        why = "" if ok else "got %d of %d bytes, hash %s" % (count, nbytes,
                                                             "right" if got.hexdigest() == want else "wrong")
    except OSError as e:
        established.set()
        ok, why, count = False, str(e), 0
    with lock:
        results.append((ok, why, count))


sizes = [size] * n + ([big] if big > 0 else [])
threads = []
for s in sizes:
    established = threading.Event()
    t = threading.Thread(target=client, args=(s, established))
    t.start()
    threads.append(t)
    established.wait(timeout)
for t in threads:
    t.join()
bad = [w for ok, w, _ in results if not ok]
total = sum(c for _, _, c in results)
if bad:
    print("clients %d failed of %d: %s" % (len(bad), len(sizes), bad[0]))
    sys.exit(1)
print("clients %d ok, bytes %d" % (len(sizes), total))
