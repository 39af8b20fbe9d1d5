"""The command line: the only place that prints problems and picks the exit status.

Exit status: 0 success, 1 content or configuration problems, 2 usage errors.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cxsite import __version__
from cxsite.authoring.scaffold import KIND_NAMES, KINDS
from cxsite.build import BuildOptions, BuildResult, Rebuild, Session, build
from cxsite.problem import Problem, error
from cxsite.usage import VERSION_OPTION_TEXT, Choice, Group, IntRange, UsageProblem
from cxsite.usage import Path as PathType

if TYPE_CHECKING:  # the preview, check and authoring modules load only for their commands
    from cxsite.serve.server import Preview, PreviewServer
    from cxsite.serve.watch import Changes, Watcher

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


# A build shows this many warnings of one kind (same code, or same hint); `check` shows all of them.
SAME_KIND_SHOWN = 10


def print_problems(problems, same_kind_shown: int | None = None) -> None:
    """Print problems to stderr, errors and warnings in reading order, with a count.

    With `same_kind_shown`, warnings beyond that many of one kind are counted, not printed:
    an archive whose 5,000 issues are all out of date order gets ten lines and a sum, not 10,000
    lines. Errors are always printed, every one.
    """
    seen: dict[str, int] = {}
    for problem in problems:
        kind = problem.code or problem.hint or problem.message
        seen[kind] = seen.get(kind, 0) + (0 if problem.is_error else 1)
        if problem.is_error or same_kind_shown is None or seen[kind] <= same_kind_shown:
            click.echo(problem.format(), err=True)
    limit = same_kind_shown
    hidden = sum(n - limit for n in seen.values() if limit is not None and n > limit)
    if hidden:
        click.echo(f"……另有 {hidden} 个同类警告没有列出（每类只列前 {same_kind_shown} 个）", err=True)
        click.echo("    提示：运行 cxsite check 可以看到全部问题", err=True)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if problems:
        parts = [f"{errors} 个错误"] if errors else []
        parts += [f"{warnings} 个警告"] if warnings else []
        click.echo("共 " + "，".join(parts), err=True)


STAGE_NAMES = {"state": "缓存", "scan": "检查", "load": "读取", "graph": "关联", "images": "图片",
               "render": "渲染", "write": "写入"}


def summary_line(result: BuildResult, out: Path) -> str:
    """One line on what a successful build did, with the time of each stage."""
    stages = " · ".join(f"{STAGE_NAMES[k]} {v:.2f}" for k, v in result.stages.items() if k in STAGE_NAMES)
    stages = stages or "无改动，未读取内容"
    text = (f"完成：{result.pages} 个页面（本次渲染 {result.rendered} 个）；写入 {result.written} 个文件，"
            f"未变 {result.unchanged} 个，删除 {result.deleted} 个；订阅源 {result.feeds} 个，"
            f"静态文件 {result.static} 个{_images_part(result)} → {out}；"
            f"用时 {result.seconds:.2f} 秒（{stages}）")
    held = result.held_back
    parts = ([f"草稿 {held.drafts} 篇"] if held.drafts else []) + (
        [f"未到发布日期 {held.future} 篇"] if held.future else [])
    if parts:
        flags = "、".join(f for f, n in (("--drafts", held.drafts), ("--future", held.future)) if n)
        text += f"。暂不发布：{'，'.join(parts)}（加 {flags} 可预览）"
    access = result.access
    if access is not None:
        text += (f"。访问日志：{access.lines} 行，计入浏览 {access.counted} 次，"
                 f"搜索引擎和程序的访问 {access.crawlers} 次不计，无法识别 {access.skipped_lines} 行")
    return text + "。"


def print_files(result: BuildResult) -> None:
    """List every file a build wrote or deleted, by its path in the output folder (`--verbose`)."""
    for path in result.written_paths:
        click.echo(f"写入 {path}")
    for path in result.deleted_paths:
        click.echo(f"删除 {path}")


def _images_part(result: BuildResult) -> str:
    """How many photos, covers and wide body images were made again or taken from the cache."""
    if not (result.images_made or result.images_reused):
        return ""
    return f"；图片处理 {result.images_made} 张，沿用 {result.images_reused} 张"


class ProgressBar:
    """Click's progress bar for the slow stages, shown only once a build has run a second.

    Nothing at all is shown when stderr is not a terminal (CI, pipes): click would
    still print the bar's label there.
    """

    LABELS = {"read": "读取内容", "render": "生成页面"}

    def __init__(self, delay: float = 1.0, enabled: bool = True):
        self.started = time.monotonic()
        self.delay = delay
        self.enabled = enabled  # not with --quiet
        self.bar = None
        self.stage = ""
        self.shown = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Report that `done` of `total` items of a stage are finished."""
        if not self.enabled or not sys.stderr.isatty():
            return
        if stage != self.stage:
            if time.monotonic() - self.started < self.delay:
                return
            self.close()
            self.bar = click.progressbar(length=total, label=self.LABELS.get(stage, stage), file=sys.stderr)
            self.bar.__enter__()
            self.stage, self.shown = stage, 0
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        """Finish the bar on screen, if one is shown."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar, self.stage = None, ""


def _say_waiting(holder: str) -> None:
    """Tell the writer why nothing happens yet: another build of the same site runs."""
    who = f"（进程 {holder}）" if holder.isdigit() else ""
    click.echo(f"另一个 cxsite 正在生成这个网站{who}，等它完成后再开始……（加 --no-wait 则不等待）", err=True)


def _site_root(root: str | None) -> Path:
    """Return the site's root folder (the current folder by default)."""
    return Path(root).resolve() if root else Path.cwd()


