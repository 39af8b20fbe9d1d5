"""Issue 15, the output folder: cxsite deletes only its own files, never writes into a repository,
keeps the old site whole when a write fails, and never publishes what a symlink points to outside.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from attack_support import (
    POSIX,
    assert_answered,
    assert_no_internal_error,
    copy_sample,
    describe_mix,
    located,
    permission_prefix,
    run_cxsite,
    site_digest,
    write_tree,
)

SENTINEL = "哨兵文件：cxsite 不可删除或发布我。\n"


def _tree(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of everything under a folder (hidden files included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def built(tmp_path) -> Path:
    """A copy of the sample site, built once into its public/ folder."""
    root = copy_sample(tmp_path / "site")
    outcome = run_cxsite("build", "--root", root)
    assert outcome.code == 0, str(outcome)
    return root


def _edit(root: Path) -> None:
    """Change the site so that the next build has work to do (and stale files to delete)."""
    path = root / "content" / "bulletins" / "003.md"
    path.unlink()


def _tamper(root: Path, lines: list[str]) -> None:
    """Add lines to the output's manifest, as a person or a tool might."""
    manifest = root / "public" / ".cxsite-manifest"
    assert manifest.is_file(), "the build left no .cxsite-manifest (test set-up no longer matches cxsite)"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + "".join(f"{line}\n" for line in lines), encoding="utf-8"
    )


def _assert_manifest_reported(outcome) -> None:
    """cxsite said the manifest was tampered with (named by path, or called 清单/manifest)."""
    lines = located(outcome.text) + [line for line in outcome.text.splitlines() if "manifest" in line]
    said = any(
        "cxsite-manifest" in getattr(line, "path", "") or "清单" in str(line) or "manifest" in str(line)
        for line in lines
    )
    assert said, f"the tampered manifest was not reported\n{outcome}"


def test_manifest_naming_a_file_beside_the_output_deletes_nothing(built):
    site_yaml = (built / "site.yaml").read_bytes()
    _tamper(built, ["../site.yaml"])
    _edit(built)
    outcome = run_cxsite("build", "--root", built)
    assert_no_internal_error(outcome, "manifest with ../site.yaml")
    assert (built / "site.yaml").is_file() and (built / "site.yaml").read_bytes() == site_yaml, (
        f"cxsite deleted the project's site.yaml because the manifest named it\n{outcome}"
    )
    _assert_manifest_reported(outcome)


def test_manifest_naming_an_absolute_path_deletes_nothing(built, tmp_path):
    victim = write_tree(tmp_path / "elsewhere", {"victim.txt": SENTINEL}) / "victim.txt"
    _tamper(built, [str(victim), victim.as_posix()])
    _edit(built)
    outcome = run_cxsite("build", "--root", built)
    assert_no_internal_error(outcome, "manifest with an absolute path")
    assert victim.is_file() and victim.read_text(encoding="utf-8") == SENTINEL, (
        f"cxsite deleted {victim}, outside its output folder\n{outcome}"
    )
    _assert_manifest_reported(outcome)


def test_manifest_climbing_out_through_dot_dot_deletes_nothing(built):
    victim = write_tree(built, {"x": SENTINEL}) / "x"
    _tamper(built, ["a/../../x", "bulletins/../../x"])
    _edit(built)
    outcome = run_cxsite("build", "--root", built)
    assert_no_internal_error(outcome, "manifest with a/../../x")
    assert victim.is_file() and victim.read_text(encoding="utf-8") == SENTINEL, (
        f"cxsite deleted {victim}, outside its output folder\n{outcome}"
    )
    _assert_manifest_reported(outcome)


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_manifest_path_through_a_symlink_deletes_nothing_outside(built, tmp_path):
    outside = write_tree(tmp_path / "outside", {"victim.html": SENTINEL, "sub/victim.html": SENTINEL})
    (built / "public" / "link").symlink_to(outside, target_is_directory=True)
    (built / "public" / "filelink.html").symlink_to(outside / "sub" / "victim.html")
    _tamper(built, ["link/victim.html", "link/sub/victim.html", "filelink.html"])
    _edit(built)
    outcome = run_cxsite("build", "--root", built)
    assert_no_internal_error(outcome, "manifest naming files through a symlink")
    assert _tree(outside) == {
        "victim.html": hashlib.sha256(SENTINEL.encode()).hexdigest(),
        "sub": "/",
        "sub/victim.html": hashlib.sha256(SENTINEL.encode()).hexdigest(),
    }, f"cxsite deleted files outside its output folder through a symlink\n{outcome}"


def _git_repository(folder: Path) -> Path:
    """A folder that looks like a Git repository's .git; return it."""
    return write_tree(
        folder / ".git",
        {
            "HEAD": "ref: refs/heads/main\n",
            "config": "[core]\n\tbare = false\n",
            "objects/info/packs": "",
            "refs/heads/main": "0" * 40 + "\n",
        },
    )


def _assert_refused_untouched(outcome, git: Path, before: dict, what: str) -> None:
    """The build refused (exit 1 or 2, no crash), said why, and left the repository as it was."""
    assert_no_internal_error(outcome, what)
    assert outcome.code in (1, 2), f"{what} was accepted\n{outcome}"
    assert ".git" in outcome.text, f"{what}: the refusal does not mention .git\n{outcome}"
    assert _tree(git) == before, f"{what}: the repository's .git was changed\n{outcome}"


@pytest.mark.parametrize("out", [".git", ".git/x", ".git/objects", "./.git/"])
def test_output_inside_the_project_git_is_refused(tmp_path, out):
    root = copy_sample(tmp_path / "site")
    git = _git_repository(root)
    before = _tree(git)
    outcome = run_cxsite("build", "--out", out, cwd=root)
    _assert_refused_untouched(outcome, git, before, f"--out {out}")


