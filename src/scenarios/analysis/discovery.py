"""Scenario discovery: which regions of the input space produce the cases of interest.

Given the sampled inputs of an ensemble (one row per run) and a boolean outcome (the runs of
interest, say those that reach nuclear use), scenario discovery looks for a few simple,
interpretable regions of the input space (boxes: an interval on some numeric inputs, a set of
categories on some categorical ones) that hold most of the cases of interest (*coverage*) and
few others (*density*) (Bryant & Lempert 2010).

- :class:`PRIM`: the Patient Rule Induction Method (Friedman & Fisher 1999), with its peeling
  trajectory, pasting, the quasi-p-values of Bryant & Lempert and covering
  (:meth:`PRIM.find_boxes`);
- :class:`CART`: a compact binary classification tree (Breiman et al. 1984) whose leaves are
  boxes;
- :func:`discover`: both, applied to a results :class:`xarray.Dataset` (inputs on
  ``experiment``, outcomes on ``(experiment, replication)``);
- :func:`plot_tradeoff` and :func:`plot_box`: the coverage-density trade-off and one box.

The estimators follow the estimator pattern: hyper-parameters in ``__init__``, ``fit(X, y)``
returns ``self``, fitted attributes end in ``_``. Box limits are always a
:class:`pandas.DataFrame` with one row per input (in the order of the columns of ``X``) and the
columns ``lower``, ``upper`` (floats; NaN for a categorical input), ``categories`` (the tuple of
allowed categories; None for a numeric input) and ``restricted``.

This module imports numpy, scipy, pandas and xarray at module level and matplotlib lazily
inside the plot functions; never Mesa, the model or an experiment runner.

References
----------
Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics and
Computing, 9(2), 123-143. https://doi.org/10.1023/A:1008894516817

Bryant, B. P., & Lempert, R. J. (2010). Thinking inside the box: a participatory,
computer-assisted approach to scenario discovery. Technological Forecasting and Social Change,
77(1), 34-49. https://doi.org/10.1016/j.techfore.2009.08.002

Kwakkel, J. H., & Jaxa-Rozen, M. (2016). Improving scenario discovery for handling
heterogeneous uncertainties and multinomial classified outcomes. Environmental Modelling &
Software, 79, 311-321. https://doi.org/10.1016/j.envsoft.2015.11.020

Breiman, L., Friedman, J. H., Olshen, R. A., & Stone, C. J. (1984). Classification and
Regression Trees. Wadsworth, Belmont, CA.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy import stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CART", "PRIM", "discover", "plot_box", "plot_tradeoff"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Bool = NDArray[np.bool_]
ThresholdType = Literal[">=", ">", "<=", "<"]

_COMPARE: dict[str, Callable[[F64, float], Bool]] = {
    ">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
}
#: Colour-blind-safe qualitative palette (Okabe & Ito 2008), yellow left out (too pale on white).
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
#: Variables on ``experiment`` that identify a design point rather than being an input.
_ID_VARIABLES = frozenset({"scenario_id", "policy_id"})
#: Means closer than this are ties (a sum over a few cases divided by a count is not exact).
_TIE = 1e-12
_LIMIT_COLUMNS = ["lower", "upper", "categories", "restricted"]


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Design:
    """The inputs, split into a float matrix of the numeric ones and integer codes of the
    categorical ones (booleans, strings, pandas categoricals)."""

    names: tuple[str, ...]
    num: tuple[int, ...]  # positions in ``names`` of the numeric inputs
    cat: tuple[int, ...]  # positions in ``names`` of the categorical inputs
    xn: F64  # (n, len(num))
    xc: I64  # (n, len(cat))
    categories: tuple[tuple[Any, ...], ...]  # per categorical input
    lo0: F64 = field(repr=False)  # data ranges of the numeric inputs
    hi0: F64 = field(repr=False)

    @property
    def n(self) -> int:
        return int(self.xn.shape[0] if self.num else self.xc.shape[0])

    @property
    def order(self) -> tuple[int, ...]:
        """Positions in ``names`` of the internal dims (numeric first, then categorical)."""
        return (*self.num, *self.cat)

    def take(self, rows: I64) -> _Design:
        return _Design(self.names, self.num, self.cat, self.xn[rows], self.xc[rows],
                       self.categories, self.lo0, self.hi0)


def _is_categorical(s: pd.Series) -> bool:
    return bool(isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s))


def _design(X: Any, names: Sequence[str] | None) -> _Design:
    """Check and encode ``X`` (a DataFrame, or a 2-D array with ``names``)."""
    if isinstance(X, pd.DataFrame):
        if names is not None:
            raise ValueError("names is only for an array X; a DataFrame has its column names")
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"X must be a DataFrame or a 2-D array, got shape {arr.shape}")
        cols = [f"x{j}" for j in range(arr.shape[1])] if names is None else list(names)
        if len(cols) != arr.shape[1]:
            raise ValueError(f"names has {len(cols)} entries for {arr.shape[1]} columns of X")
        frame = pd.DataFrame(arr, columns=cols)
    if frame.shape[1] == 0:
        raise ValueError("X has no columns")
    if frame.shape[0] == 0:
        raise ValueError("X has no rows (y is empty)")
    labels = [str(c) for c in frame.columns]
    if len(set(labels)) != len(labels):
        raise ValueError(f"X has duplicate column names: {labels}")
    missing = [c for c, bad in zip(labels, frame.isna().any().to_numpy(), strict=True) if bad]
    if missing:
        raise ValueError(f"X contains NaN (missing values) in columns {missing}")
    num, cat, cols_n, cols_c, cats = [], [], [], [], []
    for j, col in enumerate(frame.columns):
        s = frame[col]
        if _is_categorical(s):
            c = s.astype("category")
            cat.append(j)
            cats.append(tuple(c.cat.categories))
            cols_c.append(c.cat.codes.to_numpy(dtype=np.int64))
        elif pd.api.types.is_numeric_dtype(s):
            v = s.to_numpy(dtype=np.float64)
            if not np.isfinite(v).all():
                raise ValueError(f"X contains infinite values in column {labels[j]!r}")
            num.append(j)
            cols_n.append(v)
        else:
            raise TypeError(f"column {labels[j]!r} of X has unsupported dtype {s.dtype}")
    n = frame.shape[0]
    xn = np.column_stack(cols_n) if cols_n else np.empty((n, 0))
    xc = (np.column_stack(cols_c) if cols_c else np.empty((n, 0))).astype(np.int64)
    lo0 = xn.min(axis=0) if n else np.empty(0)
    hi0 = xn.max(axis=0) if n else np.empty(0)
    return _Design(tuple(labels), tuple(num), tuple(cat), xn, xc, tuple(cats), lo0, hi0)


def _target(y: ArrayLike, n: int, threshold: float | None, threshold_type: str) -> Bool:
    """The cases of interest as a boolean vector."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("y is empty")
    if arr.size != n:
        raise ValueError(f"y has {arr.size} values for {n} rows of X")
    if threshold is not None:
        if threshold_type not in _COMPARE:
            raise ValueError(
                f"threshold_type must be one of {sorted(_COMPARE)}, got {threshold_type!r}")
        v = arr.astype(np.float64)
        if np.isnan(v).any():
            raise ValueError("y contains NaN")
        out = _COMPARE[threshold_type](v, float(threshold))
    elif arr.dtype == np.bool_:
        out = arr
    else:
        v = arr.astype(np.float64)
        if np.isnan(v).any():
            raise ValueError("y contains NaN")
        if not np.isin(v, (0.0, 1.0)).all():
            raise ValueError("y has values other than 0 and 1: pass a threshold (and "
                             "threshold_type) to say which values are of interest")
        out = v == 1.0
    out = np.asarray(out, dtype=np.bool_)
    if not out.any():
        raise ValueError("y has no cases of interest: nothing to discover")
    return out


