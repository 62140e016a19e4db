"""BACKGROUND: the one place where a build's stages overlap.

Some work waits mostly on something other than Python: copying static files waits on the
disk, KaTeX runs in its own Node process, and while the page workers render, the build's
own process only waits for them. `Background` runs such work in threads beside the stage
that starts it, and gives back its result or what it raised. Leaving the `with` block
waits for every task, so no thread outlives its stage, whatever stopped it: a stage that
forks processes starts its tasks only after the fork.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Task(Generic[T]):
    """One piece of work running in its own thread."""

    def __init__(self, name: str, work: Callable[[], T]) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 (raised again in the stage's thread)
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> T:
        """Wait for the work; return its value or raise what it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set when no error was


class Background:
    """Tasks started beside a stage; `with Background() as tasks:` waits for all of them."""

    def __init__(self) -> None:
        self.tasks: list[Task[object]] = []

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.join()

    def start(self, name: str, work: Callable[[], T]) -> Task[T]:
        task = Task(name, work)
        self.tasks.append(task)  # type: ignore[arg-type]
        return task

    def join(self) -> None:
        for task in self.tasks:
            task.join()
