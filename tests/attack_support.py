"""Shared helpers of the attack tests (issue 15): drive cxsite as writers and admins do, read what it left.

Everything here is black-box: cxsite runs as `python -m cxsite …` in a child
process (or through click's CliRunner where speed matters), and its output
folder is read from disk. No private name of cxsite is imported, so these
tests keep their meaning through a refactor of cxsite's internals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "sites" / "sample"
# The golden tests' clock, 2010-11-01 12:00 in Shanghai: phase two is under way.
EPOCH = int(dt.datetime(2010, 11, 1, 4, 0, tzinfo=dt.UTC).timestamp())
HANG_SECONDS = 30  # the issue's limit: a build that takes longer is a hang
INTERNAL_SIGNS = ("Traceback (most recent call last)", "内部错误", "internal error", "Internal error")
# `path:line:column: message`, line and column optional (a folder has no line).
LOCATED = re.compile(
    r"^(?P<path>[^\s:：][^\n：]*?)(?::(?P<line>\d+))?(?::(?P<column>\d+))?: "
    r"(?P<message>\S.*)$",
    re.M,
)
HAN = re.compile(r"[\u4e00-\u9fff]")
POSIX = os.name == "posix"


@dataclass(frozen=True)
class Outcome:
    """What one run of cxsite did: exit status, what it printed, how long it took."""

    code: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """Everything it printed."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        head = f"exit {self.code} after {self.seconds:.1f} s"
        return f"{head}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@dataclass(frozen=True)
class Located:
    """One `path:line[:column]: message` line cxsite printed."""

    path: str
    line: int | None
    message: str


