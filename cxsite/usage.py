"""The command line's own words: help pages and usage errors in Chinese, none of click's English.

click marks its texts for gettext, but a gettext catalog is chosen by the user's
locale variables (unset on most Windows PCs) and would switch the whole process's
message domain. click's own extension points say it in one place instead: a
formatter class (the usage line), command and group classes (section headings, the
help option, usage errors) and parameter types that explain a bad value. Every
usage error becomes a `UsageProblem`, printed like any problem: where, what, how to fix.
"""

from __future__ import annotations

import os
import re
import unicodedata
from difflib import get_close_matches

import click

from cxsite.problem import error

HELP_OPTION_TEXT = "显示这份说明并退出"
VERSION_OPTION_TEXT = "显示版本号并退出"


class UsageProblem(click.UsageError):
    """A mistake on the command line, in Chinese, with how to put it right (exit status 2)."""

    def __init__(self, message: str, ctx: click.Context | None = None, hint: str = ""):
        super().__init__(message, ctx)
        self.hint = hint

    def show(self, file=None) -> None:
        """Print the mistake as a problem: `cxsite build: 错误：…` and a hint."""
        where = self.ctx.command_path if self.ctx is not None else "cxsite"
        hint = self.hint or (f"运行 {where} --help 查看用法" if self.ctx is not None else "")
        click.echo(error(where, None, self.message, hint).format(), file=file, err=file is None)


class ChineseFormatter(click.HelpFormatter):
    """click's help formatter in Chinese: the usage line and headings, text measured as a console shows it.

    click measures text in characters; a Chinese character takes two columns of a
    console, so its columns would not line up and its lines would run over.
    """

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Write `用法：cxsite build [选项]`."""
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        """Write a heading with a full-width colon."""
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        """Write paragraphs wrapped to the console's width."""
        indent = " " * self.current_indent
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
        lines = [line for p in paragraphs for line in [*wrap_columns(p, self.width - len(indent)), ""]]
        self.write("\n".join(indent + line if line else "" for line in lines[:-1]) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """Write terms and their descriptions in two columns that line up."""
        rows = list(rows)
        first = min(max((columns(term) for term, _ in rows), default=0), col_max) + col_spacing
        hanging = " " * (self.current_indent + first)
        for term, text in rows:
            self.write(" " * self.current_indent + term)
            if not text:
                self.write("\n")
                continue
            fits = columns(term) <= first - col_spacing
            self.write(" " * (first - columns(term)) if fits else "\n" + hanging)
            lines = wrap_columns(text, max(self.width - len(hanging), 20))
            self.write(lines[0] + "\n" + "".join(hanging + line + "\n" for line in lines[1:]))


_PIECES = re.compile(r"[!-~]+ ?| |.")  # a word of ASCII (with the space after it), or one character
_NO_LINE_START = set("，。、；：？！）》」』”’")  # punctuation that never begins a line


def columns(text: str) -> int:
    """How many console columns text takes: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_columns(text: str, width: int) -> list[str]:
    """Break text into lines of at most `width` columns: between Chinese characters, or at spaces."""
    lines, line = [], []  # finished lines; the pieces of the current one
    for piece in _PIECES.findall(text):
        if not line or columns("".join(line) + piece.rstrip()) <= width:
            line.append(piece)
        elif piece[0] in _NO_LINE_START and len(line) > 1:  # the piece before goes down with it
            lines.append("".join(line[:-1]).rstrip())
            line = [line[-1], piece]
        else:
            lines.append("".join(line).rstrip())
            line = [piece.lstrip()]
    return [*lines, "".join(line).rstrip()]


class ChineseContext(click.Context):
    """A context whose help pages use the Chinese formatter."""

    formatter_class = ChineseFormatter


class ChineseHelp:
    """What cxsite's commands and its group share: Chinese help pages, usage errors explained."""

    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context):
        """click's help option, described in Chinese."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The arguments that have a description, under 参数."""
        rows = [p.get_help_record(ctx) for p in self.get_params(ctx)
                if isinstance(p, click.Argument) and getattr(p, "help", None) is not None]
        if rows:
            with formatter.section("参数"):
                formatter.write_dl(rows)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, under 选项."""
        rows = [p.get_help_record(ctx) for p in self.get_params(ctx) if not isinstance(p, click.Argument)]
        rows = [row for row in rows if row is not None]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does; a mistake in the arguments is explained in Chinese."""
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the help page itself, already in Chinese
        except click.UsageError as exc:
            raise explain(exc, ctx) from None

    def invoke(self, ctx: click.Context):
        """Run the command; a usage error its code raises is explained in Chinese too."""
        try:
            return super().invoke(ctx)
        except UsageProblem:
            raise
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:
            raise explain(exc, exc.ctx or ctx) from None


