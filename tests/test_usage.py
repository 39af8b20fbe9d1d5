"""The command line speaks Chinese: every help page and usage error, with none of click's English."""

from __future__ import annotations

import re
import sys

import click
import pytest
from click.testing import CliRunner

import cxsite.cli
from cxsite.cli import cli, main
from cxsite.usage import Choice, IntRange, Path, columns, wrap_columns

# What click says in English when nobody translates it (its help pages and error messages).
CLICK_ENGLISH = ("Usage", "Options", "Commands", "Positional arguments", "Show this message",
                 "Show the version", "Error", "No such", "Missing", "Invalid value", "Try '", "for help",
                 "requires an argument",
                 "does not take a value", "unexpected extra", "is not one of", "is not in the range",
                 "does not exist", "default:", "TEXT", "PATH", "DIRECTORY", "FILE", "INTEGER", "Aborted")
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def run(*args: str):
    """Run `cxsite ARGS`; stdout and stderr stay apart."""
    return CliRunner().invoke(cli, list(args), prog_name="cxsite")


def commands() -> list[tuple[str, ...]]:
    """The command line of every help page: cxsite itself and each command."""
    return [()] + [(name,) for name in sorted(cli.commands)]


def own_words(command: click.Command) -> set[str]:
    """Every ASCII word cxsite writes into a command's help itself: names, option names, texts, choices."""
    texts = [command.name or "", command.help or "", "cxsite", "-h, --help"]  # help: from help_option_names
    for param in command.params:
        texts += [*param.opts, *param.secondary_opts, getattr(param, "help", None) or "", param.metavar or ""]
        if isinstance(param.type, click.Choice):
            texts += map(str, param.type.choices)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            texts += [sub.name or "", sub.help or ""]
    return {word for text in texts for word in WORD.findall(text)}


@pytest.mark.parametrize("args", commands(), ids=lambda a: " ".join(a) or "cxsite")
def test_every_help_page_is_in_chinese(args):
    result = run(*args, "--help")
    assert result.exit_code == 0 and result.stderr == ""
    text = result.stdout
    assert text.startswith(f"用法：cxsite{''.join(' ' + a for a in args)} [选项]")
    assert "\n选项：\n" in text and "显示这份说明并退出" in text
    assert [phrase for phrase in CLICK_ENGLISH if phrase in text] == []
    command = cli.commands[args[0]] if args else cli
    # Any English word that cxsite did not write itself would be click's.
    assert set(WORD.findall(text)) - own_words(command) == set(), text


def test_the_command_list_is_headed_in_chinese():
    text = run("--help").stdout
    assert "\n命令：\n" in text and "显示版本号并退出" in text
    assert [name for name in cli.commands if f"\n  {name} " not in text] == []


@pytest.mark.parametrize("args", commands(), ids=lambda a: " ".join(a) or "cxsite")
def test_help_columns_line_up_as_a_console_shows_them(args):
    lines = run(*args, "--help").stdout.splitlines()
    options = [line for line in lines if line.startswith("  -") or line.startswith("  --")]
    # The description starts at the same console column on every option's line.
    starts = {columns(re.match(r"\s*\S.*?\s{2,}", line).group()) for line in options}
    assert len(starts) == 1, options
    assert all(columns(line) <= 80 for line in lines)  # CliRunner's console is 80 columns wide


def test_wrapping_keeps_words_whole_and_punctuation_off_line_starts():
    assert wrap_columns("生成可直接用浏览器从本地打开的网站（链接以 index.html 结尾）", 20) == [
        "生成可直接用浏览器从", "本地打开的网站（链接", "以 index.html 结尾）"]
    assert wrap_columns("一二三四五，六", 10) == ["一二三四", "五，六"]


