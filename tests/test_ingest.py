"""Ingest from the command line: good files go in, bad files get one clear line each, a non-zero
exit, and leave the store exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetkg.api.cli import main
from budgetkg.loader.store import GraphStore
from budgetkg.loader.synth import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return generate(3, 11, tmp_path_factory.mktemp("corpus"))


def _quads(store_dir: Path) -> set[str]:
    """Everything ingest wrote; the ontology graphs (shipped files, with blank nodes that get new
    labels in every store) are left out."""
    store = GraphStore(store_dir, read_only=True)
    return {str(q) for q in store.store if not str(q.graph_name).startswith("<https://w3id.org/budgetkg/def")}


BAD = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 8,
    "garbage.txt": b"\xff\xfe\xfd\x80\x81" * 200 + b"\x00",
    "not-a-budget.txt": "今天天气很好，我们去公园散步。\n明天也许会下雨。\n".encode() * 20,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_fails_cleanly_and_changes_nothing(
    tmp_path: Path, corpus: list[Path], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "store"
    assert main(["ingest", "-q", "--no-validate", "--store", str(store_dir), str(corpus[0])]) == 0
    before = _quads(store_dir)
    bad = tmp_path / name
    bad.write_bytes(BAD[name])
    capsys.readouterr()
    code = main(["ingest", "-q", "--no-validate", "--store", str(store_dir), str(bad)])
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0], err  # one line, naming the file …
    assert lines[0].split(name, 1)[1].strip(": ")  # … and saying what is wrong
    assert _quads(store_dir) == before


def test_truncated_document_without_its_header_is_refused(tmp_path: Path, corpus: list[Path]) -> None:
    text = corpus[0].read_text("utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: len(text) // 50], "utf-8")  # the title block only, no table
    assert main(["ingest", "-q", "--no-validate", "--store", str(tmp_path / "s"), str(cut)]) != 0


def test_rest_of_batch_still_goes_in(
    tmp_path: Path, corpus: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    store_dir = tmp_path / "store"
    code = main(["ingest", "--no-validate", "--store", str(store_dir), str(bad), *map(str, corpus)])
    out = capsys.readouterr().out
    assert code == 1
    assert "total: 3 ingested, 1 failed" in out
    assert len(GraphStore(store_dir, read_only=True).documents()) == 3


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_other_encodings_give_the_same_graph(tmp_path: Path, corpus: list[Path], encoding: str) -> None:
    text = corpus[1].read_text("utf-8")
    other = tmp_path / "other" / corpus[1].name
    other.parent.mkdir()
    other.write_bytes(text.encode(encoding))
    main(["ingest", "-q", "--no-validate", "--store", str(tmp_path / "a"), str(corpus[1])])
    main(["ingest", "-q", "--no-validate", "--store", str(tmp_path / "b"), str(other)])
    a = {q for q in _quads(tmp_path / "a") if "sha256" not in q}
    b = {q for q in _quads(tmp_path / "b") if "sha256" not in q}
    assert a == b and len(a) > 1000


def test_reingest_is_idempotent_and_iris_stable(tmp_path: Path, corpus: list[Path]) -> None:
    store_dir = tmp_path / "store"
    main(["ingest", "-q", "--no-validate", "--store", str(store_dir), *map(str, corpus)])
    first = _quads(store_dir)
    main(["ingest", "-q", "--no-validate", "--store", str(store_dir), *map(str, corpus)])
    assert _quads(store_dir) == first
    other = tmp_path / "other-store"
    main(["ingest", "-q", "--no-validate", "--store", str(other), *map(str, reversed(corpus))])
    assert _quads(other) == first


def test_store_location_from_environment(
    tmp_path: Path, corpus: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUDGETKG_STORE", str(tmp_path / "env-store"))
    assert main(["ingest", "-q", "--no-validate", str(corpus[0])]) == 0
    assert (tmp_path / "env-store").is_dir()


def test_missing_path_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--store", str(tmp_path / "s"), str(tmp_path / "nope.txt")]) != 0
    assert "nope.txt" in capsys.readouterr().err
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    assert main(["ingest", "--store", str(tmp_path / "s"), str(empty)]) == 2
