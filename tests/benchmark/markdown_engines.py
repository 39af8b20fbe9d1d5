"""Markdown cost of each engine on the shared corpus, and memory over many conversions.

Not part of the test suite (pytest collects only test_*.py; nothing is timed in tests). Not
named markdown.py: run as a script, its folder comes first on sys.path and would hide the
`markdown` package.

    .venv/bin/python tests/benchmark/markdown_engines.py               # 1,000 bulletins, 5 passes
    .venv/bin/python tests/benchmark/markdown_engines.py --docs 300 --passes 3 --conversions 2000
    .venv/bin/python tests/benchmark/markdown_engines.py --candidates  # and the bindings weighed for fast

Reports, for each engine (default: Python-Markdown; fast: comrak):
- ms per document for the engine alone (make_engine(...).convert) and for cxsite's whole
  conversion (markup.Markup.convert: engine, nh3, heading levels, link markers, summary);
  median of the passes, engines alternating within each pass so machine drift falls on all;
- RSS growth over --conversions conversions in one fresh process per engine, after a warm-up
  over the corpus (Linux: /proc/self/statm; elsewhere the peak RSS from getrusage).

The corpus is the shared anchor benchmark's `gen_corpus.posts` (CXSITE_ANCHORS, default
../shared/bench beside the repository): deterministic Chinese bulletins of about 2,300
characters with headings, lists, a table, a link and bold text.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
BENCH = Path(os.environ.get("CXSITE_ANCHORS", REPO.parent / "shared" / "bench")).resolve()
SOURCE = "content/bulletins/b.md"


def corpus(count: int) -> list[str]:
    """The bodies of the shared corpus's first `count` bulletins."""
    sys.path.insert(0, str(BENCH))
    try:
        import gen_corpus
    except ImportError:
        sys.exit(f"no corpus generator at {BENCH}/gen_corpus.py; set CXSITE_ANCHORS to the shared bench")
    return [post["body"] for post in gen_corpus.posts(count)]


def converters(engine: str) -> dict:
    """The two ways of converting with an engine: the engine alone and cxsite's whole conversion."""
    from cxsite.markup import Markup
    from cxsite.mdengine import MarkdownSettings, make_engine

    settings = MarkdownSettings(engine=engine)
    markup = Markup(settings)
    return {f"{engine}: engine alone": make_engine(settings).convert,
            f"{engine}: whole conversion (markup.Markup)": lambda text: markup.convert(text, SOURCE)}


def candidates() -> dict:
    """The bindings weighed for the fast engine (see cxsite/mdengine/fast.py), those installed."""
    found = {}
    try:
        import pyromark

        options = (pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
                   | pyromark.Options.ENABLE_FOOTNOTES | pyromark.Options.ENABLE_TASKLISTS)
        found["pyromark (pulldown-cmark)"] = lambda text: pyromark.html(text, options=options)
    except ImportError:
        pass
    try:
        import mistune

        plugins = ["strikethrough", "table", "footnotes", "task_lists"]
        found["mistune 3"] = mistune.create_markdown(plugins=plugins)
    except ImportError:
        pass
    try:
        import markdown_it

        parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
        found["markdown-it-py"] = parser.render
    except ImportError:
        pass
    try:
        import cmarkgfm

        found["cmarkgfm public API (leaks)"] = cmarkgfm.github_flavored_markdown_to_html
    except ImportError:
        pass
    return found


def time_all(functions: dict, bodies: list[str], passes: int) -> dict[str, list[float]]:
    """Seconds per document of each function, one figure per pass, functions alternating."""
    for convert in functions.values():  # warm-up: imports, caches, pypinyin's dictionaries
        for text in bodies:
            convert(text)
    seconds: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(passes):
        for name, convert in functions.items():
            started = time.perf_counter()
            for text in bodies:
                convert(text)
            seconds[name].append((time.perf_counter() - started) / len(bodies))
    return seconds


def rss_mib() -> float:
    """The process's resident memory now (Linux), else its peak so far, in MiB."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, AttributeError, ValueError):
        import resource  # not on Windows: there the measurement is skipped by the caller

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if platform.system() == "Darwin" else peak / 2**10


def measure_memory(name: str, docs: int, conversions: int) -> dict:
    """In this process: RSS after a warm-up over the corpus, and after `conversions` more."""
    bodies = corpus(docs)
    functions = {**converters("default"), **converters("fast"), **candidates()}
    convert = functions[name]
    for text in bodies:
        convert(text)
    gc.collect()
    before = rss_mib()
    for index in range(conversions):
        convert(bodies[index % len(bodies)])
    gc.collect()
    return {"name": name, "before": before, "after": rss_mib(), "conversions": conversions}


def memory_in_fresh_process(name: str, docs: int, conversions: int) -> dict:
    """Run measure_memory for one converter in a new interpreter, so converters do not share a heap."""
    command = [sys.executable, __file__, "--memory-of", name, "--docs", str(docs),
               "--conversions", str(conversions)]
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return json.loads(result.stdout)


def main() -> None:
    """Print the table of ms per document and of memory growth."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--conversions", type=int, default=10000)
    parser.add_argument("--candidates", action="store_true", help="also time the bindings weighed for fast")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        print(json.dumps(measure_memory(args.memory_of, args.docs, args.conversions)))
        return
    bodies = corpus(args.docs)
    functions = {**converters("default"), **converters("fast")}
    if args.candidates:
        functions.update(candidates())
    from importlib.metadata import version

    print(f"Python {platform.python_version()} on {platform.system()}; markdown {version('markdown')}, "
          f"pymdown-extensions {version('pymdown-extensions')}, comrak-ext {version('comrak-ext')}, "
          f"nh3 {version('nh3')}")
    print(f"{len(bodies)} bulletins, mean {sum(map(len, bodies)) / len(bodies):.0f} characters; "
          f"median of {args.passes} passes\n")
    print(f"| {'converter':<46} | ms / document (min–max) |")
    print(f"| {'-' * 46} | ---: |")
    for name, seconds in time_all(functions, bodies, args.passes).items():
        print(f"| {name:<46} | {statistics.median(seconds) * 1000:.3f} "
              f"({min(seconds) * 1000:.3f}–{max(seconds) * 1000:.3f}) |")
    if platform.system() == "Windows":
        print("\nmemory: not measured on Windows (no /proc, no getrusage)")
        return
    print(f"\nResident memory, one fresh process per converter: after a warm-up over the corpus, "
          f"then after {args.conversions:,} more conversions\n")
    print(f"| {'converter':<46} | RSS before | RSS after | growth |")
    print(f"| {'-' * 46} | ---: | ---: | ---: |")
    for name in functions:
        found = memory_in_fresh_process(name, args.docs, args.conversions)
        print(f"| {name:<46} | {found['before']:.1f} MiB | {found['after']:.1f} MiB | "
              f"{found['after'] - found['before']:+.1f} MiB |")


if __name__ == "__main__":
    main()
