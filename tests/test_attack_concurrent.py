"""Issue 15, two builds at once: one build per output folder, said plainly.

Two `cxsite build` are started on one site a few random milliseconds apart
(seeded). Neither may crash; a build that reports success leaves the whole
site; without `--no-wait` the second waits and succeeds, with it the second
may refuse with “另一个 cxsite 正在生成…” and exit 1; afterwards a third build
succeeds (no stuck project). `cxsite serve` rebuilding beside builds shares
the project's cache and must not break them either.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from attack_support import (
    HANG_SECONDS,
    POSIX,
    Outcome,
    corpus_files,
    cxsite_env,
    internal_error,
    kill_group,
    run_cxsite,
    site_digest,
    start_cxsite,
    write_tree,
)

SEED = 2015
BULLETINS = 120
TRIALS = 6  # per mode
REFUSAL = "另一个 cxsite 正在生成"
EDITED = "content/bulletins/0060.md"


@dataclass(frozen=True)
class Site:
    """The site's two contents (before and after one edit) and the reference digest of each."""

    before: dict
    after: dict
    references: dict  # "before" / "after" -> digest


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """A site big enough that two builds overlap, built cold in separate folders for reference."""
    work = tmp_path_factory.mktemp("concurrent-reference")
    before = corpus_files(BULLETINS, seed=SEED)
    after = {
        **before,
        EDITED: before[EDITED] + "\n补记：本期内容有补充。\n",
        "site.yaml": before["site.yaml"].replace("比学赶超", "争当先锋"),
    }
    references = {}
    for name, files in (("before", before), ("after", after)):
        root = write_tree(work / name, files)
        outcome = run_cxsite("build", "--root", root, "--jobs", "2", timeout=120)
        assert outcome.code == 0, str(outcome)
        references[name] = site_digest(root / "public")
    return Site(before, after, references)


