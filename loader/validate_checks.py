"""Native, conservative evaluation of SHACL Core constraints on a pyoxigraph store.

Each check answers for a value node (or a focus node's set of value nodes) with a verdict:
``True`` when pySHACL 0.40.1 would certainly find nothing, ``False`` when it would certainly find
something, ``None`` when this module does not know. Only ``True`` lets a pair skip pySHACL, so a
check may answer ``None`` whenever exactness would cost code: an unusual datatype, a literal whose
rdflib form pySHACL normalises, a constraint component this module does not implement. The
``False`` answers matter only under ``sh:not``/``sh:or``/``sh:and``, where the inner verdict is
turned around.

What each check mirrors in pySHACL is named beside it; terms are compared as pyoxigraph terms,
which pySHACL turns into rdflib terms one to one except for typed non-string literals (rdflib may
normalise ``"01"^^xsd:integer`` to ``"1"``, merging two value nodes): counts that such a merge could
change answer ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Verdict = bool | None

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode(_RDF + "type")
RDFS_SUBCLASS_OF = ox.NamedNode(_RDFS + "subClassOf")
_XSD_STRING = ox.NamedNode(_XSD + "string")
_LANG_STRING = ox.NamedNode(_RDF + "langString")
_NUMERIC = {ox.NamedNode(_XSD + "integer"), ox.NamedNode(_XSD + "decimal")}

# Lexical forms for which rdflib's conversion gives pySHACL's _assert_actual_datatype the Python
# type it wants (int, Decimal, bool) and never flags ill_typed. Stricter than XSD on purpose: a form
# outside these (a "+.5", a "1"^^xsd:boolean) goes to pySHACL rather than to reasoning here.
_WELL_FORMED = {
    ox.NamedNode(_XSD + "string"): None,  # any lexical form
    ox.NamedNode(_XSD + "integer"): re.compile(r"[+-]?[0-9]+"),
    ox.NamedNode(_XSD + "decimal"): re.compile(r"[+-]?[0-9]+(\.[0-9]+)?"),
    ox.NamedNode(_XSD + "boolean"): re.compile(r"true|false"),
    # rdflib leaves gYear values unparsed and pySHACL passes any datatype it cannot check.
    ox.NamedNode(_XSD + "gYear"): re.compile(r"-?[0-9]{4,}"),
}

_EMPTY: frozenset[Term] = frozenset()


class Data:
    """A document's validation store, indexed per predicate on first use.

    pySHACL reads the store as the union of its graphs (the Validator sets default_union), so the
    index does too; its value sets are sets, like pySHACL's."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._objects: dict[ox.NamedNode, dict[Term, set[Term]]] = {}
        self._subjects: dict[ox.NamedNode, dict[Term, set[Term]]] = {}
        # Per-document memo of value verdicts and probe answers, keyed by the asking object's id.
        self.memo: dict[tuple[int, object], object] = {}

    def objects(self, predicate: ox.NamedNode) -> dict[Term, set[Term]]:
        """subject → its objects along ``predicate``."""
        index = self._objects.get(predicate)
        if index is None:
            index = {}
            for s, _p, o, _g in self.store.quads_for_pattern(None, predicate, None, None):
                index.setdefault(s, set()).add(o)
            self._objects[predicate] = index
        return index

    def subjects(self, predicate: ox.NamedNode) -> dict[Term, set[Term]]:
        """object → the subjects that have it along ``predicate``."""
        index = self._subjects.get(predicate)
        if index is None:
            index = {}
            for s, objects in self.objects(predicate).items():
                for o in objects:
                    index.setdefault(o, set()).add(s)
            self._subjects[predicate] = index
        return index

    def values(self, node: Term, predicate: ox.NamedNode) -> set[Term] | frozenset[Term]:
        return self.objects(predicate).get(node, _EMPTY)

    def closure(self, start: Term, predicate: ox.NamedNode, *, inverse: bool) -> set[Term]:
        """``start`` and every node reached from it along ``predicate`` (or against it), like
        pySHACL's transitive_objects / transitive_subjects."""
        index = self.subjects(predicate) if inverse else self.objects(predicate)
        seen = {start}
        frontier = [start]
        while frontier:
            for nxt in index.get(frontier.pop(), _EMPTY):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        return seen


def _injective(value: Term) -> bool:
    """Whether pySHACL's rdflib form of ``value`` is distinct from every other term's."""
    if not isinstance(value, ox.Literal):
        return True
    return value.language is not None or value.datatype == _XSD_STRING


class ValueCheck(Protocol):
    """A constraint judged one value node at a time."""

    def value(self, data: Data, v: Term) -> Verdict: ...