# Every command that works on a site takes its folder the same way.
root_option = click.option("--root", "-C", type=PathType(file_okay=False), metavar="文件夹",
                           help="网站根目录（默认为当前目录）")


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="cxsite", message="%(prog)s %(version)s",
                      help=VERSION_OPTION_TEXT)
def cli() -> None:
    """cxsite：创先争优活动专题网站生成器。"""


@cli.command("build")
@root_option
@click.option("--out", "-o", type=PathType(), metavar="文件夹", help="输出文件夹（默认为 public）")
@click.option("--drafts", is_flag=True, help="同时发布草稿（draft: true）")
@click.option("--future", is_flag=True, help="同时发布日期在未来的文章")
@click.option("--base-url", metavar="网址", help="覆盖 site.yaml 中的 base_url")
@click.option("--portable", is_flag=True, help="生成可直接用浏览器从本地打开的网站（链接以 index.html 结尾）")
@click.option("--jobs", "-j", type=IntRange(1, 64), metavar="个数", help="并行进程数（默认为 CPU 核数）")
@click.option("--no-wait", is_flag=True, help="另一个 cxsite 正在生成同一个网站时不等待，直接退出")
@click.option("--access-log", "access_logs", multiple=True, type=PathType(dir_okay=False), metavar="文件",
              help="从网站服务器的访问日志统计浏览次数（nginx/Apache 或 IIS 格式，可以是 .gz；可写多次）")
