"""The ``govrule`` command line: a thin layer over ``ingest`` (and, later, ``graph`` and ``search``).

Output formats are contracts other tools rely on; progress goes to stderr, data to stdout.
"""
from __future__ import annotations

import argparse
import json
import sys

from ingest.pipeline import ParseResult, parse_paths


def _progress(label: str):
    """A tqdm bar on stderr for long batches (silent for a handful of files)."""
    state: dict = {}

    def update(done: int, total: int) -> None:
        if total < 20:
            return
        if "bar" not in state:
            from tqdm import tqdm

            state["bar"] = tqdm(total=total, desc=label, unit="file", file=sys.stderr, leave=False)
        bar = state["bar"]
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update


def _print_errors(res: ParseResult) -> None:
    for e in res.errors:
        print(f"error: {e.file}: {e.reason}", file=sys.stderr)


def cmd_parse(args: argparse.Namespace) -> int:
    res = parse_paths(args.paths, progress=_progress("parse"))
    if args.json:
        json.dump([d.to_dict() for d in res.documents], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_summary(res)
    _print_errors(res)
    return 1 if res.errors else 0


def _print_summary(res: ParseResult) -> None:
    n_art = sum(len(d.articles) for d in res.documents)
    print(f"{res.files} files → {len(res.documents)} documents, {n_art} articles, {len(res.errors)} errors")
    for d in res.documents:
        print(f"\n{d.title}")
        fields = [d.doc_number or "(no doc number)", d.district or "-", d.date or "-", d.doc_type or "-"]
        print("  " + " | ".join(fields) + f" | {len(d.articles)} articles, {len(d.headings)} headings")
        if d.issuer:
            print(f"  issuer: {d.issuer}")
        if d.repeals:
            print(f"  repeals: {', '.join(d.repeals)}")
        if d.versions:
            print(f"  other versions: {', '.join(d.versions)}")
        print(f"  sources: {', '.join(d.sources)}")
        for w in d.warnings[:5]:
            print(f"  warning: {w}")
        if len(d.warnings) > 5:
            print(f"  … {len(d.warnings) - 5} more warnings (see --json)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="govrule", description="GovRule 政规图谱: Chinese regulations as a knowledge graph")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="split files into documents of numbered articles")
    p.add_argument("paths", nargs="*", default=["corpus"], help="files or folders (default: corpus/)")
    p.add_argument("--json", action="store_true", help="print documents as JSON")
    p.set_defaults(func=cmd_parse)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
