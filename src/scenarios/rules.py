"""The model's rules, each written once as a function of arrays with any leading batch shape.

Shapes: ``(..., N)`` for a value per actor, ``(..., N, N)`` for a directed dyad (row = sender,
supplier or escalating state; column = target or recipient). A decision rule is elementwise in
(row, column), so it gives the same numbers whether it is called on one agent's row, shape
``(..., 1, N)``, inside :class:`scenarios.StateAgent`, or on every row of a block of runs at once
in the batched engine. Parameters may be Python floats or arrays that broadcast against the
leading batch shape followed by the actor axes (see :func:`scenarios.dynamics.param_view`).

Equations, the report driver each rule encodes and the published model it follows are in
``docs/model.md``; the section names below match it.

Compiled kernels (numba). Each formula is one scalar ``@numba.njit`` function (or a per-run
helper for a rule that sums over actors), written once; the public rule calls it through a
``vectorize`` ufunc or a loop over the runs of its batch, and the month's fused kernels
(``_perception``, ``_decide_rows``, ``_resolve_flows``, ``_resolve_wars``,
``_resolve_opinion``, ``_bloc_kernel``), which :mod:`scenarios.dynamics` and
:mod:`scenarios.outcomes` call for a whole block of runs (or one run, one row, in the Mesa
model), call the same functions. The kernels keep numpy's numbers bit for bit: the same IEEE
operations in the same order; sums in numpy's order (:func:`pairwise_sum` over a contiguous
last axis, left to right over another); ``max``, ``min`` and ``clip`` with numpy's ties and
NaNs (``_fmax``, ``_fmin``, ``_clip``); the logistic by the C library's ``exp`` as scipy's
``expit`` (``_sig``). numpy's own SIMD ``exp``, ``log``, ``log1p`` and ``tanh``, scipy's
``ndtri`` and the BLAS product of the structural-balance term differ from any loop in the
last bit, so they stay numpy calls on whole arrays between the kernels. Kernels receive
runs flattened into one leading axis (:func:`flat_runs`) and parameters as one value per
run (:func:`per_run`).

This module may import numpy, scipy and numba only.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "RUNGS",
    "SANCTION_OUTCOMES",
    "ParamView",
    "affinity_from_alignment",
    "affinity_update",
    "alignment_update",
    "arms_allocation",
    "bloc_labels",
    "bloc_partition",
    "capacity_scale",
    "classify",
    "deterrence",
    "econ_update",
    "effective_poles",
    "escalation_move",
    "escalation_pressure",
    "food_update",
    "front_update",
    "hostility",
    "leakage",
    "munitions_shortfall",
    "pact_trigger",
    "polarization",
    "sanction_bite",
    "sanction_game",
    "sigmoid",
    "support_norm",
    "tech_transfer",
    "threat_motive",
    "vote_draw",
    "vote_probabilities",
    "willingness",
]

Array = NDArray[Any]
Float = float | Array

#: The escalation ladder, condensed from Kahn (1965) to eight rungs.
RUNGS: tuple[str, ...] = (
    "normal relations",
    "diplomatic crisis",
    "economic coercion",
    "military signalling",
    "proxy war",
    "conventional war",
    "limited nuclear use",
    "general nuclear war",
)
#: Rung at which two states are at war, and the first nuclear rung.
WAR_RUNG, NUCLEAR_RUNG = 5, 6

#: Codes of :func:`sanction_game`: no threat, target concedes, imposed, sender backs down.
SANCTION_OUTCOMES: tuple[str, ...] = ("none", "concede", "imposed", "backdown")



def sigmoid(z: Any) -> Any:
    """Logistic function, ``1 / (1 + exp(-z))``, exact at large ``|z|``.

    One definition, :func:`_sig`, serves here (as a ufunc) and inside the compiled rules;
    it gives the same bits as scipy's ``expit``.

    Examples
    --------
    >>> float(sigmoid(0.0))
    0.5
    """
    return _sigmoid(z)


@numba.njit(cache=True, inline="always")
def _sig(z: float) -> float:  # pragma: no cover - compiled
    """The logistic function in a kernel: ``1 / (1 + exp(-z))`` with the C library's
    ``exp``, as scipy's ``expit``; 0 where ``exp(-z)`` overflows, as there, and 1 where
    ``exp(-z) < 2**-53`` rounds away in ``1 + exp(-z)`` (``z > 36.8``), without raising the
    underflow flag."""
    if z < -710.0:
        return 0.0
    if z > 40.0:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


@numba.vectorize(["f8(f8)"], cache=True)
def _sigmoid(z: float) -> float:  # pragma: no cover - compiled
    return _sig(z)


class ParamView:
    """Attribute view of parameters reshaped to broadcast against arrays of ``ndim`` dims.

    A parameter that varies across runs has the batch shape ``(B,)``; against a dyadic array
    ``(B, N, N)`` it must become ``(B, 1, 1)``, against a per-actor array ``(B, N)``
    ``(B, 1)``. Scalars pass through unchanged. ``like`` is an array of the target shape or
    its number of dimensions.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> ParamView(NS(rate=np.array([0.1, 0.2])), np.zeros((2, 3, 3))).rate.shape
    (2, 1, 1)
    >>> ParamView(NS(rate=0.1), 2).rate
    0.1
    """

    __slots__ = ("_nd", "_p")

    def __init__(self, p: Any, like: Any) -> None:
        self._p = p
        self._nd = like if isinstance(like, int) else np.ndim(like)

    def __getattr__(self, name: str) -> Any:
        return _bc(getattr(self._p, name), self._nd)


def _bc(v: Any, nd: int) -> Any:
    """Reshape a batch-shaped parameter to broadcast against an array of ``nd`` dims."""
    if isinstance(v, np.ndarray) and v.ndim:
        return v.reshape(v.shape + (1,) * (nd - v.ndim))
    return v


def per_run(v: Any, batch: tuple[int, ...]) -> NDArray[np.float64]:
    """A parameter as a contiguous float64 array of one value per run, shape ``(B,)``.

    ``batch`` is the leading batch shape of the state (``()`` for one Mesa run); ``B`` is
    its size. A Python float or an array broadcasting against ``batch`` is accepted. This
    is how the compiled kernels receive parameters: they index them by flat run ``b``.

    Examples
    --------
    >>> per_run(0.5, (3,)).tolist(), per_run(np.array([1.0, 2.0]), (2,)).tolist()
    ([0.5, 0.5, 0.5], [1.0, 2.0])
    >>> per_run(0.5, ()).shape
    (1,)
    """
    a = np.broadcast_to(np.asarray(v, dtype=np.float64), batch).reshape(-1)
    return np.array(a, order="C")  # a writable copy: one kernel specialisation for all forms


def flat_runs(a: Any, core: int) -> NDArray[Any]:
    """``a`` with its batch axes flattened into one leading run axis, C-contiguous.

    ``core`` is the number of trailing actor axes (1 for ``(..., N)``, 2 for ``(..., N, N)``).
    A view when ``a`` is already contiguous, so a kernel writing into it writes into ``a``.

    Examples
    --------
    >>> flat_runs(np.zeros((2, 3, 4, 4)), 2).shape
    (6, 4, 4)
    >>> flat_runs(np.zeros((4, 4)), 2).shape
    (1, 4, 4)
    """
    a = np.asarray(a)
    return np.ascontiguousarray(a.reshape((-1, *a.shape[a.ndim - core:])))


@numba.njit(cache=True)
def pairwise_sum(a: Any) -> float:  # pragma: no cover - compiled
    """Sum of a contiguous 1-D float64 array in numpy's own order, inside a kernel.

    numpy's ``add.reduce`` over a contiguous axis sums pairwise: eight running partial sums
    over blocks of 128 elements (halved recursively above that), combined as
    ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, then the remainder in order. A
    kernel summing a row with this function gives the bits of ``x.sum(axis=-1)``; a sum over
    a non-contiguous axis (``x.sum(axis=-2)``) is plain left-to-right in numpy (tested in
    ``tests/test_rules.py``).
    """
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
        r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
        m = n - n % 8
        i = 8
        while i < m:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise_sum(a[:half]) + pairwise_sum(a[half:])


@numba.njit(cache=True, error_model="numpy", inline="always")
def _fmax(x: float, y: float) -> float:  # pragma: no cover - compiled
    """``np.maximum(x, y)`` in a kernel: a NaN propagates, a tie (``0.0`` and ``-0.0``)
    gives ``y``, as numpy does."""
    if x != x:
        return x
    return x if x > y else y


@numba.njit(cache=True, error_model="numpy", inline="always")
def _fmin(x: float, y: float) -> float:  # pragma: no cover - compiled
    """``np.minimum(x, y)`` in a kernel (a NaN propagates, a tie gives ``y``)."""
    if x != x:
        return x
    return x if x < y else y


@numba.njit(cache=True, error_model="numpy", inline="always")
def _clip(x: float, lo: float, hi: float) -> float:  # pragma: no cover - compiled
    """``np.clip(x, lo, hi)`` in a kernel: ``x`` unless strictly outside (a NaN stays)."""
    if x < lo:
        x = lo
    if x > hi:
        x = hi
    return x


def _runs(a: Any, core: int, dtype: Any = np.float64) -> Array:
    """``a`` as a writable C-contiguous array of ``dtype`` (``None``: its own) with one
    leading run axis (:func:`flat_runs`), so that every kernel call sees the same argument
    types."""
    f = flat_runs(np.asarray(a, dtype=dtype), core)
    return f if f.flags.writeable else f.copy()


def _runs_as(a: Any, shape: tuple[int, ...], core: int, dtype: Any = np.float64) -> Array:
    """:func:`_runs` of ``a`` broadcast to ``shape`` (a view of ``a`` when it has that shape
    and is contiguous, a copy otherwise)."""
    return _runs(a if np.shape(a) == shape else np.broadcast_to(a, shape), core, dtype)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _clip01(x: float) -> float:  # pragma: no cover - compiled
    """``np.clip(x, 0.0, 1.0)`` in a kernel."""
    return _clip(x, 0.0, 1.0)


def _col(v: Any) -> Any:
    """Turn a per-actor array ``(..., N)`` into a column ``(..., N, 1)`` (the row actor)."""
    return np.asarray(v)[..., :, None]


def _row(v: Any) -> Any:
    """Turn a per-actor array ``(..., N)`` into a row ``(..., 1, N)`` (the column actor)."""
    return np.asarray(v)[..., None, :]


# --------------------------------------------------------------------------- perception
#
# The perception rules are compiled: each reduction is a per-run helper (``_*_run``) that
# the public rule calls for every run of its batch and the month's fused kernel
# (:func:`_perception`) calls inside its own sweep, so each formula is written once.


@numba.njit(cache=True, inline="always")
def _lever_scale(mask: float, lever: float) -> float:  # pragma: no cover - compiled
    """A lever's multiplier on an actor: ``1 + mask * (lever - 1)``."""
    return 1.0 + mask * (lever - 1.0)


@numba.njit(cache=True, inline="always")
def _off(i: int, j: int) -> float:  # pragma: no cover - compiled
    """``(1 - I)_ij``: 0.0 on the diagonal, 1.0 off it."""
    return 0.0 if i == j else 1.0


def hostility(affinity: Array, at_war: Array) -> Array:
    """Hostility in [0, 1]: negative affinity, and 1 between states at war.

    Examples
    --------
    >>> hostility(np.array([[1.0, -0.4], [-0.4, 1.0]]), np.zeros((2, 2))).tolist()
    [[0.0, 0.4], [0.4, 0.0]]
    """
    return _hostility(affinity, at_war)


@numba.njit(cache=True, inline="always")
def _hostile(a: float, w: float) -> float:  # pragma: no cover - compiled
    """``H_ij = max(max(-A_ij, 0), W_ij)``."""
    return _fmax(_fmax(-a, 0.0), w)


@numba.vectorize(["f8(f8, f8)"], cache=True)
def _hostility(a: float, w: float) -> float:  # pragma: no cover - compiled
    return _hostile(a, w)


def leakage(
    sanctions: Array,
    affinity: Array,
    gdp_share: Array,
    outlet: Array,
    leakage_max: Float,
    leakage_gain: Float,
) -> Array:
    """Share of the bite of sanctions on each target that friendly third parties offset.

    ``leak_j = leakage_max * (1 - exp(-gain * sum_k [k does not sanction j] * max(A_kj, 0)
    * gdp_share_k * outlet_k))`` where ``outlet_k`` scales actor k's readiness to absorb a
    sanctioned partner's trade (China's lever).

    Examples
    --------
    >>> S = np.zeros((2, 2)); A = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(float(leakage(S, A, np.array([0.2, 0.0]), np.ones(2), 0.8, 10.0)[1]), 4)
    0.5057
    """
    n = np.shape(affinity)[-1]
    batch = np.broadcast_shapes(np.shape(sanctions)[:-2], np.shape(affinity)[:-2],
                                np.shape(gdp_share)[:-1], np.shape(outlet)[:-1],
                                np.shape(leakage_max), np.shape(leakage_gain))
    exponent = np.empty((math.prod(batch), n))
    _leak_exponents(
        _runs_as(sanctions, (*batch, n, n), 2), _runs_as(affinity, (*batch, n, n), 2),
        _runs_as(gdp_share, (*batch, n), 1), _runs_as(outlet, (*batch, n), 1),
        per_run(leakage_gain, batch),
        exponent,
    )
    lmax = per_run(leakage_max, batch)[:, None]
    return _leak_share(lmax, np.exp(exponent)).reshape((*batch, n))  # exp stays numpy's


@numba.njit(cache=True)
def _leak_exponent_run(
    s: Array, a: Array, gdp: Array, outlet: Array, gain: float, out: Array
) -> None:  # pragma: no cover - compiled
    """One run's exponent of :func:`leakage`, into ``out`` (N,): ``-gain * weight_j``, with
    ``weight_j = sum_k (max(A_kj, 0) [S_kj <= 0] (1 - I)_kj) (gdp_share_k outlet_k)``
    summed over k in order (numpy's sum over axis -2)."""
    n = a.shape[0]
    for k in range(n):
        g = gdp[k] * outlet[k]
        for j in range(n):
            term = _fmax(a[k, j], 0.0) * (1.0 if s[k, j] <= 0.0 else 0.0) * _off(k, j) * g
            out[j] = term if k == 0 else out[j] + term
    for j in range(n):
        out[j] = -gain * out[j]


