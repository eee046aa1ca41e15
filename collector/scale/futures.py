"""What every executor hands back, and the executor's protocol (`collector.scale.executors`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Pending(Protocol[R_co]):
    """A task handed to an executor: concurrent.futures.Future and Dask's Future both are one."""

    def result(self) -> R_co: ...


class Executor(Protocol):
    """Runs tasks; `workers` is how many run at once (the in-flight bound follows from it)."""

    @property
    def workers(self) -> int: ...

    def submit(self, fn: Callable[..., R], /, *args: Any) -> Pending[R]: ...

    def first_done(self, pending: set[Pending[R]]) -> set[Pending[R]]:
        """Wait until at least one of `pending` is done; those that are."""

    def close(self) -> None:
        """Drop the tasks not started and wait for the running ones (also on Ctrl-C)."""


class SchedulerError(Exception):
    """The cluster cannot be started or reached; str() is one line for stderr."""


@dataclass(frozen=True, slots=True)
class Done(Generic[R]):
    """A result known without running anything (an input that failed before any task): it keeps
    its place among the tasks' results."""

    value: R

    def result(self) -> R:
        return self.value
