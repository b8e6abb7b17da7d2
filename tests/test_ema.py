"""Exchange with EMA Workbench (scenarios.analysis.ema).

The pair and the archive are checked against EMA Workbench 3.0 itself where it is installed:
its ``load_results`` reads our archive, its ``save_results`` writes the same bytes as ours, our
reader reads its archives (of ``perform_experiments`` and of a ``ReplicatorModel``), and its
PRIM and feature scoring run on our pair. The round trips use a small real experiment.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from scenarios.analysis import (
    class_probabilities,
    discover,
    ema_outcomes,
    feature_scores,
    from_ema,
    load_ema_archive,
    read_ema_pair,
    save_ema_archive,
    to_ema,
)
from scenarios.config import builtin_config, parse_config
from scenarios.experiment import run_experiment

BOOKKEEPING = ["scenario", "policy", "model"]


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    """experiment_demo over 3 months: 4 scenarios x 2 policies x 2 replications, with step,
    actor and dyad records."""
    data = builtin_config("experiment_demo").to_dict()
    data["steps"] = 3
    data["experiment"]["record"] = {
        "steps": ["max_rung", "polarization"],
        "actors": ["alignment"],
        "dyads": ["rung", "sanctions"],
    }
    return run_experiment(parse_config(data), n_samples=4, n_replications=2, rng=11, progress=False)


@pytest.fixture(scope="module")
def failed(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with run (3, 1) failed as the runner records it."""
    out = ds.copy(deep=True)
    for name, var in out.data_vars.items():
        if var.dims[:2] == ("experiment", "replication") and var.dtype.kind == "f":
            out[name][3, 1] = np.nan
    out["outcome_code"][3, 1] = -1
    out["outcome_class"] = out["outcome_class"].astype("<U21")
    out["outcome_class"][3, 1] = ""
    for name, text in (
        ("status", "failed"),
        ("error", "ValueError: boom"),
        ("traceback", "Traceback (most recent call last):\n  ...\nValueError"),
    ):
        values = out[name].values.astype(object)
        values[3, 1] = text
        out[name] = (out[name].dims, values.astype(str), out[name].attrs)
    out.attrs["n_failed"] = 1
    return out


def _ema() -> Any:
    ema = pytest.importorskip("ema_workbench")
    return ema


def _quiet_ema() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _ema()


# --- the pair -------------------------------------------------------------------------------


def test_to_ema_rows_are_runs_experiment_major(ds: xr.Dataset) -> None:
    experiments, outcomes = to_ema(ds)
    n_exp, n_rep = ds.sizes["experiment"], ds.sizes["replication"]
    assert len(experiments) == n_exp * n_rep == 16
    assert list(experiments.columns) == [
        "threat_rate",
        "nuclear_threshold",
        "china_support_russia",
        "treaty",
        "us_offer",
        *BOOKKEEPING,
    ]
    for i in range(n_exp):
        for r in range(n_rep):
            row = i * n_rep + r
            assert experiments["threat_rate"].iloc[row] == ds["threat_rate"].values[i]
            assert experiments["scenario"].iloc[row] == ds["scenario_id"].values[i]
            assert experiments["policy"].iloc[row] == ds["policy_id"].values[i]
            assert outcomes["outcome_polarization"][row] == ds["outcome_polarization"].values[i, r]
            np.testing.assert_array_equal(outcomes["sanctions"][row], ds["sanctions"].values[i, r])
    assert set(experiments["model"]) == {"experiment_demo"}


def test_to_ema_types_like_ema(ds: xr.Dataset) -> None:
    experiments, outcomes = to_ema(ds)
    dtypes = {k: str(v) for k, v in experiments.dtypes.items()}
    assert dtypes == {
        "threat_rate": "float64",
        "nuclear_threshold": "float64",
        "china_support_russia": "float64",
        "treaty": "bool",
        "us_offer": "float64",
        "scenario": "category",
        "policy": "category",
        "model": "category",
    }
    # scenario and policy names are the integer ids, as EMA numbers its samples
    assert experiments["scenario"].cat.categories.tolist() == [0, 1, 2, 3]
    shapes = {k: v.shape for k, v in outcomes.items()}
    assert shapes["outcome_max_rung"] == (16,)
    assert shapes["outcome_class"] == (16,)
    assert shapes["status"] == (16,)
    assert shapes["max_rung"] == (16, 4)
    assert shapes["alignment"] == (16, 4, 20)
    assert shapes["rung"] == (16, 4, 20, 20)
    # provenance is not an outcome
    assert not {"error", "traceback", "seed_spawn_key"} & set(outcomes)