@numba.njit(cache=True)
def _leak_exponents(
    s: Array, a: Array, gdp: Array, outlet: Array, gain: Array, out: Array
) -> None:  # pragma: no cover - compiled
    for b in range(s.shape[0]):
        _leak_exponent_run(s[b], a[b], gdp[b], outlet[b], gain[b], out[b])


@numba.njit(cache=True, inline="always")
def _leak(leakage_max: float, e: float) -> float:  # pragma: no cover - compiled
    """``leak_j = leakage_max * (1 - e_j)`` from ``e_j = exp(-gain * weight_j)``."""
    return leakage_max * (1.0 - e)


@numba.vectorize(["f8(f8, f8)"], cache=True)
def _leak_share(leakage_max: float, e: float) -> float:  # pragma: no cover - compiled
    return _leak(leakage_max, e)


def sanction_bite(
    sanctions: Array,
    dependence: Array,
    leak: Array,
    un_level: Array,
    un_comply: Array,
) -> Array:
    """Bite per target: enforced, unleaked share of its economy cut off, shape ``(..., N)``.

    Unilateral sanctions from i on j cut ``S_ij`` of j's dependence ``D_ji`` on i; a UN
    regime on j at enforcement ``un_level_j`` cuts ``un_level_j`` of j's dependence on every
    state that complies. Third-party leakage offsets a share ``leak_j`` of the total.

    Examples
    --------
    >>> S = np.array([[0.0, 0.5], [0.0, 0.0]]); D = np.array([[0.0, 0.1], [0.4, 0.0]])
    >>> sanction_bite(S, D, np.zeros(2), np.zeros(2), np.zeros((2, 2))).tolist()
    [0.0, 0.2]
    """
    n = np.shape(sanctions)[-1]
    batch = np.broadcast_shapes(np.shape(sanctions)[:-2], np.shape(dependence)[:-2],
                                np.shape(leak)[:-1], np.shape(un_level)[:-1],
                                np.shape(un_comply)[:-2])
    out = np.empty((*batch, n))
    _bites(_runs_as(sanctions, (*batch, n, n), 2), _runs_as(dependence, (*batch, n, n), 2),
           _runs_as(leak, (*batch, n), 1), _runs_as(un_level, (*batch, n), 1),
           _runs_as(un_comply, (*batch, n, n), 2), out.reshape((-1, n)))
    return out


@numba.njit(cache=True, inline="always")
def _unleaked(x: float, leak: float) -> float:  # pragma: no cover - compiled
    """The share ``1 - leak`` of a bite that third parties do not offset: ``x (1 - leak)``."""
    return x * (1.0 - leak)


@numba.njit(cache=True)
def _bite_run(
    s: Array, dep: Array, leak: Array, un_level: Array, comply: Array, un: Array, out: Array
) -> None:  # pragma: no cover - compiled
    """One run of :func:`sanction_bite`, into ``out`` (N,) (``un`` (N,) is scratch):
    ``min(sum_i S_ij D_ji + un_level_j sum_i comply_ij D_ji, 1) (1 - leak_j)``, both sums
    over i in order (numpy's sum over axis -2)."""
    n = s.shape[0]
    for i in range(n):
        for j in range(n):
            if i == 0:
                out[j] = s[0, j] * dep[j, 0]  # the unilateral sum
                un[j] = comply[0, j] * dep[j, 0]
            else:
                out[j] += s[i, j] * dep[j, i]
                un[j] += comply[i, j] * dep[j, i]
    for j in range(n):
        out[j] = _unleaked(_fmin(out[j] + un_level[j] * un[j], 1.0), leak[j])


@numba.njit(cache=True)
def _bites(
    s: Array, dep: Array, leak: Array, un_level: Array, comply: Array, out: Array
) -> None:  # pragma: no cover - compiled
    un = np.empty(s.shape[-1])
    for b in range(s.shape[0]):
        _bite_run(s[b], dep[b], leak[b], un_level[b], comply[b], un, out[b])


