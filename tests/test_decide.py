"""The compiled decide phase against the rules it applies, bit for bit.

:func:`scenarios.dynamics.decide` evaluates the month's dyadic decisions in one compiled pass
(``rules._decide_rows``) that calls the same scalar definitions as the public rules. Here the
decisions are also composed from the public rules with numpy, as ``decide`` once did, and
every number must be the same: the kernel wires each input to the right place, and its glue
(eligibility, lifting, support masks, food, technology, pact entry) is the documented one.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scenarios import dynamics, engine, rules
from scenarios.config import builtin_config
from scenarios.parameters import Parameters
from scenarios.random import Stream, run_key, stream_uniforms
from scenarios.testing import bounds
from scenarios.world import State, World, build_world, initial_state

RUNS = 12
MONTHS = 14  # past the first months, so that wars, sanctions and support are under way


def reference(world: World, state: State, q: dynamics.Perception, p: Any, t: int, key: Any,
              rows: slice) -> dict[str, Any]:
    """The dyadic decisions of rows ``rows`` composed from the public rules with numpy."""
    n = world.n
    lo, hi, _ = rows.indices(n)
    idx = np.arange(lo, hi)[:, None] * n + np.arange(n)[None, :]

    def r(a: Any) -> Any:
        return a[..., lo:hi, :]

    def c(v: Any) -> Any:
        return v[..., lo:hi][..., None]

    def row(v: Any) -> Any:
        return v[..., None, :]

    off = r(1.0 - np.eye(n))
    s_now = r(q.sanctions_eff)
    streams = (Stream.THREAT, Stream.CONCEDE, Stream.IMPOSE, Stream.LIFT, Stream.ESCALATE,
               Stream.PACT)
    u_threat, u_concede, u_impose, u_lift, u_escalate, u_pact = np.moveaxis(
        stream_uniforms(key, t, streams, idx), -3, 0)
    pd = rules.ParamView(p, state.affinity)
    west_mult = 1.0 + world.west * (state.levers["western_sanctions"][..., None] - 1.0)
    motive = rules.threat_motive(r(q.hostility), r(q.violation), r(world.dependence),
                                 c(west_mult), p)
    game = rules.sanction_game(motive, r(q.bite_new), (s_now <= 0) * off, u_threat, u_concede,
                               u_impose, p)
    lift = (s_now > 0) & (u_lift < pd.lift_rate * ((1.0 - r(q.hostility))
                                                   * (1.0 - r(q.violation))))
    free = (s_now <= 0) * (r(state.at_war) <= 0) * off
    arms_free = free * (r(q.enemy_of_friend) <= 0)
    will_arms = rules.willingness(r(state.affinity), row(q.need), r(q.recip_food),
                                  pd.support_intercept + r(q.support_shift), p) * arms_free
    arms = rules.arms_allocation(will_arms, q.exportable[..., lo:hi], q.shortfall)
    will_food = rules.willingness(r(state.affinity), row(state.food), r(q.recip_arms),
                                  pd.support_intercept + r(q.support_shift), p) * free
    food = will_food * (pd.food_aid_scale * row(state.food)
                        + pd.barter_ratio * r(q.arms_in_kcont))
    tech_will = rules.sigmoid(
        pd.tech_intercept + r(q.support_shift)
        + pd.support_affinity * r(state.affinity) + pd.support_reciprocity * r(q.recip_arms)
    ) * c(q.tech_lever) * free
    rus, prk = world.index("RUS"), world.index("PRK")
    if lo <= rus < hi and prk >= 0:
        tech_will[..., rus - lo, prk] = np.where(state.offer_accepted > 0, 0.0,
                                                 tech_will[..., rus - lo, prk])
    rung_t = np.swapaxes(state.rung, -1, -2)
    pressure = rules.escalation_pressure(
        r(q.hostility), r(state.at_war), r(q.trigger), r(state.rung), r(rung_t),
        r(q.dcap), r(q.deter), r(q.offer), p,
    )
    new_rung = rules.escalation_move(r(state.rung), r(rung_t), pressure,
                                     c((world.warheads > 0).astype(np.float64)),
                                     r(state.at_war), u_escalate, p)
    new_rung = np.where(off > 0, new_rung, 0).astype(np.int8)
    join = (r(q.trigger) > 0) & (u_pact < pd.pact_entry_rate)
    return dict(game=game, lift=lift, arms=arms, food=food, tech_will=tech_will, rung=new_rung,
                join=join)


@cache
def block() -> tuple[World, State, Any, Any]:
    """A block of runs, half at the config's parameters and half drawn over their ranges,
    stepped ``MONTHS - 1`` months."""
    cfg = builtin_config("baseline")
    world = build_world(cfg)
    rng = np.random.default_rng(5)
    values = {}
    for f in Parameters.model_fields:
        lo, hi = bounds(Parameters, f)
        v = np.full(RUNS, float(getattr(cfg.parameters, f)))
        v[RUNS // 2:] = rng.uniform(lo, hi, RUNS - RUNS // 2)
        values[f] = v
    cut_no, cut_yes = values["vote_cut_no"], values["vote_cut_yes"]
    values["vote_cut_no"], values["vote_cut_yes"] = (np.minimum(cut_no, cut_yes),
                                                     np.maximum(cut_no, cut_yes))
    p = engine.block_parameters(cfg.parameters, values)
    keys = np.stack([run_key(i) for i in range(RUNS)])
    state = initial_state(world, {}, params=p, batch=(RUNS,))
    for t in range(1, MONTHS):
        state = dynamics.step(world, state, p, t, keys)
    return world, state, p, keys


def assert_decisions(got: dynamics.Decisions, want: dict[str, Any]) -> None:
    for name, w in want.items():
        g = getattr(got, name)
        assert g.dtype == w.dtype, name
        assert g.shape == w.shape, name
        assert_array_equal(g, w, err_msg=name, strict=True)


def test_block_decisions_equal_the_rules_composed() -> None:
    world, state, p, keys = block()
    q = dynamics.perceive(world, state, p, MONTHS)
    got = dynamics.decide(world, state, q, p, MONTHS, keys, slice(0, world.n))
    want = reference(world, state, q, p, MONTHS, keys, slice(0, world.n))
    assert_decisions(got, want)
    # the block exercises the decisions: threats, support, and rungs that move
    assert (got.game > 0).any() and (got.arms > 0).any() and (got.food > 0).any()
    assert (got.rung != np.where(np.eye(world.n) > 0, 0, state.rung)).any()


@pytest.mark.parametrize("b", [0, RUNS - 1])
def test_one_run_one_row_decisions_equal_the_rules_composed(b: int) -> None:
    # as a StateAgent of the Mesa model decides: batch shape (), one row, float parameters
    world, state, p, keys = block()
    fields = {f.name: getattr(state, f.name) for f in dataclasses.fields(State)}
    one = State(**{f: ({k: v[b] for k, v in a.items()} if isinstance(a, dict) else a[b])
                   for f, a in fields.items()})
    pb = type(p)(**{k: float(np.asarray(v).reshape(-1)[b]) for k, v in vars(p).items()})
    q = dynamics.perceive(world, one, pb, MONTHS)
    for i in range(world.n):
        rows = slice(i, i + 1)
        got = dynamics.decide(world, one, q, pb, MONTHS, keys[b], rows)
        assert_decisions(got, reference(world, one, q, pb, MONTHS, keys[b], rows))
