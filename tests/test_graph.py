"""The RDF graph against the real components: an Oxigraph store on disk, owlrl, pyshacl.

No mocks: the seed corpus is parsed by the real ingest pipeline and built into a store in a
temporary directory; the role-inheritance test uses hand-made documents and a small taxonomy.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
import rdflib.namespace as rns
from rdflib.plugins.sparql import prepareQuery

from graph import ontology as ont
from graph.convert import (document_triples, label_number, make_context, ontology_triples, parse_iso,
                           to_quads)
from graph.export import export
from graph.library import load_queries
from graph.ontology import ELI, ENTITIES_GRAPH, GR, INFERRED_GRAPH, TIME
from graph.reason import infer
from graph.store import build_store, open_store, query
from graph.terms import to_ox
from graph.validate import validate
from ingest.model import (Approval, Article, Clause, Document, Heading, Item, Reference, Span,
                          TimeConstraint)
from ingest.pipeline import parse_paths

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

SMALL_TAXONOMY = {
    "区政府领导同志": {"en": "district government leaders", "broader": [], "variants": ["区政府领导"]},
    "区长": {"en": "district head", "broader": ["区政府领导同志"], "variants": []},
    "副区长": {"en": "deputy district head", "broader": ["区政府领导同志"], "variants": ["分管副区长"]},
    "常务副区长": {"en": "executive deputy district head", "broader": ["副区长"], "variants": []},
}

OBLIGATIONS_OF = """
SELECT DISTINCT ?text WHERE {{
  ?role skos:prefLabel "{role}"@zh .
  ?clause a gr:Obligation ; gr:bearer/gr:broaderTransitive? ?role ; gr:text ?text .
}} ORDER BY ?text
"""


def n(rows, var="n") -> int:
    return int(rows[0][var])


@pytest.fixture(scope="module")
def seed_docs():
    res = parse_paths([str(CORPUS)])
    assert not res.errors
    return res.documents


@pytest.fixture(scope="module")
def seed_store(seed_docs, tmp_path_factory):
    d = tmp_path_factory.mktemp("store")
    report = build_store(seed_docs, d)
    return d, report


# ---------------------------------------------------------------- the seed corpus

def test_seed_corpus_counts(seed_store):
    d, report = seed_store
    assert report.added == 4 and report.replaced == report.unchanged == report.removed == 0
    assert report.reasoned and report.inferred > 0
    assert n(query(d, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a gr:Document }")) == 4
    assert n(query(d, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a gr:Article }")) == 205
    # every article is part of a document that has a title
    assert n(query(d, """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        ?a a gr:Article ; eli:is_part_of ?doc . ?doc a gr:Document ; eli:title ?t }""")) == 205
    with open_store(d) as st:
        assert len(st.document_graphs()) == 4
        assert report.triples == len(st)


def test_document_metadata_in_graph(seed_store):
    d, _ = seed_store
    rows = query(d, """SELECT ?title ?date ?district WHERE {
        ?doc eli:id_local "西政发〔2018〕4号" ; eli:title ?title ; eli:date_document ?date ;
             gr:district/rdfs:label ?district }""")
    assert len(rows) == 1
    assert rows[0]["title"] == Literal("北京市西城区人民政府工作规则", lang="zh")
    assert rows[0]["date"] == Literal("2018-03-20", datatype=rns.XSD.date)
    assert str(rows[0]["district"]) == "北京市西城区"
    # 朝阳 2015 repeals 朝政发〔2013〕12号, which is not in the corpus but keeps its number
    rows = query(d, load_queries()["repeals"].sparql)
    assert [(str(r["docNumber"]), str(r["repealedNumber"])) for r in rows] == [("朝政发〔2015〕7号", "朝政发〔2013〕12号")]
    # chapters: the 西城 2018 rules have 16, and every article sits in one
    rows = query(d, """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?doc eli:id_local "西政发〔2018〕4号" . ?c a gr:Chapter ; eli:is_part_of ?doc }""")
    assert n(rows) == 16
    rows = query(d, """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        ?doc eli:id_local "西政发〔2018〕4号" . ?a eli:is_part_of ?doc ; gr:inChapter ?c }""")
    assert n(rows) == 68


def test_union_has_no_duplicate_triples(seed_store):
    """Shared nodes are described once (entities graph), so counting over the union default
    graph, where Oxigraph keeps one row per graph, never counts a fact twice."""
    d, _ = seed_store
    with open_store(d) as st:
        bag = n(st.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        assert bag == len(st)
        assert st.union_count(include_meta=True) == bag


def test_shacl_conforms(seed_store):
    d, _ = seed_store
    for inference in ("none", "rdfs"):
        conforms, text = validate(d, inference=inference)
        assert conforms, text


def test_shacl_reports_violations():
    bad = Document(title="坏文件", doc_number="测〔2024〕1号", articles=[
        Article(ordinal=1, label="第一条", text="区长应当签发。", clauses=[
            Clause(text="区长应当签发", modality="duty", modal="应当", strength="weak", bearer="区长"),
        ], times=[TimeConstraint(surface="每周", kind="sometimes")]),
    ])
    g = Graph()
    for s, p, o, _ in to_quads([bad], SMALL_TAXONOMY):
        g.add((s, p, o))
    conforms, text = validate(g)
    assert not conforms
    assert "exactly one deontic type" in text
    assert "strict" in text  # the gr:strength sh:in constraint
    assert "exactly one kind" in text
    # and a document without articles
    g2 = Graph()
    for s, p, o, _ in to_quads([Document(title="空文件")], {}):
        g2.add((s, p, o))
    conforms, text = validate(g2)
    assert not conforms and "at least one article" in text


def test_rebuild_unchanged_corpus_changes_nothing(seed_docs, tmp_path):
    first = build_store(seed_docs, tmp_path)
    with open_store(tmp_path) as st:
        before = sorted(str(q) for q in st.ox)
    again = build_store(parse_paths([str(CORPUS)]).documents, tmp_path)
    assert (again.added, again.replaced, again.removed, again.unchanged) == (0, 0, 0, 4)
    assert not again.reasoned
    assert again.triples == first.triples
    with open_store(tmp_path) as st:
        assert sorted(str(q) for q in st.ox) == before

    # a change that does not reach the graph (ingest warnings are not mapped) converts the
    # document again but rewrites nothing: only its fingerprint in the meta graph moves
    docs = copy.deepcopy(seed_docs)
    docs[0].warnings.append("a new warning")
    again = build_store(docs, tmp_path)
    assert (again.added, again.replaced, again.removed, again.unchanged) == (0, 0, 0, 4)
    with open_store(tmp_path) as st:
        after = sorted(str(q) for q in st.ox)
        assert len(after) == len(before)
        assert [q for q in after if q not in before] == [
            q for q in after if "inputHash" in q and ont.doc_iri(docs[0].key) in q]


def test_changing_one_document_replaces_only_its_graph(seed_docs, tmp_path):
    build_store(seed_docs, tmp_path)
    with open_store(tmp_path) as st:
        before = {g: sorted(str(q) for q in st.ox.quads_for_pattern(None, None, None, to_ox(g)))
                  for g in st.graphs()}
    docs = copy.deepcopy(seed_docs)
    target = docs[1]
    target.articles[0].text = target.articles[0].text + "（修订）"
    report = build_store(docs, tmp_path)
    assert (report.added, report.replaced, report.unchanged, report.removed) == (0, 1, 3, 0)
    changed = ont.doc_iri(target.key)
    with open_store(tmp_path) as st:
        after = {g: sorted(str(q) for q in st.ox.quads_for_pattern(None, None, None, to_ox(g)))
                 for g in st.graphs()}
    assert set(after) == set(before)
    differing = {g for g in after if after[g] != before[g]}
    assert differing == {changed, ont.META_GRAPH}
    rows = query(tmp_path, f"ASK {{ <{ont.article_iri(changed, 1)}> gr:text ?t FILTER(STRENDS(?t, '（修订）')) }}")
    assert rows is True
    assert n(query(tmp_path, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a gr:Article }")) == 205

    # dropping a document removes its graph and nothing else
    report = build_store(docs[:1] + docs[2:], tmp_path)
    assert (report.added, report.replaced, report.unchanged, report.removed) == (0, 0, 3, 1)
    with open_store(tmp_path) as st:
        assert changed not in st.graphs()
        assert n(st.query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a gr:Document }")) == 3
        assert n(st.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ont.META_GRAPH}> "
                          f"{{ <{changed}> ?p ?o }} }}")) == 0


def test_every_library_query_parses_and_runs(seed_store):
    d, _ = seed_store
    library = load_queries()
    assert {"obligations_of_role", "working_day_deadlines", "approvals", "meeting_frequencies",
            "citations", "articles_per_chapter", "repeals"} <= set(library)
    with open_store(d) as st:
        for name, q in library.items():
            assert q.title and "/" in q.title, name  # Chinese / English
            assert q.description, name
            assert q.sparql.lstrip().startswith("# title:"), name
            prepareQuery(q.sparql)  # standard SPARQL 1.1 (rdflib's parser), not just Oxigraph's
            rows = st.query(q.sparql)
            assert isinstance(rows, list), name
    # articles per chapter adds up to the articles that have a chapter
    rows = query(d, library["articles_per_chapter"].sparql)
    in_chapters = n(query(d, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a gr:Article ; gr:inChapter ?c ; "
                             "eli:is_part_of/eli:id_local \"西政发〔2018〕4号\" }"))
    assert sum(int(r["articles"]) for r in rows) == in_chapters > 0
    rows = query(d, library["role_hierarchy"].sparql)
    assert any(str(r["role"]) == "常务副区长" and str(r["broader"]) == "副区长" for r in rows)
    # 常务会议 frequency in all three districts
    rows = query(d, library["meeting_frequencies"].sparql)
    standing = {str(r["district"]) for r in rows if "常务会议" in str(r["context"])}
    assert standing == {"北京市西城区", "北京市朝阳区", "营口市西市区"}
    # who signs what: the district head signs in every district
    rows = query(d, library["approvals"].sparql)
    assert {str(r["district"]) for r in rows if str(r["approver"]) == "区长" and str(r["act"]) == "签发"} == standing
    # what cites what: documents citing each other inside the store
    rows = query(d, library["citations"].sparql)
    assert all(int(r["articles"]) > 0 for r in rows)


def test_export_round_trips(seed_store, tmp_path):
    d, _ = seed_store
    with open_store(d) as st:
        expected = st.union_count()
    for fmt in ("ttl", "nt", "jsonld"):
        out = tmp_path / f"graph.{fmt}"
        written = export(d, fmt, out)
        assert out.stat().st_size > 0
        if fmt == "jsonld":
            ds = Dataset()
            ds.parse(out, format="json-ld")
            graphs = {str(g.identifier) for g in ds.graphs()}
            assert str(ont.ONTOLOGY_GRAPH) in graphs  # named graphs are kept
            assert str(ont.META_GRAPH) not in graphs
            count = len({(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))})
        else:
            count = len(Graph().parse(out, format={"ttl": "turtle", "nt": "nt"}[fmt]))
            assert written == expected
        assert count == expected, fmt


# ---------------------------------------------------------------- role inheritance

def _role_docs() -> list[Document]:
    def article(ordinal, bearer, text):
        return Article(ordinal=ordinal, label=f"第{'一二三'[ordinal - 1]}条", text=text + "。",
                       clauses=[Clause(text=text, modality="obligation", modal="应当", bearer=bearer,
                                       bearer_surface=bearer, action=text.split("应当")[-1],
                                       roles=[bearer])])
    return [Document(title="某区人民政府工作规则", doc_number="某政发〔2024〕1号", district="某市某区", articles=[
        article(1, "常务副区长", "常务副区长应当协助区长主持日常工作"),
        article(2, "副区长", "副区长应当负责处理分管工作"),
        article(3, "区长", "区长应当主持区政府全面工作"),
    ])]


def test_role_subsumption_comes_from_reasoning(tmp_path):
    docs = _role_docs()
    with_reasoning = tmp_path / "reasoned"
    build_store(docs, with_reasoning, taxonomy=SMALL_TAXONOMY)
    got = [str(r["text"]) for r in query(with_reasoning, OBLIGATIONS_OF.format(role="副区长"))]
    assert got == ["副区长应当负责处理分管工作", "常务副区长应当协助区长主持日常工作"]
    # transitive: 常务副区长 ⊑ 副区长 ⊑ 区政府领导同志
    got = [str(r["text"]) for r in query(with_reasoning, OBLIGATIONS_OF.format(role="区政府领导同志"))]
    assert len(got) == 3
    # the library query finds it too
    rows = query(with_reasoning, load_queries()["obligations_of_role"].sparql)
    assert {str(r["bearer"]) for r in rows} == {"副区长", "常务副区长"}

    # the same data without the inferred graph: only the clause that names 副区长 itself
    without = tmp_path / "plain"
    report = build_store(docs, without, taxonomy=SMALL_TAXONOMY, reason=False)
    assert not report.reasoned and report.inferred == 0
    got = [str(r["text"]) for r in query(without, OBLIGATIONS_OF.format(role="副区长"))]
    assert got == ["副区长应当负责处理分管工作"]
    # the taxonomy itself only says skos:broader; gr:broaderTransitive exists only as inference
    assert query(without, "ASK { ?a gr:broaderTransitive ?b }") is False
    with open_store(with_reasoning) as st:
        inferred = st.graph(INFERRED_GRAPH)
    assert (ont.role_iri("常务副区长"), GR.broaderTransitive, ont.role_iri("区政府领导同志")) in inferred

    # reasoning switched on later fills the inferred graph without touching the documents
    report = build_store(docs, without, taxonomy=SMALL_TAXONOMY)
    assert report.reasoned and (report.added, report.replaced, report.unchanged) == (0, 0, 1)
    got = [str(r["text"]) for r in query(without, OBLIGATIONS_OF.format(role="副区长"))]
    assert len(got) == 2


# ---------------------------------------------------------------- mapping details

def _full_document() -> Document:
    deadline = TimeConstraint(surface="一般不超过5个工作日", kind="deadline", iso="P5D", working_days=True,
                              hedge="一般", start=10, end=20)
    minimum = TimeConstraint(surface="全年不少于两周", kind="minimum", iso="P2W", period_iso="P1Y", start=30, end=37)
    freq = TimeConstraint(surface="每季度召开1至2次", kind="frequency", count=1, count_max=2, period_iso="P3M",
                          start=40, end=49)
    only_in_clause = TimeConstraint(surface="提前3日", kind="advance_notice", iso="P3D", start=50, end=54)
    art1 = Article(
        ordinal=1, label="第一条", text="区长办公会议每季度召开1至2次……", chapter="第一章 总则",
        items=[Item(label="（一）", text="第一项"), Item(label="（二）", text="第二项")],
        source=Span(file="corpus/x.txt", start=5, end=60),
        times=[deadline, minimum, freq],
        clauses=[Clause(text="常务副区长应当在5个工作日内报告", modality="obligation", modal="应当", strength="hedged",
                        bearer="常务副区长", bearer_surface="常务副区长", action="报告", roles=["常务副区长", "区长"],
                        conditions=["遇有紧急情况的"], exceptions=["法律另有规定的除外"],
                        constraints=[deadline, only_in_clause]),
                 Clause(text="任何人不得泄密", modality="prohibition", modal="不得"),
                 Clause(text="可以委托", modality="permission", modal="可以", bearer="新角色")],
        approvals=[Approval(approver="区长", act="签发", object="以区政府名义发布的公文", surface="由区长签发")],
        references=[Reference(kind="article", target="第二条", surface="第二条"),
                    Reference(kind="document", target="上位规定", surface="《上位规定》"),
                    Reference(kind="document", target="京政发〔2010〕19号", surface="京政发〔2010〕19号"),
                    Reference(kind="document", target="不存在的文件", surface="《不存在的文件》")],
    )
    art2 = Article(ordinal=2, label="第二条", text="第二条正文。", chapter="第二章 附则", section="第一节 一般规定")
    return Document(
        title="测试规则", doc_number="测政发〔2024〕1号", issuer="某区人民政府", district="某市某区",
        date="2024-01-29", doc_type="工作规则", repeals=["测政发〔2020〕3号"], sources=["corpus/x.txt"],
        articles=[art1, art2], work="测试规则", versions=["测试规则@2020-01-01"],
        headings=[Heading("chapter", "第一章", "总则"), Heading("chapter", "第二章", "附则"),
                  Heading("section", "第一节", "一般规定")],
        notice="印发通知", preamble="序言")


def test_full_mapping(tmp_path):
    doc = _full_document()
    cited = Document(title="上位规定", date="2019-05-01", articles=[Article(ordinal=1, label="第一条", text="x")])
    report = build_store([doc, cited], tmp_path, taxonomy=SMALL_TAXONOMY)
    assert report.added == 2
    conforms, text = validate(tmp_path)
    assert conforms, text
    with open_store(tmp_path) as st:
        g = st.union_graph()
    d = ont.doc_iri(doc.key)
    a1, a2 = ont.article_iri(d, 1), ont.article_iri(d, 2)
    c1 = ont.clause_iri(a1, 1)
    assert (d, ELI.id_local, Literal("测政发〔2024〕1号")) in g
    assert (d, ELI.date_document, Literal("2024-01-29", datatype=rns.XSD.date)) in g
    assert (d, ELI.repeals, ont.doc_iri("测政发〔2020〕3号")) in g
    assert (d, GR.otherVersion, ont.doc_iri("测试规则@2020-01-01")) in g
    assert (d, ELI.passed_by, ont.org_iri("某区人民政府")) in g
    assert (d, ELI.type_document, ont.doctype_iri("工作规则")) in g
    assert (d, ont.PROV.wasDerivedFrom, ont.source_iri("corpus/x.txt")) in g
    assert (a1, GR.sourceStart, Literal(5)) in g and (a1, GR.sourceEnd, Literal(60)) in g
    assert (ont.item_iri(a1, 2), ELI.is_part_of, a1) in g
    # headings: chapter 2 holds section 1, and article 2 is in both
    ch2, sec1 = ont.heading_iri(d, "chapter", 2), ont.heading_iri(d, "section", 1)
    assert (sec1, ELI.is_part_of, ch2) in g and (a2, GR.inChapter, ch2) in g and (a2, GR.inSection, sec1) in g
    # clauses
    assert (c1, rns.RDF.type, GR.Obligation) in g and (c1, GR.strength, Literal("hedged")) in g
    assert (c1, GR.bearer, ont.role_iri("常务副区长")) in g
    assert (c1, GR.mentionsRole, ont.role_iri("区长")) in g
    assert (c1, GR.condition, Literal("遇有紧急情况的", lang="zh")) in g
    assert (c1, GR.exception, Literal("法律另有规定的除外", lang="zh")) in g
    assert (ont.clause_iri(a1, 2), rns.RDF.type, GR.Prohibition) in g
    assert (ont.clause_iri(a1, 3), rns.RDF.type, GR.Permission) in g
    assert (ont.role_iri("新角色"), rns.RDF.type, GR.Role) in g  # outside the taxonomy: declared in entities
    # time constraints: the clause shares the article's node for the same expression
    t1 = ont.time_iri(a1, 1)
    assert (c1, GR.hasTimeConstraint, t1) in g
    assert (t1, GR.workingDays, Literal(True)) in g and (t1, GR.hedge, Literal("一般")) in g
    assert (t1, GR.isoDuration, Literal("P5D", datatype=rns.XSD.duration)) in g
    dur = URIRef(f"{t1}/duration")
    assert (t1, GR.duration, dur) in g and (dur, TIME.unitType, TIME.unitDay) in g
    t2 = ont.time_iri(a1, 2)  # P2W: xsd:duration has no weeks
    assert (t2, GR.isoDuration, Literal("P14D", datatype=rns.XSD.duration)) in g
    assert (URIRef(f"{t2}/duration"), TIME.unitType, TIME.unitWeek) in g
    assert (t2, GR.periodIso, Literal("P1Y", datatype=rns.XSD.duration)) in g
    t3 = ont.time_iri(a1, 3)
    assert (t3, rns.RDF.type, GR.Frequency) in g and (t3, GR["count"], Literal(1)) in g
    assert (t3, GR.countMax, Literal(2)) in g
    own = ont.time_iri(c1, 2)  # only in the clause: its own node, linked from the article too
    assert (c1, GR.hasTimeConstraint, own) in g and (a1, GR.hasTimeConstraint, own) in g
    assert (own, rns.RDF.type, GR.AdvanceNotice) in g
    # approvals
    ap = ont.approval_iri(a1, 1)
    assert (a1, GR.hasApproval, ap) in g and (ap, GR.approver, ont.role_iri("区长")) in g
    assert (ap, GR.approvalAct, Literal("签发")) in g
    # references: article in the same document, a document in the batch by title, a doc number
    assert (a1, GR.citesArticle, a2) in g
    assert (a1, GR.citesDocument, ont.doc_iri(cited.key)) in g
    assert (a1, GR.citesDocument, ont.doc_iri("京政发〔2010〕19号")) in g
    assert (ont.doc_iri("京政发〔2010〕19号"), ELI.id_local, Literal("京政发〔2010〕19号")) in g
    assert (ont.reference_iri(a1, 4), GR.targetText, Literal("不存在的文件")) in g
    assert not list(g.triples((ont.reference_iri(a1, 4), GR.target, None)))
    # the example queries answer from these triples
    library = load_queries()
    with open_store(tmp_path) as st:
        cites = st.query(library["citations"].sparql)
        wd = st.query(library["working_day_deadlines"].sparql)
    assert [(str(r["document"]), str(r["cited"]), int(r["articles"])) for r in cites] == [("测试规则", "上位规定", 1)]
    assert [(str(r["surface"]), str(r["hedge"]), int(r["days"])) for r in wd] == [("一般不超过5个工作日", "一般", 5)]


def test_parts_chapters_and_sections(tmp_path):
    """编 › 章 › 节 nest with eli:is_part_of; an article whose "chapter" is a part heading (a part
    without chapters) is gr:inPart, never gr:inChapter of a part."""
    doc = Document(title="某法", date="2020-01-01", headings=[
        Heading("part", "第一编", "总则"), Heading("chapter", "第一章", "一般规定"),
        Heading("section", "第一节", "适用范围"), Heading("part", "第二编", "附则")],
        articles=[Article(ordinal=1, label="第一条", text="甲。", chapter="第一章 一般规定", section="第一节 适用范围"),
                  Article(ordinal=2, label="第二条", text="乙。", chapter="第二编 附则")])
    build_store([doc], tmp_path, taxonomy={})
    conforms, text = validate(tmp_path)
    assert conforms, text
    d = ont.doc_iri(doc.key)
    p1, p2 = ont.heading_iri(d, "part", 1), ont.heading_iri(d, "part", 2)
    c1, s1 = ont.heading_iri(d, "chapter", 1), ont.heading_iri(d, "section", 1)
    with open_store(tmp_path) as st:
        g = st.union_graph()
    assert (c1, ELI.is_part_of, p1) in g and (s1, ELI.is_part_of, c1) in g and (p2, ELI.is_part_of, d) in g
    a1, a2 = ont.article_iri(d, 1), ont.article_iri(d, 2)
    assert (a1, GR.inChapter, c1) in g and (a1, GR.inSection, s1) in g
    assert (a2, GR.inPart, p2) in g and not list(g.triples((a2, GR.inChapter, None)))
    # the library's chapter count reaches chapters under a part
    q = load_queries()["articles_per_chapter"].sparql.replace('eli:id_local "西政发〔2018〕4号"', 'eli:title "某法"@zh')
    rows = query(tmp_path, q)
    assert [(str(r["chapter"]), int(r["articles"])) for r in rows] == [("第一章 一般规定", 1)]


def test_iris_are_stable_and_encoded(seed_docs):
    doc = seed_docs[0]
    ctx = make_context(seed_docs, SMALL_TAXONOMY)
    assert document_triples(doc, ctx) == document_triples(copy.deepcopy(doc), make_context(seed_docs, SMALL_TAXONOMY))
    assert str(ont.doc_iri("西政发〔2018〕4号")) == (
        "https://govrule.org/id/doc/%E8%A5%BF%E6%94%BF%E5%8F%91%E3%80%942018%E3%80%954%E5%8F%B7")
    assert str(ont.article_iri(ont.doc_iri("a/b"), 3)) == "https://govrule.org/id/doc/a%2Fb/art/3"
    assert str(ont.role_iri("副区长")) == "https://govrule.org/id/role/%E5%89%AF%E5%8C%BA%E9%95%BF"
    assert str(ont.time_iri(ont.clause_iri(ont.article_iri("x", 2), 1), 3)) == "x/art/2/clause/1/time/3"
    assert str(ont.source_iri("./corpus/a b.txt")) == "https://govrule.org/id/source/corpus%2Fa%20b.txt"


def test_duration_and_label_parsing():
    assert parse_iso("P2W") == ("P14D", (2, TIME.unitWeek))
    assert parse_iso("PT5H") == ("PT5H", (5, TIME.unitHour))
    assert parse_iso("P3M") == ("P3M", (3, TIME.unitMonth))
    assert parse_iso("P1DT2H") == ("P1DT2H", None)
    assert parse_iso("P0.5D")[0] is None and parse_iso("bogus") == (None, None)
    assert label_number("第四十五条") == 45 and label_number("四十五（三）") == 45
    assert label_number("12.") == 12 and label_number("第五条之一") is None


# ---------------------------------------------------------------- the ontology

def test_ontology_terms_are_labelled_and_consistent():
    g = ont.load_ontology()
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(GR))}
    assert {GR.Document, GR.Article, GR.Clause, GR.Role, GR.Obligation, GR.Deadline, GR.bearer,
            GR.broaderTransitive, GR.hasTimeConstraint, GR.alignedWith} <= terms
    for t in terms:
        langs = {o.language for o in g.objects(t, rns.RDFS.label)}
        assert {"zh", "en"} <= langs, t
        assert list(g.objects(t, rns.RDFS.comment)), t
    assert (GR.Document, rns.RDFS.subClassOf, ELI.LegalResource) in g
    assert (GR.Role, rns.RDFS.subClassOf, rns.SKOS.Concept) in g
    assert (rns.SKOS.broader, rns.RDFS.subPropertyOf, GR.broaderTransitive) in g
    assert (GR.broaderTransitive, rns.RDF.type, rns.OWL.TransitiveProperty) in g
    assert (GR.citesDocument, rns.RDFS.subPropertyOf, ELI.cites) in g
    assert len(ont.load_shapes()) > 0
    # OWL-RL finds the ontology + taxonomy consistent (nothing is an owl:Nothing) and closes
    # the class hierarchy: an obligation is a deontic statement
    inferred = set(infer(ontology_triples(SMALL_TAXONOMY)))
    assert not any(p == rns.RDF.type and o == rns.OWL.Nothing for _, p, o in inferred)
    assert (GR.Chapter, rns.RDFS.subClassOf, ELI.LegalResource) in inferred
    assert (ont.role_iri("常务副区长"), GR.broaderTransitive, ont.role_iri("区政府领导同志")) in inferred


def test_obligation_rows_include_inherited_roles(tmp_path):
    """`govrule obligations --role 副区长` rows: the 常务副区长 clause is there, marked inherited,
    and only because of the materialised subsumption."""
    from graph.facts import obligations

    docs = _role_docs()
    build_store(docs, tmp_path / "r", taxonomy=SMALL_TAXONOMY)
    with open_store(tmp_path / "r") as st:
        rows = obligations(st, role="副区长")
    assert [(r["bearer"], r["inherited"], r["role"]) for r in rows] == [
        ("常务副区长", True, "副区长"), ("副区长", False, "副区长")]
    assert rows[0]["article"] == 1 and rows[0]["label"] == "第一条" and rows[0]["district"] == "某市某区"
    build_store(docs, tmp_path / "p", taxonomy=SMALL_TAXONOMY, reason=False)
    with open_store(tmp_path / "p") as st:
        assert [r["bearer"] for r in obligations(st, role="副区长")] == ["副区长"]


def test_adding_documents_keeps_the_others(seed_docs, tmp_path):
    """The app's import: new documents are added, the ones already there stay, with their
    districts (shared entities) intact; the graph still conforms."""
    first, rest = seed_docs[:2], seed_docs[2:]
    build_store(first, tmp_path / "s")
    with open_store(tmp_path / "s", read_only=False) as st:
        rep = build_store(rest, st, remove_missing=False)
        assert rep.added == len(rest) and rep.removed == 0
        assert len(st.document_graphs()) == len(seed_docs)
        districts = {str(r["l"]) for r in st.query("SELECT ?l WHERE { ?d a gr:District ; rdfs:label ?l }")}
        assert districts == {d.district for d in seed_docs if d.district}
        assert validate(st)[0]
        added = set(st.triples([ENTITIES_GRAPH]))
        assert st.size() == len(st)  # the bookkeeping's count, after adding to a graph in place
    # the shared nodes grew in place, one document at a time: the same as building all at once
    build_store(seed_docs, tmp_path / "all")
    with open_store(tmp_path / "all") as st:
        assert set(st.triples([ENTITIES_GRAPH])) == added
    with open_store(tmp_path / "s", read_only=False) as st:
        rep = build_store(seed_docs[-1:], st, remove_missing=False)  # already there: nothing to add
        assert (rep.added, rep.unchanged) == (0, 1)


def test_a_large_load_is_compacted_before_it_is_published(seed_docs, tmp_path, monkeypatch):
    """Above OPTIMIZE_BYTES of N-Quads the build compacts the store (faster queries after a bulk
    load); the compacted store holds the same quads and answers the same."""
    import graph.store as gs

    build_store(seed_docs, tmp_path / "plain")
    monkeypatch.setattr(gs, "OPTIMIZE_BYTES", 0)
    rep = build_store(seed_docs, tmp_path / "compact")
    assert rep.optimize_seconds > 0
    q = "SELECT ?c WHERE { ?c a gr:Clause ; gr:bearer ?r } ORDER BY ?c ?r"
    with open_store(tmp_path / "plain") as a, open_store(tmp_path / "compact") as b:
        assert len(a) == len(b) == rep.triples
        assert a.query(q) == b.query(q)
    assert build_store(seed_docs[:1], tmp_path / "compact", remove_missing=False).optimize_seconds == 0  # nothing loaded


def test_many_streamed_batches_give_the_same_store(seed_docs, tmp_path, monkeypatch):
    """A build streams new documents into a bulk load while it converts: with one batch (one
    bulk load) per document the store holds exactly the quads of a one-batch build, and a
    rebuild of it changes nothing."""
    import graph.store as gs
    from pyoxigraph import BlankNode, NamedNode

    build_store(seed_docs, tmp_path / "one")
    monkeypatch.setattr(gs, "BATCH_BYTES", 1)
    monkeypatch.setattr(gs, "STREAM_BYTES", 1)  # one bulk load per document
    monkeypatch.setattr(gs, "BULK_THRESHOLD", 0)  # every batch through bulk_load, as at scale
    rep = build_store(seed_docs, tmp_path / "many")

    def quads(st):  # the ontology's blank nodes get new ids in every store
        return sorted(str(q) if isinstance(q.subject, NamedNode) and not isinstance(q.object, BlankNode)
                      else "bnode" for q in st.ox)

    with open_store(tmp_path / "one") as a, open_store(tmp_path / "many") as b:
        assert quads(a) == quads(b)
        assert len(b) == rep.triples
    assert not list((tmp_path / "many").rglob("*.nq*"))  # no batch file left behind
    again = build_store(seed_docs, tmp_path / "many")
    assert (again.added, again.replaced, again.removed, again.unchanged) == (0, 0, 0, len(seed_docs))


def test_new_and_replaced_documents_in_one_build_give_a_clean_store(seed_docs, tmp_path, monkeypatch):
    """New documents are streamed into a bulk load while replaced ones wait for the stream to
    end (no deletes during a bulk load): a build doing both at once, in one batch or in many,
    leaves the same store as a fresh build of the same documents."""
    import graph.store as gs

    docs = copy.deepcopy(seed_docs)
    docs[1].articles[0].text += "（修订）"
    build_store(docs, tmp_path / "clean")
    for name, small in (("one", False), ("many", True)):
        if small:
            monkeypatch.setattr(gs, "BATCH_BYTES", 1)
            monkeypatch.setattr(gs, "STREAM_BYTES", 1)
        build_store(seed_docs[:2], tmp_path / name)
        rep = build_store(docs, tmp_path / name)  # docs[1] replaced, docs[2:] new
        assert (rep.added, rep.replaced, rep.unchanged) == (2, 1, 1)
        with open_store(tmp_path / "clean") as a, open_store(tmp_path / name) as b:
            for g in a.graphs():
                if g != ont.META_GRAPH and g != ont.ONTOLOGY_GRAPH:  # the ontology holds blank nodes
                    assert sorted(map(str, a.triples([g]))) == sorted(map(str, b.triples([g]))), (name, g)
            assert a.graphs() == b.graphs() and len(a) == len(b)
        assert not [p for p in (tmp_path / name).rglob("*") if ".pending" in p.name]


def test_a_failing_load_fails_the_build_and_keeps_the_store(seed_docs, tmp_path, monkeypatch):
    """If the bulk load stops half-way (here: a line it cannot parse), the build raises that
    error, publishes nothing and leaves no pipe or batch file behind."""
    import graph.store as gs

    build_store(seed_docs[:1], tmp_path)
    with open_store(tmp_path) as st:
        before = sorted(str(q) for q in st.ox)
    real = gs.document_lines

    def broken(doc, ctx=None):
        lines = real(doc, ctx)
        return lines if doc.key != seed_docs[2].key else lines[:5] + ["not N-Quads at all .\n"] + lines[5:]

    monkeypatch.setattr(gs, "document_lines", broken)
    with pytest.raises(SyntaxError):
        build_store(seed_docs, tmp_path)
    with open_store(tmp_path) as st:
        assert sorted(str(q) for q in st.ox) == before
    assert not [p for p in tmp_path.rglob("*") if ".pending" in p.name]


def test_a_store_where_no_pipe_can_be_made_is_built_from_batch_files(seed_docs, tmp_path, monkeypatch):
    """Named pipes are not on every file system (some network shares, Windows): the build then
    loads new documents from batch files, as it does replacements, and gives the same store."""
    import os

    build_store(seed_docs, tmp_path / "piped")

    def no_fifo(path, *a, **kw):
        raise OSError(95, "Operation not supported", str(path))

    monkeypatch.setattr(os, "mkfifo", no_fifo)
    rep = build_store(seed_docs, tmp_path / "files")
    assert rep.added == len(seed_docs)
    with open_store(tmp_path / "piped") as a, open_store(tmp_path / "files") as b:
        for g in a.graphs():
            if g != ont.META_GRAPH and g != ont.ONTOLOGY_GRAPH:  # the ontology holds blank nodes
                assert sorted(map(str, a.triples([g]))) == sorted(map(str, b.triples([g]))), g
        assert len(a) == len(b)
