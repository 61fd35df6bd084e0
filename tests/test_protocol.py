"""Issue #5: the query side of the W3C SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/,
"§" below), checked against five targets:

- ``embedded``: our ``/sparql`` in process over the embedded store (pyoxigraph);
- ``api+oxigraph``, ``api+virtuoso``: our ``/sparql`` over ``--store sparql+http://…`` on each engine;
- ``oxigraph``, ``virtuoso``: each engine's own query endpoint, directly.

Every store holds seeds 003 and 004 (one named graph per document, "G1" and "G2" in sorted order).
Each check reduces a target's answer to a short outcome ("400", "G1", "ok", …) and compares it
with what the recommendation allows (``CONFORMS``), for our endpoint with what our design chose
among those (``OURS``). A target that does otherwise must be listed in ``DEVIATIONS`` with the
outcome it gives: the entry is asserted, so a fixed deviation fails until it is removed, and
``README.md`` ("Protocol conformance") carries the same table (``test_readme_lists_the_deviations``).
The engines run as subprocesses (tests/servers.py); without one the tests of its targets skip,
except under CI.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.util import from_n3

from budgetkg.api.app import create_app
from budgetkg.api.cli import main
from budgetkg.loader.remote import RemoteStore
from budgetkg.loader.store import GraphStore
from tests.conftest import ROOT, seed
from tests.servers import Engine, oxigraph_server, virtuoso_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

TARGETS = ("embedded", "api+oxigraph", "api+virtuoso", "oxigraph", "virtuoso")
BKG = "https://w3id.org/budgetkg/def#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"

# (target, check) -> (the outcome it gives instead, why). Kept equal to README's table.
DIRECT = "does not answer a POST of `application/sparql-query` (§2.1.3): the client gives up"
RAN = "runs it (the test server grants SPARQL_UPDATE, as a `--store` for ingest needs)"
DEVIATIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("virtuoso", "post-direct"): ("no answer", DIRECT),
    ("virtuoso", "default-graph-uri post-direct"): ("no answer", DIRECT),
    ("virtuoso", "POST direct UTF-16"): ("no answer", DIRECT),
    ("virtuoso", "method PUT"): ("no answer", "does not answer a PUT"),
    ("virtuoso", "default-graph-uri: no named graphs"): (
        "G1+G2",
        "with only `default-graph-uri` every graph stays a named graph; budgetkg over Virtuoso "
        "sends an empty stand-in `named-graph-uri`",
    ),
    ("virtuoso", "protocol over FROM"): (
        "G1+G2",
        "merges the query's FROM into the protocol's dataset; budgetkg over Virtuoso drops the "
        "query's FROM / FROM NAMED when the request names a dataset",
    ),
    ("virtuoso", "protocol over FROM NAMED"): ("G1+G2", "the same, for FROM NAMED"),
    ("virtuoso", "select json"): (
        "unparseable: JSON term type 'typed-literal'",
        'writes typed literals as SPARQL 1.0\'s `"type": "typed-literal"` (pyoxigraph, hence '
        "budgetkg over Virtuoso, reads it)",
    ),
    ("virtuoso", "select tsv"): (
        "rows differ",
        "writes CSV-style quoted strings, not RDF terms: variables, IRIs and literals alike; "
        "language tags dropped",
    ),
    ("virtuoso", "ask json"): (
        "no boolean / no boolean",
        "answers ASK as a one-row SELECT of `?__ASK_RETVAL` (1 or 0); budgetkg over Virtuoso "
        "turns it into the boolean",
    ),
    ("virtuoso", "ask xml"): ("no boolean / no boolean", "the same, in XML"),
    ("virtuoso", "construct jsonld"): (
        "graph differs (5 triples)",
        "JSON-LD drops language tags and writes an xsd:decimal as a bare JSON number (an xsd:double)",
    ),
    ("virtuoso", "missing query"): (
        "200 text/html",
        "answers a GET without a query with its HTML query form, not a service description",
    ),
    ("virtuoso", "two queries"): ("200", "answers one of two `query` parameters"),
    ("virtuoso", "update as query"): ("200 (and ran it)", f"an update sent as `query=` by GET: {RAN}"),
    ("virtuoso", "update via GET"): ("200 (and ran it)", f"`update=` by GET (§2.2.1: POST only): {RAN}"),
    ("virtuoso", "query and update"): ("200 (and ran it)", f"`query` and `update` together: {RAN}"),
}

# What the recommendation allows, per check (outcomes as the checks below spell them).
OK = {"ok"}
CONFORMS: dict[str, set[str]] = {
    # §2.1.1-§2.1.3: the three ways to send a query.
    "get": OK,
    "post-form": OK,
    "post-direct": OK,
    # §2.1.4: the dataset is exactly the graphs the protocol names, whatever the query says.
    "default-graph-uri": {"G1"},
    "default-graph-uri post-form": {"G1"},
    "default-graph-uri post-direct": {"G1"},
    "default-graph-uri triples": OK,
    "default-graph-uri twice": {"G1+G2"},
    "default-graph-uri: no named graphs": {"none"},
    "named-graph-uri": {"G2"},
    "named-graph-uri: empty default graph": {"none"},
    "protocol over FROM": {"G1"},
    "protocol over FROM NAMED": {"G2"},
    "FROM without protocol dataset": {"G2"},  # SPARQL 1.1 Query §13.2
    # §2.1.5 and the result format recommendations: each media type, parsed.
    **{f"select {m}": OK for m in ("json", "xml", "csv", "tsv")},
    **{f"ask {m}": OK for m in ("json", "xml")},
    **{f"{form} {m}": OK for form in ("construct", "describe") for m in ("ttl", "nt", "jsonld", "rdfxml")},
    # §2.1.7: a query that is not legal SPARQL is a 400.
    "malformed query": {"400"},
    # §2.1.1-§2.1.3 ask for exactly one query string (W3C protocol tests bad_multiple_queries,
    # bad_query_method, bad_query_wrong_media_type, bad_query_missing_form_type,
    # bad_query_non_utf8, bad_update_get: "4XX").
    # Without a query a GET is no protocol operation: an error, or the service description that
    # SPARQL 1.1 Service Description §2 says an endpoint should return there.
    "missing query": {"4xx", "service description"},
    "two queries": {"4xx"},
    "query and update": {"4xx", "200"},  # a query with an unknown parameter, if not refused
    "update as query": {"4xx"},  # not a legal query (§2.1.7), or refused
    "update via GET": {"4xx"},  # §2.2.1: updates are POSTed
    "method PUT": {"4xx"},
    "POST text/plain": {"4xx"},
    "POST without content type": {"4xx"},
    "POST direct UTF-16": {"4xx"},
    # §2.1.5 leaves it to HTTP (RFC 9110 §15.5.7): 406, or answer in a format of one's choosing.
    "Accept unsupported": {"406", "200"},
}
# Our /sparql, one outcome per check where the recommendation allows several.
OURS: dict[str, str] = {
    "missing query": "400",
    "two queries": "400",
    "query and update": "400",
    "update as query": "403",
    "update via GET": "403",
    "method PUT": "405",
    "POST text/plain": "415",
    "POST without content type": "415",
    "POST direct UTF-16": "415",
    "Accept unsupported": "406",
}

RESULTS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPHS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdfxml": ("application/rdf+xml", "xml"),
}

# Query answers known without any data: two rows, CSV-hostile text, a decimal, a language tag,
# an unbound variable; and the graph CONSTRUCT makes of them (with blank nodes).
VALUES = (
    'VALUES (?s ?label ?amount) { (<urn:x:a> "示例, \\"网络\\"租赁费" "488000.5"^^<{XSD}decimal>) '
    '(<urn:x:b> "b"@zh UNDEF) }'
).replace("{XSD}", XSD)
SELECT = f"SELECT ?s ?label ?amount WHERE {{ {VALUES} }} ORDER BY ?s"
CONSTRUCT = (
    "CONSTRUCT { ?s <urn:x:label> ?label ; <urn:x:amount> ?amount . _:n <urn:x:about> ?s } "
    f"WHERE {{ {VALUES} }}"
)
EXPECTED_ROWS: list[dict[str, rdflib.term.Node]] = [
    {
        "s": URIRef("urn:x:a"),
        "label": Literal('示例, "网络"租赁费'),
        "amount": Literal("488000.5", datatype=XSD + "decimal"),
    },
    {"s": URIRef("urn:x:b"), "label": Literal("b", lang="zh")},
]


def expected_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for row in EXPECTED_ROWS:
        s = row["s"]
        g.add((s, URIRef("urn:x:label"), row["label"]))
        if "amount" in row:
            g.add((s, URIRef("urn:x:amount"), row["amount"]))
        g.add((BNode(), URIRef("urn:x:about"), s))
    return g


@dataclass
class Target:
    name: str
    client: httpx.Client
    path: str  # the query endpoint (our /sparql or the engine's own)
    graphs: list[str]  # G1, G2: the two documents' named graphs
    g1_triples: int
    ours: bool
    probe: Callable[[], bool]  # did an update sent to it run?

    def label(self, iris: list[str]) -> str:
        names = sorted({f"G{self.graphs.index(i) + 1}" if i in self.graphs else i for i in iris})
        return "+".join(names) or "none"

    def send(self, method: str, **kwargs: object) -> httpx.Response | None:
        """One HTTP request to the endpoint; None when it gives no answer in time."""
        try:
            return self.client.request(method, self.path, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException:
            return None

    def request(
        self,
        method: str,
        query: str | None,
        *,
        dataset: list[tuple[str, str]] | None = None,
        accept: str = RESULTS["json"],
    ) -> httpx.Response | None:
        """``method``: ``get`` (§2.1.1), ``form`` (§2.1.2) or ``direct`` (§2.1.3)."""
        dataset = dataset or []
        headers = {"Accept": accept}
        if method == "get":
            params = ([("query", query)] if query is not None else []) + dataset
            return self.send("GET", params=params, headers=headers)
        if method == "form":
            form: dict[str, list[str]] = {"query": [query]} if query is not None else {}
            for key, value in dataset:
                form.setdefault(key, []).append(value)
            return self.send("POST", data=form, headers=headers)
        assert method == "direct" and query is not None
        headers["Content-Type"] = "application/sparql-query"
        return self.send("POST", params=dataset, content=query.encode(), headers=headers)


# An engine that does not answer within this many seconds gives the outcome "no answer".
ENGINE_TIMEOUT = 8.0
NO_ANSWER = "no answer"


def allows(allowed: set[str], observed: str) -> bool:
    return observed in allowed or ("4xx" in allowed and len(observed) == 3 and observed.startswith("4"))


def problem(target: Target, check: str, observed: str) -> str | None:
    """What is wrong with ``observed`` for ``check`` on ``target``, if anything."""
    listed = DEVIATIONS.get((target.name, check))
    if listed is not None:
        if observed != listed[0]:
            return (
                f"{target.name} / {check}: the listed deviation {listed[0]!r} is now {observed!r}: "
                "update DEVIATIONS and README's table"
            )
        return None
    allowed = {OURS[check]} if target.ours and check in OURS else CONFORMS[check]
    if not allows(allowed, observed):
        return f"{target.name} / {check}: {observed!r}, the recommendation allows {sorted(allowed)}"
    return None


def judge(target: Target, outcomes: dict[str, str]) -> None:
    """The one assertion of every test: all its checks, each against the table."""
    problems = [p for check, observed in outcomes.items() if (p := problem(target, check, observed))]
    assert not problems, "\n".join(problems)


# -- targets ---------------------------------------------------------------------------------


class Servers:
    """Each engine started once for the module (shared by its two targets), seeds ingested."""

    def __init__(self, stack: ExitStack, tmp: pytest.TempPathFactory, docs: list[Path]) -> None:
        self.stack, self.tmp, self.docs = stack, tmp, docs
        self.running: dict[str, Engine] = {}

    def get(self, name: str) -> Engine:
        if name not in self.running:
            server = oxigraph_server if name == "oxigraph" else virtuoso_server
            engine = self.stack.enter_context(server(self.tmp.mktemp(name)))
            assert main(["ingest", "-q", "--store", engine.url(), *map(str, self.docs)]) == 0
            self.running[name] = engine
        return self.running[name]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with ExitStack() as stack:
        yield Servers(stack, tmp_path_factory, [seed("003"), seed("004")])


def _counts(store: GraphStore) -> tuple[list[str], int]:
    graphs = store.documents()
    assert len(graphs) == 2
    return graphs, sum(1 for _ in store.graph_quads(graphs[0]))


PROBE = "urn:x:protocol-probe"
UPDATE = f"INSERT DATA {{ GRAPH <{PROBE}> {{ <urn:x:s> <urn:x:p> <urn:x:o> }} }}"


@pytest.fixture(scope="module", params=TARGETS)
def target(
    request: pytest.FixtureRequest, servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    name: str = request.param
    if name == "embedded":
        path = tmp_path_factory.mktemp("embedded") / "store"
        assert main(["ingest", "-q", "--store", str(path), *map(str, servers.docs)]) == 0
        store: GraphStore = GraphStore(path, read_only=True)
        engine_url = None
    else:
        engine = servers.get(name.removeprefix("api+"))
        store = RemoteStore(engine.url(), read_only=True)
        engine_url = engine.query
    graphs, g1_triples = _counts(store)

    def probe() -> bool:
        """Did an update sent to the target run? (Undone, for the next check.)"""
        found = any(True for _ in store.graph_quads(PROBE))
        if found:  # only an engine can have run it: the store's update URL is at hand
            store.store.update(f"DROP SILENT GRAPH <{PROBE}>")
        return found

    if name.startswith("api+") or name == "embedded":
        client: httpx.Client = TestClient(create_app(store=store))
        yield Target(name, client, "/sparql", graphs, g1_triples, True, probe)
    else:
        assert engine_url is not None
        with httpx.Client(timeout=ENGINE_TIMEOUT) as client:
            yield Target(name, client, engine_url, graphs, g1_triples, False, probe)


# -- readers for each result format (strict: what the recommendations define) ----------------
Row = dict[str, rdflib.term.Node]


def _json_term(b: dict[str, str]) -> rdflib.term.Node:
    kind = b["type"]
    if kind == "uri":
        return URIRef(b["value"])
    if kind == "bnode":
        return BNode(b["value"])
    if kind == "literal":
        return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))
    raise ValueError(f"JSON term type {kind!r}")  # e.g. SPARQL 1.0's "typed-literal"


def read_json(body: bytes) -> list[Row]:
    doc = json.loads(body)
    return [{k: _json_term(v) for k, v in b.items()} for b in doc["results"]["bindings"]]


SRX = "{http://www.w3.org/2005/sparql-results#}"


def read_xml(body: bytes) -> list[Row]:
    root = ET.fromstring(body)
    rows = []
    for result in root.iter(SRX + "result"):
        row: Row = {}
        for binding in result.findall(SRX + "binding"):
            term = binding[0]
            if term.tag == SRX + "uri":
                row[binding.get("name", "")] = URIRef(term.text or "")
            elif term.tag == SRX + "bnode":
                row[binding.get("name", "")] = BNode(term.text or "")
            else:
                lang = term.get("{http://www.w3.org/XML/1998/namespace}lang")
                row[binding.get("name", "")] = Literal(
                    term.text or "", lang=lang, datatype=term.get("datatype")
                )
        rows.append(row)
    return rows


def read_csv(body: bytes) -> list[dict[str, str]]:
    """CSV carries no types: every value is its string form; unbound is empty."""
    return [{k: v for k, v in r.items() if v} for r in csv.DictReader(io.StringIO(body.decode("utf-8")))]


def read_tsv(body: bytes) -> list[Row]:
    lines = body.decode("utf-8").rstrip("\n").split("\n")
    header = [v.removeprefix("?") for v in lines[0].split("\t")]
    return [{k: from_n3(v) for k, v in zip(header, line.split("\t"), strict=True) if v} for line in lines[1:]]


def same_rows(got: list, expected: list) -> str:
    return "ok" if got == expected else "rows differ"


def outcome(r: httpx.Response | None, mtype: str, read: Callable[[bytes], str]) -> str:
    if r is None:
        return NO_ANSWER
    if r.status_code != 200:
        return str(r.status_code)
    ctype = r.headers.get("content-type", "").split(";")[0].strip()
    if ctype != mtype:
        return f"content-type {ctype}"
    try:
        return read(r.content)
    except Exception as exc:  # the outcome names what would not parse
        return f"unparseable: {exc}"[:80]


# -- §2.1.1-§2.1.3: query via GET, POST form, POST direct ------------------------------------
def test_query_operation(target: Target) -> None:
    """The same query three ways; no typed literal in it, so that a target's JSON quirks (below)
    do not hide whether the operation itself works."""
    query = SELECT.replace("SELECT ?s ?label ?amount", "SELECT ?s ?label")
    expected = [{k: v for k, v in row.items() if k != "amount"} for row in EXPECTED_ROWS]
    read = lambda b: same_rows(read_json(b), expected)  # noqa: E731
    judge(
        target,
        {
            check: outcome(target.request(method, query), RESULTS["json"], read)
            for check, method in (("get", "get"), ("post-form", "form"), ("post-direct", "direct"))
        },
    )


# -- §2.1.4: the RDF dataset -------------------------------------------------------------------
DOCS = f"SELECT DISTINCT ?d WHERE {{ ?d a <{BKG}BudgetDocument> }}"
# Only the document graphs hold a bkg:BudgetDocument: the answer stays small and quick even where
# every graph of the server (Virtuoso's system graphs too) is a named graph.
NAMED = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?d a <{BKG}BudgetDocument> }} }}"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def graphs_answer(target: Target, r: httpx.Response | None) -> str:
    """The graphs (or documents) a one-column answer names, as G1, G2, G1+G2 or none."""
    return outcome(
        r,
        RESULTS["json"],
        lambda body: target.label([str(next(iter(row.values()))) for row in read_json(body)]),
    )


def test_default_graph_uri(target: Target) -> None:
    """§2.1.4: the default graph is the RDF merge of the graphs named, and there are no named
    graphs unless named-graph-uri names some; by each of the three operations."""
    g1, g2 = target.graphs
    one = [("default-graph-uri", g1)]
    # In XML, which every target writes as specified, so the count is what is checked here.
    count = target.request("get", COUNT, dataset=one, accept=RESULTS["xml"])
    counted = outcome(
        count,
        RESULTS["xml"],
        lambda b: "ok" if (n := int(str(read_xml(b)[0]["n"]))) == target.g1_triples else f"{n} triples",
    )
    judge(
        target,
        {
            "default-graph-uri": graphs_answer(target, target.request("get", DOCS, dataset=one)),
            "default-graph-uri post-form": graphs_answer(target, target.request("form", DOCS, dataset=one)),
            "default-graph-uri post-direct": graphs_answer(
                target, target.request("direct", DOCS, dataset=one)
            ),
            "default-graph-uri triples": counted,
            "default-graph-uri twice": graphs_answer(
                target, target.request("get", DOCS, dataset=[*one, ("default-graph-uri", g2)])
            ),
            "default-graph-uri: no named graphs": graphs_answer(
                target, target.request("get", NAMED, dataset=one)
            ),
        },
    )


def test_named_graph_uri(target: Target) -> None:
    """§2.1.4: GRAPH ?g ranges over the named graphs given, and the default graph is empty."""
    two = [("named-graph-uri", target.graphs[1])]
    judge(
        target,
        {
            "named-graph-uri": graphs_answer(target, target.request("get", NAMED, dataset=two)),
            "named-graph-uri: empty default graph": graphs_answer(
                target, target.request("get", DOCS, dataset=two)
            ),
        },
    )


def test_protocol_dataset_wins_over_the_query(target: Target) -> None:
    """§2.1.4: "If an RDF Dataset is specified in both the protocol request and the SPARQL query
    string, then the SPARQL service must execute the query using the RDF Dataset given in the
    protocol request"; without the protocol's, the query's FROM counts (SPARQL 1.1 Query §13.2)."""
    g1, g2 = target.graphs
    from_g2 = DOCS.replace("WHERE", f"FROM <{g2}> WHERE")
    from_named_g1 = NAMED.replace("WHERE", f"FROM NAMED <{g1}> WHERE")
    judge(
        target,
        {
            "protocol over FROM": graphs_answer(
                target, target.request("get", from_g2, dataset=[("default-graph-uri", g1)])
            ),
            "protocol over FROM NAMED": graphs_answer(
                target, target.request("get", from_named_g1, dataset=[("named-graph-uri", g2)])
            ),
            "FROM without protocol dataset": graphs_answer(target, target.request("get", from_g2)),
        },
    )