@click.option("--quiet", "-q", is_flag=True, help="只报告错误和警告，不显示进度和完成摘要")
@click.option("--verbose", "-v", is_flag=True, help="另外逐个列出本次写入和删除的文件")
def build_command(root, out, drafts, future, base_url, portable, jobs, no_wait, access_logs,
                  quiet, verbose) -> None:
    """生成网站到输出文件夹；失败时保留上一次的网站不变。"""
    if quiet and verbose:
        raise UsageProblem("--quiet 和 --verbose 不能同时使用", click.get_current_context(),
                           hint="只要问题就用 --quiet，要看每个写入的文件就用 --verbose")
    site_root = _site_root(root)
    progress = ProgressBar(enabled=not quiet)
    seams = click.get_current_context().obj or {}  # tests hand in a file system here
    options = BuildOptions(site_root, Path(out).resolve() if out else None, drafts, future, base_url,
                           portable, access_logs=tuple(Path(p).resolve() for p in access_logs), jobs=jobs,
                           progress=progress, files=seams.get("files"), wait=not no_wait,
                           on_wait=(lambda holder: None) if quiet else _say_waiting)
    context = click.get_current_context()
    if context.obj and context.obj.get("exit_at_once"):
        # The process ends right after the build (below): the cycle collector's first pass after the
        # build, over every object it made, would take a tenth of a second for nothing at 10,000
        # bulletins. The build pauses the collector itself and resumes it only if it was running.
        gc.disable()
    try:
        result = build(options)
    finally:
        progress.close()
    print_problems(result.problems, SAME_KIND_SHOWN)
    if not result.ok:
        click.echo("生成失败，输出文件夹保持不变。", err=True)
        sys.exit(EXIT_PROBLEMS)
    if verbose:
        print_files(result)
    if not quiet:
        click.echo(summary_line(result, options.out_dir))
    if context.obj and context.obj.get("exit_at_once"):
        # Everything is written and committed; tearing down a big site's objects would
        # take another tenth of a second. (Only the real command does this, not tests.)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@cli.command("serve")
@click.option("--root", "-C", type=PathType(exists=True, file_okay=False), metavar="文件夹",
              help="网站根目录（默认为当前目录）")
@click.option("--port", "-p", type=IntRange(0, 65535), default=8000, metavar="端口",
              help="端口（默认 8000）；被占用时自动换一个空闲端口")
@click.option("--bind", default="127.0.0.1", metavar="地址",
              help="监听地址（默认 127.0.0.1：只有本机能访问）；0.0.0.0 让局域网内的电脑也能访问")
@click.option("--drafts", is_flag=True, help="预览草稿（draft: true）")
@click.option("--future", is_flag=True, help="预览日期在未来的文章")
def serve_command(root, port, bind, drafts, future) -> None:
    """在本机预览网站：保存文件后浏览器自动刷新，出错时在页面上列出问题。"""
    try:
        site_root = _site_root(root).resolve()
        running = start_preview(site_root, bind, port, drafts, future, partial(print_rebuild, site_root))
    except OSError as exc:
        click.echo(f"无法在 {bind} 的端口 {port} 上启动预览：{exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    if running.server.port_was_taken:
        click.echo(f"端口 {port} 已被占用，改用端口 {running.server.port}。")
    if bind not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"注意：预览监听在 {bind} 上，同一网络中的其他电脑也能打开它。")
    click.echo(f"正在预览：{running.server.url}  （按 Ctrl-C 停止）")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    click.echo("已停止预览。")


@dataclass(frozen=True)
class RunningPreview:
    """A preview being served and watched; `stop()` ends both."""

    server: PreviewServer
    watcher: Watcher
    preview: Preview

    def stop(self) -> None:
        """Stop watching, then end the event streams and the server."""
        self.watcher.stop()
        self.server.close()


def start_preview(root: Path, bind: str, port: int, drafts: bool, future: bool, report) -> RunningPreview:
    """Wire the session, the server and the watcher together; build once and start serving.

    report(outcome, changes, seconds) is called after every rebuild.
    """
    from cxsite.serve.server import Preview, PreviewServer
    from cxsite.serve.watch import Watcher

    root = root.resolve()
    server = PreviewServer(bind, port)
    session = Session(BuildOptions(root, drafts=drafts, future=future, base_url=server.url), resident=True)

    def rebuild(changes: Changes | None) -> Rebuild:
        started = time.perf_counter()
        outcome = _rebuild_safely(session, changes)
        report(outcome, changes, time.perf_counter() - started)
        return outcome

    try:
        preview = Preview(rebuild)
        preview.refresh(None)
        server.serve(preview)
        watcher = Watcher(root, preview.refresh).start()
    except BaseException:
        server.close()
        raise
    return RunningPreview(server, watcher, preview)


