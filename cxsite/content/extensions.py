"""A site's own extensions: Python modules named in site.yaml that register more.

`extensions: [extensions/xuexi.py, some_installed.module]` — a path is a file
under the site's folder, anything else an installed module. Each must define
`register(registration)` (see render/registry.py). Their code is digested into
the build's settings, so changing an extension makes a clean build.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cxsite.content.project import CONFIG_FILE
from cxsite.problem import Problem, error


@dataclass(frozen=True)
class Extensions:
    """The extensions of a site, loaded: their register functions, files and a digest of their code."""

    registers: tuple[Callable, ...] = ()
    files: tuple[Path, ...] = ()
    digest: bytes = b""


def load_extensions(root: Path, names: tuple[str, ...], line: int | None = None
                    ) -> tuple[Extensions, list[Problem]]:
    """Import each named extension; problems (at site.yaml's `extensions` line) for those that fail."""
    registers, files, problems = [], [], []
    code = hashlib.blake2b(digest_size=16)
    for name in names:
        try:
            module, path = _import(root, name)
        except _ExtensionError as exc:
            problems.append(error(CONFIG_FILE, line, exc.args[0], exc.args[1]))
            continue
        register = getattr(module, "register", None)
        if not callable(register):
            problems.append(error(CONFIG_FILE, line, f"扩展“{name}”没有 register(registration) 函数",
                                  "在扩展模块里定义 def register(registration): …"))
            continue
        registers.append(register)
        if path is not None:
            files.append(path)
            code.update(path.read_bytes())
        code.update(name.encode() + b"\0")
    return Extensions(tuple(registers), tuple(files), code.digest()), problems


class _ExtensionError(Exception):
    """An extension that cannot be imported; args are (message, hint) in Chinese."""


def _import(root: Path, name: str):
    """Import a module from a file under the site, or an installed one; return it and its file."""
    if name.endswith(".py") or "/" in name or "\\" in name:
        path = (root / name).resolve()
        if not path.is_relative_to(root.resolve()):
            raise _ExtensionError(f"扩展“{name}”不在网站文件夹里",
                                  "扩展文件放在网站文件夹下，如 extensions/xuexi.py")
        if not path.is_file():
            raise _ExtensionError(f"找不到扩展文件“{name}”", "路径相对网站根目录，如 extensions/xuexi.py")
        digest = hashlib.blake2b(str(path).encode(), digest_size=6).hexdigest()
        module_name = f"cxsite_site_extension_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise _ExtensionError(f"扩展“{name}”无法加载：{_where(exc, path)}",
                                  "这是扩展代码的错误，请交给维护扩展的人检查") from exc
        sys.modules.setdefault(module_name, module)  # so pickling its objects (worker processes) works
        return module, path
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise _ExtensionError(f"找不到扩展模块“{name}”（{exc}）",
                              "确认已经安装，或写成网站文件夹里的 .py 文件路径") from exc
    except Exception as exc:
        raise _ExtensionError(f"扩展“{name}”无法加载：{_where(exc, None)}",
                              "这是扩展代码的错误，请交给维护扩展的人检查") from exc
    file = getattr(module, "__file__", None)
    return module, Path(file) if file else None


def _where(exc: Exception, path: Path | None) -> str:
    """The exception and the line of the extension's file where it happened."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if path is None or Path(f.filename) == path]
    where = f"（{Path(frames[-1].filename).name}:{frames[-1].lineno}）" if frames else ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = f"（{Path(exc.filename or '').name}:{exc.lineno}）"
    return f"{type(exc).__name__}: {exc}{where}"
