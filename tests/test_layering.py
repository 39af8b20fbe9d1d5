"""The architecture of DESIGN §6, checked on the source: packages import downwards, only publish/ writes.

Every module of cxsite/ belongs to a unit: a subpackage (content/, site/, …) or a
top-level module (build.py, cli.py). A unit may import only units of lower
layers; units sharing a layer are independent stages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cxsite"

# README "Developers", lowest first. A new subpackage or top-level module goes where its imports put it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__",),  # the package itself: only __version__
    ("problem",),  # the one error currency
    ("content",),  # site.yaml, sources and Markdown read and checked
    ("site",),  # the model, the graph, URL rules, the built-in kinds
    ("render",),  # pages, output jobs, templates, feeds, calendars: the Site to bytes
    ("publish",),  # the output folder: whole site or nothing; files for new/init
    ("incremental",),  # state, dependency keys, what to make again: wraps render, writes through publish
    ("serve",),  # the preview server and watcher: they never import build (cli wires them)
    ("build",),  # orders the stages; one path for build, serve and check
    ("check", "authoring"),  # `cxsite check`, `new`, `init`: like build, they order stages
    ("usage",),  # the command line's Chinese help pages and usage errors (click's classes)
    ("cli",),
    ("__main__",),
)
LAYER_OF = {unit: depth for depth, names in enumerate(LAYERS) for unit in names}


def unit_of(path: Path) -> str:
    """The unit a module belongs to: its subpackage, or its own name at the top."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def modules() -> dict[str, ast.Module]:
    """Parse every module of the package, subpackages included: {path relative to cxsite/: tree}."""
    return {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(PACKAGE.rglob("*.py"))}


