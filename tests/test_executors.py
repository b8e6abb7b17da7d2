"""Executors: serial, process pools and Dask give the serial results, record failures, own only
what they start, and leave the global multiprocessing start method alone.

The task functions are module-level so that they pickle by reference to worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
import xarray as xr

from scenarios.executors import (
    DASK_INSTALL_HINT,
    DaskExecutor,
    Executor,
    FuturesExecutor,
    SerialExecutor,
    TaskFailed,
    resolve_executor,
)

distributed = pytest.importorskip("distributed")

#: (first run, stop run, seed, seconds to sleep) of each task
Task = tuple[int, int, int, float]
TASKS: list[Task] = [(i, i + 3, 1000 + i, 0.0) for i in range(0, 24, 3)]


def block_task(task: Task) -> xr.Dataset:
    """A pure block: a small dataset computed from the task with its own Generator."""
    start, stop, seed, pause = task
    if pause:
        time.sleep(pause)
    rng = np.random.default_rng(seed)
    runs = np.arange(start, stop)
    return xr.Dataset(
        {"x": (("run", "step"), rng.standard_normal((runs.size, 5))),
         "k": ("run", rng.integers(0, 9, runs.size).astype("i1"))},
        coords={"run": runs, "step": np.arange(5)},
    )


def failing_task(task: Task) -> xr.Dataset:
    if task[0] == 6:
        raise ValueError(f"no good: {task[0]}")
    return block_task(task)


def serial_results(tasks: list[Task]) -> dict[int, xr.Dataset]:
    return {i: block_task(t) for i, t in enumerate(tasks)}


def assert_same(results: list[tuple[int, Any]], expected: dict[int, xr.Dataset]) -> None:
    assert sorted(i for i, _ in results) == sorted(expected)
    for i, ds in results:
        assert not isinstance(ds, TaskFailed), ds
        xr.testing.assert_identical(ds, expected[i])
        np.testing.assert_array_equal(ds.x.values.view(np.uint64),
                                      expected[i].x.values.view(np.uint64))


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def start_method() -> Iterator[str | None]:
    """The start method before any executor was made; checked unchanged afterwards."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield before
    assert multiprocessing.get_start_method(allow_none=True) == before


@pytest.fixture(scope="module")
def dask_executor(start_method: str | None) -> Iterator[DaskExecutor]:
    """A Dask executor that owns a 2-worker LocalCluster (processes)."""
    ex = resolve_executor("dask", workers=2)
    assert isinstance(ex, DaskExecutor)
    yield ex
    cluster = ex.cluster
    ex.close()
    assert ex.client.status == "closed"
    assert cluster.status.name == "closed"


@pytest.fixture(scope="module")
def process_executor(start_method: str | None) -> Iterator[Executor]:
    ex = resolve_executor("processes", workers=2)
    yield ex
    ex.close()


@pytest.fixture(params=["serial", "processes", "threads", "dask"])
def executor(request: pytest.FixtureRequest) -> Iterator[Executor]:
    if request.param == "serial":
        yield resolve_executor()
    elif request.param == "processes":
        yield request.getfixturevalue("process_executor")
    elif request.param == "threads":
        with ThreadPoolExecutor(2) as pool:
            yield resolve_executor(pool)
    else:
        yield request.getfixturevalue("dask_executor")


# --------------------------------------------------------------------------------- tests


def test_same_results_as_serial(executor: Executor) -> None:
    results = list(executor.map_unordered(block_task, TASKS))
    assert_same(results, serial_results(TASKS))


def test_failure_is_recorded_and_others_complete(executor: Executor) -> None:
    results = dict(executor.map_unordered(failing_task, TASKS))
    assert sorted(results) == list(range(len(TASKS)))
    failed = results.pop(2)
    assert isinstance(failed, TaskFailed)
    assert failed.type == "ValueError"
    assert failed.message == "no good: 6"
    assert "failing_task" in failed.traceback and "ValueError: no good: 6" in failed.traceback
    assert_same(list(results.items()), {i: d for i, d in serial_results(TASKS).items() if i != 2})


def test_serial_runs_in_task_order() -> None:
    ex = resolve_executor("serial")
    assert isinstance(ex, SerialExecutor)
    assert [i for i, _ in ex.map_unordered(block_task, TASKS)] == list(range(len(TASKS)))
    assert list(ex.map_unordered(block_task, [])) == []


