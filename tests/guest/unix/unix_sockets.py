# AF_UNIX from Python (tests/guest/unix-sockets.test): the same lines on
# the host and in cloak.  socketpair with a thread moving 1 MiB, send_fds/
# recv_fds passing a pipe end, a path-bound server with asyncio.
import asyncio, hashlib, os, socket, threading

a, b = socket.socketpair()
data = bytes((i * 7 + 3) & 0xff for i in range(1 << 20))
got = []
def reader():
    h = hashlib.sha256()
    n = 0
    while True:
        chunk = b.recv(65536)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
    got.append((n, h.hexdigest()))
t = threading.Thread(target=reader)
t.start()
a.sendall(data)
a.close()
t.join()
print("socketpair: %d bytes, sha256 matches %s" % (got[0][0], got[0][1] == hashlib.sha256(data).hexdigest()))
b.close()

a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
a.send(b"one")
a.send(b"two!")
print("datagrams:", b.recv(100), b.recv(100))
r, w = os.pipe()
os.write(w, b"via a passed pipe")
socket.send_fds(a, [b"fd"], [r])
msg, fds, flags, addr = socket.recv_fds(b, 100, 4)
print("recv_fds:", msg, len(fds), os.read(fds[0], 100))
a.close(); b.close()

path = "/tmp/cloak-py-unix.sock"
if os.path.exists(path):
    os.unlink(path)

async def main():
    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(b"echo " + line)
        await writer.drain()
        writer.close()
    server = await asyncio.start_unix_server(handle, path)
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(b"hello asyncio\n")
    await writer.drain()
    print("asyncio:", await reader.readline())
    writer.close()
    server.close()
    await server.wait_closed()

asyncio.run(main())
os.unlink(path)
print("python done")
