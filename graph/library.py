"""The example query library in ``queries/*.rq``: each file opens with ``# title:`` and
``# description:`` comment lines (Chinese and English), then a SPARQL 1.1 query."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .ontology import data_dir

QUERIES_DIR = data_dir("queries")


@dataclass(frozen=True)
class NamedQuery:
    name: str  # file stem: obligations_of_role
    title: str
    description: str
    sparql: str
    path: Path


def read_query(path: str | Path) -> NamedQuery:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    title, desc = "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if body.startswith("title:"):
            title = body[len("title:"):].strip()
        elif body.startswith("description:"):
            desc.append(body[len("description:"):].strip())
    return NamedQuery(path.stem, title, " ".join(desc), text, path)


def load_queries(directory: str | Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every ``*.rq`` in ``directory`` by name, sorted."""
    return {q.name: q for q in (read_query(p) for p in sorted(Path(directory).glob("*.rq")))}
