"""Obligations and time constraints read back from the store as flat rows.

These rows are the ``govrule obligations`` / ``govrule deadlines`` contract (and what the app
shows), so they are answered with SPARQL over the store, not from the ingest objects: the same
code then serves any store that speaks SPARQL. Role filters go through the materialised
``gr:broaderTransitive`` links, so asking for 副区长 also returns the clauses of 常务副区长
(marked ``inherited``).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ingest.roles import canonical

from .ontology import GR, TIME

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


def _doc_filter(district: str | None) -> str:
    if not district:
        return ""
    return f"FILTER(BOUND(?district) && CONTAINS(STR(?district), {_lit(district)}))"


_DOC_PATTERN = """
  ?art gr:label ?label ; gr:ordinal ?ordinal ; eli:is_part_of ?doc .
  ?doc eli:title ?title .
  OPTIONAL { ?doc eli:id_local ?doc_number }
  OPTIONAL { ?doc gr:district/rdfs:label ?district }
"""


def _role_pattern(role: str | None) -> tuple[str, str | None]:
    """SPARQL for the clause's bearer, restricted to ``role`` and its narrower roles."""
    if not role:
        return "?clause gr:bearer ?bearerRole .", None
    name = canonical(role) or role
    return (f"""?clause gr:bearer ?bearerRole .
  ?asked skos:prefLabel {_lit(name)}@zh .
  ?bearerRole gr:broaderTransitive? ?asked .""", name)


def obligations(store, role: str | None = None, district: str | None = None,
                modality: str | None = None) -> list[dict]:
    """One row per clause with a bearer: ``doc_number, title, district, article, label,
    modality, strength, bearer, bearer_surface, role, inherited, action, text, conditions,
    exceptions, constraints``. ``role`` keeps clauses borne by that role or a narrower one
    (``role`` in the row is the role asked for, ``inherited`` whether it came from a narrower
    one); ``district`` matches a substring of the district name (西城 → 北京市西城区)."""
    role_sparql, asked = _role_pattern(role)
    mod = ""
    if modality:
        if modality not in MODALITIES:
            raise ValueError(f"unknown modality {modality!r}; expected one of {', '.join(MODALITIES)}")
        mod = f"FILTER(?type = <{MODALITIES[modality]}>)"
    where = f"""
  {role_sparql}
  ?art gr:hasClause ?clause .
  {_DOC_PATTERN}
  {_doc_filter(district)}"""
    rows = store.query(f"""
SELECT ?clause ?type ?text ?modal ?strength ?bearer ?surface ?action ?label ?ordinal ?title
       ?doc_number ?district WHERE {{
  {where}
  ?clause a ?type . FILTER(?type IN (gr:Obligation, gr:Prohibition, gr:Permission)) {mod}
  ?clause gr:text ?text .
  ?bearerRole skos:prefLabel ?bearer . FILTER(LANG(?bearer) = "zh")
  OPTIONAL {{ ?clause gr:modalWord ?modal }}
  OPTIONAL {{ ?clause gr:strength ?strength }}
  OPTIONAL {{ ?clause gr:bearerSurface ?surface }}
  OPTIONAL {{ ?clause gr:action ?action }}
}}""")
    extra: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for prop, key in ((GR.condition, "conditions"), (GR.exception, "exceptions")):
        for r in store.query(f"SELECT ?clause ?v WHERE {{ {where} ?clause <{prop}> ?v . }}"):
            extra[str(r["clause"])][key].append(str(r["v"]))
    for r in _constraint_rows(store, where + "\n  ?clause gr:hasTimeConstraint ?tc ."):
        extra[str(r["clause"])]["constraints"].append(_constraint(r))
    out = []
    for r in rows:
        c = str(r["clause"])
        bearer = str(r["bearer"])
        out.append({
            "doc_number": _value(r["doc_number"]), "title": str(r["title"]),
            "district": _value(r["district"]), "article": _value(r["ordinal"]),
            "label": str(r["label"]), "modality": MODALITY_OF[str(r["type"])],
            "modal": _value(r["modal"]), "strength": _value(r["strength"]) or "strict",
            "bearer": bearer, "bearer_surface": _value(r["surface"]),
            "role": asked or bearer, "inherited": bool(asked and bearer != asked),
            "action": _value(r["action"]) or "", "text": str(r["text"]),
            "conditions": sorted(set(extra[c]["conditions"])),
            "exceptions": sorted(set(extra[c]["exceptions"])),
            "constraints": sorted(extra[c]["constraints"], key=lambda x: x["surface"]),
            "clause": c,
        })
    return _sorted(out)


