"""Servers run by python3 inside the guest for net-servers.test (and on the
host, to compare):

  asyncio-echo PORT N   an asyncio TCP echo server (asyncio.start_server);
                        prints "ready", serves until N connections have
                        closed, then prints
                        "served N connections, B bytes echoed, at most M at once"
  backlog PORT          over loopback, inside one process: TCP keep-alive
                        options set and read back on a connected socket;
                        then a listener with backlog 2 that does not
                        accept while 12 clients connect: prints how many
                        connects the kernel let complete (at most the
                        backlog plus one, as Linux), then accepts them all,
                        and checks a new client is served after.
"""
import asyncio
import errno
import socket
import sys
import time


def asyncio_echo(port, want):
    stats = {"closed": 0, "bytes": 0, "open": 0, "most": 0}
    done = asyncio.Event()

    async def handle(reader, writer):
        stats["open"] += 1
        stats["most"] = max(stats["most"], stats["open"])
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
                stats["bytes"] += len(data)
        finally:
            writer.close()
            stats["open"] -= 1
            stats["closed"] += 1
            if stats["closed"] >= want:
                done.set()

    async def main():
        server = await asyncio.start_server(handle, "0.0.0.0", port)
        print("ready", flush=True)
        async with server:
            await done.wait()
        print("served %d connections, %d bytes echoed, at most %d at once" %
              (stats["closed"], stats["bytes"], stats["most"]), flush=True)

    asyncio.run(main())


KEEP = (socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT)


def keepalive():
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    c = socket.create_connection(lst.getsockname())
    s, _ = lst.accept()
    before = [c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)]
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 7)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4)
    got = [c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
           c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
           c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
           c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)]
    print("keepalive off %d, then on %d idle %d intvl %d cnt %d" % tuple(before + got))
    for bad in (0, -1):
        try:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, bad)
            print("TCP_KEEPIDLE %d accepted" % bad)
        except OSError as e:
            print("TCP_KEEPIDLE %d: %s" % (bad, errno.errorcode[e.errno]))
    # A listener's options: read back, and taken by the connections it
    # accepts (set before listen() and after it).
    for when in ("before", "after"):
        lst2 = socket.socket()
        lst2.bind(("127.0.0.1", 0))
        if when == "after":
            lst2.listen(1)
        lst2.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        lst2.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 33)
        lst2.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 9)
        lst2.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
        if when == "before":
            lst2.listen(1)
        c2 = socket.create_connection(lst2.getsockname())
        a2, _ = lst2.accept()
        print("set %s listen: listener idle %d intvl %d cnt %d; accepted keepalive %d idle %d intvl %d cnt %d" % (
            (when,) + tuple(lst2.getsockopt(socket.IPPROTO_TCP, o) for o in KEEP) +
            (a2.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),) +
            tuple(a2.getsockopt(socket.IPPROTO_TCP, o) for o in KEEP)))
        for x in (c2, a2, lst2):
            x.close()
    # The options hold on a connection still carrying data.
    c.sendall(b"still here")
    print("after the options: %r" % s.recv(100))
    for x in (c, s, lst):
        x.close()


def backlog(port):
    keepalive()
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(2)
    clients, connected, refused = [], 0, 0
    for _ in range(12):
        c = socket.socket()
        c.setblocking(False)
        e = c.connect_ex(("127.0.0.1", port))
        clients.append((c, e))
    # Give the handshakes time; then see which connects completed.
    time.sleep(1.0)
    done = []
    for c, e in clients:
        err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e == 0 or (e == errno.EINPROGRESS and err == 0 and writable(c)):
            connected += 1
            done.append(c)
        elif err in (errno.ECONNREFUSED, errno.ECONNRESET):
            refused += 1
    print("flood: 12 connects to a listener with backlog 2 that does not accept: "
          "%s completed, the others refused or waiting" %
          ("at most 3" if 1 <= connected <= 3 else "%d" % connected))
    for c, _ in clients:
        c.close()
    lst.settimeout(2)
    accepted = []
    try:
        while True:
            a, _ = lst.accept()
            accepted.append(a)
    except (socket.timeout, BlockingIOError):
        pass
    print("accepted %s" % ("every completed one" if len(accepted) >= connected else
                           "%d of %d completed" % (len(accepted), connected)))
    for a in accepted:
        a.close()
    # The listener still serves: a new client connects, sends and is answered.
    lst.settimeout(10)
    n = socket.create_connection(("127.0.0.1", port), timeout=20)
    a, _ = lst.accept()
    n.sendall(b"ping")
    a.sendall(a.recv(4)[::-1])
    print("after the flood: a new client was served: %r" % n.recv(4))
    for x in (n, a, lst):
        x.close()
    print("backlog ok")


def writable(sock):
    import select
    _, w, _ = select.select([], [sock], [], 0)
    return bool(w)


if __name__ == "__main__":
    if sys.argv[1] == "asyncio-echo":
        asyncio_echo(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "backlog":
        backlog(int(sys.argv[2]))
    else:
        sys.exit("usage: guest_servers.py asyncio-echo PORT N | backlog PORT")
