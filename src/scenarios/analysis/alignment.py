"""Alignment analysis of any actor set from a signed affinity (propensity) matrix.

Three families of tools, each a function of arrays that works on any actors, whether the
starting affinity of a scenario, a snapshot of a run or a matrix from outside the model:

- *landscape theory* (Axelrod & Bennett 1993): the energy of a configuration of camps, and all
  local minima of the two-camp energy landscape (exhaustively for up to about twenty actors,
  by steepest descent from random starts above that);
- *structural balance* (Heider 1946; Cartwright & Harary 1956): the share of balanced triads,
  and the frustration of a given two-camp partition;
- *bloc detection*: spectral two camps, connected components above a threshold, and Louvain
  modularity communities (Blondel et al. 2008) of the positive ties.

Inputs are numpy arrays or :class:`xarray.DataArray` objects with the dims ``actor`` and
``actor_to`` (the layout of the results files); a labelled input gives a labelled result. The
matrices must be symmetric (see :func:`landscape_energy` for why asymmetry is an error rather
than silently averaged); the diagonal (self-affinity) is ignored throughout.

This module may import numpy, xarray, networkx (lazily), :mod:`scenarios.rules` and
:mod:`scenarios.random`; never Mesa, the model, the dynamics or the world.

References
----------
Axelrod, R., & Bennett, D. S. (1993). A landscape theory of aggregation. British Journal of
Political Science, 23(2), 211-233. https://doi.org/10.1017/S0007123400009753

Cartwright, D., & Harary, F. (1956). Structural balance: a generalization of Heider's theory.
Psychological Review, 63(5), 277-293. https://doi.org/10.1037/h0046049

Aref, S., & Wilson, M. C. (2018). Measuring partial balance in signed networks. Journal of
Complex Networks, 6(4), 566-595. https://doi.org/10.1093/comnet/cnx044

Blondel, V. D., Guillaume, J.-L., Lambiotte, R., & Lefebvre, E. (2008). Fast unfolding of
communities in large networks. Journal of Statistical Mechanics, P10008.
https://doi.org/10.1088/1742-5468/2008/10/P10008
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from scenarios import rules
from scenarios.random import SeedLike

__all__ = [
    "BlocDetector",
    "LandscapeResult",
    "canonical_labels",
    "centre_affinity",
    "detect_blocs",
    "frustration_index",
    "landscape_energy",
    "landscape_minima",
    "structural_balance",
]

F64 = NDArray[np.float64]
ACTOR, ACTOR_TO = "actor", "actor_to"
#: Largest number of actors ``method="exhaustive"`` accepts (2**23 configurations).
MAX_EXHAUSTIVE = 24
#: Largest number of actors ``method="auto"`` enumerates (2**19 configurations, about 1 s).
AUTO_EXHAUSTIVE = 20
#: Configurations enumerated per vectorised block.
_CHUNK = 1 << 15
#: Relative tolerance on symmetry, and on an energy decrease that counts as one.
_SYM_RTOL = 1e-8
_ENERGY_RTOL = 1e-12

Matrix = ArrayLike | xr.DataArray
BlocMethod = Literal["spectral", "threshold", "louvain"]


# ---------------------------------------------------------------------------- inputs


def _matrix(
    a: Matrix, name: str, *, batch: bool = False
) -> tuple[F64, tuple[str, ...] | None, xr.DataArray | None]:
    """A symmetric square float matrix (or a batch of them), its actor names and the input
    DataArray (transposed to ``(..., actor, actor_to)``) when it was one."""
    names: tuple[str, ...] | None = None
    da: xr.DataArray | None = None
    if isinstance(a, xr.DataArray):
        if ACTOR not in a.dims or ACTOR_TO not in a.dims:
            raise ValueError(
                f"{name}: a DataArray needs the dims ({ACTOR!r}, {ACTOR_TO!r}), got {a.dims}")
        da = a.transpose(..., ACTOR, ACTOR_TO)
        if ACTOR in da.coords:
            names = tuple(str(c) for c in da[ACTOR].values)
            if ACTOR_TO in da.coords and names != tuple(str(c) for c in da[ACTOR_TO].values):
                raise ValueError(f"{name}: the {ACTOR!r} and {ACTOR_TO!r} coordinates differ")
        arr = np.asarray(da.values, dtype=np.float64)
    else:
        arr = np.asarray(a, dtype=np.float64)
    if arr.ndim < 2 or (arr.ndim > 2 and not batch):
        want = "(..., n, n)" if batch else "(n, n)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} has no actors")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    gap = np.abs(arr - np.swapaxes(arr, -1, -2)).max()
    if gap > _SYM_RTOL * max(1.0, float(np.abs(arr).max())):
        raise ValueError(
            f"{name} must be symmetric (largest |A - A.T| is {gap:.3g}); the methods here "
            "assume one propensity per pair; pass (A + A.T) / 2 to use the mean of both "
            "directions")
    off = 1.0 - np.eye(arr.shape[-1])
    return arr * off, names, da


def _actor_names(
    names: tuple[str, ...] | None, actors: Any, n: int
) -> tuple[str, ...] | None:
    """Actor names from the input's coordinates, or from the ``actors`` argument."""
    if actors is None:
        return names
    given = tuple(str(a) for a in actors)
    if len(given) != n:
        raise ValueError(f"actors has {len(given)} names for {n} actors")
    if names is not None and names != given:
        raise ValueError("actors differ from the DataArray's actor coordinate")
    return given


