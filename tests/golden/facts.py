"""The golden-file schema, the canonical form of a fact, and the multiset comparison.

A fact is a dict of fields; its *key* (the tuple compared) is its schema fields in canonical form:
text fields as fingerprints, amounts as canonical decimals, 文号 with 〔〕 brackets. Other keys
(``line``, the seed line where the fact is stated) are hints, never compared.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

# Every fact type, its fields in key order; TEXTUAL are fingerprinted by seal.
FIELDS: dict[str, tuple[str, ...]] = {
    "unit": ("name", "code", "region", "year"),
    "table": ("kind", "empty"),
    "total": ("table", "column", "amount"),
    "line": ("table", "code", "column", "amount"),
    "project": ("name", "amount"),
    "citation": ("project", "title", "number"),
    "indicator": ("project", "level1", "level2", "name", "target"),
}
TEXTUAL: dict[str, frozenset[str]] = {
    "unit": frozenset({"name"}),
    "project": frozenset({"name"}),
    "citation": frozenset({"project", "title"}),
    "indicator": frozenset({"project", "name", "target"}),
}
AMOUNT_FIELDS = frozenset({"amount"})
# Hints, never compared: the seed line a fact is stated on; a note on a source problem.
HINT_FIELDS = frozenset({"line", "note"})
# Fields that may be null (a unit without a printed code, a citation without 文号, …).
NULLABLE: dict[str, frozenset[str]] = {
    "unit": frozenset({"code"}),
    "citation": frozenset({"title", "number"}),
    "project": frozenset({"amount"}),
    "indicator": frozenset({"target"}),
}
FINGERPRINT_PREFIX = "sha1:"
# Indicators are a sample: precision is computed only over the projects the golden samples.
SAMPLED = frozenset({"indicator"})
SAMPLE_KEY = {"indicator": "project"}


class GoldenError(ValueError):
    """A golden file that does not follow the schema."""


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def fingerprint(text: str) -> str:
    if text.startswith(FINGERPRINT_PREFIX):
        return text
    return FINGERPRINT_PREFIX + hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:16]


_EMPTY = fingerprint("")
_NUMBER = re.compile(r"[\[【〔(（［]\s*((?:19|20)\d\d)\s*[\]】〕)）］]")


def canonical_number(number: str) -> str:
    """A 文号 with its year in 〔〕, whatever brackets it was printed with."""
    return _NUMBER.sub(r"〔\1〕", re.sub(r"\s+", "", number))


def canonical_amount(value: object) -> str:
    try:
        d = Decimal(str(value))
    except InvalidOperation as exc:
        raise GoldenError(f"not an amount: {value!r}") from exc
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def check(kind: str, fact: dict[str, Any]) -> None:
    """Raise GoldenError naming the unknown type or field, and the allowed set."""
    if kind not in FIELDS:
        raise GoldenError(f"unknown fact type {kind!r}; allowed: {', '.join(FIELDS)}")
    allowed = set(FIELDS[kind]) | HINT_FIELDS
    unknown = sorted(set(fact) - allowed)
    if unknown:
        raise GoldenError(
            f"unknown field(s) {', '.join(map(repr, unknown))} in a {kind!r} fact; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    missing = [f for f in FIELDS[kind] if fact.get(f) is None and f not in NULLABLE.get(kind, ())]
    if missing:
        raise GoldenError(f"{kind!r} fact {fact!r} lacks {', '.join(missing)}")


def key(kind: str, fact: dict[str, Any]) -> tuple[Any, ...]:
    """The canonical tuple two facts are compared by."""
    out: list[Any] = []
    for name in FIELDS[kind]:
        value = fact.get(name)
        if value is None:
            out.append(None)
        elif name in TEXTUAL.get(kind, ()):
            # No text and an empty text are the same fact (a target left blank).
            fp = fingerprint(str(value))
            out.append(None if fp == _EMPTY else fp)
        elif name in AMOUNT_FIELDS:
            out.append(canonical_amount(value))
        elif kind == "citation" and name == "number":
            out.append(canonical_number(str(value)))
        elif isinstance(value, bool):
            out.append(value)
        else:
            out.append(str(value))
    return tuple(out)


@dataclass
class Score:
    kind: str
    golden: int
    graph: int
    matched: int
    missing: list[dict[str, Any]] = field(default_factory=list)  # in the golden, not in the graph
    unexpected: list[dict[str, Any]] = field(default_factory=list)  # in the graph, not in the golden

    @property
    def precision(self) -> float:
        return self.matched / self.graph if self.graph else (1.0 if not self.golden else 0.0)

    @property
    def recall(self) -> float:
        return self.matched / self.golden if self.golden else 1.0


def compare(kind: str, golden: Iterable[dict[str, Any]], graph: Iterable[dict[str, Any]]) -> Score:
    """Multiset comparison of facts of one type; for a sampled type, graph facts outside the
    golden's sample (its projects) do not count."""
    gold = list(golden)
    seen = list(graph)
    if kind in SAMPLED:
        field_ = SAMPLE_KEY[kind]
        sample = {fingerprint(str(f[field_])) for f in gold}
        seen = [f for f in seen if fingerprint(str(f[field_])) in sample]
    want = Counter(key(kind, f) for f in gold)
    have = Counter(key(kind, f) for f in seen)
    matched = sum((want & have).values())
    left_want = want - have
    left_have = have - want
    missing = _pick(kind, gold, left_want)
    unexpected = _pick(kind, seen, left_have)
    return Score(kind, len(gold), len(seen), matched, missing, unexpected)


def _pick(kind: str, facts: list[dict[str, Any]], left: Counter[tuple[Any, ...]]) -> list[dict[str, Any]]:
    left = Counter(left)
    out = []
    for f in facts:
        k = key(kind, f)
        if left[k] > 0:
            left[k] -= 1
            out.append(f)
    return out


def table(scores: Iterable[Score]) -> str:
    rows = [f"{'fact type':<10} {'golden':>7} {'graph':>7} {'matched':>8} {'precision':>10} {'recall':>8}"]
    for s in scores:
        rows.append(
            f"{s.kind:<10} {s.golden:>7} {s.graph:>7} {s.matched:>8} {s.precision:>10.3f} {s.recall:>8.3f}"
        )
    return "\n".join(rows)
