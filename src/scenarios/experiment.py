"""Experiments: uncertainties and levers sampled into scenarios and policies, run in blocks.

A config's ``experiment`` section (:class:`scenarios.config.ExperimentSpec`) names the
*uncertainties* (parameters or levers sampled over a range, a scipy distribution or a set of
values), the policy *levers* (the policy set is the full factorial of their listed values), the
*constants*, the sampler, the number of replications and what each run records.
:func:`run_experiment` turns it into a design of ``n_scenarios x n_policies`` *experiments*,
each run ``n_replications`` times, and returns one :class:`xarray.Dataset`.

Pipeline
    1. the uncertainties become typed parameters (:class:`RealParameter`,
       :class:`CategoricalParameter`); a sampler draws points on the unit cube
       (:func:`sample_unit`) that each parameter maps through its ``ppf``
       (:func:`sample_scenarios`);
    2. experiment ``i`` is scenario ``i // n_policies`` under policy ``i % n_policies``; run
       ``(i, r)`` has the flat index ``i * n_replications + r``;
    3. flat runs are cut into blocks of ``block_size``; each block is a :class:`BlockTask`
       (plain, picklable data) that the pure function :func:`run_block_task` turns into a
       block dataset with a flat ``run`` dim; an executor runs the tasks, a store keeps the
       blocks, and :meth:`ExperimentLayout.assemble` reshapes them, by run index, into the
       final ``(experiment, replication)`` layout.

Seeding (one root ``SeedSequence(rng)`` per experiment)
    the design's randomness comes from ``SeedSequence(root.entropy,
    spawn_key=(*root.spawn_key, 0))`` (:func:`design_seed`); run ``(i, r)`` is seeded by
    ``SeedSequence(root.entropy, spawn_key=(*root.spawn_key, 1, i, r))`` (:func:`run_seed`), so
    its key depends only on the root and its position — not on ``n_samples``, the block size,
    the order of completion or the executor. Both engines derive the run's 128-bit key with
    :func:`scenarios.random.run_key` from that child.

This module may import numpy, scipy, xarray, tqdm and the modules above it in the pipeline
(config, parameters, world, dynamics, outcomes, engine, ensemble); it imports
:mod:`scenarios.model` (and with it Mesa) only inside the Mesa engine, and SALib only for the
Morris sampler. Executors come from :mod:`scenarios.executors`, stores from
:mod:`scenarios.store`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import itertools
import os
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from numpy.typing import ArrayLike, NDArray

import scenarios
from scenarios import engine
from scenarios.config import (
    SAMPLERS,
    ExperimentSpec,
    ScenarioConfig,
    input_bounds,
    outcome_names,
    parse_config,
    resolve_config,
)
from scenarios.ensemble import (
    ACTOR_VARIABLES,
    DYAD_VARIABLES,
    _describe,
    _fixed,
    _one_run,
    _seed_root,
    wilson_interval,
)
from scenarios.executors import resolve_executor
from scenarios.outcomes import OUTCOME_CLASSES, STEP_VARIABLES
from scenarios.parameters import Levers, Parameters
from scenarios.random import run_key
from scenarios.store import Store, open_store
from scenarios.world import World, build_world

__all__ = [
    "ENGINES",
    "BlockTask",
    "CategoricalParameter",
    "ExperimentLayout",
    "RealParameter",
    "StoreSpec",
    "design_seed",
    "flat_runs",
    "outcome_shares_by_policy",
    "parameters_of",
    "policy_set",
    "run_block_task",
    "run_experiment",
    "run_seed",
    "sample_scenarios",
    "sample_unit",
]

#: The engines a block can run on.
ENGINES: Final[tuple[str, ...]] = ("batched", "mesa")
#: Spawn-key branch of the design sampler and of the runs under the root SeedSequence.
_DESIGN_BRANCH: Final = 0
_RUN_BRANCH: Final = 1
#: Largest memory a block's step/actor/dyad records may take with block_size "auto".
_AUTO_BLOCK_BYTES: Final = 512 * 2**20
#: Most runs in a block with block_size "auto" (a block of the baseline: ~2 s on one core).
_AUTO_BLOCK_RUNS: Final = 256
#: Dataset name of a per-actor variable, from its ``outcomes.ACTOR_VARIABLES`` name.
_ACTOR_DATASET_NAME: Final[dict[str, str]] = {src: name for name, (src, _, _)
                                              in ACTOR_VARIABLES.items()}


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RealParameter:
    """A real-valued uncertain input: uniform on ``[lower, upper]`` or a scipy distribution.

    Parameters
    ----------
    name
        A :class:`~scenarios.parameters.Parameters` or :class:`~scenarios.parameters.Levers`
        field.
    lower, upper
        The range (for a distribution: its support, possibly infinite).
    dist
        A frozen ``scipy.stats`` continuous distribution, or None for uniform.

    Examples
    --------
    >>> RealParameter("threat_rate", 0.0, 0.2).ppf([0.0, 0.5, 1.0]).tolist()
    [0.0, 0.1, 0.2]
    >>> from scipy import stats
    >>> p = RealParameter.from_dist("threat_rate", stats.uniform(0.1, 0.2))
    >>> p.lower, p.upper, p.ppf([0.5]).round(6).tolist()
    (0.1, 0.30000000000000004, [0.2])
    """

    name: str
    lower: float
    upper: float
    dist: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.dist is None and not self.lower < self.upper:
            raise ValueError(f"{self.name}: lower ({self.lower}) must be below upper "
                             f"({self.upper})")

    @classmethod
    def from_dist(cls, name: str, dist: Any) -> RealParameter:
        """A parameter distributed as the frozen scipy distribution ``dist``."""
        lower, upper = (float(x) for x in dist.support())
        return cls(name, lower, upper, dist)

    def ppf(self, u: ArrayLike) -> NDArray[np.float64]:
        """Map unit-cube coordinates ``u`` to values (the inverse CDF)."""
        q = np.asarray(u, dtype=np.float64)
        if self.dist is None:
            return np.asarray(self.lower + q * (self.upper - self.lower), dtype=np.float64)
        return np.asarray(self.dist.ppf(q), dtype=np.float64)

    def levels(self, n: int) -> NDArray[np.float64]:
        """``n`` unit-cube levels for a full factorial.

        Uniform: evenly spaced from ``lower`` to ``upper`` inclusive (the midpoint for
        ``n == 1``); a distribution: the quantiles ``(j + 0.5) / n``, which stay finite.
        """
        if self.dist is None and n > 1:
            return np.linspace(0.0, 1.0, n)
        return (np.arange(n) + 0.5) / n


@dataclass(frozen=True)
class CategoricalParameter:
    """An uncertain input taking one of ``values``, each with the same probability.

    Examples
    --------
    >>> p = CategoricalParameter("treaty", (True, False))
    >>> p.ppf([0.1, 0.6, 1.0]).tolist()
    [True, False, False]
    """

    name: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"{self.name}: a categorical parameter needs at least one value")

    def ppf(self, u: ArrayLike) -> NDArray[Any]:
        """Map unit-cube coordinates to categories: ``values[floor(u * k)]`` (1 -> last)."""
        k = len(self.values)
        idx = np.minimum((np.asarray(u, dtype=np.float64) * k).astype(np.intp), k - 1)
        return np.asarray(self.values)[idx]

    def levels(self, n: int) -> NDArray[np.float64]:
        """Every category once (``n`` is ignored): the unit-cube centres of the categories."""
        k = len(self.values)
        return (np.arange(k) + 0.5) / k


Parameter = RealParameter | CategoricalParameter


def parameters_of(spec: ExperimentSpec) -> tuple[Parameter, ...]:
    """The typed parameters of an experiment section's uncertainties, in order.

    Examples
    --------
    >>> spec = ExperimentSpec(n_samples=4, uncertainties=[
    ...     {"name": "threat_rate", "lower": 0.0, "upper": 0.1},
    ...     {"name": "treaty", "values": [True, False]}])
    >>> [type(p).__name__ for p in parameters_of(spec)]
    ['RealParameter', 'CategoricalParameter']
    """
    out: list[Parameter] = []
    for u in spec.uncertainties:
        if u.values is not None:
            out.append(CategoricalParameter(u.name, tuple(u.values)))
        elif u.distribution is not None:
            out.append(RealParameter.from_dist(u.name, u.frozen_distribution()))
        else:
            assert u.lower is not None and u.upper is not None
            out.append(RealParameter(u.name, u.lower, u.upper))
    return tuple(out)


# --- samplers -------------------------------------------------------------------------------


def sample_unit(
    sampler: str, n_samples: int, parameters: Sequence[Parameter], rng: Any
) -> NDArray[np.float64]:
    """Design points on the unit cube, shape ``(n_scenarios, len(parameters))``.

    Parameters
    ----------
    sampler
        ``"lhs"`` (:class:`scipy.stats.qmc.LatinHypercube`), ``"sobol"`` (scrambled
        :class:`scipy.stats.qmc.Sobol`; ``n_samples`` should be a power of two, and scipy
        warns when it is not), ``"saltelli"`` (Saltelli's cross-design of ``n_samples`` base
        points, ``n_samples * (2k + 2)`` rows, :func:`SALib.sample.sobol.sample` with second
        order: the design :func:`scenarios.analysis.sobol_indices` analyses),
        ``"monte_carlo"`` (independent uniforms), ``"morris"``
        (``n_samples`` trajectories of ``k + 1`` points on a 4-level grid,
        :func:`SALib.sample.morris.sample`) or ``"full_factorial"`` (every combination of
        each parameter's :meth:`~RealParameter.levels`, ``n_samples`` levels per real
        parameter, every value of a categorical one).
    n_samples
        See above.
    parameters
        The uncertainties.
    rng
        A :class:`numpy.random.Generator` or :class:`numpy.random.SeedSequence` (the
        experiment's design child); never a global seed.

    Examples
    --------
    >>> ps = [RealParameter("a", 0, 1), RealParameter("b", 0, 1)]
    >>> sample_unit("lhs", 5, ps, np.random.SeedSequence(1)).shape
    (5, 2)
    >>> sample_unit("full_factorial", 3, ps, np.random.SeedSequence(1))[:4].tolist()
    [[0.0, 0.0], [0.0, 0.5], [0.0, 1.0], [0.5, 0.0]]
    """
    from scipy.stats import qmc

    k = len(parameters)
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; allowed: {', '.join(SAMPLERS)}")
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, not {n_samples!r}")
    n = int(n_samples)
    if k == 0:
        return np.empty((1, 0))
    gen = np.random.default_rng(rng)
    if sampler == "lhs":
        return np.asarray(qmc.LatinHypercube(d=k, rng=gen).random(n), dtype=np.float64)
    if sampler == "sobol":
        return np.asarray(qmc.Sobol(d=k, scramble=True, rng=gen).random(n), dtype=np.float64)
    if sampler == "monte_carlo":
        return gen.random((n, k))
    if sampler == "full_factorial":
        grids = [p.levels(n) for p in parameters]
        return np.array(list(itertools.product(*grids)), dtype=np.float64).reshape(-1, k)
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise ImportError(f"the {sampler} sampler needs SALib: pip install "
                          "'ir-scenarios[salib]'") from None
    problem = {"num_vars": k, "names": [p.name for p in parameters], "bounds": [[0.0, 1.0]] * k}
    if sampler == "saltelli":
        return np.asarray(sobol.sample(problem, n, calc_second_order=True, seed=gen),
                          dtype=np.float64)
    return np.asarray(morris.sample(problem, n, num_levels=4, seed=gen), dtype=np.float64)


def sample_scenarios(
    parameters: Sequence[Parameter], sampler: str, n_samples: int, rng: Any
) -> dict[str, NDArray[Any]]:
    """The scenarios: each uncertainty's values, mapped from the unit cube through ``ppf``.

    Raises
    ------
    ValueError
        If a value falls outside the bounds of its parameter or lever (e.g. a normal
        distribution whose tail escapes them), naming the parameter, the offending value and
        the bounds.

    Examples
    --------
    >>> ps = [RealParameter("threat_rate", 0.02, 0.1)]
    >>> s = sample_scenarios(ps, "lhs", 4, np.random.SeedSequence(2))
    >>> s["threat_rate"].shape, bool(((0.02 <= s["threat_rate"]) & (s["threat_rate"] <= 0.1)).all())
    ((4,), True)
    """
    unit = sample_unit(sampler, n_samples, parameters, rng)
    out: dict[str, NDArray[Any]] = {}
    for j, p in enumerate(parameters):
        values = p.ppf(unit[:, j])
        if isinstance(p, RealParameter):
            known = p.name in Parameters.model_fields or p.name in Levers.model_fields
            lo, hi = input_bounds(p.name) if known else (None, None)
            bad = ~np.isfinite(values)
            if lo is not None:
                bad |= values < lo
            if hi is not None:
                bad |= values > hi
            if bad.any():
                first = float(values[np.flatnonzero(bad)[0]])
                raise ValueError(
                    f"uncertainty {p.name!r}: {int(bad.sum())} of {values.size} sampled "
                    f"values fall outside its bounds [{lo}, {hi}] (first: {first!r}); "
                    "use a distribution truncated to the bounds (e.g. truncnorm) or narrower "
                    "arguments")
        out[p.name] = values
    return out


def policy_set(spec: ExperimentSpec) -> dict[str, NDArray[Any]]:
    """The policies: the full factorial of the listed lever values (first lever slowest).

    Without levers there is one policy, the config's own levers, and the mapping is empty.

    Examples
    --------
    >>> spec = ExperimentSpec(levers=[{"name": "us_offer", "values": [0.0, 1.0]},
    ...                               {"name": "treaty", "values": [True, False]}])
    >>> {k: v.tolist() for k, v in policy_set(spec).items()}
    {'us_offer': [0.0, 0.0, 1.0, 1.0], 'treaty': [True, False, True, False]}
    """
    if not spec.levers:
        return {}
    combos = list(itertools.product(*(lv.values for lv in spec.levers)))
    out: dict[str, NDArray[Any]] = {}
    for j, lv in enumerate(spec.levers):
        dtype = bool if Levers.model_fields[lv.name].annotation is bool else np.float64
        out[lv.name] = np.array([c[j] for c in combos], dtype=dtype)
    return out


# --- seeding --------------------------------------------------------------------------------


def design_seed(root: np.random.SeedSequence) -> np.random.SeedSequence:
    """The child of ``root`` that drives the design sampler (spawn-key branch 0).

    Examples
    --------
    >>> design_seed(np.random.SeedSequence(5)).spawn_key
    (0,)
    """
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, _DESIGN_BRANCH),
                                  pool_size=root.pool_size)


def run_seed(root: np.random.SeedSequence, experiment: int, replication: int
             ) -> np.random.SeedSequence:
    """The child of ``root`` that seeds run ``(experiment, replication)``: branch 1.

    It depends only on the root and the run's position, never on the design size, block
    size, order or executor.

    Examples
    --------
    >>> run_seed(np.random.SeedSequence(5), 3, 1).spawn_key
    (1, 3, 1)
    """
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, _RUN_BRANCH, int(experiment),
                                 int(replication)),
        pool_size=root.pool_size)


# --- block tasks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockTask:
    """Everything a block of runs needs, as plain picklable data (for any executor).

    Attributes
    ----------
    config_yaml
        The resolved config (constants applied) as YAML.
    run, experiment, replication
        Per run of the block: flat run index, experiment index and replication index.
    inputs
        Per varied input (uncertainty or policy lever): its value in each run of the block.
    seed_entropy, seed_spawn_key, seed_pool_size
        The experiment's root SeedSequence; run ``(i, r)`` uses :func:`run_seed`.
    engine
        ``"batched"`` or ``"mesa"``.
    steps, actors, dyads, outcomes
        What to record: ``outcomes.STEP_VARIABLES`` names, ``outcomes.ACTOR_VARIABLES``
        names, dyad names (``ensemble.DYAD_VARIABLES``) and numeric outcome names.
    """

    config_yaml: str
    run: tuple[int, ...]
    experiment: tuple[int, ...]
    replication: tuple[int, ...]
    inputs: Mapping[str, tuple[Any, ...]]
    seed_entropy: Any
    seed_spawn_key: tuple[int, ...]
    seed_pool_size: int
    engine: str
    steps: tuple[str, ...]
    actors: tuple[str, ...]
    dyads: tuple[str, ...]
    outcomes: tuple[str, ...]

    def seeds(self) -> list[np.random.SeedSequence]:
        """The SeedSequence of each run of the block."""
        root = np.random.SeedSequence(self.seed_entropy, spawn_key=self.seed_spawn_key,
                                      pool_size=self.seed_pool_size)
        return [run_seed(root, i, r)
                for i, r in zip(self.experiment, self.replication, strict=True)]

    def subset(self, b: int) -> BlockTask:
        """The task of run ``b`` of this block alone."""
        return BlockTask(
            self.config_yaml, self.run[b:b + 1], self.experiment[b:b + 1],
            self.replication[b:b + 1], {k: v[b:b + 1] for k, v in self.inputs.items()},
            self.seed_entropy, self.seed_spawn_key, self.seed_pool_size, self.engine,
            self.steps, self.actors, self.dyads, self.outcomes)


@functools.lru_cache(maxsize=4)
def _scenario(config_yaml: str) -> tuple[ScenarioConfig, World]:
    """Config and world of a block, parsed once per process (blocks of one experiment share
    them)."""
    cfg = parse_config(yaml.safe_load(config_yaml))
    return cfg, build_world(cfg)


@dataclass
class _Records:
    """A block's records as arrays over its ``B`` runs (NaN / -1 where nothing was recorded)."""

    steps: dict[str, NDArray[np.float64]]
    actors: dict[str, NDArray[np.float64]]
    dyads: dict[str, NDArray[Any]]
    outcomes: dict[str, NDArray[np.float64]]
    code: NDArray[np.int8]
    error: list[str]
    traceback: list[str]

    @classmethod
    def empty(cls, task: BlockTask, n_steps: int, n_actors: int) -> _Records:
        b = len(task.run)
        return cls(
            steps={v: np.full((b, n_steps), np.nan) for v in task.steps},
            actors={v: np.full((b, n_steps, n_actors), np.nan) for v in task.actors},
            dyads={v: np.full((b, n_steps, n_actors, n_actors),
                              -1 if DYAD_VARIABLES[v][1] is np.int8 else np.nan,
                              DYAD_VARIABLES[v][1]) for v in task.dyads},
            outcomes={v: np.full(b, np.nan) for v in task.outcomes},
            code=np.full(b, -1, dtype=np.int8),
            error=[""] * b,
            traceback=[""] * b,
        )

    def put(self, b: int, other: _Records) -> None:
        """Copy run 0 of ``other`` (a block of one) into run ``b``."""
        for mine, theirs in ((self.steps, other.steps), (self.actors, other.actors),
                             (self.dyads, other.dyads), (self.outcomes, other.outcomes)):
            for v in mine:
                mine[v][b] = theirs[v][0]
        self.code[b] = other.code[0]
        self.error[b] = other.error[0]
        self.traceback[b] = other.traceback[0]


def _split_inputs(task: BlockTask, b: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameter and lever values of run ``b`` (Python floats and bools)."""
    params, levers = {}, {}
    for name, vals in task.inputs.items():
        v = vals[b]
        if name in Levers.model_fields:
            is_bool = Levers.model_fields[name].annotation is bool
            levers[name] = bool(v) if is_bool else float(v)
        else:
            params[name] = float(v)
    return params, levers


def _batched(task: BlockTask, cfg: ScenarioConfig, world: World) -> _Records:
    """The whole block at once on the batched engine (raises if any run raises)."""
    b, n_steps = len(task.run), cfg.steps + 1
    keys = np.stack([run_key(s) for s in task.seeds()])
    pvals = {k: np.asarray(v, dtype=np.float64) for k, v in task.inputs.items()
             if k in Parameters.model_fields}
    lvals = {k: np.asarray(v, dtype=np.float64) for k, v in task.inputs.items()
             if k in Levers.model_fields}
    p = engine.block_parameters(cfg.parameters, pvals, size=b)
    rec = _Records.empty(task, n_steps, world.n)
    res = engine.run_block(world, keys, parameters=p, levers=lvals,
                           record_steps=list(task.steps),
                           record_actors=list(task.actors),
                           record_dyads=[DYAD_VARIABLES[v][0] for v in task.dyads])
    for v in task.dyads:
        rec.dyads[v][:] = res.dyads[DYAD_VARIABLES[v][0]]
    for v in task.steps:
        rec.steps[v][:] = res.steps[v]
    for v in task.actors:
        rec.actors[v][:] = res.actors[v]
    for v in task.outcomes:
        rec.outcomes[v][:] = np.asarray(res.outcomes[v], dtype=np.float64)
    rec.code[:] = np.asarray(res.outcomes["outcome_code"]).astype(np.int8)
    return rec


def _mesa(task: BlockTask, cfg: ScenarioConfig, world: World) -> _Records:
    """Each run of the block as a :class:`scenarios.ScenarioModel` (failures recorded)."""
    n_steps = cfg.steps + 1
    rec = _Records.empty(task, n_steps, world.n)
    for b, seed in enumerate(task.seeds()):
        params, levers = _split_inputs(task, b)
        try:
            cfg_b = cfg.with_parameters(**params) if params else cfg
            cfg_b = cfg_b.with_levers(**levers) if levers else cfg_b
        except Exception as exc:  # an invalid combination fails this run only
            rec.error[b] = f"{type(exc).__name__}: {exc}"
            rec.traceback[b] = traceback.format_exc()
            continue
        run = _one_run(cfg_b, seed, world.n)
        steps, actors = run.arrays(tuple(world.codes))
        for v in task.steps:
            rec.steps[v][b] = steps[v]
        for v in task.actors:
            rec.actors[v][b] = actors[_ACTOR_DATASET_NAME[v]]
        for v in task.dyads:
            rec.dyads[v][b] = run.dyads[v]
        if run.outcomes:
            for v in task.outcomes:
                rec.outcomes[v][b] = float(run.outcomes[v])
            rec.code[b] = int(run.outcomes["outcome_code"])
        rec.error[b], rec.traceback[b] = run.error, run.traceback
    return rec


def _records(task: BlockTask) -> _Records:
    cfg, world = _scenario(task.config_yaml)
    if task.engine == "mesa":
        return _mesa(task, cfg, world)
    if task.engine != "batched":
        raise ValueError(f"unknown engine {task.engine!r}; allowed: {', '.join(ENGINES)}")
    try:
        return _batched(task, cfg, world)
    except Exception as exc:
        if len(task.run) > 1:
            # isolate the failing run(s): every run again as a block of one
            rec = _Records.empty(task, cfg.steps + 1, world.n)
            for b in range(len(task.run)):
                rec.put(b, _records(task.subset(b)))
            return rec
        rec = _Records.empty(task, cfg.steps + 1, world.n)
        rec.error[0] = f"{type(exc).__name__}: {exc}"
        rec.traceback[0] = traceback.format_exc()
        return rec


def run_block_task(task: BlockTask) -> xr.Dataset:
    """Run one block: a pure function of the task, safe to ship to another process.

    Returns
    -------
    xarray.Dataset
        The block's runs along a flat ``run`` dim (coordinate: the flat run index
        ``experiment * n_replications + replication``; the store contract of
        :mod:`scenarios.store`): every recorded variable with ``run`` in place of
        ``(experiment, replication)``; ``status``, ``error``, ``traceback``,
        ``seed_spawn_key``; and, so that a stored block file stands alone, the run's
        ``experiment`` and ``replication`` indices and its inputs.
        :meth:`ExperimentLayout.assemble` turns the blocks into the final layout. A run that
        raises is recorded as failed and the others complete: in the batched engine a
        failing block is rerun run by run to isolate the failure, and a failed run's records
        are then all missing (the Mesa engine keeps them up to the failure).
    """
    return _block_dataset(task, _records(task))


def _failed_block(task: BlockTask, error: str, tb: str) -> xr.Dataset:
    """The block of a task that did not return (e.g. its worker died): every run failed."""
    cfg, world = _scenario(task.config_yaml)
    rec = _Records.empty(task, cfg.steps + 1, world.n)
    rec.error = [error] * len(task.run)
    rec.traceback = [tb] * len(task.run)
    return _block_dataset(task, rec)


def _block_dataset(task: BlockTask, rec: _Records) -> xr.Dataset:
    cfg, world = _scenario(task.config_yaml)
    n_steps = cfg.steps + 1
    data: dict[str, Any] = {
        "experiment_index": ("run", np.asarray(task.experiment, dtype=np.int64),
                             {"description": "experiment of the run"}),
        "replication_index": ("run", np.asarray(task.replication, dtype=np.int64),
                              {"description": "replication of the run"}),
    }
    for name, vals in task.inputs.items():
        data[name] = ("run", np.asarray(vals), {"description": f"input {name} of the run"})
    for v in task.steps:
        data[v] = (("run", "step"), rec.steps[v], _describe(STEP_VARIABLES[v]))
    for v in task.actors:
        name = _ACTOR_DATASET_NAME[v]
        _, desc, units = ACTOR_VARIABLES[name]
        data[name] = (("run", "step", "actor"), rec.actors[v],
                      {"description": desc, "units": units})
    for v in task.dyads:
        _, dt, desc, units = DYAD_VARIABLES[v]
        data[v] = (("run", "step", "actor", "actor_to"), rec.dyads[v].astype(dt, copy=False),
                   {"description": desc, "units": units})
    for v in task.outcomes:
        data[f"outcome_{v}"] = ("run", rec.outcomes[v],
                                {"description": f"outcome {v} of the run"})
    data["outcome_code"] = ("run", rec.code,
                            {"description": "index into outcome_classes (-1: failed run)",
                             "outcome_classes": " ".join(OUTCOME_CLASSES)})
    classes = [OUTCOME_CLASSES[c] if c >= 0 else "" for c in rec.code.tolist()]
    data["outcome_class"] = ("run", _fixed(classes),
                             {"description": "outcome class (docs/model.md); '' if failed"})
    data["status"] = ("run", _fixed(["failed" if e else "ok" for e in rec.error]),
                      {"description": "ok or failed"})
    data["error"] = ("run", _fixed(rec.error),
                     {"description": "exception type and message of a failed run"})
    data["traceback"] = ("run", _fixed(rec.traceback),
                         {"description": "traceback of a failed run"})
    data["seed_spawn_key"] = (("run", "spawn_key_level"),
                              np.array([s.spawn_key for s in task.seeds()], dtype=np.int64),
                              {"description": "spawn key of the run's SeedSequence (entropy "
                               "in attrs seed_entropy)"})
    coords: dict[str, Any] = {"run": np.asarray(task.run, dtype=np.int64)}
    if task.steps or task.actors or task.dyads:
        coords["step"] = np.arange(n_steps)
        coords["date"] = ("step", np.array([str(cfg.start + t) for t in range(n_steps)]))
    if task.actors or task.dyads:
        coords["actor"] = np.array(world.codes)
        coords["actor_name"] = ("actor", np.array(world.names))
    if task.dyads:
        coords["actor_to"] = np.array(world.codes)
    return xr.Dataset(data, coords=coords)


# --- layout, stores and executors -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ExperimentLayout:
    """How flat runs and blocks map onto the final ``(experiment, replication)`` dataset.

    Attributes
    ----------
    n_experiments, n_replications
        The shape of the runs.
    block_size
        Runs per block; block ``k`` holds the flat runs ``k * block_size`` up to the next.
    inputs
        The design: one variable per uncertainty and policy lever on ``experiment``, plus
        ``scenario_id`` and ``policy_id``.

    Examples
    --------
    >>> lay = ExperimentLayout(3, 2, 4, xr.Dataset())
    >>> lay.n_runs, lay.n_blocks, list(lay.block_runs(1))
    (6, 2, [4, 5])
    """

    n_experiments: int
    n_replications: int
    block_size: int
    inputs: xr.Dataset

    @property
    def n_runs(self) -> int:
        """Number of runs, ``n_experiments * n_replications``."""
        return self.n_experiments * self.n_replications

    @property
    def n_blocks(self) -> int:
        """Number of blocks."""
        return -(-self.n_runs // self.block_size)

    def block_runs(self, block: int) -> range:
        """The flat run indices of ``block``."""
        return range(block * self.block_size, min((block + 1) * self.block_size, self.n_runs))

    def assemble(self, runs: xr.Dataset, attrs: Mapping[str, Any]) -> xr.Dataset:
        """The final dataset from all runs along a flat ``run`` dim (in any order).

        Every variable on ``run`` is reordered by run index and reshaped to
        ``(experiment, replication, ...)``; the per-run copies of the inputs are replaced by
        the design (:attr:`inputs`, on ``experiment``); ``attrs`` (plus ``n_failed``) become
        the dataset's attributes.
        """
        order = np.argsort(runs["run"].values, kind="stable")
        got = runs["run"].values[order]
        if got.size != self.n_runs or not np.array_equal(got, np.arange(self.n_runs)):
            raise ValueError(f"cannot assemble: expected runs 0..{self.n_runs - 1}, got "
                             f"{got.size} runs")
        per_run_inputs = {"experiment_index", "replication_index", *self.inputs.data_vars}
        runs = runs.isel(run=order).drop_vars(per_run_inputs & set(runs.data_vars))
        shape = (self.n_experiments, self.n_replications)
        data: dict[str, Any] = {}
        for name, var in runs.data_vars.items():
            rest = [d for d in var.dims if d != "run"]
            values = var.transpose("run", *rest).values
            data[str(name)] = (("experiment", "replication", *rest),
                               values.reshape(shape + values.shape[1:]), var.attrs)
        coords = {k: v for k, v in runs.coords.items() if "run" not in v.dims}
        coords.update(experiment=np.arange(self.n_experiments),
                      replication=np.arange(self.n_replications))
        out = xr.Dataset(data, coords=coords)
        out = xr.merge([self.inputs, out], compat="no_conflicts", join="exact",
                       combine_attrs="drop_conflicts")
        status = out["status"].values.astype(str)
        out.attrs = {**attrs, "n_failed": int((status == "failed").sum())}
        return out


@dataclass(frozen=True)
class StoreSpec:
    """Where and how :func:`run_experiment` stores its blocks (see :mod:`scenarios.store`).

    Attributes
    ----------
    path
        File or directory of the results; None keeps them in memory.
    kind
        ``"netcdf"``, ``"zarr"`` or None (from the path's suffix).
    resume
        Skip the blocks already complete in the store.
    """

    path: str | os.PathLike[str] | None = None
    kind: Literal["netcdf", "zarr"] | None = None
    resume: bool = False


def _open_store(store: str | os.PathLike[str] | StoreSpec | None, layout: ExperimentLayout,
                attrs: Mapping[str, Any]) -> Store:
    """The store of the blocks (:func:`scenarios.store.open_store`)."""
    spec = store if isinstance(store, StoreSpec) else StoreSpec(store)
    return open_store(spec.path, kind=spec.kind, resume=spec.resume, attrs=attrs,
                      n_runs=layout.n_runs, block_size=layout.block_size, dim="run")


# --- the experiment -------------------------------------------------------------------------


def _auto_block_size(engine_name: str, n_runs: int, n_steps: int, n_actors: int,
                     task: Mapping[str, Sequence[str]]) -> int:
    """Runs per block for ``block_size: auto``: large enough to amortise the per-step cost
    of the batched engine (up to 256 runs: 10 % less time per run than blocks of 64 on the
    baseline, docs/performance.md), small enough to keep a block's records under ~512 MiB
    and to give a progress bar and a pool of workers at least 8 blocks."""
    if engine_name == "mesa":
        return 2
    per_run = 8 * n_steps * (len(task["steps"]) + n_actors * len(task["actors"]))
    per_run += 4 * n_steps * n_actors * n_actors * len(task["dyads"])
    cap = max(1, _AUTO_BLOCK_BYTES // max(per_run, 1))
    return int(max(1, min(_AUTO_BLOCK_RUNS, cap, max(8, -(-n_runs // 8)))))


def _inputs_dataset(scen: Mapping[str, NDArray[Any]], pol: Mapping[str, NDArray[Any]],
                    n_scenarios: int, n_policies: int) -> xr.Dataset:
    i = np.arange(n_scenarios * n_policies)
    s, p = i // n_policies, i % n_policies
    data: dict[str, Any] = {
        "scenario_id": ("experiment", s.astype(np.int64),
                        {"description": "index of the experiment's scenario (point in "
                         "uncertainty space)"}),
        "policy_id": ("experiment", p.astype(np.int64),
                      {"description": "index of the experiment's policy (point in lever "
                       "space)"}),
    }
    for name, values in scen.items():
        data[name] = ("experiment", values[s], {"description": f"uncertainty {name} "
                                                "(sampled)", "role": "uncertainty"})
    for name, values in pol.items():
        data[name] = ("experiment", values[p], {"description": f"lever {name} (policy)",
                                                "role": "lever"})
    return xr.Dataset(data, coords={"experiment": i})


def run_experiment(
    config: ScenarioConfig | str | os.PathLike[str],
    *,
    n_samples: int | None = None,
    n_replications: int | None = None,
    engine: Literal["batched", "mesa"] = "batched",
    executor: Any = None,
    store: str | os.PathLike[str] | StoreSpec | None = None,
    rng: int | np.integer[Any] | np.random.SeedSequence | None = None,
    progress: bool = True,
    workers: int | None = None,
) -> xr.Dataset:
    """Run the experiment of a config: every (scenario, policy) pair, ``n_replications`` times.

    Parameters
    ----------
    config : ScenarioConfig, str or path
        A config object, a built-in name or a YAML file. Its ``experiment`` section
        (:class:`~scenarios.config.ExperimentSpec`) gives the design; without one, the
        config's own values are one experiment.
    n_samples, n_replications : int, optional
        Replace the section's values (None: keep them).
    engine : {"batched", "mesa"}
        ``"batched"`` steps a block of runs at once (:func:`scenarios.engine.run_block`);
        ``"mesa"`` runs each as a :class:`scenarios.ScenarioModel`. Same results.
    executor
        None or ``"serial"``, ``"processes"``, a :class:`concurrent.futures.Executor` or a
        ``dask.distributed.Client`` (:func:`scenarios.executors.resolve_executor`). An
        executor passed in stays the caller's: it is not shut down here.
    store : path, StoreSpec or None
        Where blocks go (:func:`scenarios.store.open_store`); None keeps them in memory.
    rng : int, SeedSequence or None
        Root of the seeding (module docstring); None draws fresh entropy, stored in
        ``attrs["seed_entropy"]``. A SeedSequence passed in is not modified.
    progress : bool
        A tqdm bar (runs done, runs/s, ETA) on stderr, silent when stderr is not a terminal.
    workers : int, optional
        Worker count for ``executor="processes"``.

    Returns
    -------
    xarray.Dataset
        Dims ``experiment``, ``replication`` and, as recorded, ``step``, ``actor``,
        ``actor_to``; ``spawn_key_level``. Layout in ``docs/experiments.md``.

    Raises
    ------
    scenarios.errors.ConfigError
        For an invalid config, experiment section or override.
    ValueError
        For sampled values outside their bounds, a bad engine or a bad ``rng``.
    ImportError
        For the Morris sampler without SALib, or an executor/store that is not available.

    Examples
    --------
    >>> from scenarios.config import builtin_config, parse_config
    >>> cfg = parse_config({**builtin_config("baseline").to_dict(), "steps": 2, "experiment": {
    ...     "n_samples": 2, "n_replications": 2, "record": {"steps": ["max_rung"]},
    ...     "uncertainties": [{"name": "threat_rate", "lower": 0.01, "upper": 0.1}],
    ...     "levers": [{"name": "treaty", "values": [True, False]}]}})
    >>> ds = run_experiment(cfg, rng=1, progress=False)
    >>> dict(ds.sizes)
    {'experiment': 4, 'replication': 2, 'step': 3, 'spawn_key_level': 3}
    >>> ds["treaty"].values.tolist(), ds["scenario_id"].values.tolist()
    ([True, False, True, False], [0, 0, 1, 1])
    """
    from tqdm.auto import tqdm

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    cfg = resolve_config(config)
    section = cfg.experiment.model_dump(mode="json") if cfg.experiment is not None else {}
    if n_samples is not None:
        section["n_samples"] = n_samples
    if n_replications is not None:
        section["n_replications"] = n_replications
    resolved = parse_config({**cfg.to_dict(), "experiment": section})
    spec = resolved.experiment
    assert spec is not None
    consts = dict(spec.constants)
    base = resolved.with_parameters(**{k: v for k, v in consts.items()
                                       if k in Parameters.model_fields})
    base = base.with_levers(**{k: v for k, v in consts.items() if k in Levers.model_fields})
    base = parse_config({**base.to_dict(), "experiment": None})

    root = _seed_root(rng)
    scen = sample_scenarios(parameters_of(spec), spec.sampler, spec.n_samples,
                            design_seed(root))
    n_scenarios = len(next(iter(scen.values()))) if scen else 1
    pol = policy_set(spec)
    n_policies = len(next(iter(pol.values()))) if pol else 1
    n_exp, n_rep = n_scenarios * n_policies, spec.n_replications
    record = {"steps": spec.record.names("steps"), "actors": spec.record.names("actors"),
              "dyads": spec.record.names("dyads")}
    kept = outcome_names() if spec.outcomes == "all" else tuple(spec.outcomes)
    _, world = _scenario(base.to_yaml())
    block_size = (spec.block_size if isinstance(spec.block_size, int) else
                  _auto_block_size(engine, n_exp * n_rep, base.steps + 1, world.n, record))
    inputs = _inputs_dataset(scen, pol, n_scenarios, n_policies)
    layout = ExperimentLayout(n_exp, n_rep, block_size, inputs)
    varied = {name: inputs[name].values for name in [*scen, *pol]}
    base_yaml = base.to_yaml()

    def task(block: int) -> BlockTask:
        runs = np.asarray(layout.block_runs(block))
        exp_i, rep_i = runs // n_rep, runs % n_rep
        return BlockTask(
            base_yaml, tuple(runs.tolist()), tuple(exp_i.tolist()), tuple(rep_i.tolist()),
            {k: tuple(v[exp_i].tolist()) for k, v in varied.items()},
            root.entropy, tuple(root.spawn_key), root.pool_size, engine,
            record["steps"], record["actors"], record["dyads"], kept)

    attrs = {
        "title": f"scenarios experiment: {resolved.name}",
        "scenario": resolved.name,
        "start": str(resolved.start),
        "steps": int(resolved.steps),
        "sampler": spec.sampler,
        "n_samples": int(spec.n_samples),
        "n_scenarios": n_scenarios,
        "n_policies": n_policies,
        "n_experiments": n_exp,
        "n_replications": n_rep,
        "n_runs": n_exp * n_rep,
        "uncertainties": " ".join(scen),
        "levers": " ".join(pol),
        "scenarios_version": scenarios.__version__,
        "mesa_version": importlib.metadata.version("mesa"),
        "numpy_version": np.__version__,
        "scipy_version": importlib.metadata.version("scipy"),
        "numba_version": importlib.metadata.version("numba"),
        "xarray_version": xr.__version__,
        "seed_entropy": str(root.entropy),
        "seed_spawn_key": " ".join(str(k) for k in root.spawn_key),
        "seed_pool_size": int(root.pool_size),
        "seed_scheme": "design: SeedSequence(entropy, spawn_key=(*root, 0)); run (i, r): "
                       "SeedSequence(entropy, spawn_key=(*root, 1, i, r))",
        "config_yaml": resolved.to_yaml(),
    }
    opened = _open_store(store, layout, attrs)
    todo = sorted(set(range(layout.n_blocks)) - opened.completed_blocks())
    tasks = [task(k) for k in todo]
    owned = executor is None or isinstance(executor, str)
    ex = resolve_executor(executor, workers=workers)
    done = layout.n_runs - sum(len(t.run) for t in tasks)
    try:
        with tqdm(total=layout.n_runs, initial=done, unit="run", desc=resolved.name,
                  disable=None if progress else True, leave=False) as bar:
            for idx, result in ex.map_unordered(run_block_task, tasks):
                if not isinstance(result, xr.Dataset):  # the task itself failed
                    result = _failed_block(tasks[idx], str(result),
                                           str(getattr(result, "traceback", "")))
                opened.write_block(todo[idx], result)
                bar.update(len(tasks[idx].run))
    finally:
        if owned:
            ex.close()
    return layout.assemble(opened.finalize(attrs), attrs)


# --- views of the results -------------------------------------------------------------------


def flat_runs(ds: xr.Dataset) -> xr.Dataset:
    """The runs of an experiment dataset along one ``replication`` dim (``experiment`` folded).

    Run ``(i, r)`` becomes replication ``i * n_replications + r``; variables on
    ``experiment`` alone (the inputs) are repeated per run. The result has the layout of
    :func:`scenarios.ensemble.run_replications`, so :func:`scenarios.ensemble.summary_table`
    and :mod:`scenarios.plot` work on it.

    Examples
    --------
    >>> ds = xr.Dataset({"x": (("experiment", "replication"), [[1, 2], [3, 4]]),
    ...                  "a": ("experiment", [0.5, 0.7])})
    >>> f = flat_runs(ds)
    >>> f["x"].values.tolist(), f["a"].values.tolist()
    ([1, 2, 3, 4], [0.5, 0.5, 0.7, 0.7])
    """
    n_exp, n_rep = ds.sizes["experiment"], ds.sizes["replication"]
    data: dict[str, Any] = {}
    for name, var in ds.data_vars.items():
        if "experiment" not in var.dims:
            data[str(name)] = var
            continue
        rest = [d for d in var.dims if d not in ("experiment", "replication")]
        if "replication" in var.dims:
            values = var.transpose("experiment", "replication", *rest).values
        else:
            values = np.repeat(var.transpose("experiment", *rest).values[:, None], n_rep, axis=1)
        data[str(name)] = (("replication", *rest),
                           values.reshape((n_exp * n_rep, *values.shape[2:])), var.attrs)
    coords = {k: v for k, v in ds.coords.items()
              if "experiment" not in v.dims and "replication" not in v.dims}
    coords["replication"] = np.arange(n_exp * n_rep)
    return xr.Dataset(data, coords=coords, attrs=ds.attrs)


def outcome_shares_by_policy(ds: xr.Dataset, confidence: float = 0.95) -> pd.DataFrame:
    """Outcome-class probabilities by policy over all scenarios and replications (Wilson).

    Returns
    -------
    pandas.DataFrame
        Index ``(policy_id, outcome_class)``; columns ``count``, ``n`` (successful runs of the
        policy), ``share``, ``lower``, ``upper``, and the policy's lever values.
    """
    ok = ds["status"].values.astype(str) == "ok"
    classes = ds["outcome_class"].values.astype(str)
    policy = ds["policy_id"].values
    levers = [str(n) for n, v in ds.data_vars.items()
              if v.dims == ("experiment",) and v.attrs.get("role") == "lever"]
    rows = []
    for pid in np.unique(policy):
        sel = (policy == pid)[:, None] & ok
        n = int(sel.sum())
        counts = np.array([int((classes[sel] == c).sum()) for c in OUTCOME_CLASSES])
        lower, upper = wilson_interval(counts, n, confidence)
        first = int(np.flatnonzero(policy == pid)[0])
        lever_values = {name: ds[name].values[first].item() for name in levers}
        for c, k, lo, hi in zip(OUTCOME_CLASSES, counts, lower, upper, strict=True):
            rows.append({"policy_id": int(pid), "outcome_class": c, "count": int(k), "n": n,
                         "share": k / n if n else float("nan"), "lower": float(lo),
                         "upper": float(hi), **lever_values})
    return pd.DataFrame(rows).set_index(["policy_id", "outcome_class"])
