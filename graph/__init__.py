"""RDF graph of the documents (ontology, reasoning, SPARQL, alignment); built from ``ingest`` dataclasses.

Public API (imported lazily, so ``import graph.ontology`` stays cheap):

- ``build_store(documents, store_dir, taxonomy=None, progress=None, reason=True) -> BuildReport``
- ``open_store(store_dir, read_only=True) -> GraphStore``; ``store_dir`` may be the query URL of a
  SPARQL 1.1 server (``RemoteStore``, same interface: ``remote.py``)
- ``query(store_dir_or_store, sparql)``: SELECT → list of dict rows, ASK → bool, CONSTRUCT → triples
- ``validate(store_or_graph, inference="none") -> (conforms, report_text)``
- ``export(store_dir, fmt, out_path) -> int`` (ttl, nt, jsonld, nq, trig)
- ``to_quads(documents, taxonomy)`` / ``to_triples(documents, taxonomy)``: the pure mapping
- ``load_queries() -> {name: NamedQuery}``: the example queries in ``queries/``
"""
from __future__ import annotations

import importlib

_API = {
    "build_store": "store", "open_store": "store", "query": "store", "BuildReport": "store",
    "GraphStore": "store", "RemoteStore": "remote", "validate": "validate", "export": "export", "to_quads": "convert",
    "to_triples": "convert", "document_triples": "convert", "load_queries": "library",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
