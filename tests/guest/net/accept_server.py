"""A TCP server for net-config.test: binds ADDR (127.0.0.1 or ::1) on a
free port, prints the port, accepts connections until one carries data
(the guest may close a first one unused: netinfo.c), answers it "seen
TEXT", prints "got TEXT"; gives up after SECONDS."""
import socket
import sys

addr, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(seconds)
data = ""
while not data:
    try:
        c, _ = s.accept()
    except socket.timeout:
        print("no connection", flush=True)
        sys.exit(1)
    c.settimeout(30)
    data = c.recv(100).decode("ascii", "replace")
c.sendall(("seen " + data).encode())
c.close()
print("got " + data, flush=True)
