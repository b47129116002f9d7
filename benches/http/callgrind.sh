#!/usr/bin/env bash
# The demo's server-side instructions per request, counted by valgrind's
# callgrind: the load-independent companion of benches/http/run.sh. Where
# run.sh measures requests per second (kernel, network stack and all, and
# moved by whatever else the machine runs), this counts only the
# instructions the server process itself executes for one request, the
# same on a busy machine as on a quiet one. See docs/performance.md, "HTTP:
# instructions per request".
#
#   benches/http/callgrind.sh [N]       (default N=500 requests per route)
#
# Starts auth-demo (memory store, HS256 access tokens) under callgrind, logs
# in once for a session and once for tokens, then for each route sends N
# warm-up requests and N measured ones, in order, on one keep-alive
# connection; callgrind's counters are zeroed before and dumped after the
# measured ones. Prints instructions per request for each route, and its
# ratio to /healthz. The counts are user-space only: the kernel's share of
# a request (most of it, on loopback) is not in them, so they say where the
# server's own work goes, not what the request rate is. valgrind runs x86
# code without SHA-NI, so SHA-256 costs several times more here than on
# hardware that has it.
#
# Settings (environment): ADDR=127.0.0.1:3197 ALG=HS256 KEEP=0 (1 keeps the
# callgrind.out files in target/http-callgrind for callgrind_annotate).
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
N=${1:-500}
ADDR=${ADDR:-127.0.0.1:3197}
ALG=${ALG:-HS256}
KEEP=${KEEP:-0}
out=target/http-callgrind
rm -rf "$out"
mkdir -p "$out"

cargo build --quiet --locked --release -p auth-demo
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p" \
    target/release/auth-demo --store memory --alg "$ALG" --addr "$ADDR" \
    >"$out/demo.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; [[ $KEEP == 1 ]] || rm -rf "$out"' EXIT

python3 - "$ADDR" "$N" "$pid" "$out" <<'PYEOF'
import http.client, json, subprocess, sys, time

addr, n, pid, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
host, port = addr.rsplit(":", 1)

for _ in range(300):  # valgrind starts slowly, Argon2id hashing included
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=120)
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        if r.status == 200:
            break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the demo did not start: see " + out + "/demo.log")

def call(method, path, headers=None, body=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    return r, data

login = json.dumps({"username": "alice", "password": "correct horse battery staple"})
r, body = call("POST", "/jwt/login", {"Content-Type": "application/json"}, login)
assert r.status == 200, (r.status, body)
token = json.loads(body)["access_token"]
r, _ = call("GET", "/")
csrf = [v.split(";")[0].split("=", 1)[1] for k, v in r.getheaders()
        if k.lower() == "set-cookie" and v.startswith("__Host-csrf=")][0]
r, body = call("POST", "/session/login", {
    "Content-Type": "application/json", "Cookie": "__Host-csrf=" + csrf,
    "X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-origin"}, login)
assert r.status == 200, (r.status, body)
session = [v.split(";")[0] for k, v in r.getheaders()
           if k.lower() == "set-cookie" and v.startswith("__Host-session=")][0]

routes = [
    ("/healthz", {}),
    ("/session/me", {"Cookie": session}),
    ("/jwt/me", {"Authorization": "Bearer " + token}),
]
per = {}
for path, headers in routes:
    for _ in range(n):
        r, _ = call("GET", path, headers)
        assert r.status == 200, (path, r.status)
    subprocess.run(["callgrind_control", "-z", pid], check=True, capture_output=True)
    for _ in range(n):
        call("GET", path, headers)
    name = path.strip("/").replace("/", "-")
    subprocess.run(["callgrind_control", "-d", name, pid], check=True, capture_output=True)
    time.sleep(0.5)
    total = None
    import glob
    for f in sorted(glob.glob(out + "/callgrind.out.*")):
        with open(f) as fh:
            text = fh.read(4096)
        if "Trigger: dump " + name + "\n" in text:
            total = int(text.split("\nsummary: ")[1].split("\n")[0])
    assert total is not None, "no dump for " + path
    per[path] = total / n

print(f"{'route':<12} {'instructions/request':>21} {'ratio to /healthz':>18}")
for path, _ in routes:
    print(f"{path:<12} {per[path]:>21,.0f} {per[path] / per['/healthz']:>18.2f}")
PYEOF
