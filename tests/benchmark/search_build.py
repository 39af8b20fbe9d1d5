#!/usr/bin/env python3
"""What the search index costs a build: cold builds and one-bulletin edits, with and without it.

usage: python tests/benchmark/search_build.py [--sizes 10000] [--runs 5] [--edits 7] [--root DIR]
                                              [--engine default|fast]

For each size, two copies of the shared benchmark corpus (../shared/bench/gen_corpus.py) are
built by this cxsite: one as it is, one with the search feature left out of the registry
(the page, the job and the derivation; nothing else differs). Cold builds (no output, no
cache) alternate between the two, then one-bulletin edits (the same sentence appended to
the same bulletin in both copies), then a build with nothing changed. Wall and CPU seconds
(children included) are medians; the machine is shared, so CPU time is the steadier figure.
The index job's own time is reported by the child process ("[index job]").

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = Path(os.environ.get("CXSITE_ANCHORS", REPO.parent / "shared" / "bench")).resolve()

CHILD = """
import os, sys, time
import cxsite.render.registry as registry
from cxsite.render.search import feature
if os.environ.get("CXSITE_BENCH_NO_SEARCH"):
    original = registry.builtin_features
    registry.builtin_features = lambda: tuple(f for f in original() if f is not feature.register)
else:
    make = feature.make_index
    def timed(*args):
        started, cpu = time.perf_counter(), time.process_time()
        made = list(make(*args))  # make_index yields its files: time making them all
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"[index job] {wall:.4f} {cpu:.4f}", file=sys.stderr)
        return made
    feature.make_index = timed
from cxsite.cli import main
sys.argv = ["cxsite", *sys.argv[1:]]
main()
"""


def run_build(site: Path, search: bool) -> dict:
    """One `cxsite build` of a site in a child process: wall and CPU seconds, the index job's seconds."""
    paths = filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    env.pop("CXSITE_BENCH_NO_SEARCH", None)
    if not search:
        env["CXSITE_BENCH_NO_SEARCH"] = "1"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", CHILD, "build", "--root", "."], cwd=site, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed in {site}:\n{out}\n{err}")
    job = re.search(r"\[index job\] ([\d.]+) ([\d.]+)", err)
    written = re.search(r"写入 (\d+) 个文件", out)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "job_wall": float(job[1]) if job else 0.0,
            "job_cpu": float(job[2]) if job else 0.0, "written": int(written[1]) if written else 0}


def fresh(site: Path) -> None:
    """Remove a site's output and cache."""
    for name in ("public", ".cxsite-cache"):
        shutil.rmtree(site / name, ignore_errors=True)


def median(rows: list[dict], key: str) -> float:
    """The median of one figure."""
    return statistics.median(r[key] for r in rows)


def measure(size: int, root: Path, runs: int, edits: int, engine: str) -> dict:
    """Cold, edit and unchanged builds of one size, with and without search, alternating."""
    sites = {True: root / f"search-{size}-{engine}-with", False: root / f"search-{size}-{engine}-without"}
    for site in sites.values():
        if not (site / "content" / "bulletins").is_dir():
            subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(size), "cxsite", str(site)],
                           check=True, stdout=subprocess.DEVNULL)
            if engine == "fast":
                with open(site / "site.yaml", "a", encoding="utf-8") as config:
                    config.write("markdown:\n  engine: fast\n")
    cold: dict[bool, list] = {True: [], False: []}
    for run in range(runs):
        for search in (True, False) if run % 2 == 0 else (False, True):
            fresh(sites[search])
            cold[search].append(run_build(sites[search], search))
            print(f"[{size}] cold {'with' if search else 'without'} search: {cold[search][-1]}", flush=True)
    edit: dict[bool, list] = {True: [], False: []}
    rnd = random.Random(12)
    for run in range(edits):
        name = f"b{rnd.randint(1, size):05d}.md"
        sentence = f"\n\n补充说明第{run + 1}条：各支部认真总结经验，岗位建功。\n"
        for search in (True, False) if run % 2 == 0 else (False, True):
            path = sites[search] / "content" / "bulletins" / name
            path.write_text(path.read_text(encoding="utf-8") + sentence, encoding="utf-8")
            edit[search].append(run_build(sites[search], search))
            label = "with" if search else "without"
            print(f"[{size}] edit {name} {label} search: {edit[search][-1]}", flush=True)
    unchanged = run_build(sites[True], True)
    return {"size": size, "engine": engine, "cold": cold, "edit": edit, "unchanged": unchanged}


def report(rows: list[dict]) -> str:
    """The figures as Markdown tables."""
    lines = ["| bulletins | engine | cold build without search (wall / CPU) | with search (wall / CPU) | "
             "index adds (wall / CPU) | index job in the build (wall / CPU) |",
             "| ---: | --- | ---: | ---: | ---: | ---: |"]
    for row in rows:
        w, o = row["cold"][True], row["cold"][False]
        lines.append(
            f"| {row['size']:,} | {row['engine']} | {median(o, 'wall'):.1f} / {median(o, 'cpu'):.1f} s | "
            f"{median(w, 'wall'):.1f} / {median(w, 'cpu'):.1f} s | "
            f"{100 * (median(w, 'wall') / median(o, 'wall') - 1):+.1f} % / "
            f"{100 * (median(w, 'cpu') / median(o, 'cpu') - 1):+.1f} % | "
            f"{median(w, 'job_wall'):.2f} / {median(w, 'job_cpu'):.2f} s |")
    lines += ["", "| bulletins | engine | one-bulletin edit without search (wall / CPU) | with search | "
              "index adds (wall / CPU) | index job (wall) | files written with search | unchanged build |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        w, o, same = row["edit"][True], row["edit"][False], row["unchanged"]
        lines.append(
            f"| {row['size']:,} | {row['engine']} | {median(o, 'wall'):.2f} / {median(o, 'cpu'):.2f} s | "
            f"{median(w, 'wall'):.2f} / {median(w, 'cpu'):.2f} s | "
            f"{median(w, 'wall') - median(o, 'wall'):+.2f} / {median(w, 'cpu') - median(o, 'cpu'):+.2f} s | "
            f"{median(w, 'job_wall'):.3f} s | "
            f"{median(w, 'written'):.0f} (without: {median(o, 'written'):.0f}) | "
            f"{same['wall']:.2f} s, {same['written']} written |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=5, help="cold builds of each kind (medians)")
    parser.add_argument("--edits", type=int, default=7, help="one-bulletin edits of each kind (medians)")
    parser.add_argument("--engine", choices=("default", "fast"), default="default")
    parser.add_argument("--root", type=Path, default=Path("/tmp/cxsite-search-build"))
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    rows = [measure(size, args.root, args.runs, args.edits, args.engine) for size in args.sizes]
    print(report(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
