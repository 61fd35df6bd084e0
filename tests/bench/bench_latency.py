"""`make bench-latency`: API latency under concurrent clients, against rdflib-endpoint (issue #4).

What it measures, on the seeds plus N generated documents (store built once per N and seed under
``.budgetkg/bench/latency-n{N}-s{seed}/`` and reused):

  lookup        GET /projects/{id}/legal-bases on `budgetkg serve`, cycling over real project ids
                taken from GET /projects (spread over the whole list, not one id)
  named         GET /queries/{name} on `budgetkg serve`, default parameters
  sparql        the same query text (``budgetkg.queries.render(name)``) POSTed to our /sparql
  rdflib        that text POSTed to rdflib-endpoint's /sparql, serving `budgetkg export` of the
                same store (the peer: rdflib's in-memory Dataset, default graph = union)

The load tool is the closed-loop driver below (asyncio + httpx, both already test dependencies):
C clients, each sending its next request as soon as its previous answer is read, for --duration
seconds; requests in flight when the window closes are awaited (up to --timeout) and counted. The
latency of one request is the time from sending it to having read the whole body. wrk (Debian)
would cost less CPU but is not installed by the project and cannot cycle over project ids or
censor in-flight requests without Lua; the driver's own CPU time is recorded so its share of the
2-core machine is visible. Every target runs --repeat times; within a repetition the targets of
one query run back to back (ours, then the peer) so machine noise hits both; figures are medians
over the repetitions. Ratio = rdflib-endpoint p50 / our /sparql p50 (and / /queries p50), per
query, same run.

Requests rdflib-endpoint has not answered after --peer-timeout seconds are abandoned and counted
with their time so far (percentiles and ratios become lower bounds), and its forked server is
restarted; before each of our targets the driver waits (--settle) until our query pool is idle.

Results: a markdown table on stdout, everything raw in --json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from budgetkg import queries

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SPARQL_JSON = "application/sparql-results+json"
TARGETS = {"lookup": "p99", "named": "p95", "sparql": "p95"}  # the percentile each target is judged by
LOOKUP_P99_MS, QUERY_P95_MS, PEER_RATIO = 50.0, 500.0, 5.0


# -- the store and the export ----------------------------------------------------------------------
def _run(cmd: list[str], log: Path) -> None:
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT).returncode
    # ingest exits 1 when a document fails: the store is still usable (the log says which), but
    # a crash before the store exists exits 1 too.
    partial = rc == 1 and cmd[1] == "ingest" and (ROOT / cmd[3]).exists()
    if rc != 0 and not partial:
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}; see {log}")


def build(cache: Path, n: int, seed: int, seeds: Path | None) -> dict[str, Any]:
    """Synthesise, ingest (with validation, as `budgetkg ingest` does by default) and export once;
    ``built.json`` marks a finished build, so an interrupted one starts over."""
    marker = cache / "built.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        info["reused"] = True
        return info
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    log = cache / "build.log"
    budgetkg = str(BIN / "budgetkg")
    t0 = time.perf_counter()
    _run([budgetkg, "synth", "--n", str(n), "--seed", str(seed), "--out", str(cache / "corpus")], log)
    paths = [str(cache / "corpus")] + ([str(seeds)] if seeds else [])
    t1 = time.perf_counter()
    _run([budgetkg, "ingest", "--store", str(cache / "store"), "-q", *paths], log)
    t2 = time.perf_counter()
    _run(
        [
            budgetkg,
            "export",
            "--store",
            str(cache / "store"),
            "--format",
            "nquads",
            "-o",
            str(cache / "export.nq"),
        ],
        log,
    )
    t3 = time.perf_counter()
    with (cache / "export.nq").open("rb") as fh:
        quads = sum(1 for _ in fh)
    info = {
        "n": n,
        "seed": seed,
        "seeds": str(seeds) if seeds else None,
        "quads": quads,
        "synth_s": t1 - t0,
        "ingest_s": t2 - t1,
        "export_s": t3 - t2,
        "ingest_summary": [ln for ln in log.read_text().splitlines() if ln.startswith(("total:", "FAILED"))],
    }
    marker.write_text(json.dumps(info, indent=1))
    info["reused"] = False
    return info


# -- the servers ------------------------------------------------------------------------------------
def ours_app():  # uvicorn --factory target when --workers > 1 (`budgetkg serve` runs one process)
    from budgetkg.api.app import create_app
    from budgetkg.loader.store import store_spec

    return create_app(store_spec())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    cmd: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    sparql_path: str = "/sparql"
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    pidfile: Path | None = None  # the forked child serving requests (the peer's supervisor writes it)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sparql(self) -> str:
        return self.base + self.sparql_path

    def start(self) -> None:
        fh = self.log.open("w")
        self.proc = subprocess.Popen(
            [*self.cmd, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **self.env},
            start_new_session=True,  # so stop() reaches uvicorn's worker processes too
        )

    def settle(self, limit: float) -> float | None:
        """Wait until the server is idle: as many concurrent ``ASK {}`` as it has query threads
        (our pool: ``max(2, cpus)``) all answered within 0.5 s. Our queries that overran the
        server's time limit keep running in its pool (pyoxigraph cannot cancel them) and would
        otherwise be measured as part of the next target. Seconds waited; None if never idle."""
        threads = max(2, os.cpu_count() or 2)
        ask = sparql_request(self.sparql, "ASK {}")

        async def probe() -> bool:
            runs = await asyncio.gather(
                *(drive(ask, 1, 0.0, 30.0, 31.0) for _ in range(threads)), return_exceptions=True
            )
            return all(isinstance(r, dict) and r["errors"] == 0 and (r["max_ms"] or 1e9) < 500 for r in runs)

        t0 = time.perf_counter()
        while time.perf_counter() - t0 < limit:
            if asyncio.run(probe()):
                return time.perf_counter() - t0
            time.sleep(1)
        return None

    def wait_ready(self, timeout: float) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                r = httpx.post(
                    self.sparql,
                    content="ASK {}",
                    headers={"content-type": "application/sparql-query", "accept": SPARQL_JSON},
                    timeout=5,
                    trust_env=False,
                )
                if r.status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s; see {self.log}")

    def peak_rss_mib(self) -> float | None:
        """Peak RSS of the server and its worker processes (Linux /proc), summed."""
        if self.proc is None:
            return None
        total, pids = 0, [self.proc.pid]
        try:
            kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids += [int(k) for k in kids]
            for pid in pids:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            return None
        return total / 1024

    def reset(self, timeout: float) -> None:
        """End the serving child (busy with abandoned requests) and wait for its fresh fork."""
        if self.pidfile is None:
            raise RuntimeError(f"{self.name} cannot be reset")
        old = int(self.pidfile.read_text())
        os.kill(old, signal.SIGKILL)
        t0 = time.perf_counter()
        while self.pidfile.read_text() in ("", str(old)):
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{self.name} did not fork a new server; see {self.log}")
            time.sleep(0.05)
        self.wait_ready(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


def serve_peer(export: Path, host: str, port: int, pidfile: Path) -> int:
    """rdflib-endpoint's own `serve` (an rdflib ``Dataset(default_union=True)`` parsed from the file,
    ``SparqlEndpoint(graph=…)``, ``uvicorn.run``), loaded once and then forked: rdflib-endpoint
    runs each query on its event loop, so a query past its budget can only be stopped by ending
    the process, and a fresh fork of the loaded graph is back in milliseconds, not a reload."""
    import gc

    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    graph = Dataset(default_union=True)
    graph.parse(str(export), format="nquads")
    app = SparqlEndpoint(graph=graph)
    gc.freeze()  # the collector would otherwise touch, and so copy, every page of the graph per fork
    while True:
        pid = os.fork()
        if pid == 0:
            uvicorn.run(app, host=host, port=port, log_level="info")
            os._exit(0)
        pidfile.write_text(str(pid))
        os.waitpid(pid, 0)


def peer_server(export: Path, cache: Path) -> Server:
    pidfile = cache / "peer.pid"
    pidfile.write_text("")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve-peer",
        str(export),
        "--pidfile",
        str(pidfile),
    ]
    # rdflib-endpoint's SparqlEndpoint serves SPARQL at its root.
    return Server("rdflib-endpoint", cmd, cache / "peer.log", sparql_path="/", pidfile=pidfile)


def our_server(store: Path, workers: int, log: Path) -> Server:
    env = {"BUDGETKG_STORE": str(store)}
    if workers <= 1:
        return Server("budgetkg serve", [str(BIN / "budgetkg"), "serve", "--store", str(store)], log, env)
    cmd = [
        str(BIN / "uvicorn"),
        "--factory",
        "bench_latency:ours_app",
        "--app-dir",
        str(Path(__file__).parent),
        "--workers",
        str(workers),
    ]
    return Server(f"budgetkg app, uvicorn --workers {workers}", cmd, log, env)


# -- the load driver --------------------------------------------------------------------------------
Request = tuple[str, str, dict[str, Any]]  # method, URL, httpx keyword arguments


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


async def drive(
    make: Callable[[int], Request], concurrency: int, duration: float, timeout: float, deadline: float
) -> dict[str, Any]:
    """``concurrency`` closed-loop clients send requests for ``duration`` seconds; what is still in
    flight ``deadline`` seconds after the start is abandoned and counted as *unfinished*, its time
    so far entering the percentiles as a lower bound (so they are lower bounds when any is)."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    inflight: dict[int, float] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as client:
        start = time.perf_counter()
        stop_at = start + duration

        async def client_loop(i: int) -> None:
            k = i
            first = True  # every client sends at least one request, however short the window
            while first or time.perf_counter() < stop_at:
                first = False
                method, url, kw = make(k)
                k += concurrency
                t0 = inflight[i] = time.perf_counter()
                try:
                    r = await client.request(method, url, **kw)
                    await r.aread()
                    dt = time.perf_counter() - t0
                except httpx.TimeoutException:
                    errors["timeout"] += 1
                    continue
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                finally:
                    inflight.pop(i, None)
                # An error answer (a 503 after the server's query timeout) took its time too: it
                # counts in the percentiles, so errors cannot make a target look faster.
                latencies.append(dt)
                if r.status_code != 200:
                    errors[f"HTTP {r.status_code}"] += 1

        load0 = os.getloadavg()[0]
        tasks = [asyncio.create_task(client_loop(i)) for i in range(concurrency)]
        _done, pending = await asyncio.wait(tasks, timeout=max(deadline, duration))
        now = time.perf_counter()
        censored = [now - t0 for t0 in inflight.values()]
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = now - start
    ms = sorted(x * 1000 for x in latencies + censored)
    unanswered = sum(v for k, v in errors.items() if not k.startswith("HTTP "))
    ok = len(latencies) - (sum(errors.values()) - unanswered)
    return {
        "requests": len(latencies) + unanswered + len(censored),
        "ok": ok,
        "unfinished": len(censored),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "wall_s": wall,
        "throughput_rps": ok / wall,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1] if ms else None,
        "load_avg_1m": [load0, os.getloadavg()[0]],
    }


