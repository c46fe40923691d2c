"""HTTP traffic for the SEV audit of virtio-net (net-servers-sev.test): waits
up to LIMIT seconds for the server at 127.0.0.1:PORT, then, until the file
STOP exists (or LIMIT seconds more have passed), GETs /page and POSTs
POST_BYTES random bytes to /sha256 in turn on one keep-alive connection,
checking every POST's answer (the body's SHA-256) and that every page is
the first one.  Prints "requests N, all right" or what went wrong.
usage: http_load.py PORT POST_BYTES STOP LIMIT"""
import hashlib
import http.client
import os
import sys
import time

port, post_bytes, stop, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])


def connect():
    end = time.monotonic() + limit
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("GET", "/page")
            first = c.getresponse().read()
            return c, hashlib.sha256(first).hexdigest()
        except OSError:
            if time.monotonic() > end or os.path.exists(stop):
                print("no answer")
                sys.exit(1)
            time.sleep(0.3)


c, page = connect()
n, bad = 1, []
end = time.monotonic() + limit
try:
    while not os.path.exists(stop) and time.monotonic() < end:
        c.request("GET", "/page")
        if hashlib.sha256(c.getresponse().read()).hexdigest() != page:
            bad.append("request %d: another page" % n)
        data = os.urandom(post_bytes)
        c.request("POST", "/sha256", body=data)
        got = c.getresponse().read().decode(errors="replace").strip()
        if got != "sha256 %s bytes %d" % (hashlib.sha256(data).hexdigest(), len(data)):
            bad.append("request %d: POST answered %r" % (n + 1, got[:80]))
        n += 2
except (OSError, http.client.HTTPException) as e:
    # The inspector quits QEMU when it is done, and the test then makes
    # STOP: a connection cut just before STOP appears is the end of the
    # run, not a fault.
    for _ in range(100):
        if os.path.exists(stop):
            break
        time.sleep(0.1)
    if not os.path.exists(stop):
        bad.append("after %d requests: %s" % (n, e))
print("requests %d, all right" % n if not bad else "requests %d, %d wrong: %s" % (n, len(bad), bad[:3]))
sys.exit(1 if bad else 0)
