"""Sensitivity analysis (scenarios.analysis.sensitivity) on small hand-built datasets.

No model runs: each test lays out an experiment dataset with xarray (inputs on
``experiment`` with ``role`` attrs, ``outcome_*`` and ``status`` on (experiment,
replication)) and evaluates a test function on the design. The regression targets are the
analytic Sobol' indices of the Ishigami function and the exact elementary effects of a linear
function.
"""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import xarray as xr

from scenarios.analysis.sensitivity import (
    feature_scores,
    morris_indices,
    plot_feature_scores,
    plot_sobol,
    saltelli_design,
    sobol_indices,
)

matplotlib.use("Agg")

NAMES = ["x1", "x2", "x3"]
ISHIGAMI = {"names": NAMES, "bounds": [[-np.pi, np.pi]] * 3}
#: Analytic indices of Ishigami with a = 7, b = 0.1 (Sobol' & Levitan 1999; SALib's tests).
S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])
S13_TRUE = 0.2437


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def with_outcome(design: xr.Dataset, y: np.ndarray, n_rep: int = 2,
                 name: str = "outcome_y") -> xr.Dataset:
    """The design with ``y`` recorded in every replication, all runs ok."""
    values = np.repeat(np.asarray(y, dtype=np.float64)[:, None], n_rep, axis=1)
    status = np.full(values.shape, "ok")
    return design.assign({name: (("experiment", "replication"), values),
                          "status": (("experiment", "replication"), status)})


def columns(ds: xr.Dataset, names: list[str]) -> np.ndarray:
    return np.column_stack([ds[n].values for n in names])


@pytest.fixture(scope="module")
def ishigami_ds() -> xr.Dataset:
    design = saltelli_design(ISHIGAMI, 1024, rng=42)
    return with_outcome(design, ishigami(columns(design, NAMES)))


# --- Sobol' ----------------------------------------------------------------------------------


def test_ishigami_against_analytic_values(ishigami_ds: xr.Dataset) -> None:
    s = sobol_indices(ishigami_ds, "y", rng=1)
    assert list(s["input"].values) == NAMES
    assert s["S1"].dims == ("input",) and s["S2"].dims == ("input", "input_2")
    # within the reported 95 % half-width, or 0.03 where that is tighter than the error
    tol1 = np.maximum(s["S1_conf"].values, 0.03)
    tolt = np.maximum(s["ST_conf"].values, 0.03)
    np.testing.assert_array_less(np.abs(s["S1"].values - S1_TRUE), tol1)
    np.testing.assert_array_less(np.abs(s["ST"].values - ST_TRUE), tolt)
    s13 = float(s["S2"].sel(input="x1", input_2="x3"))
    assert abs(s13 - S13_TRUE) < max(float(s["S2_conf"].sel(input="x1", input_2="x3")), 0.03)
    assert abs(float(s["S2"].sel(input="x1", input_2="x2"))) < 0.05
    assert np.isnan(float(s["S2"].sel(input="x3", input_2="x1")))  # upper triangle only
    assert s.attrs["n_base_samples"] == 1024 and s.attrs["n_failed"] == 0


def test_first_order_only_design() -> None:
    design = saltelli_design(ISHIGAMI, 512, calc_second_order=False, rng=3)
    assert design.sizes["experiment"] == 512 * 5
    ds = with_outcome(design, ishigami(columns(design, NAMES)))
    s = sobol_indices(ds, "outcome_y", calc_second_order=False, rng=0)
    assert "S2" not in s
    np.testing.assert_array_less(np.abs(s["ST"].values - ST_TRUE),
                                 np.maximum(s["ST_conf"].values, 0.03))
    np.testing.assert_array_less(np.abs(s["S1"].values - S1_TRUE),
                                 np.maximum(s["S1_conf"].values, 0.03))
    with pytest.raises(ValueError, match="calc_second_order=False"):
        sobol_indices(ds, "y", rng=0)


def test_sobol_is_reproducible(ishigami_ds: xr.Dataset) -> None:
    a = sobol_indices(ishigami_ds, "y", num_resamples=200, rng=7)
    b = sobol_indices(ishigami_ds, "y", num_resamples=200, rng=7)
    xr.testing.assert_identical(a, b)
    c = sobol_indices(ishigami_ds, "y", num_resamples=200, rng=0)  # 0 is a seed too
    assert not np.array_equal(a["S1_conf"].values, c["S1_conf"].values)
    np.testing.assert_array_equal(a["S1"].values, c["S1"].values)