# -- §2.1.5 and the result formats: every media type, parsed -----------------------------------
def _select_reader(fmt: str) -> Callable[[bytes], str]:
    if fmt == "csv":
        expected = [{k: str(v) for k, v in row.items()} for row in EXPECTED_ROWS]
        return lambda b: same_rows(read_csv(b), expected)
    read = {"json": read_json, "xml": read_xml, "tsv": read_tsv}[fmt]
    return lambda b: same_rows(read(b), EXPECTED_ROWS)


def _boolean(fmt: str, body: bytes) -> str:
    if fmt == "json":
        value = json.loads(body).get("boolean")
        return str(value) if isinstance(value, bool) else "no boolean"
    found = ET.fromstring(body).find(SRX + "boolean")
    return (
        {"true": "True", "false": "False"}.get((found.text or "").strip(), "no boolean")
        if found is not None
        else "no boolean"
    )


def test_select_and_ask_media_types(target: Target) -> None:
    """SELECT in the four result formats; ASK (true and false) in the two that have a boolean
    form (SPARQL 1.1 Query Results CSV and TSV Formats cover SELECT only)."""
    outcomes = {
        f"select {fmt}": outcome(target.request("get", SELECT, accept=mtype), mtype, _select_reader(fmt))
        for fmt, mtype in RESULTS.items()
    }
    for fmt in ("json", "xml"):
        answers = [
            outcome(
                target.request("get", f"ASK {{ {VALUES} FILTER(?s = <{s}>) }}", accept=RESULTS[fmt]),
                RESULTS[fmt],
                functools.partial(_boolean, fmt),
            )
            for s in ("urn:x:b", "urn:x:c")
        ]
        outcomes[f"ask {fmt}"] = "ok" if answers == ["True", "False"] else " / ".join(answers)
    judge(target, outcomes)


