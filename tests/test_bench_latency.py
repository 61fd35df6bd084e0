"""The latency benchmark (tests/bench/bench_latency.py) runs end to end at a tiny size: both servers
start, every named query is driven on every target, and the JSON holds numbers and no errors."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from budgetkg import queries

BENCH = Path(__file__).parent / "bench" / "bench_latency.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_latency", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_latency"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_percentile_interpolates() -> None:
    p = _bench().percentile
    assert p([], 50) is None
    assert p([10.0], 99) == 10.0
    assert p([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert p([float(x) for x in range(101)], 95) == 95.0


@pytest.mark.slow
def test_bench_latency_smoke(tmp_path: Path) -> None:
    import rdflib_endpoint  # noqa: F401  (the peer is a test dependency: missing, the test fails)

    out = tmp_path / "latency.json"
    # Two generated documents, no seeds: rdflib-endpoint answers every query within a few seconds.
    rc = _bench().main(
        [
            "--n", "2", "--seeds", str(tmp_path / "no-seeds"), "--cache", str(tmp_path / "cache"),
            "--duration", "0.3", "--concurrency", "4", "--repeat", "1", "--lookup-ids", "5",
            "--peer-timeout", "10",
            "--json", str(out),
        ]
    )  # fmt: skip
    assert rc == 0
    result = json.loads(out.read_text())
    names = [q.name for q in queries.list_queries()]
    assert len(names) == 16
    summary = result["summary"]
    lookups = {"lookup legal-bases", "lookup legal-bases, no-cache"}
    expected = lookups | {f"{k} {n}" for n in names for k in ("named", "sparql", "rdflib")}
    assert set(summary) == expected
    for key, s in summary.items():
        assert s["errors"] == 0, (key, s["error_kinds"])
        assert s["requests"] > 0, key
        for stat in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps"):
            assert isinstance(s[stat], float) and s[stat] > 0, (key, stat)
        assert s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"], key
    for name in names:
        # Both engines saw the same data and the same text: same number of rows.
        rows = result["rows"][name]
        assert rows["sparql"] == rows["rdflib"] == rows["named"], (name, rows)
        assert result["verdict"][name]["ratio_vs_sparql"] > 0
    assert len(set(result["lookup_ids"])) == len(result["lookup_ids"]) > 1
    # wrk drives our server wherever it is installed (.ci/run installs it), else the asyncio driver.
    assert result["driver"] == ("wrk" if shutil.which("wrk") else "httpx")
    # `budgetkg serve` warmed its named queries before the load (api/memo.py).
    assert isinstance(result["warm_s"], float) and result["warm_s"] >= 0
