"""`cxsite bundle DIR`: an offline installer for PCs and servers that reach no package index.

The folder holds wheels of cxsite and of everything it needs, for 64-bit Windows
and for Linux x86_64, for each supported Python version, and scripts that install
from that folder alone (`pip install --no-index --find-links`): 安装.bat for the
writers' Windows PCs, install.sh for the admin's server, and 说明.txt.

Wheels come from pip (`pip wheel` for this machine, `pip download --platform` for
the others). pip evaluates environment markers for the machine it runs on, never
for `--platform` (click needs colorama on Windows only), so every target's
requirements are followed here with `packaging` and whatever is missing is
downloaded for it, until each target's set is complete.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from cxsite import __version__
from cxsite.problem import Problem, error
from cxsite.publish.files import (
    copy_package_source,
    discard_bundle,
    finish_bundle,
    remove_files,
    start_bundle,
)

PYTHONS = ("3.11", "3.12", "3.13")  # the versions a bundle serves unless asked for others
PLATFORMS = ("windows", "linux")
# Linux wheels for servers with glibc 2.17 (CentOS 7) to 2.28 (Debian 10, RHEL 8, Kylin V10) and newer.
_MANYLINUX = tuple(f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)) + ("manylinux2014_x86_64",)
_ROUNDS = 6  # rounds of "download what is missing": each adds one level of dependencies at most
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One platform and Python version the bundle serves."""

    platform: str  # "windows" or "linux"
    python: str  # "3.11"

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"{'Windows 64 位' if self.platform == 'windows' else 'Linux x86_64'} / Python {self.python}"

    @property
    def platform_tags(self) -> tuple[str, ...]:
        """The wheel platform tags it takes, best first."""
        return ("win_amd64",) if self.platform == "windows" else _MANYLINUX

    def pip_options(self) -> list[str]:
        """What makes `pip download` fetch wheels for this target."""
        options = ["--only-binary=:all:", "--python-version", self.python, "--implementation", "cp"]
        for tag in self.platform_tags:
            options += ["--platform", tag]
        return options

    def markers(self) -> dict[str, str]:
        """The environment markers of this target, as PEP 508 names them."""
        windows = self.platform == "windows"
        return {"sys_platform": "win32" if windows else "linux",
                "platform_system": "Windows" if windows else "Linux",
                "os_name": "nt" if windows else "posix", "platform_machine": "AMD64" if windows else "x86_64",
                "python_version": self.python, "python_full_version": f"{self.python}.0",
                "implementation_name": "cpython", "platform_python_implementation": "CPython",
                "implementation_version": f"{self.python}.0", "platform_release": "", "platform_version": "",
                "extra": ""}

    def tags(self) -> frozenset:
        """Every wheel tag this target's Python accepts."""
        from packaging import tags

        version = tuple(int(part) for part in self.python.split("."))
        abi = "cp" + "".join(self.python.split("."))
        found = [*tags.cpython_tags(version, [abi], self.platform_tags),
                 *tags.compatible_tags(version, abi, self.platform_tags)]
        return frozenset(found)


@dataclass(frozen=True)
class Wheel:
    """A wheel in the bundle: its file, project, version, tags and requirements."""

    path: Path
    name: str
    version: object  # packaging.version.Version
    tags: frozenset
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Bundle:
    """What `cxsite bundle` made: where, the wheels, and for which targets."""

    folder: Path
    wheels: tuple[str, ...]  # file names
    size: int  # bytes of the whole folder
    targets: tuple[Target, ...]


def make_bundle(target: Path, source: Path, targets: Sequence[Target],
                progress: Progress = lambda text: None) -> tuple[Bundle | None, list[Problem]]:
    """Make the offline bundle in `target` from the cxsite source at `source` (a checkout)."""
    if not (source / "pyproject.toml").is_file() or not (source / "cxsite" / "__init__.py").is_file():
        return None, [error(str(source), None, "这里不是 cxsite 的源代码文件夹，无法制作安装包",
                            "在 cxsite 的源代码（含 pyproject.toml 的文件夹）里运行，或用 --source 指定它")]
    staging, problem = start_bundle(target)
    if problem:
        return None, [problem]
    wheels = staging / "wheels"
    try:
        progress("正在构建 cxsite 及其依赖的 wheel（本机）……")
        built = copy_package_source(source, staging)
        problem = _pip(["wheel", "--quiet", "--wheel-dir", str(wheels), str(built)])
        for one in targets:
            problem = problem or _complete(one, wheels, progress)
    except OSError as exc:
        problem = error(str(target), None, f"无法运行 pip（{exc.strerror}）", "确认这个 Python 装有 pip")
    if problem:
        discard_bundle(staging)
        return None, [problem]
    accepted = frozenset().union(*(one.tags() for one in targets))
    # The first step builds wheels for this machine, which a bundle for other targets has no use for.
    remove_files([w.path for w in read_wheels(wheels) if not w.tags & accepted])
    names = tuple(sorted(p.name for p in wheels.glob("*.whl")))
    problem = finish_bundle(staging, target, install_files(targets))
    if problem:
        return None, [problem]
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return Bundle(target, names, size, tuple(targets)), []


