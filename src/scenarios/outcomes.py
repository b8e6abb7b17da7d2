"""Observables per step and outcomes per run, with the outcome classification.

Both functions accept a :class:`scenarios.world.State` with any leading batch shape and
return arrays of that shape (plain floats for a single run), so the Mesa model and the
ensemble engine report the same quantities. Definitions are in ``docs/model.md`` (Outcomes).

This module may import numpy, :mod:`scenarios.rules` and :mod:`scenarios.world`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scenarios import rules
from scenarios.parameters import TECH_DOMAINS
from scenarios.world import State, World

__all__ = [
    "ACTOR_VARIABLES",
    "OUTCOME_CLASSES",
    "STEP_VARIABLES",
    "observe",
    "observe_actors",
    "summarize",
]

#: Outcome classes, in the order of their codes (see :func:`scenarios.rules.classify`).
OUTCOME_CLASSES: tuple[str, ...] = (
    "containment",
    "new_cold_war",
    "multipolar_settlement",
    "conventional_escalation",
    "nuclear_use",
)

#: Model-level variables recorded each step: name -> description (unit).
STEP_VARIABLES: dict[str, str] = {
    "max_rung": "highest escalation rung any state stands at (0-7)",
    "n_wars": "number of pairs of states at war",
    "front_rus_ukr": "front position of Russia against Ukraine (-1..1, + = Russian gains)",
    "polarization": "bloc polarisation of the affinity network (-1..1)",
    "effective_poles": "effective number of poles (capability-weighted blocs)",
    "sanctions_in_force": "number of directed sanctions in force",
    "arms_prk_rus": "munitions from the DPRK to Russia this month (million shells)",
    "food_rus_prk": "food and energy from Russia to the DPRK this month (thousand containers)",
    "tech_prk": "DPRK mean technology level (0-1)",
    "un_enforcement_prk": "enforcement of UN sanctions on the DPRK (0-1)",
    "affinity_rus_prk": "affinity between Russia and the DPRK (-1..1)",
    "affinity_usa_rus": "affinity between the US and Russia (-1..1)",
    "affinity_chn_rus": "affinity between China and Russia (-1..1)",
    "econ_loss_rus": "Russia's accumulated output loss from sanctions (share of GDP)",
    "vetoes": "vetoes cast so far",
    "offer_accepted": "1 once Russia has accepted the US offer",
}


#: Per-actor variables recorded each step: name -> description (unit).
ACTOR_VARIABLES: dict[str, str] = {
    "alignment": "alignment on the UNGA ideal-point scale, + = US-led order (ideal point)",
    "max_rung": "highest escalation rung of this state toward any state (rung 0-7)",
    "econ_loss": "accumulated output loss from sanctions (share of GDP)",
    "food_insecurity": "food and energy insecurity (0-1)",
    "munitions": "munitions stock (million shells)",
    "tech": "mean technology level over missiles, satellites, submarines (0-1)",
    "sanctions_suffered": "sum of the intensities of sanctions in force on this state (1)",
    "support_received": "arms and food received last month (thousand containers)",
}


def observe_actors(world: World, state: State, p: Any) -> dict[str, Any]:
    """Per-actor observables of one month, arrays ``(..., N)`` (see :data:`ACTOR_VARIABLES`)."""
    spc = rules.ParamView(p, state.affinity).shells_per_container
    return {
        "alignment": state.alignment,
        "max_rung": _row_max(state.rung).astype(np.float64),
        "econ_loss": state.econ_loss,
        "food_insecurity": state.food,
        "munitions": state.stock,
        "tech": _mean_last(state.tech),
        "sanctions_suffered": state.sanctions.sum(axis=-2),
        "support_received": (state.arms / spc + state.food_flow).sum(axis=-2),
    }


def _row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=-1)``, a pass per column: numpy's reduction over a short last axis costs
    a call per row (the same integers either way)."""
    out = a[..., 0].copy()
    for j in range(1, a.shape[-1]):
        np.maximum(out, a[..., j], out=out)
    return out


