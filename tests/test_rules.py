"""Tests of scenarios.rules: hand-computed cases, edge cases, and shape invariance.

Every public function has at least one case worked out by hand (the arithmetic is in the
comments). The second half checks the claims of the module docstring for every rule at once:
a block of runs ``(B, ...)`` gives each run's own result, parameters given as arrays of shape
``(B,)`` give each run's scalar result, and the elementwise decision rules give on one row
``(..., 1, N)`` what they give on that row of the full matrix.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace as NS
from typing import Any

import numpy as np
import pydantic
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from scenarios import rules
from scenarios.dynamics import param_view
from scenarios.parameters import Parameters

DEFAULT = param_view(Parameters())


def with_p(**values: float) -> NS:
    """The default parameters with some replaced."""
    return NS(**{**vars(DEFAULT), **values})


# =========================================================================== perception


def test_sigmoid_values_and_extremes() -> None:
    # sigmoid(log 3) = 1 / (1 + 1/3) = 0.75; symmetric: sigmoid(-z) = 1 - sigmoid(z)
    assert rules.sigmoid(0.0) == 0.5
    assert_allclose(rules.sigmoid(np.log(3.0)), 0.75, rtol=1e-15)
    z = np.linspace(-30, 30, 61)
    assert_allclose(rules.sigmoid(-z), 1.0 - rules.sigmoid(z), atol=1e-15)
    with np.errstate(all="raise"):  # exact at large |z|, no overflow
        assert rules.sigmoid(np.array(1000.0)) == 1.0
        assert rules.sigmoid(np.array(-1000.0)) == 0.0


def test_sigmoid_is_scipy_expit_bit_for_bit() -> None:
    # the compiled logistic (also used inside the rule kernels) keeps the numbers the rules
    # had with scipy's expit
    from scipy.special import expit

    z = np.random.default_rng(0).normal(0.0, 8.0, 200_000)
    z = np.concatenate([z, [0.0, -0.0, 1e-300, -745.0, 700.0, -700.0, 36.7, -36.7]])
    assert np.array_equal(rules.sigmoid(z), expit(z))
    assert rules.sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)


def test_hostility_hand_case() -> None:
    # H = max(-A, 0), and 1 between states at war (0 and 2); the unit diagonal gives 0
    A = np.array([[1.0, -0.5, 0.3], [-0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
    W = np.zeros((3, 3), dtype=bool)
    W[0, 2] = W[2, 0] = True
    H = rules.hostility(A, W)
    assert_allclose(H, [[0.0, 0.5, 1.0], [0.5, 0.0, 0.0], [1.0, 0.0, 0.0]])
    # war never lowers hostility: at war with -1 affinity is still 1
    assert rules.hostility(np.array([[-1.0]]), np.array([[1.0]]))[0, 0] == 1.0


def _leak_case() -> tuple[np.ndarray, ...]:
    A = np.array([[1.0, -0.2, 0.5], [-0.2, 1.0, 0.4], [0.5, 0.4, 1.0]])
    S = np.zeros((3, 3))
    S[0, 2] = 1.0  # 0 sanctions 2
    gdp = np.array([0.3, 0.1, 0.2])
    outlet = np.array([1.0, 2.0, 1.0])
    return S, A, gdp, outlet


def test_leakage_hand_case() -> None:
    # weight_j = sum_{k != j, S_kj <= 0} max(A_kj, 0) gdp_k outlet_k
    # j=0: k=1 has A=-0.2 -> 0; k=2: 0.5*0.2*1 = 0.1 -> leak 0.8(1 - e^-1)   = 0.505696
    # j=1: k=0 has A=-0.2 -> 0; k=2: 0.4*0.2*1 = 0.08 -> leak 0.8(1 - e^-0.8) = 0.440537
    # j=2: k=0 sanctions 2 -> excluded; k=1: 0.4*0.1*2 = 0.08 -> 0.440537
    # (the self term A_22 gdp_2 = 0.2 must not count: it would give 0.8(1 - e^-2.8))
    leak = rules.leakage(*_leak_case(), 0.8, 10.0)
    assert_allclose(leak, [0.5056964470628461, 0.4405368287062228, 0.4405368287062228])


def test_leakage_edges() -> None:
    S, A, gdp, outlet = _leak_case()
    assert_array_equal(rules.leakage(S, A, gdp, outlet, 0.0, 10.0), 0.0)  # no leakage at all
    assert_array_equal(rules.leakage(S, A, gdp, 0 * outlet, 0.8, 10.0), 0.0)  # no outlet
    everyone = 1.0 - np.eye(3)  # all sanction all: nobody is left to leak through
    assert_array_equal(rules.leakage(everyone, A, gdp, outlet, 0.8, 10.0), 0.0)
    assert_array_equal(rules.leakage(S, -np.abs(A) + 2 * np.eye(3), gdp, outlet, 0.8, 10.0), 0.0)
    # saturation: never above leakage_max
    assert np.all(rules.leakage(0 * S, np.ones((3, 3)), gdp, outlet, 0.8, 1e6) <= 0.8)


def test_sanction_bite_hand_case() -> None:
    # j=2 sanctioned by 0 (0.5) and 1 (1.0); D_20 = 0.2, D_21 = 0.3:
    # unilateral = 0.5*0.2 + 1.0*0.3 = 0.4; UN level 0.5 on 2, only 0 complies: 0.5*0.2 = 0.1
    # total 0.5, leak 0.2 -> 0.5 * 0.8 = 0.4. Actor 1's dependence D_01 is not sanctioned.
    S = np.zeros((3, 3))
    S[0, 2], S[1, 2] = 0.5, 1.0
    D = np.zeros((3, 3))
    D[2, 0], D[2, 1], D[0, 1] = 0.2, 0.3, 0.5
    comply = np.zeros((3, 3))
    comply[0, 2] = 1.0
    bite = rules.sanction_bite(S, D, np.array([0.0, 0.0, 0.2]), np.array([0.0, 0.0, 0.5]), comply)
    assert_allclose(bite, [0.0, 0.0, 0.4])


def test_sanction_bite_edges() -> None:
    D = np.full((3, 3), 0.6) * (1 - np.eye(3))
    zero = np.zeros(3)
    # no sanctions, no UN regime: no bite
    assert_array_equal(rules.sanction_bite(0 * D, D, zero, zero, 0 * D), 0.0)
    # all sanction all at full intensity: 2 * 0.6 = 1.2 of the economy, capped at 1
    assert_allclose(rules.sanction_bite(np.ones((3, 3)) - np.eye(3), D, zero, zero, 0 * D), 1.0)
    # full leakage removes all bite
    assert_array_equal(rules.sanction_bite(np.ones((3, 3)), D, np.ones(3), zero, 0 * D), 0.0)


def test_deterrence_hand_case() -> None:
    # warheads [1000, 0, 0]; 0 and 1 allied; extended 0.5; umbrella of 1 doubled:
    # total_0 = 1000 (its ally has none); total_1 = 0 + 0.5*2*1000 = 1000; total_2 = 0
    # d = log1p(1000) / log1p(5000) = 6.908755 / 8.517393 = 0.811135; deter_ij = d_j
    P = np.zeros((3, 3))
    P[0, 1] = P[1, 0] = 1.0
    P[0, 0] = 1.0  # a self-pact on the diagonal must not double one's own warheads
    d = rules.deterrence(np.array([1000.0, 0.0, 0.0]), P, 0.5, np.array([1.0, 2.0, 1.0]))
    expect = np.array([0.8111348907196564, 0.8111348907196564, 0.0])
    assert_allclose(d, np.broadcast_to(expect, (3, 3)))


def test_deterrence_caps_at_one() -> None:
    d = rules.deterrence(np.array([10_000.0, 0.0]), np.zeros((2, 2)), 1.0, np.ones(2))
    assert_allclose(d[:, 0], 1.0)
    assert_allclose(d[:, 1], 0.0)


def _pact_case() -> tuple[np.ndarray, ...]:
    P = np.zeros((3, 3))
    P[0, 1] = P[1, 0] = 1.0  # 0 and 1 allied
    W = np.zeros((3, 3))
    W[1, 2] = W[2, 1] = 1.0  # 1 fights 2
    return P, W, np.zeros((3, 3)), np.zeros((3, 3))


def test_pact_trigger_attack_calls_the_ally() -> None:
    P, W, att, F = _pact_case()
    att[2, 1] = 1.0  # 2 attacked 1 -> 0 is called to fight 2
    trig = rules.pact_trigger(P, W, att, F)
    expect = np.zeros((3, 3))
    expect[0, 2] = 1.0
    assert_array_equal(trig, expect)


def test_pact_trigger_losing_ground() -> None:
    P, W, att, F = _pact_case()
    att[1, 2] = 1.0  # 1 attacked 2: no call unless 1 is losing ground
    assert rules.pact_trigger(P, W, att, F)[0, 2] == 0.0
    F[1, 2], F[2, 1] = -0.3, 0.3  # -0.3 < -0.2 -> called
    assert rules.pact_trigger(P, W, att, F)[0, 2] == 1.0
    F[1, 2], F[2, 1] = -0.1, 0.1  # -0.1 is not below -0.2 ...
    assert rules.pact_trigger(P, W, att, F)[0, 2] == 0.0
    assert rules.pact_trigger(P, W, att, F, losing=0.05)[0, 2] == 1.0  # ... but below -0.05


def test_pact_trigger_not_when_already_at_war_nor_on_diagonal() -> None:
    P, W, att, F = _pact_case()
    att[2, 1] = 1.0
    W[0, 2] = W[2, 0] = 1.0  # 0 already fights 2
    trig = rules.pact_trigger(P, W, att, F)
    assert trig[0, 2] == 0.0
    assert_array_equal(np.diag(trig), 0.0)
    P2 = P + np.eye(3)  # a self-pact does not call a state to fight its own war again
    assert_array_equal(np.diag(rules.pact_trigger(P2, W, att, F)), 0.0)


def test_munitions_shortfall_hand_case() -> None:
    # at war: cons - prod - stock/12 = 0.3 - 0.1 - 1.2/12 = 0.1; at peace: 0;
    # a stock covering a year of the gap: max(0.3 - 0.1 - 3.6/12, 0) = 0
    out = rules.munitions_shortfall(
        np.array([1.2, 1.2, 3.6]), np.array([0.1] * 3), np.array([0.3] * 3),
        np.array([1.0, 0.0, 1.0]),
    )
    assert_allclose(out, [0.1, 0.0, 0.0], atol=1e-15)


def test_affinity_from_alignment_hand_case_and_clipping() -> None:
    # x = [0, 1, 3], scale 2: 1 - |d|/2 -> d01 = 1: 0.5; d02 = 3: -0.5; d12 = 2: 0
    A = rules.affinity_from_alignment(np.array([0.0, 1.0, 3.0]), 2.0)
    assert_allclose(A, [[1.0, 0.5, -0.5], [0.5, 1.0, 0.0], [-0.5, 0.0, 1.0]], atol=1e-15)
    # d = 10, scale 2: 1 - 5 = -4 -> clipped to -1
    assert_allclose(rules.affinity_from_alignment(np.array([0.0, 10.0]), 2.0)[0, 1], -1.0)


def test_support_norm_hand_case() -> None:
    # 1 - exp(-c / ref): c=1, ref 1 -> 0.632121; c=2, ref 4 -> 1 - e^-0.5 = 0.393469;
    # negative flows count as none
    assert_allclose(rules.support_norm(np.array([1.0, -3.0])), [1 - np.exp(-1.0), 0.0])
    assert_allclose(rules.support_norm(np.array(2.0), 4.0), 1 - np.exp(-0.5))
    assert rules.support_norm(np.array(1e6)) <= 1.0


# ============================================================================ decisions


def test_threat_motive_hand_case() -> None:
    # defaults b0 = -7, bH = 5, bV = 3, bD = 6: H = 0.5, v = 0.2, D = 0.1, multiplier 2:
    # -7 + 2.5 + 0.6 - 0.6 + ln 2 = -3.806853; multiplier 0 -> log(1e-9) = -20.723266
    m = rules.threat_motive(np.array([[0.5, 0.5]]), np.array([[0.2, 0.2]]),
                            np.array([[0.1, 0.1]]), np.array([[2.0], [0.0]]), DEFAULT)
    assert_allclose(m, [[-3.8068528194400546] * 2, [-4.5 + np.log(1e-9)] * 2])


def test_sanction_game_hand_cases() -> None:
    # threat_rate 0.5, all logits 0 except concede_bite 2, impose_motive 1:
    # motive 0 -> P(threat) = 0.5*0.5 = 0.25; P(concede | bite 0) = 0.5; P(impose) = 0.5
    p = NS(threat_rate=0.5, concede_intercept=0.0, concede_bite=2.0, impose_intercept=0.0,
           impose_motive=1.0)
    m = np.zeros(6)
    bite = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    elig = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 1.0])
    ut = np.array([0.2, 0.2, 0.2, 0.3, 0.0, 0.2])
    uc = np.array([0.4, 0.6, 0.6, 0.0, 0.0, 0.85])  # bite 1: sigmoid(2) = 0.8808 > 0.85
    ui = np.array([0.0, 0.3, 0.7, 0.0, 0.0, 0.9])
    out = rules.sanction_game(m, bite, elig, ut, uc, ui, p)
    # concede, imposed, backdown, no threat (0.3 > 0.25), ineligible, concede
    assert_array_equal(out, [1, 2, 3, 0, 0, 1])
    assert out.dtype == np.int8
    # motive 2: P(threat) = 0.5 sigmoid(2) = 0.4404; P(impose) = sigmoid(2) = 0.8808
    out = rules.sanction_game(np.full(2, 2.0), np.zeros(2), np.ones(2), np.array([0.44, 0.45]),
                              np.ones(2), np.array([0.88, 0.88]), p)
    assert_array_equal(out, [2, 0])


def test_sanction_game_no_eligible_dyad_no_threat() -> None:
    p = NS(threat_rate=1.0, concede_intercept=0.0, concede_bite=0.0, impose_intercept=0.0,
           impose_motive=0.0)
    z = np.zeros((3, 3))
    out = rules.sanction_game(np.full((3, 3), 50.0), z, z, z, z, z, p)
    assert_array_equal(out, 0)


def test_willingness_hand_case() -> None:
    # defaults: -3 + 5*0.4 + 3*0.5 + 4*0.25 = 1.5 -> sigmoid(1.5) = 0.817574
    w = rules.willingness(np.array(0.4), np.array(0.5), np.array(0.25), DEFAULT.support_intercept,
                          DEFAULT)
    assert_allclose(w, 0.8175744761936437)
    # a per-dyad intercept (China's lever shifts one dyad): 1.5 + ln 2 -> sigmoid(2.193147)
    w2 = rules.willingness(np.full(2, 0.4), np.full(2, 0.5), np.full(2, 0.25),
                           np.array([-3.0, -3.0 + np.log(2.0)]), DEFAULT)
    assert_allclose(w2[1], 1.0 / (1.0 + np.exp(-1.5) / 2.0))


def test_arms_allocation_under_and_over_budget() -> None:
    will = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 1.0]])
    short = np.array([0.6, 0.4, 0.2])
    # supplier 0: offers 0.5*0.4 = 0.2 and 1*0.2 = 0.2, total 0.4 <= 1.0: sent as offered
    # supplier 1: offers 0.6 and 0.2, total 0.8 > 0.2: scaled by 0.25 -> 0.15 and 0.05
    out = rules.arms_allocation(will, np.array([1.0, 0.2]), short)
    assert_allclose(out, [[0.0, 0.2, 0.2], [0.15, 0.0, 0.05]])
    assert_allclose(out.sum(axis=-1), [0.4, 0.2])


def test_arms_allocation_zero_capacity_and_no_need() -> None:
    will = np.ones((2, 2))
    assert_array_equal(rules.arms_allocation(will, np.zeros(2), np.ones(2)), 0.0)
    assert_array_equal(rules.arms_allocation(will, np.ones(2), np.zeros(2)), 0.0)


def test_capacity_scale_hand_case_and_edges() -> None:
    # 2 + 1 = 3 containers on a link of 1.5 -> both directions scaled by 0.5
    c = np.array([[0.0, 2.0], [1.0, 0.0]])
    cap = np.array([[np.inf, 1.5], [1.5, np.inf]])
    assert_allclose(rules.capacity_scale(c, cap), [[1.0, 0.5], [0.5, 1.0]])
    # zero capacity: nothing passes; no flow on a closed link: factor 1 (nothing to scale)
    zero = np.zeros((2, 2))
    assert_allclose(rules.capacity_scale(c, zero), [[1.0, 0.0], [0.0, 1.0]])
    assert_array_equal(rules.capacity_scale(zero, zero), 1.0)
    # within capacity: unchanged
    assert_array_equal(rules.capacity_scale(c, np.full((2, 2), 3.0)), 1.0)


def test_tech_transfer_hand_case() -> None:
    # recipient 1 from supplier 0, rate 0.5, guard [1, 0.5]:
    # gap [0.6, 0.8] -> gain [0.5*0.6*1, 0.5*0.8*0.5] = [0.3, 0.2]; supplier gains nothing
    T = np.array([[0.8, 0.8], [0.2, 0.0]])
    W = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert_allclose(rules.tech_transfer(W, T, np.array([1.0, 0.5]), 0.5), [[0.0, 0.0], [0.3, 0.2]])


def test_tech_transfer_never_passes_best_supplier() -> None:
    # suppliers 0 (0.5) and 1 (0.6) both fully willing toward 2 (0.2), rate 1, guard 1:
    # gain 0.3 + 0.4 = 0.7 would give 0.9 > 0.6; capped at 0.6 - 0.2 = 0.4
    T = np.array([[0.5], [0.6], [0.2]])
    W = np.zeros((3, 3))
    W[0, 2] = W[1, 2] = 1.0
    gain = rules.tech_transfer(W, T, np.ones(1), 1.0)
    assert_allclose(gain[:, 0], [0.0, 0.0, 0.4])
    # an unwilling better supplier neither transfers nor raises the ceiling
    W[1, 2] = 0.0
    assert_allclose(rules.tech_transfer(W, T, np.ones(1), 1.0)[2, 0], 0.3)
    # a recipient ahead of its supplier gains nothing
    assert_array_equal(rules.tech_transfer(W.T, T, np.ones(1), 1.0), 0.0)


def test_escalation_pressure_hand_case() -> None:
    # defaults b0=-6, bH=4, bW=1.5, bP=1.5, bR=1, bC=2, bD=3, bO=2:
    # H 0.5, W 1, trig 1, E_ij 3 < E_ji 5, dcap 0.1, deter 0.2, offer 0.5:
    # -6 + 2 + 1.5 + 1.5 + 2 + 0.2 - 0.6 - 1 = -0.4
    one = np.ones(2)
    pi = rules.escalation_pressure(0.5 * one, one, one, np.array([3, 5], np.int8),
                                   np.array([5, 3], np.int8), 0.1 * one, 0.2 * one,
                                   0.5 * one, DEFAULT)
    # second dyad: the adversary stands lower (3 < 5), no reciprocity term: -2.4
    assert_allclose(pi, [-0.4, -2.4], atol=1e-12)


ESC = NS(escalation_up_rate=0.5, escalation_down_rate=0.5, war_threshold=3.0,
         nuclear_threshold=6.0)


def _move(rung: int, rung_t: int, pressure: float, nuclear: float, war: float, u: float) -> int:
    out = rules.escalation_move(np.array([rung], np.int8), np.array([rung_t], np.int8),
                                np.array([pressure]), np.array([nuclear]), np.array([war]),
                                np.array([u]), ESC)
    assert out.dtype == np.int8
    return int(out[0])


def test_escalation_move_up_stay_down() -> None:
    # pressure 0: P(up) = 0.5*0.5 = 0.25, P(down) = 0.25 (u > 0.75)
    assert _move(2, 0, 0.0, 0, 0, 0.2) == 3
    assert _move(2, 0, 0.0, 0, 0, 0.5) == 2
    assert _move(2, 0, 0.0, 0, 0, 0.8) == 1


def test_escalation_move_war_threshold_blocks_a_climb() -> None:
    # rung 3 -> 4 at pressure 3: P(up) = 0.5 sigmoid(3) = 0.476 > 0.3: climbs
    assert _move(3, 0, 3.0, 0, 0, 0.3) == 4
    # rung 4 -> 5 (into war) loses 3: P(up) = 0.5 sigmoid(0) = 0.25 < 0.3: stays
    assert _move(4, 0, 3.0, 0, 0, 0.3) == 4
    assert _move(4, 0, 3.0, 0, 0, 0.2) == 5


def test_escalation_move_nuclear_threshold_and_retaliation() -> None:
    # at war, rung 5 -> 6 at pressure 6 loses 6: P(up) = 0.25 < 0.3: stays
    assert _move(5, 0, 6.0, 1, 1, 0.3) == 5
    # the adversary already used nuclear weapons (E_ji = 6): no taboo, P(up) = 0.499
    assert _move(5, 6, 6.0, 1, 1, 0.3) == 6
    # a non-nuclear state never climbs above the war rung, whatever the pressure
    assert _move(5, 7, 50.0, 0, 1, 0.0) == 5


def test_escalation_move_floor_at_war_and_bounds() -> None:
    # at war, strong pressure down (P(down) = 0.5): would step to 4, held at the war rung
    assert _move(5, 0, -50.0, 1, 1, 0.99) == 5
    # the same state not at war steps down
    assert _move(5, 0, -50.0, 1, 0, 0.99) == 4
    # top and bottom of the ladder
    assert _move(7, 7, 50.0, 1, 1, 0.0) == 7
    assert _move(0, 0, -50.0, 1, 0, 0.99) == 0


def test_vote_probabilities_hand_case() -> None:
    # k 2, c_lo -1, c_hi 1, b_A 1; x 0.5, shift 0.25, a_t 0.5: z = 2*0.25 - 0.5 = 0
    # yes = sigmoid(-1) = 0.268941, no = sigmoid(-1), abstain = 0.462117
    # x 2: z = 2*1.75 - 0.5 = 3: yes = sigmoid(2) = 0.880797, no = sigmoid(-4) = 0.017986
    p = NS(vote_slope=2.0, vote_cut_no=-1.0, vote_cut_yes=1.0, vote_target_affinity=1.0)
    pr = rules.vote_probabilities(np.array([0.5, 2.0]), 0.25, p, np.array([0.5, 0.5]))
    assert_allclose(pr, [[0.2689414213699951, 0.4621171572600098, 0.2689414213699951],
                         [0.01798620996209156, 0.10121671206002612, 0.8807970779778823]])
    assert_allclose(pr.sum(axis=-1), 1.0)


def test_vote_probabilities_with_default_parameters_sum_to_one() -> None:
    pr = rules.vote_probabilities(np.linspace(-4, 4, 81), 0.3, DEFAULT, np.linspace(-1, 1, 81))
    assert np.all((pr >= 0) & (pr <= 1))
    assert_allclose(pr.sum(axis=-1), 1.0, atol=1e-12)


def test_crossed_vote_cutpoints_are_rejected() -> None:
    # with c_lo 5 > c_hi -5 at z = 0 the rule would give P(no) = P(yes) = sigmoid(5) = 0.9933,
    # summing to 1.987 (vote_draw would turn the surplus into "no" votes): such parameters
    # must not exist
    p = NS(vote_slope=1.0, vote_cut_no=5.0, vote_cut_yes=-5.0, vote_target_affinity=0.0)
    assert rules.vote_probabilities(np.array([0.0]), 0.0, p).sum() > 1.9
    for lo, hi in ((5.0, -5.0), (1.0, 1.0)):
        with pytest.raises(pydantic.ValidationError, match="vote_cut_no"):
            Parameters(vote_cut_no=lo, vote_cut_yes=hi)


def test_vote_draw_thresholds() -> None:
    # probs (no 0.2, abstain 0.3, yes 0.5): no if u < 0.2, yes if u >= 0.5, else abstain
    probs = np.array([[0.2, 0.3, 0.5]] * 6)
    u = np.array([0.0, 0.1999, 0.2, 0.4999, 0.5, 0.9999])
    out = rules.vote_draw(probs, u)
    assert_array_equal(out, [-1, -1, 0, 0, 1, 1])
    assert out.dtype == np.int8


# =========================================================================== resolution


def test_alignment_update_peer_term_hand_case() -> None:
    # x = [0, 1, -1], anchor [0.5, 1, -1], s = [0.5, 0, 0], capability c = [1, 1, 2],
    # A01 = 0.5, A02 = -0.5, A12 = 0; a_L = 0.1; t1 = tanh(1) = 0.761594
    # i=0: g = [., t1, -t1], w = [., 1, 2]: peer = (0.5 t1 + 2(-0.5)(-t1)) / 3 = 0.380797
    #      z = 0.0380797; x' = 0.5*0.5 + 0.5*z = 0.269040
    # i=1: g = [-t1, ., -tanh 2], w = [1, ., 2]: peer = 0.5(-t1)/3 -> x' = 1 - 0.1*0.126932
    # i=2: g = [t1, tanh 2, .], w = [1, 1, .]: peer = -0.5 t1 / 2 -> x' = -1 - 0.1*0.190399
    x = np.array([0.0, 1.0, -1.0])
    A = np.array([[1.0, 0.5, -0.5], [0.5, 1.0, 0.0], [-0.5, 0.0, 1.0]])
    p = NS(alignment_peer=0.1, alignment_support=0.0, alignment_sanction=0.0)
    z = np.zeros((3, 3))
    out = rules.alignment_update(x, np.array([0.5, 1.0, -1.0]), np.array([0.5, 0.0, 0.0]), A,
                                 np.array([1.0, 1.0, 2.0]), z, z, p)
    assert_allclose(out, [0.2690398538988941, 0.9873067640674039, -1.019039853898894])


def test_alignment_update_sanction_push() -> None:
    # 1 sanctions 0 at 1.0: push_0 = S_10 tanh(1 - 0) / (1 + 1) = 0.380797; a_S 0.5:
    # x0' = 0 - 0.5*0.380797 = -0.190399 (pushed away from 1); 1 is unaffected
    S = np.array([[0.0, 0.0], [1.0, 0.0]])
    p = NS(alignment_peer=0.0, alignment_support=0.0, alignment_sanction=0.5)
    x = np.array([0.0, 1.0])
    out = rules.alignment_update(x, x, np.zeros(2), np.eye(2), np.ones(2), 0 * S, S, p)
    assert_allclose(out, [-0.1903985389889412, 1.0])


def test_alignment_update_stubbornness_and_clipping() -> None:
    # two suppliers at 4 pull 0 at 3.5: 3.5 + 2 tanh(0.5) = 4.424 -> clipped to 4
    x = np.array([3.5, 4.0, 4.0])
    Y = np.zeros((3, 3))
    Y[1, 0] = Y[2, 0] = 1.0
    p = NS(alignment_peer=0.0, alignment_support=1.0, alignment_sanction=0.0)
    out = rules.alignment_update(x, x, np.zeros(3), np.eye(3), np.ones(3), Y, 0 * Y, p)
    assert_allclose(out, [4.0, 4.0, 4.0])
    # fully stubborn states return to their anchor
    out = rules.alignment_update(x, np.zeros(3), np.ones(3), np.eye(3), np.ones(3), Y, 0 * Y, p)
    assert_array_equal(out, 0.0)


def test_affinity_update_terms_hand_case() -> None:
    # relax 0.5, balance 0, support 0.1, sanction 0.1, war 0.2:
    # [0,1]: 0.2 + 0.5(0.6 - 0.2) + 0.1(0.5 + 0.3) = 0.48
    # [0,2]: -0.4 + 0.5(-0.4 + 0.4) - 0.1(1 + 0) = -0.5
    # [1,2]: 0.1 + 0.5(0.3 - 0.1) - 0.2 = 0.0
    A = np.array([[1.0, 0.2, -0.4], [0.2, 1.0, 0.1], [-0.4, 0.1, 1.0]])
    implied = np.array([[0.0, 0.6, -0.4], [0.6, 0.0, 0.3], [-0.4, 0.3, 0.0]])  # diag ignored
    Y = np.zeros((3, 3))
    Y[0, 1], Y[1, 0] = 0.5, 0.3
    S = np.zeros((3, 3))
    S[0, 2] = 1.0
    W = np.zeros((3, 3))
    W[1, 2] = W[2, 1] = 1.0
    p = NS(affinity_relax=0.5, balance_rate=0.0, affinity_support=0.1, affinity_sanction=0.1,
           affinity_war=0.2)
    out = rules.affinity_update(A, implied, Y, S, W, p)
    assert_allclose(out, [[1.0, 0.48, -0.5], [0.48, 1.0, 0.0], [-0.5, 0.0, 1.0]], atol=1e-15)


def test_affinity_update_balance_term_and_clipping() -> None:
    # (A_off A_off)_12 / 3 = A_10 A_02 / 3 = 1*(-1)/3: the friend of my enemy is my enemy
    A = np.array([[1, 1, -1], [1, 1, 0], [-1, 0, 1]], float)
    z = np.zeros((3, 3))
    p = NS(affinity_relax=0.0, balance_rate=1.0, affinity_support=0.0, affinity_sanction=0.0,
           affinity_war=0.0)
    assert_allclose(rules.affinity_update(A, A, z, z, z, p)[1, 2], -1.0 / 3.0)
    # war at -0.95 with weight 0.2: -1.15 -> clipped to -1; the diagonal stays 1
    W = 1.0 - np.eye(3)
    q = NS(affinity_relax=0.0, balance_rate=0.0, affinity_support=0.0, affinity_sanction=0.0,
           affinity_war=0.2)
    out = rules.affinity_update(np.full((3, 3), -0.95), z, z, z, W, q)
    assert_allclose(out, np.where(np.eye(3) > 0, 1.0, -1.0))


def test_econ_update_hand_case_and_clipping() -> None:
    # 0.2 + 0.1*0.5 + 0.01 - 0.5*0.2 = 0.16
    p = NS(bite_scale=0.1, econ_recovery=0.5)
    assert_allclose(rules.econ_update(np.array([0.2]), np.array([0.5]), np.array([0.01]), p),
                    [0.16])
    # 0.85 + 0.1 = 0.95 -> 0.9; no bite, full recovery -> 0
    q = NS(bite_scale=0.1, econ_recovery=0.0)
    assert_allclose(rules.econ_update(np.array([0.85]), np.ones(1), np.zeros(1), q), [0.9])
    r = NS(bite_scale=0.0, econ_recovery=1.0)
    assert_array_equal(rules.econ_update(np.array([0.5]), np.ones(1), np.zeros(1), r), [0.0])


def test_food_update_hand_case_and_clipping() -> None:
    # 0.5 + 0.1*0.5 - 0.05*2 + 0.5(0.3 - 0.5) = 0.35
    p = NS(food_stress=0.1, food_relief=0.05, food_reversion=0.5)
    out = rules.food_update(np.array([0.5]), np.array([0.3]), np.array([0.5]), np.array([2.0]), p)
    assert_allclose(out, [0.35])
    # huge relief -> 0; huge stress -> 1
    assert rules.food_update(np.array([0.5]), np.array([0.5]), np.zeros(1), np.array([1e3]), p) == 0
    q = NS(food_stress=1.0, food_relief=0.0, food_reversion=0.0)
    assert rules.food_update(np.array([0.9]), np.array([0.5]), np.ones(1), np.zeros(1), q) == 1


def test_front_update_hand_case_antisymmetry_and_peace() -> None:
    # 0.1 tanh(log(0.301 / 0.101)) = 0.079760, antisymmetric
    f = np.array([[0.0, 0.3, 0.0], [0.1, 0.0, 0.0], [0.0, 0.0, 0.0]])
    W = np.zeros((3, 3))
    W[0, 1] = W[1, 0] = 1.0
    F = rules.front_update(np.zeros((3, 3)), f, W, 0.1)
    assert_allclose(F[0, 1], 0.07976032221582906)
    assert_allclose(F, -F.T, atol=1e-15)
    assert_array_equal(F[2], 0.0)
    # clipped at +-1; a front without a war is reset to 0
    F = rules.front_update(np.array([[0.0, 0.99], [-0.99, 0.0]]), f[:2, :2], np.ones((2, 2)), 0.1)
    assert_allclose(F[0, 1], 1.0)
    assert_allclose(F[1, 0], -1.0)
    assert_array_equal(rules.front_update(np.full((2, 2), 0.5), f[:2, :2], np.zeros((2, 2)), 0.1),
                       0.0)


def test_bloc_partition_two_camps_and_sign_convention() -> None:
    A = np.array([[1, 0.8, -0.7], [0.8, 1, -0.5], [-0.7, -0.5, 1]])
    assert_array_equal(rules.bloc_partition(A), [1, 1, -1])
    # actor 0 alone against the others: it still carries camp +1
    B = np.array([[1, -0.8, -0.7], [-0.8, 1, 0.9], [-0.7, 0.9, 1]])
    assert_array_equal(rules.bloc_partition(B), [1, -1, -1])


def test_polarization_hand_case_and_single_camp() -> None:
    # camps [1, 1, -1]: within = A01 = 0.5; between = (-0.2 - 0.4 - 0.2 - 0.4)/4 = -0.3
    # -> 0.5 (0.5 + 0.3) = 0.4
    A = np.array([[1, 0.5, -0.2], [0.5, 1, -0.4], [-0.2, -0.4, 1]])
    assert_allclose(rules.polarization(A, np.array([1, 1, -1])), 0.4)
    assert rules.polarization(A, np.array([1, 1, 1])) == 0.0  # no between-camp pair


def test_effective_poles_hand_cases() -> None:
    # 0-1 linked, 2 alone, capabilities 0.25, 0.25, 0.5: shares 0.5, 0.5 -> 2 poles
    A = np.array([[1, 0.9, -0.5], [0.9, 1, -0.5], [-0.5, -0.5, 1]])
    assert_allclose(rules.effective_poles(A, np.array([0.25, 0.25, 0.5])), 2.0)
    # no links, shares 0.5, 0.25, 0.25: 1 / (0.25 + 2*0.0625) = 2.666667
    assert_allclose(rules.effective_poles(-np.ones((3, 3)), np.array([2.0, 1.0, 1.0])), 8 / 3)
    # a chain 0-1-2-3-4 (0 and 4 far apart) is one bloc: the closure must be transitive
    C = np.eye(5) + np.diag(np.full(4, 0.5), 1) + np.diag(np.full(4, 0.5), -1)
    assert_allclose(rules.effective_poles(C, np.ones(5)), 1.0)
    # a higher threshold breaks the chain: 5 equal poles
    assert_allclose(rules.effective_poles(C, np.ones(5), threshold=0.6), 5.0)


def test_bloc_labels_hand_cases() -> None:
    # threshold 0.3: links 0-1 (0.9) and 2-3 (0.5); 1-2 at 0.3 is not above it
    A = np.array([[1, 0.9, 0.1, -0.5], [0.9, 1, 0.3, 0.0], [0.1, 0.3, 1, 0.5],
                  [-0.5, 0.0, 0.5, 1]])
    assert_array_equal(rules.bloc_labels(A), [0, 0, 2, 2])
    # threshold 0.2 adds 1-2: one bloc of 4, labelled by its smallest member
    assert_array_equal(rules.bloc_labels(A, 0.2), [0, 0, 0, 0])
    # nobody linked: every actor is its own bloc
    assert_array_equal(rules.bloc_labels(-np.ones((3, 3))), [0, 1, 2])
    # a chain 0-1-2-3-4 where 0 and 4 are far apart: still one bloc (transitive closure)
    C = np.eye(5) + np.diag(np.full(4, 0.5), 1) + np.diag(np.full(4, 0.5), -1)
    assert_array_equal(rules.bloc_labels(C), 0)


def test_classify_precedence_and_margin() -> None:
    cls = rules.classify(np.array([1, 0, 0, 0, 0, 0, 0]), np.array([1, 1, 0, 0, 0, 0, 0]),
                         np.array([0, 0, 1, 1, 0, 0, 1]),
                         np.array([0.9, 0.9, 0.4, 0.4, 0.55, 0.549, 0.5]), np.full(7, 0.5),
                         np.array([6, 5, 2, 3, 3, 3, 2]), 0.05)
    # nuclear; major war; settled with majors at rung 2; settled but majors at rung 3 and
    # polarisation not up -> containment; exactly start + margin -> cold war; just below ->
    # containment; settled, rung 2, polarisation equal to the start -> multipolar
    assert_array_equal(cls, [4, 3, 2, 0, 1, 0, 2])


# ================================================================ shape invariance, every rule

B, N, K = 3, 6, 3


def _bounds(name: str) -> tuple[float, float]:
    lo = hi = None
    for m in Parameters.model_fields[name].metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    assert lo is not None and hi is not None, name
    return float(lo), float(hi)


def random_params(rng: np.random.Generator, size: int) -> list[NS]:
    """``size`` parameter sets drawn uniformly within every field's bounds."""
    draws = {n: rng.uniform(*_bounds(n), size=size) for n in Parameters.model_fields}
    # the cutpoints must be ordered (Parameters rejects crossed ones)
    lo = np.minimum(draws["vote_cut_no"], draws["vote_cut_yes"])
    hi = np.maximum(draws["vote_cut_no"], draws["vote_cut_yes"])
    draws["vote_cut_no"], draws["vote_cut_yes"] = lo, hi
    return [NS(**{n: float(v[b]) for n, v in draws.items()}) for b in range(size)]


