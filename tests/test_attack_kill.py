"""Issue 15, lost or mixed output: kill -9 at random moments of cold and incremental builds.

A site of a few hundred bulletins takes a second or two to build here. Each
trial restores a known state (no output; an older build; an older build with
its cache), starts `cxsite build`, kills its whole process group with SIGKILL
at a moment drawn (seeded, stratified) over the measured length of such a
build, and then checks:

- the output folder holds exactly the previous site or exactly the new one
  (file -> sha256 maps compared with reference builds made in other folders);
- the next build succeeds and equals the new site;
- it leaves the project as an uninterrupted build does (no stray staging or lock).

Killing only the main process (SIGKILL, or SIGTERM as a process manager
sends) must not leave its worker processes alive.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import threading
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
    descendants,
    describe_mix,
    internal_error,
    kill_group,
    run_cxsite,
    site_digest,
    start_cxsite,
    still_running,
    write_tree,
)

pytestmark = pytest.mark.skipif(not POSIX, reason="process groups and SIGKILL are POSIX")

SEED = 1515
BULLETINS = 300
KILLS = {"cold-absent": 10, "cold-over-older": 10, "incremental": 12}  # 32 moments in all
EDITED = "content/bulletins/0150.md"


def _edits(old: dict[str, str]) -> dict[str, dict[str, str]]:
    """One-edit variants of the old site: file map of each."""
    tagline = {**old, "site.yaml": old["site.yaml"].replace("比学赶超 争创一流", "立足岗位 争创一流")}
    title = {**old, EDITED: old[EDITED].replace("简报之150", "简报之150（修订）")}
    body = {**old, EDITED: old[EDITED] + "\n补记：本期内容有补充。\n"}
    added = {
        **old,
        "content/bulletins/0301.md": "---\ntitle: 增刊\nissue: 301\ndate: 2010-10-20\n---\n\n增刊正文。\n",
    }
    deleted = {k: v for k, v in old.items() if k != f"content/bulletins/{BULLETINS:04d}.md"}
    return {"tagline": tagline, "title": title, "body": body, "added": added, "deleted": deleted}


@dataclass(frozen=True)
class Corpus:
    """The old site, its one-edit variants, reference digests, and a pristine built copy of the old site."""

    work: Path
    old: dict
    variants: dict  # name -> file map
    references: dict  # "old" or variant name -> digest of its cold build
    pristine: Path  # the old site built in place at `trial`, copied
    trial: Path  # where every trial runs (the cache records the output folder's path)
    cold_seconds: float


def _reference(files: dict, root: Path) -> tuple[dict, float]:
    """Build files cold in their own folder; return the output's digest and how long it took."""
    write_tree(root, files)
    outcome = run_cxsite("build", "--root", root, "--jobs", "2", timeout=120)
    assert outcome.code == 0, f"reference build failed\n{outcome}"
    return site_digest(root / "public"), outcome.seconds


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    """Reference builds of the old site and every variant, and the old site built where trials run."""
    work = tmp_path_factory.mktemp("kill")
    old = corpus_files(BULLETINS, seed=SEED)
    variants = _edits(old)
    references, seconds = {}, []
    for name, files in [("old", old), *variants.items()]:
        references[name], took = _reference(files, work / f"reference-{name}" / "site")
        seconds.append(took)
    trial = work / "trial" / "site"
    write_tree(trial, old)
    outcome = run_cxsite("build", "--root", trial, "--jobs", "2", timeout=120)
    assert outcome.code == 0, str(outcome)
    pristine = work / "pristine"
    shutil.copytree(trial, pristine, symlinks=True)
    return Corpus(work, old, variants, references, pristine, trial, max(seconds))


def _restore(corpus: Corpus, state: str, variant: str) -> None:
    """Put the trial folder in a state ("absent", "older", "older+cache") with a variant's content."""
    if corpus.trial.exists():
        shutil.rmtree(corpus.trial)
    if state == "absent":
        write_tree(corpus.trial, corpus.variants[variant])
        return
    shutil.copytree(corpus.pristine, corpus.trial, symlinks=True)
    if state == "older":
        shutil.rmtree(corpus.trial / ".cxsite-cache")
    files = corpus.variants[variant]
    for rel in set(corpus.old) - set(files):
        (corpus.trial / rel).unlink()
    write_tree(corpus.trial, {rel: text for rel, text in files.items() if corpus.old.get(rel) != text})


def _project_listing(root: Path) -> list[str]:
    """What a build leaves in the project's folder besides the sources (output, cache, any litter)."""
    sources = {"content", "site.yaml", "static", "layouts"}
    return sorted(p.name for p in root.iterdir() if p.name not in sources)


def _build(corpus: Corpus) -> Outcome:
    """Build the trial site to its end."""
    return run_cxsite("build", "--root", corpus.trial, "--jobs", "2")


