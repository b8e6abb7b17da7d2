"""Tests of scenarios.plot on the Agg backend: every function returns labelled Axes/Figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from scenarios import plot
from scenarios.config import builtin_config, parse_config
from scenarios.ensemble import run_replications
from scenarios.rules import RUNGS


@pytest.fixture(scope="module")
def ds() -> xr.Dataset:
    cfg = parse_config({**builtin_config("baseline").to_dict(), "steps": 6})
    return run_replications(cfg, n_replications=3, rng=5, progress=False)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _labelled(ax: Axes) -> None:
    assert ax.get_xlabel(), "x axis has no label"
    assert ax.get_ylabel(), "y axis has no label"
    assert ax.get_title()


def test_fan(ds: xr.Dataset) -> None:
    ax = plot.plot_fan(ds, "polarization")
    assert isinstance(ax, Axes)
    _labelled(ax)
    assert "[" in ax.get_ylabel()  # units
    legend = ax.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} == {"5–95%", "25–75%", "median"}


def test_fan_on_given_axes_and_per_actor(ds: xr.Dataset) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.plot_fan(ds, "alignment", ax, actor="PRK") is ax
    assert "PRK" in ax.get_title()
    with pytest.raises(ValueError, match="actor"):
        plot.plot_fan(ds, "alignment", fig.add_subplot())
    with pytest.raises(KeyError):
        plot.plot_fan(ds, "no_such_variable", fig.add_subplot())


def test_outcome_classes(ds: xr.Dataset) -> None:
    ax = plot.plot_outcome_classes(ds)
    _labelled(ax)
    assert len(ax.patches) == 5
    heights = [p.get_height() for p in ax.patches if isinstance(p, Rectangle)]
    assert sum(heights) == pytest.approx(1.0)


def test_rung_heatmap(ds: xr.Dataset) -> None:
    ax = plot.plot_rung_heatmap(ds)
    _labelled(ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(name in label for name, label in zip(RUNGS, labels, strict=True))
    mesh = ax.collections[0].get_array()
    assert mesh is not None
    # every month's shares over rungs add up to one
    assert np.allclose(np.asarray(mesh).reshape(len(RUNGS), -1).sum(axis=0), 1.0)


def test_affinity_matrix(ds: xr.Dataset) -> None:
    ax = plot.plot_affinity_matrix(ds, replication=1, step=-1)
    _labelled(ax)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == list(ds["actor"].values)
    image = ax.images[0]
    assert image.get_clim() == (-1, 1)  # diverging map centred at 0
    assert str(ds["date"].values[-1]) in ax.get_title()


def test_run_panel(ds: xr.Dataset) -> None:
    fig = plot.plot_run_panel(ds, replication=2)
    assert isinstance(fig, Figure)
    main_axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(main_axes) == 4
    for ax in main_axes:
        assert ax.get_ylabel()
        assert ax.get_legend() is not None
    bottom = [ax for ax in main_axes if ax.get_xlabel()]
    assert len(bottom) == 2  # the x axis is shared and named on the bottom row
    esc = next(ax for ax in main_axes if ax.get_title() == "Escalation")
    assert [t.get_text() for t in esc.get_yticklabels()][-1].endswith(RUNGS[-1])


def test_write_figures(ds: xr.Dataset, tmp_path: Path) -> None:
    before = plt.get_fignums()
    paths = plot.write_figures(ds, tmp_path)
    assert plt.get_fignums() == before  # no pyplot figures left behind
    assert paths[0] == tmp_path / "figures" / "run_panel.png"
    assert {p.name for p in paths} >= {"outcome_classes.png", "rung_heatmap.png",
                                       "affinity_final.png", "fan_polarization.png"}
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_runs_are_left_out(ds: xr.Dataset) -> None:
    broken = ds.assign(status=("replication", np.array(["failed", "ok", "ok"])))
    ax = plot.plot_fan(broken, "max_rung")
    assert "(2 runs)" in ax.get_title()


def test_dataset_accessor_calls_the_plot_functions(ds: xr.Dataset, tmp_path: Path) -> None:
    # importing scenarios.plot (above) registers the accessor
    ax = ds.scenarios.fan("tech_prk")
    assert ax.get_ylabel() == plot.plot_fan(ds, "tech_prk").get_ylabel()
    fig = ds.scenarios.run_panel()
    assert len(fig.axes) >= 4
    written = ds.scenarios.write_figures(tmp_path)
    assert written and all(p.exists() for p in written)
    plt.close("all")