def stack_params(ps: list[NS]) -> NS:
    """Parameter sets as one namespace of arrays of shape ``(len(ps),)``."""
    return NS(**{n: np.array([getattr(p, n) for p in ps]) for n in vars(ps[0])})


def _sym(a: np.ndarray) -> np.ndarray:
    return np.triu(a, 1) + np.swapaxes(np.triu(a, 1), -1, -2)


def random_inputs(rng: np.random.Generator) -> NS:
    """Every kind of array a rule takes, for a block of B runs of N actors."""
    eye = np.eye(N)
    u = lambda *shape: rng.uniform(size=(B, *shape))  # noqa: E731
    A = np.clip(_sym(rng.uniform(-1, 1, (B, N, N))), -1, 1) * (1 - eye) + eye
    W = _sym((rng.uniform(size=(B, N, N)) < 0.3).astype(float))
    att = W * (u(N, N) < 0.5)
    F = _sym(rng.uniform(-0.5, 0.5, (B, N, N)))
    F = (np.triu(F) - np.swapaxes(np.triu(F), -1, -2)) * W
    S = np.where(u(N, N) < 0.4, u(N, N), 0.0) * (1 - eye)
    rung = rng.integers(0, 8, (B, N, N)).astype(np.int8)
    x = rng.uniform(-3, 3, (B, N))
    probs = rules.vote_probabilities(x, 0.0, DEFAULT)
    pol0 = rng.uniform(-0.5, 0.5, B)
    return NS(
        A=A, W=W, att=att, F=F, S=S, D=0.3 * u(N, N) * (1 - eye),
        P=_sym((u(N, N) < 0.3).astype(float)), gdp=0.2 * u(N), outlet=2 * u(N), leak=u(N),
        un=u(N), comply=(u(N, N) < 0.5).astype(float), warheads=np.where(u(N) < 0.5, 0.0,
                                                                          6000 * u(N)),
        umbrella=2 * u(N), stock=3 * u(N), prod=0.3 * u(N), cons=0.6 * u(N),
        war_any=(u(N) < 0.5).astype(float), x=x, anchor=rng.uniform(-3, 3, (B, N)),
        stub=u(N), weight=u(N) + 0.01, Y=u(N, N), H=rules.hostility(A, W), viol=u(N, N),
        mult=2 * u(N), motive=rng.normal(0, 3, (B, N, N)), bite=u(N, N),
        elig=(u(N, N) < 0.7).astype(float), u1=u(N, N), u2=u(N, N), u3=u(N, N),
        need=u(N), recip=u(N, N), shift=rng.normal(0, 1, (B, N, N)), exportable=u(N),
        shortfall=0.5 * u(N), will=u(N, N), containers=3 * u(N, N),
        capacity=np.where(_sym(u(N, N)) < 0.5, 1e9, 4 * _sym(u(N, N))),
        tech=u(N, K), guard=np.array([1.0, 0.6, 0.25]), rung=rung,
        rung_t=np.swapaxes(rung, -1, -2), dcap=rng.normal(0, 0.3, (B, N, N)), deter=u(N, N),
        offer=u(N, N), nuclear=(u(N) < 0.5).astype(float), vshift=rng.normal(0, 1, B),
        probs=probs, uv=u(N), food=u(N), structural=u(N), bite_v=u(N), received=3 * u(N),
        loss=0.9 * u(N), cost=0.05 * u(N), fire=u(N, N), capability=u(N) + 0.01,
        nuc_use=(u() < 0.3).astype(float), major_war=(u() < 0.3).astype(float),
        settled=(u() < 0.5).astype(float), pol=pol0 + rng.uniform(-0.2, 0.8, B), pol0=pol0,
        major_rung=rng.integers(0, 8, B),
    )


