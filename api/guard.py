"""Decide, before anything runs, whether a SPARQL request is a read-only local query.

pyoxigraph would happily resolve ``SERVICE <http://…>`` by fetching the URL, which on a public
server is a server-side request forgery; updates must never run on the read-only endpoint. A
keyword scan is only sound once comments, strings and IRIs are out of the way, so we blank them
first (an IRI like ``<http://x/LOAD>`` or a literal "SERVICE" is not an operation).
"""

from __future__ import annotations

import re

_STRING = "|".join(
    (
        r"'''(?:[^'\\]|\\.|'(?!''))*'''",
        r'"""(?:[^"\\]|\\.|"(?!""))*"""',
        r"'(?:[^'\\\n]|\\.)*'",
        r'"(?:[^"\\\n]|\\.)*"',
    )
)
_IRI = r"<[^<>\"{}|^`\\\s]*>"
_COMMENT = r"#[^\n]*"
_LEXEME = re.compile(f"{_STRING}|{_IRI}|{_COMMENT}", re.DOTALL)

# Keywords, not parts of prefixed names (ex:add), variables (?insert) or local names.
_KW = r"(?<![\w:?$]){}(?![\w:])"
_UPDATE = re.compile(_KW.format("(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)"), re.IGNORECASE)
_FETCH = re.compile(_KW.format("(SERVICE|LOAD)"), re.IGNORECASE)


class Refused(Exception):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _code_only(query: str) -> str:
    return _LEXEME.sub(lambda m: " " * len(m.group(0)), query)


def check_query(query: str) -> None:
    """Raise ``Refused`` for anything but a local read-only query."""
    code = _code_only(query)
    fetch = _FETCH.search(code)
    if fetch:
        raise Refused(
            400,
            f"{fetch.group(1).upper()} is not allowed: this endpoint never fetches remote data",
        )
    update = _UPDATE.search(code)
    # "DELETE"/"INSERT" etc. only appear in SPARQL Update; a query cannot contain them as keywords.
    if update:
        raise Refused(
            403, f"SPARQL Update ({update.group(1).upper()}) is not allowed: the endpoint is read-only"
        )