class Command(ChineseHelp, click.Command):
    """A cxsite command: Chinese help, and what is left over on its line is a mistake it names."""

    def __init__(self, *args, context_settings: dict | None = None, **kwargs):
        # Extra arguments are let through click's parser so that they can be named here.
        super().__init__(*args, context_settings={"allow_extra_args": True, **(context_settings or {})},
                         **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the arguments; any left over is a mistake."""
        rest = super().parse_args(ctx, args)
        if ctx.args and not ctx.resilient_parsing:
            extra = " ".join(ctx.args)
            raise UsageProblem(f"多出了“{extra}”，{ctx.command_path} 用不到它", ctx,
                               f"{ctx.get_usage()}；含空格的标题或路径请用引号括起来")
        return rest


class Group(ChineseHelp, click.Group):
    """cxsite itself: Chinese help listing its commands, unknown commands explained."""

    command_class = Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, then the commands."""
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with its short description, under 命令."""
        found = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in found if command is not None and not command.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        with formatter.section("命令"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Find the command named first; an unknown name is explained in Chinese."""
        try:
            return super().resolve_command(ctx, args)
        except UsageProblem:
            raise  # an option before the command, parsed again and explained
        except (click.NoSuchOption, click.BadOptionUsage, click.BadParameter) as exc:
            raise explain(exc, ctx) from None  # an option before the command, parsed again
        except click.UsageError:
            # The one other mistake here: no command of that name (click 8.4 names it
            # NoSuchCommand; earlier versions raise a plain UsageError).
            name = args[0]
            commands = self.list_commands(ctx)
            raise UsageProblem(f"没有 {name} 这个命令{_did_you_mean(get_close_matches(name, commands))}", ctx,
                               f"可用的命令：{'、'.join(commands)}；运行 {ctx.command_path} --help 查看说明"
                               ) from None


def explain(exc: click.UsageError, ctx: click.Context) -> UsageProblem:
    """Say a usage error of click's in Chinese, from what the exception knows (never its English text)."""
    if isinstance(exc, UsageProblem):
        return exc
    help_hint = f"运行 {ctx.command_path} --help 查看可用选项"
    if isinstance(exc, click.NoSuchOption):
        return UsageProblem(f"没有 {exc.option_name} 这个选项{_did_you_mean(exc.possibilities)}", ctx,
                            help_hint)
    if isinstance(exc, click.BadOptionUsage):
        return _bad_option_usage(exc.option_name, ctx, help_hint)
    if isinstance(exc, click.MissingParameter):
        return UsageProblem(f"缺少{_param_label(exc.param, ctx)}", ctx,
                            f"{ctx.get_usage()}；运行 {ctx.command_path} --help 查看说明")
    if isinstance(exc, click.BadParameter):
        return UsageProblem(f"{_param_label(exc.param, ctx)} 的值不对：{exc.message}", ctx, help_hint)
    # Anything else click may raise one day: still no English, and the way to the help page.
    return UsageProblem("命令行的写法不对", ctx, f"{ctx.get_usage()}；{help_hint}")


def _did_you_mean(possibilities) -> str:
    """`，是不是 --jobs 或 --out？` for close matches; nothing without them."""
    if not possibilities:
        return ""
    return f"；是不是 {' 或 '.join(sorted(possibilities))}？"


def _param_label(param, ctx: click.Context) -> str:
    """How a message names a parameter: `选项 --out`, or `参数 标题`."""
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return f"选项 {max(param.opts, key=len)}"
    return f"参数 {param.make_metavar(ctx)}"


def _bad_option_usage(name: str, ctx: click.Context, hint: str) -> UsageProblem:
    """An option written without its value, or a flag written with one."""
    option = next((p for p in ctx.command.params if isinstance(p, click.Option)
                   and name in (*p.opts, *p.secondary_opts)), None)
    if option is None or option.is_flag or option.count:
        return UsageProblem(f"选项 {name} 后面不能写值", ctx, f"只写 {name}；{hint}")
    metavar = option.make_metavar(ctx)
    return UsageProblem(f"选项 {name} 后面要写{metavar}", ctx, f"写成 {name} {metavar}；{hint}")


# ------------------------------------------------------------------ parameter types that explain in Chinese


class Choice(click.Choice):
    """One of a few words; anything else is explained with the words allowed."""

    def convert(self, value, param, ctx):
        """Return the choice, or fail naming the choices."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"“{value}”不是可选的值，可选：{'、'.join(map(str, self.choices))}", param, ctx)


class IntRange(click.IntRange):
    """A whole number between two bounds; anything else is explained with the bounds."""

    def convert(self, value, param, ctx):
        """Return the number, or fail naming the range."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"“{value}”不是 {self.min} 到 {self.max} 之间的整数", param, ctx)


class Path(click.Path):
    """A file or folder on disk; what is wrong with it is said in Chinese."""

    def convert(self, value, param, ctx):
        """Return the path, or fail saying what it is instead of what was asked for."""
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(self._why(os.fspath(value)), param, ctx)

    def _why(self, path: str) -> str:
        """What is wrong with a path click refused."""
        if not os.path.exists(path):
            return f"“{path}”不存在"
        if os.path.isdir(path) and not self.dir_okay:
            return f"“{path}”是文件夹，这里要写一个文件"
        if not os.path.isdir(path) and not self.file_okay:
            return f"“{path}”是文件，这里要写一个文件夹"
        return f"无法使用“{path}”（没有权限）"