# wrk (Debian package) drives our server: at 50 clients the asyncio driver above spends ~5 ms of
# CPU per request, so on 2 cores it, not the server, set the pace (≈ 100–200 requests/s against
# ~6,000/s for wrk on a remembered answer). The driver above stays for rdflib-endpoint, whose
# requests must be abandoned at a deadline and counted as lower bounds, which wrk cannot do.
_WRK_LUA = r"""
local requests_ = nil
local n = 0
init = function(args)
  requests_ = {__REQUESTS__}
end
request = function()
  n = n + 1
  return requests_[(n % #requests_) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,'
    .. '"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def drive_wrk(
    make: Callable[[int], Request], concurrency: int, duration: float, timeout: float, script_dir: Path
) -> dict[str, Any]:
    """The same measurement as :func:`drive` with wrk: ``concurrency`` connections, each sending
    its next request when the previous answer is in, for ``duration`` s; the requests cycle over
    ``make(0..concurrency*20)``. wrk counts non-2xx answers as status errors, and a request over
    ``timeout`` as a timeout (not in the percentiles), so a target with any is marked failed."""
    from urllib.parse import urlsplit

    variants, seen = [], set()
    base = None
    for k in range(concurrency * 20):
        method, url, kw = make(k)
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(kw.get("headers", {}))
        body = kw.get("content")
        key = (method, path, tuple(sorted(headers.items())), body)
        if key in seen:
            continue
        seen.add(key)
        lua_headers = (
            "{" + ", ".join(f"[ {_lua_string(h)} ] = {_lua_string(v)}" for h, v in headers.items()) + "}"
        )
        lua_body = _lua_string(body.decode()) if body else "nil"
        variants.append(f"wrk.format({_lua_string(method)}, {_lua_string(path)}, {lua_headers}, {lua_body})")
    # wrk.format exists only inside wrk's Lua state: the table is built there, in init().
    script = script_dir / "wrk-target.lua"
    script.write_text(_WRK_LUA.replace("__REQUESTS__", ", ".join(variants)))
    load0 = os.getloadavg()[0]
    seconds = max(1, round(duration))  # wrk takes whole seconds
    cmd = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{seconds}s",
        f"--timeout={timeout:g}s",
        "-s",
        str(script),
        base,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:  # the script failed in wrk's Lua: say where
        raise RuntimeError(f"wrk gave no result ({script}): {done.stderr or done.stdout}")
    w = json.loads(line[len("WRKJSON ") :])
    unanswered = w["connect"] + w["read"] + w["write"] + w["timeout"]
    wall = w["duration_us"] / 1e6
    ok = w["requests"] - w["status"]
    return {
        "requests": w["requests"] + w["timeout"],
        "ok": ok,
        "unfinished": 0,
        "errors": w["status"] + unanswered,
        "error_kinds": {k: w[k] for k in ("status", "connect", "read", "write", "timeout") if w[k]},
        "wall_s": wall,
        "throughput_rps": ok / wall if wall else 0.0,
        "p50_ms": w["p50_us"] / 1000,
        "p95_ms": w["p95_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "max_ms": w["max_us"] / 1000,
        "load_avg_1m": [load0, os.getloadavg()[0]],
        "driver": "wrk",
    }


# -- targets ---------------------------------------------------------------------------------------
def sparql_request(url: str, text: str) -> Callable[[int], Request]:
    # Direct POST: the text is sent as is (rdflib-endpoint unquotes form values twice).
    kw = {
        "content": text.encode(),
        "headers": {"content-type": "application/sparql-query", "accept": SPARQL_JSON},
    }
    return lambda _k: ("POST", url, kw)


def named_request(base: str, name: str) -> Callable[[int], Request]:
    return lambda _k: ("GET", f"{base}/queries/{name}", {"headers": {"accept": "application/json"}})


def lookup_request(base: str, ids: list[str], *, fresh: bool = False) -> Callable[[int], Request]:
    """``fresh``: ask the server not to answer from memory (``Cache-Control: no-cache``), so every
    request pays the lookup's own cost, as for a project nobody asked about since start-up."""
    kw = {"headers": {"cache-control": "no-cache"}} if fresh else {}
    return lambda k: ("GET", f"{base}/projects/{ids[k % len(ids)]}/legal-bases", kw)


