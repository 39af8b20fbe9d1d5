"""Sites that carry one XSS vector in every field a writer controls, and their builds.

Each field is written with a marker before the vector (`XQBTZ <vector>` for a
bulletin's title), so a test can tell that the field reached the output at all.
When cxsite refuses a field (exit 1), the problem's `path:line` names the field;
that field alone is set aside (its vector replaced by plain text) and the site
is built again, so every field cxsite accepts is still tested.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from cxsite.cli import cli

from attack_support import EPOCH, Outcome, internal_error, located, yaml_str

DATA = Path(__file__).parent / "data" / "owasp_xss.txt"
_PLACEHOLDERS = {
    "{TAB}": "\t",
    "{NL}": "\n",
    "{CR}": "\r",
    "{NUL}": "\0",
    "{SOH}": "\x01",
    "{VT}": "\x0b",
    "{FF}": "\x0c",
}
SET_ASIDE = "已替换"
# Field codes: the first letter names the file, the rest the field.
FIELDS = {
    "BT": "bulletin title",
    "BS": "bulletin summary",
    "BA": "bulletin author",
    "BG": "bulletin tags",
    "BD": "bulletin distribution",
    "BB": "bulletin body",
    "PT": "post title",
    "PC": "post category",
    "PS": "post summary",
    "PA": "post author",
    "PG": "post tags",
    "PB": "post body",
    "GT": "page title",
    "GM": "page menu label",
    "GS": "page summary",
    "GB": "page body",
    "RN": "branch name",
    "RK": "branch kind",
    "RT": "branch theme",
    "RS": "branch secretary",
    "RC": "branch sections",
    "RG": "branch goals",
    "RD": "branch description",
    "ET": "event title",
    "EL": "event location",
    "EK": "event kind",
    "ES": "event summary",
    "HT": "honour title",
    "HL": "honour level",
    "HA": "honour awarded_by",
    "HR": "honour recipient",
    "FN": "phase name",
    "FS": "phase summary",
    "FG": "phase goals",
    "ST": "site title",
    "SL": "site tagline",
    "SO": "site organization",
    "SD": "site description",
    "SI": "site intro",
    "SF": "site footer",
    "SM": "site menu title",
    "SU": "site menu url",
    "SB": "site bulletin name",
}
NOT_MARKED = {"SU"}  # a URL field holds the vector alone


def load_vectors() -> list[str]:
    """The vectors of tests/data/owasp_xss.txt, placeholders replaced."""
    vectors = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("# ") or line == "#":
            continue
        for name, char in _PLACEHOLDERS.items():
            line = line.replace(name, char)
        vectors.append(line)
    return vectors


def marker(code: str) -> str:
    """The text written before a vector in one field."""
    return f"XQ{code}Z"


@dataclass(frozen=True)
class Slot:
    """Lines of a source file that hold one field."""

    file: str
    code: str  # a FIELDS key, with a paragraph number for bodies ("BB3")
    first: int
    last: int


class _Source:
    """A source file written line by line, remembering which lines hold which field."""

    def __init__(self, rel: str):
        self.rel, self.lines, self.slots = rel, [], []

    def add(self, text: str, code: str | None = None) -> None:
        """Append text (one or more lines); `code` names the field it holds."""
        first = len(self.lines) + 1
        self.lines += text.split("\n")
        if code:
            self.slots.append(Slot(self.rel, code, first, len(self.lines)))

    def text(self) -> str:
        """The file's text."""
        return "\n".join(self.lines) + "\n"


