"""Tests of scenarios.dynamics: the Mesa path equals the batched path; events; accounting.

The Mesa model lets every agent decide its own row; :func:`scenarios.dynamics.step` decides
all rows of a block of runs at once. Both must give the same trajectory for the same run key,
whatever block the run sits in. The accounting tests check what the resolution phase promises:
flows conserve munitions, fit link capacities and export budgets, and stocks stay >= 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scenarios import dynamics
from scenarios.config import ScenarioConfig, load_config, parse_config
from scenarios.model import ScenarioModel
from scenarios.random import run_key
from scenarios.world import State, World, build_world, initial_state

CONFIGS = Path(__file__).parent / "configs"
SEEDS = (11, 12, 13)


# --- helpers ---------------------------------------------------------------------------------


def assert_states_equal(got: State, want: State, where: str) -> None:
    """Every array equal: floats to 1e-12, discrete arrays and levers exactly."""
    for f in dataclasses.fields(State):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, dict):
            assert a.keys() == b.keys()
            for k in b:
                assert_array_equal(a[k], b[k], err_msg=f"{where}: levers[{k}]")
            continue
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{where}: {f.name} shape {a.shape} != {b.shape}"
        if np.issubdtype(b.dtype, np.floating):
            assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=f"{where}: {f.name}")
        else:
            assert a.dtype == b.dtype, f"{where}: {f.name} dtype"
            assert_array_equal(a, b, err_msg=f"{where}: {f.name}")


def member(state: State, b: int) -> State:
    """Run ``b`` of a block of runs, as a single-run state."""
    kw: dict[str, Any] = {}
    for f in dataclasses.fields(State):
        v = getattr(state, f.name)
        kw[f.name] = {k: a[b] for k, a in v.items()} if isinstance(v, dict) else v[b]
    return State(**kw)


def trajectory(
    world: World, state: State, key: Any, steps: int
) -> Iterator[tuple[int, State, State]]:
    """Yield ``(t, before, after)`` for each month of the batched path.

    ``before`` is the state after the month's events, i.e. the state the month's decisions and
    resolution start from (``step`` itself leaves its input unchanged).
    """
    p = dynamics.param_view(world.config.parameters)
    for t in range(1, steps + 1):
        before = state.copy()
        dynamics.apply_events(world, before, t, p)
        after = dynamics.step(world, state, p, t, key)
        yield t, before, after
        state = after


def final_state(world: World, state: State, key: Any, steps: int) -> State:
    """The state after ``steps`` months of the batched path."""
    for _, _, state in trajectory(world, state, key, steps):  # noqa: B007, B020
        pass
    return state


def with_events(cfg: ScenarioConfig, *events: dict[str, Any], **params: Any) -> ScenarioConfig:
    data = cfg.to_dict()
    data["events"] = [*data["events"], *events]
    data["parameters"] = {**data["parameters"], **params}
    return parse_config(data)


@pytest.fixture(scope="module")
def event_config(make_config: Any) -> ScenarioConfig:
    """The baseline (start 2024-07) with one event of every kind, dated step by step.

    No new sanctions are threatened and none are lifted by decision, so sanctions change only
    through the events.
    """
    return with_events(
        make_config(12),
        {"type": "lever", "date": "2024-09", "name": "us_offer", "value": 0.5},  # step 3
        {"type": "sanctions", "date": "2024-10", "senders": ["USA"], "target": "IND",
         "intensity": 0.4},  # step 4
        {"type": "shock", "date": "2024-11", "actor": "PRK", "variable": "food_insecurity",
         "value": 0.9},  # step 5
        {"type": "ceasefire", "date": "2024-12", "actors": ["RUS", "UKR"]},  # step 6
        {"type": "war", "date": "2025-01", "attacker": "IRN", "defender": "SAU"},  # step 7
        {"type": "lift_sanctions", "date": "2025-02", "senders": ["west"],
         "target": "BLR"},  # step 8
        {"type": "summit", "date": "2025-03", "actors": ["USA", "BRA"], "affinity": 0.5},  # 9
        {"type": "veto", "date": "2025-04", "actor": "RUS", "target": "PRK"},  # step 10
        threat_rate=0.0, lift_rate=0.0,
    )


@pytest.fixture(scope="module")
def stressed_config(make_config: Any) -> ScenarioConfig:
    """A config where much happens: sanctions games, new wars, nuclear use, an accepted offer,
    and a narrow RUS-PRK link that binds."""
    data = make_config(36).to_dict()
    data["links"] = [{**data["links"][0], "capacity": 0.5}]
    data["levers"] = {**data["levers"], "us_offer": 0.8}
    data["parameters"] = {**data["parameters"], "escalation_intercept": 0.0,
                          "threat_rate": 0.5, "war_threshold": 0.0, "nuclear_threshold": 0.0,
                          "offer_accept_intercept": 0.0}
    return parse_config(data)


CONFIG_NAMES = ("baseline", "full", "events", "stressed")


@pytest.fixture(scope="module")
def configs(make_config: Any, event_config: ScenarioConfig,
            stressed_config: ScenarioConfig) -> dict[str, ScenarioConfig]:
    return {
        "baseline": make_config(24),
        "full": load_config(CONFIGS / "full.yaml"),  # every section, every event type
        "events": event_config,
        "stressed": stressed_config,
    }


# --- the two paths agree ---------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_mesa_and_batched_paths_agree_at_every_step(
    name: str, configs: dict[str, ScenarioConfig]
) -> None:
    cfg = configs[name]
    models = [ScenarioModel(cfg, rng=s) for s in SEEDS]
    world = models[0].world
    start = initial_state(world)
    assert_states_equal(models[0].state, start, f"{name} start")
    p = dynamics.param_view(cfg.parameters)
    single = start.copy()  # batch shape ()
    block = start.broadcast((len(SEEDS),))  # batch shape (3,), one key per run
    keys = np.stack([m.key for m in models])
    assert keys.shape == (3, 2)
    for t in range(1, cfg.steps + 1):
        for m in models:
            m.step()
        single = dynamics.step(world, single, p, t, models[0].key)
        block = dynamics.step(world, block, p, t, keys)
        assert_states_equal(single, models[0].state, f"{name} step {t} batch ()")
        for b, m in enumerate(models):
            assert_states_equal(member(block, b), m.state, f"{name} step {t} run {b}")
    # not vacuous: the three keys gave three different runs
    finals = [m.state.affinity for m in models]
    assert not np.array_equal(finals[0], finals[1])
    assert not np.array_equal(finals[1], finals[2])


def test_stressed_config_exercises_the_rules(configs: dict[str, ScenarioConfig]) -> None:
    """The agreement test above covers wars, games, votes, offers and nuclear use."""
    cfg = configs["stressed"]
    world = build_world(cfg)
    keys = np.stack([run_key(s) for s in SEEDS])
    s = final_state(world, initial_state(world).broadcast((3,)), keys, cfg.steps)
    assert np.all(s.games.sum(axis=-1) > 0)
    assert np.all(s.war_widened > 0)
    assert np.any(s.nuclear_use > 0)
    assert np.any(s.offer_accepted > 0)
    assert np.all(s.ga_tally.sum(axis=-1) > 0)


def test_row_decisions_merge_into_the_all_rows_decision(world: World) -> None:
    """Blocks of rows decided separately, merged in any order, equal one decision of all."""
    p = dynamics.param_view(world.config.parameters)
    keys = np.stack([run_key(s) for s in SEEDS])
    state = final_state(world, initial_state(world).broadcast((3,)), keys, 7)
    t = 8  # an agenda month: GA and SC votes on Russia
    dynamics.apply_events(world, state, t, p)
    q = dynamics.perceive(world, state, p, t)
    assert {a.body for a in q.agenda} == {"GA", "SC"}
    whole = dynamics.decide(world, state, q, p, t, keys, slice(0, world.n))
    cuts = [slice(5, 6), slice(0, 1), slice(6, world.n), slice(1, 5)]  # RUS alone in one
    parts = [dynamics.decide(world, state, q, p, t, keys, c) for c in cuts]
    merged = dynamics.merge_decisions(parts)
    assert merged.rows == slice(0, world.n)
    for f in dataclasses.fields(dynamics.Decisions):
        if f.name == "rows":
            continue
        assert_array_equal(getattr(merged, f.name), getattr(whole, f.name), err_msg=f.name)


def test_perceive_decide_resolve_leave_their_input_state_unchanged(world: World) -> None:
    """Agents decide from the state at the start of the month, in any order: no phase but the
    events writes to it, and ``step`` works on a copy."""
    p = dynamics.param_view(world.config.parameters)
    s = initial_state(world)
    before = s.copy()
    q = dynamics.perceive(world, s, p, 1)
    d = dynamics.decide(world, s, q, p, 1, run_key(1), slice(0, world.n))
    new = dynamics.resolve(world, s, q, d, p, 1, run_key(1))
    assert_states_equal(s, before, "after perceive/decide/resolve")
    assert not np.array_equal(new.affinity, s.affinity)  # resolve did produce a new month


# --- events ----------------------------------------------------------------------------------


def test_events_take_effect_at_their_dated_step(event_config: ScenarioConfig) -> None:
    world = build_world(event_config)
    ix = world.index
    rus, ukr, prk, usa, ind, irn, sau, blr, bra = (
        ix(c) for c in ("RUS", "UKR", "PRK", "USA", "IND", "IRN", "SAU", "BLR", "BRA"))
    assert sorted(t for t, _ in world.events if t > 0) == list(range(3, 11))
    # after[t]: state after month t; before[t]: the month's starting state (events applied)
    after: dict[int, State] = {0: initial_state(world)}
    before: dict[int, State] = {}
    for t, b, a in trajectory(world, initial_state(world), run_key(3), 12):
        before[t], after[t] = b.copy(), a.copy()

    # lever at step 3
    assert [float(after[t].levers["us_offer"]) for t in (1, 2, 3, 4)] == [0.0, 0.0, 0.5, 0.5]
    # sanctions at step 4 (no decision imposes or lifts any: threat_rate = lift_rate = 0)
    assert [after[t].sanctions[usa, ind] for t in (2, 3, 4, 12)] == [0.0, 0.0, 0.4, 0.4]
    # shock at step 5: the month starts from the shocked value
    assert before[5].food[prk] == 0.9
    assert after[4].food[prk] < 0.8 and after[5].food[prk] > 0.8
    # ceasefire at step 6: the war ends, by negotiation (code 1), rung below war
    assert after[5].at_war[rus, ukr] == 1.0 and after[6].at_war[rus, ukr] == 0.0
    assert after[6].war_ended[rus, ukr] == 1 and after[6].rung[rus, ukr] <= 4
    # war at step 7: IRN attacks SAU
    assert after[6].at_war[irn, sau] == 0.0
    assert after[7].at_war[irn, sau] == after[7].at_war[sau, irn] == 1.0
    assert after[7].attacked[irn, sau] == 1.0 and after[7].rung[irn, sau] >= 5
    # lifting at step 8
    assert after[7].sanctions[usa, blr] > 0 and after[8].sanctions[usa, blr] == 0.0
    # summit at step 9: affinity jumps by the summit's 0.5 (less what the month's update takes)
    assert abs(after[8].affinity[usa, bra]) < 0.4
    assert before[9].affinity[usa, bra] == pytest.approx(after[8].affinity[usa, bra] + 0.5)
    assert before[9].affinity[bra, usa] == pytest.approx(after[8].affinity[bra, usa] + 0.5)
    assert after[9].affinity[usa, bra] - after[8].affinity[usa, bra] > 0.3
    # veto at step 10: one more veto, DPRK enforcement cut by veto_enforcement_loss
    loss = event_config.parameters.veto_enforcement_loss
    assert after[10].vetoes == after[9].vetoes + 1
    assert before[10].un_level[prk] == pytest.approx(after[9].un_level[prk] * (1 - loss))


def test_events_apply_to_every_run_of_a_block(event_config: ScenarioConfig) -> None:
    world = build_world(event_config)
    usa, ind = world.index("USA"), world.index("IND")
    keys = np.stack([run_key(s) for s in SEEDS])
    states = [(t, b.copy(), a.copy()) for t, b, a in
              trajectory(world, initial_state(world).broadcast((3,)), keys, 4)]
    assert_array_equal(states[2][2].levers["us_offer"], [0.5, 0.5, 0.5])
    assert_array_equal(states[3][2].sanctions[:, usa, ind], [0.4, 0.4, 0.4])
    assert_array_equal(states[2][2].sanctions[:, usa, ind], [0.0, 0.0, 0.0])


def test_pre_start_events_shape_the_initial_state(make_config: Any) -> None:
    cfg = make_config(12)
    world = build_world(cfg)
    rus, prk = world.index("RUS"), world.index("PRK")
    assert all(t <= 0 for t, _ in world.events)  # summit, veto and treaty precede July 2024
    s = initial_state(world)
    bare = initial_state(build_world(make_config(12, events=[])))
    # treaty (June 2024): the pact; summit +0.1 then treaty +0.2 on the affinity
    assert s.pact[rus, prk] == s.pact[prk, rus] == 1.0 and bare.pact[rus, prk] == 0.0
    a0 = bare.affinity[rus, prk]
    assert s.affinity[rus, prk] == pytest.approx(min(min(a0 + 0.1, 1.0) + 0.2, 1.0))
    # veto (March 2024): UN enforcement on the DPRK cut from 0.7 by veto_enforcement_loss;
    # the veto counter counts the run's own vetoes, so it starts at 0
    loss = cfg.parameters.veto_enforcement_loss
    assert s.un_level[prk] == pytest.approx(0.7 * (1.0 - loss))
    assert bare.un_level[prk] == pytest.approx(0.7)
    assert s.vetoes == 0
    # ... and they are not applied a second time once the run starts
    _, _, after = next(trajectory(world, s.copy(), run_key(1), 1))
    assert after.pact[rus, prk] == 1.0
    assert after.un_level[prk] == s.un_level[prk] and after.vetoes == 0


def test_treaty_lever_off_means_no_pact(make_config: Any) -> None:
    on, off = make_config(12), make_config(12).with_levers(treaty=False)
    for cfg, pact in ((on, 1.0), (off, 0.0)):
        world = build_world(cfg)
        rus, prk = world.index("RUS"), world.index("PRK")
        start = initial_state(world)
        assert start.pact[rus, prk] == start.pact[prk, rus] == pact
        for _, _, s in trajectory(world, start, run_key(2), cfg.steps):
            assert s.pact[rus, prk] == s.pact[prk, rus] == pact
    # also when the treaty is signed during the run (full.yaml: June 2024 is step 6)
    full = load_config(CONFIGS / "full.yaml")
    for cfg, pact in ((full, 1.0), (full.with_levers(treaty=False), 0.0)):
        world = build_world(cfg)
        rus, prk = world.index("RUS"), world.index("PRK")
        for t, _, s in trajectory(world, initial_state(world), run_key(2), 8):
            assert s.pact[rus, prk] == (pact if t >= 6 else 0.0), t


def test_treaty_lever_in_the_mesa_model() -> None:
    m = ScenarioModel(rng=1, treaty=False)
    rus, prk = m.world.index("RUS"), m.world.index("PRK")
    m.run(3)
    assert m.state.pact[rus, prk] == 0.0
    assert ScenarioModel(rng=1).state.pact[rus, prk] == 1.0


# --- accounting ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["baseline", "stressed", "full"])
def test_flows_conserve_munitions_and_respect_limits(
    name: str, configs: dict[str, ScenarioConfig]
) -> None:
    cfg = configs[name]
    world = build_world(cfg)
    p = dynamics.param_view(cfg.parameters)
    spc = p.shells_per_container
    keys = np.stack([run_key(s) for s in SEEDS])
    rus, prk = world.index("RUS"), world.index("PRK")
    binding = 0
    shipped = 0.0
    for t, pre, new in trajectory(world, initial_state(world).broadcast((3,)), keys, cfg.steps):
        sent, received = new.arms.sum(axis=-1), new.arms.sum(axis=-2)
        # what one sends another receives: totals match, flows non-negative, none to oneself
        assert_allclose(sent.sum(axis=-1), received.sum(axis=-1), rtol=1e-12, atol=1e-15)
        assert np.all(new.arms >= 0) and np.all(new.food_flow >= 0)
        assert_array_equal(np.diagonal(new.arms, axis1=-2, axis2=-1), 0.0)
        assert_allclose(new.arms_total, pre.arms_total + new.arms, rtol=0, atol=1e-12)
        assert_allclose(new.food_total, pre.food_total + new.food_flow, rtol=0, atol=1e-12)
        # exports within the budget the month perceived, and within stock + production
        q = dynamics.perceive(world, pre, p, t)
        assert np.all(sent <= q.exportable * (1 + 1e-12) + 1e-15), t
        assert np.all(sent <= pre.stock + world.production + 1e-12), t
        # munitions balance: stock' = stock + production + received - sent - fired, with
        # 0 <= fired <= consumption, and nothing fired by a state at peace
        fired = pre.stock + world.production + received - sent - new.stock
        assert np.all(new.stock >= 0), t
        assert np.all(fired >= -1e-12) and np.all(fired <= world.consumption + 1e-12), t
        at_peace = pre.at_war.sum(axis=-1) == 0
        assert_allclose(np.where(at_peace, fired, 0.0), 0.0, atol=1e-12)
        # link capacity, both directions together
        containers = new.arms / spc + new.food_flow
        both = containers + np.swapaxes(containers, -1, -2)
        assert np.all(both <= world.capacity * (1 + 1e-12)), t
        link = both[..., rus, prk]
        assert np.all(link <= world.capacity[rus, prk] * (1 + 1e-12))
        binding += int(np.isclose(link, world.capacity[rus, prk], rtol=1e-9).sum())
        shipped += float(new.arms.sum())
    if name != "full":  # full.yaml sets no munitions needs for Russia or stocks in the West
        assert shipped > 0  # not vacuous: munitions did flow
    if name == "stressed":
        assert binding > 0  # the 0.5 kcontainer link did bind


def test_step_keeps_batch_shape_and_dtypes(world: World) -> None:
    s0 = initial_state(world).broadcast((2, 3))
    keys = np.stack([np.stack([run_key(10 * i + j) for j in range(3)]) for i in range(2)])
    s1 = dynamics.step(world, s0.copy(), dynamics.param_view(world.config.parameters), 1, keys)
    for f in dataclasses.fields(State):
        a, b = getattr(s1, f.name), getattr(s0, f.name)
        if isinstance(a, dict):
            assert all(a[k].shape == b[k].shape for k in b)
        else:
            assert a.shape == b.shape and a.dtype == b.dtype, f.name


def test_param_view_exposes_every_parameter(world: World) -> None:
    p = dynamics.param_view(world.config.parameters)
    assert vars(p) == world.config.parameters.model_dump()


def test_step_leaves_its_input_state_unchanged(event_config: ScenarioConfig) -> None:
    world = build_world(event_config)
    p = dynamics.param_view(world.config.parameters)
    s = initial_state(world)
    before = s.copy()
    for t in range(1, 8):  # crosses event months
        dynamics.step(world, s, p, t, run_key(5))
        assert_states_equal(s, before, f"step {t}")


def test_parameters_that_vary_across_a_block_match_single_runs(
    small_config: ScenarioConfig,
) -> None:
    """A block whose runs have different parameter values equals those runs one by one."""
    world = build_world(small_config)
    values = {
        "threat_rate": [0.0, 0.05, 0.3], "sanction_intensity": [0.2, 0.6, 1.0],
        "tech_rate": [0.0, 0.02, 0.1], "tech_guard_satellites": [0.1, 0.6, 1.0],
        "support_intercept": [-5.0, -3.0, 0.0], "escalation_intercept": [-8.0, -6.0, -2.0],
        "vote_slope": [1.0, 3.19, 6.0], "bloc_threshold": [0.2, 0.5, 0.8],
        "war_end_intercept": [-8.0, -6.0, -3.0], "reserve_months": [6.0, 24.0, 60.0],
        "shells_per_container": [0.3, 0.45, 0.9], "attrition": [0.0, 0.003, 0.02],
    }
    base = world.config.parameters.model_dump()
    block_p = SimpleNamespace(**{k: np.asarray(values.get(k, [v] * 3), dtype=np.float64)
                                 for k, v in base.items()})
    keys = np.stack([run_key(s) for s in (11, 12, 13)])
    block = initial_state(world).broadcast((3,))
    singles = [initial_state(world) for _ in range(3)]
    for t in range(1, 13):
        block = dynamics.step(world, block, block_p, t, keys)
        for b in range(3):
            p_b = SimpleNamespace(**{k: (v[b] if k in values else base[k]) for k, v in
                                     vars(block_p).items()})
            p_b = SimpleNamespace(**{k: float(np.asarray(v)) for k, v in vars(p_b).items()})
            singles[b] = dynamics.step(world, singles[b], p_b, t, keys[b])
    for b in range(3):
        for f in dataclasses.fields(State):
            got, want = getattr(block, f.name), getattr(singles[b], f.name)
            if isinstance(want, dict):
                for k in want:
                    assert_allclose(got[k][b], want[k], atol=1e-12, err_msg=f"{f.name}.{k}")
            else:
                assert_allclose(got[b], want, atol=1e-12, err_msg=f"run {b}: {f.name}")
