"""A store behind a SPARQL endpoint (issue #5): the same interface as the embedded
:class:`~budgetkg.loader.store.GraphStore`, over HTTP.

``--store sparql+http://HOST:PORT/query?update=URL&gsp=URL&batch=N`` (or ``sparql+https://…``)
names the query endpoint; the optional ``update`` (SPARQL 1.1 Update) and ``gsp`` (Graph Store
HTTP Protocol) URLs and ``batch`` (most quads per update request) can also come from
``$BUDGETKG_SPARQL_UPDATE``, ``$BUDGETKG_SPARQL_GSP`` and ``$BUDGETKG_SPARQL_BATCH``, HTTP basic
credentials from ``$BUDGETKG_SPARQL_USER`` / ``$BUDGETKG_SPARQL_PASSWORD``.

``RemoteStore.store`` is :class:`SparqlStore`, a facade offering the ``pyoxigraph.Store`` methods
budgetkg uses (``query``, ``update``, ``quads_for_pattern``, ``contains_named_graph``, ``dump``,
iteration, ``len``), so callers get pyoxigraph's own types back: SELECT/ASK answers are read with
``pyoxigraph.parse_query_results``, CONSTRUCT/DESCRIBE answers with ``pyoxigraph.parse``.
Queries go through SPARQLWrapper; Graph Store Protocol requests, which SPARQLWrapper does not
speak, through ``urllib``.

The default graph: ``GraphStore.query`` (every stored query, ``/sparql``, the lookups and pages)
asks for the union of all graphs. The facade sends Oxigraph's ``union-default-graph`` request
parameter for those queries only; engines that ignore it must make their default graph the union
(Virtuoso's is). Iteration, ``len`` and dumps read budgetkg's named graphs only (a server may hold
other data), and the ontology version stamp lives in the named graph :data:`META_GRAPH`, not in
the default graph (Virtuoso has none of its own to write to). Tested on Oxigraph and Virtuoso 7
(``tests/test_remote.py``; README "Remote stores" lists what differs between them).
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from budgetkg.loader.errors import BudgetKGError
from budgetkg.loader.store import GraphStore, _insert_data, ontology_quads
from budgetkg.mappings.iris import BKG, CODE_GRAPH, ONTOLOGY_GRAPH, base_iri

SCHEMES = ("sparql+http://", "sparql+https://")
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
# One SPARQL Update request carries at most this many quads: a document's graph (a few thousand
# quads) is one request; only a larger one is split (and then no longer replaced atomically).
UPDATE_BATCH = 50_000
DEF_NS = "https://w3id.org/budgetkg/def"
# The ontology version stamp: the embedded store keeps it in the default graph; not every engine
# has a default graph of its own (Virtuoso's is the union), so a remote store keeps it here.
META_GRAPH = DEF_NS + "/store"
_VERSION = f"<{BKG}ontologyVersion>"
# A graph budgetkg never writes: the empty side of a query's dataset (see SparqlStore.query).
EMPTY_GRAPH = DEF_NS + "/empty"


class RemoteStoreError(BudgetKGError, OSError):
    """The endpoint failed or refused; an ``OSError`` so ingest reports it per document."""


def _brief(exc: BaseException, limit: int = 400) -> str:
    """An endpoint's error on one short line (SPARQLWrapper's messages quote the whole request)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " …"


def is_remote(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEMES)


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str | None = None
    gsp: str | None = None
    user: str | None = None
    password: str | None = None
    batch: int = UPDATE_BATCH

    @classmethod
    def parse(cls, location: str) -> Endpoints:
        """``sparql+http://h:p/query?update=…&gsp=…``; settings fill what the location leaves out."""
        url = location.split("+", 1)[1]
        parts = urllib.parse.urlsplit(url)
        params = urllib.parse.parse_qs(parts.query)
        rest = [(k, v) for k, vs in params.items() if k not in ("update", "gsp", "batch") for v in vs]
        netloc = parts.netloc.rsplit("@", 1)[-1]  # credentials travel in a header, not the URL
        query = urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=urllib.parse.urlencode(rest)))

        def pick(key: str, env: str) -> str | None:
            return (params.get(key) or [None])[0] or os.environ.get(env) or None

        return cls(
            query=query,
            update=pick("update", "BUDGETKG_SPARQL_UPDATE"),
            gsp=pick("gsp", "BUDGETKG_SPARQL_GSP"),
            user=_unquote(parts.username) or os.environ.get("BUDGETKG_SPARQL_USER") or None,
            password=_unquote(parts.password) or os.environ.get("BUDGETKG_SPARQL_PASSWORD") or None,
            batch=int(pick("batch", "BUDGETKG_SPARQL_BATCH") or UPDATE_BATCH),
        )


