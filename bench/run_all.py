"""Run every benchmark and write BENCHMARKS.md (each script prints its own Markdown section).

    python bench/run_all.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = {
    "ingest": ["bench/ingest_corpus.py", "--runs", "3", "--workers", "2"],
    "extract": ["bench/extract_quality.py"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHES))
    args = ap.parse_args()
    sections = []
    for name, cmd in BENCHES.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} …", file=sys.stderr)
        t0 = time.time()
        out = subprocess.run([sys.executable, *cmd], cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            sections.append(f"## {name}\n\nFAILED (exit {out.returncode}):\n\n```\n{out.stderr[-2000:]}\n```\n")
        else:
            sections.append(out.stdout.strip() + "\n")
        print(f"  {name}: {time.time() - t0:.0f} s", file=sys.stderr)
    head = ("# Benchmarks\n\nWritten by `python bench/run_all.py` (or `make bench`); each section names the "
            "command that produced it. Figures are medians of several runs on the machine named.\n")
    (ROOT / "BENCHMARKS.md").write_text(head + "\n" + "\n".join(sections), encoding="utf-8")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
