"""Reliability of whole ensembles, end to end through ``run_experiment`` and ``scenarios run``.

- the same dataset, bit for bit, whatever the executor (serial, 2 processes, a Dask
  LocalCluster of 2 worker processes) and the block size;
- ``scenarios run --store zarr|netcdf`` killed with SIGKILL mid-ensemble and rerun with
  ``--resume`` ends with the ``results.nc`` of an uninterrupted run, recomputing no stored
  block, and a half-written ensemble is never taken for a finished one;
- a Dask worker process killed mid-ensemble loses nothing: the ensemble completes with the
  serial results;
- a run that raises is recorded as failed (status, error, traceback) on every executor and
  the other runs are those of a clean ensemble;
- a malformed experiment section is rejected with the error that names file, key, value and
  what is allowed.

Failures and block computations are observed from outside the library: a failure is injected
by replacing ``scenarios.dynamics.step`` in the process that runs the block (the source below
is run with ``exec`` there, which pickles by reference to any worker), and the CLI's block
computations are counted by a ``sitecustomize`` module put on the child's ``PYTHONPATH``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
import yaml

from scenarios.cli import main
from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.ensemble import load_results
from scenarios.errors import ConfigError
from scenarios.experiment import StoreSpec, run_experiment, run_seed
from scenarios.random import run_key
from scenarios.store import UnfinishedStoreError, load_store, open_store, parts_dir

SEED = 11
#: The small ensemble: experiment_demo cut to 6 months, 4 scenarios x 2 policies x 2
#: replications = 16 runs in blocks of 3 (the last one shorter).
STEPS, N_SAMPLES, BLOCK = 6, 4, 3
#: Run (experiment, replication) made to fail, and the month it fails in.
BAD_RUN, FAIL_MONTH = (5, 1), 2


def demo_config(*, steps: int = STEPS, n_samples: int = N_SAMPLES,
                block_size: int | str = BLOCK) -> ScenarioConfig:
    data = builtin_config("experiment_demo").to_dict()
    data["steps"] = steps
    data["experiment"] = {**data["experiment"], "n_samples": n_samples,
                          "block_size": block_size}
    return parse_config(data)


@cache
def reference() -> xr.Dataset:
    """The small ensemble, serial, blocks of :data:`BLOCK` (computed once per process)."""
    return run_experiment(demo_config(), rng=SEED, progress=False)


def without_block_size(config_yaml: str) -> dict[str, Any]:
    data = yaml.safe_load(config_yaml)
    data["experiment"].pop("block_size")
    return dict(data)


def assert_same_ensemble(got: xr.Dataset, want: xr.Dataset, *,
                         ignore_attrs: tuple[str, ...] = ()) -> None:
    """Identical datasets (values, dtypes, coords, attrs), floats compared bit for bit."""
    got, want = got.copy(), want.copy()
    for key in ignore_attrs:
        got.attrs.pop(key, None)
        want.attrs.pop(key, None)
    xr.testing.assert_identical(got, want)
    for name, var in want.variables.items():
        if var.dtype.kind == "f":
            bits = f"u{var.dtype.itemsize}"
            np.testing.assert_array_equal(got[name].values.view(bits), var.values.view(bits),
                                          err_msg=str(name))


# --- executors ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A Dask ``Client`` on a LocalCluster of 2 worker processes, owned by the test.

    Made with ``resolve_executor("dask", workers=2)`` (one thread per worker, processes=True),
    which also puts the global multiprocessing start method back as it was; the tests pass
    its ``client`` to ``run_experiment``, as a caller-owned executor.
    """
    pytest.importorskip("distributed")
    from scenarios.executors import DaskExecutor, resolve_executor

    ex = resolve_executor("dask", workers=2)
    assert isinstance(ex, DaskExecutor)
    try:
        yield ex.client
    finally:
        ex.close()


@pytest.mark.parametrize("block_size", [1, 2, 5, 16, "auto"])
def test_identical_across_block_sizes(block_size: int | str) -> None:
    got = run_experiment(demo_config(block_size=block_size), rng=SEED, progress=False)
    want = reference()
    # the stored config differs in its block size only
    assert without_block_size(got.attrs["config_yaml"]) == without_block_size(
        want.attrs["config_yaml"])
    assert_same_ensemble(got, want, ignore_attrs=("config_yaml",))


@pytest.mark.parametrize(("executor", "block_size"),
                         [("processes", BLOCK), ("processes", 2), ("dask", BLOCK), ("dask", 1)])
def test_identical_across_executors(executor: str, block_size: int,
                                    request: pytest.FixtureRequest) -> None:
    cfg = demo_config(block_size=block_size)
    if executor == "processes":
        got = run_experiment(cfg, rng=SEED, progress=False, executor="processes", workers=2)
    else:
        client = request.getfixturevalue("dask_client")
        got = run_experiment(cfg, rng=SEED, progress=False, executor=client)
        assert client.status == "running"  # the caller's client is left open
    serial = run_experiment(cfg, rng=SEED, progress=False)
    assert_same_ensemble(got, serial)
    assert_same_ensemble(got, reference(), ignore_attrs=("config_yaml",))


