#!/usr/bin/env bash
# Instructions per sign and per verify, counted by valgrind's callgrind:
# unlike criterion's timings, a count does not move with the load of a
# shared machine, so the ratios below can be checked anywhere.
#
#   benches/callgrind.sh [ALG...]      (default: hs256 es256 es384 rs256)
#
# For each algorithm and operation (auth-core, jsonwebtoken, jwt-simple and
# the bare primitive, see benches/examples/instructions.rs) it counts a run
# of N calls and a run of none, both after one warm-up call, and prints
# (count(N) - count(0)) / N, then the ratios. valgrind runs x86 code without
# SHA-NI, so SHA-256 is software here in every column alike, and it counts
# instructions, not cycles: a ratio here and one from criterion differ where
# the work differs in cost per instruction (bignum and field arithmetic
# against parsing).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
algs=("$@")
((${#algs[@]})) || algs=(hs256 es256 es384 rs256)
N=${N:-20}

cargo build --quiet --locked --profile bench -p auth-benches --example instructions
bin=target/release/examples/instructions

count() { # OP ALG N -> instructions of the whole run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 \
        | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

ops=(auth-core/verify floor/verify jsonwebtoken/verify jwt-simple/verify
     auth-core/sign floor/sign jsonwebtoken/sign jwt-simple/sign)
printf '%-6s %-20s %14s\n' alg operation instructions/call
for alg in "${algs[@]}"; do
    declare -A per=()
    for op in "${ops[@]}"; do
        base=$(count "$op" "$alg" 0)
        full=$(count "$op" "$alg" "$N")
        per[$op]=$(( (full - base) / N ))
        printf '%-6s %-20s %14d\n' "$alg" "$op" "${per[$op]}"
    done
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
    echo "$alg ratios: verify auth-core/floor $(ratio "${per[auth-core/verify]}" "${per[floor/verify]}")," \
        "jsonwebtoken/auth-core $(ratio "${per[jsonwebtoken/verify]}" "${per[auth-core/verify]}")," \
        "jwt-simple/auth-core $(ratio "${per[jwt-simple/verify]}" "${per[auth-core/verify]}");" \
        "sign auth-core/floor $(ratio "${per[auth-core/sign]}" "${per[floor/sign]}")," \
        "jsonwebtoken/auth-core $(ratio "${per[jsonwebtoken/sign]}" "${per[auth-core/sign]}")," \
        "jwt-simple/auth-core $(ratio "${per[jwt-simple/sign]}" "${per[auth-core/sign]}")"
    unset per
done