def _unquote(text: str | None) -> str | None:
    return urllib.parse.unquote(text) if text else None


def _ours() -> str:
    """The FILTER keeping budgetkg's own graphs: a remote store may hold other data (Virtuoso's
    system graphs, other datasets); iteration, ``len`` and export cover only these."""
    return f'FILTER(STRSTARTS(STR(?g), "{base_iri()}") || STRSTARTS(STR(?g), "{DEF_NS}"))'


def _insert(quads: list[ox.Quad]) -> str:
    """``INSERT DATA``, or ``INSERT { … } WHERE {}`` when there are blank nodes (the ontology's
    OWL restrictions): some engines (Virtuoso) refuse blank nodes in ``INSERT DATA``."""
    text = _insert_data(quads)
    if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
        return "INSERT {" + text[len("INSERT DATA {") :] + " WHERE {}"
    return text


def _plain_bnodes(data: bytes) -> bytes:
    """Virtuoso labels blank nodes ``nodeID://b10001`` in JSON results, which is no blank node
    label pyoxigraph accepts: relabel them (consistently within the answer)."""
    if b"nodeID://" not in data:
        return data
    doc = json.loads(data)
    for row in doc.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode":
                value["value"] = re.sub(r"[^A-Za-z0-9_]", "_", value["value"])
    return json.dumps(doc).encode("utf-8")


def _term(term: Any) -> str:
    return str(term)


def _pattern(s: Any, p: Any, o: Any) -> tuple[str, list[str]]:
    """A triple pattern with variables for the open positions (and the variables used)."""
    names = []
    parts = []
    for name, term in (("s", s), ("p", p), ("o", o)):
        if term is None:
            names.append(name)
            parts.append("?" + name)
        else:
            parts.append(_term(term))
    return " ".join(parts), names


