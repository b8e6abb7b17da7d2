"""Outcome analysis (scenarios.analysis.outcomes) on small hand-built datasets.

No model runs: each test lays out an experiment dataset with xarray in the layout of
``run_experiment`` and checks the result against values computed by hand.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.analysis.outcomes import (
    class_probabilities,
    event_probability,
    outcome_distribution,
    percentile_performance,
    plot_class_probabilities,
    regret,
    satisficing,
)

matplotlib.use("Agg")

CLASSES = "containment new_cold_war multipolar_settlement conventional_escalation nuclear_use"


def experiment(outcome: np.ndarray, n_policies: int, *, classes: np.ndarray | None = None,
               status: np.ndarray | None = None) -> xr.Dataset:
    """An experiment dataset: ``outcome`` is (experiment, replication); experiment ``i`` is
    scenario ``i // n_policies`` under policy ``i % n_policies`` (lever ``offer``)."""
    outcome = np.asarray(outcome, dtype=np.float64)
    n_exp, n_rep = outcome.shape
    pol = np.arange(n_exp) % n_policies
    scen = np.arange(n_exp) // n_policies
    if status is None:
        status = np.full(outcome.shape, "ok")
    if classes is None:
        classes = np.full(outcome.shape, "containment")
    codes = np.array([CLASSES.split().index(c) if c else -1 for c in classes.ravel()],
                     dtype=np.int8).reshape(classes.shape)
    runs = ("experiment", "replication")
    return xr.Dataset(
        {"threat_rate": ("experiment", 0.01 * (scen + 1), {"role": "uncertainty"}),
         "offer": ("experiment", 0.5 * pol, {"role": "lever"}),
         "scenario_id": ("experiment", scen),
         "policy_id": ("experiment", pol),
         "outcome_cost": (runs, outcome),
         "outcome_code": (runs, codes, {"outcome_classes": CLASSES}),
         "outcome_class": (runs, classes),
         "status": (runs, status)},
        coords={"experiment": np.arange(n_exp), "replication": np.arange(n_rep)},
        attrs={"sampler": "lhs"})


# --- class probabilities ---------------------------------------------------------------------


def test_wilson_interval_hand_values() -> None:
    classes = np.array([["containment"] * 5 + ["nuclear_use"] * 5])
    ds = experiment(np.zeros((1, 10)), 1, classes=classes)
    p = class_probabilities(ds)
    cont = p.sel(policy_id=0, outcome_class="containment")
    assert float(cont["probability"]) == 0.5
    assert round(float(cont["lower"]), 4) == 0.2366 and round(float(cont["upper"]), 4) == 0.7634
    # a class no run reached is reported, with the Wilson interval of 0 of 10
    cold = p.sel(policy_id=0, outcome_class="new_cold_war")
    assert float(cold["probability"]) == 0.0 and float(cold["lower"]) == 0.0
    assert round(float(cold["upper"]), 4) == 0.2775
    assert list(p["outcome_class"].values) == CLASSES.split()


def test_class_probabilities_by_policy_and_overall_exclude_failures() -> None:
    classes = np.array([["containment", "nuclear_use"], ["containment", "containment"],
                        ["new_cold_war", ""], ["containment", "nuclear_use"]])
    status = np.array([["ok", "ok"], ["ok", "ok"], ["ok", "failed"], ["ok", "ok"]])
    ds = experiment(np.zeros((4, 2)), 2, classes=classes, status=status)
    p = class_probabilities(ds, confidence=0.9)
    assert p["probability"].dims == ("policy_id", "outcome_class")
    assert p["n"].values.tolist() == [3, 4]
    assert p["count"].sel(policy_id=0).values.tolist() == [1, 1, 0, 0, 1]
    assert p["count"].sel(policy_id=1).values.tolist() == [3, 0, 0, 0, 1]
    assert p["offer"].values.tolist() == [0.0, 0.5]
    assert p["policy_label"].values.tolist() == ["0 (offer=0.0)", "1 (offer=0.5)"]
    assert p.attrs["n_failed"] == 1 and p.attrs["confidence"] == 0.9
    np.testing.assert_allclose(p["probability"].sum("outcome_class"), 1.0)
    overall = class_probabilities(ds, by=None)
    assert "policy_id" not in overall.dims and int(overall["n"]) == 7
    assert float(overall["probability"].sel(outcome_class="containment")) == 4 / 7