def _sizes(sizes: ArrayLike | xr.DataArray | None, n: int) -> F64:
    """Non-negative finite actor sizes of shape ``(n,)``; ones when None."""
    if sizes is None:
        return np.ones(n)
    s = np.asarray(sizes.values if isinstance(sizes, xr.DataArray) else sizes, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"sizes must have shape ({n},), got {s.shape}")
    if not np.isfinite(s).all() or (s < 0).any():
        raise ValueError("sizes must be finite and non-negative")
    return s


def _weights(propensity: F64, sizes: F64) -> F64:
    """Pair weights ``w_ij = s_i s_j p_ij`` with a zero diagonal."""
    return sizes[:, None] * sizes[None, :] * propensity


def canonical_labels(labels: ArrayLike) -> NDArray[np.int64]:
    """Relabel so that labels are ``0, 1, 2, ...`` in order of first appearance.

    The first actor's group becomes 0, the next group met becomes 1, and so on; two labellings
    of the same partition give the same result. Works on the last axis of any batch.

    Examples
    --------
    >>> canonical_labels([5, 5, -1, 7, -1]).tolist()
    [0, 0, 1, 2, 1]
    """
    lab = np.asarray(labels)
    if lab.ndim == 0:
        raise ValueError("labels must have at least one axis (one label per actor)")
    flat = lab.reshape(-1, lab.shape[-1])
    out = np.empty(flat.shape, dtype=np.int64)
    for r, row in enumerate(flat):  # one row per partition, not per configuration
        _, first, inverse = np.unique(row, return_index=True, return_inverse=True)
        rank = np.empty(first.size, dtype=np.int64)
        rank[np.argsort(first)] = np.arange(first.size)
        out[r] = rank[inverse]
    return out.reshape(lab.shape)


def centre_affinity(affinity: Matrix) -> Any:
    """Propensities measured against the mean tie: ``p_ij = A_ij - mean_{k != l} A_kl``.

    Landscape energy takes propensities as given, so on an affinity matrix whose ties are
    mostly positive (as in the model, where 1 means close) the lowest configuration can be
    the grand coalition. Subtracting the mean off-diagonal affinity asks instead which pairs
    are closer or further apart than the average pair, the null model of modularity (Newman
    2006) and of :func:`scenarios.rules.bloc_partition`. The diagonal is set to zero; a
    DataArray stays a DataArray.

    References
    ----------
    Newman, M. E. J. (2006). Modularity and community structure in networks. PNAS, 103(23),
    8577-8582. https://doi.org/10.1073/pnas.0601602103

    Examples
    --------
    >>> centre_affinity([[1, .8, .2], [.8, 1, .2], [.2, .2, 1]]).round(2).tolist()
    [[0.0, 0.4, -0.2], [0.4, 0.0, -0.2], [-0.2, -0.2, 0.0]]
    """
    a, _, da = _matrix(affinity, "affinity")
    n = a.shape[-1]
    mean = a.sum() / max(n * (n - 1), 1)
    centred = (a - mean) * (1.0 - np.eye(n))
    return centred if da is None else da.copy(data=centred)


