"""The worked examples (examples/q*.py) run end to end at a reduced size.

Each example answers one of the report's questions (docs/questions.md) from its built-in
config. Here every script runs as a user would run it, in a subprocess, with a few runs
instead of a thousand; the test checks that it exits cleanly, writes its figures as PNG
files and prints its answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.config import builtin_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG = b"\x89PNG\r\n\x1a\n"

#: script -> (reduced size, figures it must write, lines its answer must print)
CASES = {
    "q1_settlement": (
        ["--samples", "20", "--replications", "1"],
        ["q1_prim", "q1_feature_scores", "q1_classes"],
        ["multipolar_settlement", "PRIM box for multipolar_settlement", "Feature scores"],
    ),
    "q2_us_offer": (
        ["--samples", "4", "--replications", "1"],
        ["q2_offer", "q2_tech_fans"],
        ["us_offer = 1.00", "Russia accepts within ten years", "DPRK satellites"],
    ),
    "q3_treaty": (
        ["--samples", "8", "--replications", "1"],
        ["q3_treaty_events", "q3_where"],
        ["DPRK at war (rung 5+)", "treaty on", "Where the DPRK goes to war"],
    ),
    "q4_us_response": (
        ["--samples", "2", "--replications", "1"],
        ["q4_classes", "q4_nuclear"],
        ["Nuclear use (any state at rung 6+", "S+U+K+N", "stood at a nuclear rung"],
    ),
}


def test_every_example_is_tested() -> None:
    scripts = {p.stem for p in EXAMPLES.glob("q*.py")}
    assert scripts == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_config_is_builtin_with_a_design(name: str) -> None:
    cfg = builtin_config(name)
    assert cfg.name == name and cfg.experiment is not None
    spec = cfg.experiment
    n_policies = 1
    for lever in spec.levers:
        n_policies *= len(lever.values)
    # the default design is an ensemble of at least 1,000 runs
    assert spec.n_samples * spec.n_replications * n_policies >= 1000


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_and_answers(name: str, tmp_path: Path) -> None:
    size, figures, answers = CASES[name]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *size, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for fig in figures:
        path = tmp_path / f"{fig}.png"
        assert path.is_file(), f"{name} did not write {path.name}"
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 10_000
    for text in answers:
        assert text in done.stdout, f"{name} did not print {text!r}:\n{done.stdout}"
    # the run line reports the reduced size it was asked for
    assert "0 failed" in done.stdout


def test_example_keeps_its_results_on_request(tmp_path: Path) -> None:
    from scenarios import load_results

    size, _, _ = CASES["q4_us_response"]
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "q4_us_response.py"), *size, "--out",
         str(tmp_path / "fig"), "--results", str(tmp_path / "res")],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    path = tmp_path / "res" / "q4_us_response" / "results.nc"
    assert f"results: {path}" in done.stdout
    ds = load_results(path)
    assert ds.attrs["scenario"] == "q4_us_response" and ds.sizes["experiment"] == 2 * 16
