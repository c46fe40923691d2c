#!/usr/bin/env python3
"""A loopback stand-in for Google Cloud: Compute Engine, Cloud Storage (with
resumable uploads), Cloud Logging, the OAuth token endpoint and the metadata
server, for tests/guest/gcp.test.  It validates every request against
Google's API descriptions (oracle.py) and writes each problem to
STATE/violations.txt (and answers 400, as Google would).  The token
endpoint checks the JWT's RS256 signature with the test key's public half
(openssl).  Operations go PENDING -> RUNNING -> DONE, one step per read.

STATE/scenario (re-read at each request) picks the errors to play:
  ok | forbidden (403 on images.insert) | disabled (403 SERVICE_DISABLED) |
  ratelimit (429 once per call, then success) | unavailable (503 always) |
  op-error (images.insert's operation ends DONE with QUOTA_EXCEEDED) |
  attest-debug (the report's policy allows debugging) | group-quota (an
  instanceGroupManagers.insert operation ends DONE with QUOTA_EXCEEDED) |
  instance-quota (a group is made, but Google fails to make its instances
  but the first: lastAttempt.errors with QUOTA_EXCEEDED, as it reports them) |
  partial (a resumable
  chunk is only half stored: 308 with a shorter Range) | expire (the tokens
  issued so far stop working, once: 401)
Instance templates and managed instance groups behave as Google's do where
it matters to the order of calls: a group needs its template to exist, a
template still used by a group cannot be deleted (resourceInUseByAnotherResource),
and a deleted group is gone only once its delete operation is DONE.
Usage: server.py STATE_DIR PUBLIC_KEY.pem  (prints the port on stdout)"""
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

STATE, PUBKEY = sys.argv[1], sys.argv[2]
ORACLE = oracle.Oracle()
LOCK = threading.Lock()
TOKENS = set()
DB = {"buckets": {"existing-bucket"}, "objects": {}, "images": {}, "instances": {},
      "firewalls": {}, "ops": {}, "sessions": {}, "seen429": set(), "opseq": 0,
      "templates": {}, "groups": {}, "on_done": {}}
SERIAL = {3: ["My luggage password is 12345\n", "cloak: program exited with status 0\n"],
          1: ["cloak: boot: kernel log line 1\n", "cloak: boot: SEV active\n"]}


def scenario():
    try:
        with open(os.path.join(STATE, "scenario")) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def record(name, text):
    with LOCK, open(os.path.join(STATE, name), "a") as f:
        f.write(text + "\n")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def google_error(code, status, message, reason, details=None):
    e = {"code": code, "message": message, "status": status,
         "errors": [{"message": message, "domain": "global", "reason": reason}]}
    if details:
        e["details"] = details
    return {"error": e}


