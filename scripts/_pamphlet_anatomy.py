"""Where a pamphlet's render time goes (run by `scripts/bench_pamphlets --anatomy`).

Builds the project in this process once, keeping the exact HTML of every
pamphlet the plugin hands to its render processes. Then, in this one warmed
process, renders all of them again, as built and with parts taken out, and
prints the CPU time per PDF page of each variant as JSON:

- as built;
- without PDF tags;
- without the guides' pictures (their <img> removed);
- without the QR code (an empty box of the same size in its place);
- "floor": all three taken out.

A variant's best of `--passes` passes is kept (process time, so other work
on the machine matters less). Run from the project folder:
    python scripts/_pamphlet_anatomy.py [--passes N]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
import time

IMG_RE = re.compile(r"<img\b[^>]*>")
QR_RE = re.compile(r'<svg\b[^>]*class="qr".*?</svg>', re.S)
QR_BOX = '<span style="display:block;width:34mm;height:34mm;margin:0 auto 0.5mm"></span>'


def no_pictures(html: str) -> str:
    return IMG_RE.sub("", html)


def no_qr(html: str) -> str:
    return QR_RE.sub(QR_BOX, html)


VARIANTS = {  # name → (HTML change, tagged PDF)
    "as built": (lambda html: html, True),
    "no tags": (lambda html: html, False),
    "no pictures": (no_pictures, True),
    "no QR code": (no_qr, True),
    "floor (none of the three)": (lambda html: no_qr(no_pictures(html)), False),
}


def capture() -> list[tuple]:
    """Build the site here, keeping the arguments of every pamphlet render."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from doorstep.pamphlet.pool import Pool
    from doorstep.pamphlet.render import render

    calls: list[tuple] = []
    run = Pool.run

    def keeping(self, function, arguments):
        if function is render:
            calls.extend(arguments)
        return run(self, function, arguments)

    Pool.run = keeping
    try:
        build(load_config("mkdocs.yml"))
    finally:
        Pool.run = run
    return calls


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()
    import logging

    logging.disable(logging.INFO)
    calls = capture()
    if not calls:
        raise SystemExit("anatomy: the build rendered no pamphlet (was .cache/ already filled?)")
    render = importlib.import_module("doorstep.pamphlet.render")
    render.init_worker(os.path.abspath(".cache"))
    results = {}
    for name, (change, tags) in VARIANTS.items():
        documents = [(change(html), base, files, roots) for html, base, files, roots, *_options in calls]
        pages = sum(render.render(*document, tags=tags).pages for document in documents)  # warms this variant
        best = float("inf")
        for _ in range(args.passes):
            started = time.process_time()
            for document in documents:
                render.render(*document, tags=tags)
            best = min(best, time.process_time() - started)
        results[name] = {"cpu_s": best, "pages": pages, "pdfs": len(documents), "cpu_per_page": best / pages}
        print(f"  anatomy: {name}: {1000 * best / pages:.0f} ms CPU per page", file=sys.stderr, flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