def _uninterrupted(corpus: Corpus, state: str, variant: str) -> tuple[Outcome, float, list[str], dict | None]:
    """Build from a state without a kill: outcome, seconds, what it leaves in the project, the site."""
    _restore(corpus, state, variant)
    outcome = _build(corpus)
    return outcome, outcome.seconds, _project_listing(corpus.trial), site_digest(corpus.trial / "public")


@dataclass(frozen=True)
class Trial:
    """One kill: from which state, towards which variant, at which moment."""

    state: str
    variant: str
    moment: float

    def __str__(self) -> str:
        when = f"at {self.moment:.3f} s" if self.moment >= 0 else "as the output began to change"
        return f"{self.state} → {self.variant}, SIGKILL {when}"


def _kill_at(corpus: Corpus, trial: Trial) -> bool:
    """Start a build and SIGKILL its process group at the trial's moment; whether it was still running."""
    process = start_cxsite(
        "build",
        "--root",
        corpus.trial,
        "--jobs",
        "2",
        env=cxsite_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    time.sleep(max(0.0, trial.moment - (time.monotonic() - started)))
    running = process.poll() is None
    kill_group(process, signal.SIGKILL)
    process.wait(timeout=HANG_SECONDS)
    return running


def _check_trial(corpus: Corpus, trial: Trial, previous: dict | None, litter: list[str]) -> list[str]:
    """Kill one build (earlier if it finished first) and check what it left; the problems found."""
    moment = trial.moment
    for _ in range(4):
        _restore(corpus, trial.state, trial.variant)
        if _kill_at(corpus, Trial(trial.state, trial.variant, moment)):
            break
        moment /= 2  # the build was done before the kill: try an earlier moment
    else:
        return [f"{trial}: every build finished before its kill; nothing was interrupted"]
    problems = []
    new = corpus.references[trial.variant]
    left = site_digest(corpus.trial / "public")
    if left != previous and left != new:
        problems.append(
            f"{trial}: mixed output after the kill\n"
            + describe_mix(left, {"previous site": previous, "new site": new})
        )
    outcome = _build(corpus)
    if outcome.code != 0 or internal_error(outcome):
        return problems + [f"{trial}: the next build failed (stuck project)\n{outcome}"]
    if site_digest(corpus.trial / "public") != new:
        problems.append(
            f"{trial}: the next build did not make the new site\n"
            + describe_mix(site_digest(corpus.trial / "public"), {"new site": new})
        )
    if _project_listing(corpus.trial) != litter:
        problems.append(
            f"{trial}: the project holds {_project_listing(corpus.trial)} after the next build, "
            f"an uninterrupted build leaves {litter}"
        )
    return problems


def _moments(count: int, seconds: float, rng: random.Random) -> list[float]:
    """`count` moments spread over a build of `seconds`: one drawn in each equal slice of its length."""
    return [(i + rng.random()) / count * seconds * 0.95 for i in range(count)]


def _run_trials(
    corpus: Corpus, state: str, variants: list[str], previous_of, seconds_of, count: int, litter_of
) -> list[str]:
    """Run `count` kill trials from a state, cycling over variants; the problems found."""
    rng = random.Random(f"{SEED}-{state}")
    problems = []
    for index in range(count):
        variant = variants[index % len(variants)]
        moment = _moments(count, seconds_of(variant), rng)[index]
        problems += _check_trial(
            corpus, Trial(state, variant, moment), previous_of(variant), litter_of(variant)
        )
    return problems


@pytest.fixture(scope="module")
def controls(corpus):
    """Uninterrupted builds from each state: their outcome, length and what they leave in the project."""
    runs = {
        ("absent", "tagline"): _uninterrupted(corpus, "absent", "tagline"),
        ("older", "tagline"): _uninterrupted(corpus, "older", "tagline"),
    }
    for variant in corpus.variants:
        runs[("older+cache", variant)] = _uninterrupted(corpus, "older+cache", variant)
    return runs


def test_uninterrupted_builds_match_the_references(corpus, controls):
    """The references are sound: an uninterrupted build from each state makes the same site."""
    wrong = []
    for (state, variant), (outcome, _, _, digest) in controls.items():
        if outcome.code != 0:
            wrong.append(f"{state} → {variant}: {outcome}")
        elif digest != corpus.references[variant]:
            wrong.append(
                f"{state} → {variant}: differs from a cold build\n"
                + describe_mix(digest, {"cold build": corpus.references[variant]})
            )
    assert wrong == [], "\n".join(wrong)


def test_kill_9_during_cold_builds_into_an_absent_folder(corpus, controls):
    _, seconds, litter, _ = controls[("absent", "tagline")]
    problems = _run_trials(
        corpus,
        "absent",
        ["tagline"],
        lambda v: None,
        lambda v: seconds,
        KILLS["cold-absent"],
        lambda v: litter,
    )
    assert problems == [], "\n\n".join(problems)


def test_kill_9_during_cold_builds_over_an_older_site(corpus, controls):
    _, seconds, litter, _ = controls[("older", "tagline")]
    problems = _run_trials(
        corpus,
        "older",
        ["tagline"],
        lambda v: corpus.references["old"],
        lambda v: seconds,
        KILLS["cold-over-older"],
        lambda v: litter,
    )
    assert problems == [], "\n\n".join(problems)


def test_kill_9_during_incremental_builds(corpus, controls):
    variants = list(corpus.variants)
    problems = _run_trials(
        corpus,
        "older+cache",
        variants,
        lambda v: corpus.references["old"],
        lambda v: controls[("older+cache", v)][1],
        KILLS["incremental"],
        lambda v: controls[("older+cache", v)][2],
    )
    assert problems == [], "\n\n".join(problems)


class _KillOnChange:
    """Watches an output folder and SIGKILLs a build the moment its commit starts.

    cxsite writes a whole new tree beside the output and swaps the two (publish/writer.py):
    the commit begins when the swap's journal appears beside the output, and then the
    trees are renamed. Anything created, changed or moved among the output's own names
    in its parent folder (the output, `.public.cxsite-*`, the journal) is that moment.
    """

    CHANGES = ("created", "deleted", "modified", "moved")

    def __init__(self, folder: Path):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.fired = threading.Event()
        handler = FileSystemEventHandler()
        handler.on_any_event = self._seen
        self.observer = Observer()
        self.observer.schedule(handler, str(folder.parent), recursive=False)

    def _ours(self, path: str) -> bool:
        """Whether a path in the parent folder is the output or one of its cxsite siblings."""
        name = Path(path).name
        return name == self.folder.name or name.startswith(f".{self.folder.name}.cxsite-swap")

    def _seen(self, event) -> None:
        """Kill on the first change of the output's names (reads are not changes)."""
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        if event.event_type not in self.CHANGES or not any(self._ours(p) for p in paths if p):
            return
        if self.process is not None and not self.fired.is_set():
            kill_group(self.process, signal.SIGKILL)
            self.fired.set()

    def run(self, corpus: Corpus) -> bool:
        """Build, killing it as the output starts to change; whether the kill happened before it ended."""
        self.observer.start()
        try:
            self.process = start_cxsite(
                "build",
                "--root",
                corpus.trial,
                "--jobs",
                "2",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.process.wait(timeout=HANG_SECONDS)
            return self.fired.is_set()
        finally:
            kill_group(self.process)
            self.observer.stop()
            self.observer.join()


def test_kill_9_as_the_output_starts_changing(corpus, controls):
    """The riskiest moment, found by watching the output folder: the commit has just begun."""
    problems, fired = [], 0
    for state, variant in [
        ("older+cache", "tagline"),
        ("older+cache", "title"),
        ("older+cache", "deleted"),
        ("older+cache", "tagline"),
        ("older", "tagline"),
        ("older", "tagline"),
    ]:
        _restore(corpus, state, variant)
        watcher = _KillOnChange(corpus.trial / "public")
        fired += watcher.run(corpus)
        trial = Trial(state, variant, -1.0)
        left = site_digest(corpus.trial / "public")
        if left not in (corpus.references["old"], corpus.references[variant]):
            problems.append(
                f"{trial}: mixed output\n"
                + describe_mix(
                    left, {"previous site": corpus.references["old"], "new site": corpus.references[variant]}
                )
            )
        outcome = _build(corpus)
        if outcome.code != 0 or internal_error(outcome):
            problems.append(f"{trial}: the next build failed (stuck project)\n{outcome}")
        elif site_digest(corpus.trial / "public") != corpus.references[variant]:
            problems.append(f"{trial}: the next build did not make the new site")
    assert fired, "no build was killed: the output folder never changed while a build ran"
    assert problems == [], "\n\n".join(problems)


def _wait_for_workers(process: subprocess.Popen, timeout: float = 20.0) -> dict[int, int]:
    """Wait until the build has forked worker processes; return them ({pid: start time})."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        workers = descendants(process.pid)
        if workers:
            return workers
        time.sleep(0.005)
    return {}


@pytest.mark.skipif(sys.platform != "linux", reason="finds the workers in /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_only_the_main_process_leaves_no_worker_alive(corpus, sig):
    _restore(corpus, "absent", "tagline")
    process = start_cxsite(
        "build", "--root", corpus.trial, "--jobs", "2", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        workers = _wait_for_workers(process)
        assert workers, "the build forked no worker process (the site is too small to test this)"
        process.send_signal(sig)
        process.wait(timeout=HANG_SECONDS)
        deadline = time.monotonic() + 5.0
        while still_running(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        alive = still_running(workers)
        assert alive == [], (
            f"{len(alive)} worker process(es) still alive 5 s after the main process got {sig.name}"
        )
    finally:
        kill_group(process)  # whatever the main process left behind