def _mean_last(a: np.ndarray) -> np.ndarray:
    """``a.mean(axis=-1)`` with its bits: numpy sums a last axis shorter than 8 left to right,
    so for such an axis a pass per element of it gives the same sums, without a call per
    row."""
    k = a.shape[-1]
    if not 0 < k < 8:
        return np.asarray(a.mean(axis=-1))
    total = a[..., 0].copy()
    for j in range(1, k):
        total += a[..., j]
    return total / k


def _pair(world: World, state: State, arr: np.ndarray, a: str, b: str) -> Any:
    i, j = world.index(a), world.index(b)
    if i < 0 or j < 0:
        return np.full(state.alignment.shape[:-1], np.nan)
    return arr[..., i, j]


def _one(world: World, state: State, arr: np.ndarray, a: str) -> Any:
    i = world.index(a)
    if i < 0:
        return np.full(state.alignment.shape[:-1], np.nan)
    return arr[..., i]


def _mean_tech(world: World, state: State, a: str) -> Any:
    """Mean technology level of actor ``a`` over the domains (that actor's row only)."""
    i = world.index(a)
    if i < 0:
        return np.full(state.alignment.shape[:-1], np.nan)
    return state.tech[..., i, :].mean(axis=-1)


def _out(v: Any) -> Any:
    a = np.asarray(v)
    return a.item() if a.ndim == 0 else a


def _poles(world: World, state: State, p: Any) -> Any:
    """Effective number of poles among the great powers (blocs of majors by affinity)."""
    major = np.flatnonzero(world.major)
    if major.size == 0:
        return np.ones(state.alignment.shape[:-1])
    sub = state.affinity[..., major[:, None], major[None, :]]
    return rules.effective_poles(sub, state.capability[..., major], p.bloc_threshold)


def observe(
    world: World, state: State, p: Any, names: Sequence[str] | None = None
) -> dict[str, Any]:
    """Model-level observables of one month (see :data:`STEP_VARIABLES`).

    ``names`` restricts the computation to those variables (default: all), so that an
    ensemble recording only a few of them does not pay for the others.
    """
    iu = np.triu_indices(world.n, 1)
    compute: dict[str, Callable[[], Any]] = {
        "max_rung": lambda: state.rung.max(axis=(-1, -2)),
        "n_wars": lambda: state.at_war[..., iu[0], iu[1]].sum(axis=-1),
        "front_rus_ukr": lambda: _pair(world, state, state.front, "RUS", "UKR"),
        "polarization": lambda: rules.polarization(
            state.affinity, rules.bloc_partition(state.affinity)),
        "effective_poles": lambda: _poles(world, state, p),
        "sanctions_in_force": lambda: (state.sanctions > 0).sum(axis=(-1, -2)),
        "arms_prk_rus": lambda: _pair(world, state, state.arms, "PRK", "RUS"),
        "food_rus_prk": lambda: _pair(world, state, state.food_flow, "RUS", "PRK"),
        "tech_prk": lambda: _mean_tech(world, state, "PRK"),
        "un_enforcement_prk": lambda: _one(world, state, state.un_level, "PRK"),
        "affinity_rus_prk": lambda: _pair(world, state, state.affinity, "RUS", "PRK"),
        "affinity_usa_rus": lambda: _pair(world, state, state.affinity, "USA", "RUS"),
        "affinity_chn_rus": lambda: _pair(world, state, state.affinity, "CHN", "RUS"),
        "econ_loss_rus": lambda: _one(world, state, state.econ_loss, "RUS"),
        "vetoes": lambda: state.vetoes,
        "offer_accepted": lambda: state.offer_accepted,
    }
    wanted = STEP_VARIABLES if names is None else names
    unknown = [n for n in wanted if n not in compute]
    if unknown:
        raise KeyError(f"unknown step variable(s) {unknown}; allowed: "
                       f"{', '.join(STEP_VARIABLES)}")
    return {k: _out(np.asarray(compute[k](), dtype=np.float64)) for k in wanted}