def test_process_pool_is_spawned_and_owned(process_executor: Executor) -> None:
    assert isinstance(process_executor, FuturesExecutor)
    assert process_executor.owned
    assert process_executor.workers == 2
    ctx = process_executor.pool._mp_context  # type: ignore[attr-defined]
    assert ctx.get_start_method() == "spawn"


def test_caller_owned_pool_is_not_shut_down() -> None:
    with ThreadPoolExecutor(2) as pool:
        with resolve_executor(pool) as ex:
            assert_same(list(ex.map_unordered(block_task, TASKS[:3])), serial_results(TASKS[:3]))
        assert pool.submit(sum, [1, 2]).result() == 3  # still usable after close()


class CountingPool(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(2)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_in_flight_is_bounded() -> None:
    with CountingPool() as pool:
        ex = FuturesExecutor(pool, max_in_flight=3)
        for yielded, _ in enumerate(ex.map_unordered(block_task, TASKS), start=1):
            assert pool.submitted - yielded <= 3
        assert pool.submitted == len(TASKS)


def test_early_stop_cancels_the_rest() -> None:
    with CountingPool() as pool:
        ex = FuturesExecutor(pool, max_in_flight=2)
        tasks = [(t[0], t[1], t[2], 0.05) for t in TASKS]
        gen = ex.map_unordered(block_task, tasks)
        next(gen)
        gen.close()
        assert pool.submitted <= 3


def test_resolve_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown executor 'threads'"):
        resolve_executor("threads")
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        resolve_executor("processes", workers=0)
    with pytest.raises(ValueError, match="serial executor"):
        resolve_executor("serial", workers=4)
    with pytest.raises(TypeError, match="executor must be"):
        resolve_executor(42)
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="caller made"):
        resolve_executor(pool, workers=2)
    ex = SerialExecutor()
    assert resolve_executor(ex) is ex


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ImportError, match=DASK_INSTALL_HINT.replace("[", r"\[")):
        resolve_executor("dask", workers=1)


def _worker_env() -> dict[str, str | None]:
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")}


def test_own_cluster_workers_keep_glibc_adaptive_malloc(dask_executor: DaskExecutor) -> None:
    # Dask's default MALLOC_TRIM_THRESHOLD_ made a block ~15 % slower on a worker
    # (docs/performance.md); the cluster the library starts unsets it, keeps one BLAS thread
    envs = dask_executor.client.run(_worker_env)
    assert len(envs) == 2
    for env in envs.values():
        assert env == {"MALLOC_TRIM_THRESHOLD_": None, "OPENBLAS_NUM_THREADS": "1"}


def test_caller_owned_dask_client_is_not_closed(dask_executor: DaskExecutor) -> None:
    client = dask_executor.client
    with resolve_executor(client) as ex:
        assert isinstance(ex, DaskExecutor) and not ex.owned
        assert_same(list(ex.map_unordered(block_task, TASKS[:2])), serial_results(TASKS[:2]))
    assert client.status == "running"
    assert client.submit(sum, [1, 2], pure=False).result() == 3


def test_join_scheduler_by_address(dask_executor: DaskExecutor) -> None:
    address = dask_executor.cluster.scheduler_address
    with resolve_executor(scheduler=address) as ex:
        assert isinstance(ex, DaskExecutor) and ex.owned and ex.cluster is None
        assert_same(list(ex.map_unordered(block_task, TASKS[:2])), serial_results(TASKS[:2]))
    assert dask_executor.client.status == "running"  # the cluster is not ours to close


def test_dask_worker_killed_mid_map_loses_nothing(dask_executor: DaskExecutor) -> None:
    client = dask_executor.client
    tasks = [(i, i + 2, 7 + i, 0.25) for i in range(0, 24, 2)]
    killed = None
    results = []
    for index, result in dask_executor.map_unordered(block_task, tasks):
        results.append((index, result))
        if killed is None and len(results) == 2:
            pids = client.run(os.getpid)
            killed = next(iter(pids.values()))
            os.kill(killed, signal.SIGKILL)
    assert killed is not None
    assert_same(results, serial_results(tasks))
    # the nanny restarts the worker: the cluster is whole again for the other tests
    client.wait_for_workers(2, timeout=30)
    assert killed not in client.run(os.getpid).values()