def _camps(camps: ArrayLike | xr.DataArray, n: int) -> tuple[NDArray[Any], xr.DataArray | None]:
    """Camp labels with actors on the last axis, and the input DataArray if it was one."""
    if isinstance(camps, xr.DataArray):
        if ACTOR not in camps.dims:
            raise ValueError(f"camps: a DataArray needs the dim {ACTOR!r}, got {camps.dims}")
        da = camps.transpose(..., ACTOR)
        c = np.asarray(da.values)
    else:
        da, c = None, np.asarray(camps)
    if c.ndim == 0 or c.shape[-1] != n:
        raise ValueError(f"camps must have {n} labels on its last axis, got shape {c.shape}")
    return c, da


def _wrap(value: F64, template: xr.DataArray | None, drop: tuple[str, ...], name: str) -> Any:
    """A float for a scalar, an array for a batch, a DataArray over the batch dims of a
    labelled input."""
    if template is not None:
        batch_dims = [d for d in template.dims if d not in drop]
        coords = {k: v for k, v in template.coords.items()
                  if not set(v.dims) & set(drop)}
        return xr.DataArray(value, dims=batch_dims, coords=coords, name=name)
    return float(value) if np.ndim(value) == 0 else value


# ------------------------------------------------------------------------- landscape


def landscape_energy(
    propensity: Matrix,
    sizes: ArrayLike | xr.DataArray | None,
    camps: ArrayLike | xr.DataArray,
) -> Any:
    """Landscape energy of one or more configurations (Axelrod & Bennett 1993).

    .. math:: E(X) = \\sum_{i<j} s_i\\, s_j\\, p_{ij}\\, d_{ij}(X), \\qquad
              d_{ij}(X) = [\\,X_i \\ne X_j\\,]

    where ``s_i`` is the size of actor i (e.g. capability; all ones when ``sizes`` is None),
    ``p_ij`` the propensity of i and j to work together (positive: together; negative: apart)
    and ``X_i`` the camp of actor i. A positive propensity across camps raises the energy, a
    negative one lowers it; the energy is the weighted frustration of the configuration minus
    a constant (the total weight of negative ties): ``E = frustration_index(w, X,
    weighted=True) - sum_{i<j, w_ij<0} |w_ij|`` with ``w_ij = s_i s_j p_ij``.

    Axelrod & Bennett sum over ordered pairs (their footnote 2: the sum runs over ``i`` in A,
    ``j`` in B and ``i`` in B, ``j`` in A), so their energy is exactly twice this one; minima,
    basins and the order of configurations are the same. Any number of camps is allowed here
    (``d_ij`` only asks whether two labels differ).

    Parameters
    ----------
    propensity : array_like or DataArray, shape (n, n)
        Symmetric signed propensities; the diagonal is ignored. An asymmetric matrix (beyond a
        relative tolerance of 1e-8) is an error: landscape theory needs one propensity per
        pair, and whether to average, take the minimum or the sender's view is the caller's
        modelling choice, e.g. ``(A + A.T) / 2``.
    sizes : array_like, shape (n,), or None
        Non-negative actor sizes.
    camps : array_like or DataArray, shape (..., n)
        Camp label of each actor, with any leading batch of configurations.

    Returns
    -------
    float, ndarray or DataArray
        The energy; an array over the leading batch axes of ``camps`` (a DataArray over the
        non-actor dims of a labelled ``camps``).

    References
    ----------
    Axelrod, R., & Bennett, D. S. (1993). A landscape theory of aggregation. British Journal
    of Political Science, 23(2), 211-233. https://doi.org/10.1017/S0007123400009753

    Examples
    --------
    >>> P = [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]
    >>> landscape_energy(P, [1, 2, 3], [0, 0, 1])   # 1*3*(-1) + 2*3*(-1)
    -9.0
    >>> landscape_energy(P, None, [[0, 0, 0], [0, 1, 1]]).tolist()
    [0.0, 0.0]
    """
    p, _, _ = _matrix(propensity, "propensity")
    n = p.shape[-1]
    w = _weights(p, _sizes(sizes, n))
    c, da = _camps(camps, n)
    return _wrap(_energy(w, c), da, (ACTOR,), "energy")


