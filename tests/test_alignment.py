"""Alignment analysis (scenarios.analysis.alignment) against cases computed by hand.

Each expected number is worked out in a comment next to it. Property tests check that every
reported minimum really is one and that the measures do not depend on the order of actors;
a smoke test applies the tools to the baseline's starting affinity.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scenarios.analysis import (
    BlocDetector,
    LandscapeResult,
    canonical_labels,
    centre_affinity,
    detect_blocs,
    frustration_index,
    landscape_energy,
    landscape_minima,
    structural_balance,
)

# ----------------------------------------------------------------------------- helpers


def sym(upper: dict[tuple[int, int], float], n: int) -> np.ndarray:
    """Symmetric matrix with the given (i < j) entries, zero elsewhere."""
    a = np.zeros((n, n))
    for (i, j), v in upper.items():
        a[i, j] = a[j, i] = v
    return a


def all_configs(n: int) -> np.ndarray:
    """Every two-camp configuration with actor 0 in camp 0, by brute force."""
    return np.array([(0, *bits) for bits in itertools.product((0, 1), repeat=n - 1)])


def blocks(sizes: list[int], within: float, between: float) -> np.ndarray:
    """Affinity with ``within`` inside consecutive blocks and ``between`` across them."""
    lab = np.repeat(np.arange(len(sizes)), sizes)
    a = np.where(lab[:, None] == lab[None, :], within, between)
    np.fill_diagonal(a, 1.0)
    return a


def random_symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.uniform(-1, 1, (n, n))
    return np.triu(a, 1) + np.triu(a, 1).T


# -------------------------------------------------------------------- landscape energy

# 3 actors, sizes s = (1, 2, 3), propensities p01 = 2, p02 = -1, p12 = 3:
#   w01 = 1*2*2 = 4, w02 = 1*3*(-1) = -3, w12 = 2*3*3 = 18
P3 = sym({(0, 1): 2.0, (0, 2): -1.0, (1, 2): 3.0}, 3)
S3 = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize(("camps", "energy"), [
    ([0, 0, 0], 0.0),         # nobody apart
    ([0, 0, 1], 15.0),        # pairs apart (0,2), (1,2): -3 + 18
    ([0, 1, 0], 22.0),        # (0,1), (1,2): 4 + 18
    ([0, 1, 1], 1.0),         # (0,1), (0,2): 4 - 3
    ([1, 0, 0], 1.0),         # the mirror image of [0, 1, 1]
    ([0, 1, 2], 19.0),        # three camps, all apart: 4 - 3 + 18
])
def test_energy_three_actors(camps: list[int], energy: float) -> None:
    assert landscape_energy(P3, S3, camps) == pytest.approx(energy)


# 4 actors, sizes (2, 1, 1, 2); p01 = 1, p02 = -2, p03 = .5, p12 = -1, p13 = -1, p23 = 3:
#   w01 = 2, w02 = -4, w03 = 2, w12 = -1, w13 = -2, w23 = 6
P4 = sym({(0, 1): 1, (0, 2): -2, (0, 3): 0.5, (1, 2): -1, (1, 3): -1, (2, 3): 3}, 4)
S4 = np.array([2.0, 1.0, 1.0, 2.0])
# energy of every configuration with actor 0 in camp 0 (bits of actors 1, 2, 3):
E4 = {
    (0, 0, 0, 0): 0.0,
    (0, 1, 0, 0): -1.0,   # w01 + w12 + w13 = 2 - 1 - 2
    (0, 0, 1, 0): 1.0,    # w02 + w12 + w23 = -4 - 1 + 6
    (0, 1, 1, 0): 2.0,    # w01 + w02 + w13 + w23 = 2 - 4 - 2 + 6
    (0, 0, 0, 1): 6.0,    # w03 + w13 + w23 = 2 - 2 + 6
    (0, 1, 0, 1): 9.0,    # w01 + w03 + w12 + w23 = 2 + 2 - 1 + 6
    (0, 0, 1, 1): -5.0,   # w02 + w03 + w12 + w13 = -4 + 2 - 1 - 2
    (0, 1, 1, 1): 0.0,    # w01 + w02 + w03 = 2 - 4 + 2
}


def test_energy_four_actors_batch() -> None:
    configs = np.array(list(E4))
    got = landscape_energy(P4, S4, configs)
    assert got.shape == (8,)
    np.testing.assert_allclose(got, list(E4.values()))


def test_minima_four_actors() -> None:
    # (0,0,1,1) at -5 is the only local minimum: each of its four neighbours is higher
    # (flip 0 = mirror (0,1,0,0): -1; flip 1: 0; flip 2: 6; flip 3: 1), and every other
    # configuration has a lower neighbour (e.g. (0,1,0,0) -> flip 0 -> (0,0,1,1)). So all
    # 8 configurations descend to it.
    res = landscape_minima(P4, S4)
    assert isinstance(res, LandscapeResult) and res.exhaustive
    assert res.camps.tolist() == [[0, 0, 1, 1]]
    assert res.energies.tolist() == [-5.0]
    assert res.basin_sizes.tolist() == [8]
    assert res.n_configurations == 8 and np.isnan(res.energy_gap)


def test_two_obvious_camps() -> None:
    # +1 inside {0,1,2} and {3,4,5}, -1 across: the split puts the 9 negative pairs apart,
    # E = 9 * (-1) = -9, and nothing can be lower (only negative pairs can lower E).
    a = blocks([3, 3], 1.0, -1.0)
    res = landscape_minima(a)
    assert res.global_minimum.tolist() == [0, 0, 0, 1, 1, 1]
    assert res.global_energy == -9.0
    assert res.sides() == (("0", "1", "2"), ("3", "4", "5"))


def test_frustrated_triangle() -> None:
    # p = -1 on all three pairs, unit sizes. Configurations with actor 0 in camp 0:
    #   (0,0,0): E = 0; (0,0,1), (0,1,0), (0,1,1): two pairs apart, E = -2.
    # From each -2 configuration a flip gives (0,0,0) at 0 or another -2 configuration,
    # so all three are (weak) local minima; (0,0,0) is not. Its steepest descent flips the
    # lowest index on the tie (actor 0), reaching the mirror of (0,1,1): basins 2, 1, 1.
    a = sym({(0, 1): -1, (0, 2): -1, (1, 2): -1}, 3)
    res = landscape_minima(a)
    assert res.camps.tolist() == [[0, 1, 1], [0, 0, 1], [0, 1, 0]]
    assert res.energies.tolist() == [-2.0, -2.0, -2.0]
    assert res.basin_sizes.tolist() == [2, 1, 1]
    assert res.energy_gap == 0.0
    # frustration of (0,0,1): the negative tie (0,1) inside a camp; E = F_w - 3 = -2
    assert frustration_index(a, [0, 0, 1]) == 1.0
    assert frustration_index(a, [0, 0, 1], weighted=True) - 3.0 == landscape_energy(
        a, None, [0, 0, 1])


@pytest.mark.parametrize("n", range(8, 13))
def test_local_search_finds_exhaustive_global_minimum(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    p = random_symmetric(rng, n)
    sizes = rng.uniform(0.1, 2.0, n)
    ex = landscape_minima(p, sizes, method="exhaustive")
    loc = landscape_minima(p, sizes, method="local", n_starts=3000, rng=n)
    assert not loc.exhaustive and loc.basin_sizes.sum() == 3000
    assert loc.global_energy == pytest.approx(ex.global_energy)
    assert loc.global_minimum.tolist() == ex.global_minimum.tolist()
    # every minimum the local search finds is one of the exhaustive list
    assert {tuple(c) for c in loc.camps} <= {tuple(c) for c in ex.camps}
    # brute force over all configurations, independent of the search code
    assert ex.global_energy == pytest.approx(
        landscape_energy(p, sizes, all_configs(n)).min())


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 8),
    seed=st.integers(0, 2**32 - 1),
    unit=st.booleans(),
    method=st.sampled_from(["exhaustive", "local"]),
)
def test_minima_are_local_minima(n: int, seed: int, unit: bool, method: str) -> None:
    rng = np.random.default_rng(seed)
    p = np.round(random_symmetric(rng, n), 1)  # rounding makes ties and plateaus likely
    sizes = None if unit else rng.uniform(0.0, 1.0, n)
    res = landscape_minima(p, sizes, method=method, n_starts=50, rng=seed)  # type: ignore[arg-type]
    np.testing.assert_allclose(res.energies, landscape_energy(p, sizes, res.camps))
    assert (np.diff(res.energies) >= 0).all()
    assert (res.camps[:, 0] == 0).all()
    flips = np.array([np.where(np.arange(n) == k, 1 - res.camps, res.camps)
                      for k in range(n)])               # (k, minimum, actor)
    flipped = landscape_energy(p, sizes, flips)
    scale = np.abs(p).sum()
    assert (flipped >= res.energies[None, :] - 1e-9 * scale).all()
    if method == "exhaustive":
        assert res.basin_sizes.sum() == 2 ** (n - 1)
        brute = landscape_energy(p, sizes, all_configs(n))
        assert res.global_energy == pytest.approx(brute.min(), abs=1e-12)


def test_local_search_is_deterministic_for_a_given_rng() -> None:
    p = random_symmetric(np.random.default_rng(5), 30)
    a = landscape_minima(p, method="local", n_starts=200, rng=7)
    b = landscape_minima(p, method="local", n_starts=200, rng=np.random.default_rng(7))
    assert not a.exhaustive  # 30 actors: auto would be local too
    np.testing.assert_array_equal(a.camps, b.camps)
    np.testing.assert_array_equal(a.basin_sizes, b.basin_sizes)
    assert landscape_minima(p, n_starts=200, rng=7).camps.tolist() == a.camps.tolist()


def test_landscape_with_dataarrays() -> None:
    names = ["A", "B", "C", "D"]
    da = xr.DataArray(P4, dims=("actor", "actor_to"),
                      coords={"actor": names, "actor_to": names})
    res = landscape_minima(da.transpose("actor_to", "actor"), S4)  # any dim order
    assert res.actors == tuple(names)
    assert res.sides() == (("A", "B"), ("C", "D"))
    ds = res.to_xarray()
    assert ds["camp"].sel(minimum=0, actor="C").item() == 1
    assert ds["energy"].item() == -5.0
    camps = xr.DataArray(np.array(list(E4)), dims=("config", "actor"),
                         coords={"config": np.arange(8), "actor": names})
    energy = landscape_energy(da, xr.DataArray(S4, dims="actor"), camps)
    assert isinstance(energy, xr.DataArray) and energy.dims == ("config",)
    np.testing.assert_allclose(energy.values, list(E4.values()))


# ------------------------------------------------------------------- structural balance


def test_balanced_and_unbalanced_triangles() -> None:
    assert structural_balance(sym({(0, 1): 1, (0, 2): 1, (1, 2): 1}, 3)) == 1.0    # +++
    assert structural_balance(sym({(0, 1): 1, (0, 2): 1, (1, 2): -1}, 3)) == 0.0   # ++-
    assert structural_balance(sym({(0, 1): 1, (0, 2): -1, (1, 2): -1}, 3)) == 1.0  # +--
    assert structural_balance(sym({(0, 1): -1, (0, 2): -1, (1, 2): -1}, 3)) == 0.0  # ---


# 4 nodes, a01 = .5, a02 = 1, a03 = -1, a12 = -1, a13 = -.1, a23 = .5. Triads (signs, product):
#   {0,1,2}: + + -  -> unbalanced, weight .5 * 1 * 1 = .5
#   {0,1,3}: + - -  -> balanced,   weight .5 * .1 * 1 = .05
#   {0,2,3}: + - +  -> unbalanced, weight 1 * 1 * .5 = .5
#   {1,2,3}: - - +  -> balanced,   weight 1 * .1 * .5 = .05
Q4 = sym({(0, 1): .5, (0, 2): 1, (0, 3): -1, (1, 2): -1, (1, 3): -.1, (2, 3): .5}, 4)


def test_balance_four_nodes() -> None:
    assert structural_balance(Q4) == pytest.approx(2 / 4)
    assert structural_balance(Q4, weighted=True) == pytest.approx(0.1 / 1.1)
    # threshold .2 removes (1,3): left are {0,1,2} and {0,2,3}, both unbalanced
    assert structural_balance(Q4, threshold=0.2) == 0.0
    # threshold .5 also removes (0,1) and (2,3): no triad has three ties
    assert np.isnan(structural_balance(Q4, threshold=0.5))
    # |a| <= threshold is no tie: at exactly .1 the tie (1,3) is gone
    assert structural_balance(Q4, threshold=0.1) == 0.0


def test_balance_batch_and_dataarray() -> None:
    stack = np.stack([Q4, np.abs(Q4)])
    np.testing.assert_allclose(structural_balance(stack), [0.5, 1.0])
    da = xr.DataArray(stack, dims=("step", "actor", "actor_to"), coords={"step": [0, 7]})
    out = structural_balance(da)
    assert isinstance(out, xr.DataArray) and out.dims == ("step",)
    assert out.sel(step=7).item() == 1.0


@settings(max_examples=40, deadline=None)
@given(
    a=arrays(np.float64, (6, 6), elements=st.sampled_from([-1.0, -0.4, 0.0, 0.3, 0.9])),
    perm=st.permutations(range(6)),
    camps=st.lists(st.integers(0, 1), min_size=6, max_size=6),
)
def test_measures_invariant_under_relabelling(
    a: np.ndarray, perm: list[int], camps: list[int]
) -> None:
    a = np.triu(a, 1) + np.triu(a, 1).T
    idx = np.array(perm)
    b = a[np.ix_(idx, idx)]
    c = np.array(camps)
    for kw in ({}, {"weighted": True}, {"threshold": 0.35}):
        x, y = structural_balance(a, **kw), structural_balance(b, **kw)
        assert (np.isnan(x) and np.isnan(y)) or x == pytest.approx(y)
        assert frustration_index(a, c, **kw) == pytest.approx(frustration_index(b, c[idx], **kw))
    assert landscape_energy(a, None, c) == pytest.approx(landscape_energy(b, None, c[idx]))
    # energy = weighted frustration - total weight of negative ties (unit sizes)
    neg = -np.triu(np.minimum(a, 0), 1).sum()
    assert landscape_energy(a, None, c) == pytest.approx(
        frustration_index(a, c, weighted=True) - neg)


# ------------------------------------------------------------------------------- blocs


@pytest.mark.parametrize("method", ["spectral", "threshold", "louvain"])
def test_all_methods_recover_two_blocks(method: str) -> None:
    a = blocks([3, 4], 0.9, -0.5)
    got = detect_blocs(a, method=method, rng=0)  # type: ignore[arg-type]
    assert got.tolist() == [0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("method", ["threshold", "louvain"])
def test_three_blocks_with_friendly_ties_across(method: str) -> None:
    # weak positive ties between blocks: below the threshold, and modularity still splits
    a = blocks([4, 3, 5], 0.9, 0.1)
    got = detect_blocs(a, method=method, rng=1)  # type: ignore[arg-type]
    assert got.tolist() == [0] * 4 + [1] * 3 + [2] * 5


def test_labels_are_normalised() -> None:
    # actors of three blocks shuffled: labels follow first appearance, whatever the method
    a = blocks([2, 2, 2], 0.9, -0.2)
    order = np.array([4, 2, 0, 5, 3, 1])  # block of each actor: 2, 1, 0, 2, 1, 0
    b = a[np.ix_(order, order)]
    assert detect_blocs(b, method="threshold").tolist() == [0, 1, 2, 0, 1, 2]
    assert detect_blocs(b, method="louvain", rng=3).tolist() == [0, 1, 2, 0, 1, 2]
    assert detect_blocs(b, method="spectral")[0] == 0
    assert canonical_labels([[3, 3, 1], [-2, 0, 0]]).tolist() == [[0, 0, 1], [0, 1, 1]]


def test_blocs_dataarray_in_dataarray_out() -> None:
    names = ["USA", "GBR", "RUS", "CHN"]
    a = blocks([2, 2], 0.8, -0.6)
    da = xr.DataArray(a, dims=("actor", "actor_to"),
                      coords={"actor": names, "actor_to": names})
    out = detect_blocs(da, method="louvain", rng=0)
    assert isinstance(out, xr.DataArray) and out.dims == ("actor",)
    assert out["actor"].values.tolist() == names
    assert out.sel(actor="CHN").item() == out.sel(actor="RUS").item() == 1
    named = detect_blocs(a, actors=names)
    assert isinstance(named, xr.DataArray) and named.values.tolist() == [0, 0, 1, 1]
    det = BlocDetector("threshold", threshold=0.5).fit(da)
    assert det.labels_.tolist() == [0, 0, 1, 1] and det.n_blocs_ == 2
    assert det.actors_ == tuple(names)
    assert "threshold" in repr(det)
    bare = detect_blocs(xr.DataArray(a, dims=("actor", "actor_to")))  # no coordinates
    assert isinstance(bare, xr.DataArray) and bare.values.tolist() == [0, 0, 1, 1]
    assert BlocDetector().fit(xr.DataArray(a, dims=("actor", "actor_to"))).actors_ is None


def test_louvain_is_deterministic_for_a_given_rng() -> None:
    a = np.abs(random_symmetric(np.random.default_rng(3), 25))
    first = detect_blocs(a, method="louvain", rng=11)
    assert first.tolist() == detect_blocs(a, method="louvain", rng=11).tolist()
    gen = detect_blocs(a, method="louvain", rng=np.random.default_rng(11))
    assert gen.tolist() == first.tolist()


def test_centre_affinity() -> None:
    # off-diagonal mean of [[1, .8, .2], [.8, 1, .2], [.2, .2, 1]] is (.8 + .2 + .2) * 2 / 6 = .4
    a = np.array([[1, .8, .2], [.8, 1, .2], [.2, .2, 1]])
    np.testing.assert_allclose(centre_affinity(a), [[0, .4, -.2], [.4, 0, -.2], [-.2, -.2, 0]])
    da = xr.DataArray(a, dims=("actor", "actor_to"))
    assert isinstance(centre_affinity(da), xr.DataArray)
    # all friendly, so the grand coalition is the raw minimum; centred, the odd one out leaves
    assert landscape_minima(a).global_minimum.tolist() == [0, 0, 0]
    assert landscape_minima(centre_affinity(a)).global_minimum.tolist() == [0, 0, 1]


# -------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(("call", "match"), [
    (lambda: landscape_minima(np.zeros((3, 4))), "square"),
    (lambda: landscape_minima(np.zeros(3)), "shape"),
    (lambda: landscape_minima(np.zeros((0, 0))), "no actors"),
    (lambda: landscape_minima(np.array([[0, 1], [0.5, 0]])), "symmetric"),
    (lambda: landscape_minima(np.array([[0, np.nan], [np.nan, 0]])), "NaN"),
    (lambda: landscape_minima(np.zeros((25, 25)), method="exhaustive"), "method='local'"),
    (lambda: landscape_minima(np.zeros((3, 3)), method="anneal"), "method"),  # type: ignore[arg-type]
    (lambda: landscape_minima(np.zeros((3, 3)), method="local", n_starts=0), "n_starts"),
    (lambda: landscape_minima(np.zeros((3, 3)), [1, -1, 1]), "non-negative"),
    (lambda: landscape_minima(np.zeros((3, 3)), [1, 1]), "sizes"),
    (lambda: landscape_minima(np.zeros((3, 3)), actors=["a"]), "actors"),
    (lambda: landscape_energy(np.zeros((3, 3)), None, [0, 1]), "camps"),
    (lambda: structural_balance(np.zeros((3, 3)), threshold=-1), "threshold"),
    (lambda: detect_blocs(np.zeros((3, 3)), method="kmeans"), "method"),  # type: ignore[arg-type]
    (lambda: detect_blocs(xr.DataArray(np.zeros((2, 2)), dims=("a", "b"))), "actor_to"),
    (lambda: detect_blocs(np.zeros((2, 3, 3))), "shape"),
])
def test_bad_inputs_raise_clear_errors(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


# ------------------------------------------------------------------------ the baseline


def test_baseline_initial_affinity(world: object) -> None:
    from scenarios.world import initial_state

    state = initial_state(world)  # type: ignore[arg-type]
    codes = list(world.codes)  # type: ignore[attr-defined]
    cap = np.asarray(world.capability0)  # type: ignore[attr-defined]
    a = np.asarray(state.affinity)
    usa, rus, chn = codes.index("USA"), codes.index("RUS"), codes.index("CHN")

    raw = landscape_minima(a, cap, actors=codes)
    assert raw.exhaustive and raw.basin_sizes.sum() == 2**19
    g = raw.global_minimum
    assert g[usa] != g[rus] and g[usa] != g[chn]

    centred = landscape_minima(centre_affinity(a), cap, actors=codes)
    camp0, camp1 = (set(side) for side in centred.sides())
    west, rest = (camp0, camp1) if "USA" in camp0 else (camp1, camp0)
    assert {"USA", "JPN", "KOR", "GBR", "FRA", "DEU", "UKR"} <= west
    assert {"RUS", "CHN", "PRK", "IRN", "BLR"} <= rest
    local = landscape_minima(centre_affinity(a), cap, method="local", n_starts=500, rng=0)
    assert local.global_minimum.tolist() == centred.global_minimum.tolist()

    assert 0.5 < structural_balance(a) <= 1.0
    for method in ("spectral", "louvain"):
        blocs = detect_blocs(a, method=method, rng=0)
        assert blocs[usa] != blocs[rus] and blocs[rus] == blocs[chn]
