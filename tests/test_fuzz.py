"""Fuzz: mutated seed documents never crash the loader and never leave a partial graph.

Each seed (read from ``../shared/seeds``, never copied here) gets ``MUTANTS`` mutants from a seeded
``random.Random``: cut at a random offset, line blocks dropped, shuffled or duplicated, random
bytes inserted, the encoding switched from UTF-8 to GB18030 part way, figures scrambled or made
30 digits long. ``parse_bytes`` must either return a document or raise :class:`DocumentError`;
mapping an accepted document must work; and ingesting a batch of mutants must leave the store as
ingesting only the accepted ones does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from budgetkg.loader.errors import DocumentError
from budgetkg.loader.ingest import ingest
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.store import GraphStore
from budgetkg.mappings.mapper import map_document

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEEDS = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
MUTANTS = 30
# mutants per seed that also go through ingest (mapping and writing cost more than parsing)
INGESTED = 8

pytestmark = pytest.mark.skipif(not SEEDS, reason=f"seed documents not found in {SEEDS_DIR}")


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def drop_block(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    return b"\n".join(lines[:start] + lines[start + rng.randint(1, 80) :])


def shuffle_blocks(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    size = rng.randint(5, 60)
    blocks = [lines[i : i + size] for i in range(0, len(lines), size)]
    rng.shuffle(blocks)
    return b"\n".join(line for block in blocks for line in block)


def duplicate_block(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 80)]
    at = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:at] + block + lines[at:])


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        at = rng.randrange(len(out) + 1)
        out[at:at] = rng.randbytes(rng.randint(1, 16))
    return bytes(out)


def switch_encoding(data: bytes, rng: random.Random) -> bytes:
    """UTF-8 up to a random line, GB18030 after it (as when two files were pasted together)."""
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    at = rng.randrange(len(lines) + 1)
    head, tail = "\n".join(lines[:at]), "\n".join(lines[at:])
    return head.encode("utf-8") + b"\n" + tail.encode("gb18030", errors="replace")


def huge_numbers(data: bytes, rng: random.Random) -> bytes:
    """Some figures replaced by 30-digit ones: more than Decimal's 28 digits once in cents."""
    text = data.decode("utf-8", errors="replace")
    return re.sub(r"\d+\.\d+", lambda m: "9" * 30 + ".5" if rng.random() < 0.3 else m.group(0), text).encode(
        "utf-8"
    )


def scramble_digits(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    where = [i for i, c in enumerate(out) if 48 <= c <= 57]
    for i in rng.sample(where, min(len(where), rng.randint(1, 300))):
        out[i] = rng.choice(b"0123456789.,-%\t")
    return bytes(out)


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    truncate,
    drop_block,
    shuffle_blocks,
    duplicate_block,
    random_bytes,
    switch_encoding,
    huge_numbers,
    scramble_digits,
]


def mutants(seed: Path, n: int = MUTANTS) -> list[tuple[str, bytes]]:
    """``n`` mutants of one seed, the same on every run: one to three mutations each."""
    data = seed.read_bytes()
    rng = random.Random(f"budgetkg-fuzz-{seed.name}")
    out = []
    for k in range(n):
        steps = [MUTATIONS[k % len(MUTATIONS)], *rng.sample(MUTATIONS, rng.randint(0, 2))]
        mutated = data
        for step in steps:
            mutated = step(mutated, rng)
        out.append((f"{seed.stem}-m{k:02d}-{'-'.join(s.__name__ for s in steps)}.txt", mutated))
    return out


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name[:3] for s in SEEDS])
def test_mutants_parse_or_are_refused(seed: Path) -> None:
    accepted = refused = 0
    for name, data in mutants(seed):
        try:
            doc = parse_bytes(data, name)
        except DocumentError as exc:
            assert exc.source == name and exc.problem
            refused += 1
            continue
        # what the loader accepts, the mapping must take
        assert map_document(doc).quads(), name
        accepted += 1
    # the mutations are neither all fatal nor all harmless: both paths are exercised
    assert accepted and refused, (accepted, refused)


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name[:3] for s in SEEDS])
def test_figures_beyond_decimal_precision_are_reported_not_a_crash(seed: Path) -> None:
    """Found by this fuzzing: a 30-digit project amount made ``Decimal.quantize`` raise
    InvalidOperation in the project reader. Such an amount is now reported and left out."""
    text = re.sub(r"\d+\.\d+", "9" * 30 + ".5", seed.read_text("utf-8"))
    doc = parse_bytes(text.encode("utf-8"), seed.name)
    assert all(p.amount is None or p.amount < 10**15 for p in doc.projects)
    assert map_document(doc).quads()


def _dataset(store: GraphStore) -> dict[str, rdflib.Graph]:
    ds = rdflib.Dataset()
    ds.parse(data=store.store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return {str(g.identifier): g for g in ds.graphs() if len(g)}


def test_batch_with_mutants_leaves_only_accepted_documents(tmp_path: Path) -> None:
    files: list[Path] = []
    for seed in SEEDS:
        for name, data in mutants(seed)[:INGESTED]:
            path = tmp_path / "batch" / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            files.append(path)
    store = GraphStore(None)
    results = ingest(store, files, validate=False)
    internal = [r.error for r in results if r.error and r.error.startswith("internal error")]
    assert not internal, internal
    ok = [r.path for r in results if r.ok]
    assert ok and len(ok) < len(files), "both accepted and refused mutants are expected"

    alone = GraphStore(None)
    assert all(r.ok for r in ingest(alone, ok, validate=False))
    got, expected = _dataset(store), _dataset(alone)
    assert sorted(got) == sorted(expected)
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), f"graph {name} differs"
