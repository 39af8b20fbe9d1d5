"""`cxsite bundle`: an offline installer, installed from with no package index into a fresh environment.

The whole round trip runs for this machine's platform and Python only (building
Windows wheels here would only be downloading them); which wheels each other
target needs is checked on wheels made up for the purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxsite import __version__
from cxsite.authoring.bundle import Target, install_files, missing_requirements, read_wheels
from cxsite.cli import cli

from support import REPO

PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def fake_wheel(folder: Path, filename: str, *requires: str) -> None:
    """A wheel holding only its METADATA, enough to follow its requirements."""
    name, version = filename.split("-")[:2]
    with zipfile.ZipFile(folder / filename, "w") as archive:
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                 *(f"Requires-Dist: {r}" for r in requires)]
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(lines) + "\n")


def test_each_target_gets_its_own_requirements_by_platform_and_python(tmp_path):
    fake_wheel(tmp_path, f"cxsite-{__version__}-py3-none-any.whl", "click>=8", "lxml",
               "tzdata; sys_platform == 'win32'", "pytest; extra == 'test'")
    fake_wheel(tmp_path, "click-8.1.7-py3-none-any.whl", "colorama; platform_system == 'Windows'")
    fake_wheel(tmp_path, "lxml-5.3.0-cp311-cp311-win_amd64.whl")
    fake_wheel(tmp_path, "lxml-5.3.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    wheels = read_wheels(tmp_path)
    assert missing_requirements(wheels, Target("windows", "3.11")) == ["colorama", "tzdata"]
    assert missing_requirements(wheels, Target("windows", "3.12")) == ["colorama", "lxml", "tzdata"]
    assert missing_requirements(wheels, Target("linux", "3.12")) == []
    assert missing_requirements(wheels, Target("linux", "3.11")) == ["lxml"]
    fake_wheel(tmp_path, "colorama-0.4.6-py2.py3-none-any.whl")
    fake_wheel(tmp_path, "tzdata-2024.1-py2.py3-none-any.whl")
    assert missing_requirements(read_wheels(tmp_path), Target("windows", "3.11")) == []


def test_the_install_scripts(tmp_path):
    files = install_files([Target("windows", "3.11"), Target("windows", "3.13"), Target("linux", "3.12")])
    assert sorted(files) == ["install.sh", "安装.bat", "说明.txt"]
    batch = files["安装.bat"].decode("gbk")  # cmd.exe on Chinese Windows reads the ANSI code page
    assert "\r\n" in batch and "\n" not in batch.replace("\r\n", "")
    assert '--no-index --find-links "%HERE%wheels"' in batch
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in batch
    shell = files["install.sh"].decode("utf-8")
    assert '--no-index --find-links "$HERE/wheels"' in shell
    (tmp_path / "install.sh").write_bytes(files["install.sh"])
    assert subprocess.run(["sh", "-n", str(tmp_path / "install.sh")]).returncode == 0
    assert files["说明.txt"].startswith("\ufeff".encode("utf-8"))  # Notepad knows it is UTF-8
    only_linux = install_files([Target("linux", "3.12")])
    assert sorted(only_linux) == ["install.sh", "说明.txt"]


def test_a_bundle_installs_with_no_index_and_builds_the_example_site(tmp_path):
    bundle = tmp_path / "cxsite-安装包"
    made = CliRunner().invoke(cli, ["bundle", str(bundle), "--platform", "linux", "--python", PYTHON,
                                    "--source", str(REPO)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in bundle.iterdir()) == ["install.sh", "wheels", "说明.txt"]
    wheels = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert f"cxsite-{__version__}-py3-none-any.whl" in wheels
    assert missing_requirements(read_wheels(bundle / "wheels"), Target("linux", PYTHON)) == []
    assert all(w.tags & Target("linux", PYTHON).tags() for w in read_wheels(bundle / "wheels"))
    assert not list(tmp_path.glob(".*cxsite-bundle"))  # no staging folder left
    # Installed as the admin would, by install.sh, with every pip setting of this machine taken away.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    environment["PYTHON"] = sys.executable
    # Any request pip made would go through a proxy that answers nothing: the install must not need one.
    environment.update({name: "http://127.0.0.1:9/" for name in ("http_proxy", "https_proxy", "HTTP_PROXY",
                                                                  "HTTPS_PROXY", "all_proxy", "ALL_PROXY")})
    home = tmp_path / "cxsite-env"
    done = subprocess.run(["sh", str(bundle / "install.sh"), str(home)], capture_output=True, text=True,
                          env=environment, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-3:-1] == [f"cxsite {__version__}", f"安装完成：{home}/bin/cxsite"]
    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.yaml", "content", "static", "layouts"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, site / name)
    built = subprocess.run([str(home / "bin" / "cxsite"), "build", "-C", str(site)], capture_output=True,
                           text=True, env={**environment, "SOURCE_DATE_EPOCH": "1288584000"}, timeout=600)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("完成：")
    assert (site / "public" / "bulletins" / "1" / "index.html").is_file()
    assert (site / "public" / "xsl" / "feed.xsl").is_file()  # the theme's files came with the wheel
    imported = subprocess.run([str(home / "bin" / "python"), "-c", "import cxsite; print(cxsite.__file__)"],
                              capture_output=True, text=True, env=environment, cwd=tmp_path)
    assert imported.stdout.startswith(str(home))  # the installed copy, not this checkout


def test_bundle_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["bundle", str(tmp_path / "full"), "--source", str(REPO)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"{tmp_path / 'full'}: 错误：这个文件夹已存在且不是空的，cxsite bundle 不会往里面写文件",
        "    提示：换一个新的文件夹名，或先清空它"]


@pytest.mark.parametrize("version", ["3", "python3.11", "3.11.2"])
def test_bundle_names_python_versions_as_major_minor(tmp_path, version):
    result = CliRunner().invoke(cli, ["bundle", str(tmp_path / "b"), "--python", version])
    assert result.exit_code == 2 and not (tmp_path / "b").exists()
