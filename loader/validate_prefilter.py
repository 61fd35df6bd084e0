"""pySHACL's validation report for a document, with pySHACL run only where it can find something.

pySHACL 0.40.1 evaluates every constraint of every shape on every focus node through its rdflib
view of the Oxigraph store (a conversion per term) and runs each SHACL-SPARQL constraint once per
focus node: ~0.25 s per document, almost all of it confirming that lines, tables and indicators
conform. Here the shapes are compiled once per process into native checks (validate_checks) and
one query per SPARQL rule and document (validate_sparql); they name the "suspect" focus nodes of
each shape, those that may have a result, and pySHACL's own ``Shape.validate`` runs on those alone.
Every result is therefore pySHACL's (focus, path, severity, message, value), and the report graph
is built by pySHACL's ``Validator.create_validation_report``, as ``pyshacl.validate`` builds it.

Sound, not exact: a check names a focus node clean only when pySHACL would certainly report
nothing on it; whatever it cannot judge (a constraint component it does not implement, a shape
with sh:targetNode, a SPARQL text it cannot run once per document) is a suspect, down to running
pySHACL on every focus node of the shape. tests/test_validate_speed_equivalence.py compares the
reports with plain ``pyshacl.validate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox
import rdflib
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.entrypoints import apply_patches, assign_baked_in
from pyshacl.errors import ConstraintLoadError, ValidationFailure
from pyshacl.graph_abstraction import DataGraph, to_ox, to_rdf
from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch
from pyshacl.pytypes import SHACLExecutor
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator

from budgetkg.loader.validate_checks import (
    RDF_TYPE,
    RDFS_SUBCLASS_OF,
    And,
    Class,
    CompiledShape,
    Data,
    Datatype,
    Equals,
    In,
    LanguageIn,
    MaxCount,
    MinBound,
    MinCount,
    NodeKind,
    Not,
    Or,
    Pattern,
    Term,
    UniqueLang,
)
from budgetkg.loader.validate_sparql import Probe, Probes, free_this_is_safe

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
_PARAMETERS = frozenset(ALL_CONSTRAINT_PARAMETERS)


class _Unsupported(Exception):
    """A shape uses something the native checks do not judge."""


def _one(values: list[Any]) -> Any:
    if len(values) != 1:
        raise _Unsupported("pySHACL rejects or picks among several values here")
    return values[0]


def _int(value: Any) -> int:
    if not (isinstance(value, rdflib.Literal) and value.datatype == _XSD.integer):
        raise _Unsupported("not an xsd:integer")
    if not isinstance(value.value, int):
        raise _Unsupported("an ill-formed xsd:integer")
    return value.value


def _decimal(value: Any) -> Decimal:
    if not (isinstance(value, rdflib.Literal) and value.datatype in (_XSD.integer, _XSD.decimal)):
        raise _Unsupported("a bound that is not an xsd:integer or xsd:decimal")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise _Unsupported("an ill-formed numeric bound") from exc


def _iri(value: Any) -> ox.NamedNode:
    if not isinstance(value, rdflib.URIRef):
        raise _Unsupported("not an IRI")
    return ox.NamedNode(str(value))


def _bool(value: Any) -> bool:
    if not (isinstance(value, rdflib.Literal) and isinstance(value.value, bool)):
        raise _Unsupported("not an xsd:boolean")
    return value.value


@dataclass(frozen=True)
class _Param:
    """One constraint parameter of a shape being compiled, with all its values."""

    node: rdflib.term.Node
    values: list[Any]
    nested: bool


class _Compiler:
    """Shapes of a pySHACL ShapesGraph as CompiledShapes, each compiled once."""

    def __init__(self, sg: ShapesGraph) -> None:
        self.sg = sg
        self.g: rdflib.Graph = sg.graph
        self.cache: dict[tuple[rdflib.term.Node, bool], CompiledShape] = {}

    def shape(self, node: rdflib.term.Node, *, nested: bool) -> CompiledShape:
        """``node``'s constraints but sh:sparql (the caller probes those). A nested shape (under
        sh:not/sh:or/sh:and) decides conformance, so it must have the default severity: pySHACL
        counts a Warning or Info shape as conforming whatever it finds."""
        key = (node, nested)
        if key not in self.cache:
            self.cache[key] = self._compile(node, nested=nested)
        return self.cache[key]

    def _compile(self, node: rdflib.term.Node, *, nested: bool) -> CompiledShape:
        compiled = CompiledShape(None)
        try:
            shape: Shape = self.sg.lookup_shape_from_node(node)
            if shape.is_property_shape:
                compiled.path = _iri(shape.path())  # sequence, inverse … paths: pySHACL's
            if shape.deactivated or (nested and shape.severity != SH.Violation):
                raise _Unsupported("deactivated, or a nested shape that always conforms")
            for param in {p for p in self.g.predicates(node, None) if p in _PARAMETERS}:
                if param not in _BUILDERS or (param in _PROPERTY_ONLY and compiled.path is None):
                    raise _Unsupported(f"no native check for {param}")
                checks = _BUILDERS[param](self, _Param(node, list(self.g.objects(node, param)), nested))
                target = compiled.set_checks if param in _PROPERTY_ONLY else compiled.value_checks
                target += checks  # type: ignore[operator]
        except (_Unsupported, KeyError):  # KeyError: not a shape pySHACL knows
            compiled.supported = False
        return compiled

    def items(self, p: _Param) -> list[Any]:
        """The members of the RDF lists that are the parameter's values."""
        return [m for v in p.values for m in self.g.items(v)]

    def shapes(self, nodes: list[Any]) -> tuple[CompiledShape, ...]:
        return tuple(self.shape(n, nested=True) for n in nodes)

    def patterns(self, p: _Param) -> list[Pattern]:
        """sh:pattern compiled as pySHACL's PatternConstraintComponent compiles it."""
        flags = list(self.g.objects(p.node, SH.flags))
        if len(flags) > 1:
            raise _Unsupported("several sh:flags: pySHACL picks one of them")
        text = str(flags[0].value).lower() if flags else ""
        re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
        if not all(isinstance(v, rdflib.Literal) for v in p.values):
            raise _Unsupported("a non-literal sh:pattern")
        texts = [str(v.value) if v.value is not None and len(v.value) > 1 else str(v) for v in p.values]
        return [Pattern(re.compile(t, re_flags)) for t in texts]

    def language_in(self, p: _Param) -> list[LanguageIn]:
        tags = self.items(p)
        if not all(isinstance(t, rdflib.Literal) and isinstance(t.value, str) for t in tags):
            raise _Unsupported("sh:languageIn with non-string tags")
        return [LanguageIn(frozenset(str(t).lower() for t in tags))]

    def sparql(self, p: _Param) -> list[Any]:
        if p.nested:
            raise _Unsupported("SHACL-SPARQL under sh:not/sh:or/sh:and")
        return []  # probed by the caller


