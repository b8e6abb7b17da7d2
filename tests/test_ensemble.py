"""Tests of scenarios.ensemble: layout, seeding, failures, storage and the summary."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from scenarios import ensemble
from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.ensemble import (
    ACTOR_VARIABLES,
    DYAD_VARIABLES,
    load_results,
    outcome_shares,
    run_replications,
    summary_table,
    wilson_interval,
    write_results,
)
from scenarios.model import ScenarioModel
from scenarios.outcomes import OUTCOME_CLASSES, STEP_VARIABLES
from scenarios.random import run_key

STEPS = 6
N = 3
SEED = 11


@pytest.fixture(scope="module")
def tiny() -> ScenarioConfig:
    return parse_config({**builtin_config("baseline").to_dict(), "steps": STEPS})


@pytest.fixture(scope="module")
def ds(tiny: ScenarioConfig) -> xr.Dataset:
    return run_replications(tiny, n_replications=N, rng=SEED, progress=False)


def test_layout(ds: xr.Dataset, tiny: ScenarioConfig) -> None:
    assert dict(ds.sizes) == {"replication": N, "step": STEPS + 1, "actor": 20,
                              "actor_to": 20, "spawn_key_level": 1}
    assert ds["date"].dims == ("step",)
    assert ds["date"].values[0] == str(tiny.start)
    assert ds["date"].values[-1] == str(tiny.start + STEPS)
    assert list(ds["actor"].values[:3]) == ["RUS", "PRK", "CHN"]
    assert ds["actor_name"].sel(actor="PRK").item() == "North Korea"
    for name in STEP_VARIABLES:
        assert ds[name].dims == ("replication", "step")
        assert ds[name].attrs["description"] and ds[name].attrs["units"]
    for name in ACTOR_VARIABLES:
        assert ds[name].dims == ("replication", "step", "actor")
    for name in DYAD_VARIABLES:
        assert ds[name].dims == ("replication", "step", "actor", "actor_to")
    assert ds["rung"].dtype == np.int8
    assert ds["sanctions"].dtype == ds["arms"].dtype == ds["food_flow"].dtype == np.float32
    assert set(ds["outcome_class"].values) <= set(OUTCOME_CLASSES)
    assert ds["outcome_class"].dtype.kind == "U"
    assert list(ds["status"].values) == ["ok"] * N
    for key in ("outcome_max_rung", "outcome_polarization", "outcome_arms_prk_rus_total",
                "outcome_tech_prk_missiles", "outcome_vetoes", "outcome_code"):
        assert ds[key].dims == ("replication",)
    assert ds["seed_spawn_key"].values[:, -1].tolist() == list(range(N))


def test_attrs_provenance_and_netcdf_safe(ds: xr.Dataset, tiny: ScenarioConfig) -> None:
    import scenarios

    assert ds.attrs["scenarios_version"] == scenarios.__version__
    assert ds.attrs["mesa_version"].startswith("3.")
    assert ds.attrs["numpy_version"] == np.__version__
    assert ds.attrs["seed_entropy"] == str(SEED)
    assert parse_config(__import__("yaml").safe_load(ds.attrs["config_yaml"])) == tiny
    assert not any("time" in k or "created" in k for k in ds.attrs)
    for value in ds.attrs.values():
        assert isinstance(value, str | int | float)
    for var in ds.variables.values():
        for value in var.attrs.values():
            assert isinstance(value, str | int | float)


def test_model_vars_match_a_single_run(ds: xr.Dataset, tiny: ScenarioConfig) -> None:
    child = np.random.SeedSequence(SEED).spawn(N)[1]
    model = ScenarioModel(tiny, rng=child).run()
    frame = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_array_equal(ds["polarization"].sel(replication=1).values,
                                  frame["polarization"].to_numpy())
    np.testing.assert_array_equal(ds["rung"].sel(replication=1).isel(step=-1).values,
                                  model.state.rung)
    assert ds["outcome_class"].sel(replication=1).item() == model.outcomes()["outcome_class"]


def test_seed_sequence_argument_is_not_modified(tiny: ScenarioConfig) -> None:
    root = np.random.SeedSequence(SEED)
    a = run_replications(tiny, n_replications=2, rng=root, progress=False)
    assert root.n_children_spawned == 0
    b = run_replications(tiny, n_replications=2, rng=SEED, progress=False)
    xr.testing.assert_identical(a, b)


def test_same_seed_identical_after_write_and_load(
    ds: xr.Dataset, tiny: ScenarioConfig, tmp_path: Path
) -> None:
    again = run_replications(tiny, n_replications=N, rng=SEED, progress=False)
    a = load_results(write_results(ds, tmp_path / "a"))
    b = load_results(write_results(again, tmp_path / "b"))
    xr.testing.assert_identical(a, b)
    xr.testing.assert_identical(a, ds)  # the file round-trips exactly
    other = run_replications(tiny, n_replications=N, rng=SEED + 1, progress=False)
    assert not other.equals(ds)
    assert not np.array_equal(other["rung"].values, ds["rung"].values) or not np.array_equal(
        other["alignment"].values, ds["alignment"].values)


def test_none_seed_records_entropy(tiny: ScenarioConfig) -> None:
    a = run_replications(tiny, n_replications=1, rng=None, progress=False)
    b = run_replications(tiny, n_replications=1, rng=int(a.attrs["seed_entropy"]),
                         progress=False)
    xr.testing.assert_identical(a, b)


def test_failed_replication_is_recorded(
    tiny: ScenarioConfig, ds: xr.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = run_key(np.random.SeedSequence(SEED).spawn(N)[1]).tolist()
    original = ScenarioModel.step

    def step(self: ScenarioModel) -> None:
        if self.key.tolist() == bad and self.steps >= 3:
            raise RuntimeError("boom in month 3")
        original(self)

    monkeypatch.setattr(ScenarioModel, "step", step)
    out = run_replications(tiny, n_replications=N, rng=SEED, progress=False)
    assert list(out["status"].values) == ["ok", "failed", "ok"]
    assert out["error"].values[1] == "RuntimeError: boom in month 3"
    assert "Traceback" in out["traceback"].values[1]
    assert out.attrs["n_failed"] == 1
    assert out["outcome_class"].values[1] == ""
    assert out["outcome_code"].values[1] == -1
    assert np.isnan(out["outcome_max_rung"].values[1])
    # recorded up to the failure, missing after it
    assert np.isfinite(out["polarization"].values[1, :3]).all()
    assert np.isnan(out["polarization"].values[1, 4:]).all()
    assert (out["rung"].values[1, 4:] == -1).all()
    # the others are complete, and the same as without the failure
    assert np.isfinite(out["polarization"].values[[0, 2]]).all()
    strings = ["error", "traceback", "status", "outcome_class"]  # their widths differ
    xr.testing.assert_identical(
        out.isel(replication=[0, 2]).drop_vars(strings).assign_attrs(n_failed=0),
        ds.isel(replication=[0, 2]).drop_vars(strings))
    table = summary_table(out)
    assert (table["n"] == N - 1).all()


def test_progress_is_quiet_off_a_terminal(
    tiny: ScenarioConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    run_replications(tiny, n_replications=1, rng=1, progress=True)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("progress", [True, False])
def test_progress_bar_on_a_terminal(
    tiny: ScenarioConfig, monkeypatch: pytest.MonkeyPatch, progress: bool
) -> None:
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    run_replications(tiny, n_replications=2, rng=1, progress=progress)
    text = term.getvalue()
    if progress:
        assert "2/2" in text and "run/s" in text
    else:
        assert text == ""


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_bad_n_replications(tiny: ScenarioConfig, n: object) -> None:
    with pytest.raises(ValueError, match="n_replications"):
        run_replications(tiny, n_replications=n, rng=1, progress=False)  # type: ignore[arg-type]


def test_bad_rng_and_override(tiny: ScenarioConfig) -> None:
    with pytest.raises(TypeError, match="rng"):
        run_replications(tiny, n_replications=1, rng="seed",  # type: ignore[arg-type]
                         progress=False)
    with pytest.raises(TypeError, match="unknown override"):
        run_replications(tiny, n_replications=1, rng=1, progress=False,
                         overrides={"no_such_lever": 1})


def test_overrides_are_stored_in_the_config(tiny: ScenarioConfig) -> None:
    out = run_replications(tiny, n_replications=1, rng=1, progress=False,
                           overrides={"us_offer": 0.5})
    assert "us_offer: 0.5" in out.attrs["config_yaml"]


def test_write_is_atomic(ds: xr.Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                         ) -> None:
    path = write_results(ds, tmp_path / "new" / "dir")
    assert path == tmp_path / "new" / "dir" / "results.nc"
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.nc"]

    def broken(self: xr.Dataset, target: object, **kwargs: object) -> None:
        Path(str(target)).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        write_results(ds, tmp_path / "broken")
    assert list((tmp_path / "broken").iterdir()) == []


def test_load_results_accepts_a_directory(ds: xr.Dataset, tmp_path: Path) -> None:
    write_results(ds, tmp_path)
    xr.testing.assert_identical(load_results(tmp_path), ds)


# --- Wilson interval and the summary ----------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "lower", "upper"),
    [
        (5, 10, 0.2366, 0.7634),  # hand-computed with z = 1.959964
        (0, 20, 0.0, 0.1611),
        (20, 20, 0.8389, 1.0),
        (1, 3, 0.0615, 0.7923),
    ],
)
def test_wilson_against_hand_computed_values(k: int, n: int, lower: float, upper: float
                                             ) -> None:
    lo, hi = wilson_interval(k, n)
    assert float(lo) == pytest.approx(lower, abs=5e-5)
    assert float(hi) == pytest.approx(upper, abs=5e-5)


def test_wilson_edge_cases() -> None:
    lo, hi = wilson_interval([0, 3], [0, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    narrow = wilson_interval(5, 10, confidence=0.5)
    wide = wilson_interval(5, 10, confidence=0.99)
    assert wide[0] < narrow[0] < 0.5 < narrow[1] < wide[1]
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=1.0)


@given(n=st.integers(1, 10_000), data=st.data())
def test_wilson_contains_the_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= float(lo) <= k / n + 1e-12
    assert k / n - 1e-12 <= float(hi) <= 1.0


def test_summary_table(ds: xr.Dataset) -> None:
    table = summary_table(ds)
    shares = table[table["statistic"] == "share"]
    assert list(shares.index) == [f"share {c}" for c in OUTCOME_CLASSES]
    assert shares["estimate"].sum() == pytest.approx(1.0)
    assert (shares["lower"] <= shares["estimate"]).all()
    assert (shares["estimate"] <= shares["upper"]).all()
    means = table[table["statistic"] == "mean"]
    for name in ("max_rung", "polarization", "effective_poles", "arms_prk_rus_total",
                 "tech_prk_missiles", "tech_prk_satellites", "tech_prk_submarines",
                 "econ_loss_rus", "vetoes"):
        row = means.loc[name]
        tol = 1e-12 * max(1.0, abs(row["estimate"]))
        assert row["lower"] - tol <= row["estimate"] <= row["upper"] + tol
        assert row["estimate"] == pytest.approx(float(ds[f"outcome_{name}"].mean()))
    assert (table["n"] == N).all()


def test_outcome_shares_counts(ds: xr.Dataset) -> None:
    tab = outcome_shares(ds)
    assert int(tab["count"].sum()) == N
    assert list(tab.index) == list(OUTCOME_CLASSES)


def test_reading_results_does_not_import_mesa() -> None:
    code = ("import sys, scenarios.ensemble, scenarios.plot; "
            "print('mesa' in sys.modules, 'scenarios.model' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_module_all_is_importable() -> None:
    for name in ensemble.__all__:
        assert hasattr(ensemble, name)