USAGE_ERRORS = [
    (("build", "--bogus"), "cxsite build: 错误：没有 --bogus 这个选项；是不是 --jobs 或 --out 或 --verbose？",
     "运行 cxsite build --help 查看可用选项"),
    (("--bogus",), "cxsite: 错误：没有 --bogus 这个选项", "运行 cxsite --help 查看可用选项"),
    (("buidl",), "cxsite: 错误：没有 buidl 这个命令；是不是 build 或 bundle？",
     "可用的命令：build、bundle、check、init、new、serve；运行 cxsite --help 查看说明"),
    (("build", "--drafts=yes"), "cxsite build: 错误：选项 --drafts 后面不能写值",
     "只写 --drafts；运行 cxsite build --help 查看可用选项"),
    (("build", "--jobs", "99"), "cxsite build: 错误：选项 --jobs 的值不对：“99”不是 1 到 64 之间的整数",
     "运行 cxsite build --help 查看可用选项"),
    (("build", "-j", "几个"), "cxsite build: 错误：选项 --jobs 的值不对：“几个”不是 1 到 64 之间的整数",
     "运行 cxsite build --help 查看可用选项"),
    (("check", "--format", "xml"),
     "cxsite check: 错误：选项 --format 的值不对：“xml”不是可选的值，可选：text、json",
     "运行 cxsite check --help 查看可用选项"),
    (("new",), "cxsite new: 错误：缺少参数 bulletin|post|event|page",
     "用法：cxsite new [选项] bulletin|post|event|page 标题；运行 cxsite new --help 查看说明"),
    (("new", "post"), "cxsite new: 错误：缺少参数 标题",
     "用法：cxsite new [选项] bulletin|post|event|page 标题；运行 cxsite new --help 查看说明"),
    (("new", "notice", "标题"),
     "cxsite new: 错误：参数 bulletin|post|event|page 的值不对：“notice”不是可选的值，"
     "可选：bulletin、post、event、page",
     "运行 cxsite new --help 查看可用选项"),
    (("new", "post", "学习", "心得"), "cxsite new: 错误：多出了“心得”，cxsite new 用不到它",
     "用法：cxsite new [选项] bulletin|post|event|page 标题；含空格的标题或路径请用引号括起来"),
    (("new", "post", " "), "cxsite new: 错误：标题不能为空", '写成 cxsite new post "标题"'),
    (("init",), "cxsite init: 错误：缺少参数 文件夹",
     "用法：cxsite init [选项] 文件夹；运行 cxsite init --help 查看说明"),
    (("bundle", "b", "--python", "3"), "cxsite bundle: 错误：选项 --python 的值不对：“3”不是 Python 版本",
     "写成 --python 3.11 这样（主版本号.次版本号）"),
    (("bundle", "b", "--platform", "mac"),
     "cxsite bundle: 错误：选项 --platform 的值不对：“mac”不是可选的值，可选：windows、linux",
     "运行 cxsite bundle --help 查看可用选项"),
]


@pytest.mark.parametrize(("args", "message", "hint"), USAGE_ERRORS,
                         ids=[" ".join(a) for a, _, _ in USAGE_ERRORS])
def test_usage_errors_are_chinese_with_a_hint_and_exit_2(args, message, hint):
    result = run(*args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{message}\n    提示：{hint}\n"


def test_paths_that_are_not_what_an_option_needs(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    cases = [(("serve", "--root", tmp_path / "nope"), f"“{tmp_path / 'nope'}”不存在"),
             (("build", "--root", tmp_path / "a.txt"), f"“{tmp_path / 'a.txt'}”是文件，这里要写一个文件夹"),
             (("build", "--access-log", tmp_path), f"“{tmp_path}”是文件夹，这里要写一个文件")]
    for args, why in cases:
        result = run(*map(str, args))
        assert result.exit_code == 2
        assert f"错误：选项 {args[1]} 的值不对：{why}\n" in result.stderr
        assert [phrase for phrase in CLICK_ENGLISH if phrase in result.stderr] == []


def test_every_value_a_command_reads_is_explained_in_chinese_when_wrong():
    # Text and flags cannot be wrong; every other type is one of cxsite's, which explain in Chinese.
    for command in [cli, *cli.commands.values()]:
        for param in command.params:
            explained = (click.types.StringParamType, click.types.BoolParamType, Choice, IntRange, Path)
            assert isinstance(param.type, explained), (command.name, param.name, param.type)


def test_ctrl_c_is_answered_in_chinese(monkeypatch, capsys):
    def interrupted(options):
        raise KeyboardInterrupt

    monkeypatch.setattr(cxsite.cli, "build", interrupted)
    monkeypatch.setattr(sys, "argv", ["cxsite", "build"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    assert capsys.readouterr().err.lstrip("\n") == "已中断；输出文件夹保持不变。\n"  # after click's new line


@pytest.mark.parametrize(("args", "code"), [(("--help",), 0), (("--version",), 0), (("build", "--bogus"), 2)])
def test_the_real_entry_point_keeps_click_exit_statuses(monkeypatch, capsys, args, code):
    monkeypatch.setattr(sys, "argv", ["cxsite", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == code
    out, err = capsys.readouterr()
    assert [phrase for phrase in CLICK_ENGLISH if phrase in out + err] == []
