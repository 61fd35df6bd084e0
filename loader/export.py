"""Whole-graph export in the standard serialisations, and sharded N-Quads for bulk loaders."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from budgetkg.loader.errors import BudgetKGError
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.iris import BKG, base_iri

PREFIXES = {
    "bkg": BKG,
    "code": "https://w3id.org/budgetkg/def/code/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "qb": "http://purl.org/linked-data/cube#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_DATASET_FORMATS = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}


def prefixes() -> dict[str, str]:
    return {**PREFIXES, "id": base_iri()}


def export(store: GraphStore, fmt: str, out: BinaryIO) -> None:
    """Named-graph formats keep the one-graph-per-document layout; Turtle, which has no graphs,
    gets the union (a triple stated in several graphs is written once)."""
    if fmt in _DATASET_FORMATS:
        kwargs = {} if fmt == "nquads" else {"prefixes": prefixes()}
        store.store.dump(out, format=_DATASET_FORMATS[fmt], **kwargs)
    elif fmt == "turtle":
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in store.store}
        ox.serialize(sorted(triples, key=str), out, format=ox.RdfFormat.TURTLE, prefixes=prefixes())
    else:
        raise ValueError(f"unknown export format {fmt!r}; allowed: nquads, trig, turtle, jsonld")


# -- sharded N-Quads for bulk loaders (issue #5) ------------------------------------------------
MANIFEST = "manifest.json"
SHARD_GLOB = "part-*.nq.gz"
_VALIDATION = "/validation"


class ExportError(BudgetKGError):
    """An export that cannot be written as asked (the message names the folder or option)."""


def shard_name(index: int) -> str:
    return f"part-{index:05d}.nq.gz"


def shard_key(graph: str) -> str:
    """What decides a graph's shard: a document's validation report goes with the document, so
    one shard holds everything a reload of that document replaces."""
    return graph.removesuffix(_VALIDATION)


def shard_of(graph: str, shards: int) -> int:
    """Stable across runs, machines and Python versions (unlike ``hash()``)."""
    digest = hashlib.sha256(shard_key(graph).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


@dataclass
class Shard:
    file: str
    quads: int = 0
    default_graph_quads: int = 0
    graphs: list[str] = field(default_factory=list)


def _named_graphs(store: GraphStore) -> list[str]:
    if isinstance(store.store, ox.Store):
        return sorted(g.value for g in store.store.named_graphs() if isinstance(g, ox.NamedNode))
    # A remote store: budgetkg's graphs only (the server may hold others), as its export does.
    from budgetkg.loader.remote import DEF_NS

    rows = store.store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    ours = (base_iri(), DEF_NS)
    return sorted(r["g"].value for r in rows if r["g"].value.startswith(ours))  # type: ignore[attr-defined]


def _clear_folder(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: not a folder (--shards writes a folder of shards)")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ExportError(f"{out}: folder is not empty; give --force to replace its shards")
        # Stale shards of an earlier export would be loaded too (Virtuoso loads every part-*).
        for old in [*out.glob(SHARD_GLOB), out / MANIFEST]:
            old.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def export_shards(store: GraphStore, shards: int, out: Path, *, force: bool = False) -> dict[str, Any]:
    """Write the store as ``shards`` gzip N-Quads files plus ``manifest.json``, graph by graph
    (never the whole store in memory). Each graph, with a document's report beside it, lies in
    exactly one shard, picked by a hash of its IRI; the default graph (the embedded store's
    ontology version stamp) goes where the empty IRI hashes to. The manifest is written last: a
    folder without one is an interrupted export, and ``push --bulk`` refuses it."""
    if shards < 1:
        raise ExportError(f"--shards {shards}: give at least 1")
    out = Path(out)
    _clear_folder(out, force)
    parts = [Shard(shard_name(i)) for i in range(shards)]
    files: list[gzip.GzipFile] = []
    try:
        for part in parts:
            # mtime=0: the same store gives byte-identical shards.
            files.append(gzip.GzipFile(out / part.file, "wb", compresslevel=6, mtime=0))
        sources: list[tuple[str, ox.NamedNode | ox.DefaultGraph]] = [
            (g, ox.NamedNode(g)) for g in _named_graphs(store)
        ]
        if isinstance(store.store, ox.Store):
            sources.insert(0, ("", ox.DefaultGraph()))
        for name, graph in sources:
            i = shard_of(name, shards)
            counted = _Counter(store.store.quads_for_pattern(None, None, None, graph))
            ox.serialize(counted, files[i], format=ox.RdfFormat.N_QUADS)
            parts[i].quads += counted.n
            if name:
                parts[i].graphs.append(name)
            else:
                parts[i].default_graph_quads += counted.n
    finally:
        for fh in files:
            fh.close()
    manifest = {
        "format": "nquads",
        "shards": [vars(p) for p in parts],
        "quads": sum(p.quads for p in parts),
        "graphs": sum(len(p.graphs) for p in parts),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return manifest


class _Counter:
    """Counts the quads as the serialiser pulls them."""

    def __init__(self, quads: Iterator[ox.Quad]) -> None:
        self.quads, self.n = quads, 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for q in self.quads:
            self.n += 1
            yield q
