"""A TCP client for the kernel's net-listen-test: connects to 127.0.0.1:PORT
(retrying while the guest boots, up to LIMIT seconds), sends 1 MiB of the
kernel's self-test pattern (byte i is (i*7 + 3 + (i >> 11)) mod 256), shuts
its side down and prints the guest's answer ("got 1048576")."""
import socket
import sys
import time

port, limit = int(sys.argv[1]), float(sys.argv[2])
data = bytes((i * 7 + 3 + (i >> 11)) & 0xFF for i in range(1 << 20))
end = time.monotonic() + limit
while True:
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            b = c.recv(4096)
            if not b:
                break
            answer += b
        c.close()
        if answer:
            print(answer.decode(errors="replace"), flush=True)
            sys.exit(0)
    except OSError:
        pass
    # QEMU accepts on the host port before the guest listens and then drops
    # the connection: try again until the guest answers.
    if time.monotonic() > end:
        print("no answer", flush=True)
        sys.exit(1)
    time.sleep(0.2)