@dataclass(frozen=True)
class LandscapeResult:
    """Local minima of a two-camp energy landscape, sorted by energy (lowest first).

    Attributes
    ----------
    camps : ndarray of int8, shape (n_minima, n)
        Camp (0 or 1) of each actor at each minimum; actor 0 is always in camp 0.
    energies : ndarray, shape (n_minima,)
        Energy of each minimum (:func:`landscape_energy`).
    basin_sizes : ndarray of int64, shape (n_minima,)
        Configurations whose steepest descent ends at each minimum: exact counts out of
        ``2**(n-1)`` when exhaustive, counts out of ``n_starts`` random starts otherwise (an
        estimate of the relative basin sizes).
    exhaustive : bool
        Whether every configuration was examined (then the list of minima is complete).
    n_configurations : int
        Configurations examined: ``2**(n-1)`` or the number of random starts.
    actors : tuple of str or None
        Actor names, when known.
    """

    camps: NDArray[np.int8]
    energies: F64
    basin_sizes: NDArray[np.int64]
    exhaustive: bool
    n_configurations: int
    actors: tuple[str, ...] | None = None

    @property
    def n_minima(self) -> int:
        """Number of local minima found."""
        return int(self.energies.size)

    @property
    def global_minimum(self) -> NDArray[np.int8]:
        """Camps of the lowest minimum found (the global minimum when exhaustive)."""
        return self.camps[0]

    @property
    def global_energy(self) -> float:
        """Energy of :attr:`global_minimum`."""
        return float(self.energies[0])

    @property
    def energy_gap(self) -> float:
        """Energy of the second-lowest minimum minus the lowest; NaN with a single minimum."""
        return float(self.energies[1] - self.energies[0]) if self.n_minima > 1 else np.nan

    def sides(self, i: int = 0) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Members of camp 0 and camp 1 at minimum ``i``, by name (or index when unnamed)."""
        names = self.actors or tuple(str(k) for k in range(self.camps.shape[1]))
        row = self.camps[i]
        return (tuple(a for a, c in zip(names, row, strict=True) if c == 0),
                tuple(a for a, c in zip(names, row, strict=True) if c == 1))

    def to_xarray(self) -> xr.Dataset:
        """The minima as a Dataset: ``camp`` (minimum, actor), ``energy`` and
        ``basin_size`` (minimum)."""
        coords: dict[str, Any] = {"minimum": np.arange(self.n_minima)}
        if self.actors is not None:
            coords[ACTOR] = list(self.actors)
        return xr.Dataset(
            {"camp": (("minimum", ACTOR), self.camps),
             "energy": ("minimum", self.energies),
             "basin_size": ("minimum", self.basin_sizes)},
            coords=coords,
            attrs={"exhaustive": int(self.exhaustive),
                   "n_configurations": self.n_configurations},
        )


def _energy(w: F64, camps: NDArray[Any]) -> F64:
    """``E = sum_{i<j} w_ij [X_i != X_j]`` for camps with actors on the last axis; the one
    formula behind :func:`landscape_energy` and the energies of :func:`landscape_minima`."""
    apart = camps[..., :, None] != camps[..., None, :]
    return 0.5 * (w * apart).sum(axis=(-1, -2))


def _best_flip(sigma: F64, field: F64, tol: float) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """The steepest-descent move of each spin configuration (rows of +-1).

    With ``d_ij = (1 - sigma_i sigma_j) / 2``, flipping actor k changes the energy by
    ``sigma_k field_k`` where ``field = sigma @ w``. Returns the actor whose flip lowers the
    energy most (the lowest index on ties) and whether that flip lowers it by more than
    ``tol`` (False: the row is a local minimum).
    """
    gain = sigma * field
    k = np.argmin(gain, axis=1)
    return k, gain[np.arange(k.size), k] < -tol


def _descend(w: F64, sigma: F64, tol: float) -> F64:
    """Steepest descent of a block of spin configurations to local minima, in place.

    Each round, every row not yet at a local minimum makes its :func:`_best_flip`; the field
    is then updated by one column of ``w`` per flip.
    """
    field = sigma @ w
    rows = np.arange(sigma.shape[0])
    while rows.size:
        k, move = _best_flip(sigma[rows], field[rows], tol)
        rows, k = rows[move], k[move]
        old = sigma[rows, k].copy()
        sigma[rows, k] = -old
        field[rows] -= 2.0 * old[:, None] * w[k]
    return sigma


def _exhaustive(w: F64, tol: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local minima (as codes) and their exact basin sizes over all ``2**(n-1)`` configurations.

    Configuration ``c`` puts actor ``k >= 1`` in camp ``bit k-1 of c`` and actor 0 in camp 0.
    Each configuration's :func:`_best_flip` gives the code it moves to (flipping actor 0 is
    the mirror of flipping all the others), which defines the steepest-descent map on all
    configurations at once; pointer jumping (``next = next[next]``) then sends every
    configuration to the minimum its descent ends at, in a logarithmic number of passes.
    """
    n = w.shape[0]
    total = 1 << (n - 1)
    shifts = np.arange(n - 1, dtype=np.int64)
    flip_code = np.concatenate([[total - 1], 1 << shifts])  # XOR mask of each actor's switch
    nxt = np.empty(total, dtype=np.int64)
    for start in range(0, total, _CHUNK):
        code = np.arange(start, min(start + _CHUNK, total), dtype=np.int64)
        sigma = np.ones((code.size, n))
        sigma[:, 1:] = 1.0 - 2.0 * ((code[:, None] >> shifts) & 1)
        k, move = _best_flip(sigma, sigma @ w, tol)
        nxt[start:start + code.size] = np.where(move, code ^ flip_code[k], code)
    while True:
        jumped = nxt[nxt]
        if np.array_equal(jumped, nxt):
            break
        nxt = jumped
    return np.unique(nxt, return_counts=True)


