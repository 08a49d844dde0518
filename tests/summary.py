#!/usr/bin/env python3
"""Prints meson's test results as the plain line 'N passed, N failed[, N skipped]'.

meson writes one JSON object per test to meson-logs/testlog.json; skips (exit 77)
are counted apart so they never pass for passes. Exits 1 if anything failed or if no
test ran at all.
"""
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        if not line.strip():
            continue
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
            print(f"skipped: {json.loads(line)['name']}")
        else:
            failed += 1

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or passed == 0 else 0)
