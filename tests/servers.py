"""SPARQL servers for the tests (issue #5), each a subprocess on free loopback ports: Oxigraph
(`oxigraph serve`, from the PyPI package ``oxigraph`` in the ``test`` extra) and Virtuoso 7
(`virtuoso-t` from the Debian package ``virtuoso-opensource``, with a generated ini). Shared by
tests/test_remote.py (and, through its ``engine`` fixture, tests/test_queries.py) and
tests/test_bulk.py. A missing engine skips, except under CI, where it fails."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def tool(name: str, hint: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"`{name}` is missing under CI ({hint})")
    pytest.skip(f"no `{name}` here ({hint})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Engine:
    name: str
    query: str  # the query endpoint
    update: str
    gsp: str | None = None
    extra: str = ""  # more --store parameters
    home: Path | None = None  # the server's folder (Virtuoso: the only one DirsAllowed lets it read)
    isql: str | None = None  # Virtuoso: the isql-vt executable and the SQL address
    sql: str | None = None

    def url(self, *, gsp: bool = False) -> str:
        url = f"sparql+{self.query}?update={self.update}{self.extra}"
        return url + (f"&gsp={self.gsp}" if gsp and self.gsp else "")


def start(
    cmd: list[str], ready: str, log: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(ready, timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                pytest.fail(f"{cmd[0]} did not start: {log.read_text('utf-8', 'replace')[-2000:]}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}
CheckpointInterval = 60
MaxClientConnections = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http}
MaxClientConnections = 10
ServerThreads = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


@contextmanager
def oxigraph_server(where: Path, location: Path | None = None) -> Iterator[Engine]:
    """``oxigraph serve`` on ``location`` (default: a fresh ``where/db``)."""
    exe = tool("oxigraph", "pip install -e '.[test]' provides it")
    base = f"http://127.0.0.1:{free_port()}"
    bind = base.removeprefix("http://")
    cmd = [exe, "serve", "--location", str(location or where / "db"), "--bind", bind]
    proc = start(cmd, f"{base}/query?query=ASK%7B%7D", where / "server.log")
    try:
        yield Engine("oxigraph", f"{base}/query", f"{base}/update", gsp=f"{base}/store", home=where)
    finally:
        stop(proc)


@contextmanager
def virtuoso_server(where: Path, *, buffers: int = 20000) -> Iterator[Engine]:
    """A fresh Virtuoso 7 whose files (and ``DirsAllowed``) are ``where``; its SPARQL endpoint
    may write. ``buffers`` are 8 KiB pages of cache: the tests' small default, or what Virtuoso's
    sample ini suggests per GiB of RAM for a benchmark (≈ 85,000 per GiB)."""
    exe = tool("virtuoso-t", "Debian package virtuoso-opensource; .ci/run installs it")
    isql = tool("isql-vt", "Debian package virtuoso-opensource")
    where = where.resolve()  # Virtuoso runs in `where`: a relative path would be read from there
    sql, http = free_port(), free_port()
    while http == sql:
        http = free_port()
    (where / "virtuoso.ini").write_text(
        VIRTUOSO_INI.format(d=where, sql=sql, http=http, buffers=buffers, dirty=buffers * 3 // 4)
    )
    base = f"http://127.0.0.1:{http}"
    cmd = [exe, "+foreground", "+configfile", str(where / "virtuoso.ini")]
    # Virtuoso also lets its temporary directory be read ($TMPDIR, else /tmp, where pytest's
    # folders are): one inside `where` keeps DirsAllowed the only way in.
    (where / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(where / "tmp")}
    proc = start(cmd, f"{base}/sparql?query=ASK%7B%7D", where / "server.log", cwd=where, env=env)
    try:
        # The SPARQL endpoint runs as the SQL user "SPARQL", which may only read until granted.
        grant = subprocess.run(
            [isql, str(sql), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            timeout=60,
        )
        if grant.returncode:
            pytest.fail(f"isql-vt GRANT failed: {grant.stdout[-500:]!r} {grant.stderr[-500:]!r}")
        # Virtuoso compiles an update to SQL and refuses beyond 10,000 lines: small batches.
        yield Engine(
            "virtuoso",
            f"{base}/sparql",
            f"{base}/sparql",
            extra="&batch=1000",
            home=where,
            isql=isql,
            sql=f"127.0.0.1:{sql}",
        )
    finally:
        stop(proc)
