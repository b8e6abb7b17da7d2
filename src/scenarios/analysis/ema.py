"""Exchange with EMA Workbench: a results dataset as ``(experiments, outcomes)`` and back.

EMA Workbench (Kwakkel 2017) keeps the results of ``perform_experiments`` as a pair: a
:class:`pandas.DataFrame` of *experiments*, one row per model evaluation, whose columns are the
uncertainties and levers followed by the bookkeeping columns ``scenario``, ``policy`` and
``model``; and a dict of *outcomes*, name -> :class:`numpy.ndarray` whose first axis runs over
those rows. ``ema_workbench.save_results`` writes the pair as a ``.tar.gz`` archive. This module
converts between that pair (or archive) and the experiment dataset of
:func:`scenarios.run_experiment` (layout in ``docs/experiments.md``), so that EMA's analyses
(PRIM, CART, feature scoring, dimensional stacking, ...) run on our results and EMA's results
go through :mod:`scenarios.analysis`.

- :func:`to_ema`: dataset -> ``(experiments, outcomes)``, one row per run;
- :func:`from_ema`: ``(experiments, outcomes)`` -> dataset, ``experiment`` and
  ``replication`` rebuilt from the ``scenario``/``policy``/``model`` columns;
- :func:`save_ema_archive`, :func:`load_ema_archive`: EMA Workbench 3.0's archive format,
  written and read without EMA Workbench;
- :func:`ema_outcomes`: the EMA ``Outcome`` objects of a dataset's outcomes (these need EMA
  Workbench; ``pip install 'ir-scenarios[ema]'``).

Everything that does not fit EMA's pair (the dataset's attributes, variable attributes and
dtypes, coordinates, the ``error``/``traceback``/``seed_spawn_key`` records) travels as JSON
in ``experiments.attrs["scenarios"]`` and as an extra archive member ``scenarios.json``,
which EMA Workbench ignores. So ``from_ema(*to_ema(ds))`` and
``load_ema_archive(path)`` after ``save_ema_archive(ds, path)`` give back ``ds``.

This module may import numpy, pandas and xarray at module level and ``ema_workbench`` only
inside :func:`ema_outcomes`. It never imports Mesa or the model.

References
----------
Kwakkel, J. H. (2017). The Exploratory Modeling Workbench: An open source toolkit for
exploratory modeling, scenario discovery, and (multi-objective) robust decision making.
*Environmental Modelling & Software*, 96, 239–250.
https://doi.org/10.1016/j.envsoft.2017.06.054
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

__all__ = [
    "ema_outcomes",
    "from_ema",
    "load_ema_archive",
    "read_ema_pair",
    "save_ema_archive",
    "to_ema",
]

#: EMA Workbench's bookkeeping columns, in the order it writes them after the inputs.
BOOKKEEPING: Final[tuple[str, ...]] = ("scenario", "policy", "model")
#: Key of our metadata in ``experiments.attrs`` and name of its archive member (+ ``.json``).
METADATA_KEY: Final = "scenarios"
#: Version of our metadata layout.
_METADATA_VERSION: Final = 1
#: ``version`` written in ``metadata.json`` by ``ema_workbench.save_results`` 3.0.
_EMA_ARCHIVE_VERSION: Final = 0.1
#: Per-run records that are provenance, not outcomes: kept in the metadata only.
_RUN_RECORDS: Final[tuple[str, ...]] = ("error", "traceback", "seed_spawn_key")
#: The policy name EMA Workbench writes when an experiment has no policies.
_NO_POLICY: Final = "None"
#: Model name when the dataset has no ``scenario`` attribute.
_DEFAULT_MODEL: Final = "scenarios"
_RUN_DIMS: Final[tuple[str, str]] = ("experiment", "replication")
_EXTRA: Final = "pip install 'ir-scenarios[ema]'"
#: Read floats back exactly: pandas 3 does by default and deprecates the option.
_CSV_FLOATS: Final[dict[str, Any]] = (
    {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
)

Replications = Literal["rows", "axis1"]


# --- helpers --------------------------------------------------------------------------------


def _check_dataset(ds: Any) -> None:
    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"expected an xarray.Dataset, not {type(ds).__name__}")
    missing = [d for d in _RUN_DIMS if d not in ds.dims]
    if missing:
        raise ValueError(
            f"the dataset has no {' or '.join(map(repr, missing))} dim (dims: "
            f"{list(map(str, ds.dims))}); expected an experiment dataset "
            "(run_experiment, docs/experiments.md)"
        )
    if ds.sizes["experiment"] == 0 or ds.sizes["replication"] == 0:
        raise ValueError("the dataset has no runs (an empty experiment or replication dim)")


def _json_default(value: Any) -> Any:
    """JSON for numpy values (and anything else with an ISO or string form)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _encode(values: NDArray[Any]) -> Any:
    """``values`` as nested JSON lists (datetimes as ISO strings)."""
    if values.dtype.kind in "mM":
        return (
            np.datetime_as_string(values).tolist()
            if values.dtype.kind == "M"
            else values.astype(np.int64).tolist()
        )
    return values.tolist()


def _decode(data: Any, dt: np.dtype[Any]) -> NDArray[Any]:
    if dt.kind == "m":
        return np.asarray(data, dtype=np.int64).astype(dt)
    if dt.kind in "US":
        # None stands for a missing string in foreign data
        return np.asarray(_nested_strings(data), dtype=dt)
    return np.asarray(data, dtype=dt)


