"""The one error currency: a Problem found in a site, where it is and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

_SEVERITY_ZH = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True)
class Problem:
    """A mistake in the site's content or configuration, located in a file."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = ERROR
    column: int | None = None
    code: str = ""  # a stable name for the kind of problem, for tools (e.g. "broken-link")

    @property
    def is_error(self) -> bool:
        """Whether this problem stops the build."""
        return self.severity == ERROR

    def location(self) -> str:
        """Return `path:line:column` with the parts that are known."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """Return the problem as the lines a writer reads: location, message, hint."""
        text = f"{self.location()}: {_SEVERITY_ZH[self.severity]}：{self.message}"
        if self.hint:
            text += f"\n    提示：{self.hint}"
        return text

    def sort_key(self) -> tuple:
        """Order problems by file, then position, then text."""
        return (self.path, self.line or 0, self.column or 0, self.message)

    def as_dict(self) -> dict:
        """Return the problem for machines (`cxsite check --format json`)."""
        return {"path": self.path, "line": self.line, "column": self.column, "severity": self.severity,
                "message": self.message, "hint": self.hint, "code": self.code}


def error(path: str, line: int | None, message: str, hint: str = "", column=None, code: str = "") -> Problem:
    """Make an error problem."""
    return Problem(path, line, message, hint, ERROR, column, code)


def warning(path: str, line: int | None, message: str, hint: str = "", column=None,
            code: str = "") -> Problem:
    """Make a warning problem."""
    return Problem(path, line, message, hint, WARNING, column, code)


def sorted_problems(problems) -> list[Problem]:
    """Return problems without duplicates, in reading order."""
    return sorted(set(problems), key=Problem.sort_key)


def has_errors(problems) -> bool:
    """Whether any of the problems stops the build."""
    return any(p.is_error for p in problems)