def _rebuild_safely(session: Session, changes: Changes | None) -> Rebuild:
    """Rebuild for a batch of changes; a bug in cxsite becomes a problem in the page, not a dead server."""
    kinds = None if changes is None else frozenset(kind.value for kind in changes.kinds)
    try:
        return session.rebuild(kinds)
    except Exception as exc:  # a bug in cxsite, not a writer's mistake: keep serving the last good site
        if os.environ.get("CXSITE_DEBUG"):
            traceback.print_exc()
        return Rebuild((error("cxsite", None, f"cxsite 内部错误：{type(exc).__name__}: {exc}",
                              "这不是您的内容有误。设置环境变量 CXSITE_DEBUG=1 可查看详细信息"),), {})


def print_rebuild(root: Path, outcome: Rebuild, changes: Changes | None, seconds: float) -> None:
    """Report one rebuild of `cxsite serve`: what changed, the problems, and what was rendered."""
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    if changes is not None:
        shown = changes.shown(root)
        names = "、".join(shown[:3]) + (f" 等 {len(shown)} 个文件" if len(shown) > 3 else "")
        click.echo(f"[{stamp}] 有改动：{names}")
    print_problems(outcome.problems)
    if outcome.ok:
        click.echo(f"[{stamp}] 已生成：渲染了 {outcome.rendered} 个页面，"
                   f"{len(outcome.changed)} 个文件有变化，用时 {seconds:.2f} 秒。")
    else:
        click.echo(f"[{stamp}] 生成失败：浏览器里仍是上次成功生成的网站，问题列在页面上；改正后保存即可。",
                   err=True)


@cli.command("check")
@root_option
@click.option("--drafts", is_flag=True, help="同时检查草稿页面的链接")
@click.option("--future", is_flag=True, help="同时检查日期在未来的文章的链接")
@click.option("--base-url", metavar="网址", help="覆盖 site.yaml 中的 base_url")
@click.option("--format", "output_format", type=Choice(["text", "json"]), default="text",
              help="输出格式：text（默认，给人看）或 json（给程序读）")
@click.option("--strict", is_flag=True, help="警告也算作问题（退出状态为 1）")
@click.option("--fix-encoding", is_flag=True,
              help="把 GBK/GB18030 编码的内容文件转换为 UTF-8（原文件先备份为 .bak）")
def check_command(root, drafts, future, base_url, output_format, strict, fix_encoding) -> None:
    """检查全部内容、链接和外部引用，不生成、不改动输出文件夹。"""
    options = BuildOptions(_site_root(root), None, drafts, future, base_url)
    from cxsite.check.run import run_check

    result = run_check(options, fix_encoding)
    for path in result.converted:
        click.echo(f"已转换为 UTF-8：{path}（原文件备份为 {path}.bak）", err=output_format == "json")
    if output_format == "json":
        # ASCII JSON: the same bytes on any console encoding (an emoji in a file name on a GBK console).
        click.echo(json.dumps([p.as_dict() for p in result.problems], ensure_ascii=True, indent=2))
    else:
        print_problems(result.problems)
    if not result.passed(strict):
        if output_format == "text":
            click.echo("检查未通过。", err=True)
        sys.exit(EXIT_PROBLEMS)
    if output_format == "text":
        click.echo(f"检查完成：{result.pages} 个页面，{result.links} 个站内链接，没有发现错误。")


