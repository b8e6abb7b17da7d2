"""Property tests (hypothesis): invariants of the model over the whole parameter space.

Every :class:`~scenarios.parameters.Parameters` field and every
:class:`~scenarios.parameters.Levers` field is drawn within its declared bounds; a short run
of the baseline must then keep every state variable within its documented range, conserve
munitions, respect link capacities and export budgets, and be reproducible from its key.

The world is rebuilt for each example rather than cached: it depends on parameters
(``munitions_quality_default``, the ``tech_guard_*`` fields) and the dated events read the
config's parameters (``sanction_intensity``, ``veto_enforcement_loss``), so a cached world
would silently ignore part of the drawn point. The config and the data tables are parsed once.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from types import SimpleNamespace as NS
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from scenarios import dynamics, rules
from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.parameters import Levers, Parameters
from scenarios.random import run_key
from scenarios.testing import bounds, parameter_sets, policies
from scenarios.world import State, World, build_world, initial_state

STEPS = 12
TOL = 1e-12


#: A point in parameter space: every field, within its bounds (cutpoints ordered).
PARAMETERS = parameter_sets()
#: A policy: every lever, within its bounds.
LEVERS = policies()
SEEDS = st.integers(0, 2**63 - 1)


@cache
def base_config() -> ScenarioConfig:
    """The baseline cut to STEPS months (its first UN votes fall at steps 8 and 9)."""
    data = builtin_config("baseline").to_dict()
    data["steps"] = STEPS
    return parse_config(data)


@cache
def base_world() -> World:
    """Built once, to warm the data tables' caches and for the checks of the world itself."""
    return build_world(base_config())


def float_arrays(state: State) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(State):
        v = getattr(state, f.name)
        for k, a in (v.items() if isinstance(v, dict) else [(f.name, v)]):
            out[k] = np.asarray(a)
    return out


def check_state(world: World, s: State) -> None:
    """Ranges of every state variable (any batch shape)."""
    n = world.n
    eye = np.eye(n, dtype=bool)
    for name, a in float_arrays(s).items():
        if np.issubdtype(a.dtype, np.floating):
            assert np.all(np.isfinite(a)), f"{name} not finite"
    assert np.all(np.abs(s.alignment) <= 4.0)
    assert np.all(np.abs(s.affinity) <= 1.0)
    assert np.all(s.affinity[..., eye] == 1.0)
    assert_allclose(s.affinity, np.swapaxes(s.affinity, -1, -2), atol=1e-12)
    assert np.all((s.sanctions >= 0) & (s.sanctions <= 1)) and np.all(s.sanctions[..., eye] == 0)
    assert s.rung.dtype == np.int8 and np.all((s.rung >= 0) & (s.rung <= 7))
    assert np.all(s.rung[..., eye] == 0)
    non_nuclear = np.broadcast_to((world.warheads <= 0)[:, None], s.rung.shape)
    assert np.all(s.rung[non_nuclear] <= rules.WAR_RUNG)
    assert np.all(np.isin(s.at_war, (0.0, 1.0))) and np.all(s.at_war[..., eye] == 0)
    assert_array_equal(s.at_war, np.swapaxes(s.at_war, -1, -2))
    assert np.all(s.rung[s.at_war > 0] >= rules.WAR_RUNG)
    assert np.all(np.abs(s.front) <= 1.0) and np.all(s.front[s.at_war <= 0] == 0)
    assert_allclose(s.front, -np.swapaxes(s.front, -1, -2), atol=1e-12)
    assert np.all((s.food >= 0) & (s.food <= 1))
    assert np.all((s.econ_loss >= 0) & (s.econ_loss <= 0.9))
    assert np.all((s.tech >= 0) & (s.tech <= 1))
    assert np.all(s.stock >= 0) and np.all(s.capability >= 0)
    assert np.all((s.un_level >= 0) & (s.un_level <= 1))
    assert np.all(s.arms >= 0) and np.all(s.food_flow >= 0)
    assert np.all((s.tech_will >= 0) & (s.tech_will <= 1))


def check_month(world: World, p: Any, t: int, pre: State, new: State) -> None:
    """What one month's resolution promises, from the month's start ``pre`` to ``new``."""
    q = dynamics.perceive(world, pre, p, t)
    # perceived quantities are shares and probabilities
    for name in ("leak", "bite", "nominal_bite", "deter", "trigger", "hostility", "violation",
                 "recip_food", "recip_arms"):
        v = getattr(q, name)
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1 + TOL)), name
    assert np.all(q.leak <= p.leakage_max + TOL)
    assert np.all(q.shortfall >= 0) and np.all(q.exportable >= 0)
    # what one sends another receives
    sent, received = new.arms.sum(axis=-1), new.arms.sum(axis=-2)
    assert_allclose(sent.sum(axis=-1), received.sum(axis=-1), rtol=1e-12, atol=1e-15)
    assert_allclose(new.arms_total, pre.arms_total + new.arms, rtol=0, atol=TOL)
    assert_allclose(new.food_total, pre.food_total + new.food_flow, rtol=0, atol=TOL)
    # export budgets and stocks
    assert np.all(sent <= q.exportable * (1 + TOL) + TOL)
    assert np.all(sent <= pre.stock + world.production + TOL)
    fired = pre.stock + world.production + received - sent - new.stock
    assert np.all(fired >= -TOL) and np.all(fired <= world.consumption + TOL)
    # capacities, both directions together
    kc = new.arms / p.shells_per_container + new.food_flow
    assert np.all(kc + np.swapaxes(kc, -1, -2) <= world.capacity * (1 + TOL) + TOL)
    # technology: never lost, never above the best willing supplier's level
    assert np.all(new.tech >= pre.tech - TOL)
    will = new.tech_will * world.tech_tracked[:, None] * world.tech_tracked[None, :]
    best = np.where(will[..., :, :, None] > 0, pre.tech[..., :, None, :], 0.0).max(axis=-3)
    assert np.all(new.tech <= np.maximum(pre.tech, best) + TOL)
    # the escalation ladder moves one rung a month, except where a war starts or ends
    step = np.abs(new.rung.astype(int) - pre.rung)
    changed_war = (new.at_war != pre.at_war) | (pre.at_war > 0)
    assert np.all(step[~changed_war] <= 1)
    # counters only grow
    assert np.all(new.games >= pre.games) and np.all(new.vetoes >= pre.vetoes)
    assert np.all(new.arms_total >= pre.arms_total)