def landscape_minima(
    propensity: Matrix,
    sizes: ArrayLike | xr.DataArray | None = None,
    *,
    method: Literal["auto", "exhaustive", "local"] = "auto",
    n_starts: int = 2000,
    rng: SeedLike = None,
    actors: Any = None,
) -> LandscapeResult:
    """All local minima of the two-camp landscape energy, each with its energy and basin.

    A configuration splits the actors into camps 0 and 1 (one camp may be empty); its energy
    is that of :func:`landscape_energy`. It is a *local minimum* when no single actor
    switching sides lowers the energy (by more than a relative 1e-12): a weak minimum, so a
    plateau of equal energies (e.g. an actor with zero size) gives several minima. A
    configuration and its mirror image (camps swapped) are the same; actor 0 is put in camp 0.

    ``method="exhaustive"`` evaluates all ``2**(n-1)`` configurations in vectorised blocks and
    runs a steepest descent (each step flips the actor whose switch lowers the energy most,
    the lowest index on ties) from every one of them: the list of minima is complete and each
    basin size is the exact number of configurations that descend to it. ``"local"`` runs the
    same descent from ``n_starts`` uniformly random configurations drawn from ``rng``: the
    minima found are true local minima, the lowest is the global one with high probability
    when the starts are many, and basin sizes are counts of starts. ``"auto"`` is exhaustive
    up to 20 actors and local above.

    Parameters
    ----------
    propensity : array_like or DataArray, shape (n, n)
        Symmetric signed propensities (see :func:`landscape_energy`).
    sizes : array_like, shape (n,), optional
        Non-negative actor sizes; all ones by default.
    method : {"auto", "exhaustive", "local"}
        Search method; exhaustive search accepts at most 24 actors.
    n_starts : int
        Random starts of the local search.
    rng : int, Generator, SeedSequence or None
        Seed of the local search (SPEC 7); unused by the exhaustive search.
    actors : sequence of str, optional
        Actor names (taken from the ``actor`` coordinate of a DataArray otherwise).

    Returns
    -------
    LandscapeResult
        Minima sorted by energy, then by basin size (largest first).

    References
    ----------
    Axelrod, R., & Bennett, D. S. (1993). A landscape theory of aggregation. British Journal
    of Political Science, 23(2), 211-233. https://doi.org/10.1017/S0007123400009753

    Examples
    --------
    Two friends who both dislike a third actor:

    >>> res = landscape_minima([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
    >>> res.camps.tolist(), res.energies.tolist(), res.basin_sizes.tolist()
    ([[0, 0, 1]], [-2.0], [4])
    >>> landscape_minima([[0, 1, -1], [1, 0, -1], [-1, -1, 0]], method="local",
    ...                  n_starts=50, rng=1).global_minimum.tolist()
    [0, 0, 1]
    """
    p, names, _ = _matrix(propensity, "propensity")
    n = p.shape[-1]
    names = _actor_names(names, actors, n)
    w = _weights(p, _sizes(sizes, n))
    tol = _ENERGY_RTOL * float(np.abs(w).sum())
    if method not in ("auto", "exhaustive", "local"):
        raise ValueError(f"method must be 'auto', 'exhaustive' or 'local', got {method!r}")
    if method == "auto":
        method = "exhaustive" if n <= AUTO_EXHAUSTIVE else "local"
    if method == "exhaustive":
        if n > MAX_EXHAUSTIVE:
            raise ValueError(
                f"exhaustive search over {n} actors means 2**{n - 1} configurations; at most "
                f"{MAX_EXHAUSTIVE} actors are allowed, use method='local'")
        total = 1 << (n - 1)
        codes, basins = _exhaustive(w, tol)
        camps = np.zeros((codes.size, n), dtype=np.int8)
        camps[:, 1:] = (codes[:, None] >> np.arange(n - 1)) & 1
    else:
        if int(n_starts) < 1:
            raise ValueError(f"n_starts must be a positive integer, got {n_starts!r}")
        total = int(n_starts)
        sigma = (1 - 2 * np.random.default_rng(rng).integers(0, 2, size=(total, n)))
        ends = _descend(w, sigma.astype(np.float64), tol)
        mirrored = (ends * ends[:, :1] < 0).astype(np.int8)  # actor 0 in camp 0
        camps, counts = np.unique(mirrored, axis=0, return_counts=True)
        basins = counts.astype(np.int64)
    energies = _energy(w, camps)
    # by energy, then larger basin, then the configuration itself (deterministic order)
    order = np.lexsort((*camps.T[::-1], -basins, energies))
    return LandscapeResult(
        camps=camps[order], energies=energies[order], basin_sizes=basins[order],
        exhaustive=method == "exhaustive", n_configurations=total, actors=names,
    )


