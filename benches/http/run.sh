#!/usr/bin/env bash
# HTTP load test of the demo (auth-demo) and of the tower-sessions app
# (benches/http-compare), every case in one invocation so that all numbers
# share the machine's conditions. See docs/performance.md, "HTTP: the demo
# under load".
#
#   benches/http/run.sh
#
# Cases (GET, loopback, wrk with the same threads, connections and
# duration for every one):
#   a  /healthz     auth-demo, memory store (no store work): the baseline
#   b  /session/me  auth-demo, memory store
#   c  /session/me  auth-demo, Redis
#   d  /jwt/me      auth-demo, memory store, HS256 access token
#   e  /jwt/me      auth-demo, memory store, ES256 access token
#   f  /healthz     tower-sessions app, memory store
#   g  /session/me  tower-sessions app, memory store
#   h  /session/me  tower-sessions app, Redis
#   i  /healthz     auth-demo on Rocket (--framework rocket), memory store
#   j  /session/me  auth-demo on Rocket, memory store
#   k  /session/me  auth-demo on Rocket, Redis
#   l  /jwt/me      auth-demo on Rocket, memory store, HS256 access token
#   m  /jwt/me      auth-demo on Rocket, memory store, ES256 access token
#   n  /session/me  auth-demo, PostgreSQL (AUTH_BENCH_POSTGRES_URL, else the
#                   machine's server on 127.0.0.1:5432, fsync on), in a
#                   schema of the run's own, dropped at the end
#   o  /work/500    tower-sessions app: /healthz after 500 ns of CPU work
#   p  /work/1000   ... after 1000 ns
#   q  /work/2000   ... after 2000 ns: with (f), what a route's own work
#                   costs in req/s on this stack, whatever the work is
#
# All nine servers run at once (each on its own port; each Redis-backed
# one on its own redis-server, started here on a free port without
# persistence). The cases run in ROUNDS rounds, each round in a rotated
# order, so that the machine's drift spreads over every case alike; each
# measurement is preceded by a warm-up on the same connection settings.
# Ratios are taken within a round, then the median over the rounds is
# reported with its range.
#
# Needs wrk, redis-server, redis-cli, psql, curl, python3. Writes
# benches/http/results.csv (one row per case and round) and
# docs/perf-http.svg (benches/http/chart.py), prints Markdown tables.
#
# Settings (environment):
#   ROUNDS=5 DURATION=5s WARMUP=1s CONNS=32
#   PIN=0                             no CPU pinning (the default): wrk runs
#                                     nproc threads, the servers tokio's
#                                     default (nproc workers).
#   PIN=1 SERVER_CPUS=1 CLIENT_CPUS=0 taskset: the servers on one core, wrk
#                                     (one thread per client CPU) and the
#                                     redis-servers on the other. On a
#                                     machine shared with other work this
#                                     starved the server (it got 20-45 % of
#                                     its core while others' jobs ran there)
#                                     and the baseline moved by up to 4x
#                                     within one run, so it is not the
#                                     default.
#   RESULTS=benches/http/results.csv  CHART=docs/perf-http.svg
#   SKIP_BUILD=1                      use the binaries already built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
CONNS=${CONNS:-32}
PIN=${PIN:-0}
SERVER_CPUS=${SERVER_CPUS:-1}
CLIENT_CPUS=${CLIENT_CPUS:-0}
RESULTS=${RESULTS:-benches/http/results.csv}
CHART=${CHART:-docs/perf-http.svg}
LOGIN_JSON='{"username":"alice","password":"correct horse battery staple"}'

for tool in wrk redis-server redis-cli psql curl python3 $([[ $PIN == 1 ]] && echo taskset); do
    command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }
done

if [[ $PIN == 1 ]]; then
    on_server=(taskset -c "$SERVER_CPUS")
    on_client=(taskset -c "$CLIENT_CPUS")
    THREADS=$(taskset -c "$CLIENT_CPUS" nproc)
else
    on_server=()
    on_client=()
    THREADS=$(nproc)
fi

started=$(date +%s)
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    cargo build --release -p auth-demo -p http-compare --locked
fi
DEMO=$ROOT/target/release/auth-demo
THEIRS=$ROOT/target/release/tower-sessions-app