# ----------------------------------------------------------------------------- boxes


@dataclass
class _Box:
    """Limits: inclusive numeric intervals, and the allowed codes of each categorical input."""

    lo: F64
    hi: F64
    allowed: list[Bool]

    @classmethod
    def whole(cls, d: _Design) -> _Box:
        return cls(d.lo0.copy(), d.hi0.copy(), [np.ones(len(c), bool) for c in d.categories])

    def copy(self) -> _Box:
        return _Box(self.lo.copy(), self.hi.copy(), [a.copy() for a in self.allowed])

    def violations(self, d: _Design) -> Bool:
        """(n, dims) whether each row lies outside the box on each internal dim."""
        vn = (d.xn < self.lo) | (d.xn > self.hi)
        vc = [~a[d.xc[:, j]] for j, a in enumerate(self.allowed)]
        return np.column_stack([vn, *vc]) if vc else vn

    def contains(self, d: _Design) -> Bool:
        return np.asarray(~self.violations(d).any(axis=1))

    def restricted(self, d: _Design) -> Bool:
        rn = (self.lo > d.lo0) | (self.hi < d.hi0)
        rc = np.array([not a.all() for a in self.allowed], dtype=bool)
        return np.concatenate([rn, rc])

    def frame(self, d: _Design) -> pd.DataFrame:
        """The limits as a DataFrame indexed by input name, in the column order of X."""
        res = self.restricted(d)
        rows: dict[str, dict[str, Any]] = {}
        for k, pos in enumerate(d.order):
            if k < len(d.num):
                rows[d.names[pos]] = {"lower": float(self.lo[k]), "upper": float(self.hi[k]),
                                      "categories": None, "restricted": bool(res[k])}
            else:
                j = k - len(d.num)
                cats = tuple(c for c, a in zip(d.categories[j], self.allowed[j], strict=True)
                             if a)
                rows[d.names[pos]] = {"lower": np.nan, "upper": np.nan, "categories": cats,
                                      "restricted": bool(res[k])}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=_LIMIT_COLUMNS)
        out = out.loc[list(d.names)]
        out.index.name = "input"
        return out.astype({"lower": float, "upper": float, "restricted": bool})


def _quasi_p(d: _Design, y: Bool, box: _Box) -> dict[int, float]:
    """Quasi-p-value of each restricted internal dim (Bryant & Lempert 2010)."""
    v = box.violations(d)
    nv = v.sum(axis=1)
    inside = nv == 0
    t_box, h_box = int(inside.sum()), int(y[inside].sum())
    out: dict[int, float] = {}
    for k in np.flatnonzero(box.restricted(d)):
        loose = inside | ((nv == 1) & v[:, k])
        p = float(y[loose].sum()) / float(loose.sum())
        # P(Binomial(t_box, p) >= h_box): one-sided, "the box is denser than without dim k"
        out[int(k)] = float(stats.binom.sf(h_box - 1, t_box, p))
    return out


def _mean_key(h: F64, t: F64) -> F64:
    return np.round(h / np.maximum(t, 1.0), 12)