def test_class_probabilities_over_time() -> None:
    ds = experiment(np.zeros((2, 1)), 1)
    with pytest.raises(ValueError, match="only at the end of each run"):
        class_probabilities(ds, over_time=True)
    per_step = np.array([[["containment", "containment", "nuclear_use"]],
                         [["containment", "new_cold_war", "new_cold_war"]]])
    ds["outcome_class"] = (("experiment", "replication", "step"), per_step)
    ds = ds.assign_coords(step=[0, 1, 2])
    p = class_probabilities(ds, over_time=True)
    assert p["probability"].dims == ("policy_id", "outcome_class", "step")
    assert p["probability"].sel(outcome_class="containment").values.tolist() == [[1, 0.5, 0]]
    # without over_time: the class at the last step
    last = class_probabilities(ds)
    assert last["count"].sel(policy_id=0).values.tolist() == [0, 1, 0, 0, 1]


def test_class_probabilities_bad_input() -> None:
    ds = experiment(np.zeros((2, 1)), 1)
    with pytest.raises(ValueError, match="by must be"):
        class_probabilities(ds, by="scenario")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence"):
        class_probabilities(ds, confidence=95)
    with pytest.raises(ValueError, match="no outcome_class"):
        class_probabilities(ds.drop_vars("outcome_class"))
    with pytest.raises(TypeError, match=r"xarray.Dataset"):
        class_probabilities(ds["outcome_class"])  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["containment", "nuclear_use", "new_cold_war"]),
                min_size=2, max_size=30))
def test_probabilities_sum_to_one_and_lie_in_their_intervals(labels: list[str]) -> None:
    classes = np.array(labels)[:, None]
    p = class_probabilities(experiment(np.zeros(classes.shape), 1, classes=classes), by=None)
    np.testing.assert_allclose(float(p["probability"].sum()), 1.0)
    assert bool((p["lower"] <= p["probability"]).all())
    assert bool((p["probability"] <= p["upper"]).all())


# --- outcome distributions -------------------------------------------------------------------


def test_outcome_distribution_quantiles_and_reproducible_bootstrap() -> None:
    values = np.arange(20, dtype=np.float64).reshape(10, 2)  # policy 0: rows 0, 2, ...
    ds = experiment(values, 2)
    d = outcome_distribution(ds, "cost", quantiles=(0.0, 0.5, 1.0), n_boot=300, rng=3)
    assert d["value"].dims == ("policy_id", "quantile")
    pol0 = values[0::2].ravel()
    np.testing.assert_allclose(d["value"].sel(policy_id=0), [0, np.median(pol0), 17])
    assert d["n"].values.tolist() == [10, 10]
    assert bool((d["lower"] <= d["value"]).all()) and bool((d["value"] <= d["upper"]).all())
    again = outcome_distribution(ds, "outcome_cost", quantiles=(0.0, 0.5, 1.0), n_boot=300,
                                 rng=3)
    xr.testing.assert_identical(d, again)
    other = outcome_distribution(ds, "cost", quantiles=(0.0, 0.5, 1.0), n_boot=300, rng=4)
    assert not np.array_equal(d["lower"].values, other["lower"].values)
    gen_a, gen_b = np.random.default_rng(9), np.random.default_rng(9)
    xr.testing.assert_identical(outcome_distribution(ds, "cost", n_boot=50, rng=gen_a),
                                outcome_distribution(ds, "cost", n_boot=50, rng=gen_b))


def test_outcome_distribution_excludes_failed_and_missing_runs() -> None:
    values = np.array([[1.0, 2.0], [3.0, 1e9], [np.nan, 5.0]])
    status = np.array([["ok", "ok"], ["ok", "failed"], ["ok", "ok"]])
    ds = experiment(values, 1, status=status)
    d = outcome_distribution(ds, "cost", by=None, quantiles=[0.5], n_boot=100, rng=0)
    assert int(d["n"]) == 4 and float(d["value"].sel(quantile=0.5)) == 2.5
    assert d.attrs["n_failed"] == 1 and d.attrs["n_missing"] == 1