@cli.command("new")
@click.argument("kind", type=Choice(KINDS), metavar="bulletin|post|event|page")
@click.argument("title", metavar="标题")
@root_option
@click.option("--force", is_flag=True, help="已有同名的稿件时也新建")
def new_command(kind, title, root, force) -> None:
    """新建一期简报、一篇文章、一个活动或一个页面（草稿），文件名取标题的拼音。"""
    if not title.strip():
        raise UsageProblem("标题不能为空", click.get_current_context(), '写成 cxsite new post "标题"')
    from cxsite.authoring.create import create_document

    plan, problems = create_document(_site_root(root), kind, title, force)
    print_problems(problems)
    if plan is None:
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"已新建{KIND_NAMES[kind]} {plan.path}{plan.note}")


@cli.command("init")
@click.argument("directory", type=PathType(), metavar="文件夹")
def init_command(directory) -> None:
    """在新的（或空的）文件夹里建立一个最小的专题网站。"""
    target = Path(directory).resolve()
    from cxsite.authoring.create import create_site

    files, problems = create_site(target)
    print_problems(problems)
    if files is None:
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"已在 {target} 建立新网站（{len(files)} 个文件）。写稿说明见其中的 README.md；"
               f"进入该文件夹运行 cxsite build 即可生成网站。")


@cli.command("bundle")
@click.argument("directory", type=PathType(), metavar="文件夹")
@click.option("--platform", "platforms", type=Choice(["windows", "linux"]), multiple=True,
              help="只为这个平台准备（可写多次；默认 windows 和 linux）")
@click.option("--python", "pythons", multiple=True, metavar="3.11",
              help="只为这个 Python 版本准备（可写多次；默认 3.11、3.12、3.13）")
@click.option("--source", type=PathType(file_okay=False), metavar="文件夹",
              help="cxsite 源代码文件夹（默认为正在运行的 cxsite 所在处）")
def bundle_command(directory, platforms, pythons, source) -> None:
    """制作离线安装包：cxsite 和全部依赖的 wheel 放进一个新文件夹，附安装脚本，供不能上网的电脑安装。"""
    from cxsite.authoring.bundle import PLATFORMS, PYTHONS, Target, make_bundle

    for version in pythons:
        if not re.fullmatch(r"3\.\d{1,2}", version):
            raise UsageProblem(f"选项 --python 的值不对：“{version}”不是 Python 版本",
                               click.get_current_context(), "写成 --python 3.11 这样（主版本号.次版本号）")
    targets = [Target(p, v) for p in platforms or PLATFORMS for v in pythons or PYTHONS]
    root = Path(source).resolve() if source else Path(__file__).resolve().parent.parent
    made, problems = make_bundle(Path(directory).resolve(), root, targets,
                                 lambda text: click.echo(text, err=True))
    print_problems(problems)
    if made is None:
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"已制作离线安装包 {made.folder}：{len(made.wheels)} 个 wheel，共 {made.size / 1e6:.1f} MB，"
               f"适用于 {'、'.join(t.label for t in made.targets)}。把整个文件夹复制到要安装的电脑上，"
               "Windows 双击“安装.bat”，Linux 运行 sh install.sh。")


def _tolerant_console() -> None:
    """Let the console show what it can: a character its encoding lacks (an emoji on a GBK console)
    is written as an escape instead of ending the command with an error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main() -> None:
    """Entry point of the `cxsite` command: run the CLI, never showing a bare traceback."""
    _tolerant_console()
    try:
        # Not click's standalone mode: it would answer Ctrl-C with its English "Aborted!".
        code = cli.main(standalone_mode=False, obj={"exit_at_once": True})
    except SystemExit:
        raise
    except click.ClickException as exc:  # usage errors (in Chinese, see usage.py)
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.Abort):
        click.echo("已中断；输出文件夹保持不变。", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in cxsite, not a writer's mistake
        if os.environ.get("CXSITE_DEBUG"):
            traceback.print_exc()
        click.echo(f"cxsite 内部错误：{type(exc).__name__}: {exc}\n"
                   "这不是您的内容有误。设置环境变量 CXSITE_DEBUG=1 可查看详细信息。", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)  # --help and --version end with their status


__all__ = ["cli", "main", "Problem"]
