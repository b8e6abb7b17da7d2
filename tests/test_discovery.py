"""Tests of scenario discovery (scenarios.analysis.discovery): PRIM, CART, discover, plots.

The regression tests use a known rectangle in the unit cube, for which coverage and density are
known analytically; one peeling step is checked against a computation by hand; the properties
of the peeling trajectory are checked with hypothesis. No test runs the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.analysis.discovery import CART, PRIM, discover, plot_box, plot_tradeoff

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.axes import Axes

#: The known rectangle: x0 > 0.6 and x1 < 0.3 in [0, 1]^5, labels flipped with probability 5 %.
LO0, HI1, NOISE, N = 0.6, 0.3, 0.05, 2000


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def rectangle(noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(N, 5))
    truth = (X[:, 0] > LO0) & (X[:, 1] < HI1)
    return X, truth ^ (rng.uniform(size=N) < noise)


def analytic(noise: float) -> tuple[float, float]:
    """Coverage and density of the true rectangle under label noise."""
    mass = (1 - LO0) * HI1
    inside = mass * (1 - noise)  # P(in box and of interest)
    total = inside + (1 - mass) * noise  # P(of interest)
    return inside / total, 1 - noise


def lim(frame: pd.DataFrame, row: Any, col: str) -> Any:
    """One cell of a DataFrame (typed Any for mypy)."""
    return frame.to_dict("index")[row][col]


def densest_wide_box(prim: PRIM, min_density: float) -> int:
    """The step of the box with the highest coverage among those at least this dense."""
    t = prim.trajectory_
    wide: Any = t.loc[t["density"] >= min_density, "coverage"].idxmax()
    return int(wide)


# ---------------------------------------------------------------------- the rectangle


@pytest.fixture(scope="module")
def noisy() -> tuple[np.ndarray, np.ndarray]:
    return rectangle(NOISE)


def test_prim_recovers_the_rectangle_without_noise() -> None:
    X, y = rectangle(0.0)
    prim = PRIM().fit(X, y)
    box = prim.box_
    # the last box is pure and inside the rectangle; its last peel may overshoot by a slab
    assert box.index[box.restricted].tolist() == ["x0", "x1"]
    assert LO0 <= lim(box, "x0", "lower") <= LO0 + 0.03
    assert HI1 - 0.03 <= lim(box, "x1", "upper") <= HI1
    assert prim.stats_["density"] == 1.0
    assert prim.stats_["res_dim"] == 2
    # the widest nearly pure box is the rectangle
    prim.select(densest_wide_box(prim, 0.98))
    assert lim(prim.box_, "x0", "lower") == pytest.approx(LO0, abs=0.01)
    assert lim(prim.box_, "x1", "upper") == pytest.approx(HI1, abs=0.01)
    assert prim.stats_["coverage"] == 1.0
    assert prim.stats_["density"] >= 0.98


def test_prim_recovers_the_rectangle_with_noise(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = noisy
    prim = PRIM().fit(X, y)
    prim.select(densest_wide_box(prim, 0.9))
    box = prim.box_
    assert box.index[box.restricted].tolist() == ["x0", "x1"]
    assert lim(box, "x0", "lower") == pytest.approx(LO0, abs=0.025)
    assert lim(box, "x1", "upper") == pytest.approx(HI1, abs=0.025)
    assert lim(box, "x1", "lower") == pytest.approx(0.0, abs=0.005)  # the data minimum
    coverage, density = analytic(NOISE)  # 0.7215, 0.95
    assert prim.stats_["coverage"] == pytest.approx(coverage, abs=0.04)
    assert prim.stats_["density"] == pytest.approx(density, abs=0.05)
    assert prim.qp_.index.tolist() == ["x0", "x1"]
    assert (prim.qp_ < 1e-20).all()


def test_quasi_p_value_is_the_binomial_tail(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    from scipy.stats import binom

    X, y = noisy
    prim = PRIM().fit(X, y).select(densest_wide_box(PRIM().fit(X, y), 0.9))
    box = prim.box_
    lo0, hi1 = lim(box, "x0", "lower"), lim(box, "x1", "upper")
    lo1, hi0 = lim(box, "x1", "lower"), lim(box, "x0", "upper")
    in0 = (X[:, 0] >= lo0) & (X[:, 0] <= hi0)
    in1 = (X[:, 1] >= lo1) & (X[:, 1] <= hi1)
    t, h = int((in0 & in1).sum()), int(y[in0 & in1].sum())
    for name, without in (("x0", in1), ("x1", in0)):
        p = y[without].mean()
        assert prim.qp_[name] == pytest.approx(binom.sf(h - 1, t, p), rel=1e-9)
        assert prim.qp_[name] == pytest.approx(
            sum(binom.pmf(k, t, p) for k in range(h, t + 1)), rel=1e-6)


def test_cart_recovers_the_rectangle(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = noisy
    tree = CART(max_depth=2, min_samples_leaf=20).fit(X, y)
    leaves = tree.leaves_
    assert leaves["n"].sum() == N
    assert leaves["coverage"].sum() == pytest.approx(1.0)
    (leaf,) = leaves.index[leaves["predicted"]]
    box = tree.leaf_boxes_[leaf]
    assert box.index[box.restricted].tolist() == ["x0", "x1"]
    assert lim(box, "x0", "lower") == pytest.approx(LO0, abs=0.02)
    assert lim(box, "x1", "upper") == pytest.approx(HI1, abs=0.02)
    coverage, density = analytic(NOISE)
    assert leaves.loc[leaf, "coverage"] == pytest.approx(coverage, abs=0.04)
    assert leaves.loc[leaf, "density"] == pytest.approx(density, abs=0.04)
    # predict and apply agree with the leaves
    assert tree.predict(X).sum() == leaves.loc[leaf, "n"]
    assert np.array_equal(np.bincount(tree.apply(X))[leaves.index], leaves["n"])


def test_cart_split_is_the_gini_optimum() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([0, 0, 1, 0, 1, 1])
    tree = CART(max_depth=1, min_samples_leaf=1).fit(x[:, None], y)
    # cut after 1.0: 2*(0 + 4*1/4*3/4) = 1.5; after 3.0: 2*(4*1/4*3/4 + 0) = 1.5; after 2.0:
    # 2*(3*1/3*2/3 + 3*1/3*2/3) = 2.67 -> the first of the best cuts, midpoint 1.5
    assert tree.leaves_["rule"].tolist() == ["x0 <= 1.5", "x0 > 1.5"]


# ---------------------------------------------------------------------- peeling by hand


def test_peeling_steps_by_hand() -> None:
    # 20 points: x0 = 0..19 and x1 = 7 x0 mod 20 (a permutation); alpha 0.1 peels
    # k = floor(0.1 * 20) = 2 points at a time, then floor(0.1 * 18) = 1.
    x0 = np.arange(20.0)
    x1 = (7 * np.arange(20.0)) % 20
    y = np.isin(x0, [0, 1, 2, 3, 4, 5, 6, 18, 19])  # 9 cases of interest
    # step 1 candidates (mean of the remaining 18):
    #   x0 < 2 removes x0 {0, 1} (both of interest)       -> 7/18
    #   x0 > 17 removes x0 {18, 19} (both of interest)    -> 7/18
    #   x1 < 2 removes x0 {0, 3} (x1 = 0, 1; both)        -> 7/18
    #   x1 > 17 removes x0 {14, 17} (x1 = 18, 19; none)   -> 9/18  <- best, x1 <= 17
    # step 2 (k = 1): x1 > 16 removes x0 = 11 (x1 = 17, not of interest) -> 9/17; each other
    #   peel removes one case of interest -> 8/17.
    prim = PRIM(peel_alpha=0.1, mass_min=0.0, paste=False).fit(
        pd.DataFrame({"x0": x0, "x1": x1}), y)
    t = prim.trajectory_
    assert t["n"].tolist()[:3] == [20, 18, 17]
    assert t["density"].tolist()[:3] == pytest.approx([9 / 20, 9 / 18, 9 / 17])
    assert t["phase"].tolist()[:3] == ["start", "peel", "peel"]
    assert lim(prim.boxes_[1], "x1", "upper") == 17.0
    assert lim(prim.boxes_[2], "x1", "upper") == 16.0
    assert [lim(prim.boxes_[2], "x0", c) for c in ("lower", "upper")] == [0.0, 19.0]
    assert prim.boxes_[2]["restricted"].tolist() == [False, True]


def test_ties_peel_at_least_one_distinct_value() -> None:
    # an integer input with many ties at its minimum: the slab is the whole minimum value
    x = np.array([0] * 8 + [1, 2, 3, 4] * 3, dtype=float)
    y = x >= 3
    prim = PRIM(peel_alpha=0.05, mass_min=0.0, paste=False).fit(x[:, None], y)
    assert lim(prim.boxes_[1], "x0", "lower") == 1.0
    assert lim(prim.box_, "x0", "lower") == 3.0
    assert prim.stats_["density"] == 1.0


def test_pasting_grows_the_box_back() -> None:
    # peeling with a coarse alpha overshoots; pasting restores cases of interest
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(400, 2))
    y = X[:, 0] > 0.5
    peeled = PRIM(peel_alpha=0.3, paste=False).fit(X, y)
    pasted = PRIM(peel_alpha=0.3, paste_alpha=0.01).fit(X, y)
    assert pasted.trajectory_["phase"].iloc[-1] == "paste"
    assert pasted.stats_["coverage"] >= peeled.stats_["coverage"]
    assert pasted.stats_["density"] >= peeled.stats_["density"]


def test_categorical_peeling() -> None:
    rng = np.random.default_rng(5)
    n = 600
    X = pd.DataFrame({
        "bloc": rng.choice(["east", "west", "south", "north"], n),
        "treaty": rng.uniform(size=n) < 0.5,
        "rate": rng.uniform(size=n),
    })
    y = X["bloc"].isin(["east", "south"]).to_numpy() & ~X["treaty"].to_numpy()
    prim = PRIM().fit(X, y)
    box = prim.box_
    assert box.index.tolist() == ["bloc", "treaty", "rate"]
    assert set(lim(box, "bloc", "categories")) == {"east", "south"}
    assert lim(box, "treaty", "categories") == (False,)
    assert not lim(box, "rate", "restricted")
    assert np.isnan(lim(box, "bloc", "lower"))
    assert list(prim.stats_[["coverage", "density"]]) == [1.0, 1.0]
    # one category per peeling step
    steps = prim.trajectory_["n"].diff().dropna()
    assert len(steps) == 3
    tree = CART(max_depth=2).fit(X, y)
    (leaf,) = tree.leaves_.index[tree.leaves_["predicted"]]
    assert tree.leaves_.loc[leaf, "density"] == 1.0
    assert set(lim(tree.leaf_boxes_[leaf], "bloc", "categories")) == {"east", "south"}
    new = pd.DataFrame({"bloc": ["east", "west"], "treaty": [False, False], "rate": [0.1, 0.2]})
    assert tree.predict(new).tolist() == [True, False]


def test_threshold_on_a_numeric_outcome() -> None:
    X, y = rectangle(0.0, seed=2)
    score = np.where(y, 7.0, 2.0)
    a = PRIM(threshold=6).fit(X, score)
    b = PRIM().fit(X, y)
    pd.testing.assert_frame_equal(a.trajectory_, b.trajectory_)
    c = PRIM(threshold=6, threshold_type="<").fit(X, score)
    assert c.trajectory_.loc[0, "n_interest"] == (~y).sum()


def test_find_boxes_covers_two_rectangles() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(1500, 3))
    y = ((X[:, 0] > 0.6) & (X[:, 1] > 0.6)) | ((X[:, 0] < 0.3) & (X[:, 2] < 0.3))
    prim = PRIM().fit(X, y).find_boxes(3)
    cov = prim.covering_
    # the third run only finds a thin box of leftovers (density 0.03 < density_min)
    assert len(cov) == 2
    assert cov["coverage"].sum() > 0.95
    assert (cov["density"] == 1.0).all()
    dims = {tuple(b.index[b.restricted]) for b in prim.covering_boxes_}
    assert dims == {("x0", "x1"), ("x0", "x2")}


def test_select_and_repr() -> None:
    X, y = rectangle(0.0, seed=1)
    prim = PRIM().fit(X, y)
    last = prim.selected_
    assert last == len(prim.trajectory_) - 1
    prim.select(0)
    assert prim.stats_["mass"] == 1.0 and prim.qp_.empty
    assert not prim.box_["restricted"].any()
    with pytest.raises(IndexError, match="not on the trajectory"):
        prim.select(last + 1)
    assert "peel_alpha=0.05" in repr(prim) and "max_depth=4" in repr(CART())


# -------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(20, 150),
    k=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    alpha=st.floats(0.02, 0.3),
    mass_min=st.floats(0.0, 0.3),
    share=st.floats(0.05, 0.95),
)
def test_trajectory_properties(
    n: int, k: int, seed: int, alpha: float, mass_min: float, share: float
) -> None:
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(size=(n, k)), 1)  # ties on purpose
    y = rng.uniform(size=n) < share
    y[0] = True
    prim = PRIM(peel_alpha=alpha, mass_min=mass_min).fit(X, y)
    t = prim.trajectory_
    peel = t[t["phase"] != "paste"]
    assert (np.diff(peel["mass"]) < 0).all()  # each peel removes cases
    assert (np.diff(peel["density"]) > -1e-12).all()  # and never lowers the density
    assert (np.diff(peel["coverage"]) <= 1e-12).all()
    assert (peel["mass"].iloc[1:] >= mass_min - 1e-12).all()
    assert t["n_interest"].iloc[0] == y.sum()
    for a, b in zip(prim.boxes_[: len(peel) - 1], prim.boxes_[1: len(peel)], strict=True):
        assert (b["lower"] >= a["lower"]).all() and (b["upper"] <= a["upper"]).all()
    if t["phase"].iloc[-1] == "paste":
        assert t["mass"].iloc[-1] > peel["mass"].iloc[-1]
        assert t["density"].iloc[-1] >= peel["density"].iloc[-1] - 1e-12
    # the box statistics are what the limits say
    box = prim.box_
    inside = ((box["lower"].to_numpy() <= X) & (box["upper"].to_numpy() >= X)).all(axis=1)
    assert prim.stats_["n"] == inside.sum()
    assert prim.stats_["n_interest"] == y[inside].sum()


# ----------------------------------------------------------------------------- discover


def results(n_exp: int = 80, n_rep: int = 3, seed: int = 11) -> xr.Dataset:
    """A results Dataset in the layout of docs/experiments.md, built directly."""
    rng = np.random.default_rng(seed)
    rate = rng.uniform(0.02, 0.1, n_exp)
    treaty = rng.uniform(size=n_exp) < 0.5
    offer = np.tile([0.0, 0.5], n_exp // 2)
    escalate = (rate > 0.07) & ~treaty
    rung = np.where(escalate[:, None], 6.0, 3.0) + rng.integers(0, 2, (n_exp, n_rep))
    cls = np.where(rung >= 6, "nuclear_use", "containment").astype("<U21")
    status = np.full((n_exp, n_rep), "ok", dtype="<U6")
    status[0, 0], rung[0, 0], cls[0, 0] = "failed", np.nan, ""
    er = ("experiment", "replication")
    return xr.Dataset(
        {
            "scenario_id": ("experiment", np.arange(n_exp) // 2),
            "policy_id": ("experiment", np.arange(n_exp) % 2),
            "threat_rate": ("experiment", rate, {"role": "uncertainty"}),
            "treaty": ("experiment", treaty, {"role": "uncertainty"}),
            "us_offer": ("experiment", offer, {"role": "lever"}),
            "outcome_max_rung": (er, rung),
            "outcome_class": (er, cls),
            "status": (er, status),
        },
        coords={"experiment": np.arange(n_exp), "replication": np.arange(n_rep)},
    )


def test_discover_with_a_condition_and_a_class() -> None:
    ds = results()
    prim = discover(ds, "outcome_max_rung", condition=lambda v: v >= 6)
    assert isinstance(prim, PRIM)
    assert prim.box_.index.tolist() == ["threat_rate", "treaty", "us_offer"]
    assert prim.trajectory_.loc[0, "n"] == 80 * 3 - 1  # the failed run is left out
    box = prim.box_
    assert box.index[box.restricted].tolist() == ["threat_rate", "treaty"]
    assert lim(box, "treaty", "categories") == (False,)
    assert lim(box, "threat_rate", "lower") == pytest.approx(0.07, abs=0.005)
    by_class = discover(ds, "outcome_class", condition="nuclear_use")
    pd.testing.assert_frame_equal(by_class.trajectory_, prim.trajectory_)
    tree = discover(ds, "outcome_class", condition="nuclear_use", method="cart",
                    inputs=["threat_rate", "treaty"], max_depth=2)
    assert isinstance(tree, CART)
    assert tree.leaves_.loc[tree.leaves_["predicted"], "density"].tolist() == [1.0]


def test_discover_broadcasts_inputs_over_replications() -> None:
    ds = results(n_exp=4, n_rep=2)
    ds["status"][:] = "ok"
    ds["outcome_max_rung"][:] = [[6, 3], [3, 3], [6, 6], [3, 6]]
    prim = discover(ds, "outcome_max_rung", condition=lambda v: v >= 6,
                    inputs=["threat_rate"], mass_min=0.0)
    assert [lim(prim.trajectory_, 0, c) for c in ("n", "n_interest")] == [8, 4]
    assert lim(prim.box_init_, "threat_rate", "lower") == ds["threat_rate"].min()


def test_discover_default_inputs_without_roles() -> None:
    ds = results()
    for v in ("threat_rate", "treaty", "us_offer"):
        ds[v].attrs = {}
    prim = discover(ds, "outcome_max_rung", condition=lambda v: v >= 6)
    assert prim.box_.index.tolist() == ["threat_rate", "treaty", "us_offer"]


# ------------------------------------------------------------------------------ errors


def test_bad_inputs_give_clear_errors() -> None:
    X = np.random.default_rng(0).uniform(size=(10, 2))
    with pytest.raises(ValueError, match="no rows"):
        PRIM().fit(np.empty((0, 2)), np.array([], dtype=bool))
    with pytest.raises(ValueError, match="y is empty"):
        PRIM().fit(X, np.array([], dtype=bool))
    with pytest.raises(ValueError, match="no cases of interest"):
        PRIM().fit(X, np.zeros(10, dtype=bool))
    with pytest.raises(ValueError, match="no cases of interest"):
        CART().fit(X, np.zeros(10))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*\['b'\]"):
        PRIM().fit(bad, np.ones(10), names=["a", "b"])
    with pytest.raises(ValueError, match="other than 0 and 1"):
        PRIM().fit(X, np.arange(10.0))
    with pytest.raises(ValueError, match="y has 9 values for 10 rows"):
        PRIM().fit(X, np.ones(9))
    with pytest.raises(ValueError, match="y contains NaN"):
        PRIM(threshold=0.5).fit(X, np.r_[np.ones(9), np.nan])
    with pytest.raises(ValueError, match="peel_alpha"):
        PRIM(peel_alpha=0.7).fit(X, np.ones(10))
    with pytest.raises(ValueError, match="names has 3"):
        PRIM().fit(X, np.ones(10), names=["a", "b", "c"])
    with pytest.raises(RuntimeError, match="not fitted"):
        PRIM().select(0)
    ds = results()
    with pytest.raises(KeyError, match=r"unknown inputs \['no_such'\]"):
        discover(ds, "outcome_max_rung", condition=lambda v: v >= 6, inputs=["no_such"])
    with pytest.raises(KeyError, match=r"unknown outcome 'outcome_nope'.*outcome_max_rung"):
        discover(ds, "outcome_nope", condition="x")
    with pytest.raises(ValueError, match="method must be"):
        discover(ds, "outcome_max_rung", condition=lambda v: v >= 6,  # type: ignore[call-overload]
                 method="forest")
    with pytest.raises(ValueError, match="no cases of interest"):
        discover(ds, "outcome_class", condition="multipolar_settlement")


# ------------------------------------------------------------------------------- plots


def test_plots_return_labelled_axes(noisy: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = noisy
    prim = PRIM().fit(X, y)
    prim.select(densest_wide_box(prim, 0.9))
    ax = plot_tradeoff(prim)
    assert isinstance(ax, Axes)
    assert "coverage" in ax.get_xlabel() and "density" in ax.get_ylabel()
    bars = [a for a in ax.figure.axes if a is not ax]  # the colour bar of restricted inputs
    assert len(bars) == 1 and bars[0].get_ylabel() == "restricted inputs"
    ax2 = plot_box(prim)
    assert [t.get_text().split("\n")[0] for t in ax2.get_yticklabels()] == ["x0", "x1"]
    assert "qp =" in ax2.get_yticklabels()[0].get_text()
    _, given_ax = plt.subplots()
    assert plot_box(prim, i=3, ax=given_ax) is given_ax
    cat = discover(results(), "outcome_max_rung", condition=lambda v: v >= 6)
    assert isinstance(plot_box(cat), Axes)
    with pytest.raises(TypeError, match="fitted PRIM"):
        plot_tradeoff(PRIM())
