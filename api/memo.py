"""Named-query answers remembered for a snapshot store, and computed ahead at start-up.

The named queries aggregate over the whole corpus: at 1,000 documents one answer costs 0.1–10 s
of CPU (BENCHMARKS.md), about what the server's per-request limit allows. On a store that cannot
change while the server runs (see ``budgetkg.api.cache``), an answer is the same for the life of the
process, so each distinct (query text, row cap) is computed once: by the first request that asks,
while concurrent askers wait for it, or before anyone asks by :func:`warm`, which runs every named
query with its default parameters in a background thread when `budgetkg serve` starts. Warming has
no time limit: a query slower than the request limit still becomes answerable.

Futures are ``concurrent.futures`` ones so that the warming thread and the event loop can share them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future

from budgetkg import queries

log = logging.getLogger("budgetkg.warm")
Key = tuple[str, int | None]


class TableMemo:
    """Answers by key; at most ``size`` finished ones, least recently used out first. A failed
    computation is forgotten, so the next request tries again."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._futures: OrderedDict[Key, Future[queries.Table]] = OrderedDict()
        # Start-up warming, for /health: named queries computed so far, of how many; None when
        # the server does not warm.
        self.warmed: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self._futures)

    def claim(self, key: Key) -> tuple[Future[queries.Table], bool]:
        """The future holding ``key``'s answer, and whether the caller must compute it."""
        with self._lock:
            future = self._futures.get(key)
            if future is not None:
                self._futures.move_to_end(key)
                return future, False
            future = Future()
            self._futures[key] = future
            return future, True

    def finish(
        self, key: Key, future: Future[queries.Table], compute: Callable[[], queries.Table]
    ) -> queries.Table:
        """Run ``compute`` for a claimed key and publish its answer (or its failure)."""
        try:
            table = compute()
        except BaseException as exc:
            with self._lock:
                if self._futures.get(key) is future:
                    del self._futures[key]
            future.set_exception(exc)
            raise
        future.set_result(table)
        self._evict()
        return table

    def _evict(self) -> None:
        with self._lock:
            done = [k for k, f in self._futures.items() if f.done()]
            for k in done[: max(0, len(done) - self.size)]:
                del self._futures[k]


def warm(
    store: object,
    memo: TableMemo,
    max_rows: int | None,
    stop: threading.Event,
    first: Callable[[], None] | None = None,
) -> None:
    """Run ``first`` (the lookups' citation index), then compute every named query with its
    default parameters, one after another (so warming takes one core, not all). Failures are
    logged, not raised: a request will try again."""
    todo = queries.list_queries()
    memo.warmed = (0, len(todo))
    if first is not None:
        t0 = time.perf_counter()
        try:
            first()
        except Exception as exc:
            log.warning("warming the lookups failed: %s", exc)
        else:
            log.info("lookups' citation index read in %.1f s", time.perf_counter() - t0)
    for done, query in enumerate(todo):
        memo.warmed = (done, len(todo))
        if stop.is_set():
            return
        key = (query.render({}), max_rows)
        future, mine = memo.claim(key)
        if not mine:
            continue
        t0 = time.perf_counter()
        try:
            table = memo.finish(
                key, future, lambda q=query: queries.run(store, q.name, {}, max_rows=max_rows)
            )
        except Exception as exc:
            log.warning("warming %s failed: %s", query.name, exc)
            continue
        log.info("warmed %s: %d rows in %.1f s", query.name, len(table.rows), time.perf_counter() - t0)
    memo.warmed = (len(todo), len(todo))


def start_warming(
    store: object, memo: TableMemo, max_rows: int | None, *, first: Callable[[], None] | None = None
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=warm, args=(store, memo, max_rows, stop, first), name="warm", daemon=True
    )
    thread.start()
    return thread, stop
