#!/usr/bin/env python3
"""Turns bench/cache.sh's results.tsv and facts.tsv into the markdown for BENCHMARKS.md.

results.tsv: case, tool, phase, run, wall seconds, max RSS KiB (one line per timed build).
facts.tsv: key, value (checks and side figures: layer sizes, export times, ...).
usage: cache_summary.py RESULTS FACTS RUNS [CROSSPLATFORM_RUNS]
"""
import statistics
import sys
from collections import defaultdict

results, facts_file, runs = sys.argv[1], sys.argv[2], sys.argv[3]
cross_runs = sys.argv[4] if len(sys.argv) > 4 else runs
wall = defaultdict(list)
rss = defaultdict(list)
for line in open(results):
    case, tool, phase, _run, seconds, kib = line.rstrip("\n").split("\t")
    wall[case, tool, phase].append(float(seconds))
    rss[case, tool, phase].append(int(kib))
facts = defaultdict(list)
for line in open(facts_file):
    key, value = line.rstrip("\n").split("\t", 1)
    facts[key].append(value)


def med(key):
    return statistics.median(wall[key])


def cell(key):
    return f"{med(key):.3f} / {min(wall[key]):.3f}" if wall[key] else "—"


def peak(key):
    return f"{max(rss[key]) / 1024:.0f}"


def verdict(value, limit):
    return "met" if value <= limit else f"**missed** ({value / limit:.1f}× the target)"


targets = []  # (what, figure, target, verdict)


def ratio_row(case, phase, what, limit, buildah_phase=None):
    m, b = (case, "mab", phase), (case, "buildah", buildah_phase or phase)
    if not (wall[m] and wall[b]):
        return None
    r = med(m) / med(b)
    print(f"| {what} | {cell(m)} | {cell(b)} | {r:.3f} ({min(wall[m]) / min(wall[b]):.3f}) | ≤ {limit} | {verdict(r, limit)} |")
    targets.append((what, f"{r:.3f} × buildah", f"≤ {limit} ×", verdict(r, limit)))
    return r


def absolute(case, phase, what, limit):
    m = (case, "mab", phase)
    if wall[m]:
        targets.append((what, f"{med(m):.3f} s", f"≤ {limit} s", verdict(med(m), limit)))


head = "| build | mab (s) | buildah (s) | mab ÷ buildah (min ÷ min) | target | |\n| --- | ---: | ---: | ---: | ---: | --- |"
print(f"Wall time in seconds, median / min of {runs} runs; ratio of the medians (of the minimums).")

if wall["rebuild", "mab", "rebuild"]:
    print("\n**1. Rebuild after a change** (expensive RUN cached; COPY of the changed file and a cheap RUN run again;"
          " checked: mab executed 2 steps, buildah reused only the expensive RUN)\n")
    print(head)
    ratio_row("rebuild", "rebuild", "rebuild after a change", 0.15)

if wall["4stage", "mab", "noop"]:
    print("\n**2. No-op rebuild of 4 stages** (4 × ~2 s RUN, then COPY --from each; checked: mab executed 0 steps,"
          " buildah made no new image and returned the same image ID)\n")
    print(head)
    ratio_row("4stage", "noop", "warm no-op rebuild", 0.1)
    absolute("4stage", "noop", "warm no-op rebuild, whole `mab build` process", 0.15)
    print(f"\nmab's whole process: median {med(('4stage', 'mab', 'noop')):.3f} s (target ≤ 0.15 s:"
          f" {verdict(med(('4stage', 'mab', 'noop')), 0.15)}); peak RSS mab {peak(('4stage', 'mab', 'noop'))} MiB,"
          f" buildah {peak(('4stage', 'buildah', 'noop'))} MiB.")

if wall["context", "mab", "cold"]:
    files = facts["context.files"][0] if facts["context.files"] else "?"
    size = int(facts["context.bytes"][0]) / 1e6 if facts["context.bytes"] else 0
    print(f"\n**3. FROM scratch + COPY of a {files}-file, {size:.0f} MB context** (cold: empty mab root and a fresh buildah"
          " store each run; re-check: the same build again, nothing changed, checked to run no step)\n")
    print(head)
    ratio_row("context", "cold", "cold COPY of the context", 0.3)
    print(f"| unchanged re-check | {cell(('context', 'mab', 'recheck'))} | {cell(('context', 'buildah', 'recheck'))} |"
          f" {med(('context', 'mab', 'recheck')) / med(('context', 'buildah', 'recheck')):.3f} | mab ≤ 0.2 s |"
          f" {verdict(med(('context', 'mab', 'recheck')), 0.2)} |")
    absolute("context", "recheck", "unchanged context re-check, whole `mab build` process", 0.2)
    print(f"\nPeak RSS, cold: mab {peak(('context', 'mab', 'cold'))} MiB, buildah {peak(('context', 'buildah', 'cold'))} MiB."
          + (f" mab's root after the two builds: {int(facts['context.mab.root.bytes'][-1]) / 1e6:.0f} MB (gzip layer + records)."
             if facts["context.mab.root.bytes"] else ""))