# ------------------------------------------------------------------ structural balance


def _signed(a: F64, threshold: float, weighted: bool) -> F64:
    """Ties with ``|a| <= threshold`` removed; signs only unless ``weighted``."""
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be finite and non-negative, got {threshold!r}")
    kept = np.where(np.abs(a) > threshold, a, 0.0)
    return kept if weighted else np.sign(kept)


def structural_balance(
    signed: Matrix, *, threshold: float = 0.0, weighted: bool = False
) -> Any:
    """Share of balanced triads in a signed network (Heider 1946; Cartwright & Harary 1956).

    A triad ``{i, j, k}`` whose three ties are all present is balanced when the product of its
    signs is positive (+++ or +--). With ``S`` the sign matrix (zero diagonal, ``S_ij = 0``
    where ``|A_ij| <= threshold``), ``trace(S^3) / 6`` is the number of balanced minus
    unbalanced triads and ``trace(|S|^3) / 6`` the number of triads, so the index is

    .. math:: T = \\frac{1}{2}\\left(1 + \\frac{\\operatorname{tr} S^3}
              {\\operatorname{tr} |S|^3}\\right),

    the triangle index of Aref & Wilson (2018). With ``weighted=True`` the signed weights
    ``A_ij`` replace the signs, so each triad counts with weight ``|A_ij A_jk A_ki|``: strong
    triads weigh more, and a triad of weak ties hardly counts.

    Parameters
    ----------
    signed : array_like or DataArray, shape (..., n, n)
        Symmetric signed ties (e.g. affinity); any leading batch axes.
    threshold : float
        Ties with ``|A_ij| <= threshold`` are absent.
    weighted : bool
        Weight each triad by the product of its absolute ties.

    Returns
    -------
    float, ndarray or DataArray
        The index in [0, 1]; NaN where no triad has three ties.

    References
    ----------
    Heider, F. (1946). Attitudes and cognitive organization. The Journal of Psychology, 21(1),
    107-112. https://doi.org/10.1080/00223980.1946.9917275

    Cartwright, D., & Harary, F. (1956). Structural balance: a generalization of Heider's
    theory. Psychological Review, 63(5), 277-293. https://doi.org/10.1037/h0046049

    Aref, S., & Wilson, M. C. (2018). Measuring partial balance in signed networks. Journal of
    Complex Networks, 6(4), 566-595. https://doi.org/10.1093/comnet/cnx044

    Examples
    --------
    >>> structural_balance([[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    1.0
    >>> structural_balance([[0, 1, -1], [1, 0, 1], [-1, 1, 0]])
    0.0
    >>> structural_balance([[0, .9, -.1], [.9, 0, .8], [-.1, .8, 0]], threshold=0.2)
    nan
    """
    a, _, da = _matrix(signed, "signed", batch=True)
    s = _signed(a, threshold, weighted)
    cube = np.einsum("...ij,...jk,...ki->...", s, s, s)
    mag = np.abs(s)
    total = np.einsum("...ij,...jk,...ki->...", mag, mag, mag)
    ratio = np.divide(cube, total, out=np.full(np.shape(total), np.nan), where=total > 0)
    return _wrap(0.5 * (1.0 + ratio), da, (ACTOR, ACTOR_TO), "structural_balance")