def _seed(name: str) -> int:
    """A seed per test case, the same in every process (``hash`` is salted per process)."""
    return zlib.crc32(name.encode())


def _dyad(v: Any) -> Any:
    """A parameter of shape (B,) shaped to add to a dyadic array (B, N, N)."""
    return np.reshape(v, (*np.shape(v), 1, 1)) if np.ndim(v) else v


@dataclass(frozen=True)
class Case:
    """How to call one rule on the inputs; ``uses_p``: its result depends on parameters."""

    call: Callable[[NS, Any], Any]
    uses_p: bool = True


CASES: dict[str, Case] = {
    "sigmoid": Case(lambda d, p: rules.sigmoid(d.motive), uses_p=False),
    "hostility": Case(lambda d, p: rules.hostility(d.A, d.W), uses_p=False),
    "leakage": Case(lambda d, p: rules.leakage(d.S, d.A, d.gdp, d.outlet, p.leakage_max,
                                               p.leakage_gain)),
    "sanction_bite": Case(lambda d, p: rules.sanction_bite(d.S, d.D, d.leak, d.un, d.comply),
                          uses_p=False),
    "deterrence": Case(lambda d, p: rules.deterrence(d.warheads, d.P, p.extended_deterrence,
                                                     d.umbrella)),
    "pact_trigger": Case(lambda d, p: rules.pact_trigger(d.P, d.W, d.att, d.F,
                                                         p.pact_losing_front)),
    "munitions_shortfall": Case(lambda d, p: rules.munitions_shortfall(d.stock, d.prod, d.cons,
                                                                       d.war_any), uses_p=False),
    "affinity_from_alignment": Case(lambda d, p: rules.affinity_from_alignment(
        d.x, p.affinity_scale)),
    "support_norm": Case(lambda d, p: rules.support_norm(d.containers, p.support_reference)),
    "threat_motive": Case(lambda d, p: rules.threat_motive(d.H, d.viol, d.D, d.mult[..., None],
                                                           p)),
    "sanction_game": Case(lambda d, p: rules.sanction_game(d.motive, d.bite, d.elig, d.u1, d.u2,
                                                           d.u3, p)),
    "willingness": Case(lambda d, p: rules.willingness(d.A, d.need[..., None, :], d.recip,
                                                       _dyad(p.support_intercept) + d.shift, p)),
    "arms_allocation": Case(lambda d, p: rules.arms_allocation(d.will, d.exportable,
                                                               d.shortfall), uses_p=False),
    "capacity_scale": Case(lambda d, p: rules.capacity_scale(d.containers, d.capacity),
                           uses_p=False),
    "tech_transfer": Case(lambda d, p: rules.tech_transfer(d.will, d.tech, d.guard, p.tech_rate)),
    "escalation_pressure": Case(lambda d, p: rules.escalation_pressure(
        d.H, d.W, d.P, d.rung, d.rung_t, d.dcap, d.deter, d.offer, p)),
    "escalation_move": Case(lambda d, p: rules.escalation_move(
        d.rung, d.rung_t, d.motive, d.nuclear[..., None], d.W, d.u1, p)),
    "vote_probabilities": Case(lambda d, p: rules.vote_probabilities(d.x, d.vshift, p,
                                                                     d.A[..., 0])),
    "vote_draw": Case(lambda d, p: rules.vote_draw(d.probs, d.uv), uses_p=False),
    "alignment_update": Case(lambda d, p: rules.alignment_update(
        d.x, d.anchor, d.stub, d.A, d.weight, d.Y, d.S, p)),
    "affinity_update": Case(lambda d, p: rules.affinity_update(
        d.A, rules.affinity_from_alignment(d.x, 2.0), d.Y, d.S, d.W, p)),
    "econ_update": Case(lambda d, p: rules.econ_update(d.loss, d.bite_v, d.cost, p)),
    "food_update": Case(lambda d, p: rules.food_update(d.food, d.structural, d.bite_v,
                                                       d.received, p)),
    "front_update": Case(lambda d, p: rules.front_update(d.F, d.fire, d.W, p.front_rate)),
    "bloc_partition": Case(lambda d, p: rules.bloc_partition(d.A), uses_p=False),
    "polarization": Case(lambda d, p: rules.polarization(d.A, rules.bloc_partition(d.A)),
                         uses_p=False),
    "bloc_labels": Case(lambda d, p: rules.bloc_labels(d.A, p.bloc_threshold)),
    "effective_poles": Case(lambda d, p: rules.effective_poles(d.A, d.capability,
                                                               p.bloc_threshold)),
    "classify": Case(lambda d, p: rules.classify(d.nuc_use, d.major_war, d.settled, d.pol,
                                                 d.pol0, d.major_rung, p.cold_war_margin)),
}


