"""Run every benchmark and write BENCHMARKS.md (each script prints its own Markdown section).

    python bench/run_all.py [--only NAME ...]

With ``--only``, the other sections already in BENCHMARKS.md are kept as they are.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = {
    "ingest": ["bench/ingest_corpus.py", "--runs", "3", "--workers", "2"],
    "extract": ["bench/extract_quality.py"],
    "graph": ["bench/graph_build.py", "--shacl"],
    "search": ["bench/search_quality.py"],
    "search_scale": ["bench/search_scale.py"],  # the whole corpus: ~1 h of embedding the first time, cached after
    "align": ["bench/align_quality.py"],
    "align_scale": ["bench/align_scale.py"],
    "fuzz": ["bench/fuzz.py", "--examples", "1500"],
    "remote_store": ["bench/remote_store.py", "--runs", "5"],
    # the app over LawRefBook: needs /tmp/govrule-lrb-app with the graph (graph_build's store) and the
    # search index (search_scale's) side by side — see README, Benchmarks
    "app_scale": ["bench/app_latency.py", "--store", "/tmp/govrule-lrb-app", "--queries", "20", "--pages"],
    "app_latency": ["bench/app_latency.py", "--queries", "20", "--modes", "hybrid", "lexical", "semantic"],
    # performance and scale: slices of LawRefBook, a profile of the full build, baselines side by side
    "scaling": ["bench/scaling.py", "--runs", "3", "--full-runs", "3", "--query-runs", "10"],
    "profile": ["bench/profile_build.py"],
    "baselines": ["bench/baselines.py"],
}
MARK = "<!-- bench:{} -->"
HEAD = ("# Benchmarks\n\nWritten by `python bench/run_all.py` (or `make bench`); each section names the "
        "command that produced it. Figures are medians of several runs on the machine named.\n")


def old_sections(path: Path) -> dict[str, str]:
    """The sections of an existing BENCHMARKS.md, by bench name."""
    if not path.exists():
        return {}
    parts = re.split(r"^<!-- bench:(\w+) -->\n", path.read_text(encoding="utf-8"), flags=re.M)
    return {parts[i]: parts[i + 1].strip() + "\n" for i in range(1, len(parts) - 1, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHES))
    args = ap.parse_args()
    target = ROOT / "BENCHMARKS.md"
    sections = old_sections(target)
    for name, cmd in BENCHES.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} …", file=sys.stderr)
        t0 = time.time()
        out = subprocess.run([sys.executable, *cmd], cwd=ROOT, capture_output=True, text=True)
        if out.returncode:
            sections[name] = f"## {name}\n\nFAILED (exit {out.returncode}):\n\n```\n{out.stderr[-2000:]}\n```\n"
        else:
            sections[name] = out.stdout.strip() + "\n"
        print(f"  {name}: {time.time() - t0:.0f} s", file=sys.stderr)
    body = "\n".join(f"{MARK.format(n)}\n{sections[n]}" for n in BENCHES if n in sections)
    target.write_text(HEAD + "\n" + body, encoding="utf-8")
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
