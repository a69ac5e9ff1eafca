"""OWL-RL reasoning (owlrl) over the ontology and the role taxonomy.

Only the ontology graph is reasoned over: it is small (hundreds of triples), so the closure
takes well under a second however large the corpus is. Its essential entailment is role
subsumption: ``skos:broader ⊑ gr:broaderTransitive`` and ``gr:broaderTransitive`` is transitive,
so the closure materialises every (narrower role, wider role) pair, which queries follow with
``gr:bearer/gr:broaderTransitive?``. Class and property hierarchies are closed as well.
"""
from __future__ import annotations

from typing import Iterable

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

Triple = tuple

# reflexive triples OWL-RL derives for every term: true but useless
_REFLEXIVE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource}
_BUILTIN = ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2001/XMLSchema#")


def _useful(s, p, o) -> bool:
    if isinstance(s, (BNode, Literal)) or isinstance(o, BNode) or not isinstance(p, URIRef):
        return False
    if s == o and p in _REFLEXIVE:
        return False
    if o in _TRIVIAL_TYPES and p in (RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range):
        return False
    if str(s).startswith(_BUILTIN):  # statements about OWL/RDF(S)/XSD vocabulary itself
        return False
    if p == OWL.sameAs or p == OWL.differentFrom:  # no individual is equated in our data
        return False
    return True


def infer(triples: Iterable[Triple]) -> list[Triple]:
    """The useful triples entailed by ``triples`` under OWL-RL that are not already asserted,
    in a stable order."""
    g = Graph()
    for t in triples:
        g.add(t)
    asserted = set(g)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(g)
    new = [t for t in g if t not in asserted and _useful(*t)]
    return sorted(new, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
