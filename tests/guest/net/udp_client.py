"""A UDP client for the guest's echo server (through a forwarded port):
sends N datagrams of different sizes and contents, one at a time, each
until its echo comes back (a lost datagram is sent again, at most 5
times); prints "echoed N" or what went wrong.
usage: udp_client.py PORT N"""
import os
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(n):
    data = os.urandom(1 + (i * 97) % 1400)
    for attempt in range(5):
        s.sendto(data, ("127.0.0.1", port))
        try:
            back, _ = s.recvfrom(65536)
        except socket.timeout:
            continue
        if back != data:
            print("datagram %d came back different (%d bytes, sent %d)" % (i, len(back), len(data)))
            sys.exit(1)
        break
    else:
        print("datagram %d: no echo" % i)
        sys.exit(1)
print("echoed %d" % n)