def _complete(target: Target, wheels: Path, progress: Progress) -> Problem | None:
    """Download wheels for one target until every requirement it has is in the folder."""
    progress(f"正在下载 {target.label} 的 wheel……")
    wanted = [str(_cxsite_wheel(wheels).path)]
    for _ in range(_ROUNDS):
        problem = _pip(["download", "--quiet", *target.pip_options(), "--find-links", str(wheels),
                        "--dest", str(wheels), *wanted])
        if problem:
            return problem
        wanted = missing_requirements(read_wheels(wheels), target)
        if not wanted:
            return None
        progress(f"  {target.label} 还需要：{'、'.join(wanted)}")
    return error(str(wheels), None, f"{target.label} 的依赖下载了 {_ROUNDS} 轮仍不完整：{'、'.join(wanted)}",
                 "这是 cxsite 的问题，请把这条信息交给维护 cxsite 的人")


def _pip(arguments: list[str]) -> Problem | None:
    """Run pip with this Python; a failure becomes a problem carrying the end of pip's output."""
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments],
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    if done.returncode == 0:
        return None
    said = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()][-6:]
    return error("pip", None, "pip 没能取得需要的 wheel：" + " / ".join(said),
                 "制作安装包的电脑要能连上 PyPI（或 pip 配置的镜像，如 pip config set global.index-url …）")


def read_wheels(folder: Path) -> list[Wheel]:
    """Every wheel in a folder with its name, version, tags and requirements."""
    from packaging.utils import parse_wheel_filename

    found = []
    for path in sorted(folder.glob("*.whl")):
        name, version, _, tags = parse_wheel_filename(path.name)
        found.append(Wheel(path, name, version, frozenset(tags), _requirements(path)))
    return found


def _requirements(path: Path) -> tuple[str, ...]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        metadata = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return tuple(metadata.get_all("Requires-Dist") or ())


def _cxsite_wheel(wheels: Path) -> Wheel:
    """The wheel of cxsite itself."""
    return next(w for w in read_wheels(wheels) if w.name == "cxsite")


