"""Fuzz run: the hypothesis properties of ingest (text, bytes, damaged .docx/.pdf, HTML tag
soup), of extraction → graph, of the SPARQL safety check (nothing that passes it reaches the
network) and of upload names (nothing lands outside uploads/), with many more examples than CI
uses. Prints a Markdown section for BENCHMARKS.md.

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
FILES = ["tests/test_ingest_robustness.py", "tests/test_graph_fuzz.py",
         "tests/test_security.py::test_no_query_that_passes_the_check_reaches_the_network",
         "tests/test_security.py::test_an_upload_never_lands_outside_uploads"]


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
    print("## Fuzz run: hypothesis properties of ingest, extraction → graph, SPARQL safety and uploads\n")
    print(f"`python bench/fuzz.py --examples {args.examples}` (CI runs the same properties with the default "
          "150; the extraction → graph property uses a third of the count, each example a SHACL "
          "validation; the 200k-character lines a tenth, the multi-file batch a fifth).\n")
    print("| property | passing examples | time (s) |\n|---|---:|---:|")
    for name, secs_gen, n in stats:
        print(f"| `{name.split('::')[-1]}` | {n} | {secs_gen:.1f} |")
    print(f"| **all** | **{sum(n for _, _, n in stats)}** | **{sum(g for _, g, _ in stats):.0f}** |")
    print(f"\nResult: {summary} (wall time {secs:.0f} s, exit {proc.returncode}).\n")
    for line in proc.stdout.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            print(f"- {line}")
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
