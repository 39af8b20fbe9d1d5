"""Which output folders a build may replace: never the project, its sources, a repository or home."""

from __future__ import annotations

from pathlib import Path

from cxsite.problem import Problem, error


def check_output_dir(root: Path, out: Path) -> list[Problem]:
    """Refuse an output folder whose replacement could destroy the project or the user's files."""
    hint = "用 --out 指定一个专门的输出文件夹，如 public"
    if out.is_symlink():
        message = f"输出文件夹是一个符号链接（指向 {out.resolve()}），cxsite 不会替换它"
        return [error(str(out), None, message, hint)]
    root, out = root.resolve(), out.resolve()
    shown = str(out)
    if ".git" in out.parts:
        return [error(shown, None, "输出文件夹在一个 .git 文件夹里（代码仓库的内部），cxsite 不会写入", hint)]
    home = Path.home().resolve()
    protected = [(root, "网站项目"), (home, "用户主目录")] + [
        (root / name, f"{name}/ 文件夹") for name in ("content", "layouts", "static")]
    for place, label in protected:
        if out == place or place.is_relative_to(out):
            return [error(shown, None, f"输出文件夹不能是或包含{label}（{place}）", hint)]
        if label.endswith("文件夹") and out.is_relative_to(place):
            return [error(shown, None, f"输出文件夹不能放在{label}里", hint)]
    if out == Path(out.anchor):
        return [error(shown, None, "输出文件夹不能是根目录", hint)]
    if (out / ".git").exists():
        return [error(shown, None, "输出文件夹里有 .git，看起来是一个代码仓库，cxsite 不会替换它", hint)]
    if out.exists() and not out.is_dir():
        return [error(shown, None, "输出路径已存在，但不是文件夹", hint)]
    return []
