#!/usr/bin/env python3
"""Parses the JSON report that examples/gradcheck_research prints with --json, with Python's own json
module (a reader fusegrad did not write), and checks what the research guide says of it: the planted bug
fails in every element of W1 and b1, W2 and b2 pass, and each finding names its verdict.

Usage: report_json.py PATH_TO_gradcheck_research
"""
import json
import subprocess
import sys


def main() -> int:
    text = subprocess.run([sys.argv[1], "--json"], check=True, capture_output=True, text=True).stdout
    report = json.loads(text)
    problems = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    expect(report["check"] == "gradcheck", "check is not gradcheck")
    expect(report["passed"] is False and report["confirmed"] is False, "the planted bug passed")
    expect(report["options"]["method"] == "central" and report["options"]["order"] == 4, "options")
    expect(report["evaluations"] == 1 + 4 * 26, "evaluations")
    blocks = {b["name"]: b for b in report["blocks"]}
    expect(list(blocks) == ["W1", "b1", "W2", "b2"], f"blocks {list(blocks)}")
    for name, size in (("W1", 12), ("b1", 4)):
        b = blocks[name]
        expect(b["failures"] == size and b["checked"] == size, f"{name}: not every element fails")
        expect(len(b["findings"]) == size, f"{name}: findings")
        expect(all(f["verdict"] == "mismatch" for f in b["findings"]), f"{name}: verdicts")
        worst = b["worst"]
        expect(abs(worst["analytic"] - worst["numeric"]) > 1e-3, f"{name}: worst entry agrees")
    for name in ("W2", "b2"):
        expect(blocks[name]["passed"] is True and blocks[name]["findings"] == [], f"{name} fails")
    expect(blocks["W1"]["rank"] == 2 and blocks["W1"]["rows"] == 3 and blocks["W1"]["cols"] == 4, "W1 shape")

    for p in problems:
        print("report_json:", p, file=sys.stderr)
    if not problems:
        print("report_json: the JSON report parses and says what the guide says")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
