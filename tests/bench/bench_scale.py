"""`make bench-scale` (issue #5): how ingest, bulk loads and the named queries grow with the corpus.

For each corpus size (generated documents, generator seed 2026):
  ingest      `budgetkg ingest --jobs J` as a subprocess, for each J: wall time, docs/s, quads/s,
              peak RSS of the whole process tree (sampled), store size on disk
  validate    SHACL per document, timed in-process on a sample of the corpus
  shards      `budgetkg export --format nquads --shards S` of the ingested store
  bulk load   `budgetkg push --bulk` into a fresh Oxigraph location and a fresh Virtuoso 7
  queries     every named query (defaults) on embedded pyoxigraph, rdflib in memory (the baseline;
              only up to --rdflib-max documents, default 50: at 300 its first query took over 30 s),
              Oxigraph server and Virtuoso, all on the same data in the same run: median of
              --repeat runs after one warm-up.

Results go to stdout (markdown) and --json. Nothing here is asserted: it measures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import rdflib

from budgetkg import queries
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.store import GraphStore, open_store
from budgetkg.loader.synth import generate
from budgetkg.loader.validate import validate_document
from budgetkg.mappings.mapper import map_document
from tests.servers import Engine, oxigraph_server, virtuoso_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BUDGETKG = str(BIN / "budgetkg")


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class TreeRSS:
    """Peak resident memory of a process and all its children, sampled every 0.2 s: ru_maxrss
    would give only the largest single process, not what a process pool costs together."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, rss)
            except psutil.Error:
                return
            self._stop.wait(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def _run_measured(cmd: list[str], log: Path) -> tuple[float, float]:
    """Run a command, return (wall seconds, peak tree RSS MiB); its output goes to ``log``."""
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        rss = TreeRSS(proc.pid)
        rc = proc.wait()
        wall = time.perf_counter() - t0
        peak = rss.stop()
    if rc:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(cmd[:3])} … failed (exit {rc}):\n{tail}")
    return wall, peak


def corpus(work: Path, n: int, seed: int) -> Path:
    out = work / f"corpus-{n}-{seed}"
    if not (out / ".complete").exists():
        shutil.rmtree(out, ignore_errors=True)
        generate(n, seed, out)
        (out / ".complete").touch()
    return out


def bench_ingest(docs: Path, store: Path, jobs: int, log: Path) -> dict:
    shutil.rmtree(store, ignore_errors=True)
    cmd = [BUDGETKG, "ingest", "-q", "--store", str(store), "--jobs", str(jobs), str(docs)]
    wall, peak = _run_measured(cmd, log)
    summary = next(line for line in log.read_text().splitlines() if line.startswith("total:"))
    n_ok = int(summary.split()[1])
    quads = int(summary.split(" triples in ")[0].rsplit(" ", 1)[1])
    return {
        "jobs": jobs,
        "documents": n_ok,
        "seconds": wall,
        "docs_per_s": n_ok / wall,
        "quads": quads,
        "quads_per_s": quads / wall,
        "peak_rss_mib": peak,
        "store_mib": _du(store) / 2**20,
        "summary": summary,
    }


def bench_validate(docs: Path, sample: int) -> dict:
    """Validation alone, per document, on an evenly spaced sample (in memory, like ingest does)."""
    files = sorted(docs.glob("*.txt"))
    step = max(1, len(files) // sample)
    times = []
    for f in files[::step][:sample]:
        store = GraphStore(None)
        mapped = map_document(parse_bytes(f.read_bytes(), f.name))
        store.write_documents([(mapped.doc_iri, mapped.quads())])
        t0 = time.perf_counter()
        validate_document(store, mapped.doc_iri)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"sample": len(times), "median_ms": med * 1000, "estimated_total_s": med * len(files)}


def shards(store: Path, out: Path, n: int, log: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        BUDGETKG,
        "export",
        "--store",
        str(store),
        "--format",
        "nquads",
        "--shards",
        str(n),
        "-o",
        str(out),
    ]
    wall, _ = _run_measured(cmd, log)
    return {"shards": n, "seconds": wall, "mib": _du(out) / 2**20}


