"""Validation against history: run a past-dated scenario and score it on the public record.

A backtest starts the model from what was known before a date (``historical_2022``: January
2022, data of 2021), lets it decide votes, alignment and war entry itself, and compares what it
predicts with what happened:

* **UN votes** (:func:`score_votes`, :func:`score_tallies`, :func:`score_vetoes`): the General
  Assembly resolutions ES-11/1, ES-11/4, ES-11/6 and the Security Council drafts S/2022/155,
  S/2022/431, S/2022/720 and S/2024/255, member by member, as probabilities over
  (no, abstain, yes), scored by accuracy, Brier score and log loss next to two baselines that
  do not use the answer (the modal vote of the previous related resolution; each state
  repeating its vote on it);
* **alignment** (:func:`score_alignment`): the model's alignment at the end of 2022, 2023 and
  2024 against the recorded UNGA ideal points, next to persistence (the 2021 value carried
  forward) and the 2020-2021 trend carried forward;
* **sides in the war** (:func:`score_sides`): whether a third state fights in the
  Russia-Ukraine war by the end of each year, against UCDP (which codes the DPRK on Russia's
  side in 2024).

The records are small hand-coded or derived tables shipped in ``scenarios/data/records/``,
each row with its source (:func:`vote_records`, :func:`vote_tallies`, :func:`war_sides`).
:func:`fit_vote_parameters` and :func:`fit_stubbornness` fit the vote and alignment rules on
data dated before 2022 only; scores on anything from 2022 on are reported, never optimised.

Predicted vote probabilities
----------------------------
For a modelled state the prediction is the model's **own vote probabilities**
(:func:`scenarios.rules.vote_probabilities` on that month's alignment and affinity, with the
adjustments :func:`scenarios.dynamics.decide` makes: the target votes no, non-members of the
Council do not vote, Russia keeps a veto with probability ``russia_veto_use``), averaged over
replications. This has less Monte Carlo noise than the share of replications in which the
state voted yes/abstain/no, which is also kept (``vote_cast``) and scored as
``"model (vote shares)"``. A test checks that the realised votes are exactly the draws from
these probabilities. Non-modelled members vote from their frozen ideal points, so their
probabilities are exact. Before the log loss, every predicted distribution (model and
baselines alike) is smoothed, ``p' = (p + eps) / (1 + 3 eps)`` with ``eps =``
:data:`SMOOTHING`, so that a confident miss costs ``-log(eps / (1 + 3 eps))`` (about 5.3)
instead of infinity.

This module may import numpy, pandas, xarray, scipy and the model's modules; it imports
matplotlib only inside the plotting functions.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from scenarios import data as _data
from scenarios import dynamics, rules
from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.ensemble import _children, _seed_root

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from scenarios.model import ScenarioModel
    from scenarios.world import AgendaVote, State, World

__all__ = [
    "SMOOTHING",
    "UN_CONFIG",
    "VOTE_OUTCOMES",
    "BacktestResult",
    "VoteFit",
    "baseline_probabilities",
    "confusion_matrix",
    "fit_stubbornness",
    "fit_vote_parameters",
    "plot_alignment",
    "plot_votes",
    "probability_scores",
    "run_backtest",
    "score_alignment",
    "score_sides",
    "score_tallies",
    "score_vetoes",
    "score_votes",
    "simulate",
    "time_runs",
    "vote_confusion",
    "vote_records",
    "vote_tallies",
    "war_sides",
]

#: The outcome axis of every vote probability, in this order (vote codes -1, 0, +1).
VOTE_OUTCOMES: Final[tuple[str, str, str]] = ("no", "abstain", "yes")
#: Additive smoothing of predicted distributions before the log loss (see module docstring).
SMOOTHING: Final = 0.005
#: The built-in config of the UN-scale backtest (all 193 members modelled).
UN_CONFIG: Final = "historical_2022_un"
#: Predictors scored by :func:`score_votes`, in table order.
PREDICTORS: Final[tuple[str, ...]] = (
    "model", "model (vote shares)", "majority of previous", "repeat previous",
    "majority of this record (uses the answer)",
)
_INDEX: Final = {name: k for k, name in enumerate(VOTE_OUTCOMES)}


# ------------------------------------------------------------------------------- records


@functools.cache
def _records_csv(name: str) -> pd.DataFrame:
    path = resources.files("scenarios.data").joinpath("records", name)
    with resources.as_file(path) as p:
        return pd.read_csv(p, keep_default_na=False, na_values=[""], dtype={"date": str})


def vote_records() -> pd.DataFrame:
    """Recorded UN votes, one row per (record, member).

    Returns
    -------
    pandas.DataFrame
        Columns ``record`` (``"ES-11/1"``, ``"S/2022/155"``, ...), ``body`` (``GA``/``SC``),
        ``date``, ``iso3``, ``vote`` (``yes``/``abstain``/``no``/``absent``), ``certain``
        (0 where the vote is recalled but not checked against the verbatim record),
        ``source`` and ``note``. ES-11/1 and 68/262 cover all 193 members; ES-11/4 and
        ES-11/6 the 20 principal actors; Security Council records the 15 members of that year.

    Examples
    --------
    >>> r = vote_records()
    >>> r[r.record == "ES-11/1"].vote.value_counts().to_dict()
    {'yes': 141, 'abstain': 35, 'absent': 12, 'no': 5}
    >>> bool(r["source"].str.len().gt(0).all())
    True
    """
    df = pd.concat([_records_csv("un_votes.csv"), _records_csv("unga_68_262.csv")],
                   ignore_index=True)
    df["note"] = df["note"].fillna("")
    return df.copy()


def vote_tallies() -> pd.DataFrame:
    """Recorded tallies of the UN votes, with the previous related resolution of each.

    Returns
    -------
    pandas.DataFrame
        Index ``record``; columns ``body``, ``date``, ``title``, ``yes``, ``no``,
        ``abstain``, ``absent``, ``adopted``, ``vetoed_by`` (space-separated ISO3, empty if
        none), ``previous`` (the earlier related resolution whose votes the baselines use),
        ``certain`` and ``source``.

    Examples
    --------
    >>> t = vote_tallies()
    >>> t.loc["ES-11/6", ["yes", "no", "abstain"]].tolist()
    [141, 7, 32]
    >>> t.loc["S/2022/431", "vetoed_by"]
    'CHN RUS'
    """
    df = _records_csv("un_tallies.csv").copy()
    df["vetoed_by"] = df["vetoed_by"].fillna("")
    df["previous"] = df["previous"].fillna("")
    return df.set_index("record")


def war_sides() -> pd.DataFrame:
    """States fighting in the Russia-Ukraine war by year, from UCDP/PRIO ACD v25.1.

    Returns
    -------
    pandas.DataFrame
        Columns ``conflict_id``, ``year``, ``iso3``, ``side`` (``RUS`` or ``UKR``: whose side),
        ``role`` (``primary``/``secondary``) and ``source``.

    Examples
    --------
    >>> w = war_sides()
    >>> w[(w.year == 2024) & (w.role == "secondary")][["iso3", "side"]].values.tolist()
    [['PRK', 'RUS']]
    """
    return _records_csv("ucdp_war_sides.csv").copy()


def _vote_matrix(records: pd.DataFrame, record: str, members: Sequence[str]) -> NDArray[np.object_]:
    """Recorded votes of ``members`` on ``record`` (``None`` where the record has no row)."""
    sub = records[records["record"] == record].set_index("iso3")["vote"]
    return np.array([sub.get(c) for c in members], dtype=object)


# -------------------------------------------------------------------------------- scores


def _observed_index(observed: ArrayLike) -> NDArray[np.int64]:
    obs = np.asarray(observed, dtype=object)
    return np.array([_INDEX[str(v)] for v in obs], dtype=np.int64)


def probability_scores(
    probs: ArrayLike, observed: ArrayLike, smoothing: float = SMOOTHING
) -> dict[str, float]:
    """Accuracy, multi-class Brier score and log loss of predicted vote distributions.

    Parameters
    ----------
    probs : array_like, shape (n, 3)
        Predicted probabilities of (no, abstain, yes); rows sum to 1.
    observed : array_like of str, shape (n,)
        Recorded votes, each one of :data:`VOTE_OUTCOMES` (absences removed beforehand).
    smoothing : float
        ``eps`` of the smoothing applied before the log loss only.

    Returns
    -------
    dict
        ``accuracy`` (share whose most probable outcome was recorded; ties go to the first of
        no, abstain, yes), ``brier`` (mean over items of ``sum_k (p_k - o_k)^2``, 0 best,
        2 worst), ``log_loss`` (mean of ``-log p'_observed``, 0 best) and ``n``.

    Examples
    --------
    >>> p = [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]]
    >>> s = probability_scores(p, ["yes", "abstain"], smoothing=0.0)
    >>> s["accuracy"], round(s["brier"], 4), round(s["log_loss"], 4)
    (0.5, 0.5, 0.7803)
    """
    p = np.asarray(probs, dtype=np.float64).reshape(-1, 3)
    y = _observed_index(observed)
    n = len(y)
    if n == 0:
        return {"accuracy": np.nan, "brier": np.nan, "log_loss": np.nan, "n": 0}
    onehot = np.eye(3)[y]
    ps = (p + smoothing) / (1.0 + 3.0 * smoothing)
    with np.errstate(divide="ignore"):  # an unsmoothed confident miss costs +inf
        log_loss = float(-np.log(ps[np.arange(n), y]).mean())
    return {
        "accuracy": float((p.argmax(axis=1) == y).mean()),
        "brier": float(((p - onehot) ** 2).sum(axis=1).mean()),
        "log_loss": log_loss,
        "n": n,
    }


def confusion_matrix(probs: ArrayLike, observed: ArrayLike) -> pd.DataFrame:
    """Counts of (recorded vote, most probable predicted vote).

    Examples
    --------
    >>> confusion_matrix([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], ["yes", "abstain"]).values.tolist()
    [[0, 0, 0], [1, 0, 0], [0, 0, 1]]
    """
    p = np.asarray(probs, dtype=np.float64).reshape(-1, 3)
    y = _observed_index(observed)
    m = np.zeros((3, 3), dtype=np.int64)
    np.add.at(m, (y, p.argmax(axis=1)), 1)
    return pd.DataFrame(m, index=pd.Index(VOTE_OUTCOMES, name="recorded"),
                        columns=pd.Index(VOTE_OUTCOMES, name="predicted"))


def _onehot(votes: Sequence[str | None]) -> NDArray[np.float64]:
    out = np.full((len(votes), 3), np.nan)
    for i, v in enumerate(votes):
        if v in _INDEX:
            out[i] = np.eye(3)[_INDEX[str(v)]]
    return out


def _modal(votes: Sequence[Any]) -> str:
    """Most frequent cast vote (ties: yes before abstain before no)."""
    cast = [v for v in votes if v in _INDEX]
    counts = {v: cast.count(v) for v in ("yes", "abstain", "no")}
    return max(counts, key=lambda k: counts[k])


def baseline_probabilities(
    records: pd.DataFrame, record: str, members: Sequence[str], kind: str
) -> NDArray[np.float64]:
    """Point predictions (one-hot rows) of a baseline for ``members`` on ``record``.

    Parameters
    ----------
    records : pandas.DataFrame
        As :func:`vote_records`.
    record : str
        The record predicted; its ``previous`` related resolution is read from
        :func:`vote_tallies`.
    members : sequence of str
        ISO3 codes.
    kind : {"majority", "repeat", "oracle"}
        ``"majority"``: everyone casts the modal vote of the previous related resolution.
        ``"repeat"``: each state repeats its vote on the previous related resolution; a state
        absent from it, or not recorded in it (not on the Council that year), gets that
        resolution's modal vote. ``"oracle"``: everyone casts the modal vote of ``record``
        itself (uses the answer; shown for reference only).

    Examples
    --------
    >>> r = vote_records()
    >>> baseline_probabilities(r, "ES-11/1", ["RUS", "USA", "AFG"], "repeat").tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    >>> baseline_probabilities(r, "S/2022/431", ["CHN"], "majority").tolist()
    [[0.0, 0.0, 1.0]]
    """
    if kind == "oracle":
        modal = _modal(list(_vote_matrix(records, record, list(records.loc[
            records["record"] == record, "iso3"]))))
        return _onehot([modal] * len(members))
    previous = str(vote_tallies().loc[record, "previous"])
    if not previous:
        raise ValueError(f"record {record!r} has no previous related resolution")
    prev_rows = records[records["record"] == previous]
    modal = _modal(list(prev_rows["vote"]))
    if kind == "majority":
        return _onehot([modal] * len(members))
    if kind == "repeat":
        prev = _vote_matrix(records, previous, members)
        return _onehot([v if v in _INDEX else modal for v in prev])
    raise ValueError(f"kind must be 'majority', 'repeat' or 'oracle', not {kind!r}")


# ---------------------------------------------------------------------------- simulation


def _record_id(label: str) -> str:
    """The record id at the start of an agenda label (``"ES-11/1 Aggression ..."``)."""
    return label.split()[0] if label.strip() else label


def _council_others(world: World) -> list[str]:
    """ISO3 codes of the non-modelled elected Council members, in ``world.council_others``
    order (the order :func:`scenarios.world.build_world` builds them in)."""
    others = set(world.others_codes)
    return [c for c in world.config.security_council if c in others]


def _vote_probabilities(
    world: World, state: State, item: AgendaVote, p: Any, members: Sequence[str]
) -> NDArray[np.float64]:
    """The model's probabilities of (no, abstain, yes) for every member on one agenda item.

    ``state`` is the start-of-month state that :func:`scenarios.dynamics.decide` sees (events
    of the month applied). NaN rows: members that do not vote (not on the Council, or no
    ideal point).
    """
    n = world.n
    out = np.full((len(members), 3), np.nan)
    pos = {c: k for k, c in enumerate(members)}
    probs = dynamics.vote_probabilities(world, state, item, p, slice(0, n))
    if item.body == "SC":
        voting = world.council > 0
        others, others_x = _council_others(world), world.council_others
    else:
        voting = np.ones(n, dtype=bool)
        others, others_x = list(world.others_codes), world.others_alignment
    for i, code in enumerate(world.codes):
        if voting[i] and code in pos:
            out[pos[code]] = probs[i]
    if len(others):
        po = np.asarray(rules.vote_probabilities(np.asarray(others_x, float), item.shift, p),
                        dtype=float)
        for k, code in enumerate(others):
            if code in pos:
                out[pos[code]] = po[k]
    return out


def _year_end_steps(cfg: ScenarioConfig) -> dict[int, int]:
    """Step after which the model stands at the end of each December inside the run."""
    out = {}
    first = cfg.start.year if cfg.start.month == 1 else cfg.start.year + 1
    for year in range(first, 10000):
        step = (year - cfg.start.year) * 12 + (12 - cfg.start.month) + 1
        if step > cfg.steps:
            break
        out[year] = step
    return out


@dataclass
class _Replication:
    """What one replication records (NaN where it failed)."""

    prob: NDArray[np.float64]
    cast: NDArray[np.float64]
    alignment: NDArray[np.float64]
    war: NDArray[np.float64]
    start: NDArray[np.float64] | None = None
    error: str = ""


def _run_one(cfg: ScenarioConfig, seed: np.random.SeedSequence, members: Sequence[str],
             overrides: Mapping[str, Any]) -> _Replication:
    from scenarios.model import ScenarioModel

    model: ScenarioModel = ScenarioModel(cfg, rng=seed, **dict(overrides))
    world = model.world
    ends = _year_end_steps(cfg)
    years = list(ends)
    agenda = list(world.agenda)
    n_m = len(members)
    pos = {c: k for k, c in enumerate(members)}
    rec = _Replication(
        prob=np.full((len(agenda), n_m, 3), np.nan),
        cast=np.full((len(agenda), n_m), np.nan),
        alignment=np.full((len(years), world.n), np.nan),
        war=np.zeros((len(years), world.n, 2)),
        start=model.state.alignment.copy(),
    )
    sides = [world.index("RUS"), world.index("UKR")]
    ever = np.zeros((world.n, 2))
    for t in range(1, cfg.steps + 1):
        items = [(k, a) for k, a in enumerate(agenda) if a.step == t]
        if items:
            # the state decide() will see: this month's events applied to a copy
            pre = model.state.copy()
            dynamics.apply_events(world, pre, t, model.p)
            for k, item in items:
                rec.prob[k] = _vote_probabilities(world, pre, item, model.p, members)
        model.step()
        for j, (k, item) in enumerate(items):
            for agent in model.states:
                if agent.decisions is None or agent.code not in pos:
                    continue
                if item.body == "SC" and world.council[agent.position] <= 0:
                    continue
                rec.cast[k, pos[agent.code]] = float(agent.decisions.votes[j].reshape(-1)[0])
        for s, side in enumerate(sides):
            if side >= 0:
                ever[:, s] = np.maximum(ever[:, s], model.state.at_war[:, side] > 0)
        if t in ends.values():
            y = years.index(next(yr for yr, st in ends.items() if st == t))
            rec.alignment[y] = model.state.alignment
            rec.war[y] = ever
    return rec


def simulate(
    config: ScenarioConfig | str = "historical_2022",
    *,
    n_replications: int = 20,
    rng: int | np.integer[Any] | np.random.SeedSequence | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """Run the replications of a backtest and record votes, alignment and war entry.

    Each replication is one :class:`scenarios.model.ScenarioModel` run, seeded by child ``r``
    of ``SeedSequence(rng)`` exactly as in :func:`scenarios.ensemble.run_replications`, and
    stepped here month by month so that the model's vote probabilities can be read before
    each vote.

    Parameters
    ----------
    config : ScenarioConfig or str
        A config object or a built-in name (default ``"historical_2022"``).
    n_replications : int
        Number of runs (>= 1).
    rng : int, SeedSequence or None
        Root seed (``None``: fresh entropy, stored in ``attrs["seed_entropy"]``).
    overrides : mapping, optional
        Lever or parameter values replacing the config's, by name.
    progress : bool
        Print one line per replication.

    Returns
    -------
    xarray.Dataset
        Dims ``replication``, ``vote`` (record id of each agenda item), ``member`` (the 193
        UN members), ``outcome`` (:data:`VOTE_OUTCOMES`), ``year`` (each December inside the
        run), ``actor`` (modelled actors), ``side`` (``RUS``, ``UKR``). Variables:
        ``vote_prob`` (replication, vote, member, outcome), ``vote_cast`` (replication, vote,
        member; -1/0/+1 for modelled voters, NaN otherwise), ``veto_prob`` (replication, vote;
        probability that a permanent member votes no, SC only), ``alignment`` (replication,
        year, actor), ``alignment_start`` (actor), ``at_war`` (replication, year, actor,
        side: 1 if at war with that side at some month up to the end of the year),
        ``status``/``error`` (replication). Coords ``vote_body``, ``vote_step``,
        ``vote_label``, ``vote_target`` on ``vote``; ``modelled`` (0/1) on ``member``.

    Examples
    --------
    >>> from scenarios.config import builtin_config, parse_config
    >>> cfg = parse_config({**builtin_config("historical_2022").to_dict(), "steps": 3})
    >>> ds = simulate(cfg, n_replications=2, rng=1)
    >>> ds.sizes["replication"], ds.sizes["member"], ds.vote.values.tolist()
    (2, 193, ['S/2022/155', 'ES-11/1'])
    >>> bool(abs(ds.vote_prob.sum("outcome").sel(vote="ES-11/1", member="USA") - 1).max() < 1e-9)
    True
    """
    from scenarios.config import resolve_config

    cfg = resolve_config(config)
    if isinstance(n_replications, bool) or not isinstance(n_replications, int | np.integer) \
            or n_replications < 1:
        raise ValueError(f"n_replications must be an integer >= 1, not {n_replications!r}")
    overrides = dict(overrides or {})
    root = _seed_root(rng)
    seeds = _children(root, int(n_replications))
    members = sorted(str(c) for c in _data.actors()["iso3"])
    from scenarios.world import build_world

    world = build_world(cfg)
    agenda = list(world.agenda)
    years = list(_year_end_steps(cfg))
    runs: list[_Replication] = []
    for r, seed in enumerate(seeds):
        t0 = time.perf_counter()
        try:
            runs.append(_run_one(cfg, seed, members, overrides))
        except Exception as err:  # a failed run is recorded, not fatal
            runs.append(_Replication(
                prob=np.full((len(agenda), len(members), 3), np.nan),
                cast=np.full((len(agenda), len(members)), np.nan),
                alignment=np.full((len(years), world.n), np.nan),
                war=np.full((len(years), world.n, 2), np.nan),
                error=f"{type(err).__name__}: {err}",
            ))
        if progress:
            print(f"replication {r + 1}/{len(seeds)}: {time.perf_counter() - t0:.2f} s"
                  + (f" FAILED {runs[-1].error}" if runs[-1].error else ""), flush=True)
    start = next((x.start for x in runs if x.start is not None), np.full(world.n, np.nan))
    prob = np.stack([x.prob for x in runs])
    is_p5 = np.array([c in _data.P5 for c in members])
    veto = 1.0 - np.prod(np.where(is_p5[None, None, :], 1.0 - np.nan_to_num(prob[..., 0]),
                                  1.0), axis=-1)
    bodies = [a.body for a in agenda]
    veto[:, [b != "SC" for b in bodies]] = np.nan
    veto[[bool(x.error) for x in runs]] = np.nan
    ids = [_record_id(a.label) for a in agenda]
    return xr.Dataset(
        {
            "vote_prob": (("replication", "vote", "member", "outcome"), prob),
            "vote_cast": (("replication", "vote", "member"), np.stack([x.cast for x in runs])),
            "veto_prob": (("replication", "vote"), veto),
            "alignment": (("replication", "year", "actor"),
                          np.stack([x.alignment for x in runs])),
            "alignment_start": (("actor",), np.asarray(start, dtype=float)),
            "at_war": (("replication", "year", "actor", "side"),
                       np.stack([x.war for x in runs])),
            "status": (("replication",),
                       np.array(["failed" if x.error else "ok" for x in runs])),
            "error": (("replication",), np.array([x.error for x in runs], dtype=str)),
        },
        coords={
            "replication": np.arange(len(runs)),
            "vote": ids,
            "vote_body": ("vote", bodies),
            "vote_step": ("vote", [a.step for a in agenda]),
            "vote_label": ("vote", [a.label for a in agenda]),
            "vote_target": ("vote", [world.codes[a.target] for a in agenda]),
            "member": members,
            "modelled": ("member", [int(c in world.codes) for c in members]),
            "outcome": list(VOTE_OUTCOMES),
            "year": years,
            "actor": list(world.codes),
            "side": ["RUS", "UKR"],
        },
        attrs={
            "scenario": cfg.name,
            "n_replications": len(runs),
            "seed_entropy": str(root.entropy),
            "smoothing": SMOOTHING,
            "config_yaml": cfg.to_yaml(),
        },
    )


# ------------------------------------------------------------------------------- scoring


def _ok(sim: xr.Dataset) -> xr.Dataset:
    return sim.isel(replication=np.flatnonzero(sim["status"].values == "ok"))


def _subset(sim: xr.Dataset, members: str | Sequence[str]) -> list[str]:
    if isinstance(members, str):
        if members == "all":
            return [str(c) for c in sim["member"].values]
        if members == "principal":
            return list(_data.PRINCIPALS)
        if members == "modelled":
            return [str(c) for c in sim["actor"].values]
        raise ValueError("members must be 'all', 'principal', 'modelled' or a list of ISO3")
    return list(members)


def score_votes(
    sim: xr.Dataset,
    records: pd.DataFrame | None = None,
    *,
    members: str | Sequence[str] = "all",
    smoothing: float = SMOOTHING,
    certain_only: bool = False,
) -> pd.DataFrame:
    """Scores of the model and the baselines on every recorded vote the run put to a vote.

    Parameters
    ----------
    sim : xarray.Dataset
        From :func:`simulate`.
    records : pandas.DataFrame, optional
        Default :func:`vote_records`.
    members : {"all", "principal", "modelled"} or list of ISO3
        Whose votes count. Only members with a recorded cast vote and a model prediction
        are scored, so every predictor is scored on the same states.
    smoothing : float
        See :func:`probability_scores`.
    certain_only : bool
        Drop record rows marked ``certain == 0``.

    Returns
    -------
    pandas.DataFrame
        Index (``record``, ``predictor``) with predictors :data:`PREDICTORS`; columns
        ``accuracy``, ``brier``, ``log_loss``, ``n`` (scored), ``n_absent`` (recorded absent,
        excluded), ``n_unpredicted`` (recorded but no model prediction, e.g. not on the
        model's Council).
    """
    records = vote_records() if records is None else records
    if certain_only:
        records = records[records["certain"] == 1]
    ok = _ok(sim)
    rows = []
    for rec in [str(v) for v in sim["vote"].values]:
        if rec not in set(records["record"]):
            continue
        cand = [c for c in _subset(sim, members)
                if c in set(records.loc[records["record"] == rec, "iso3"])]
        recorded = _vote_matrix(records, rec, cand)
        mean = ok["vote_prob"].sel(vote=rec, member=cand).mean("replication").values
        cast = ok["vote_cast"].sel(vote=rec, member=cand).values
        shares = np.stack([(cast == v).mean(axis=0) for v in (-1, 0, 1)], axis=-1)
        shares[np.isnan(cast).all(axis=0)] = np.nan
        absent = recorded == "absent"
        predicted = np.isfinite(mean).all(axis=1)
        use = ~absent & predicted
        obs = recorded[use]
        preds = {
            "model": mean[use],
            "model (vote shares)": shares[use],
            "majority of previous": baseline_probabilities(records, rec, cand, "majority")[use],
            "repeat previous": baseline_probabilities(records, rec, cand, "repeat")[use],
            "majority of this record (uses the answer)":
                baseline_probabilities(records, rec, cand, "oracle")[use],
        }
        for name, pr in preds.items():
            if not np.isfinite(pr).all():  # shares are missing for non-modelled voters
                keep = np.isfinite(pr).all(axis=1)
                s = probability_scores(pr[keep], obs[keep], smoothing)
            else:
                s = probability_scores(pr, obs, smoothing)
            rows.append({"record": rec, "predictor": name, **s,
                         "n_absent": int(absent.sum()),
                         "n_unpredicted": int((~absent & ~predicted).sum())})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.set_index(["record", "predictor"])


def vote_confusion(
    sim: xr.Dataset, record: str, records: pd.DataFrame | None = None,
    *, members: str | Sequence[str] = "all",
) -> pd.DataFrame:
    """Confusion matrix of the model's most probable vote against the record."""
    records = vote_records() if records is None else records
    cand = [c for c in _subset(sim, members)
            if c in set(records.loc[records["record"] == record, "iso3"])]
    recorded = _vote_matrix(records, record, cand)
    mean = _ok(sim)["vote_prob"].sel(vote=record, member=cand).mean("replication").values
    use = (recorded != "absent") & np.isfinite(mean).all(axis=1)
    return confusion_matrix(mean[use], recorded[use])


def score_tallies(sim: xr.Dataset) -> pd.DataFrame:
    """Expected General Assembly tallies of the model (all members voting) against the record.

    The model has every member with an ideal point vote (it has no absences), so its expected
    counts are compared with the recorded counts of cast votes and the recorded absences are
    listed beside them.
    """
    tallies = vote_tallies()
    ok = _ok(sim)
    rows = []
    for rec in [str(v) for v in sim["vote"].values]:
        if rec not in tallies.index or tallies.loc[rec, "body"] != "GA":
            continue
        mean = ok["vote_prob"].sel(vote=rec).mean("replication")
        exp = mean.sum("member", skipna=True).values
        counts = tallies.loc[[rec], ["yes", "abstain", "no", "absent"]].astype(int)
        t = {str(k): int(v) for k, v in counts.iloc[0].items()}
        rows.append({"record": rec, **t,
                     "model yes": float(exp[2]), "model abstain": float(exp[1]),
                     "model no": float(exp[0]),
                     "model voters": int(np.isfinite(mean.values).all(axis=1).sum())})
    return pd.DataFrame(rows).set_index("record") if rows else pd.DataFrame()


def score_vetoes(sim: xr.Dataset) -> pd.DataFrame:
    """Probability that the Security Council draft was vetoed, against the record.

    Columns: ``vetoed`` (recorded 0/1), ``vetoed_by``, ``p_model`` (mean over replications of
    the model's probability that a permanent member votes no), ``p_previous`` (1 if the
    previous related resolution was vetoed: the persistence baseline), and the Brier score
    ``(p - vetoed)^2`` of each.
    """
    tallies = vote_tallies()
    ok = _ok(sim)
    rows = []
    for rec in [str(v) for v in sim["vote"].values]:
        if rec not in tallies.index or tallies.loc[rec, "body"] != "SC":
            continue
        t = tallies.loc[rec]
        vetoed = float(bool(t["vetoed_by"]))
        prev = str(t["previous"])
        p_prev = float(bool(tallies.loc[prev, "vetoed_by"])) if prev else np.nan
        p = float(ok["veto_prob"].sel(vote=rec).mean())
        rows.append({"record": rec, "vetoed": int(vetoed), "vetoed_by": t["vetoed_by"],
                     "p_model": p, "p_previous": p_prev,
                     "brier_model": (p - vetoed) ** 2, "brier_previous": (p_prev - vetoed) ** 2})
    return pd.DataFrame(rows).set_index("record") if rows else pd.DataFrame()


def _ideal(year: int, codes: Sequence[str]) -> NDArray[np.float64]:
    ip = _data.ideal_points()
    sub = ip[ip["year"] == year].set_index("iso3")["ideal_point"]
    return np.array([sub.get(c, np.nan) for c in codes], dtype=float)


def _rmse(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def score_alignment(sim: xr.Dataset, *, base_year: int = 2021) -> pd.DataFrame:
    """The model's alignment at the end of each year against the recorded ideal points.

    Scored over the modelled actors with a recorded ideal point in ``base_year - 1``,
    ``base_year`` and the year. Predictors: ``model`` (mean over replications),
    ``persistence`` (the ``base_year`` value carried forward) and ``trend`` (the change from
    ``base_year - 1`` to ``base_year`` carried forward each year).

    Returns
    -------
    pandas.DataFrame
        Index (``year``, ``predictor``); columns ``rmse`` and ``corr`` of the level,
        ``rmse_change`` and ``corr_change`` of the change since ``base_year``,
        ``direction`` (share of states whose predicted change has the recorded sign; NaN for
        persistence, which predicts no change), ``n``.
    """
    ok = _ok(sim)
    codes = [str(c) for c in sim["actor"].values]
    x0 = _ideal(base_year, codes)
    xm1 = _ideal(base_year - 1, codes)
    rows = []
    for year in [int(y) for y in sim["year"].values]:
        rec = _ideal(year, codes)
        model = ok["alignment"].sel(year=year).mean("replication").values
        use = np.isfinite(rec) & np.isfinite(x0) & np.isfinite(xm1) & np.isfinite(model)
        preds = {"model": model, "persistence": x0,
                 "trend": x0 + (year - base_year) * (x0 - xm1)}
        d_rec = (rec - x0)[use]
        for name, pr in preds.items():
            d = (pr - x0)[use]
            direction = float((np.sign(d) == np.sign(d_rec)).mean()) if np.any(d != 0) \
                else float("nan")
            rows.append({"year": year, "predictor": name, "rmse": _rmse(pr[use], rec[use]),
                         "corr": _corr(pr[use], rec[use]), "rmse_change": _rmse(d, d_rec),
                         "corr_change": _corr(d, d_rec), "direction": direction,
                         "n": int(use.sum())})
    return pd.DataFrame(rows, columns=["year", "predictor", "rmse", "corr", "rmse_change",
                                       "corr_change", "direction", "n"]
                        ).set_index(["year", "predictor"])


def score_sides(sim: xr.Dataset, sides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Third states at war with either side of the Russia-Ukraine war, against UCDP.

    For every modelled actor other than Russia and Ukraine (their war is imposed by the
    config), every year and side: did it fight against that side by the end of the year?
    Recorded: on the other side's roster in UCDP that year. Scored by Brier score for the
    model (share of replications at war) and for persistence (last year's roster; nobody
    joins in 2022).

    Returns
    -------
    pandas.DataFrame
        One row per (year, actor, against) where either the record or the model says yes,
        plus a final row ``("all", "all", "all")`` with the mean Brier scores over every
        (year, actor, against) cell.
    """
    sides = war_sides() if sides is None else sides
    ok = _ok(sim)
    actors = [str(a) for a in sim["actor"].values if a not in ("RUS", "UKR")]
    rows = []
    b_model, b_pers = [], []
    for year in [int(y) for y in sim["year"].values]:
        for against in ("RUS", "UKR"):
            own = "UKR" if against == "RUS" else "RUS"
            roster = set(sides.loc[(sides.year == year) & (sides.side == own), "iso3"])
            before = set(sides.loc[(sides.year == year - 1) & (sides.side == own), "iso3"])
            p = ok["at_war"].sel(year=year, side=against, actor=actors).mean("replication")
            for code, pm in zip(actors, p.values, strict=True):
                rec = float(code in roster)
                pers = float(code in before)
                b_model.append((pm - rec) ** 2)
                b_pers.append((pers - rec) ** 2)
                if rec or pm > 0:
                    rows.append({"year": year, "actor": code, "against": against,
                                 "recorded": int(rec), "p_model": float(pm),
                                 "p_persistence": pers, "brier_model": (pm - rec) ** 2,
                                 "brier_persistence": (pers - rec) ** 2, "n": 1})
    rows.append({"year": "all", "actor": "all", "against": "all", "recorded": np.nan,
                 "p_model": np.nan, "p_persistence": np.nan, "n": len(b_model),
                 "brier_model": float(np.mean(b_model)) if b_model else np.nan,
                 "brier_persistence": float(np.mean(b_pers)) if b_pers else np.nan})
    return pd.DataFrame(rows).set_index(["year", "actor", "against"])


@dataclass
class BacktestResult:
    """Everything a backtest produced: the simulation and its score tables."""

    sim: xr.Dataset
    votes: pd.DataFrame
    votes_principal: pd.DataFrame
    tallies: pd.DataFrame
    vetoes: pd.DataFrame
    alignment: pd.DataFrame
    sides: pd.DataFrame
    confusion: dict[str, pd.DataFrame] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One table: each backtest's main score for the model and for its baselines.

        Votes: Brier score (lower is better) of the model, of the modal vote of the previous
        related resolution (``majority``) and of each state repeating its previous vote
        (``repeat``). Vetoes: Brier score of the model and of "vetoed if the previous related
        draft was" (``repeat``). Alignment: RMSE of the model and of persistence (``repeat``).
        Sides: Brier score of the model and of last year's sides (``repeat``).
        """
        rows = []
        for label, table in (("all members", self.votes),
                             ("principals", self.votes_principal)):
            for rec in table.index.get_level_values(0).unique():
                t = table.loc[rec]
                rows.append({"backtest": f"vote {rec} ({label})", "metric": "Brier",
                             "model": t.loc["model", "brier"],
                             "majority": t.loc["majority of previous", "brier"],
                             "repeat": t.loc["repeat previous", "brier"],
                             "n": int(t.loc["model", "n"])})
        for rec, r in self.vetoes.iterrows():
            rows.append({"backtest": f"veto {rec}", "metric": "Brier",
                         "model": r["brier_model"], "majority": np.nan,
                         "repeat": r["brier_previous"], "n": 1})
        for year in self.alignment.index.get_level_values(0).unique():
            t = self.alignment.loc[year]
            rows.append({"backtest": f"alignment {year}", "metric": "RMSE",
                         "model": t.loc["model", "rmse"], "majority": np.nan,
                         "repeat": t.loc["persistence", "rmse"],
                         "n": int(t.loc["model", "n"])})
        total = ("all", "all", "all")
        if total in self.sides.index:
            last = self.sides.loc[total]  # type: ignore[index]
            rows.append({"backtest": "sides in the war", "metric": "Brier",
                         "model": last["brier_model"], "majority": np.nan,
                         "repeat": last["brier_persistence"], "n": int(last["n"])})
        return pd.DataFrame(rows).set_index("backtest")


def run_backtest(
    config: ScenarioConfig | str = "historical_2022",
    *,
    n_replications: int = 20,
    rng: int | np.integer[Any] | np.random.SeedSequence | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> BacktestResult:
    """:func:`simulate` a backtest and score it on every record (votes, alignment, sides).

    Examples
    --------
    >>> from scenarios.config import builtin_config, parse_config
    >>> cfg = parse_config({**builtin_config("historical_2022").to_dict(), "steps": 3})
    >>> res = run_backtest(cfg, n_replications=2, rng=3)
    >>> int(res.votes.loc[("ES-11/1", "model"), "n"])
    181
    """
    sim = simulate(config, n_replications=n_replications, rng=rng, overrides=overrides,
                   progress=progress)
    records = vote_records()
    votes = score_votes(sim, records)
    confusion = {str(r): vote_confusion(sim, str(r), records)
                 for r in votes.index.get_level_values(0).unique()}
    return BacktestResult(
        sim=sim, votes=votes, votes_principal=score_votes(sim, records, members="principal"),
        tallies=score_tallies(sim), vetoes=score_vetoes(sim),
        alignment=score_alignment(sim), sides=score_sides(sim), confusion=confusion,
    )


# ------------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class VoteFit:
    """An ordered-logit fit of the vote model (maximum likelihood).

    Attributes end in ``_``-free names matching :class:`scenarios.parameters.Parameters`.
    """

    vote_slope: float
    vote_cut_no: float
    vote_cut_yes: float
    vote_target_affinity: float | None
    se: dict[str, float]
    loglik: float
    accuracy: float
    n: int
    data: str

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _hessian(f: Any, x: NDArray[np.float64], h: float = 1e-4) -> NDArray[np.float64]:
    n = len(x)
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h, h
            hess[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                          + f(x - ei - ej)) / (4 * h * h)
    return hess


@functools.cache
def _affinity_2013() -> dict[str, float]:
    """Each member's initial model affinity toward Russia in a world built from 2013 data."""
    from scenarios.world import build_world, initial_state

    cfg = parse_config({"name": "fit_2013", "start": "2014-03", "steps": 1, "data_year": 2013,
                        "actors": "un"})
    world = build_world(cfg)
    state = initial_state(world)
    rus = world.index("RUS")
    return {c: float(state.affinity[i, rus]) for i, c in enumerate(world.codes)}


def fit_vote_parameters(
    *, target_affinity: bool = False, fixed_target_affinity: float | None = None,
    year: int = 2013,
) -> VoteFit:
    """Fit the ordered-logit vote model on UNGA 68/262 (27 March 2014).

    ``P(no) = sigmoid(c_lo - z)``, ``P(yes) = sigmoid(z - c_hi)``, ``z = k x - b_A a``, with
    ``x`` the ``year`` UNGA ideal point and, if ``target_affinity``, ``a`` the model's own
    initial affinity toward Russia in a world built from ``year`` data (all 193 members
    modelled, no sanctions or wars configured). Absent members are excluded; with the
    affinity term Russia (the target, whose own vote the model fixes) is excluded too.
    ``fixed_target_affinity`` holds ``b_A`` at a given value and fits the other three (the
    profile likelihood of that value). Only data dated before 2022 enter.

    Returns
    -------
    VoteFit
        ``vote_slope`` (k), ``vote_cut_no`` (c_lo), ``vote_cut_yes`` (c_hi),
        ``vote_target_affinity`` (b_A, ``None`` without the term), standard errors from the
        numerical Hessian, log-likelihood, share correct (modal prediction) and ``n``.

    Examples
    --------
    >>> fit = fit_vote_parameters()
    >>> round(fit.vote_slope, 2), round(fit.vote_cut_no, 2), round(fit.vote_cut_yes, 2), fit.n
    (3.19, -4.72, -1.33, 169)
    """
    rec = vote_records()
    rec = rec[(rec["record"] == "68/262") & (rec["vote"] != "absent")].copy()
    ip = _data.ideal_points()
    ipm = ip[ip["year"] == year].set_index("iso3")["ideal_point"]
    rec["x"] = rec["iso3"].map(ipm)
    if rec["x"].isna().any():
        raise ValueError(f"no {year} ideal point for {rec.loc[rec.x.isna(), 'iso3'].tolist()}")
    with_a = target_affinity or fixed_target_affinity is not None
    if with_a:
        aff = _affinity_2013() if year == 2013 else None
        if aff is None:
            raise ValueError("the affinity term is fitted on the 2013 world only")
        rec = rec[rec["iso3"] != "RUS"]
        rec["a"] = rec["iso3"].map(aff)
    x = rec["x"].to_numpy(float)
    a = rec["a"].to_numpy(float) if with_a else np.zeros(len(rec))
    y = _observed_index(rec["vote"].to_numpy())

    def probs(th: NDArray[np.float64]) -> NDArray[np.float64]:
        b = th[3] if target_affinity else (fixed_target_affinity or 0.0)
        z = th[0] * x - b * a
        p_no = 1.0 / (1.0 + np.exp(-(th[1] - z)))
        p_na = 1.0 / (1.0 + np.exp(-(th[2] - z)))
        return np.column_stack([p_no, p_na - p_no, 1.0 - p_na])

    def nll(th: NDArray[np.float64]) -> float:
        if th[2] <= th[1]:
            return 1e10
        p = probs(th)[np.arange(len(y)), y]
        return float(-np.sum(np.log(np.clip(p, 1e-300, None))))

    start = np.array([1.0, -1.0, 0.0] + ([0.0] if target_affinity else []))
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    res = optimize.minimize(nll, res.x, method="BFGS", options={"gtol": 1e-8})
    se = np.sqrt(np.diag(np.linalg.inv(_hessian(nll, res.x))))
    names = ["vote_slope", "vote_cut_no", "vote_cut_yes"] + (
        ["vote_target_affinity"] if target_affinity else [])
    acc = float((probs(res.x).argmax(axis=1) == y).mean())
    return VoteFit(
        vote_slope=float(res.x[0]), vote_cut_no=float(res.x[1]), vote_cut_yes=float(res.x[2]),
        vote_target_affinity=float(res.x[3]) if target_affinity else fixed_target_affinity,
        se={n: float(s) for n, s in zip(names, se, strict=True)}, loglik=float(-res.fun),
        accuracy=acc, n=len(y),
        data=f"UNGA 68/262 votes (A/68/PV.80) on {year} ideal points"
        + (", affinity toward RUS of the model's 2013 world; RUS excluded"
           if with_a else "")
        + (f"; b_A held at {fixed_target_affinity}" if fixed_target_affinity is not None
           else ""),
    )


def fit_stubbornness(first: int = 2000, last: int = 2021) -> dict[str, float]:
    """Monthly stubbornness implied by the year-to-year persistence of ideal points.

    A within (fixed-effects) AR(1) over UN members, ``x_{i,y+1} - m_i = rho (x_{i,y} - m_i)``,
    years ``first``..``last``; a deviation from the anchor that decays as ``(1 - s)^12 = rho``
    a year gives ``s = 1 - rho^(1/12)``. The within estimator is biased down by about
    ``(1 + rho) / (T - 1)`` (Nickell 1981), so ``s`` is an upper bound; the bias-corrected
    value is given too.

    References
    ----------
    Nickell, S. (1981). Biases in dynamic models with fixed effects. *Econometrica* 49(6):
    1417-1426. https://doi.org/10.2307/1911408

    Examples
    --------
    >>> out = fit_stubbornness()
    >>> 0 < out["rho_annual"] < 1 and 0 < out["stubbornness_monthly"] < 0.1
    True
    """
    ip = _data.ideal_points()
    ip = ip[ip["year"].between(first, last)].pivot(index="iso3", columns="year",
                                                   values="ideal_point")
    ip = ip.dropna()
    arr = ip.to_numpy(float)
    dev = arr - arr.mean(axis=1, keepdims=True)
    x, y = dev[:, :-1].ravel(), dev[:, 1:].ravel()
    rho = float((x @ y) / (x @ x))
    t = arr.shape[1]
    rho_bc = min(rho + (1 + rho) / (t - 1), 0.999)
    return {"rho_annual": rho, "stubbornness_monthly": 1.0 - rho ** (1 / 12),
            "rho_annual_bias_corrected": rho_bc,
            "stubbornness_monthly_bias_corrected": 1.0 - rho_bc ** (1 / 12),
            "n_states": int(arr.shape[0]), "years": t, "first": first, "last": last}


# -------------------------------------------------------------------------------- plots


def plot_votes(
    sim: xr.Dataset, record: str, *, members: Sequence[str] | None = None,
    records: pd.DataFrame | None = None, ax: Axes | None = None,
) -> Axes:
    """Predicted P(no / abstain / yes) per state as stacked bars, the recorded vote marked.

    Parameters
    ----------
    sim : xarray.Dataset
        From :func:`simulate`.
    record : str
        A record id among ``sim.vote``.
    members : sequence of str, optional
        States to show, top to bottom (default: the 20 principals).
    ax : matplotlib Axes, optional
        Drawn on; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    records = vote_records() if records is None else records
    codes = list(_data.PRINCIPALS if members is None else members)
    mean = _ok(sim)["vote_prob"].sel(vote=record, member=codes).mean("replication").values
    recorded = _vote_matrix(records, record, codes)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.28 * len(codes) + 1.2))
    ypos = np.arange(len(codes))[::-1]
    colours = {"no": "#b2182b", "abstain": "#bdbdbd", "yes": "#2166ac"}
    left = np.zeros(len(codes))
    for k, name in enumerate(VOTE_OUTCOMES):
        w = np.nan_to_num(mean[:, k])
        ax.barh(ypos, w, left=left, color=colours[name], label=f"P({name})", height=0.7)
        left += w
    centre = {"no": 0.05, "abstain": 0.5, "yes": 0.95}
    for yv, v in zip(ypos, recorded, strict=True):
        if v in centre:
            ax.plot(centre[str(v)], yv, marker="D", color="black", ms=5, ls="none")
        elif v == "absent":
            ax.text(0.5, yv, "absent", ha="center", va="center", fontsize=7)
    ax.plot([], [], marker="D", color="black", ls="none", label="recorded vote")
    ax.set_yticks(ypos, codes)
    ax.set_xlim(0, 1)
    ax.set_xlabel("predicted probability (mean over replications)")
    ax.set_title(f"{record}: model vs record")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=4, fontsize=7,
              frameon=False)
    return ax


def plot_alignment(sim: xr.Dataset, year: int = 2024, *, base_year: int = 2021,
                   ax: Axes | None = None) -> Axes:
    """Change of alignment since ``base_year``: model (median, 5-95 % bar) vs recorded.

    Each modelled state is a point at (recorded change, model change); on the diagonal the
    model is right, and persistence predicts 0 for all.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    ok = _ok(sim)
    codes = [str(c) for c in sim["actor"].values]
    x0 = _ideal(base_year, codes)
    rec = _ideal(year, codes) - x0
    al = ok["alignment"].sel(year=year).values - x0[None, :]
    # the median lies inside its own 5-95 % range (a skewed mean need not)
    lo, mean, hi = np.quantile(al, [0.05, 0.5, 0.95], axis=0)
    use = np.isfinite(rec) & np.isfinite(mean)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    ax.errorbar(rec[use], mean[use],
                yerr=[np.maximum(mean[use] - lo[use], 0.0), np.maximum(hi[use] - mean[use], 0.0)],
                fmt="o", ms=3, lw=0.6, color="#2166ac", alpha=0.8, label="model median (5-95 %)")
    lim = float(np.nanmax(np.abs(np.concatenate([rec[use], lo[use], hi[use]])))) * 1.1
    ax.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8, label="model = record")
    ax.axhline(0, color="black", lw=0.5, ls=":", label="persistence")
    if use.sum() <= 30:
        for c, xr_, ym in zip(np.array(codes)[use], rec[use], mean[use], strict=True):
            ax.annotate(c, (xr_, ym), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel(f"recorded change of ideal point, {base_year}-{year}")
    ax.set_ylabel(f"model change of alignment, {base_year}-{year}")
    ax.set_title(f"Alignment drift to end-{year}")
    ax.legend(fontsize=7, loc="upper left")
    return ax


# ---------------------------------------------------------------------------- performance


def time_runs(config: ScenarioConfig | str, *, n_runs: int = 3, rng: int = 0
              ) -> dict[str, float]:
    """Seconds to build and to step one whole run of ``config`` (``time.perf_counter``).

    Returns the median over ``n_runs`` of model construction and of stepping to the horizon,
    and their sum per run.
    """
    from scenarios.config import resolve_config
    from scenarios.model import ScenarioModel

    cfg = resolve_config(config)
    build, run = [], []
    for r in range(n_runs):
        t0 = time.perf_counter()
        m = ScenarioModel(cfg, rng=rng + r)
        t1 = time.perf_counter()
        m.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
    total = [b + s for b, s in zip(build, run, strict=True)]
    return {"actors": len(m.agents), "steps": cfg.steps, "n_runs": n_runs,
            "build_s": float(np.median(build)), "step_s": float(np.median(run)),
            "total_s": float(np.median(total)), "min_total_s": float(np.min(total))}


# ------------------------------------------------------------------------------------ cli


def main(argv: list[str] | None = None) -> int:
    """``python -m scenarios.backtest``: run a backtest, print its tables, save figures."""
    ap = argparse.ArgumentParser(prog="python -m scenarios.backtest",
                                 description="Backtest a past-dated scenario on the record.")
    ap.add_argument("--config", default="historical_2022",
                    help="built-in config name (historical_2022 or historical_2022_un)")
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--figures", type=Path, default=None,
                    help="directory to save PNG figures into")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a parameter or lever (repeatable), e.g. "
                    "--set vote_target_affinity=0")
    ap.add_argument("--tag", default=None, help="file-name tag of the figures")
    ap.add_argument("--time", action="store_true",
                    help="only time runs of the 20-actor and the UN-scale config")
    args = ap.parse_args(argv)
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.max_rows", 200)
    if args.time:
        for name in ("historical_2022", UN_CONFIG):
            print(name, time_runs(builtin_config(name), n_runs=3))
        return 0
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = float(value)
    res = run_backtest(args.config, n_replications=args.replications, rng=args.seed,
                       overrides=overrides, progress=True)
    fmt = "{:.3f}".format
    print(f"\n# {args.config}: {args.replications} replications, seed {args.seed}, "
          f"overrides {overrides}")
    for title, table in (("votes (all members)", res.votes),
                         ("votes (principals)", res.votes_principal),
                         ("GA tallies", res.tallies), ("vetoes", res.vetoes),
                         ("alignment", res.alignment), ("sides", res.sides),
                         ("summary", res.summary())):
        print(f"\n## {title}\n{table.to_string(float_format=fmt)}")
    for rec, cm in res.confusion.items():
        print(f"\n## confusion {rec} (rows recorded, columns predicted)\n{cm.to_string()}")
    if args.figures is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        args.figures.mkdir(parents=True, exist_ok=True)
        tag = args.tag or ("un" if args.config == UN_CONFIG else "20")
        for rec in [str(v) for v in res.sim["vote"].values]:
            if rec not in set(vote_records()["record"]):
                continue
            ax = plot_votes(res.sim, rec)
            out = args.figures / f"backtest_{tag}_{rec.replace('/', '_')}.png"
            fig = ax.get_figure(root=True)
            assert fig is not None
            fig.savefig(out, dpi=120, bbox_inches="tight")
            plt.close(fig)
            print("saved", out)
        for year in [int(y) for y in res.sim["year"].values]:
            ax = plot_alignment(res.sim, year)
            out = args.figures / f"backtest_{tag}_alignment_{year}.png"
            fig = ax.get_figure(root=True)
            assert fig is not None
            fig.savefig(out, dpi=120, bbox_inches="tight")
            plt.close(fig)
            print("saved", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