def cxsite_env(**overrides) -> dict[str, str]:
    """The environment of a cxsite child: this repository's package, the fixed clock, no debug output.

    A value of None removes the variable.
    """
    env = dict(os.environ)
    env.pop("CXSITE_DEBUG", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["SOURCE_DATE_EPOCH"] = str(EPOCH)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def cxsite_command(*args) -> list[str]:
    """The command line that runs cxsite from this repository."""
    return [sys.executable, "-m", "cxsite", *(str(a) for a in args)]


def start_cxsite(
    *args,
    cwd: Path | None = None,
    env: dict | None = None,
    preexec=None,
    stdout=subprocess.PIPE,
    stderr=subprocess.PIPE,
    prefix: list[str] | None = None,
) -> subprocess.Popen:
    """Start cxsite in its own process group (so that it and its workers can be killed together).

    `prefix` goes before the command (a wrapper such as setpriv); `preexec` runs in the child first.
    """
    options = {"start_new_session": True} if POSIX else {}
    if preexec is not None:
        options["preexec_fn"] = preexec
    return subprocess.Popen(
        [*(prefix or []), *cxsite_command(*args)],
        cwd=cwd,
        env=env or cxsite_env(),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        **options,
    )


def kill_group(process: subprocess.Popen, sig: int = getattr(signal, "SIGKILL", signal.SIGTERM)) -> None:
    """Kill a process started by start_cxsite together with every process of its group."""
    try:
        if POSIX:
            os.killpg(process.pid, sig)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


def run_cxsite(
    *args,
    cwd: Path | None = None,
    env: dict | None = None,
    timeout: float = HANG_SECONDS,
    preexec=None,
    encoding: str = "utf-8",
    prefix: list[str] | None = None,
) -> Outcome:
    """Run cxsite to its end; a run that outlives `timeout` is killed and reported as a hang."""
    started = time.monotonic()
    process = start_cxsite(*args, cwd=cwd, env=env, preexec=preexec, prefix=prefix)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        out, err = process.communicate()
        raise AssertionError(
            f"cxsite {' '.join(map(str, args))} hung: still running after {timeout} s\n"
            f"{err.decode(encoding, 'replace')[-2000:]}"
        ) from None
    finally:
        kill_group(process)  # workers a killed or finished build left behind
    return Outcome(
        process.returncode,
        out.decode(encoding, "replace"),
        err.decode(encoding, "replace"),
        time.monotonic() - started,
    )


def internal_error(outcome: Outcome) -> str | None:
    """Why an outcome is an internal error (exit 3, a signal, a traceback), or None."""
    if outcome.code == 3:
        return "exit status 3 (internal error)"
    if outcome.code < 0:
        return f"killed by signal {-outcome.code}"
    sign = next((s for s in INTERNAL_SIGNS if s in outcome.text), None)
    return f"printed {sign!r}" if sign else None


def assert_no_internal_error(outcome: Outcome, what: str = "") -> None:
    """Fail when cxsite crashed instead of answering."""
    why = internal_error(outcome)
    assert why is None, f"{what}: {why}\n{outcome}"


def located(text: str) -> list[Located]:
    """Every `path[:line[:column]]: message` line of a text whose message is in Chinese, as cxsite's are."""
    return [
        Located(m["path"], int(m["line"]) if m["line"] else None, m["message"])
        for m in LOCATED.finditer(text)
        if HAN.search(m["message"])
    ]


def assert_answered(outcome: Outcome, what: str, codes=(0, 1), need_line: bool = True) -> None:
    """The promise for every input: exit 0 or 1, no crash; a refusal says where and why in Chinese.

    need_line: the refusal must give a line (content); False for folder-level refusals (`path: message`).
    """
    assert_no_internal_error(outcome, what)
    assert outcome.code in codes, f"{what}: exit status {outcome.code}, expected one of {codes}\n{outcome}"
    if outcome.code != 0:
        lines = [line for line in located(outcome.text) if line.line is not None or not need_line]
        assert lines, (
            f"{what}: exit {outcome.code} without a `path{':line' if need_line else ''}: message`\n{outcome}"
        )
        assert any(HAN.search(line.message) for line in lines), f"{what}: message not in Chinese\n{outcome}"


def assert_names(outcome: Outcome, fragment: str, what: str) -> None:
    """cxsite printed a located line whose path contains `fragment`."""
    lines = located(outcome.text)
    assert any(fragment in line.path for line in lines), (
        f"{what}: no `path:line: message` naming {fragment!r}\n{outcome}"
    )


# ---------------------------------------------------------------- writing sites


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text` (every unprintable character escaped)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or code in (0xFFFE, 0xFFFF)
            or code in (0x2028, 0x2029, 0xFEFF)
        ):
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (path relative to root -> text or bytes); return root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", newline="\n")
    return root


SITE_YAML = """\
title: 攻击测试专题
organization: 测试林场
base_url: https://lc.example.org/cxcy/
timezone: Asia/Shanghai
"""

MINIMAL = {
    "site.yaml": SITE_YAML,
    "content/branches.yaml": "- id: yulin\n  name: 育林党支部\n",
    "content/bulletins/001.md": "---\ntitle: 动员大会\nissue: 1\ndate: 2010-07-18\nbranches: [yulin]\n---\n\n"
    "林场召开动员大会。\n",
}


def minimal_site(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A small valid site (one branch, one bulletin) with `files` added or replaced."""
    return write_tree(root, {**MINIMAL, **(files or {})})


def copy_sample(root: Path) -> Path:
    """A writable copy of tests/sites/sample."""
    shutil.copytree(SAMPLE, root)
    return root


# ---------------------------------------------------------------- reading outputs


def site_digest(folder: Path) -> dict[str, str] | None:
    """{relative path: sha256} of every file of a built site; None when the folder is absent.

    cxsite's own bookkeeping at the top (`.cxsite-*`: manifest, marks, journal,
    lock) is not part of the site a reader sees, so it is left out.
    """
    if not folder.exists():
        return None
    digest = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".cxsite") or path.is_dir():
            continue
        digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<not a file>"
    return digest


def describe_mix(got: dict | None, references: dict[str, dict | None]) -> str:
    """Say how an output differs from each reference (for a failure message)."""
    lines = []
    for name, want in references.items():
        if want is None or got is None:
            lines.append(
                f"  vs {name}: {'absent' if want is None else 'present'} expected, "
                f"{'absent' if got is None else 'present'} found"
            )
            continue
        same = sum(1 for k in got if want.get(k) == got[k])
        lines.append(
            f"  vs {name}: {same} files equal, {len(set(got) - set(want))} extra, "
            f"{len(set(want) - set(got))} missing, "
            f"{sum(1 for k in got if k in want and want[k] != got[k])} different"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- a corpus big enough to take a while

_WORDS = (
    "创先争优",
    "学习讨论",
    "党员",
    "支部",
    "林业规划",
    "承诺践诺",
    "志愿服务",
    "森林资源",
    "服务群众",
    "岗位建功",
    "生态文明",
    "技术攻关",
    "民主评议",
    "典型宣传",
    "经验交流",
    "督导检查",
)
_BRANCH_NAMES = (
    "机关第一党支部",
    "机关第二党支部",
    "规划设计院党支部",
    "林业调查队党支部",
    "信息中心党支部",
    "离退休党支部",
)


def _paragraph(rng: random.Random) -> str:
    """A paragraph of campaign prose."""
    return "".join(
        f"{rng.choice(_WORDS)}工作{rng.choice(('扎实推进', '全面落实', '稳步开展'))}，"
        f"{rng.choice(_WORDS)}取得{rng.randint(2, 99)}项成果。"
        for _ in range(rng.randint(4, 9))
    )


def corpus_files(count: int, seed: int = 15) -> dict[str, str]:
    """A site of `count` bulletins, six branches and a few events (deterministic for a seed)."""
    rng = random.Random(seed)
    files = {
        "site.yaml": SITE_YAML + "tagline: 比学赶超 争创一流\npagination: 10\n",
        "content/branches.yaml": "".join(
            f"- id: b{i}\n  name: {name}\n  theme: 红旗党支部\n" for i, name in enumerate(_BRANCH_NAMES)
        ),
    }
    start = dt.date(2010, 7, 1)
    for issue in range(1, count + 1):
        day = start + dt.timedelta(days=issue * 100 // max(count, 1))
        tags = ", ".join(rng.sample(_WORDS, 2))
        body = "\n\n".join(
            [
                _paragraph(rng),
                f"## {rng.choice(_WORDS)}",
                _paragraph(rng),
                f"- {rng.choice(_WORDS)}\n- {rng.choice(_WORDS)}",
                _paragraph(rng),
            ]
        )
        files[f"content/bulletins/{issue:04d}.md"] = (
            f"---\ntitle: {rng.choice(_WORDS)}简报之{issue}\nissue: {issue}\ndate: {day.isoformat()}\n"
            f"branches: [b{rng.randrange(len(_BRANCH_NAMES))}]\ntags: [{tags}]\n---\n\n{body}\n"
        )
    for i in range(4):
        files[f"content/events/e{i}.yaml"] = (
            f"title: {rng.choice(_WORDS)}活动{i}\n"
            f"date: 2010-{7 + i:02d}-1{i} 14:30\nlocation: 会议室\n"
            f"branches: all\n"
        )
    return files


# ---------------------------------------------------------------- processes (Linux /proc)


def process_table() -> dict[int, tuple[int, str, int]]:
    """{pid: (parent pid, state, start time)} of every process, read from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), fields[0], int(fields[19]))
    return table


def descendants(pid: int) -> dict[int, int]:
    """{pid: start time} of the living processes below pid."""
    table = process_table()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, state, start) in table.items():
            if ppid == parent and child not in found and state != "Z":
                found[child] = start
                frontier.append(child)
    return found


def still_running(processes: dict[int, int]) -> list[int]:
    """Which of {pid: start time} are still alive (not a zombie, not a new process with a reused pid)."""
    table = process_table()
    return [
        pid
        for pid, start in processes.items()
        if pid in table and table[pid][1] != "Z" and table[pid][2] == start
    ]


def threads_of(pid: int) -> int:
    """The number of threads of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no thread count for process {pid}")


# ---------------------------------------------------------------- a process that permissions stop

_NO_OVERRIDE = "-dac_override,-dac_read_search"


def permission_prefix() -> tuple[list[str], str | None]:
    """How to run cxsite so that chmod stops it: (command prefix, reason to skip or None).

    Root (as in CI) ignores file permissions through two capabilities; the
    child runs without them (util-linux `setpriv`), so a read-only or
    unreadable folder stops it as it stops a writer's account.
    """
    if not POSIX:
        return [], "file permissions are POSIX here"
    if os.geteuid() != 0:
        return [], None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return [], "running as root and util-linux setpriv is missing: chmod would not stop cxsite"
    return [setpriv, f"--bounding-set={_NO_OVERRIDE}", f"--inh-caps={_NO_OVERRIDE}"], None
