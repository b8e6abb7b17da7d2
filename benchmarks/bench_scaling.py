"""Time per run and peak memory of the engine for 10^2, 10^3 and 10^4 runs of the baseline.

Runs ``configs/baseline.yaml`` (120 months) through :func:`scenarios.engine.run_block` in
blocks, keeping only each block's summary outcomes (``record_steps=False``: no per-month
observables are computed). Prints the time per run at each size, the peak resident memory
of the process (``ru_maxrss``, cumulative, so each line is the peak up to that size) and the
projection to 10^6 runs on 2 cores (10^6 x the time per run at the largest size / 2, assuming
the two processes scale perfectly; 10^6 runs are not run). The full-ensemble path
(``run_experiment`` and Dask) is benchmarked elsewhere.

Usage: ``.venv/bin/python benchmarks/bench_scaling.py [--quick] [--block B] [--sizes ...]``.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import baseline_world, keys, machine, peak_rss_mib, timed

from scenarios import engine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 10^2 and 10^3 only")
    ap.add_argument("--block", type=int, default=1000, help="runs per block")
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="numbers of runs (default 100 1000 10000)")
    ap.add_argument("--cores", type=int, default=2, help="cores for the 10^6 projection")
    a = ap.parse_args()
    sizes = a.sizes or ([100, 1000] if a.quick else [100, 1000, 10_000])

    world = baseline_world()
    engine.run_block(world, keys(10**7, 8), steps=2)  # warm-up
    print(f"machine: {machine()}")
    print(f"{'runs':>8} {'seconds':>9} {'ms/run':>8} {'runs/s':>8} {'peak MiB':>9}")
    per_run = float("nan")
    for n in sizes:
        outcome_codes: list[np.ndarray] = []

        def run(n: int = n, out: list[np.ndarray] = outcome_codes) -> None:
            for start in range(0, n, a.block):
                res = engine.run_block(world, keys(start, min(a.block, n - start)),
                                       record_steps=False)
                out.append(res.outcomes["outcome_code"])  # summary outcomes only

        secs = timed(run)
        assert sum(len(c) for c in outcome_codes) == n
        per_run = secs / n
        print(f"{n:>8} {secs:>9.2f} {per_run * 1e3:>8.2f} {1 / per_run:>8.1f} "
              f"{peak_rss_mib():>9.0f}")
    proj = 1e6 * per_run / a.cores
    print(f"projection, 10^6 runs on {a.cores} cores: {proj:.0f} s = {proj / 3600:.2f} h "
          f"(from {sizes[-1]} runs, perfect scaling assumed)")


if __name__ == "__main__":
    main()