def run(cfg: ScenarioConfig, key: Any, checks: bool) -> list[State]:
    world = build_world(cfg)
    p = dynamics.param_view(cfg.parameters)
    s = initial_state(world)
    if np.ndim(key) == 2:
        s = s.broadcast(key.shape[:1])
    check_state(world, s)
    states = [s.copy()]
    for t in range(1, cfg.steps + 1):
        new = dynamics.step(world, s, p, t, key)
        if checks:
            check_state(world, new)
            check_month(world, p, t, s, new)
        s = new
        states.append(s.copy())
    return states


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMETERS, levers=LEVERS, seeds=st.tuples(SEEDS, SEEDS))
def test_short_runs_stay_within_bounds_anywhere_in_parameter_space(
    params: dict[str, float], levers: dict[str, Any], seeds: tuple[int, int]
) -> None:
    cfg = base_config().with_parameters(**params).with_levers(**levers)
    keys = np.stack([run_key(s) for s in seeds])
    block = run(cfg, keys, checks=True)
    # the same key gives the same trajectory, alone or in a block
    alone = run(cfg, keys[1], checks=False)
    for t, (b, a) in enumerate(zip(block, alone, strict=True)):
        for name, arr in float_arrays(a).items():
            got = float_arrays(b)[name][1]
            if np.issubdtype(arr.dtype, np.floating):
                assert_allclose(got, arr, rtol=0, atol=1e-12, err_msg=f"{name} at {t}")
            else:
                assert_array_equal(got, arr, err_msg=f"{name} at {t}")
    again = run(cfg, keys[1], checks=False)
    for name, arr in float_arrays(again[-1]).items():
        assert_array_equal(arr, float_arrays(alone[-1])[name], err_msg=name)


def _rule_inputs(seed: int, n: int = 5) -> NS:
    rng = np.random.default_rng(seed)
    eye = np.eye(n)
    a = rng.uniform(-1, 1, (n, n))
    A = np.triu(a, 1) + np.triu(a, 1).T + eye
    return NS(
        A=A, need=rng.uniform(0, 1, n), recip=rng.uniform(0, 1, (n, n)),
        x=rng.uniform(-4, 4, n), shift=float(rng.uniform(-5, 5)),
        S=np.where(rng.uniform(size=(n, n)) < 0.5, rng.uniform(size=(n, n)), 0) * (1 - eye),
        D=rng.uniform(0, 1, (n, n)) * (1 - eye), gdp=rng.dirichlet(np.ones(n)),
        outlet=rng.uniform(0, 2, n), un=rng.uniform(0, 1, n),
        comply=(rng.uniform(size=(n, n)) < 0.5).astype(float),
        warheads=rng.uniform(0, 10_000, n), P=(rng.uniform(size=(n, n)) < 0.3).astype(float),
        umbrella=rng.uniform(0, 2, n), c=rng.exponential(2.0, (n, n)),
        motive=rng.normal(0, 10, (n, n)),
    )


@settings(max_examples=150, deadline=None)
@given(params=PARAMETERS, seed=SEEDS)
def test_rule_probabilities_and_shares_lie_in_unit_interval(
    params: dict[str, float], seed: int
) -> None:
    p = NS(**params)
    d = _rule_inputs(seed)
    unit = {
        "willingness": rules.willingness(d.A, d.need[None, :], d.recip, p.support_intercept, p),
        "support_norm": rules.support_norm(d.c, p.support_reference),
        "leakage": rules.leakage(d.S, d.A, d.gdp, d.outlet, p.leakage_max, p.leakage_gain),
        "sanction_bite": rules.sanction_bite(d.S, d.D, rules.leakage(
            d.S, d.A, d.gdp, d.outlet, p.leakage_max, p.leakage_gain), d.un, d.comply),
        "deterrence": rules.deterrence(d.warheads, d.P, p.extended_deterrence, d.umbrella),
        "affinity_from_alignment (shifted)": (rules.affinity_from_alignment(
            d.x, p.affinity_scale) + 1) / 2,
        "threat probability": p.threat_rate * rules.sigmoid(rules.threat_motive(
            rules.hostility(d.A, 0 * d.A), d.recip, d.D, np.ones((5, 1)), p)),
    }
    for name, v in unit.items():
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1)), name
    probs = rules.vote_probabilities(d.x, d.shift, p, d.A[:, 0])
    assert probs.shape == (5, 3)
    assert np.all((probs >= 0) & (probs <= 1))
    assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-12)
    votes = rules.vote_draw(probs, np.random.default_rng(seed).uniform(size=5))
    assert np.all(np.isin(votes, (-1, 0, 1)))


def test_parameter_and_lever_strategies_cover_every_field() -> None:
    # every field has finite bounds, so "the whole parameter space" is well defined
    for model in (Parameters, Levers):
        for name, field in model.model_fields.items():
            if field.annotation is not bool:
                lo, hi = bounds(model, name)
                assert np.isfinite(lo) and np.isfinite(hi) and lo < hi, name
    assert base_world().n == 20
