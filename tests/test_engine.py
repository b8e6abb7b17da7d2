"""The batched engine against the Mesa model: same trajectories for the same keys and values.

The differential test draws parameter sets and policies over the whole space (hypothesis),
runs them as one block in :func:`scenarios.engine.run_block` and one by one as
:class:`scenarios.ScenarioModel` runs, and asks for the same discrete events and floats equal
to 1e-12 at every step, in several scenarios.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from scenarios import engine, outcomes
from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.model import ScenarioModel
from scenarios.parameters import Levers, Parameters
from scenarios.random import run_key
from scenarios.testing import parameter_sets, policies
from scenarios.world import State, World, build_world

STEPS = 12
BLOCK = 4


PARAMETERS = parameter_sets()
LEVERS = policies()
SCENARIOS = ("baseline", "no_treaty", "historical_2022")


@cache
def short(name: str) -> ScenarioConfig:
    data = builtin_config(name).to_dict()
    data["steps"] = STEPS
    return parse_config(data)


@cache
def world_of(name: str) -> World:
    return build_world(short(name))


def assert_same_state(got: State, b: int, want: State, where: str) -> None:
    for f in dataclasses.fields(State):
        g, w = getattr(got, f.name), getattr(want, f.name)
        if isinstance(w, dict):
            for k in w:
                assert_allclose(g[k][b], w[k], atol=1e-12, err_msg=f"{where}: {f.name}.{k}")
        elif np.issubdtype(np.asarray(w).dtype, np.floating):
            assert_allclose(g[b], w, atol=1e-12, rtol=0, err_msg=f"{where}: {f.name}")
        else:
            assert_array_equal(g[b], w, err_msg=f"{where}: {f.name}")


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    scenario=st.sampled_from(SCENARIOS),
    params=st.lists(PARAMETERS, min_size=BLOCK, max_size=BLOCK),
    levers=st.lists(LEVERS, min_size=BLOCK, max_size=BLOCK),
    seeds=st.lists(st.integers(0, 2**63 - 1), min_size=BLOCK, max_size=BLOCK),
)
def test_batched_engine_equals_mesa_model(
    scenario: str, params: list[dict[str, float]], levers: list[dict[str, Any]],
    seeds: list[int],
) -> None:
    """25 examples x 4 runs = 100 sampled parameter sets and policies, three scenarios."""
    cfg = short(scenario)
    models = [
        ScenarioModel(cfg.with_parameters(**p).with_levers(**lv), rng=s)
        for p, lv, s in zip(params, levers, seeds, strict=True)
    ]
    keys = np.stack([m.key for m in models])
    block_p = engine.block_parameters(
        cfg.parameters, {k: [p[k] for p in params] for k in Parameters.model_fields})
    block_l = {k: np.array([float(lv[k]) for lv in levers]) for k in Levers.model_fields}
    res = engine.run_block(world_of(scenario), keys, parameters=block_p, levers=block_l,
                           record_actors=True)
    for m in models:
        m.run()
    for b, m in enumerate(models):
        assert_same_state(res.final, b, m.state, f"{scenario} run {b}")
        frame = m.datacollector.get_model_vars_dataframe()
        for v in outcomes.STEP_VARIABLES:
            assert_allclose(res.steps[v][b], frame[v].to_numpy(), atol=1e-12, err_msg=v)
        agents = m.datacollector.get_agent_vars_dataframe()
        for v in outcomes.ACTOR_VARIABLES:
            want = agents[v].to_numpy().reshape(STEPS + 1, -1)
            assert_allclose(res.actors[v][b], want, atol=1e-12, err_msg=v)
        got = {k: v[b] for k, v in res.outcomes.items()}
        want_out = m.outcomes()
        for k, v in want_out.items():
            if k == "outcome_class":
                assert outcomes.OUTCOME_CLASSES[int(got["outcome_code"])] == v
            else:
                assert_allclose(float(got[k]), float(v), atol=1e-12, err_msg=k)


def test_a_run_does_not_depend_on_its_block() -> None:
    w = world_of("baseline")
    keys = np.stack([run_key(s) for s in range(5)])
    whole = engine.run_block(w, keys)
    part = engine.run_block(w, keys[[3, 1]])
    for v in outcomes.STEP_VARIABLES:
        assert_array_equal(part.steps[v], whole.steps[v][[3, 1]], err_msg=v)


def test_block_parameters_validate_their_values() -> None:
    with pytest.raises(ValueError, match="threat_rate"):
        engine.block_parameters(Parameters(), {"threat_rate": [0.1, 1.5]})
    with pytest.raises(KeyError, match="unknown parameter"):
        engine.block_parameters(Parameters(), {"threat_rat": [0.1]})
    with pytest.raises(ValueError, match="vote_cut_no"):
        engine.block_parameters(Parameters(), {"vote_cut_no": [0.0], "vote_cut_yes": [-1.0]})


def test_run_block_rejects_bad_keys_and_levers() -> None:
    w = world_of("baseline")
    with pytest.raises(ValueError, match=r"\(B, 2\)"):
        engine.run_block(w, np.zeros(4, dtype=np.uint64))
    with pytest.raises(KeyError, match="unknown lever"):
        engine.run_block(w, np.stack([run_key(1)]), levers={"us_ofer": [1.0]})


def test_runs_sharing_settle_inputs_match_single_runs() -> None:
    """Runs with equal initial-affinity inputs are settled once; each equals its single run."""
    w = world_of("baseline")
    base = w.config.parameters
    values = {"affinity_scale": [2.0, 3.0, 2.0, 3.0], "balance_rate": [0.03, 0.01, 0.03, 0.01],
              "threat_rate": [0.0, 0.05, 0.1, 0.2]}
    keys = np.stack([run_key(s) for s in range(4)])
    block = engine.run_block(w, keys, parameters=engine.block_parameters(base, values))
    for b in range(4):
        one = engine.run_block(w, keys[b:b + 1], parameters=engine.block_parameters(
            base, {k: v[b:b + 1] for k, v in values.items()}))
        assert_same_state(block.final, b, _take(one.final, 0), f"run {b}")


def _take(state: State, b: int) -> State:
    """Run ``b`` of a block's state, as a single-run state."""
    kw: dict[str, Any] = {}
    for f in dataclasses.fields(State):
        v = getattr(state, f.name)
        kw[f.name] = {k: a[b] for k, a in v.items()} if isinstance(v, dict) else v[b]
    return State(**kw)