def verify_jwt(jwt, token_uri):
    """None if good, else what is wrong."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return "not three base64url parts"
    try:
        header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except ValueError as e:
        return "undecodable: %s" % e
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        return "header %r is not RS256/JWT" % header
    now = time.time()
    for k in ("iss", "scope", "aud", "iat", "exp"):
        if k not in claims:
            return "claim %s missing" % k
    if claims["aud"] != token_uri:
        return "aud %r is not the token URI %r" % (claims["aud"], token_uri)
    if "cloud-platform" not in claims["scope"]:
        return "scope %r lacks cloud-platform" % claims["scope"]
    if not (abs(claims["iat"] - now) < 300 and 0 < claims["exp"] - claims["iat"] <= 3600):
        return "iat/exp out of range: %r" % claims
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "in"), "wb") as f:
            f.write((parts[0] + "." + parts[1]).encode())
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(sig)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", PUBKEY, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "in")],
                           capture_output=True, text=True)
    if r.returncode != 0:
        return "RS256 signature does not verify: %s" % (r.stdout + r.stderr).strip()
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if obj is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path.lstrip("/")
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        raw = self.last_raw = self.body()
        try:
            if path == "token":
                return self.token(method, raw)
            if path == "computeMetadata/v1/instance/service-accounts/default/token":
                return self.metadata()
            if path.startswith("upload/session/"):
                return self.upload_chunk(method, path.split("/")[-1], raw)
            return self.api(method, path, query, raw)
        except Exception as e:  # a server bug: fail the test loudly
            record("violations.txt", "server error on %s %s: %r" % (method, self.path, e))
            self.reply(500, google_error(500, "INTERNAL", "test server: %r" % e, "backendError"))

    def token(self, method, raw):
        form = urllib.parse.parse_qs(raw.decode())
        grant = form.get("grant_type", [""])[0]
        ctype = self.headers.get("Content-Type", "")
        bad = None
        if method != "POST" or ctype != "application/x-www-form-urlencoded":
            bad = "token: %s with Content-Type %r" % (method, ctype)
        elif grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            bad = "token: grant_type %r" % grant
        else:
            why = verify_jwt(form.get("assertion", [""])[0],
                             "http://%s/token" % self.headers.get("Host"))
            bad = why and "token: JWT " + why
        if bad:
            record("violations.txt", bad)
            return self.reply(400, {"error": "invalid_grant", "error_description": bad})
        tok = "ya29.test-%d" % len(TOKENS)
        TOKENS.add(tok)
        record("requests.jsonl", json.dumps({"method": "POST", "id": "oauth2.token"}))
        self.reply(200, {"access_token": tok, "token_type": "Bearer", "expires_in": 3599})

    def metadata(self):
        if self.headers.get("Metadata-Flavor") != "Google":
            record("violations.txt", "metadata: no Metadata-Flavor: Google header")
            return self.reply(403, raw=b"Missing Metadata-Flavor:Google header")
        tok = "ya29.metadata-%d" % len(TOKENS)
        TOKENS.add(tok)
        record("requests.jsonl", json.dumps({"method": "GET", "id": "metadata.token"}))
        self.reply(200, {"access_token": tok, "token_type": "Bearer", "expires_in": 3599})

    def authorized(self):
        h = self.headers.get("Authorization", "")
        return h.startswith("Bearer ") and h[7:] in TOKENS

    def api(self, method, path, query, raw):
        mid, problems, body = ORACLE.check_request(method, path, query, raw,
                                                   self.headers.get("Content-Type"))
        record("requests.jsonl", json.dumps({"method": method, "path": path, "id": mid,
                                             "query": query, "body": body}))
        if scenario() == "expire" and not DB.get("expired"):
            DB["expired"] = True    # every token issued so far runs out, once
            TOKENS.clear()
        if not self.authorized():
            if not DB.get("expired"):
                record("violations.txt", "%s %s without a valid bearer token" % (method, path))
            return self.reply(401, google_error(401, "UNAUTHENTICATED",
                              "Request had invalid authentication credentials.", "authError"))
        if problems:
            for p in problems:
                record("violations.txt", p)
            return self.reply(400, google_error(400, "INVALID_ARGUMENT", "; ".join(problems),
                                                "invalid"))
        sc = scenario()
        key = (method, path)
        if sc == "ratelimit" and key not in DB["seen429"]:
            DB["seen429"].add(key)
            return self.reply(429, google_error(429, "RESOURCE_EXHAUSTED",
                              "Rate Limit Exceeded", "rateLimitExceeded"), {"Retry-After": "0"})
        if sc == "unavailable":
            return self.reply(503, google_error(503, "UNAVAILABLE", "The service is currently "
                              "unavailable.", "backendError"))
        if sc == "disabled" and mid.startswith("compute."):
            return self.reply(403, google_error(
                403, "PERMISSION_DENIED", "Compute Engine API has not been used in project "
                "test-project before or it is disabled.", "accessNotConfigured",
                [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                  "domain": "googleapis.com", "metadata": {
                      "service": "compute.googleapis.com",
                      "activationUrl": "https://console.developers.google.com/apis/api/"
                                       "compute.googleapis.com/overview?project=test-project"}}]))
        if sc == "forbidden" and mid == "compute.images.insert":
            return self.reply(403, google_error(
                403, "PERMISSION_DENIED", "Required 'compute.images.create' permission for "
                "'projects/test-project/global/images/luggage'", "forbidden"))
        return getattr(self, "m_" + mid.replace(".", "_"))(query, body, path)

    # ---- operations ----
    def new_op(self, kind, target, zone=None, error=None):
        DB["opseq"] += 1
        name = "operation-%d-%s" % (DB["opseq"], kind.replace(".", "-"))
        DB["ops"][name] = {"kind": "compute#operation", "name": name, "status": "PENDING",
                           "operationType": kind, "targetLink": target, "progress": 0,
                           "_error": error}
        if zone:
            DB["ops"][name]["zone"] = zone
        return self.op_view(name)

    def op_view(self, name):
        op = dict(DB["ops"][name])
        err = op.pop("_error")
        if op["status"] == "DONE" and err:
            op["error"] = {"errors": [err]}
        return op

    def read_op(self, name):
        op = DB["ops"].get(name)
        if not op:
            return self.reply(404, google_error(404, "NOT_FOUND", "operation %s not found" % name,
                                                "notFound"))
        op["status"] = {"PENDING": "RUNNING", "RUNNING": "DONE"}.get(op["status"], "DONE")
        if op["status"] == "DONE" and name in DB["on_done"]:
            DB["on_done"].pop(name)()   # what takes effect only when the operation ends
        op["progress"] = {"RUNNING": 50, "DONE": 100}[op["status"]]
        record("opstates.txt", "%s %s" % (name, op["status"]))
        self.reply(200, self.op_view(name))

    def m_compute_globalOperations_get(self, q, b, path):
        self.read_op(path.split("/")[-1])

    def m_compute_zoneOperations_get(self, q, b, path):
        self.read_op(path.split("/")[-1])

    def not_found(self, what):
        self.reply(404, google_error(404, "NOT_FOUND", "The resource '%s' was not found" % what,
                                     "notFound"))

    # ---- storage ----
    def m_storage_buckets_get(self, q, b, path):
        name = urllib.parse.unquote(path.split("/")[-1])
        if name not in DB["buckets"]:
            return self.reply(404, google_error(404, "NOT_FOUND", "The specified bucket does not "
                                                "exist.", "notFound"))
        self.reply(200, {"kind": "storage#bucket", "name": name})

    def m_storage_buckets_insert(self, q, b, path):
        DB["buckets"].add(b["name"])
        self.reply(200, {"kind": "storage#bucket", "name": b["name"]})

    def m_storage_objects_insert(self, q, b, path):
        bucket = urllib.parse.unquote(path.split("/")[-2])
        name = q.get("name", [None])[0]
        if bucket not in DB["buckets"]:
            return self.reply(404, google_error(404, "NOT_FOUND", "bucket not found", "notFound"))
        if q["uploadType"][0] == "resumable":
            sid = "s%d" % len(DB["sessions"])
            total = int(self.headers.get("X-Upload-Content-Length", "-1"))
            DB["sessions"][sid] = {"bucket": bucket, "name": name, "data": b"", "total": total}
            host = self.headers.get("Host")
            return self.reply(200, {}, {"Location": "http://%s/upload/session/%s" % (host, sid)})
        self.store(bucket, name, self.last_raw)

    def store(self, bucket, name, data):
        DB["objects"][(bucket, name)] = data
        os.makedirs(os.path.join(STATE, "uploads"), exist_ok=True)
        with open(os.path.join(STATE, "uploads", name), "wb") as f:
            f.write(data)
        self.reply(200, {"kind": "storage#object", "bucket": bucket, "name": name,
                         "size": str(len(data))})

    def upload_chunk(self, method, sid, raw):
        s = DB["sessions"].get(sid)
        rng = self.headers.get("Content-Range", "")
        record("requests.jsonl", json.dumps({"method": method, "id": "upload.chunk",
                                             "range": rng, "len": len(raw)}))
        if method != "PUT" or not s or not self.authorized():
            record("violations.txt", "upload chunk: %s to session %s" % (method, sid))
            return self.reply(400, google_error(400, "INVALID", "bad session", "invalid"))
        try:
            first, last_total = rng.split(" ")[1].split("-")
            last, total = last_total.split("/")
            first, last, total = int(first), int(last), int(total)
        except (IndexError, ValueError):
            record("violations.txt", "upload chunk: bad Content-Range %r" % rng)
            return self.reply(400, google_error(400, "INVALID", "bad Content-Range", "invalid"))
        bad = None
        if first != len(s["data"]):
            bad = "chunk starts at %d, %d bytes stored" % (first, len(s["data"]))
        elif last - first + 1 != len(raw):
            bad = "Content-Range covers %d bytes, %d came" % (last - first + 1, len(raw))
        elif last + 1 < total and len(raw) % (256 * 1024):
            bad = "a chunk but the last of %d bytes, not a multiple of 256 KiB" % len(raw)
        elif s["total"] >= 0 and total != s["total"]:
            bad = "total %d differs from X-Upload-Content-Length %d" % (total, s["total"])
        if bad:
            record("violations.txt", "upload chunk: " + bad)
            return self.reply(400, google_error(400, "INVALID", bad, "invalid"))
        if scenario() == "partial" and len(raw) > 1024 and not s.get("halved"):
            s["halved"] = True
            raw = raw[:256 * 1024 * (len(raw) // (512 * 1024)) or 1024]
        s["data"] += raw
        if len(s["data"]) < total:
            return self.reply(308, None, {"Range": "bytes=0-%d" % (len(s["data"]) - 1)})
        self.store(s["bucket"], s["name"], s["data"])

    def m_storage_objects_delete(self, q, b, path):
        parts = path.split("/")
        key = (urllib.parse.unquote(parts[-3]), urllib.parse.unquote(parts[-1]))
        if DB["objects"].pop(key, None) is None:
            return self.not_found("object")
        record("deleted.txt", key[1])
        self.reply(204)

    # ---- images ----
    def m_compute_images_insert(self, q, b, path):
        src = b.get("rawDisk", {}).get("source", "")
        pre = "https://storage.googleapis.com/"
        if not src.startswith(pre):
            record("violations.txt", "images.insert: rawDisk.source %r is not %sBUCKET/OBJECT" % (src, pre))
        bucket, _, obj = src[len(pre):].partition("/")
        if (bucket, urllib.parse.unquote(obj)) not in DB["objects"]:
            return self.reply(400, google_error(400, "INVALID_ARGUMENT", "rawDisk.source %s: no "
                              "such object" % src, "invalid"))
        if b["name"] in DB["images"]:
            return self.reply(409, google_error(409, "ALREADY_EXISTS", "The resource "
                              "'projects/test-project/global/images/%s' already exists" % b["name"],
                              "alreadyExists"))
        err = None
        if scenario() == "op-error":
            err = {"code": "QUOTA_EXCEEDED", "message": "Quota 'IMAGES' exceeded. Limit: 100.0 "
                   "globally."}
        else:
            size = len(DB["objects"][(bucket, urllib.parse.unquote(obj))])
            DB["images"][b["name"]] = dict(b, status="READY", diskSizeGb="1",
                                           archiveSizeBytes=str(size), id="7001",
                                           creationTimestamp="2026-12-06T12:00:00.000-08:00")
        self.reply(200, self.new_op("insert", "images/" + b["name"], error=err))

    def m_compute_images_get(self, q, b, path):
        im = DB["images"].get(path.split("/")[-1])
        self.reply(200, im) if im else self.not_found("image")

    def m_compute_images_list(self, q, b, path):
        self.reply(200, {"kind": "compute#imageList", "items": list(DB["images"].values())})

    def m_compute_images_delete(self, q, b, path):
        name = path.split("/")[-1]
        if DB["images"].pop(name, None) is None:
            return self.not_found("image " + name)
        self.reply(200, self.new_op("delete", "images/" + name))

    # ---- instances and firewalls ----
    def m_compute_instances_insert(self, q, b, path):
        zone = path.split("/")[-2]
        img = b["disks"][0]["initializeParams"]["sourceImage"].split("/")[-1]
        if img not in DB["images"]:
            return self.not_found("image " + img)
        inst = dict(b, id="4242424242424242", status="RUNNING")
        inst["networkInterfaces"][0]["accessConfigs"][0]["natIP"] = "203.0.113.7"
        DB["instances"][b["name"]] = inst
        self.reply(200, self.new_op("insert", "instances/" + b["name"], zone=zone))

    def m_compute_instances_get(self, q, b, path):
        inst = DB["instances"].get(path.split("/")[-1])
        self.reply(200, inst) if inst else self.not_found("instance")

    def m_compute_instances_list(self, q, b, path):
        self.reply(200, {"items": list(DB["instances"].values())})

    def instance_op(self, path, kind, status):
        name = path.split("/")[7]
        if name not in DB["instances"]:
            return self.not_found("instance " + name)
        if status:
            DB["instances"][name]["status"] = status
        else:
            del DB["instances"][name]
        self.reply(200, self.new_op(kind, "instances/" + name, zone=path.split("/")[5]))

    def m_compute_instances_delete(self, q, b, path):
        self.instance_op(path, "delete", None)

    def m_compute_instances_start(self, q, b, path):
        self.instance_op(path, "start", "RUNNING")

    def m_compute_instances_stop(self, q, b, path):
        self.instance_op(path, "stop", "TERMINATED")

    def m_compute_instances_getSerialPortOutput(self, q, b, path):
        port = int(q.get("port", ["1"])[0])
        start = int(q.get("start", ["0"])[0])
        chunks = SERIAL.get(port, [""])
        # the first read gives the first chunk, a read from its end the rest
        text = "".join(chunks)
        end = len(chunks[0]) if start == 0 else len(text)
        record("serial.txt", "port=%d start=%d" % (port, start))
        self.reply(200, {"kind": "compute#serialPortOutput", "contents": text[start:end],
                         "start": str(start), "next": str(end)})

    def m_compute_firewalls_insert(self, q, b, path):
        DB["firewalls"][b["name"]] = b
        self.reply(200, self.new_op("insert", "firewalls/" + b["name"]))

    def m_compute_firewalls_delete(self, q, b, path):
        name = path.split("/")[-1]
        if DB["firewalls"].pop(name, None) is None:
            return self.not_found("firewall " + name)
        self.reply(200, self.new_op("delete", "firewalls/" + name))

    # ---- instance templates and managed instance groups ----
    def m_compute_instanceTemplates_insert(self, q, b, path):
        if b["name"] in DB["templates"]:
            return self.reply(409, google_error(409, "ALREADY_EXISTS", "The resource "
                              "'projects/test-project/global/instanceTemplates/%s' already exists"
                              % b["name"], "alreadyExists"))
        DB["templates"][b["name"]] = dict(b, id="5150", creationTimestamp="2026-12-06T12:00:00Z")
        self.reply(200, self.new_op("insert", "instanceTemplates/" + b["name"]))

    def m_compute_instanceTemplates_delete(self, q, b, path):
        name = path.split("/")[-1]
        if name not in DB["templates"]:
            return self.not_found("instanceTemplate " + name)
        users = [g for g in DB["groups"].values()
                 if g["instanceTemplate"].split("/")[-1] == name]
        if users:
            return self.reply(400, google_error(
                400, "INVALID_ARGUMENT", "The instance_template resource "
                "'projects/test-project/global/instanceTemplates/%s' is already being used by "
                "'projects/test-project/zones/us-central1-a/instanceGroupManagers/%s'"
                % (name, users[0]["name"]), "resourceInUseByAnotherResource"))
        del DB["templates"][name]
        self.reply(200, self.new_op("delete", "instanceTemplates/" + name))

    def group_instances(self, g, n):
        """Grows or shrinks the group's instances to n; new ones are still being made."""
        have = g["_instances"]
        while len(have) > n:
            have.pop()
        while len(have) < n:
            first = not have and g["_first"]
            mi = {"name": "%s-%04x" % (g["baseInstanceName"], 0xa000 + len(have)),
                  "instanceStatus": "RUNNING" if first else "PROVISIONING",
                  "currentAction": "NONE" if first else "CREATING"}
            if not first and scenario() == "instance-quota":
                del mi["instanceStatus"]
                mi["lastAttempt"] = {"errors": {"errors": [{
                    "code": "QUOTA_EXCEEDED", "message": "Quota 'N2D_CPUS' exceeded.  Limit: 8.0 "
                    "in region us-central1."}]}}
            have.append(mi)
        g["_first"] = False

    def m_compute_instanceGroupManagers_insert(self, q, b, path):
        zone = path.split("/")[-2]
        tpl = b.get("instanceTemplate", "").split("/")[-1]
        if tpl not in DB["templates"]:
            return self.not_found("instanceTemplate " + tpl)
        if b["name"] in DB["groups"]:
            return self.reply(409, google_error(409, "ALREADY_EXISTS", "The resource "
                              "'projects/test-project/zones/%s/instanceGroupManagers/%s' "
                              "already exists" % (zone, b["name"]), "alreadyExists"))
        if scenario() == "group-quota":
            err = {"code": "QUOTA_EXCEEDED", "message": "Quota 'N2D_CPUS' exceeded.  Limit: "
                   "8.0 in region us-central1."}
            return self.reply(200, self.new_op("insert", "instanceGroupManagers/" + b["name"],
                                               zone=zone, error=err))
        g = dict(b, id="6160", zone=zone, _instances=[], _first=True)
        self.group_instances(g, int(b["targetSize"]))
        DB["groups"][b["name"]] = g
        self.reply(200, self.new_op("insert", "instanceGroupManagers/" + b["name"], zone=zone))

    def group_or_404(self, path):
        name = path.split("/")[7]
        g = DB["groups"].get(name)
        if not g or g.get("_deleting"):
            self.not_found("instanceGroupManager " + name)
            return None
        return g

    def m_compute_instanceGroupManagers_resize(self, q, b, path):
        g = self.group_or_404(path)
        if g:
            g["targetSize"] = int(q["size"][0])
            self.group_instances(g, g["targetSize"])
            self.reply(200, self.new_op("resize", "instanceGroupManagers/" + g["name"],
                                        zone=g["zone"]))

    def m_compute_instanceGroupManagers_delete(self, q, b, path):
        g = self.group_or_404(path)
        if g:
            g["_deleting"] = True
            op = self.new_op("delete", "instanceGroupManagers/" + g["name"], zone=g["zone"])
            DB["on_done"][op["name"]] = lambda: DB["groups"].pop(g["name"])
            self.reply(200, op)

    def public_group(self, g):
        return {k: v for k, v in g.items() if not k.startswith("_")}

    def m_compute_instanceGroupManagers_list(self, q, b, path):
        items = [self.public_group(g) for g in DB["groups"].values()]
        # one group made by someone else: cloak must leave it out of its list
        items.append({"name": "not-ours", "baseInstanceName": "not-ours", "targetSize": 5,
                      "instanceTemplate": "global/instanceTemplates/other"})
        self.reply(200, {"kind": "compute#instanceGroupManagerList", "items": items})

    def m_compute_instanceGroupManagers_listManagedInstances(self, q, b, path):
        g = self.group_or_404(path)
        if g:
            self.reply(200, {"managedInstances": g["_instances"]})

    # ---- logging ----
    def m_logging_entries_list(self, q, b, path):
        flt = b.get("filter", "")
        ids = [i["id"] for i in DB["instances"].values()]
        if not any('resource.labels.instance_id="%s"' % i in flt for i in ids) or \
                "sevLaunchAttestationReportEvent" not in flt:
            return self.reply(200, {})
        debug = scenario() == "attest-debug"
        ev = {"integrityEvaluationPassed": True,
              "sevPolicy": {"debugEnabled": debug, "esRequired": False, "sevOnly": True,
                            "sendAllowed": True, "domainOnly": False, "keySharingAllowed": False,
                            "minApiMajor": 0, "minApiMinor": 0}}
        self.reply(200, {"entries": [{
            "logName": "projects/test-project/logs/compute.googleapis.com%2Fshielded_vm_integrity",
            "timestamp": "2026-12-06T20:00:00.123456Z", "severity": "NOTICE",
            "resource": {"type": "gce_instance", "labels": {"instance_id": ids[0]}},
            "jsonPayload": {"@type": "type.googleapis.com/cloud_integrity.IntegrityEvent",
                            "bootCounter": "0", "sevLaunchAttestationReportEvent": ev}}]})


def main():
    # one request at a time: cloak sends them one after the other
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
