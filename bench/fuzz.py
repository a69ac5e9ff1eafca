"""Fuzz run: the hypothesis properties of ingest and of extraction → graph with many more
examples than CI uses. Prints a Markdown section for BENCHMARKS.md.

    python bench/fuzz.py [--examples 1500]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["tests/test_ingest_robustness.py", "tests/test_graph_fuzz.py"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=1500, help="GOVRULE_FUZZ_EXAMPLES")
    args = ap.parse_args()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *FILES,
                           "--hypothesis-show-statistics"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "GOVRULE_FUZZ_EXAMPLES": str(args.examples)})
    secs = time.perf_counter() - t0
    stats = []
    for name, block in re.findall(r"^(tests/\S+::\S+):\n(.*?)(?=^tests/|^=+|\Z)", proc.stdout, re.M | re.S):
        passing = sum(int(n) for n in re.findall(r"(\d+) passing", block))
        gen = sum(float(x) for x in re.findall(r"phase \(([\d.]+) seconds\)", block))
        stats.append((name, gen, passing))
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-500:]
    print("## Fuzz run: hypothesis properties of ingest and extraction → graph\n")
    print(f"`python bench/fuzz.py --examples {args.examples}` (CI runs the same properties with the default "
          "150; the extraction → graph property uses a third of the count, each example a SHACL "
          "validation).\n")
    print("| property | passing examples | time (s) |\n|---|---:|---:|")
    for name, secs_gen, n in stats:
        print(f"| `{name.split('::')[-1]}` | {n} | {secs_gen:.1f} |")
    print(f"\nResult: {summary} (wall time {secs:.0f} s, exit {proc.returncode}).\n")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
