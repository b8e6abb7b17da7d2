"""Replications of one scenario: run them, store them as an ``xarray.Dataset``, summarise them.

:func:`run_replications` steps ``n_replications`` independent Mesa runs of one scenario, each
seeded by its own child of one :class:`numpy.random.SeedSequence`, and gathers every recorded
quantity into one labelled dataset (layout below). A run that raises is recorded as failed and
the others go on. :func:`write_results` / :func:`load_results` store it as NetCDF;
:func:`summary_table` and :func:`outcome_shares` summarise it.

Dataset layout
--------------
dims
    ``replication``, ``step`` (0 .. steps; step 0 is the initial state), ``actor`` (ISO3) and
    ``actor_to`` (ISO3, the second actor of a dyad), ``spawn_key_level``.
coords
    ``replication``, ``step``, ``date`` (on ``step``, ``YYYY-MM``), ``actor``, ``actor_name``
    (on ``actor``), ``actor_to``.
(replication, step)
    every model variable of :data:`scenarios.outcomes.STEP_VARIABLES` (``max_rung``,
    ``polarization``, ``arms_prk_rus``, ...), float64, ``attrs`` ``description`` and ``units``.
(replication, step, actor)
    the per-agent variables of the model's DataCollector: ``alignment``, ``actor_max_rung``
    (the agent's ``max_rung``, renamed so as not to clash with the model variable),
    ``econ_loss``, ``food_insecurity``, ``munitions``, ``tech``, ``sanctions_suffered``,
    ``support_received``; float64.
(replication, step, actor, actor_to)
    ``rung`` (int8, escalation rung of ``actor`` toward ``actor_to``, -1 where a failed run
    has no value), ``sanctions`` (intensity), ``arms`` (million shells sent last month),
    ``food_flow`` (thousand containers), ``affinity`` (-1..1); float32.
(replication,)
    ``outcome_<name>`` for every numeric outcome of :meth:`ScenarioModel.outcomes` (float64,
    NaN for a failed run), ``outcome_code`` (int8, -1 if failed), ``outcome_class``
    (fixed-width string, ``""`` if failed), ``status`` (``"ok"`` / ``"failed"``), ``error``
    (``"Type: message"``), ``traceback``, and ``seed_spawn_key`` (replication,
    spawn_key_level) int64.
attrs
    ``scenario``, ``start``, ``steps``, ``n_replications``, ``scenarios_version``,
    ``mesa_version``, ``numpy_version``, ``numba_version``, ``xarray_version``,
    ``config_yaml`` (the full resolved config), ``seed_entropy`` (decimal string: it may
    exceed 64 bits), ``seed_pool_size``. No creation time: the same seed gives an identical file.

This module may import numpy, scipy, pandas, xarray, tqdm and the config/outcomes modules;
it imports :mod:`scenarios.model` (and with it Mesa) only inside :func:`run_replications`,
so that :mod:`scenarios.plot`, which reads results, never loads Mesa.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

import scenarios
from scenarios.config import ScenarioConfig
from scenarios.outcomes import OUTCOME_CLASSES, STEP_VARIABLES
from scenarios.stats import run_quantiles, wilson_interval

if TYPE_CHECKING:
    from scenarios.model import ScenarioModel

__all__ = [
    "ACTOR_VARIABLES",
    "DYAD_VARIABLES",
    "RESULTS_FILE",
    "SUMMARY_OUTCOMES",
    "load_results",
    "model_dataset",
    "outcome_shares",
    "run_quantiles",
    "run_replications",
    "summary_table",
    "wilson_interval",
    "write_results",
]

#: Name of the results file written by :func:`write_results`.
RESULTS_FILE: Final = "results.nc"

#: Per-actor variables: dataset name -> (DataCollector agent variable, description, units).
ACTOR_VARIABLES: Final[dict[str, tuple[str, str, str]]] = {
    "alignment": ("alignment", "alignment on the UNGA ideal-point scale (+: US-led order)",
                  "ideal point"),
    "actor_max_rung": ("max_rung", "highest escalation rung of this state toward any state",
                       "rung (0-7)"),
    "econ_loss": ("econ_loss", "accumulated output loss from sanctions", "share of GDP"),
    "food_insecurity": ("food_insecurity", "food and energy insecurity", "1 (0-1)"),
    "munitions": ("munitions", "munitions stock", "million shells"),
    "tech": ("tech", "mean technology level over missiles, satellites, submarines", "1 (0-1)"),
    "sanctions_suffered": ("sanctions_suffered",
                           "sum of the intensities of sanctions in force on this state", "1"),
    "support_received": ("support_received", "arms and food received last month",
                         "thousand containers"),
}

#: Dyadic variables recorded every step: name -> (State attribute, dtype, description, units).
DYAD_VARIABLES: Final[dict[str, tuple[str, type[np.generic], str, str]]] = {
    "rung": ("rung", np.int8, "escalation rung of actor toward actor_to (-1: no value)",
             "rung (0-7)"),
    "sanctions": ("sanctions", np.float32, "intensity of sanctions of actor on actor_to", "1"),
    "arms": ("arms", np.float32, "munitions sent from actor to actor_to last month",
             "million shells"),
    "food_flow": ("food_flow", np.float32, "food and energy sent from actor to actor_to "
                  "last month", "thousand containers"),
    "affinity": ("affinity", np.float32, "affinity of actor toward actor_to", "1 (-1..1)"),
}

#: Numeric outcomes summarised by :func:`summary_table` (when present in the dataset).
SUMMARY_OUTCOMES: Final[tuple[str, ...]] = (
    "max_rung", "max_rung_step", "major_power_rung", "nuclear_use", "major_war",
    "polarization", "effective_poles", "largest_bloc", "bloc_consolidated",
    "arms_prk_rus_total", "food_rus_prk_total", "tech_prk_missiles", "tech_prk_satellites",
    "tech_prk_submarines", "econ_loss_rus", "econ_loss_prk", "un_enforcement_prk", "vetoes",
    "resolutions_adopted", "offer_accepted",
)  # fmt: skip

_UNIT_RE: Final = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def _describe(text: str) -> dict[str, str]:
    """Split ``"description (unit)"`` into netCDF ``description`` and ``units`` attrs."""
    m = _UNIT_RE.match(text)
    if m is None:
        return {"description": text, "units": "1"}
    return {"description": m.group(1), "units": m.group(2)}


def _seed_root(rng: int | np.integer[Any] | np.random.SeedSequence | None
               ) -> np.random.SeedSequence:
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.SeedSequence(None if rng is None else int(rng))
    raise TypeError(
        f"rng must be None, an int or a numpy SeedSequence, not {type(rng).__name__}"
    )


def _children(root: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """``root.spawn(n)`` of a fresh ``root``, without changing the caller's SeedSequence.

    ``SeedSequence.spawn`` counts the children it has made, so calling it on a sequence the
    caller owns would give different children on a second call with the same object.
    """
    return [
        np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, r),
                               pool_size=root.pool_size)
        for r in range(n)
    ]


class _Run:
    """Everything recorded for one replication (filled as far as the run got)."""

    def __init__(self, n_steps: int, n_actors: int) -> None:
        self.dyads = {
            name: np.full((n_steps, n_actors, n_actors), -1 if dt is np.int8 else np.nan, dt)
            for name, (_, dt, _, _) in DYAD_VARIABLES.items()
        }
        self.model_vars: pd.DataFrame | None = None
        self.agent_vars: pd.DataFrame | None = None
        self.outcomes: dict[str, Any] = {}
        self.error = ""
        self.traceback = ""

    def arrays(
        self, codes: tuple[str, ...]
    ) -> tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
        """The recorded step and actor variables as arrays (NaN where nothing was recorded).

        Returns ``({STEP_VARIABLES name: (n_steps,)}, {ACTOR_VARIABLES dataset name:
        (n_steps, n_actors)})``, actors in the order of ``codes``.
        """
        n_steps, n_actors = self.dyads["rung"].shape[:2]
        steps = {v: np.full(n_steps, np.nan) for v in STEP_VARIABLES}
        actors = {v: np.full((n_steps, n_actors), np.nan) for v in ACTOR_VARIABLES}
        if self.model_vars is not None:
            mv = self.model_vars
            t = mv.index.to_numpy(dtype=np.intp)
            for v in STEP_VARIABLES:
                if v in mv:
                    steps[v][t] = mv[v].to_numpy(dtype=np.float64)
        if self.agent_vars is not None and len(self.agent_vars):
            av = self.agent_vars
            pos = {c: i for i, c in enumerate(codes)}
            t = av.index.get_level_values(0).to_numpy(dtype=np.intp)
            a = av["code"].map(pos).to_numpy(dtype=np.intp)
            for v, (src, _, _) in ACTOR_VARIABLES.items():
                actors[v][t, a] = av[src].to_numpy(dtype=np.float64)
        return steps, actors

    def collect(self, model: ScenarioModel) -> None:
        """Take what the model recorded so far (its DataCollector and dyadic history)."""
        self.model_vars = model.datacollector.get_model_vars_dataframe()
        self.agent_vars = model.datacollector.get_agent_vars_dataframe()
        for name, (attr, _, _, _) in DYAD_VARIABLES.items():
            recorded = model.history[attr]
            if recorded:
                self.dyads[name][: len(recorded)] = np.stack(recorded)


def _one_run(cfg: ScenarioConfig, child: np.random.SeedSequence, n_actors: int) -> _Run:
    from scenarios.model import ScenarioModel

    run = _Run(cfg.steps + 1, n_actors)
    model: ScenarioModel | None = None
    try:
        model = ScenarioModel(cfg, rng=child)
        while model.steps < cfg.steps:
            model.step()
        run.outcomes = model.outcomes()
    except Exception as exc:  # a failed run is data, not the end of the ensemble
        run.error = f"{type(exc).__name__}: {exc}"
        run.traceback = traceback.format_exc()
    if model is not None:
        run.collect(model)
    return run


def run_replications(
    config: ScenarioConfig | str | os.PathLike[str],
    *,
    n_replications: int = 20,
    rng: int | np.integer[Any] | np.random.SeedSequence | None = None,
    progress: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Run independent replications of one scenario and gather them in a dataset.

    Parameters
    ----------
    config : ScenarioConfig, str or path
        The scenario: a config object, a built-in name (``"baseline"``) or a YAML file.
    n_replications : int
        Number of runs (>= 1).
    rng : int, SeedSequence or None
        Root of the seeding: replication ``r`` is seeded with child ``r`` of
        ``SeedSequence(rng)`` (``root.spawn(n_replications)[r]`` for a fresh root; a
        SeedSequence passed in is not modified). ``None`` draws fresh entropy, which is stored
        in ``attrs["seed_entropy"]`` so that the ensemble can be repeated. ``0`` is a seed
        like any other.
    progress : bool
        Show a tqdm progress bar (runs done, runs/s, ETA) on stderr; it stays silent anyway
        when stderr is not a terminal.
    overrides : mapping, optional
        Lever or parameter values replacing the config's, by name (as for
        :class:`scenarios.model.ScenarioModel`); the stored config includes them.

    Returns
    -------
    xarray.Dataset
        Layout in the module docstring. Failed runs have ``status == "failed"`` and their
        message in ``error``; the other runs are complete.

    Raises
    ------
    scenarios.errors.ConfigError
        If the config cannot be read or an override is not allowed.
    TypeError, ValueError
        For an unknown override name, a bad ``rng`` or ``n_replications < 1``.

    Examples
    --------
    >>> from scenarios.config import builtin_config, parse_config
    >>> cfg = parse_config({**builtin_config("baseline").to_dict(), "steps": 2})
    >>> ds = run_replications(cfg, n_replications=2, rng=7, progress=False)
    >>> dict(ds.sizes)
    {'replication': 2, 'step': 3, 'actor': 20, 'actor_to': 20, 'spawn_key_level': 1}
    >>> [str(s) for s in ds.status.values]
    ['ok', 'ok']
    """
    from tqdm.auto import tqdm

    from scenarios.model import ScenarioModel

    if isinstance(n_replications, bool) or not isinstance(n_replications, int | np.integer) \
            or n_replications < 1:
        raise ValueError(f"n_replications must be an integer >= 1, not {n_replications!r}")
    n = int(n_replications)
    root = _seed_root(rng)
    # One probe model resolves the config and the overrides exactly as a run will, so that a
    # bad config is one error here instead of n recorded failures.
    probe = ScenarioModel(config, rng=0, **dict(overrides or {}))
    cfg: ScenarioConfig = probe.config
    codes, names = tuple(probe.world.codes), tuple(probe.world.names)
    del probe
    children = _children(root, n)

    runs: list[_Run] = []
    with tqdm(total=n, unit="run", desc=cfg.name, disable=None if progress else True,
              leave=False) as bar:
        for child in children:
            runs.append(_one_run(cfg, child, len(codes)))
            bar.update(1)
    return _assemble(cfg, codes, names, root, children, runs)


