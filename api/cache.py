"""A response cache for a server whose store cannot change: `budgetkg serve` on a store folder.

`budgetkg serve` opens an embedded store read-only, and the folder must not change while served
(pyoxigraph: writing to a store another process has open read-only is undefined behaviour; the
README says to stop the server, ingest, and start it again). So an answer to a
safe request (GET/HEAD, or a SPARQL query POSTed to ``/sparql``) stays true for the life of the
process, and computing it twice is waste: whole-corpus aggregates cost seconds at 1,000
documents (BENCHMARKS.md), and 50 clients asking the same question at once would each pay it.

The cache is an ASGI middleware, so it sees requests and responses only, never the store:
- the key is everything an answer may depend on: method, path, query string, the ``Accept``,
  ``Content-Type`` and ``Host`` headers, a POST's body, and the settings read per request
  (time limit, row cap, personal data);
- only complete ``200`` answers are kept (errors and 503 timeouts are not), each up to
  ``max_entry`` bytes, least recently used first out when the total passes ``max_bytes``;
- concurrent identical requests wait for the first one and share its answer ("single flight");
- ``Cache-Control: no-cache`` (or ``no-store``) in a request bypasses the cache for that request;
- every answer says ``X-Budgetkg-Cache: hit``, ``miss`` or ``bypass``.

Servers over a remote SPARQL endpoint (``--store sparql+http://…``) or a writable store do not get
the middleware: their data can change under them.
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CACHE_SETTING = "BUDGETKG_CACHE_MB"
CACHE_HEADER = b"x-budgetkg-cache"
# Settings read per request by the routers: an answer made under one value is not one for another.
_SETTINGS = ("BUDGETKG_QUERY_TIMEOUT", "BUDGETKG_MAX_ROWS", "BUDGETKG_PUBLISH_PERSONAL_DATA")
_VARY = (b"accept", b"content-type", b"host")
_CACHEABLE_POSTS = frozenset(["/sparql"])
_LIVE_PATHS = frozenset(["/health"])  # reports the server's own state, which does change
_MAX_BODY = 1 << 20  # a POSTed query larger than this is run, not cached


def cache_megabytes() -> float:
    """``$BUDGETKG_CACHE_MB`` (default 256); 0 or less turns the cache off."""
    raw = os.environ.get(CACHE_SETTING, "").strip()
    try:
        return float(raw) if raw else 256.0
    except ValueError as exc:
        raise ValueError(f"{CACHE_SETTING}={raw!r} is not a number of megabytes") from exc


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 64


class ResponseCache:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_entry: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_entry if max_entry is not None else max(1, max_bytes // 8)
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._flights: dict[tuple, asyncio.Future[None]] = {}
        self.hits = self.misses = 0

    # -- bookkeeping ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def _get(self, key: tuple) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def _put(self, key: tuple, entry: Entry) -> None:
        if entry.size > self.max_entry:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size

    # -- ASGI ----------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _cacheable_request(scope):
            await self.app(scope, receive, send)
            return
        body, receive = await _read_body(scope, receive)
        if body is None:
            await self.app(scope, receive, send)
            return
        if _bypass(scope):
            await self.app(scope, receive, _tagged(send, b"bypass"))
            return
        key = _key(scope, body)
        while True:
            entry = self._get(key)
            if entry is not None:
                self.hits += 1
                await _replay(entry, send)
                return
            flight = self._flights.get(key)
            if flight is None:
                break
            # Someone is computing this answer: wait, then take it from the cache — or, if it
            # was not cacheable (an error, too big), compute our own below.
            await asyncio.shield(flight)
            if self._get(key) is None:
                break
        self.misses += 1
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            entry = await self._run(scope, receive, send)
            if entry is not None:
                self._put(key, entry)
        finally:
            del self._flights[key]
            flight.set_result(None)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> Entry | None:
        """Pass the answer through as it is sent, keeping a copy while it stays cacheable."""
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        keep = True
        complete = False

        async def capture(message: Message) -> None:
            nonlocal status, headers, size, keep, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                keep = status == 200 and len(headers) == len(message.get("headers", []))
                message = {**message, "headers": [*message.get("headers", []), (CACHE_HEADER, b"miss")]}
            elif message["type"] == "http.response.body":
                if keep:
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_entry:
                        keep = False
                        chunks.clear()
                    else:
                        chunks.append(chunk)
                if not message.get("more_body", False):
                    complete = True
            await send(message)

        await self.app(scope, receive, capture)
        if not (keep and complete):
            return None
        return Entry(status, tuple(headers), b"".join(chunks))


def _cacheable_request(scope: Scope) -> bool:
    method, path = scope["method"], scope["path"]
    if path in _LIVE_PATHS:
        return False
    return method in ("GET", "HEAD") or (method == "POST" and path in _CACHEABLE_POSTS)


def bypasses_cache(cache_control: str) -> bool:
    """Whether a request's ``Cache-Control`` asks for a freshly computed answer."""
    directives = {d.strip().split("=", 1)[0].lower() for d in cache_control.split(",")}
    return bool(directives & {"no-cache", "no-store"})


def _bypass(scope: Scope) -> bool:
    return any(
        name == b"cache-control" and bypasses_cache(value.decode("latin-1"))
        for name, value in scope.get("headers", [])
    )


def _key(scope: Scope, body: bytes) -> tuple:
    vary = tuple(sorted((name, value) for name, value in scope.get("headers", []) if name in _VARY))
    settings = tuple(os.environ.get(name, "") for name in _SETTINGS)
    # HEAD has its own entries: its answer has GET's headers but no body.
    return (scope["method"], scope["path"], scope.get("query_string", b""), vary, body, settings)


async def _read_body(scope: Scope, receive: Receive) -> tuple[bytes | None, Receive]:
    """A POST's whole body (None when too large to be a cache key) and a ``receive`` that replays
    it to the application; GET and HEAD have none."""
    if scope["method"] != "POST":
        return b"", receive
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see it
            pending = [message]
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
    else:
        pending = []
    body = b"".join(chunks)
    replayed = [{"type": "http.request", "body": body, "more_body": False}, *pending]

    async def replay() -> Message:
        return replayed.pop(0) if replayed else await receive()

    return (body if size <= _MAX_BODY and not pending else None), replay


def _tagged(send: Send, tag: bytes) -> Send:
    async def tagging(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (CACHE_HEADER, tag)]}
        await send(message)

    return tagging


async def _replay(entry: Entry, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": entry.status,
            "headers": [*entry.headers, (CACHE_HEADER, b"hit")],
        }
    )
    await send({"type": "http.response.body", "body": entry.body})
