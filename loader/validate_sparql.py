"""Which focus nodes a SHACL-SPARQL constraint can report, from one query per document.

pySHACL runs a SPARQL constraint once per focus node with ``$this`` pre-bound: for the arithmetic,
one planning and evaluation per table and rule. A query in which every SELECT projects ``$this``
gives, run once with ``$this`` free, the same rows for each focus node as the pre-bound runs
together (its subqueries group by ``$this`` and join on it; see the header of ontology/shapes.ttl):
the ``$this`` of its rows are the focus nodes with results. pySHACL then runs the constraint on
those alone, so the results themselves are still its own.

Constraints whose texts differ only in their final ``FILTER`` (the strict and rounding twins of
each rule) share one query: the common part as a subquery, each final condition BIND-ed to a flag,
kept where any flag holds. A FILTER that raises an error drops the row and an erroring BIND leaves
its flag unbound, which does not hold: each flag is exactly its constraint's FILTER.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from budgetkg.loader.validate_checks import Data, Term

_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
_SELECT = re.compile(r"\bSELECT\b", re.I)
_SELECT_THIS = re.compile(r"\bSELECT\s+[?$]this\b", re.I)
# Variables pySHACL substitutes or special-cases; a text using them is left to pySHACL.
_SPECIAL = re.compile(r"[?$](PATH|currentShape|shapesGraph|failure)\b")
# The last FILTER of the outermost group, with nothing after it: no solution modifiers, so the rows
# before projection and after it are the same and the FILTER can move outside a subquery.
_FINAL_FILTER = re.compile(r"\A(?P<stem>.*\S)\s*FILTER\s*\((?P<cond>[^\n{}]*)\)\s*\}\s*\Z", re.S)
# A projection of plain variables (no DISTINCT, no expressions): the rows keep their multiplicity.
_PROJECTION = re.compile(r"\A\s*SELECT\s+((?:[?$]\w+\s+)+)WHERE\s*\{", re.I)
_VAR = re.compile(r"[?$](\w+)")

# Set of focus nodes with rows; None stands for a row whose $this is unbound (then: all of them).
Rows = set[Term | None]


def free_this_is_safe(select_text: str) -> bool:
    """Whether ``select_text`` may run once with ``$this`` free (see the module docstring)."""
    selects = len(_SELECT.findall(select_text))
    if _SPECIAL.search(select_text):
        return False
    return selects > 0 and selects == len(_SELECT_THIS.findall(select_text))


def _split(select_text: str) -> tuple[str, str] | None:
    """(the text without its final FILTER, that FILTER's condition), when the condition reads only
    projected variables and its parentheses balance; else None."""
    m = _FINAL_FILTER.match(select_text)
    projection = _PROJECTION.match(select_text)
    if m is None or projection is None:
        return None
    cond = m["cond"]
    depth = 0
    for ch in cond:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return None
    projected = set(_VAR.findall(projection[1]))
    if depth != 0 or not set(_VAR.findall(cond)) <= projected or '"' in cond or "'" in cond:
        return None
    if "bkgFlag" in select_text:
        return None  # the flags' names must be new to the query
    return m["stem"] + "\n}", cond


@dataclass(eq=False)
class _Group:
    """Constraints sharing one query: ``conditions[i]`` is member i's final FILTER (or, for a
    text that could not be split, ``stem`` is the whole text and there is one member, no flag)."""

    header: str  # the PREFIX declarations pySHACL puts before the text
    stem: str
    split: bool
    conditions: list[str] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        if not self.split:
            return self.header + self.stem
        flags = [f"?bkgFlag{i}" for i in range(len(self.conditions))]
        binds = "".join(f"  BIND(({c}) AS {f})\n" for c, f in zip(self.conditions, flags, strict=True))
        return (
            f"{self.header}SELECT ?this {' '.join(flags)}\nWHERE {{\n  {{\n{self.stem}\n  }}\n"
            f"{binds}  FILTER({' || '.join(flags)})\n}}\n"
        )

    def run(self, data: Data) -> list[Rows]:
        key = (id(self), None)
        if key not in data.memo:
            data.memo[key] = self._rows(data)
        return data.memo[key]  # type: ignore[return-value]

    def _rows(self, data: Data) -> list[Rows]:
        out: list[Rows] = [set() for _ in self.conditions]
        try:
            solutions = data.store.query(self.text, use_default_graph_as_union=True)
        except SyntaxError:
            # e.g. a prefix pySHACL would take from the data graph's bindings: every focus node
            # is then a suspect, and pySHACL runs the text as it always does.
            return [{None} for _ in self.conditions]
        for solution in solutions:  # type: ignore[union-attr]
            this = solution["this"]
            for i, rows in enumerate(out):
                if not self.split or solution[f"bkgFlag{i}"] == _TRUE:
                    rows.add(this)
        return out


@dataclass(frozen=True)
class Probe:
    """One SPARQL constraint's share of a group query."""

    group: _Group
    index: int

    def focus_nodes(self, data: Data, focus: set[Term]) -> set[Term]:
        """The focus nodes among ``focus`` that the constraint reports."""
        rows = self.group.run(data)[self.index]
        return set(focus) if None in rows else {f for f in rows if f in focus}  # type: ignore[misc]


@dataclass
class Probes:
    """Builds probes, putting constraints with the same text but their final FILTER together."""

    groups: dict[tuple[str, str], _Group] = field(default_factory=dict)

    def probe(self, header: str, select_text: str) -> Probe:
        split = _split(select_text)
        if split is None:
            group = _Group(header, select_text, split=False, conditions=[""])
            return Probe(group, 0)
        stem, cond = split
        group = self.groups.setdefault((header, stem), _Group(header, stem, split=True))
        if "text" in vars(group):
            raise RuntimeError("a probe group gained a member after its query was built")
        group.conditions.append(cond)
        return Probe(group, len(group.conditions) - 1)
