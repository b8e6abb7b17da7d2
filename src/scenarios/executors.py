"""Executors: run a pure task function over many tasks, in-process, in processes or on Dask.

An ensemble is split into blocks of runs; each block is one *task* computed by a pure,
picklable function ``fn(task) -> result``. :func:`resolve_executor` turns the caller's choice
into an :class:`Executor`, whose one method, :meth:`Executor.map_unordered`, yields
``(task_index, result)`` pairs in completion order. A task that raises is reported as a
:class:`TaskFailed` record (type, message, traceback) in place of its result, and the other
tasks go on; the caller decides what a failure means.

Choices (the ``executor`` argument of :func:`resolve_executor`)
---------------------------------------------------------------
``None`` or ``"serial"``
    In this process, one task after the other, in task order (the default).
``"processes"``
    A :class:`concurrent.futures.ProcessPoolExecutor` that we create with an explicit
    ``spawn`` context and shut down in :meth:`Executor.close`.
``"dask"``
    A ``dask.distributed.LocalCluster`` (one thread per worker process) and its ``Client``,
    both created and closed by us. ``scheduler=ADDRESS`` instead joins an existing cluster.
a :class:`concurrent.futures.Executor` or a ``dask.distributed.Client``
    Owned by the caller: used, never shut down.

What this module guarantees
---------------------------
- No global process state changes: the multiprocessing start method is never set (a context
  is passed to the pool instead), no logging or signal handlers are installed. Python 3.12
  fixes the global start method as a side effect of starting any spawned process (CPython
  gh-109263); the executors undo that side effect (see :class:`_StartMethodGuard`).
- At most ``max_in_flight`` tasks (default twice the number of workers) are submitted and not
  yet yielded, so that memory stays bounded whatever the number of tasks.
- Results do not depend on the executor: the same ``fn`` and tasks give the same
  ``(index, result)`` pairs; only their order differs.
- On Dask, a worker that dies mid-map loses no work: its tasks are rescheduled by the
  scheduler (up to ``distributed.scheduler.allowed-failures`` times, then the task is reported
  as a ``KilledWorker`` failure), and results it held are recomputed when gathered.

This module imports only the standard library; ``dask.distributed`` is imported lazily, when
asked for.
"""

from __future__ import annotations

import abc
import itertools
import multiprocessing
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import Executor as FuturesPool
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Literal, Self

__all__ = [
    "DASK_INSTALL_HINT",
    "DaskExecutor",
    "Executor",
    "ExecutorLike",
    "FuturesExecutor",
    "SerialExecutor",
    "TaskFailed",
    "resolve_executor",
]

#: How to install the optional Dask dependency (named in the ImportError).
DASK_INSTALL_HINT: Final = "pip install 'ir-scenarios[dask]'"
#: Start method of the process pools we create: the same on every platform, and safe with
#: threads in the parent (``fork`` is not).
START_METHOD: Final = "spawn"

#: What :func:`resolve_executor` accepts (a ``dask.distributed.Client`` is also accepted; it is
#: typed as ``Any`` so that this module does not need Dask to be imported).
ExecutorLike = None | str | FuturesPool | Any


@dataclass(frozen=True, slots=True)
class TaskFailed:
    """A task that raised, recorded instead of its result.

    Attributes
    ----------
    type : str
        The exception's class name (qualified for nested classes), e.g. ``"ValueError"``.
    message : str
        ``str(exception)``.
    traceback : str
        The formatted traceback, as in the process that ran the task.

    Examples
    --------
    >>> try:
    ...     int("x")
    ... except ValueError as exc:
    ...     failed = TaskFailed.from_exception(exc)
    >>> failed.type, failed.message
    ('ValueError', "invalid literal for int() with base 10: 'x'")
    >>> str(failed)
    "ValueError: invalid literal for int() with base 10: 'x'"
    """

    type: str
    message: str
    traceback: str

    @classmethod
    def from_exception(cls, exc: BaseException) -> TaskFailed:
        """The record of ``exc`` (with its traceback, if it has one)."""
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type(exc).__qualname__, str(exc), tb)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


