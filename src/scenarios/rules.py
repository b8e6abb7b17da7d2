"""The model's rules, each written once as a function of arrays with any leading batch shape.

Shapes: ``(..., N)`` for a value per actor, ``(..., N, N)`` for a directed dyad (row = sender,
supplier or escalating state; column = target or recipient). A decision rule is elementwise in
(row, column), so it gives the same numbers whether it is called on one agent's row, shape
``(..., 1, N)``, inside :class:`scenarios.StateAgent`, or on every row of a block of runs at once
in the batched engine. Parameters may be Python floats or arrays that broadcast against the
leading batch shape followed by the actor axes (see :func:`scenarios.dynamics.param_view`).

Equations, the report driver each rule encodes and the published model it follows are in
``docs/model.md``; the section names below match it.

The hottest elementwise rules evaluate their whole formula in one compiled pass (a numba
``vectorize`` ufunc, which broadcasts over any batch shape like the numpy expression it
replaces): the formula lives in the kernel, written once, with the same operations in the
same order as the numpy expression in its docstring, so the numbers are the same.

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
    a = np.asarray(v, dtype=np.float64)
    return np.ascontiguousarray(np.broadcast_to(a, batch).reshape(-1))


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


def _col(v: Any) -> Any:
    """Turn a per-actor array ``(..., N)`` into a column ``(..., N, 1)`` (the row actor)."""
    return np.asarray(v)[..., :, None]


def _row(v: Any) -> Any:
    """Turn a per-actor array ``(..., N)`` into a row ``(..., 1, N)`` (the column actor)."""
    return np.asarray(v)[..., None, :]


# --------------------------------------------------------------------------- perception


def hostility(affinity: Array, at_war: Array) -> Array:
    """Hostility in [0, 1]: negative affinity, and 1 between states at war.

    Examples
    --------
    >>> hostility(np.array([[1.0, -0.4], [-0.4, 1.0]]), np.zeros((2, 2))).tolist()
    [[0.0, 0.4], [0.4, 0.0]]
    """
    return np.maximum(np.maximum(-affinity, 0.0), at_war.astype(np.float64))


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
    n = affinity.shape[-1]
    offdiag = 1.0 - np.eye(n)
    friendly = np.maximum(affinity, 0.0) * (sanctions <= 0.0) * offdiag
    weight = (friendly * _col(gdp_share * outlet)).sum(axis=-2)
    nd = np.ndim(weight)
    return _bc(leakage_max, nd) * (1.0 - np.exp(-_bc(leakage_gain, nd) * weight))


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
    dep_t = np.swapaxes(dependence, -1, -2)  # [i, j] = D_ji, j's dependence on i
    unilateral = (sanctions * dep_t).sum(axis=-2)
    un = un_level * (un_comply * dep_t).sum(axis=-2)
    return np.minimum(unilateral + un, 1.0) * (1.0 - leak)


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
    n = warheads.shape[-1]
    allied = (pact * (1.0 - np.eye(n)) * _row(warheads)).sum(axis=-1)
    total = warheads + _bc(extended, np.ndim(allied)) * umbrella * allied
    d = np.minimum(np.log1p(total) / np.log1p(5000.0), 1.0)
    return np.broadcast_to(_row(d), pact.shape)


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
    n = pact.shape[-1]
    losing = _bc(losing, np.ndim(front))
    called = at_war * np.maximum(np.swapaxes(attacked, -1, -2), front < -losing)  # [k, j]
    p = pact * (1.0 - np.eye(n))
    # max over allies k of P_ik * called_kj, for 0/1 matrices: (P @ called) > 0
    trig = ((p @ called) > 0).astype(np.float64)
    return trig * (1.0 - np.eye(n)) * (1.0 - at_war)


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
    return at_war_any * np.maximum(consumption - production - stock / 12.0, 0.0)


def affinity_from_alignment(alignment: Array, scale: Float) -> Array:
    """Affinity implied by alignment distance: ``clip(1 - |x_i - x_j| / scale, -1, 1)``.

    Examples
    --------
    >>> affinity_from_alignment(np.array([2.2, -0.6]), 1.4).round(2).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    d = np.abs(_col(alignment) - _row(alignment))
    return np.clip(1.0 - d / _bc(scale, d.ndim), -1.0, 1.0)