def _graph_reader(syntax: str, check: Callable[[rdflib.Graph], bool]) -> Callable[[bytes], str]:
    def read(body: bytes) -> str:
        g = rdflib.Graph().parse(data=body, format=syntax)
        return "ok" if check(g) else f"graph differs ({len(g)} triples)"

    return read


def test_construct_and_describe_media_types(target: Target) -> None:
    """CONSTRUCT gives exactly the graph expected (blank nodes by isomorphism). DESCRIBE's graph
    is the service's choice (SPARQL 1.1 Query §16.4): it must parse and describe the resource,
    G1's document, a bkg:BudgetDocument."""
    want = expected_graph()
    g1 = target.graphs[0]
    found = (URIRef(g1), RDF_TYPE, URIRef(BKG + "BudgetDocument"))
    outcomes = {}
    for fmt, (mtype, syntax) in GRAPHS.items():
        r = target.request("get", CONSTRUCT, accept=mtype)
        outcomes[f"construct {fmt}"] = outcome(r, mtype, _graph_reader(syntax, lambda g: isomorphic(g, want)))
        r = target.request("get", f"DESCRIBE <{g1}>", dataset=[("default-graph-uri", g1)], accept=mtype)
        outcomes[f"describe {fmt}"] = outcome(r, mtype, _graph_reader(syntax, lambda g: found in g))
    judge(target, outcomes)