def test_failed_runs_excluded_and_blocks_dropped(ishigami_ds: xr.Dataset) -> None:
    ds = ishigami_ds.copy(deep=True)
    ds["status"][5, 0] = "failed"  # block 0 keeps replication 1 of experiment 5
    ds["outcome_y"][5, 0] = np.nan
    step = 2 * 3 + 2
    ds["status"][step + 2, :] = "failed"  # block 1 loses experiment 10 entirely
    ds["outcome_y"][step + 2, :] = np.nan
    ds["outcome_y"][3, 1] = 1e9  # a failed run's value, which must be ignored
    ds["status"][3, 1] = "failed"
    s = sobol_indices(ds, "y", rng=1)
    assert s.attrs["n_failed"] == 4
    assert s.attrs["n_blocks_dropped"] == 1 and s.attrs["n_base_samples"] == 1023
    np.testing.assert_allclose(s["ST"].values, ST_TRUE, atol=0.1)


def test_plain_sobol_sequence_is_rejected() -> None:
    from scipy.stats import qmc

    x = qmc.Sobol(d=3, scramble=True, rng=np.random.default_rng(0)).random(64)
    data = {n: ("experiment", x[:, j], {"role": "uncertainty"}) for j, n in enumerate(NAMES)}
    ds = with_outcome(xr.Dataset(data, attrs={"sampler": "sobol"}), ishigami(x))
    with pytest.raises(ValueError, match=r"not a Saltelli cross-design.*plain scrambled"):
        sobol_indices(ds, "y")


def test_wrong_inputs_break_the_design(ishigami_ds: xr.Dataset) -> None:
    with pytest.raises(ValueError, match="not a Saltelli cross-design"):
        sobol_indices(ishigami_ds, "y", inputs=["x1", "x2"])
    with pytest.raises(ValueError, match="not variables on the experiment dim"):
        sobol_indices(ishigami_ds, "y", inputs=["x1", "nope"])
    with pytest.raises(TypeError, match="sequence of names"):
        sobol_indices(ishigami_ds, "y", inputs="x1")


def test_sobol_per_policy() -> None:
    design = saltelli_design({"names": ["a", "b"], "bounds": [[0, 1]] * 2}, 256, rng=5)
    n = design.sizes["experiment"]
    # two policies, interleaved as run_experiment does: experiment i = scenario i // 2
    x = columns(design, ["a", "b"]).repeat(2, axis=0)
    pol = np.tile([0, 1], n)
    ds = xr.Dataset(
        {"a": ("experiment", x[:, 0], {"role": "uncertainty"}),
         "b": ("experiment", x[:, 1], {"role": "uncertainty"}),
         "offer": ("experiment", pol * 0.5, {"role": "lever"}),
         "scenario_id": ("experiment", np.arange(n).repeat(2)),
         "policy_id": ("experiment", pol)})
    y = np.where(pol == 0, x[:, 0], x[:, 1])  # policy 0 depends on a, policy 1 on b
    ds = with_outcome(ds, y, n_rep=1)
    with pytest.raises(ValueError, match="2 policies"):
        sobol_indices(ds, "y")
    with pytest.raises(ValueError, match="no policy_id 3"):
        sobol_indices(ds, "y", policy=3)
    s0 = sobol_indices(ds, "y", policy=0, rng=1)
    s1 = sobol_indices(ds, "y", policy=1, rng=1)
    np.testing.assert_allclose(s0["ST"].values, [1, 0], atol=0.05)
    np.testing.assert_allclose(s1["ST"].values, [0, 1], atol=0.05)
    assert s1.attrs["policy_id"] == 1


def test_constant_outcome_warns_and_gives_nan() -> None:
    design = saltelli_design({"names": ["a", "b"], "bounds": [[0, 1]] * 2}, 16, rng=5)
    ds = with_outcome(design, np.zeros(design.sizes["experiment"]))
    with pytest.warns(UserWarning, match="constant"):
        s = sobol_indices(ds, "y")
    assert np.isnan(s["S1"].values).all() and np.isnan(s["S2"].values).all()


def test_sobol_bad_arguments(ishigami_ds: xr.Dataset) -> None:
    with pytest.raises(ValueError, match=r"unknown outcome 'nope'.*y"):
        sobol_indices(ishigami_ds, "nope")
    with pytest.raises(ValueError, match="conf_level"):
        sobol_indices(ishigami_ds, "y", conf_level=1.0)
    with pytest.raises(ValueError, match="num_resamples"):
        sobol_indices(ishigami_ds, "y", num_resamples=1)
    with pytest.raises(TypeError, match=r"xarray.Dataset"):
        sobol_indices(ishigami_ds.to_dataframe(), "y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no 'replication'"):
        sobol_indices(ishigami_ds.isel(replication=0), "y")
    with pytest.raises(ValueError, match="n must be"):
        saltelli_design(ISHIGAMI, 0)
    with pytest.raises(ValueError, match="bounds"):
        saltelli_design({"names": ["a"]}, 8)


# --- Morris ----------------------------------------------------------------------------------