def test_every_public_rule_has_a_shape_case() -> None:
    public = {n for n in rules.__all__ if callable(getattr(rules, n))} - {"ParamView"}
    assert public == set(CASES)


def member(ns: NS, b: int) -> NS:
    """Run ``b`` of a block: every array indexed on its leading axis (guard is per world)."""
    return NS(**{k: (v if k == "guard" else v[b]) for k, v in vars(ns).items()})


def assert_same(got: Any, want: Any) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    if np.issubdtype(want.dtype, np.floating):
        assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    else:
        assert got.dtype == want.dtype
        assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_equals_each_member(name: str) -> None:
    """A block (B, ...) with scalar parameters gives each run's own result."""
    rng = np.random.default_rng(_seed(name))
    d = random_inputs(rng)
    p = random_params(rng, 1)[0]
    out = CASES[name].call(d, p)
    assert np.shape(out)[0] == B
    for b in range(B):
        assert_same(out[b], CASES[name].call(member(d, b), p))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.uses_p))
def test_batch_parameters_equal_scalar_calls(name: str) -> None:
    """Parameters of shape (B,) give each run the result of its own scalar parameters."""
    rng = np.random.default_rng(_seed(name) + 1)
    mattered = 0
    for _ in range(10):
        d = random_inputs(rng)
        ps = random_params(rng, B)
        out = CASES[name].call(d, stack_params(ps))
        for b in range(B):
            assert_same(out[b], CASES[name].call(member(d, b), ps[b]))
        # the per-run parameters matter: run 0's parameters for all give another result
        # (for rules with discrete results this may not hold on every draw)
        same = CASES[name].call(d, stack_params([ps[0]] * B))
        mattered += not np.array_equal(np.asarray(same)[1:], np.asarray(out)[1:])
    assert mattered >= 1


