"""Outcomes of an experiment: class probabilities, outcome distributions and robustness.

Every function reads an experiment dataset (layout in ``docs/experiments.md``: dims
``experiment`` and ``replication``; inputs on ``experiment`` with ``attrs["role"]`` =
``uncertainty`` / ``lever``; ``scenario_id``, ``policy_id``; ``outcome_<name>``,
``outcome_class`` and ``status`` on ``(experiment, replication)``) and returns labelled
:mod:`xarray` data with the policies' lever values as coordinates. Runs whose ``status`` is not
``"ok"`` are left out and counted (``attrs["n_failed"]``).

- :func:`class_probabilities`: outcome-class probabilities with Wilson score intervals;
- :func:`event_probability`: the probability of an event (a condition on a numeric outcome,
  such as ``nuclear_use == 1``) with Wilson score intervals;
- :func:`outcome_distribution`: quantiles of an outcome with percentile-bootstrap intervals;
- :func:`regret`, :func:`satisficing`, :func:`percentile_performance`: how robust each policy
  is across the scenarios (minimax regret, domain criterion, a percentile of performance);
- :func:`plot_class_probabilities`: class shares by policy with their intervals.

This module may import numpy, scipy, pandas and xarray at module level; matplotlib (and the
palette of :mod:`scenarios.plot`) and :func:`scenarios.stats.wilson_interval` only inside
the functions that need them. It never imports Mesa or the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from scenarios.random import SeedLike

__all__ = [
    "class_probabilities",
    "event_probability",
    "outcome_distribution",
    "percentile_performance",
    "plot_class_probabilities",
    "regret",
    "satisficing",
]

#: Quantiles reported by default by :func:`outcome_distribution`.
DEFAULT_QUANTILES: Final[tuple[float, ...]] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Largest number of values one bootstrap chunk may hold (memory bound, not a result knob).
_BOOT_CHUNK: Final = 2_000_000

Direction = Literal["min", "max"]


# --- shared helpers (also used by scenarios.analysis.sensitivity) ---------------------------


def _ok_runs(ds: xr.Dataset) -> NDArray[np.bool_]:
    """Boolean ``(experiment, replication)`` mask of the successful runs."""
    _require_dims(ds)
    if "status" not in ds:
        return np.ones((ds.sizes["experiment"], ds.sizes["replication"]), dtype=bool)
    status = ds["status"].transpose("experiment", "replication").values.astype(str)
    return np.asarray(status == "ok")


def _require_dims(ds: xr.Dataset) -> None:
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"expected an xarray.Dataset, not {type(ds).__name__}")
    missing = [d for d in ("experiment", "replication") if d not in ds.dims]
    if missing:
        raise ValueError(f"the dataset has no {' or '.join(map(repr, missing))} dim; expected "
                         "the layout of run_experiment (docs/experiments.md)")


def _outcome_values(ds: xr.Dataset, outcome: str) -> NDArray[np.float64]:
    """The outcome ``outcome`` (with or without the ``outcome_`` prefix), ``(exp, rep)``."""
    _require_dims(ds)
    name = outcome if outcome.startswith("outcome_") else f"outcome_{outcome}"
    allowed = sorted(str(k)[len("outcome_"):] for k, v in ds.data_vars.items()
                     if str(k).startswith("outcome_") and v.dims == ("experiment", "replication")
                     and np.issubdtype(v.dtype, np.number) and str(k) != "outcome_code")
    if name not in ds or name[len("outcome_"):] not in allowed:
        raise ValueError(f"unknown outcome {outcome!r}; numeric outcomes in the dataset: "
                         f"{', '.join(allowed) or '(none)'}")
    return np.asarray(ds[name].transpose("experiment", "replication").values, dtype=np.float64)


def _ids(ds: xr.Dataset, name: str) -> NDArray[np.int64]:
    """``scenario_id`` or ``policy_id`` per experiment (one scenario / policy when absent)."""
    if name in ds:
        return np.asarray(ds[name].values, dtype=np.int64)
    if name == "scenario_id":
        return np.arange(ds.sizes["experiment"], dtype=np.int64)
    return np.zeros(ds.sizes["experiment"], dtype=np.int64)


def _inputs(ds: xr.Dataset, roles: Sequence[str]) -> list[str]:
    """Names of the variables on ``experiment`` alone whose ``role`` attr is in ``roles``."""
    return [str(k) for k, v in ds.data_vars.items()
            if v.dims == ("experiment",) and v.attrs.get("role") in roles]


def _group_coords(ds: xr.Dataset, key: str, role: str) -> dict[str, Any]:
    """Coordinates of each policy (``role="lever"``) or scenario (``"uncertainty"``).

    ``key`` is ``policy_id`` or ``scenario_id``; every input of that role becomes a coordinate
    on ``key`` (its value in the first experiment of the group), and policies get a
    ``policy_label`` such as ``"1 (us_offer=0.5)"``.
    """
    ids = _ids(ds, key)
    uniq, first = np.unique(ids, return_index=True)
    coords: dict[str, Any] = {key: uniq}
    names = _inputs(ds, (role,))
    for name in names:
        coords[name] = (key, ds[name].values[first])
    if role == "lever":
        labels = [f"{int(p)} ({', '.join(f'{n}={ds[n].values[i]}' for n in names)})" if names
                  else str(int(p)) for p, i in zip(uniq, first, strict=True)]
        coords["policy_label"] = (key, np.asarray(labels, dtype=str))
    return coords


def _rng(rng: SeedLike) -> np.random.Generator:
    """SPEC 7: a Generator from ``rng`` (0 is a seed like any other, None fresh entropy)."""
    if isinstance(rng, bool):
        raise TypeError("rng must be an int, a SeedSequence, a Generator or None, not a bool")
    return np.random.default_rng(rng)


def _check_direction(direction: str) -> None:
    if direction not in ("min", "max"):
        raise ValueError(f"direction must be 'min' (lower is better) or 'max' (higher is "
                         f"better), not {direction!r}")


def _check_by(by: str | None) -> None:
    if by not in ("policy", None):
        raise ValueError(f"by must be 'policy' or None (all runs together), not {by!r}")


def _classes(ds: xr.Dataset, observed: NDArray[np.str_]) -> list[str]:
    """Outcome classes in code order: ``outcome_code.attrs["outcome_classes"]`` when stored,
    then any other observed class (sorted); otherwise the observed classes, sorted."""
    stored = (str(ds["outcome_code"].attrs.get("outcome_classes", "")).split()
              if "outcome_code" in ds else [])
    extra = sorted(set(np.unique(observed).tolist()) - set(stored) - {""})
    return [*stored, *extra]


# --- class probabilities --------------------------------------------------------------------


def class_probabilities(
    ds: xr.Dataset, *, by: Literal["policy"] | None = "policy", over_time: bool = False,
    confidence: float = 0.95,
) -> xr.Dataset:
    r"""Outcome-class probabilities with Wilson score intervals, by policy or overall.

    The probability of class :math:`c` is :math:`\hat p = k / n`, with :math:`k` the
    successful runs of the group that ended in class :math:`c` and :math:`n` the successful
    runs of the group (all scenarios and replications). Its Wilson (1927) interval, with
    :math:`z = \Phi^{-1}((1 + \text{confidence}) / 2)`, is

    .. math:: \frac{\hat p + z^2/2n \pm z \sqrt{\hat p (1 - \hat p)/n + z^2/4n^2}}{1 + z^2/n},

    which stays inside [0, 1] and is informative when :math:`k = 0` or :math:`k = n`
    (computed by :func:`scenarios.stats.wilson_interval`). The classes are those of
    ``outcome_code.attrs["outcome_classes"]`` (so a class no run reached is reported with
    probability 0 and its interval), then any other observed class.

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset (``outcome_class``, ``status``, ``policy_id``, levers).
    by : {"policy", None}
        ``"policy"``: one row per ``policy_id``, with the lever values as coordinates;
        None: all runs together.
    over_time : bool
        Probabilities at each ``step``. The runner records the class only at the end of a
        run, so this needs an ``outcome_class`` variable with a ``step`` dim, and raises
        ValueError otherwise.
    confidence : float
        Coverage of the intervals, in (0, 1).

    Returns
    -------
    xarray.Dataset
        ``probability``, ``lower``, ``upper``, ``count`` on ([``policy_id``,]
        ``outcome_class``[, ``step``]); ``n`` (successful runs) on [``policy_id``]; attrs
        ``confidence``, ``n_failed``, ``method``.

    Raises
    ------
    ValueError
        For a bad ``by`` or ``confidence``, a dataset without ``outcome_class``, or
        ``over_time`` without a per-step class.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *Journal of the American Statistical Association*, 22(158), 209–212.
    https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> ds = xr.Dataset(
    ...     {"outcome_class": (("experiment", "replication"),
    ...                        [["a", "a"], ["a", "b"], ["b", "b"], ["a", "b"]]),
    ...      "status": (("experiment", "replication"), [["ok"] * 2] * 3 + [["ok", "failed"]]),
    ...      "policy_id": ("experiment", [0, 1, 0, 1]),
    ...      "offer": ("experiment", [0.0, 0.5, 0.0, 0.5], {"role": "lever"})})
    >>> p = class_probabilities(ds)
    >>> p["probability"].values.tolist(), p["n"].values.tolist(), p.attrs["n_failed"]
    ([[0.5, 0.5], [0.6666666666666666, 0.3333333333333333]], [4, 3], 1)
    >>> p["offer"].values.tolist()
    [0.0, 0.5]
    """
    from scenarios.stats import wilson_interval

    _check_by(by)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    _require_dims(ds)
    if "outcome_class" not in ds:
        raise ValueError("the dataset has no outcome_class variable")
    var = ds["outcome_class"]
    if over_time and "step" not in var.dims:
        raise ValueError(
            "over_time=True needs the outcome class at every step (an outcome_class variable "
            "with a step dim), but this dataset records it only at the end of each run")
    if not over_time and "step" in var.dims:
        var = var.isel(step=-1)
    var = var.transpose("experiment", "replication", ...)
    labels = var.values.astype(str)
    ok = _ok_runs(ds)
    classes = _classes(ds, labels[ok].ravel())
    # one-hot (experiment, replication[, step], class), failed runs zeroed
    onehot = (labels[..., None] == np.asarray(classes)).astype(np.int64)
    okx = ok.reshape(ok.shape + (1,) * (onehot.ndim - 2))
    onehot *= okx
    extra_dims = [str(d) for d in var.dims[2:]]
    groups = _ids(ds, "policy_id") if by == "policy" else np.zeros(ds.sizes["experiment"], int)
    uniq = np.unique(groups)
    count = np.stack([onehot[groups == g].sum(axis=(0, 1)) for g in uniq])
    n = np.array([int(ok[groups == g].sum()) for g in uniq])
    n_b = n.reshape(n.shape + (1,) * (count.ndim - 1))
    lower, upper = wilson_interval(count, n_b, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(n_b > 0, count / np.maximum(n_b, 1), np.nan)
    # The exact Wilson bounds are 0 at k = 0 and 1 at k = n; the closed form leaves round-off
    # (2.8e-17 for 0 of 10), so keep the estimate inside its interval.
    lower, upper = np.fmin(lower, prob), np.fmax(upper, prob)
    dims = ["policy_id", *extra_dims, "outcome_class"]
    coords: dict[str, Any] = {"outcome_class": classes}
    if by == "policy":
        coords.update(_group_coords(ds, "policy_id", "lever"))
    for d in extra_dims:
        if d in var.coords:
            coords[d] = var.coords[d].values
    out = xr.Dataset(
        {"probability": (dims, prob, {"description": "share of successful runs in the class"}),
         "lower": (dims, lower, {"description": f"Wilson {confidence:g} lower bound"}),
         "upper": (dims, upper, {"description": f"Wilson {confidence:g} upper bound"}),
         "count": (dims, count, {"description": "successful runs in the class"}),
         "n": (("policy_id",), n, {"description": "successful runs"})},
        coords=coords,
        attrs={"confidence": confidence, "n_failed": int((~ok).sum()),
               "method": "Wilson score interval (Wilson 1927)"})
    out = out.transpose("policy_id", "outcome_class", ...)
    return out if by == "policy" else out.isel(policy_id=0, drop=True)


def event_probability(
    ds: xr.Dataset, outcome: str, condition: Any = None, *,
    by: Literal["policy"] | None = "policy", confidence: float = 0.95,
) -> xr.Dataset:
    r"""Probability of an event, a condition on a numeric outcome, with Wilson intervals.

    The event holds in a run when ``condition(ds[outcome])`` is true (by default: the outcome
    is non-zero, which suits 0/1 outcomes such as ``nuclear_use``, ``war_widened`` or
    ``offer_accepted``). Its probability is :math:`\hat p = k / n` over the successful runs
    of each policy (or of all runs), with the Wilson (1927) score interval of
    :func:`class_probabilities`. A successful run whose outcome is NaN is left out and
    counted in ``attrs["n_missing"]``. It is the two-class case of
    :func:`class_probabilities` for outcomes that are not the outcome class.

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset.
    outcome : str
        A numeric outcome, with or without the ``outcome_`` prefix.
    condition : callable, optional
        Maps the outcome's DataArray on ``(experiment, replication)`` to booleans of the
        same shape; None: ``outcome != 0``.
    by : {"policy", None}
        Per ``policy_id`` (lever values and ``policy_label`` as coordinates) or all runs.
    confidence : float
        Coverage of the intervals, in (0, 1).

    Returns
    -------
    xarray.Dataset
        ``probability``, ``lower``, ``upper``, ``count`` and ``n`` on [``policy_id``];
        attrs ``outcome``, ``confidence``, ``n_failed``, ``n_missing``, ``method``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *Journal of the American Statistical Association*, 22(158), 209–212.
    https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> ds = xr.Dataset({"outcome_nuclear_use": (("experiment", "replication"),
    ...                                          [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]),
    ...                  "policy_id": ("experiment", [0, 1, 0])})
    >>> p = event_probability(ds, "nuclear_use")
    >>> p["count"].values.tolist(), p["n"].values.tolist()
    ([1, 0], [4, 2])
    >>> round(float(p["upper"].sel(policy_id=1)), 4)  # 0 of 2: the Wilson upper bound
    0.6576
    >>> float(event_probability(ds, "nuclear_use", lambda v: v < 1, by=None)["probability"])
    0.8333333333333334
    """
    from scenarios.stats import wilson_interval

    _check_by(by)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    y = _outcome_values(ds, outcome)
    name = outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome
    var = ds[f"outcome_{name}"].transpose("experiment", "replication")
    hit = (var != 0) if condition is None else condition(var)
    hit = np.asarray(getattr(hit, "values", hit), dtype=bool)
    if hit.shape != y.shape:
        raise ValueError(f"condition must return one boolean per run, shape {y.shape}, "
                         f"not {hit.shape}")
    ok = _ok_runs(ds)
    use = ok & np.isfinite(y)
    groups = _ids(ds, "policy_id") if by == "policy" else np.zeros(ds.sizes["experiment"], int)
    uniq = np.unique(groups)
    n = np.array([int(use[groups == g].sum()) for g in uniq])
    count = np.array([int((hit & use)[groups == g].sum()) for g in uniq])
    lower, upper = wilson_interval(count, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = np.where(n > 0, count / np.maximum(n, 1), np.nan)
    lower, upper = np.fmin(lower, prob), np.fmax(upper, prob)
    coords = _group_coords(ds, "policy_id", "lever") if by == "policy" else {"policy_id": uniq}
    dims = ("policy_id",)
    out = xr.Dataset(
        {"probability": (dims, prob, {"description": f"share of successful runs with the "
                                                     f"event on {name}"}),
         "lower": (dims, lower, {"description": f"Wilson {confidence:g} lower bound"}),
         "upper": (dims, upper, {"description": f"Wilson {confidence:g} upper bound"}),
         "count": (dims, count, {"description": "successful runs with the event"}),
         "n": (dims, n, {"description": "successful runs with a value"})},
        coords=coords,
        attrs={"outcome": name, "confidence": confidence, "n_failed": int((~ok).sum()),
               "n_missing": int((ok & ~np.isfinite(y)).sum()),
               "method": "Wilson score interval (Wilson 1927)"})
    return out if by == "policy" else out.isel(policy_id=0, drop=True)


# --- outcome distributions ------------------------------------------------------------------


def outcome_distribution(
    ds: xr.Dataset, outcome: str, *, by: Literal["policy"] | None = "policy",
    quantiles: Sequence[float] = DEFAULT_QUANTILES, n_boot: int = 1000,
    confidence: float = 0.95, rng: SeedLike = None,
) -> xr.Dataset:
    r"""Quantiles of an outcome across runs, with percentile-bootstrap confidence intervals.

    For each group (policy, or all runs) the quantile :math:`\hat q_\alpha` of the successful
    runs' values (linear interpolation, :func:`numpy.quantile`) is reported with the
    percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13): the runs are resampled
    with replacement ``n_boot`` times, and the interval is the
    :math:`(1 \mp \text{confidence})/2` quantiles of the ``n_boot`` replicate quantiles.
    Runs are the resampling unit (scenarios and replications alike).

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    by : {"policy", None}
        Per ``policy_id`` (lever values as coordinates) or all runs together.
    quantiles : sequence of float
        Probabilities in [0, 1].
    n_boot : int
        Bootstrap replicates (>= 1).
    confidence : float
        Coverage of the intervals, in (0, 1).
    rng : int, SeedSequence, Generator or None
        Seeds the bootstrap (SPEC 7); the same ``rng`` gives the same intervals.

    Returns
    -------
    xarray.Dataset
        ``value``, ``lower``, ``upper`` on ([``policy_id``,] ``quantile``); ``n`` (runs used)
        on [``policy_id``]; attrs ``outcome``, ``confidence``, ``n_boot``, ``n_failed``,
        ``n_missing`` (successful runs without a value), ``method``.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
    Hall/CRC. https://doi.org/10.1201/9780429246593

    Examples
    --------
    >>> ds = xr.Dataset({"outcome_x": (("experiment", "replication"),
    ...                                [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]])})
    >>> d = outcome_distribution(ds, "x", by=None, quantiles=[0.5], n_boot=200, rng=1)
    >>> float(d["value"].sel(quantile=0.5)), int(d["n"])
    (3.5, 8)
    >>> bool(d["lower"] <= d["value"]) and bool(d["value"] <= d["upper"])
    True
    """
    _check_by(by)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, not {n_boot!r}")
    q = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
    if q.ndim != 1 or q.size == 0 or not np.all((q >= 0) & (q <= 1)):
        raise ValueError(f"quantiles must be probabilities in [0, 1], not {quantiles!r}")
    y = _outcome_values(ds, outcome)
    ok = _ok_runs(ds)
    finite = np.isfinite(y)
    gen = _rng(rng)
    groups = _ids(ds, "policy_id") if by == "policy" else np.zeros(ds.sizes["experiment"], int)
    uniq = np.unique(groups)
    value = np.full((uniq.size, q.size), np.nan)
    lower, upper = value.copy(), value.copy()
    n = np.zeros(uniq.size, dtype=np.int64)
    alpha = (1 - confidence) / 2
    for gi, g in enumerate(uniq):
        sel = (groups == g)[:, None] & ok & finite
        vals = y[sel]
        n[gi] = vals.size
        if vals.size == 0:
            continue
        value[gi] = np.quantile(vals, q)
        reps = np.empty((n_boot, q.size))
        step = max(1, _BOOT_CHUNK // vals.size)
        for start in range(0, n_boot, step):
            stop = min(n_boot, start + step)
            idx = gen.integers(0, vals.size, size=(stop - start, vals.size))
            reps[start:stop] = np.quantile(vals[idx], q, axis=1).T
        lower[gi], upper[gi] = np.quantile(reps, [alpha, 1 - alpha], axis=0)
    coords: dict[str, Any] = {"quantile": q}
    if by == "policy":
        coords.update(_group_coords(ds, "policy_id", "lever"))
    dims = ("policy_id", "quantile")
    name = outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome
    out = xr.Dataset(
        {"value": (dims, value, {"description": f"quantile of {name} across runs"}),
         "lower": (dims, lower, {"description": f"bootstrap {confidence:g} lower bound"}),
         "upper": (dims, upper, {"description": f"bootstrap {confidence:g} upper bound"}),
         "n": (("policy_id",), n, {"description": "runs used"})},
        coords=coords,
        attrs={"outcome": name, "confidence": confidence, "n_boot": int(n_boot),
               "n_failed": int((~ok).sum()), "n_missing": int((ok & ~finite).sum()),
               "method": "percentile bootstrap over runs (Efron & Tibshirani 1993)"})
    return out if by == "policy" else out.isel(policy_id=0, drop=True)


# --- robustness across scenarios ------------------------------------------------------------


def _performance(ds: xr.Dataset, outcome: str) -> tuple[xr.DataArray, xr.DataArray, int]:
    """Mean of the outcome over each experiment's successful runs, as a (scenario_id,
    policy_id) table (NaN where a pair has no successful run), the run counts, and the
    number of failed runs."""
    y = _outcome_values(ds, outcome)
    ok = _ok_runs(ds)
    use = ok & np.isfinite(y)
    n = use.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.where(use, y, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)
    frame = pd.DataFrame({"scenario_id": _ids(ds, "scenario_id"),
                          "policy_id": _ids(ds, "policy_id"), "perf": mean, "n": n})
    if frame.duplicated(["scenario_id", "policy_id"]).any():
        raise ValueError("several experiments share a (scenario_id, policy_id) pair; "
                         "expected one experiment per scenario and policy")
    table = frame.set_index(["scenario_id", "policy_id"])
    coords = {**_group_coords(ds, "scenario_id", "uncertainty"),
              **_group_coords(ds, "policy_id", "lever")}
    perf = xr.DataArray.from_series(table["perf"]).reindex(
        scenario_id=coords["scenario_id"], policy_id=coords["policy_id"])
    runs = xr.DataArray.from_series(table["n"]).reindex(
        scenario_id=coords["scenario_id"], policy_id=coords["policy_id"]).fillna(0)
    perf = perf.assign_coords({k: v for k, v in coords.items()
                               if k not in ("scenario_id", "policy_id")})
    return perf, runs.astype(np.int64).assign_coords(perf.coords), int((~ok).sum())


def _outcome_name(outcome: str) -> str:
    return outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome


def regret(ds: xr.Dataset, outcome: str, *, direction: Direction = "min") -> xr.Dataset:
    r"""Regret of each policy in each scenario, and each policy's maximum regret.

    The performance :math:`f(s, p)` of policy :math:`p` in scenario :math:`s` is the mean of
    the outcome over the experiment's successful replications. Its regret (Savage 1951) is
    the shortfall from the best policy in that scenario,

    .. math:: R(s, p) = f(s, p) - \min_{p'} f(s, p') \quad \text{(direction "min")},\qquad
              R(s, p) = \max_{p'} f(s, p') - f(s, p) \quad \text{(direction "max")},

    and the minimax-regret policy minimises :math:`\max_s R(s, p)` (as in EMA Workbench and
    Lempert, Popper & Bankes 2003). A scenario in which some policy has no successful run
    has no regret (NaN) and is left out of ``max_regret``.

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset with ``scenario_id`` and ``policy_id``.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    direction : {"min", "max"}
        Whether lower (``"min"``) or higher (``"max"``) values are better.

    Returns
    -------
    xarray.Dataset
        ``performance`` and ``regret`` on (``scenario_id``, ``policy_id``), ``n_runs``
        (successful runs) on the same dims, ``max_regret`` on ``policy_id``; uncertainties as
        coordinates on ``scenario_id``, levers and ``policy_label`` on ``policy_id``; attrs
        ``outcome``, ``direction``, ``minimax_policy``, ``n_failed``,
        ``n_scenarios_excluded``.

    References
    ----------
    Savage, L. J. (1951). The theory of statistical decision. *Journal of the American
    Statistical Association*, 46(253), 55–67. https://doi.org/10.1080/01621459.1951.10500768

    Lempert, R. J., Popper, S. W., & Bankes, S. C. (2003). *Shaping the Next One Hundred
    Years: New Methods for Quantitative, Long-Term Policy Analysis* (MR-1626-RPC). RAND.
    https://doi.org/10.7249/MR1626

    Examples
    --------
    >>> ds = xr.Dataset({
    ...     "outcome_cost": (("experiment", "replication"), [[1.0], [3.0], [5.0], [2.0]]),
    ...     "scenario_id": ("experiment", [0, 0, 1, 1]),
    ...     "policy_id": ("experiment", [0, 1, 0, 1])})
    >>> r = regret(ds, "cost", direction="min")
    >>> r["regret"].values.tolist(), r["max_regret"].values.tolist(), r.attrs["minimax_policy"]
    ([[0.0, 2.0], [3.0, 0.0]], [3.0, 2.0], 1)
    """
    _check_direction(direction)
    perf, runs, n_failed = _performance(ds, outcome)
    complete = perf.notnull().all("policy_id")
    best = perf.min("policy_id") if direction == "min" else perf.max("policy_id")
    reg = (perf - best) if direction == "min" else (best - perf)
    reg = reg.where(complete)
    max_reg = reg.max("scenario_id", skipna=True) if bool(complete.any()) else (
        xr.full_like(reg.isel(scenario_id=0, drop=True), np.nan))
    minimax = (int(max_reg["policy_id"].values[int(np.nanargmin(max_reg.values))])
               if bool(complete.any()) else -1)
    name = _outcome_name(outcome)
    return xr.Dataset(
        {"performance": perf.assign_attrs(description=f"mean {name} over successful runs"),
         "regret": reg.assign_attrs(description=f"shortfall from the best policy ({direction})"),
         "max_regret": max_reg.assign_attrs(description="largest regret over scenarios"),
         "n_runs": runs.assign_attrs(description="successful runs")},
        attrs={"outcome": name, "direction": direction, "minimax_policy": minimax,
               "n_failed": n_failed, "n_scenarios_excluded": int((~complete).sum()),
               "method": "regret (Savage 1951), per scenario over replication means"})


def satisficing(
    ds: xr.Dataset, outcome: str, threshold: float, *, direction: Direction = "min"
) -> xr.Dataset:
    r"""Share of scenarios in which each policy meets a threshold (the domain criterion).

    A policy satisfices in scenario :math:`s` when its performance :math:`f(s, p)` (mean over
    successful replications) meets the threshold :math:`t`: :math:`f \le t` for
    ``direction="min"``, :math:`f \ge t` for ``"max"``. The score is the share of the
    policy's scenarios (those with at least one successful run) in which it satisfices
    (Starr 1963; McPhail et al. 2018 call it a satisficing robustness metric).

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset with ``scenario_id`` and ``policy_id``.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    threshold : float
        The acceptable value.
    direction : {"min", "max"}
        Whether lower or higher values are better.

    Returns
    -------
    xarray.Dataset
        ``share``, ``n_satisficing`` and ``n_scenarios`` on ``policy_id`` (levers as
        coordinates); attrs ``outcome``, ``threshold``, ``direction``, ``n_failed``.

    References
    ----------
    Starr, M. K. (1963). *Product Design and Decision Theory*. Prentice-Hall.

    McPhail, C., Maier, H. R., Kwakkel, J. H., Giuliani, M., Castelletti, A., & Westra, S.
    (2018). Robustness metrics: how are they calculated, when should they be used and why do
    they give different results? *Earth's Future*, 6(2), 169–191.
    https://doi.org/10.1002/2017EF000649

    Examples
    --------
    >>> ds = xr.Dataset({
    ...     "outcome_cost": (("experiment", "replication"), [[1.0], [3.0], [5.0], [2.0]]),
    ...     "scenario_id": ("experiment", [0, 0, 1, 1]),
    ...     "policy_id": ("experiment", [0, 1, 0, 1])})
    >>> satisficing(ds, "cost", 2.5, direction="min")["share"].values.tolist()
    [0.5, 0.5]
    """
    _check_direction(direction)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, not {threshold!r}")
    perf, _, n_failed = _performance(ds, outcome)
    meets = (perf <= threshold) if direction == "min" else (perf >= threshold)
    avail = perf.notnull()
    n_sat = (meets & avail).sum("scenario_id")
    n_scen = avail.sum("scenario_id")
    share = (n_sat / n_scen.where(n_scen > 0)).drop_vars(
        [c for c in perf.coords if "scenario_id" in perf[c].dims], errors="ignore")
    return xr.Dataset(
        {"share": share.assign_attrs(description="share of scenarios meeting the threshold"),
         "n_satisficing": n_sat.assign_attrs(description="scenarios meeting the threshold"),
         "n_scenarios": n_scen.assign_attrs(description="scenarios with a successful run")},
        attrs={"outcome": _outcome_name(outcome), "threshold": float(threshold),
               "direction": direction, "n_failed": n_failed,
               "method": "domain criterion (Starr 1963) over replication means"})


def percentile_performance(ds: xr.Dataset, outcome: str, q: float) -> xr.DataArray:
    r"""The ``q`` quantile, across scenarios, of each policy's performance.

    With :math:`f(s, p)` the mean of the outcome over the successful replications of policy
    :math:`p` in scenario :math:`s`, the result is :math:`Q_q\{f(s, p)\}_s` (linear
    interpolation, :func:`numpy.nanquantile`): e.g. ``q=0.9`` of a cost is the cost that the
    policy stays below in 90 % of the scenarios (a percentile-based robustness metric,
    McPhail et al. 2018). Scenarios without a successful run of the policy are left out.

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset with ``scenario_id`` and ``policy_id``.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    q : float
        A probability in [0, 1] (0.9 for the 90th percentile).

    Returns
    -------
    xarray.DataArray
        On ``policy_id`` with the levers and ``policy_label`` as coordinates; attrs
        ``outcome``, ``q``, ``n_failed``.

    References
    ----------
    McPhail, C., Maier, H. R., Kwakkel, J. H., Giuliani, M., Castelletti, A., & Westra, S.
    (2018). Robustness metrics. *Earth's Future*, 6(2), 169–191.
    https://doi.org/10.1002/2017EF000649

    Examples
    --------
    >>> ds = xr.Dataset({
    ...     "outcome_cost": (("experiment", "replication"), [[1.0], [3.0], [5.0], [2.0]]),
    ...     "scenario_id": ("experiment", [0, 0, 1, 1]),
    ...     "policy_id": ("experiment", [0, 1, 0, 1])})
    >>> percentile_performance(ds, "cost", 0.5).values.tolist()
    [3.0, 2.5]
    """
    if isinstance(q, bool) or not np.isscalar(q) or not 0 <= float(q) <= 1:
        raise ValueError(f"q must be a probability in [0, 1] (0.9 for the 90th percentile), "
                         f"not {q!r}")
    perf, _, n_failed = _performance(ds, outcome)
    name = _outcome_name(outcome)
    scen_coords = [c for c in perf.coords if "scenario_id" in perf[c].dims]
    values = perf.transpose("policy_id", "scenario_id").values
    all_nan = np.isnan(values).all(axis=1)
    res = np.full(values.shape[0], np.nan)
    if (~all_nan).any():
        res[~all_nan] = np.nanquantile(values[~all_nan], float(q), axis=1)
    out = xr.DataArray(res, dims=("policy_id",),
                       coords=perf.drop_vars(scen_coords).isel(scenario_id=0, drop=True).coords,
                       name=f"{name}_q{float(q):g}")
    return out.assign_attrs(outcome=name, q=float(q), n_failed=n_failed,
                            description=f"{float(q):g} quantile across scenarios of the mean "
                                        f"{name} over successful runs")


# --- plot -------------------------------------------------------------------------------------


def plot_class_probabilities(probs: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Bar chart of outcome-class probabilities by policy, with their (Wilson) intervals.

    Parameters
    ----------
    probs : xarray.Dataset
        The result of :func:`class_probabilities` (by policy or overall, not over time).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ds = xr.Dataset({"outcome_class": (("experiment", "replication"), [["a", "b"]] * 2),
    ...                  "policy_id": ("experiment", [0, 1])})
    >>> ax = plot_class_probabilities(class_probabilities(ds))
    >>> ax.get_ylabel()
    'probability'
    """
    from scenarios.plot import OKABE_ITO

    for v in ("probability", "lower", "upper"):
        if v not in probs:
            raise ValueError(f"expected the result of class_probabilities (no {v!r} variable)")
    if "step" in probs.dims:
        raise ValueError("plot_class_probabilities draws one time point: select a step first")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    p = probs if "policy_id" in probs.dims else probs.expand_dims(policy_id=[0])
    p = p.transpose("policy_id", "outcome_class")
    classes = [str(c) for c in p["outcome_class"].values]
    labels = ([str(x) for x in p["policy_label"].values] if "policy_label" in p.coords
              else ["all runs" if "policy_id" not in probs.dims else str(int(x))
                    for x in p["policy_id"].values])
    palette = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion",
                                      "reddish_purple", "sky_blue", "yellow", "black")]
    hatches = ["", "//", "..", "xx", "\\\\", "oo", "--", "++"]
    n_pol, n_cls = len(labels), len(classes)
    width = 0.8 / n_cls
    x = np.arange(n_pol)
    prob = p["probability"].values
    err = np.stack([prob - p["lower"].values, p["upper"].values - prob])
    for j, cls in enumerate(classes):
        ax.bar(x + (j - (n_cls - 1) / 2) * width, prob[:, j], width,
               yerr=err[:, :, j], capsize=2, color=palette[j % len(palette)],
               hatch=hatches[j % len(hatches)], edgecolor="white", linewidth=0.5,
               error_kw={"elinewidth": 0.8, "ecolor": "black"}, label=cls.replace("_", " "))
    ax.set_xticks(x, labels)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability")
    ax.set_xlabel("policy" if "policy_id" in probs.dims else "")
    conf = probs.attrs.get("confidence")
    ax.set_title("Outcome-class probabilities" + (f" (Wilson {conf:.0%} intervals)"
                                                  if conf is not None else ""))
    ax.legend(title="outcome class", fontsize="small", frameon=False,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return ax