_Builder = Callable[[_Compiler, _Param], list[Any]]
# Parameters judged on the whole set of value nodes; pySHACL allows them on property shapes only.
_PROPERTY_ONLY = frozenset([SH.minCount, SH.maxCount, SH.uniqueLang, SH.equals])
_BUILDERS: dict[rdflib.URIRef, _Builder] = {
    SH.minCount: lambda c, p: [MinCount(_int(_one(p.values)))],
    SH.maxCount: lambda c, p: [MaxCount(_int(_one(p.values)))],
    SH.uniqueLang: lambda c, p: [UniqueLang(_bool(_one(p.values)))],
    SH.equals: lambda c, p: [Equals(_iri(v)) for v in p.values],
    SH.datatype: lambda c, p: [Datatype(_iri(_one(p.values)))],
    SH["class"]: lambda c, p: [Class(_iri(v)) for v in p.values],
    SH.nodeKind: lambda c, p: [NodeKind(_iri(_one(p.values)).value.removeprefix(str(SH)))],
    SH.pattern: _Compiler.patterns,
    SH["in"]: lambda c, p: [In(frozenset(to_ox(m) for m in c.items(p) if isinstance(m, rdflib.URIRef)))],
    SH.languageIn: _Compiler.language_in,
    SH.minInclusive: lambda c, p: [MinBound(_decimal(v), inclusive=True) for v in p.values],
    SH.minExclusive: lambda c, p: [MinBound(_decimal(v), inclusive=False) for v in p.values],
    SH["not"]: lambda c, p: [Not(c.shape(v, nested=True)) for v in p.values],
    SH["or"]: lambda c, p: [Or(c.shapes(list(c.g.items(v)))) for v in p.values],
    SH["and"]: lambda c, p: [And(c.shapes(list(c.g.items(v)))) for v in p.values],
    SH.sparql: _Compiler.sparql,
}


