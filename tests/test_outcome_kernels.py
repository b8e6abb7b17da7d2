"""The compiled outcome rules against the numpy expressions they replaced.

``rules.bloc_partition`` certifies its camps per run and leaves the rest to LAPACK's ``eigh``:
its camps must be eigh's sign pattern in every run, on model-like and adversarial matrices
alike. ``polarization``, ``bloc_labels`` and ``effective_poles`` must give the bits of the
numpy expressions in their docstrings (kept here as references).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from scenarios import rules


def _centred(a: np.ndarray) -> np.ndarray:
    """The centred matrix of bloc_partition, as numpy computed it."""
    n = a.shape[-1]
    off = 1.0 - np.eye(n)
    sym = 0.5 * (a + np.swapaxes(a, -1, -2)) * off
    mean = sym.sum(axis=(-1, -2), keepdims=True) / max(n * (n - 1), 1)
    return np.asarray((sym - mean) * off)


def _eigh_camps(a: np.ndarray) -> np.ndarray:
    lead = np.linalg.eigh(_centred(a))[1][..., :, -1]
    sign = np.where(lead[..., :1] < 0, -1.0, 1.0)
    return np.where(lead * sign >= 0, 1, -1).astype(np.int8)


def _two_camps(rng: np.random.Generator, b: int, n: int, noise: float) -> np.ndarray:
    s = rng.choice([-1.0, 1.0], (b, n))
    a = 0.6 * s[:, :, None] * s[:, None, :] + noise * rng.normal(size=(b, n, n))
    return np.asarray(np.clip(a, -1, 1))


def _matrices(rng: np.random.Generator, kind: str, b: int, n: int) -> np.ndarray:
    if kind == "uniform":
        return rng.uniform(-1, 1, (b, n, n))
    if kind == "rounded":  # ties and near-degenerate spectra
        return np.round(rng.uniform(-1, 1, (b, n, n)), 1)
    if kind == "signs":
        return np.sign(rng.uniform(-1, 1, (b, n, n)))
    if kind == "constant":  # a zero centred matrix, with signed zeros on its diagonal
        return np.asarray(rng.choice([-0.7, 0.0, 1.0], (b, 1, 1)) * np.ones((b, n, n))
                          + rng.choice([-1.0, 0.0, 1.0], (b, 1, 1)) * np.eye(n))
    return _two_camps(rng, b, n, rng.uniform(0, 1))


@pytest.mark.parametrize("n", [2, 3, 5, 7, 20, 30])
@pytest.mark.parametrize("kind", ["uniform", "rounded", "signs", "constant", "camps"])
def test_bloc_partition_is_eighs_sign_pattern(kind: str, n: int) -> None:
    rng = np.random.default_rng([n, len(kind)])
    a = _matrices(rng, kind, 400, n)
    assert_array_equal(rules.bloc_partition(a), _eigh_camps(a))


def test_centring_and_certificate() -> None:
    """The kernel centres with numpy's bits; camps it certifies are eigh's; clear two-camp
    networks are all certified (eigh is only the fallback)."""
    rng = np.random.default_rng(7)
    a = np.concatenate([_two_camps(rng, 500, 20, 0.3), rng.uniform(-1, 1, (500, 20, 20))])
    centred = np.empty_like(a)
    camp = np.empty(a.shape[:-1], dtype=np.int8)
    status = np.empty(a.shape[0], dtype=np.int8)
    rules._bloc_kernel(a, centred, camp, status)
    sure = status == rules._CERTIFIED
    assert_array_equal(centred, _centred(a))
    assert_array_equal(camp[sure], _eigh_camps(a)[sure])
    assert sure[:500].all()
    # one run (the Mesa model's shape) and a batch of blocks give the same camps
    assert_array_equal(rules.bloc_partition(a[3]), camp[3])
    assert_array_equal(rules.bloc_partition(a.reshape(10, 100, 20, 20)).reshape(-1, 20),
                       rules.bloc_partition(a))


def _polarization(affinity: Any, camp: Any) -> Any:
    n = affinity.shape[-1]
    off = 1.0 - np.eye(n)
    col, row = np.asarray(camp)[..., :, None], np.asarray(camp)[..., None, :]
    same = (col == row) * off
    diff = (col != row) * 1.0
    within = (affinity * same).sum(axis=(-1, -2)) / np.maximum(same.sum(axis=(-1, -2)), 1)
    between = (affinity * diff).sum(axis=(-1, -2)) / np.maximum(diff.sum(axis=(-1, -2)), 1)
    both = (same.sum(axis=(-1, -2)) > 0) & (diff.sum(axis=(-1, -2)) > 0)
    return np.where(both, 0.5 * (within - between), 0.0)


def _bloc_labels(affinity: Any, threshold: Any) -> Any:
    n = affinity.shape[-1]
    thr = np.reshape(threshold, (*np.shape(threshold), 1, 1))
    reach = ((affinity > thr) | np.eye(n, dtype=bool)).astype(np.float64)
    for _ in range(int(np.ceil(np.log2(max(n, 2))))):
        reach = ((reach @ reach) > 0).astype(np.float64)
    return np.argmax(reach > 0, axis=-1)


def _effective_poles(affinity: Any, capability: Any, threshold: Any) -> Any:
    n = affinity.shape[-1]
    label = _bloc_labels(affinity, threshold)
    onehot = (label[..., :, None] == np.arange(n)).astype(np.float64)
    share = (onehot * capability[..., :, None]).sum(axis=-2)
    share = share / np.maximum(share.sum(axis=-1, keepdims=True), 1e-300)
    return 1.0 / np.maximum((share**2).sum(axis=-1), 1e-300)


@pytest.mark.parametrize("n", [1, 3, 7, 20])
def test_outcome_kernels_give_numpys_bits(n: int) -> None:
    rng = np.random.default_rng(n)
    b = 300
    a = np.clip(rng.normal(0.2, 0.5, (b, n, n)), -1, 1)
    a[:100] = 0.5 * (a[:100] + np.swapaxes(a[:100], -1, -2))  # symmetric and not
    camp = rules.bloc_partition(a)
    camp[:20] = 1  # a single camp
    assert_array_equal(rules.polarization(a, camp), _polarization(a, camp))
    thr = rng.uniform(-0.5, 0.9, b)
    cap = rng.uniform(0, 1, (b, n)) * (rng.uniform(size=(b, n)) < 0.8)
    assert_array_equal(rules.bloc_labels(a, thr), _bloc_labels(a, thr))
    assert_array_equal(rules.effective_poles(a, cap, thr), _effective_poles(a, cap, thr))
    # scalar parameters and a single run
    assert_array_equal(rules.bloc_labels(a, 0.3), _bloc_labels(a, 0.3))
    assert_array_equal(rules.effective_poles(a[0], cap[0], 0.3),
                       _effective_poles(a[0], cap[0], 0.3))
    assert_array_equal(rules.polarization(a[5], camp[5]), _polarization(a[5], camp[5]))


def test_actor_observable_helpers_give_numpys_bits() -> None:
    from scenarios import outcomes

    rng = np.random.default_rng(3)
    for shape in [(3,), (20, 3), (50, 20, 3), (4, 5, 20, 7), (50, 20, 9)]:
        a = rng.uniform(size=shape) * 10.0 ** rng.integers(-8, 8, shape)
        assert_array_equal(outcomes._mean_last(a), a.mean(axis=-1))
    rung = rng.integers(0, 8, (50, 20, 20)).astype(np.int8)
    assert_array_equal(outcomes._row_max(rung), rung.max(axis=-1))
    assert_array_equal(outcomes._row_max(rung[0]), rung[0].max(axis=-1))
