"""The batched engine: a block of runs stepped at once with the model's own rules.

:func:`run_block` steps ``B`` runs of one scenario together, on arrays shaped ``(B, N)`` and
``(B, N, N)``, by calling :func:`scenarios.dynamics.step` — the same perceive / decide /
resolve code the Mesa agents call row by row — so there is no second copy of any rule. Runs
in a block may differ in their parameters and levers (arrays of shape ``(B,)``) and each has
its own 128-bit key: random numbers are a pure function of (run key, step, stream, index)
(:mod:`scenarios.random`), so a run's trajectory does not depend on the block it is in, and
equals the :class:`scenarios.ScenarioModel` run with the same key and values (a differential
test checks this to 1e-12).

This module may import numpy and the modules below it in the pipeline (never Mesa).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scenarios import dynamics, outcomes
from scenarios.parameters import Levers, Parameters
from scenarios.world import State, World, initial_state

__all__ = ["BlockResult", "block_parameters", "run_block"]

#: Dyadic ``(N, N)`` state arrays that :func:`run_block` can record each step.
_DYADIC: tuple[str, ...] = (
    "affinity", "pact", "sanctions", "at_war", "attacked", "front", "war_months", "rung",
    "arms", "food_flow", "tech_will", "arms_total", "food_total", "war_ended",
)


@dataclass
class BlockResult:
    """What :func:`run_block` records for a block of ``B`` runs over ``T`` steps.

    Attributes
    ----------
    steps : dict of str to ndarray
        Model-level observables (``outcomes.STEP_VARIABLES``, or those requested), each
        ``(B, T + 1)``; step 0 is the initial state.
    actors : dict of str to ndarray
        Per-actor observables (``outcomes.ACTOR_VARIABLES``), each ``(B, T + 1, N)``; empty
        when not requested.
    dyads : dict of str to ndarray
        Dyadic state arrays (``State`` attribute names such as ``rung``, ``sanctions``),
        each ``(B, T + 1, N, N)``; empty when not requested.
    outcomes : dict of str to ndarray
        Final outcomes of :func:`scenarios.outcomes.summarize`, each ``(B,)``.
    final : State
        The block's final state.
    """

    steps: dict[str, NDArray[np.float64]]
    actors: dict[str, NDArray[np.float64]]
    dyads: dict[str, NDArray[Any]]
    outcomes: dict[str, NDArray[Any]]
    final: State


def block_parameters(
    base: Parameters, values: Mapping[str, ArrayLike] | None = None, size: int | None = None
) -> SimpleNamespace:
    """Parameters of a block: every field an array of shape ``(B,)``.

    Fields in ``values`` take the given per-run values (validated against the field's
    bounds); the others repeat ``base``'s value.

    Examples
    --------
    >>> p = block_parameters(Parameters(), {"threat_rate": [0.0, 0.1]})
    >>> p.threat_rate.tolist(), p.lift_rate.shape
    ([0.0, 0.1], (2,))
    """
    vals = {k: np.asarray(v, dtype=np.float64) for k, v in (values or {}).items()}
    unknown = set(vals) - set(Parameters.model_fields)
    if unknown:
        raise KeyError(f"unknown parameter(s) {sorted(unknown)}; allowed: "
                       f"{', '.join(Parameters.model_fields)}")
    sizes = {v.shape for v in vals.values()}
    if size is None:
        if len(sizes) != 1 or len(next(iter(sizes))) != 1:
            raise ValueError("values must all be 1-D arrays of the same length (the block)")
        size = next(iter(sizes))[0]
    out = {}
    for name, field in Parameters.model_fields.items():
        arr = np.broadcast_to(vals.get(name, getattr(base, name)), (size,)).astype(np.float64)
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        if (lo is not None and (arr < lo).any()) or (hi is not None and (arr > hi).any()):
            raise ValueError(f"parameter {name}: values outside [{lo}, {hi}]: {arr.tolist()}")
        out[name] = arr
    if not (out["vote_cut_no"] < out["vote_cut_yes"]).all():
        raise ValueError("vote_cut_no must be below vote_cut_yes in every run")
    return SimpleNamespace(**out)


def run_block(
    world: World,
    keys: ArrayLike,
    *,
    parameters: SimpleNamespace | None = None,
    levers: Mapping[str, ArrayLike] | None = None,
    steps: int | None = None,
    record_steps: bool | Sequence[str] = True,
    record_actors: bool | Sequence[str] = False,
    record_dyads: Sequence[str] = (),
) -> BlockResult:
    """Run a block of ``B`` runs of ``world``'s scenario to the horizon, all at once.

    Parameters
    ----------
    world
        The scenario (:func:`scenarios.world.build_world`).
    keys
        Run keys, shape ``(B, 2)`` uint64 (:func:`scenarios.random.run_key` of each run's
        seed).
    parameters
        Per-run parameters (:func:`block_parameters`); default: the config's, for all runs.
    levers
        Lever values per run (name -> value or ``(B,)`` array); default: the config's.
    steps
        Number of months; default: the config's ``steps``.
    record_steps
        Record model-level observables each step: ``True`` for all of
        ``outcomes.STEP_VARIABLES``, ``False`` for none (summary outcomes only), or a list.
    record_actors
        Record per-actor observables each step: ``True`` for all of
        ``outcomes.ACTOR_VARIABLES``, or a list of names.
    record_dyads
        Dyadic state arrays to record each step, by ``State`` attribute name (e.g.
        ``("rung", "sanctions", "arms", "food_flow", "affinity")``).

    Examples
    --------
    >>> from scenarios.config import builtin_config
    >>> from scenarios.random import run_key
    >>> from scenarios.world import build_world
    >>> w = build_world(builtin_config("baseline"))
    >>> res = run_block(w, np.stack([run_key(1), run_key(2)]), steps=3)
    >>> res.steps["max_rung"].shape, res.outcomes["outcome_code"].shape
    ((2, 4), (2,))
    """
    k = np.asarray(keys, dtype=np.uint64)
    if k.ndim != 2 or k.shape[1] != 2:
        raise ValueError(f"keys must have shape (B, 2), not {k.shape}")
    b = k.shape[0]
    cfg = world.config
    p = parameters if parameters is not None else block_parameters(cfg.parameters, size=b)
    unknown = set(levers or {}) - set(Levers.model_fields)
    if unknown:
        raise KeyError(f"unknown lever(s) {sorted(unknown)}; allowed: "
                       f"{', '.join(Levers.model_fields)}")
    n_steps = cfg.steps if steps is None else int(steps)
    names = (list(outcomes.ACTOR_VARIABLES) if record_actors is True
             else list(record_actors or []))

    bad = [d for d in record_dyads if d not in _DYADIC]
    if bad:
        raise KeyError(f"not dyadic state arrays: {bad}; allowed: {', '.join(_DYADIC)}")

    state = initial_state(world, dict(levers or {}), params=p, batch=(b,))
    step_names = (list(outcomes.STEP_VARIABLES) if record_steps is True
                  else list(record_steps or []))
    step_rec = {v: np.empty((b, n_steps + 1)) for v in step_names}
    actor_rec = {v: np.empty((b, n_steps + 1, world.n)) for v in names}
    dyad_rec = {v: np.empty((b, n_steps + 1, world.n, world.n), dtype=getattr(state, v).dtype)
                for v in record_dyads}

    def record(t: int, s: State) -> None:
        if step_rec:
            obs = outcomes.observe(world, s, p, step_names)
            for v in step_rec:
                step_rec[v][:, t] = obs[v]
        if actor_rec:
            act = outcomes.observe_actors(world, s, p)
            for v in actor_rec:
                actor_rec[v][:, t] = act[v]
        for v in dyad_rec:
            dyad_rec[v][:, t] = getattr(s, v)

    record(0, state)
    for t in range(1, n_steps + 1):
        state = dynamics.step(world, state, p, t, k)
        record(t, state)
    final = outcomes.summarize(world, state, p)
    return BlockResult(
        steps=step_rec,
        actors=actor_rec,
        dyads=dyad_rec,
        outcomes={name: np.asarray(v) for name, v in final.items()},
        final=state,
    )
