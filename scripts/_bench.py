"""Shared helpers of scripts/bench_site and scripts/bench_pamphlets.

Every variant is built in its own temporary copy of the project (like
tests/conftest.make_project), with the real `mkdocs build --strict` run as a
subprocess, so the repository's own site/ and .cache/ are never touched.
Timings are wall-clock (time.perf_counter) plus the CPU time of the build's
whole process tree (RUSAGE_CHILDREN), and are only ever compared as ratios
within one run.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Where projects are copied from: the repo, or (after snapshot()) a frozen copy of
# it, so files that others edit while the bench runs can't change the content
# (or the code: builds import doorstep from the snapshot's src/) between rounds.
SOURCE = REPO
CODE: Path | None = None
PROJECT_PARTS = ("mkdocs.yml", "overrides", "pamphlets", "guides")
BIN = Path(sys.executable).parent
MKDOCS = BIN / "mkdocs"
SITE_URL = "https://doorstep.example.org/"
PAMPHLET_LOG_RE = re.compile(r"Pamphlets \((?P<lang>[^)]+)\): (?P<rendered>\d+) rendered, "
                             r"(?P<cached>\d+) from cache in (?P<secs>[0-9.]+) s")


# ---------------------------------------------------------------- projects

def snapshot(dest: Path, only: list[str] | None = None) -> Path:
    """Freeze the project's files once; every later copy_project() copies from here.

    only: keep just these guides (folder names under guides/).
    """
    global SOURCE, CODE
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".*"))
    CODE = dest / "src"
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    for part in PROJECT_PARTS[1:]:
        shutil.copytree(REPO / part, dest / part, ignore=shutil.ignore_patterns("campaigns", ".*"))
    if only:
        unknown = [slug for slug in only if not (dest / "guides" / slug / "index.md").is_file()]
        if unknown:
            raise SystemExit(f"bench: no such guide: {', '.join(unknown)}")
        for folder in (dest / "guides").iterdir():
            if folder.is_dir() and folder.name not in only:
                shutil.rmtree(folder)
    SOURCE = dest
    return dest


def copy_project(dest: Path, *, doorstep: bool = True, pamphlets: bool = True) -> Path:
    """A copy of mkdocs.yml, overrides/, pamphlets/ (without campaigns) and guides/ in `dest`.

    doorstep=False: the same site with plain Material + static-i18n (no
    `- doorstep` plugin entry, no `custom_dir: overrides`).
    pamphlets=False: the doorstep plugin with `pamphlets: false`.
    """
    dest.mkdir(parents=True, exist_ok=True)
    text = (SOURCE / "mkdocs.yml").read_text(encoding="utf-8")
    if not doorstep:
        text = without_doorstep(text)
    elif not pamphlets:
        text = doorstep_option(text, "pamphlets", "false")
    (dest / "mkdocs.yml").write_text(text, encoding="utf-8")
    if doorstep:
        shutil.copytree(SOURCE / "overrides", dest / "overrides")
        shutil.copytree(SOURCE / "pamphlets", dest / "pamphlets", ignore=shutil.ignore_patterns("campaigns"))
    shutil.copytree(SOURCE / "guides", dest / "guides")
    return dest


def _doorstep_block(lines: list[str]) -> tuple[int, int]:
    """(start, end) line indexes of the `- doorstep` plugin entry, options included."""
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)-\s+doorstep\s*:?\s*(#.*)?$", line)
        if match:
            indent = len(match.group(1))
            end = i + 1
            while end < len(lines):
                nxt = lines[end]
                if nxt.strip() and (len(nxt) - len(nxt.lstrip())) <= indent:
                    break
                end += 1
            return i, end
    raise SystemExit("bench: no '- doorstep' plugin entry in mkdocs.yml")


def without_doorstep(text: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _doorstep_block(lines)
    del lines[start:end]
    out = [line for line in lines if not re.match(r"^\s*custom_dir:\s*overrides\b", line)]
    return "".join(out)


def doorstep_option(text: str, key: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    start, end = _doorstep_block(lines)
    head = lines[start].rstrip("\n")
    indent = len(head) - len(head.lstrip())
    # drop an existing setting of `key`, then add ours as the first option
    body = [line for line in lines[start + 1:end] if not re.match(rf"^\s*{re.escape(key)}\s*:", line)]
    option_indent = indent + 4
    for line in body:
        if line.strip():
            option_indent = len(line) - len(line.lstrip())
            break
    entry = re.sub(r"\s*:?\s*(#.*)?$", ":", head, count=1) + "\n"
    lines[start:end] = [entry, " " * option_indent + f"{key}: {value}\n", *body]
    return "".join(lines)


# ---------------------------------------------------------------- builds

@dataclass
class Build:
    seconds: float  # wall clock
    cpu: float  # user+sys CPU of the whole process tree
    stderr: str

    @property
    def pamphlet_lines(self) -> list[dict]:
        return [dict(m.groupdict()) for m in PAMPHLET_LOG_RE.finditer(self.stderr)]

    @property
    def pamphlet_seconds(self) -> float:
        return sum(float(m["secs"]) for m in self.pamphlet_lines)

    @property
    def rendered(self) -> int:
        return sum(int(m["rendered"]) for m in self.pamphlet_lines)

    @property
    def cached(self) -> int:
        return sum(int(m["cached"]) for m in self.pamphlet_lines)


def build_env() -> dict:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": SITE_URL}
    if CODE is not None:  # ahead of the editable install's path entry
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE), os.environ.get("PYTHONPATH")]))
    return env


def run_build(project: Path, *extra: str, strict: bool = True) -> Build:
    """`mkdocs build [--strict] -f project/mkdocs.yml`, timed; exits the bench on failure."""
    cmd = [str(MKDOCS), "build", *(["--strict"] if strict else []), "-f", str(project / "mkdocs.yml"), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=build_env(), cwd=project, timeout=1200)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench: build failed ({result.returncode}): {' '.join(cmd)}\n"
                         "(the bench builds a snapshot of the repo taken at its start: if someone was "
                         "mid-edit then, run it again)")
    return Build(seconds, cpu, result.stderr)


# ---------------------------------------------------------------- reporting

def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def fmt_s(x: float) -> str:
    return f"{x:.2f} s"


def fmt_kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or ("l" + "r" * (len(headers) - 1))

    def line(row):
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align))

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def goal(name: str, met: bool, detail: str) -> str:
    return f"goal {name}: {'met' if met else 'NOT met'} ({detail})"


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"figures written to {path}")


def describe() -> str:
    """One line on the content being benchmarked."""
    slugs = guide_slugs()
    pages = sum(1 for s in slugs for _ in (SOURCE / "guides" / s).glob("index*.md"))
    frozen = " (snapshot of the repo's guides, theme, pamphlet layout and src/, taken at start)" if CODE else ""
    return (f"content: {len(slugs)} guides ({', '.join(slugs)}), {pages} guide pages, "
            f"languages {', '.join(languages())}{frozen}")


def guide_slugs(guides: Path | None = None) -> list[str]:
    guides = guides or SOURCE / "guides"
    return sorted(p.name for p in guides.iterdir() if (p / "index.md").is_file())


def languages(config_text: str | None = None) -> list[str]:
    """The locales of mkdocs.yml's i18n plugin, default first (as written)."""
    text = config_text or (SOURCE / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*-\s*locale:\s*([A-Za-z_-]+)", text, re.M)


def default_language(config_text: str | None = None) -> str:
    text = config_text or (SOURCE / "mkdocs.yml").read_text(encoding="utf-8")
    blocks = re.split(r"^\s*-\s*locale:\s*", text, flags=re.M)[1:]
    for block in blocks:
        name = block.split()[0]
        if re.search(r"^\s*default:\s*true\b", block.split("- locale")[0], re.M):
            return name
    return blocks[0].split()[0] if blocks else "en"