# --- bulk loads -------------------------------------------------------------------------------


def push_oxigraph(shard_dir: Path, location: Path, log: Path) -> dict:
    shutil.rmtree(location, ignore_errors=True)
    cmd = [BUDGETKG, "push", "--bulk", "--engine", "oxigraph", "--location", str(location), str(shard_dir)]
    wall, _ = _run_measured(cmd, log)
    return {"seconds": wall, "store_mib": _du(location) / 2**20}


def push_virtuoso(shard_dir: Path, server: Engine, log: Path) -> dict:
    cmd = [
        BUDGETKG, "push", "--bulk", "--engine", "virtuoso", "--isql", str(server.sql),
        "--user", "dba", "--password-env", "BENCH_VIRTUOSO_PASSWORD", str(shard_dir),
    ]  # fmt: skip
    os.environ["BENCH_VIRTUOSO_PASSWORD"] = "dba"
    wall, _ = _run_measured(cmd, log)
    return {"seconds": wall, "store_mib": _du(server.home) / 2**20 if server.home else None}


VIRTUOSO_BUFFERS = 340_000  # 8 KiB pages: ≈ 2.6 GiB of cache, Virtuoso's sample ini for 4 GiB+ machines

# --- queries ----------------------------------------------------------------------------------


def _rdflib_worker(shard_dir: Path, conn) -> None:
    ds = rdflib.Dataset(default_union=True)
    for f in sorted(shard_dir.glob("*.nq.gz")):
        with gzip.open(f, "rb") as fh:
            ds.parse(fh, format="nquads")
    conn.send("loaded")
    while (name := conn.recv()) is not None:
        conn.send(len(list(ds.query(queries.render(name)))))


class RdflibBaseline:
    """rdflib's in-memory Dataset in a worker process: some named queries take minutes there, and
    a thread cannot be stopped, so a query past ``timeout`` kills the worker (recorded as a
    timeout) and a fresh one is loaded for the next query."""

    def __init__(self, shard_dir: Path, timeout: float) -> None:
        self.shard_dir, self.timeout = shard_dir, timeout
        self.proc: mp.Process | None = None
        self.load_seconds: list[float] = []

    def _start(self) -> None:
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(target=_rdflib_worker, args=(self.shard_dir, child))
        t0 = time.perf_counter()
        self.proc.start()
        if self.conn.recv() != "loaded":
            raise RuntimeError("rdflib worker did not load")
        self.load_seconds.append(time.perf_counter() - t0)

    def ready(self) -> None:
        if self.proc is None:
            self._start()

    def __call__(self, name: str) -> int:
        self.ready()
        self.conn.send(name)
        if not self.conn.poll(self.timeout):
            self.close()
            raise TimeoutError(f"over {self.timeout:.0f} s")
        return self.conn.recv()

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.proc = None