# -- §2.1.7 and the request rules: status codes ------------------------------------------------
def _status(r: httpx.Response | None) -> str:
    return NO_ANSWER if r is None else str(r.status_code)


SD = URIRef("http://www.w3.org/ns/sparql-service-description#Service")


def _no_query(r: httpx.Response | None) -> str:
    """A GET without a query: its status, or "service description" when it is one."""
    if r is None or r.status_code != 200:
        return _status(r)
    ctype = r.headers.get("content-type", "").split(";")[0].strip()
    try:
        g = rdflib.Graph().parse(data=r.content, format=ctype)
    except Exception:  # not RDF: the outcome says what it was
        return f"200 {ctype}"
    return "service description" if (None, RDF_TYPE, SD) in g else f"200 {ctype}"


def test_malformed_query_is_400_with_an_explanation(target: Target) -> None:
    r = target.request("get", "SELEKT ?x WHERE { ?x ?y ?z }")
    judge(target, {"malformed query": _status(r)})
    assert r is not None and r.content.strip(), "a failure must say why (§2.1.7)"
    if target.ours:
        assert r.json()["error"]["title"] == "Malformed query"


def test_updates_are_not_run_through_the_query_operation(target: Target) -> None:
    """An update is no legal query (§2.1.7: 400) and never goes by GET (§2.2.1); our endpoint
    refuses with 403. Whatever the code, the update must not have happened."""
    outcomes = {}
    for check, kwargs in (
        ("update as query", {"params": {"query": UPDATE}}),
        ("update via GET", {"params": {"update": UPDATE}}),
        ("query and update", {"data": {"query": SELECT, "update": UPDATE}}),
    ):
        r = target.send("POST" if "data" in kwargs else "GET", headers={"Accept": RESULTS["json"]}, **kwargs)
        outcomes[check] = _status(r) + (" (and ran it)" if target.probe() else "")
    judge(target, outcomes)


