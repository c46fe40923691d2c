"""Concurrent HTTP clients for net-servers.test's Go server (and any server
with the same two routes): CLIENTS threads at once, each on its own
keep-alive connection, each doing GETS GETs of /page and one POST of
POST_BYTES random bytes to /sha256, whose answer must be the body's SHA-256.
Waits up to LIMIT seconds for the server to answer first.  Prints
  gets N sha256 HEX bytes B     (every GET's body the same page)
  posts N of B bytes: hashes right
or lines saying what went wrong; exit status 0 only when all was right.
usage: http_clients.py PORT CLIENTS GETS POST_BYTES LIMIT"""
import hashlib
import http.client
import os
import sys
import threading
import time

port, clients, gets, post_bytes, limit = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                          int(sys.argv[4]), float(sys.argv[5]))


def wait_server():
    end = time.monotonic() + limit
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/page")
            c.getresponse().read()
            c.close()
            return True
        except OSError:
            if time.monotonic() > end:
                return False
            time.sleep(0.3)


pages = []
errors = []
posts_ok = []
lock = threading.Lock()


def client(i):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(gets):
            c.request("GET", "/page")
            r = c.getresponse()
            body = r.read()
            with lock:
                pages.append((r.status, hashlib.sha256(body).hexdigest(), len(body)))
        data = os.urandom(post_bytes)
        c.request("POST", "/sha256", body=data, headers={"Content-Type": "application/octet-stream"})
        r = c.getresponse()
        answer = r.read().decode(errors="replace").strip()
        want = "sha256 %s bytes %d" % (hashlib.sha256(data).hexdigest(), len(data))
        with lock:
            if r.status == 200 and answer == want:
                posts_ok.append(i)
            else:
                errors.append("client %d: POST answered %d %r, expected %r" % (i, r.status, answer[:100], want))
        c.close()
    except OSError as e:
        with lock:
            errors.append("client %d: %s" % (i, e))


if not wait_server():
    print("no answer")
    sys.exit(1)
threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
kinds = sorted(set(pages))
if len(kinds) == 1 and kinds[0][0] == 200:
    print("gets %d sha256 %s bytes %d" % (len(pages), kinds[0][1], kinds[0][2]))
else:
    print("gets %d, answers differ: %s" % (len(pages), kinds[:4]))
if len(posts_ok) == clients:
    print("posts %d of %d bytes: hashes right" % (clients, post_bytes))
for e in errors[:5]:
    print(e)
sys.exit(0 if not errors and len(kinds) == 1 and len(posts_ok) == clients else 1)
