#!/usr/bin/env python3
"""Every link in the README and docs/ leads to a file of this repository
(and to a heading of it, for #anchors): nothing points outside (make test runs it)."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(md):
    out = set()
    for line in md.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            slug = re.sub(r"[^\w\- ]", "", title).replace(" ", "-")
            out.add(slug)
    return out


def main():
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "README.md"]
    files += sorted((ROOT / "docs").glob("*.md"))
    bad = []
    for f in files:
        if not f.exists():
            continue
        for m in LINK.finditer(f.read_text()):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target):
                if not target.startswith("mailto:"):
                    bad.append("%s: %s: a link outside the repository" % (f.relative_to(ROOT), target))
                continue
            path, _, anchor = target.partition("#")
            dest = (f.parent / path).resolve() if path else f
            if ROOT not in dest.parents and dest != ROOT:
                bad.append("%s: %s: outside the repository" % (f.relative_to(ROOT), target))
            elif not dest.exists():
                bad.append("%s: %s: no such file" % (f.relative_to(ROOT), target))
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                bad.append("%s: %s: no such heading" % (f.relative_to(ROOT), target))
    for b in bad:
        print("links: " + b, file=sys.stderr)
    print("links: %d files, %s" % (len(files), "ok" if not bad else "%d bad" % len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
