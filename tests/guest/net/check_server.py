"""A TCP server for the kernel's net-connect-test: prints its port, accepts
one connection, checks every byte against the kernel's self-test pattern
(byte i is (i*7 + 3 + (i >> 11)) mod 256), answers "got N" (or "bad at I"),
and prints what it saw: "received N bad I" (I = -1: every byte right)."""
import socket
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(float(sys.argv[1]) if len(sys.argv) > 1 else 120)
try:
    c, _ = s.accept()
except socket.timeout:
    print("no connection", flush=True)
    sys.exit(1)
c.settimeout(60)
n, bad = 0, -1
while True:
    b = c.recv(65536)
    if not b:
        break
    if bad < 0:
        for j, x in enumerate(b):
            i = n + j
            if x != (i * 7 + 3 + (i >> 11)) & 0xFF:
                bad = i
                break
    n += len(b)
c.sendall(b"got %d" % n if bad < 0 else b"bad at %d" % bad)
c.close()
print("received", n, "bad", bad, flush=True)
