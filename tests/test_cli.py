"""Tests of the ``scenarios`` command line (scenarios.cli and ``python -m scenarios``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from scenarios import cli
from scenarios.config import builtin_config
from scenarios.ensemble import load_results
from scenarios.outcomes import STEP_VARIABLES


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid 6-month config file built from the baseline."""
    data = builtin_config("baseline").to_dict()
    data.update(name="tiny", steps=6)
    path = tmp_path_factory.mktemp("cfg") / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ran(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Output directory and stdout of one ``scenarios run`` of the tiny config."""
    out = tmp_path_factory.mktemp("run") / "out"
    buf = io.StringIO()
    with redirect_stdout(buf):
        status = cli.main(["run", str(tiny), "--out", str(out), "--replications", "2",
                           "--seed", "3", "--no-progress"])
    assert status == 0
    return out, buf.getvalue()


def test_run_writes_results_summary_and_figures(ran: tuple[Path, str]) -> None:
    out, stdout = ran
    assert (out / "results.nc").is_file()
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    for line in ("scenario:      tiny", "start:         2024-07", "replications:  2",
                 "steps:         6 months (to 2025-01)",
                 "seed:          3", "share new_cold_war", "polarization",
                 "Outcome-class probabilities by policy"):
        assert line in summary
    assert summary in stdout
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert "run_panel.png" in figures and "outcome_classes.png" in figures
    assert str(out / "results.nc") in stdout
    ds = load_results(out / "results.nc")
    assert dict(ds.sizes) == {"experiment": 1, "replication": 2, "step": 7, "actor": 20,
                              "actor_to": 20, "spawn_key_level": 3}
    assert set(STEP_VARIABLES) <= set(ds.data_vars)
    assert {"alignment", "rung", "sanctions", "arms", "food_flow", "outcome_class",
            "status", "error", "seed_spawn_key"} <= set(ds.data_vars)
    assert ds.attrs["seed_entropy"] == "3"
    assert ds.attrs["scenario"] == "tiny"
    assert not list(out.glob(".*part"))


def test_run_default_out_dir_and_seed(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(tiny), "-n", "1", "--no-progress"]) == 0
    ds = load_results(tmp_path / "results" / "tiny")
    assert ds.attrs["seed_entropy"] == str(cli.DEFAULT_SEED)
    assert f"seed:          {cli.DEFAULT_SEED}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "X", "--replications", "0"], "must be at least 1"),
        (["run", "X", "--replications", "many"], "not an integer"),
        (["run", "X", "--seed", "-4"], "non-negative"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
                     ) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_run_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nope.yaml: file not found" in err
    assert "Traceback" not in err


def test_run_unknown_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "baselin"]) == 2
    err = capsys.readouterr().err
    assert "no built-in config" in err and "baseline" in err


def test_run_unwritable_out_dir(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import scenarios.experiment

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the ensemble must not start when the output cannot be written")

    monkeypatch.setattr(scenarios.experiment, "run_experiment", never)
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    assert cli.main(["run", str(tiny), "--out", str(blocker / "sub")]) == 1
    err = capsys.readouterr().err
    assert "cannot write to output directory" in err
    assert "Traceback" not in err


def test_run_interrupted(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import scenarios.experiment

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scenarios.experiment, "run_experiment", interrupt)
    assert cli.main(["run", str(tiny), "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


def test_run_experiment_config_with_store_and_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = builtin_config("experiment_demo").to_dict()
    data.update(steps=4)
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(cfg), "--out", str(out), "--samples", "2", "--replications", "1",
            "--seed", "4", "--no-progress", "--store", "netcdf"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "experiments:   4 (2 scenarios x 2 policies; sampler lhs)" in captured.out
    assert "steps:         4 months (to 2024-11)" in captured.out
    assert "us_offer=0.5" in captured.out
    assert "figures skipped" in captured.err
    ds = load_results(out / "results.nc")
    assert dict(ds.sizes) == {"experiment": 4, "replication": 1, "step": 5,
                              "spawn_key_level": 3}
    assert (out / "runs.nc").is_file()
    mesa_out = tmp_path / "mesa"
    assert cli.main([*argv[:3], str(mesa_out), *argv[4:-2], "--engine", "mesa"]) == 0
    xr_mesa = load_results(mesa_out / "results.nc")
    import xarray as xr

    xr.testing.assert_allclose(ds, xr_mesa, atol=1e-12)


def test_run_summary_only_still_gives_the_last_month(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = builtin_config("experiment_demo").to_dict()
    data.update(steps=14)
    data["experiment"]["record"] = {"steps": "none", "actors": "none", "dyads": "none"}
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    argv = ["run", str(cfg), "--out", str(tmp_path / "out"), "--samples", "2",
            "--replications", "1", "--no-progress"]
    assert cli.main(argv) == 0
    assert "steps:         14 months (to 2025-09)" in capsys.readouterr().out


def test_run_workers_need_an_executor(tiny: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(tiny), "--out", str(tmp_path), "--workers", "2"]) == 2
    assert "--workers needs --executor" in capsys.readouterr().err


# --- validate -------------------------------------------------------------------------


def test_validate_good_file(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(tiny), "baseline"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"OK {tiny}", "OK baseline"]


def test_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    assert cli.main(["validate", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{missing}: file not found"


def test_validate_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps: [1, 2\n", encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "YAML" in err and "line 3" in err
    assert "Traceback" not in err


def test_validate_unknown_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "unknown.yaml"
    bad.write_text("name: x\nstepz: 12\n", encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "stepz" in captured.err and "unknown key" in captured.err
    assert "steps" in captured.err  # what is allowed
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_validate_reports_every_file(tiny: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(tmp_path / "a.yaml"), str(tiny)]) == 2
    captured = capsys.readouterr()
    assert f"OK {tiny}" in captured.out
    assert "a.yaml: file not found" in captured.err


# --- info and schema ------------------------------------------------------------------


def test_info_general(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out
    assert "mesa 3." in out and "scenarios " in out
    assert "ATOP" in out  # a data source


def test_info_config(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["info", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert "Scenario tiny: start 2024-07, 6 monthly steps" in out
    assert "PRK North Korea" in out
    assert "treaty" in out  # an event
    assert "Levers (" in out and "Parameters (" in out
    assert "western_sanctions" in out and "multiplier" in out and "DIGEST" in out


def test_info_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["info", str(tmp_path / "x.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_schema_stdout_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    target = tmp_path / "schema.json"
    assert cli.main(["schema", "--out", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == schema
    assert cli.main(["schema", "--out", str(tmp_path / "no" / "dir" / "s.json")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("scenarios ")


# --- end to end, as a user runs it -----------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "MPLBACKEND": "Agg"}


def test_python_m_scenarios_run(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "e2e"
    proc = subprocess.run(
        [sys.executable, "-m", "scenarios", "run", str(tiny), "--out", str(out), "-n", "2"],
        capture_output=True, text=True, env=_env(), timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    assert "share new_cold_war" in proc.stdout
    assert (out / "results.nc").is_file() and (out / "summary.txt").is_file()


def test_python_m_scenarios_validate_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps: 0\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "scenarios", "validate", str(bad)],
                          capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 2
    assert "steps = 0" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_plot_writes_the_figures_of_a_results_file(
    ran: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir, _ = ran
    assert cli.main(["plot", str(out_dir / "results.nc"), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed and all(Path(p).exists() and p.endswith(".png") for p in printed)
    assert (tmp_path / "figures" / "run_panel.png").exists()


def test_plot_missing_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plot", str(tmp_path / "nope.nc")]) == 2
    err = capsys.readouterr().err
    assert "no such results file" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Results of a small experiment (the demo's design, 6 months, 6 scenarios)."""
    data = builtin_config("experiment_demo").to_dict()
    data["steps"] = 6
    data["experiment"] = {**data["experiment"], "n_samples": 6, "n_replications": 1}
    folder = tmp_path_factory.mktemp("demo")
    cfg_file = folder / "demo.yaml"
    cfg_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = folder / "out"
    with redirect_stdout(io.StringIO()):
        assert cli.main(["run", str(cfg_file), "--out", str(out), "--no-progress"]) == 0
    return out / "results.nc"


def test_analyze_prints_tables_and_writes_figures(
    demo_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["analyze", str(demo_results), "--discover", "max_rung>=5",
                       "--sensitivity", "polarization", "--out", str(tmp_path)])
    assert status == 0
    out = capsys.readouterr().out
    assert "Outcome-class probabilities" in out and "Scenario discovery (PRIM)" in out
    assert "Feature scores" in out and "threat_rate" in out
    table = out[out.index("Feature scores"):].splitlines()
    assert table[1].split()[0] == "score"  # the score first, highest first
    scores = [float(line.split()[1]) for line in table[3:] if line.strip() and
              line.split()[0] in ("threat_rate", "nuclear_threshold", "china_support_russia",
                                  "treaty", "us_offer")]
    assert len(scores) >= 4 and scores == sorted(scores, reverse=True)
    for name in ("class_probabilities", "prim_tradeoff", "prim_box", "feature_scores"):
        assert (tmp_path / "figures" / f"{name}.png").exists()


def test_analyze_unknown_outcome_is_a_clear_error(
    demo_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(["analyze", str(demo_results), "--sensitivity", "polarisation",
                       "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "polarisation" in err and "Traceback" not in err