def _nested_strings(data: Any) -> Any:
    if isinstance(data, list):
        return [_nested_strings(x) for x in data]
    return "" if data is None else data


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _strings(values: NDArray[Any]) -> NDArray[Any]:
    """An object array of strings and missing values as a unicode array ('' for missing)."""
    flat = ["" if _is_missing(x) else str(x) for x in values.ravel().tolist()]
    return np.asarray(flat, dtype=str).reshape(values.shape)


def _plain(values: Any) -> NDArray[Any]:
    """A numpy array with a concrete dtype from EMA's data (object columns inferred)."""
    if np.ma.isMaskedArray(values):
        values = _unmask(values)
    arr = np.asarray(values)
    if arr.dtype != object:
        return arr
    items = [x for x in arr.ravel().tolist() if not _is_missing(x)]
    if items and all(isinstance(x, str) for x in items):
        return _strings(arr)
    if items and all(isinstance(x, bool | np.bool_) for x in items) and len(items) == arr.size:
        return arr.astype(bool)
    if all(isinstance(x, int | float | np.number) and not isinstance(x, bool) for x in items):
        if all(isinstance(x, int | np.integer) for x in items) and len(items) == arr.size:
            return arr.astype(np.int64)
        return np.asarray(
            [np.nan if x is None else x for x in arr.ravel().tolist()], dtype=np.float64
        ).reshape(arr.shape)
    return arr


def _unmask(values: np.ma.MaskedArray) -> NDArray[Any]:
    """A masked EMA outcome (failed experiments) as NaN (numbers) or '' (strings)."""
    kind = values.dtype.kind
    if kind in "fc":
        return np.asarray(np.ma.filled(values, np.nan))
    if kind in "iub":
        return np.asarray(np.ma.filled(values.astype(np.float64), np.nan))
    return _strings(np.asarray(np.ma.filled(values.astype(object), None)))


def _column(col: pd.Series) -> NDArray[Any]:
    """An experiments column as a numpy array: categories with the dtype of their values."""
    if (
        isinstance(col.dtype, pd.CategoricalDtype)
        or col.dtype == object
        or pd.api.types.is_string_dtype(col.dtype)
    ):
        return _plain(np.asarray(col.astype(object).to_numpy(), dtype=object))
    return np.asarray(col.to_numpy())


def _ema_column(values: NDArray[Any]) -> pd.Series:
    """An input as EMA stores it: float64, int64, bool or, for anything else, category."""
    kind = values.dtype.kind
    if kind == "b":
        return pd.Series(values.astype(bool))
    if kind in "iu":
        return pd.Series(values.astype(np.int64))
    if kind == "f":
        return pd.Series(values.astype(np.float64))
    return pd.Series(pd.Categorical(values.astype(object) if kind != "O" else values))


def _outcome_class(dims: Sequence[str]) -> str:
    """EMA Workbench's outcome class for a per-run variable with the dims after the run."""
    if not dims:
        return "ScalarOutcome"
    if tuple(dims) == ("step",):
        return "TimeSeriesOutcome"
    return "ArrayOutcome"


def _run_dims(var: xr.DataArray) -> list[str]:
    return [str(d) for d in var.dims if d not in _RUN_DIMS]


def _flat(var: xr.DataArray) -> NDArray[Any]:
    """A variable on (experiment, replication, ...) with its runs along the first axis,
    run ``(i, r)`` at ``i * n_replications + r``."""
    rest = _run_dims(var)
    values = np.asarray(var.transpose(*_RUN_DIMS, *rest).values)
    return values.reshape((-1, *values.shape[2:]))


def _roles(ds: xr.Dataset) -> tuple[list[str], list[str]]:
    """Uncertainties and levers: the ``role``-tagged variables on ``experiment`` alone, in the
    order of ``attrs["uncertainties"]`` / ``attrs["levers"]`` when given."""
    found = {
        role: [
            str(k)
            for k, v in ds.data_vars.items()
            if v.dims == ("experiment",) and v.attrs.get("role") == role
        ]
        for role in ("uncertainty", "lever")
    }
    out = []
    for role, attr in (("uncertainty", "uncertainties"), ("lever", "levers")):
        listed = [n for n in str(ds.attrs.get(attr, "")).split() if n in found[role]]
        out.append(listed + [n for n in found[role] if n not in listed])
    return out[0], out[1]


def _spec(var: xr.DataArray | xr.Variable, where: str) -> dict[str, Any]:
    return {
        "dims": [str(d) for d in var.dims],
        "dtype": var.dtype.str if var.dtype != object else "object",
        "attrs": dict(var.attrs),
        "where": where,
    }


# --- to EMA ---------------------------------------------------------------------------------