def test_dask_worker_killed_mid_ensemble(dask_client: Any, tmp_path: Path) -> None:
    # 16 blocks of 2 runs of 24 months: a few seconds on 2 workers
    cfg = demo_config(steps=24, n_samples=8, block_size=2)
    n_blocks = 16
    path = tmp_path / "runs.nc"
    pids = dask_client.run(os.getpid)
    victim = next(iter(pids.values()))
    killed: dict[str, int] = {}

    def kill_after_two_blocks() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                stored = len(list(parts_dir(path).glob("block-*.nc")))
            except FileNotFoundError:  # not started yet, or already finished
                stored = 0
            if stored >= 2:
                os.kill(victim, signal.SIGKILL)
                killed["stored"] = stored
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_after_two_blocks, daemon=True)
    killer.start()
    try:
        got = run_experiment(cfg, rng=SEED, progress=False, executor=dask_client,
                             store=StoreSpec(path, kind="netcdf"))
    finally:
        killer.join(timeout=10)
        # the nanny restarts the worker: the cluster is whole again for the other tests
        dask_client.wait_for_workers(2, timeout=60)
    assert 2 <= killed["stored"] < n_blocks, "the kill did not land mid-ensemble"
    assert victim not in dask_client.run(os.getpid).values()
    assert got.attrs["n_failed"] == 0
    assert_same_ensemble(got, run_experiment(cfg, rng=SEED, progress=False))


# --- a failing run -------------------------------------------------------------------------

#: Run in the process that computes the blocks: run ``BAD``'s key fails from FAIL_MONTH on.
INSTALL_FAILURE = textwrap.dedent("""
    import numpy as np
    from scenarios import dynamics

    original = getattr(dynamics, "_reliability_original_step", dynamics.step)
    bad = np.asarray(BAD, dtype=np.uint64).reshape(-1, 2)

    def step(world, state, p, t, key):
        k = np.asarray(key, dtype=np.uint64).reshape(-1, 2)
        if t >= MONTH and (k[:, None, :] == bad[None]).all(axis=2).any():
            raise RuntimeError(f"injected failure in month {t}")
        return original(world, state, p, t, key)

    dynamics._reliability_original_step = original
    dynamics.step = step
""")
REMOVE_FAILURE = textwrap.dedent("""
    from scenarios import dynamics

    if hasattr(dynamics, "_reliability_original_step"):
        dynamics.step = dynamics._reliability_original_step
        del dynamics._reliability_original_step
""")


def failure_namespace() -> dict[str, Any]:
    key = run_key(run_seed(np.random.SeedSequence(SEED), *BAD_RUN))
    return {"BAD": [int(k) for k in np.asarray(key).ravel()], "MONTH": FAIL_MONTH}


@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_failing_run_is_recorded_and_the_rest_complete(executor: str,
                                                       request: pytest.FixtureRequest) -> None:
    if executor == "serial":
        exec(INSTALL_FAILURE, failure_namespace())
        try:
            got = run_experiment(demo_config(), rng=SEED, progress=False)
        finally:
            exec(REMOVE_FAILURE, {})
    elif executor == "processes":
        # the caller's pool, each worker set up with the failure before its first block
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=exec,
                                 initargs=(INSTALL_FAILURE, failure_namespace())) as pool:
            got = run_experiment(demo_config(), rng=SEED, progress=False, executor=pool)
    else:
        client = request.getfixturevalue("dask_client")
        client.run(exec, INSTALL_FAILURE, failure_namespace())
        try:
            got = run_experiment(demo_config(), rng=SEED, progress=False, executor=client)
        finally:
            client.run(exec, REMOVE_FAILURE, {})
    want = reference()
    i, r = BAD_RUN
    status = got["status"].values
    assert status[i, r] == "failed" and (status == "ok").sum() == status.size - 1
    assert got.attrs["n_failed"] == 1
    assert got["error"].values[i, r] == f"RuntimeError: injected failure in month {FAIL_MONTH}"
    tb = str(got["traceback"].values[i, r])
    assert tb.startswith("Traceback") and "injected failure" in tb
    assert got["outcome_code"].values[i, r] == -1 and got["outcome_class"].values[i, r] == ""
    assert np.isnan(got["outcome_max_rung"].values[i, r])
    assert np.isnan(got["polarization"].values[i, r]).all()
    # every other run is that of the clean ensemble, bit for bit
    keep = np.ones(status.shape, dtype=bool)
    keep[i, r] = False
    for name, var in want.data_vars.items():
        if var.dims[:2] == ("experiment", "replication"):
            a, b = got[name].values[keep], var.values[keep]
            if a.dtype.kind == "f":
                a, b = a.view(f"u{a.dtype.itemsize}"), b.view(f"u{b.dtype.itemsize}")
            np.testing.assert_array_equal(a, b, err_msg=str(name))
        else:
            xr.testing.assert_identical(got[name], var)
    assert {k: v for k, v in got.attrs.items() if k != "n_failed"} == {
        k: v for k, v in want.attrs.items() if k != "n_failed"}


