"""Namespaces, the ontology and shapes files, and IRI minting.

IRIs are a pure function of the input (document key, ordinals, names), so the same input
always gives the same IRIs; the Chinese parts are percent-encoded with ``quote(safe='')``.
"""
from __future__ import annotations

from functools import lru_cache
import sys
from pathlib import Path
from urllib.parse import quote

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

GR = Namespace("https://govrule.org/ontology#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
TIME = Namespace("http://www.w3.org/2006/time#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ID = "https://govrule.org/id/"
ONTOLOGY_IRI = URIRef("https://govrule.org/ontology")
ONTOLOGY_GRAPH = URIRef(ID + "graph/ontology")  # ontology + role taxonomy
ENTITIES_GRAPH = URIRef(ID + "graph/entities")  # shared nodes: districts, issuers, doc types, …
INFERRED_GRAPH = URIRef(ID + "graph/inferred")  # OWL-RL entailments of the ontology graph
META_GRAPH = URIRef(ID + "graph/meta")  # content hashes of the other graphs
ALIGNMENTS_GRAPH = URIRef(ID + "graph/alignments")  # cross-document article alignments
SPECIAL_GRAPHS = (ONTOLOGY_GRAPH, ENTITIES_GRAPH, INFERRED_GRAPH, META_GRAPH, ALIGNMENTS_GRAPH)

PREFIXES = {
    "gr": str(GR), "eli": str(ELI), "skos": str(SKOS), "time": str(TIME), "prov": str(PROV),
    "dcterms": str(DCTERMS), "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD),
    "doc": ID + "doc/", "role": ID + "role/", "district": ID + "district/",
}


def data_dir(name: str) -> Path:
    """A shipped data folder: beside the checkout, or under ``share/govrule`` for a wheel install."""
    here = Path(__file__).resolve().parent.parent / name
    return here if here.is_dir() else Path(sys.prefix) / "share" / "govrule" / name


ROOT = data_dir("ontology")
ONTOLOGY_FILE = ROOT / "govrule.ttl"
SHAPES_FILE = ROOT / "shapes.ttl"


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_prefixes(g: Graph) -> Graph:
    for p, iri in PREFIXES.items():
        g.bind(p, iri, override=True)
    return g


@lru_cache(maxsize=1)
def _ontology_text() -> str:
    return ONTOLOGY_FILE.read_text(encoding="utf-8")


def load_ontology() -> Graph:
    """The OWL ontology (``ontology/govrule.ttl``) as a fresh rdflib graph."""
    return bind_prefixes(Graph()).parse(data=_ontology_text(), format="turtle")


def load_shapes() -> Graph:
    """The SHACL shapes (``ontology/shapes.ttl``) as a fresh rdflib graph."""
    return bind_prefixes(Graph()).parse(SHAPES_FILE, format="turtle")


# ---------------------------------------------------------------- IRI minting

def _q(s: str) -> str:
    return quote(s, safe="")


def doc_iri(key: str) -> URIRef:
    return URIRef(f"{ID}doc/{_q(key)}")


def article_iri(doc: URIRef | str, ordinal: int) -> URIRef:
    return URIRef(f"{doc}/art/{ordinal}")


def item_iri(article: URIRef | str, k: int) -> URIRef:
    return URIRef(f"{article}/item/{k}")


def clause_iri(article: URIRef | str, k: int) -> URIRef:
    return URIRef(f"{article}/clause/{k}")


def time_iri(parent: URIRef | str, j: int) -> URIRef:
    """A time constraint of a clause (``…/clause/k/time/j``) or of an article (``…/art/n/time/j``)."""
    return URIRef(f"{parent}/time/{j}")


def approval_iri(article: URIRef | str, j: int) -> URIRef:
    return URIRef(f"{article}/approval/{j}")


def reference_iri(article: URIRef | str, j: int) -> URIRef:
    return URIRef(f"{article}/ref/{j}")


def heading_iri(doc: URIRef | str, level: str, k: int) -> URIRef:
    """``…/doc/{key}/chapter/3``, ``…/section/7``, ``…/part/1`` (k counts that level from 1)."""
    return URIRef(f"{doc}/{level}/{k}")


def role_iri(name: str) -> URIRef:
    return URIRef(f"{ID}role/{_q(name)}")


def district_iri(name: str) -> URIRef:
    return URIRef(f"{ID}district/{_q(name)}")


def org_iri(name: str) -> URIRef:
    return URIRef(f"{ID}org/{_q(name)}")


def doctype_iri(name: str) -> URIRef:
    return URIRef(f"{ID}doctype/{_q(name)}")


def source_iri(path: str) -> URIRef:
    """A source file, by its path as recorded in ``Document.sources`` (posix separators)."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return URIRef(f"{ID}source/{_q(p)}")
