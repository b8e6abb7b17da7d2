"""The compiled perception rules give numpy's bits.

The perception rules of :mod:`scenarios.rules` (and ``dynamics._major_pair``) run as compiled
kernels. Each is checked here against the numpy expression it replaced (kept below as the
reference), on random blocks of runs and on one run, for exact equality: the kernels keep the
same operations in the same order, so not one bit may differ.
"""

from __future__ import annotations

from types import SimpleNamespace as NS
from typing import Any

import numpy as np
import pytest

from scenarios import dynamics, rules

N = 9


def _bc(v: Any, nd: int) -> Any:
    return np.reshape(v, np.shape(v) + (1,) * (nd - np.ndim(v))) if np.ndim(v) else v


# --- the numpy expressions the kernels replaced


def ref_hostility(a: Any, w: Any) -> Any:
    return np.maximum(np.maximum(-a, 0.0), w.astype(np.float64))


def ref_leakage(s: Any, a: Any, gdp: Any, outlet: Any, lmax: Any, gain: Any) -> Any:
    friendly = np.maximum(a, 0.0) * (s <= 0.0) * (1.0 - np.eye(a.shape[-1]))
    weight = (friendly * (gdp * outlet)[..., :, None]).sum(axis=-2)
    nd = np.ndim(weight)
    return _bc(lmax, nd) * (1.0 - np.exp(-_bc(gain, nd) * weight))


def ref_sanction_bite(s: Any, dep: Any, leak: Any, un_level: Any, comply: Any) -> Any:
    dep_t = np.swapaxes(dep, -1, -2)
    unilateral = (s * dep_t).sum(axis=-2)
    un = un_level * (comply * dep_t).sum(axis=-2)
    return np.minimum(unilateral + un, 1.0) * (1.0 - leak)


def ref_deterrence(warheads: Any, pact: Any, extended: Any, umbrella: Any) -> Any:
    allied = (pact * (1.0 - np.eye(pact.shape[-1])) * warheads[..., None, :]).sum(axis=-1)
    total = warheads + _bc(extended, np.ndim(allied)) * umbrella * allied
    d = np.minimum(np.log1p(total) / np.log1p(5000.0), 1.0)
    return np.broadcast_to(d[..., None, :], pact.shape)


def ref_pact_trigger(pact: Any, w: Any, att: Any, front: Any, losing: Any) -> Any:
    eye = np.eye(pact.shape[-1])
    called = w * np.maximum(np.swapaxes(att, -1, -2), front < -_bc(losing, np.ndim(front)))
    trig = (((pact * (1.0 - eye)) @ called) > 0).astype(np.float64)
    return trig * (1.0 - eye) * (1.0 - w)


def ref_shortfall(stock: Any, prod: Any, cons: Any, war: Any) -> Any:
    return war * np.maximum(cons - prod - stock / 12.0, 0.0)


def ref_major_pair(warheads: Any, pact: Any) -> Any:
    nuclear = warheads > 0
    guarded = nuclear | ((pact * nuclear).max(axis=-1) > 0)
    return (nuclear[:, None] & guarded[..., None, :]) | (guarded[..., :, None] & nuclear[None, :])


# --- random inputs


def _sym01(rng: np.random.Generator, shape: tuple[int, ...], rate: float) -> Any:
    m = np.triu((rng.uniform(size=shape) < rate).astype(float), 1)
    return m + np.swapaxes(m, -1, -2)


def inputs(rng: np.random.Generator, batch: tuple[int, ...]) -> NS:
    dy, ac = (*batch, N, N), (*batch, N)
    u = lambda *shape: rng.uniform(size=shape)  # noqa: E731
    w = _sym01(rng, dy, 0.25)
    front = rng.uniform(-0.5, 0.5, dy) * w
    return NS(
        a=rng.uniform(-1, 1, dy), w=w, att=w * (u(*dy) < 0.5), front=front,
        s=np.where(u(*dy) < 0.4, u(*dy), 0.0), dep=0.3 * u(*dy), pact=_sym01(rng, dy, 0.3),
        gdp=0.2 * u(*ac), outlet=2 * u(*ac), leak=u(*ac), un=u(*ac),
        comply=(u(*dy) < 0.5).astype(float), umbrella=2 * u(*ac),
        warheads=np.where(u(N) < 0.5, 0.0, np.round(6000 * u(N))),
        real_warheads=np.where(u(*ac) < 0.5, 0.0, 6000 * u(*ac)),
        stock=3 * u(*ac), prod=0.3 * u(*ac), cons=0.6 * u(*ac),
        war_any=(u(*ac) < 0.5).astype(float),
        lmax=u(*batch) if batch else 0.8, gain=20 * u(*batch) if batch else 7.0,
        ext=u(*batch) if batch else 0.6, losing=0.4 * u(*batch) if batch else 0.2,
    )


CASES = {
    "hostility": (lambda d: rules.hostility(d.a, d.w), lambda d: ref_hostility(d.a, d.w)),
    "leakage": (lambda d: rules.leakage(d.s, d.a, d.gdp, d.outlet, d.lmax, d.gain),
                lambda d: ref_leakage(d.s, d.a, d.gdp, d.outlet, d.lmax, d.gain)),
    "sanction_bite": (lambda d: rules.sanction_bite(d.s, d.dep, d.leak, d.un, d.comply),
                      lambda d: ref_sanction_bite(d.s, d.dep, d.leak, d.un, d.comply)),
    "deterrence": (lambda d: rules.deterrence(d.real_warheads, d.pact, d.ext, d.umbrella),
                   lambda d: ref_deterrence(d.real_warheads, d.pact, d.ext, d.umbrella)),
    "pact_trigger": (lambda d: rules.pact_trigger(d.pact, d.w, d.att, d.front, d.losing),
                     lambda d: ref_pact_trigger(d.pact, d.w, d.att, d.front, d.losing)),
    "munitions_shortfall": (
        lambda d: rules.munitions_shortfall(d.stock, d.prod, d.cons, d.war_any),
        lambda d: ref_shortfall(d.stock, d.prod, d.cons, d.war_any)),
    "major_pair": (
        lambda d: dynamics._major_pair(NS(warheads=d.warheads, n=N), NS(pact=d.pact)),
        lambda d: ref_major_pair(d.warheads, d.pact)),
}


@pytest.mark.parametrize("batch", [(), (1,), (13,), (2, 5)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_gives_numpys_bits(name: str, batch: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(name) * 100 + len(batch))
    for _ in range(5):
        d = inputs(rng, batch)
        got, want = (np.asarray(f(d)) for f in CASES[name])
        assert got.shape == want.shape and got.dtype == want.dtype
        assert np.array_equal(got, want), name
