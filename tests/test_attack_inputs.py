"""Issue 15, internal errors and hangs: every hostile input is answered with exit 0 or 1 and a located
Chinese message, never exit 3, never a traceback, never a run longer than the 30 s hang limit.

Each build runs in a child process under a 30 s limit (attack_support.run_cxsite)
and, where an input could make it swallow memory, under a 3 GB address-space limit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attack_support import (
    HAN,
    MINIMAL,
    POSIX,
    assert_answered,
    assert_names,
    assert_no_internal_error,
    copy_sample,
    cxsite_env,
    located,
    minimal_site,
    permission_prefix,
    run_cxsite,
    site_digest,
    yaml_str,
)

GIGABYTE = 1024**3


def _limit_memory() -> None:
    """preexec_fn: cap the child's address space, so that a runaway read fails instead of filling RAM."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 * GIGABYTE, 3 * GIGABYTE))


LIMITED = _limit_memory if POSIX else None


def _build(root: Path, out: Path | None = None, **options):
    """Build a site in a child process with the hang limit (and the memory cap)."""
    return run_cxsite(
        "build", "--root", root, "--out", out or root.parent / "public", preexec=LIMITED, **options
    )


def _bulletin(front: str, body: str = "正文。") -> str:
    """A bulletin's text with extra front-matter lines."""
    return f"---\ntitle: 动员大会\nissue: 1\ndate: 2010-07-18\n{front}---\n\n{body}\n"


# ---------------------------------------------------------------- characters and values


@pytest.mark.parametrize("where", ["title", "body"])
def test_a_vertical_tab_from_word_is_answered(tmp_path, where):
    """Word's manual line break is U+000B; pasted into a title or a body it must not crash the build."""
    text = (
        "---\ntitle: 动员\x0b大会\nissue: 1\ndate: 2010-07-18\n---\n\n正文。\n"
        if where == "title"
        else _bulletin("", "第一行\x0b第二行。")
    )
    root = minimal_site(tmp_path / "site", {"content/bulletins/001.md": text})
    outcome = _build(root)
    assert_answered(outcome, f"\\x0b in the {where}")
    if outcome.code == 1:
        assert_names(outcome, "content/bulletins/001.md", "\\x0b")


def test_a_newline_in_a_branch_name_is_answered(tmp_path):
    name = yaml_str("育林\n党支部")
    root = minimal_site(tmp_path / "site", {"content/branches.yaml": f"- id: yulin\n  name: {name}\n"})
    outcome = _build(root)
    assert_answered(outcome, "newline in a branch name")


def test_a_newline_in_the_site_title_is_answered(tmp_path):
    title = yaml_str("攻击测试\n专题")
    root = minimal_site(
        tmp_path / "site",
        {"site.yaml": MINIMAL["site.yaml"].replace("title: 攻击测试专题", f"title: {title}")},
    )
    outcome = _build(root)
    assert_answered(outcome, "newline in the site title")


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "9999-12-31 23:59", "0001-01-01 00:00"])
def test_an_event_at_the_ends_of_the_calendar_is_answered(tmp_path, date):
    root = minimal_site(tmp_path / "site", {"content/events/e1.yaml": f"title: 动员大会\ndate: {date}\n"})
    outcome = _build(root)
    assert_answered(outcome, f"event dated {date}")
    if outcome.code == 1:
        assert_names(outcome, "content/events/e1.yaml", f"event dated {date}")


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/", "https://exa mple.org/"])
def test_a_malformed_base_url_is_a_located_error(tmp_path, url):
    root = minimal_site(
        tmp_path / "site",
        {"site.yaml": MINIMAL["site.yaml"].replace("https://lc.example.org/cxcy/", yaml_str(url))},
    )
    outcome = _build(root)
    assert_answered(outcome, f"base_url {url!r}")
    assert outcome.code == 1, f"base_url {url!r} was accepted\n{outcome}"
    assert any(line.path == "site.yaml" and line.line == 3 for line in located(outcome.text)), str(outcome)


