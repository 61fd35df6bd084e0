"""Docs that cannot drift: every command, option and setting the code has is in the README, and
the README's quick start is what the Makefile and CI really run."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from budgetkg.api.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
SOURCES = [p for d in ("api", "loader", "mappings", "ontology", "queries") for p in (ROOT / d).rglob("*.py")]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_and_option_is_documented(name: str) -> None:
    assert f"budgetkg {name}" in README, f"`budgetkg {name}` is not in README.md"
    for action in _subcommands()[name]._actions:
        for flag in action.option_strings:
            if flag in ("-h", "--help"):
                continue
            assert flag in README, f"option {flag} of `budgetkg {name}` is not in README.md"


def test_every_setting_is_documented() -> None:
    names = set()
    for path in SOURCES:
        names |= set(re.findall(r"\b(BUDGETKG_[A-Z_]+)\b", path.read_text("utf-8")))
    assert names, "no settings found: the scan is broken"
    missing = sorted(n for n in names if n not in README)
    assert not missing, f"settings not documented in README.md: {missing}"


def test_quick_start_is_two_commands_that_exist() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")
