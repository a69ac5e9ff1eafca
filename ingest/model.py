"""Plain dataclasses passed from ingest to the graph and the search index.

No RDF and no I/O here: every later stage reads these types, so they stay small,
serialisable (``to_dict``) and free of parser internals.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


class IngestError(Exception):
    """A file that cannot become a document; the message is one line for the user."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason

    def __reduce__(self):  # picklable across worker processes
        return (IngestError, (self.file, self.reason))


@dataclass(frozen=True)
class Source:
    """The text layer of one file, exactly as decoded; spans point into ``text``."""

    file: str
    text: str
    format: str  # txt | md | docx | pdf | html
    encoding: str  # detected encoding, or the container format for docx/pdf
    sha256: str  # of the file's bytes


@dataclass(frozen=True)
class Span:
    """Where a piece of clean text came from: [start, end) in ``Source.text``."""

    file: str
    start: int
    end: int


@dataclass
class Item:
    """A numbered item inside an article: （一）, (1), 1. …"""

    label: str
    text: str


@dataclass
class TimeConstraint:
    """A normalised time expression: 在1个工作日内 → deadline P1D (working days)."""

    surface: str
    kind: str  # deadline | advance_notice | frequency | minimum
    iso: str | None = None  # ISO-8601 duration of the amount (P1D, PT5H, P2W)
    working_days: bool = False
    count: int | None = None  # times or units: 每季度召开2次 → 2
    count_max: int | None = None  # upper bound of a range: 1至2次 → 2
    period_iso: str | None = None  # the recurring period: 每季度 → P3M
    hedge: str | None = None  # 一般 / 原则上 / 最迟
    start: int = 0  # offsets in the article text
    end: int = 0


@dataclass
class Reference:
    """A citation: another article of the same document, or another document."""

    kind: str  # article | document
    target: str  # article label (四十五(三)) or document title / doc number
    surface: str
    start: int = 0
    end: int = 0


@dataclass
class Clause:
    """One deontic clause of an article: who must / must not / may do what, and when."""

    text: str
    modality: str  # obligation | prohibition | permission
    modal: str  # the modal word as printed: 应当, 不得, 可以 …
    strength: str = "strict"  # strict | hedged (一般, 原则上)
    bearer: str | None = None  # canonical role
    bearer_surface: str | None = None  # as printed; None when taken from context
    action: str = ""
    roles: list[str] = field(default_factory=list)  # every canonical role the clause names
    conditions: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    constraints: list[TimeConstraint] = field(default_factory=list)
    start: int = 0  # offsets in the article text
    end: int = 0


@dataclass
class Approval:
    """A sign-off or approval rule: who signs (签发/审批) which kind of document or request."""

    approver: str  # canonical role
    act: str  # 签发 | 审批 | 审定 | 批准 | 审核
    object: str  # what is signed: 以区政府名义发布的公文 …
    surface: str
    start: int = 0
    end: int = 0


@dataclass
class Article:
    """One numbered article (条) of a document; ``ordinal`` is its position from 1."""

    ordinal: int
    label: str  # as printed: 第十二条, 十二、, 12.
    text: str  # clean text without the label
    chapter: str | None = None  # 第二章 区政府组成人员职责 (or the part heading)
    section: str | None = None  # 第一节 … (or a （一） section heading)
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    source: Span | None = None
    clauses: list[Clause] = field(default_factory=list)
    times: list[TimeConstraint] = field(default_factory=list)  # every time constraint of the article
    references: list[Reference] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)


@dataclass
class Heading:
    """A structural heading (编/章/节 or a higher-level numbered heading)."""

    level: str  # part | chapter | section
    label: str
    title: str

    @property
    def full(self) -> str:
        """'第二章 区政府组成人员职责', but '二、主要任务' and '（一）指导思想' without a space."""
        sep = " " if self.label.endswith(("章", "节", "编")) else ""
        return f"{self.label}{sep}{self.title}".strip()


@dataclass
class Document:
    """A regulation: metadata plus its articles, possibly read from several files."""

    title: str
    doc_number: str | None = None
    issuer: str | None = None
    district: str | None = None
    date: str | None = None  # ISO 8601
    doc_type: str | None = None
    repeals: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    notice: str = ""  # the 印发通知 before the body
    preamble: str = ""  # body text before the first article
    footer: str = ""  # 抄送 / 印发 lines after the body
    work: str = ""  # identity of the work across versions (title without version)
    versions: list[str] = field(default_factory=list)  # keys of other versions of the work
    warnings: list[str] = field(default_factory=list)
    repairs: int = 0  # how many cleaning repairs the text needed (lower = cleaner)

    @property
    def key(self) -> str:
        """Stable identity: the doc number, else the title (with version date)."""
        if self.doc_number:
            return self.doc_number
        return f"{self.title}@{self.date}" if self.date else self.title

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("headings")
        d["chapters"] = [h.full for h in self.headings]
        d["key"] = self.key
        return d