def frustration_index(
    signed: Matrix,
    camps: ArrayLike | xr.DataArray,
    *,
    threshold: float = 0.0,
    weighted: bool = False,
) -> Any:
    """Ties that violate a partition: positive across camps or negative within one.

    ``F(X) = sum_{i<j} c_ij ([A_ij > 0][X_i != X_j] + [A_ij < 0][X_i = X_j])`` over ties with
    ``|A_ij| > threshold``, where ``c_ij = 1`` (a count) or ``|A_ij|`` with ``weighted=True``.
    A network is balanced exactly when some two-camp partition has ``F = 0`` (Cartwright &
    Harary 1956); the minimum of ``F`` over partitions is the frustration index of Aref &
    Wilson (2018), and minimising the weighted ``F`` is the landscape problem with unit
    sizes (see :func:`landscape_energy` and :func:`landscape_minima`).

    Parameters
    ----------
    signed : array_like or DataArray, shape (n, n)
        Symmetric signed ties.
    camps : array_like or DataArray, shape (..., n)
        Camp label of each actor (any number of camps), with any leading batch.
    threshold : float
        Ties with ``|A_ij| <= threshold`` are absent.
    weighted : bool
        Sum ``|A_ij|`` over violated ties instead of counting them.

    Returns
    -------
    float, ndarray or DataArray
        The frustration of each configuration.

    References
    ----------
    Aref, S., & Wilson, M. C. (2018). Measuring partial balance in signed networks. Journal of
    Complex Networks, 6(4), 566-595. https://doi.org/10.1093/comnet/cnx044

    Examples
    --------
    >>> A = [[0, 1, -1], [1, 0, -1], [-1, -1, 0]]
    >>> frustration_index(A, [0, 0, 1]), frustration_index(A, [0, 1, 1])
    (0.0, 2.0)
    """
    a, _, _ = _matrix(signed, "signed")
    n = a.shape[-1]
    s = _signed(a, threshold, weighted=True)
    c, da = _camps(camps, n)
    same = c[..., :, None] == c[..., None, :]
    bad = ((s > 0) & ~same) | ((s < 0) & same)
    cost = np.abs(s) if weighted else (s != 0).astype(np.float64)
    return _wrap(0.5 * (cost * bad).sum(axis=(-1, -2)), da, (ACTOR,), "frustration")


# ----------------------------------------------------------------------------- blocs


def _louvain(a: F64, resolution: float, seed: int) -> NDArray[np.int64]:
    """Louvain communities of the graph of positive ties (weights ``max(A_ij, 0)``)."""
    import networkx as nx  # lazy: only this method needs it
    from networkx.algorithms.community import louvain_communities

    n = a.shape[-1]
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    iu, ju = np.nonzero(np.triu(a, 1) > 0)
    graph.add_weighted_edges_from(
        (int(i), int(j), float(a[i, j])) for i, j in zip(iu, ju, strict=True))
    parts = louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    labels = np.empty(n, dtype=np.int64)
    for b, members in enumerate(parts):
        labels[list(members)] = b
    return labels