def to_ema(ds: xr.Dataset) -> tuple[pd.DataFrame, dict[str, NDArray[Any]]]:
    """An experiment dataset as EMA Workbench's ``(experiments, outcomes)`` pair.

    Parameters
    ----------
    ds : xarray.Dataset
        Dims ``experiment`` and ``replication``; inputs on ``experiment`` with
        ``attrs["role"]`` ``uncertainty`` or ``lever`` (the layout of
        :func:`scenarios.run_experiment`).

    Returns
    -------
    experiments : pandas.DataFrame
        One row per run, run ``(i, r)`` at row ``i * n_replications + r`` (experiment-major,
        as :func:`scenarios.experiment.flat_runs`). Columns: the uncertainties, then the
        levers, as EMA Workbench types them (real: float64, integer: int64, boolean: bool,
        anything else: category), then ``scenario`` (the ``scenario_id``, or the experiment's
        position without one), ``policy`` (the ``policy_id``; ``"None"`` when there are no
        levers, as EMA writes it) and ``model`` (``attrs["scenario"]``, e.g.
        ``"experiment_demo"``), all three categorical. ``experiments.attrs["scenarios"]``
        holds, as JSON, what the pair has no place for (attributes, dtypes, coordinates, the
        ``error``, ``traceback`` and ``seed_spawn_key`` records), for :func:`from_ema`.
    outcomes : dict of str to numpy.ndarray
        Every other variable on (``experiment``, ``replication``), under its own name, with
        the runs along the first axis: outcomes such as ``outcome_max_rung`` and
        ``outcome_class`` and the run ``status`` as shape ``(n_runs,)``, a recorded step
        variable as ``(n_runs, n_steps)``, a per-actor variable as
        ``(n_runs, n_steps, n_actors)`` and a dyadic one as
        ``(n_runs, n_steps, n_actors, n_actors)``. Failed runs keep the dataset's fill values
        (NaN, -1, ``""``) and ``status`` ``"failed"``.

    Raises
    ------
    TypeError
        If ``ds`` is not a Dataset.
    ValueError
        If ``ds`` has no ``experiment`` or ``replication`` dim or no runs, has no variable on
        both (nothing to export), or an input is named like a bookkeeping column.

    Examples
    --------
    >>> ds = xr.Dataset({
    ...     "threat_rate": ("experiment", [0.02, 0.02, 0.08, 0.08], {"role": "uncertainty"}),
    ...     "us_offer": ("experiment", [0.0, 0.5, 0.0, 0.5], {"role": "lever"}),
    ...     "scenario_id": ("experiment", [0, 0, 1, 1]),
    ...     "policy_id": ("experiment", [0, 1, 0, 1]),
    ...     "outcome_max_rung": (("experiment", "replication"),
    ...                          [[4.0, 5.0], [4.0, 4.0], [6.0, 5.0], [5.0, 6.0]])},
    ...     attrs={"scenario": "demo"})
    >>> experiments, outcomes = to_ema(ds)
    >>> print(experiments.head(3))
       threat_rate  us_offer scenario policy model
    0         0.02       0.0        0      0  demo
    1         0.02       0.0        0      0  demo
    2         0.02       0.5        0      1  demo
    >>> outcomes["outcome_max_rung"].tolist()
    [4.0, 5.0, 4.0, 4.0, 6.0, 5.0, 5.0, 6.0]
    """
    _check_dataset(ds)
    n_exp, n_rep = ds.sizes["experiment"], ds.sizes["replication"]
    uncertainties, levers = _roles(ds)
    clash = sorted(set(uncertainties + levers) & set(BOOKKEEPING))
    if clash:
        raise ValueError(
            f"inputs {clash} are named like EMA Workbench's bookkeeping columns "
            f"{list(BOOKKEEPING)}; rename them first"
        )

    variables: dict[str, dict[str, Any]] = {}
    stored: dict[str, Any] = {}
    outcomes: dict[str, NDArray[Any]] = {}
    for name, var in ds.data_vars.items():
        key = str(name)
        if key in uncertainties or key in levers:
            variables[key] = _spec(var, "input")
        elif key in ("scenario_id", "policy_id") and var.dims == ("experiment",):
            variables[key] = _spec(var, "id")
        elif all(d in var.dims for d in _RUN_DIMS) and key not in _RUN_RECORDS:
            variables[key] = _spec(var, "outcome")
            outcomes[key] = _flat(var)
        else:
            variables[key] = _spec(var, "stored")
            stored[key] = _encode(np.asarray(var.values))
    if not outcomes:
        raise ValueError(
            "the dataset has no variable on (experiment, replication) to export as an outcome"
        )

    def repeat(values: NDArray[Any]) -> NDArray[Any]:
        return np.repeat(np.asarray(values), n_rep, axis=0)

    columns: dict[str, pd.Series] = {
        n: _ema_column(repeat(ds[n].values)) for n in (*uncertainties, *levers)
    }
    scenario = ds["scenario_id"].values if "scenario_id" in ds else np.arange(n_exp)
    policy: NDArray[Any] = (
        ds["policy_id"].values if "policy_id" in ds else np.zeros(n_exp, dtype=np.int64)
    )
    if not levers and not policy.any():
        policy = np.full(n_exp, _NO_POLICY, dtype=object)  # EMA's name of "no policy"
    pairs = pd.DataFrame({"s": scenario, "p": policy})
    if pairs.duplicated().any():
        i = int(np.flatnonzero(pairs.duplicated().to_numpy())[0])
        raise ValueError(
            f"experiment {i} has the same (scenario_id, policy_id) = ({scenario[i]}, "
            f"{policy[i]}) as an earlier one; EMA Workbench tells experiments apart by "
            "scenario and policy, so each pair must be unique"
        )
    model = str(ds.attrs.get("scenario", _DEFAULT_MODEL))
    columns["scenario"] = pd.Series(pd.Categorical(repeat(scenario)))
    columns["policy"] = pd.Series(pd.Categorical(repeat(policy)))
    columns["model"] = pd.Series(pd.Categorical([model] * (n_exp * n_rep)))
    experiments = pd.DataFrame(columns)

    coords = {
        str(k): {
            **_spec(c.variable.to_base_variable(), "coord"),
            "values": _encode(np.asarray(c.values)),
        }
        for k, c in ds.coords.items()
    }
    meta = {
        "format": "scenarios results for EMA Workbench",
        "version": _METADATA_VERSION,
        "n_experiments": n_exp,
        "n_replications": n_rep,
        "n_runs": n_exp * n_rep,
        "uncertainties": uncertainties,
        "levers": levers,
        # the (scenario, policy, model) names of each experiment, to find experiments again
        "keys": [
            [_key_part(s), _key_part(p), model] for s, p in zip(scenario, policy, strict=True)
        ],
        "variables": variables,
        "stored": stored,
        "coords": coords,
        "attrs": dict(ds.attrs),
    }
    # one string: pandas deep-copies attrs on most operations, and a str copies for free
    experiments.attrs[METADATA_KEY] = json.dumps(meta, default=_json_default)
    return experiments, outcomes