def morris_ds(coef: np.ndarray, bounds: list[list[float]], r: int = 20) -> xr.Dataset:
    from SALib.sample import morris

    names = [f"x{j}" for j in range(len(coef))]
    x = morris.sample({"num_vars": len(coef), "names": names, "bounds": bounds}, r,
                      num_levels=4, seed=11)
    data = {n: ("experiment", x[:, j], {"role": "uncertainty"}) for j, n in enumerate(names)}
    return with_outcome(xr.Dataset(data, attrs={"sampler": "morris"}), x @ coef)


def test_morris_linear_function() -> None:
    coef = np.array([1.0, -2.0, 4.0, 0.0])
    bounds = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    m = morris_indices(morris_ds(coef, bounds), "y", rng=1)
    assert list(m.data_vars) == ["mu", "mu_star", "sigma", "mu_star_conf"]
    np.testing.assert_allclose(m["mu_star"].values, np.abs(coef), atol=1e-9)
    np.testing.assert_allclose(m["mu"].values, coef, atol=1e-9)
    np.testing.assert_allclose(m["sigma"].values, 0.0, atol=1e-9)  # no interactions
    # in units of the outcome per Delta of the unit cube: scaled by the input's range
    m2 = morris_indices(morris_ds(coef, [[0, 1], [0, 10], [5, 6], [0, 1]]), "y", rng=1)
    np.testing.assert_allclose(m2["mu_star"].values, np.abs(coef) * [1, 10, 1, 1], atol=1e-8)


def test_morris_rejects_other_designs_and_is_reproducible(ishigami_ds: xr.Dataset) -> None:
    with pytest.raises(ValueError, match="not Morris trajectories"):
        morris_indices(ishigami_ds, "y")
    ds = morris_ds(np.array([1.0, 2.0]), [[0, 1], [0, 1]])
    ds["outcome_y"] = ds["outcome_y"] + np.sin(7 * ds["x0"])  # non-linear: CIs non-zero
    a, b = morris_indices(ds, "y", rng=4), morris_indices(ds, "y", rng=4)
    xr.testing.assert_identical(a, b)
    ds["status"][0, :] = "failed"
    assert morris_indices(ds, "y", rng=4).attrs["n_trajectories_dropped"] == 1


# --- feature scores --------------------------------------------------------------------------


def test_feature_scores_find_the_influential_inputs() -> None:
    g = np.random.default_rng(0)
    x = g.random((300, 3))
    ds = xr.Dataset({
        "a": ("experiment", x[:, 0], {"role": "uncertainty"}),
        "b": ("experiment", x[:, 1], {"role": "uncertainty"}),
        "noise": ("experiment", x[:, 2], {"role": "uncertainty"}),
        "policy_id": ("experiment", np.arange(300) % 2),
        "offer": ("experiment", (np.arange(300) % 2) * 1.0, {"role": "lever"})})
    y = np.cos(2 * np.pi * x[:, 0]) + 1.5 * x[:, 1] + 0.5 * ds["offer"].values
    y = y[:, None] + 0.1 * g.standard_normal((300, 2))  # two noisy replications
    ds = ds.assign(outcome_y=(("experiment", "replication"), y),
                   status=(("experiment", "replication"), np.full(y.shape, "ok")))
    s = feature_scores(ds, "y", n_boot=300, rng=2)
    assert list(s["input"].values) == ["a", "b", "noise", "offer"]
    assert s.sel(input="a") > s.sel(input="b") > s.sel(input="offer") > s.sel(input="noise")
    assert float(s["lower"].sel(input="b")) > float(s["null"].sel(input="b"))
    assert float(s.sel(input="noise")) < float(s["null"].sel(input="noise"))
    assert int(s["n_bins"].sel(input="offer")) == 2 and int(s["n_bins"].sel(input="a")) == 10
    assert (s["lower"] <= s).all() and (s <= s["upper"]).all()
    xr.testing.assert_identical(s, feature_scores(ds, "y", n_boot=300, rng=2))
    assert s.attrs["n_runs"] == 600
    ds["status"][:5, 0] = "failed"
    assert feature_scores(ds, "y", n_boot=50, rng=2).attrs["n_failed"] == 5
    with pytest.raises(ValueError, match="n_bins"):
        feature_scores(ds, "y", n_bins=1)


def test_feature_scores_of_null_inputs_read_as_noise() -> None:
    # with no effect at all, resampling experiments inflates eta^2 (the documented caveat:
    # the bootstrap bounds can lie above the score); the permutation null still flags every
    # input as noise
    g = np.random.default_rng(5)
    n = 60
    x = g.random((n, 6))
    ds = xr.Dataset({f"x{k}": ("experiment", x[:, k], {"role": "uncertainty"})
                     for k in range(6)})
    y = g.standard_normal((n, 1))
    ds = ds.assign(outcome_y=(("experiment", "replication"), y),
                   status=(("experiment", "replication"), np.full(y.shape, "ok")))
    s = feature_scores(ds, "y", n_boot=400, rng=3)
    assert (s["lower"] < s["null"]).all() and (s < s["null"]).all()
    assert (s["lower"] > s).any()  # the caveat is real: some interval lies above its score


