# The Google Cloud test harness, sourced by tests/guest/gcp*.test after
# tests/guest/lib.sh: starts the loopback server tests/gcp/server.py (state in
# $S, URL in $E) with a fresh test key, writes a service-account key file
# like Google's ($T/sa.json) and the article's config ($T/config.json),
# points cloak at the server, and defines the checks:
#   gc NAME ARGS...          cloak ARGS; $T/NAME.out, .err, .rc
#   expect NAME RC DESC ERE...   exit status and each ERE in stdout+stderr
#   scenario WHICH           the errors the server plays (server.py)
#   violations DESC          no request Google would reject since the last call
#   req ID PYEXPR / check_req DESC ID PYEXPR   the last request ID's body as b
S=$T/server
mkdir -p "$S"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/key.pem" 2> /dev/null
openssl pkey -in "$T/key.pem" -pubout -out "$T/pub.pem"
python3 tests/gcp/server.py "$S" "$T/pub.pem" > "$T/port" 2> "$T/server.err" &
SERVER=$!
trap 'kill $SERVER 2> /dev/null; rm -rf "$T"' EXIT
for _ in $(seq 150); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
[ -n "$PORT" ] || { not_ok "the test server started" "$(cat "$T/server.err")"; finish; }
E=http://127.0.0.1:$PORT

# a service-account key file like Google's, with the test key
python3 - "$T/key.pem" "$E/token" > "$T/sa.json" << 'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "test-project",
    "private_key_id": "0123abcd", "private_key": open(sys.argv[1]).read(),
    "client_email": "cloak-test@test-project.iam.gserviceaccount.com", "client_id": "1",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": sys.argv[2]}))
PY
# the article's config
cat > "$T/config.json" << 'JSON'
{
  "Uefi": true,
  "Args": ["12345"],
  "CloudConfig": {
    "BucketName": "nanos-test",
    "ConfidentialVM": true,
    "Flavor": "n2d-standard-2"
  }
}
JSON
export GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json CLOAK_GCP_ENDPOINT=$E CLOAK_GCP_POLL_MS=50 \
    CLOAK_GCP_RETRY_MS=50 CLOAK_GCP_UPLOAD_CHUNK=262144 GOOGLE_CLOUD_ZONE=us-central1-a
unset GOOGLE_CLOUD_PROJECT GCE_METADATA_HOST

TIMEOUT=$(command -v timeout)
gc() { # NAME ARGS...: cloak ARGS; $T/NAME.out, $T/NAME.err, $T/NAME.rc
    local name=$1
    shift
    "$TIMEOUT" 300 "$CLOAK" "$@" > "$T/$name.out" 2> "$T/$name.err"
    echo $? > "$T/$name.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
scenario() { echo "$1" > "$S/scenario"; }
violations() { # DESC: no request Google would reject since the last call
    if [ -s "$S/violations.txt" ]; then
        not_ok "$1: every request valid for Google's API" "$(cat "$S/violations.txt")"
        mv "$S/violations.txt" "$S/violations.seen"
    else
        ok "$1: every request valid for Google's API"
    fi
}
expect() { # NAME RC DESC REGEX...: status and each ERE in stdout+stderr
    local name=$1 want=$2 desc=$3 re
    shift 3
    local bad=()
    rc_is "$name" "$want" || bad+=("exit status $(cat "$T/$name.rc"), want $want")
    for re in "$@"; do
        cat "$T/$name.out" "$T/$name.err" | grep -Eq -- "$re" || bad+=("no match for: $re")
    done
    if [ ${#bad[@]} -eq 0 ]; then
        ok "$desc"
    else
        not_ok "$desc" "${bad[@]}" "stdout: $(head -c 1500 "$T/$name.out")" \
            "stderr: $(head -c 1500 "$T/$name.err")"
    fi
}
# req ID PYEXPR: the body of the last request ID (JSON lines in requests.jsonl) as b
req() {
    python3 - "$S/requests.jsonl" "$1" "$2" << 'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("id") == sys.argv[2]]
b = rs[-1].get("body") if rs else None
ok = bool(rs) and eval(sys.argv[3], {"b": b, "rs": rs})
if not ok:
    print("# last %s: %s" % (sys.argv[2], json.dumps(rs[-1] if rs else None)))
sys.exit(0 if ok else 1)
PY
}
check_req() { # DESC ID PYEXPR
    local out
    if out=$(req "$2" "$3"); then ok "$1"; else not_ok "$1" "$3" "$out"; fi
}
