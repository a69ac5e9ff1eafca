"""Obligations and time constraints read back from the store as flat rows.

These rows are the ``govrule obligations`` / ``govrule deadlines`` contract (and what the app
shows), so they are answered with SPARQL over the store, not from the ingest objects: the same
code then serves any store that speaks SPARQL. Role filters go through the materialised
``gr:broaderTransitive`` links, so asking for 副区长 also returns the clauses of 常务副区长
(marked ``inherited``).
"""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from ingest.roles import canonical

from rdflib.namespace import RDF, RDFS, SKOS

from .ontology import ELI, GR, TIME

UNIT_LETTER = {str(TIME.unitYear): ("Y", False), str(TIME.unitMonth): ("M", False),
               str(TIME.unitWeek): ("W", False), str(TIME.unitDay): ("D", False),
               str(TIME.unitHour): ("H", True), str(TIME.unitMinute): ("M", True),
               str(TIME.unitSecond): ("S", True)}
MODALITIES = {"obligation": GR.Obligation, "prohibition": GR.Prohibition, "permission": GR.Permission}
MODALITY_OF = {str(v): k for k, v in MODALITIES.items()}
KIND_OF = {str(GR[n]): k for n, k in (("Deadline", "deadline"), ("AdvanceNotice", "advance_notice"),
                                      ("Frequency", "frequency"), ("Minimum", "minimum"))}


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(term):
    if term is None:
        return None
    v = term.toPython() if hasattr(term, "toPython") else term
    return int(v) if isinstance(v, Decimal) and v == int(v) else v


def _iso(amount, unit, lexical) -> str | None:
    """The duration as extracted (P2W stays P2W), rebuilt from OWL-Time amount + unit; the
    xsd:duration lexical form (weeks folded into days) when there is no single unit."""
    if amount is not None and unit is not None and str(unit) in UNIT_LETTER:
        letter, is_time = UNIT_LETTER[str(unit)]
        n = _value(amount)
        return f"PT{n}{letter}" if is_time else f"P{n}{letter}"
    return str(lexical) if lexical is not None else None


_LABEL = str(SKOS.prefLabel)

_DOC_PATTERN = """
  ?art gr:label ?label ; gr:ordinal ?ordinal ; eli:is_part_of ?doc .
  ?doc eli:title ?title .
  OPTIONAL { ?doc eli:id_local ?doc_number }
  OPTIONAL { ?doc gr:district/rdfs:label ?district }
"""