def summarize(world: World, state: State, p: Any) -> dict[str, Any]:
    """Outcomes of a run (or a block of runs) from its final state and trackers.

    Returns a dict of scalars (or arrays over the batch shape), including
    ``outcome_class`` (a name from :data:`OUTCOME_CLASSES`; an array of codes,
    ``outcome_code``, for a batch).
    """
    n = world.n
    camp = rules.bloc_partition(state.affinity)
    pol = rules.polarization(state.affinity, camp)
    poles = _poles(world, state, p)

    top = state.rung.max(axis=(-1, -2))
    first = state.first_rung_step
    top_step = np.take_along_axis(first, top[..., None].astype(np.intp), axis=-1)[..., 0]
    major = world.major > 0
    major_rung = np.where(major[:, None] & major[None, :] & ~np.eye(n, dtype=bool),
                          state.rung, 0).max(axis=(-1, -2))
    started = state.wars_at_start > 0
    negotiated = (state.war_ended == 1) & started
    settled = (np.where(started, negotiated, True).all(axis=(-1, -2))
               & (state.at_war.sum(axis=(-1, -2)) == 0))

    rus, chn, prk, usa = (world.index(c) for c in ("RUS", "CHN", "PRK", "USA"))
    if min(rus, chn, prk, usa) >= 0:
        consolidated = ((camp[..., rus] == camp[..., chn]) & (camp[..., rus] == camp[..., prk])
                        & (camp[..., usa] != camp[..., rus]))
    else:
        consolidated = np.zeros(top.shape, dtype=bool)

    code = rules.classify(state.nuclear_use, state.major_war, settled, pol,
                          state.polarization_start, major_rung, p.cold_war_margin)
    out: dict[str, Any] = {
        "max_rung": top,
        "max_rung_step": top_step,
        "nuclear_use": state.nuclear_use,
        "major_war": state.major_war,
        "war_widened": state.war_widened,
        "major_power_rung": major_rung,
        "settled": settled,
        "ukraine_war": _pair(world, state, state.war_ended, "RUS", "UKR"),
        "front_rus_ukr": _pair(world, state, state.front, "RUS", "UKR"),
        "polarization": pol,
        "polarization_start": state.polarization_start,
        "effective_poles": poles,
        "largest_bloc": np.maximum((camp > 0).sum(axis=-1), (camp < 0).sum(axis=-1)),
        "bloc_consolidated": consolidated,
        "econ_loss_rus": _one(world, state, state.econ_loss, "RUS"),
        "econ_loss_prk": _one(world, state, state.econ_loss, "PRK"),
        "arms_prk_rus_total": _pair(world, state, state.arms_total, "PRK", "RUS"),
        "food_rus_prk_total": _pair(world, state, state.food_total, "RUS", "PRK"),
        "un_enforcement_prk": _one(world, state, state.un_level, "PRK"),
        "vetoes": state.vetoes,
        "resolutions_adopted": state.adopted,
        "ga_yes": state.ga_tally[..., 2],
        "ga_abstain": state.ga_tally[..., 1],
        "ga_no": state.ga_tally[..., 0],
        "games_concede": state.games[..., 0],
        "games_imposed": state.games[..., 1],
        "games_backdown": state.games[..., 2],
        "offer_accepted": state.offer_accepted,
        "offer_step": state.offer_step,
        "outcome_code": code,
    }
    for k, d in enumerate(TECH_DOMAINS):
        out[f"tech_prk_{d}"] = _one(world, state, state.tech[..., k], "PRK")
    res = {k: _out(v) for k, v in out.items()}
    if np.ndim(code) == 0:
        res["outcome_class"] = OUTCOME_CLASSES[int(code)]
    return res
