#!/usr/bin/env python3
"""Checks that module dependencies point one way (docs/architecture.md) and that
banned APIs stay out.

Reads every #include "…" in the C++ sources of each module and fails on an edge the
table below does not allow. Banned APIs are checked in product code (tests may shell
out to independent readers such as tar). The table is the module map: change both together.
"""
import pathlib
import re
import sys

# module -> modules it may include (besides itself)
ALLOWED = {
    "base": set(),
    "oci": {"base"},
    "emu": {"oci", "base"},
    "executor": {"emu", "oci", "base"},
    "snapshotter": {"oci", "base"},
    "registry": {"oci", "base"},
    "engine/graph": {"oci", "base"},
    "engine/solve": {"engine/graph", "snapshotter", "oci", "base"},
    "engine/cache": {"snapshotter", "oci", "base"},
    "engine/ops": {"engine/cache", "engine/solve", "engine/graph", "executor", "snapshotter", "registry", "emu", "oci", "base"},
    "exporter": {"snapshotter", "registry", "oci", "base"},
    "frontend-dockerfile": {"engine/graph", "oci", "base"},
    "cli": {"frontend-dockerfile", "engine/ops", "engine/cache", "engine/solve", "engine/graph", "exporter", "executor",
            "snapshotter", "registry", "emu", "oci", "base"},
}

BANNED = [
    (re.compile(r"\bstd::system\s*\("), "std::system: run programs through the executor"),
    (re.compile(r"^\s*#\s*include\s*<fmt/std\.h>", re.M), "fmt/std.h quotes paths; use base/format.hpp"),
    (re.compile(r"(?<![\w:.>])(?:std::)?exit\s*\("), "exit() skips destructors; throw mab::Error instead"),
]
EXIT_ALLOWED = {"cli/main.cpp"}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def module_of(rel: str):
    for name in sorted(ALLOWED, key=len, reverse=True):
        if rel == name or rel.startswith(name + "/"):
            return name
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    problems = []
    checked = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h") or not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if rel.startswith("build") or rel.startswith("tests/"):
            continue
        module = module_of(rel)
        if module is None:
            continue
        checked += 1
        text = path.read_text(errors="replace")
        for inc in INCLUDE.findall(text):
            target = module_of(inc)
            if target is None or target == module:
                continue
            if target not in ALLOWED[module]:
                problems.append(f"{rel}: includes {inc}, but {module} may not use {target}")
        is_test = rel.endswith("_test.cpp") or "test_support" in rel
        for pattern, why in BANNED if not is_test else []:
            if pattern.search(text) and not (why.startswith("exit()") and rel in EXIT_ALLOWED):
                problems.append(f"{rel}: {why}")
    for p in problems:
        print(p)
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