def deterrence(
    warheads: Array, pact: Array, extended: Float, umbrella: Array
) -> Array:
    """Nuclear deterrence that each column actor j opposes to each row actor i, in [0, 1].

    ``deter_ij = log1p(w_j + extended * umbrella_j * sum_k P_jk w_k) / log1p(5000)``,
    capped at 1: a state's own warheads plus its allies' (a credibility-discounted umbrella).
    ``umbrella_j`` multiplies the extended part (the US posture lever for South Korea and
    Japan). Five thousand warheads (the US or Russian stockpile) give full deterrence.

    Examples
    --------
    >>> w = np.array([5000.0, 0.0]); P = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> deterrence(w, P, 1.0, np.ones(2)).round(3).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    n = np.shape(pact)[-1]
    batch = np.broadcast_shapes(np.shape(warheads)[:-1], np.shape(pact)[:-2],
                                np.shape(extended), np.shape(umbrella)[:-1])
    total = np.empty((*batch, n))
    _deterrence_totals(_runs_as(warheads, (*batch, n), 1), _runs_as(pact, (*batch, n, n), 2),
                       per_run(extended, batch), _runs_as(umbrella, (*batch, n), 1),
                       total.reshape((-1, n)))
    d = _deterrence_level(total)
    return np.broadcast_to(_row(d), (*batch, n, n))


@numba.njit(cache=True)
def _deterrence_total_run(
    warheads: Array, pact: Array, extended: float, umbrella: Array, scratch: Array, out: Array
) -> None:  # pragma: no cover - compiled
    """One run's warheads behind each actor j, into ``out`` (N,): ``w_j + (extended
    umbrella_j) sum_k (P_jk (1 - I)_jk) w_k``, the sum pairwise as numpy's over the last
    axis (``scratch`` is a row of N)."""
    n = pact.shape[0]
    for j in range(n):
        for k in range(n):
            scratch[k] = pact[j, k] * _off(j, k) * warheads[k]
        out[j] = warheads[j] + extended * umbrella[j] * pairwise_sum(scratch)


@numba.njit(cache=True)
def _deterrence_totals(
    warheads: Array, pact: Array, extended: Array, umbrella: Array, out: Array
) -> None:  # pragma: no cover - compiled
    scratch = np.empty(warheads.shape[-1])
    for b in range(pact.shape[0]):
        _deterrence_total_run(warheads[b], pact[b], extended[b], umbrella[b], scratch, out[b])


def _deterrence_level(total: Array) -> Array:
    """Deterrence from the warheads behind an actor: ``min(log1p(total) / log1p(5000), 1)``
    (numpy's ``log1p``)."""
    return np.minimum(np.log1p(total) / np.log1p(5000.0), 1.0)


def pact_trigger(
    pact: Array, at_war: Array, attacked: Array, front: Array, losing: Float = 0.2
) -> Array:
    """Whether a defence commitment calls row actor i to fight column actor j, in {0, 1}.

    i is called when some ally k (``P_ik``) is at war with j and either j attacked k or k is
    losing ground (front position ``front_kj < -0.2``): the Russia-DPRK treaty's Article 4
    case, and how the 2024 Kursk fighting drew DPRK troops in.

    Examples
    --------
    >>> P = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float)
    >>> W = np.array([[0, 0, 0], [0, 0, 1], [0, 1, 0]], float)
    >>> att = np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]], float)  # 2 attacked 1
    >>> pact_trigger(P, W, att, np.zeros((3, 3)))[0].tolist()
    [0.0, 0.0, 1.0]
    """
    n = np.shape(pact)[-1]
    batch = np.broadcast_shapes(np.shape(pact)[:-2], np.shape(at_war)[:-2],
                                np.shape(attacked)[:-2], np.shape(front)[:-2], np.shape(losing))
    dyad = (*batch, n, n)
    out = np.empty(dyad)
    _pact_triggers(_runs_as(pact, dyad, 2), _runs_as(at_war, dyad, 2),
                   _runs_as(attacked, dyad, 2), _runs_as(front, dyad, 2),
                   per_run(losing, batch), out.reshape((-1, n, n)))
    return out


@numba.njit(cache=True)
def _trigger_run(
    pact: Array, w: Array, attacked: Array, front: Array, losing: float, called: Array,
    callers: Array, out: Array,
) -> None:  # pragma: no cover - compiled
    """One run of :func:`pact_trigger`, into ``out`` (N, N) (``called`` (N, N) and
    ``callers`` (N,) int are scratch).

    ``called_kj = W_kj max(att_jk, [F_kj < -losing])``; ``trig_ij = [sum_k P_ik (1 - I)_ik
    called_kj > 0]`` (for 0/1 matrices the sum's order does not matter: it counts, and
    allies k with no call add nothing); ``out_ij = trig_ij (1 - I)_ij (1 - W_ij)``.
    """
    n = pact.shape[0]
    m = 0  # callers[:m]: the states k with a call on someone
    for k in range(n):
        calls = False
        for j in range(n):
            c = 0.0  # W_kj = 0 calls no one
            if w[k, j] != 0.0:
                c = w[k, j] * _fmax(attacked[j, k], 1.0 if front[k, j] < -losing else 0.0)
                calls = calls or c != 0.0
            called[k, j] = c
        if calls:
            callers[m] = k
            m += 1
    for i in range(n):
        for j in range(n):
            out[i, j] = 0.0
        allied_call = False
        for x in range(m):
            k = callers[x]
            p = pact[i, k] * _off(i, k)
            if p != 0.0:
                allied_call = True
                for j in range(n):
                    out[i, j] += p * called[k, j]
        if allied_call:  # else trig_i = 0 and out_i = 0
            for j in range(n):
                trig = 1.0 if out[i, j] > 0.0 else 0.0
                out[i, j] = trig * _off(i, j) * (1.0 - w[i, j])


@numba.njit(cache=True)
def _pact_triggers(
    pact: Array, w: Array, attacked: Array, front: Array, losing: Array, out: Array
) -> None:  # pragma: no cover - compiled
    n = pact.shape[-1]
    called, callers = np.empty((n, n)), np.empty(n, dtype=np.int64)
    for b in range(pact.shape[0]):
        _trigger_run(pact[b], w[b], attacked[b], front[b], losing[b], called, callers, out[b])


def munitions_shortfall(
    stock: Array, production: Array, consumption: Array, at_war_any: Array
) -> Array:
    """Monthly munitions a belligerent lacks: ``war * max(cons - prod - stock / 12, 0)``.

    A stock that covers a year of the gap removes the need; million shells per month.

    Examples
    --------
    >>> munitions_shortfall(np.array([1.2]), np.array([0.1]), np.array([0.3]), np.array([1.0]))
    array([0.1])
    """
    return _munitions_shortfall(stock, production, consumption, at_war_any)


@numba.njit(cache=True, inline="always")
def _shortfall(
    stock: float, production: float, consumption: float, war: float
) -> float:  # pragma: no cover - compiled
    """``war * max(cons - prod - stock / 12, 0)``."""
    return war * _fmax(consumption - production - stock / 12.0, 0.0)


@numba.vectorize(["f8(f8, f8, f8, f8)"], cache=True)
def _munitions_shortfall(
    stock: float, production: float, consumption: float, war: float
) -> float:  # pragma: no cover - compiled
    return _shortfall(stock, production, consumption, war)


#: Per-run inputs of :func:`_perception`, the columns of its ``runs`` argument, in order:
#: parameters, then levers, then ``log(max(china_support_russia, 1e-9))`` (numpy's log).
_PERCEPTION_RUN_INPUTS: tuple[str, ...] = (
    "sanction_intensity", "un_compliance_affinity", "leakage_gain", "extended_deterrence",
    "pact_losing_front", "reserve_months", "export_share", "bloc_threshold",
    "shells_per_container", "western_sanctions", "china_support_russia", "us_korea_posture",
    "ukraine_support", "negotiation", "us_offer", "log_china_support",
)
#: What :func:`_perception` writes, in order: its dyadic outputs ``(B, N, N)`` (``food_in``
#: is ``[i, j]`` = food j sent i), then its per-actor outputs ``(B, N)`` (``leak_exponent``
#: and ``deter_total`` still lack numpy's ``exp`` and ``log1p``).
_PERCEPTION_DYADS: tuple[str, ...] = (
    "hostility", "sanctions_eff", "violation", "trigger", "dcap", "enemy_of_friend", "offer",
    "support_shift", "arms_in_kcont", "food_in",
)
_PERCEPTION_ACTORS: tuple[str, ...] = (
    "nominal_bite", "leak_exponent", "intensity", "deter_total", "shortfall", "need",
    "exportable",
)


@numba.njit(cache=True)
def _perception(
    affinity: Array, at_war: Array, sanctions: Array, attacked: Array, front: Array,
    pact: Array, arms: Array, food_flow: Array,
    stock: Array, un_level: Array, capability: Array, econ_loss: Array,
    west: Array, china: Array, umbrella_mask: Array, gdp_share: Array, dependence: Array,
    warheads: Array, production: Array, consumption: Array, capability0: Array,
    runs: Array, rus: int, usa: int, chn: int, dyads: Any, actors: Any,
) -> None:  # pragma: no cover - compiled
    """The facts of the month (``scenarios.dynamics.perceive``) for a block of runs, in one
    sweep over each run's actors and dyads, up to numpy's transcendentals.

    Dyadic inputs are ``(B, N, N)``, per-actor state ``(B, N)``, the world's arrays ``(N,)``
    or ``(N, N)``, ``runs`` is ``(B, len(_PERCEPTION_RUN_INPUTS))``; ``rus``, ``usa``,
    ``chn`` are actor positions (-1 when not modelled). The results go into the tuples of
    arrays ``dyads`` and ``actors``, named by ``_PERCEPTION_DYADS`` and ``_PERCEPTION_ACTORS``.
    """
    (hostility_, s_eff, violation, trigger, dcap, enemy_of_friend, offer, support_shift,
     arms_in, food_in) = dyads
    nominal, leak_exponent, intensity, deter_total, shortfall, need, exportable = actors
    nb, n = affinity.shape[0], affinity.shape[1]
    # scratch, one run at a time
    west_mult, outlet, umbrella = np.empty(n), np.empty(n), np.empty(n)
    war_any, aggressor, rel = np.empty(n), np.empty(n), np.empty(n)
    no_leak, row = np.zeros(n), np.empty(n)
    comply, helps, called = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    suppliers, callers = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for b in range(nb):
        intensity0, comply_affinity, gain = runs[b, 0], runs[b, 1], runs[b, 2]
        extended, losing, reserve_months = runs[b, 3], runs[b, 4], runs[b, 5]
        export_share, bloc, spc = runs[b, 6], runs[b, 7], runs[b, 8]
        l_west, l_china, l_korea, l_ukraine = runs[b, 9], runs[b, 10], runs[b, 11], runs[b, 12]
        l_negotiation, l_us_offer, log_china = runs[b, 13], runs[b, 14], runs[b, 15]
        a, w, att, s, eof = affinity[b], at_war[b], attacked[b], s_eff[b], enemy_of_friend[b]
        # per actor: the levers' multipliers, war, aggression, munitions, relative capability
        for i in range(n):
            west_mult[i] = _lever_scale(west[i], l_west)  # the West's sanctions lever
            outlet[i] = _lever_scale(china[i], l_china)  # China's outlet for Russia
            umbrella[i] = _lever_scale(umbrella_mask[i], l_korea)  # US posture in Korea
            intensity[b, i] = _clip01(intensity0 * west_mult[i])
            # war_any = [sum_j W_ij > 0], aggressor = min(sum_j att_ij, 1): 0/1 counts, summed
            # in any order
            wars, attacks = 0.0, 0.0
            for j in range(n):
                wars += w[i, j]
                attacks += att[i, j]
            war_any[i] = 1.0 if wars > 0.0 else 0.0
            aggressor[i] = _fmin(attacks, 1.0)
            st, prod, cons = stock[b, i], production[i], consumption[i]
            short = _shortfall(st, prod, cons, war_any[i])
            shortfall[b, i] = short
            need[b, i] = short / _fmax(cons, 1e-9)
            # exportable = min((export_share * surplus + spare) * west_arms, stock + prod),
            # surplus = max(stock - reserve_months * cons, 0), spare = max(prod - cons war, 0)
            surplus = _fmax(st - reserve_months * cons, 0.0)
            spare = _fmax(prod - cons * war_any[i], 0.0)
            exportable[b, i] = _fmin(
                (export_share * surplus + spare) * _lever_scale(west[i], l_ukraine), st + prod)
            # rel = capability (1 - econ_loss) / max(capability0, 1e-12)
            rel[i] = (capability[b, i] * (1.0 - econ_loss[b, i])
                      / _fmax(capability0[i], 1e-12))
        # per dyad: hostility, effective sanctions (the West's lever multiplies its senders'
        # intensity), UN compliance, capability gap, support received
        for i in range(n):
            for j in range(n):
                hostility_[b, i, j] = _hostile(a[i, j], w[i, j])
                s[i, j] = _clip01(sanctions[b, i, j] * west_mult[i])
                comply[i, j] = (1.0 if a[i, j] < comply_affinity else 0.0) * _off(i, j)
                dcap[b, i, j] = rel[i] - rel[j]
                arms_in[b, i, j] = arms[b, j, i] / spc
                food_in[b, i, j] = food_flow[b, j, i]
                helps[i, j] = 0.0
                eof[i, j] = 0.0
                offer[b, i, j] = 0.0
                support_shift[b, i, j] = 0.0
        # helps_ij = min(sum_k [S_ik > 0] [arms_jk > 0], 1): j armed a state i sanctions
        for k in range(n):
            m = 0
            for j in range(n):
                if arms[b, j, k] > 0.0:
                    suppliers[m] = j
                    m += 1
            if m:
                for i in range(n):
                    if s[i, k] > 0.0:
                        for x in range(m):
                            helps[i, suppliers[x]] = 1.0
        # violation_ij = max(aggressor_j, helps_ij) * (0.5 (1 - A_ij)) * (1 - I)_ij: a
        # violation weighs on a sender in proportion to its disagreement with the target
        for i in range(n):
            for j in range(n):
                violation[b, i, j] = (_fmax(aggressor[j], helps[i, j])
                                      * (0.5 * (1.0 - a[i, j])) * _off(i, j))
        # enemy_of_friend_ij = min(sum_k friend_ik W_kj, 1), friend_ik = [A_ik > bloc](1 - I)_ik
        # (0/1 counts; a state k at war with no one adds nothing)
        for k in range(n):
            if war_any[k] > 0.0:
                for i in range(n):
                    if a[i, k] > bloc and i != k:
                        for j in range(n):
                            eof[i, j] += w[k, j]
        for i in range(n):
            for j in range(n):
                eof[i, j] = _fmin(eof[i, j], 1.0)
        # the rules
        _leak_exponent_run(s, a, gdp_share, outlet, gain, leak_exponent[b])
        _bite_run(s, dependence, no_leak, un_level[b], comply, row, nominal[b])
        _deterrence_total_run(warheads, pact[b], extended, umbrella, row, deter_total[b])
        _trigger_run(pact[b], w, att, front[b], losing, called, callers, trigger[b])
        # standing offers between Russia and the West, and whoever is at war with Russia
        if rus >= 0:
            for i in range(n):
                party = _fmax(west[i], w[rus, i])
                offer[b, i, rus] = l_negotiation * party
                offer[b, rus, i] = l_negotiation * party
            if usa >= 0:
                offer[b, usa, rus] = _fmax(offer[b, usa, rus], l_us_offer)
                offer[b, rus, usa] = _fmax(offer[b, rus, usa], l_us_offer)
            if chn >= 0:
                support_shift[b, chn, rus] = log_china


@numba.njit(cache=True)
def _perception_bites(
    leakage_max: Array, e: Array, nominal: Array, intensity: Array, dependence: Array,
    leak: Array, bite: Array, bite_new: Array,
) -> None:  # pragma: no cover - compiled
    """Leakage, bite and the bite of a new sanction (into ``leak``, ``bite`` ``(B, N)`` and
    ``bite_new`` ``(B, N, N)``), from ``e = exp(leak exponent)`` (``(B, N)``, numpy's exp)
    and :func:`_perception`'s nominal bite and intensity: ``leak_j = leakage_max (1 - e_j)``,
    ``bite_j = nominal_j (1 - leak_j)``, ``bite_new_ij = (intensity_i D_ji) (1 - leak_j)``."""
    nb, n = e.shape[0], e.shape[1]
    for b in range(nb):
        for j in range(n):
            leak[b, j] = _leak(leakage_max[b], e[b, j])
            bite[b, j] = _unleaked(nominal[b, j], leak[b, j])
        for i in range(n):
            for j in range(n):
                bite_new[b, i, j] = _unleaked(intensity[b, i] * dependence[j, i], leak[b, j])


@numba.njit(cache=True)
def _nuclear_pairs(nuclear: Array, pact: Array, out: Array) -> None:  # pragma: no cover - compiled
    """Pairs where a nuclear-armed state faces a nuclear-armed or nuclear-protected one
    (``scenarios.dynamics._major_pair``), into ``out`` ``(B, N, N)`` bool: ``guarded_j =
    nuclear_j or max_k P_jk nuclear_k > 0``; ``major_ij = (nuclear_i and guarded_j) or
    (guarded_i and nuclear_j)``. ``nuclear`` is ``(N,)`` bool, ``pact`` ``(B, N, N)``."""
    nb, n = pact.shape[0], pact.shape[1]
    guarded = np.empty(n, dtype=np.bool_)
    for b in range(nb):
        for j in range(n):
            g = nuclear[j]
            for k in range(n):
                g = g or (nuclear[k] and pact[b, j, k] > 0.0)
            guarded[j] = g
        for i in range(n):
            for j in range(n):
                out[b, i, j] = (nuclear[i] and guarded[j]) or (guarded[i] and nuclear[j])


def affinity_from_alignment(alignment: Array, scale: Float) -> Array:
    """Affinity implied by alignment distance: ``clip(1 - |x_i - x_j| / scale, -1, 1)``.

    Examples
    --------
    >>> affinity_from_alignment(np.array([2.2, -0.6]), 1.4).round(2).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    return _implied_affinity_u(_col(alignment), _row(alignment),
                               _bc(scale, np.ndim(alignment) + 1))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _implied_affinity(x_i: float, x_j: float, scale: float) -> float:  # pragma: no cover
    """``clip(1 - |x_i - x_j| / scale, -1, 1)`` (:func:`affinity_from_alignment`)."""
    return _clip(1.0 - abs(x_i - x_j) / scale, -1.0, 1.0)


@numba.vectorize(["f8(f8, f8, f8)"], cache=True)
def _implied_affinity_u(x_i: float, x_j: float, scale: float) -> float:  # pragma: no cover
    return _implied_affinity(x_i, x_j, scale)


def support_norm(containers: Array, reference: Float = 1.0) -> Array:
    """Normalised support in [0, 1): ``1 - exp(-containers / reference)``.

    Examples
    --------
    >>> float(support_norm(np.array(0.0)))
    0.0
    """
    return _support_from_exponent(
        _support_exponent_u(containers, _bc(reference, np.ndim(containers))))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _support_exponent(containers: float, reference: float) -> float:  # pragma: no cover
    """The exponent of :func:`support_norm`, ``-max(containers, 0) / reference``."""
    return -_fmax(containers, 0.0) / reference


@numba.vectorize(["f8(f8, f8)"], cache=True)
def _support_exponent_u(containers: float, reference: float) -> float:  # pragma: no cover
    return _support_exponent(containers, reference)


@numba.vectorize(["f8(f8)"], cache=True)
def _one_minus(e: float) -> float:  # pragma: no cover - compiled
    return 1.0 - e


def _support_from_exponent(x: Any) -> Any:
    """:func:`support_norm` from its exponent ``x``: ``1 - exp(x)``, numpy's ``exp`` (in
    place when ``x`` is an array)."""
    if isinstance(x, np.ndarray) and x.ndim:
        np.exp(x, out=x)
        return _one_minus(x, out=x)
    return _one_minus(np.exp(x))


# ----------------------------------------------------------------------------- decisions


def threat_motive(
    hostility_: Array,
    violation: Array,
    dependence: Array,
    multiplier: Array,
    p: Any,
) -> Array:
    """A sender's motive (logit scale) to threaten sanctions on a target.

    ``m_ij = b0 + bH H_ij + bV V_ij - bD D_ij + log(multiplier_i)``: hostility and the
    target's violation as the sender sees it (``V_ij``, see
    :func:`scenarios.dynamics.perceive`) raise it, the sender's own dependence on the target
    lowers it, and the sender's lever (Western sanctions) shifts it.
    """
    p = ParamView(p, hostility_)
    return _threat_motive(p.threat_motive_intercept, p.threat_motive_hostility, hostility_,
                          p.threat_motive_violation, violation, p.threat_motive_dependence,
                          dependence, _log_multiplier(multiplier))


def _log_multiplier(multiplier: Array) -> Array:
    """``log(multiplier)`` of a lever's multiplier (numpy's ``log``; 1e-9 for 0): the
    sanctions lever in :func:`threat_motive`, China's support in the support shift."""
    return np.log(np.maximum(multiplier, 1e-9))


@numba.njit(cache=True, inline="always")
def _motive(
    b0: float, bh: float, h: float, bv: float, v: float, bd: float, d: float, log_mult: float
) -> float:  # pragma: no cover - compiled
    """:func:`threat_motive` of one dyad: ``b0 + bH H + bV V - bD D + log(multiplier)``."""
    return b0 + bh * h + bv * v - bd * d + log_mult


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _threat_motive(
    b0: float, bh: float, h: float, bv: float, v: float, bd: float, d: float, log_mult: float
) -> float:  # pragma: no cover - compiled
    return _motive(b0, bh, h, bv, v, bd, d, log_mult)


def sanction_game(
    motive: Array,
    bite: Array,
    eligible: Array,
    u_threat: Array,
    u_concede: Array,
    u_impose: Array,
    p: Any,
) -> NDArray[np.int8]:
    """One round of the sanction threat game (TIES structure), codes of SANCTION_OUTCOMES.

    The sender threatens with probability ``threat_rate * sigmoid(motive)``; the target
    concedes with ``sigmoid(concede_intercept + concede_bite * bite)``; if it resists, the
    sender imposes with ``sigmoid(impose_intercept + impose_motive * motive)`` or backs
    down. ``eligible`` is 0 where a game cannot start (sanctions already in force, self).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(threat_rate=1.0, concede_intercept=0.0, concede_bite=0.0, impose_intercept=0.0,
    ...        impose_motive=0.0)
    >>> m = np.full(4, 50.0); one = np.ones(4)
    >>> sanction_game(m, 0 * one, one, 0 * one, np.array([.2, .7, .7, .7]),
    ...               np.array([0, .2, .7, .7]), p).tolist()
    [1, 2, 3, 3]
    """
    p = ParamView(p, motive)
    return np.asarray(_sanction_game(
        eligible, motive, bite, u_threat, u_concede, u_impose, p.threat_rate,
        p.concede_intercept, p.concede_bite, p.impose_intercept, p.impose_motive,
    ))


@numba.njit(cache=True, inline="always")
def _game(
    eligible: float, motive: float, bite: float, u_threat: float, u_concede: float,
    u_impose: float, threat_rate: float, concede_intercept: float, concede_bite: float,
    impose_intercept: float, impose_motive: float,
) -> int:  # pragma: no cover - compiled
    """:func:`sanction_game` of one dyad: 0 none, 1 concede, 2 imposed, 3 backdown.

    A draw ``u_threat >= threat_rate`` is no threat whatever the motive (``threat_rate *
    sigmoid(m) <= threat_rate`` for a rate >= 0): the test skips the logistic, not a case."""
    if eligible == 0 or not u_threat < threat_rate:
        return 0
    if not u_threat < threat_rate * _sig(motive):
        return 0
    # the target's and the sender's answers matter only where a threat is made
    if u_concede < _sig(concede_intercept + concede_bite * bite):
        return 1
    if u_impose < _sig(impose_intercept + impose_motive * motive):
        return 2
    return 3


