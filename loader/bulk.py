"""Bulk loading a shard folder (``budgetkg export --shards``) with an engine's own loader
(issue #5): Virtuoso's ``ld_dir`` + ``rdf_loader_run`` through ``isql``, or ``oxigraph load``
into a store folder no server holds.

Both replace: every graph the shards hold is cleared first, then the shards are loaded, so
pushing a document again leaves its new version only. Neither engine does the clear and the load
in one transaction (README "Remote stores" says what is atomic); a failed push is repaired by
pushing the same folder again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from budgetkg.loader.errors import BudgetKGError
from budgetkg.loader.export import MANIFEST, SHARD_GLOB
from budgetkg.loader.remote import META_GRAPH

# An IRI we paste into SQL and SPARQL text: nothing that could end the literal or the IRI.
_SAFE_IRI = re.compile(r"^[^\s<>\"'{}|\\^`]+$")


class BulkError(BudgetKGError):
    """A shard folder that cannot be pushed, or an engine that refused it."""


@dataclass(frozen=True)
class Part:
    file: Path
    quads: int
    default_graph_quads: int
    graphs: list[str]


@dataclass(frozen=True)
class ShardSet:
    folder: Path
    parts: list[Part]

    @property
    def files(self) -> list[Path]:
        return [p.file for p in self.parts]

    @property
    def graphs(self) -> list[str]:
        return [g for p in self.parts for g in p.graphs]

    @property
    def default_graph_quads(self) -> int:
        return sum(p.default_graph_quads for p in self.parts)

    @property
    def quads(self) -> int:
        return sum(p.quads for p in self.parts)


@dataclass(frozen=True)
class PushResult:
    engine: str
    target: str
    shards: int
    graphs: int
    quads: int
    seconds: float


def read_shards(folder: Path) -> ShardSet:
    """The folder's manifest, checked against the shard files actually there."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BulkError(f"{folder}: no such folder (write one with `budgetkg export --shards N -o DIR`)")
    path = folder / MANIFEST
    if not path.is_file():
        raise BulkError(
            f"{folder}: no {MANIFEST}: not a shard folder, or an interrupted export "
            "(write it with `budgetkg export --format nquads --shards N -o DIR`)"
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
        parts = [
            Part(
                (folder / s["file"]).resolve(),
                int(s["quads"]),
                int(s.get("default_graph_quads", 0)),
                [str(g) for g in s["graphs"]],
            )
            for s in manifest["shards"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise BulkError(f"{path}: not a budgetkg shard manifest ({exc})") from exc
    present = sorted(p.resolve() for p in folder.glob(SHARD_GLOB))
    files = [p.file for p in parts]
    if sorted(files) != present:
        missing = sorted({f.name for f in files} - {p.name for p in present})
        extra = sorted({p.name for p in present} - {f.name for f in files})
        raise BulkError(f"{folder}: shards do not match {MANIFEST} (missing {missing}, not listed {extra})")
    unsafe = [g for p in parts for g in p.graphs if not _SAFE_IRI.match(g)]
    if unsafe:
        raise BulkError(f"{path}: graph names that are not plain IRIs: {unsafe[:3]}")
    return ShardSet(folder.resolve(), parts)


def _executable(name: str) -> str:
    """On PATH, or beside the running Python (a venv's ``bin``, where pip puts ``oxigraph``)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        raise BulkError(f"`{name}` not found on PATH")
    return found


# -- Virtuoso --------------------------------------------------------------------------------
def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Isql:
    """``isql-vt HOST:PORT USER PASSWORD`` fed a script on stdin. isql goes on after a failed
    statement and exits 0, so its stderr is the error signal; the password is an argument
    (isql takes it no other way) and never appears in a message."""

    def __init__(self, exe: str, address: str, user: str, password: str, timeout: float | None) -> None:
        self.cmd = [exe, address, user, password, "verbose=off", "banner=off", "prompt=off", "echo=off"]
        self.address, self.user, self.timeout = address, user, timeout

    def run(self, script: str) -> str:
        try:
            done = subprocess.run(
                self.cmd, input=script, capture_output=True, text=True, timeout=self.timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise BulkError(f"isql {self.address}: no answer within {self.timeout:.0f}s") from exc
        errors = [line for line in (done.stderr + done.stdout).splitlines() if line.startswith("*** Error")]
        if errors or done.returncode:
            detail = errors[0] if errors else (done.stderr or done.stdout).strip()[-300:]
            detail = (
                detail.removeprefix("*** ").replace("[Virtuoso Driver]", "").replace("[Virtuoso Server]", "")
            )
            if "CL034" in detail or "Bad login" in detail:
                raise BulkError(f"isql {self.address}: login as {self.user} refused (check the password)")
            if "Connect failed" in detail or "08001" in detail:
                raise BulkError(f"isql {self.address}: cannot connect ({detail})")
            raise BulkError(f"isql {self.address}: {detail}")
        return done.stdout


def push_virtuoso(
    folder: Path,
    *,
    address: str = "127.0.0.1:1111",
    user: str = "dba",
    password: str,
    isql: str = "isql-vt",
    timeout: float | None = None,
) -> PushResult:
    """Register the folder's shards with ``ld_dir``, clear their graphs, ``rdf_loader_run()``,
    ``checkpoint``, then read ``DB.DBA.load_list`` for files that failed.

    The server reads the files itself: ``folder`` must be a path on the server's machine inside
    its ``DirsAllowed``. Quads without a graph (the embedded store's ontology version stamp)
    go to :data:`~budgetkg.loader.remote.META_GRAPH`, where a remote store keeps it."""
    shards = read_shards(folder)
    sql = _Isql(_executable(isql), address, user, password, timeout)
    where = shards.folder.as_posix()
    like = _sql_string(where + "/part-%")
    t0 = time.perf_counter()
    # ld_dir skips files already in load_list (from an earlier push of this folder): forget them.
    try:
        sql.run(
            f"DELETE FROM DB.DBA.load_list WHERE ll_file LIKE {like};\n"
            f"ld_dir({_sql_string(where)}, 'part-*.nq.gz', {_sql_string(META_GRAPH)});\n"
        )
    except BulkError as exc:
        if "FA003" in str(exc) or "access control" in str(exc):
            raise BulkError(
                f"{where}: Virtuoso may not read this folder: add it (or a parent) to DirsAllowed "
                "in the [Parameters] section of virtuoso.ini and restart the server"
            ) from exc
        if "FA020" in str(exc) or "Unable to list" in str(exc):
            raise BulkError(
                f"{where}: the Virtuoso server cannot list this folder: it reads the shards "
                "itself, so give a path on the server's machine that its user may read"
            ) from exc
        raise
    graphs = shards.graphs + ([META_GRAPH] if shards.default_graph_quads else [])
    if graphs:
        sql.run("log_enable(3, 1);\n" + "".join(f"SPARQL CLEAR GRAPH <{g}>;\n" for g in graphs))
    sql.run("rdf_loader_run();\ncheckpoint;\n")
    report = sql.run(
        "SELECT concat(ll_file, ' | ', cast(ll_state AS varchar), ' | ', coalesce(ll_error, '')) "
        f"FROM DB.DBA.load_list WHERE ll_file LIKE {like};\n"
    )
    seconds = time.perf_counter() - t0
    rows = [line.split(" | ", 2) for line in report.splitlines() if line.startswith(where + "/")]
    loaded = {Path(r[0]) for r in rows if len(r) == 3 and r[1].strip() == "2" and not r[2].strip()}
    failed = [
        f"{Path(r[0]).name}: {r[2].strip() or 'not loaded (state ' + r[1].strip() + ')'}"
        for r in rows
        if len(r) == 3 and Path(r[0]) not in loaded
    ]
    listed = {Path(r[0]) for r in rows}
    failed += [f"{f.name}: not registered by ld_dir" for f in shards.files if f not in listed]
    if not failed:
        # load_list is not the whole truth: a failing file in a batch of small ones was seen
        # marked loaded with no error while none of its quads were. Count what arrived.
        failed = _short_shards(sql, shards)
    if failed:
        raise BulkError(f"{where}: Virtuoso did not load {len(failed)} shard(s): " + "; ".join(failed))
    return PushResult("virtuoso", address, len(shards.files), len(shards.graphs), shards.quads, seconds)


def _short_shards(sql: _Isql, shards: ShardSet) -> list[str]:
    """Shards whose graphs on the server hold other than the manifest's number of quads."""
    script = ""
    for part in shards.parts:
        graphs = part.graphs + ([META_GRAPH] if part.default_graph_quads else [])
        if graphs:
            values = " ".join(f"<{g}>" for g in graphs)
            script += (
                f'SPARQL SELECT ("{part.file.name}" AS ?f) (COUNT(*) AS ?n) '
                f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }};\n"
            )
    counts = {}
    for line in sql.run(script).splitlines() if script else []:
        name, _, n = line.strip().partition(" ")
        if n.strip().isdigit():
            counts[name] = int(n)
    return [
        f"{p.file.name}: {counts.get(p.file.name, 0)} of its {p.quads} quads on the server"
        for p in shards.parts
        if counts.get(p.file.name, 0) != p.quads
    ]


# -- Oxigraph --------------------------------------------------------------------------------
def _oxigraph(exe: str, args: list[str], location: Path) -> None:
    env = {**os.environ, "RUST_BACKTRACE": "0"}  # a message, not a stack
    done = subprocess.run([exe, *args], capture_output=True, text=True, env=env)
    if done.returncode == 0:
        return
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    detail = next((x for x in lines if x.startswith("Error")), lines[-1] if lines else "failed")
    if "lock" in detail.lower():
        raise BulkError(
            f"{location}: the store is in use (a running `oxigraph serve` or budgetkg holds its "
            "lock): stop it, push, then start it again"
        )
    raise BulkError(f"oxigraph {args[0]} {location}: {detail}")


def push_oxigraph(folder: Path, *, location: Path, oxigraph: str = "oxigraph") -> PushResult:
    """``oxigraph update`` dropping every graph the shards hold (and clearing the default graph
    when they carry one), then one ``oxigraph load`` of all shards (loaded in parallel, each
    file atomically; gzip is read as such from the ``.gz`` name). ``location`` is created when
    missing; no server may have it open."""
    shards = read_shards(folder)
    exe = _executable(oxigraph)
    location = Path(location)
    t0 = time.perf_counter()
    drops = [f"DROP SILENT GRAPH <{g}>" for g in shards.graphs]
    drops += ["CLEAR SILENT DEFAULT"] if shards.default_graph_quads else []
    if drops:
        with tempfile.NamedTemporaryFile("w", suffix=".ru", encoding="utf-8") as ru:
            ru.write(" ;\n".join(drops) + "\n")
            ru.flush()
            _oxigraph(exe, ["update", "--location", str(location), "--update-file", ru.name], location)
    if shards.files:
        _oxigraph(exe, ["load", "--location", str(location), "--file", *map(str, shards.files)], location)
    seconds = time.perf_counter() - t0
    return PushResult("oxigraph", str(location), len(shards.files), len(shards.graphs), shards.quads, seconds)
