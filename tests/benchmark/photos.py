#!/usr/bin/env python3
"""Does a site with 300 photos build, unchanged, as fast as the same site without them? (issue 14)

usage: python tests/benchmark/photos.py [--bulletins 1000] [--photos 300] [--per-event 5]
                                        [--size 4000x3000] [--runs 5] [--root DIR] [--keep]

Two copies of the shared corpus (../shared/bench/gen_corpus.py) get the same events, one
event per `--per-event` photos; in the copy `with` each event lists its photos, generated
here as phone photos would come (`--size`, JPEG, every other one turned by EXIF orientation 6
and carrying GPS coordinates), in the copy `without` the events list none. Each copy is
built once from nothing (timed once: the copy with photos makes every image then), then
these cases are timed round by round, the two copies alternating (timing.py):

- no-change: `cxsite build` again;
- touched: every file of content/ and static/ gets a new modification time first (what a
  copy from a USB stick or a git checkout does): the content is read again and the photos'
  bytes hashed, but no image is made again.

The table gives medians, min–max, CPU, peak memory and the ratio with / without; the build
summaries show how many images each build made and reused. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw
from run import BENCH
from timing import Case, Sample, measure, shell, timed

SUMMARY = "完成："
GPS_IFD = 0x8825
BASE_URL = "https://bench.lyghy.internal/zt/cxcy/"  # the corpus's example.org would be warned about


def make_corpus(root: Path, bulletins: int) -> Path:
    """The shared corpus of `bulletins` Chinese bulletins, generated once under root."""
    base = root / f"base-{bulletins}"
    if not (base / "content" / "bulletins").is_dir():
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(BENCH / "gen_corpus.py"), str(bulletins), "cxsite", str(base)],
                       check=True, stdout=subprocess.DEVNULL)
    return base


def make_photo(path: Path, number: int, grain: Image.Image) -> None:
    """Write a generated phone photo: a drawing with grain, EXIF orientation 6 and GPS on every other one."""
    chooser = random.Random(number)
    size = width, height = grain.size
    colours = [Image.linear_gradient("L").rotate(chooser.randrange(360)).resize(size) for _ in range(3)]
    picture = Image.merge("RGB", colours)
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y = chooser.randrange(width), chooser.randrange(height)
        radius = chooser.randrange(width // 20, width // 5)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius),
                     fill=tuple(chooser.randrange(256) for _ in range(3)))
    picture = Image.blend(picture, grain, 0.15)
    exif = Image.Exif()
    exif[0x010F] = "Benchmark Phone"  # Make
    if number % 2:
        exif[0x0112] = 6  # Orientation: turn 90° clockwise to show upright
        exif[GPS_IFD] = {1: "N", 2: (28.0, 41.0, 30.5), 3: "E", 4: (115.0, 53.0, 12.25)}
    picture.save(path, "JPEG", quality=88, exif=exif)


def write_events(site: Path, photos: list[str], per_event: int, with_photos: bool) -> None:
    """Write one event per `per_event` photos; list the photos only when with_photos."""
    folder = site / "content" / "events"
    folder.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, len(photos), per_event), 1):
        lines = [f"id: huodong-{number:03d}", f"title: 第{number}次主题党日活动",
                 f"date: 2010-{(number - 1) % 12 + 1:02d}-{(number - 1) % 28 + 1:02d}",
                 "location: 院新楼三楼会议室"]
        if with_photos:
            lines.append("photos:")
            lines += [f"  - {{src: {src}, caption: 活动现场（{index}）}}"
                      for index, src in enumerate(photos[start:start + per_event], 1)]
        (folder / f"huodong-{number:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_up(base: Path, root: Path, count: int, per_event: int, size: tuple[int, int]) -> tuple[Path, Path]:
    """The copies `without` and `with` (photos under static/img/photos/), made fresh."""
    sites = root / "without", root / "with"
    for site in sites:
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(base, site)
    folder = sites[1] / "static" / "img" / "photos"
    folder.mkdir(parents=True)
    started = time.perf_counter()
    # Grain, as a camera's sensor gives: without it a drawing compresses to a fraction of a photo.
    # Made once (it is the slow part); the drawings under it differ, so every photo does.
    grain = Image.effect_noise(size, 24).convert("RGB")
    names = []
    for number in range(1, count + 1):
        name = f"照片-{number:03d}.jpg"
        make_photo(folder / name, number, grain)
        names.append(f"/img/photos/{name}")
    weight = sum(f.stat().st_size for f in folder.iterdir())
    print(f"{count} photos of {size[0]}×{size[1]} written in {time.perf_counter() - started:.0f} s "
          f"({weight / 2**20:.0f} MiB)", file=sys.stderr)
    for site, with_photos in zip(sites, (False, True), strict=True):
        write_events(site, names, per_event, with_photos)
    return sites


def touch_all(site: Path):
    """A preparation giving every file of content/ and static/ a new modification time."""

    def touch() -> None:
        now = time.time()
        for folder in ("content", "static"):
            for path in (site / folder).rglob("*"):
                if path.is_file():
                    os.utime(path, (now, now))

    return touch


def summary(sample: Sample) -> str:
    """The build's summary line (图片处理 … 沿用 …), as it said it."""
    return next((line.strip() for line in sample.said.splitlines() if line.strip().startswith(SUMMARY)), "?")