@numba.vectorize(["i1(f8, f8, f8, f8, f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _sanction_game(
    eligible: float, motive: float, bite: float, u_threat: float, u_concede: float,
    u_impose: float, threat_rate: float, concede_intercept: float, concede_bite: float,
    impose_intercept: float, impose_motive: float,
) -> int:  # pragma: no cover - compiled
    return _game(eligible, motive, bite, u_threat, u_concede, u_impose, threat_rate,
                 concede_intercept, concede_bite, impose_intercept, impose_motive)


def willingness(
    affinity: Array, need: Array, reciprocity: Array, intercept: Float, p: Any
) -> Array:
    """Willingness in [0, 1] of a supplier to support a recipient (logit in affinity, need,
    reciprocity).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(support_affinity=1.0, support_need=1.0, support_reciprocity=1.0)
    >>> float(willingness(np.array(0.0), np.array(0.0), np.array(0.0), 0.0, p))
    0.5
    """
    p = ParamView(p, affinity)
    return _willingness(_bc(intercept, np.ndim(affinity)), p.support_affinity, affinity,
                        p.support_need, need, p.support_reciprocity, reciprocity)


@numba.njit(cache=True, inline="always")
def _will(
    b0: float, ba: float, a: float, bn: float, n: float, br: float, r: float
) -> float:  # pragma: no cover - compiled
    """:func:`willingness` of one dyad: ``sigmoid(b0 + bA A + bN need + bR recip)``."""
    return _sig(b0 + ba * a + bn * n + br * r)


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _willingness(
    b0: float, ba: float, a: float, bn: float, n: float, br: float, r: float
) -> float:  # pragma: no cover - compiled
    return _will(b0, ba, a, bn, n, br, r)


def arms_allocation(
    will: Array, exportable: Array, shortfall: Array
) -> Array:
    """Munitions a supplier (row) sends each recipient (column), million shells per month.

    Each recipient is offered ``will_ij * shortfall_j``; when the offers exceed what the
    supplier can export, all are scaled down in proportion, so the row sum never exceeds
    ``exportable_i``.

    Examples
    --------
    >>> arms_allocation(np.array([[0.0, 1.0, 1.0]]), np.array([0.3]),
    ...                 np.array([0.0, 0.4, 0.2])).round(3).tolist()
    [[0.0, 0.2, 0.1]]
    """
    short, cap = _row(shortfall), _col(exportable)
    shape = np.broadcast_shapes(np.shape(will), short.shape, cap.shape)
    rows = shape[:-1]
    m = math.prod(rows)

    def flat(a: Any, s: tuple[int, ...]) -> NDArray[np.float64]:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), s)
                                    .reshape(m, s[-1]))

    out = np.empty(shape)
    _arms_allocation(flat(will, shape), flat(cap, (*rows, 1))[:, 0], flat(short, shape),
                     out.reshape(m, shape[-1]))
    return out


@numba.njit(cache=True, inline="always")
def _allocate(
    will: Any, shortfall: Any, cap: float, offer: Any, out: Any
) -> None:  # pragma: no cover - compiled
    """:func:`arms_allocation` of one supplier row into ``out`` (may be ``will`` itself):
    ``offer_j = will_j * shortfall_j``, all scaled by ``cap / sum_j offer_j`` when the sum
    exceeds ``cap``; ``offer`` is a scratch row (the sum is numpy's, :func:`pairwise_sum`)."""
    for j in range(offer.shape[0]):
        offer[j] = will[j] * shortfall[j]
    total = pairwise_sum(offer)
    scale = cap / max(total, 1e-300) if total > cap else 1.0
    for j in range(offer.shape[0]):
        out[j] = offer[j] * scale


@numba.njit(cache=True)
def _arms_allocation(
    will: Any, cap: Any, shortfall: Any, out: Any
) -> None:  # pragma: no cover - compiled
    """:func:`_allocate` on every row of ``(M, N)`` arrays (``cap`` of shape ``(M,)``)."""
    offer = np.empty(will.shape[1])
    for m in range(will.shape[0]):
        _allocate(will[m], shortfall[m], cap[m], offer, out[m])


def capacity_scale(containers: Array, capacity: Array) -> Array:
    """Scale factor per directed link so that both directions together fit the capacity.

    ``capacity`` is symmetric (thousand containers per month, both directions together);
    the factor is ``min(1, cap_ij / (c_ij + c_ji))``, the same for both directions.

    Examples
    --------
    >>> c = np.array([[0.0, 2.0], [1.0, 0.0]]); cap = np.array([[np.inf, 1.5], [1.5, np.inf]])
    >>> capacity_scale(c, cap).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    return _capacity_scale_u(containers, np.swapaxes(containers, -1, -2), capacity)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _capacity_scale(c_ij: float, c_ji: float, cap: float) -> float:  # pragma: no cover
    """``cap / max(c_ij + c_ji, 1e-12)`` where ``c_ij + c_ji > cap``, else 1."""
    both = c_ij + c_ji
    return cap / _fmax(both, 1e-12) if both > cap else 1.0


@numba.vectorize(["f8(f8, f8, f8)"], cache=True)
def _capacity_scale_u(c_ij: float, c_ji: float, cap: float) -> float:  # pragma: no cover
    return _capacity_scale(c_ij, c_ji, cap)


def tech_transfer(
    will: Array, tech: Array, guard: Array, rate: Float
) -> Array:
    """Technology each recipient gains, shape ``(..., N, K)``, from all suppliers.

    ``gain_jk = sum_i rate * will_ij * guard_k * max(T_ik - T_jk, 0)``, and the recipient
    never passes the best supplier's level: ``T_jk + gain_jk <= max(T_jk, max_i T_ik)``
    over its willing suppliers.

    Examples
    --------
    >>> T = np.array([[0.8, 0.8], [0.2, 0.0]])  # 2 actors x 2 domains
    >>> W = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> tech_transfer(W, T, np.array([1.0, 0.5]), 0.5).round(3).tolist()
    [[0.0, 0.0], [0.3, 0.2]]
    """
    gap = np.maximum(tech[..., :, None, :] - tech[..., None, :, :], 0.0)  # [i, j, k]
    gain = (_bc(rate, gap.ndim) * will[..., :, :, None] * gap * guard).sum(axis=-3)
    ceiling = np.where(will[..., :, :, None] > 0, tech[..., :, None, :], 0.0).max(axis=-3)
    room = np.maximum(np.maximum(ceiling, tech) - tech, 0.0)
    return np.minimum(gain, room)


def escalation_pressure(
    hostility_: Array,
    at_war: Array,
    trigger: Array,
    rung: Array,
    rung_t: Array,
    dcap: Array,
    deter: Array,
    offer: Array,
    p: Any,
) -> Array:
    """Escalation pressure (logit) of row actor i toward column actor j.

    ``pi_ij = b0 + bH H_ij + bW W_ij + bP trig_ij + bR max(E_ji - E_ij, 0) + bC dcap_ij
    - bD deter_ij - bO offer_ij``.
    """
    p = ParamView(p, hostility_)
    return _escalation_pressure(
        p.escalation_intercept, p.escalation_hostility, hostility_, p.escalation_war, at_war,
        p.escalation_pact, trigger, p.escalation_reciprocity, rung_t, rung,
        p.escalation_capability, dcap, p.escalation_deterrence, deter, p.escalation_offer, offer,
    )


@numba.njit(cache=True, inline="always")
def _pressure(
    b0: float, bh: float, h: float, bw: float, w: float, bp: float, trig: float, br: float,
    rung_t: int, rung: int, bc: float, dcap: float, bd: float, deter: float, bo: float,
    offer: float,
) -> float:  # pragma: no cover - compiled
    """:func:`escalation_pressure` of one dyad (the equation of its docstring)."""
    return (b0 + bh * h + bw * w + bp * trig + br * float(max(rung_t - rung, 0))
            + bc * dcap - bd * deter - bo * offer)


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8, f8, i1, i1, f8, f8, f8, f8, f8, f8)"],
                 cache=True)
def _escalation_pressure(
    b0: float, bh: float, h: float, bw: float, w: float, bp: float, trig: float, br: float,
    rung_t: int, rung: int, bc: float, dcap: float, bd: float, deter: float, bo: float,
    offer: float,
) -> float:  # pragma: no cover - compiled
    return _pressure(b0, bh, h, bw, w, bp, trig, br, rung_t, rung, bc, dcap, bd, deter, bo,
                     offer)


def escalation_move(
    rung: NDArray[np.int8],
    rung_t: NDArray[np.int8],
    pressure: Array,
    nuclear: Array,
    at_war: Array,
    u: Array,
    p: Any,
) -> NDArray[np.int8]:
    """New rung of row actor i toward column actor j on the ladder (one step at most).

    Up one rung with probability ``up_rate * sigmoid(pi)``, where crossing into war (rung 4
    to 5) subtracts ``war_threshold`` from ``pi``, and crossing into nuclear use subtracts
    ``nuclear_threshold`` unless j has already used nuclear weapons on i; down one rung
    with ``down_rate * sigmoid(-pi)``. Only nuclear-armed states reach the
    nuclear rungs; states at war stay at or above the war rung; a state never stands below 0
    or above 7.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(escalation_up_rate=1.0, escalation_down_rate=1.0, nuclear_threshold=100.0,
    ...        war_threshold=0.0)
    >>> E = np.array([5, 5, 2], np.int8); z = np.zeros(3, np.int8)
    >>> escalation_move(E, z, np.array([50.0, 50.0, -50.0]), np.array([1.0, 0.0, 1.0]),
    ...                 np.array([1.0, 1.0, 0.0]), np.array([0.5, 0.5, 0.5]), p).tolist()
    [5, 5, 1]
    """
    p = ParamView(p, pressure)
    return _escalation_move(rung, rung_t, pressure, nuclear, at_war, u, p.nuclear_threshold,
                            p.war_threshold, p.escalation_up_rate, p.escalation_down_rate)


@numba.njit(cache=True, inline="always")
def _move(
    rung: int, rung_t: int, pressure: float, nuclear: float, at_war: float, u: float,
    nuclear_threshold: float, war_threshold: float, up_rate: float, down_rate: float,
) -> int:  # pragma: no cover - compiled
    """:func:`escalation_move` of one dyad.

    A draw ``u >= up_rate`` cannot go up and one ``u <= 1 - down_rate`` cannot go down,
    whatever the pressure (``rate * sigmoid <= rate`` for a rate >= 0), and down matters only
    when not up: those tests skip the logistic, not a case."""
    taboo = 1.0 if (rung == WAR_RUNG and rung_t < NUCLEAR_RUNG) else 0.0
    brink = 1.0 if (rung == WAR_RUNG - 1 and at_war <= 0) else 0.0
    restraint = nuclear_threshold * taboo + war_threshold * brink
    up = u < up_rate and u < up_rate * _sig(pressure - restraint)
    down = (not up and u > 1.0 - down_rate) and u > 1.0 - down_rate * _sig(-pressure)
    new = rung + (1 if up else (-1 if down else 0))
    top = len(RUNGS) - 1 if nuclear > 0 else WAR_RUNG
    floor = WAR_RUNG if at_war > 0 else 0
    return min(max(new, floor), top)


@numba.vectorize(["i1(i1, i1, f8, f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _escalation_move(
    rung: int, rung_t: int, pressure: float, nuclear: float, at_war: float, u: float,
    nuclear_threshold: float, war_threshold: float, up_rate: float, down_rate: float,
) -> int:  # pragma: no cover - compiled
    return _move(rung, rung_t, pressure, nuclear, at_war, u, nuclear_threshold, war_threshold,
                 up_rate, down_rate)


def vote_probabilities(
    alignment: Array, shift: Float, p: Any, target_affinity: Float = 0.0, body: str = "GA"
) -> Array:
    """Probabilities of (no, abstain, yes) on a resolution, stacked on a last axis of 3.

    Ordered logit in ``z = k (x - shift) - (b_A + b_C [SC]) a_t``: ``P(yes) = sigmoid(z -
    c_hi)``, ``P(no) = sigmoid(c_lo - z)``, where ``x`` is alignment, ``shift`` > 0 a harsher
    text than UNGA 68/262 (the calibration case), ``a_t`` the voter's affinity with the
    resolution's target, ``b_A`` = ``vote_target_affinity`` in either body and ``b_C`` =
    ``council_target_affinity`` added in the Security Council (``body="SC"``), where a
    member shields a partner.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(vote_slope=1.0, vote_cut_no=-1.0, vote_cut_yes=1.0, vote_target_affinity=0.0,
    ...        council_target_affinity=1.0)
    >>> vote_probabilities(np.array([0.0]), 0.0, p).round(3).tolist()
    [[0.269, 0.462, 0.269]]
    >>> vote_probabilities(np.array([0.0]), 0.0, p, 1.0, body="SC").round(3).tolist()
    [[0.5, 0.381, 0.119]]
    """
    p = ParamView(p, alignment)
    z = p.vote_slope * (alignment - _bc(shift, np.ndim(alignment)))
    weight = p.vote_target_affinity + (p.council_target_affinity if body == "SC" else 0.0)
    z = z - weight * target_affinity
    p_yes = sigmoid(z - p.vote_cut_yes)
    p_no = sigmoid(p.vote_cut_no - z)
    p_abs = np.maximum(1.0 - p_yes - p_no, 0.0)
    return np.stack([p_no, p_abs, p_yes], axis=-1)


def vote_draw(probs: Array, u: Array) -> NDArray[np.int8]:
    """Votes -1 (no), 0 (abstain), +1 (yes) drawn from :func:`vote_probabilities`.

    Examples
    --------
    >>> vote_draw(np.array([[0.2, 0.3, 0.5]] * 3), np.array([0.1, 0.4, 0.9])).tolist()
    [-1, 0, 1]
    """
    no = u < probs[..., 0]
    yes = u >= 1.0 - probs[..., 2]
    return np.where(no, -1, np.where(yes, 1, 0)).astype(np.int8)


#: The parameters :func:`_decide_rows` reads, in the order of its ``par`` columns.
_DECIDE_PARAMS: tuple[str, ...] = (
    "threat_motive_intercept", "threat_motive_hostility", "threat_motive_violation",
    "threat_motive_dependence", "threat_rate", "concede_intercept", "concede_bite",
    "impose_intercept", "impose_motive", "lift_rate", "support_intercept", "support_affinity",
    "support_need", "support_reciprocity", "food_aid_scale", "barter_ratio", "tech_intercept",
    "escalation_intercept", "escalation_hostility", "escalation_war", "escalation_pact",
    "escalation_reciprocity", "escalation_capability", "escalation_deterrence",
    "escalation_offer", "nuclear_threshold", "war_threshold", "escalation_up_rate",
    "escalation_down_rate", "pact_entry_rate",
)


@numba.njit(cache=True)
def _decide_rows(
    lo: int, par: Any, u: Any, log_mult: Any, dependence: Any, nuclear: Any,
    hostility_: Any, violation: Any, s_eff: Any, bite_new: Any, at_war: Any,
    enemy_of_friend: Any, affinity: Any, need: Any, recip_food: Any, recip_arms: Any,
    support_shift: Any, exportable: Any, shortfall: Any, food: Any, arms_in_kcont: Any,
    tech_lever: Any, trigger: Any, rung: Any, dcap: Any, deter: Any, offer: Any,
    game: Any, lift: Any, arms: Any, food_out: Any, tech_will: Any, new_rung: Any, join: Any,
) -> None:  # pragma: no cover - compiled
    """The month's dyadic decisions of rows ``lo .. lo + R`` of every run, in one pass (for
    :func:`scenarios.dynamics.decide`): the sanction game and lifting, support (arms, food,
    technology), the escalation ladder and defence-pact entry.

    Arrays are flattened to runs ``b`` (:func:`flat_runs`): dyadic inputs ``(B, N, N)`` and
    per-actor inputs ``(B, N)`` over all actors; ``dependence`` ``(N, N)`` and ``nuclear``
    ``(N,)`` of the world; ``log_mult`` ``(B, R)`` the rows' :func:`_log_multiplier` of their
    sanctions lever; ``u`` ``(B, 6, R, N)`` the dyadic uniforms of the streams threat,
    concede, impose, lift, escalate, pact; ``par`` ``(B, P)`` the :data:`_DECIDE_PARAMS`.
    Outputs ``(B, R, N)``. Each value is computed with the same operations in the same order
    as the numpy expression it replaces, so the numbers are the same.
    """
    n = affinity.shape[-1]
    scratch = np.empty(n)
    for b in range(game.shape[0]):
        pr = par[b]
        b0m, bhm, bvm, bdm = pr[0], pr[1], pr[2], pr[3]
        threat_rate, ci, cb, ii, im = pr[4], pr[5], pr[6], pr[7], pr[8]
        lift_rate, s0, sa, sn, sr = pr[9], pr[10], pr[11], pr[12], pr[13]
        aid_scale, barter, tech0 = pr[14], pr[15], pr[16]
        e0, eh, ew, ep, er, ec, ed, eo = (pr[17], pr[18], pr[19], pr[20], pr[21], pr[22],
                                          pr[23], pr[24])
        nt, wt, up_rate, down_rate, pact_rate = pr[25], pr[26], pr[27], pr[28], pr[29]
        for r in range(game.shape[1]):
            i = lo + r
            for j in range(n):
                off = 0.0 if i == j else 1.0
                h, v, s = hostility_[b, i, j], violation[b, i, j], s_eff[b, i, j]
                # sanctions: the threat game (threat_motive, sanction_game) where none is in
                # force, eligible = [S_ij <= 0] off_ij; a sanction in force is lifted with
                # probability lift_rate (1 - H_ij) (1 - V_ij), as what motivated it fades
                motive = _motive(b0m, bhm, h, bvm, v, bdm, dependence[i, j], log_mult[b, r])
                eligible = (1.0 if s <= 0 else 0.0) * off
                game[b, r, j] = _game(eligible, motive, bite_new[b, i, j], u[b, 0, r, j],
                                      u[b, 1, r, j], u[b, 2, r, j], threat_rate, ci, cb, ii, im)
                fade = (1.0 - h) * (1.0 - v)
                lift[b, r, j] = s > 0 and u[b, 3, r, j] < lift_rate * fade
                # support, never to a state sanctioned or fought: free = [S_ij <= 0]
                # [W_ij <= 0] off_ij; arms not to the enemy of a friend either
                # (arms_free = free [EoF_ij <= 0]). With b_ij = support_intercept + shift_ij:
                # will_arms = willingness(A_ij, need_j, recip_food_ij; b_ij) arms_free,
                # will_food = willingness(A_ij, food_j, recip_arms_ij; b_ij) free,
                # food_ij = will_food (food_aid_scale food_j + barter_ratio kcont_ij),
                # tech_ij = sigmoid(tech_intercept + shift_ij + bA A_ij + bR recip_arms_ij)
                # tech_lever_i free
                free = (1.0 if (s <= 0 and at_war[b, i, j] <= 0) else 0.0) * off
                arms_free = free * (1.0 if enemy_of_friend[b, i, j] <= 0 else 0.0)
                a, shift = affinity[b, i, j], support_shift[b, i, j]
                ra = recip_arms[b, i, j]
                arms[b, r, j] = _will(s0 + shift, sa, a, sn, need[b, j], sr,
                                      recip_food[b, i, j]) * arms_free
                will_food = _will(s0 + shift, sa, a, sn, food[b, j], sr, ra) * free
                food_out[b, r, j] = will_food * (aid_scale * food[b, j]
                                                 + barter * arms_in_kcont[b, i, j])
                tech_will[b, r, j] = (_sig(tech0 + shift + sa * a + sr * ra)
                                      * tech_lever[b, i] * free)
                # the escalation ladder (escalation_pressure, escalation_move; no rung toward
                # oneself) and defence-pact entry with probability pact_entry_rate where
                # called (trigger_ij > 0)
                w, trig, e, e_t = at_war[b, i, j], trigger[b, i, j], rung[b, i, j], rung[b, j, i]
                pressure = _pressure(e0, eh, h, ew, w, ep, trig, er, e_t, e, ec, dcap[b, i, j],
                                     ed, deter[b, i, j], eo, offer[b, i, j])
                moved = _move(e, e_t, pressure, nuclear[i], w, u[b, 4, r, j], nt, wt, up_rate,
                              down_rate)
                new_rung[b, r, j] = moved if off > 0 else 0
                join[b, r, j] = trig > 0 and u[b, 5, r, j] < pact_rate
            # arms: the row's offers will_arms_ij shortfall_j within what it can export
            # (arms_allocation)
            _allocate(arms[b, r], shortfall[b], exportable[b, i], scratch, arms[b, r])


# ---------------------------------------------------------------------------- resolution


def alignment_update(
    alignment: Array,
    anchor: Array,
    stubbornness: Array,
    affinity: Array,
    weight: Array,
    received: Array,
    sanctioned: Array,
    p: Any,
    bounds: tuple[float, float] = (-4.0, 4.0),
) -> Array:
    """Friedkin-Johnsen step with support pulls, sanction pushes and a landscape term.

    With ``g_ij = tanh(x_j - x_i)``: ``z_i = x_i + a_L sum_j c_j A_ij g_ij / sum_j c_j +
    a_Y sum_j y_ji g_ij - a_S sum_j S_ji g_ij / (1 + sum_j S_ji)`` and
    ``x_i' = s_i x_i(0) + (1 - s_i) z_i``, clipped to the ideal-point range. ``c`` is
    capability (the landscape "size" of Axelrod & Bennett 1993), ``y_ji`` normalised support
    received from j, ``S_ji`` sanctions suffered from j. The saturating ``tanh`` keeps the
    repulsive terms (negative affinity, sanctions) bounded, so the anchored dynamics stay
    stable: the drift is at most ``a_L + a_Y N + a_S`` a month.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(alignment_peer=0.0, alignment_support=0.5, alignment_sanction=0.0)
    >>> x = np.array([0.0, 1.0]); Y = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0 supplies 1
    >>> alignment_update(x, x, np.zeros(2), np.eye(2), np.ones(2), Y, 0 * Y, p).round(4).tolist()
    [0.0, 0.6192]
    """
    batch = np.broadcast_shapes(np.shape(alignment)[:-1], np.shape(anchor)[:-1],
                                np.shape(stubbornness)[:-1], np.shape(weight)[:-1],
                                np.shape(affinity)[:-2], np.shape(received)[:-2],
                                np.shape(sanctioned)[:-2])
    n = np.shape(alignment)[-1]
    out = np.empty((*batch, n))
    _alignment_kernel(*_alignment_args(alignment, anchor, stubbornness, affinity, weight,
                                       received, sanctioned, p, batch),
                      bounds[0], bounds[1], _runs(out, 1))
    return out


def _alignment_args(
    alignment: Array, anchor: Array, stubbornness: Array, affinity: Array, weight: Array,
    received: Array, sanctioned: Array, p: Any, batch: tuple[int, ...],
) -> tuple[Array, Array, Array, Array, Array, Array, Array, Array, Array, Array, Array]:
    """The arguments of :func:`_alignment_kernel` (runs flattened, parameters per run),
    with the neighbour gaps ``tanh(x_j - x_i)`` from numpy's ``tanh``."""
    n = np.shape(alignment)[-1]
    x = _runs_as(alignment, (*batch, n), 1)
    diff = _row(x) - _col(x)  # [i, j] = x_j - x_i
    np.tanh(diff, out=diff)
    return (x, _runs_as(anchor, (*batch, n), 1),
            _runs_as(stubbornness, (*batch, n), 1),
            _runs_as(affinity, (*batch, n, n), 2),
            _runs_as(weight, (*batch, n), 1),
            _runs_as(received, (*batch, n, n), 2),
            _runs_as(sanctioned, (*batch, n, n), 2), diff,
            per_run(p.alignment_peer, batch), per_run(p.alignment_support, batch),
            per_run(p.alignment_sanction, batch))