# ---------------------------------------------------------------- file names


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux stores names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_answered(tmp_path):
    """A GBK name from a Windows zip: 动.md in GBK is b'\\xb6\\xaf.md'."""
    root = minimal_site(tmp_path / "site")
    folder = os.fsencode(root / "content" / "bulletins")
    handle = os.open(folder + b"/\xb6\xaf.md", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(handle, _bulletin("").replace("issue: 1", "issue: 2").encode())
    os.close(handle)
    outcome = _build(root)
    assert_answered(outcome, "a GBK file name", need_line=False)
    if outcome.code == 1:
        assert_names(outcome, "content/bulletins/", "a GBK file name")


def test_a_chinese_file_name_whose_slug_exceeds_255_bytes_is_answered(tmp_path):
    name = "林" * 80  # 240 bytes as a name; "lin-" eighty times as a slug
    root = minimal_site(
        tmp_path / "site",
        {
            f"content/posts/{name}.md": f"---\ntitle: {name}\ndate: 2010-08-01\n---\n\n正文。\n",
            f"content/pages/{name}.md": f"---\ntitle: {name}\n---\n\n正文。\n",
        },
    )
    outcome = _build(root)
    assert_answered(outcome, "a slug over 255 bytes", need_line=False)
    if outcome.code == 1:
        assert_names(outcome, name[:10], "a slug over 255 bytes")


# ---------------------------------------------------------------- special files


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_a_symlink_loop_in_content_is_answered(tmp_path):
    root = minimal_site(tmp_path / "site")
    (root / "content" / "bulletins" / "loop.md").symlink_to("loop.md")
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (root / "content" / "pages" / "again").symlink_to("..", target_is_directory=True)
    outcome = _build(root)
    assert_answered(outcome, "a symlink loop", need_line=False)
    assert "loop.md" in outcome.text, f"the symlink loop is not mentioned\n{outcome}"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_symlink_to_dev_zero_in_content_does_not_hang(tmp_path):
    root = minimal_site(tmp_path / "site")
    (root / "content" / "bulletins" / "zero.md").symlink_to("/dev/zero")
    outcome = _build(root)
    assert_answered(outcome, "a symlink to /dev/zero", need_line=False)
    assert "zero.md" in outcome.text, f"the special file is not mentioned\n{outcome}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_content_is_skipped_with_a_warning(tmp_path):
    root = minimal_site(tmp_path / "site")
    os.mkfifo(root / "content" / "bulletins" / "pipe.md")
    outcome = _build(root)
    assert_answered(outcome, "a FIFO in content/", need_line=False)
    assert outcome.code == 0, f"a FIFO should be skipped with a warning, not stop the build\n{outcome}"
    assert_names(outcome, "content/bulletins/pipe.md", "a FIFO in content/")


def test_an_unreadable_folder_in_content_is_reported(tmp_path):
    prefix, skip = permission_prefix()
    if skip:
        pytest.skip(skip)
    root = minimal_site(
        tmp_path / "site",
        {"content/posts/secret/p.md": "---\ntitle: 心得\ndate: 2010-08-01\n---\n\n正文。\n"},
    )
    secret = root / "content" / "posts" / "secret"
    secret.chmod(0)
    try:
        outcome = _build(root, prefix=prefix)
    finally:
        secret.chmod(0o755)
    assert_answered(outcome, "an unreadable folder", need_line=False)
    assert_names(outcome, "content/posts/secret", "an unreadable folder (it must not be skipped silently)")


def test_an_unreadable_layout_is_named_not_called_a_write_error(tmp_path):
    prefix, skip = permission_prefix()
    if skip:
        pytest.skip(skip)
    root = copy_sample(tmp_path / "site")
    layout = root / "layouts" / "partials" / "footer.html"
    layout.chmod(0)
    try:
        outcome = _build(root, prefix=prefix)
    finally:
        layout.chmod(0o644)
    assert_answered(outcome, "an unreadable layout", need_line=False)
    assert outcome.code == 1, str(outcome)
    assert_names(outcome, "layouts/partials/footer.html", "an unreadable layout")
    assert "无法写入输出文件夹" not in outcome.text, (
        f"an unreadable layout was called a write error\n{outcome}"
    )


def test_a_nul_byte_early_in_a_utf8_file_is_not_called_utf16(tmp_path):
    root = minimal_site(
        tmp_path / "site", {"content/bulletins/001.md": _bulletin("summary: 摘\x00要\n").encode()}
    )
    outcome = _build(root)
    assert_answered(outcome, "a NUL byte in a UTF-8 file")
    assert "UTF-16" not in outcome.text, f"a UTF-8 file with a NUL byte was called UTF-16\n{outcome}"


# ---------------------------------------------------------------- encodings of the console


def test_check_json_on_a_gbk_console_with_an_emoji_file_name(tmp_path):
    root = minimal_site(
        tmp_path / "site", {"content/bulletins/😀.md": "---\nissue: 2\ndate: 2010-07-20\n---\n\n正文。\n"}
    )
    outcome = run_cxsite(
        "check", "--root", root, "--format", "json", env=cxsite_env(PYTHONIOENCODING="gbk"), encoding="gbk"
    )
    # JSON is for programs: its messages are escaped to ASCII (the same on any console), so they are
    # read from the JSON rather than from `path: message` lines.
    assert_no_internal_error(outcome, "check --format json on a GBK console")
    assert outcome.code in (0, 1), str(outcome)
    problems = json.loads(outcome.stdout)
    assert problems and all(p["path"] and HAN.search(p["message"]) for p in problems), outcome.stdout[:2000]
    assert any(p.get("path") == "content/bulletins/😀.md" for p in problems), (
        f"the JSON does not name the file exactly\n{outcome.stdout[:2000]}"
    )


@pytest.fixture(scope="module")
def gb18030_env(tmp_path_factory, request) -> dict:
    """The environment of a Chinese Windows-era Linux console: the zh_CN.GB18030 locale.

    The locale is compiled with localedef into a private folder (kept in pytest's
    cache) when the system lacks it. Without localedef the console encoding alone
    is set (PYTHONIOENCODING=gb18030, LANG): file names then stay UTF-8, which
    tests less.
    """
    env = cxsite_env(PYTHONIOENCODING=None, PYTHONUTF8="0", LANG="zh_CN.GB18030", LC_ALL="zh_CN.GB18030")
    locale = shutil.which("locale")
    listed = subprocess.run([locale, "-a"], capture_output=True, text=True).stdout if locale else ""
    if "gb18030" in listed.lower():
        return env
    localedef = shutil.which("localedef")
    if localedef is None:
        return cxsite_env(PYTHONIOENCODING="gb18030", LANG="zh_CN.GB18030")
    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("cxsite-attack-locales")) if cache else tmp_path_factory.mktemp("locales")
    if not (folder / "zh_CN.GB18030" / "LC_CTYPE").exists():
        made = subprocess.run(
            [localedef, "--no-archive", "-i", "zh_CN", "-f", "GB18030", str(folder / "zh_CN.GB18030")],
            capture_output=True,
            timeout=300,
        )
        if made.returncode not in (0, 1) or not (folder / "zh_CN.GB18030" / "LC_CTYPE").exists():
            return cxsite_env(PYTHONIOENCODING="gb18030", LANG="zh_CN.GB18030")
    return {**env, "LOCPATH": str(folder)}