def test_outcome_distribution_bad_input() -> None:
    ds = experiment(np.zeros((2, 2)), 1)
    with pytest.raises(ValueError, match=r"unknown outcome 'x'.*cost"):
        outcome_distribution(ds, "x")
    with pytest.raises(ValueError, match="quantiles"):
        outcome_distribution(ds, "cost", quantiles=[50])
    with pytest.raises(ValueError, match="n_boot"):
        outcome_distribution(ds, "cost", n_boot=0)
    with pytest.raises(TypeError, match="bool"):
        outcome_distribution(ds, "cost", rng=True)


# --- robustness ------------------------------------------------------------------------------

#: cost of (scenario, policy): 3 scenarios x 2 policies
TABLE = np.array([[4.0, 6.0],
                  [10.0, 7.0],
                  [3.0, 3.0]])


def robustness_ds() -> xr.Dataset:
    # experiment i = scenario i // 2, policy i % 2; two replications averaging to TABLE
    flat = TABLE.ravel()
    return experiment(np.column_stack([flat - 1.0, flat + 1.0]), 2)


def test_regret_hand_computed() -> None:
    r = regret(robustness_ds(), "cost", direction="min")
    # best per scenario: 4, 7, 3 -> regret [[0, 2], [3, 0], [0, 0]]
    assert r["performance"].values.tolist() == TABLE.tolist()
    assert r["regret"].values.tolist() == [[0, 2], [3, 0], [0, 0]]
    assert r["max_regret"].values.tolist() == [3, 2]
    assert r.attrs["minimax_policy"] == 1
    assert r["regret"].dims == ("scenario_id", "policy_id")
    assert r["offer"].values.tolist() == [0.0, 0.5]
    assert r["threat_rate"].values.tolist() == [0.01, 0.02, 0.03]
    up = regret(robustness_ds(), "cost", direction="max")
    # best per scenario: 6, 10, 3 -> regret [[2, 0], [0, 3], [0, 0]]
    assert up["regret"].values.tolist() == [[2, 0], [0, 3], [0, 0]]
    assert up["max_regret"].values.tolist() == [2, 3] and up.attrs["minimax_policy"] == 0


def test_regret_excludes_failed_runs_and_incomplete_scenarios() -> None:
    ds = robustness_ds()
    ds["status"][2, 0] = "failed"  # scenario 1, policy 0: only replication 1 (11) is left
    ds["outcome_cost"][2, 0] = -1e9
    r = regret(ds, "cost")
    assert float(r["performance"][1, 0]) == 11.0 and int(r["n_runs"][1, 0]) == 1
    assert r.attrs["n_failed"] == 1
    ds["status"][2, 1] = "failed"  # scenario 1, policy 0: no run left
    r = regret(ds, "cost")
    assert np.isnan(r["regret"].sel(scenario_id=1)).all()
    assert r["max_regret"].values.tolist() == [0, 2]
    assert r.attrs["n_scenarios_excluded"] == 1 and r.attrs["n_failed"] == 2


def test_satisficing_hand_computed() -> None:
    s = satisficing(robustness_ds(), "cost", 6.0, direction="min")
    # policy 0: 4, 10, 3 -> 2 of 3; policy 1: 6, 7, 3 -> 2 of 3
    assert s["n_satisficing"].values.tolist() == [2, 2]
    np.testing.assert_allclose(s["share"], [2 / 3, 2 / 3])
    s = satisficing(robustness_ds(), "cost", 6.5, direction="max")
    assert s["share"].values.tolist() == [1 / 3, 1 / 3]
    assert s["n_scenarios"].values.tolist() == [3, 3]
    assert "threat_rate" not in s.coords and s["offer"].values.tolist() == [0.0, 0.5]


def test_percentile_performance_hand_computed() -> None:
    p = percentile_performance(robustness_ds(), "cost", 0.5)
    assert p.dims == ("policy_id",) and p.values.tolist() == [4.0, 6.0]
    # linear interpolation: policy 0 sorted 3, 4, 10 -> q 0.75 at 4 + 0.5 * 6 = 7
    assert percentile_performance(robustness_ds(), "cost", 0.75).values.tolist() == [7.0, 6.5]
    assert percentile_performance(robustness_ds(), "cost", 1.0).values.tolist() == [10, 7]