@numba.njit(cache=True, error_model="numpy")
def _alignment_kernel(
    x: Array, anchor: Array, stub: Array, aff: Array, weight: Array, received: Array,
    sanctioned: Array, diff: Array, a_l: Array, a_y: Array, a_s: Array, lo: float, hi: float,
    out: Array,
) -> None:  # pragma: no cover - compiled
    """:func:`alignment_update` for runs ``(B, N)``, into ``out`` (see
    :func:`_alignment_run`)."""
    nb, n = x.shape
    row, wrow = np.empty(n), np.empty(n)
    received_t, sanctioned_t = np.empty((n, n)), np.empty((n, n))
    for b in range(nb):
        _alignment_run(b, x, anchor, stub, aff, weight, received, sanctioned, diff, a_l, a_y,
                       a_s, lo, hi, out, row, wrow, received_t, sanctioned_t)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _transpose(a: Array, out: Array) -> None:  # pragma: no cover - compiled
    """``out = a^T`` for square ``a`` (a run's matrix, so the loops that read ``a_ji`` run
    along contiguous rows)."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            out[j, i] = a[i, j]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _alignment_run(
    b: int, x: Array, anchor: Array, stub: Array, aff: Array, weight: Array, received: Array,
    sanctioned: Array, diff: Array, a_l: Array, a_y: Array, a_s: Array, lo: float, hi: float,
    out: Array, row: Array, wrow: Array, received_t: Array, sanctioned_t: Array,
) -> None:  # pragma: no cover - compiled
    """:func:`alignment_update` of run ``b`` into ``out[b]``; ``diff[b, i, j] =
    tanh(x_j - x_i)``; ``row``, ``wrow`` scratch of length N, ``received_t``,
    ``sanctioned_t`` of shape (N, N), left holding ``received[b]^T``, ``sanctioned[b]^T``.
    With ``w_ij = c_j [i != j]``:
    ``peer_i = sum_j w_ij A_ij g_ij / max(sum_j w_ij, 1e-300)``,
    ``pull_i = sum_j Y_ji g_ij``, ``push_i = sum_j S_ji g_ij / (1 + sum_j S_ji)``,
    ``z_i = x_i + a_L peer_i + a_Y pull_i - a_S push_i`` and
    ``x_i' = clip(s_i x_i(0) + (1 - s_i) z_i, lo, hi)``; the sums over j in numpy's order
    (pairwise along a row, left to right down a column)."""
    n = x.shape[1]
    _transpose(received[b], received_t)
    _transpose(sanctioned[b], sanctioned_t)
    for i in range(n):
        for j in range(n):
            wrow[j] = weight[b, j] * (0.0 if i == j else 1.0)
            row[j] = wrow[j] * aff[b, i, j] * diff[b, i, j]
        peer = pairwise_sum(row) / _fmax(pairwise_sum(wrow), 1e-300)
        for j in range(n):
            row[j] = received_t[i, j] * diff[b, i, j]
        pull = pairwise_sum(row)
        for j in range(n):
            row[j] = sanctioned_t[i, j] * diff[b, i, j]
        suffered = sanctioned_t[i, 0]
        for j in range(1, n):
            suffered += sanctioned_t[i, j]
        push = pairwise_sum(row) / (1.0 + suffered)
        z = x[b, i] + a_l[b] * peer + a_y[b] * pull
        z = z - a_s[b] * push
        out[b, i] = _clip(stub[b, i] * anchor[b, i] + (1.0 - stub[b, i]) * z, lo, hi)


def affinity_update(
    affinity: Array,
    implied: Array,
    exchanged: Array,
    sanctioned: Array,
    at_war: Array,
    p: Any,
) -> Array:
    """Affinity step: relaxation, structural balance, support, sanctions and war.

    ``A' = clip(A + r (A* - A) + mu sum_{k != i, j} A_ik A_kj / N + gY (Y + Y^T)
    - gS (S + S^T) - gW W, -1, 1)`` with unit diagonal, where ``A*`` is the affinity
    implied by alignment (plus alliances) and the sum over third parties is the
    structural-balance term of Marvel et al. (2011): "the friend of my enemy is my enemy".

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(affinity_relax=0.0, balance_rate=1.0, affinity_support=0.0,
    ...        affinity_sanction=0.0, affinity_war=0.0)
    >>> A = np.array([[1, 1, -1], [1, 1, 0], [-1, 0, 1]], float)
    >>> z = np.zeros((3, 3))
    >>> float(affinity_update(A, A, z, z, z, p)[1, 2])  # friend (0) of my enemy (2)...
    -0.3333333333333333
    """
    shape = np.broadcast_shapes(*map(np.shape, (affinity, implied, exchanged, sanctioned,
                                                 at_war)))
    out = np.empty(shape)

    def runs(a: Array) -> Array:
        return _runs_as(a, shape, 2)

    _affinity_kernel(runs(affinity), runs(implied), runs(exchanged), runs(sanctioned),
                     runs(at_war), runs(_balance_product(affinity)),
                     *_affinity_coefficients(p, shape[:-2]), _runs(out, 2))
    return out


def _balance_product(affinity: Array) -> Array:
    """``sum_k A_ik A_kj`` over third parties k (zero diagonal): BLAS's ``matmul``."""
    off = affinity * (1.0 - np.eye(affinity.shape[-1]))
    return np.matmul(off, off)


