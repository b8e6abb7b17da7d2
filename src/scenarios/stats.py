"""Small statistics shared by the results modules: binomial intervals and run quantiles.

Pure numpy/scipy, so that :mod:`scenarios.ensemble`, :mod:`scenarios.plot` and
:mod:`scenarios.analysis` can use one definition without importing the model.

This module may import numpy and scipy only.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["run_quantiles", "wilson_interval"]


def wilson_interval(
    k: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of a binomial proportion ``k / n``.

    Parameters
    ----------
    k, n : array_like
        Successes and trials (broadcast together). ``n == 0`` gives NaN.
    confidence : float
        Coverage of the interval, in (0, 1).

    Returns
    -------
    lower, upper : ndarray of float64

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *Journal of the American Statistical Association*, 22(158), 209-212.
    https://doi.org/10.1080/01621459.1927.10502953

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2366, 0.7634)
    >>> [round(float(x), 4) for x in wilson_interval(0, 20)]
    [0.0, 0.1611]
    >>> float(wilson_interval(0, 10)[0]), float(wilson_interval(10, 10)[1])
    (0.0, 1.0)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), not {confidence!r}")
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        denom = 1 + z**2 / n_arr
        centre = (p + z**2 / (2 * n_arr)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n_arr + z**2 / (4 * n_arr**2))
    # exact ends: 0 of n has lower bound 0 and n of n upper bound 1 (no round-off)
    lower = np.where(k_arr <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(k_arr >= n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
    lower = np.where(n_arr > 0, lower, np.nan)
    upper = np.where(n_arr > 0, upper, np.nan)
    return lower, upper


def run_quantiles(values: ArrayLike, q: ArrayLike, axis: int = 0) -> NDArray[np.float64]:
    """Quantiles across runs, ignoring NaN (failed runs).

    Counts and rungs (data that are all whole numbers) get the empirical quantile
    (``inverted_cdf``: always a value some run had); other data are interpolated linearly.

    Examples
    --------
    >>> run_quantiles([0, 1, 1, 5], [0.05, 0.5, 0.95]).tolist()
    [0.0, 1.0, 5.0]
    >>> run_quantiles([0.5, 1.5], 0.5).tolist()
    1.0
    """
    arr = np.asarray(values, dtype=np.float64)
    probs = np.asarray(q, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    whole = finite.size > 0 and bool(np.array_equal(finite, np.round(finite)))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # a step no run reached (a model stopped early, all runs failed) is NaN, not a warning
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        if whole:
            out = np.nanquantile(arr, probs, axis=axis, method="inverted_cdf")
        else:
            out = np.nanquantile(arr, probs, axis=axis, method="linear")
    return np.asarray(out, dtype=np.float64)
