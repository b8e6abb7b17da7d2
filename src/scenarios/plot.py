"""Figures of ensemble results: one run's panel, fans, outcome classes, rung heat map, affinity.

Every function takes a dataset laid out as by :func:`scenarios.ensemble.run_replications`
(or read back with :func:`scenarios.ensemble.load_results`), draws on the ``ax`` (or ``fig``)
it is given, or on a new pyplot figure when none is given, and returns it. Colours are the
Okabe–Ito palette (Okabe & Ito 2008) and viridis / RdBu colour maps, all readable with
colour-vision deficiencies. Nothing here calls ``plt.show()``; :func:`write_figures` draws on
bare :class:`matplotlib.figure.Figure` objects, so it leaves no pyplot state behind.

This module reads results only: it may import numpy, pandas, xarray, matplotlib (inside the
functions), :mod:`scenarios.ensemble` (summaries), :mod:`scenarios.outcomes` and
:mod:`scenarios.rules` (names); never Mesa or the model.

References
----------
Okabe, M., & Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import xarray as xr

from scenarios.ensemble import outcome_shares, run_quantiles
from scenarios.rules import RUNGS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "FAN_VARIABLES",
    "HIGHLIGHT",
    "OKABE_ITO",
    "ScenariosAccessor",
    "plot_affinity_matrix",
    "plot_fan",
    "plot_outcome_classes",
    "plot_run_panel",
    "plot_rung_heatmap",
    "write_figures",
]

#: The Okabe–Ito colour-blind-safe palette, by name.
OKABE_ITO: Final[dict[str, str]] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Actors drawn in colour in :func:`plot_run_panel` (others thin grey).
HIGHLIGHT: Final[dict[str, str]] = {
    "RUS": OKABE_ITO["vermillion"],
    "PRK": OKABE_ITO["reddish_purple"],
    "CHN": OKABE_ITO["orange"],
    "USA": OKABE_ITO["blue"],
    "UKR": OKABE_ITO["bluish_green"],
}
#: Step variables drawn as fans by :func:`write_figures`.
FAN_VARIABLES: Final[tuple[str, ...]] = (
    "max_rung", "polarization", "arms_prk_rus", "food_rus_prk", "tech_prk", "econ_loss_rus",
    "sanctions_in_force", "affinity_usa_rus",
)  # fmt: skip
_CLASS_COLOURS: Final = (OKABE_ITO["bluish_green"], OKABE_ITO["blue"], OKABE_ITO["sky_blue"],
                         OKABE_ITO["orange"], OKABE_ITO["vermillion"])
_GREY: Final = "#B0B0B0"


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _dates(ds: xr.Dataset) -> pd.DatetimeIndex:
    """Month starts of the ``step`` axis, for a date x axis."""
    return pd.to_datetime(ds["date"].values.astype(str), format="%Y-%m")


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlabel("month")


def _ok(ds: xr.Dataset) -> xr.Dataset:
    """The successful replications only."""
    if "status" not in ds:
        return ds
    return ds.isel(replication=np.flatnonzero(ds["status"].values.astype(str) == "ok"))


def _label(ds: xr.Dataset, var: str) -> str:
    units = ds[var].attrs.get("units", "")
    return f"{var} [{units}]" if units else var


def _scenario(ds: xr.Dataset) -> str:
    return str(ds.attrs.get("scenario", "scenario"))


def plot_fan(
    ds: xr.Dataset, var: str, ax: Axes | None = None, *, actor: str | None = None
) -> Axes:
    """Median and 5–25–75–95% envelopes of a variable across replications, over time.

    Parameters
    ----------
    ds : xarray.Dataset
        Ensemble results. Failed replications are left out.
    var : str
        A variable on ``(replication, step)``, or on ``(replication, step, actor)`` with
        ``actor`` given.
    ax : matplotlib Axes, optional
    actor : str, optional
        ISO3 code, for a per-actor variable.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if var not in ds:
        raise KeyError(f"no variable {var!r} in the dataset")
    da = _ok(ds)[var]
    if "actor" in da.dims:
        if actor is None:
            raise ValueError(f"{var!r} is per actor: pass actor=<ISO3 code>")
        da = da.sel(actor=actor)
    if set(da.dims) != {"replication", "step"}:
        raise ValueError(f"{var!r} has dims {da.dims}; plot_fan needs (replication, step)")
    ax = _axes(ax)
    x = _dates(ds)
    vals = da.transpose("replication", "step").values.astype(np.float64)
    if vals.shape[0] and np.isfinite(vals).any():
        q = run_quantiles(vals, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        colour = OKABE_ITO["blue"]
        ax.fill_between(x, q[0], q[4], color=colour, alpha=0.18, lw=0, label="5–95%")
        ax.fill_between(x, q[1], q[3], color=colour, alpha=0.38, lw=0, label="25–75%")
        ax.plot(x, q[2], color=colour, lw=1.8, label="median")
    who = f" of {actor}" if actor else ""
    desc = ds[var].attrs.get("description", var)
    ax.set_title(f"{_scenario(ds)}: {desc}{who}\n({vals.shape[0]} runs)", fontsize=10)
    ax.set_ylabel(_label(ds, var))
    _date_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_outcome_classes(ds: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Bar chart of the share of runs in each outcome class, with Wilson 95% intervals.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    tab = outcome_shares(ds)
    pos = np.arange(len(tab))
    share = tab["share"].to_numpy(dtype=np.float64)
    err = np.vstack([share - tab["lower"].to_numpy(), tab["upper"].to_numpy() - share])
    ax.bar(pos, share, color=_CLASS_COLOURS[: len(tab)], edgecolor="black", lw=0.6)
    ax.errorbar(pos, share, yerr=err, fmt="none", ecolor="black", capsize=4, lw=1,
                label="Wilson 95% interval")
    ax.set_xticks(pos, [f"{c.replace('_', chr(10))}\n({int(k)} runs)"
                        for c, k in zip(tab.index, tab["count"], strict=True)])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of runs [1]")
    ax.set_xlabel("outcome class")
    n = int(tab["n"].iloc[0]) if len(tab) else 0
    ax.set_title(f"{_scenario(ds)}: outcome classes ({n} successful runs)", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_rung_heatmap(ds: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Share of runs whose highest escalation rung is each rung, month by month.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.dates as mdates

    ax = _axes(ax, figsize=(8.0, 4.0))
    top = _ok(ds)["max_rung"].transpose("replication", "step").values
    n_runs = top.shape[0]
    share = np.zeros((len(RUNGS), top.shape[1]))
    if n_runs:
        for k in range(len(RUNGS)):
            share[k] = (top == k).sum(axis=0) / n_runs
    x = _dates(ds)
    edges = mdates.date2num(x.append(pd.DatetimeIndex([x[-1] + pd.DateOffset(months=1)])))
    mesh = ax.pcolormesh(edges, np.arange(len(RUNGS) + 1) - 0.5, share, cmap="viridis",
                         vmin=0, vmax=1, shading="flat")
    ax.xaxis_date()
    ax.figure.colorbar(mesh, ax=ax, label="share of runs [1]")
    ax.set_yticks(np.arange(len(RUNGS)), [f"{k} {name}" for k, name in enumerate(RUNGS)])
    ax.set_ylabel("highest escalation rung")
    _date_axis(ax)
    ax.set_title(f"{_scenario(ds)}: highest escalation rung over time ({n_runs} runs)",
                 fontsize=10)
    return ax


def plot_affinity_matrix(
    ds: xr.Dataset, replication: int = 0, step: int = -1, ax: Axes | None = None
) -> Axes:
    """Heat map of the affinity of each actor (rows) toward each other (columns).

    Parameters
    ----------
    replication : int
        Replication label.
    step : int
        Position on the step axis (``-1``: the last month).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(6.5, 5.5))
    da = ds["affinity"].sel(replication=replication).isel(step=step)
    mat = da.transpose("actor", "actor_to").values.astype(np.float64)
    np.fill_diagonal(mat, np.nan)  # self-affinity carries no information
    import matplotlib as mpl

    cmap = mpl.colormaps["RdBu"].with_extremes(bad="#DDDDDD")
    image = ax.imshow(mat, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="affinity [-1..1]", shrink=0.85)
    codes = ds["actor"].values.astype(str)
    ax.set_xticks(np.arange(len(codes)), codes, rotation=90, fontsize=7)
    ax.set_yticks(np.arange(len(codes)), codes, fontsize=7)
    ax.set_xlabel("toward (actor_to)")
    ax.set_ylabel("actor")
    date = str(da["date"].values)
    ax.set_title(f"{_scenario(ds)}: affinity, {date} (replication {replication})",
                 fontsize=10)
    return ax


def plot_run_panel(ds: xr.Dataset, replication: int = 0, fig: Figure | None = None) -> Figure:
    """Four panels of one run: alignment, sanctions, Russia–DPRK flows, escalation.

    Parameters
    ----------
    ds : xarray.Dataset
        Ensemble results.
    replication : int
        Replication label.
    fig : matplotlib Figure, optional
        An empty figure to draw on (default: a new pyplot figure).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(13.0, 8.5), layout="constrained")
    run = ds.sel(replication=replication)
    x = _dates(ds)
    axes = fig.subplots(2, 2, sharex=True)
    ax_align, ax_sanc, ax_flow, ax_esc = axes.ravel()

    # alignment: the five principals in colour, the rest thin grey behind them
    codes = ds["actor"].values.astype(str)
    names = dict(zip(codes, ds["actor_name"].values.astype(str), strict=True))
    align = run["alignment"].transpose("step", "actor")
    for code in codes:
        if code not in HIGHLIGHT:
            ax_align.plot(x, align.sel(actor=code), color=_GREY, lw=0.7, zorder=1)
    ax_align.plot([], [], color=_GREY, lw=0.7, label="other states")
    for code, colour in HIGHLIGHT.items():
        if code in names:
            ax_align.plot(x, align.sel(actor=code), color=colour, lw=2, zorder=2,
                          label=f"{code} {names[code]}")
    ax_align.axhline(0, color="black", lw=0.5)
    ax_align.set_ylabel(_label(ds, "alignment"))
    ax_align.set_title("Alignment (+: US-led order)", fontsize=10)
    _headroom(ax_align)
    ax_align.legend(fontsize=7, ncol=3, loc="upper center")

    # sanctions: count in force (left), intensity suffered by Russia and the DPRK (right)
    ax_sanc.step(x, run["sanctions_in_force"], where="post", color="black", lw=1.5,
                 label="sanctions in force (count, left)")
    ax_sanc.set_ylabel("sanctions in force [count]")
    twin = ax_sanc.twinx()
    for code in ("RUS", "PRK"):
        if code in names:
            twin.plot(x, run["sanctions_suffered"].sel(actor=code), color=HIGHLIGHT[code],
                      lw=1.8, ls="--", label=f"intensity on {code} (right)")
    twin.set_ylabel("sum of sanction intensities [1]")
    _headroom(ax_sanc)
    _headroom(twin)
    _merge_legends(ax_sanc, twin)
    ax_sanc.set_title("Sanctions", fontsize=10)

    # support flows: DPRK munitions to Russia (left), Russian food to the DPRK (right)
    ax_flow.plot(x, run["arms_prk_rus"], color=HIGHLIGHT["PRK"], lw=1.8,
                 label="munitions PRK→RUS (left)")
    ax_flow.set_ylabel(_label(ds, "arms_prk_rus"))
    twin_f = ax_flow.twinx()
    twin_f.plot(x, run["food_rus_prk"], color=HIGHLIGHT["RUS"], lw=1.8, ls="--",
                label="food & energy RUS→PRK (right)")
    twin_f.set_ylabel(_label(ds, "food_rus_prk"))
    _headroom(ax_flow)
    _headroom(twin_f)
    _merge_legends(ax_flow, twin_f)
    ax_flow.set_title("Arms for food: monthly flows", fontsize=10)

    # escalation ladder
    ax_esc.step(x, run["max_rung"], where="post", color=OKABE_ITO["vermillion"], lw=2,
                label="highest rung, any pair")
    ax_esc.set_yticks(np.arange(len(RUNGS)), [f"{k} {n}" for k, n in enumerate(RUNGS)],
                      fontsize=8)
    ax_esc.set_ylim(-0.5, len(RUNGS) - 0.5)
    ax_esc.set_ylabel("escalation rung")
    ax_esc.set_title("Escalation", fontsize=10)
    ax_esc.legend(fontsize=7, loc="upper right")

    for ax in axes.ravel():
        _date_axis(ax)
        ax.grid(alpha=0.3)
    for ax in axes[0]:
        ax.set_xlabel("")  # the x axis is shared: the bottom row names it
    status = str(run["status"].values) if "status" in run else "ok"
    cls = str(run["outcome_class"].values) if "outcome_class" in run else ""
    fig.suptitle(f"{_scenario(ds)}, replication {replication}: {cls or status}")
    return fig


def _merge_legends(ax: Axes, twin: Axes) -> None:
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = twin.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left", ncol=2)


def _headroom(ax: Axes, frac: float = 0.3) -> None:
    """Room above the data for a legend at the top of the panel."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + frac * (hi - lo))


def write_figures(ds: xr.Dataset, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Save the standard figures as PNG (150 dpi) under ``out_dir/figures/``.

    The set: ``run_panel.png`` (replication 0, or the first successful one),
    ``outcome_classes.png``, ``rung_heatmap.png``, ``affinity_final.png`` and one
    ``fan_<var>.png`` per variable of :data:`FAN_VARIABLES`.

    Returns
    -------
    list of pathlib.Path
        The files written, in that order.
    """
    from matplotlib.figure import Figure

    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    ok = np.flatnonzero(ds["status"].values.astype(str) == "ok") if "status" in ds else [0]
    rep = int(ds["replication"].values[ok[0] if len(ok) else 0])
    paths: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        path = folder / name
        fig.savefig(path, dpi=150)
        paths.append(path)

    save(plot_run_panel(ds, rep, fig=Figure(figsize=(13.0, 8.5), layout="constrained")),
         "run_panel.png")
    drawers: list[tuple[str, tuple[float, float], Any]] = [
        ("outcome_classes.png", (7.0, 4.5), lambda ax: plot_outcome_classes(ds, ax)),
        ("rung_heatmap.png", (9.0, 4.5), lambda ax: plot_rung_heatmap(ds, ax)),
        ("affinity_final.png", (7.0, 6.0), lambda ax: plot_affinity_matrix(ds, rep, -1, ax)),
    ]
    for var in FAN_VARIABLES:
        if var in ds:
            drawers.append((f"fan_{var}.png", (7.0, 4.0),
                            lambda ax, v=var: plot_fan(ds, v, ax)))
    for name, size, draw in drawers:
        fig = Figure(figsize=size, layout="constrained")
        draw(fig.add_subplot())
        save(fig, name)
    return paths


@xr.register_dataset_accessor("scenarios")
class ScenariosAccessor:
    """``ds.scenarios.<figure>(...)``: the figures of this module as a dataset accessor.

    Registered on :class:`xarray.Dataset` when :mod:`scenarios.plot` is imported (as xarray's
    own extension mechanism does). Each method calls the function of the same name with the
    dataset as first argument and returns what it returns.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import scenarios
    >>> ds = scenarios.ScenarioModel(rng=1).run(steps=3).to_dataset()
    >>> ds.scenarios.fan("max_rung").get_ylabel() != ""
    True
    """

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    def fan(self, var: str, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`plot_fan` of a step variable."""
        return plot_fan(self._ds, var, ax=ax, **kwargs)

    def outcome_classes(self, ax: Axes | None = None) -> Axes:
        """:func:`plot_outcome_classes`."""
        return plot_outcome_classes(self._ds, ax=ax)

    def rung_heatmap(self, ax: Axes | None = None) -> Axes:
        """:func:`plot_rung_heatmap`."""
        return plot_rung_heatmap(self._ds, ax=ax)

    def affinity_matrix(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """:func:`plot_affinity_matrix`."""
        return plot_affinity_matrix(self._ds, ax=ax, **kwargs)

    def run_panel(self, replication: int = 0, fig: Figure | None = None) -> Figure:
        """:func:`plot_run_panel` of one replication."""
        return plot_run_panel(self._ds, replication=replication, fig=fig)

    def write_figures(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """:func:`write_figures`: the standard figure set as PNG files."""
        return write_figures(self._ds, out_dir)
