"""Deterministic IRIs: derived from content only (never counters, dict order or time)."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata

DEFAULT_BASE = "https://w3id.org/budgetkg/id/"
BKG = "https://w3id.org/budgetkg/def#"
CODE = "https://w3id.org/budgetkg/def/code/"
ONTOLOGY_GRAPH = "https://w3id.org/budgetkg/def"
CODE_GRAPH = "https://w3id.org/budgetkg/def/code"

_SPACE = re.compile(r"\s+")


def base_iri() -> str:
    """The data namespace: ``$BUDGETKG_BASE_IRI`` or the w3id default, always ending in / or #."""
    base = os.environ.get("BUDGETKG_BASE_IRI", DEFAULT_BASE)
    return base if base.endswith(("/", "#")) else base + "/"


def norm(text: str) -> str:
    """Comparison key: NFKC, no whitespace. 〔2017〕 and [2017] stay distinct here on purpose:
    document numbers are normalised by the citation parser before they reach us."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def h(text: str) -> str:
    """First 12 hex digits of SHA-256 of the normalised text (48 bits: collisions are negligible
    at the scale of every unit in China, ~2e5 names a year)."""
    return hashlib.sha256(norm(text).encode("utf-8")).hexdigest()[:12]


def graph(base: str, name: str) -> str:
    """A shared graph, e.g. ``graph(base, "legal")``."""
    return f"{base}graph/{name}"


def function_code(notation: str) -> str:
    return f"{CODE}function/{notation}"


def economic_code(notation: str) -> str:
    return f"{CODE}economic/{notation}"


def sangong_item(key: str) -> str:
    return f"{CODE}sangong/{key}"


def indicator_category(name: str) -> str:
    return f"{CODE}indicator/{h(name)}"
