"""The placeholder texts `cxsite new` writes, and finding them where a writer forgot to replace them.

A new bulletin says “（在这里书写正文。）” where its text goes; published as it is,
that line would reach every reader's feed. A source that is not a draft and still
holds one is a warning in a build and an error in `cxsite check` (by its code).
"""

from __future__ import annotations

from collections.abc import Mapping

from cxsite.problem import Problem, warning

BODY = "（在这里书写正文。）"
EVENT_SUMMARY = "（活动简介）"
TEXTS = (BODY, EVENT_SUMMARY)
PLACEHOLDER = "placeholder"  # the problems' code
HINT = "把它换成要发布的内容；还没写好的稿件在前言里写 draft: true，暂不发布"


def find_placeholder(text: str) -> tuple[str, int] | None:
    """The first placeholder text in a text and where it starts (None when there is none)."""
    found = [(text.find(p), p) for p in TEXTS if p in text]
    if not found:
        return None
    offset, placeholder = min(found)
    return placeholder, offset


def body_placeholder(path: str, body: str, first_line: int) -> list[Problem]:
    """Warn about a placeholder left in a document's body (first_line: the body's first line in the file)."""
    found = find_placeholder(body)
    if found is None:
        return []
    placeholder, offset = found
    line = first_line + body.count("\n", 0, offset)
    column = offset - (body.rfind("\n", 0, offset) + 1) + 1
    return [warning(path, line, f"正文里还留着新建时的占位文字“{placeholder}”，会原样发布", HINT, column,
                    PLACEHOLDER)]


def field_placeholders(path: str, texts: Mapping[str, str], labels: Mapping[str, str],
                       positions: Mapping) -> list[Problem]:
    """Warn about placeholders left in text fields; `positions` maps (key,) to (line, column)."""
    problems = []
    for key, text in texts.items():
        found = find_placeholder(text) if isinstance(text, str) else None
        if found is None:
            continue
        line, column = positions.get((key,), (positions.get(key), None))
        problems.append(warning(path, line, f"{key}（{labels.get(key, key)}）里还留着新建时的占位文字"
                                f"“{found[0]}”，会原样发布", HINT, column, PLACEHOLDER))
    return problems
