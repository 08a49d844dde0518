#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the frontend's test data.

usage: make_corpus.py SOURCE_ROOT OUT_DIR
  OUT_DIR/parser/  every Dockerfile under frontend-dockerfile/testdata and tests/dockerfiles
  OUT_DIR/expand/  every input of frontend-dockerfile/testdata/expand.txt, behind the mode
                   byte expand_fuzzer.cpp reads (escape directive, split: and heredoc: lines)
"""
import hashlib
import pathlib
import sys


def write(out: pathlib.Path, data: bytes) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> int:
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    testdata = root / "frontend-dockerfile" / "testdata"
    dockerfiles = sorted(testdata.rglob("Dockerfile")) + sorted((root / "tests" / "dockerfiles").glob("*.Dockerfile"))
    for path in dockerfiles:
        write(out / "parser", path.read_bytes())
    inputs = 0
    escape_bit = 0
    for line in (testdata / "expand.txt").read_text().splitlines():
        if not line or line.startswith("#") or line.startswith("env "):
            continue
        if line.startswith("escape "):
            escape_bit = 1 if line.split(" ", 1)[1].strip() == "`" else 0
            continue
        which = 0
        for prefix, mode in (("split: ", 1), ("heredoc: ", 2)):
            if line.startswith(prefix):
                line, which = line[len(prefix):], mode
        word = line.rsplit(" | ", 1)[0] if " | " in line else line.rstrip(" |")
        write(out / "expand", bytes([escape_bit | which << 5]) + word.encode())
        inputs += 1
    print(f"make_corpus: {len(dockerfiles)} Dockerfiles, {inputs} expansion inputs")
    return 0 if dockerfiles and inputs else 1


if __name__ == "__main__":
    sys.exit(main())