def _affinity_coefficients(
    p: Any, batch: tuple[int, ...]
) -> tuple[Array, Array, Array, Array, Array]:
    """The coefficients of :func:`_affinity_step`, one per run."""
    return (per_run(p.affinity_relax, batch), per_run(p.balance_rate, batch),
            per_run(p.affinity_support, batch), per_run(p.affinity_sanction, batch),
            per_run(p.affinity_war, batch))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _affinity_step(
    a: float, implied: float, y_ij: float, y_ji: float, s_ij: float, s_ji: float, w: float,
    balance: float, n: int, r: float, mu: float, g_y: float, g_s: float, g_w: float,
    i: int, j: int,
) -> float:  # pragma: no cover - compiled
    """One element of :func:`affinity_update`, ``balance = sum_k A_ik A_kj``, evaluated in
    the order of its docstring equation: ``((((A + r (A* - A)) + mu balance / N) + gY (Y +
    Y^T)) - gS (S + S^T)) - gW W``, clipped, times ``1 - I``, plus ``I``."""
    new = a + (implied - a) * r
    new += balance / n * mu
    new += (y_ij + y_ji) * g_y
    new -= (s_ij + s_ji) * g_s
    new -= g_w * w
    return _unit_diagonal(new, i, j)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _unit_diagonal(a: float, i: int, j: int) -> float:  # pragma: no cover - compiled
    """``clip(a, -1, 1) * (1 - I) + I``, element ``(i, j)``: an affinity with unit
    diagonal."""
    diagonal = i == j
    return _clip(a, -1.0, 1.0) * (0.0 if diagonal else 1.0) + (1.0 if diagonal else 0.0)


@numba.njit(cache=True, error_model="numpy")
def _affinity_kernel(
    aff: Array, implied: Array, exchanged: Array, sanctioned: Array, at_war: Array,
    balance: Array, r: Array, mu: Array, g_y: Array, g_s: Array, g_w: Array, out: Array,
) -> None:  # pragma: no cover - compiled
    """:func:`affinity_update` for runs ``(B, N, N)`` into ``out`` (see
    :func:`_affinity_step`)."""
    nb, n, _ = aff.shape
    exchanged_t, sanctioned_t = np.empty((n, n)), np.empty((n, n))
    for b in range(nb):
        _transpose(exchanged[b], exchanged_t)
        _transpose(sanctioned[b], sanctioned_t)
        for i in range(n):
            for j in range(n):
                out[b, i, j] = _affinity_step(
                    aff[b, i, j], implied[b, i, j], exchanged[b, i, j], exchanged_t[i, j],
                    sanctioned[b, i, j], sanctioned_t[i, j], at_war[b, i, j],
                    balance[b, i, j], n, r[b], mu[b], g_y[b], g_s[b], g_w[b], i, j)


def econ_update(
    loss: Array, bite: Array, sender_cost: Array, p: Any
) -> Array:
    """Accumulated output loss in [0, 0.9]: ``L' = L + bite_scale bite + sender cost -
    recovery L``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(bite_scale=0.1, econ_recovery=0.5)
    >>> econ_update(np.array([0.2]), np.array([1.0]), np.array([0.0]), p).tolist()
    [0.2]
    """
    p = ParamView(p, loss)
    return _econ_update_u(loss, bite, sender_cost, p.bite_scale, p.econ_recovery)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _econ_update(
    loss: float, bite: float, sender_cost: float, bite_scale: float, recovery: float
) -> float:  # pragma: no cover - compiled
    """``clip(L + bite_scale bite + sender cost - recovery L, 0, 0.9)``."""
    return _clip(loss + bite_scale * bite + sender_cost - recovery * loss, 0.0, 0.9)


@numba.vectorize(["f8(f8, f8, f8, f8, f8)"], cache=True)
def _econ_update_u(
    loss: float, bite: float, sender_cost: float, bite_scale: float, recovery: float
) -> float:  # pragma: no cover - compiled
    return _econ_update(loss, bite, sender_cost, bite_scale, recovery)


def food_update(
    insecurity: Array, structural: Array, bite: Array, received: Array, p: Any
) -> Array:
    """Food and energy insecurity in [0, 1]: sanctions raise it, food received lowers it,
    and it relaxes toward its structural level.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> p = NS(food_stress=0.0, food_relief=0.1, food_reversion=0.0)
    >>> food_update(np.array([0.5]), np.array([0.5]), np.zeros(1), np.array([2.0]), p).tolist()
    [0.3]
    """
    p = ParamView(p, insecurity)
    return _food_update_u(insecurity, structural, bite, received, p.food_stress,
                          p.food_relief, p.food_reversion)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _food_update(
    insecurity: float, structural: float, bite: float, received: float, stress: float,
    relief: float, reversion: float,
) -> float:  # pragma: no cover - compiled
    """``clip(F + stress bite - relief received + reversion (structural - F), 0, 1)``."""
    return _clip(insecurity + stress * bite - relief * received
                 + reversion * (structural - insecurity), 0.0, 1.0)


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _food_update_u(
    insecurity: float, structural: float, bite: float, received: float, stress: float,
    relief: float, reversion: float,
) -> float:  # pragma: no cover - compiled
    return _food_update(insecurity, structural, bite, received, stress, relief, reversion)


def front_update(
    front: Array, fire: Array, at_war: Array, rate: Float, shock: Array | float = 0.0
) -> Array:
    """Front positions of wars in progress, antisymmetric, in [-1, 1].

    ``F_ij' = F_ij + rate * tanh(log((f_i + e) / (f_j + e))) + shock_ij`` for states at war,
    where ``f`` is the effective fire (million shells per month, quality-weighted) each side
    puts on this front and ``shock`` an antisymmetric random month-to-month variation (the
    fortunes of war beyond the artillery balance).

    Examples
    --------
    >>> f = np.array([[0.0, 0.3], [0.1, 0.0]]); W = np.array([[0, 1], [1, 0]], float)
    >>> front_update(np.zeros((2, 2)), f, W, 0.1).round(4).tolist()
    [[0.0, 0.08], [-0.08, 0.0]]
    >>> front_update(np.zeros((2, 2)), f, W, 0.1, np.array([[0, .01], [-.01, 0]])).round(4).tolist()
    [[0.0, 0.09], [-0.09, 0.0]]
    """
    ratio = _tanh_log(_front_ratio_u(fire, np.swapaxes(fire, -1, -2)))
    return _front_step_u(front, _bc(rate, np.ndim(front)), ratio, shock, at_war)


def _tanh_log(ratio: Array) -> Array:
    """``tanh(log(ratio))`` of :func:`front_update`'s fire ratios, in place, by numpy."""
    np.log(ratio, out=ratio)
    np.tanh(ratio, out=ratio)
    return ratio


@numba.njit(cache=True, error_model="numpy", inline="always")
def _front_ratio(f_ij: float, f_ji: float) -> float:  # pragma: no cover - compiled
    """The fire ratio of :func:`front_update`, ``(f_i + e) / (f_j + e)`` (``e = 1e-3``),
    whose ``tanh(log(.))`` numpy evaluates."""
    return (f_ij + 1e-3) / (f_ji + 1e-3)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _front_step(
    front: float, rate: float, tanh_ratio: float, shock: float, at_war: float
) -> float:  # pragma: no cover - compiled
    """``clip(F + (rate tanh(log ratio) + shock) W, -1, 1) W`` (:func:`front_update`)."""
    return _clip(front + (rate * tanh_ratio + shock) * at_war, -1.0, 1.0) * at_war


@numba.vectorize(["f8(f8, f8)"], cache=True)
def _front_ratio_u(f_ij: float, f_ji: float) -> float:  # pragma: no cover - compiled
    return _front_ratio(f_ij, f_ji)


@numba.vectorize(["f8(f8, f8, f8, f8, f8)"], cache=True)
def _front_step_u(
    front: float, rate: float, tanh_ratio: float, shock: float, at_war: float
) -> float:  # pragma: no cover - compiled
    return _front_step(front, rate, tanh_ratio, shock, at_war)


# -------------------------------------------- compiled glue of scenarios.dynamics.resolve
# The month's resolution (:func:`scenarios.dynamics.resolve`) in three passes over a block of
# runs, around what numpy must evaluate itself (``log``, ``tanh`` and ``exp``, scipy's
# ``ndtri``, BLAS's ``matmul``). The rules are the scalar functions above, each written once;
# the glue between them keeps the operations and their order of the numpy expressions it
# replaces (see the comments), so the numbers are the same.


@numba.njit(cache=True, error_model="numpy")
def _resolve_flows(
    d_arms: Array, d_food: Array, capacity: Array, spc: Array, arms_total: Array,
    food_total: Array, at_war: Array, front: Array, stock: Array, production: Array,
    consumption: Array, quality: Array, quality_default: Array, war_months: Array,
    capability: Array, attrition: Array, reference: Array, s_eff: Array, dependence: Array,
    cost_scale: Array, loss: Array, bite: Array, bite_scale: Array, recovery: Array,
    food_insecurity: Array, structural: Array, stress: Array, relief: Array, reversion: Array,
    arms: Array, food: Array, arms_total_out: Array, food_total_out: Array, stock_out: Array,
    war_months_out: Array, capability_out: Array, loss_out: Array, food_insecurity_out: Array,
    fire_moves: Array, fire_ratio: Array, support_exponent: Array, front_drawn: Array,
) -> int:  # pragma: no cover - compiled
    """Support flows, munitions, attrition, economy and food of :func:`resolve`'s month.

    Per run b (``W`` the wars at the start of the month; sums over a row pairwise, down a
    column left to right, as numpy's):

    - ``c = arms / spc + food``, ``k = capacity_scale(c)``; flows ``arms * k``, ``food * k``
      and their running totals; the exponent of ``support_norm(arms' / spc + food')``;
    - ``war_i = [sum_j W_ij > 0]``, ``sent_i = sum_j arms'_ij``, ``recv_j = sum_i arms'_ij``,
      ``q_i`` the quality (its default where unknown), ``recv_q_j = sum_i arms'_ij q_i``;
      ``available = stock + prod + recv - sent``, ``fired = war min(cons, max(available,
      0))``, ``qmix = (prod q + recv_q) / max(prod + recv, 1e-300)`` (``q`` without supply),
      ``stock' = max(available - fired, 0)``; the fire on each front ``f_ij = fired_i qmix_i
      / max(sum_j W_ij, 1) W_ij`` and the ratio of :func:`front_update`, where it can move
      the front (``fire_moves``; in order into ``fire_ratio``, returning how many);
    - ``war_months' = (war_months + 1) W``, ``capability' = capability (1 - attrition war)``;
    - ``econ_update`` with the sender cost ``cost_scale sum_j S_ij D_ij``, ``food_update``
      with the food received ``sum_i food'_ij``;
    - ``front_drawn``, for each pair i < j (in ``triu_indices`` order), whether its shock
      can move the front either way.

    Where a pair is not at war (either way), the fire is finite and the front is not
    ``-0.0``, :func:`front_update` gives ``clip(F + x * 0, -1, 1) * 0``, the same bits
    whatever the finite ``x`` (its fire term, from a ratio of 1, and its shock), so neither
    is evaluated there.
    """
    nb, n, _ = d_arms.shape
    c, c_t = np.empty((n, n)), np.empty((n, n))
    q, row, fire = np.empty(n), np.empty(n), np.empty(n)
    received, received_q, received_food = np.empty(n), np.empty(n), np.empty(n)
    count = 0
    for b in range(nb):
        sp = spc[b]
        ref = reference[b]
        for i in range(n):
            for j in range(n):
                c[i, j] = d_arms[b, i, j] / sp + d_food[b, i, j]
        _transpose(c, c_t)
        for i in range(n):
            for j in range(n):
                scale = _capacity_scale(c[i, j], c_t[i, j], capacity[i, j])
                a = d_arms[b, i, j] * scale
                f = d_food[b, i, j] * scale
                arms[b, i, j] = a
                food[b, i, j] = f
                arms_total_out[b, i, j] = arms_total[b, i, j] + a
                food_total_out[b, i, j] = food_total[b, i, j] + f
                support_exponent[b, i, j] = _support_exponent(a / sp + f, ref)
                war_months_out[b, i, j] = (war_months[b, i, j] + 1.0) * at_war[b, i, j]
        for k in range(n):
            q[k] = quality_default[b] if np.isnan(quality[k]) else quality[k]
        for j in range(n):
            received[j] = arms[b, 0, j]
            received_q[j] = arms[b, 0, j] * q[0]
            received_food[j] = food[b, 0, j]
        for k in range(1, n):
            for j in range(n):
                received[j] += arms[b, k, j]
                received_q[j] += arms[b, k, j] * q[k]
                received_food[j] += food[b, k, j]
        for i in range(n):
            for j in range(n):  # rows copied to scratch: cheaper than a view per call
                row[j] = at_war[b, i, j]
            fronts = pairwise_sum(row)
            war = 1.0 if fronts > 0 else 0.0
            for j in range(n):
                row[j] = arms[b, i, j]
            available = stock[b, i] + production[i] + received[i] - pairwise_sum(row)
            fired = war * _fmin(consumption[i], _fmax(available, 0.0))
            supply = production[i] + received[i]
            qmix = ((production[i] * q[i] + received_q[i]) / _fmax(supply, 1e-300)
                    if supply > 0 else q[i])
            stock_out[b, i] = _fmax(available - fired, 0.0)
            fire[i] = fired * qmix / _fmax(fronts, 1.0)
            capability_out[b, i] = capability[b, i] * (1.0 - attrition[b] * war)
            for j in range(n):
                row[j] = s_eff[b, i, j] * dependence[i, j]
            loss_out[b, i] = _econ_update(loss[b, i], bite[b, i],
                                          cost_scale[b] * pairwise_sum(row), bite_scale[b],
                                          recovery[b])
            food_insecurity_out[b, i] = _food_update(
                food_insecurity[b, i], structural[i], bite[b, i], received_food[i], stress[b],
                relief[b], reversion[b])
        finite = True
        for i in range(n):
            finite = finite and math.isfinite(fire[i])
        for i in range(n):
            for j in range(n):
                # with finite fire and no war either way, the ratio is (0 + e) / (0 + e) = 1
                moves = (at_war[b, i, j] != 0.0 or at_war[b, j, i] != 0.0
                         or _negative_zero(front[b, i, j]) or not finite)
                fire_moves[b, i, j] = moves
                if moves:
                    fire_ratio[count] = _front_ratio(fire[i] * at_war[b, i, j],
                                                     fire[j] * at_war[b, j, i])
                    count += 1
        k = 0
        for i in range(n):
            for j in range(i + 1, n):
                front_drawn[b, k] = fire_moves[b, i, j] or fire_moves[b, j, i]
                k += 1
    return count


