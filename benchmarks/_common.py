"""Helpers shared by the benchmark scripts (machine description, the baseline world, timing).

Benchmarks are scripts, run from the repository root with the project's interpreter, e.g.
``.venv/bin/python benchmarks/bench_engine_vs_mesa.py --quick``.
"""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.config import load_config
from scenarios.random import run_key
from scenarios.world import World, build_world

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"


def baseline_world() -> World:
    """The world of ``configs/baseline.yaml`` (120 months)."""
    return build_world(load_config(BASELINE))


def keys(start: int, n: int) -> np.ndarray:
    """Run keys of seeds ``start, ..., start + n - 1``, shape ``(n, 2)``."""
    return np.stack([run_key(i) for i in range(start, start + n)])


def timed(fn: Callable[[], Any]) -> float:
    """Wall-clock seconds of one call."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> str:
    """One line describing the machine: cores, CPU, numpy and its BLAS."""
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = f"{info[0].get('internal_api')} {info[0].get('version')} " \
                   f"({info[0].get('num_threads')} threads)"
    except ImportError:
        cfg = np.show_config(mode="dicts")  # type: ignore[no-untyped-call]
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = f"{b.get('name')} {b.get('version')}"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"numpy {np.__version__}, BLAS {blas}, load average {load:.1f}")
