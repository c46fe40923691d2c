"""GETs http://127.0.0.1:PORT/PATH (retrying while the guest starts, up to
LIMIT seconds) and prints "sha256 HEX bytes N" of the body, or "no answer".
usage: http_get.py PORT PATH LIMIT"""
import hashlib
import sys
import time
import urllib.request

port, path, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
end = time.monotonic() + limit
while True:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/%s" % (port, path), timeout=10) as r:
            body = r.read()
        print("sha256 %s bytes %d" % (hashlib.sha256(body).hexdigest(), len(body)))
        sys.exit(0)
    except OSError:
        if time.monotonic() > end:
            print("no answer")
            sys.exit(1)
        time.sleep(0.3)
