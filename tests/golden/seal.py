"""Seal a clear golden file into the repository: ``python -m tests.golden.seal SRC DST``.

The clear file is written by reading a seed and kept outside the repository; sealing replaces
every textual field by its fingerprint, so the repository holds no seed text, only the facts
(amounts, codes, years, adcodes, 文号) and fingerprints of the names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .facts import FIELDS, TEXTUAL, GoldenError, canonical_amount, canonical_number, check, fingerprint


def seal(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - {"seed", "facts"})
    if unknown:
        raise GoldenError(f"unknown top-level key(s) {unknown}; allowed: seed, facts")
    if not isinstance(data.get("seed"), str) or not isinstance(data.get("facts"), dict):
        raise GoldenError('a golden is {"seed": "<prefix>", "facts": {<type>: [<fact>, ...]}}')
    facts: dict[str, list[dict[str, Any]]] = {}
    for kind, items in data["facts"].items():
        if kind not in FIELDS:
            raise GoldenError(f"unknown fact type {kind!r}; allowed: {', '.join(FIELDS)}")
        sealed = []
        for fact in items:
            check(kind, fact)
            out = dict(fact)
            for name in TEXTUAL.get(kind, ()):
                if out.get(name) is not None:
                    out[name] = fingerprint(str(out[name]))
            if out.get("amount") is not None:
                out["amount"] = canonical_amount(out["amount"])
            if kind == "citation" and out.get("number"):
                out["number"] = canonical_number(out["number"])
            sealed.append(out)
        facts[kind] = sealed
    return {"seed": data["seed"], "facts": facts}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m tests.golden.seal SRC DST", file=sys.stderr)
        return 2
    src, dst = map(Path, args)
    try:
        sealed = seal(json.loads(src.read_text("utf-8")))
    except (OSError, json.JSONDecodeError, GoldenError) as exc:
        print(f"{src}: {exc}", file=sys.stderr)
        return 1
    # One fact per line: diffs of a golden stay readable.
    lines = ['{"seed":' + json.dumps(sealed["seed"]) + ',"facts":{']
    kinds = list(sealed["facts"])
    for i, kind in enumerate(kinds):
        items = sealed["facts"][kind]
        lines.append(json.dumps(kind) + ":[")
        for j, fact in enumerate(items):
            comma = "," if j < len(items) - 1 else ""
            lines.append(" " + json.dumps(fact, ensure_ascii=False, separators=(",", ":")) + comma)
        lines.append("]" + ("," if i < len(kinds) - 1 else ""))
    lines.append("}}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == sealed
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(text, "utf-8")
    counts = ", ".join(f"{k} {len(v)}" for k, v in sealed["facts"].items())
    print(f"{dst}: sealed {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