def _constraint_rows(store, where: str) -> list[dict]:
    return store.query(f"""
SELECT DISTINCT ?clause ?tc ?tctype ?surface ?amount ?unit ?lex ?wd ?count ?count_max ?pamount
       ?punit ?plex ?hedge WHERE {{
  {where}
  ?tc gr:surface ?surface ; a ?tctype .
  FILTER(?tctype IN (gr:Deadline, gr:AdvanceNotice, gr:Frequency, gr:Minimum))
  OPTIONAL {{ ?tc gr:duration ?dur . ?dur time:numericDuration ?amount ; time:unitType ?unit }}
  OPTIONAL {{ ?tc gr:isoDuration ?lex }}
  OPTIONAL {{ ?tc gr:workingDays ?wd }}
  OPTIONAL {{ ?tc gr:count ?count }}
  OPTIONAL {{ ?tc gr:countMax ?count_max }}
  OPTIONAL {{ ?tc gr:period ?per . ?per time:numericDuration ?pamount ; time:unitType ?punit }}
  OPTIONAL {{ ?tc gr:periodIso ?plex }}
  OPTIONAL {{ ?tc gr:hedge ?hedge }}
}}""")


def _constraint(r: dict) -> dict:
    return {"surface": str(r["surface"]), "kind": KIND_OF.get(str(r["tctype"]), "deadline"),
            "iso": _iso(r["amount"], r["unit"], r["lex"]), "working_days": bool(_value(r["wd"])),
            "count": _value(r["count"]), "count_max": _value(r["count_max"]),
            "period_iso": _iso(r["pamount"], r["punit"], r["plex"]), "hedge": _value(r["hedge"])}


def deadlines(store, district: str | None = None, kind: str | None = None) -> list[dict]:
    """Every time constraint of every article: ``doc_number, title, district, article, label,
    surface, kind, iso, working_days, count, count_max, period_iso, hedge, applies_to,
    bearer``. ``applies_to`` is the text of the clause the constraint sits in (the sentence
    around it when it is in no modal clause); ``bearer`` is that clause's role, or None."""
    where = f"""
  ?art gr:hasTimeConstraint ?tc .
  {_DOC_PATTERN}
  {_doc_filter(district)}
"""
    rows = _constraint_rows(store, where)
    meta = {str(r["tc"]): r for r in store.query(f"""
SELECT ?tc ?label ?ordinal ?title ?doc_number ?district ?atext ?start ?end ?ctext ?bearer WHERE {{
  {where}
  ?art gr:text ?atext .
  OPTIONAL {{ ?tc gr:textStart ?start ; gr:textEnd ?end }}
  OPTIONAL {{ ?clause a gr:Clause ; gr:hasTimeConstraint ?tc ; gr:text ?ctext .
             OPTIONAL {{ ?clause gr:bearer/skos:prefLabel ?bearer . FILTER(LANG(?bearer) = "zh") }} }}
}}""")}
    out, seen = [], set()
    for r in rows:
        tc = str(r["tc"])
        if tc in seen:
            continue
        seen.add(tc)
        m = meta[tc]
        row = {"doc_number": _value(m["doc_number"]), "title": str(m["title"]),
               "district": _value(m["district"]), "article": _value(m["ordinal"]),
               "label": str(m["label"])}
        row.update(_constraint(r))
        if kind and row["kind"] != kind:
            continue
        row["applies_to"] = (_value(m["ctext"]) or sentence_at(str(m["atext"]), _value(m["start"]), _value(m["end"])))
        row["bearer"] = _value(m["bearer"])
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