def imported_units(tree: ast.Module, package: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """Return the cxsite units a module imports (anywhere in it) with their lines.

    `package` is the module's own package path inside cxsite, for relative imports.
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from . import x` or `from .x import y`
                base = ["cxsite", *package[: len(package) - node.level + 1]]
                base += node.module.split(".") if node.module else []
                names = [".".join(base)] if node.module else [".".join([*base, a.name]) for a in node.names]
                found += [(name, node.lineno) for name in names]
            elif node.module == "cxsite":  # `from cxsite import render` or `… import __version__`
                found += [(f"cxsite.{a.name}" if a.name in LAYER_OF else "cxsite", node.lineno)
                          for a in node.names]
            elif node.module:
                found.append((node.module, node.lineno))
    result = []
    for name, line in found:
        parts = name.split(".")
        if parts[0] == "cxsite":
            result.append(("__init__" if len(parts) == 1 else parts[1], line))
    return result


def test_every_module_belongs_to_a_layer():
    units = {unit_of(PACKAGE / name) for name in modules()}
    assert sorted(units - set(LAYER_OF)) == [], "place each new subpackage or module of cxsite/ in LAYERS"


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_down(name):
    unit = unit_of(PACKAGE / name)
    package = tuple(Path(name).parts[:-1])
    wrong = [f"cxsite/{name}:{line} imports {target}"
             for target, line in imported_units(modules()[name], package)
             if target != unit and LAYER_OF.get(target, len(LAYERS)) >= LAYER_OF[unit]]
    assert wrong == []


def test_the_model_and_rendering_know_nothing_of_the_incremental_machinery():
    # Implied by the layers; said again because it is the seam the design insists on.
    for name, tree in modules().items():
        if unit_of(PACKAGE / name) in ("content", "site", "render"):
            units = {unit for unit, _ in imported_units(tree, tuple(Path(name).parts[:-1]))}
            assert "incremental" not in units, name


# --- which modules touch the file system ---------------------------------------------------------

# publish/ writes the output folder (and the files a writer asks for); the build cache writes
# too, but only inside its own folder (.cxsite-cache/, its images/ folder included).
WRITERS = ("publish/", "incremental/store.py", "incremental/imagestore.py")
# What may read files: the project (content/project.py, reader.py, config.py, extensions.py and the
# template loader), publish (the previous build's manifest), the cache (its own folder), the preview
# server (its live-reload script, a resource of the package), scaffold (the skeleton of a new
# site, a resource of the package too), the access logs (the web server's, which the admin names) and
# the bundle (the wheels it has just downloaded).
READERS = ("content/project.py", "content/reader.py", "content/config.py", "content/extensions.py",
           "render/templates.py", "publish/", "incremental/store.py", "incremental/imagestore.py",
           "serve/server.py",
           "authoring/scaffold.py", "content/accesslog.py", "authoring/bundle.py")

WRITE_METHODS = {
    "write_text", "write_bytes", "mkdir", "makedirs", "unlink", "rmdir", "rmtree", "rename", "renames",
    "touch", "symlink_to", "hardlink_to", "link_to", "chmod", "lchmod", "copy", "copy2", "copyfile",
    "copytree", "copymode", "copystat", "move", "link", "symlink", "remove", "removedirs", "truncate",
    "mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile",
    "TemporaryDirectory",
}
# Names other objects use too (list.remove, dict.copy): only counted as os.remove, shutil.copy, …
AMBIGUOUS = {"link", "remove", "move", "copy", "truncate"}
READ_METHODS = {"read_text", "read_bytes", "iterdir", "glob", "rglob", "walk", "listdir", "scandir"}
# Modules whose functions of these names only ever touch files.
FILE_MODULES = {"os", "shutil", "tempfile", "pathlib", "io"}


def _mode(call: ast.Call, position: int) -> str | None:
    """Return the mode argument of an open() call, "?" when it is not a literal, None if absent."""
    node = next((k.value for k in call.keywords if k.arg == "mode"), None)
    if node is None and len(call.args) > position:
        node = call.args[position]
    if node is None:
        return None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else "?"


def _opens_memory(call: ast.Call) -> bool:
    """Whether an open() call's first argument is an in-memory stream made on the spot."""
    if not call.args or not isinstance(call.args[0], ast.Call):
        return False
    func = call.args[0].func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("BytesIO", "StringIO")


def file_access(tree: ast.AST) -> list[tuple[str, int, str]]:
    """Return (kind, line, call) for every call that writes or reads a file; kind is write or read."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if name == "open" and _opens_memory(node):
            continue  # Image.open(io.BytesIO(data)): bytes someone else read
        if name == "open":
            # builtins/io/os open(file, mode); Path.open(mode)
            position = 0 if isinstance(func, ast.Attribute) and owner not in ("io", "os") else 1
            mode = _mode(node, position)
            writes = mode is not None and (mode == "?" or any(c in mode for c in "wax+"))
            found.append(("write" if writes else "read", node.lineno, "open"))
        elif name == "replace" and isinstance(func, ast.Attribute) and owner != "dataclasses" and (
                owner == "os" or len(node.args) == 1):
            # Path.replace(target) and os.replace(a, b); str.replace takes two arguments.
            found.append(("write", node.lineno, name))
        elif name in WRITE_METHODS and (name not in AMBIGUOUS or owner in FILE_MODULES):
            found.append(("write", node.lineno, name))
        elif name in READ_METHODS and isinstance(func, ast.Attribute):
            found.append(("read", node.lineno, name))
    return found


def test_only_publish_writes_files():
    writers = [f"cxsite/{name}:{line} calls {call}"
               for name, tree in modules().items() if not name.startswith(WRITERS)
               for kind, line, call in file_access(tree) if kind == "write"]
    assert writers == []


def test_only_the_readers_read_files():
    readers = [f"cxsite/{name}:{line} calls {call}"
               for name, tree in modules().items() if not name.startswith(READERS)
               for kind, line, call in file_access(tree) if kind == "read"]
    assert readers == []


def test_publish_is_found_writing():
    # If the detector went blind, test_only_publish_writes_files would pass for nothing.
    calls = {call for name, tree in modules().items() if name.startswith("publish/")
             for kind, _, call in file_access(tree) if kind == "write"}
    assert {"open", "write_text", "makedirs", "copy2", "replace", "rename", "unlink", "rmdir",
            "link"} <= calls


WRITING_SOURCE = '''
import os, shutil, tempfile
from pathlib import Path
from shutil import copy2, rmtree
def f(p: Path, q, mode):
    p.write_text("x")
    p.write_bytes(b"x")
    open(p, "w")
    open(p, mode="ab")
    open(p, mode)
    p.open("w")
    p.open(mode="r+")
    shutil.copyfile(p, q)
    shutil.copy2(p, q)
    shutil.copytree(p, q)
    shutil.rmtree(q)
    shutil.move(p, q)
    p.unlink()
    p.rename(q)
    p.replace(q)
    os.replace(p, q)
    p.mkdir()
    os.makedirs(q)
    os.link(p, q)
    os.symlink(p, q)
    os.remove(p)
    p.touch()
    tempfile.mkdtemp()
    copy2(p, q)
    rmtree(q)
'''

HARMLESS_SOURCE = '''
def g(p, text, items):
    open(p)
    open(p, "rb")
    p.open()
    p.open("r", encoding="utf-8")
    text.replace("a", "b")
    replace(record, name="x")
    dataclasses.replace(record, name="x")
    items.copy()
    items.remove(1)
    copy(items)
    remove(items, 1)
    p.is_file()
    Image.open(io.BytesIO(data), formats=["PNG"])
'''


def test_detector_catches_every_kind_of_write():
    calls = [call for kind, _, call in file_access(ast.parse(WRITING_SOURCE)) if kind == "write"]
    assert len(calls) == WRITING_SOURCE.count("\n    ")  # one finding per line of the function


def test_detector_leaves_reads_and_lookalikes_alone():
    assert [c for c in file_access(ast.parse(HARMLESS_SOURCE)) if c[0] == "write"] == []
    assert [c for kind, _, c in file_access(ast.parse(HARMLESS_SOURCE)) if kind == "read"] == [
        "open", "open", "open", "open"]


def test_import_detector_sees_every_form():
    tree = ast.parse("from cxsite.render.pages import Output\nimport cxsite.build\n"
                     "from cxsite import __version__\nfrom .. import cli\nfrom .model import Site\n"
                     "from ..content import reader\n"
                     "def f():\n    from cxsite.publish.writer import x\n")
    assert sorted(imported_units(tree, ("site",))) == sorted([
        ("render", 1), ("build", 2), ("__init__", 3), ("cli", 4), ("site", 5), ("content", 6),
        ("publish", 8)])