def test_request_rules(target: Target) -> None:
    """The W3C protocol tests bad_query_method, bad_multiple_queries, bad_query_wrong_media_type,
    bad_query_missing_form_type and bad_query_non_utf8 (all "4XX"), and a GET without a query."""
    json_only = {"Accept": RESULTS["json"]}
    form_body = str(httpx.QueryParams({"query": SELECT})).encode()
    utf16 = {"Content-Type": "application/sparql-query; charset=UTF-16", **json_only}
    outcomes = {
        "missing query": _no_query(target.send("GET", headers={"Accept": "*/*"})),
        "two queries": _status(
            target.send("GET", params=[("query", SELECT), ("query", "ASK {}")], headers=json_only)
        ),
        "method PUT": _status(target.send("PUT", params={"query": SELECT}, headers=json_only)),
        "POST text/plain": _status(
            target.send("POST", content=SELECT.encode(), headers={"Content-Type": "text/plain", **json_only})
        ),
        # A form-encoded body without its Content-Type.
        "POST without content type": _status(target.send("POST", content=form_body, headers=json_only)),
        "POST direct UTF-16": _status(target.send("POST", content=SELECT.encode("utf-16"), headers=utf16)),
    }
    judge(target, outcomes)


def test_accept_that_cannot_be_met(target: Target) -> None:
    r = target.request("get", SELECT, accept="image/png")
    code = _status(r)
    if r is not None and r.status_code == 200:  # answering anyway is allowed, in a results format
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        code += "" if ctype in RESULTS.values() else f" ({ctype})"
    judge(target, {"Accept unsupported": code})


# -- the table kept true -----------------------------------------------------------------------
def test_deviation_table_is_consistent() -> None:
    """An entry is a real deviation: an outcome the recommendation (or, for our endpoint, our
    design) does not allow, with the reason."""
    for (name, check), (observed, why) in DEVIATIONS.items():
        assert name in TARGETS and check in CONFORMS and why, (name, check)
        ours = name == "embedded" or name.startswith("api+")
        allowed = {OURS[check]} if ours and check in OURS else CONFORMS[check]
        assert observed not in allowed, f"{name} / {check}: {observed!r} is allowed; no deviation"


def test_readme_lists_the_deviations() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Protocol conformance", 1)[1].split("\n## ", 1)[0]
    rows = {line for line in section.splitlines() if line.startswith("| `")}
    listed = {
        f"| `{name}` | {check} | `{observed}` | {why} |"
        for (name, check), (observed, why) in DEVIATIONS.items()
    }
    assert listed == rows, f"README: {sorted(rows - listed)} extra, {sorted(listed - rows)} missing"
