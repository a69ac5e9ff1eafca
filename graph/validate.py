"""SHACL validation (pyshacl) of a built graph against ``ontology/shapes.ttl``.

A store is validated in batches of document graphs, each together with the ontology graph
(roles are typed there) and the entities graph: every shape is local to one document, so the
batches give the same verdict as the whole union at a bounded memory cost.
"""
from __future__ import annotations

from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph
from rdflib.graph import ConjunctiveGraph

from . import ontology as ont
from .ontology import ENTITIES_GRAPH, ONTOLOGY_GRAPH


def _check(data: Graph, shapes: Graph, inference: str) -> tuple[bool, str]:
    conforms, _, text = shacl_validate(data, shacl_graph=shapes, inference=inference,
                                       abort_on_first=False, allow_warnings=True, inplace=True)
    return bool(conforms), text


def validate(store_or_graph, inference: str = "none", batch_size: int = 200) -> tuple[bool, str]:
    """(conforms, report text). Accepts a ``GraphStore``, a pyoxigraph ``Store``, a store
    directory, or an rdflib ``Graph``/``Dataset`` (validated as one union graph, with the
    ontology added), or a ``remote.RemoteStore``. ``inference`` is pyshacl's: "none", "rdfs", "owlrl" or "both"."""
    from .remote import RemoteStore
    from .store import GraphStore, open_store

    shapes = ont.load_shapes()
    if isinstance(store_or_graph, Graph):
        data = ont.bind_prefixes(Graph())
        src = store_or_graph
        triples = (src.triples((None, None, None)) if not isinstance(src, (Dataset, ConjunctiveGraph))
                   else ((s, p, o) for s, p, o, _ in src.quads((None, None, None, None))))
        for t in triples:
            data.add(t)
        for t in ont.load_ontology():
            data.add(t)
        return _check(data, shapes, inference)

    if isinstance(store_or_graph, (str, Path)):
        with open_store(store_or_graph, read_only=True) as st:
            return validate(st, inference, batch_size)
    st = store_or_graph if isinstance(store_or_graph, (GraphStore, RemoteStore)) else GraphStore(store_or_graph)
    shared = list(st.triples([ONTOLOGY_GRAPH, ENTITIES_GRAPH]))
    docs = st.document_graphs()
    conforms, reports = True, []
    for i in range(0, max(len(docs), 1), batch_size):
        data = ont.bind_prefixes(Graph())
        for t in shared:
            data.add(t)
        for t in st.triples(docs[i:i + batch_size]):
            data.add(t)
        ok, text = _check(data, shapes, inference)
        if not ok:
            conforms = False
            reports.append(text)
    if conforms:
        return True, f"Validation Report\nConforms: True\n({len(docs)} document graphs checked)\n"
    return False, "\n".join(reports)