def _key_part(x: Any) -> str:
    """A scenario / policy / model name as a string, the same however it was read."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x)


# --- from EMA -------------------------------------------------------------------------------


def _metadata(experiments: pd.DataFrame, use: bool) -> dict[str, Any] | None:
    text = experiments.attrs.get(METADATA_KEY) if use else None
    if text is None:
        return None
    try:
        meta = json.loads(text) if isinstance(text, str) else dict(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"experiments.attrs[{METADATA_KEY!r}] is not valid JSON ({exc}); "
            "pass metadata=False to ignore it"
        ) from None
    needed = (
        "version",
        "n_runs",
        "n_experiments",
        "n_replications",
        "keys",
        "variables",
        "stored",
        "coords",
        "attrs",
    )
    missing = [k for k in needed if k not in meta]
    if missing:
        raise ValueError(
            f"experiments.attrs[{METADATA_KEY!r}] lacks {missing}; it was not "
            "written by scenarios.analysis.to_ema (pass metadata=False)"
        )
    if meta["version"] != _METADATA_VERSION:
        raise ValueError(
            f"experiments.attrs[{METADATA_KEY!r}] has version "
            f"{meta['version']!r}; this version of scenarios reads version "
            f"{_METADATA_VERSION} (pass metadata=False to ignore it)"
        )
    return dict(meta)


def _experiment_index(
    experiments: pd.DataFrame, replications: Replications, meta: Mapping[str, Any] | None
) -> tuple[NDArray[np.intp], NDArray[np.intp], list[tuple[str, ...]], NDArray[np.intp]]:
    """Experiment and replication of each row, the experiments' keys and one row of each."""
    missing = [c for c in ("scenario", "policy") if c not in experiments.columns]
    if missing:
        raise ValueError(
            f"experiments has no {' or '.join(map(repr, missing))} column; "
            "expected EMA Workbench's experiments table (columns: the inputs, "
            "then scenario, policy, model)"
        )
    key_cols = [c for c in BOOKKEEPING if c in experiments.columns]
    keys = [
        tuple(_key_part(x) for x in row)
        for row in zip(*(experiments[c].astype(object).tolist() for c in key_cols), strict=True)
    ]
    if "model" not in experiments.columns:
        keys = [(*k, _DEFAULT_MODEL) for k in keys]
    order: dict[tuple[str, ...], int] = {}
    exp = np.empty(len(keys), dtype=np.intp)
    rep = np.empty(len(keys), dtype=np.intp)
    counts: dict[int, int] = {}
    for row, key in enumerate(keys):
        i = order.setdefault(key, len(order))
        exp[row] = i
        rep[row] = counts.get(i, 0)
        counts[i] = rep[row] + 1
    uniq = list(order)
    if meta is not None:
        known = [tuple(str(x) for x in k) for k in meta["keys"]]
        if len(known) == len(uniq) and set(known) == set(uniq):
            # rows may have been reordered: put the experiments back in the dataset's order
            where = {k: i for i, k in enumerate(known)}
            exp = np.asarray([where[uniq[i]] for i in exp], dtype=np.intp)
            uniq = known
        else:
            raise ValueError(
                f"the experiments ({len(uniq)} (scenario, policy, model) combinations) are "
                f"not those described in experiments.attrs[{METADATA_KEY!r}] "
                f"({len(known)}); rows were added or removed after to_ema: pass "
                "metadata=False to rebuild the dataset from the table alone"
            )
    sizes = np.bincount(exp, minlength=len(uniq))
    if replications == "axis1" and sizes.max() > 1:
        i = int(np.argmax(sizes))
        raise ValueError(
            f"replications='axis1' needs one row per experiment, but scenario "
            f"{uniq[i][0]!r}, policy {uniq[i][1]!r} has {int(sizes[i])} rows"
        )
    if sizes.min() != sizes.max():
        lo, hi = int(np.argmin(sizes)), int(np.argmax(sizes))
        raise ValueError(
            "every experiment needs the same number of rows (one per replication): scenario "
            f"{uniq[lo][0]!r}, policy {uniq[lo][1]!r} has {int(sizes[lo])}, scenario "
            f"{uniq[hi][0]!r}, policy {uniq[hi][1]!r} has {int(sizes[hi])}"
        )
    first = np.full(len(uniq), -1, dtype=np.intp)
    for row in range(len(keys) - 1, -1, -1):
        first[exp[row]] = row
    return exp, rep, uniq, first


def _ids_of(names: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[Any] | None]:
    """Integer ids of scenario / policy names: the names if they are integers, otherwise
    numbered by first appearance (and the names returned, unless the one name is 'None')."""
    try:
        return np.asarray([int(n) for n in names], dtype=np.int64), None
    except ValueError:
        pass
    codes, uniq = pd.factorize(pd.Series(list(names), dtype=object), sort=False)
    keep = None if list(uniq) == [_NO_POLICY] else np.asarray(list(names), dtype=str)
    return np.asarray(codes, dtype=np.int64), keep


