"""Tests of scenarios.experiment: samplers, seeding, engines, failures, layout, records."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios import engine as engine_mod
from scenarios.config import ExperimentSpec, ScenarioConfig, builtin_config, parse_config
from scenarios.errors import ConfigError
from scenarios.experiment import (
    CategoricalParameter,
    RealParameter,
    flat_runs,
    outcome_shares_by_policy,
    run_experiment,
    run_seed,
    sample_scenarios,
    sample_unit,
)
from scenarios.outcomes import OUTCOME_CLASSES, STEP_VARIABLES
from scenarios.random import run_key

STEPS = 8
SEED = 5
UNCERTAINTIES = [
    {"name": "threat_rate", "lower": 0.01, "upper": 0.1},
    {"name": "escalation_intercept", "distribution": {"name": "truncnorm", "a": -2, "b": 2,
                                                      "loc": -6.0, "scale": 1.0}},
    {"name": "treaty", "values": [True, False]},
]
LEVERS = [{"name": "us_offer", "values": [0.0, 0.8]}]


@cache
def base() -> dict[str, Any]:
    return {**builtin_config("baseline").to_dict(), "steps": STEPS}


def config(**section: Any) -> ScenarioConfig:
    return parse_config({**base(), "experiment": section})


@pytest.fixture(scope="module")
def design_cfg() -> ScenarioConfig:
    return config(n_samples=3, n_replications=2, uncertainties=UNCERTAINTIES, levers=LEVERS,
                  constants={"negotiation": 0.2},
                  record={"steps": "all", "actors": ["alignment", "max_rung"],
                          "dyads": ["rung", "affinity"]})


@pytest.fixture(scope="module")
def batched(design_cfg: ScenarioConfig) -> xr.Dataset:
    return run_experiment(design_cfg, rng=SEED, progress=False)


# --- samplers --------------------------------------------------------------------------------

PARAMS = [RealParameter("a", 0.0, 1.0), RealParameter("b", -2.0, 3.0),
          CategoricalParameter("c", ("x", "y", "z"))]


@pytest.mark.parametrize("sampler", ["lhs", "sobol", "monte_carlo", "morris",
                                     "full_factorial"])
def test_sampler_shape_and_bounds(sampler: str) -> None:
    n = 8
    unit = sample_unit(sampler, n, PARAMS, np.random.SeedSequence(1))
    expected = {"morris": n * (len(PARAMS) + 1), "full_factorial": n * n * 3}.get(sampler, n)
    assert unit.shape == (expected, len(PARAMS))
    assert ((unit >= 0) & (unit <= 1)).all()
    assert set(PARAMS[2].ppf(unit[:, 2])) <= {"x", "y", "z"}
    b = PARAMS[1].ppf(unit[:, 1])
    assert ((b >= -2.0) & (b <= 3.0)).all()


def test_samplers_are_seeded_by_rng_only() -> None:
    for sampler in ("lhs", "sobol", "monte_carlo", "morris"):
        a = sample_unit(sampler, 4, PARAMS, np.random.SeedSequence(3))
        b = sample_unit(sampler, 4, PARAMS, np.random.default_rng(np.random.SeedSequence(3)))
        c = sample_unit(sampler, 4, PARAMS, np.random.SeedSequence(4))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c), sampler


@given(n=st.integers(2, 40), k=st.integers(1, 5), seed=st.integers(0, 2**32))
def test_lhs_stratification(n: int, k: int, seed: int) -> None:
    ps = [RealParameter(f"p{j}", 0.0, 1.0) for j in range(k)]
    unit = sample_unit("lhs", n, ps, np.random.SeedSequence(seed))
    for j in range(k):  # one point in each of the n strata of every dimension
        assert sorted(np.floor(unit[:, j] * n).astype(int).tolist()) == list(range(n))


def test_sobol_warns_when_not_a_power_of_two() -> None:
    with pytest.warns(UserWarning, match="power of 2"):
        sample_unit("sobol", 6, PARAMS[:2], np.random.SeedSequence(1))


def test_full_factorial_by_hand() -> None:
    ps = [RealParameter("a", 0.0, 1.0), CategoricalParameter("t", (True, False))]
    s = sample_scenarios(ps, "full_factorial", 3, np.random.SeedSequence(0))
    assert s["a"].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
    assert s["t"].tolist() == [True, False] * 3
    one = sample_scenarios(ps[:1], "full_factorial", 1, np.random.SeedSequence(0))
    assert one["a"].tolist() == [0.5]
    dist = RealParameter.from_dist("threat_rate", stats.uniform(0.0, 0.4))
    q = sample_scenarios([dist], "full_factorial", 4, np.random.SeedSequence(0))
    np.testing.assert_allclose(q["threat_rate"], [0.05, 0.15, 0.25, 0.35])


def test_distribution_mapped_through_ppf() -> None:
    dist = stats.truncnorm(-2, 2, loc=0.05, scale=0.01)
    p = RealParameter.from_dist("threat_rate", dist)
    assert (p.lower, p.upper) == pytest.approx((0.03, 0.07))
    u = sample_unit("lhs", 50, [p], np.random.SeedSequence(2))
    values = sample_scenarios([p], "lhs", 50, np.random.SeedSequence(2))["threat_rate"]
    np.testing.assert_allclose(values, dist.ppf(u[:, 0]))


def test_distribution_escaping_bounds_is_an_error() -> None:
    p = RealParameter.from_dist("threat_rate", stats.norm(0.02, 0.05))  # bounds [0, 1]
    with pytest.raises(ValueError, match=r"threat_rate.*outside its bounds \[0.0, 1.0\]"):
        sample_scenarios([p], "lhs", 50, np.random.SeedSequence(2))
    cfg = config(n_samples=50, uncertainties=[
        {"name": "threat_rate", "distribution": {"name": "norm", "loc": 0.02, "scale": 0.05}}])
    with pytest.raises(ValueError, match="truncnorm"):
        run_experiment(cfg, rng=1, progress=False)


def test_morris_without_salib(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "SALib.sample", None)
    with pytest.raises(ImportError, match=r"ir-scenarios\[salib\]"):
        sample_unit("morris", 4, PARAMS, np.random.SeedSequence(1))


# --- seeding --------------------------------------------------------------------------------


def test_run_key_is_the_model_key() -> None:
    from scenarios.model import ScenarioModel

    child = run_seed(np.random.SeedSequence(SEED), 4, 1)
    model = ScenarioModel(parse_config(base()), rng=child)
    assert model.key.tolist() == run_key(child).tolist()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_samples=st.integers(1, 4), n_rep=st.integers(1, 3), block=st.integers(1, 7),
       data=st.data())
def test_run_keys_independent_of_design_size_block_and_order(
    n_samples: int, n_rep: int, block: int, data: st.DataObject
) -> None:
    cfg = config(n_samples=n_samples, n_replications=n_rep, block_size=block,
                 uncertainties=UNCERTAINTIES[:1], record={"steps": "none"})
    ds = run_experiment(cfg, rng=SEED, progress=False)
    root = np.random.SeedSequence(SEED)
    keys = ds["seed_spawn_key"].values
    for i, r in itertools.product(range(n_samples), range(n_rep)):
        assert keys[i, r].tolist() == [1, i, r]
        assert run_seed(root, i, r).spawn_key == (1, i, r)
    # and the same keys whatever order the blocks complete in
    order = data.draw(st.permutations(range(-(-n_samples * n_rep // block))))
    shuffled = _run_in_order(cfg, list(order))
    np.testing.assert_array_equal(shuffled["seed_spawn_key"].values, keys)
    xr.testing.assert_identical(shuffled, ds)


def _run_in_order(cfg: ScenarioConfig, order: list[int]) -> xr.Dataset:
    """Run ``cfg`` with the block tasks completing in ``order`` (a reversed executor)."""

    class Shuffled:
        def map_unordered(self, fn: Any, tasks: Any) -> Any:
            tasks = list(tasks)
            idx = [k for k in order if k < len(tasks)]
            idx += [k for k in range(len(tasks)) if k not in idx]
            for k in idx:
                yield k, fn(tasks[k])

        def close(self) -> None:
            pass

    return run_experiment(cfg, rng=SEED, progress=False, executor=_wrap(Shuffled()))


def _wrap(ex: Any) -> Any:
    from scenarios import executors

    class Wrapped(executors.Executor):
        workers = 1

        def map_unordered(self, fn: Any, tasks: Any) -> Any:
            return ex.map_unordered(fn, tasks)

        def close(self) -> None:
            ex.close()

    return Wrapped()


def test_results_do_not_depend_on_block_size_or_order(batched: xr.Dataset,
                                                     design_cfg: ScenarioConfig) -> None:
    data = design_cfg.to_dict()
    data["experiment"]["block_size"] = 5
    other = _run_in_order(parse_config(data), [2, 0, 1])
    xr.testing.assert_identical(other.drop_attrs(), batched.drop_attrs())


# --- engines ---------------------------------------------------------------------------------


def assert_same(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_allclose(a, b, atol=1e-12, rtol=0)
    for name, var in a.variables.items():
        if var.dtype.kind != "f":
            np.testing.assert_array_equal(var.values, b[name].values, err_msg=str(name))


def test_batched_and_mesa_engines_agree(batched: xr.Dataset, design_cfg: ScenarioConfig
                                       ) -> None:
    mesa = run_experiment(design_cfg, rng=SEED, progress=False, engine="mesa")
    assert_same(batched, mesa)
    assert batched.attrs == mesa.attrs


def test_engines_agree_without_dyads() -> None:
    cfg = config(n_samples=2, n_replications=2, uncertainties=UNCERTAINTIES, levers=LEVERS,
                 record={"actors": "all"})
    a = run_experiment(cfg, rng=SEED, progress=False)
    b = run_experiment(cfg, rng=SEED, progress=False, engine="mesa")
    assert_same(a, b)


def test_failed_run_is_recorded(design_cfg: ScenarioConfig, batched: xr.Dataset,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    bad = run_key(run_seed(np.random.SeedSequence(SEED), 2, 1))
    original = engine_mod.dynamics.step

    def step(world: Any, state: Any, p: Any, t: int, key: Any) -> Any:
        k = np.asarray(key, dtype=np.uint64).reshape(-1, 2)
        if t >= 3 and (k == bad).all(axis=1).any():
            raise RuntimeError("boom in month 3")
        return original(world, state, p, t, key)

    monkeypatch.setattr(engine_mod.dynamics, "step", step)
    out = run_experiment(design_cfg, rng=SEED, progress=False)
    status = out["status"].values
    assert status[2, 1] == "failed" and (status == "ok").sum() == status.size - 1
    assert out["error"].values[2, 1] == "RuntimeError: boom in month 3"
    assert "Traceback" in out["traceback"].values[2, 1]
    assert out["outcome_code"].values[2, 1] == -1
    assert out["outcome_class"].values[2, 1] == ""
    assert np.isnan(out["outcome_max_rung"].values[2, 1])
    assert out.attrs["n_failed"] == 1
    keep = np.ones(status.shape, dtype=bool)
    keep[2, 1] = False
    for name in ("outcome_max_rung", "polarization", "affinity"):
        np.testing.assert_array_equal(out[name].values[keep], batched[name].values[keep])
    from scenarios.model import ScenarioModel

    model_step = ScenarioModel.step

    def mesa_step(self: ScenarioModel) -> None:  # the Mesa model resolves without step()
        if self.key.tolist() == bad.tolist() and self.steps >= 3:
            raise RuntimeError("boom in month 3")
        model_step(self)

    monkeypatch.setattr(ScenarioModel, "step", mesa_step)
    mesa = run_experiment(design_cfg, rng=SEED, progress=False, engine="mesa")
    assert mesa["status"].values[2, 1] == "failed"
    assert mesa["error"].values[2, 1] == "RuntimeError: boom in month 3"
    assert np.isfinite(mesa["polarization"].values[2, 1, :3]).all()  # kept up to the failure


# --- layout ----------------------------------------------------------------------------------


def test_layout(batched: xr.Dataset, design_cfg: ScenarioConfig) -> None:
    n_exp = 3 * 2  # 3 scenarios (treaty is an uncertainty) x 2 policies
    assert dict(batched.sizes) == {"experiment": n_exp, "replication": 2, "step": STEPS + 1,
                                   "actor": 20, "actor_to": 20, "spawn_key_level": 3}
    for name in ("threat_rate", "escalation_intercept", "treaty", "us_offer", "scenario_id",
                 "policy_id"):
        assert batched[name].dims == ("experiment",)
    assert batched["treaty"].dtype == bool
    assert batched["scenario_id"].values.tolist() == [0, 0, 1, 1, 2, 2]
    assert batched["policy_id"].values.tolist() == [0, 1] * 3
    assert batched["us_offer"].values.tolist() == [0.0, 0.8] * 3
    tr = batched["threat_rate"].values
    assert ((tr >= 0.01) & (tr <= 0.1)).all() and tr[0] == tr[1]
    for name in STEP_VARIABLES:
        assert batched[name].dims == ("experiment", "replication", "step")
    assert batched["alignment"].dims == ("experiment", "replication", "step", "actor")
    assert "actor_max_rung" in batched and "econ_loss" not in batched
    assert batched["rung"].dims == ("experiment", "replication", "step", "actor", "actor_to")
    assert batched["rung"].dtype == np.int8 and "sanctions" not in batched
    for name in ("outcome_max_rung", "outcome_code", "outcome_class", "status", "error",
                 "traceback"):
        assert batched[name].dims == ("experiment", "replication")
    assert set(batched["outcome_class"].values.ravel()) <= set(OUTCOME_CLASSES)
    assert "run" not in batched.dims and "experiment_index" not in batched
    attrs = batched.attrs
    assert attrs["seed_entropy"] == str(SEED) and attrs["sampler"] == "lhs"
    assert attrs["n_runs"] == n_exp * 2 and attrs["n_failed"] == 0
    assert attrs["mesa_version"].startswith("3.") and attrs["numpy_version"] == np.__version__
    stored = parse_config(__import__("yaml").safe_load(attrs["config_yaml"]))
    assert stored == design_cfg and stored.experiment is not None
    for value in attrs.values():
        assert isinstance(value, str | int | float)


def test_inputs_reach_the_runs(batched: xr.Dataset, design_cfg: ScenarioConfig) -> None:
    from scenarios.model import ScenarioModel

    i, r = 3, 1
    cfg = parse_config(base()).with_parameters(
        threat_rate=float(batched["threat_rate"][i]),
        escalation_intercept=float(batched["escalation_intercept"][i]),
    ).with_levers(treaty=bool(batched["treaty"][i]), us_offer=float(batched["us_offer"][i]),
                  negotiation=0.2)
    model = ScenarioModel(cfg, rng=run_seed(np.random.SeedSequence(SEED), i, r)).run()
    frame = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(batched["polarization"].values[i, r],
                               frame["polarization"].to_numpy(), atol=1e-12)


def test_outcomes_only(tmp_path: Any) -> None:
    cfg = config(n_samples=2, n_replications=3, uncertainties=UNCERTAINTIES[:1],
                 outcomes=["max_rung", "polarization"], record={"steps": "none"})
    ds = run_experiment(cfg, rng=1, progress=False)
    assert dict(ds.sizes) == {"experiment": 2, "replication": 3, "spawn_key_level": 3}
    assert not [n for n, v in ds.variables.items() if "step" in v.dims]
    outcome_vars = sorted(n for n in ds.data_vars if str(n).startswith("outcome_"))
    assert outcome_vars == ["outcome_class", "outcome_code", "outcome_max_rung",
                            "outcome_polarization"]
    from scenarios.ensemble import load_results, write_results

    xr.testing.assert_identical(load_results(write_results(ds, tmp_path)), ds)


def test_no_experiment_section_is_one_experiment() -> None:
    ds = run_experiment(parse_config(base()), n_replications=2, rng=1, progress=False)
    assert ds.sizes["experiment"] == 1 and ds.sizes["replication"] == 2
    assert ds.attrs["n_scenarios"] == ds.attrs["n_policies"] == 1


def test_overrides_and_constants(design_cfg: ScenarioConfig) -> None:
    ds = run_experiment(design_cfg, n_samples=2, n_replications=1, rng=1, progress=False)
    assert ds.sizes["experiment"] == 4 and ds.sizes["replication"] == 1
    assert "n_samples: 2" in ds.attrs["config_yaml"]
    with pytest.raises(ConfigError, match="n_replications"):
        run_experiment(design_cfg, n_replications=0, rng=1, progress=False)


def test_flat_runs_and_policy_table(batched: xr.Dataset) -> None:
    flat = flat_runs(batched)
    assert flat.sizes["replication"] == 12 and "experiment" not in flat.dims
    assert flat["us_offer"].values.tolist() == [0.0, 0.0, 0.8, 0.8] * 3
    table = outcome_shares_by_policy(batched)
    assert list(table.index.levels[0]) == [0, 1]
    assert (table.groupby(level="policy_id")["count"].sum() == 6).all()
    assert set(table["us_offer"]) == {0.0, 0.8}


def test_other_samplers_run() -> None:
    for sampler, n in (("sobol", 2), ("morris", 1), ("full_factorial", 2), ("monte_carlo", 2)):
        cfg = config(sampler=sampler, n_samples=n, uncertainties=UNCERTAINTIES[:2],
                     record={"steps": "none"})
        ds = run_experiment(cfg, rng=1, progress=False)
        want = {"sobol": 2, "morris": 3, "full_factorial": 4, "monte_carlo": 2}[sampler]
        assert ds.sizes["experiment"] == want, sampler


# --- config errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "path", "message"),
    [
        ({"n_samples": 2, "sampels": 3}, "experiment.sampels", "unknown key 'sampels'"),
        ({"n_samples": 2, "uncertainties": [{"name": "threat_rat", "lower": 0, "upper": 1}]},
         "experiment.uncertainties[0].name = 'threat_rat'", "did you mean 'threat_rate'"),
        ({"n_samples": 2, "uncertainties": [{"name": "threat_rate", "lower": 0.5,
                                             "upper": 0.1}]},
         "experiment.uncertainties[0].upper = 0.1", "lower must be below upper"),
        ({"n_samples": 2, "uncertainties": [{"name": "threat_rate", "lower": 0.5,
                                             "upper": 0.5}]},
         "experiment.uncertainties[0].upper", "lower must be below upper"),
        ({"n_samples": 2, "uncertainties": [{"name": "threat_rate",
                                             "distribution": {"name": "normal"}}]},
         "experiment.uncertainties[0].distribution.name = 'normal'",
         "unknown scipy.stats continuous distribution"),
        ({"n_samples": 2, "uncertainties": [{"name": "threat_rate",
                                             "distribution": {"name": "norm", "scal": 1}}]},
         "experiment.uncertainties[0].distribution", "does not freeze scipy.stats.norm"),
        ({"n_samples": 2, "uncertainties": [{"name": "us_offer", "lower": 0, "upper": 1}],
          "levers": [{"name": "us_offer", "values": [0.0]}]},
         "experiment.levers[0].name = 'us_offer'", "already in uncertainties[0]"),
        ({"n_samples": 2, "uncertainties": [{"name": "us_offer", "lower": 0, "upper": 1}],
          "constants": {"us_offer": 0.5}},
         "experiment.constants.us_offer = 0.5", "already in uncertainties[0]"),
        ({"sampler": "lhc"}, "experiment.sampler = 'lhc'", "did you mean 'lhs'"),
        ({"uncertainties": [{"name": "threat_rate", "lower": 0, "upper": 1}]},
         "experiment.n_samples", "missing key 'n_samples'"),
        ({"n_samples": 2, "uncertainties": [{"name": "treaty", "lower": 0, "upper": 1}]},
         "experiment.uncertainties[0]", "boolean lever"),
        ({"outcomes": ["max_rnug"]}, "experiment.outcomes[0] = 'max_rnug'", "unknown outcome"),
        ({"record": {"steps": ["polarisation"]}}, "experiment.record.steps[0]",
         "did you mean 'polarization'"),
        ({"record": {"dyads": ["trade"]}}, "experiment.record.dyads[0]", "unknown dyads"),
        ({"levers": [{"name": "threat_rate", "values": [0.1]}]},
         "experiment.levers[0].name", "a parameter, not a lever"),
        ({"block_size": 0}, "experiment.block_size = 0", "must be >= 1"),
    ],
)
def test_bad_experiment_sections(section: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"name": "x", "experiment": section})
    text = str(err.value)
    assert path in text and message in text, text


def test_spec_round_trips() -> None:
    cfg = config(n_samples=3, uncertainties=UNCERTAINTIES, levers=LEVERS,
                 constants={"negotiation": 0.2}, outcomes=["max_rung"])
    assert parse_config(cfg.to_dict()) == cfg
    assert isinstance(cfg.experiment, ExperimentSpec)


def test_demo_config_runs() -> None:
    cfg = builtin_config("experiment_demo")
    data = cfg.to_dict()
    data["steps"] = 4
    ds = run_experiment(parse_config(data), n_samples=2, n_replications=1, rng=1,
                        progress=False)
    assert ds.sizes["experiment"] == 4 and ds.attrs["n_failed"] == 0


def test_saltelli_design_feeds_sobol_indices_end_to_end() -> None:
    """The saltelli sampler gives SALib's cross-design, which sobol_indices analyses."""
    from scenarios.analysis import sobol_indices
    from scenarios.config import builtin_config, parse_config
    from scenarios.experiment import run_experiment

    data = builtin_config("baseline").to_dict()
    data.update(steps=6, experiment={
        "sampler": "saltelli", "n_samples": 4, "n_replications": 1,
        "uncertainties": [{"name": "affinity_scale", "lower": 2.0, "upper": 3.0},
                          {"name": "threat_rate", "lower": 0.02, "upper": 0.1}],
        "record": {"steps": "none", "actors": "none", "dyads": "none"}})
    ds = run_experiment(parse_config(data), rng=3, progress=False)
    assert ds.sizes["experiment"] == 4 * (2 * 2 + 2)
    idx = sobol_indices(ds, "outcome_polarization", num_resamples=50, rng=1)
    assert list(idx.input.values) == ["affinity_scale", "threat_rate"]
    assert np.isfinite(idx.S1.values).all() and np.isfinite(idx.ST.values).all()