def test_a_utf8_chinese_file_name_under_a_gb18030_locale(tmp_path, gb18030_env):
    files = {
        "content/pages/关于.md": "---\ntitle: 关于本专题\n---\n\n正文。\n",
        "content/posts/心得体会。.md": "---\ntitle: 心得体会\ndate: 2010-08-01\n---\n\n正文。\n",
    }
    root = minimal_site(tmp_path / "site", files)
    outcome = run_cxsite(
        "build", "--root", root, "--out", tmp_path / "public", env=gb18030_env, encoding="gb18030"
    )
    assert_answered(
        outcome, f"UTF-8 file names under {gb18030_env.get('LC_ALL') or gb18030_env['LANG']}", need_line=False
    )
    if outcome.code == 0:
        utf8 = minimal_site(tmp_path / "utf8", files)
        assert run_cxsite("build", "--root", utf8, "--out", tmp_path / "public-utf8").code == 0
        assert sorted(site_digest(tmp_path / "public")) == sorted(site_digest(tmp_path / "public-utf8")), (
            "the console's locale changed the site's URLs"
        )


# ---------------------------------------------------------------- sizes


def test_ten_thousand_honours_finish_well_inside_the_hang_limit(tmp_path):
    honours = "".join(
        f"- title: 先进个人{i}\n  date: 2010-{1 + i % 12:02d}\n  level: 院级\n  recipient: 职工{i}\n"
        for i in range(10_000)
    )
    root = minimal_site(tmp_path / "site", {"content/honors.yaml": honours})
    outcome = _build(root)  # the 30 s limit is the hang limit, not a speed target
    assert_answered(outcome, "10,000 honours")
    assert outcome.code == 0, str(outcome)


