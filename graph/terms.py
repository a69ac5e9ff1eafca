"""RDF terms across libraries: rdflib ↔ pyoxigraph, and N-Triples/N-Quads lines.

The converter produces rdflib terms; the store is Oxigraph. Writing N-Quads text and bulk
loading it is the fast path into the store, and the same lines give each graph's content hash.
"""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_XSD_STRING = str(XSD.string)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def escape(text: str) -> str:
    """A literal's text as it goes between the quotes of N-Triples."""
    # str.translate is slow on CJK text, and almost no text has a character to escape
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def nt(term) -> str:
    """One term in N-Triples syntax."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        s = '"' + escape(str(term)) + '"'
        if term.language:
            return f"{s}@{term.language}"
        dt = term.datatype
        return f"{s}^^<{dt}>" if dt is not None and str(dt) != _XSD_STRING else s
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term: {term!r}")


def nt_line(s, p, o) -> str:
    return f"{nt(s)} {nt(p)} {nt(o)} .\n"


def to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"not an RDF term: {term!r}")


class LangString(str):
    """A plain string that remembers its language tag (for labels read as Python values)."""

    language: str | None = None

    def __new__(cls, value: str, language: str | None):
        s = super().__new__(cls, value)
        s.language = language
        return s

    def __getnewargs__(self):  # pickling (Streamlit caches rows) and copying keep the tag
        return str(self), self.language


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + n for n in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_NUMBERS = {_XSD + n for n in ("decimal", "double", "float")}


def plain(term):
    """A pyoxigraph term as a plain Python value: IRIs as ``str``, numbers and booleans as
    ``int``/``float``/``bool``, language-tagged strings as ``LangString``, other literals as
    ``str``. Several times cheaper than rdflib terms, which matters for rows by the 100,000."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        if term.language:
            return LangString(term.value, term.language)
        dt = term.datatype.value
        try:
            if dt in _INTEGERS:
                return int(term.value)
            if dt in _NUMBERS:
                n = float(term.value)
                return int(n) if n.is_integer() else n
            if dt == _XSD + "boolean":
                return term.value in ("true", "1")
        except ValueError:
            pass
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return None
