"""Export the store: Turtle and N-Triples of the union graph, JSON-LD / N-Quads / TriG with
the named graphs kept. The meta graph (store bookkeeping) is left out unless asked for."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from . import ontology as ont
from .ontology import META_GRAPH

FORMATS = {
    "ttl": (ox.RdfFormat.TURTLE, False), "turtle": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False), "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True), "json-ld": (ox.RdfFormat.JSON_LD, True),
    "nq": (ox.RdfFormat.N_QUADS, True), "trig": (ox.RdfFormat.TRIG, True),
}


def export(store_dir, fmt: str, out_path: str | Path, include_meta: bool = False) -> int:
    """Write the store in ``fmt`` (ttl, nt, jsonld, nq, trig) to ``out_path``; returns the
    number of triples (union formats) or quads (dataset formats) written. ``store_dir`` may
    also be an open ``GraphStore``."""
    from .remote import RemoteStore
    from .store import GraphStore, open_store

    if fmt.lower() not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(sorted(FORMATS))}")
    rdf_format, keeps_graphs = FORMATS[fmt.lower()]
    if not isinstance(store_dir, (GraphStore, RemoteStore)):
        with open_store(store_dir, read_only=True) as st:
            return export(st, fmt, out_path, include_meta)
    st = store_dir
    # vocabulary prefixes only: instance IRIs are percent-encoded, and prefixed names with
    # escaped '%' are legal Turtle but unreadable
    prefixes = None if rdf_format == ox.RdfFormat.N_TRIPLES else {
        p: iri for p, iri in ont.PREFIXES.items() if not iri.startswith(ont.ID)}
    if keeps_graphs:
        items = st.quads(include_meta)
    elif isinstance(st, RemoteStore):  # each triple of the union once
        items = iter({ox.Triple(q.subject, q.predicate, q.object): None for q in st.quads(include_meta)})
    else:  # CONSTRUCT gives each triple of the union once
        flt = "" if include_meta else f"FILTER(?g != <{META_GRAPH}>)"
        items = iter(st.ox.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {flt} }}"))
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    counted = [0]

    def count(it):  # stream to the file, counting on the way
        for x in it:
            counted[0] += 1
            yield x

    kwargs = {"prefixes": prefixes} if prefixes else {}
    ox.serialize(count(items), str(out_path), rdf_format, **kwargs)
    return counted[0]