def _props(store, nodes, batch: int = 400) -> dict[str, dict[str, list]]:
    """Every (predicate → objects) of each node, asked by subject in batches. A lookup by
    subject stays fast on any store size, where a query that joins many OPTIONAL patterns is
    planned as scans of the whole store (seconds to minutes on a national corpus)."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    nodes = [n for n in dict.fromkeys(map(str, nodes)) if n]
    for i in range(0, len(nodes), batch):
        values = _values(nodes[i:i + batch])
        if values:
            for r in store.query_plain(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"):
                out[str(r["s"])][str(r["p"])].append(r["o"])
    return out


def _subjects(store, prop, objects, batch: int = 400) -> dict[str, list[str]]:
    """For each object, the subjects that point to it with ``prop`` (reverse lookups in batches)."""
    out: dict[str, list[str]] = defaultdict(list)
    objects = list(dict.fromkeys(map(str, objects)))
    for i in range(0, len(objects), batch):
        values = _values(objects[i:i + batch])
        if values:
            for r in store.query_plain(f"SELECT ?s ?o WHERE {{ VALUES ?o {{ {values} }} ?s <{prop}> ?o }}"):
                out[str(r["o"])].append(str(r["s"]))
    return out


def _first(props: dict, prop) -> object:
    vals = props.get(str(prop)) or []
    if not vals:
        return None
    v = _value(vals[0])
    return str(v) if isinstance(v, str) else v  # rows hold plain strings, not LangString


def _zh_label(props: dict) -> str | None:
    for v in props.get(_LABEL) or []:
        if getattr(v, "language", None) == "zh":
            return str(v)
    return None


def _documents_in(store, district: str | None) -> list[str] | None:
    """Documents whose district name contains ``district`` (西城 → 北京市西城区); None = all."""
    if not district:
        return None
    return [str(r["doc"]) for r in store.query_plain(f"""SELECT DISTINCT ?doc WHERE {{
  ?doc gr:district ?d . ?d rdfs:label ?name . FILTER(CONTAINS(STR(?name), {_lit(district)})) }}""")]


def _articles_of(store, docs: list[str]) -> list[str]:
    arts: list[str] = []
    for subj in _subjects(store, ELI.is_part_of, docs).values():
        arts.extend(subj)
    return arts


class _Docs:
    """Article → document metadata (label, ordinal, title, number, district), fetched once."""

    def __init__(self, store, articles):
        self.art = _props(store, articles)
        docs = {str(v) for p in self.art.values() for v in p.get(str(ELI.is_part_of), [])}
        self.doc = _props(store, docs)
        districts = {str(v) for p in self.doc.values() for v in p.get(str(GR.district), [])}
        self.district = {d: _first(p, RDFS.label) for d, p in _props(store, districts).items()}

    def row(self, art: str) -> dict | None:
        a = self.art.get(art)
        if not a or not a.get(str(ELI.is_part_of)):
            return None
        d = self.doc.get(str(a[str(ELI.is_part_of)][0]), {})
        dd = d.get(str(GR.district)) or [None]
        return {"doc_number": _first(d, ELI.id_local), "title": str(_first(d, ELI.title) or ""),
                "district": self.district.get(str(dd[0])) if dd[0] is not None else None,
                "article": _first(a, GR.ordinal), "label": str(_first(a, GR.label) or "")}


def _roles_under(store, role: str) -> tuple[dict[str, str], str]:
    """The role asked for and every narrower role (materialised gr:broaderTransitive):
    {iri: Chinese label}, and the canonical name asked for."""
    name = canonical(role) or role
    rows = store.query_plain(f"""SELECT DISTINCT ?r ?label WHERE {{ ?asked skos:prefLabel {_lit(name)}@zh .
  ?r gr:broaderTransitive? ?asked . ?r skos:prefLabel ?label . FILTER(LANG(?label) = "zh") }}""")
    return {str(r["r"]): str(r["label"]) for r in rows}, name


def _constraints(store, tcs) -> dict[str, dict]:
    """Each time constraint as a row of the ``deadlines`` contract (surface, kind, iso, …)."""
    props = _props(store, tcs)
    nodes = {str(v) for p in props.values() for k in (str(GR.duration), str(GR.period)) for v in p.get(k, [])}
    amounts = _props(store, nodes)
    out = {}
    for tc, p in props.items():
        types = [KIND_OF[str(t)] for t in p.get(str(RDF.type), []) if str(t) in KIND_OF]
        if not types or not p.get(str(GR.surface)):
            continue

        def amount(prop):
            node = p.get(str(prop))
            a = amounts.get(str(node[0]), {}) if node else {}
            return _first(a, TIME.numericDuration), (a.get(str(TIME.unitType)) or [None])[0]

        d_amount, d_unit = amount(GR.duration)
        p_amount, p_unit = amount(GR.period)
        out[tc] = {"surface": str(_first(p, GR.surface)), "kind": types[0],
                   "iso": _iso(d_amount, d_unit, _first(p, GR.isoDuration)),
                   "working_days": bool(_first(p, GR.workingDays)),
                   "count": _first(p, GR["count"]), "count_max": _first(p, GR.countMax),
                   "period_iso": _iso(p_amount, p_unit, _first(p, GR.periodIso)),
                   "hedge": _first(p, GR.hedge),
                   "_start": _first(p, GR.textStart), "_end": _first(p, GR.textEnd)}
    return out


def _public(c: dict) -> dict:
    return {k: v for k, v in c.items() if not k.startswith("_")}


def obligations(store, role: str | None = None, district: str | None = None,
                modality: str | None = None) -> list[dict]:
    """One row per clause with a bearer: ``doc_number, title, district, article, label,
    modality, strength, bearer, bearer_surface, role, inherited, action, text, conditions,
    exceptions, constraints``. ``role`` keeps clauses borne by that role or a narrower one
    (``role`` in the row is the role asked for, ``inherited`` whether it came from a narrower
    one); ``district`` matches a substring of the district name (西城 → 北京市西城区).

    Answered in two steps that stay fast on a national corpus: find the clauses (by bearer, or
    by the documents of the district), then read their properties by subject in batches."""
    if modality and modality not in MODALITIES:
        raise ValueError(f"unknown modality {modality!r}; expected one of {', '.join(MODALITIES)}")
    docs = _documents_in(store, district)
    asked = None
    if role:
        roles, asked = _roles_under(store, role)
        bearer_of = {c: r for r, cs in _subjects(store, GR.bearer, roles).items() for c in cs}
    else:
        roles = {}
        if docs is None:
            rows = store.query_plain("SELECT ?c ?r WHERE { ?c gr:bearer ?r }")
        else:
            arts = _articles_of(store, docs)
            rows = []
            for i in range(0, len(arts), 400):
                rows += store.query_plain(f"""SELECT ?c ?r WHERE {{ VALUES ?a {{ {_values(arts[i:i + 400])} }}
  ?a gr:hasClause ?c . ?c gr:bearer ?r }}""")
        bearer_of = {str(r["c"]): str(r["r"]) for r in rows}
    clauses = _props(store, bearer_of)
    want = {str(MODALITIES[modality])} if modality else {str(v) for v in MODALITIES.values()}
    typed = {c: next(str(t) for t in p.get(str(RDF.type), []) if str(t) in want)
             for c, p in clauses.items() if any(str(t) in want for t in p.get(str(RDF.type), []))}
    article_of = {c: a[0] for c, a in _subjects(store, GR.hasClause, typed).items() if a}
    meta = _Docs(store, set(article_of.values()))
    allowed_docs = set(docs) if docs is not None else None
    labels = dict(roles) if roles else {r: _zh_label(p) for r, p in _props(store, set(bearer_of[c] for c in typed)).items()}
    tcs = {c: [str(v) for v in clauses[c].get(str(GR.hasTimeConstraint), [])] for c in typed}
    constraints = _constraints(store, {t for ts in tcs.values() for t in ts})
    out = []
    for c, type_iri in typed.items():
        art = article_of.get(c)
        row = meta.row(art) if art else None
        if row is None:
            continue
        if allowed_docs is not None and str(meta.art[art][str(ELI.is_part_of)][0]) not in allowed_docs:
            continue
        p = clauses[c]
        bearer = labels.get(bearer_of[c])
        if bearer is None:
            continue
        row.update({
            "modality": MODALITY_OF[type_iri], "modal": _first(p, GR.modalWord),
            "strength": _first(p, GR.strength) or "strict", "bearer": bearer,
            "bearer_surface": _first(p, GR.bearerSurface), "role": asked or bearer,
            "inherited": bool(asked and bearer != asked), "action": _first(p, GR.action) or "",
            "text": str(_first(p, GR.text) or ""),
            "conditions": sorted({str(v) for v in p.get(str(GR.condition), [])}),
            "exceptions": sorted({str(v) for v in p.get(str(GR.exception), [])}),
            "constraints": sorted((_public(constraints[t]) for t in tcs[c] if t in constraints),
                                  key=lambda x: x["surface"]),
            "clause": c,
        })
        out.append(row)
    return _sorted(out)


def deadlines(store, district: str | None = None, kind: str | None = None) -> list[dict]:
    """Every time constraint of every article: ``doc_number, title, district, article, label,
    surface, kind, iso, working_days, count, count_max, period_iso, hedge, applies_to,
    bearer``. ``applies_to`` is the text of the clause the constraint sits in (the sentence
    around it when it is in no modal clause); ``bearer`` is that clause's role, or None."""
    docs = _documents_in(store, district)
    if kind and kind not in KIND_OF.values():
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KIND_OF.values())}")
    if docs is None:
        typed = "".join(f"?tc a <{iri}> ." for iri, k in KIND_OF.items() if k == kind)
        pairs = [(str(r["a"]), str(r["tc"])) for r in store.query_plain(
            f"SELECT ?a ?tc WHERE {{ {typed} ?a gr:hasTimeConstraint ?tc . ?a a gr:Article }}")]
    else:
        pairs = []
        for i in range(0, len(docs), 100):
            pairs += [(r["a"], r["tc"]) for r in store.query_plain(f"""SELECT ?a ?tc WHERE {{
  VALUES ?doc {{ {_values(docs[i:i + 100])} }} ?a eli:is_part_of ?doc ; gr:hasTimeConstraint ?tc }}""")]
    constraints = _constraints(store, {tc for _, tc in pairs})
    meta = _Docs(store, {a for a, _ in pairs})
    holders = _subjects(store, GR.hasTimeConstraint, constraints)
    holder_props = _props(store, {h for hs in holders.values() for h in hs})
    clause_of = {tc: next((h for h in hs if str(GR.Clause) in map(str, holder_props[h].get(str(RDF.type), []))), None)
                 for tc, hs in holders.items()}
    bearers = {str(v) for c in clause_of.values() if c for v in holder_props[c].get(str(GR.bearer), [])}
    bearer_label = {r: _zh_label(p) for r, p in _props(store, bearers).items()}
    out, seen = [], set()
    for art, tc in pairs:
        c = constraints.get(tc)
        row = meta.row(art)
        if c is None or row is None or tc in seen or (kind and c["kind"] != kind):
            continue
        seen.add(tc)
        row.update(_public(c))
        clause = clause_of.get(tc)
        cp = holder_props.get(clause, {}) if clause else {}
        atext = str(_first(meta.art[art], GR.text) or "")
        row["applies_to"] = _first(cp, GR.text) or sentence_at(atext, c["_start"], c["_end"])
        b = cp.get(str(GR.bearer))
        row["bearer"] = bearer_label.get(str(b[0])) if b else None
        row["uri"] = tc
        out.append(row)
    return _sorted(out)


