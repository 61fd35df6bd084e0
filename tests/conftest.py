"""Shared fixtures. Real seed documents are read from ../shared/seeds (never copied here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budgetkg.loader.records import ParsedDocument, document_from_dict
from budgetkg.loader.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
CASES = Path(__file__).parent / "cases"


def seed(prefix: str) -> Path:
    """A seed document by its number prefix; skips (saying why) only where ../shared is absent."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not available: {SEEDS} is absent (CI always has ../shared)")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert matches, f"no seed {prefix}_*.txt in {SEEDS}"
    return matches[0]


@pytest.fixture
def example_doc() -> ParsedDocument:
    return document_from_dict(json.loads((CASES / "mapping" / "basic" / "records.json").read_text("utf-8")))


@pytest.fixture
def memory_store() -> GraphStore:
    return GraphStore(None)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"
