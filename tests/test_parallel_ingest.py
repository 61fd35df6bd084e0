"""`budgetkg ingest --jobs N`: worker processes parse, map and validate; the store, the reports and
the command's output are those of `--jobs 1`, and the reports those of validating against the store."""

from __future__ import annotations

import os
import re
import signal
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from budgetkg.api.cli import main
from budgetkg.loader.ingest import DocResult, _Prepared, ingest, prepare
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate
from budgetkg.loader.validate import store_closure, validate_document
from tests.conftest import seed


def _with_violation(src: Path, dst: Path) -> Path:
    """``src`` with its first 7-digit function-class line 100 (万元) higher in every column, so
    its parent no longer adds up: a document with SHACL violations."""
    lines = src.read_text("utf-8").split("\n")
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if re.fullmatch(r"\d{7}", cells[0]) and len(cells) > 2:
            lines[i] = "\t".join(
                [
                    *cells[:2],
                    *(str(Decimal(c) + 100) if re.fullmatch(r"\d+\.\d\d", c) else c for c in cells[2:]),
                ]
            )
            break
    else:
        raise AssertionError(f"no function-class line in {src}")
    dst.write_text("\n".join(lines), "utf-8")
    return dst


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Seeds 003 and 004, six generated documents, one of them changed to have violations, and a
    file that is no disclosure in the middle."""
    folder = tmp_path_factory.mktemp("parallel")
    generated = generate(6, 5, folder / "gen")
    bad = folder / "not-a-budget.txt"
    bad.write_text("今天天气很好，我们去公园散步。\n" * 20, "utf-8")
    broken = _with_violation(generated[2], folder / "violations.txt")
    return [seed("003"), *generated[:2], bad, broken, *generated[3:], seed("004")]


def _run(
    store_dir: Path, files: list[Path], jobs: int, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["ingest", "--store", str(store_dir), "--jobs", str(jobs), *map(str, files)])
    out, err = capsys.readouterr()
    return code, re.sub(r" in \d+\.\d+s → .*", "", out), err


def _dataset(store_dir: Path) -> dict[str, rdflib.Graph]:
    """Every named graph of the store as an rdflib graph (blank nodes compared up to renaming)."""
    store = GraphStore(store_dir, read_only=True)
    graphs: dict[str, rdflib.Graph] = {}
    for name in {q.graph_name for q in store.store}:
        nt = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        graphs[str(name)] = rdflib.Graph().parse(data=nt.decode("utf-8"), format="nt")
    return graphs


def test_jobs_2_equals_jobs_1(corpus: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = _run(tmp_path / "one", corpus, 1, capsys)
    two = _run(tmp_path / "two", corpus, 2, capsys)
    assert one == two  # exit status, every per-document line in input order, the total
    code, out, err = two
    assert code == 1
    assert "total: 8 ingested, 1 failed" in out
    assert err.count("FAILED") == 1 and "not-a-budget.txt" in err
    names = [line.split(":")[0].split()[-1] for line in out.splitlines() if line.startswith("ok ")]
    assert names == [p.name for p in corpus if p.name != "not-a-budget.txt"]
    assert re.search(r"violations\.txt: .*SHACL [1-9]\d* violations", out)

    a, b = _dataset(tmp_path / "one"), _dataset(tmp_path / "two")
    assert a.keys() == b.keys()
    assert len([g for g in a if g.endswith("/validation>")]) == 8  # one report per document
    for name in a:
        assert isomorphic(a[name], b[name]), name


def test_reports_equal_validation_against_the_store(corpus: list[Path]) -> None:
    """What the workers validate (the document's triples plus the shared triples looked up after
    the write) gives the report validate_document gives from the store, violations included."""
    store = GraphStore(None)
    results = ingest(store, corpus, jobs=2)
    done = [r for r in results if r.ok]
    assert len(done) == 8 and not results[3].ok
    assert [r.path for r in results] == corpus
    for r in done:
        assert r.report is not None and r.report == validate_document(store, r.doc_iri), r.path
    assert sum(r.report.count("Violation") for r in done if r.report) > 0
    assert sum(r.report.count("Info") for r in done if r.report) > 0  # seed 004's rounding notes


def test_shared_resources_seen_as_the_store_has_them(corpus: list[Path]) -> None:
    """Documents add to each other's shared resources (the same 文号 cited with and without its
    issuer's name): a worker cannot validate from the document alone; this corpus has such a case."""
    store = GraphStore(None)
    ingest(store, corpus, validate=False, jobs=2)
    differ = 0
    for path in corpus:
        prepared = prepare(path)
        if not isinstance(prepared, _Prepared):
            continue  # the file that is no disclosure
        alone = GraphStore(None)
        alone.write_documents([(prepared.doc_iri, prepared.quads)])
        own = store_closure(alone, prepared.doc_iri, prepared.quads)
        together = store_closure(store, prepared.doc_iri, prepared.quads)
        assert own <= together
        differ += own != together
    assert differ


def crash_on_crash(path: Path) -> DocResult | _Prepared:
    """A preparer whose worker process dies on files named crash*: a native crash, an OOM kill."""
    if path.name.startswith("crash"):
        os._exit(3)
    return prepare(path)


def test_a_dying_worker_fails_its_document_only(corpus: list[Path], tmp_path: Path) -> None:
    crash = tmp_path / "crash.txt"
    crash.write_bytes(corpus[1].read_bytes())
    files = [corpus[0], crash, corpus[2], corpus[4]]
    store = GraphStore(tmp_path / "store")
    results = ingest(store, files, jobs=2, preparer=crash_on_crash)
    assert [r.path for r in results] == files
    assert [r.ok for r in results] == [True, False, True, True]
    assert "died" in (results[1].error or "")
    assert set(store.documents()) == {results[i].doc_iri for i in (0, 2, 3)}
    assert all(r.report is not None for r in results if r.ok)


def test_ctrl_c_during_a_write_finishes_the_write(
    corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt that arrives while a batch is being written takes effect after it: the batch's
    documents are all in, whole, and ingest stops with KeyboardInterrupt."""
    store = GraphStore(tmp_path / "store")
    write = store.write_documents

    def interrupted_write(docs: list[tuple[str, list[ox.Quad]]]) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        write(docs)

    monkeypatch.setattr(store, "write_documents", interrupted_write)
    files = [corpus[0], corpus[1]]
    with pytest.raises(KeyboardInterrupt):
        ingest(store, files, jobs=2)
    reference = GraphStore(None)
    ingest(reference, files, validate=False)
    assert sorted(store.documents()) == sorted(reference.documents())
    for doc in reference.documents():
        mine = {q.triple for q in store.graph_quads(doc)}
        assert mine == {q.triple for q in reference.graph_quads(doc)}


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("x", "utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["ingest", "--store", str(tmp_path / "s"), "--jobs", value, str(doc)])
    assert exit_.value.code == 2
    assert "--jobs" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