# --- resume after SIGKILL, through the command line ------------------------------------------

#: Put on the child's PYTHONPATH: logs the first run of every block the child computes.
SITECUSTOMIZE = textwrap.dedent("""
    import os

    _log = os.environ.get("RELIABILITY_BLOCK_LOG")
    if _log:
        from scenarios import experiment

        _original = experiment.run_block_task

        def _counted(task):
            with open(_log, "a") as f:
                f.write(f"{task.run[0]}\\n")
                f.flush()
                os.fsync(f.fileno())
            return _original(task)

        experiment.run_block_task = _counted
""")
#: The CLI ensemble: 16 runs of 12 months in blocks of one run (a few seconds).
CLI_BLOCKS = 16


@pytest.fixture(scope="module")
def cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.yaml"
    path.write_text(demo_config(steps=12, block_size=1).to_yaml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_reference(cli_config: Path, tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    """``results.nc`` of the same command, uninterrupted and without a store."""
    out = tmp_path_factory.mktemp("uninterrupted")
    assert main(["run", str(cli_config), "--out", str(out), "--seed", str(SEED),
                 "--no-progress"]) == 0
    return load_results(out)


def read_blocks(log: Path) -> list[int]:
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def count_stored(store: Path, kind: str) -> int:
    where = store / ".scenarios" / "blocks" if kind == "zarr" else parts_dir(store)
    pattern = "block-*.json" if kind == "zarr" else "block-*.nc"
    try:
        return len(list(where.glob(pattern)))
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("kind", ["zarr", "netcdf"])
def test_cli_resume_after_sigkill(kind: str, cli_config: Path, cli_reference: xr.Dataset,
                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log, out = tmp_path / "blocks.log", tmp_path / "out"
    store = out / ("runs.zarr" if kind == "zarr" else "runs.nc")
    env = {**os.environ, "RELIABILITY_BLOCK_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(hook), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    cmd = [sys.executable, "-m", "scenarios", "run", str(cli_config), "--out", str(out),
           "--seed", str(SEED), "--store", kind, "--no-progress"]
    rng = np.random.default_rng([SEED, len(kind)])
    # a random moment after the first stored block and before half of them are
    target = int(rng.integers(1, CLI_BLOCKS // 2 + 1))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while count_stored(store, kind) < target:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no block stored in time"
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.1))
        assert proc.poll() is None, "the run finished before the kill: make it longer"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # the half-written ensemble is never taken for a finished one
    assert not (out / "results.nc").exists()
    with pytest.raises(UnfinishedStoreError):
        load_store(store, kind=kind)  # type: ignore[arg-type]
    first = read_blocks(log)
    with open_store(store, kind=kind, resume=True) as opened:  # type: ignore[arg-type]
        stored = opened.completed_blocks()
    assert target <= len(stored) < CLI_BLOCKS
    assert stored <= set(first) and len(set(first) - stored) <= 1  # at most one in flight
    # without --resume the command refuses, with one message and no traceback
    capsys.readouterr()
    assert main(cmd[3:]) == 1
    err = capsys.readouterr().err
    assert "unfinished ensemble" in err and "--resume" in err and "Traceback" not in err
    assert not (out / "results.nc").exists()

    log.unlink()
    done = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    again = read_blocks(log)
    # every block not stored is computed once, and no stored block is computed again
    assert sorted(again) == sorted(set(range(CLI_BLOCKS)) - stored)
    assert_same_ensemble(load_results(out), cli_reference)
    assert load_store(store, kind=kind).sizes["run"] == CLI_BLOCKS  # type: ignore[arg-type]


# --- a malformed experiment section ------------------------------------------------------------


def test_malformed_experiment_section_is_rejected(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_config().to_dict()
    data["experiment"].update(sampler="lhc", n_sampels=3)
    data["experiment"]["uncertainties"][0] = {"name": "threat_rate", "lower": 0.2,
                                              "upper": 0.1}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    expected = [
        f"{path}: 3 problems",
        "experiment.sampler = 'lhc': not an allowed value", "did you mean 'lhs'",
        "experiment.uncertainties[0].upper = 0.1: lower must be below upper",
        "experiment.n_sampels: unknown key 'n_sampels'", "did you mean 'n_samples'",
    ]
    with pytest.raises(ConfigError) as err:
        run_experiment(path, rng=SEED, progress=False)
    for text in expected:
        assert text in str(err.value), str(err.value)

    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--store", "zarr", "--no-progress"]) == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    for text in expected:
        assert text in stderr, stderr
    assert not out.exists()  # rejected before anything is written

    # an override that breaks a valid section is rejected the same way
    with pytest.raises(ConfigError, match=r"experiment\.n_samples"):
        run_experiment(demo_config(), n_samples=0, rng=SEED, progress=False)
