#!/usr/bin/env python3
"""Writes docs/cli.md from the mab binary's own --help texts, so the reference cannot
drift from the program: tests/cli_doc_test.py regenerates it and fails on a difference.

    scripts/gen-cli-doc.py MAB_BINARY [OUT]     (OUT default: docs/cli.md)

Commands and subcommands are discovered from the "Commands:" sections of the help
texts, so a new command is documented as soon as it has a --help.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mab_help import help_text, commands_in  # noqa: E402

HEADER = """# mab command-line reference

Generated from `mab --help` and every command's `--help` by
`scripts/gen-cli-doc.py build/cli/mab` (the test suite checks that this file matches the
binary: edit the help texts in `cli/`, then regenerate). Guides: the
[README](../README.md), [CI recipes and the buildx flag table](ci.md),
[architecture](architecture.md), [security](security.md).
"""


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