def _best(score: F64, n_new: F64, already: Bool, mask: Bool) -> int:
    """Index of the best candidate: highest score, then most cases kept, then a dim that is
    already restricted, then the first; -1 when no candidate is allowed."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return -1
    order = np.lexsort((idx, ~already[idx], -n_new[idx], -np.round(score[idx], 12)))
    return int(idx[order[0]])


def _peel_once(d: _Design, y: Bool, box: _Box, inside: Bool, alpha: float,
               n_min: float, objective: str) -> _Box | None:
    """The best peel of ``box`` (None if no peel raises the mean while keeping ``n_min``)."""
    rows = np.flatnonzero(inside)
    n = rows.size
    ys = y[rows].astype(np.float64)
    h = float(ys.sum())
    restricted = box.restricted(d)
    # candidates: (mean, cases kept, new box limits) collected in flat arrays
    means: list[F64] = []
    kept: list[F64] = []
    already: list[Bool] = []
    ok: list[Bool] = []
    spec: list[tuple[str, int, Any]] = []
    dn = len(d.num)
    if dn and n > 1:
        xs = d.xn[rows]
        s = np.sort(xs, axis=0)
        k = min(max(1, math.floor(alpha * n + 1e-9)), n - 1)
        cols = np.arange(dn)
        # lower side: keep x >= b, b the (k+1)-th smallest value, or the next distinct value
        # above the minimum when ties would make the slab empty
        gt = s > s[0]
        b_lo = np.where(s[k] > s[0], s[k], s[gt.argmax(axis=0), cols])
        drop = xs < b_lo
        means.append(_mean_key(h - ys @ drop, n - drop.sum(axis=0)))
        kept.append((n - drop.sum(axis=0)).astype(np.float64))
        ok.append(gt.any(axis=0))
        already.append(restricted[:dn])
        spec += [("lo", j, b_lo[j]) for j in range(dn)]
        lt = s < s[-1]
        b_hi = np.where(s[n - 1 - k] < s[-1], s[n - 1 - k],
                        s[n - 1 - lt[::-1].argmax(axis=0), cols])
        drop = xs > b_hi
        means.append(_mean_key(h - ys @ drop, n - drop.sum(axis=0)))
        kept.append((n - drop.sum(axis=0)).astype(np.float64))
        ok.append(lt.any(axis=0))
        already.append(restricted[:dn])
        spec += [("hi", j, b_hi[j]) for j in range(dn)]
    for j, allowed in enumerate(box.allowed):
        codes = d.xc[rows, j]
        cnt = np.bincount(codes, minlength=allowed.size).astype(np.float64)
        hc = np.bincount(codes, weights=ys, minlength=allowed.size)
        means.append(_mean_key(h - hc, n - cnt))
        kept.append(n - cnt)
        ok.append(allowed & (cnt > 0) & (cnt < n))
        already.append(np.full(allowed.size, restricted[dn + j]))
        spec += [("cat", j, c) for c in range(allowed.size)]
    if not spec:
        return None
    mean, n_new = np.concatenate(means), np.concatenate(kept)
    mask = np.concatenate(ok) & (n_new >= n_min) & (mean > round(h / n, 12))
    # "original": the highest mean; "lenient1": the gain in mean per case removed
    score = mean if objective == "original" else (mean - h / n) / np.maximum(n - n_new, 1.0)
    i = _best(score, n_new, np.concatenate(already), mask)
    if i < 0:
        return None
    side, j, value = spec[i]
    new = box.copy()
    if side == "lo":
        new.lo[j] = value
    elif side == "hi":
        new.hi[j] = value
    else:
        new.allowed[j][value] = False
    return new


def _paste_once(d: _Design, y: Bool, box: _Box, alpha: float) -> _Box | None:
    """The best paste of ``box`` (None if every paste would lower the mean)."""
    v = box.violations(d)
    nv = v.sum(axis=1)
    inside = nv == 0
    n, h = int(inside.sum()), int(y[inside].sum())
    k = max(1, math.floor(alpha * n + 1e-9))
    mean0 = round(h / n, 12)
    best: tuple[float, int, _Box] | None = None
    dn = len(d.num)
    for j in range(v.shape[1]):
        near = (nv == 1) & v[:, j]  # outside the box on dim j only
        if not near.any():
            continue
        options: list[tuple[Bool, _Box]] = []
        if j < dn:
            x = d.xn[:, j]
            for side in ("lo", "hi"):
                cand = near & ((x < box.lo[j]) if side == "lo" else (x > box.hi[j]))
                if not cand.any():
                    continue
                vals = np.sort(x[cand])
                new = box.copy()
                if side == "lo":
                    new.lo[j] = vals[::-1][min(k, vals.size) - 1]
                    options.append((cand & (x >= new.lo[j]), new))
                else:
                    new.hi[j] = vals[min(k, vals.size) - 1]
                    options.append((cand & (x <= new.hi[j]), new))
        else:
            c = j - dn
            codes = d.xc[:, c]
            for code in np.unique(codes[near]):
                new = box.copy()
                new.allowed[c][code] = True
                options.append((near & (codes == code), new))
        for added, new in options:
            m = round((h + int(y[added].sum())) / (n + int(added.sum())), 12)
            if m >= mean0 and (best is None or m > best[0]):
                best = (m, j, new)
    return None if best is None else best[2]


# ------------------------------------------------------------------------------ PRIM


class PRIM:
    """Patient Rule Induction Method for scenario discovery (Friedman & Fisher 1999).

    Starting from the box that holds every case, *peeling* repeatedly removes the slab that
    leaves the highest share of cases of interest (*density*) in the box: on a numeric input,
    the ``peel_alpha`` share of the box's cases with the lowest (or highest) values; on a
    categorical input, one category. Peeling stops when no peel raises the density or every
    peel would leave fewer than ``mass_min`` of all cases. *Pasting* then grows the last box
    again, ``paste_alpha`` of its cases at a time along one input, while that does not lower
    the density. Each box on the way is kept (:attr:`trajectory_`), so that the analyst can
    choose the trade-off between coverage and density (:meth:`select`).

    Parameters
    ----------
    threshold : float, optional
        When given, the cases of interest are ``y <threshold_type> threshold``; otherwise ``y``
        must be boolean or 0/1.
    peel_alpha : float, default 0.05
        Share of the box's cases removed by one numeric peel (at least one distinct value, so
        that ties and discrete inputs can be peeled: the new limit is the ``k + 1``-th
        smallest value, ``k = max(1, floor(peel_alpha * n_box))``, or the next distinct value
        above the minimum if that equals it; symmetrically at the top).
    paste_alpha : float, default 0.05
        Share of the box's cases (at least one) added by one numeric paste; a categorical paste
        adds one category back.
    mass_min : float, default 0.05
        Smallest share of all cases a peeled box may hold.
    threshold_type : {">=", ">", "<=", "<"}, default ">="
        Comparison with ``threshold``.
    paste : bool, default True
        Whether to paste the last peeled box.
    objective : {"original", "lenient1"}, default "original"
        How peels are ranked: ``"original"`` (Friedman & Fisher 1999) takes the peel with the
        highest density left; ``"lenient1"`` (Kwakkel & Jaxa-Rozen 2016; the EMA Workbench
        default) the highest gain in density per case removed, which keeps a categorical or
        few-valued input, whose peels are large, from winning on a small gain.

    Attributes
    ----------
    trajectory_ : pandas.DataFrame
        One row per box (index ``step``; step 0 is the whole input space): ``coverage`` (share
        of all cases of interest inside), ``density`` (share of the box's cases that are of
        interest), ``mass`` (share of all cases inside), ``res_dim`` (number of restricted
        inputs), ``n``, ``n_interest`` and ``phase`` (``"start"``, ``"peel"`` or ``"paste"``).
    boxes_ : list of pandas.DataFrame
        The limits of each box of the trajectory (see the module docstring for the layout).
    box_, stats_, qp_, selected_ : pandas.DataFrame, pandas.Series, pandas.Series, int
        The selected box (the last one after :meth:`fit`): its limits; its ``coverage``,
        ``density``, ``mass``, ``res_dim``, ``n`` and ``n_interest``; the quasi-p-value of
        each restricted input (see :meth:`select`); its step on the trajectory.
    box_init_ : pandas.DataFrame
        The whole input space (the data ranges and all categories).
    covering_, covering_boxes_ : pandas.DataFrame, list of pandas.DataFrame
        After :meth:`find_boxes`: the statistics and the limits of each box found.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(size=(500, 3))
    >>> y = (X[:, 0] > 0.5) & (X[:, 2] < 0.4)
    >>> prim = PRIM().fit(X, y)
    >>> prim.box_.loc[prim.box_.restricted, ["lower", "upper"]].round(3)
           lower  upper
    input
    x0     0.498  1.000
    x2     0.002  0.399
    >>> prim.stats_[["coverage", "density"]].round(3).tolist()
    [1.0, 1.0]
    >>> bool(prim.qp_.lt(1e-10).all())
    True

    References
    ----------
    Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
    Statistics and Computing, 9(2), 123-143. https://doi.org/10.1023/A:1008894516817

    Bryant, B. P., & Lempert, R. J. (2010). Thinking inside the box: a participatory,
    computer-assisted approach to scenario discovery. Technological Forecasting and Social
    Change, 77(1), 34-49. https://doi.org/10.1016/j.techfore.2009.08.002
    """

    def __init__(
        self,
        threshold: float | None = None,
        *,
        peel_alpha: float = 0.05,
        paste_alpha: float = 0.05,
        mass_min: float = 0.05,
        threshold_type: ThresholdType = ">=",
        paste: bool = True,
        objective: Literal["original", "lenient1"] = "original",
    ) -> None:
        self.threshold = threshold
        self.objective = objective
        self.peel_alpha = peel_alpha
        self.paste_alpha = paste_alpha
        self.mass_min = mass_min
        self.threshold_type = threshold_type
        self.paste = paste

    def __repr__(self) -> str:
        return (f"PRIM(threshold={self.threshold!r}, peel_alpha={self.peel_alpha!r}, "
                f"paste_alpha={self.paste_alpha!r}, mass_min={self.mass_min!r}, "
                f"threshold_type={self.threshold_type!r}, paste={self.paste!r}, "
                f"objective={self.objective!r})")

    def _check_params(self) -> None:
        for name in ("peel_alpha", "paste_alpha"):
            a = getattr(self, name)
            if not 0.0 < a < 0.5:
                raise ValueError(f"{name} must be in (0, 0.5), got {a!r}")
        if self.objective not in ("original", "lenient1"):
            raise ValueError("objective must be 'original' or 'lenient1', got "
                             f"{self.objective!r}")
        if not 0.0 <= self.mass_min < 1.0:
            raise ValueError(f"mass_min must be in [0, 1), got {self.mass_min!r}")

    def fit(self, X: Any, y: ArrayLike, names: Sequence[str] | None = None) -> PRIM:
        """Find one box by peeling and pasting; the last box of the trajectory is selected.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n, k)
            The inputs: numeric columns, and categorical ones (bool, string, object or pandas
            categorical dtype). No missing values.
        y : array-like of shape (n,)
            Cases of interest (boolean or 0/1), or a numeric outcome with ``threshold``.
        names : sequence of str, optional
            Column names of an array ``X`` (default ``x0, x1, ...``).

        Returns
        -------
        PRIM
            ``self``.
        """
        self._check_params()
        self._design = _design(X, names)
        self._y = _target(y, self._design.n, self.threshold, self.threshold_type)
        self._n_total = self._design.n
        self._h_total = int(self._y.sum())
        self._whole = _Box.whole(self._design)
        self.box_init_ = self._whole.frame(self._design)
        rows = np.arange(self._design.n)
        self._rows, self._boxes, phases = self._run(rows)
        self.boxes_ = [b.frame(self._design) for b in self._boxes]
        self.trajectory_ = self._trajectory(self._rows, self._boxes, phases)
        return self.select(-1)

    def _run(self, rows: I64) -> tuple[I64, list[_Box], list[str]]:
        d, y = self._design.take(rows), self._y[rows]
        box = _Box.whole(self._design)
        boxes, phases = [box], ["start"]
        n_min = self.mass_min * self._n_total
        while True:
            new = _peel_once(d, y, box, box.contains(d), self.peel_alpha, n_min,
                             self.objective)
            if new is None:
                break
            box = new
            boxes.append(box)
            phases.append("peel")
        if self.paste:
            pasted = False
            while True:
                new = _paste_once(d, y, box, self.paste_alpha)
                if new is None:
                    break
                box, pasted = new, True
            if pasted:
                boxes.append(box)
                phases.append("paste")
        return rows, boxes, phases

    def _box_stats(self, rows: I64, box: _Box) -> dict[str, Any]:
        d = self._design.take(rows)
        inside = box.contains(d)
        n, h = int(inside.sum()), int(self._y[rows][inside].sum())
        return {"coverage": h / self._h_total, "density": h / n if n else np.nan,
                "mass": n / self._n_total, "res_dim": int(box.restricted(self._design).sum()),
                "n": n, "n_interest": h}

    def _trajectory(self, rows: I64, boxes: list[_Box], phases: list[str]) -> pd.DataFrame:
        out = pd.DataFrame([self._box_stats(rows, b) for b in boxes])
        out["phase"] = phases
        out.index.name = "step"
        return out

    def _qp(self, rows: I64, box: _Box) -> pd.Series:
        d = self._design.take(rows)
        qp = _quasi_p(d, self._y[rows], box)
        names = [self._design.names[self._design.order[k]] for k in qp]
        out = pd.Series(list(qp.values()), index=pd.Index(names, name="input"), name="qp",
                        dtype=np.float64)
        return out.reindex([n for n in self._design.names if n in out.index])

    def select(self, i: int) -> PRIM:
        """Select box ``i`` of the trajectory (negative counts from the end).

        Sets :attr:`box_`, :attr:`stats_`, :attr:`selected_` and :attr:`qp_`. The quasi-p-value
        of a restricted input ``j`` (Bryant & Lempert 2010) asks whether the restriction on
        ``j`` raises the density by more than chance: with ``T``, ``H`` the cases and the cases
        of interest in the box, and ``T_j``, ``H_j`` those in the box with the limits on ``j``
        removed (every other limit kept), it is the one-sided binomial tail
        ``P(B >= H)`` for ``B ~ Binomial(T, H_j / T_j)``
        (``scipy.stats.binom.sf(H - 1, T, H_j / T_j)``). It is a heuristic, not a p-value of
        a pre-registered test: the box was fitted to these data.

        Parameters
        ----------
        i : int
            Step on :attr:`trajectory_`.

        Returns
        -------
        PRIM
            ``self``.
        """
        if not hasattr(self, "_boxes"):
            raise RuntimeError("PRIM is not fitted yet: call fit(X, y) first")
        n = len(self._boxes)
        if not -n <= i < n:
            raise IndexError(f"box {i} is not on the trajectory (steps 0 to {n - 1})")
        step = i % n
        box = self._boxes[step]
        self.selected_ = step
        self.box_ = self.boxes_[step]
        self.stats_ = self.trajectory_.loc[step].drop("phase").astype(np.float64)
        self.qp_ = self._qp(self._rows, box)
        return self

    def find_boxes(self, n_boxes: int, *, density_min: float = 0.5) -> PRIM:
        """Covering: up to ``n_boxes`` boxes, each found after removing the cases in the
        previous ones (Friedman & Fisher 1999, section 6).

        The first box is the one selected now; each further box is the last box of a fresh
        peeling and pasting run on the remaining cases. Coverage and mass stay shares of *all*
        cases (of interest), as in the EMA Workbench, so the coverages add up. The search
        stops early when no case of interest is left, or a new box restricts nothing or is
        less dense than ``density_min`` (such a box is not kept).

        Parameters
        ----------
        n_boxes : int
            Largest number of boxes.
        density_min : float, default 0.5
            Smallest density of a further box (the first box is kept whatever its density).

        Returns
        -------
        PRIM
            ``self``, with :attr:`covering_` (one row per box: ``coverage``, ``density``,
            ``mass``, ``res_dim``, ``n``, ``n_interest``) and :attr:`covering_boxes_`.
        """
        if not hasattr(self, "_boxes"):
            raise RuntimeError("PRIM is not fitted yet: call fit(X, y) first")
        if n_boxes < 1:
            raise ValueError(f"n_boxes must be at least 1, got {n_boxes!r}")
        box = self._boxes[self.selected_]
        rows = self._rows
        stats_rows = [self._box_stats(rows, box)]
        limits = [self.box_]
        while len(limits) < n_boxes:
            rows = rows[~box.contains(self._design.take(rows))]
            if rows.size == 0 or not self._y[rows].any():
                break
            _, boxes, _ = self._run(rows)
            box = boxes[-1]
            found = self._box_stats(rows, box)
            if not box.restricted(self._design).any() or found["density"] < density_min:
                break
            stats_rows.append(found)
            limits.append(box.frame(self._design))
        self.covering_ = pd.DataFrame(stats_rows).rename_axis("box")
        self.covering_boxes_ = limits
        return self


# ------------------------------------------------------------------------------ CART


@dataclass
class _Node:
    rows: I64
    box: _Box
    depth: int
    dim: int = -1  # internal dim of the split; -1 for a leaf
    threshold: float = np.nan  # numeric split: left is x <= threshold
    left_codes: Bool | None = None  # categorical split: left is these codes
    left: int = -1
    right: int = -1


def _gini_sum(n: F64, h: F64) -> F64:
    """n times the Gini impurity of a node with n cases of which h are of interest."""
    p = h / np.maximum(n, 1.0)
    return 2.0 * n * p * (1.0 - p)


class CART:
    """A binary classification tree for scenario discovery (Breiman et al. 1984).

    Each node is split in two on the input and the cut that most reduce the Gini impurity
    (weighted by the number of cases): a numeric input at the midpoint between two
    consecutive distinct values, a categorical input into two sets of categories (the
    categories ordered by their share of cases of interest, which finds the best of all
    subsets for a two-class outcome; Breiman et al. 1984, section 4.2.2). Each leaf is a box.

    Parameters
    ----------
    max_depth : int, default 4
        Deepest level of a leaf (the root is depth 0).
    min_samples_leaf : int, default 5
        Fewest cases in a leaf.
    min_impurity_decrease : float, default 0.0
        A split must lower the summed impurity by more than this share of all cases.
    threshold : float, optional
        As for :class:`PRIM`.
    threshold_type : {">=", ">", "<=", "<"}, default ">="
        As for :class:`PRIM`.

    Attributes
    ----------
    leaves_ : pandas.DataFrame
        One row per leaf (index ``leaf``, the node id, in tree order): ``n``, ``n_interest``,
        ``mass``, ``density``, ``coverage``, ``res_dim``, ``predicted`` (density above 1/2)
        and ``rule`` (the path from the root, as text).
    leaf_boxes_ : dict of int to pandas.DataFrame
        The limits of each leaf (module layout; a numeric ``lower`` limit set by a split is
        exclusive, an ``upper`` one inclusive; unrestricted limits are the data range).
    n_leaves_, depth_ : int
        Size of the tree.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = rng.uniform(size=(500, 3))
    >>> y = (X[:, 0] > 0.5) & (X[:, 2] < 0.4)
    >>> tree = CART(max_depth=2).fit(X, y)
    >>> tree.leaves_[["n", "density", "coverage", "rule"]].round(3)
            n  density  coverage                         rule
    leaf
    2     294      0.0       0.0                  x2 > 0.4001
    3     111      0.0       0.0  x2 <= 0.4001 & x0 <= 0.4969
    4      95      1.0       1.0   x2 <= 0.4001 & x0 > 0.4969

    References
    ----------
    Breiman, L., Friedman, J. H., Olshen, R. A., & Stone, C. J. (1984). Classification and
    Regression Trees. Wadsworth, Belmont, CA.
    """

    def __init__(
        self,
        max_depth: int = 4,
        *,
        min_samples_leaf: int = 5,
        min_impurity_decrease: float = 0.0,
        threshold: float | None = None,
        threshold_type: ThresholdType = ">=",
    ) -> None:
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.min_impurity_decrease = min_impurity_decrease
        self.threshold = threshold
        self.threshold_type = threshold_type

    def __repr__(self) -> str:
        return (f"CART(max_depth={self.max_depth!r}, min_samples_leaf={self.min_samples_leaf!r}"
                f", min_impurity_decrease={self.min_impurity_decrease!r}, "
                f"threshold={self.threshold!r}, threshold_type={self.threshold_type!r})")

    def fit(self, X: Any, y: ArrayLike, names: Sequence[str] | None = None) -> CART:
        """Grow the tree.

        Parameters
        ----------
        X, y, names
            As for :meth:`PRIM.fit`.

        Returns
        -------
        CART
            ``self``.
        """
        if self.max_depth < 0:
            raise ValueError(f"max_depth must be >= 0, got {self.max_depth!r}")
        if self.min_samples_leaf < 1:
            raise ValueError(f"min_samples_leaf must be >= 1, got {self.min_samples_leaf!r}")
        d = _design(X, names)
        yy = _target(y, d.n, self.threshold, self.threshold_type)
        self._design, self._y = d, yy
        nodes = [_Node(np.arange(d.n), _Box.whole(d), 0)]
        i = 0
        while i < len(nodes):  # breadth first, so node ids read level by level
            self._split(nodes, i)
            i += 1
        self._nodes = nodes
        h_total, n_total = int(yy.sum()), d.n
        rows, boxes = [], {}
        for nid, node in enumerate(nodes):
            if node.dim >= 0:
                continue
            n, h = node.rows.size, int(yy[node.rows].sum())
            rows.append({"leaf": nid, "n": n, "n_interest": h, "mass": n / n_total,
                         "density": h / n, "coverage": h / h_total,
                         "res_dim": int(node.box.restricted(d).sum()),
                         "predicted": h / n > 0.5, "rule": self._rule(nid)})
            boxes[nid] = node.box.frame(d)
        self.leaves_ = pd.DataFrame(rows).set_index("leaf")
        self.leaf_boxes_ = boxes
        self.n_leaves_ = len(boxes)
        self.depth_ = max(node.depth for node in nodes)
        return self

    def _split(self, nodes: list[_Node], i: int) -> None:
        node, d, msl = nodes[i], self._design, self.min_samples_leaf
        rows = node.rows
        n = rows.size
        ys = self._y[rows].astype(np.float64)
        h = float(ys.sum())
        if node.depth >= self.max_depth or n < 2 * msl or h in (0.0, float(n)):
            return
        parent = float(_gini_sum(np.array([n], float), np.array([h]))[0])
        best: tuple[float, int, float, Bool | None] = (parent, -1, np.nan, None)
        dn = len(d.num)
        for j in range(dn):
            x = d.xn[rows, j]
            order = np.argsort(x, kind="stable")
            xs, cum = x[order], np.cumsum(ys[order])
            nl = np.arange(1, n, dtype=np.float64)  # left sizes for cut after position 0..n-2
            hl = cum[:-1]
            imp = _gini_sum(nl, hl) + _gini_sum(n - nl, h - hl)
            ok = (xs[:-1] < xs[1:]) & (nl >= msl) & (n - nl >= msl)
            if ok.any():
                c = int(np.flatnonzero(ok)[np.argmin(imp[ok])])
                if imp[c] < best[0]:
                    best = (float(imp[c]), j, 0.5 * (xs[c] + xs[c + 1]), None)
        for j, cats in enumerate(d.categories):
            codes = d.xc[rows, j]
            cnt = np.bincount(codes, minlength=len(cats)).astype(np.float64)
            hc = np.bincount(codes, weights=ys, minlength=len(cats))
            present = np.flatnonzero(cnt > 0)
            if present.size < 2:
                continue
            present = present[np.argsort(hc[present] / cnt[present], kind="stable")]
            nl, hl = np.cumsum(cnt[present])[:-1], np.cumsum(hc[present])[:-1]
            imp = _gini_sum(nl, hl) + _gini_sum(n - nl, h - hl)
            ok = (nl >= msl) & (n - nl >= msl)
            if ok.any():
                c = int(np.flatnonzero(ok)[np.argmin(imp[ok])])
                if imp[c] < best[0]:
                    left = np.zeros(len(cats), bool)
                    left[present[: c + 1]] = True
                    best = (float(imp[c]), dn + j, np.nan, left)
        gain, dim = parent - best[0], best[1]
        if dim < 0 or gain <= self.min_impurity_decrease * d.n or gain <= _TIE:
            return
        go_left = self._goes_left(d.xn[rows], d.xc[rows], dim, best[2], best[3])
        lbox, rbox = node.box.copy(), node.box.copy()
        if dim < dn:
            lbox.hi[dim] = min(lbox.hi[dim], best[2])
            rbox.lo[dim] = max(rbox.lo[dim], best[2])
        else:
            codes_left = best[3]
            assert codes_left is not None
            lbox.allowed[dim - dn] &= codes_left
            rbox.allowed[dim - dn] &= ~codes_left
        node.dim, node.threshold, node.left_codes = dim, best[2], best[3]
        node.left, node.right = len(nodes), len(nodes) + 1
        nodes.append(_Node(rows[go_left], lbox, node.depth + 1))
        nodes.append(_Node(rows[~go_left], rbox, node.depth + 1))

    def _goes_left(self, xn: F64, xc: I64, dim: int, threshold: float,
                   left: Bool | None) -> Bool:
        dn = len(self._design.num)
        if dim < dn:
            return np.asarray(xn[:, dim] <= threshold)
        assert left is not None
        return np.asarray(left[xc[:, dim - dn]])

    def _rule(self, nid: int) -> str:
        parent = {c: p for p, node in enumerate(self._nodes) for c in (node.left, node.right)
                  if node.dim >= 0}
        d, dn, parts = self._design, len(self._design.num), []
        while nid in parent:
            p = parent[nid]
            node = self._nodes[p]
            name = d.names[d.order[node.dim]]
            is_left = node.left == nid
            if node.dim < dn:
                parts.append(f"{name} {'<=' if is_left else '>'} {node.threshold:.4g}")
            else:
                assert node.left_codes is not None
                sel = node.left_codes if is_left else ~node.left_codes
                cats = [c for c, s in zip(d.categories[node.dim - dn], sel, strict=True) if s]
                parts.append(f"{name} in {cats}")
            nid = p
        return " & ".join(reversed(parts)) if parts else "(all)"

    def apply(self, X: Any, names: Sequence[str] | None = None) -> I64:
        """The leaf id of each row of ``X`` (same columns as in :meth:`fit`)."""
        if not hasattr(self, "_nodes"):
            raise RuntimeError("CART is not fitted yet: call fit(X, y) first")
        d = _design(X, names)
        if d.names != self._design.names:
            raise ValueError(f"X has columns {list(d.names)}, the tree was fitted on "
                             f"{list(self._design.names)}")
        # recode categories in the fitted coding; unseen categories go right
        xc = np.empty_like(d.xc)
        for j, (seen, fitted) in enumerate(zip(d.categories, self._design.categories,
                                               strict=True)):
            pos = {c: k for k, c in enumerate(fitted)}
            lut = np.array([pos.get(c, len(fitted)) for c in seen], dtype=np.int64)
            xc[:, j] = lut[d.xc[:, j]]
        out = np.zeros(d.n, dtype=np.int64)
        stack = [(0, np.arange(d.n))]
        while stack:
            nid, rows = stack.pop()
            node = self._nodes[nid]
            if node.dim < 0:
                out[rows] = nid
                continue
            left: Bool | None = None
            if node.left_codes is not None:
                left = np.append(node.left_codes, False)  # the unseen-category slot
            go = self._goes_left(d.xn[rows], xc[rows], node.dim, node.threshold, left)
            stack += [(node.left, rows[go]), (node.right, rows[~go])]
        return out

    def predict(self, X: Any, names: Sequence[str] | None = None) -> Bool:
        """Whether each row of ``X`` falls in a leaf whose density is above 1/2."""
        pred = self.leaves_["predicted"]
        return np.asarray(pred.reindex(pd.Index(self.apply(X, names))).to_numpy(),
                          dtype=np.bool_)


# ---------------------------------------------------------------------------- datasets


@overload
def discover(
    ds: xr.Dataset,
    outcome: str,
    *,
    condition: Callable[[xr.DataArray], Any] | str,
    inputs: Sequence[str] | None = ...,
    method: Literal["prim"] = ...,
    **kw: Any,
) -> PRIM: ...


@overload
def discover(
    ds: xr.Dataset,
    outcome: str,
    *,
    condition: Callable[[xr.DataArray], Any] | str,
    inputs: Sequence[str] | None = ...,
    method: Literal["cart"],
    **kw: Any,
) -> CART: ...


def discover(
    ds: xr.Dataset,
    outcome: str,
    *,
    condition: Callable[[xr.DataArray], Any] | str,
    inputs: Sequence[str] | None = None,
    method: Literal["prim", "cart"] = "prim",
    **kw: Any,
) -> PRIM | CART:
    """Scenario discovery on a results Dataset.

    The inputs (``X``) are the variables on ``experiment`` alone, broadcast over the
    replications (one row per run, experiment-major); the cases of interest (``y``) are
    ``condition(ds[outcome])``. Failed runs (``status`` other than ``"ok"``, a NaN outcome or
    an empty ``outcome_class``) are left out.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with dims ``experiment`` and ``replication`` (``docs/experiments.md``).
    outcome : str
        Variable on (``experiment``, ``replication``), e.g. ``"outcome_max_rung"``.
    condition : callable or str
        A function of the outcome DataArray returning booleans (``lambda v: v >= 6``), or,
        for a string outcome such as ``outcome_class``, the value of interest
        (``"nuclear_use"``).
    inputs : sequence of str, optional
        Inputs to use; default: the variables with attribute ``role`` ``uncertainty`` or
        ``lever``, or, if none has one, every variable on ``experiment`` alone except
        ``scenario_id`` and ``policy_id``.
    method : {"prim", "cart"}, default "prim"
        The estimator.
    **kw
        Hyper-parameters of :class:`PRIM` or :class:`CART`.

    Returns
    -------
    PRIM or CART
        The fitted estimator.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> rate = rng.uniform(0, 1, 200)
    >>> rung = np.where(rate[:, None] > 0.7, 6, 3) + np.zeros((200, 2))
    >>> ds = xr.Dataset({"threat_rate": ("experiment", rate, {"role": "uncertainty"}),
    ...                  "outcome_max_rung": (("experiment", "replication"), rung)})
    >>> prim = discover(ds, "outcome_max_rung", condition=lambda v: v >= 6)
    >>> prim.box_.loc["threat_rate", ["lower", "upper"]].round(2).tolist()
    [0.7, 1.0]
    """
    for dim in ("experiment", "replication"):
        if dim not in ds.dims:
            raise ValueError(f"ds has no {dim!r} dim (dims: {list(ds.dims)})")
    if outcome not in ds.data_vars:
        known = sorted(str(v) for v in ds.data_vars if set(ds[v].dims) == {"experiment",
                                                                            "replication"})
        raise KeyError(f"unknown outcome {outcome!r}; outcomes on (experiment, replication): "
                       f"{known}")
    out = ds[outcome]
    if set(out.dims) != {"experiment", "replication"}:
        raise ValueError(f"outcome {outcome!r} must be on (experiment, replication), "
                         f"got {out.dims}")
    on_exp = [str(v) for v in ds.data_vars if ds[v].dims == ("experiment",)]
    if inputs is None:
        chosen = [v for v in on_exp if ds[v].attrs.get("role") in ("uncertainty", "lever")]
        if not chosen:
            chosen = [v for v in on_exp if v not in _ID_VARIABLES]
        if not chosen:
            raise ValueError("ds has no input variables on 'experiment'")
    else:
        chosen = list(inputs)
        bad = [v for v in chosen if v not in on_exp]
        if bad:
            raise KeyError(f"unknown inputs {bad}; variables on 'experiment': {on_exp}")
        if not chosen:
            raise ValueError("inputs is empty")
    out = out.transpose("experiment", "replication")
    if callable(condition):
        flag = np.asarray(condition(out), dtype=bool)
    elif isinstance(condition, str):
        flag = np.asarray(out.values == condition, dtype=bool)
    else:
        raise TypeError(f"condition must be a callable or a string, got {type(condition)}")
    if flag.shape != out.shape:
        raise ValueError(f"condition returned shape {flag.shape}, expected {out.shape}")
    ok = np.ones(out.shape, dtype=bool)
    if out.dtype.kind == "f":
        ok &= ~np.isnan(out.values)
    elif out.dtype.kind in "UO":
        ok &= out.values != ""
    if "status" in ds.data_vars and set(ds["status"].dims) == {"experiment", "replication"}:
        ok &= ds["status"].transpose("experiment", "replication").values == "ok"
    n_rep = ds.sizes["replication"]
    frame = pd.DataFrame({v: np.repeat(ds[v].values, n_rep) for v in chosen})
    keep = ok.ravel()
    X = frame.loc[keep].reset_index(drop=True)
    y = flag.ravel()[keep]
    est: PRIM | CART
    if method == "prim":
        est = PRIM(**kw)
    elif method == "cart":
        est = CART(**kw)
    else:
        raise ValueError(f"method must be 'prim' or 'cart', got {method!r}")
    return est.fit(X, y)


# ------------------------------------------------------------------------------- plots


def _axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.8)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _fmt(value: float, span: float) -> str:
    """A limit with three significant digits of the input's range."""
    decimals = max(0, 2 - math.floor(math.log10(span))) if span > 0 else 3
    return f"{value:.{decimals}f}"


