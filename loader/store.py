"""The embedded quad store (pyoxigraph on disk).

One named graph per document, named by the document's IRI; shared resources (regions, units,
legal bases, issuers) in their own graphs; the ontology and code lists in theirs. Replacing a
document is one SPARQL Update, which pyoxigraph applies as a single transaction: a failure
leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from budgetkg.loader.errors import BudgetKGError
from budgetkg.mappings.iris import BKG, CODE_GRAPH, ONTOLOGY_GRAPH

DEFAULT_STORE = Path(".budgetkg/store")
_VERSION = ox.NamedNode(BKG + "ontologyVersion")
_STORE_META = ox.NamedNode("https://w3id.org/budgetkg/def/store")


def store_location(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--store``, else ``$BUDGETKG_STORE``, else ``./.budgetkg/store``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("BUDGETKG_STORE")
    return Path(env) if env else DEFAULT_STORE


def store_spec(explicit: str | os.PathLike[str] | None = None) -> str | Path:
    """Like :func:`store_location`, but a ``sparql+http(s)://`` location stays a URL (issue #5)."""
    raw = os.fspath(explicit) if explicit else os.environ.get("BUDGETKG_STORE")
    if raw and raw.startswith(("sparql+http://", "sparql+https://")):
        return raw
    return store_location(explicit)


def open_store(explicit: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> GraphStore:
    """The store ``--store``/``$BUDGETKG_STORE`` names: a folder (embedded pyoxigraph) or a
    SPARQL endpoint (``sparql+http://…``, :class:`budgetkg.loader.remote.RemoteStore`)."""
    spec = store_spec(explicit)
    if isinstance(spec, str):
        from budgetkg.loader.remote import RemoteStore

        return RemoteStore(spec, read_only=read_only)
    return GraphStore(spec, read_only=read_only)


def _nt(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph) -> str:
    return str(term)


def _insert_data(quads: Iterable[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(_nt(q.graph_name), []).append(
            f"{_nt(q.subject)} {_nt(q.predicate)} {_nt(q.object)} ."
        )
    blocks = [
        "\n".join(lines) if g == "DEFAULT" else f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}"
        for g, lines in by_graph.items()
    ]
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def ontology_quads() -> tuple[str, list[ox.Quad]]:
    """The ontology and code lists in their graphs, and their content hash (the version)."""
    from budgetkg.ontology import CODELISTS_TTL, ONTOLOGY_TTL

    data = ONTOLOGY_TTL.read_bytes() + b"\n" + CODELISTS_TTL.read_bytes()
    quads = [
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(ONTOLOGY_GRAPH))
        for q in ox.parse(ONTOLOGY_TTL.read_bytes(), format=ox.RdfFormat.TURTLE)
    ]
    quads += [
        ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(CODE_GRAPH))
        for q in ox.parse(CODELISTS_TTL.read_bytes(), format=ox.RdfFormat.TURTLE)
    ]
    return hashlib.sha256(data).hexdigest(), quads


class GraphStore:
    """A thin owner of a ``pyoxigraph.Store``; ``path=None`` keeps it in memory (tests, bench)."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if path is None:
                self.store = ox.Store()
            elif read_only:
                if not path.exists():
                    raise BudgetKGError(f"no store at {path}: run `budgetkg ingest` first")
                self.store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(path))
        except OSError as exc:
            # RocksDB holds a lock: a second writer (e.g. ingest while serve writes) fails here.
            raise BudgetKGError(f"cannot open store {path}: {exc}") from exc
        if not read_only:
            self.ensure_ontology()

    # -- writing ----------------------------------------------------------------------------
    def replace_document(self, doc_iri: str, quads: Iterable[ox.Quad]) -> None:
        """Drop the document's graph and insert its new quads (and any shared ones) atomically."""
        # The document's validation report describes the old version: it goes too (ingest
        # writes the new one after validating).
        update = (
            f"DROP SILENT GRAPH <{doc_iri}> ;\nDROP SILENT GRAPH <{doc_iri}/validation> ;\n"
            + _insert_data(quads)
        )
        self.store.update(update)

    def write_documents(self, docs: list[tuple[str, list[ox.Quad]]]) -> None:
        """Write a batch: documents new to the store in one bulk load, documents already present
        (or repeated within the batch) replaced one transaction each.

        Bulk loading skips transactions and is ~6× faster on disk (BENCHMARKS.md). What it gives
        up is only crash safety for never-seen documents: a failed *document* never reaches this
        point (parse and map errors happen before), and a re-ingested one is always replaced
        atomically, so the store never mixes an old and a new version of a document.
        """
        fresh: list[tuple[str, list[ox.Quad]]] = []
        again: list[tuple[str, list[ox.Quad]]] = []
        seen: set[str] = set()
        for iri, quads in docs:
            if iri in seen or self.store.contains_named_graph(ox.NamedNode(iri)):
                again.append((iri, quads))
            else:
                seen.add(iri)
                fresh.append((iri, quads))
        if len(fresh) == 1:
            self.store.extend(fresh[0][1])
        elif fresh:
            self.store.bulk_extend(q for _iri, quads in fresh for q in quads)
        for iri, quads in again:
            self.replace_document(iri, quads)

    def ensure_ontology(self) -> None:
        """Load ontology + code lists when missing or changed (content hash), in one transaction."""
        version, quads = ontology_quads()
        current = list(self.store.quads_for_pattern(_STORE_META, _VERSION, None, ox.DefaultGraph()))
        if current and current[0].object.value == version:
            return
        quads.append(ox.Quad(_STORE_META, _VERSION, ox.Literal(version), ox.DefaultGraph()))
        self.store.update(
            f"DROP SILENT GRAPH <{ONTOLOGY_GRAPH}> ; DROP SILENT GRAPH <{CODE_GRAPH}> ;\n"
            f"DELETE WHERE {{ {_STORE_META} {_VERSION} ?v }} ;\n" + _insert_data(quads)
        )

    # -- reading ----------------------------------------------------------------------------
    def query(self, sparql: str, **kwargs: object) -> object:
        # The default graph is the union of all graphs, so stored queries need no GRAPH clauses.
        return self.store.query(sparql, use_default_graph_as_union=True, **kwargs)

    def documents(self) -> list[str]:
        rows = self.query(
            "SELECT ?d WHERE { ?d a <https://w3id.org/budgetkg/def#BudgetDocument> } ORDER BY ?d"
        )
        return [row["d"].value for row in rows]  # type: ignore[attr-defined]

    def graph_quads(self, graph_iri: str) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))

    def __len__(self) -> int:
        return len(self.store)

    def flush(self) -> None:
        if self.path is not None:
            self.store.flush()
