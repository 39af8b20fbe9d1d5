"""The benchmark's tables: each cxsite variant beside Hugo and beside the first variant, then the anchors."""

from __future__ import annotations

import statistics

from timing import Case

CXSITE_CASES = ("cold", "no-change", "edit-bulletin", "edit-layout", "cold-disk")
ANCHORS = ("hugo", "pelican", "eleventy", "hexo")

TARGETS = {  # (cxsite case, anchor, anchor case, size) -> highest ratio allowed (issues 6 and 17)
    # issue 17: cold 10,000 <= 1.2 x Hugo is asked of the fast engine, cold 1,000 <= 2.5 x of the default
    ("cold", "hugo", "cold", 10000): 1.2, ("cold", "pelican", "cold", 10000): 0.3,
    ("cold", "hugo", "cold", 1000): 2.5, ("cold", "pelican", "cold", 1000): 0.4,
    ("no-change", "hugo", "no-change", 10000): 0.1,
    ("edit-bulletin", "hugo", "no-change", 10000): 0.2,
    ("cold-disk", "hugo", "cold-disk", 10000): 1.0,
}
DISK_TARGETS = {("cold", "hugo", "cold", 10000): 1.0}  # replace TARGETS' entries when --root is a disk


def anchor_case(name: str) -> str:
    """The anchor case a cxsite case is compared with (anchors have no edit cases)."""
    return name if name.startswith("cold") else "no-change"


def paired_ratios(case: Case, first: Case) -> list[float]:
    """The case's wall time over the first variant's, round by round (they ran side by side)."""
    return [ours.wall / theirs.wall for ours, theirs in zip(case.samples, first.samples, strict=True)]


def variant_table(cases: list[Case], labels: list[str], tolerance: float) -> list[str]:
    """Per variant and case: times, memory, ratio to Hugo and to the first variant, slower ones flagged."""
    found = {(c.tool, c.size, c.name): c for c in cases}
    lines = [f"| variant | N | case | median s | min–max s | CPU s | peak MiB | / Hugo | / {labels[0]} "
             f"| per round / {labels[0]} | > {tolerance:.0%} slower |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for size in sorted({c.size for c in cases}):
        for name in CXSITE_CASES:
            hugo = found.get(("hugo", size, anchor_case(name)))
            first = found.get((labels[0], size, name))
            for label in labels:
                case = found.get((label, size, name))
                if not case:
                    continue
                to_hugo = f"{case.median() / hugo.median():.2f}" if hugo else ""
                to_first, rounds, flag = "", "", ""
                if first and case is not first:
                    ratio = case.median() / first.median()
                    paired = paired_ratios(case, first)
                    to_first = f"{ratio:.3f}"
                    rounds = f"{min(paired):.2f}–{max(paired):.2f}"
                    flag = "**SLOWER**" if ratio > 1 + tolerance else "no"
                lines.append(f"| {label} | {size:,} | {name} | {case.median():.2f} | {case.spread()} | "
                             f"{case.median('cpu'):.2f} | {case.peak():.0f} | {to_hugo} | {to_first} | "
                             f"{rounds} | {flag} |")
    return lines


def anchor_table(cases: list[Case]) -> list[str]:
    """The anchors' times and memory (nothing when no anchor ran)."""
    if all(c.cxsite for c in cases):
        return []
    lines = ["| anchor | N | case | median s | min–max s | CPU s | peak MiB |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for case in sorted((c for c in cases if not c.cxsite), key=lambda c: (c.size, ANCHORS.index(c.tool))):
        lines.append(f"| {case.tool} | {case.size:,} | {case.name} | {case.median():.2f} | {case.spread()} | "
                     f"{case.median('cpu'):.2f} | {case.peak():.0f} |")
    return lines


def target_table(cases: list[Case], labels: list[str], targets: dict) -> list[str]:
    """Issues 6 and 17's targets (ratios to Hugo and Pelican, and memory), met or not, for each variant."""
    found = {(c.tool, c.size, c.name): c for c in cases}
    lines = ["| variant | N | cxsite case | / anchor case | ratio | target | met |",
             "| --- | ---: | --- | --- | ---: | ---: | --- |"]
    for (name, anchor, other_name, size), target in targets.items():
        other = found.get((anchor, size, other_name))
        for label in labels:
            ours = found.get((label, size, name))
            if ours and other:
                ratio = ours.median() / other.median()
                lines.append(f"| {label} | {size:,} | {name} | {anchor} {other_name} | {ratio:.2f} | "
                             f"≤ {target} | {'yes' if ratio <= target else 'no'} |")
    hugo = found.get(("hugo", 10000, "cold"))
    for label in labels:
        ours = found.get((label, 10000, "cold"))
        if ours and hugo:
            ratio = ours.peak() / hugo.peak()
            lines.append(f"| {label} | 10,000 | peak memory | hugo cold | {ratio:.2f} | ≤ 0.3 | "
                         f"{'yes' if ratio <= 0.3 else 'no'} |")
    return lines if len(lines) > 2 else []


def slower_summary(cases: list[Case], labels: list[str], tolerance: float) -> str:
    """One line naming every case where a variant is slower than the first by more than tolerance."""
    if len(labels) < 2:
        return ""
    found = {(c.tool, c.size, c.name): c for c in cases}
    slower = []
    for case in cases:
        first = found.get((labels[0], case.size, case.name))
        if case.cxsite and first and case is not first:
            ratio = case.median() / first.median()
            if ratio > 1 + tolerance:
                within = statistics.median(paired_ratios(case, first))
                slower.append(f"{case.tool} {case.size:,} {case.name} ×{ratio:.3f} "
                              f"(median of the rounds' ratios ×{within:.3f})")
    return (f"More than {tolerance:.0%} slower than {labels[0]}: "
            + ("; ".join(slower) if slower else "none") + ".")


def report(cases: list[Case], labels: list[str], targets: dict, tolerance: float) -> str:
    """All tables, Markdown, ready to paste into a closing note."""
    parts = [variant_table(cases, labels, tolerance), anchor_table(cases),
             target_table(cases, labels, targets), [slower_summary(cases, labels, tolerance)]]
    return "\n\n".join("\n".join(part) for part in parts if any(part))
