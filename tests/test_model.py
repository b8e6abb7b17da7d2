"""Tests of scenarios.model: the Mesa ScenarioModel, its agents, seeding, data collection."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from scenarios.config import ScenarioConfig, builtin_config
from scenarios.model import ScenarioModel, StateAgent
from scenarios.outcomes import OUTCOME_CLASSES, STEP_VARIABLES
from scenarios.parameters import Levers
from scenarios.random import run_key

AGENT_COLUMNS = ["code", "alignment", "max_rung", "econ_loss", "food_insecurity", "munitions",
                 "tech", "sanctions_suffered", "support_received"]


def frames(model: ScenarioModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    dc = model.datacollector
    return dc.get_model_vars_dataframe(), dc.get_agent_vars_dataframe()


@pytest.fixture(scope="module")
def tiny_config(make_config: Any) -> ScenarioConfig:
    """Six months: enough for flows and games, short enough to run many times."""
    return make_config(6)


def test_default_model_is_the_baseline_with_one_agent_per_actor() -> None:
    m = ScenarioModel()
    assert m.config == builtin_config("baseline")
    assert len(m.agents) == 20 and len(m.world.codes) == 20
    assert all(isinstance(a, StateAgent) for a in m.agents)
    assert [a.code for a in m.states] == list(m.world.codes)
    assert [a.position for a in m.states] == list(range(20))
    assert {a.code for a in m.agents} == set(m.world.codes)
    assert m.running and m.steps == 0 and m.horizon == 120


def test_agent_views_read_their_own_row(tiny_config: ScenarioConfig) -> None:
    m = ScenarioModel(tiny_config, rng=4).run(3)
    s = m.state
    prk = m.states[m.world.index("PRK")]
    assert prk.code == "PRK"
    assert prk.alignment == s.alignment[prk.position]
    assert prk.munitions == s.stock[prk.position]
    assert prk.max_rung == s.rung[prk.position].max()
    assert prk.sanctions_suffered == pytest.approx(s.sanctions[:, prk.position].sum())


def test_from_config_equals_the_constructor(tiny_config: ScenarioConfig) -> None:
    a = ScenarioModel.from_config(tiny_config, rng=3).run()
    b = ScenarioModel(tiny_config, rng=3).run()
    pd.testing.assert_frame_equal(frames(a)[0], frames(b)[0])
    # by built-in name too
    assert ScenarioModel.from_config("baseline", rng=3).config == builtin_config("baseline")


def test_same_rng_same_frames_different_rng_different(tiny_config: ScenarioConfig) -> None:
    a, b, c = (ScenarioModel(tiny_config, rng=r).run() for r in (7, 7, 8))
    for fa, fb, fc in zip(frames(a), frames(b), frames(c), strict=True):
        pd.testing.assert_frame_equal(fa, fb)
        assert not fa.equals(fc)


def test_rng_accepts_int_seed_sequence_and_generator(tiny_config: ScenarioConfig) -> None:
    by_int = ScenarioModel(tiny_config, rng=5)
    by_seq = ScenarioModel(tiny_config, rng=np.random.SeedSequence(5))
    assert_array_equal(by_int.key, run_key(5))
    assert_array_equal(by_seq.key, by_int.key)
    pd.testing.assert_frame_equal(frames(by_int.run())[0], frames(by_seq.run())[0])
    g = np.random.default_rng(5)
    m1, m2 = ScenarioModel(tiny_config, rng=g), ScenarioModel(tiny_config, rng=g)
    assert not np.array_equal(m1.key, m2.key)  # the Generator advances
    again = ScenarioModel(tiny_config, rng=np.random.default_rng(5))
    assert_array_equal(again.key, m1.key)  # reproducibly
    with pytest.raises(TypeError):
        ScenarioModel(tiny_config, rng="5")  # type: ignore[arg-type]


def test_overrides_change_levers_and_parameters(tiny_config: ScenarioConfig) -> None:
    m = ScenarioModel(tiny_config, rng=1, us_offer=0.5, threat_rate=0.2)
    assert m.config.levers.us_offer == 0.5
    assert m.config.parameters.threat_rate == 0.2
    assert float(m.state.levers["us_offer"]) == 0.5
    assert m.p.threat_rate == 0.2
    assert tiny_config.levers.us_offer == 0.0  # the config passed in is unchanged


def test_unknown_override_raises_type_error_naming_allowed_names() -> None:
    with pytest.raises(TypeError) as info:
        ScenarioModel(rng=1, us_ofer=0.5)
    msg = str(info.value)
    assert "us_ofer" in msg
    for name in Levers.model_fields:
        assert name in msg


def test_model_stops_at_the_horizon(tiny_config: ScenarioConfig) -> None:
    m = ScenarioModel(tiny_config, rng=2)
    for _ in range(tiny_config.steps - 1):
        m.step()
        assert m.running
    m.step()
    assert not m.running and m.steps == tiny_config.steps
    assert m.date == str(tiny_config.start + tiny_config.steps)
    m2 = ScenarioModel(tiny_config, rng=2).run()
    assert m2.steps == tiny_config.steps and not m2.running
    assert ScenarioModel(tiny_config, rng=2).run(2).steps == 2


def test_datacollector_columns_and_rows(tiny_config: ScenarioConfig) -> None:
    m = ScenarioModel(tiny_config, rng=2).run()
    model_df, agent_df = frames(m)
    assert list(model_df.columns) == list(STEP_VARIABLES)
    assert len(model_df) == tiny_config.steps + 1  # the initial state and every month
    assert list(agent_df.columns) == AGENT_COLUMNS
    assert agent_df.index.names == ["Step", "AgentID"]
    assert len(agent_df) == 20 * (tiny_config.steps + 1)
    last = agent_df.xs(tiny_config.steps, level="Step")
    assert list(last["code"]) == list(m.world.codes)
    assert_array_equal(last["munitions"].to_numpy(), m.state.stock)
    assert not model_df.isna().any().any()


def test_collected_flows_add_up_to_the_run_totals(tiny_config: ScenarioConfig) -> None:
    m = ScenarioModel(tiny_config, rng=9).run()
    model_df, _ = frames(m)
    out = m.outcomes()
    assert model_df["arms_prk_rus"].sum() > 0
    assert model_df["arms_prk_rus"].sum() == pytest.approx(out["arms_prk_rus_total"], rel=1e-12)
    assert model_df["food_rus_prk"].sum() == pytest.approx(out["food_rus_prk_total"], rel=1e-12)


def test_outcomes_contain_a_known_outcome_class(tiny_config: ScenarioConfig) -> None:
    out = ScenarioModel(tiny_config, rng=1).run().outcomes()
    assert out["outcome_class"] in OUTCOME_CLASSES
    assert out["outcome_class"] == OUTCOME_CLASSES[out["outcome_code"]]
    json.dumps({k: v for k, v in out.items()})  # plain values: results files can store them


def test_batch_run_returns_rows_with_the_outcomes(tiny_config: ScenarioConfig,
                                                  tmp_path: Path) -> None:
    """mesa.batch_run sets the multiprocessing start method globally: run it in a child."""
    cfg_file = tmp_path / "tiny.yaml"
    cfg_file.write_text(tiny_config.to_yaml(), encoding="utf-8")
    code = textwrap.dedent(f"""
        import json, mesa
        from scenarios.config import load_config
        from scenarios.model import ScenarioModel
        cfg = load_config({str(cfg_file)!r})
        rows = mesa.batch_run(ScenarioModel, parameters={{"us_offer": [0.0, 0.5],
                              "config": [cfg]}}, rng=[1, 2], max_steps={tiny_config.steps},
                              number_processes=1, display_progress=False)
        for r in rows:
            r.pop("config")
        print(json.dumps(rows))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = pd.DataFrame(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert len(rows) == 2 * 2 * 20  # (us_offer x rng) runs, one row per agent
    assert set(STEP_VARIABLES) <= set(rows.columns)
    assert set(AGENT_COLUMNS) <= set(rows.columns)
    assert set(rows["Step"]) == {tiny_config.steps}
    assert set(zip(rows["us_offer"], rows["rng"], strict=True)) == {
        (0.0, 1), (0.5, 1), (0.0, 2), (0.5, 2)}
    # each row is the run ScenarioModel gives directly with the same rng and override
    for (offer, seed), grp in rows.groupby(["us_offer", "rng"]):
        direct = ScenarioModel(tiny_config, rng=int(seed), us_offer=float(offer)).run()
        want = frames(direct)[0].iloc[-1]
        for name in STEP_VARIABLES:
            assert grp[name].iloc[0] == pytest.approx(want[name], nan_ok=True), name

