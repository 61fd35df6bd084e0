"""Domain errors. Library code raises these; only the CLI edge turns them into exit codes."""

from __future__ import annotations


class BudgetKGError(Exception):
    """Base of every error budgetkg reports to a user."""


class DocumentError(BudgetKGError):
    """A source file that cannot be read as a budget disclosure.

    ``problem`` says what is wrong in words a user can act on; ``source`` names the file.
    """

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
