"""Time per run and peak memory of ``run_experiment`` with summary outcomes only, 10^2-10^4 runs.

The ensemble is ``configs/experiment_demo.yaml`` on the baseline's horizon (120 months): four
uncertainties sampled by Latin hypercube x two policies (``us_offer``) x 10 replications, so
``n_samples = runs / 20``; every outcome kept, no step, actor or dyad records
(``record: {steps: none, actors: none, dyads: none}``), ``block_size: auto``, results in
memory. Each (size, executor) is measured in a fresh child process, so that its peak resident
memory (``ru_maxrss`` of the child, plus the largest worker for ``processes``) is its own.

Printed, all measured in this one invocation: seconds, ms per run and peak RSS per size and
executor; the slope of log(seconds) against log(runs) (1.00 = time per run flat) and the ratio
of the time per run at the largest size to that at the smallest; the speed-up of 2 processes
over serial; and the projection to 10^6 runs (time per run at the largest size x 10^6) against
the target of 15 minutes, with a linear extrapolation of peak memory from the two largest
sizes. That memory figure is an upper bound, not a verdict: ``block_size: auto`` gives larger
ensembles larger blocks, which the extrapolation mistakes for growth per run; the 2 GB target
is judged by the 10^6-run measurement in ``docs/performance.md``.

Usage: ``.venv/bin/python benchmarks/bench_ensemble.py [--quick] [--sizes N ...] [--workers W]``.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import machine

from scenarios.config import ScenarioConfig, builtin_config, parse_config

REPLICATIONS = 10
POLICIES = 2
TARGET_SECONDS = 15 * 60
TARGET_MIB = 2048


def ensemble_config(n_runs: int) -> ScenarioConfig:
    """experiment_demo on 120 months with summary outcomes only, ``n_runs`` runs."""
    per_sample = REPLICATIONS * POLICIES
    if n_runs % per_sample:
        raise SystemExit(f"runs must be a multiple of {per_sample}, got {n_runs}")
    data = builtin_config("experiment_demo").to_dict()
    data["steps"] = builtin_config("baseline").steps
    data["experiment"] = {**data["experiment"], "n_samples": n_runs // per_sample,
                          "n_replications": REPLICATIONS, "outcomes": "all",
                          "record": {"steps": "none", "actors": "none", "dyads": "none"},
                          "block_size": "auto"}
    return parse_config(data)


def child(n_runs: int, executor: str, workers: int) -> None:
    """Run one ensemble and print its figures as one JSON line."""
    from scenarios.experiment import run_experiment

    cfg = ensemble_config(n_runs)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    ds = run_experiment(cfg, rng=1, progress=False,
                        executor=None if executor == "serial" else executor,
                        workers=None if executor == "serial" else workers)
    seconds = time.perf_counter() - t0
    assert ds.attrs["n_runs"] == n_runs and ds.attrs["n_failed"] == 0
    # the pool is shut down (and its workers waited for) inside run_experiment
    print(json.dumps({
        "runs": n_runs, "executor": executor, "seconds": seconds,
        "rss_before_mib": rss_before,
        "rss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "dataset_mib": ds.nbytes / 2**20,
    }))


def measure(n_runs: int, executor: str, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(n_runs), executor,
           "--workers", str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def slope(rows: list[dict[str, Any]]) -> float:
    """Least-squares slope of log(seconds) on log(runs)."""
    xs = [math.log(r["runs"]) for r in rows]
    ys = [math.log(r["seconds"]) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)


def peak_mib(row: dict[str, Any], workers: int) -> float:
    """Peak memory of the whole ensemble: the main process, plus each worker at the largest
    worker's peak."""
    extra = workers * row["rss_worker_mib"] if row["executor"] == "processes" else 0.0
    return float(row["rss_self_mib"] + extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 10^2 and 10^3 only")
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="numbers of runs, multiples of 20 (default 100 1000 10000)")
    ap.add_argument("--workers", type=int, default=2, help="processes of --executor processes")
    ap.add_argument("--executors", nargs="+", default=["serial", "processes"],
                    choices=["serial", "processes"])
    ap.add_argument("--child", nargs=2, metavar=("RUNS", "EXECUTOR"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(int(a.child[0]), a.child[1], a.workers)
        return
    sizes = a.sizes or ([100, 1000] if a.quick else [100, 1000, 10_000])
    print(f"machine: {machine()}")
    print(f"ensemble: experiment_demo, 120 months, {REPLICATIONS} replications x {POLICIES} "
          "policies, summary outcomes only, block_size auto, results in memory")
    print(f"{'executor':>10} {'runs':>7} {'seconds':>9} {'ms/run':>8} {'peak MiB':>9} "
          f"{'(main':>7} {'+ worker)':>9} {'dataset MiB':>11}")
    table: dict[str, list[dict[str, Any]]] = {}
    for ex in a.executors:
        for n in sizes:
            row = measure(n, ex, a.workers)
            table.setdefault(ex, []).append(row)
            worker = f"{row['rss_worker_mib']:.0f}" if ex == "processes" else "-"
            print(f"{ex:>10} {n:>7} {row['seconds']:>9.1f} {row['seconds'] / n * 1e3:>8.2f} "
                  f"{peak_mib(row, a.workers):>9.0f} {row['rss_self_mib']:>7.0f} {worker:>9} "
                  f"{row['dataset_mib']:>11.2f}", flush=True)
    print()
    for ex, rows in table.items():
        first, last = rows[0], rows[-1]
        ratio = (last["seconds"] / last["runs"]) / (first["seconds"] / first["runs"])
        b = slope(rows) if len(rows) > 1 else float("nan")
        proj_s = 1e6 * last["seconds"] / last["runs"]
        if len(rows) > 1:
            prev = rows[-2]
            per_run_mib = (peak_mib(last, a.workers) - peak_mib(prev, a.workers)) / (
                last["runs"] - prev["runs"])
        else:
            per_run_mib = float("nan")
        proj_mib = peak_mib(last, a.workers) + per_run_mib * (1e6 - last["runs"])
        print(f"{ex}: slope of log(time) on log(runs) {b:.3f} (1 = flat time per run); time per "
              f"run at {last['runs']} / at {first['runs']} runs = {ratio:.2f}")
        print(f"{ex}: projection to 10^6 runs: {proj_s:.0f} s = {proj_s / 60:.0f} min "
              f"(target {TARGET_SECONDS / 60:.0f} min: "
              f"{'met' if proj_s <= TARGET_SECONDS else f'not met, x{proj_s / TARGET_SECONDS:.1f}'}"
              f"); peak memory at most {proj_mib:.0f} MiB by linear extrapolation "
              f"({per_run_mib * 1024:.2f} KiB per run beyond {last['runs']}; an upper bound: "
              f"larger ensembles get larger blocks; the {TARGET_MIB} MiB target is judged by a "
              f"measured 10^6-run ensemble, docs/performance.md)")
    if "serial" in table and "processes" in table:
        for s, p in zip(table["serial"], table["processes"], strict=True):
            print(f"speed-up of {a.workers} processes over serial at {s['runs']} runs: "
                  f"{s['seconds'] / p['seconds']:.2f}x")


if __name__ == "__main__":
    main()
