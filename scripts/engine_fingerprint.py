"""Record everything a batch of engine runs produces, to check that an optimisation changes
no number: run once before and once after a change, then compare the two files.

    python scripts/engine_fingerprint.py OUT.npz [--runs 300] [--steps 120]
    python scripts/engine_fingerprint.py --compare A.npz B.npz

Runs three scenarios; in each, half the runs at the config's values and half at parameters
and levers drawn uniformly over their whole ranges (fixed seed), recording every step
variable, actor variable, outcome and final state array. ``--compare`` reports, per array,
whether the two files are bit-identical and otherwise the largest difference.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

SCENARIOS = ("baseline", "no_treaty", "historical_2022")


def record(out: str, runs: int, steps: int) -> None:
    from scenarios import engine
    from scenarios.config import builtin_config
    from scenarios.parameters import Levers, Parameters
    from scenarios.random import run_key
    from scenarios.testing import bounds
    from scenarios.world import build_world

    arrays: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(20240619)
    for name in SCENARIOS:
        cfg = builtin_config(name)
        world = build_world(cfg)
        keys = np.stack([run_key(np.random.SeedSequence(7, spawn_key=(i,))) for i in range(runs)])
        half = runs // 2
        values: dict[str, np.ndarray] = {}
        for f in Parameters.model_fields:
            lo, hi = bounds(Parameters, f)
            v = np.full(runs, float(getattr(cfg.parameters, f)))
            v[half:] = rng.uniform(lo, hi, runs - half)
            values[f] = v
        bad = values["vote_cut_no"] >= values["vote_cut_yes"]
        values["vote_cut_no"][bad], values["vote_cut_yes"][bad] = (
            values["vote_cut_yes"][bad], values["vote_cut_no"][bad])
        values["vote_cut_no"][values["vote_cut_no"] == values["vote_cut_yes"]] -= 0.5
        levers: dict[str, np.ndarray] = {}
        for f, field in Levers.model_fields.items():
            v = np.full(runs, float(getattr(cfg.levers, f)))
            if field.annotation is bool:
                v[half:] = rng.integers(0, 2, runs - half)
            else:
                lo, hi = bounds(Levers, f)
                v[half:] = rng.uniform(lo, hi, runs - half)
            levers[f] = v
        p = engine.block_parameters(cfg.parameters, values)
        res = engine.run_block(world, keys, parameters=p, levers=levers, steps=steps,
                               record_steps=True, record_actors=True)
        for group in ("steps", "actors", "outcomes"):
            for k, v in getattr(res, group).items():
                arrays[f"{name}/{group}/{k}"] = np.asarray(v)
        for f in dataclasses.fields(res.final):
            v = getattr(res.final, f.name)
            if isinstance(v, dict):
                for k, x in v.items():
                    arrays[f"{name}/final/{f.name}.{k}"] = np.asarray(x)
            else:
                arrays[f"{name}/final/{f.name}"] = np.asarray(v)
    np.savez_compressed(out, **arrays)
    print(f"wrote {len(arrays)} arrays to {out}")


def compare(a: str, b: str) -> int:
    x, y = np.load(a), np.load(b)
    differ = 0
    for k in sorted(set(x.files) | set(y.files)):
        if k not in x.files or k not in y.files:
            print(f"{k}: only in one file")
            differ += 1
            continue
        u, v = x[k], y[k]
        if u.shape != v.shape or u.dtype != v.dtype:
            print(f"{k}: shape/dtype {u.shape} {u.dtype} vs {v.shape} {v.dtype}")
            differ += 1
        elif not np.array_equal(u, v, equal_nan=u.dtype.kind == "f"):
            d = np.nanmax(np.abs(u.astype(float) - v.astype(float)))
            print(f"{k}: differs, max |diff| {d:.3g}, {np.sum(u != v)} of {u.size} elements")
            differ += 1
    print(f"{differ} of {len(x.files)} arrays differ" if differ else
          f"all {len(x.files)} arrays bit-identical")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        ap.error("give OUT.npz or --compare A B")
    record(args.out, args.runs, args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
