#!/usr/bin/env python3
"""Writes docs/cli.md from the mab binary's own --help texts, so the reference cannot
drift from the program: tests/cli_doc_test.py regenerates it and fails on a difference.

    scripts/gen-cli-doc.py MAB_BINARY [OUT]     (OUT default: docs/cli.md)

Commands and subcommands are discovered from the "Commands:" sections of the help
texts, so a new command is documented as soon as it has a --help.
"""
import re
import subprocess
import sys
from pathlib import Path

HEADER = """# mab command-line reference

Generated from `mab --help` and every command's `--help` by
`scripts/gen-cli-doc.py build/cli/mab` (the test suite checks that this file matches the
binary: edit the help texts in `cli/`, then regenerate). Guides: the
[README](../README.md), [CI recipes and the buildx flag table](ci.md),
[architecture](architecture.md), [security](security.md).
"""


def help_text(mab, args):
    result = subprocess.run([mab, *args, "--help"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    return (result.stdout + result.stderr).rstrip() + "\n"


def commands_in(text):
    """The names listed under a 'Commands:' heading."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
            continue
        if inside:
            m = re.match(r"^  ([a-z][a-z-]*)\s", line)
            if not m:
                if line.strip() == "" and names:
                    break
                continue
            names.append(m.group(1))
    return names


def main():
    mab = sys.argv[1]
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "docs" / "cli.md")
    top = help_text(mab, [])
    parts = [HEADER, "\n## mab\n\n```text\n" + top + "```\n"]
    for command in commands_in(top):
        text = help_text(mab, [command])
        parts.append(f"\n## mab {command}\n\n```text\n{text}```\n")
        for sub in commands_in(text):
            parts.append(f"\n### mab {command} {sub}\n\n```text\n{help_text(mab, [command, sub])}```\n")
    out.write_text("".join(parts))


if __name__ == "__main__":
    main()