def _infer_levers(experiments: pd.DataFrame, inputs: Sequence[str]) -> list[str]:
    """Inputs constant within every policy and varying within some scenario: levers."""
    if experiments["policy"].astype(object).nunique(dropna=False) < 2:
        return []
    by_policy = experiments.groupby(
        experiments["policy"].astype(object), sort=False, dropna=False, observed=True
    )
    by_scenario = experiments.groupby(
        experiments["scenario"].astype(object), sort=False, dropna=False, observed=True
    )
    out = []
    for name in inputs:
        if (by_policy[name].nunique(dropna=False) <= 1).all() and (
            by_scenario[name].nunique(dropna=False) > 1
        ).any():
            out.append(name)
    return out


def _default_dims(outcomes: Mapping[str, NDArray[Any]], skip: int) -> dict[str, list[str]]:
    """Dims after the run (and replication) axes of foreign outcomes: ``step`` for the first
    extra axis when all such outcomes have the same length there, else per-outcome names."""
    extra = {k: v.shape[skip:] for k, v in outcomes.items()}
    lengths = {s[0] for s in extra.values() if s}
    dims = {}
    for k, shape in extra.items():
        names = [f"{k}_dim_{j + 1}" for j in range(len(shape))]
        if shape and len(lengths) == 1:
            names[0] = "step"
        dims[k] = names
    return dims


