"""Live progress for long commands: what, how many, how long, and rate-limit budget left."""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True, highlight=False, soft_wrap=True)


class HasBudget(Protocol):
    def describe(self) -> str: ...


def progress() -> Progress:
    """One bar per phase: counts, elapsed, ETA, and a status line with the budget."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}", markup=False),
        console=console,
        transient=False,
    )


class Phase:
    """A bar of a `progress()` display; total may be unknown (search) or known (batches)."""

    def __init__(self, bar: Progress | None, description: str, total: int | None = None):
        # The display and this phase's task in it; None when nothing is shown.
        self.shown: tuple[Progress, TaskID] | None = (
            (bar, bar.add_task(description, total=total, status="")) if bar else None
        )

    def advance(self, status: str, budget: HasBudget) -> None:
        if self.shown is not None:
            bar, task = self.shown
            bar.update(task, advance=1, status=f"{status} | rate limit left: {budget.describe()}")

    def extend(self, more: int) -> None:
        """Work found along the way (pages past the first) lengthens the bar."""
        if self.shown is not None:
            bar, task = self.shown
            shown = bar.tasks[task]
            bar.update(task, total=(shown.total or shown.completed) + more)
