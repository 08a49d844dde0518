#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into the markdown tables of BENCHMARKS.md.

Input: a TSV with one line per timed build:
    platform  mode(native|qemu)  case(run-1|run-5)  tool  rep  wall_seconds  max_rss_kib
Output (stdout): wall time (median / min) and peak memory per case and tool, with the
ratios mab / buildah, and the per-step cost (5 RUN - 1 RUN) / 4.
"""
import csv
import statistics
import sys
from collections import defaultdict

TOOLS = [("mab", "mab"), ("buildah-layers", "buildah --layers"), ("buildah", "buildah")]
CASES = [("run-1", "1 RUN"), ("run-5", "5 RUN")]
EXTRA_STEPS = 4  # run-5 has four RUN steps more than run-1


def load(path):
    walls, rss = defaultdict(list), defaultdict(list)
    modes = {}
    with open(path, newline="") as f:
        for platform, mode, case, tool, _rep, wall, kib in csv.reader(f, delimiter="\t"):
            walls[platform, case, tool].append(float(wall))
            rss[platform, case, tool].append(int(kib))
            modes[platform] = mode
    return walls, rss, modes


def ratio(a, b):
    return f"{a / b:.2f}" if a > 0 and b > 0 else "—"


def time_table(walls, modes, runs):
    yield f"Wall time in seconds, median / min of {runs} builds; ratio = mab ÷ buildah (median, min)."
    yield ""
    yield "| platform | case | mab | buildah --layers | mab ÷ buildah --layers | buildah | mab ÷ buildah |"
    yield "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for platform, mode in modes.items():
        for case, label in CASES:
            cells, ratios = [], []
            mab = walls.get((platform, case, "mab"))
            for tool, _ in TOOLS:
                w = walls.get((platform, case, tool))
                cells.append(f"{statistics.median(w):.3f} / {min(w):.3f}" if w else "—")
                if tool != "mab":
                    ratios.append(
                        f"{ratio(statistics.median(mab), statistics.median(w))} ({ratio(min(mab), min(w))})"
                        if w and mab else "—")
            yield (f"| {platform} ({mode}) | {label} | {cells[0]} | {cells[1]} | {ratios[0]} "
                   f"| {cells[2]} | {ratios[1]} |")
        step = {}
        for tool, _ in TOOLS:
            one, five = walls.get((platform, "run-1", tool)), walls.get((platform, "run-5", tool))
            if one and five:
                step[tool] = (statistics.median(five) - statistics.median(one)) / EXTRA_STEPS
        if "mab" in step:
            def cell(tool):
                return f"{step[tool]:.3f}" if tool in step else "—"

            def r(tool):
                return ratio(step["mab"], step[tool]) if tool in step else "—"
            yield (f"| {platform} ({mode}) | per extra RUN | {cell('mab')} | {cell('buildah-layers')} "
                   f"| {r('buildah-layers')} | {cell('buildah')} | {r('buildah')} |")


def memory_table(rss, modes):
    yield "Peak memory: the largest max RSS over the builds, MiB (largest single process, GNU time %M)."
    yield ""
    yield "| platform | case | mab | buildah --layers | mab ÷ buildah --layers | buildah | mab ÷ buildah |"
    yield "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    for platform, mode in modes.items():
        for case, label in CASES:
            peak = {tool: max(rss[platform, case, tool]) for tool, _ in TOOLS if rss.get((platform, case, tool))}
            if "mab" not in peak:
                continue

            def cell(tool):
                return f"{peak[tool] / 1024:.1f}" if tool in peak else "—"

            def r(tool):
                return ratio(peak["mab"], peak[tool]) if tool in peak else "—"
            yield (f"| {platform} ({mode}) | {label} | {cell('mab')} | {cell('buildah-layers')} "
                   f"| {r('buildah-layers')} | {cell('buildah')} | {r('buildah')} |")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: summarize.py RESULTS.tsv RUNS")
    walls, rss, modes = load(sys.argv[1])
    print("\n".join(time_table(walls, modes, sys.argv[2])))
    print()
    print("\n".join(memory_table(rss, modes)))


if __name__ == "__main__":
    main()
