"""The engine's cost per actor-pair-step, in units of one elementwise pass over the block.

One "pass" is ``np.multiply(a, b, out=c); np.add(c, a, out=c)`` over float64 arrays of the
block's dyadic shape ``(B, N, N)``. The engine's time per step is the time of what
:func:`scenarios.engine.run_block` does each month on the baseline (``configs/baseline.yaml``):
:func:`scenarios.dynamics.step` and :func:`scenarios.outcomes.observe` on a block of B runs,
over T months from the block's initial state (its set-up and final summary are left out).
Both are timed in this one process, best of several repeats, and the figure is their ratio;
target <= 50 passes.

Usage: ``.venv/bin/python benchmarks/bench_pass_cost.py [--quick] [--block B] [--steps T]``.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from _common import baseline_world, keys, machine, timed

from scenarios import dynamics, engine, outcomes
from scenarios.world import initial_state

TARGET = 50.0


def pass_seconds(shape: tuple[int, ...], repeat: int = 7, number: int = 50) -> float:
    """Best time of one pass (multiply then add, in place) over float64 arrays of ``shape``."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(size=shape), rng.uniform(size=shape)
    c = np.empty(shape)

    def one() -> None:
        np.multiply(a, b, out=c)
        np.add(c, a, out=c)

    return min(timeit.repeat(one, number=number, repeat=repeat)) / number


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="12 steps, 2 repeats")
    ap.add_argument("--block", type=int, default=1000, help="runs per block (B)")
    ap.add_argument("--steps", type=int, default=None, help="steps timed (default 60)")
    ap.add_argument("--repeat", type=int, default=None, help="repeats, best kept (default 3)")
    a = ap.parse_args()
    steps = a.steps or (12 if a.quick else 60)
    repeat = a.repeat or (2 if a.quick else 3)

    world = baseline_world()
    k = keys(0, a.block)
    p = engine.block_parameters(world.config.parameters, size=a.block)
    start = initial_state(world, {}, params=p, batch=(a.block,))

    def months() -> None:  # the loop of run_block, without set-up and summary
        s = start
        for t in range(1, steps + 1):
            s = dynamics.step(world, s, p, t, k)
            outcomes.observe(world, s, p)

    per_step = min(timed(months) for _ in range(repeat)) / steps
    unit = pass_seconds((a.block, world.n, world.n))
    ratio = per_step / unit
    print(f"machine: {machine()}")
    print(f"block ({a.block}, {world.n}, {world.n}): engine {per_step * 1e3:.2f} ms per step "
          f"over {steps} months; one pass {unit * 1e3:.3f} ms")
    print(f"engine step = {ratio:.0f} passes (target <= {TARGET:.0f}: "
          f"{'met' if ratio <= TARGET else 'not met'})")


if __name__ == "__main__":
    main()