class SetCheck(Protocol):
    """A constraint judged on a focus node's whole set of value nodes."""

    def values(self, data: Data, focus: Term, values: Iterable[Term]) -> Verdict: ...

    def suspects(self, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
        """The focus nodes (of a targeted property shape) whose verdict is not True."""
        ...


def _suspects_one_by_one(check: SetCheck, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
    index = data.objects(path)
    return {f for f in focus if check.values(data, f, index.get(f, _EMPTY)) is not True}


@dataclass(frozen=True)
class MinCount:  # pyshacl MinCountConstraintComponent: len(value_nodes) >= n
    n: int

    def values(self, data: Data, focus: Term, values: Iterable[Term]) -> Verdict:
        values = list(values)
        if len(values) < self.n:
            return False  # rdflib can only merge value nodes, never add any
        return True if self.n <= 1 or all(map(_injective, values)) else None

    def suspects(self, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
        if self.n == 0:
            return set()
        if self.n == 1:
            return focus.difference(data.objects(path))
        return _suspects_one_by_one(self, data, path, focus)


@dataclass(frozen=True)
class MaxCount:  # pyshacl MaxCountConstraintComponent: len(value_nodes) <= n
    n: int

    def values(self, data: Data, focus: Term, values: Iterable[Term]) -> Verdict:
        values = list(values)
        if len(values) <= self.n:
            return True
        return False if all(map(_injective, values)) else None

    def suspects(self, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
        index = data.objects(path)
        return {s for s, objects in index.items() if len(objects) > self.n and s in focus}


@dataclass(frozen=True)
class UniqueLang:  # pyshacl UniqueLangConstraintComponent: no two literals share a lowercased tag
    unique: bool

    def values(self, data: Data, focus: Term, values: Iterable[Term]) -> Verdict:
        if not self.unique:
            return True
        tags = [v.language.lower() for v in values if isinstance(v, ox.Literal) and v.language]
        return len(tags) == len(set(tags))  # distinct terms with one tag differ in text: exact

    def suspects(self, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
        index = data.objects(path)
        return {s for s, objects in index.items() if s in focus and self.values(data, s, objects) is not True}


@dataclass(frozen=True)
class Equals:  # pyshacl EqualsConstraintComponent: value nodes == objects(focus, other)
    other: ox.NamedNode

    def values(self, data: Data, focus: Term, values: Iterable[Term]) -> Verdict:
        return True if set(values) == set(data.values(focus, self.other)) else None

    def suspects(self, data: Data, path: ox.NamedNode, focus: set[Term]) -> set[Term]:
        mine, theirs = data.objects(path), data.objects(self.other)
        differ = {s for s in mine.keys() | theirs.keys() if mine.get(s, _EMPTY) != theirs.get(s, _EMPTY)}
        return differ & focus


@dataclass(frozen=True)
class Datatype:  # pyshacl DatatypeConstraintComponent
    datatype: ox.NamedNode

    def value(self, data: Data, v: Term) -> Verdict:
        if not isinstance(v, ox.Literal):
            return False
        if self.datatype == _LANG_STRING:
            return v.language is not None  # any language-tagged string is a str value
        if v.language is not None or v.datatype != self.datatype or self.datatype not in _WELL_FORMED:
            return None  # rdfs:Literal / rdfs:Datatype special cases and the like: pySHACL's call
        pattern = _WELL_FORMED[self.datatype]
        return True if pattern is None or pattern.fullmatch(v.value) else None


@dataclass(frozen=True)
class Class:  # pyshacl ClassConstraintComponent (rdflib mode): a type, or one of its superclasses
    cls: ox.NamedNode

    def value(self, data: Data, v: Term) -> Verdict:
        if isinstance(v, ox.Literal):
            return False
        reached: set[Term] = set()
        for t in data.values(v, RDF_TYPE):
            reached |= data.closure(t, RDFS_SUBCLASS_OF, inverse=False)
        if any(isinstance(t, ox.Literal) for t in reached):
            return None  # pySHACL would ask Oxigraph for a literal's superclasses: a TypeError, or not
        return self.cls in reached


_NODE_KINDS = {
    ox.NamedNode: {"IRI", "IRIOrLiteral", "BlankNodeOrIRI"},
    ox.BlankNode: {"BlankNode", "BlankNodeOrLiteral", "BlankNodeOrIRI"},
    ox.Literal: {"Literal", "BlankNodeOrLiteral", "IRIOrLiteral"},
}


@dataclass(frozen=True)
class NodeKind:  # pyshacl NodeKindConstraintComponent
    kind: str  # local name in the sh: namespace

    def value(self, data: Data, v: Term) -> Verdict:
        return self.kind in _NODE_KINDS[type(v)]


@dataclass(frozen=True)
class Pattern:  # pyshacl PatternConstraintComponent: re.match, else re.search, on the node's text
    regex: re.Pattern[str]

    def value(self, data: Data, v: Term) -> Verdict:
        if isinstance(v, ox.BlankNode):
            return False
        if isinstance(v, ox.Literal) and v.language is None and v.datatype != _XSD_STRING:
            return None  # pySHACL reads str() of rdflib's (maybe normalised) literal
        return self.regex.search(v.value) is not None


@dataclass(frozen=True)
class In:  # pyshacl InConstraintComponent: the value node is one of the list's members
    iris: frozenset[ox.NamedNode]  # the list's IRI members (an IRI never equals anything else)

    def value(self, data: Data, v: Term) -> Verdict:
        return v in self.iris if isinstance(v, ox.NamedNode) else None


@dataclass(frozen=True)
class LanguageIn:  # pyshacl LanguageInConstraintComponent
    tags: frozenset[str]  # lowercased

    def value(self, data: Data, v: Term) -> Verdict:
        if not isinstance(v, ox.Literal) or not v.language:
            return False
        lang = v.language.lower()
        return "*" in self.tags or lang in self.tags or lang.split("-")[0] in self.tags


@dataclass(frozen=True)
class MinBound:  # pyshacl MinInclusive/MinExclusiveConstraintComponent, numeric literals only
    bound: Decimal
    inclusive: bool

    def value(self, data: Data, v: Term) -> Verdict:
        if not isinstance(v, ox.Literal) or v.datatype not in _NUMERIC:
            return None
        pattern = _WELL_FORMED[v.datatype]
        if pattern is None or not pattern.fullmatch(v.value):
            return None
        number = Decimal(v.value)
        return True if (number >= self.bound if self.inclusive else number > self.bound) else None


@dataclass
class CompiledShape:
    """A shape's constraints as native checks. ``supported`` is False when the shape uses anything
    these checks do not implement; its verdict is then always None."""

    path: ox.NamedNode | None  # None: a node shape (its only value node is the focus node)
    set_checks: list[SetCheck] = field(default_factory=list)
    value_checks: list[ValueCheck] = field(default_factory=list)
    supported: bool = True

    def verdict(self, data: Data, node: Term) -> Verdict:
        """Whether ``node`` conforms to the shape (pySHACL's Shape.validate with focus=node)."""
        if not self.supported or (self.path is not None and isinstance(node, ox.Literal)):
            return None  # pySHACL asks Oxigraph for a literal's values, which raises: let it
        values: Iterable[Term] = data.values(node, self.path) if self.path is not None else (node,)
        verdicts = [c.values(data, node, values) for c in self.set_checks]
        verdicts += [self.value_verdict(data, v) for v in values]
        return all_of(verdicts)

    def value_verdict(self, data: Data, v: Term) -> Verdict:
        key = (id(self), v)
        if key not in data.memo:
            data.memo[key] = all_of(c.value(data, v) for c in self.value_checks)
        return data.memo[key]  # type: ignore[return-value]

    def suspects(self, data: Data, focus: set[Term]) -> set[Term]:
        """The focus nodes (this shape being targeted) that may have results."""
        if not self.supported:
            return set(focus)
        if self.path is None:
            return {f for f in focus if self.verdict(data, f) is not True}
        out = {f for f in focus if isinstance(f, ox.Literal)}  # see verdict
        for check in self.set_checks:
            out |= check.suspects(data, self.path, focus)
        if self.value_checks:
            holders = data.subjects(self.path)  # each distinct value once, however many hold it
            for v, subjects in holders.items():
                if self.value_verdict(data, v) is not True:
                    out |= subjects & focus
        return out


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Conjunction: False if any is False, True if all are True, else unknown."""
    out: Verdict = True
    for v in verdicts:
        if v is False:
            return False
        if v is None:
            out = None
    return out


def any_of(verdicts: Iterable[Verdict]) -> Verdict:
    """Disjunction: True if any is True, False if all are False, else unknown."""
    out: Verdict = False
    for v in verdicts:
        if v is True:
            return True
        if v is None:
            out = None
    return out


@dataclass(frozen=True)
class Not:  # pyshacl NotConstraintComponent: the value node must not conform to the shape
    shape: CompiledShape

    def value(self, data: Data, v: Term) -> Verdict:
        inner = self.shape.verdict(data, v)
        return None if inner is None else not inner


@dataclass(frozen=True)
class Or:  # pyshacl OrConstraintComponent (one sh:or list)
    shapes: tuple[CompiledShape, ...]

    def value(self, data: Data, v: Term) -> Verdict:
        return any_of(s.verdict(data, v) for s in self.shapes)


@dataclass(frozen=True)
class And:  # pyshacl AndConstraintComponent (one sh:and list)
    shapes: tuple[CompiledShape, ...]

    def value(self, data: Data, v: Term) -> Verdict:
        return all_of(s.verdict(data, v) for s in self.shapes)