class VectorSite:
    """A small site with one vector in every writer field; fields can be set aside one by one."""

    def __init__(self, vector: str):
        self.vector = vector
        self.set_aside: set[str] = set()

    def value(self, code: str) -> str:
        """A field's text: marker and vector (or marker and plain text once set aside)."""
        if code in NOT_MARKED:
            return "/" if code in self.set_aside else self.vector
        return f"{marker(code[:2])} {SET_ASIDE if code in self.set_aside else self.vector}"

    def q(self, code: str) -> str:
        """A field's text as a YAML scalar."""
        return yaml_str(self.value(code))

    def markdown(self, code: str) -> str:
        """A Markdown field: the marker, then the vector alone and inside a sentence."""
        text = SET_ASIDE if code in self.set_aside else self.vector
        return f"{marker(code)} 开头。\n\n{text}\n\n正文 {text} 正文"

    def _body(self, source: _Source, code: str) -> None:
        """A document body: the vector raw, inline, quoted, in a list and in a table cell."""
        source.add(f"\n{marker(code)} 正文开始。\n")
        forms = ("{v}", "正文 {v} 正文", "> {v}", "- {v}", "| 表头 |\n| --- |\n| {v} |")
        for number, form in enumerate(forms, 1):
            part = f"{code}{number}"
            source.add(form.format(v=SET_ASIDE if part in self.set_aside else self.vector), part)
            source.add("")

    def sources(self) -> list[_Source]:
        """Every source file of the site."""
        return [
            self._bulletin(),
            self._post(),
            self._page(),
            self._branch(),
            self._event(),
            self._honour(),
            self._phase(),
            self._config(),
        ]

    def _bulletin(self) -> _Source:
        s = _Source("content/bulletins/001.md")
        s.add("---")
        s.add(f"title: {self.q('BT')}", "BT")
        s.add("issue: 1\ndate: 2010-07-18")
        s.add(f"summary: {self.q('BS')}", "BS")
        s.add(f"author: {self.q('BA')}", "BA")
        s.add("branches: [yulin]\nevents: [e1]")
        s.add(f"tags: [{self.q('BG')}]", "BG")
        s.add(f"distribution: [{self.q('BD')}]", "BD")
        s.add("---")
        self._body(s, "BB")
        return s

    def _post(self) -> _Source:
        s = _Source("content/posts/p1.md")
        s.add("---")
        s.add(f"title: {self.q('PT')}", "PT")
        s.add("date: 2010-08-01\nslug: p1\nbranches: [yulin]")
        s.add(f"category: {self.q('PC')}", "PC")
        s.add(f"summary: {self.q('PS')}", "PS")
        s.add(f"author: {self.q('PA')}", "PA")
        s.add(f"tags: [{self.q('PG')}]", "PG")
        s.add("---")
        self._body(s, "PB")
        return s

    def _page(self) -> _Source:
        s = _Source("content/pages/pg1.md")
        s.add("---")
        s.add(f"title: {self.q('GT')}", "GT")
        s.add("slug: pg1\nweight: 1")
        s.add(f"menu: {self.q('GM')}", "GM")
        s.add(f"summary: {self.q('GS')}", "GS")
        s.add("---")
        self._body(s, "GB")
        return s

    def _branch(self) -> _Source:
        s = _Source("content/branches/yulin.yaml")
        s.add("id: yulin\nmembers: 5")
        for key, code in (("name", "RN"), ("kind", "RK"), ("theme", "RT"), ("secretary", "RS")):
            s.add(f"{key}: {self.q(code)}", code)
        s.add(f"sections: [{self.q('RC')}]", "RC")
        s.add(f"goals: [{self.q('RG')}]", "RG")
        s.add(f"description: {self._markdown_scalar('RD')}", "RD")
        return s

    def _markdown_scalar(self, code: str) -> str:
        """A Markdown field as a YAML scalar (one line; the paragraphs are escaped newlines)."""
        return yaml_str(self.markdown(code))

    def _event(self) -> _Source:
        s = _Source("content/events/e1.yaml")
        s.add("id: e1\ndate: 2010-07-16 14:30\nbranches: [yulin]\nphase: ph1\nbulletin: 1\nparticipants: 3")
        for key, code in (("title", "ET"), ("location", "EL"), ("kind", "EK")):
            s.add(f"{key}: {self.q(code)}", code)
        s.add(f"summary: {self._markdown_scalar('ES')}", "ES")
        return s

    def _honour(self) -> _Source:
        s = _Source("content/honors/h1.yaml")
        s.add("date: 2010-08\nbranch: yulin")
        for key, code in (("title", "HT"), ("level", "HL"), ("awarded_by", "HA"), ("recipient", "HR")):
            s.add(f"{key}: {self.q(code)}", code)
        return s

    def _phase(self) -> _Source:
        s = _Source("content/phases/ph1.yaml")
        s.add("id: ph1\nstart: 2010-07-01\nend: 2010-12-31")
        s.add(f"name: {self.q('FN')}", "FN")
        s.add(f"summary: {self._markdown_scalar('FS')}", "FS")
        s.add(f"goals: [{self.q('FG')}]", "FG")
        return s

    def _config(self) -> _Source:
        s = _Source("site.yaml")
        s.add("base_url: https://lc.example.org/cxcy/\ntimezone: Asia/Shanghai")
        for key, code in (
            ("title", "ST"),
            ("tagline", "SL"),
            ("organization", "SO"),
            ("description", "SD"),
            ("footer", "SF"),
        ):
            s.add(f"{key}: {self.q(code)}", code)
        s.add(f"intro: {self._markdown_scalar('SI')}", "SI")
        s.add("menu:\n  - {title: 首页, url: /}")
        s.add(f"  - {{title: {self.q('SM')}, url: /bulletins/}}", "SM")
        s.add(f"  - {{title: 链接, url: {self.q('SU')}}}", "SU")
        s.add("bulletin:")
        s.add(f"  name: {self.q('SB')}", "SB")
        return s

    def write(self, root: Path) -> list[Slot]:
        """Write the site into root (sources replaced, cxsite's cache kept); return where each field is."""
        for old in ("content", "site.yaml"):
            if (root / old).is_dir():
                shutil.rmtree(root / old)
            elif (root / old).exists():
                (root / old).unlink()
        slots = []
        for source in self.sources():
            path = root / source.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source.text(), encoding="utf-8", newline="\n")
            slots += source.slots
        return slots


@dataclass
class VectorBuild:
    """What building one vector's site came to."""

    vector: str
    out: Path | None = None  # the built site, when a build succeeded
    set_aside: list[str] = field(default_factory=list)  # "file:line field: message" of each refusal
    crashes: list[str] = field(default_factory=list)  # internal errors, with the field that caused each
    unlocated: list[str] = field(default_factory=list)  # refusals that named no line of a field


