"""Dask LocalCluster (2 worker processes) against serial on one ensemble, and the per-task cost.

The ensemble is that of ``bench_ensemble.py`` (experiment_demo on 120 months, summary outcomes
only), 10^3 runs by default, in blocks of ``--block`` runs (default 32, about 0.4 s of work on
this machine, above the 0.25 s the overhead target is stated for). Both paths run the same
``run_experiment`` call; the cluster is started (and warmed up with one small ensemble) before
the clock starts, as a caller-owned ``Client``.

Printed, all measured in this one invocation:

- speed-up = serial seconds / Dask seconds (target >= 1.7x on 2 workers);
- per-task overhead of the ensemble = (workers x Dask seconds - sum of the blocks' compute
  time on the workers, from Dask's task stream) / number of blocks, as a share of the mean
  compute time of a block (target <= 5 %): everything a block costs beyond its own
  computation (scheduling, pickling, the transfer of its result, the main process storing it,
  idle workers at the end);
- per-task overhead of the executor alone: tasks that only sleep ``--block-seconds`` (0.25 s),
  so that nothing competes for the cores: (seconds - tasks x 0.25 / workers) / tasks.

Usage: ``.venv/bin/python benchmarks/bench_dask.py [--quick] [--runs N] [--block B]``.
"""

from __future__ import annotations

import argparse
import time

from _common import machine
from bench_ensemble import ensemble_config

from scenarios.config import ScenarioConfig, parse_config
from scenarios.executors import DaskExecutor, resolve_executor
from scenarios.experiment import run_experiment

TARGET_SPEEDUP = 1.7
TARGET_OVERHEAD = 0.05


def with_block(cfg: ScenarioConfig, block: int) -> ScenarioConfig:
    data = cfg.to_dict()
    data["experiment"]["block_size"] = block
    return parse_config(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 runs, 12 sleeping tasks")
    ap.add_argument("--runs", type=int, default=None, help="runs (default 1000)")
    ap.add_argument("--block", type=int, default=32, help="runs per block")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--block-seconds", type=float, default=0.25,
                    help="work of each sleeping task")
    a = ap.parse_args()
    runs = a.runs or (200 if a.quick else 1000)
    n_sleep = 12 if a.quick else 40
    cfg = with_block(ensemble_config(runs), a.block)
    n_blocks = -(-runs // a.block)
    print(f"machine: {machine()}")
    print(f"ensemble: {runs} runs of 120 months in {n_blocks} blocks of {a.block}, summary "
          f"outcomes only; Dask LocalCluster of {a.workers} worker processes, 1 thread each")

    ex = resolve_executor("dask", workers=a.workers)
    assert isinstance(ex, DaskExecutor)
    client = ex.client
    try:
        from distributed import get_task_stream

        run_experiment(with_block(ensemble_config(20), 10), rng=2, progress=False,
                       executor=client)  # warm-up: imports and the world on every worker
        t0 = time.perf_counter()
        serial = run_experiment(cfg, rng=1, progress=False)
        t_serial = time.perf_counter() - t0
        with get_task_stream(client) as stream:
            t0 = time.perf_counter()
            dask = run_experiment(cfg, rng=1, progress=False, executor=client)
            t_dask = time.perf_counter() - t0
        assert dask.identical(serial), "Dask and serial results differ"
        compute = [sum(s["stop"] - s["start"] for s in task["startstops"]
                       if s["action"] == "compute") for task in stream.data]
        work = sum(compute)
        overhead = (a.workers * t_dask - work) / len(compute)
        share = overhead / (work / len(compute))

        sleeping = [a.block_seconds] * n_sleep
        t0 = time.perf_counter()
        for _ in ex.map_unordered(time.sleep, sleeping):
            pass
        t_sleep = time.perf_counter() - t0
        sleep_overhead = (t_sleep - n_sleep * a.block_seconds / a.workers) / n_sleep
    finally:
        ex.close()

    speedup = t_serial / t_dask
    print(f"serial {t_serial:.1f} s ({t_serial / runs * 1e3:.1f} ms/run), Dask {t_dask:.1f} s "
          f"({t_dask / runs * 1e3:.1f} ms/run); identical results")
    print(f"speed-up, Dask {a.workers} workers / serial: {speedup:.2f}x (target >= "
          f"{TARGET_SPEEDUP}x: {'met' if speedup >= TARGET_SPEEDUP else 'not met'})")
    print(f"blocks: {len(compute)}, mean compute {work / len(compute):.2f} s on a worker (serial "
          f"{t_serial / n_blocks:.2f} s per block in the main process)")
    print(f"per-task overhead, ensemble: {overhead * 1e3:.0f} ms = {share:.1%} of a block's "
          f"compute (target <= {TARGET_OVERHEAD:.0%}: "
          f"{'met' if share <= TARGET_OVERHEAD else 'not met'})")
    print(f"per-task overhead, executor alone ({n_sleep} tasks sleeping {a.block_seconds} s): "
          f"{sleep_overhead * 1e3:.1f} ms = {sleep_overhead / a.block_seconds:.1%}")


if __name__ == "__main__":
    main()