def wait_warm(base: str, limit: float) -> float | None:
    """Seconds until `budgetkg serve` reports its start-up warming done (api/memo.py); None if it
    does not warm (remote store, cache off) or did not finish within ``limit``."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        warming = httpx.get(f"{base}/health", timeout=30, trust_env=False).json().get("warming")
        if warming is None:
            return None
        if warming["named_queries_done"] == warming["of"]:
            return time.perf_counter() - t0
        time.sleep(1)
    return None


def project_ids(base: str, want: int, seed: int) -> tuple[list[str], int]:
    """Real ids from GET /projects, drawn from pages spread over the whole list; projects with at
    least one legal basis first (the lookup's purpose), topped up with others."""
    with httpx.Client(base_url=base, timeout=120, trust_env=False) as c:
        first = c.get("/projects", params={"limit": 200}).raise_for_status().json()
        total = first["total"]
        items = list(first["items"])
        rng = random.Random(seed)
        offsets = sorted({rng.randrange(0, max(total, 1)) for _ in range(4)}) if total > 200 else []
        for off in offsets:
            items += (
                c.get("/projects", params={"limit": 200, "offset": off}).raise_for_status().json()["items"]
            )
    uniq = {it["id"]: it for it in items}
    with_bases = [i for i, it in uniq.items() if it["legal_basis_count"]]
    others = [i for i, it in uniq.items() if not it["legal_basis_count"]]
    rng.shuffle(with_bases)
    rng.shuffle(others)
    return (with_bases + others)[:want], total


def count_rows(resp: httpx.Response) -> int:
    body = resp.json()
    if "results" in body:
        return len(body["results"]["bindings"])
    return len(body.get("rows", []))


# -- main ------------------------------------------------------------------------------------------
def median(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def unfinished_run(seconds: float) -> dict[str, Any]:
    ms = seconds * 1000
    return {
        "requests": 1, "ok": 0, "unfinished": 1, "errors": 0, "error_kinds": {}, "wall_s": seconds,
        "throughput_rps": 0.0, "p50_ms": ms, "p95_ms": ms, "p99_ms": ms, "max_ms": ms,
        "load_avg_1m": [os.getloadavg()[0]] * 2, "note": "one request, unfinished: the load run was skipped",
    }  # fmt: skip


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: median([r[k] for r in runs]) for k in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps")
    }
    out["requests"] = sum(r["requests"] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    out["unfinished"] = sum(r["unfinished"] for r in runs)
    out["error_kinds"] = dict(sum((Counter(r["error_kinds"]) for r in runs), Counter()))
    return out


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for pkg in ("pyoxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn", "httpx"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    git = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    )
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # Measurements of a tree with uncommitted changes are of that tree, not of HEAD.
    out["git"] = head.stdout.strip() + (" (with uncommitted changes)" if git.stdout.strip() else "")
    return out


def fmt(v: float | None, digits: int = 0) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="generated documents (plus the seeds)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds", help="seed folder")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load per target and repetition")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument(
        "--driver",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load tool for our server (default wrk when installed; rdflib-endpoint always httpx)",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, help="repetitions for rdflib-endpoint (default: --repeat)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes for our API")
    ap.add_argument("--timeout", type=float, default=120.0, help="client timeout per request, seconds")
    ap.add_argument("--ready-timeout", type=float, default=1800.0, help="seconds to wait for a server")
    ap.add_argument("--lookup-ids", type=int, default=50, help="distinct project ids for the lookup")
    ap.add_argument("--query", action="append", default=[], help="only these named queries (repeatable)")
    ap.add_argument("--no-peer", action="store_true", help="skip rdflib-endpoint")
    ap.add_argument("--cache", type=Path, help="store folder (default .budgetkg/bench/latency-n{N}-s{seed})")
    ap.add_argument(
        "--peer-timeout",
        type=float,
        default=60.0,
        help="seconds an rdflib-endpoint target may take in all; requests still running then are "
        "abandoned (their time so far counts as a lower bound) and the endpoint restarted",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=120.0,
        help="at most this many seconds waiting for our server to be idle",
    )
    ap.add_argument("--json", type=Path, default=ROOT / ".budgetkg" / "bench" / "latency.json")
    ap.add_argument("--serve-peer", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--pidfile", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_peer:
        return serve_peer(args.serve_peer, args.host, args.port, args.pidfile)
    # A killed run must still stop its servers (the `finally` below): turn SIGTERM into an exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    peer_repeat = args.repeat if args.peer_repeat is None else args.peer_repeat

    seeds = args.seeds if args.seeds.is_dir() else None
    if seeds is None:
        print(f"note: no seed folder at {args.seeds}; generated documents only", file=sys.stderr)
    cache = args.cache or ROOT / ".budgetkg" / "bench" / f"latency-n{args.n}-s{args.seed}"
    t0 = time.perf_counter()
    info = build(cache, args.n, args.seed, seeds)
    print(
        f"store: {cache} ({'reused' if info['reused'] else f'built in {time.perf_counter() - t0:.0f} s'}), "
        f"{info['quads']:,} quads",
        file=sys.stderr,
    )

    names = args.query or [q.name for q in queries.list_queries()]
    texts = {name: queries.render(name) for name in names}
    ours = our_server(cache / "store", args.workers, cache / "serve.log")
    peer = peer_server(cache / "export.nq", cache)
    servers = [ours] + ([] if args.no_peer else [peer])
    results: dict[str, Any] = {
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "store": info,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_avg_start": os.getloadavg(),
        },
        "versions": versions(),
        "server": ours.name,
        "driver": args.driver,
        "runs": {},
    }
    try:
        ready: dict[str, float] = {}
        for s in servers:
            s.start()
        for s in servers:
            ready[s.name] = s.wait_ready(args.ready_timeout)
            print(f"{s.name} ready at {s.base} after {ready[s.name]:.0f} s", file=sys.stderr)
        results["ready_s"] = ready
        # `budgetkg serve` computes the named queries' default answers at start-up; measure it
        # warmed, as it serves after its first minutes, and record how long warming took.
        results["warm_s"] = wait_warm(ours.base, args.ready_timeout)
        print(f"warming done after {fmt(results['warm_s'])} s", file=sys.stderr)
        ids, total_projects = project_ids(ours.base, args.lookup_ids, args.seed)
        results["lookup_ids"] = ids
        results["projects_total"] = total_projects

        targets: list[tuple[str, str, Callable[[int], Request]]] = [
            ("lookup", "legal-bases", lookup_request(ours.base, ids)),
            ("lookup", "legal-bases, no-cache", lookup_request(ours.base, ids, fresh=True)),
        ]
        rows: dict[str, dict[str, int | str | None]] = {}
        unanswered: dict[str, dict[str, Any]] = {}
        single: dict[str, dict[str, Any]] = {}
        for name in names:
            # Every target is checked once before it is timed: same answer size on both engines.
            rows[name] = {}
            for kind, make in (
                ("named", named_request(ours.base, name)),
                ("sparql", sparql_request(ours.sparql, texts[name])),
                *(() if args.no_peer else (("rdflib", sparql_request(peer.sparql, texts[name])),)),
            ):
                method, url, kw = make(0)
                if kind != "rdflib":
                    # The query's own cost, not a remembered answer.
                    kw = {**kw, "headers": {**kw.get("headers", {}), "cache-control": "no-cache"}}
                budget = args.peer_timeout if kind == "rdflib" else args.timeout
                if kind != "rdflib":
                    ours.settle(args.settle)
                t0 = time.perf_counter()
                try:
                    r = httpx.request(method, url, timeout=budget, trust_env=False, **kw)
                except httpx.TimeoutException:
                    # Not one answer within the budget: the 50-client figures can only be larger.
                    rows[name][kind] = None
                    unanswered[f"{kind} {name}"] = unfinished_run(time.perf_counter() - t0)
                    peer.reset(args.ready_timeout)
                    continue
                rows[name][kind] = count_rows(r) if r.status_code == 200 else f"HTTP {r.status_code}"
                # One request on an idle server: the query's own cost, without queueing.
                single[f"{kind} {name}"] = {"ms": (time.perf_counter() - t0) * 1000, "status": r.status_code}
                targets.append((kind, name, make))
        results["rows"] = rows
        results["single_request"] = single

        runs: dict[str, list[dict[str, Any]]] = {k: [v] for k, v in unanswered.items()}
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        for rep in range(max(args.repeat, peer_repeat)):
            for kind, name, make in targets:
                if rep >= (peer_repeat if kind == "rdflib" else args.repeat):
                    continue
                deadline = args.peer_timeout if kind == "rdflib" else args.duration + args.timeout
                settled = None if kind == "rdflib" else ours.settle(args.settle)
                if kind != "rdflib" and args.driver == "wrk":
                    run = drive_wrk(make, args.concurrency, args.duration, args.timeout, cache)
                else:
                    run = asyncio.run(drive(make, args.concurrency, args.duration, args.timeout, deadline))
                run["settle_s"] = settled
                if kind == "rdflib" and run["unfinished"]:
                    peer.reset(args.ready_timeout)
                runs.setdefault(f"{kind} {name}", []).append(run)
                print(
                    f"rep {rep + 1} {kind:7} {name:30} n={run['ok']:5} err={run['errors']} "
                    f"p50={fmt(run['p50_ms'], 1)} p95={fmt(run['p95_ms'], 1)} p99={fmt(run['p99_ms'], 1)} ms "
                    f"{run['throughput_rps']:.1f}/s load={run['load_avg_1m'][1]:.1f}",
                    file=sys.stderr,
                )
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        results["driver_cpu_s"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        results["peak_rss_mib"] = {s.name: s.peak_rss_mib() for s in servers}
        results["runs"] = runs
    finally:
        for s in servers:
            s.stop()
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["summary"] = {key: summarise(r) for key, r in runs.items()}
    results["verdict"] = verdict(results["summary"], names, not args.no_peer)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(report(results, names, not args.no_peer))
    print(f"raw results: {args.json}")
    return 0


def verdict(summary: dict[str, Any], names: list[str], peer: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, label in (("lookup legal-bases", ""), ("lookup legal-bases, no-cache", "_no_cache")):
        lk = summary[key]
        out[f"lookup{label}_p99_under_50ms"] = (
            lk["errors"] == lk["unfinished"] == 0 and (lk["p99_ms"] or 1e9) < LOOKUP_P99_MS
        )
    for name in names:
        v: dict[str, Any] = {}
        for kind in ("named", "sparql"):
            s = summary[f"{kind} {name}"]
            ok = s["errors"] == 0 and s["unfinished"] == 0
            v[f"{kind}_p95_under_500ms"] = ok and (s["p95_ms"] or 1e9) < QUERY_P95_MS
        if peer:
            theirs = summary[f"rdflib {name}"]["p50_ms"]
            # With abandoned requests the peer's percentiles, and so the ratios, are lower bounds.
            v["ratio_is_lower_bound"] = summary[f"rdflib {name}"]["unfinished"] > 0
            for kind in ("sparql", "named"):
                mine = summary[f"{kind} {name}"]["p50_ms"]
                v[f"ratio_vs_{kind}"] = theirs / mine if theirs and mine else None
            v["at_least_5x"] = (v["ratio_vs_sparql"] or 0) >= PEER_RATIO
        out[name] = v
    return out


def _row(label: str, t: dict[str, Any], rows: object, single: dict[str, Any] | None) -> str:
    ge = "≥ " if t["unfinished"] else ""
    one = (
        "—"
        if single is None
        else fmt(single["ms"], 1) + ("" if single["status"] == 200 else f" ({single['status']})")
    )
    return (
        f"| {label} | {one} | {t['requests']} | {t['errors']} | {t['unfinished']} | "
        f"{ge}{fmt(t['p50_ms'], 1)} | {ge}{fmt(t['p95_ms'], 1)} | {ge}{fmt(t['p99_ms'], 1)} | "
        f"{fmt(t['throughput_rps'], 1)} | "
        f"{'—' if rows is None else rows} |"
    )


def report(results: dict[str, Any], names: list[str], peer: bool) -> str:
    s, v = results["summary"], results["verdict"]
    a = results["args"]
    lines = [
        "",
        f"{a['n']} generated documents (seed {a['seed']}) + seeds, {results['store']['quads']:,} quads; "
        f"{a['concurrency']} concurrent clients, {a['duration']:g} s per target, "
        f"medians of {a['repeat']} repetitions (rdflib-endpoint: {a['peer_repeat'] or a['repeat']}); "
        f"server: {results['server']}; load tool: {results['driver']} (rdflib-endpoint: httpx)",
        "",
        "| target | 1 client ms | requests | errors | unfinished | p50 ms | p95 ms | p99 ms | req/s | rows |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for suffix, label in (("", ""), (", no-cache", ", `Cache-Control: no-cache`")):
        lk = s["lookup legal-bases" + suffix]
        title = f"`/projects/{{id}}/legal-bases` ({len(results['lookup_ids'])} ids{label})"
        lines.append(_row(title, lk, "", None))
    for name in names:
        for kind, label in (("named", "/queries"), ("sparql", "our /sparql"), ("rdflib", "rdflib-endpoint")):
            if f"{kind} {name}" in s:
                key = f"{kind} {name}"
                one = results["single_request"].get(key)
                lines.append(_row(f"`{name}` {label}", s[key], results["rows"][name].get(kind), one))
    yes = {True: "yes", False: "**no**"}
    head = "| query | /queries p95 < 500 ms | /sparql p95 < 500 ms |"
    if peer:
        head += " rdflib p50 / our /sparql p50 | rdflib p50 / /queries p50 |"
    lines += ["", head, "|---|---|---|" + ("---:|---:|" if peer else "")]
    for name in names:
        q = v[name]
        row = f"| `{name}` | {yes[q['named_p95_under_500ms']]} | {yes[q['sparql_p95_under_500ms']]} |"
        if peer:
            ge = "≥ " if q.get("ratio_is_lower_bound") else ""
            row += f" {ge}{fmt(q.get('ratio_vs_sparql'), 1)}× | {ge}{fmt(q.get('ratio_vs_named'), 1)}× |"
        lines.append(row)
    lines.append(
        f"\nlookup p99 < 50 ms: {yes[v['lookup_p99_under_50ms']]} "
        f"(no-cache: {yes[v['lookup_no_cache_p99_under_50ms']]}); "
        f"start-up warming took {fmt(results.get('warm_s'))} s"
    )
    lines.append(
        f"load average (1 min) at start {results['machine']['load_avg_start'][0]:.1f}, at end "
        f"{results['machine']['load_avg_end'][0]:.1f}; driver CPU {results.get('driver_cpu_s', 0):.0f} s; "
        f"server peak RSS {results.get('peak_rss_mib')}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