def test_output_into_another_repository_git_is_refused(tmp_path):
    root = copy_sample(tmp_path / "site")
    git = _git_repository(tmp_path / "other-repo")
    before = _tree(git)
    for out in (git, git / "site"):
        outcome = run_cxsite("build", "--root", root, "--out", out)
        _assert_refused_untouched(outcome, git, before, f"--out {out}")


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_public_as_a_symlink_to_git_is_refused(tmp_path):
    root = copy_sample(tmp_path / "site")
    git = _git_repository(root)
    (root / "public").symlink_to(git, target_is_directory=True)
    before = _tree(git)
    outcome = run_cxsite("build", "--root", root)
    _assert_refused_untouched(outcome, git, before, "public -> .git")


# ---------------------------------------------------------------- a write that fails half way


def test_a_read_only_subfolder_never_leaves_a_half_replaced_site_called_intact(tmp_path):
    prefix, skip = permission_prefix()
    if skip:
        pytest.skip(skip)
    root = copy_sample(tmp_path / "site")
    edited = (
        (root / "site.yaml").read_text(encoding="utf-8").replace("比学赶超 争创一流", "立足岗位 争创一流")
    )
    reference = copy_sample(tmp_path / "reference")
    (reference / "site.yaml").write_text(edited, encoding="utf-8")
    assert run_cxsite("build", "--root", reference).code == 0
    want = site_digest(reference / "public")

    assert run_cxsite("build", "--root", root, prefix=prefix).code == 0
    before = site_digest(root / "public")
    (root / "site.yaml").write_text(edited, encoding="utf-8")  # every page changes
    locked = root / "public" / "bulletins" / "2"
    locked.chmod(0o555)
    try:
        outcome = run_cxsite("build", "--root", root, prefix=prefix)
        left = site_digest(root / "public")
        kept = any(word in outcome.text for word in ("保持原样", "保持不变"))
        assert not (kept and left != before), (
            f"cxsite said the site was kept, but it was partly replaced\n"
            f"{describe_mix(left, {'previous site': before, 'new site': want})}\n{outcome}"
        )
        assert left in (before, want), (
            f"a failed write left a mixed site\n{describe_mix(left, {'previous': before, 'new': want})}"
        )
        assert_answered(outcome, "build with a read-only subfolder of public/", need_line=False)
        again = run_cxsite("build", "--root", root, prefix=prefix)
        assert_answered(again, "the next build, the subfolder still read-only", need_line=False)
    finally:
        locked.chmod(0o755)
    final = run_cxsite("build", "--root", root, prefix=prefix)
    assert final.code == 0, f"the build after the folder is writable again failed\n{final}"
    assert site_digest(root / "public") == want


def test_a_file_where_the_output_folder_goes_is_refused_plainly(tmp_path):
    root = copy_sample(tmp_path / "site")
    (root / "public").write_text(SENTINEL, encoding="utf-8")
    outcome = run_cxsite("build", "--root", root)
    assert_answered(outcome, "public is a file", codes=(1, 2), need_line=False)
    assert (root / "public").read_text(encoding="utf-8") == SENTINEL


# ---------------------------------------------------------------- symlinks out of the project


def _published(out: Path, data: bytes) -> list[str]:
    """Files of a built site whose bytes are `data`."""
    if not out.exists():
        return []
    return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.read_bytes() == data]


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
@pytest.mark.parametrize("target", ["sentinel", "/etc/passwd", "folder"])
def test_a_symlink_in_static_leaving_the_project_is_a_located_error(tmp_path, target):
    root = copy_sample(tmp_path / "site")
    secret = write_tree(tmp_path / "outside", {"secret.txt": SENTINEL, "more/secret2.txt": SENTINEL})
    link = root / "static" / "secret.txt"
    if target == "folder":
        (root / "static" / "leak").symlink_to(secret, target_is_directory=True)
        name, data = "static/leak", SENTINEL.encode()
    elif target == "sentinel":
        link.symlink_to(secret / "secret.txt")
        name, data = "static/secret.txt", SENTINEL.encode()
    else:
        if not Path(target).is_file():
            pytest.skip(f"{target} does not exist here")
        link.symlink_to(target)
        name, data = "static/secret.txt", Path(target).read_bytes()
    outcome = run_cxsite("build", "--root", root)
    # A link is a fact about the file, not about a line in it: `path: message`, as for an unreadable file.
    assert_answered(outcome, f"symlink {name} -> {target}", need_line=False)
    assert outcome.code == 1, f"a symlink out of the project was accepted\n{outcome}"
    assert any(line.path.startswith(name) for line in located(outcome.text)), (
        f"the error does not name {name}\n{outcome}"
    )
    assert _published(root / "public", data) == [], "the symlink's target was published"


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_a_symlink_in_content_leaving_the_project_is_a_located_error(tmp_path):
    root = copy_sample(tmp_path / "site")
    marker = "外部文件的内容XQLEAK"
    outside = (
        write_tree(
            tmp_path / "outside", {"leak.md": f"---\ntitle: 外部文件\ndate: 2010-08-01\n---\n\n{marker}\n"}
        )
        / "leak.md"
    )
    (root / "content" / "posts" / "leak.md").symlink_to(outside)
    outcome = run_cxsite("build", "--root", root)
    assert_answered(outcome, "symlink in content/ to a file outside the project", need_line=False)
    assert outcome.code == 1, f"a symlink out of the project was accepted\n{outcome}"
    assert any(line.path == "content/posts/leak.md" for line in located(outcome.text)), str(outcome)
    out = root / "public"
    leaked = (
        [p for p in out.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]
        if out.exists()
        else []
    )
    assert leaked == [], f"the linked file's text was published in {leaked}"
