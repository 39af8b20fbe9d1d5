"""The command line: the only place that prints problems and picks the exit status.

Exit status: 0 success, 1 content or configuration problems, 2 usage errors.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from cxsite import __version__
from cxsite.build import BuildOptions, BuildResult, build
from cxsite.problem import Problem

EXIT_PROBLEMS = 1
EXIT_INTERNAL = 3


def print_problems(problems) -> None:
    """Print problems to stderr, errors and warnings in reading order, with a count."""
    for problem in problems:
        click.echo(problem.format(), err=True)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if problems:
        parts = [f"{errors} 个错误"] if errors else []
        parts += [f"{warnings} 个警告"] if warnings else []
        click.echo("共 " + "，".join(parts), err=True)


STAGE_NAMES = {"load": "读取", "graph": "关联", "render": "渲染", "write": "写入"}


def summary_line(result: BuildResult, out: Path) -> str:
    """One line on what a successful build did, with the time of each stage."""
    stages = " · ".join(f"{STAGE_NAMES[k]} {v:.2f}" for k, v in result.stages.items() if k in STAGE_NAMES)
    text = (f"完成：{result.pages} 个页面（本次渲染 {result.rendered} 个）；写入 {result.written} 个文件，"
            f"未变 {result.unchanged} 个，删除 {result.deleted} 个；订阅源 {result.feeds} 个，"
            f"静态文件 {result.static} 个 → {out}；用时 {result.seconds:.2f} 秒（{stages}）")
    held = result.held_back
    parts = ([f"草稿 {held.drafts} 篇"] if held.drafts else []) + (
        [f"未到发布日期 {held.future} 篇"] if held.future else [])
    if parts:
        flags = "、".join(f for f, n in (("--drafts", held.drafts), ("--future", held.future)) if n)
        text += f"。暂不发布：{'，'.join(parts)}（加 {flags} 可预览）"
    return text + "。"


def _site_root(root: str | None) -> Path:
    """Return the site's root folder (the current folder by default)."""
    return Path(root).resolve() if root else Path.cwd()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="cxsite", message="%(prog)s %(version)s")
def cli() -> None:
    """cxsite：创先争优活动专题网站生成器。"""


@cli.command("build")
@click.option("--root", "-C", type=click.Path(file_okay=False), help="网站根目录（默认为当前目录）")
@click.option("--out", "-o", type=click.Path(), help="输出文件夹（默认为 public）")
@click.option("--drafts", is_flag=True, help="同时发布草稿（draft: true）")
@click.option("--future", is_flag=True, help="同时发布日期在未来的文章")
@click.option("--base-url", help="覆盖 site.yaml 中的 base_url")
@click.option("--portable", is_flag=True, help="生成可直接用浏览器从本地打开的网站（链接以 index.html 结尾）")
def build_command(root, out, drafts, future, base_url, portable) -> None:
    """生成网站到输出文件夹；失败时保留上一次的网站不变。"""
    site_root = _site_root(root)
    options = BuildOptions(site_root, Path(out).resolve() if out else None, drafts, future, base_url,
                           portable)
    result = build(options)
    print_problems(result.problems)
    if not result.ok:
        click.echo("生成失败，输出文件夹保持不变。", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(summary_line(result, options.out_dir))


def main() -> None:
    """Entry point of the `cxsite` command: run the CLI, never showing a bare traceback."""
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("已中断；输出文件夹保持不变。", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in cxsite, not a writer's mistake
        if os.environ.get("CXSITE_DEBUG"):
            traceback.print_exc()
        click.echo(f"cxsite 内部错误：{type(exc).__name__}: {exc}\n"
                   "这不是您的内容有误。设置环境变量 CXSITE_DEBUG=1 可查看详细信息。", err=True)
        sys.exit(EXIT_INTERNAL)


__all__ = ["cli", "main", "Problem"]
