"""Plumbing shared by the worked examples: the command line, the run, figures, intervals.

Each ``qN_*.py`` script answers one of the report's open questions (docs/questions.md) with
its built-in config ``qN_*.yaml``. This module keeps what would otherwise be copied four
times; everything that answers a question is in the scripts themselves.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the examples write files; they never open windows

import matplotlib.pyplot as plt
import xarray as xr

import scenarios

#: The ``west`` group of the baseline config (USA and its allies in Europe and Asia).
WEST = ("USA", "GBR", "FRA", "DEU", "POL", "ITA", "JPN", "KOR")


def parser(doc: str | None, config: str) -> argparse.ArgumentParser:
    """The command line every example shares; defaults are the config's design sizes."""
    spec = scenarios.builtin_config(config).experiment
    assert spec is not None
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    p.add_argument(
        "--samples",
        type=int,
        default=spec.n_samples,
        help=f"scenarios sampled (default {spec.n_samples}, from {config}.yaml)",
    )
    p.add_argument(
        "--replications",
        type=int,
        default=spec.n_replications,
        help=f"replications per experiment (default {spec.n_replications})",
    )
    p.add_argument("--seed", type=int, default=20240619, help="root seed (default 20240619)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1: serial; results do not depend on it)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results/questions"),
        help="directory for the figures (default results/questions)",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=None,
        help="also write the ensemble to RESULTS/<config>/results.nc, for `scenarios analyze` "
        "or your own analysis (default: not written)",
    )
    return p


def run(config: str, args: argparse.Namespace) -> xr.Dataset:
    """Run the experiment of a built-in config at the size asked for on the command line."""
    start = time.perf_counter()
    ds = scenarios.run_experiment(
        scenarios.builtin_config(config),
        n_samples=args.samples,
        n_replications=args.replications,
        rng=args.seed,
        progress=True,  # a bar on a terminal, silent in a pipe or a log
        executor="processes" if args.workers > 1 else None,
        workers=args.workers,
    )
    print(
        f"{config}: {ds.attrs['n_runs']} runs ({ds.attrs['n_scenarios']} scenarios x "
        f"{ds.attrs['n_policies']} policies x {ds.attrs['n_replications']} replications, "
        f"{ds.attrs['steps']} months from {ds.attrs['start']}), {ds.attrs['n_failed']} "
        f"failed, seed {args.seed}, {time.perf_counter() - start:.1f} s"
    )
    if args.results is not None:
        print(f"results: {scenarios.write_results(ds, args.results / config)}")
    return ds


def save(fig: Any, out: Path, name: str) -> Path:
    """Write a figure as a small PNG and close it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"figure: {path}")
    return path


def interval(p: xr.Dataset) -> str:
    """``0.123 [0.100, 0.150] (k/n)`` for one row of a class or event probability."""
    return (
        f"{float(p['probability']):.3f} [{float(p['lower']):.3f}, "
        f"{float(p['upper']):.3f}] ({int(p['count'])}/{int(p['n'])})"
    )