def sentence_at(text: str, start: int | None, end: int | None) -> str | None:
    """The sentence of ``text`` around ``[start, end)``: what a constraint outside any modal
    clause applies to (区政府全体会议一般每年召开1至2次)."""
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        return None
    stops = "。；;\n"
    left = max(text.rfind(c, 0, start) for c in stops) + 1
    rights = [i for i in (text.find(c, end) for c in stops) if i >= 0]
    right = min(rights) if rights else len(text)
    return text[left:right].strip() or None


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["district"] or "", r["doc_number"] or "", r["title"],
                                       r["article"] or 0, r.get("clause") or r.get("uri") or ""))


def document_view(store, doc_iri: str) -> dict:
    """One document as the documents page shows it: metadata, sources, other versions, and its
    articles in order, each with its chapter, items, clauses and time constraints (offsets into
    the article text, for highlighting)."""
    d = f"<{doc_iri}>"
    meta = store.query(f"""SELECT ?title ?number ?district ?date ?type ?issuer ?notice WHERE {{
  {d} eli:title ?title . OPTIONAL {{ {d} eli:id_local ?number }} OPTIONAL {{ {d} gr:district/rdfs:label ?district }}
  OPTIONAL {{ {d} eli:date_document ?date }} OPTIONAL {{ {d} gr:docType ?type }} OPTIONAL {{ {d} gr:issuer ?issuer }}
  OPTIONAL {{ {d} gr:notice ?notice }} }}""")
    if not meta:
        raise KeyError(doc_iri)
    out = {k: _value(v) for k, v in meta[0].items()}
    out["sources"] = sorted(str(r["s"]) for r in store.query(
        f"SELECT ?s WHERE {{ {d} prov:wasDerivedFrom/rdfs:label ?s }}"))
    out["versions"] = sorted(str(r["v"]) for r in store.query(
        f"SELECT ?v WHERE {{ {d} gr:otherVersion/eli:title ?v }}"))
    out["repeals"] = sorted(str(r["r"]) for r in store.query(f"SELECT ?r WHERE {{ {d} gr:repealsRef ?r }}"))
    arts: dict[str, dict] = {}
    for r in store.query(f"""SELECT ?a ?ordinal ?label ?text ?chapter ?section WHERE {{
  ?a eli:is_part_of {d} ; a gr:Article ; gr:ordinal ?ordinal ; gr:label ?label ; gr:text ?text .
  OPTIONAL {{ ?a gr:chapterTitle ?chapter }} OPTIONAL {{ ?a gr:sectionTitle ?section }} }}"""):
        arts[str(r["a"])] = {"uri": str(r["a"]), "ordinal": _value(r["ordinal"]), "label": str(r["label"]),
                             "text": str(r["text"]), "chapter": _value(r["chapter"]),
                             "section": _value(r["section"]), "items": [], "clauses": [], "times": []}
    for r in store.query(f"""SELECT ?a ?k ?label ?text WHERE {{ ?a eli:is_part_of {d} .
  ?i eli:is_part_of ?a ; a gr:Item ; gr:ordinal ?k ; gr:label ?label ; gr:text ?text }} ORDER BY ?k"""):
        arts[str(r["a"])]["items"].append({"label": str(r["label"]), "text": str(r["text"])})
    for r in store.query(f"""SELECT ?a ?type ?start ?end ?modal ?bearer WHERE {{ ?a eli:is_part_of {d} ;
  gr:hasClause ?c . ?c a ?type ; gr:textStart ?start ; gr:textEnd ?end .
  FILTER(?type IN (gr:Obligation, gr:Prohibition, gr:Permission))
  OPTIONAL {{ ?c gr:modalWord ?modal }}
  OPTIONAL {{ ?c gr:bearer/skos:prefLabel ?bearer . FILTER(LANG(?bearer) = "zh") }} }} ORDER BY ?start"""):
        arts[str(r["a"])]["clauses"].append({"modality": MODALITY_OF[str(r["type"])], "start": _value(r["start"]),
                                             "end": _value(r["end"]), "modal": _value(r["modal"]),
                                             "bearer": _value(r["bearer"])})
    for r in store.query(f"""SELECT DISTINCT ?a ?tc ?type ?surface ?start ?end WHERE {{ ?a eli:is_part_of {d} ;
  gr:hasTimeConstraint ?tc . ?tc a ?type ; gr:surface ?surface ; gr:textStart ?start ; gr:textEnd ?end .
  FILTER(?type IN (gr:Deadline, gr:AdvanceNotice, gr:Frequency, gr:Minimum)) }}"""):
        arts[str(r["a"])]["times"].append({"kind": KIND_OF[str(r["type"])], "surface": str(r["surface"]),
                                           "start": _value(r["start"]), "end": _value(r["end"])})
    out["articles"] = sorted(arts.values(), key=lambda a: a["ordinal"])
    return out