def build_in_process(root: Path, out: Path) -> Outcome:
    """Build with the CLI in this process (fast enough for hundreds of sites); an exception is a crash."""
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": str(EPOCH), "CXSITE_DEBUG": None})
    result = runner.invoke(
        cli, ["build", "--root", str(root), "--out", str(out), "--jobs", "1"], prog_name="cxsite"
    )
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return Outcome(
            3,
            text,
            f"Traceback (most recent call last): {type(result.exception).__name__}: {result.exception}",
        )
    return Outcome(result.exit_code, text, "")


def _blamed(outcome: Outcome, root: Path, slots: list[Slot]) -> tuple[set[str], list[str], list[str]]:
    """The field codes a refusal names, the refusals as text, and those that name no field."""
    codes, shown, unmatched = set(), [], []
    lines = located(outcome.text)
    errors = [line for line in lines if "错误" in line.message[:4]] or lines
    for line in errors:
        rel = line.path
        if os.path.isabs(rel) and Path(rel).is_relative_to(root):
            rel = Path(rel).relative_to(root).as_posix()
        hits = [s.code for s in slots if s.file == rel and s.first <= line.line <= s.last]
        if not hits:  # a whole-file refusal: set aside every field of that file
            hits = [s.code for s in slots if s.file == rel]
            if not hits:
                unmatched.append(f"{line.path}:{line.line}: {line.message}")
        codes.update(hits)
        shown.append(f"{rel}:{line.line} {'/'.join(hits) or '?'}: {line.message}")
    return codes, shown, unmatched


class _Builder:
    """Builds one vector's site again and again, setting aside what cxsite refuses or crashes on."""

    def __init__(self, vector: str, root: Path, out: Path):
        self.site, self.result = VectorSite(vector), VectorBuild(vector)
        self.root, self.out = root, out

    def attempt(self) -> tuple[Outcome, list[Slot]]:
        """Write the site as it stands and build it into a fresh output folder."""
        slots = self.site.write(self.root)
        if self.out.exists():
            shutil.rmtree(self.out)
        return build_in_process(self.root, self.out), slots

    def settle(self, rounds: int = 6) -> str:
        """Build, setting aside the fields a refusal names: "ok", "crash" or "stuck"."""
        for _ in range(rounds):
            outcome, slots = self.attempt()
            if outcome.code == 0:
                return "ok"
            if internal_error(outcome):
                return "crash"
            codes, shown, unmatched = _blamed(outcome, self.root, slots)
            self.result.set_aside += shown
            self.result.unlocated += unmatched
            if not codes:
                self.result.unlocated.append(outcome.text.strip()[-300:] or "(nothing printed)")
            if codes <= self.site.set_aside:
                return "stuck"
            self.site.set_aside |= codes
        return "stuck"

    def crashes(self, blame: str | None) -> bool:
        """Whether the site as it stands crashes cxsite (recorded against `blame` when given)."""
        outcome, _ = self.attempt()
        crash = internal_error(outcome)
        if crash and blame:
            self.result.crashes.append(
                f"{blame} ({FIELDS.get(blame[:2], blame)}): {crash}: {outcome.text.strip()[-300:]}"
            )
        return crash is not None

    def isolate_crash(self, budget: int = 24) -> None:
        """Set aside just the fields that crash cxsite: all of them, then restore groups of fields.

        Each source file is restored whole; a file that still crashes is split in
        halves, down to single fields, until `budget` builds are spent.
        """
        by_file: dict[str, list[str]] = {}
        for slot in self.site.write(self.root):
            by_file.setdefault(slot.file, []).append(slot.code)
        before = set(self.site.set_aside)
        self.site.set_aside |= {code for codes in by_file.values() for code in codes}
        if self.crashes("the site with every field set aside"):
            return
        self._budget = budget
        for file, codes in by_file.items():
            self._restore([c for c in codes if c not in before], file)

    def _restore(self, codes: list[str], file: str) -> None:
        """Restore a group of fields unless it crashes cxsite; split a crashing group while builds remain."""
        if not codes:
            return
        self.site.set_aside -= set(codes)
        self._budget -= 1
        if not self.crashes(codes[0] if len(codes) == 1 else None):
            return
        self.site.set_aside |= set(codes)
        if len(codes) == 1:
            return
        if self._budget <= 0:
            self.result.crashes.append(f"{file} ({', '.join(codes)}): a crash not isolated further")
            return
        half = len(codes) // 2
        self._restore(codes[:half], file)
        self._restore(codes[half:], file)


def build_vector(vector: str, root: Path, out: Path) -> VectorBuild:
    """Build the vector's site at root into out; refused fields are set aside, crashing ones isolated.

    Sites of several vectors may share a root: cxsite's cache there (compiled
    templates) makes each build several times faster; out must be a new folder.
    """
    builder = _Builder(vector, root, out)
    state = builder.settle()
    if state == "crash":
        builder.isolate_crash()
        state = builder.settle()
    if state == "ok":
        builder.result.out = builder.out
    return builder.result