def model_dataset(model: ScenarioModel) -> xr.Dataset:
    """One stepped :class:`~scenarios.model.ScenarioModel` as a dataset of one replication.

    The layout is that of :func:`run_replications`; ``attrs["seed_entropy"]`` holds the
    model's 128-bit run key. Steps the model has not run yet are NaN (``rung`` -1), and the
    outcomes are those of the run so far. Also available as ``model.to_dataset()``.
    """
    cfg: ScenarioConfig = model.config
    run = _Run(cfg.steps + 1, model.world.n)
    run.collect(model)
    run.outcomes = model.outcomes()
    root = np.random.SeedSequence([int(k) for k in model.key])
    return _assemble(cfg, tuple(model.world.codes), tuple(model.world.names), root, [root],
                     [run])


def _assemble(
    cfg: ScenarioConfig,
    codes: tuple[str, ...],
    names: tuple[str, ...],
    root: np.random.SeedSequence,
    children: list[np.random.SeedSequence],
    runs: list[_Run],
) -> xr.Dataset:
    n, n_steps, n_actors = len(runs), cfg.steps + 1, len(codes)
    rep, step = np.arange(n), np.arange(n_steps)
    coords = {
        "replication": rep,
        "step": step,
        "date": ("step", np.array([str(cfg.start + int(t)) for t in step])),
        "actor": np.array(codes),
        "actor_name": ("actor", np.array(names)),
        "actor_to": np.array(codes),
    }
    data: dict[str, Any] = {}

    model_arr = {v: np.full((n, n_steps), np.nan) for v in STEP_VARIABLES}
    actor_arr = {v: np.full((n, n_steps, n_actors), np.nan) for v in ACTOR_VARIABLES}
    for r, run in enumerate(runs):
        steps, actors = run.arrays(codes)
        for v in STEP_VARIABLES:
            model_arr[v][r] = steps[v]
        for v in ACTOR_VARIABLES:
            actor_arr[v][r] = actors[v]
    for v, text in STEP_VARIABLES.items():
        data[v] = (("replication", "step"), model_arr[v], _describe(text))
    for v, (_, desc, units) in ACTOR_VARIABLES.items():
        data[v] = (("replication", "step", "actor"), actor_arr[v],
                   {"description": desc, "units": units})
    for v, (_, dt, desc, units) in DYAD_VARIABLES.items():
        stacked = np.stack([run.dyads[v] for run in runs]).astype(dt, copy=False)
        data[v] = (("replication", "step", "actor", "actor_to"), stacked,
                   {"description": desc, "units": units})

    ok = [not run.error for run in runs]
    keys = next((list(run.outcomes) for run in runs if run.outcomes), [])
    for k in keys:
        if k in ("outcome_class", "outcome_code"):
            continue
        vals = np.array([float(run.outcomes[k]) if run.outcomes else np.nan for run in runs])
        data[f"outcome_{k}"] = ("replication", vals, {"description": f"outcome {k} of the run"})
    codes_arr = np.array([int(run.outcomes.get("outcome_code", -1)) if run.outcomes else -1
                          for run in runs], dtype=np.int8)
    data["outcome_code"] = ("replication", codes_arr,
                            {"description": "index into outcome_classes (-1: failed run)",
                             "outcome_classes": " ".join(OUTCOME_CLASSES)})
    classes = [str(run.outcomes.get("outcome_class", "")) if run.outcomes else ""
               for run in runs]
    data["outcome_class"] = ("replication", _fixed(classes),
                             {"description": "outcome class (docs/model.md); '' if failed"})
    data["status"] = ("replication", _fixed(["ok" if o else "failed" for o in ok]),
                      {"description": "ok or failed"})
    data["error"] = ("replication", _fixed([run.error for run in runs]),
                     {"description": "exception type and message of a failed run"})
    data["traceback"] = ("replication", _fixed([run.traceback for run in runs]),
                         {"description": "traceback of a failed run"})
    data["seed_spawn_key"] = (("replication", "spawn_key_level"),
                              np.array([c.spawn_key for c in children], dtype=np.int64),
                              {"description": "spawn key of the replication's SeedSequence "
                               "(entropy in attrs seed_entropy)"})
    attrs = {
        "title": f"scenarios ensemble: {cfg.name}",
        "scenario": cfg.name,
        "start": str(cfg.start),
        "steps": int(cfg.steps),
        "n_replications": n,
        "n_failed": int(n - sum(ok)),
        "scenarios_version": scenarios.__version__,
        "mesa_version": importlib.metadata.version("mesa"),
        "numpy_version": np.__version__,
        "numba_version": importlib.metadata.version("numba"),
        "xarray_version": xr.__version__,
        "seed_entropy": str(root.entropy),
        "seed_pool_size": int(root.pool_size),
        "config_yaml": cfg.to_yaml(),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _fixed(values: list[str]) -> NDArray[np.str_]:
    """A fixed-width unicode array (at least one character wide, so it stores cleanly)."""
    width = max([1, *(len(v) for v in values)])
    return np.array(values, dtype=f"<U{width}")


def write_results(ds: xr.Dataset, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``ds`` to ``out_dir/results.nc`` (NetCDF-4 via h5netcdf), atomically.

    The file is written under a temporary name in the same directory and renamed into place,
    so a ``results.nc`` that exists is always complete.

    Parameters
    ----------
    ds : xarray.Dataset
        As returned by :func:`run_replications`.
    out_dir : str or path
        Directory; created if missing.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / RESULTS_FILE
    # Same directory, so that os.replace is an atomic rename; a plain name (not mkstemp)
    # so that the file gets the usual permissions.
    tmp = out / f".{RESULTS_FILE}.{os.getpid()}.part"
    try:
        # the dyadic arrays are mostly zeros and repeats: gzip makes the file ~3x smaller
        encoding = {name: {"zlib": True, "complevel": 4, "shuffle": True}
                    for name, var in ds.data_vars.items()
                    if var.ndim >= 2 and var.dtype.kind in "biuf"}
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def load_results(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a results file (or the ``results.nc`` in a directory) fully into memory.

    Strings come back as fixed-width unicode arrays, as :func:`run_replications` made them.
    """
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS_FILE
    with xr.open_dataset(p, engine="h5netcdf") as opened:
        ds = opened.load()
    for name in list(ds.variables):
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    return ds


def outcome_shares(ds: xr.Dataset, confidence: float = 0.95) -> pd.DataFrame:
    """Share of successful runs in each outcome class, with Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        Index: every class of :data:`scenarios.outcomes.OUTCOME_CLASSES`, in order; columns
        ``count``, ``n`` (successful runs), ``share``, ``lower``, ``upper``.
    """
    ok = ds["status"].values.astype(str) == "ok"
    classes = ds["outcome_class"].values.astype(str)[ok]
    n = int(ok.sum())
    counts = np.array([(classes == c).sum() for c in OUTCOME_CLASSES])
    lower, upper = wilson_interval(counts, n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / n if n else np.full(len(counts), np.nan)
    return pd.DataFrame(
        {"count": counts, "n": n, "share": share, "lower": lower, "upper": upper},
        index=pd.Index(OUTCOME_CLASSES, name="outcome_class"),
    )


def summary_table(ds: xr.Dataset) -> pd.DataFrame:
    """Outcome-class shares (Wilson 95% intervals) and means (5-95% quantiles) of outcomes.

    Only successful runs count. Shares use the Wilson score interval (Wilson 1927, see
    :func:`wilson_interval`); numeric outcomes from :data:`SUMMARY_OUTCOMES` are given as the
    mean over runs with the 5% and 95% empirical quantiles.

    Returns
    -------
    pandas.DataFrame
        Index ``quantity`` (``"share <class>"`` or the outcome name); columns ``statistic``
        (``"share"`` or ``"mean"``), ``estimate``, ``lower``, ``upper`` (Wilson 95% bounds, or
        5% and 95% quantiles), ``n`` (runs used).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA*, 22(158), 209-212. https://doi.org/10.1080/01621459.1927.10502953
    """
    rows: list[dict[str, Any]] = []
    shares = outcome_shares(ds)
    for cls, row in shares.iterrows():
        rows.append({"quantity": f"share {cls}", "statistic": "share",
                     "estimate": row["share"], "lower": row["lower"], "upper": row["upper"],
                     "n": int(row["n"])})
    ok = ds["status"].values.astype(str) == "ok"
    for name in SUMMARY_OUTCOMES:
        var = f"outcome_{name}"
        if var not in ds:
            continue
        vals = ds[var].values[ok].astype(np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size:
            q05, q95 = run_quantiles(vals, [0.05, 0.95])
            est, lo, hi = float(vals.mean()), float(q05), float(q95)
        else:
            est = lo = hi = float("nan")
        rows.append({"quantity": name, "statistic": "mean", "estimate": est, "lower": lo,
                     "upper": hi, "n": int(vals.size)})
    return pd.DataFrame(rows).set_index("quantity")