def neighbourhood(store, node_iri: str, limit: int = 200) -> list[tuple[str, str, str, str, str]]:
    """Edges around an article for the graph view: (subject, predicate, object, subject label,
    object label), following clauses → bearers, constraints, approvals, references, alignments."""
    n = f"<{node_iri}>"
    rows = store.query(f"""SELECT DISTINCT ?s ?p ?o ?sl ?ol WHERE {{
  {{ BIND({n} AS ?s) ?s ?p ?o . FILTER(isIRI(?o)) }}
  UNION {{ {n} gr:hasClause|gr:hasTimeConstraint|gr:hasApproval|gr:hasReference ?s . ?s ?p ?o . FILTER(isIRI(?o)) }}
  UNION {{ ?s ?p {n} . BIND({n} AS ?o) FILTER(?p != eli:is_part_of) }}
  FILTER(?p NOT IN (rdf:type, prov:wasDerivedFrom))
  OPTIONAL {{ ?s skos:prefLabel|gr:label|eli:title|gr:surface|rdfs:label ?sl . FILTER(LANG(?sl) != "en") }}
  OPTIONAL {{ ?o skos:prefLabel|gr:label|eli:title|gr:surface|rdfs:label ?ol . FILTER(LANG(?ol) != "en") }}
}} LIMIT {int(limit)}""")
    return [(str(r["s"]), str(r["p"]), str(r["o"]), _value(r["sl"]), _value(r["ol"])) for r in rows]