def test_64_kb_of_nested_blockquotes_is_answered(tmp_path):
    root = minimal_site(tmp_path / "site", {"content/bulletins/001.md": _bulletin("", ">" * 65536 + " 引文")})
    outcome = _build(root)
    assert_answered(outcome, "64 KB of nested blockquotes")


_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.write(f'\\nPEAK_RSS_KB={peak}\\n')\n"
    "sys.exit(code)\n"
)


_SHAPES = {  # a front-matter line pattern for each shape, repeated up to 10 MB
    "a long list": ("distribution:\n", "  - 第{i:07d}发送单位各支部各科室\n"),
    "a list of mappings": ("extra:\n", "  - {{a: {i}, b: 值}}\n"),
    "many top-level keys": ("", "k{i}: 值{i}\n"),
}


def _front_matter(shape: str) -> str:
    """Front-matter lines of one shape, just over 10 MB."""
    head, pattern = _SHAPES[shape]
    lines, size, i = [head], len(head.encode()), 0
    while size <= 10 * 1024**2:
        lines.append(pattern.format(i=i))
        size += len(lines[-1].encode())
        i += 1
    return "".join(lines)


@pytest.mark.skipif(not POSIX, reason="peak memory is read with the resource module")
@pytest.mark.parametrize("shape", list(_SHAPES))
def test_a_10_mb_front_matter_stays_under_a_gigabyte(tmp_path, shape):
    root = minimal_site(tmp_path / "site", {"content/bulletins/001.md": _bulletin(_front_matter(shape))})
    outcome = run_cxsite(
        "build",
        "--root",
        root,
        "--out",
        tmp_path / "public",
        preexec=LIMITED,
        prefix=[sys.executable, "-c", _MEASURE],
    )
    assert_answered(outcome, f"a 10 MB front matter ({shape})")
    peak = int(re.search(r"PEAK_RSS_KB=(\d+)", outcome.stderr).group(1)) * 1024
    assert peak < GIGABYTE, f"a 10 MB front matter ({shape}) took {peak / GIGABYTE:.2f} GB"


# ---------------------------------------------------------------- the site `cxsite init` makes


def test_a_new_site_builds_with_every_raw_html_policy_its_config_documents(tmp_path):
    made = run_cxsite("init", tmp_path / "site")
    assert made.code == 0, str(made)
    root = tmp_path / "site"
    config = (root / "site.yaml").read_text(encoding="utf-8")
    line = next(text for text in config.splitlines() if "raw_html" in text)
    policies = [word for word in re.findall(r"[a-z]+", line.partition("#")[2])]
    assert "escape" in policies, f"the new site's site.yaml no longer documents escape: {line}"
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (root / "content" / "pages" / "test.md").write_text(
        "---\ntitle: 测试\nslug: test\n---\n\n<b>粗体</b>\n", encoding="utf-8"
    )
    for policy in policies:
        (root / "site.yaml").write_text(
            re.sub(r"raw_html: *\w+", f"raw_html: {policy}", config), encoding="utf-8"
        )
        outcome = run_cxsite("build", "--root", root, "--out", tmp_path / f"public-{policy}")
        assert outcome.code == 0, (
            f"raw_html: {policy}, documented in the new site.yaml, is refused\n{outcome}"
        )
    page = (tmp_path / "public-escape" / "test" / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page, "raw_html: escape did not show the HTML as text"


def test_the_hang_limit_is_enforced(tmp_path):
    """Guards the tests above: a cxsite that runs past the limit is reported as a hang, not waited for."""
    root = minimal_site(tmp_path / "site")
    with pytest.raises(AssertionError, match="hung"):
        run_cxsite("serve", "--root", root, "--port", "0", timeout=5)