@dataclass
class _Targets:
    """A shape's targets, found natively as pySHACL's Shape.focus_nodes finds them."""

    nodes: list[rdflib.term.Node]  # sh:targetNode: focus nodes whether in the data or not
    classes: list[ox.NamedNode]  # explicit and implicit class targets
    subjects_of: list[ox.NamedNode]
    objects_of: list[ox.NamedNode]

    @classmethod
    def of(cls, shape: Shape) -> _Targets:
        nodes, classes, implicit, objects_of, subjects_of = shape.target()
        return cls(
            list(nodes),
            [_iri(c) for c in {*classes, *implicit}],
            [_iri(p) for p in subjects_of],
            [_iri(p) for p in objects_of],
        )

    def focus(self, data: Data) -> set[Term]:
        found: set[Term] = set()
        instances = data.subjects(RDF_TYPE)
        for c in self.classes:
            for sub in data.closure(c, RDFS_SUBCLASS_OF, inverse=True):
                found.update(instances.get(sub, ()))
        for p in self.subjects_of:
            found.update(data.objects(p))
        for p in self.objects_of:
            found.update(data.subjects(p))
        return found


@dataclass
class _Plan:
    """A targeted shape: its pySHACL Shape, its native checks and its SPARQL probes (None when
    a SPARQL constraint of it cannot be probed: every focus node is then a suspect)."""

    shape: Shape
    targets: _Targets
    checks: CompiledShape
    probes: list[Probe] | None

    def suspects(self, data: Data) -> list[rdflib.term.Node]:
        focus = self.targets.focus(data)
        if focus and self.probes is None:
            found = focus
        elif focus:
            found = self.checks.suspects(data, focus)
            for probe in self.probes:  # type: ignore[union-attr]
                found |= probe.focus_nodes(data, focus)
        else:
            found = set()
        return [to_rdf(f) for f in found] + list(self.targets.nodes)


def _probes(shape: Shape, probes: Probes) -> list[Probe] | None:
    if not list(shape.objects(SH.sparql)):
        return []
    if shape.is_property_shape:
        return None  # $PATH substitution: left to pySHACL
    try:
        helpers = SPARQLBasedConstraint(shape).sparql_constraints
    except ConstraintLoadError:
        return None
    out = []
    for helper in sorted(helpers, key=lambda h: str(h.node)):  # a stable order of group members
        if helper.deactivated:
            continue
        try:
            helper.check_invalid_sparql(helper.select_text)
        except ValidationFailure:
            return None  # pySHACL raises for it on every focus node: let it
        if not free_this_is_safe(helper.select_text):
            return None
        out.append(probes.probe(helper.apply_prefixes(""), helper.select_text))
    return out


class Prefilter:
    """The shapes of one shapes graph, ready to validate documents (build once per process).

    ``options`` are the keyword arguments the caller would give ``pyshacl.validate``; raises
    ValueError for what only ``pyshacl.validate`` does (inference, SHACL-AF, custom components)."""

    def __init__(self, shacl_graph: rdflib.Graph, options: Mapping[str, object]) -> None:
        unknown = set(options) - {"inference", "advanced", "allow_infos", "allow_warnings"}
        if unknown or options.get("inference", "none") not in (None, "none") or options.get("advanced"):
            raise ValueError(f"options only pyshacl.validate takes: {dict(options)}")
        # What pyshacl.validate does before it builds its ShapesGraph (there, once per call).
        apply_patches()
        assign_baked_in()
        rdflib_bool_patch()
        rdflib_bool_unpatch()
        self.sg = ShapesGraph(shacl_graph)
        if self.sg.custom_constraints:
            raise ValueError("custom constraint components: no prefilter, use pyshacl.validate")
        compiler, probes = _Compiler(self.sg), Probes()
        try:
            self.plans = [
                _Plan(s, _Targets.of(s), compiler.shape(s.node, nested=False), _probes(s, probes))
                for s in sorted(self.sg.shapes, key=lambda s: str(s.node))
            ]
        except _Unsupported as exc:
            raise ValueError(f"a target the prefilter cannot find natively: {exc}") from exc
        # As pyshacl.validate's Validator makes it for these options and a local store.
        self.executor = SHACLExecutor(
            allow_infos=bool(options.get("allow_infos")), allow_warnings=bool(options.get("allow_warnings"))
        )

    def validate(self, store: ox.Store) -> rdflib.Graph:
        """pySHACL's report graph for ``store``, as ``pyshacl.validate(store, shacl_graph=…,
        **options)`` builds it."""
        data, dg = Data(store), DataGraph.from_oxigraph_store(store)
        if dg.is_multigraph():
            dg.default_union = True  # as Validator.run does
        conforms, reports = True, []
        for plan in self.plans:
            suspects = plan.suspects(data)
            if suspects:
                ok, found = plan.shape.validate(self.executor, dg, focus=suspects)
                conforms = conforms and ok
                reports += found
        report_graph, _text = Validator.create_validation_report(self.sg, conforms, reports)
        return report_graph