if wall["crossplatform", "mab", "cold"]:
    print("\n**4. A `FROM --platform=$BUILDPLATFORM` stage (~3 s) copied into linux/amd64, arm64, arm/v7, ppc64le**"
          f" (uncached builds; {cross_runs} runs per tool)\n")
    print(head)
    ratio_row("crossplatform", "cold", "$BUILDPLATFORM stage into 4 platforms, uncached", 0.2)
    mab_art = facts["crossplatform.mab.artifacts"][0] if facts["crossplatform.mab.artifacts"] else "?"
    bah_art = facts["crossplatform.buildah.artifacts"][0] if facts["crossplatform.buildah.artifacts"] else "?"
    print(f"\nWhat each image's /artifact says (platform, iterations, `uname -m` where the stage ran), checked every run:"
          f" mab `{mab_art}` (the stage ran once, natively: its RUN vertex executed once in the progress stream; all vertices executed, "
          f"`mab.vertices.executed`: {facts['crossplatform.mab.executed'][0] if facts['crossplatform.mab.executed'] else '?'});"
          f" buildah `{bah_art}`: buildah 1.28 sets `BUILDPLATFORM` to each target platform, so it runs the stage"
          f" four times, three of them under qemu (median {med(('crossplatform', 'buildah', 'cold')):.1f} s a build).")

if wall["export", "mab", "gzip"]:
    print("\n**5. One RUN writing 1 GiB (¼ random, ½ zeros, ¼ text), exported to an OCI tarball** (uncached builds)\n")
    print("| build | mab (s) | buildah (s) | mab ÷ buildah | target | | peak RSS mab / buildah (MiB) |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: |")
    m, b = ("export", "mab", "gzip"), ("export", "buildah", "gzip")
    r = med(m) / med(b)
    print(f"| gzip | {cell(m)} | {cell(b)} | {r:.3f} | ≤ 0.5 | {verdict(r, 0.5)} | {peak(m)} / {peak(b)} |")
    targets.append(("1 GiB layer to a gzip OCI tarball", f"{r:.3f} × buildah", "≤ 0.5 ×", verdict(r, 0.5)))
    z = ("export", "mab", "zstd")
    print(f"| zstd | {cell(z)} | — (buildah build cannot write zstd) | | | | {peak(z)} / — |")
    peak_mib = max(rss[m] + rss[z]) / 1024
    targets.append(("peak RSS of mab, 1 GiB export", f"{peak_mib:.0f} MiB", "≤ 100 MiB", verdict(peak_mib, 100)))

    def throughput(tool, comp):
        rates, whole = [], []
        for key, values in facts.items():
            if key.startswith(f"export.{tool}.{comp}.") and key.endswith(".layer"):
                run = key.split(".")[3]
                raw = int(values[0].split()[0])
                secs = facts.get(f"export.{tool}.{comp}.{run}.export_seconds", [""])[0]
                if secs:
                    rates.append(raw / 1e6 / float(secs))
                whole.append(raw)
        return (statistics.median(rates) if rates else None), (whole[0] if whole else None)

    lines = []
    for comp in ("gzip", "zstd"):
        rate, raw = throughput("mab", comp)
        if rate:
            lines.append(f"{comp} {rate:.0f} MB/s")
    _, raw = throughput("mab", "gzip")
    sizes = {c: [int(v[0].split()[1]) for k, v in facts.items() if k.startswith(f"export.mab.{c}.") and k.endswith(".layer")]
             for c in ("gzip", "zstd")}
    print(f"\nmab's export throughput (uncompressed layer bytes ÷ the time from the end of the RUN's own work,"
          f" its last output line in the rawjson progress stream, to the end of the export: tar, compression and"
          f" archive, median): {', '.join(lines) or '?'}; the layer is {raw or 0:,} bytes unpacked,"
          f" {statistics.median(sizes['gzip']) / 1e6:.0f} MB as gzip and {statistics.median(sizes['zstd']) / 1e6:.0f} MB"
          " as zstd." if sizes["gzip"] and sizes["zstd"] else "")

print("\n**Targets**\n")
print("| target | figure | wanted | |\n| --- | ---: | ---: | --- |")
for what, figure, wanted, v in targets:
    print(f"| {what} | {figure} | {wanted} | {v} |")