def from_ema(
    experiments: pd.DataFrame,
    outcomes: Mapping[str, Any],
    *,
    levers: Sequence[str] | None = None,
    dims: Mapping[str, Sequence[str]] | None = None,
    replications: Replications = "rows",
    metadata: bool = True,
) -> xr.Dataset:
    """An experiment dataset from EMA Workbench's ``(experiments, outcomes)`` pair.

    Rows with the same ``scenario``, ``policy`` and ``model`` are one experiment (numbered in
    order of first appearance) and its replications (in row order). So the pair of
    :func:`to_ema`, an EMA ``perform_experiments`` result (one row per experiment, one
    replication) and a table with several rows per experiment all work.

    Parameters
    ----------
    experiments : pandas.DataFrame
        The inputs and EMA's ``scenario``, ``policy`` (and ``model``) columns.
    outcomes : mapping of str to array-like
        Each with one entry per row along its first axis (``replications="rows"``).
        Masked arrays (EMA's failed experiments) count a run whose values are all masked as
        failed; masked values become NaN (or ``""``).
    levers : sequence of str, optional
        Which input columns are levers (the rest are uncertainties). Default: as recorded
        by :func:`to_ema`; for other tables, the columns constant within every policy and
        varying within some scenario.
    dims : mapping, optional
        Outcome name -> names of its dims after the run axis (after the replication axis
        for ``"axis1"``). Default: as recorded by :func:`to_ema`; otherwise ``step`` for the
        first such axis when all outcomes with one have the same length there, and
        ``<name>_dim_<k>`` for the others.
    replications : {"rows", "axis1"}
        ``"rows"``: the replications of an experiment are separate rows. ``"axis1"``: one
        row per experiment and the replications on axis 1 of every outcome, as EMA's
        ``ReplicatorModel`` returns them.
    metadata : bool
        Use ``experiments.attrs["scenarios"]`` (written by :func:`to_ema`) to restore
        attributes, dtypes, coordinates, ids, the experiments' order and the ``error``,
        ``traceback`` and ``seed_spawn_key`` records. ``False`` ignores it.

    Returns
    -------
    xarray.Dataset
        The layout of :func:`scenarios.run_experiment`: inputs on ``experiment`` with
        ``attrs["role"]``; ``scenario_id`` and ``policy_id`` (EMA's names when they are
        integers, otherwise numbered by first appearance with the names kept in
        ``scenario_name`` / ``policy_name``; a ``model`` variable when there are several
        models); the outcomes on (``experiment``, ``replication``, ...). Without our
        metadata, a one-dimensional outcome ``y`` becomes ``outcome_y`` (so that
        :mod:`scenarios.analysis` finds it; ``status`` and names starting with
        ``outcome_`` are kept), ``status`` is derived from masked values when absent, and
        string outcomes come back as unicode arrays (``""`` for missing values).

    Raises
    ------
    TypeError
        If ``experiments`` is not a DataFrame or ``outcomes`` not a mapping.
    ValueError
        If a bookkeeping column is missing, an outcome's length differs from the number of
        rows, experiments have different numbers of rows, an input varies within an
        experiment, names collide, or the metadata does not describe these rows.

    Examples
    --------
    >>> experiments = pd.DataFrame({
    ...     "a": [0.1, 0.1, 0.7, 0.7], "scenario": pd.Categorical([0, 0, 1, 1]),
    ...     "policy": pd.Categorical(["None"] * 4), "model": pd.Categorical(["m"] * 4)})
    >>> ds = from_ema(experiments, {"y": np.array([1.0, 2.0, 3.0, 4.0])})
    >>> dict(ds.sizes), ds["outcome_y"].values.tolist()
    ({'experiment': 2, 'replication': 2}, [[1.0, 2.0], [3.0, 4.0]])
    >>> ds["a"].attrs["role"], ds["scenario_id"].values.tolist()
    ('uncertainty', [0, 1])
    """
    if not isinstance(experiments, pd.DataFrame):
        raise TypeError(f"experiments must be a pandas.DataFrame, not {type(experiments).__name__}")
    if not isinstance(outcomes, Mapping):
        raise TypeError(
            f"outcomes must be a mapping of name to array, not {type(outcomes).__name__}"
        )
    if replications not in ("rows", "axis1"):
        raise ValueError(f"replications must be 'rows' or 'axis1', not {replications!r}")
    if len(experiments) == 0:
        raise ValueError("experiments has no rows")
    meta = _metadata(experiments, metadata)
    if meta is not None and meta["n_runs"] != len(experiments) * (
        1 if replications == "rows" else meta["n_replications"]
    ):
        raise ValueError(
            f"experiments has {len(experiments)} rows but experiments.attrs[{METADATA_KEY!r}] "
            f"describes {meta['n_runs']} runs (rows were added or removed after to_ema); "
            "pass metadata=False to rebuild the dataset from the table alone"
        )
    n_rows = len(experiments)
    arrays: dict[str, NDArray[Any]] = {}
    masked: dict[str, NDArray[np.bool_]] = {}
    for key, value in outcomes.items():
        name = str(key)
        if np.ma.isMaskedArray(value):
            masked[name] = np.ma.getmaskarray(value)
        arr = _plain(value)
        if arr.ndim == 0 or arr.shape[0] != n_rows:
            raise ValueError(
                f"outcome {name!r} has shape {arr.shape}: its first axis must "
                f"have one entry per row of experiments ({n_rows})"
            )
        if replications == "axis1" and arr.ndim < 2:
            raise ValueError(
                f"replications='axis1' needs the replications on axis 1, but "
                f"outcome {name!r} has shape {arr.shape}"
            )
        arrays[name] = arr
    if not arrays:
        raise ValueError("outcomes is empty")
    if replications == "axis1":
        n_reps = {v.shape[1] for v in arrays.values()}
        if len(n_reps) > 1:
            raise ValueError(
                f"the outcomes have different numbers of replications on axis 1: {sorted(n_reps)}"
            )

    exp, rep, keys, first = _experiment_index(experiments, replications, meta)
    n_exp = len(keys)
    n_rep = int(rep.max()) + 1 if replications == "rows" else next(iter(arrays.values())).shape[1]
    inputs = [str(c) for c in experiments.columns if c not in BOOKKEEPING]
    specs: dict[str, Any] = meta["variables"] if meta is not None else {}

    # inputs: one value per experiment, the same in all its rows
    if inputs:
        varying = experiments.groupby(exp)[inputs].nunique(dropna=False).max() > 1
        if varying.any():
            bad = [str(c) for c in varying.index[varying]]
            raise ValueError(
                f"inputs {bad} differ between rows of the same (scenario, policy, "
                "model): those rows are not replications of one experiment"
            )
    if levers is not None:
        unknown = sorted(set(levers) - set(inputs))
        if unknown:
            raise ValueError(f"levers {unknown} are not input columns of experiments ({inputs})")
        lever_set = set(levers)
    elif meta is not None:
        lever_set = {n for n in meta["levers"]} & set(inputs)
    else:
        lever_set = set(_infer_levers(experiments, inputs))

    data: dict[str, Any] = {}
    order: list[str] = list(specs)
    for name in inputs:
        values = _column(experiments[name].iloc[first])
        spec = specs.get(name)
        if spec is not None:
            data[name] = (tuple(spec["dims"]), values.astype(_dtype(spec)), spec["attrs"])
        else:
            role = "lever" if name in lever_set else "uncertainty"
            data[name] = ("experiment", values, {"role": role})
    if levers is not None:
        for name in inputs:
            data[name][2]["role"] = "lever" if name in lever_set else "uncertainty"

    scen_names = [k[0] for k in keys]
    pol_names = [k[1] for k in keys]
    for id_name, names in (("scenario_id", scen_names), ("policy_id", pol_names)):
        ids, kept = _ids_of(names)
        spec = specs.get(id_name)
        if spec is not None:
            data[id_name] = ("experiment", ids.astype(_dtype(spec)), spec["attrs"])
        elif meta is None:
            data[id_name] = ("experiment", ids)
            if kept is not None:
                data[id_name.replace("_id", "_name")] = ("experiment", kept)
    models = sorted({k[2] for k in keys})
    if len(models) > 1:
        data["model"] = ("experiment", np.asarray([k[2] for k in keys], dtype=str))

    if dims is not None:
        unknown = sorted(set(dims) - set(arrays))
        if unknown:
            raise ValueError(f"dims given for {unknown}, which are not outcomes")
    skip = 1 if replications == "rows" else 2
    default_dims = _default_dims(arrays, skip)
    failed = np.zeros((n_exp, n_rep), dtype=bool)
    for name, arr in arrays.items():
        spec = specs.get(name)
        if replications == "rows":
            out = np.empty((n_exp, n_rep, *arr.shape[1:]), dtype=arr.dtype)
            out[exp, rep] = arr
        else:
            out = np.empty_like(arr)
            out[exp] = arr
        if name in masked:
            mask = masked[name].reshape((*masked[name].shape[:skip], -1)).all(axis=-1)
            if replications == "rows":
                failed[exp, rep] |= mask
            else:
                failed[exp] |= mask
        if dims is not None and name in dims:
            rest = [str(d) for d in dims[name]]
            if len(rest) != out.ndim - 2:
                raise ValueError(
                    f"dims[{name!r}] names {len(rest)} dims, but outcome "
                    f"{name!r} has {out.ndim - 2} after the run axes"
                )
        elif spec is not None:
            rest = [d for d in spec["dims"] if d not in _RUN_DIMS]
        else:
            rest = default_dims[name]
        attrs = spec["attrs"] if spec is not None else {}
        var = xr.Variable((*_RUN_DIMS, *rest), out, attrs)
        if spec is not None:
            var = var.transpose(*spec["dims"]).astype(_dtype(spec))
            target = name
        elif out.ndim == 2 and name != "status" and not name.startswith("outcome_"):
            target = f"outcome_{name}"
        else:
            target = name
        if target in data:
            raise ValueError(
                f"outcome {name!r} becomes variable {target!r}, which already "
                "exists (an input or another outcome)"
            )
        data[target] = var
    if meta is None and "status" not in data:
        data["status"] = (_RUN_DIMS, np.where(failed, "failed", "ok"))

    coords: dict[str, Any] = {}
    if meta is not None:
        for name, values in meta["stored"].items():
            spec = specs[name]
            data[name] = (tuple(spec["dims"]), _decode(values, _dtype(spec)), spec["attrs"])
        for name, c in meta["coords"].items():
            coords[name] = (tuple(c["dims"]), _decode(c["values"], _dtype(c)), c["attrs"])
        attrs = dict(meta["attrs"])
    else:
        coords = {"experiment": np.arange(n_exp), "replication": np.arange(n_rep)}
        if any("step" in (v.dims if isinstance(v, xr.Variable) else ()) for v in data.values()):
            step_len = next(
                v.sizes["step"]
                for v in data.values()
                if isinstance(v, xr.Variable) and "step" in v.dims
            )
            coords["step"] = np.arange(step_len)
        attrs = {
            "title": "results read from EMA Workbench",
            "n_experiments": n_exp,
            "n_replications": n_rep,
            "n_runs": n_exp * n_rep,
            "uncertainties": " ".join(n for n in inputs if n not in lever_set),
            "levers": " ".join(n for n in inputs if n in lever_set),
        }
        if len(models) == 1:
            attrs["scenario"] = models[0]
    out_ds = xr.Dataset(
        {
            k: data[k]
            for k in [*[o for o in order if o in data], *[k for k in data if k not in order]]
        },
        coords=coords,
        attrs=attrs,
    )
    if "status" in out_ds and "n_failed" not in out_ds.attrs:
        out_ds.attrs["n_failed"] = int((out_ds["status"].values.astype(str) != "ok").sum())
    return out_ds