def test_pact_trigger_batch_threshold_when_batch_equals_actors() -> None:
    # regression: `front < -losing` broadcast a (B,) threshold against the actor axis; with
    # B == N this gave wrong answers silently (every run used the first threshold on column j)
    P = np.zeros((3, 3, 3))
    P[:, 0, 1] = P[:, 1, 0] = 1.0
    W = np.zeros((3, 3, 3))
    W[:, 1, 2] = W[:, 2, 1] = 1.0
    F = np.zeros((3, 3, 3))
    F[:, 1, 2], F[:, 2, 1] = -0.3, 0.3
    trig = rules.pact_trigger(P, W, np.zeros((3, 3, 3)), F, np.array([0.2, 0.5, 0.1]))
    assert_array_equal(trig[:, 0, 2], [1.0, 0.0, 1.0])


# --- one row of a decision rule equals that row of the full matrix


def _rows(d: NS, sl: slice) -> NS:
    """The inputs of the row actors ``sl`` as the decide() phase slices them."""
    r = lambda a: a[..., sl, :]  # noqa: E731
    return NS(
        H=r(d.H), viol=r(d.viol), D=r(d.D), mult=d.mult[..., sl], motive=r(d.motive),
        bite=r(d.bite), elig=r(d.elig), u1=r(d.u1), u2=r(d.u2), u3=r(d.u3), A=r(d.A),
        need=d.need, recip=r(d.recip), shift=r(d.shift), will=r(d.will),
        exportable=d.exportable[..., sl], shortfall=d.shortfall, W=r(d.W), P=r(d.P),
        rung=r(d.rung), rung_t=r(d.rung_t), dcap=r(d.dcap), deter=r(d.deter), offer=r(d.offer),
        nuclear=d.nuclear[..., sl], x=d.x[..., sl], vshift=d.vshift, probs=d.probs[..., sl, :],
        uv=d.uv[..., sl], A0=d.A[..., sl, 0],
    )


