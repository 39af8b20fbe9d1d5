#!/usr/bin/env python3
"""cxsite's search index beside Pagefind on the same Chinese bulletins, in one run.

usage: python tests/benchmark/search.py [--sizes 1000 10000] [--queries 50]
                                        [--root DIR] [--pagefind DIR]

For each size: the shared benchmark corpus (../shared/bench/gen_corpus.py, or the folder
named by CXSITE_ANCHORS) is built with `cxsite build` (from scratch: the index is one of
the build's output jobs, in public/search/); Pagefind (npm package `pagefind`, installed
in a scratch folder, --pagefind, default /tmp/pagefind-npm, never in this project) indexes
the same bulletin pages (their <article>). Then 50 queries, random 2-4 character substrings
from the middle of sentences of the bulletins (their text as the index holds it), run in
headless Chromium, each in a fresh browser context (nothing cached), over HTTP:

- time: from asking to having the first 20 results with their titles, URLs and
  snippet text (cxsite: meta.js, the key shard and the blocks of those results;
  Pagefind: init, search, data() of the first 20);
- bytes: the index files the query loaded (not the libraries: search.js; pagefind.js
  and its WebAssembly);
- recall: whether the bulletin the query was cut from is among all results.

What the index adds to the build's time is measured by search_build.py (cold builds and
edits with and without it); here the index job's own time in the build is shown beside
Pagefind's indexing time. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_build import fresh, run_build  # noqa: E402

from cxsite.render.search.text import units_of  # noqa: E402

BENCH = Path(os.environ.get("CXSITE_ANCHORS", REPO.parent / "shared" / "bench")).resolve()
CHROMIUM = "/usr/bin/chromium"
FIRST_PAGE = 20

CXSITE_PAGE = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>bench</title>
<script src="../js/search.js"></script>"""
PAGEFIND_PAGE = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>bench</title>
<script type="module">
window.pagefindReady = import("/_pagefind/pagefind.js").then((pf) => { window.pagefind = pf; });
</script>"""
CXSITE_QUERY = """async (q) => {
  const t0 = performance.now();
  const r = await window.cxsearch.query(q, "meta.js");
  const ms = performance.now() - t0;
  return {ms, count: r.count, order: r.order, shown: r.items.map(i => [i.url, i.title, i.snippet.text])};
}"""
PAGEFIND_QUERY = """async (q) => {
  await window.pagefindReady;
  const t0 = performance.now();
  await window.pagefind.init();
  const s = await window.pagefind.search(q);
  const shown = await Promise.all(s.results.slice(0, FIRST_PAGE).map(r => r.data()));
  const ms = performance.now() - t0;
  return {ms, count: s.results.length, ids: s.results.map(r => r.id),
          shown: shown.map(d => [d.url, d.meta.title, d.excerpt])};
}""".replace("FIRST_PAGE", str(FIRST_PAGE))


def timed_run(command: list[str], folder: Path) -> tuple[float, float]:
    """Run a command; its wall and CPU seconds (children included)."""
    started = time.perf_counter()
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths)))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed in {folder}: {' '.join(command)}\n{process.stderr.read().decode()}")
    process.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime


def script_data(content: bytes):
    """The data of one index script (window.cxsearch.load(name, data);)."""
    text = content.decode()
    return json.loads(text[text.index(",") + 1:text.rindex(")")])


def built_index(out: Path) -> dict:
    """The index a build wrote: its files and bytes, and each document's row (url, kind, title, …, text)."""
    files = [p for p in (out / "search").rglob("*.js")]
    rows = []
    for block in sorted((out / "search" / "x").iterdir(), key=lambda p: int(p.stem)):
        rows += script_data(block.read_bytes())
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "rows": rows}


def make_pagefind(pagefind: Path, out: Path) -> dict:
    """Run Pagefind over the bulletin pages; seconds, data files and bytes, fragment id -> URL."""
    shutil.rmtree(out / "_pagefind", ignore_errors=True)
    wall, cpu = timed_run([str(pagefind / "node_modules" / ".bin" / "pagefind"), "--site", str(out),
                           "--glob", "bulletins/[0-9]*/index.html", "--root-selector", "article",
                           "--output-subdir", "_pagefind", "--quiet"], out)
    (out / "pf-bench.html").write_text(PAGEFIND_PAGE, "utf-8")
    data = [p for p in (out / "_pagefind").rglob("*") if p.is_file() and _pagefind_data(p.name)]
    urls = {}
    for fragment in (out / "_pagefind" / "fragment").iterdir():
        content = gzip.decompress(fragment.read_bytes())
        urls[fragment.name.split(".")[0]] = json.loads(content[content.index(b"{"):])["url"]
    return {"wall": wall, "cpu": cpu, "files": len(data), "bytes": sum(p.stat().st_size for p in data),
            "urls": urls}


def _pagefind_data(name: str) -> bool:
    """Whether a Pagefind file is index data (not its code: pagefind.js, workers, WebAssembly, UI)."""
    return name.endswith((".pf_meta", ".pf_index", ".pf_fragment", "pagefind-entry.json"))