def test_no_levers_writes_policy_none_as_ema_does(ds: xr.Dataset) -> None:
    one = ds.isel(experiment=ds["policy_id"].values == 0)
    one = one.drop_vars("us_offer")
    experiments, _ = to_ema(one)
    assert set(experiments["policy"].astype(str)) == {"None"}
    xr.testing.assert_identical(from_ema(*to_ema(one)), one)


def test_round_trip_in_memory(ds: xr.Dataset) -> None:
    xr.testing.assert_identical(from_ema(*to_ema(ds)), ds)
    back = from_ema(*to_ema(ds))
    assert {k: v.dtype for k, v in back.variables.items()} == {
        k: v.dtype for k, v in ds.variables.items()
    }


def test_round_trip_keeps_a_failed_run(failed: xr.Dataset) -> None:
    experiments, outcomes = to_ema(failed)
    assert outcomes["status"][7] == "failed" and np.isnan(outcomes["outcome_max_rung"][7])
    back = from_ema(experiments, outcomes)
    xr.testing.assert_identical(back, failed)
    assert back["error"].values[3, 1] == "ValueError: boom"


def test_round_trip_survives_reordered_experiments(ds: xr.Dataset) -> None:
    experiments, outcomes = to_ema(ds)
    n_rep = ds.sizes["replication"]
    # experiments in reverse order, the replications of each still in order
    order = np.concatenate(
        [np.arange(i * n_rep, (i + 1) * n_rep) for i in reversed(range(ds.sizes["experiment"]))]
    )
    shuffled = experiments.iloc[order].reset_index(drop=True)
    xr.testing.assert_identical(from_ema(shuffled, {k: v[order] for k, v in outcomes.items()}), ds)


def test_from_ema_without_metadata_feeds_the_analysis(failed: xr.Dataset) -> None:
    experiments, outcomes = to_ema(failed)
    bare = from_ema(experiments, outcomes, metadata=False)
    # levers are found as the inputs constant within each policy
    assert bare["us_offer"].attrs["role"] == "lever"
    assert bare["treaty"].attrs["role"] == "uncertainty"
    assert bare.attrs["scenario"] == "experiment_demo"
    np.testing.assert_array_equal(bare["outcome_polarization"], failed["outcome_polarization"])
    np.testing.assert_array_equal(bare["status"], failed["status"])
    np.testing.assert_array_equal(bare["scenario_id"], failed["scenario_id"])
    assert bare["alignment"].dims == ("experiment", "replication", "step", "alignment_dim_2")

    mine, theirs = class_probabilities(failed), class_probabilities(bare)
    assert theirs.attrs["n_failed"] == 1
    # without our metadata the list of classes (outcome_code's attrs) is lost: only the
    # classes observed are reported, with the same counts
    observed = theirs["outcome_class"].values
    assert set(observed) == set(np.unique(failed["outcome_class"])) - {""}
    np.testing.assert_array_equal(theirs["count"], mine["count"].sel(outcome_class=observed))

    s_mine = feature_scores(failed, "polarization", n_boot=50, rng=3)
    s_bare = feature_scores(bare, "polarization", n_boot=50, rng=3)
    np.testing.assert_allclose(s_bare.values, s_mine.values)

    median = float(np.nanmedian(failed["outcome_polarization"]))
    p_mine = discover(failed, "outcome_polarization", condition=lambda v: v > median)
    p_bare = discover(bare, "outcome_polarization", condition=lambda v: v > median)
    pd.testing.assert_frame_equal(p_bare.trajectory_, p_mine.trajectory_)


def test_from_ema_accepts_masked_outcomes_as_failed_runs() -> None:
    experiments = pd.DataFrame(
        {
            "a": [0.1, 0.5, 0.9],
            "scenario": pd.Categorical([0, 1, 2]),
            "policy": pd.Categorical(["None"] * 3),
            "model": pd.Categorical(["m"] * 3),
        }
    )
    y = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    ts = np.ma.masked_array(np.arange(6.0).reshape(3, 2), mask=[[0, 0], [1, 1], [0, 1]])
    ds = from_ema(experiments, {"y": y, "ts": ts})
    assert ds["status"].values[:, 0].tolist() == ["ok", "failed", "ok"]
    assert ds.attrs["n_failed"] == 1
    assert np.isnan(ds["outcome_y"].values[1, 0])
    assert np.isnan(ds["ts"].values[2, 0, 1]) and ds["ts"].values[2, 0, 0] == 4.0
    assert ds["ts"].dims == ("experiment", "replication", "step")