@numba.njit(cache=True, error_model="numpy", inline="always")
def _negative_zero(x: float) -> bool:  # pragma: no cover - compiled
    """Whether ``x`` is ``-0.0``."""
    return x == 0.0 and math.copysign(1.0, x) < 0.0


@numba.njit(cache=True, error_model="numpy")
def _resolve_wars(
    front: Array, fire_moves: Array, tanh_ratio: Array, normal: Array, noise: Array, rate: Array,
    at_war: Array, u_end: Array, offer: Array, war_months: Array, end_intercept: Array,
    end_fatigue: Array, end_offer: Array, war_ended: Array, attacked: Array, rung: Array,
    join: Array, sanctions: Array, game: Array, lift: Array, intensity: Array, relief: Array,
    west: Array, rus: int, games: Array,
    front_out: Array, at_war_out: Array, attacked_out: Array, war_ended_out: Array,
    rung_out: Array, new_war_sym: Array, sanctions_out: Array, games_out: Array, top: Array,
) -> None:  # pragma: no cover - compiled
    """The front, wars ending and starting, rungs and sanctions of :func:`resolve`'s month.

    Per run b (``W`` the wars at the start of the month; ``tanh_ratio`` the fire term of
    the fronts ``fire_moves`` in order, 0 elsewhere; ``normal[b, k]`` the normal draw of
    the k-th pair i < j in ``triu_indices`` order, ``u_end`` likewise its uniform for a
    negotiated end):

    - ``F' = front_update(F, tanh ratio, W, rate, (z - z^T) noise)``;
    - at war: decisive where ``|F'| >= 1``, negotiated where ``u_ij + u_ji < sigmoid(b0 +
      bF months / 60 + bO max(offer_ij, offer_ji))`` and not decisive; the ended wars get
      code 1 (negotiated) or 2 (decisive), front, war and attack 0, rungs at most 3;
    - new wars: rung >= war rung off the diagonal, or joining an ally, where not at war;
      symmetric (``new_war_sym``); an attacker marks ``attacked``; at war, rungs at least
      the war rung;
    - sanctions: intensity where imposed, 0 where lifted, 0 on the diagonal; the West's
      sanctions on Russia times ``1 - relief``; the games' outcomes counted;
    - ``top``, the highest rung of the run.
    """
    nb, n, _ = front.shape
    shock, u_sum, fire = np.empty((n, n)), np.empty((n, n)), np.empty((n, n))
    code = np.empty((n, n), dtype=np.int8)
    count = 0
    new_war, new_war_t = np.empty((n, n), dtype=np.bool_), np.empty((n, n), dtype=np.bool_)
    for b in range(nb):
        k = 0
        for i in range(n):
            shock[i, i] = (0.0 - 0.0) * noise[b]
            u_sum[i, i] = 0.0 + 0.0
            for j in range(i + 1, n):
                shock[i, j] = (normal[b, k] - 0.0) * noise[b]
                shock[j, i] = (0.0 - normal[b, k]) * noise[b]
                u_sum[i, j] = u_end[b, k] + 0.0
                u_sum[j, i] = 0.0 + u_end[b, k]
                k += 1
        for i in range(n):
            for j in range(n):
                fire[i, j] = 0.0
                if fire_moves[b, i, j]:
                    fire[i, j] = tanh_ratio[count]
                    count += 1
        for i in range(n):
            for j in range(n):
                front_out[b, i, j] = _front_step(front[b, i, j], rate[b], fire[i, j],
                                                 shock[i, j], at_war[b, i, j])
        for i in range(n):
            for j in range(n):
                code[i, j] = 0
                if at_war[b, i, j] > 0:  # fighting: 2 decisive, 1 negotiated
                    if abs(front_out[b, i, j]) >= 1.0:
                        code[i, j] = 2
                    elif u_sum[i, j] < _sig(
                            end_intercept[b] + end_fatigue[b] * war_months[b, i, j] / 60.0
                            + end_offer[b] * _fmax(offer[b, i, j], offer[b, j, i])):
                        code[i, j] = 1
        for i in range(n):
            for j in range(n):
                ends = code[i, j] != 0
                war_ended_out[b, i, j] = code[i, j] if ends else war_ended[b, i, j]
                w = 0.0 if ends else at_war[b, i, j]
                front_out[b, i, j] = 0.0 if ends else front_out[b, i, j]
                r = min(rung[b, i, j], 3) if ends else rung[b, i, j]
                starts = r >= WAR_RUNG and w <= 0 and i != j
                new_war[i, j] = starts or (join[b, i, j] and w <= 0)
                attacked_out[b, i, j] = (1.0 if starts else (0.0 if ends else attacked[b, i, j])
                                         ) * (0.0 if i == j else 1.0)
                at_war_out[b, i, j] = w
                rung_out[b, i, j] = r
        _transpose(new_war, new_war_t)
        highest = 0
        for i in range(n):
            for j in range(n):
                sym = new_war[i, j] or new_war_t[i, j]
                new_war_sym[b, i, j] = sym
                w = 1.0 if sym else at_war_out[b, i, j]
                at_war_out[b, i, j] = w
                r = max(rung_out[b, i, j], WAR_RUNG) if w > 0 else rung_out[b, i, j]
                rung_out[b, i, j] = r
                highest = max(highest, r)
        top[b] = highest
        conceded = 0
        imposed = 0
        backdown = 0
        for i in range(n):
            for j in range(n):
                g = game[b, i, j]
                conceded += g == 1
                imposed += g == 2
                backdown += g == 3
                base = intensity[b] if g == 2 else sanctions[b, i, j]
                sanctions_out[b, i, j] = (0.0 if lift[b, i, j] else base) * (
                    0.0 if i == j else 1.0)
        games_out[b, 0] = games[b, 0] + conceded
        games_out[b, 1] = games[b, 1] + imposed
        games_out[b, 2] = games[b, 2] + backdown
        if rus >= 0:
            for i in range(n):
                if west[i]:
                    sanctions_out[b, i, rus] = sanctions_out[b, i, rus] * (1.0 - relief[b])


@numba.njit(cache=True, error_model="numpy")
def _resolve_opinion(
    x: Array, anchor: Array, stub: Array, aff: Array, weight: Array, exchanged: Array,
    s_eff: Array, diff: Array, a_l: Array, a_y: Array, a_s: Array, lo: float, hi: float,
    pact: Array, scale: Array, alliance: Array, at_war: Array, balance: Array, r: Array,
    mu: Array, g_y: Array, g_s: Array, g_w: Array, concede: Array, game: Array, finish: bool,
    x_out: Array, aff_out: Array,
) -> None:  # pragma: no cover - compiled
    """Alignment and affinity of :func:`resolve`'s month.

    Per run b: ``x' = alignment_update(...)`` (:func:`_alignment_run`); the implied affinity
    ``clip(affinity_from_alignment(x') + alliance P, -1, 1)``; ``A' = affinity_update(A,
    implied, Y, S, W)`` (:func:`_affinity_step`, ``balance = sum_k A_ik A_kj``) plus
    ``concede (C + C^T)`` where a target conceded (``game == 1``); with ``finish`` (no UN
    vote this month) the result clipped with unit diagonal (:func:`_unit_diagonal`).
    """
    nb, n = x.shape
    row, wrow = np.empty(n), np.empty(n)
    exchanged_t, s_eff_t = np.empty((n, n)), np.empty((n, n))
    game_t = np.empty((n, n), dtype=game.dtype)
    for b in range(nb):
        _alignment_run(b, x, anchor, stub, aff, weight, exchanged, s_eff, diff, a_l, a_y,
                       a_s, lo, hi, x_out, row, wrow, exchanged_t, s_eff_t)
        _transpose(game[b], game_t)
        for i in range(n):
            for j in range(n):
                implied = _clip(_implied_affinity(x_out[b, i], x_out[b, j], scale[b])
                                + alliance[b] * pact[b, i, j], -1.0, 1.0)
                a = _affinity_step(
                    aff[b, i, j], implied, exchanged[b, i, j], exchanged_t[i, j],
                    s_eff[b, i, j], s_eff_t[i, j], at_war[b, i, j], balance[b, i, j], n,
                    r[b], mu[b], g_y[b], g_s[b], g_w[b], i, j)
                a = a + concede[b] * ((1.0 if game[b, i, j] == 1 else 0.0)
                                      + (1.0 if game_t[i, j] == 1 else 0.0))
                aff_out[b, i, j] = _unit_diagonal(a, i, j) if finish else a


@numba.njit(cache=True, error_model="numpy")
def _unit_diagonal_kernel(a: Array) -> None:  # pragma: no cover - compiled
    """:func:`_unit_diagonal` of every element of ``a`` (runs ``(B, N, N)``), in place."""
    nb, n, _ = a.shape
    for b in range(nb):
        for i in range(n):
            for j in range(n):
                a[b, i, j] = _unit_diagonal(a[b, i, j], i, j)


# ------------------------------------------------------------------------------ outcomes


def bloc_partition(affinity: Array) -> NDArray[np.int8]:
    """Two camps (+1 / -1) from the leading eigenvector of the mean-centred affinity matrix.

    Maximising ``sum_ij (A_ij - mean A) s_i s_j`` over camp signs ``s`` is the two-camp
    landscape-energy problem of Axelrod & Bennett (1993) with equal sizes, measured against
    the average affinity as in modularity (Newman 2006); its spectral relaxation is the
    leading eigenvector of the centred matrix. Without centring, a network of mostly
    positive affinities would always put everyone in one camp. The sign is fixed so that
    actor 0 is in camp +1. Works on any batch shape.

    Examples
    --------
    >>> A = np.array([[1, .8, -.7], [.8, 1, -.5], [-.7, -.5, 1]])
    >>> bloc_partition(A).tolist()
    [1, 1, -1]
    >>> bloc_partition(np.array([[1, .9, .2, .1], [.9, 1, .1, .2], [.2, .1, 1, .9],
    ...                          [.1, .2, .9, 1]])).tolist()   # all friendly, two clusters
    [1, 1, -1, -1]
    """
    a = np.asarray(affinity, dtype=np.float64)
    n = a.shape[-1]
    flat = flat_runs(a, 2)
    centred = np.empty_like(flat)
    camp = np.empty(flat.shape[:-1], dtype=np.int8)
    status = np.empty(flat.shape[0], dtype=np.int8)
    # the camps are the sign pattern of the leading eigenvector; a cheap iteration finds it
    # and certifies the signs, and LAPACK's eigh decides only the runs it cannot certify, so
    # the camps are eigh's in every run (see _certify)
    _bloc_kernel(flat, centred, camp, status)
    if (status == _ZERO).any():  # all affinities equal: eigh's camps of the zero matrix
        camp[status == _ZERO] = _zero_camps(n)
    todo = np.flatnonzero(status == _UNSURE)
    if todo.size:
        _, vecs = np.linalg.eigh(centred[todo])
        camp[todo] = _camps(vecs[..., :, -1])
    return camp.reshape((*a.shape[:-2], n))


@functools.cache
def _zero_camps(n: int) -> NDArray[np.int8]:
    """The camps of :func:`bloc_partition` by eigh for a zero centred matrix ``(n, n)``."""
    return _camps(np.linalg.eigh(np.zeros((n, n)))[1][:, -1])


@numba.njit(cache=True)
def _bloc_kernel(
    aff: Any, centred: Any, camp: Any, status: Any
) -> None:  # pragma: no cover - compiled
    """For each run ``b`` of ``aff`` ``(B, n, n)``: the centred matrix of
    :func:`bloc_partition` into ``centred[b]``,
    ``sym = 0.5 * (A + A^T) * off``, ``centred = (sym - sum(sym) / max(n (n - 1), 1)) * off``
    (``off = 1 - I``; the sum in numpy's pairwise order over the ``n * n`` elements), and
    ``status[b]`` of :func:`_certify`; the camps it certifies are written to ``camp[b]``."""
    nb, n = aff.shape[0], aff.shape[-1]
    sym = np.empty(n * n)
    v = np.empty(n)
    y = np.empty(n)
    work = np.empty((n, n))
    count = float(max(n * (n - 1), 1))
    for b in range(nb):
        a = aff[b]
        m = centred[b]
        for i in range(n):
            for j in range(n):
                off = 0.0 if i == j else 1.0
                sym[i * n + j] = 0.5 * (a[i, j] + a[j, i]) * off
        mean = pairwise_sum(sym) / count
        for i in range(n):
            for j in range(n):
                off = 0.0 if i == j else 1.0
                m[i, j] = (sym[i * n + j] - mean) * off
        status[b] = _certify(m, v, y, work)
        if status[b] == _CERTIFIED:
            _camp_row(v, camp[b])


@numba.njit(cache=True, inline="always")
def _camp_row(lead: Any, out: Any) -> None:  # pragma: no cover - compiled
    """Camps +1 / -1 from the signs of a leading eigenvector ``lead`` (1-D), actor 0 in
    camp +1: ``sign = -1 if lead_0 < 0 else 1``, ``camp_i = 1 if lead_i sign >= 0 else -1``."""
    sign = -1.0 if lead[0] < 0 else 1.0
    for i in range(lead.shape[0]):
        out[i] = 1 if lead[i] * sign >= 0 else -1


@numba.njit(cache=True)
def _camps_kernel(lead: Any, out: Any) -> None:  # pragma: no cover - compiled
    for b in range(lead.shape[0]):
        _camp_row(lead[b], out[b])


def _camps(lead: Array) -> NDArray[np.int8]:
    """Camps +1 / -1 from the signs of leading eigenvectors ``(..., n)``, actor 0 in camp +1."""
    lead = np.asarray(lead, dtype=np.float64)
    flat = flat_runs(lead, 1)
    out = np.empty(flat.shape, dtype=np.int8)
    _camps_kernel(flat, out)
    return out.reshape(lead.shape)


#: :func:`_certify`: power steps on ``m + rad I / 4``; rounds of inverse iteration, each with
#: the first shift ``theta + delta (theta + rad)`` above the top eigenvalue and that many
#: steps, then the certificate with ``sigma = theta - frac (theta + rad)``.
_POWER_STEPS, _ROUNDS, _INVERSE_STEPS = 3, 4, 2
_INVERSE_DELTAS, _SIGMA_FRACS = (0.003, 0.03, 0.3), (0.05, 0.002)
#: What :func:`_certify` finds: camps not certain (left to eigh), certain, or a zero matrix
#: (all affinities equal; its signed zeros do not matter to eigh, whose camps are then all
#: those of the zero matrix).
_UNSURE, _CERTIFIED, _ZERO = 0, 1, 2


