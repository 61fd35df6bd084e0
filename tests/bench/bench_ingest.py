"""`make bench`: ingest N generated documents, stage by stage, against an rdflib baseline.

Stages, each timed over the whole corpus:
  generate   budgetkg synth (not part of ingest; reported for context)
  parse      bytes → records
  map        records → quads (JSON-LD context, pyoxigraph's parser)
  load       quads → store, one transaction per document (replace the document's graph)
             * pyoxigraph on disk (budgetkg's store)
             * rdflib in-memory Dataset (baseline: remove the graph, add the triples)
  validate   SHACL per document (pySHACL on an in-memory pyoxigraph store)

Each load is repeated --repeat times on a fresh store and the median is quoted; the two engines
alternate within a repetition so machine noise hits both. Each engine's load runs in its own
subprocess so peak RSS is its own. Results go to stdout (markdown) and --json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from budgetkg.loader.ingest import ingest as _ingest
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate
from budgetkg.loader.validate import validate_document
from budgetkg.mappings.mapper import map_document

INGEST_BATCH_QUADS = _ingest.__kwdefaults__["batch_quads"]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _nquads_per_doc(corpus: Path) -> list[tuple[str, bytes]]:
    """Parse + map once (timed by the caller), kept as N-Quads bytes to hand to subprocesses."""
    out = []
    for f in sorted(corpus.glob("*.txt")):
        mapped = map_document(parse_bytes(f.read_bytes(), f.name))
        data = "".join(f"{q} .\n" for q in mapped.quads()).encode("utf-8")
        out.append((mapped.doc_iri, data))
    return out


def _load_oxigraph(docs: list[tuple[str, bytes]], queue: mp.Queue, bulk: bool) -> None:
    # RocksDB's background threads may still be closing files when the block ends.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        store = GraphStore(Path(tmp) / "store")
        parsed = [(iri, list(ox.parse(data, format=ox.RdfFormat.N_QUADS))) for iri, data in docs]
        t0 = time.perf_counter()
        if bulk:  # what `budgetkg ingest` does with documents new to the store
            batch: list[tuple[str, list[ox.Quad]]] = []
            size = 0
            for iri, quads in parsed:
                batch.append((iri, quads))
                size += len(quads)
                if size >= INGEST_BATCH_QUADS:
                    store.write_documents(batch)
                    batch, size = [], 0
            store.write_documents(batch)
        else:  # re-ingest: one transaction per document
            for iri, quads in parsed:
                store.replace_document(iri, quads)
        store.flush()
        elapsed = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "store").rglob("*") if p.is_file())
        queue.put({"seconds": elapsed, "rss_mib": _rss_mib(), "disk_mib": size / 2**20, "quads": len(store)})
        del store


def _load_rdflib(docs: list[tuple[str, bytes]], queue: mp.Queue, _bulk: bool = False) -> None:
    import rdflib

    ds = rdflib.Dataset()
    parsed = []
    for iri, data in docs:
        # Conversion to rdflib terms is not what we time: give the baseline ready-made terms too.
        tmp = rdflib.Dataset()
        tmp.parse(data=data, format="nquads")
        graphs = {}
        rows = []
        for s, p, o, g in tmp.quads():
            name = str(getattr(g, "identifier", g))
            if name not in graphs:
                graphs[name] = ds.graph(rdflib.URIRef(name))
            rows.append((s, p, o, graphs[name]))
        parsed.append((iri, rows))
    t0 = time.perf_counter()
    for iri, quads in parsed:
        ds.remove_graph(rdflib.URIRef(iri))
        ds.addN(quads)
    elapsed = time.perf_counter() - t0
    queue.put({"seconds": elapsed, "rss_mib": _rss_mib(), "quads": len(ds)})


def _in_subprocess(fn, docs, bulk=False):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=fn, args=(docs, queue, bulk))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _rate(quads: int, docs: int, seconds: float) -> str:
    return f"{quads / seconds:,.0f} quads/s, {docs / seconds:,.1f} docs/s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--validate-sample", type=int, default=0, help="validate only the first K documents (0: all)"
    )
    ap.add_argument("--json", type=Path, default=Path(".budgetkg/bench/ingest.json"))
    args = ap.parse_args(argv)

    results: dict[str, object] = {"n": args.n, "seed": args.seed, "repeat": args.repeat}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        t0 = time.perf_counter()
        generate(args.n, args.seed, corpus)
        results["generate_s"] = time.perf_counter() - t0

        files = sorted(corpus.glob("*.txt"))
        blobs = [(f.name, f.read_bytes()) for f in files]
        t0 = time.perf_counter()
        parsed = [parse_bytes(data, name) for name, data in blobs]
        results["parse_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        mapped = [map_document(doc) for doc in parsed]
        quads = [m.quads() for m in mapped]
        results["map_s"] = time.perf_counter() - t0
        total_quads = sum(len(q) for q in quads)
        results["quads"] = total_quads
        docs = [
            (m.doc_iri, "".join(f"{q} .\n" for q in qs).encode("utf-8"))
            for m, qs in zip(mapped, quads, strict=True)
        ]
        del parsed, quads

        ox_runs, tx_runs, rdf_runs = [], [], []
        for _ in range(args.repeat):
            ox_runs.append(_in_subprocess(_load_oxigraph, docs, True))
            tx_runs.append(_in_subprocess(_load_oxigraph, docs, False))
            rdf_runs.append(_in_subprocess(_load_rdflib, docs))
        results["load_oxigraph_bulk"] = ox_runs
        results["load_oxigraph_transactional"] = tx_runs
        results["load_rdflib"] = rdf_runs

        # Validation on the real store, document by document, as `budgetkg ingest` does it.
        store = GraphStore(Path(tmp) / "vstore")
        for iri, data in docs:
            store.replace_document(iri, list(ox.parse(data, format=ox.RdfFormat.N_QUADS)))
        sample = [iri for iri, _ in docs][: args.validate_sample or None]
        per_doc = []
        violations = 0
        for iri in sample:
            t0 = time.perf_counter()
            report = validate_document(store, iri)
            per_doc.append(time.perf_counter() - t0)
            violations += report.count("Violation")
        results["validate_per_doc_s"] = per_doc
        results["validate_violations"] = violations
    results["peak_rss_main_mib"] = _rss_mib()

    n = args.n
    ox_s = statistics.median(r["seconds"] for r in ox_runs)
    tx_s = statistics.median(r["seconds"] for r in tx_runs)
    rdf_s = statistics.median(r["seconds"] for r in rdf_runs)
    val_med = statistics.median(per_doc)
    val_total = sum(per_doc) * n / len(per_doc)
    end_to_end = results["parse_s"] + results["map_s"] + ox_s + val_total  # type: ignore[operator]
    rows = [
        ("generate (synth, context only)", results["generate_s"], ""),
        ("parse", results["parse_s"], f"{n / results['parse_s']:.0f} docs/s"),  # type: ignore[operator]
        ("map (records → quads)", results["map_s"], f"{total_quads / results['map_s']:.0f} quads/s"),  # type: ignore[operator]
        (
            "load: pyoxigraph on disk, batched bulk load (new documents; median)",
            ox_s,
            _rate(total_quads, n, ox_s),
        ),
        (
            "load: pyoxigraph on disk, one transaction per document (re-ingest; median)",
            tx_s,
            _rate(total_quads, n, tx_s),
        ),
        ("load: rdflib Dataset in memory (baseline; median)", rdf_s, _rate(total_quads, n, rdf_s)),
        (
            f"validate: pySHACL per document (median {val_med * 1000:.0f} ms)",
            val_total,
            f"{1 / val_med:.1f} docs/s",
        ),
        ("end to end: parse + map + load + validate", end_to_end, f"{n / end_to_end:.1f} docs/s"),
    ]
    print(
        f"\n{n} generated documents (seed {args.seed}), {total_quads} quads, {args.repeat} load repetitions\n"
    )
    print("| stage | seconds | throughput |\n|---|---:|---|")
    for name, secs, rate in rows:
        print(f"| {name} | {secs:.2f} | {rate} |")
    print(
        f"\nload speed-up vs rdflib (ratio of medians): bulk {rdf_s / ox_s:.1f}×, "
        f"transactional {rdf_s / tx_s:.1f}×"
    )
    print(
        f"peak RSS: pyoxigraph load {statistics.median(r['rss_mib'] for r in ox_runs):.0f} MiB, "
        f"rdflib load {statistics.median(r['rss_mib'] for r in rdf_runs):.0f} MiB, "
        f"main process (parse, map, validate) {results['peak_rss_main_mib']:.0f} MiB; "
        f"store on disk {statistics.median(r['disk_mib'] for r in ox_runs):.0f} MiB"
    )
    print(f"validation: {violations} violations over {len(per_doc)} documents")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"raw results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
