"""The role taxonomy as SKOS: each canonical role a ``gr:Role`` (a ``skos:Concept``) in
``gr:RoleScheme``, with ``skos:broader`` links. The taxonomy itself is plain data owned by
``ingest.roles.TAXONOMY`` ({name: {"en": str, "broader": [names], "variants": [names]}}).
"""
from __future__ import annotations

from typing import Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .ontology import GR, role_iri

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def default_taxonomy() -> dict:
    """``ingest.roles.TAXONOMY`` when it is available, else an empty taxonomy."""
    try:
        from ingest.roles import TAXONOMY
    except ImportError:  # pragma: no cover - the ingest side is optional for the graph
        return {}
    return TAXONOMY


def role_triples(name: str) -> Iterator[Triple]:
    """The minimum that makes a role valid: typed and labelled (for roles outside the taxonomy)."""
    r = role_iri(name)
    yield r, RDF.type, GR.Role
    yield r, RDF.type, SKOS.Concept
    yield r, SKOS.inScheme, GR.RoleScheme
    yield r, SKOS.prefLabel, Literal(name, lang="zh")


def taxonomy_triples(taxonomy: dict) -> Iterator[Triple]:
    """SKOS triples of the taxonomy; broader roles missing from it are declared too."""
    names = list(taxonomy)
    seen = set(names)
    for entry in taxonomy.values():
        for b in entry.get("broader", []) or []:
            if b not in seen:
                seen.add(b)
                names.append(b)
    for name in names:
        entry = taxonomy.get(name, {})
        r = role_iri(name)
        yield from role_triples(name)
        if entry.get("en"):
            yield r, SKOS.prefLabel, Literal(entry["en"], lang="en")
        for v in dict.fromkeys(entry.get("variants", []) or []):
            if v != name:
                yield r, SKOS.altLabel, Literal(v, lang="zh")
        broader = list(dict.fromkeys(entry.get("broader", []) or []))
        for b in broader:
            yield r, SKOS.broader, role_iri(b)
        if not broader:
            yield r, SKOS.topConceptOf, GR.RoleScheme