def _check_prim(prim: Any) -> None:
    if not isinstance(prim, PRIM) or not hasattr(prim, "trajectory_"):
        raise TypeError("expected a fitted PRIM")


def plot_tradeoff(prim: PRIM, ax: Axes | None = None) -> Axes:
    """Coverage against density along the peeling trajectory.

    Each box is a point coloured by its number of restricted inputs on a sequential,
    colour-blind-safe scale (viridis, with a colour bar, as EMA Workbench draws it); the
    selected box is ringed and labelled with its step.

    Parameters
    ----------
    prim : PRIM
        A fitted PRIM.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import BoundaryNorm

    _check_prim(prim)
    ax = _axes(ax)
    t = prim.trajectory_
    dims = t["res_dim"].to_numpy(dtype=int)
    top = max(int(dims.max()), 1)
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), 256)
    points = ax.scatter(t["coverage"], t["density"], c=dims, cmap="viridis", norm=norm, s=28,
                        edgecolor="white", linewidth=0.5, zorder=3)
    bar = ax.figure.colorbar(points, ax=ax, pad=0.02, fraction=0.05)
    bar.set_label("restricted inputs")
    bar.set_ticks(list(range(0, top + 1, max(1, (top + 1) // 8))))
    ax.plot(t["coverage"], t["density"], color="0.75", linewidth=0.8, zorder=2)
    sel = t.loc[prim.selected_]
    ax.scatter([sel["coverage"]], [sel["density"]], s=140, facecolor="none",
               edgecolor="black", linewidth=1.2, zorder=4)
    ax.annotate(f"selected (step {prim.selected_})", (sel["coverage"], sel["density"]),
                xytext=(8, -14), textcoords="offset points", fontsize=8)
    ax.set_xlabel("coverage (share of cases of interest in the box)")
    ax.set_ylabel("density (share of the box's cases of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_title("PRIM peeling trajectory")
    return ax


def plot_box(prim: PRIM, i: int | None = None, ax: Axes | None = None) -> Axes:
    """The limits of one box, each restricted input scaled to its range in the data.

    One row per restricted input: the grey line is the whole range, the blue bar the box;
    numeric limits are written at the ends of the bar, and each row's label carries the
    quasi-p-value. A categorical input shows its categories as dots, filled when allowed.

    Parameters
    ----------
    prim : PRIM
        A fitted PRIM.
    i : int, optional
        Step on the trajectory; default the selected box.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_prim(prim)
    step = prim.selected_ if i is None else i % len(prim.boxes_)
    limits = prim.boxes_[step]
    qp = prim.qp_ if step == prim.selected_ else prim._qp(prim._rows, prim._boxes[step])
    limits_d: dict[Hashable, dict[Hashable, Any]] = limits.to_dict("index")
    init_d: dict[Hashable, dict[Hashable, Any]] = prim.box_init_.to_dict("index")
    dims = [str(n) for n in limits.index[limits["restricted"]]]
    ax = _axes(ax, (6.4, 1.4 + 0.8 * max(len(dims), 1)))
    blue = _PALETTE[0]
    for r, name in enumerate(dims):
        y = len(dims) - 1 - r
        ax.plot([0, 1], [y, y], color="0.8", linewidth=6, solid_capstyle="butt", zorder=1)
        row = limits_d[name]
        if row["categories"] is None:
            lo0, hi0 = init_d[name]["lower"], init_d[name]["upper"]
            span = hi0 - lo0 if hi0 > lo0 else 1.0
            a, b = (row["lower"] - lo0) / span, (row["upper"] - lo0) / span
            ax.plot([a, b], [y, y], color=blue, linewidth=6, solid_capstyle="butt", zorder=2)
            # lower limit below the bar, upper above: they never collide on a short bar
            ax.annotate(_fmt(row["lower"], span), (a, y), xytext=(0, -9),
                        textcoords="offset points", ha="center", va="top", fontsize=8)
            ax.annotate(_fmt(row["upper"], span), (b, y), xytext=(0, 9),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8)
        else:
            cats: list[Any] = list(init_d[name]["categories"])
            pos = np.linspace(0, 1, len(cats) + 2)[1:-1]
            for p, c in zip(pos, cats, strict=True):
                allowed = c in row["categories"]
                ax.scatter([p], [y], s=60, zorder=3, color=blue if allowed else "white",
                           edgecolor=blue)
                ax.annotate(str(c), (p, y), xytext=(0, 9), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8)
    labels = [f"{n}\nqp = {qp.get(n, np.nan):.2g}" for n in dims]
    ax.set_yticks(range(len(dims) - 1, -1, -1), labels)
    ax.set_ylim(-0.7, max(len(dims) - 0.4, 0.6))
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("position in the input's range (0 = smallest, 1 = largest value)")
    st = prim.trajectory_.loc[step]
    ax.set_title(f"PRIM box (step {step}): coverage {st['coverage']:.2f}, "
                 f"density {st['density']:.2f}, mass {st['mass']:.2f}", fontsize=10)
    if not dims:
        ax.text(0.5, 0, "no input is restricted", ha="center", va="center")
    return ax