def test_from_ema_named_scenarios_and_several_models() -> None:
    experiments = pd.DataFrame(
        {
            "a": [0.1, 0.1, 0.5, 0.5],
            "lever": [1.0, 2.0, 1.0, 2.0],
            "scenario": pd.Categorical(["low", "low", "high", "high"]),
            "policy": pd.Categorical(["cheap", "dear", "cheap", "dear"]),
            "model": pd.Categorical(["m1"] * 4),
        }
    )
    ds = from_ema(experiments, {"y": np.arange(4.0)})
    assert ds["scenario_id"].values.tolist() == [0, 0, 1, 1]
    assert ds["scenario_name"].values.tolist() == ["low", "low", "high", "high"]
    assert ds["policy_name"].values.tolist() == ["cheap", "dear", "cheap", "dear"]
    assert ds["lever"].attrs["role"] == "lever" and ds["a"].attrs["role"] == "uncertainty"
    two = experiments.assign(
        model=pd.Categorical(["m1", "m1", "m2", "m2"]), scenario=pd.Categorical(["s"] * 4)
    )
    ds2 = from_ema(two, {"y": np.arange(4.0)}, levers=["lever"])
    assert ds2["model"].values.tolist() == ["m1", "m1", "m2", "m2"]
    assert ds2.sizes["replication"] == 1


# --- archives -------------------------------------------------------------------------------


def test_archive_round_trip(failed: xr.Dataset, tmp_path: Path) -> None:
    path = save_ema_archive(failed, tmp_path / "results.tar.gz")
    assert path == tmp_path / "results.tar.gz"
    assert [p.name for p in tmp_path.iterdir()] == ["results.tar.gz"]  # no temporary left
    xr.testing.assert_identical(load_ema_archive(path), failed)
    with tarfile.open(path) as archive:
        names = archive.getnames()
    assert names[0] == "experiments.csv" and names[-2:] == ["metadata.json", "scenarios.json"]
    assert "outcome_class.cls" in names and "max_rung.csv" in names and "rung.npy" in names


def test_archive_without_our_metadata_still_loads(ds: xr.Dataset, tmp_path: Path) -> None:
    path = save_ema_archive(ds, tmp_path / "r.tar.gz")
    experiments, outcomes = read_ema_pair(path)
    bare = from_ema(experiments, outcomes, metadata=False)
    np.testing.assert_array_equal(bare["outcome_class"], ds["outcome_class"])
    np.testing.assert_array_equal(bare["max_rung"], ds["max_rung"])
    np.testing.assert_array_equal(
        bare["outcome_tech_prk_missiles"], ds["outcome_tech_prk_missiles"]
    )  # floats read exactly
    assert bare["outcome_code"].dtype == np.int64  # dtypes of outcomes are ours to restore


def test_ema_load_results_reads_our_archive(failed: xr.Dataset, tmp_path: Path) -> None:
    ema = _quiet_ema()
    path = save_ema_archive(failed, tmp_path / "ours.tar.gz")
    experiments, outcomes = ema.load_results(str(path))
    mine_x, mine_y = to_ema(failed)
    assert list(experiments.columns) == list(mine_x.columns)
    assert {k: str(v) for k, v in experiments.dtypes.items()} == {
        k: str(v) for k, v in mine_x.dtypes.items()
    }
    for col in mine_x.columns:
        assert experiments[col].astype(object).tolist() == mine_x[col].astype(object).tolist()
    assert set(outcomes) == set(mine_y)
    for name, values in mine_y.items():
        got = outcomes[name]
        assert got.shape == values.shape, name
        if values.dtype.kind in "fi":
            np.testing.assert_allclose(got, values, rtol=1e-15, equal_nan=True, err_msg=name)
    assert outcomes["status"].tolist() == mine_y["status"].tolist()
    # an empty string comes back as NaN in EMA's reader, as for its own archives
    got_classes = ["" if not isinstance(c, str) else c for c in outcomes["outcome_class"]]
    assert got_classes == mine_y["outcome_class"].tolist()


