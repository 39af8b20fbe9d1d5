"""Where templates come from: the site's layouts/ first, then the built-in theme, file by file."""

from __future__ import annotations

from pathlib import Path

import jinja2

LAYOUTS_DIR = "layouts"
THEME_LAYOUTS = Path(__file__).parent / "theme" / "layouts"


def template_loader(root: Path) -> jinja2.BaseLoader:
    """Return a loader that finds a template in the site's layouts/, else in the theme."""
    return jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(root / LAYOUTS_DIR)),
        jinja2.FileSystemLoader(str(THEME_LAYOUTS)),
    ])


def template_source_path(root: Path, name: str) -> str:
    """Return the path a writer knows a template by: layouts/x.html or the theme's file."""
    path = Path(name)
    for folder, shown in ((root / LAYOUTS_DIR, LAYOUTS_DIR), (THEME_LAYOUTS, "cxsite/theme/layouts")):
        candidate = path if path.is_absolute() else folder / name
        if candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve()):
            return f"{shown}/{candidate.resolve().relative_to(folder.resolve()).as_posix()}"
    return name


def theme_layout_texts() -> list[tuple[str, str]]:
    """The built-in theme's layouts as (shown path, text), to locate what is written in them."""
    return [(f"cxsite/theme/layouts/{path.relative_to(THEME_LAYOUTS).as_posix()}", path.read_text("utf-8"))
            for path in sorted(THEME_LAYOUTS.rglob("*")) if path.is_file()]