def _values(iris) -> str:
    """A SPARQL VALUES body of IRIs (anything that could break out of ``<…>`` is dropped)."""
    return " ".join(f"<{i}>" for i in dict.fromkeys(map(str, iris)) if i and not any(c in i for c in '<>"{}|^`\\ \n'))


def article_facts(store, article_iris) -> dict[str, dict]:
    """The extracted facts of a few articles (a page of search hits), in two queries:
    {iri: {"clauses": [{modality, modal, bearer}], "times": [{kind, surface}]}} in text order."""
    out = {str(i): {"clauses": [], "times": []} for i in article_iris}
    values = _values(out)
    if not values:
        return out
    for r in store.query(f"""SELECT ?a ?c ?type ?start ?modal ?bearer WHERE {{ VALUES ?a {{ {values} }}
  ?a gr:hasClause ?c . ?c a ?type . FILTER(?type IN (gr:Obligation, gr:Prohibition, gr:Permission))
  OPTIONAL {{ ?c gr:textStart ?start }} OPTIONAL {{ ?c gr:modalWord ?modal }}
  OPTIONAL {{ ?c gr:bearer/skos:prefLabel ?bearer . FILTER(LANG(?bearer) = "zh") }} }} ORDER BY ?a ?start ?c"""):
        out[str(r["a"])]["clauses"].append({"modality": MODALITY_OF[str(r["type"])], "modal": _value(r["modal"]),
                                             "bearer": _value(r["bearer"])})
    for r in store.query(f"""SELECT DISTINCT ?a ?tc ?type ?surface ?start WHERE {{ VALUES ?a {{ {values} }}
  ?a gr:hasTimeConstraint ?tc . ?tc a ?type ; gr:surface ?surface . OPTIONAL {{ ?tc gr:textStart ?start }}
  FILTER(?type IN (gr:Deadline, gr:AdvanceNotice, gr:Frequency, gr:Minimum)) }} ORDER BY ?a ?start ?tc"""):
        out[str(r["a"])]["times"].append({"kind": KIND_OF[str(r["type"])], "surface": str(r["surface"])})
    return out