def test_ema_save_results_writes_the_bytes_we_write(ds: xr.Dataset, tmp_path: Path) -> None:
    ema = _quiet_ema()
    experiments, outcomes = to_ema(ds)
    kinds = {o.name: type(o).__name__ for o in ema_outcomes(ds)}
    assert kinds["outcome_class"] == "ScalarOutcome"
    assert kinds["max_rung"] == "TimeSeriesOutcome"
    assert kinds["alignment"] == "ArrayOutcome"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA warns that its time-series writer is untested
        ema.save_results((experiments, outcomes), str(tmp_path / "theirs.tar.gz"))
    ours = save_ema_archive(ds, tmp_path / "ours.tar.gz")
    with tarfile.open(tmp_path / "theirs.tar.gz") as a, tarfile.open(ours) as b:
        theirs_names = a.getnames()
        assert b.getnames() == [*theirs_names, "scenarios.json"]
        for name in theirs_names:
            fa, fb = a.extractfile(name), b.extractfile(name)
            assert fa is not None and fb is not None
            assert fa.read() == fb.read(), name
    # and our reader reads EMA's archive of our pair back into the dataset's values
    back = load_ema_archive(tmp_path / "theirs.tar.gz")
    np.testing.assert_array_equal(back["rung"].values, ds["rung"].values)
    np.testing.assert_array_equal(back["outcome_class"].values, ds["outcome_class"].values)


