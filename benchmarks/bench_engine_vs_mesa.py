"""Runs per second of the batched engine against the Mesa model, on configs/baseline.yaml.

Both run the 120 months of the baseline scenario in this one process: the engine
(:func:`scenarios.engine.run_block`) on blocks of runs, recording the model-level step
variables every month and the final summary (as the Mesa model's DataCollector does, so the
two record the same), and the Mesa model (``ScenarioModel(cfg, rng=i).run()``, with
its DataCollector) on a few runs. The figure is the ratio of the two rates; target >= 100.

Usage: ``.venv/bin/python benchmarks/bench_engine_vs_mesa.py [--quick] [--runs N]
[--block B] [--mesa-runs M]``.
"""

from __future__ import annotations

import argparse

from _common import BASELINE, baseline_world, keys, machine, timed

from scenarios import engine
from scenarios.config import load_config
from scenarios.model import ScenarioModel

TARGET = 100.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one block of 200 runs, 2 Mesa runs")
    ap.add_argument("--runs", type=int, default=None, help="engine runs (default 3000)")
    ap.add_argument("--block", type=int, default=1000, help="runs per engine block")
    ap.add_argument("--mesa-runs", type=int, default=None, help="Mesa runs (default 5)")
    a = ap.parse_args()
    n_runs = a.runs or (200 if a.quick else 3000)
    n_mesa = a.mesa_runs or (2 if a.quick else 5)
    block = min(a.block, n_runs)

    world = baseline_world()
    cfg = load_config(BASELINE)
    # warm-up: imports, caches, BLAS threads
    engine.run_block(world, keys(10**6, 8), steps=2)
    ScenarioModel(cfg, rng=10**6).run(steps=2)

    t_engine = 0.0
    for start in range(0, n_runs, block):
        k = keys(start, min(block, n_runs - start))
        t_engine += timed(lambda k=k: engine.run_block(world, k))
    t_mesa = sum(timed(lambda i=i: ScenarioModel(cfg, rng=i).run()) for i in range(n_mesa))

    engine_rate = n_runs / t_engine
    mesa_rate = n_mesa / t_mesa
    ratio = engine_rate / mesa_rate
    print(f"machine: {machine()}")
    print(f"engine: {n_runs} runs x {cfg.steps} months in blocks of {block}: "
          f"{t_engine:.2f} s, {engine_rate:.1f} runs/s")
    print(f"mesa:   {n_mesa} runs x {cfg.steps} months: {t_mesa:.2f} s, "
          f"{mesa_rate:.2f} runs/s ({t_mesa / n_mesa:.2f} s per run)")
    print(f"engine / mesa = {ratio:.0f}x (target >= {TARGET:.0f}x: "
          f"{'met' if ratio >= TARGET else 'not met'})")


if __name__ == "__main__":
    main()