def test_recording_fewer_step_variables_changes_no_outcome() -> None:
    w = world_of("baseline")
    keys = np.stack([run_key(s) for s in (7, 8)])
    full = engine.run_block(w, keys)
    bare = engine.run_block(w, keys, record_steps=False)
    some = engine.run_block(w, keys, record_steps=["polarization", "vetoes"])
    assert bare.steps == {} and sorted(some.steps) == ["polarization", "vetoes"]
    for v in some.steps:
        assert_array_equal(some.steps[v], full.steps[v], err_msg=v)
    for k, v in full.outcomes.items():
        assert_array_equal(bare.outcomes[k], v, err_msg=k)
    with pytest.raises(KeyError, match="unknown step variable"):
        engine.run_block(w, keys, record_steps=["polarisation"])


def test_fingerprint_script_finds_a_changed_number(tmp_path: Any) -> None:
    """scripts/engine_fingerprint.py, the guard of the bit-identical kernels, sees one ulp."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "engine_fingerprint.py"
    spec = importlib.util.spec_from_file_location("engine_fingerprint", path)
    assert spec is not None and spec.loader is not None
    fp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fp)
    a, b, c = (str(tmp_path / f"{n}.npz") for n in "abc")
    assert fp.main([a, "--runs", "4", "--steps", "3"]) == 0
    assert fp.main([b, "--runs", "4", "--steps", "3"]) == 0
    assert fp.main(["--compare", a, b]) == 0  # the same code twice: bit-identical
    arrays = dict(np.load(a))
    key = "baseline/final/affinity"
    arrays[key] = arrays[key].copy()
    arrays[key].flat[1] = np.nextafter(arrays[key].flat[1], 2.0)
    np.savez(c, **arrays)
    assert fp.main(["--compare", a, c]) == 1