def aligned_articles(store, article_iris) -> dict[str, list[dict]]:
    """Counterparts of some articles recorded in the alignments graph (``govrule align``, or
    the app's compare page): {iri: [{uri, score, grade, topic, doc_key, doc_number, title, district,
    article, label, text}]}, best first. Empty lists where nothing was aligned. The pairs are found
    from the articles, then everything else is read by subject (``_props``): one query joining it
    all was planned from every article of the store (16 s on LawRefBook for a page of hits)."""
    out: dict[str, list[dict]] = {str(i): [] for i in article_iris}
    values = _values(out)
    if not values:
        return out
    pairs = store.query_plain(f"""SELECT DISTINCT ?al ?a ?b WHERE {{ VALUES ?a {{ {values} }}
  ?al gr:alignedWith ?a . ?al a gr:Alignment ; gr:alignedWith ?b . FILTER(?b != ?a) }}""")
    if not pairs:
        return out
    al = _props(store, (r["al"] for r in pairs))
    arts = _props(store, (r["b"] for r in pairs))
    docs = _props(store, (_first(p, ELI.is_part_of) for p in arts.values()))
    dists = _props(store, (_first(p, GR.district) for p in docs.values()))
    for r in pairs:
        a, b = arts.get(str(r["b"])), al.get(str(r["al"]), {})
        if a is None or _first(a, GR.text) is None:
            continue
        d = docs.get(str(_first(a, ELI.is_part_of)), {})
        district = dists.get(str(_first(d, GR.district)), {})
        score = _first(b, GR.alignmentScore)
        out[str(r["a"])].append({"uri": str(r["b"]), "score": float(score or 0.0), "grade": _first(b, GR.alignmentGrade),
                                 "topic": _first(b, RDFS.label), "doc_key": str(_first(d, GR.key)),
                                 "doc_number": _first(d, ELI.id_local), "title": str(_first(d, ELI.title)),
                                 "district": _first(district, RDFS.label), "article": _first(a, GR.ordinal),
                                 "label": str(_first(a, GR.label)), "text": str(_first(a, GR.text))})
    for v in out.values():
        v.sort(key=lambda x: (-x["score"], x["district"] or "", x["article"] or 0))
    return out


_DAYS = {"Y": 365.0, "M": 30.0, "W": 7.0, "D": 1.0}
_PART_DAYS = {"H": 1 / 24, "M": 1 / 1440, "S": 1 / 86400}


def duration_days(iso: str | None, working_days: bool = False) -> float | None:
    """An ISO-8601 duration as calendar days, roughly (months 30, years 365; working days × 7/5),
    for charts that sort deadlines by length. None when there is no duration."""
    m = re.fullmatch(r"P(?:(\d+(?:\.\d+)?)([YMWD]))*(?:T(?:(\d+(?:\.\d+)?)([HMS]))*)?", iso or "")
    if not iso or not m or iso in ("P", "PT"):
        return None
    date, _, clock = iso[1:].partition("T")
    days = sum(float(n) * _DAYS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([YMWD])", date))
    days += sum(float(n) * _PART_DAYS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([HMS])", clock))
    return days * 7 / 5 if working_days else days