class _StartMethodGuard:
    """Undo the one global change starting a process makes behind our back.

    On Python 3.12 (fixed in later releases), starting a process from a ``spawn`` (or
    ``forkserver``) context also fixes the *global* start method to the platform default as a
    side effect (CPython gh-109263: ``spawn.get_preparation_data`` calls
    ``get_start_method()`` without ``allow_none``), after which the user's own
    ``set_start_method`` raises. We never set it; this puts it back to unset if it was unset
    when the executor was made and is now exactly the platform default. Called after our
    submissions, at the end of each map and at close.
    """

    def __init__(self) -> None:
        self.was_unset = multiprocessing.get_start_method(allow_none=True) is None

    def restore(self) -> None:
        if not self.was_unset:
            return
        default: Any = multiprocessing.context._default_context
        if default._actual_context is default._default_context:
            default._actual_context = None


def _call_guarded[T, R](fn: Callable[[T], R], task: T) -> R | TaskFailed:
    """``fn(task)``, or the :class:`TaskFailed` record of what it raised.

    Runs where the task runs (in a worker process), so that the traceback is the real one.
    A module-level function, so that it pickles by reference.
    """
    try:
        return fn(task)
    except Exception as exc:
        return TaskFailed.from_exception(exc)


class Executor(abc.ABC):
    """Runs a task function over tasks; see the module docstring.

    Subclasses implement :meth:`map_unordered` and :meth:`close`. An executor is a context
    manager: ``with resolve_executor("processes") as ex: ...`` closes it on exit.

    Attributes
    ----------
    workers : int
        How many tasks can run at the same time.
    """

    workers: int

    @abc.abstractmethod
    def map_unordered[T, R](
        self, fn: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R | TaskFailed]]:
        """Run ``fn`` on every task; yield ``(task_index, result)`` as tasks complete.

        Parameters
        ----------
        fn : callable
            A pure function of one task. For the process and Dask executors it must pickle
            (a module-level function, not a lambda or a closure).
        tasks : sequence
            The tasks; each is pickled to the worker that runs it.

        Yields
        ------
        (int, result or TaskFailed)
            The index of a task in ``tasks`` and its result, or the :class:`TaskFailed`
            record of what ``fn`` raised (or of a worker that died running it). Every index
            is yielded exactly once, in completion order.

        Notes
        -----
        Stopping the iteration early (``break``, or closing the generator) cancels the tasks
        not yet started.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release what this executor created; what the caller owns is left running."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class SerialExecutor(Executor):
    """Runs the tasks in this process, one after the other, in task order.

    Examples
    --------
    >>> with SerialExecutor() as ex:
    ...     results = list(ex.map_unordered(abs, [-1, 2, -3]))
    >>> results
    [(0, 1), (1, 2), (2, 3)]
    >>> _, failed = next(SerialExecutor().map_unordered(int, ["x"]))
    >>> failed.type
    'ValueError'
    """

    def __init__(self) -> None:
        self.workers = 1

    def map_unordered[T, R](
        self, fn: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R | TaskFailed]]:
        for index, task in enumerate(tasks):
            yield index, _call_guarded(fn, task)

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "SerialExecutor()"


def _default_in_flight(workers: int) -> int:
    return max(2, 2 * workers)


class FuturesExecutor(Executor):
    """Runs the tasks on a :class:`concurrent.futures.Executor` (processes or threads).

    Parameters
    ----------
    pool : concurrent.futures.Executor
        The pool to submit to.
    owned : bool, default False
        Whether :meth:`close` shuts ``pool`` down. Pools passed by the caller are not owned.
    max_in_flight : int, optional
        Most tasks submitted and not yet yielded; default twice the pool's workers.
    """

    def __init__(
        self, pool: FuturesPool, *, owned: bool = False, max_in_flight: int | None = None
    ) -> None:
        self.pool = pool
        self.owned = owned
        self._guard = _StartMethodGuard()
        # both standard pools keep their size there; any other pool counts as cpu_count
        self.workers = int(getattr(pool, "_max_workers", None) or os.cpu_count() or 1)
        self.max_in_flight = max_in_flight or _default_in_flight(self.workers)

    @classmethod
    def processes(
        cls, workers: int | None = None, *, start_method: Literal["spawn", "forkserver"] = "spawn"
    ) -> FuturesExecutor:
        """A process pool of ``workers`` processes (default ``os.cpu_count()``), owned by us.

        The pool gets its own multiprocessing context: the global start method is untouched.
        """
        n = _check_workers(workers)
        pool = ProcessPoolExecutor(
            max_workers=n, mp_context=multiprocessing.get_context(start_method)
        )
        return cls(pool, owned=True)

    def map_unordered[T, R](
        self, fn: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R | TaskFailed]]:
        pending: dict[Future[R | TaskFailed], int] = {}
        todo = iter(enumerate(tasks))
        try:
            for index, task in itertools.islice(todo, self.max_in_flight):
                pending[self.pool.submit(_call_guarded, fn, task)] = index
            self._guard.restore()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # the worker died, or the result did not pickle
                        result = TaskFailed.from_exception(exc)
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending[self.pool.submit(_call_guarded, fn, nxt[1])] = nxt[0]
                        self._guard.restore()
                    yield index, result
        finally:
            for future in pending:
                future.cancel()
            self._guard.restore()

    def close(self) -> None:
        """Shut the pool down if we created it (waiting for running tasks)."""
        if self.owned:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self._guard.restore()

    def __repr__(self) -> str:
        return f"FuturesExecutor({self.pool!r}, owned={self.owned})"


class DaskExecutor(Executor):
    """Runs the tasks on a Dask distributed cluster.

    Parameters
    ----------
    client : dask.distributed.Client
        The client to submit through.
    owned : bool, default False
        Whether :meth:`close` closes ``client`` (and ``cluster``).
    cluster : dask.distributed.LocalCluster, optional
        A cluster we started, closed with the client when owned.
    retries : int, default 0
        Dask's ``retries`` for each task. Exceptions raised by ``fn`` are caught on the worker
        and reported as :class:`TaskFailed` (a pure function would only fail again), so this
        concerns errors outside ``fn``, such as a result that does not pickle. Lost workers
        are handled by the scheduler's own rescheduling, whatever ``retries`` is.
    max_in_flight : int, optional
        Most tasks submitted and not yet yielded; default twice the cluster's threads at the
        start of each map.
    """

    def __init__(
        self,
        client: Any,
        *,
        owned: bool = False,
        cluster: Any = None,
        retries: int = 0,
        max_in_flight: int | None = None,
        _guard: _StartMethodGuard | None = None,
    ) -> None:
        self._guard = _guard or _StartMethodGuard()
        self._guard.restore()
        self.client = client
        self.owned = owned
        self.cluster = cluster
        self.retries = retries
        self._max_in_flight = max_in_flight
        self.workers = self._cluster_threads()

    def _cluster_threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    @property
    def max_in_flight(self) -> int:
        """The bound on tasks submitted and not yet yielded."""
        return self._max_in_flight or _default_in_flight(self._cluster_threads())

    def map_unordered[T, R](
        self, fn: Callable[[T], R], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R | TaskFailed]]:
        from distributed import as_completed

        # keys unique to this map: a key already known to the scheduler would return the old
        # future instead of running the task again
        name = getattr(fn, "__name__", "task")
        token = uuid.uuid4().hex

        def submit(index: int, task: T) -> Any:
            return self.client.submit(
                _call_guarded, fn, task, key=f"{name}-{token}-{index}", pure=False,
                retries=self.retries,
            )

        indices: dict[str, int] = {}
        todo = iter(enumerate(tasks))
        first = []
        for index, task in itertools.islice(todo, self.max_in_flight):
            future = submit(index, task)
            indices[future.key] = index
            first.append(future)
        running = as_completed(first)
        try:
            for future in running:
                index = indices.pop(future.key)
                try:
                    # gathers the result; if the worker holding it died meanwhile, the
                    # scheduler recomputes it and this waits for the new copy
                    result = future.result()
                except Exception as exc:  # KilledWorker, or an error outside fn
                    result = TaskFailed.from_exception(exc)
                future.release()
                nxt = next(todo, None)
                if nxt is not None:
                    new = submit(*nxt)
                    indices[new.key] = nxt[0]
                    running.add(new)
                yield index, result
        finally:
            for future in running.futures:
                future.cancel()
            running.clear()
            self._guard.restore()  # a nanny may have restarted a dead worker

    def close(self) -> None:
        """Close the client and cluster if we started them."""
        if self.owned:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        self._guard.restore()

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client!r}, owned={self.owned})"


def _check_workers(workers: int | None) -> int:
    n = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return n


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            f"the Dask executor needs dask.distributed, which is not installed: "
            f"{DASK_INSTALL_HINT}"
        ) from exc
    return distributed


def _is_dask_client(obj: object) -> bool:
    # a Client can only exist if distributed has been imported: no import needed to check
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(obj, distributed.Client)


def resolve_executor(
    executor: ExecutorLike = None, *, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """The :class:`Executor` for the caller's choice.

    Parameters
    ----------
    executor : None, str, concurrent.futures.Executor, dask.distributed.Client or Executor
        ``None`` or ``"serial"`` (in this process), ``"processes"`` (a process pool we own),
        ``"dask"`` (a local Dask cluster we own), or an executor or Dask client owned by the
        caller (never shut down by us). An :class:`Executor` is returned as is.
    workers : int, optional
        Worker processes for ``"processes"`` and ``"dask"``; default ``os.cpu_count()``.
        Not allowed with an executor the caller made.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``) to join; implies Dask. The
        client we open is closed by :meth:`Executor.close`; the cluster is left running.

    Returns
    -------
    Executor
        Close it (or use it in a ``with`` block) to release what it started.

    Raises
    ------
    ValueError
        An unknown name, a bad ``workers``, or conflicting arguments.
    ImportError
        Dask asked for but not installed (the message says how to install it).

    Examples
    --------
    >>> with resolve_executor() as ex:
    ...     sorted(ex.map_unordered(len, ["a", "bcd"]))
    [(0, 1), (1, 3)]
    """
    if isinstance(executor, Executor):
        if workers is not None or scheduler is not None:
            raise ValueError("workers and scheduler apply only to an executor named by string")
        return executor
    if scheduler is not None:
        if executor not in (None, "dask"):
            raise ValueError(f"scheduler={scheduler!r} joins a Dask cluster: executor must be "
                             f"None or 'dask', got {executor!r}")
        if workers is not None:
            raise ValueError("workers cannot be set when joining a running Dask scheduler")
        distributed = _import_distributed()
        return DaskExecutor(distributed.Client(scheduler), owned=True)
    if executor is None or executor == "serial":
        if workers not in (None, 1):
            raise ValueError(f"the serial executor runs one task at a time, got workers={workers}")
        return SerialExecutor()
    if executor == "processes":
        return FuturesExecutor.processes(workers)
    if executor == "dask":
        n = _check_workers(workers)
        distributed = _import_distributed()
        guard = _StartMethodGuard()
        import dask

        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which makes glibc
        # map and unmap every array above 128 KiB afresh: a block of runs, which allocates
        # and frees such arrays every month, ran ~15 % slower on a worker than in the main
        # process (docs/performance.md). Unset it for the workers this cluster starts.
        with dask.config.set(
            {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
        ):
            cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
        try:
            client = distributed.Client(cluster)
        except BaseException:
            cluster.close()
            raise
        return DaskExecutor(client, owned=True, cluster=cluster, _guard=guard)
    if isinstance(executor, str):
        raise ValueError(
            f"unknown executor {executor!r}: expected 'serial', 'processes' or 'dask', "
            "a concurrent.futures.Executor, or a dask.distributed.Client"
        )
    if workers is not None:
        raise ValueError("workers cannot be set for an executor the caller made")
    if isinstance(executor, FuturesPool):
        return FuturesExecutor(executor, owned=False)
    if _is_dask_client(executor):
        return DaskExecutor(executor, owned=False)
    raise TypeError(
        f"executor must be None, a name, a concurrent.futures.Executor or a "
        f"dask.distributed.Client, got {type(executor).__name__}"
    )