class SparqlStore:
    """The subset of ``pyoxigraph.Store`` budgetkg uses, over the SPARQL protocols."""

    def __init__(self, endpoints: Endpoints, *, timeout: float | None = None) -> None:
        self.endpoints = endpoints
        self.timeout = timeout

    # -- HTTP ---------------------------------------------------------------------------------
    def _wrapper(self) -> SPARQLWrapper:
        w = SPARQLWrapper(self.endpoints.query, updateEndpoint=self.endpoints.update)
        w.setMethod(POST)
        if self.endpoints.user is not None:
            w.setCredentials(self.endpoints.user, self.endpoints.password or "")
        if self.timeout:
            w.setTimeout(int(self.timeout))
        return w

    def _fetch(
        self, sparql: str, accept: str, fmt: str, union: bool, dataset: Iterable[tuple[str, str]] = ()
    ) -> bytes:
        w = self._wrapper()
        w.setQuery(sparql)
        w.setReturnFormat(fmt)
        w.addCustomHttpHeader("Accept", accept)
        for name, graph in dataset:  # the protocol's default-graph-uri / named-graph-uri
            w.addParameter(name, graph)
        if union:
            # Oxigraph's per-request switch; other engines ignore unknown parameters.
            w.addParameter("union-default-graph", "true")
        try:
            return w.query().response.read()
        except (SPARQLWrapperException, OSError) as exc:
            raise RemoteStoreError(f"SPARQL endpoint {self.endpoints.query}: {_brief(exc)}") from exc

    def _http(self, method: str, url: str, body: bytes | None = None, ctype: str | None = None) -> bytes:
        req = urllib.request.Request(url, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        if self.endpoints.user is not None:
            token = f"{self.endpoints.user}:{self.endpoints.password or ''}".encode()
            req.add_header("Authorization", "Basic " + base64.b64encode(token).decode("ascii"))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout or None) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            detail = _brief(exc.read().decode("utf-8", "replace"))
            raise RemoteStoreError(f"{method} {url}: HTTP {exc.code} {detail}") from exc
        except OSError as exc:
            raise RemoteStoreError(f"{method} {url}: {_brief(exc)}") from exc

    # -- pyoxigraph.Store methods --------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: Iterable[ox.NamedNode] | None = None,
        named_graphs: Iterable[ox.NamedNode] | None = None,
        **kwargs: object,
    ) -> Any:
        """``default_graph`` / ``named_graphs`` travel as the protocol's ``default-graph-uri`` /
        ``named-graph-uri``; the engine then applies SPARQL 1.1 Protocol §2.1.4 (or deviates: README
        "Protocol conformance")."""
        if kwargs:
            raise NotImplementedError(f"remote query options {sorted(kwargs)}")
        default, named = [g.value for g in default_graph or ()], [g.value for g in named_graphs or ()]
        if default_graph is not None or named_graphs is not None:
            # The protocol cannot say "none": an empty graph stands in for an empty side, which
            # an engine would otherwise fill with all its graphs (Virtuoso does).
            default, named = default or [EMPTY_GRAPH], named or [EMPTY_GRAPH]
        dataset = [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
        union = use_default_graph_as_union and not dataset
        # Parsing against an empty in-memory store raises pyoxigraph's SyntaxError for a malformed
        # query (the API answers 400) and tells the query form; nothing is evaluated eagerly.
        form = ox.Store().query(sparql)
        if isinstance(form, ox.QueryTriples):
            data = self._fetch(sparql, "text/turtle", TURTLE, union, dataset)
            # Back into pyoxigraph's own type: the parsed triples, asked for from a scratch store.
            scratch = ox.Store()
            scratch.extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                for t in ox.parse(data, format=ox.RdfFormat.TURTLE)
            )
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        data = _plain_bnodes(self._fetch(sparql, _RESULTS_JSON, JSON, union, dataset))
        result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        if isinstance(form, ox.QueryBoolean) and isinstance(result, ox.QuerySolutions):
            # Virtuoso answers ASK as a one-row SELECT of ?__ASK_RETVAL (1 or 0).
            answer = any(str(row[0].value) not in ("0", "false") for row in result if row[0] is not None)
            body = b'{"head": {}, "boolean": ' + (b"true" if answer else b"false") + b"}"
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return result

    def update(self, sparql: str) -> None:
        if not self.endpoints.update:
            raise RemoteStoreError(
                f"the store {self.endpoints.query} is read-only here: give its SPARQL Update URL "
                "(`?update=…` in --store, or $BUDGETKG_SPARQL_UPDATE)"
            )
        w = self._wrapper()
        w.setQuery(sparql)
        try:
            w.query().response.read()
        except (SPARQLWrapperException, OSError) as exc:
            raise RemoteStoreError(f"SPARQL update {self.endpoints.update}: {_brief(exc)}") from exc

    def quads_for_pattern(self, s: Any, p: Any, o: Any, g: Any = None) -> Iterator[ox.Quad]:
        if any(isinstance(t, ox.BlankNode) for t in (s, p, o, g)):
            # A blank node cannot be named in a query sent to another store: it matches nothing.
            return iter(())
        triple, names = _pattern(s, p, o)
        select = " ".join("?" + n for n in names)
        if isinstance(g, ox.DefaultGraph):
            where = f"{{ {triple} }}"
        elif g is None:
            select += " ?g"
            where = f"{{ GRAPH ?g {{ {triple} }} {_ours()} }}"
        else:
            where = f"{{ GRAPH {_term(g)} {{ {triple} }} }}"
        if not select:
            return iter([ox.Quad(s, p, o, g)] if bool(self.query("ASK " + where)) else [])
        rows = self.query(f"SELECT {select} WHERE {where}")

        def quads() -> Iterator[ox.Quad]:
            for row in rows:
                bound = {n: row[n] for n in names}
                graph = g if g is not None else row["g"]
                yield ox.Quad(bound.get("s", s), bound.get("p", p), bound.get("o", o), graph)

        return quads()

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        rows = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {_ours()} }}")
        return int(next(iter(rows))["n"].value)

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {_term(graph)} {{ ?s ?p ?o }} }}"))

    def dump(
        self,
        output: BinaryIO | None = None,
        format: ox.RdfFormat | None = None,
        *,
        from_graph: Any = None,
        prefixes: dict[str, str] | None = None,
    ) -> bytes | None:
        """One query, so blank-node labels are consistent across the whole dump."""
        quads: Iterable[Any]
        if from_graph is None:
            quads = self.quads_for_pattern(None, None, None, None)
        else:
            quads = (
                ox.Triple(q.subject, q.predicate, q.object)
                for q in self.quads_for_pattern(None, None, None, from_graph)
            )
        kwargs: dict[str, Any] = {"prefixes": prefixes} if prefixes else {}
        return ox.serialize(quads, output, format=format, **kwargs)

    def flush(self) -> None:
        pass

    # -- Graph Store Protocol -----------------------------------------------------------------
    def put_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace a named graph whole (Oxigraph does it in one transaction)."""
        assert self.endpoints.gsp
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        self._http("PUT", self._gsp_url(graph), body, _NTRIPLES)

    def post_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add triples to a named graph (merged with what is there)."""
        assert self.endpoints.gsp
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        self._http("POST", self._gsp_url(graph), body, _NTRIPLES)

    def _gsp_url(self, graph: str) -> str:
        sep = "&" if "?" in (self.endpoints.gsp or "") else "?"
        return f"{self.endpoints.gsp}{sep}graph={urllib.parse.quote(graph, safe='')}"