def time_queries(label: str, run, repeat: int, *, warm_up: bool = True) -> dict[str, dict]:
    out = {}
    for q in queries.list_queries():
        try:
            rows = run(q.name) if warm_up else None  # and the row count
            times = []
            for _ in range(repeat):
                getattr(run, "ready", lambda: None)()  # a baseline's reload is not query time
                t0 = time.perf_counter()
                rows = run(q.name)
                times.append(time.perf_counter() - t0)
            out[q.name] = {"median_ms": statistics.median(times) * 1000, "rows": rows}
        except Exception as exc:  # one engine failing one query is a result, not the end of the run
            out[q.name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        print(f"  {label:10} {q.name:32} {out[q.name]}", flush=True)
    return out


def _store_runner(store):
    return lambda name: len(queries.run(store, name).rows)


# --- report -----------------------------------------------------------------------------------


def _cell(r: dict | None, timeout: float) -> str:
    if r is None:
        return "—"
    if "TimeoutError" in r.get("error", ""):
        return f"> {timeout * 1000:.0f}"
    return "error" if "error" in r else f"{r['median_ms']:.0f}"


def markdown(results: dict) -> str:
    out = []
    out.append("| documents | jobs | wall s | docs/s | quads | quads/s | peak RSS MiB | store MiB |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in results["sizes"]:
        for r in size["ingest"]:
            out.append(
                f"| {size['n']} | {r['jobs']} | {r['seconds']:.0f} | {r['docs_per_s']:.2f} | {r['quads']:,} "
                f"| {r['quads_per_s']:,.0f} | {r['peak_rss_mib']:.0f} | {r['store_mib']:.0f} |"
            )
    out.append("")
    out.append(
        "| documents | validation ms/doc (median of a sample) | shards s "
        "| Oxigraph bulk load s | Virtuoso bulk load s |"
    )
    out.append("|---:|---:|---:|---:|---:|")
    for size in results["sizes"]:
        v, sh = size.get("validate", {}), size.get("shards", {})
        ox, vi = size.get("push_oxigraph", {}), size.get("push_virtuoso", {})
        out.append(
            f"| {size['n']} | {v.get('median_ms', float('nan')):.0f} (n={v.get('sample', 0)}) "
            f"| {sh.get('seconds', float('nan')):.0f} | {ox.get('seconds', float('nan')):.0f} "
            f"| {vi.get('seconds', float('nan')):.0f} |"
        )
    out.append("")
    engines = ["embedded", "rdflib", "oxigraph", "virtuoso"]
    for size in results["sizes"]:
        out.append(f"Named queries, median ms over {results['repeat']} runs, {size['n']} documents:")
        out.append("")
        out.append("| query | " + " | ".join(engines) + " | rdflib / embedded |")
        out.append("|---|" + "---:|" * (len(engines) + 1))
        for q in queries.list_queries():
            cells = []
            for e in engines:
                cells.append(_cell(size["queries"].get(e, {}).get(q.name), results["rdflib_timeout"]))
            emb = size["queries"].get("embedded", {}).get(q.name, {})
            rdf = size["queries"].get("rdflib", {}).get(q.name, {})
            ratio = "—"
            if emb.get("median_ms") and "median_ms" in rdf:
                ratio = f"{rdf['median_ms'] / emb['median_ms']:.0f}×"
            elif emb.get("median_ms") and "TimeoutError" in rdf.get("error", ""):
                ratio = f"> {results['rdflib_timeout'] * 1000 / emb['median_ms']:.0f}×"
            out.append(f"| {q.name} | " + " | ".join(cells) + f" | {ratio} |")
        out.append("")
    return "\n".join(out)


def load_phase(args: argparse.Namespace, size: dict, docs: Path, run: Path, jobs: list[int], engines) -> None:
    """Ingest (each --jobs), validation sample, shards, bulk loads; leaves the stores in ``run``."""
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    n = size["n"]
    size["ingest"] = []
    for j in sorted(jobs):
        if j != max(jobs) and n > args.jobs_max_size:
            continue
        r = bench_ingest(docs, run / "store", j, run / f"ingest-{j}.log")
        print(f"  ingest --jobs {j}: {r['summary']} ({r['seconds']:.0f} s wall)", flush=True)
        size["ingest"].append(r)
    size["validate"] = bench_validate(docs, args.validate_sample)
    print(f"  validate: {size['validate']}", flush=True)
    # Virtuoso's bulk loader reads only inside DirsAllowed: its home, so the shards go there.
    (run / "virtuoso").mkdir()
    shard_dir = run / "virtuoso" / "shards"
    size["shards"] = shards(run / "store", shard_dir, args.shards, run / "shards.log")
    if "oxigraph" in engines:
        (run / "oxigraph").mkdir()
        size["push_oxigraph"] = push_oxigraph(shard_dir, run / "oxigraph" / "db", run / "push-oxigraph.log")
        print(f"  push oxigraph: {size['push_oxigraph']}", flush=True)
    if "virtuoso" in engines:
        # 4 GiB of page cache, as Virtuoso's sample ini suggests for a machine this size.
        with virtuoso_server(run / "virtuoso", buffers=VIRTUOSO_BUFFERS) as server:
            size["push_virtuoso"] = push_virtuoso(shard_dir, server, run / "push-virtuoso.log")
        print(f"  push virtuoso: {size['push_virtuoso']}", flush=True)


def query_phase(args: argparse.Namespace, size: dict, run: Path, engines) -> None:
    """Every named query on each engine, over what the load phase left in ``run``."""
    size["queries"] = {}
    size["queries_measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    if "embedded" in engines:
        emb = open_store(str(run / "store"), read_only=True)
        size["queries"]["embedded"] = time_queries("embedded", _store_runner(emb), args.repeat)
        del emb
    if "rdflib" in engines and size["n"] <= args.rdflib_max:
        baseline = RdflibBaseline(run / "virtuoso" / "shards", args.rdflib_timeout)
        try:
            size["queries"]["rdflib"] = time_queries("rdflib", baseline, args.rdflib_repeat, warm_up=False)
        finally:
            baseline.close()
        size["rdflib_load_s"] = baseline.load_seconds
    if "oxigraph" in engines:
        with oxigraph_server(run / "oxigraph", run / "oxigraph" / "db") as server:
            remote = open_store(server.url(), read_only=True)
            size["queries"]["oxigraph"] = time_queries("oxigraph", _store_runner(remote), args.repeat)
    if "virtuoso" in engines:
        with virtuoso_server(run / "virtuoso", buffers=VIRTUOSO_BUFFERS) as server:
            remote = open_store(server.url(), read_only=True)
            size["queries"]["virtuoso"] = time_queries("virtuoso", _store_runner(remote), args.repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--jobs", default="1,2", help="ingest --jobs values to time")
    ap.add_argument(
        "--jobs-max-size", type=int, default=1000, help="jobs other than the largest only up to this size"
    )
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--rdflib-max", type=int, default=50, help="rdflib baseline only up to this size")
    ap.add_argument("--rdflib-timeout", type=float, default=30, help="seconds per rdflib query")
    ap.add_argument("--rdflib-repeat", type=int, default=1)
    ap.add_argument("--validate-sample", type=int, default=60)
    ap.add_argument("--engines", default="embedded,rdflib,oxigraph,virtuoso")
    ap.add_argument("--work", type=Path, default=ROOT / ".budgetkg" / "bench-scale")
    ap.add_argument("--json", type=Path, default=None, help="results file (a later phase adds to it)")
    ap.add_argument(
        "--phase",
        choices=("all", "load", "queries"),
        default="all",
        help="load: ingest, validation, shards, bulk loads (kept under --work); queries: time the "
        "named queries on what a load phase left",
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [int(j) for j in args.jobs.split(",")]
    engines = set(args.engines.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": load,
        },
        "repeat": args.repeat,
        "rdflib_timeout": args.rdflib_timeout,
        "seed": args.seed,
        "sizes": [],
    }
    if args.json and args.json.exists():  # one phase adds to what another phase measured
        previous = json.loads(args.json.read_text())
        results["sizes"] = previous.get("sizes", [])
        results["machine"]["earlier_phases"] = previous.get("machine")
    for n in sizes:
        print(f"== {n} documents", flush=True)
        size = next((s for s in results["sizes"] if s["n"] == n), None)
        if size is None:
            size = {"n": n, "ingest": [], "queries": {}}
            results["sizes"].append(size)
        run_dir = args.work / f"run-{n}-{args.seed}"
        if args.phase in ("all", "load"):
            load_phase(args, size, corpus(args.work, n, args.seed), run_dir, jobs, engines)
        if args.phase in ("all", "queries"):
            query_phase(args, size, run_dir, engines)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    results["machine"]["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(markdown(results))


if __name__ == "__main__":
    main()
