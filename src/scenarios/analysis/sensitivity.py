"""Global sensitivity analysis of an experiment's outcomes: Sobol', Morris, given-data scores.

- :func:`saltelli_design` builds the Saltelli cross-design (blocks ``A, AB_1..AB_D,
  [BA_1..BA_D,] B`` per base sample, :func:`SALib.sample.sobol.sample`) as an experiment
  dataset of inputs, and :func:`sobol_indices` estimates first-order, total and second-order
  Sobol' indices on such a design with :func:`SALib.analyze.sobol.analyze` (Saltelli et al.
  2010 estimators). The ``sobol`` sampler of :func:`scenarios.experiment.run_experiment` draws
  a plain scrambled Sobol' *sequence*, not this cross-design, so its results cannot be
  analysed here: :func:`sobol_indices` checks the design and says so.
- :func:`morris_indices`: elementary effects (``mu``, ``mu_star``, ``sigma``) of the Morris
  design of the ``morris`` sampler, by :func:`SALib.analyze.morris.analyze`.
- :func:`feature_scores`: a model-free first-order measure on *any* design (lhs, sobol,
  monte carlo, ...): the correlation ratio (binned first-order index), with bootstrap
  intervals and a permutation null.
- :func:`plot_sobol`: bar chart of ``S1`` and ``ST`` with their confidence intervals.

Each returns labelled :mod:`xarray` data on an ``input`` dim. Runs whose ``status`` is not
``"ok"`` are left out and counted. SALib is an optional dependency (``pip install
'ir-scenarios[salib]'``), imported inside the functions that use it, as is matplotlib.

This module may import numpy, scipy, pandas and xarray at module level, and
:mod:`scenarios.analysis.outcomes`; never Mesa or the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from scenarios.analysis.outcomes import (
    _ids,
    _inputs,
    _ok_runs,
    _outcome_values,
    _require_dims,
    _rng,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from scenarios.random import SeedLike

__all__ = [
    "feature_scores",
    "morris_indices",
    "plot_feature_scores",
    "plot_sobol",
    "saltelli_design",
    "sobol_indices",
]

_SALIB_HINT: Final = "pip install 'ir-scenarios[salib]'"
#: Largest number of values one resampling chunk may hold (memory bound, not a result knob).
_BOOT_CHUNK: Final = 2_000_000


def _salib(what: str) -> Any:
    """Import a SALib submodule (``"sample.sobol"``, ``"analyze.morris"``, ...) or explain."""
    import importlib

    try:
        return importlib.import_module(f"SALib.{what}")
    except ImportError:
        raise ImportError(f"{what.split('.')[-1]} sensitivity analysis needs SALib, an optional "
                          f"dependency: {_SALIB_HINT}") from None


# --- design and data ------------------------------------------------------------------------


def saltelli_design(
    problem: dict[str, Any], n: int, *, calc_second_order: bool = True, rng: SeedLike = None
) -> xr.Dataset:
    """The Saltelli cross-design of ``n`` base samples, as an experiment dataset of inputs.

    Rows come in blocks of ``2D + 2`` (``D + 2`` without second order): ``A``, ``AB_1`` ..
    ``AB_D`` (``A`` with column ``j`` taken from ``B``), [``BA_1`` .. ``BA_D``,] ``B``, where
    ``A`` and ``B`` are the two halves of one point of a scrambled Sobol' sequence in ``2D``
    dimensions (:func:`SALib.sample.sobol.sample`). Evaluate the model on every experiment,
    add ``outcome_<name>`` on ``(experiment, replication)``, and pass the dataset to
    :func:`sobol_indices`.

    Parameters
    ----------
    problem : dict
        A SALib problem: ``names`` and ``bounds`` (``num_vars`` and ``dists`` optional).
    n : int
        Base samples (a power of two keeps the Sobol' sequence balanced; scipy warns
        otherwise).
    calc_second_order : bool
        Include the ``BA_j`` blocks needed for second-order indices.
    rng : int, SeedSequence, Generator or None
        Seeds the scrambling (SPEC 7).

    Returns
    -------
    xarray.Dataset
        On ``experiment`` (``n (2D + 2)`` or ``n (D + 2)`` rows): one variable per input
        (``attrs["role"] = "uncertainty"``), ``scenario_id`` (0, 1, ...) and ``policy_id``
        (0); attrs ``sampler = "saltelli"``, ``n_samples``, ``calc_second_order`` (0/1),
        ``n_scenarios``, ``n_policies``, ``uncertainties``.

    Raises
    ------
    ImportError
        Without SALib.
    ValueError
        For a malformed problem or ``n`` < 1.

    References
    ----------
    Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity
    indices. *Computer Physics Communications*, 145(2), 280–297.
    https://doi.org/10.1016/S0010-4655(02)00280-1

    Examples
    --------
    >>> d = saltelli_design({"names": ["a", "b"], "bounds": [[0, 1], [0, 10]]}, 4, rng=0)
    >>> d.sizes["experiment"], d.attrs["sampler"], d["a"].attrs["role"]
    (24, 'saltelli', 'uncertainty')
    """
    names = [str(x) for x in problem.get("names", [])]
    bounds = problem.get("bounds")
    if not names or bounds is None or len(bounds) != len(names):
        raise ValueError("problem needs 'names' and one 'bounds' pair per name, e.g. "
                         "{'names': ['a'], 'bounds': [[0, 1]]}")
    if len(set(names)) != len(names):
        raise ValueError(f"problem names must be distinct: {names}")
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, not {n!r}")
    sobol_sample = _salib("sample.sobol")
    prob = {**problem, "names": names, "num_vars": len(names)}
    x = np.asarray(sobol_sample.sample(prob, int(n), calc_second_order=calc_second_order,
                                       seed=_rng(rng)), dtype=np.float64)
    n_rows = x.shape[0]
    data: dict[str, Any] = {name: ("experiment", x[:, j], {"role": "uncertainty"})
                            for j, name in enumerate(names)}
    data["scenario_id"] = ("experiment", np.arange(n_rows))
    data["policy_id"] = ("experiment", np.zeros(n_rows, dtype=np.int64))
    return xr.Dataset(data, coords={"experiment": np.arange(n_rows)},
                      attrs={"sampler": "saltelli", "n_samples": int(n),
                             "calc_second_order": int(calc_second_order),
                             "n_scenarios": n_rows, "n_policies": 1,
                             "uncertainties": " ".join(names)})


def _resolve_inputs(ds: xr.Dataset, inputs: Sequence[str] | None,
                    roles: Sequence[str]) -> list[str]:
    _require_dims(ds)
    if inputs is None:
        names = _inputs(ds, roles)
        if not names:
            raise ValueError(f"no inputs with role {' or '.join(roles)} on the experiment dim; "
                             "pass inputs=[...]")
        return names
    if isinstance(inputs, str):
        raise TypeError("inputs must be a sequence of names, not a string")
    names = [str(x) for x in inputs]
    bad = [x for x in names if x not in ds or ds[x].dims != ("experiment",)]
    if bad or not names:
        allowed = [str(k) for k, v in ds.data_vars.items() if v.dims == ("experiment",)]
        raise ValueError(f"inputs {bad or names} are not variables on the experiment dim; "
                         f"allowed: {', '.join(allowed)}")
    if len(set(names)) != len(names):
        raise ValueError(f"inputs must be distinct: {names}")
    return names


def _design(ds: xr.Dataset, outcome: str, inputs: list[str], policy: int | None
            ) -> tuple[NDArray[Any], NDArray[np.float64], int, int]:
    """The inputs ``X`` (rows in scenario order) and the replication means ``Y`` of one
    policy's experiments, with the numbers of failed runs and of policies."""
    pids = _ids(ds, "policy_id")
    uniq = np.unique(pids)
    if policy is None:
        if uniq.size > 1:
            raise ValueError(f"the dataset has {uniq.size} policies ({uniq.tolist()}); pass "
                             "policy=<policy_id> to analyse one of them")
        policy = int(uniq[0])
    if policy not in uniq:
        raise ValueError(f"no policy_id {policy!r}; the dataset has {uniq.tolist()}")
    rows = np.flatnonzero(pids == policy)
    rows = rows[np.argsort(_ids(ds, "scenario_id")[rows], kind="stable")]
    y = _outcome_values(ds, outcome)[rows]
    ok = _ok_runs(ds)[rows] & np.isfinite(y)
    n_ok = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ymean = np.where(n_ok > 0, np.where(ok, y, 0.0).sum(axis=1) / np.maximum(n_ok, 1),
                         np.nan)
    cols = [np.asarray(ds[name].values[rows]) for name in inputs]
    numeric = all(c.dtype.kind in "biuf" for c in cols)
    x = np.empty((rows.size, len(cols)), dtype=np.float64 if numeric else object)
    for j, c in enumerate(cols):
        x[:, j] = c
    n_failed = int((~_ok_runs(ds)[rows]).sum())
    return x, ymean, n_failed, int(policy)