@numba.njit(cache=True, error_model="numpy")
def _certify(m: Any, v: Any, y: Any, w: Any) -> int:  # pragma: no cover - compiled
    """Whether the signs of an estimate ``v`` of the leading eigenvector of the symmetric
    ``m`` ``(n, n)`` are certain to be those of the true eigenvector, and so of
    ``numpy.linalg.eigh``'s (:data:`_CERTIFIED`; :data:`_ZERO` if ``m`` is zero, else
    :data:`_UNSURE`); ``v`` is written in place (``y``, ``w``: scratch).

    The estimate: a few power steps from the largest column of ``m``, then rounds of inverse
    iteration with a shift just above the Rayleigh quotient (where ``shift I - m`` is
    positive definite), until :func:`_certificate` holds.
    """
    n = m.shape[0]
    rad = 0.0  # every eigenvalue lies in [-rad, rad]
    best = -1.0
    j0 = 0
    for i in range(n):
        s = 0.0
        q = 0.0
        for j in range(n):
            s += abs(m[i, j])
            q += m[i, j] * m[i, j]
        if s > rad or s != s:  # a NaN stays
            rad = s
        if q > best:
            best = q
            j0 = i
    if rad == 0.0:
        return _ZERO
    if not rad < np.inf:
        return _UNSURE
    for i in range(n):
        y[i] = m[i, j0]
    _unit(y, v)
    for _ in range(_POWER_STEPS):
        _sym_matvec(m, v, y)
        for i in range(n):
            y[i] += 0.25 * rad * v[i]
        _unit(y, v)
    for _ in range(_ROUNDS):
        _sym_matvec(m, v, y)
        theta = 0.0
        for i in range(n):
            theta += v[i] * y[i]
        for delta in _INVERSE_DELTAS:
            shift = theta + delta * (theta + rad)
            for i in range(n):  # w = L D L^T of shift I - m
                for j in range(i, n):
                    w[i, j] = -m[i, j]
                w[i, i] += shift
            if _ldl(w, 0.0):
                break
        else:
            return _UNSURE
        for _ in range(_INVERSE_STEPS):
            _ldl_solve(w, v, y)
            _unit(y, v)
        if _certificate(m, v, y, w, rad):
            return _CERTIFIED
    return _UNSURE


@numba.njit(cache=True, error_model="numpy")
def _certificate(
    m: Any, v: Any, y: Any, w: Any, rad: float
) -> bool:  # pragma: no cover - compiled
    """Whether the unit vector ``v`` has the signs of the leading eigenvector of the symmetric
    ``m`` (every eigenvalue in ``[-rad, rad]``); ``y``, ``w``: scratch.

    It does when (1) a Cholesky factorisation of ``sigma I - m + beta v v^T`` succeeds with
    a margin, which proves that ``m`` has only one eigenvalue above ``sigma`` (a rank-one
    positive update moves at most one eigenvalue past zero), while the Rayleigh quotient
    ``theta`` is above ``sigma``; then (Davis-Kahan) ``v`` is within
    ``||m v - theta v|| / (theta - sigma)`` of the true eigenvector, and so is eigh's, up to
    rounding; and (2) every component of ``v`` exceeds that distance by a wide margin, so its
    sign is the true eigenvector's and eigh's. Only the certificate matters for the result,
    not the bits of ``v``.
    """
    n = m.shape[0]
    _sym_matvec(m, v, y)  # y = m v
    theta = 0.0
    for i in range(n):
        theta += v[i] * y[i]
    res = 0.0
    for i in range(n):
        r = y[i] - theta * v[i]
        res += r * r
    res = np.sqrt(res)
    if not (np.isfinite(theta) and np.isfinite(res)):
        return False
    vmin = np.inf
    for i in range(n):
        vmin = min(vmin, abs(v[i]))
    beta = 2.0 * rad + 1.0
    for frac in _SIGMA_FRACS:
        sigma = theta - frac * (theta + rad)
        gap = theta - sigma
        scale = beta + abs(sigma)
        if not gap > 1e-6 * scale:
            return False
        for i in range(n):  # w = sigma I - m + beta v v^T
            for j in range(i, n):
                w[i, j] = beta * v[i] * v[j] - m[i, j]
            w[i, i] += sigma
        if _ldl(w, 1e-9 * scale):
            bound = (res + 1e-12 * n * scale) / gap
            return vmin > 100.0 * bound + 1e-9
    return False


@numba.njit(cache=True, inline="always")
def _sym_matvec(m: Any, v: Any, y: Any) -> None:  # pragma: no cover - compiled
    """``y = m v`` for a symmetric ``m``, as a sum of its rows."""
    n = m.shape[0]
    y[:] = 0.0
    for k in range(n):
        f = v[k]
        for j in range(n):
            y[j] += f * m[k, j]


@numba.njit(cache=True, inline="always")
def _unit(y: Any, v: Any) -> None:  # pragma: no cover - compiled
    """``v = y / ||y||``."""
    s = 0.0
    for i in range(y.shape[0]):
        s += y[i] * y[i]
    s = 1.0 / np.sqrt(s)
    for i in range(y.shape[0]):
        v[i] = y[i] * s


@numba.njit(cache=True, error_model="numpy")
def _ldl(a: Any, tol: float) -> bool:  # pragma: no cover - compiled
    """``L D L^T`` (Cholesky) elimination of the symmetric ``a`` ``(n, n)`` in its upper
    triangle, in place: whether it is positive definite, every pivot ``D_k`` above ``tol``.
    On success ``a[k, k] = D_k`` and ``a[k, i] = a[i, k] = L_ik`` for ``i > k``."""
    n = a.shape[0]
    for k in range(n):
        piv = a[k, k]
        if not piv > tol:
            return False
        for i in range(k + 1, n):
            f = a[k, i] / piv
            for j in range(i, n):
                a[i, j] -= f * a[k, j]
            a[k, i] = f
            a[i, k] = f
    return True


@numba.njit(cache=True, inline="always")
def _ldl_solve(a: Any, rhs: Any, x: Any) -> None:  # pragma: no cover - compiled
    """``x`` solving ``L D L^T x = rhs`` from the factors of :func:`_ldl`."""
    n = a.shape[0]
    x[:] = rhs
    for k in range(n):
        f = x[k]
        for i in range(k + 1, n):
            x[i] -= a[k, i] * f
    for i in range(n):
        x[i] /= a[i, i]
    for k in range(n - 1, 0, -1):
        f = x[k]
        for i in range(k):
            x[i] -= a[k, i] * f


def polarization(affinity: Array, camp: Array) -> Array:
    """Half the gap between mean within-camp and mean between-camp affinity, in [-1, 1].

    Examples
    --------
    >>> A = np.array([[1, 1, -1], [1, 1, -1], [-1, -1, 1]], float)
    >>> float(polarization(A, np.array([1, 1, -1])))
    1.0
    """
    a = np.asarray(affinity, dtype=np.float64)
    c = np.asarray(camp, dtype=np.float64)
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], c.shape[:-1])
    out = np.empty(math.prod(batch))
    _polarization_kernel(flat_runs(np.broadcast_to(a, (*batch, n, n)), 2),
                         flat_runs(np.broadcast_to(c, (*batch, n)), 1), out)
    return out.reshape(batch)


@numba.njit(cache=True)
def _polarization_kernel(aff: Any, camp: Any, out: Any) -> None:  # pragma: no cover - compiled
    """Per run ``b``, with ``same = (c_i == c_j) (1 - I)``, ``diff = (c_i != c_j)``:
    ``within = sum(A same) / max(sum(same), 1)``, ``between = sum(A diff) / max(sum(diff),
    1)``, ``out = 0.5 (within - between)`` where both camps are present, else 0 (the sums of
    products in numpy's pairwise order over the ``n * n`` elements)."""
    nb, n = aff.shape[0], aff.shape[-1]
    ws = np.empty(n * n)
    wd = np.empty(n * n)
    for b in range(nb):
        a = aff[b]
        c = camp[b]
        n_same = 0.0
        n_diff = 0.0
        for i in range(n):
            for j in range(n):
                same = (1.0 if c[i] == c[j] else 0.0) * (0.0 if i == j else 1.0)
                diff = (1.0 if c[i] != c[j] else 0.0) * 1.0
                ws[i * n + j] = a[i, j] * same
                wd[i * n + j] = a[i, j] * diff
                n_same += same
                n_diff += diff
        within = pairwise_sum(ws) / max(n_same, 1.0)
        between = pairwise_sum(wd) / max(n_diff, 1.0)
        out[b] = 0.5 * (within - between) if n_same > 0 and n_diff > 0 else 0.0


def bloc_labels(affinity: Array, threshold: Float = 0.3) -> NDArray[np.intp]:
    """Bloc label of each actor: connected components of the graph ``A_ij > threshold``.

    Each actor is labelled by the smallest index in its component (the smallest index it
    reaches along links, by a transitive closure per run, so it works on any batch shape).

    Examples
    --------
    >>> A = np.array([[1, .9, -.5], [.9, 1, -.5], [-.5, -.5, 1]])
    >>> bloc_labels(A).tolist()
    [0, 0, 2]
    """
    a = np.asarray(affinity, dtype=np.float64)
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], np.shape(threshold))
    label = np.empty((math.prod(batch), n), dtype=np.intp)
    _labels_kernel(flat_runs(np.broadcast_to(a, (*batch, n, n)), 2),
                   per_run(threshold, batch), label)
    return label.reshape((*batch, n))


@numba.njit(cache=True, inline="always")
def _labels_row(
    a: Any, threshold: float, reach: Any, label: Any
) -> None:  # pragma: no cover - compiled
    """``label_i``: the smallest ``j`` that ``i`` reaches in the graph ``A_ij > threshold``
    (``i`` reaches itself), by Warshall's transitive closure in ``reach`` ``(n, n)``."""
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            reach[i, j] = a[i, j] > threshold or i == j
    for k in range(n):
        for i in range(n):
            if reach[i, k]:
                for j in range(n):
                    reach[i, j] = reach[i, j] or reach[k, j]
    for i in range(n):
        j = 0
        while not reach[i, j]:
            j += 1
        label[i] = j


@numba.njit(cache=True)
def _labels_kernel(aff: Any, threshold: Any, label: Any) -> None:  # pragma: no cover - compiled
    n = aff.shape[-1]
    reach = np.empty((n, n), dtype=np.bool_)
    for b in range(aff.shape[0]):
        _labels_row(aff[b], threshold[b], reach, label[b])


def effective_poles(affinity: Array, capability: Array, threshold: Float = 0.3) -> Array:
    """Effective number of poles: ``1 / sum_b share_b^2`` over capability shares of blocs.

    Blocs are those of :func:`bloc_labels` (Laakso & Taagepera 1979 applied to bloc
    capabilities).

    Examples
    --------
    >>> A = np.array([[1, .9, -.5], [.9, 1, -.5], [-.5, -.5, 1]])
    >>> float(effective_poles(A, np.array([0.25, 0.25, 0.5])))
    2.0
    """
    a = np.asarray(affinity, dtype=np.float64)
    cap = np.asarray(capability, dtype=np.float64)
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], cap.shape[:-1], np.shape(threshold))
    out = np.empty(math.prod(batch))
    _poles_kernel(flat_runs(np.broadcast_to(a, (*batch, n, n)), 2),
                  flat_runs(np.broadcast_to(cap, (*batch, n)), 1), per_run(threshold, batch),
                  out)
    return out.reshape(batch)


@numba.njit(cache=True)
def _poles_kernel(
    aff: Any, cap: Any, threshold: Any, out: Any
) -> None:  # pragma: no cover - compiled
    """Per run, with the blocs of :func:`_labels_row`: ``share_k = sum_i [label_i = k] cap_i``
    (left to right over ``i``, as numpy sums over the second-last axis),
    ``share = share / max(sum(share), 1e-300)``, ``out = 1 / max(sum(share^2), 1e-300)``
    (sums over blocs in numpy's pairwise order)."""
    n = aff.shape[-1]
    reach = np.empty((n, n), dtype=np.bool_)
    label = np.empty(n, dtype=np.intp)
    share = np.empty(n)
    for b in range(aff.shape[0]):
        _labels_row(aff[b], threshold[b], reach, label)
        c = cap[b]
        for k in range(n):
            acc = (1.0 if label[0] == k else 0.0) * c[0]
            for i in range(1, n):
                acc += (1.0 if label[i] == k else 0.0) * c[i]
            share[k] = acc
        total = _fmax(pairwise_sum(share), 1e-300)
        for k in range(n):
            s = share[k] / total
            share[k] = s * s
        out[b] = 1.0 / _fmax(pairwise_sum(share), 1e-300)


def classify(
    nuclear_use: Array,
    major_war: Array,
    settled: Array,
    polarization_: Array,
    polarization_start: Array,
    major_rung: Array,
    margin: Float,
) -> NDArray[np.int8]:
    """Outcome class of a run, a code into ``scenarios.outcomes.OUTCOME_CLASSES``.

    In order of precedence: 4 nuclear use (any nuclear rung reached); 3 conventional
    escalation (a new war between a nuclear-armed state and a nuclear-armed or
    nuclear-protected one); 2 multipolar settlement (every war of the start ended by
    negotiation, no war at the end, the great powers at rung 2 or below toward each other,
    and blocs no more polarised than at the start); 1 new cold war (polarisation risen by at
    least ``margin`` over the start); 0 containment otherwise (the war contained, blocs as
    they were).

    Examples
    --------
    >>> classify(np.array([1, 0, 0, 0, 0]), np.array([1, 1, 0, 0, 0]),
    ...          np.array([0, 0, 1, 0, 0]), np.array([.9, .9, .4, .6, .5]),
    ...          np.full(5, 0.5), np.array([6, 5, 1, 4, 3]), 0.05).tolist()
    [4, 3, 2, 1, 0]
    """
    margin = _bc(margin, np.ndim(polarization_))
    multipolar = (settled > 0) & (major_rung <= 2) & (polarization_ <= polarization_start)
    cold = polarization_ >= polarization_start + margin
    out = np.where(
        nuclear_use > 0, 4,
        np.where(major_war > 0, 3, np.where(multipolar, 2, np.where(cold, 1, 0))),
    )
    return out.astype(np.int8)
