"""The budgetkg ontology, SHACL shapes and SKOS code lists, shipped as package data.

Paths are plain ``Path`` objects beside this module (the package is installed with its data,
see ``[tool.setuptools.package-data]``), so callers can hand them to rdflib, pyoxigraph or
pyshacl without copying.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

# The package is always installed as files on disk (setuptools, no zip), so __file__ is enough and
# works the same for the editable checkout and a wheel; importlib.resources would add nothing.
_HERE = Path(__file__).parent

ONTOLOGY_TTL: Path = _HERE / "budgetkg.ttl"
SHAPES_TTL: Path = _HERE / "shapes.ttl"
CODELISTS_TTL: Path = _HERE / "codelists" / "codelists.ttl"

ONTOLOGY_IRI = "https://w3id.org/budgetkg/def"
BKG = "https://w3id.org/budgetkg/def#"
CODE_GRAPH_IRI = "https://w3id.org/budgetkg/def/code"

__all__ = [
    "BKG",
    "CODELISTS_TTL",
    "CODE_GRAPH_IRI",
    "ONTOLOGY_IRI",
    "ONTOLOGY_TTL",
    "SHAPES_TTL",
    "ontology_graph",
    "shapes_graph",
]


@cache
def ontology_graph() -> Graph:
    """Ontology plus code lists in one graph, parsed once per process.

    Cached and shared: treat it as read-only (copy it before adding triples).
    """
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    g.parse(CODELISTS_TTL, format="turtle")
    return g


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes graph, parsed once per process (read-only, like ontology_graph)."""
    return Graph().parse(SHAPES_TTL, format="turtle")