ROW_RULES: dict[str, Callable[[NS, Any], Any]] = {
    "threat_motive": CASES["threat_motive"].call,
    "sanction_game": CASES["sanction_game"].call,
    "willingness": CASES["willingness"].call,
    "escalation_pressure": CASES["escalation_pressure"].call,
    "escalation_move": CASES["escalation_move"].call,
    "arms_allocation": CASES["arms_allocation"].call,
    # per-actor rules: the row slice is (..., 1), the result (..., 1, 3) / (..., 1)
    "vote_probabilities": lambda d, p: rules.vote_probabilities(d.x, d.vshift, p, d.A0),
    "vote_draw": CASES["vote_draw"].call,
}


@pytest.mark.parametrize("batched_p", [False, True], ids=["scalar-p", "batch-p"])
@pytest.mark.parametrize("name", sorted(ROW_RULES))
def test_row_slice_equals_row_of_full_matrix(name: str, batched_p: bool) -> None:
    rng = np.random.default_rng(_seed(name) + 2)
    d = random_inputs(rng)
    ps = random_params(rng, B)
    p = stack_params(ps) if batched_p else ps[0]
    full = ROW_RULES[name](_rows(d, slice(None)), p)
    for i in range(N):
        one = ROW_RULES[name](_rows(d, slice(i, i + 1)), p)
        assert_same(one, full[:, i:i + 1])
        # and a single run's single row, as a StateAgent of the Mesa model decides it
        assert_same(ROW_RULES[name](_rows(member(d, 1), slice(i, i + 1)), ps[1] if batched_p
                                    else p), full[1, i:i + 1])