def _finish(process: subprocess.Popen, started: float) -> Outcome:
    """Wait for a build; a build still running after the hang limit is killed and reported."""
    try:
        out, err = process.communicate(timeout=HANG_SECONDS * 2)
    except subprocess.TimeoutExpired:
        kill_group(process)
        out, err = process.communicate()
        return Outcome(
            -999,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace") + "\n(hung)",
            time.monotonic() - started,
        )
    return Outcome(
        process.returncode,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def _race(root: Path, delay: float, extra: tuple) -> tuple[list[Outcome], dict | None]:
    """Start two builds `delay` seconds apart; their outcomes (in start order) and the output when the
    first successful one ended (the other may still be running then)."""
    args = ("build", "--root", root, "--jobs", "2", *extra)
    first = start_cxsite(*args, env=cxsite_env())
    time.sleep(delay)
    second = start_cxsite(*args, env=cxsite_env())
    started, processes, outcomes, at_success = time.monotonic(), [first, second], [None, None], None
    try:
        while None in outcomes:
            for i, process in enumerate(processes):
                if outcomes[i] is None and process.poll() is not None:
                    outcomes[i] = _finish(process, started)
                    if outcomes[i].code == 0 and at_success is None:
                        at_success = site_digest(root / "public")
            if time.monotonic() - started > HANG_SECONDS * 2:
                outcomes = [o or _finish(p, started) for o, p in zip(outcomes, processes, strict=True)]
            time.sleep(0.005)
    finally:
        for process in processes:
            kill_group(process)
    return outcomes, at_success


def _prepare(root: Path, site: Site, state: str) -> str:
    """Put the site in a state ("cold": no output; "edit": built before, then edited); the content built."""
    write_tree(root, site.before)
    if state == "edit":
        outcome = run_cxsite("build", "--root", root, "--jobs", "2", timeout=120)
        assert outcome.code == 0, str(outcome)
    write_tree(root, site.after)
    return "after"


def _judge(outcomes: list[Outcome], no_wait: bool) -> list[str]:
    """What is wrong with the two outcomes of a race."""
    problems = []
    for name, outcome in zip(("first", "second"), outcomes, strict=True):
        crash = internal_error(outcome)
        if crash or outcome.code == -999:
            problems.append(f"{name} build: {crash or 'hung'}\n{outcome}")
        elif outcome.code == 0 or no_wait and outcome.code == 1 and REFUSAL in outcome.text:
            continue
        else:
            want = f"exit 0, or exit 1 saying “{REFUSAL}…”" if no_wait else "exit 0 (the second waits)"
            problems.append(f"{name} build: {want} expected\n{outcome}")
    if not any(o.code == 0 for o in outcomes):
        problems.append("neither build succeeded")
    return problems


@pytest.mark.parametrize("no_wait", [False, True], ids=["waiting", "no-wait"])
def test_two_builds_at_once_never_crash_nor_leave_a_partial_site(tmp_path, site, no_wait):
    rng = random.Random(f"{SEED}-{no_wait}")
    problems = []
    for trial in range(TRIALS):
        state, delay = ("cold", "edit")[trial % 2], rng.uniform(0.0, 0.3)
        root = tmp_path / f"trial-{trial}"
        want = site.references[_prepare(root, site, state)]
        outcomes, at_success = _race(root, delay, ("--no-wait",) if no_wait else ())
        label = f"trial {trial} ({state}, second build {delay * 1000:.0f} ms later)"
        problems += [f"{label}: {p}" for p in _judge(outcomes, no_wait)]
        if at_success is not None and at_success != want:
            problems.append(f"{label}: a build reported success while the output was not the whole site")
        if any(o.code == 0 for o in outcomes) and site_digest(root / "public") != want:
            problems.append(f"{label}: after both builds the output is not the whole site")
        third = run_cxsite("build", "--root", root, "--jobs", "2")
        if third.code != 0 or internal_error(third):
            problems.append(f"{label}: a third build afterwards failed (stuck project)\n{third}")
        elif site_digest(root / "public") != want:
            problems.append(f"{label}: a third build afterwards did not make the whole site")
    assert problems == [], "\n\n".join(problems)


def test_the_waiting_build_says_that_it_waits(tmp_path, site):
    """A build that waits for another one says so (a writer must not think it hangs)."""
    root = tmp_path / "site"
    _prepare(root, site, "cold")
    outcomes, _ = _race(root, 0.05, ())
    assert all(o.code == 0 for o in outcomes), "\n".join(map(str, outcomes))
    assert outcomes[0].seconds > 0.1, "the builds did not overlap: the site is too small for this test"
    said = [o for o in outcomes if re.search(r"等待|正在生成", o.text)]
    assert said, "neither build said it waited for the other\n" + "\n".join(map(str, outcomes))


@pytest.mark.skipif(not POSIX, reason="stops the preview with SIGINT")
def test_builds_beside_serve_rebuilding_do_not_break(tmp_path, site):
    root = tmp_path / "site"
    _prepare(root, site, "edit")
    serve = start_cxsite(
        "serve", "--root", root, "--port", "0", env=cxsite_env(PYTHONUNBUFFERED="1"), stderr=subprocess.STDOUT
    )
    problems = []
    try:
        line = _read_until(serve, "正在预览", 60)
        assert "正在预览" in line, f"serve did not start: {line}"
        for round_ in range(4):
            # An edit makes serve rebuild (sharing the project's cache) while a build runs.
            text = site.after[EDITED] + f"\n第 {round_} 次修改。\n"
            write_tree(root, {EDITED: text})
            outcome = run_cxsite("build", "--root", root, "--jobs", "2")
            if outcome.code != 0 or internal_error(outcome):
                problems.append(f"build {round_} beside serve: {outcome}")
        time.sleep(1.0)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            log, _ = serve.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            kill_group(serve)
            log, _ = serve.communicate()
        kill_group(serve)
    text = log.decode("utf-8", "replace")
    after_start = text.split("正在预览", 1)[-1].strip().splitlines()
    assert len(after_start) >= 3, f"serve reported no rebuild: the test did not exercise one\n{text[-2000:]}"
    assert problems == [], "\n\n".join(problems)
    assert internal_error(Outcome(0, text, "")) is None, f"serve reported an internal error:\n{text[-3000:]}"
    write_tree(root, {EDITED: site.after[EDITED]})
    final = run_cxsite("build", "--root", root, "--jobs", "2")
    assert final.code == 0, str(final)
    assert site_digest(root / "public") == site.references["after"]


def _read_until(process: subprocess.Popen, needle: str, timeout: float) -> str:
    """Read a child's output line by line until a line holds `needle` (or the time is up)."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline and needle.encode() not in seen:
        if selector.select(timeout=0.2):
            chunk = process.stdout.read1(4096) if hasattr(process.stdout, "read1") else process.stdout.read(1)
            if not chunk:
                break
            seen += chunk
    selector.close()
    return seen.decode("utf-8", "replace")