def missing_requirements(wheels: list[Wheel], target: Target) -> list[str]:
    """The requirements (without markers) of cxsite on a target that no wheel in the folder meets."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    accepted = target.tags()
    usable: dict = {}
    for wheel in wheels:
        if wheel.tags & accepted:
            usable.setdefault(wheel.name, []).append(wheel)
    todo = [(Requirement(f"cxsite=={__version__}"), "")] if "cxsite" in usable else []
    seen, missing = set(), []
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({**target.markers(), "extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        fits = [w for w in usable.get(name, ())
                if requirement.specifier.contains(w.version, prereleases=True)]
        if not fits:
            missing.append(f"{requirement.name}{requirement.specifier}")
            continue
        for wanted in ("", *sorted(requirement.extras)):
            if (name, wanted) not in seen:
                seen.add((name, wanted))
                best = max(fits, key=lambda w: w.version)
                todo += [(Requirement(text), wanted) for text in best.requires]
    return sorted(set(missing))


# ------------------------------------------------------------------ the scripts in the bundle


def install_files(targets: Sequence[Target]) -> dict[str, bytes]:
    """安装.bat (GBK, as cmd.exe on Chinese Windows reads it), install.sh and 说明.txt."""
    pythons = sorted({t.python for t in targets}, key=lambda v: tuple(map(int, v.split("."))))
    low, high = pythons[0], pythons[-1]
    files = {"说明.txt": _readme(low, high).replace("\n", "\r\n").encode("utf-8-sig")}
    if any(t.platform == "windows" for t in targets):
        files["安装.bat"] = _batch(pythons).replace("\n", "\r\n").encode("gbk")
    if any(t.platform == "linux" for t in targets):
        files["install.sh"] = _shell(low, high).encode("utf-8")
    return files


def _version_check(low: str, high: str) -> str:
    """Python code that exits 1 unless the running Python is one the bundle has wheels for."""
    return (f"import sys; sys.exit(0 if ({low.replace('.', ', ')}) <= sys.version_info[:2] <= "
            f"({high.replace('.', ', ')}) else 1)")


def _batch(pythons: list[str]) -> str:
    """安装.bat: install cxsite into the PC's Python from the wheels beside it."""
    low, high = pythons[0], pythons[-1]
    tries = " ".join(reversed(pythons))
    return f"""@echo off
setlocal
rem cxsite {__version__} 离线安装：只从本文件夹里的 wheels 安装，不连网。
set "HERE=%~dp0"
rem pip reads no configuration file when PIP_CONFIG_FILE is os.devnull ("nul" on Windows).
set "PIP_CONFIG_FILE=nul"
set "PIP_NO_INDEX=1"
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_FIND_LINKS="
set "PIP_INDEX_URL="
set "PIP_EXTRA_INDEX_URL="
set "PIP_CONSTRAINT="
set "PY="
for %%V in ({tries}) do (
  if not defined PY py -%%V -c "" >nul 2>nul && set "PY=py -%%V"
)
if not defined PY set "PY=python"
%PY% -c "{_version_check(low, high)}" >nul 2>nul || goto nopython
echo 正在用 %PY% 安装 cxsite……
%PY% -m pip install --no-index --find-links "%HERE%wheels" --upgrade cxsite || goto failed
%PY% -m cxsite --version || goto failed
echo.
echo 安装完成。在网站文件夹里打开命令行窗口，运行 cxsite build；
echo 如果提示找不到 cxsite，就运行 %PY% -m cxsite build（其他命令同样在前面加 %PY% -m）。
pause
exit /b 0
:nopython
echo 没有找到 Python {low}～{high}。请先安装 Python（安装时勾选“Add python.exe to PATH”），再运行本文件。
pause
exit /b 1
:failed
echo 安装没有成功。请把上面的信息截图发给网站管理员。
pause
exit /b 1
"""


def _shell(low: str, high: str) -> str:
    """install.sh: install cxsite into a virtual environment from the wheels beside it."""
    return f"""#!/bin/sh
# cxsite {__version__} 离线安装：只从本文件夹里的 wheels 安装，不连网。
# 用法：sh install.sh [安装到的文件夹]（默认 ~/.local/share/cxsite）
#       PYTHON=python3.12 sh install.sh 指定 Python
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${{1:-"$HOME/.local/share/cxsite"}}
PYTHON=${{PYTHON:-python3}}
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_REQUIREMENT
if ! "$PYTHON" -c "{_version_check(low, high)}"; then
  echo "需要 Python {low}～{high}；可用 PYTHON=python3.12 sh install.sh 指定" >&2
  exit 1
fi
if [ ! -x "$TARGET/bin/python" ]; then
  "$PYTHON" -m venv "$TARGET" || {{
    echo "无法建立虚拟环境；Debian/Ubuntu 上先安装 python3-venv" >&2
    exit 1
  }}
fi
"$TARGET/bin/python" -m pip install --no-index --find-links "$HERE/wheels" --upgrade cxsite
"$TARGET/bin/cxsite" --version
echo "安装完成：$TARGET/bin/cxsite"
echo "可以把它放进 PATH：ln -s \\"$TARGET/bin/cxsite\\" ~/.local/bin/cxsite"
"""


def _readme(low: str, high: str) -> str:
    """说明.txt: what the folder is and how to install from it."""
    return f"""cxsite {__version__} 离线安装包

这个文件夹里有 cxsite 和它用到的全部软件包（wheels 文件夹），安装时不需要连接互联网。
适用于 Python {low}～{high}。

Windows 电脑（写稿的同事）：
  1. 先安装 Python {low}～{high}（安装时勾选“Add python.exe to PATH”）。
  2. 双击“安装.bat”。看到“安装完成”即可。
  3. 在网站文件夹里打开命令行窗口（在资源管理器地址栏输入 cmd 回车），运行 cxsite build；
     如果提示找不到 cxsite，就运行 py -m cxsite build。

Linux 服务器（网站管理员）：
  sh install.sh            安装到 ~/.local/share/cxsite
  sh install.sh /opt/cxsite  安装到指定文件夹
  之后运行 /opt/cxsite/bin/cxsite build（或把它链接到 PATH 里）。

升级：用新的安装包再运行一次即可。
"""