def _same(a: NDArray[Any], b: NDArray[Any]) -> bool:
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _is_saltelli(x: NDArray[Any], second_order: bool) -> bool:
    """Whether rows ``x`` form Saltelli blocks ``A, AB_j.., [BA_j..,] B``."""
    n_rows, d = x.shape
    step = 2 * d + 2 if second_order else d + 2
    if d == 0 or n_rows == 0 or n_rows % step:
        return False
    blocks = x.reshape(n_rows // step, step, d)
    a, b = blocks[:, 0], blocks[:, -1]
    for j in range(d):
        ab = a.copy()
        ab[:, j] = b[:, j]
        if not _same(blocks[:, 1 + j], ab):
            return False
        if second_order:
            ba = b.copy()
            ba[:, j] = a[:, j]
            if not _same(blocks[:, 1 + d + j], ba):
                return False
    return True


def _inputs_dataset(names: list[str], data: dict[str, NDArray[np.float64]],
                    attrs: dict[str, Any]) -> xr.Dataset:
    return xr.Dataset({k: ("input", v) for k, v in data.items()},
                      coords={"input": np.asarray(names, dtype=str)}, attrs=attrs)


# --- Sobol' -----------------------------------------------------------------------------------


def sobol_indices(
    ds: xr.Dataset, outcome: str, *, inputs: Sequence[str] | None = None,
    policy: int | None = None, calc_second_order: bool = True, conf_level: float = 0.95,
    num_resamples: int = 1000, rng: SeedLike = None,
) -> xr.Dataset:
    r"""Sobol' indices of an outcome over the uncertainties, on a Saltelli cross-design.

    With :math:`Y` the mean of the outcome over an experiment's successful replications,
    :math:`V = \operatorname{Var}(Y)` and the blocks :math:`A, B, AB_j` of
    :func:`saltelli_design`, SALib (:func:`SALib.analyze.sobol.analyze`) estimates

    .. math::
        S_j = \frac{V_j}{V},\quad \hat V_j = \frac1N \sum_i f(B)_i\,(f(AB_j)_i - f(A)_i)
        \qquad S_{Tj} = \frac{\hat V_{Tj}}{V},\quad
        \hat V_{Tj} = \frac{1}{2N} \sum_i (f(A)_i - f(AB_j)_i)^2

    (Saltelli et al. 2010, Table 2 (b) and (f), the latter Jansen's estimator) and the
    second-order :math:`S_{jk}` from the :math:`BA_j` blocks (Saltelli 2002). Confidence
    half-widths are :math:`z_{(1+\text{conf})/2}` times the standard deviation of the
    estimates over ``num_resamples`` bootstrap resamples of the base samples.

    A base sample (block) containing an experiment without a successful run is dropped
    whole, which keeps the design intact (counted in ``attrs["n_blocks_dropped"]``).

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset whose scenarios (of the analysed policy, in ``scenario_id``
        order) are a Saltelli cross-design over ``inputs``, e.g. built by
        :func:`saltelli_design`.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    inputs : sequence of str, optional
        The design's columns, in order; default: every variable with role ``uncertainty``.
    policy : int, optional
        The ``policy_id`` to analyse; required when the dataset has several policies.
    calc_second_order : bool
        Whether the design has the ``BA_j`` blocks; compute ``S2`` if so.
    conf_level : float
        Confidence level of the ``*_conf`` half-widths, in (0, 1).
    num_resamples : int
        Bootstrap resamples for the confidence half-widths.
    rng : int, SeedSequence, Generator or None
        Seeds the bootstrap (SPEC 7).

    Returns
    -------
    xarray.Dataset
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` on ``input``; with second order, ``S2``,
        ``S2_conf`` on (``input``, ``input_2``), upper triangle only (NaN elsewhere, as in
        SALib). Attrs ``outcome``, ``policy_id``, ``conf_level``, ``num_resamples``,
        ``n_base_samples``, ``n_blocks_dropped``, ``n_failed``, ``method``. A constant
        outcome gives NaN indices and a warning.

    Raises
    ------
    ImportError
        Without SALib.
    ValueError
        If the design is not a Saltelli cross-design over ``inputs`` (e.g. the ``sobol``
        sampler's plain sequence, or ``calc_second_order`` not matching the design), for an
        unknown outcome, input or policy, or too few usable base samples.

    References
    ----------
    Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and
    their Monte Carlo estimates. *Mathematics and Computers in Simulation*, 55(1–3),
    271–280. https://doi.org/10.1016/S0378-4754(00)00270-6

    Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., & Tarantola, S. (2010).
    Variance based sensitivity analysis of model output. Design and estimator for the total
    sensitivity index. *Computer Physics Communications*, 181(2), 259–270.
    https://doi.org/10.1016/j.cpc.2009.09.018

    Examples
    --------
    >>> design = saltelli_design({"names": ["a", "b"], "bounds": [[0, 1]] * 2}, 256, rng=1)
    >>> y = 4 * design["a"] + design["b"]  # Var: 16/12 and 1/12, so S1 = 16/17 and 1/17
    >>> ds = design.assign(outcome_y=y.expand_dims(replication=1, axis=1))
    >>> s = sobol_indices(ds, "y", rng=2)
    >>> s["S1"].round(2).values.tolist(), s["ST"].round(2).values.tolist()
    ([0.94, 0.06], [0.94, 0.06])
    """
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), not {conf_level!r}")
    if isinstance(num_resamples, bool) or int(num_resamples) != num_resamples \
            or num_resamples < 2:
        raise ValueError(f"num_resamples must be an integer >= 2, not {num_resamples!r}")
    names = _resolve_inputs(ds, inputs, ("uncertainty",))
    x, y, n_failed, pid = _design(ds, outcome, names, policy)
    d = len(names)
    step = 2 * d + 2 if calc_second_order else d + 2
    if not _is_saltelli(x, calc_second_order):
        hint = ""
        if _is_saltelli(x, not calc_second_order):
            hint = (f" It is one built with calc_second_order={not calc_second_order}: pass "
                    f"that.")
        elif ds.attrs.get("sampler") == "sobol":
            hint = (" The 'sobol' sampler of run_experiment draws a plain scrambled Sobol' "
                    "sequence, not a cross-design; use feature_scores on it, or build the "
                    "design with saltelli_design.")
        raise ValueError(
            f"the scenarios of policy {pid} (sampler {ds.attrs.get('sampler', 'unknown')!r}, "
            f"{x.shape[0]} rows) are not a Saltelli cross-design over the {d} inputs "
            f"{names}: expected blocks of {step} rows (A, AB_1..AB_{d}"
            f"{f', BA_1..BA_{d}' if calc_second_order else ''}, B) as built by "
            f"saltelli_design / SALib.sample.sobol.sample, with inputs the design's columns "
            f"in order.{hint}")
    blocks = y.reshape(-1, step)
    keep = np.isfinite(blocks).all(axis=1)
    n_base = int(keep.sum())
    if n_base < 2:
        raise ValueError(f"only {n_base} of {blocks.shape[0]} base samples have a successful "
                         "run in every experiment; at least 2 are needed")
    yk = blocks[keep].ravel()
    attrs: dict[str, Any] = {
        "outcome": outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome,
        "policy_id": pid, "conf_level": conf_level, "num_resamples": int(num_resamples),
        "n_base_samples": n_base, "n_blocks_dropped": int((~keep).sum()),
        "n_failed": n_failed,
        "method": "Saltelli et al. (2010) estimators via SALib.analyze.sobol; Y = mean over "
                  "successful replications"}
    analyze = _salib("analyze.sobol").analyze
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    if np.ptp(yk) == 0:
        warnings.warn(f"outcome {outcome!r} is constant over the design: Sobol' indices are "
                      "undefined (NaN)", UserWarning, stacklevel=2)
        res: dict[str, Any] = {k: np.full(d, np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        if calc_second_order:
            res.update(S2=np.full((d, d), np.nan), S2_conf=np.full((d, d), np.nan))
    else:
        # SALib seeds with ``if seed:``; a Generator is always truthy, so 0 stays a seed.
        res = analyze(problem, yk, calc_second_order=calc_second_order,
                      num_resamples=int(num_resamples), conf_level=conf_level,
                      print_to_console=False, seed=_rng(rng))
    out = _inputs_dataset(names, {k: np.asarray(res[k], dtype=np.float64)
                                  for k in ("S1", "S1_conf", "ST", "ST_conf")}, attrs)
    if calc_second_order:
        for k in ("S2", "S2_conf"):
            out[k] = (("input", "input_2"), np.asarray(res[k], dtype=np.float64))
        out = out.assign_coords(input_2=np.asarray(names, dtype=str))
    descriptions = {"S1": "first-order index", "ST": "total-order index",
                    "S2": "second-order index (upper triangle)"}
    for k, text in descriptions.items():
        if k in out:
            out[k].attrs["description"] = text
            out[f"{k}_conf"].attrs["description"] = f"{conf_level:g} confidence half-width"
    return out


# --- Morris -----------------------------------------------------------------------------------


def _morris_trajectories(x: NDArray[np.float64]) -> int:
    """Number of trajectories if ``x`` is a Morris design (each step moves one input)."""
    n_rows, d = x.shape
    if d == 0 or n_rows == 0 or n_rows % (d + 1):
        return 0
    traj = x.reshape(n_rows // (d + 1), d + 1, d)
    moved = np.diff(traj, axis=1) != 0  # (r, d, d): step, input
    if not (moved.sum(axis=2) == 1).all() or not (moved.sum(axis=1) == 1).all():
        return 0
    return int(traj.shape[0])


def morris_indices(
    ds: xr.Dataset, outcome: str, *, inputs: Sequence[str] | None = None,
    policy: int | None = None, num_levels: int = 4, conf_level: float = 0.95,
    num_resamples: int = 1000, rng: SeedLike = None,
) -> xr.Dataset:
    r"""Morris elementary-effects screening of an outcome over the uncertainties.

    On a Morris design (trajectories of ``D + 1`` points, each step moving one input by
    :math:`\Delta = p / (2 (p - 1))` of its range on a ``p``-level grid, as drawn by the
    ``morris`` sampler), the elementary effect of input :math:`j` on trajectory :math:`t` is
    :math:`EE_{tj} = (Y(x + \Delta e_j) - Y(x)) / \Delta` with :math:`Y` the mean over
    successful replications, and (:func:`SALib.analyze.morris.analyze`)

    .. math:: \mu_j = \overline{EE_{\cdot j}},\quad \mu^*_j = \overline{|EE_{\cdot j}|},\quad
              \sigma_j = \operatorname{sd}(EE_{\cdot j})

    (Morris 1991; :math:`\mu^*` from Campolongo et al. 2007); ``mu_star_conf`` is the
    bootstrap confidence half-width of :math:`\mu^*`. Effects are in units of the outcome per
    :math:`\Delta` of the unit cube, so for :math:`Y = \sum_j c_j x_j` with :math:`x_j`
    uniform on :math:`[l_j, u_j]`, :math:`\mu^*_j = |c_j| (u_j - l_j)`. Boolean inputs count
    as 0/1 (``treaty``'s ``[True, False]`` maps to a decreasing 1→0, so its ``mu`` changes
    sign; ``mu_star`` does not). A trajectory containing an experiment without a successful
    run is dropped whole.

    Parameters
    ----------
    ds : xarray.Dataset
        An experiment dataset from the ``morris`` sampler (or :func:`SALib.sample.morris.sample`
        points), scenarios in ``scenario_id`` order.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    inputs : sequence of str, optional
        The design's columns, in order; default: every variable with role ``uncertainty``.
    policy : int, optional
        The ``policy_id`` to analyse; required when the dataset has several policies.
    num_levels : int
        Grid levels of the design (the ``morris`` sampler uses 4).
    conf_level : float
        Confidence level of ``mu_star_conf``.
    num_resamples : int
        Bootstrap resamples for ``mu_star_conf``.
    rng : int, SeedSequence, Generator or None
        Seeds the bootstrap (SPEC 7).

    Returns
    -------
    xarray.Dataset
        ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` on ``input``; attrs ``outcome``,
        ``policy_id``, ``num_levels``, ``n_trajectories``, ``n_trajectories_dropped``,
        ``n_failed``, ``method``.

    Raises
    ------
    ImportError
        Without SALib.
    ValueError
        If the scenarios are not Morris trajectories over ``inputs``, an input is not
        numeric or boolean, or the outcome, an input or the policy is unknown.

    References
    ----------
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational
    experiments. *Technometrics*, 33(2), 161–174.
    https://doi.org/10.1080/00401706.1991.10484804

    Campolongo, F., Cariboni, J., & Saltelli, A. (2007). An effective screening design for
    sensitivity analysis of large models. *Environmental Modelling & Software*, 22(10),
    1509–1518. https://doi.org/10.1016/j.envsoft.2006.10.004

    Examples
    --------
    >>> from SALib.sample import morris
    >>> x = morris.sample({"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}, 10,
    ...                   num_levels=4, seed=1)
    >>> ds = xr.Dataset({"a": ("experiment", x[:, 0], {"role": "uncertainty"}),
    ...                  "b": ("experiment", x[:, 1], {"role": "uncertainty"}),
    ...                  "outcome_y": (("experiment", "replication"), (3 * x[:, :1] - x[:, 1:]))})
    >>> m = morris_indices(ds, "y", rng=0)
    >>> m["mu_star"].round(6).values.tolist(), m["mu"].round(6).values.tolist()
    ([3.0, 1.0], [3.0, -1.0])
    """
    if isinstance(num_levels, bool) or int(num_levels) != num_levels or num_levels < 2:
        raise ValueError(f"num_levels must be an integer >= 2, not {num_levels!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be in (0, 1), not {conf_level!r}")
    names = _resolve_inputs(ds, inputs, ("uncertainty",))
    x_raw, y, n_failed, pid = _design(ds, outcome, names, policy)
    bad = [n for n, col in zip(names, x_raw.T, strict=True)
           if np.asarray(list(col)).dtype.kind not in "biuf"]
    if bad:
        raise ValueError(f"Morris needs numeric or boolean inputs; {bad} are not")
    x = np.column_stack([np.asarray(list(col), dtype=np.float64) for col in x_raw.T])
    d = len(names)
    n_traj = _morris_trajectories(x)
    if not n_traj:
        raise ValueError(
            f"the scenarios of policy {pid} (sampler {ds.attrs.get('sampler', 'unknown')!r}, "
            f"{x.shape[0]} rows) are not Morris trajectories over the {d} inputs {names}: "
            f"expected groups of {d + 1} rows in which each step changes exactly one input, "
            "each input once (the 'morris' sampler, SALib.sample.morris.sample)")
    traj_y = y.reshape(n_traj, d + 1)
    keep = np.isfinite(traj_y).all(axis=1)
    if keep.sum() < 2:
        raise ValueError(f"only {int(keep.sum())} of {n_traj} trajectories have a successful "
                         "run at every point; at least 2 are needed")
    xk = x.reshape(n_traj, d + 1, d)[keep].reshape(-1, d)
    yk = traj_y[keep].ravel()
    analyze = _salib("analyze.morris").analyze
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d, "groups": None}
    res = analyze(problem, xk, yk, num_resamples=int(num_resamples), conf_level=conf_level,
                  print_to_console=False, num_levels=int(num_levels), seed=_rng(rng))
    attrs = {"outcome": outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome,
             "policy_id": pid, "num_levels": int(num_levels), "conf_level": conf_level,
             "n_trajectories": int(keep.sum()), "n_trajectories_dropped": int((~keep).sum()),
             "n_failed": n_failed,
             "method": "Morris elementary effects via SALib.analyze.morris; Y = mean over "
                       "successful replications"}
    return _inputs_dataset(names, {k: np.asarray(res[k], dtype=np.float64)
                                   for k in ("mu", "mu_star", "sigma", "mu_star_conf")}, attrs)


# --- given-data screening ---------------------------------------------------------------------


def _bins(values: NDArray[Any], n_bins: int) -> NDArray[np.intp]:
    """Bin labels: one per distinct value when there are at most ``n_bins`` (or the input is
    not numeric), else ``n_bins`` equal-count bins."""
    arr = np.asarray(values)
    codes, uniq = pd.factorize(pd.Series(arr), sort=True)
    if arr.dtype.kind not in "iuf" or len(uniq) <= n_bins:
        return np.asarray(codes, dtype=np.intp)
    edges = np.quantile(arr.astype(np.float64), np.linspace(0, 1, n_bins + 1)[1:-1])
    labels = np.searchsorted(edges, arr, side="right")
    return np.asarray(pd.factorize(labels, sort=True)[0], dtype=np.intp)


def _eta2(weights: NDArray[np.float64], wy: NDArray[np.float64],
          wy2: NDArray[np.float64], onehot: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted correlation ratio for each row of ``weights`` (rows: resamples)."""
    w_k = weights @ onehot
    s_k = wy @ onehot
    w_tot, s_tot = weights.sum(axis=1), wy.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.where(w_k > 0, s_k**2 / w_k, 0.0).sum(axis=1) - s_tot**2 / w_tot
        total = wy2.sum(axis=1) - s_tot**2 / w_tot
        return np.asarray(np.where(total > 1e-12 * np.abs(wy2.sum(axis=1)),
                                   np.clip(between / total, 0.0, 1.0), np.nan))


def feature_scores(
    ds: xr.Dataset, outcome: str, *, inputs: Sequence[str] | None = None,
    n_bins: int | None = None, n_boot: int = 1000, confidence: float = 0.95,
    rng: SeedLike = None,
) -> xr.DataArray:
    r"""Model-free screening: the correlation ratio of the outcome on each input.

    Each input's values are cut into bins (equal-count bins of a real input, one bin per
    value of a lever, categorical or input with few values) and the score is the correlation
    ratio

    .. math:: \eta^2_j = \frac{\sum_k n_k (\bar y_k - \bar y)^2}{\sum_i (y_i - \bar y)^2},

    the share of the outcome's run-to-run variance explained by the input alone: a
    given-data estimate of the first-order Sobol' index :math:`S_j` (Plischke, Borgonovo &
    Smith 2013). It needs no special design (lhs, sobol, monte carlo, full factorial all
    work), captures non-monotone effects that rank correlations miss, and is on the same
    0–1 scale as ``S1``. It is biased upwards by about :math:`(m-1)/(n-1)` for :math:`m`
    bins and :math:`n` runs; ``null`` shows that level: the ``confidence`` quantile of the
    score with the outcome randomly permuted, so an input whose ``lower`` bound is below
    ``null`` is not distinguishable from noise. ``lower`` and ``upper`` are percentile
    bootstrap bounds, resampling *experiments* (with all their successful runs), since runs
    of one experiment share their inputs. A resample repeats experiments, which inflates
    :math:`\eta^2`, most for an input with little or no effect: there the bounds can lie
    wholly above the score (no bias correction repairs an estimate below every resample);
    read such an input by ``null``, not by its interval. The bins are fixed from the full
    data.

    Parameters
    ----------
    ds : xarray.Dataset
        Any experiment dataset. All successful runs of all policies are pooled.
    outcome : str
        An outcome name, with or without the ``outcome_`` prefix.
    inputs : sequence of str, optional
        Variables on ``experiment``; default: every uncertainty and lever.
    n_bins : int, optional
        Bins per real input; default ``max(2, min(10, n_experiments // 10))``.
    n_boot : int
        Bootstrap resamples and permutations.
    confidence : float
        Coverage of the bootstrap interval and quantile of the permutation null.
    rng : int, SeedSequence, Generator or None
        Seeds the bootstrap and the permutations (SPEC 7).

    Returns
    -------
    xarray.DataArray
        The scores on ``input``, with coordinates ``lower``, ``upper``, ``null`` and
        ``n_bins`` on ``input``; attrs ``outcome``, ``n_runs``, ``n_failed``, ``method``.

    References
    ----------
    Plischke, E., Borgonovo, E., & Smith, C. L. (2013). Global sensitivity measures from
    given data. *European Journal of Operational Research*, 226(3), 536–550.
    https://doi.org/10.1016/j.ejor.2012.11.047

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> x = g.random((200, 2))
    >>> ds = xr.Dataset({"a": ("experiment", x[:, 0], {"role": "uncertainty"}),
    ...                  "b": ("experiment", x[:, 1], {"role": "uncertainty"}),
    ...                  "outcome_y": (("experiment", "replication"),
    ...                                np.sin(2 * np.pi * x[:, :1]))})
    >>> s = feature_scores(ds, "y", n_boot=200, rng=1)
    >>> bool(s.sel(input="a") > 0.9), bool(s.sel(input="b") < s["null"].sel(input="b"))
    (True, True)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    if isinstance(n_boot, bool) or int(n_boot) != n_boot or n_boot < 1:
        raise ValueError(f"n_boot must be an integer >= 1, not {n_boot!r}")
    if n_bins is not None and (isinstance(n_bins, bool) or int(n_bins) != n_bins
                               or n_bins < 2):
        raise ValueError(f"n_bins must be an integer >= 2, not {n_bins!r}")
    names = _resolve_inputs(ds, inputs, ("uncertainty", "lever"))
    y_all = _outcome_values(ds, outcome)
    ok_runs = _ok_runs(ds)
    use = ok_runs & np.isfinite(y_all)
    exp_idx, _ = np.nonzero(use)
    y = y_all[use]
    n_exp = ds.sizes["experiment"]
    if np.unique(exp_idx).size < 3:
        raise ValueError(f"feature_scores needs successful runs of at least 3 experiments, "
                         f"found {np.unique(exp_idx).size}")
    m_default = max(2, min(10, n_exp // 10)) if n_bins is None else int(n_bins)
    onehots = []
    for name in names:
        labels = _bins(ds[name].values[exp_idx], m_default)
        onehot = np.zeros((y.size, int(labels.max()) + 1))
        onehot[np.arange(y.size), labels] = 1.0
        onehots.append(onehot)
    ones = np.ones((1, y.size))
    score = np.array([_eta2(ones, y[None, :], y[None, :] ** 2, oh)[0] for oh in onehots])
    boot = np.empty((n_boot, len(names)))
    perm_scores = np.empty((n_boot, len(names)))
    gen = _rng(rng)
    step = max(1, _BOOT_CHUNK // max(y.size, n_exp))
    for start in range(0, n_boot, step):
        rows = slice(start, min(n_boot, start + step))
        size = rows.stop - rows.start
        # bootstrap: resample experiments, i.e. weight each run by its experiment's count
        draws = gen.integers(0, n_exp, size=(size, n_exp))
        w_exp = np.zeros((size, n_exp))
        np.add.at(w_exp, (np.arange(size)[:, None], draws), 1.0)
        w_run = w_exp[:, exp_idx]
        y_perm = y[np.argsort(gen.random((size, y.size)), axis=1)]
        for j, oh in enumerate(onehots):
            boot[rows, j] = _eta2(w_run, w_run * y, w_run * y**2, oh)
            perm_scores[rows, j] = _eta2(np.ones_like(y_perm), y_perm, y_perm**2, oh)
    alpha = (1 - confidence) / 2
    lower, upper = np.nanquantile(boot, [alpha, 1 - alpha], axis=0)
    null = np.nanquantile(perm_scores, confidence, axis=0)
    bins = np.array([oh.shape[1] for oh in onehots], dtype=np.int64)
    name_out = outcome[len("outcome_"):] if outcome.startswith("outcome_") else outcome
    return xr.DataArray(
        score, dims=("input",),
        coords={"input": np.asarray(names, dtype=str), "lower": ("input", lower),
                "upper": ("input", upper), "null": ("input", null),
                "n_bins": ("input", bins)},
        name="eta2",
        attrs={"outcome": name_out, "n_runs": int(y.size), "n_failed": int((~ok_runs).sum()),
               "confidence": confidence, "n_boot": int(n_boot),
               "description": "correlation ratio (binned first-order index)",
               "method": "correlation ratio on binned inputs (Plischke et al. 2013); "
                         "experiment bootstrap; permutation null"})


# --- plot -------------------------------------------------------------------------------------


def plot_sobol(indices: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Bar chart of first-order (``S1``) and total (``ST``) Sobol' indices with their CIs.

    Parameters
    ----------
    indices : xarray.Dataset
        The result of :func:`sobol_indices`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> s = xr.Dataset({"S1": ("input", [0.3, 0.4]), "S1_conf": ("input", [0.05, 0.05]),
    ...                 "ST": ("input", [0.5, 0.4]), "ST_conf": ("input", [0.05, 0.05])},
    ...                coords={"input": ["a", "b"]})
    >>> plot_sobol(s).get_ylabel()
    "Sobol' index"
    """
    from scenarios.plot import OKABE_ITO

    for v in ("S1", "S1_conf", "ST", "ST_conf"):
        if v not in indices:
            raise ValueError(f"expected the result of sobol_indices (no {v!r} variable)")
    if indices["S1"].dims != ("input",):
        raise ValueError(f"S1 must be on the input dim alone, not {indices['S1'].dims}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
    names = [str(x) for x in indices["input"].values]
    x = np.arange(len(names))
    width = 0.38
    styles = (("S1", "first order $S_1$", OKABE_ITO["blue"], ""),
              ("ST", "total $S_T$", OKABE_ITO["orange"], "//"))
    for k, (var, label, colour, hatch) in enumerate(styles):
        ax.bar(x + (k - 0.5) * width, indices[var].values, width,
               yerr=indices[f"{var}_conf"].values, capsize=3, color=colour, hatch=hatch,
               edgecolor="white", linewidth=0.5, label=label,
               error_kw={"elinewidth": 0.9, "ecolor": "black"})
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xticks(x, names)
    ax.set_ylabel("Sobol' index")
    ax.set_xlabel("input")
    conf = indices.attrs.get("conf_level")
    outcome = indices.attrs.get("outcome")
    title = "Sobol' indices" + (f" of {outcome}" if outcome else "")
    ax.set_title(title + (f" ({conf:.0%} CIs)" if conf is not None else ""))
    ax.set_ylim(min(0.0, float(np.nanmin(indices["S1"] - indices["S1_conf"])) - 0.05),
                max(1.0, float(np.nanmax(indices["ST"] + indices["ST_conf"])) + 0.05))
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_feature_scores(scores: xr.DataArray, ax: Axes | None = None) -> Axes:
    r"""Horizontal bars of :func:`feature_scores`, largest first, with their intervals and null.

    Each input's bar is its :math:`\eta^2`, the black line its bootstrap interval (drawn from
    ``lower`` to ``upper`` as they are, also where they lie above the score, see
    :func:`feature_scores`), and the vermilion tick the permutation ``null`` level: an input
    whose interval reaches below its tick is not distinguishable from noise.

    Parameters
    ----------
    scores : xarray.DataArray
        The result of :func:`feature_scores`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> s = xr.DataArray([0.1, 0.6], dims="input", coords={
    ...     "input": ["a", "b"], "lower": ("input", [0.05, 0.5]),
    ...     "upper": ("input", [0.2, 0.7]), "null": ("input", [0.08, 0.08])})
    >>> ax = plot_feature_scores(s)
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_xlabel()
    (['b', 'a'], 'feature score $\\eta^2$ (share of variance explained)')
    """
    from scenarios.plot import OKABE_ITO

    for c in ("lower", "upper", "null"):
        if c not in scores.coords:
            raise ValueError(f"expected the result of feature_scores (no {c!r} coordinate)")
    if scores.dims != ("input",):
        raise ValueError(f"scores must be on the input dim alone, not {scores.dims}")
    order = np.argsort(-np.nan_to_num(scores.values, nan=-1.0), kind="stable")
    s = scores.isel(input=order)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.5, 0.8 + 0.3 * s.sizes["input"]),
                             layout="constrained")
    y = np.arange(s.sizes["input"])
    ax.barh(y, s.values, color=OKABE_ITO["blue"], height=0.7, label="$\\eta^2$")
    ax.hlines(y, s["lower"].values, s["upper"].values, color="black", linewidth=0.9,
              zorder=3, label="bootstrap interval")
    for end in ("lower", "upper"):
        ax.scatter(s[end].values, y, marker="|", s=40, color="black", linewidths=0.9,
                   zorder=3)
    ax.scatter(s["null"].values, y, marker="|", s=160, color=OKABE_ITO["vermillion"],
               linewidths=2, zorder=3, label="permutation null")
    ax.set_yticks(y, [str(x) for x in s["input"].values])
    ax.invert_yaxis()
    upper = s["upper"].values[np.isfinite(s["upper"].values)]
    ax.set_xlim(0, max(0.05, float(upper.max(initial=0.0)) * 1.1))  # NaN: a constant outcome
    ax.set_xlabel("feature score $\\eta^2$ (share of variance explained)")
    outcome = scores.attrs.get("outcome")
    ax.set_title("Feature scores" + (f" of {outcome}" if outcome else ""))
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax
