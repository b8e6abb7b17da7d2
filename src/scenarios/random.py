"""Counter-based random numbers: each draw a pure function of (run key, step, stream, index).

The Mesa model steps one run with agents that each draw their own numbers; an ensemble engine
steps a block of runs at once. Both must see the very same numbers for the same run, whatever
the block the run sits in, so a draw cannot depend on how many numbers were drawn before it.
Following the idea of Random123 (Salmon et al. 2011), every uniform is computed as a hash of
its coordinates: the run's 128-bit key, the step, a stream id (one per decision) and an integer
index (e.g. ``sender * N + target``). The hash is SplitMix64's output function (Steele, Lea &
Flood 2014) applied to a per-(key, step, stream) base plus the index times the golden gamma,
which is exactly the SplitMix64 sequence seeded at that base. One compiled loop (numba)
computes a whole block's numbers, in exact 64-bit integer arithmetic, in a single pass.

This module may import numpy and numba only.

References
----------
Salmon, J. K., Moraes, M. A., Dror, R. O., & Shaw, D. E. (2011). Parallel random numbers: as
easy as 1, 2, 3. SC '11. https://doi.org/10.1145/2063384.2063405

Steele, G. L., Lea, D., & Flood, C. H. (2014). Fast splittable pseudorandom number generators.
OOPSLA '14. https://doi.org/10.1145/2660193.2660195
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SeedLike", "Stream", "run_key", "stream_uniforms", "uniforms"]

#: Anything that seeds a run: ``None`` (fresh entropy), an int, a SeedSequence or a Generator.
SeedLike = int | np.integer[Any] | np.random.SeedSequence | np.random.Generator | None

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEP_MUL = np.uint64(0xD1B54A32D192ED03)
_STREAM_MUL = np.uint64(0xAEF17502108EF2D9)
_TO_UNIT = 2.0**-53


class Stream(IntEnum):
    """One stream id per random decision, so that no two decisions share numbers."""

    THREAT = 1
    CONCEDE = 2
    IMPOSE = 3
    LIFT = 4
    ESCALATE = 5
    VOTE_GA = 6
    VOTE_SC = 7
    VETO = 8  # retired: a veto is now part of the vote's own draw; the id stays unused
    PACT = 9
    WAR_END = 10
    OFFER = 11
    FRONT = 12


@numba.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """SplitMix64 output function (a bijection on 64-bit integers)."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def _fill(
    k0: NDArray[np.uint64], k1: NDArray[np.uint64], salt: NDArray[np.uint64],
    gamma: NDArray[np.uint64], out: NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """``out[b, s, i]`` = the uniform of run ``b``, stream ``s``, counter ``i``: the top 53
    bits of ``mix(base_bs + gamma_i)``, ``base_bs = mix(k0_b ^ mix(k1_b + salt_s))``."""
    for b in range(out.shape[0]):
        for s in range(out.shape[1]):
            base = _mix(k0[b] ^ _mix(k1[b] + salt[s]))
            for i in range(out.shape[2]):
                out[b, s, i] = (_mix(base + gamma[i]) >> np.uint64(11)) * _TO_UNIT


def run_key(rng: SeedLike) -> NDArray[np.uint64]:
    """The 128-bit key of a run, as two ``uint64``, from anything that seeds it.

    An int or SeedSequence gives the same key on every machine; a Generator is advanced by
    one draw (so that two models built from one Generator get different keys); ``None``
    draws fresh OS entropy.

    Examples
    --------
    >>> run_key(42).tolist() == run_key(42).tolist()
    True
    >>> run_key(np.random.SeedSequence(42)).tolist() == run_key(42).tolist()
    True
    """
    if isinstance(rng, np.random.Generator):
        return np.asarray(
            rng.integers(0, 2**64 - 1, size=2, dtype=np.uint64, endpoint=True), dtype=np.uint64
        )
    if isinstance(rng, np.random.SeedSequence):
        seq = rng
    elif rng is None or isinstance(rng, int | np.integer):
        seq = np.random.SeedSequence(None if rng is None else int(rng))
    else:
        raise TypeError(
            f"rng must be None, an int, a numpy SeedSequence or a numpy Generator, "
            f"not {type(rng).__name__}"
        )
    return np.asarray(seq.generate_state(2, np.uint64), dtype=np.uint64)


def uniforms(key: ArrayLike, step: int, stream: int, index: ArrayLike) -> NDArray[np.float64]:
    """Uniform numbers in [0, 1), one per ``index``, for every run key in ``key``.

    Parameters
    ----------
    key
        Run keys, shape ``batch + (2,)``, dtype uint64.
    step, stream
        The model step and the decision's :class:`Stream`.
    index
        Non-negative integer counters, any shape.

    Returns
    -------
    ndarray of float64, shape ``batch + index.shape``.

    Examples
    --------
    >>> k = run_key(1)
    >>> u = uniforms(k, 3, Stream.THREAT, np.arange(4))
    >>> u.shape, bool(((0 <= u) & (u < 1)).all())
    ((4,), True)
    >>> block = uniforms(np.stack([run_key(0), k]), 3, Stream.THREAT, np.arange(4))
    >>> bool((block[1] == u).all())   # a run's numbers do not depend on its block
    True
    """
    u = stream_uniforms(key, step, (stream,), index)
    return np.squeeze(u, axis=u.ndim - np.ndim(index) - 1)


def stream_uniforms(
    key: ArrayLike, step: int, streams: Sequence[int], index: ArrayLike
) -> NDArray[np.float64]:
    """The :func:`uniforms` of several streams at once, shape ``batch + (S,) + index.shape``.

    ``stream_uniforms(key, t, streams, idx)[..., s, :]`` equals
    ``uniforms(key, t, streams[s], idx)`` exactly (one hash, computed once for all streams).

    Examples
    --------
    >>> k = run_key(1)
    >>> both = stream_uniforms(k, 3, (Stream.THREAT, Stream.LIFT), np.arange(4))
    >>> both.shape, bool((both[1] == uniforms(k, 3, Stream.LIFT, np.arange(4))).all())
    ((2, 4), True)
    """
    k = np.asarray(key, dtype=np.uint64)
    idx = np.asarray(index, dtype=np.uint64)
    batch = k.shape[:-1]
    with np.errstate(over="ignore"):
        salt = np.uint64(step) * _STEP_MUL + np.asarray(streams, dtype=np.uint64) * _STREAM_MUL
        gamma = ((idx + np.uint64(1)) * _GOLDEN).reshape(-1)
    flat = k.reshape(-1, 2)
    out = np.empty((flat.shape[0], len(streams), gamma.size))
    _fill(np.ascontiguousarray(flat[:, 0]), np.ascontiguousarray(flat[:, 1]),
          np.atleast_1d(salt), gamma, out)
    return out.reshape((*batch, len(streams), *idx.shape))