def test_robustness_bad_input() -> None:
    ds = robustness_ds()
    with pytest.raises(ValueError, match="direction"):
        regret(ds, "cost", direction="lower")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="direction"):
        satisficing(ds, "cost", 1.0, direction="up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold"):
        satisficing(ds, "cost", float("nan"))
    with pytest.raises(ValueError, match=r"q must be a probability in \[0, 1\]"):
        percentile_performance(ds, "cost", 90)
    dup = ds.assign(scenario_id=("experiment", np.zeros(6, dtype=int)),
                    policy_id=("experiment", np.zeros(6, dtype=int)))
    with pytest.raises(ValueError, match="share a"):
        regret(dup, "cost")


# --- plot ------------------------------------------------------------------------------------


def test_plot_class_probabilities(tmp_path: object) -> None:
    import matplotlib.pyplot as plt

    classes = np.array([["containment", "nuclear_use"], ["containment", "containment"]] * 2)
    p = class_probabilities(experiment(np.zeros((4, 2)), 2, classes=classes))
    fig, ax0 = plt.subplots(figsize=(8, 4), layout="constrained")
    ax = plot_class_probabilities(p, ax=ax0)
    assert ax is ax0 and ax.get_ylabel() == "probability"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0 (offer=0.0)", "1 (offer=0.5)"]
    assert len(ax.patches) == 2 * 5
    fig.savefig(f"{tmp_path}/classes.png")
    plt.close(fig)
    fig, ax2 = plt.subplots()
    assert plot_class_probabilities(class_probabilities(experiment(
        np.zeros((4, 2)), 2, classes=classes), by=None), ax=ax2) is ax2
    plt.close(fig)
    with pytest.raises(ValueError, match="class_probabilities"):
        plot_class_probabilities(p.drop_vars("lower"))


# --- event probabilities ---------------------------------------------------------------------


def test_event_probability_counts_wilson_and_failures() -> None:
    # policy 0: 5 of 10 runs cost >= 1; policy 1: none of 9 (one run failed, one NaN)
    cost = np.zeros((4, 5))
    cost[0, :5] = 1.0
    cost[2] = [0.0, 0.0, 0.0, 0.0, 0.0]
    cost[3, 4] = np.nan
    status = np.full(cost.shape, "ok")
    status[1, 0] = "failed"
    ds = experiment(cost, 2, status=status)
    p = event_probability(ds, "cost")
    assert p["count"].values.tolist() == [5, 0] and p["n"].values.tolist() == [10, 8]
    assert float(p["probability"].sel(policy_id=0)) == 0.5
    assert round(float(p["lower"].sel(policy_id=0)), 4) == 0.2366
    # 0 of 8: probability 0, Wilson upper bound z^2 / (n + z^2)
    z2 = 1.959963984540054**2
    assert float(p["probability"].sel(policy_id=1)) == 0.0
    assert float(p["upper"].sel(policy_id=1)) == pytest.approx(z2 / (8 + z2))
    assert p.attrs["n_failed"] == 1 and p.attrs["n_missing"] == 1
    assert p["offer"].values.tolist() == [0.0, 0.5]
    # a condition, and all runs together
    q = event_probability(ds, "outcome_cost", lambda v: v < 1, by=None)
    assert int(q["count"]) == 13 and int(q["n"]) == 18
    # it is the two-class case of class_probabilities
    classes = np.where(cost >= 1, "nuclear_use", "containment")
    c = class_probabilities(experiment(cost, 2, classes=classes))
    e = event_probability(experiment(cost, 2, classes=classes), "cost", lambda v: v >= 1)
    np.testing.assert_allclose(c["upper"].sel(outcome_class="nuclear_use").values[:1],
                               e["upper"].values[:1])
    with pytest.raises(ValueError, match="one boolean per run"):
        event_probability(ds, "cost", lambda v: v.values[:, 0] > 0)
    with pytest.raises(ValueError, match="unknown outcome"):
        event_probability(ds, "nope")