def _dtype(spec: Mapping[str, Any]) -> np.dtype[Any]:
    return np.dtype(object) if spec["dtype"] == "object" else np.dtype(spec["dtype"])


# --- EMA outcome objects ----------------------------------------------------------------------


def _import_ema() -> Any:
    try:
        import ema_workbench
    except ImportError:
        raise ImportError(f"this needs EMA Workbench (ema_workbench): {_EXTRA}") from None
    return ema_workbench


def ema_outcomes(ds: xr.Dataset) -> list[Any]:
    """EMA Workbench ``Outcome`` objects for the outcomes :func:`to_ema` exports.

    A variable on (``experiment``, ``replication``) alone is a ``ScalarOutcome``, one with
    ``step`` as its only other dim a ``TimeSeriesOutcome``, anything else an
    ``ArrayOutcome``. Creating them registers the names with EMA Workbench, which its
    ``save_results`` needs; :func:`save_ema_archive` writes the same archive without them.

    Raises
    ------
    ImportError
        Without EMA Workbench (``pip install 'ir-scenarios[ema]'``).
    """
    ema = _import_ema()
    _check_dataset(ds)
    out = []
    for name, var in ds.data_vars.items():
        if all(d in var.dims for d in _RUN_DIMS) and str(name) not in _RUN_RECORDS:
            out.append(getattr(ema, _outcome_class(_run_dims(var)))(str(name)))
    return out


# --- archives ---------------------------------------------------------------------------------


