#!/usr/bin/env python3
"""Draws docs/perf-http.svg from the CSV that benches/http/run.sh writes.

    python3 benches/http/chart.py [benches/http/results.csv] [docs/perf-http.svg]

A horizontal bar chart of requests per second, one bar per case: the
median over the run's rounds, a whisker from the lowest to the highest
round, and a dashed line at 85 % of the baseline (a)'s median. Plain
Python 3, no packages.
"""

import csv
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
OURS, THEIRS, ROCKET, WORK = "#4a7ebb", "#e08a2c", "#6a9f58", "#9a9a9a"


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    src = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "benches/http/results.csv"
    dst = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs/perf-http.svg"
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    cases = {}
    for r in rows:
        cases.setdefault(r["id"], []).append(r)
    ids = sorted(cases)
    rounds = len(cases[ids[0]])

    def rps(i):
        return [float(r["rps"]) for r in cases[i]]

    label_w, bar_w, row_h, top = 330, 380, 28, 58
    width = label_w + bar_w + 190
    height = top + row_h * len(ids) + 44
    top_value = max(max(rps(i)) for i in ids)

    def x(v):
        return label_w + bar_w * v / top_value

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="22" font-size="15" font-weight="bold">'
        "HTTP over loopback: requests per second (higher is better)</text>",
        f'<text x="10" y="40" font-size="11" fill="#555">wrk, {rounds} rounds per case: '
        "bar = median, whisker = lowest to highest round; then p50 / p99 latency (medians)</text>",
    ]
    base = statistics.median(rps("a"))
    line_x = x(0.85 * base)
    bottom = top + row_h * len(ids)
    out.append(
        f'<line x1="{line_x:.1f}" y1="{top - 6}" x2="{line_x:.1f}" y2="{bottom}" '
        'stroke="#c0392b" stroke-dasharray="4 3"/>'
    )
    out.append(
        f'<text x="{line_x:.1f}" y="{bottom + 12}" text-anchor="middle" font-size="11" '
        'fill="#c0392b">85 % of (a)</text>'
    )
    for n, i in enumerate(ids):
        first = cases[i][0]
        values = rps(i)
        median = statistics.median(values)
        p50 = statistics.median(float(r["p50_ms"]) for r in cases[i])
        p99 = statistics.median(float(r["p99_ms"]) for r in cases[i])
        y = top + n * row_h
        if first["config"].startswith("tower-sessions"):
            colour = THEIRS
        elif first["config"].startswith("auth-demo rocket"):
            colour = ROCKET
        elif first["config"].startswith("bench app"):
            colour = WORK
        else:
            colour = OURS
        label = f"({i}) {first['route']}, {first['config']}"
        out.append(f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{escape(label)}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y}" width="{x(median) - label_w:.1f}" height="18" fill="{colour}"/>'
        )
        lo, hi = x(min(values)), x(max(values))
        out.append(f'<line x1="{lo:.1f}" y1="{y + 9}" x2="{hi:.1f}" y2="{y + 9}" stroke="#222"/>')
        for end in (lo, hi):
            out.append(f'<line x1="{end:.1f}" y1="{y + 4}" x2="{end:.1f}" y2="{y + 14}" stroke="#222"/>')
        note = f"{median:,.0f}  ({p50:.2f} / {p99:.2f} ms)"
        out.append(f'<text x="{max(hi, x(median)) + 6:.1f}" y="{y + 13}">{escape(note)}</text>')
    out.append(
        f'<text x="10" y="{height - 8}" font-size="11" fill="#555">'
        f'<tspan fill="{OURS}">&#9632;</tspan> auth-demo (auth-axum)   '
        f'<tspan fill="{ROCKET}">&#9632;</tspan> auth-demo (auth-rocket)   '
        f'<tspan fill="{THEIRS}">&#9632;</tspan> tower-sessions app (benches/http-compare)   '
        f'<tspan fill="{WORK}">&#9632;</tspan> its healthz after N ns of CPU work</text>'
    )
    out.append("</svg>")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
