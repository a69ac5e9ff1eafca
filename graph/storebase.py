"""What every graph store derives from its own primitives (``graphs``, ``triples``): the one
interface of the embedded store (``store.GraphStore``) and a SPARQL server (``remote.RemoteStore``)."""
from __future__ import annotations

from rdflib import Graph, URIRef

from . import ontology as ont
from .ontology import META_GRAPH, SPECIAL_GRAPHS


class StoreBase:
    def graphs(self) -> list[URIRef]:
        raise NotImplementedError

    def triples(self, graphs):
        raise NotImplementedError

    def document_graphs(self) -> list[URIRef]:
        return [g for g in self.graphs() if g not in SPECIAL_GRAPHS]

    def graph(self, *graphs: URIRef | str) -> Graph:
        """An in-memory rdflib copy of the given named graphs (merged)."""
        g = ont.bind_prefixes(Graph())
        for t in self.triples(graphs):
            g.add(t)
        return g

    def union_graph(self, include_meta: bool = False) -> Graph:
        """An in-memory rdflib copy of the union of all graphs."""
        return self.graph(*(g for g in self.graphs() if include_meta or g != META_GRAPH))
