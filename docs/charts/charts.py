#!/usr/bin/env python3
"""Draws the charts of docs/sessions-vs-jwt.md and docs/performance.md.

    python3 docs/charts/charts.py [--criterion target/criterion] [--sizes FILE]
    python3 docs/charts/charts.py --peers [--criterion target/criterion]

Reads the medians criterion wrote (target/criterion/<group>/<function>/new/
estimates.json) for the benches listed in LATENCY, and the credential sizes
that `cargo run -q -p auth-benches --example credential_sizes` prints (run
here unless --sizes names a file holding that output). Writes two SVG files
beside this script: latency.svg and sizes.svg. With --peers it draws only
peers.svg (docs/performance.md): sign and verify per algorithm for auth-core,
jsonwebtoken and jwt-simple, from the `jwt` bench alone. Plain Python 3, no
packages: rerun it after every benchmark run.
"""

import argparse
import json
import math
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# (label, criterion group, function): what one request costs to check.
LATENCY = [
    ("JWT verify, HS256", "hs256", "auth-core/verify"),
    ("JWT verify, ES256", "es256", "auth-core/verify"),
    ("JWT verify, RS256", "rs256", "auth-core/verify"),
    ("access token verify, HS256 (no store)", "tokens", "verify"),
    ("access token authenticate, HS256, memory", "tokens", "authenticate/memory"),
    ("access token authenticate, HS256, Redis", "tokens", "authenticate/redis"),
    ("session lookup, memory", "session", "memory/lookup"),
    ("session lookup, Redis", "session", "redis/lookup"),
]

# The `jwt` bench's groups and the libraries compared in each.
PEER_GROUPS = [("HS256", "hs256"), ("ES256", "es256"), ("ES384", "es384"), ("RS256", "rs256")]
PEERS = [("auth-core", "#4a7ebb"), ("jsonwebtoken", "#d9822b"), ("jwt-simple", "#6a9f58")]


def median_ns(criterion, group, function):
    path = criterion / group / function.replace("/", "_") / "new" / "estimates.json"
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except FileNotFoundError:
        return None


def human_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bar_chart(title, rows, value_text, log=False, unit_note="", color_of=None):
    """rows: [(label, value)], drawn as horizontal bars, one per row;
    color_of(label) picks a bar's colour (default: blue, orange for sessions)."""
    label_w, bar_w, row_h, top = 330, 380, 26, 48
    width = label_w + bar_w + 110
    height = top + row_h * len(rows) + 34
    values = [v for _, v in rows]
    if log:
        lo = math.floor(math.log10(min(values)))
        hi = math.ceil(math.log10(max(values)))
        hi = max(hi, lo + 1)

        def scale(v):
            return bar_w * (math.log10(v) - lo) / (hi - lo)
    else:
        top_value = max(values)

        def scale(v):
            return bar_w * v / top_value

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if unit_note:
        out.append(f'<text x="10" y="40" font-size="11" fill="#555">{escape(unit_note)}</text>')
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = max(scale(value), 1.0)
        if color_of:
            color = color_of(label)
        else:
            color = "#4a7ebb" if "session" not in label else "#d9822b"
        out.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}"/>')
        out.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{escape(value_text(value))}</text>')
    axis_y = top + row_h * len(rows) + 4
    out.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + bar_w}" y2="{axis_y}" stroke="#999"/>')
    if log:
        for p in range(lo, hi + 1):
            x = label_w + bar_w * (p - lo) / (hi - lo)
            out.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#999"/>')
            out.append(
                f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle" font-size="11" '
                f'fill="#555">{escape(human_ns(10 ** p))}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--criterion", type=pathlib.Path, default=ROOT / "target" / "criterion")
    parser.add_argument("--sizes", type=pathlib.Path)
    parser.add_argument("--peers", action="store_true", help="draw only peers.svg")
    args = parser.parse_args()
    if args.peers:
        peers_chart(args.criterion)
        return

    rows, missing = [], []
    for label, group, function in LATENCY:
        ns = median_ns(args.criterion, group, function)
        if ns is None:
            missing.append(f"{group}/{function}")
        else:
            rows.append((label, ns))
    if missing:
        sys.exit("no criterion results for: " + ", ".join(missing)
                 + "\nrun: cargo bench -p auth-benches --bench jwt --bench session --bench tokens")
    (HERE / "latency.svg").write_text(bar_chart(
        "Checking one request: median time per call",
        rows, human_ns, log=True,
        unit_note="criterion medians, log scale; Redis over loopback (blue: tokens, orange: sessions)",
    ))

    if args.sizes:
        text = args.sizes.read_text()
    else:
        text = subprocess.run(
            ["cargo", "run", "-q", "-p", "auth-benches", "--example", "credential_sizes"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    sizes = [(r["credential"], r["bytes"]) for r in json.loads(text)]
    (HERE / "sizes.svg").write_text(bar_chart(
        "What the client sends: bytes per request",
        sizes, lambda b: f"{b} B",
        unit_note="session cookie (name and 43-character ID) vs access tokens as TokenService issues them",
    ))
    for label, ns in rows:
        print(f"{label}: {human_ns(ns)}")
    for label, b in sizes:
        print(f"{label}: {b} B")


def peers_chart(criterion):
    rows, missing = [], []
    for name, group in PEER_GROUPS:
        for op in ("verify", "sign"):
            for lib, _ in PEERS:
                ns = median_ns(criterion, group, f"{lib}/{op}")
                if ns is None:
                    missing.append(f"{group}/{lib}/{op}")
                else:
                    rows.append((f"{name} {op}: {lib}", ns))
    if missing:
        sys.exit("no criterion results for: " + ", ".join(missing)
                 + "\nrun: cargo bench -p auth-benches --bench jwt")
    colors = dict(PEERS)
    (HERE / "peers.svg").write_text(bar_chart(
        "Signing and verifying one JWT: median time per call",
        rows, human_ns, log=True,
        unit_note="criterion medians of one run, log scale (blue: auth-core, orange: jsonwebtoken, green: jwt-simple)",
        color_of=lambda label: colors[label.rsplit(": ", 1)[1]],
    ))
    for label, ns in rows:
        print(f"{label}: {human_ns(ns)}")


if __name__ == "__main__":
    main()
