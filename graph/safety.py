"""What a SPARQL query typed by a user may do: read the store, nothing else.

Why: the app and ``govrule sparql`` run text from whoever reaches them. Refused, with a message
that says why: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY, WITH;
the store is read-only anyway), SERVICE (federated query: Oxigraph would fetch any URL, inside
the network too), and text longer than ``MAX_QUERY_CHARS``. The check reads the query the way
the SPARQL grammar does (strings, IRIs, comments and escaped names cannot hide or fake a
keyword), so it refuses nothing a read-only query needs. ``graph/sandbox.py`` runs what passes
with a time, row and memory limit, on a read-only handle, without network where the system
allows it: the check is not the only line of defence.
"""
from __future__ import annotations

import re

MAX_QUERY_CHARS = 100_000
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
REMOTE_WORDS = frozenset({"SERVICE"})

# what the grammar reads as one unit; strings and IRIs first, so '#' or a quote inside them is text
_UNITS = re.compile(r'''
    (?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\')
  | (?P<str>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<esc>\\.)
  | (?P<open>["'])
''', re.X | re.S)
_NAME_CHARS = "\\w\u00b7\u0300-\u036f\u203f\u2040"
_VAR = re.compile(f"[?$][{_NAME_CHARS}]+")  # ?x $x (a variable name has no '.', '-' or ':')
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")  # "…"@zh-Hans
_WORD = re.compile(f"[{_NAME_CHARS}.\\-:%]+")
_PARTS = re.compile(r"[.\-%]+")


class QueryRefused(ValueError):
    """A query that is not run: ``kind`` is "update", "service", "too-long" or "malformed"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def keywords(text: str) -> set[str]:
    """The words of a query that the grammar can read as keywords (upper case): outside
    strings, IRIs and comments, and not part of a variable, language tag or prefixed name
    (a word with a ':' is a name: ``ex:a.SERVICE``; without one, ``1.SERVICE`` is ``1 . SERVICE``)."""
    out: list[str] = []
    pos = 0
    for m in _UNITS.finditer(text):
        if m.lastgroup == "open":  # a quote that never closes: the rest is one broken string
            raise QueryRefused("malformed", "查询中有未闭合的字符串 The query has an unterminated string "
                                            f"(at character {m.start()})")
        out.append(text[pos:m.start()])
        out.append("_" if m.lastgroup == "esc" else " ")  # an escaped name character stays in its word
        pos = m.end()
    out.append(text[pos:])
    code = _LANG.sub(" ", _VAR.sub(" ", "".join(out)))
    words: set[str] = set()
    for w in _WORD.findall(code):
        if ":" not in w:
            words.update(p.upper() for p in _PARTS.split(w) if p)
    return words


def check_query(text: str) -> None:
    """Raise ``QueryRefused`` unless ``text`` is a read-only, local query."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused("too-long", f"查询过长 The query is too long ({len(text):,} characters; "
                                       f"at most {MAX_QUERY_CHARS:,})")
    words = keywords(text)
    update = sorted(words & UPDATE_WORDS)
    if update:
        raise QueryRefused("update", f"图谱只读，不接受 SPARQL 更新（{', '.join(update)}） "
                                     f"The store is read-only: SPARQL Update is not accepted ({', '.join(update)})")
    if words & REMOTE_WORDS:
        raise QueryRefused("service", "不接受 SERVICE（不访问外部端点） SERVICE is not accepted: "
                                      "queries never reach outside endpoints")
