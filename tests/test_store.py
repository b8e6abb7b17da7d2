"""Result stores: the same ensemble whatever the store, block size or completion order; resume
after a ``kill -9`` recomputes exactly the blocks not stored; unfinished stores are never taken
for finished ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from scenarios.store import (
    FinishedStoreError,
    StoreError,
    UnfinishedStoreError,
    load_store,
    open_store,
    parts_dir,
)

pytest.importorskip("zarr")

#: The block function, shared verbatim with the writer subprocess.
BLOCK_SRC = textwrap.dedent('''
    import numpy as np
    import xarray as xr

    def make_block(start, stop, steps=6):
        """Runs start..stop-1 of a toy ensemble (every value a function of the run alone)."""
        runs = np.arange(start, stop)
        x = np.stack([np.random.default_rng(r).standard_normal(steps) for r in runs])
        x[runs % 7 == 3, 2] = np.nan  # missing values survive
        status = np.array(["ok" if r % 5 else "failed" for r in runs])
        error = np.array(["" if r % 5 else "ValueError: " + "x" * (r % 11) for r in runs])
        return xr.Dataset(
            {
                "x": (("run", "step"), x, {"units": "1"}),
                "rung": (("run", "step"), (x > 0).astype("i1") - (runs[:, None] % 2 == 0)),
                "flag": ("run", runs % 3 == 0),
                "status": ("run", status),
                "error": ("run", error),
                "weight": ("step", np.linspace(0.0, 1.0, steps)),
            },
            coords={"run": runs, "step": np.arange(steps), "actor": ["RUS", "PRK"],
                    "experiment": ("run", runs // 4)},
        )
''')
_ns: dict[str, Any] = {}
exec(BLOCK_SRC, _ns)
make_block = _ns["make_block"]

N_RUNS = 23
ATTRS = {"scenario": "toy", "seed_entropy": "12345678901234567890123", "steps": 6}


def blocks_of(block_size: int, n_runs: int = N_RUNS) -> list[xr.Dataset]:
    return [make_block(s, min(s + block_size, n_runs)) for s in range(0, n_runs, block_size)]


@pytest.fixture(scope="module")
def reference() -> xr.Dataset:
    return make_block(0, N_RUNS)


def assert_same_data(out: xr.Dataset, ref: xr.Dataset) -> None:
    """Identical variables, dtypes and bits (attrs of the dataset aside)."""
    xr.testing.assert_identical(out.drop_attrs(deep=False), ref.drop_attrs(deep=False))
    for name, var in ref.variables.items():
        got = out[name].values
        assert got.dtype == var.dtype, name
        if var.dtype.kind in "fiub":
            assert got.tobytes() == var.values.tobytes(), name


def store_path(tmp_path: Path, kind: str) -> Path:
    return tmp_path / ("out.nc" if kind == "netcdf" else "out.zarr")


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("block_size", [1, 4, 10, N_RUNS])
@pytest.mark.parametrize("kind", ["memory", "netcdf", "zarr"])
@pytest.mark.parametrize("known_n_runs", [True, False])
def test_round_trip_any_block_size_and_order(
    tmp_path: Path, reference: xr.Dataset, kind: str, block_size: int, known_n_runs: bool
) -> None:
    blocks = blocks_of(block_size)
    order = np.random.default_rng(block_size).permutation(len(blocks))
    path = None if kind == "memory" else store_path(tmp_path, kind)
    store = open_store(path, attrs=ATTRS, n_runs=N_RUNS if known_n_runs else None,
                       block_size=block_size)
    for b in order:
        store.write_block(int(b), blocks[b])
    assert store.completed_blocks() == set(range(len(blocks)))
    out = store.finalize({"extra": "yes"})
    assert_same_data(out, reference)
    assert out.attrs["scenario"] == "toy" and out.attrs["extra"] == "yes"
    assert out.attrs["seed_entropy"] == ATTRS["seed_entropy"]
    if path is not None:
        assert_same_data(load_store(path), reference)
        if kind == "netcdf":
            assert not parts_dir(path).exists()


def test_zarr_template_preallocates(tmp_path: Path, reference: xr.Dataset) -> None:
    path = store_path(tmp_path, "zarr")
    store = open_store(path, template=make_block(0, 5), n_runs=N_RUNS, attrs=ATTRS)
    assert (path / "zarr.json").exists()  # created before any block arrives
    for b in reversed(range(5)):
        store.write_block(b, make_block(5 * b, min(5 * b + 5, N_RUNS)))
    assert_same_data(store.finalize(), reference)


def test_block_mistakes_are_refused(tmp_path: Path) -> None:
    store = open_store(store_path(tmp_path, "zarr"), n_runs=N_RUNS, block_size=5)
    store.write_block(0, make_block(0, 5))
    with pytest.raises(StoreError, match="already stored"):
        store.write_block(0, make_block(0, 5))
    with pytest.raises(StoreError, match="has 4 runs, expected 5"):
        store.write_block(1, make_block(5, 9))
    with pytest.raises(StoreError, match="past the last block"):
        store.write_block(5, make_block(25, 30))
    with pytest.raises(StoreError, match="differ"):
        store.write_block(1, make_block(5, 10).assign(weight=("step", np.ones(6))))
    with pytest.raises(StoreError, match="blocks missing: 1, 2, 3, 4"):
        store.finalize()
    with pytest.raises(ValueError, match="no runs"):
        store.write_block(1, xr.Dataset({"y": ("z", [1.0])}))
    mem = open_store()
    mem.write_block(0, make_block(0, 3))
    mem.write_block(2, make_block(6, 9))
    with pytest.raises(StoreError, match="blocks missing: 1"):
        mem.finalize()


# ------------------------------------------------------------------- finished / unfinished


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
def test_unfinished_store_needs_resume(tmp_path: Path, kind: str) -> None:
    path = store_path(tmp_path, kind)
    store = open_store(path, n_runs=N_RUNS, block_size=10, attrs=ATTRS)
    store.write_block(1, make_block(10, 20))
    store.close()
    message = f"an unfinished ensemble is at {path}: rerun with --resume or remove it"
    with pytest.raises(UnfinishedStoreError) as err:
        open_store(path, n_runs=N_RUNS, block_size=10)
    assert str(err.value) == message
    with pytest.raises(UnfinishedStoreError, match="rerun with --resume"):
        load_store(path)
    with pytest.raises(StoreError, match=r"other attrs .*scenario"):
        open_store(path, resume=True, attrs={**ATTRS, "scenario": "other"})
    with pytest.raises(StoreError, match="block_size=10, not 5"):
        open_store(path, resume=True, block_size=5)
    resumed = open_store(path, resume=True)  # settings come from the store
    assert resumed.completed_blocks() == {1}
    # overwrite starts afresh
    fresh = open_store(path, overwrite=True, n_runs=N_RUNS, block_size=10)
    assert fresh.completed_blocks() == set()


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
def test_finished_store_is_not_reopened(tmp_path: Path, kind: str, reference: xr.Dataset) -> None:
    path = store_path(tmp_path, kind)
    store = open_store(path, block_size=N_RUNS)
    store.write_block(0, make_block(0, N_RUNS))
    store.finalize()
    for resume in (False, True):
        with pytest.raises(FinishedStoreError, match="finished ensemble is already at"):
            open_store(path, resume=resume, block_size=N_RUNS)
    assert_same_data(load_store(path), reference)
    fresh = open_store(path, overwrite=True, block_size=N_RUNS)
    assert fresh.completed_blocks() == set()
    with pytest.raises(UnfinishedStoreError):
        load_store(path)  # the old result is gone, the new one is not finished


def test_zarr_without_complete_marker_is_unfinished(tmp_path: Path) -> None:
    path = store_path(tmp_path, "zarr")
    store = open_store(path, block_size=10)
    for b in range(3):
        store.write_block(b, make_block(10 * b, min(10 * b + 10, N_RUNS)))
    store.finalize()
    (path / ".scenarios" / "complete.json").unlink()  # as if killed just before the marker
    with pytest.raises(UnfinishedStoreError):
        open_store(path, block_size=10)
    with pytest.raises(UnfinishedStoreError):
        load_store(path)


def test_corrupt_netcdf_part_is_recomputed(tmp_path: Path, reference: xr.Dataset) -> None:
    path = store_path(tmp_path, "netcdf")
    store = open_store(path, attrs=ATTRS)
    for b in range(3):
        store.write_block(b, make_block(10 * b, min(10 * b + 10, N_RUNS)))
    part = parts_dir(path) / "block-000001.nc"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # truncated
    (parts_dir(path) / "block-000002.nc").write_bytes(b"")  # empty
    resumed = open_store(path, resume=True)
    assert resumed.completed_blocks() == {0}
    assert not part.exists()
    for b in (1, 2):
        resumed.write_block(b, make_block(10 * b, min(10 * b + 10, N_RUNS)))
    assert_same_data(resumed.finalize(), reference)


# ------------------------------------------------------------------------- kill -9, resume

WRITER = BLOCK_SRC + textwrap.dedent('''
    import os, sys, time
    from scenarios.store import open_store

    kind, path, log, block_size, n_runs = sys.argv[1:6]
    block_size, n_runs = int(block_size), int(n_runs)
    store = open_store(path, kind=kind, resume=True, n_runs=n_runs, block_size=block_size,
                       attrs={"scenario": "toy"})
    done = store.completed_blocks()
    n_blocks = -(-n_runs // block_size)
    order = [b for b in np.random.default_rng(int(sys.argv[6])).permutation(n_blocks)
             if b not in done]
    with open(log, "a") as f:
        def note(text):
            f.write(text + "\\n"); f.flush(); os.fsync(f.fileno())
        note("ready")
        for b in order:
            block = make_block(b * block_size, min((b + 1) * block_size, n_runs), steps=40)
            note(f"start {b}")
            store.write_block(int(b), block)
            note(f"done {b}")
            time.sleep(0.05)  # slow enough that the kill lands mid-ensemble
''')


def _read_log(log: Path) -> tuple[set[int], set[int]]:
    lines = log.read_text().splitlines() if log.exists() else []
    started = {int(x.split()[1]) for x in lines if x.startswith("start ")}
    done = {int(x.split()[1]) for x in lines if x.startswith("done ")}
    return started, done


@pytest.mark.parametrize("kind", ["netcdf", "zarr"])
@pytest.mark.parametrize("trial", range(3))
def test_resume_after_kill(tmp_path: Path, kind: str, trial: int) -> None:
    block_size, n_runs = 10, 140  # 14 blocks
    n_blocks = n_runs // block_size
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    path = tmp_path / ("out.nc" if kind == "netcdf" else "out.zarr")
    log = tmp_path / "log.txt"
    rng = np.random.default_rng([trial, len(kind)])
    proc = subprocess.Popen([sys.executable, str(script), kind, str(path), str(log),
                             str(block_size), str(n_runs), str(trial)])
    try:
        deadline = time.monotonic() + 60
        # the interpreter takes a second to start: time the kill from the first stored block
        while not _read_log(log)[1]:
            assert proc.poll() is None, "the writer died before storing a block"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.4))
        assert proc.poll() is None, "the writer finished before the kill: make it slower"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    started, done = _read_log(log)

    with pytest.raises(UnfinishedStoreError):
        open_store(path, kind=kind)  # type: ignore[arg-type]
    store = open_store(path, kind=kind, resume=True,  # type: ignore[arg-type]
                       attrs={"scenario": "toy"})
    completed = store.completed_blocks()
    # (b) every block whose write returned is complete; nothing else than started blocks is
    assert done <= completed <= started
    writes = []
    for b in range(n_blocks):
        if b not in completed:
            store.write_block(b, make_block(b * block_size, (b + 1) * block_size, steps=40))
            writes.append(b)
    assert len(writes) == n_blocks - len(completed)
    assert not set(writes) & completed
    out = store.finalize()
    # (a) the same as an uninterrupted run
    assert_same_data(out, make_block(0, n_runs, steps=40))
    assert json.loads(json.dumps(out.attrs["scenario"])) == "toy"