class RemoteStore(GraphStore):
    """``GraphStore`` over a SPARQL endpoint (``--store sparql+http://…``)."""

    def __init__(self, location: str, *, read_only: bool = False) -> None:
        self.path = None
        self.location = location
        self.endpoints = Endpoints.parse(location)
        self.store = SparqlStore(self.endpoints)  # type: ignore[assignment]
        try:
            self.store.query("ASK { }")
        except RemoteStoreError as exc:
            raise BudgetKGError(f"cannot reach store {self.endpoints.query}: {exc}") from exc
        if not read_only:
            if not self.endpoints.update:
                self.store.update("")  # raises the read-only message
            self.ensure_ontology()

    def __str__(self) -> str:
        return self.endpoints.query

    def _write(self, before: str, quads: list[ox.Quad], after: str = "") -> None:
        """``before`` + INSERT of ``quads`` + ``after`` as one update request, or, beyond the
        batch size, as several: ``before`` with the first batch, ``after`` with the last. Quads
        with blank nodes (the ontology's) stay together in one request, or a blank node written
        in two requests would become two."""
        size = max(self.endpoints.batch, 1)
        blank = [
            q for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
        ]
        plain = [
            q
            for q in quads
            if not (isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))
        ]
        batches = ([blank] if blank else []) + [plain[i : i + size] for i in range(0, len(plain), size)]
        batches = batches or [[]]
        for i, batch in enumerate(batches):
            parts = [before] if i == 0 and before else []
            parts += [_insert(batch)] if batch else []
            parts += [after] if i == len(batches) - 1 and after else []
            if parts:
                self.store.update(" ;\n".join(parts))

    def ensure_ontology(self) -> None:
        """Load ontology + code lists when missing or changed: one update request (or ``batch``-
        sized ones, the version stamp last)."""
        version, quads = ontology_quads()
        stamp = f"<{META_GRAPH}> {_VERSION}"
        rows = list(self.store.query(f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ {stamp} ?v }} }}"))
        if rows and rows[0]["v"].value == version:
            return
        # The stamp goes last: when the load is split, an interrupted one is redone next time.
        self._write(
            f"DROP SILENT GRAPH <{META_GRAPH}> ; DROP SILENT GRAPH <{ONTOLOGY_GRAPH}> ; "
            f"DROP SILENT GRAPH <{CODE_GRAPH}>",
            quads,
            f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {stamp} "{version}" }} }}',
        )

    def write_documents(self, docs: list[tuple[str, list[ox.Quad]]]) -> None:
        """Each document replaced on its own: with a Graph Store Protocol URL its graph is PUT
        (replaced whole) after the shared triples are POSTed; else one SPARQL Update per document
        (DROP its graphs, INSERT DATA), split only beyond ``batch`` quads."""
        for iri, quads in docs:
            if self.endpoints.gsp:
                self._write_gsp(iri, quads)
            else:
                self.replace_document(iri, quads)

    def replace_document(self, iri: str, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        self._write(f"DROP SILENT GRAPH <{iri}> ;\nDROP SILENT GRAPH <{iri}/validation>", quads)

    def _write_gsp(self, iri: str, quads: list[ox.Quad]) -> None:
        by_graph: dict[str, list[ox.Triple]] = {}
        for q in quads:
            key = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            by_graph.setdefault(key, []).append(ox.Triple(q.subject, q.predicate, q.object))
        store: SparqlStore = self.store  # type: ignore[assignment]
        for graph, triples in by_graph.items():
            if graph and graph != iri:
                store.post_graph(graph, triples)
            elif not graph:
                store.update(
                    _insert([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples])
                )
        store.update(f"DROP SILENT GRAPH <{iri}/validation>")
        store.put_graph(iri, by_graph.get(iri, []))

    def query(self, sparql: str, **kwargs: object) -> object:
        return self.store.query(sparql, use_default_graph_as_union=True, **kwargs)

    def __len__(self) -> int:
        return len(self.store)

    def flush(self) -> None:
        pass