def build_command() -> list[str]:
    """`cxsite build` with this Python (and its PYTHONPATH: a worktree's cxsite), its summary on stderr.

    timing.py keeps what a process says on stderr; the summary (images made and reused) is on stdout.
    """
    build = [sys.executable, "-m", "cxsite", "build", "--root", ".", "--base-url", BASE_URL]
    return shell(f"exec {shlex.join(build)} 1>&2")


def report(cold: dict[str, Sample], cases: list[Case]) -> str:
    """The Markdown table of the cases, with the ratio with / without, and the summaries."""
    lines = ["| case | site | median s | min–max s | CPU s | peak MiB | with / without |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for label, sample in cold.items():
        lines.append(f"| cold (once) | {label} | {sample.wall:.2f} | | {sample.cpu:.2f} | "
                     f"{sample.peak_mib:.0f} | |")
    for name in ("no-change", "touched"):
        without, with_ = (next(c for c in cases if c.name == name and c.tool == label)
                          for label in ("without", "with"))
        ratio = with_.median() / without.median()
        rounds = [w.wall / o.wall for w, o in zip(with_.samples, without.samples, strict=True)]
        for case in (without, with_):
            shown = f"{ratio:.2f} (rounds {min(rounds):.2f}–{max(rounds):.2f})" if case is with_ else ""
            lines.append(f"| {name} | {case.tool} | {case.median():.2f} | {case.spread()} | "
                         f"{case.median('cpu'):.2f} | {case.peak():.0f} | {shown} |")
    lines += ["", "Build summaries (the last run of each):", ""]
    lines += [f"- cold, {label}: {summary(sample)}" for label, sample in cold.items()]
    lines += [f"- {case.name}, {case.tool}: {summary(case.samples[-1])}" for case in cases]
    return "\n".join(lines)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bulletins", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--per-event", type=int, default=5)
    parser.add_argument("--size", default="4000x3000", help="the photos' width x height (default 4000x3000)")
    parser.add_argument("--runs", type=int, default=5)
    default_root = "/dev/shm/cxsite-bench-photos" if Path("/dev/shm").is_dir() else "/tmp/cxsite-bench-photos"
    parser.add_argument("--root", type=Path, default=Path(default_root))
    parser.add_argument("--keep", action="store_true", help="keep the two sites afterwards")
    args = parser.parse_args(argv)
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size}: write it as WIDTHxHEIGHT, e.g. 4000x3000")
    args.size = (width, height)
    if args.photos < 1 or args.per_event < 1:
        parser.error("--photos and --per-event must be at least 1")
    return args


def main(argv: list[str]) -> None:
    args = parse_arguments(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    base = make_corpus(args.root, args.bulletins)
    sites = set_up(base, args.root, args.photos, args.per_event, args.size)
    labels = ("without", "with")
    command = build_command()
    cold = {label: timed(shell(f"rm -rf public .cxsite-cache && {command[-1]}"), site)
            for label, site in zip(labels, sites, strict=True)}
    pairs = list(zip(labels, sites, strict=True))
    cases = [Case(label, args.bulletins, "no-change", site, command) for label, site in pairs]
    cases += [Case(label, args.bulletins, "touched", site, command, touch_all(site)) for label, site in pairs]
    measure([[c for c in cases if c.name == name] for name in ("no-change", "touched")], args.runs)
    print(f"{os.cpu_count()} cores; {args.bulletins:,} bulletins; {args.photos} photos of "
          f"{args.size[0]}×{args.size[1]} on {len(range(0, args.photos, args.per_event))} events; "
          f"sites under {args.root}; {args.runs} rounds after a warm-up\n")
    print(report(cold, cases))
    if not args.keep:
        for site in sites:
            shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
