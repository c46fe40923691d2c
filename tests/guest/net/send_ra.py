"""Router advertisements on IFNAME, as radvd would send them: the prefix
PREFIX/64 on-link and for autonomous configuration (SLAAC), router
lifetime 0 (not a default router), to all nodes (ff02::1) once a second
for SECONDS.  Needs CAP_NET_RAW (the test runs it in its own namespace).
usage: send_ra.py IFNAME PREFIX SECONDS"""
import socket
import struct
import sys
import time

ifname, prefix, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
# type 134, code 0, checksum (the kernel fills it), hop limit 64, flags 0,
# router lifetime 0, reachable time 0, retransmit timer 0
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
# prefix information: type 3, 4 x 8 bytes, /64, L and A, valid and preferred
# lifetimes one hour, reserved, the prefix
ra += struct.pack("!BBBBIII", 3, 4, 64, 0xc0, 3600, 3600, 0) + socket.inet_pton(socket.AF_INET6, prefix)
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        s.sendto(ra, ("ff02::1", 0, 0, socket.if_nametoindex(ifname)))
    except OSError as e:
        print("send_ra: %s" % e, file=sys.stderr)
    time.sleep(1)