def _outcome_file(kind: str, name: str, values: NDArray[Any]) -> tuple[bytes, str]:
    """An outcome's bytes and member name exactly as EMA Workbench 3.0's ``to_disk`` writes
    them: ScalarOutcome a header-less CSV ``.cls``, TimeSeriesOutcome a CSV with a header of
    column numbers, ArrayOutcome a header-less CSV below 3 dims and ``.npy`` from 3 on."""
    if values.dtype == object:
        values = _strings(values)
    if kind == "ArrayOutcome" and values.ndim >= 3:
        buf = io.BytesIO()
        np.save(buf, values)
        return buf.getvalue(), f"{name}.npy"
    header = kind == "TimeSeriesOutcome"
    text = pd.DataFrame(values).to_csv(header=header, index=False, encoding="UTF-8")
    return text.encode(), f"{name}.{'cls' if kind == 'ScalarOutcome' else 'csv'}"


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def save_ema_archive(ds: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``ds`` as an EMA Workbench results archive (``ema_workbench.load_results`` reads it).

    The archive is the ``.tar.gz`` of EMA Workbench 3.0's ``save_results``: members
    ``experiments.csv`` (the experiments of :func:`to_ema`), one file per outcome as
    :func:`ema_outcomes` types it, and ``metadata.json`` (``version`` 0.1, the outcome
    classes and files, the experiments' dtypes); plus ``scenarios.json``, our metadata, which
    EMA Workbench ignores and :func:`load_ema_archive` uses to restore the dataset. EMA
    Workbench is not needed. The file is written under a temporary name and renamed into
    place.

    Returns
    -------
    pathlib.Path
        The archive written.
    """
    experiments, outcomes = to_ema(ds)
    target = Path(path)
    members: list[tuple[str, bytes]] = [
        ("experiments.csv", experiments.to_csv(header=True, encoding="UTF-8", index=False).encode())
    ]
    listing = []
    for name, values in outcomes.items():
        kind = _outcome_class(_run_dims(ds[name]))
        data, filename = _outcome_file(kind, name, values)
        members.append((filename, data))
        listing.append((kind, name, filename))
    ema_meta = {
        "version": _EMA_ARCHIVE_VERSION,
        "outcomes": listing,
        "experiments": {str(k): v.name for k, v in experiments.dtypes.to_dict().items()},
    }
    members.append(("metadata.json", json.dumps(ema_meta).encode()))
    members.append((f"{METADATA_KEY}.json", experiments.attrs[METADATA_KEY].encode()))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as archive:
            for name, data in members:
                _add(archive, name, data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _member(archive: tarfile.TarFile, name: str, path: Path) -> bytes:
    try:
        fh = archive.extractfile(name)
    except KeyError:
        raise ValueError(
            f"{path}: the archive has no member {name!r}; not an archive of "
            "EMA Workbench's save_results"
        ) from None
    if fh is None:
        raise ValueError(f"{path}: archive member {name!r} is not a file")
    return fh.read()


def _read_outcome(kind: str, filename: str, data: bytes, path: Path) -> NDArray[Any]:
    """An outcome as EMA Workbench 3.0's ``from_disk`` reads it (floats read exactly)."""
    if filename.endswith(".npy"):
        if kind != "ArrayOutcome":
            raise ValueError(f"{path}: {kind} {filename!r} cannot be a .npy file")
        return np.asarray(np.load(io.BytesIO(data), allow_pickle=False))
    if not filename.endswith((".csv", ".cls")):
        raise ValueError(
            f"{path}: unknown outcome file extension in {filename!r}; EMA "
            "Workbench writes .cls, .csv and .npy"
        )
    header = 0 if kind == "TimeSeriesOutcome" else None
    values = pd.read_csv(io.BytesIO(data), index_col=False, header=header, **_CSV_FLOATS).to_numpy()
    if kind in ("ScalarOutcome", "Constraint"):
        return values.reshape(values.shape[0])
    return values


#: Outcome classes of EMA Workbench 3.0 an archive may name.
_OUTCOME_CLASSES: Final = ("ScalarOutcome", "ArrayOutcome", "TimeSeriesOutcome", "Constraint")


def read_ema_pair(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, NDArray[Any]]]:
    """The ``(experiments, outcomes)`` pair of an EMA Workbench archive, without EMA Workbench.

    Columns get the dtypes recorded in the archive (as ``ema_workbench.load_results`` does);
    our metadata, when the archive has it, goes to ``experiments.attrs["scenarios"]``.
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"no EMA Workbench archive at {source}")
    try:
        with tarfile.open(source, "r:gz") as archive:
            names = set(archive.getnames())
            if "metadata.json" not in names and "experiments metadata.csv" in names:
                raise ValueError(
                    f"{source}: an archive of EMA Workbench before 2.0 (no metadata.json); "
                    "read it with ema_workbench.load_results and pass the pair to from_ema"
                )
            raw = _member(archive, "metadata.json", source)
            try:
                ema_meta = json.loads(raw)
                listing = [tuple(entry) for entry in ema_meta["outcomes"]]
                dtypes = dict(ema_meta["experiments"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{source}: metadata.json is not EMA Workbench's "
                    f"(expected version, outcomes, experiments): {exc}"
                ) from None
            experiments = pd.read_csv(
                io.BytesIO(_member(archive, "experiments.csv", source)), **_CSV_FLOATS
            )
            for name, dtype in dtypes.items():
                if name not in experiments.columns:
                    raise ValueError(
                        f"{source}: metadata.json names column {name!r}, which "
                        "experiments.csv lacks"
                    )
                experiments[name] = experiments[name].astype(
                    "category" if dtype in ("object", "category") else dtype
                )
            outcomes: dict[str, NDArray[Any]] = {}
            for entry in listing:
                if len(entry) != 3 or entry[0] not in _OUTCOME_CLASSES:
                    raise ValueError(
                        f"{source}: metadata.json lists outcome {list(entry)}; "
                        f"expected [class, name, file] with class in "
                        f"{list(_OUTCOME_CLASSES)}"
                    )
                kind, name, filename = (str(x) for x in entry)
                outcomes[name] = _read_outcome(
                    kind, filename, _member(archive, filename, source), source
                )
            if f"{METADATA_KEY}.json" in names:
                experiments.attrs[METADATA_KEY] = _member(
                    archive, f"{METADATA_KEY}.json", source
                ).decode()
    except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{source}: not a readable EMA Workbench archive (a .tar.gz from save_results): {exc}"
        ) from None
    return experiments, outcomes


def load_ema_archive(
    path: str | os.PathLike[str],
    *,
    levers: Sequence[str] | None = None,
    dims: Mapping[str, Sequence[str]] | None = None,
    replications: Replications = "rows",
    metadata: bool = True,
) -> xr.Dataset:
    """An experiment dataset from an EMA Workbench archive (``ema_workbench.save_results``).

    Reads the archive without EMA Workbench (:func:`read_ema_pair`) and converts it with
    :func:`from_ema` (the keywords are its own). An archive of :func:`save_ema_archive`
    gives back the dataset saved; any other archive of EMA Workbench 3.0 gives the layout
    described in :func:`from_ema`.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a gzipped tar archive with EMA's ``metadata.json``,
        ``experiments.csv`` and the outcome files it lists, or :func:`from_ema` refuses it.
    """
    experiments, outcomes = read_ema_pair(path)
    return from_ema(
        experiments,
        outcomes,
        levers=levers,
        dims=dims,
        replications=replications,
        metadata=metadata,
    )
