"""Personal data never leaves the server by default.

The loader does not read the names of 负责人/经办人 or phone numbers into records, so they are not
in the graph; this module is the second line of defence for everything the API sends out (linked
data, dumps, lookups, SPARQL results): any mainland mobile number (``1[3-9]`` + 9 digits, also
written with spaces, hyphens, a ``+86`` prefix or full-width digits; not part of a longer run of
letters and digits such as a hash) inside a text literal is replaced by ``[redacted]``. Numeric
literals (amounts in yuan can be 11 digits) are left alone. ``BUDGETKG_PUBLISH_PERSONAL_DATA=1``
turns the filter off.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pyoxigraph as ox

SETTING = "BUDGETKG_PUBLISH_PERSONAL_DATA"
REDACTED = "[redacted]"

_D = "[0-9０-９]"
# The core pattern, without look-arounds, so the same text works as a SPARQL REGEX (a cheap
# store-wide check before a dump) and, wrapped in digit boundaries, as the Python filter.
CORE = f"(?:[+＋]?[8８][6６][ -]?)?[1１][3-9３-９]{_D}(?:[ -]?{_D}{{4}}){{2}}"
# Not inside a longer run of letters and digits: a hex hash (bkg:sha256) or a code is no phone.
_ALNUM = "[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]"
PHONE = re.compile(f"(?<!{_ALNUM}){CORE}(?!{_ALNUM})")

XSD = "http://www.w3.org/2001/XMLSchema#"
_NOT_TEXT = {
    XSD + name
    for name in (
        "decimal",
        "integer",
        "int",
        "long",
        "short",
        "double",
        "float",
        "boolean",
        "gYear",
        "date",
        "dateTime",
        "nonNegativeInteger",
        "positiveInteger",
    )
}


def publish_personal_data() -> bool:
    """True only when ``BUDGETKG_PUBLISH_PERSONAL_DATA`` is ``1`` (or true/yes/on)."""
    return os.environ.get(SETTING, "").strip().lower() in ("1", "true", "yes", "on")


def enabled() -> bool:
    """Whether outgoing data must be filtered (the default)."""
    return not publish_personal_data()


def redact_text(text: str) -> str:
    return PHONE.sub(REDACTED, text)


def has_personal_data(text: str) -> bool:
    return PHONE.search(text) is not None


def redact_term(term: Any) -> Any:
    """A literal with a phone number in its text, redacted; any other term unchanged."""
    if isinstance(term, ox.Literal) and term.datatype.value not in _NOT_TEXT:
        value = term.value
        if PHONE.search(value) is None:
            return term
        clean = redact_text(value)
        if term.language:
            return ox.Literal(clean, language=term.language)
        return ox.Literal(clean, datatype=term.datatype)
    return term


def redact_triple(t: ox.Triple) -> ox.Triple:
    o = redact_term(t.object)
    return t if o is t.object else ox.Triple(t.subject, t.predicate, o)


def redact_quad(q: ox.Quad) -> ox.Quad:
    o = redact_term(q.object)
    return q if o is q.object else ox.Quad(q.subject, q.predicate, o, q.graph_name)


def redact_json(value: Any) -> Any:
    """Every string in a JSON-like structure (keys stay as they are)."""
    if isinstance(value, str):
        return redact_text(value) if PHONE.search(value) else value
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value