def detect_blocs(
    affinity: Matrix,
    *,
    method: BlocMethod = "spectral",
    threshold: float = 0.3,
    resolution: float = 1.0,
    rng: SeedLike = None,
    actors: Any = None,
) -> Any:
    """Bloc label of each actor, ``0, 1, ...`` in order of first appearance.

    Parameters
    ----------
    affinity : array_like or DataArray, shape (n, n)
        Symmetric affinity; the diagonal is ignored.
    method : {"spectral", "threshold", "louvain"}
        ``"spectral"``: two camps from the sign of the leading eigenvector of the mean-centred
        affinity, :func:`scenarios.rules.bloc_partition` (the spectral relaxation of the
        equal-size landscape problem on :func:`centre_affinity`, as in modularity).
        ``"threshold"``: connected components of the graph ``A_ij > threshold``,
        :func:`scenarios.rules.bloc_labels`. ``"louvain"``: Louvain modularity communities
        (Blondel et al. 2008) of the graph weighted by the positive affinities,
        ``networkx.algorithms.community.louvain_communities`` with ``resolution`` and an
        integer seed drawn from ``rng``; actors without a positive tie are blocs of one.
    threshold : float
        Tie threshold of ``"threshold"``.
    resolution : float
        Modularity resolution of ``"louvain"`` (above 1: smaller blocs).
    rng : int, Generator, SeedSequence or None
        Seed of ``"louvain"`` (SPEC 7); the other methods are deterministic.
    actors : sequence of str, optional
        Actor names; with names (or a DataArray input) the result is a DataArray on ``actor``.

    Returns
    -------
    ndarray of int64 or DataArray, shape (n,)
        Bloc labels; the first actor is in bloc 0.

    References
    ----------
    Blondel, V. D., Guillaume, J.-L., Lambiotte, R., & Lefebvre, E. (2008). Fast unfolding of
    communities in large networks. Journal of Statistical Mechanics, P10008.
    https://doi.org/10.1088/1742-5468/2008/10/P10008

    Newman, M. E. J. (2006). Modularity and community structure in networks. PNAS, 103(23),
    8577-8582. https://doi.org/10.1073/pnas.0601602103

    Examples
    --------
    >>> A = [[1, .9, -.5, -.6], [.9, 1, -.4, -.5], [-.5, -.4, 1, .8], [-.6, -.5, .8, 1]]
    >>> detect_blocs(A).tolist()
    [0, 0, 1, 1]
    >>> detect_blocs(A, method="louvain", rng=0).tolist()
    [0, 0, 1, 1]
    >>> detect_blocs(A, method="threshold", threshold=0.85, actors=list("abcd")).values.tolist()
    [0, 0, 1, 2]
    """
    a, names, da = _matrix(affinity, "affinity")
    n = a.shape[-1]
    names = _actor_names(names, actors, n)
    if method == "spectral":
        raw: NDArray[Any] = rules.bloc_partition(a)
    elif method == "threshold":
        raw = rules.bloc_labels(a, float(threshold))
    elif method == "louvain":
        seed = int(np.random.default_rng(rng).integers(2**32))
        raw = _louvain(a, float(resolution), seed)
    else:
        raise ValueError(
            f"method must be 'spectral', 'threshold' or 'louvain', got {method!r}")
    labels = canonical_labels(raw)
    if names is None and da is None:
        return labels
    coords = {ACTOR: list(names)} if names is not None else None
    return xr.DataArray(labels, dims=[ACTOR], coords=coords, name="bloc",
                        attrs={"method": method})


class BlocDetector:
    """Bloc detection as an estimator: hyper-parameters at construction, ``fit(affinity)``.

    See :func:`detect_blocs` for the methods and parameters.

    Attributes
    ----------
    labels_ : ndarray of int64, shape (n,)
        Bloc of each actor, ``0, 1, ...`` in order of first appearance.
    n_blocs_ : int
        Number of blocs.
    actors_ : tuple of str or None
        Actor names, when the input had them.

    Examples
    --------
    >>> A = [[1, .9, -.5], [.9, 1, -.5], [-.5, -.5, 1]]
    >>> det = BlocDetector(method="threshold").fit(A)
    >>> det.labels_.tolist(), det.n_blocs_
    ([0, 0, 1], 2)
    """

    def __init__(
        self,
        method: BlocMethod = "spectral",
        *,
        threshold: float = 0.3,
        resolution: float = 1.0,
        rng: SeedLike = None,
    ) -> None:
        self.method = method
        self.threshold = threshold
        self.resolution = resolution
        self.rng = rng

    def fit(self, affinity: Matrix, actors: Any = None) -> BlocDetector:
        """Detect the blocs of ``affinity``; returns ``self``."""
        out = detect_blocs(affinity, method=self.method, threshold=self.threshold,
                           resolution=self.resolution, rng=self.rng, actors=actors)
        if isinstance(out, xr.DataArray):
            self.labels_ = np.asarray(out.values, dtype=np.int64)
            self.actors_: tuple[str, ...] | None = (
                tuple(str(a) for a in out[ACTOR].values) if ACTOR in out.coords else None)
        else:
            self.labels_ = out
            self.actors_ = None
        self.n_blocs_ = int(self.labels_.max()) + 1
        return self

    def __repr__(self) -> str:
        return (f"BlocDetector(method={self.method!r}, threshold={self.threshold!r}, "
                f"resolution={self.resolution!r}, rng={self.rng!r})")