# --- SALib is optional; imports flow one way ---------------------------------------------------


def test_missing_salib_gives_a_clear_import_error(
    ishigami_ds: xr.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    for mod in ("SALib", "SALib.sample", "SALib.sample.sobol", "SALib.analyze",
                "SALib.analyze.sobol", "SALib.analyze.morris"):
        monkeypatch.setitem(sys.modules, mod, None)
    with pytest.raises(ImportError, match=r"pip install 'ir-scenarios\[salib\]'"):
        sobol_indices(ishigami_ds, "y")
    with pytest.raises(ImportError, match=r"pip install 'ir-scenarios\[salib\]'"):
        saltelli_design(ISHIGAMI, 8)
    with pytest.raises(ImportError, match=r"pip install 'ir-scenarios\[salib\]'"):
        morris_indices(_linear_morris_without_salib(), "y")
    # the model-free screening needs no SALib
    assert feature_scores(ishigami_ds.isel(experiment=slice(0, 64)), "y", n_boot=10,
                          rng=0).sizes["input"] == 3


def _linear_morris_without_salib() -> xr.Dataset:
    """A hand-written two-trajectory Morris design (SALib is hidden in the caller)."""
    x = np.array([[0, 0], [2 / 3, 0], [2 / 3, 2 / 3], [1 / 3, 1], [1 / 3, 1 / 3], [1, 1 / 3]])
    data = {n: ("experiment", x[:, j], {"role": "uncertainty"}) for j, n in enumerate("ab")}
    return with_outcome(xr.Dataset(data), x @ [1.0, 2.0])


def test_modules_import_no_model_no_salib_no_matplotlib() -> None:
    code = ("import sys, scenarios.analysis.sensitivity, scenarios.analysis.outcomes; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    for banned in ("mesa", "SALib", "matplotlib", "pydantic"):
        assert banned not in out


# --- plot ------------------------------------------------------------------------------------


def test_plot_sobol(ishigami_ds: xr.Dataset, tmp_path: object) -> None:
    import matplotlib.pyplot as plt

    s = sobol_indices(ishigami_ds, "y", num_resamples=200, rng=1)
    fig, ax0 = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
    ax = plot_sobol(s, ax=ax0)
    assert ax is ax0
    assert ax.get_ylabel() == "Sobol' index"
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert len(ax.patches) == 6
    fig.savefig(f"{tmp_path}/sobol.png")
    plt.close("all")
    with pytest.raises(ValueError, match="sobol_indices"):
        plot_sobol(s.drop_vars("ST_conf"))


def test_plot_feature_scores(tmp_path: object) -> None:
    import matplotlib.pyplot as plt

    g = np.random.default_rng(3)
    x = g.random((120, 2))
    ds = xr.Dataset({"a": ("experiment", x[:, 0], {"role": "uncertainty"}),
                     "b": ("experiment", x[:, 1], {"role": "uncertainty"}),
                     "outcome_y": (("experiment", "replication"),
                                   (x[:, 1] + 0.05 * g.standard_normal(120))[:, None])})
    s = feature_scores(ds, "y", n_boot=100, rng=1)
    fig, ax0 = plt.subplots(layout="constrained")
    ax = plot_feature_scores(s, ax=ax0)
    assert ax is ax0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "a"]  # largest first
    assert [p.get_width() for p in ax.patches] == pytest.approx(
        [float(s.sel(input="b")), float(s.sel(input="a"))])
    assert "y" in ax.get_title()
    # the interval is drawn from lower to upper as they are, also when it lies above the score
    shifted = s.assign_coords(lower=("input", s.values + 0.01), upper=("input", s.values + 0.2))
    _, ax2 = plt.subplots()
    plot_feature_scores(shifted, ax=ax2)
    (lines,) = [c for c in ax2.collections if c.get_label() == "bootstrap interval"]
    starts = sorted(float(seg[0][0]) for seg in lines.get_segments())
    assert starts == pytest.approx(sorted((s.values + 0.01).tolist()))
    fig.savefig(f"{tmp_path}/scores.png")
    plt.close("all")
    with pytest.raises(ValueError, match="feature_scores"):
        plot_feature_scores(s.drop_vars("null"))
    # a constant outcome gives NaN scores: drawn empty, without a warning
    nan = s.copy(data=np.full(2, np.nan)).assign_coords(
        lower=("input", [np.nan] * 2), upper=("input", [np.nan] * 2))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plot_feature_scores(nan).get_xlim() == (0.0, 0.05)
    plt.close("all")
