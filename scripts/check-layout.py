#!/usr/bin/env python3
"""The shape of src/ that docs/design.md describes, checked (make test runs it).

- every file in src/ has a layer, and includes (quoted) only headers of its
  own layer or a lower one: leaves never reach up into policy or config;
- no file in src/ is over MAX_FILE lines, and src/ as a whole stays within
  MAX_TOTAL (lower it when a change removes lines; a feature that raises it
  says by how much in its commit message).
"""
import re
import sys
from pathlib import Path

MAX_FILE = 750
MAX_TOTAL = 16216

# Bottom to top; a name matches a file's stem, or a prefix ending in '_'.
LAYERS = [
    ("leaves", "text hexdigit log net loop pool buf http json der match sockhint"),
    ("request model", "route routeshow query imageref inspect inspect_ redact"),
    ("policy", "policy powers hostpath filter filter_ judge debuglog"),
    ("settings", "settings envcheck presets config config_"),
    ("I/O machines", "daemon lookup tls tls_ x509 stream relay conn conn_"),
    ("server", "server main"),
]


def layer_of(stem):
    best = None
    for i, (_, names) in enumerate(LAYERS):
        for n in names.split():
            if stem == n or (n.endswith("_") and stem.startswith(n)):
                if best is None or len(n) > best[1]:
                    best = (i, len(n))
    return None if best is None else best[0]


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    problems, total = [], 0
    for f in sorted(src.glob("*.[ch]")):
        lines = f.read_text().count("\n")
        total += lines
        if lines > MAX_FILE:
            problems.append("%s: %d lines (at most %d)" % (f, lines, MAX_FILE))
        mine = layer_of(f.stem)
        if mine is None:
            problems.append("%s: no layer: add it to LAYERS in %s" % (f, sys.argv[0]))
            continue
        for m in re.finditer(r'^#include "([^"]+)\.h"', f.read_text(), re.M):
            theirs = layer_of(m.group(1))
            if theirs is None or theirs > mine:
                problems.append("%s (%s) includes %s.h (%s)" % (
                    f, LAYERS[mine][0], m.group(1),
                    "no layer" if theirs is None else LAYERS[theirs][0]))
    if total > MAX_TOTAL:
        problems.append("src/: %d lines (at most %d)" % (total, MAX_TOTAL))
    for p in problems:
        print("layout: " + p, file=sys.stderr)
    print("layout: %d files, %d lines, %s" % (
        len(list(src.glob("*.[ch]"))), total, "ok" if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