def queries(rows: list[list], count: int, seed: int = 20240601) -> list[tuple[str, str]]:
    """(query, url of the bulletin it comes from): 2-4 characters from the middle of a sentence."""
    rnd, found = random.Random(seed), []
    bulletins = [row for row in rows if row[1] == "简报"]
    while len(found) < count:
        url, text = (row := rnd.choice(bulletins))[0], row[5]
        sentences = [s for s in re.split(r"[。！？；\n]", text) if len(s) >= 12]
        sentence = rnd.choice(sentences)
        size = rnd.randint(2, 4)
        start = rnd.randint(4, len(sentence) - size - 4)
        query = sentence[start:start + size]
        if units_of(query) == [query]:  # letters and digits only, as someone would type them
            found.append((query, url))
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


def run_queries(out: Path, asked: list[tuple[str, str]], rows: list[list], urls: dict) -> dict:
    """Each query in a fresh Chromium context, for both tools: times, bytes loaded, recall."""
    from playwright.sync_api import sync_playwright

    numbers = {row[0]: i for i, row in enumerate(rows)}  # the x/ blocks are in document-number order
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results = {"cxsite": [], "pagefind": []}
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for query, source in asked:
                for tool in ("cxsite", "pagefind"):
                    context = chromium.new_context()
                    loaded = []
                    context.on("response", lambda r, loaded=loaded: loaded.append(
                        (urlsplit(r.url).path, int(r.headers.get("content-length", 0)))))
                    page = context.new_page()
                    if tool == "cxsite":
                        page.goto(base + "search/bench.html")
                        got = page.evaluate(CXSITE_QUERY, query)
                        found = numbers[source] in got["order"]
                        data = [n for path, n in loaded if path.startswith("/search/") and path[-3:] == ".js"]
                    else:
                        page.goto(base + "pf-bench.html")
                        got = page.evaluate(PAGEFIND_QUERY, query)
                        found = source in {urls.get(i) for i in got["ids"]}
                        data = [n for path, n in loaded if _pagefind_data(path.rsplit("/", 1)[-1])]
                    results[tool].append({"query": query, "ms": got["ms"], "count": got["count"],
                                          "exact": got.get("exact", True),
                                          "found": found, "bytes": sum(data), "requests": len(data)})
                    context.close()
            chromium.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def summary(rows: list[dict]) -> dict:
    """Median and 95th percentile of times, bytes loaded, recall."""
    times = sorted(r["ms"] for r in rows)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"median_ms": statistics.median(times), "p95_ms": p95,
            "median_bytes": statistics.median(r["bytes"] for r in rows),
            "max_bytes": max(r["bytes"] for r in rows),
            "recall": sum(r["found"] for r in rows) / len(rows)}


def measure(size: int, root: Path, pagefind: Path, count: int) -> dict:
    """Everything for one corpus size."""
    site = root / f"search-{size}"
    if not (site / "content" / "bulletins").is_dir():
        subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(size), "cxsite", str(site)],
                       check=True, stdout=subprocess.DEVNULL)
    print(f"[{size}] cxsite build …", flush=True)
    fresh(site)
    build = run_build(site, True)
    index = built_index(site / "public")
    (site / "public" / "search" / "bench.html").write_text(CXSITE_PAGE, "utf-8")
    print(f"[{size}] Pagefind …", flush=True)
    pf = make_pagefind(pagefind, site / "public")
    asked = queries(index["rows"], count)
    print(f"[{size}] {count} queries in Chromium …", flush=True)
    runs = run_queries(site / "public", asked, index.pop("rows"), pf.pop("urls"))
    return {"size": size, "build": build, "index": index, "pagefind": pf, "cxsite_q": summary(runs["cxsite"]),
            "pagefind_q": summary(runs["pagefind"]), "queries": runs}


def report(rows: list[dict]) -> str:
    """The comparison as a Markdown table."""
    lines = ["| tool | bulletins | index files | index bytes | bytes a query loads (median / max) | "
             "share of index | query time median / p95 | recall (50 substrings) | making the index |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        for tool, built, q, making in (
                ("cxsite", row["index"], row["cxsite_q"],
                 f"{row['build']['job_wall']:.1f} s (job in a {row['build']['wall']:.0f} s build)"),
                ("Pagefind", row["pagefind"], row["pagefind_q"], f"{row['pagefind']['wall']:.1f} s")):
            lines.append(
                f"| {tool} | {row['size']:,} | {built['files']:,} | {built['bytes'] / 1e6:.1f} MB | "
                f"{q['median_bytes'] / 1e3:,.0f} kB / {q['max_bytes'] / 1e3:,.0f} kB | "
                f"{100 * q['median_bytes'] / built['bytes']:.2f} % | "
                f"{q['median_ms']:.0f} / {q['p95_ms']:.0f} ms | {100 * q['recall']:.0f} % | {making} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=50)
    scratch = "/dev/shm/cxsite-bench" if Path("/dev/shm").is_dir() else "/tmp/cxsite-bench"
    parser.add_argument("--root", type=Path, default=Path(scratch))
    parser.add_argument("--pagefind", type=Path, default=Path("/tmp/pagefind-npm"),
                        help="a folder where `npm install pagefind` was run")
    parser.add_argument("--json", type=Path, help="also write every figure and query here")
    args = parser.parse_args(argv)
    if not (args.pagefind / "node_modules" / ".bin" / "pagefind").exists():
        raise SystemExit(f"Pagefind is not installed: mkdir -p {args.pagefind} && cd {args.pagefind} "
                         "&& npm install pagefind")
    args.root.mkdir(parents=True, exist_ok=True)
    rows = [measure(size, args.root, args.pagefind, args.queries) for size in args.sizes]
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    print(report(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