def _ema_model_run(ema: Any) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A tiny EMA perform_experiments: every parameter type, a lever, three outcome kinds."""

    def model(
        a: float = 0.5, b: bool = True, c: str = "x", n: int = 1, lever: float = 0.0
    ) -> dict[str, Any]:
        return {
            "y": a * n + lever + (1.0 if b else 0.0),
            "kind": 1.0 if c == "x" else 2.0,
            "ts": np.arange(4) * a,
            "grid": np.outer(np.arange(4), np.ones(3)) * a,
        }

    m = ema.Model("toy", function=model)
    m.uncertainties = [
        ema.RealParameter("a", 0.0, 1.0),
        ema.BooleanParameter("b"),
        ema.CategoricalParameter("c", ["x", "y"]),
        ema.IntegerParameter("n", 1, 5),
    ]
    m.levers = [ema.RealParameter("lever", 0.0, 1.0)]
    m.outcomes = [
        ema.ScalarOutcome("y"),
        ema.ScalarOutcome("kind"),
        ema.TimeSeriesOutcome("ts"),
        ema.ArrayOutcome("grid"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ema.perform_experiments(m, scenarios=5, policies=2)  # type: ignore[no-any-return]


def test_our_reader_reads_an_archive_of_ema(tmp_path: Path) -> None:
    ema = _quiet_ema()
    experiments, outcomes = _ema_model_run(ema)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ema.save_results((experiments, outcomes), str(tmp_path / "ema.tar.gz"))
    ds = load_ema_archive(tmp_path / "ema.tar.gz")
    assert dict(ds.sizes) == {"experiment": 10, "replication": 1, "step": 4, "grid_dim_2": 3}
    assert ds["lever"].attrs["role"] == "lever"
    assert [ds[n].attrs["role"] for n in "abcn"] == ["uncertainty"] * 4
    assert ds["b"].dtype == bool and ds["n"].dtype == np.int64 and ds["c"].dtype.kind == "U"
    np.testing.assert_allclose(ds["a"].values, experiments["a"].to_numpy())
    assert ds["c"].values.tolist() == experiments["c"].astype(str).tolist()
    np.testing.assert_allclose(ds["outcome_y"].values[:, 0], outcomes["y"])
    np.testing.assert_allclose(ds["ts"].values[:, 0], outcomes["ts"])
    np.testing.assert_allclose(ds["grid"].values[:, 0], outcomes["grid"])
    assert ds["scenario_id"].values.tolist() == experiments["scenario"].astype(int).tolist()
    assert ds["policy_id"].values.tolist() == experiments["policy"].astype(int).tolist()
    assert ds.attrs["scenario"] == "toy" and set(ds["status"].values.ravel()) == {"ok"}
    # and the analysis runs on it
    scores = feature_scores(ds, "kind", n_boot=20, rng=0)
    assert sorted(scores["input"].values) == ["a", "b", "c", "lever", "n"]
    if len(set(experiments["c"])) > 1:  # EMA's sample is not seeded: c may take one value
        assert float(scores.sel(input="c")) == pytest.approx(1.0)  # kind is a function of c


def test_replicator_model_results_with_replications_on_axis1() -> None:
    ema = _quiet_ema()

    def model(a: float = 0.5) -> dict[str, Any]:
        return {"y_rep": a * 2, "ts_rep": np.arange(3) * a}

    m = ema.ReplicatorModel("rep", function=model)
    m.uncertainties = [ema.RealParameter("a", 0.0, 1.0)]
    # EMA 3.0's ScalarOutcome rejects the list of replications; ArrayOutcome takes it (and
    # EMA registers outcome classes by name, process-wide: hence names of their own)
    m.outcomes = [ema.ArrayOutcome("y_rep"), ema.ArrayOutcome("ts_rep")]
    m.replications = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = ema.perform_experiments(m, scenarios=3)
    assert outcomes["y_rep"].shape == (3, 2)
    ds = from_ema(experiments, outcomes, replications="axis1")
    assert dict(ds.sizes) == {"experiment": 3, "replication": 2, "step": 3}
    np.testing.assert_allclose(ds["outcome_y_rep"].values, outcomes["y_rep"])
    assert ds["ts_rep"].dims == ("experiment", "replication", "step")
    # read as rows, the replication axis would pass for time: hence the keyword
    assert from_ema(experiments, outcomes).sizes["replication"] == 1


def test_ema_prim_and_feature_scoring_run_on_our_pair(ds: xr.Dataset) -> None:
    _quiet_ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring, prim

    experiments, outcomes = to_ema(ds)
    x = experiments.drop(columns=BOOKKEEPING)
    y = outcomes["outcome_polarization"] > np.median(outcomes["outcome_polarization"])
    p = prim.Prim(x, y, peel_alpha=0.1)
    box = p.find_box()
    start = box.peeling_trajectory.iloc[0]
    assert start["coverage"] == 1.0 and start["density"] == pytest.approx(y.mean())
    last = box.peeling_trajectory.iloc[-1]
    assert last["density"] >= start["density"]
    scalars = {
        k: v
        for k, v in outcomes.items()
        if v.ndim == 1 and v.dtype.kind == "f" and np.nanstd(v) > 0
    }
    scores = feature_scoring.get_feature_scores_all(x, scalars)
    assert set(scores.index) == set(x.columns)
    assert sorted(scores.columns) == sorted(scalars)
    assert np.isfinite(scores.to_numpy()).all()


# --- laziness and errors ---------------------------------------------------------------------


def test_module_imports_neither_the_model_nor_ema_workbench() -> None:
    code = (
        "import sys, scenarios.analysis.ema as m; "
        "print(' '.join(sorted({k.split('.')[0] for k in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert "scenarios" in out
    assert "ema_workbench" not in out and "mesa" not in out


def test_ema_outcomes_without_ema_workbench_says_how_to_install(
    ds: xr.Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install 'ir-scenarios\[ema\]'"):
        ema_outcomes(ds)
    # the pair and the archive need no EMA Workbench
    assert len(to_ema(ds)[0]) == 16


def test_to_ema_errors(ds: xr.Dataset) -> None:
    with pytest.raises(TypeError, match=r"xarray\.Dataset"):
        to_ema(ds.to_dataframe())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'replication' dim"):
        to_ema(ds.isel(replication=0))
    with pytest.raises(ValueError, match="no runs"):
        to_ema(ds.isel(experiment=[]))
    with pytest.raises(ValueError, match="no variable on"):
        to_ema(
            ds[["threat_rate", "us_offer", "scenario_id", "policy_id"]].assign_coords(
                replication=ds["replication"]
            )
        )
    renamed = ds.rename_vars(threat_rate="scenario")
    with pytest.raises(ValueError, match="bookkeeping"):
        to_ema(renamed)
    twice = ds.assign(scenario_id=("experiment", np.zeros(ds.sizes["experiment"], int)))
    with pytest.raises(ValueError, match=r"experiment 2 has the same \(scenario_id"):
        to_ema(twice)


def test_from_ema_errors(ds: xr.Dataset) -> None:
    experiments, outcomes = to_ema(ds)
    with pytest.raises(TypeError, match="DataFrame"):
        from_ema(experiments.to_numpy(), outcomes)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mapping"):
        from_ema(experiments, list(outcomes.values()))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no 'policy' column"):
        from_ema(experiments.drop(columns="policy"), outcomes)
    short = dict(outcomes, outcome_max_rung=outcomes["outcome_max_rung"][:-1])
    with pytest.raises(ValueError, match=r"'outcome_max_rung' has shape \(15,\).*\(16\)"):
        from_ema(experiments, short)
    with pytest.raises(ValueError, match="outcomes is empty"):
        from_ema(experiments, {})
    # rows dropped after to_ema: the metadata no longer fits, and says what to do
    with pytest.raises(ValueError, match="metadata=False"):
        from_ema(experiments.iloc[:-1], {k: v[:-1] for k, v in outcomes.items()})
    with pytest.raises(ValueError, match="same number of rows"):
        from_ema(experiments.iloc[:-1], {k: v[:-1] for k, v in outcomes.items()}, metadata=False)
    bad = experiments.copy()
    bad.loc[1, "threat_rate"] = 0.5  # replication 1 of experiment 0 with another input
    with pytest.raises(ValueError, match=r"inputs \['threat_rate'\] differ"):
        from_ema(bad, outcomes, metadata=False)
    with pytest.raises(ValueError, match="not input columns"):
        from_ema(experiments, outcomes, levers=["nope"])
    with pytest.raises(ValueError, match="'rows' or 'axis1'"):
        from_ema(experiments, outcomes, replications="columns")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one row per experiment"):
        from_ema(
            experiments, {"max_rung": outcomes["max_rung"]}, replications="axis1", metadata=False
        )
    with pytest.raises(ValueError, match=r"dims\['max_rung'\] names 2 dims"):
        from_ema(experiments, outcomes, dims={"max_rung": ["step", "extra"]})
    with pytest.raises(ValueError, match="already exists"):
        from_ema(experiments, {"y": np.zeros(16), "outcome_y": np.zeros(16)}, metadata=False)
    stale = experiments.copy()
    stale.attrs["scenarios"] = "{not json"
    with pytest.raises(ValueError, match="not valid JSON"):
        from_ema(stale, outcomes)


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_bad_archives(ds: xr.Dataset, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_ema_archive(tmp_path / "missing.tar.gz")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file at all")
    with pytest.raises(ValueError, match="not a readable EMA Workbench archive"):
        load_ema_archive(junk)
    good = save_ema_archive(ds, tmp_path / "good.tar.gz")
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(ValueError, match="not a readable EMA Workbench archive"):
        load_ema_archive(truncated)
    with pytest.raises(ValueError, match=r"no member 'metadata\.json'"):
        load_ema_archive(_tar(tmp_path / "a.tar.gz", {"experiments.csv": b"a\n1\n"}))
    old = _tar(
        tmp_path / "old.tar.gz",
        {"experiments.csv": b"a\n1\n", "experiments metadata.csv": b"a,float64\n"},
    )
    with pytest.raises(ValueError, match=r"before 2\.0"):
        load_ema_archive(old)
    with pytest.raises(ValueError, match=r"metadata\.json is not EMA Workbench's"):
        load_ema_archive(_tar(tmp_path / "b.tar.gz", {"metadata.json": b"[1, 2]"}))
    listing = {
        "version": 0.1,
        "outcomes": [["ScalarOutcome", "y", "y.cls"]],
        "experiments": {
            "a": "float64",
            "scenario": "category",
            "policy": "category",
            "model": "category",
        },
    }
    csv = b"a,scenario,policy,model\n0.5,0,None,m\n"
    with pytest.raises(ValueError, match=r"no member 'y\.cls'"):
        load_ema_archive(
            _tar(
                tmp_path / "c.tar.gz",
                {"experiments.csv": csv, "metadata.json": json.dumps(listing).encode()},
            )
        )
    listing["outcomes"] = [["FancyOutcome", "y", "y.cls"]]
    with pytest.raises(ValueError, match="FancyOutcome"):
        load_ema_archive(
            _tar(
                tmp_path / "d.tar.gz",
                {
                    "experiments.csv": csv,
                    "metadata.json": json.dumps(listing).encode(),
                    "y.cls": b"1.0\n",
                },
            )
        )
    listing["outcomes"] = [["ScalarOutcome", "y", "y.cls"]]
    ok = load_ema_archive(
        _tar(
            tmp_path / "e.tar.gz",
            {
                "experiments.csv": csv,
                "metadata.json": json.dumps(listing).encode(),
                "y.cls": b"1.0\n",
            },
        )
    )
    assert ok["outcome_y"].values.tolist() == [[1.0]]  # the minimal valid archive loads