def test_escalation_move_batch_keeps_bounds() -> None:
    rng = np.random.default_rng(7)
    d = random_inputs(rng)
    p = stack_params(random_params(rng, B))
    new = CASES["escalation_move"].call(d, p)
    assert new.dtype == np.int8
    top = np.where(d.nuclear[..., None] > 0, 7, rules.WAR_RUNG)
    floor = np.where(d.W > 0, rules.WAR_RUNG, 0)
    inside = (d.rung >= floor) & (d.rung <= top)  # where no clipping moves the start
    assert np.all(np.abs(new.astype(int) - d.rung)[inside] <= 1)  # one rung at most
    assert np.all((new >= 0) & (new <= 7))
    assert np.all(new[np.broadcast_to(d.nuclear[..., None] == 0, new.shape)] <= rules.WAR_RUNG)
    assert np.all(new[d.W > 0] >= rules.WAR_RUNG)


# ------------------------------------------------------------------ kernel building blocks


@pytest.mark.parametrize("n", [0, 1, 3, 7, 8, 9, 16, 19, 20, 21, 127, 128, 129, 193, 300, 1000])
def test_pairwise_sum_gives_numpys_bits(n):
    """The kernels' row sum equals numpy's ``sum(axis=-1)`` bit for bit (pairwise order),
    on values spread over many magnitudes so that a different order shows."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal((300, n)) * np.exp(5.0 * rng.standard_normal((300, n)))
    got = np.array([rules.pairwise_sum(row) for row in x])
    np.testing.assert_array_equal(got, x.sum(axis=-1))
    if n >= 9:  # and a plain left-to-right sum would not
        seq = np.array([sum(row.tolist()) for row in x])
        assert (seq != x.sum(axis=-1)).any()


def test_column_sums_are_left_to_right():
    """numpy sums over a non-last axis in plain order: what kernels replicate for axis=-2."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, 20, 20)) * np.exp(5.0 * rng.standard_normal((50, 20, 20)))
    acc = x[:, 0, :].copy()
    for i in range(1, 20):
        acc = acc + x[:, i, :]
    np.testing.assert_array_equal(acc, x.sum(axis=-2))


def test_per_run_and_flat_runs():
    assert rules.per_run(np.array([[1.0], [2.0]]), (2, 3)).tolist() == [1, 1, 1, 2, 2, 2]
    # writable and contiguous whatever the form: one kernel specialisation for all
    for v in (0.5, np.float64(0.5), np.array(0.5), np.array([0.5, 0.5])):
        r = rules.per_run(v, (2,))
        assert r.flags.writeable and r.flags.c_contiguous and r.dtype == np.float64
    assert rules.per_run(0.5, ()).flags.writeable
    a = np.arange(8.0).reshape(2, 2, 2)
    v = rules.flat_runs(a, 2)
    assert np.shares_memory(v, a) and v.shape == (2, 2, 2)
    assert rules.flat_runs(np.swapaxes(a, -1, -2), 2).flags.c_contiguous