def support_norm(containers: Array, reference: Float = 1.0) -> Array:
    """Normalised support in [0, 1): ``1 - exp(-containers / reference)``.

    Examples
    --------
    >>> float(support_norm(np.array(0.0)))
    0.0
    """
    return 1.0 - np.exp(-np.maximum(containers, 0.0) / _bc(reference, np.ndim(containers)))


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
    mult = np.log(np.maximum(multiplier, 1e-9))
    p = ParamView(p, hostility_)
    return (
        p.threat_motive_intercept
        + p.threat_motive_hostility * hostility_
        + p.threat_motive_violation * violation
        - p.threat_motive_dependence * dependence
        + mult
    )


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
    shape = np.broadcast_shapes(*map(np.shape, (motive, bite, eligible, u_threat, u_concede,
                                                u_impose, p.concede_intercept, p.concede_bite,
                                                p.impose_intercept, p.impose_motive)))
    threat = eligible.astype(bool) & (u_threat < p.threat_rate * sigmoid(motive))
    threat = np.broadcast_to(threat, shape)
    out = np.zeros(shape, dtype=np.int8)
    if threat.any():
        # the target's and the sender's answers matter only where a threat is made: they are
        # evaluated there alone (elementwise, so the same numbers as on the whole array)
        def at(v: Any) -> Any:
            return np.broadcast_to(v, shape)[threat]

        concede = at(u_concede) < sigmoid(at(p.concede_intercept) + at(p.concede_bite) * at(bite))
        impose = at(u_impose) < sigmoid(at(p.impose_intercept) + at(p.impose_motive) * at(motive))
        out[threat] = np.where(concede, 1, np.where(impose, 2, 3))
    return out


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


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _willingness(
    b0: float, ba: float, a: float, bn: float, n: float, br: float, r: float
) -> float:  # pragma: no cover - compiled
    return _sig(b0 + ba * a + bn * n + br * r)


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
    offer = will * _row(shortfall)
    total = offer.sum(axis=-1, keepdims=True)
    cap = _col(exportable)
    scale = np.where(total > cap, cap / np.maximum(total, 1e-300), 1.0)
    return offer * scale


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
    both = containers + np.swapaxes(containers, -1, -2)
    return np.where(both > capacity, capacity / np.maximum(both, 1e-12), 1.0)


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


@numba.vectorize(["f8(f8, f8, f8, f8, f8, f8, f8, f8, i1, i1, f8, f8, f8, f8, f8, f8)"],
                 cache=True)
def _escalation_pressure(
    b0: float, bh: float, h: float, bw: float, w: float, bp: float, trig: float, br: float,
    rung_t: int, rung: int, bc: float, dcap: float, bd: float, deter: float, bo: float,
    offer: float,
) -> float:  # pragma: no cover - compiled
    return (b0 + bh * h + bw * w + bp * trig + br * float(max(rung_t - rung, 0))
            + bc * dcap - bd * deter - bo * offer)


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