WORK=$(mktemp -d)
PIDS=()
PG_URL=${AUTH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_SCHEMA=bench_http_$$
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# redis NAME: a redis-server of our own on a free port (no persistence),
# flushed; sets REDIS_PORT and REDIS_PID.
redis() {
    local name=$1
    REDIS_PORT=$(free_port)
    mkdir "$WORK/$name"
    "${on_client[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
        --appendonly no --dir "$WORK/$name" --loglevel warning >"$WORK/$name.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    for _ in $(seq 100); do
        [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && break
        sleep 0.05
    done
    [[ $(redis-cli -p "$REDIS_PORT" flushall 2>/dev/null) == OK ]] ||
        { echo "error: redis-server $name did not start" >&2; exit 1; }
}

# start NAME CMD...: starts a server (port 0), waits for its
# "listening on http://ADDR/" banner; sets SERVER_PID and ADDR.
start() {
    local name=$1
    shift
    "${on_server[@]}" "$@" --addr 127.0.0.1:0 >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    ADDR=
    for _ in $(seq 600); do
        ADDR=$(sed -n 's#.*listening on http://\([^/]*\)/.*#\1#p' "$WORK/$name.out")
        [[ -n $ADDR ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z $ADDR ]]; then
        echo "error: $name did not start:" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    fi
}

# The session cookie's value in a login's response headers.
cookie_of() {
    sed -n 's/^set-cookie: __Host-session=\([^;]*\);.*/\1/ip' | head -n 1
}

# Logins at $ADDR. Ours: the page's pre-session CSRF cookie, echoed in
# X-CSRF-Token, as a browser's login form does.
demo_session() {
    local csrf
    csrf=$(curl -fsSi "http://$ADDR/" | sed -n 's/^set-cookie: __Host-csrf=\([^;]*\);.*/\1/ip')
    curl -fsSi -X POST "http://$ADDR/session/login" \
        -H "Cookie: __Host-csrf=$csrf" -H "X-CSRF-Token: $csrf" \
        -H 'Sec-Fetch-Site: same-origin' -H 'Content-Type: application/json' \
        -d "$LOGIN_JSON" | cookie_of
}
demo_token() {
    curl -fsS -X POST "http://$ADDR/jwt/login" -H 'Content-Type: application/json' \
        -d "$LOGIN_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
theirs_session() {
    curl -fsSi -X POST "http://$ADDR/session/login" -H 'Content-Type: application/json' \
        -d "$LOGIN_JSON" | cookie_of
}

# The cases: route, configuration, URL, request header, server and
# redis-server (pid, port) behind it.
declare -A ROUTE CONFIG URL HEADER SPID RPID RPORT
CASES=(a b c d e f g h i j k l m n o p q)
case_() {
    local id=$1
    ROUTE[$id]=$2
    CONFIG[$id]=$3
    URL[$id]="http://$ADDR$4"
    HEADER[$id]=$5
    SPID[$id]=$SERVER_PID
    RPID[$id]=${6:-}
    RPORT[$id]=${7:-}
    # The route must answer 200 with the user before it is loaded (a 401
    # is cheap and would flatter any route).
    if [[ $4 != /healthz && $4 != /work/* ]]; then
        local body
        body=$(curl -fsS -H "$5" "${URL[$id]}")
        [[ $body == *'"id":"alice"'* ]] || { echo "error: $id: $4 answered $body" >&2; exit 1; }
    fi
}

redis redis-ours
OURS_REDIS_PID=$REDIS_PID
OURS_REDIS_PORT=$REDIS_PORT
redis redis-theirs
THEIRS_REDIS_PID=$REDIS_PID
THEIRS_REDIS_PORT=$REDIS_PORT
redis redis-rocket
ROCKET_REDIS_PID=$REDIS_PID
ROCKET_REDIS_PORT=$REDIS_PORT

start demo-es256 "$DEMO" --store memory --alg ES256
case_ a "GET /healthz" "auth-demo, memory" /healthz ""
case_ b "GET /session/me" "auth-demo, memory" /session/me "Cookie: __Host-session=$(demo_session)"
case_ e "GET /jwt/me" "auth-demo, memory, ES256" /jwt/me "Authorization: Bearer $(demo_token)"
start demo-redis "$DEMO" --store "redis://127.0.0.1:$OURS_REDIS_PORT/" --alg ES256
case_ c "GET /session/me" "auth-demo, redis" /session/me "Cookie: __Host-session=$(demo_session)" \
    "$OURS_REDIS_PID" "$OURS_REDIS_PORT"
start demo-hs256 "$DEMO" --store memory --alg HS256
case_ d "GET /jwt/me" "auth-demo, memory, HS256" /jwt/me "Authorization: Bearer $(demo_token)"
start theirs-memory "$THEIRS" --store memory
case_ f "GET /healthz" "tower-sessions, memory" /healthz ""
case_ g "GET /session/me" "tower-sessions, memory" /session/me "Cookie: __Host-session=$(theirs_session)"
case_ o "GET /work/500" "bench app, 500 ns of work" /work/500 ""
case_ p "GET /work/1000" "bench app, 1000 ns of work" /work/1000 ""
case_ q "GET /work/2000" "bench app, 2000 ns of work" /work/2000 ""
start theirs-redis "$THEIRS" --store "redis://127.0.0.1:$THEIRS_REDIS_PORT/"
case_ h "GET /session/me" "tower-sessions, redis" /session/me "Cookie: __Host-session=$(theirs_session)" \
    "$THEIRS_REDIS_PID" "$THEIRS_REDIS_PORT"
# The same demo on Rocket: the same routes, options and answers.
start rocket-es256 "$DEMO" --framework rocket --store memory --alg ES256
case_ i "GET /healthz" "auth-demo rocket, memory" /healthz ""
case_ j "GET /session/me" "auth-demo rocket, memory" /session/me "Cookie: __Host-session=$(demo_session)"
case_ m "GET /jwt/me" "auth-demo rocket, memory, ES256" /jwt/me "Authorization: Bearer $(demo_token)"
start rocket-redis "$DEMO" --framework rocket --store "redis://127.0.0.1:$ROCKET_REDIS_PORT/" --alg ES256
case_ k "GET /session/me" "auth-demo rocket, redis" /session/me "Cookie: __Host-session=$(demo_session)" \
    "$ROCKET_REDIS_PID" "$ROCKET_REDIS_PORT"
start rocket-hs256 "$DEMO" --framework rocket --store memory --alg HS256
case_ l "GET /jwt/me" "auth-demo rocket, memory, HS256" /jwt/me "Authorization: Bearer $(demo_token)"
# PostgreSQL: the demo migrates its schema at start-up.
start demo-postgres "$DEMO" --store "$PG_URL" --pg-schema "$PG_SCHEMA" --alg ES256
case_ n "GET /session/me" "auth-demo, postgres" /session/me "Cookie: __Host-session=$(demo_session)"

# CPU time (user + system, all threads) of a process so far, in
# hundredths of a second: a difference over N seconds, divided by N, is a
# percentage of one CPU.
HZ=$(getconf CLK_TCK)
ticks() {
    if [[ -z $1 ]]; then echo 0; return; fi
    awk -v hz="$HZ" '{ print ($14 + $15) * 100 / hz }' "/proc/$1/stat"
}

# Busy and total jiffies of the whole machine so far (/proc/stat).
machine() {
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# Commands a redis-server has run so far (INFO itself left out).
redis_calls() {
    if [[ -z $1 ]]; then echo 0; return; fi
    redis-cli -p "$1" info commandstats |
        awk -F'[=,:]' '/^cmdstat_/ && !/^cmdstat_info/ { n += $3 } END { print n + 0 }'
}

# wrk's "396.00us" / "1.23ms" / "2.00s" in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n *= 1; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.3f", n
    }'
}

ROWS=()
# measure ROUND ID: warm-up, then the measured run; appends a CSV row.
measure() {
    local round=$1 id=$2
    local -a hdr=()
    [[ -n ${HEADER[$id]} ]] && hdr=(-H "${HEADER[$id]}")
    "${on_client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "${URL[$id]}" >/dev/null
    local t0 t1 r0 r1 m0 m1 c0 c1 out
    c0=$(redis_calls "${RPORT[$id]}")
    t0=$(ticks "${SPID[$id]}")
    r0=$(ticks "${RPID[$id]}")
    m0=$(machine)
    out=$("${on_client[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "${URL[$id]}")
    t1=$(ticks "${SPID[$id]}")
    r1=$(ticks "${RPID[$id]}")
    m1=$(machine)
    c1=$(redis_calls "${RPORT[$id]}")
    echo "$out" >"$WORK/wrk-$round-$id.txt"
    if grep -q 'Non-2xx' <<<"$out"; then
        echo "error: $id got non-2xx answers:" >&2
        echo "$out" >&2
        exit 1
    fi
    if grep -q 'Socket errors' <<<"$out"; then
        echo "warning: $id: $(grep 'Socket errors' <<<"$out")" >&2
    fi
    local rps p50 p99 n secs cpu rcpu us busy cmds
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    n=$(awk '/ requests in / { print $1 }' <<<"$out")
    secs=$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; print n }')
    cpu=$(awk -v a="$t0" -v b="$t1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
    rcpu=$(awk -v a="$r0" -v b="$r1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
    us=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) * 10000 / n }')
    busy=$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
    cmds=$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')
    ROWS+=("$round,$id,${ROUTE[$id]},\"${CONFIG[$id]}\",$rps,$p50,$p99,$n,$cpu,$rcpu,$us,$busy,$cmds")
    printf '%s %-2s %-16s %-24s %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  server %3s%% CPU, %5s us/req  redis %2s%%, %s cmd/req  machine %3s%% busy\n' \
        "$round" "$id" "${ROUTE[$id]}" "${CONFIG[$id]}" "$rps" "$p50" "$p99" "$cpu" "$us" "$rcpu" "$cmds" "$busy" >&2
}

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# $ROUNDS rounds of wrk -t$THREADS -c$CONNS -d$DURATION --latency, each after a $WARMUP warm-up$([[ $PIN == 1 ]] && echo "; servers on CPU $SERVER_CPUS, wrk and redis-servers on CPU $CLIENT_CPUS")" >&2

for round in $(seq "$ROUNDS"); do
    shift_by=$(((round - 1) % ${#CASES[@]}))
    for id in "${CASES[@]:shift_by}" "${CASES[@]:0:shift_by}"; do
        measure "$round" "$id"
    done
done
echo "# finished $(date -u '+%H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

mkdir -p "$(dirname "$RESULTS")"
{
    echo "round,id,route,config,rps,p50_ms,p99_ms,requests,server_cpu_pct,redis_cpu_pct,server_cpu_us_per_req,machine_busy_pct,redis_cmds_per_req"
    printf '%s\n' "${ROWS[@]}"
} >"$RESULTS"

python3 - "$RESULTS" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rounds = sorted({int(r["round"]) for r in rows})
cell = {(int(r["round"]), r["id"]): r for r in rows}
ids = list(dict.fromkeys(r["id"] for r in sorted(rows, key=lambda r: r["id"])))
med = statistics.median

def col(i, key):
    return [float(cell[(n, i)][key]) for n in rounds]

def ratios(x, y, key="rps"):
    return [float(cell[(n, x)][key]) / float(cell[(n, y)][key]) for n in rounds]

def rng(values, fmt):
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}"

print(f"Medians over {len(rounds)} rounds (range in brackets).")
print()
print("| | route | store / alg | req/s | p50 | p99 | ratio to (a) | server CPU per request |")
print("|---|---|---|---:|---:|---:|---:|---:|")
for i in ids:
    first = cell[(rounds[0], i)]
    rps = col(i, "rps")
    r = ratios(i, "a")
    us = col(i, "server_cpu_us_per_req")
    print(f"| {i} | `{first['route']}` | {first['config']} | {med(rps):,.0f} ({rng(rps, '{:,.0f}')}) "
          f"| {med(col(i, 'p50_ms')):.2f} ms | {med(col(i, 'p99_ms')):.2f} ms "
          f"| {med(r):.2f} ({rng(r, '{:.2f}')}) | {med(us):.1f} µs |")
print()
print("| ratio (req/s, same round) | median | range | from server CPU per request |")
print("|---|---:|---:|---:|")
for label, x, y in [
    ("(b) session/me, memory / (a) healthz — target ≥ 0.85", "b", "a"),
    ("(d) jwt/me, HS256 / (a) healthz — target ≥ 0.85", "d", "a"),
    ("(c) session/me, Redis / (a) healthz", "c", "a"),
    ("(e) jwt/me, ES256 / (a) healthz", "e", "a"),
    ("ours / tower-sessions, session/me, memory (b / g)", "b", "g"),
    ("ours / tower-sessions, session/me, Redis (c / h)", "c", "h"),
    ("ours / tower-sessions, healthz (a / f)", "a", "f"),
    ("Rocket / Axum, healthz (i / a)", "i", "a"),
    ("Rocket / Axum, session/me, memory (j / b)", "j", "b"),
    ("Rocket / Axum, session/me, Redis (k / c)", "k", "c"),
    ("Rocket / Axum, jwt/me, HS256 (l / d)", "l", "d"),
    ("Rocket / Axum, jwt/me, ES256 (m / e)", "m", "e"),
    ("(j) Rocket session/me, memory / (i) Rocket healthz", "j", "i"),
    ("(n) session/me, PostgreSQL / (a) healthz", "n", "a"),
    ("PostgreSQL / Redis, session/me (n / c)", "n", "c"),
    ("(o) 500 ns of work / (f) healthz, same app", "o", "f"),
    ("(p) 1000 ns of work / (f) healthz, same app", "p", "f"),
    ("(q) 2000 ns of work / (f) healthz, same app", "q", "f"),
]:
    r = ratios(x, y)
    cpu = med(ratios(y, x, "server_cpu_us_per_req"))
    print(f"| {label} | **{med(r):.3f}** | {rng(r, '{:.2f}')} | {cpu:.3f} |")
print()
cmds = {i: med(col(i, "redis_cmds_per_req")) for i in ("c", "h", "k")}
print(f"Redis commands per request: ours {cmds['c']:.2f} (Rocket {cmds['k']:.2f}), tower-sessions {cmds['h']:.2f}. "
      f"Machine busy (all CPUs, all processes): {min(col('a', 'machine_busy_pct') + col('b', 'machine_busy_pct')):.0f}–"
      f"{max(col('a', 'machine_busy_pct') + col('b', 'machine_busy_pct')):.0f} % during (a) and (b).")
EOF

python3 "$ROOT/benches/http/chart.py" "$RESULTS" "$CHART"
echo "# wrote $RESULTS and $CHART; wall time $(($(date +%s) - started)) s (build included)" >&2
