"""Tests of scenarios.random: the counter-based uniforms and run keys.

The statistical tests use fixed keys, so they are deterministic: a failure means the generator
changed, not bad luck. Tolerances are about six standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats

from scenarios.random import Stream, run_key, uniforms

N_DRAWS = 100_000
#: About six standard errors of a correlation estimated from N_DRAWS pairs.
CORR_TOL = 6.0 / np.sqrt(N_DRAWS)


@pytest.fixture(scope="module")
def key() -> np.ndarray:
    return run_key(20240619)


def draws(key: np.ndarray, step: int = 1, stream: int = Stream.THREAT) -> np.ndarray:
    return uniforms(key, step, stream, np.arange(N_DRAWS))


def test_uniforms_in_unit_interval_with_right_moments(key: np.ndarray) -> None:
    u = draws(key)
    assert u.dtype == np.float64 and u.shape == (N_DRAWS,)
    assert u.min() >= 0.0 and u.max() < 1.0
    # standard errors: mean sqrt(1/12/n) = 0.0009; variance sqrt(1/180/n) = 0.00024
    assert abs(u.mean() - 0.5) < 0.006
    assert abs(u.var() - 1.0 / 12.0) < 0.0015


def test_uniforms_never_reach_one() -> None:
    # 53-bit mantissa: the largest value is 1 - 2**-53, never 1.0
    u = uniforms(run_key(0), 0, 0, np.arange(10))
    assert np.all(u <= 1.0 - 2.0**-53)


@pytest.mark.parametrize(("step", "stream"), [(0, Stream.THREAT), (1, Stream.ESCALATE),
                                              (7, Stream.VOTE_GA), (119, Stream.OFFER),
                                              (2**20, Stream.WAR_END)])
def test_uniforms_pass_kolmogorov_smirnov(key: np.ndarray, step: int, stream: int) -> None:
    assert stats.kstest(draws(key, step, stream), "uniform").pvalue > 0.001


def test_uniforms_of_one_index_across_keys_are_uniform() -> None:
    # the same coordinates under 10^4 different run keys: the keys spread the numbers too
    keys = np.stack([run_key(s) for s in range(10_000)])
    u = uniforms(keys, 3, Stream.THREAT, np.array([0]))[:, 0]
    assert stats.kstest(u, "uniform").pvalue > 0.001


def test_streams_steps_and_neighbours_are_uncorrelated(key: np.ndarray) -> None:
    base = draws(key, 1, Stream.THREAT)
    others = {
        "stream": draws(key, 1, Stream.CONCEDE),
        "step": draws(key, 2, Stream.THREAT),
        "key": draws(run_key(20240620), 1, Stream.THREAT),
        "lag-1 index": np.roll(base, 1),
    }
    for name, other in others.items():
        r = np.corrcoef(base, other)[0, 1]
        assert abs(r) < CORR_TOL, (name, r)


def test_streams_and_steps_give_different_numbers(key: np.ndarray) -> None:
    a = uniforms(key, 1, Stream.THREAT, np.arange(100))
    assert not np.any(a == uniforms(key, 1, Stream.IMPOSE, np.arange(100)))
    assert not np.any(a == uniforms(key, 2, Stream.THREAT, np.arange(100)))


def test_pairs_are_independent_chi_square(key: np.ndarray) -> None:
    # a 10 x 10 contingency table of (u_stream1, u_stream2) at the same index
    a = (draws(key, 5, Stream.THREAT) * 10).astype(int)
    b = (draws(key, 5, Stream.CONCEDE) * 10).astype(int)
    table = np.zeros((10, 10))
    np.add.at(table, (a, b), 1)
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_numbers_do_not_depend_on_the_block(key: np.ndarray) -> None:
    idx = np.arange(50).reshape(5, 10)
    alone = uniforms(key, 4, Stream.LIFT, idx)
    others = [run_key(s) for s in range(6)]
    block = np.stack([others[0], key, others[1]])
    assert_array_equal(uniforms(block, 4, Stream.LIFT, idx)[1], alone)
    # a two-dimensional block of runs
    grid = np.stack([np.stack([others[2], others[3]]), np.stack([others[4], key])])
    out = uniforms(grid, 4, Stream.LIFT, idx)
    assert out.shape == (2, 2, 5, 10)
    assert_array_equal(out[1, 1], alone)
    # nor on which other indices are drawn with it (one agent's row vs. all rows)
    assert_array_equal(uniforms(key, 4, Stream.LIFT, idx[2:3, 4:]), alone[2:3, 4:])
    assert_array_equal(uniforms(key, 4, Stream.LIFT, np.array(17)), alone[1, 7])


def test_uniforms_shape_is_batch_then_index() -> None:
    keys = np.stack([run_key(s) for s in range(3)])
    assert uniforms(keys, 0, 1, np.arange(4)).shape == (3, 4)
    assert uniforms(keys, 0, 1, np.zeros((2, 5), dtype=int)).shape == (3, 2, 5)
    assert uniforms(run_key(0), 0, 1, np.array(3)).shape == ()


def test_run_key_deterministic_for_ints_and_seed_sequences() -> None:
    k = run_key(42)
    assert k.dtype == np.uint64 and k.shape == (2,)
    assert_array_equal(run_key(42), k)
    assert_array_equal(run_key(np.int64(42)), k)
    assert_array_equal(run_key(np.random.SeedSequence(42)), k)
    # 0 is a seed like any other, not "no seed"
    assert_array_equal(run_key(0), run_key(0))
    # pinned values: keys and numbers must not change across versions, or stored results
    # could no longer be reproduced from the seeds they record
    assert k.tolist() == [11465652750463011511, 15382171918060459190]
    u = uniforms(k, 3, Stream.THREAT, np.arange(3))
    assert u.tolist() == [0.8687418229211002, 0.6776497568284185, 0.5767900230776762]


def test_run_key_differs_for_different_seeds() -> None:
    keys = {tuple(run_key(s).tolist()) for s in range(1000)}
    assert len(keys) == 1000
    child = np.random.SeedSequence(42).spawn(1)[0]
    assert not np.array_equal(run_key(child), run_key(42))


def test_run_key_from_generator_advances_it() -> None:
    g = np.random.default_rng(5)
    a, b = run_key(g), run_key(g)
    assert not np.array_equal(a, b)  # two models from one Generator differ
    h = np.random.default_rng(5)
    assert_array_equal(run_key(h), a)  # ... reproducibly


def test_run_key_none_draws_fresh_entropy() -> None:
    assert not np.array_equal(run_key(None), run_key(None))


@pytest.mark.parametrize("bad", ["42", 4.2, [1, 2], np.random.RandomState(1)])
def test_run_key_rejects_other_types(bad: object) -> None:
    with pytest.raises(TypeError, match="rng must be"):
        run_key(bad)  # type: ignore[arg-type]