@numba.vectorize(["i1(i1, i1, f8, f8, f8, f8, f8, f8, f8, f8)"], cache=True)
def _escalation_move(
    rung: int, rung_t: int, pressure: float, nuclear: float, at_war: float, u: float,
    nuclear_threshold: float, war_threshold: float, up_rate: float, down_rate: float,
) -> int:  # pragma: no cover - compiled
    taboo = 1.0 if (rung == WAR_RUNG and rung_t < NUCLEAR_RUNG) else 0.0
    brink = 1.0 if (rung == WAR_RUNG - 1 and at_war <= 0) else 0.0
    restraint = nuclear_threshold * taboo + war_threshold * brink
    up = u < up_rate * _sig(pressure - restraint)
    down = u > 1.0 - down_rate * _sig(-pressure)
    new = rung + (1 if up else (-1 if down else 0))
    top = len(RUNGS) - 1 if nuclear > 0 else WAR_RUNG
    floor = WAR_RUNG if at_war > 0 else 0
    return min(max(new, floor), top)


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
    p = ParamView(p, alignment)
    n = alignment.shape[-1]
    off = 1.0 - np.eye(n)
    diff = np.tanh(_row(alignment) - _col(alignment))  # [i, j] = tanh(x_j - x_i)
    w = _row(weight) * off
    peer = (w * affinity * diff).sum(axis=-1) / np.maximum(w.sum(axis=-1), 1e-300)
    pull = (np.swapaxes(received, -1, -2) * diff).sum(axis=-1)
    suffered = np.swapaxes(sanctioned, -1, -2)
    push = (suffered * diff).sum(axis=-1) / (1.0 + suffered.sum(axis=-1))
    z = alignment + p.alignment_peer * peer + p.alignment_support * pull
    z = z - p.alignment_sanction * push
    new = stubbornness * anchor + (1.0 - stubbornness) * z
    return np.clip(new, bounds[0], bounds[1])


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
    p = ParamView(p, affinity)
    n = affinity.shape[-1]
    eye = np.eye(n)
    off = affinity * (1.0 - eye)
    # the sum below, evaluated left to right in place (the same operations in the same order
    # as the expression in the docstring, so the same numbers, without its temporaries)
    coef = (p.affinity_relax, p.balance_rate, p.affinity_support, p.affinity_sanction,
            p.affinity_war)
    shape = np.broadcast_shapes(affinity.shape, np.shape(implied), np.shape(exchanged),
                                np.shape(sanctioned), np.shape(at_war), *map(np.shape, coef))
    new = np.subtract(implied, affinity, out=np.empty(shape))
    new *= p.affinity_relax
    np.add(affinity, new, out=new)
    tmp = np.matmul(off, off)  # sum_k A_ik A_kj over third parties k (zero diagonal)
    tmp /= n
    tmp *= p.balance_rate
    new += tmp
    tmp = _sym(exchanged, out=tmp)
    tmp *= p.affinity_support
    new += tmp
    tmp = _sym(sanctioned, out=tmp)
    tmp *= p.affinity_sanction
    new -= tmp
    np.multiply(p.affinity_war, at_war, out=tmp)
    new -= tmp
    np.clip(new, -1.0, 1.0, out=new)
    new *= 1.0 - eye
    new += eye
    return new


def _sym(m: Array, out: Array) -> Array:
    """``m + m^T`` over the last two axes, into ``out`` (same shape)."""
    return np.add(m, np.swapaxes(m, -1, -2), out=out)


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
    new = loss + p.bite_scale * bite + sender_cost - p.econ_recovery * loss
    return np.clip(new, 0.0, 0.9)


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
    new = (
        insecurity
        + p.food_stress * bite
        - p.food_relief * received
        + p.food_reversion * (structural - insecurity)
    )
    return np.clip(new, 0.0, 1.0)


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
    eps = 1e-3
    ratio = np.log((fire + eps) / (np.swapaxes(fire, -1, -2) + eps))
    new = front + (_bc(rate, np.ndim(front)) * np.tanh(ratio) + shock) * at_war
    return np.clip(new, -1.0, 1.0) * at_war


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
        total = _maximum(pairwise_sum(share), 1e-300)
        for k in range(n):
            s = share[k] / total
            share[k] = s * s
        out[b] = 1.0 / _maximum(pairwise_sum(share), 1e-300)


@numba.njit(cache=True, inline="always")
def _maximum(x: float, floor: float) -> float:  # pragma: no cover - compiled
    """``numpy.maximum(x, floor)`` for a floor that is not NaN: NaN stays NaN."""
    return x if (x >= floor or x != x) else floor


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
