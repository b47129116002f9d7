#!/usr/bin/env python3
"""Per-file mutation results, as the table in docs/security.md shows them.

    python3 .ci/mutants-summary.py [--list LIST] target/mutants/core/mutants.out [more dirs...]

Reads each directory's outcomes.json (and previously_caught.txt, which
cargo-mutants writes when run with --iterate) and prints one row per file:
caught, missed, timeout (the tests hung: detected), unviable. A mutant seen
in several directories counts once, with its latest outcome: give the
directories oldest first.

With --list LIST (the output of `cargo mutants --list` with the same
filters, on the code the last run tested), only the mutants the code has
now count: a file edited between runs leaves names behind that no longer
exist.
"""

import collections
import json
import pathlib
import sys

KINDS = {"CaughtMutant": "caught", "MissedMutant": "missed", "Timeout": "timeout",
         "Unviable": "unviable"}


def main():
    args = sys.argv[1:]
    current = None
    if args[:1] == ["--list"]:
        current = set(pathlib.Path(args[1]).read_text().splitlines())
        args = args[2:]
    outcome = {}
    for d in map(pathlib.Path, args):
        prev = d / "previously_caught.txt"
        if prev.exists():
            for name in prev.read_text().splitlines():
                outcome.setdefault(name, "caught")
        data = json.loads((d / "outcomes.json").read_text())
        for o in data["outcomes"]:
            scenario = o["scenario"]
            if not isinstance(scenario, dict) or "Mutant" not in scenario:
                continue  # the baseline
            kind = KINDS.get(o["summary"])
            if kind:
                outcome[scenario["Mutant"]["name"]] = kind
    if current is not None:
        missing = current - outcome.keys()
        if missing:
            sys.exit(f"{len(missing)} listed mutants have no outcome, e.g. {sorted(missing)[0]}")
        outcome = {name: kind for name, kind in outcome.items() if name in current}
    table = collections.defaultdict(collections.Counter)
    for name, kind in outcome.items():
        table[name.split(":", 1)[0]][kind] += 1
    print("| file | caught | missed | timeout | unviable |")
    print("|---|---:|---:|---:|---:|")
    for f in sorted(table):
        c = table[f]
        print(f"| `{f}` | {c['caught']} | {c['missed']} | {c['timeout']} | {c['unviable']} |")
    total = sum(table.values(), collections.Counter())
    print(f"| total | {total['caught']} | {total['missed']} | {total['timeout']} | {total['unviable']} |")


if __name__ == "__main__":
    main()
