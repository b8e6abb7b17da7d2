"""Packaged calibration data: actors, their capabilities, alignment, alliances and base rates.

All tables are derived from public datasets by ``scripts/build_actor_table.py`` (see
``docs/data.md`` for every source, estimate and gap).  This module only reads them: nothing is
loaded at import time; each file is read once on first use and cached.  Every public function
returns a fresh copy, so callers may modify the result freely.

Examples
--------
>>> from scenarios import data
>>> data.PRINCIPALS[:3]
('RUS', 'PRK', 'CHN')
>>> len(data.actors())
193
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import pandas as pd

__all__ = [
    "P5",
    "PRINCIPALS",
    "VARIABLES",
    "actor_values",
    "actors",
    "alliances",
    "calibration",
    "ideal_points",
    "snapshot",
    "sources",
    "trade_shares",
]

#: The 20 principal actors of the source report, in the report's order.
PRINCIPALS: tuple[str, ...] = (
    "RUS", "PRK", "CHN", "USA", "UKR", "KOR", "JPN", "GBR", "FRA", "DEU",
    "POL", "ITA", "IND", "IRN", "BLR", "BRA", "ZAF", "TUR", "SAU", "EGY",
)  # fmt: skip
#: Permanent members of the UN Security Council.
P5: tuple[str, ...] = ("USA", "GBR", "FRA", "RUS", "CHN")
#: Variables of :func:`actor_values` (long table) and :func:`snapshot` (columns).
VARIABLES: tuple[str, ...] = (
    "cinc", "milex_usd_m", "gdp_usd_bn", "population_m", "milper_k", "warheads",
    "trade_openness",
)  # fmt: skip


def _read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=16)
def _csv(name: str) -> pd.DataFrame:
    with resources.as_file(resources.files(__name__).joinpath(name)) as path:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])


@functools.lru_cache(maxsize=16)
def _json(name: str) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(_read_text(name))
    return obj


def _check_iso3(codes: Sequence[str]) -> list[str]:
    known = _csv("actors.csv")
    valid = set(known["iso3"])
    out = []
    for code in codes:
        if code not in valid:
            names = dict(zip(known["name"].str.upper(), known["iso3"], strict=True))
            guess = difflib.get_close_matches(str(code).upper(), sorted(valid), n=3, cutoff=0.5)
            guess += [
                names[n]
                for n in difflib.get_close_matches(str(code).upper(), list(names), n=3)
                if names[n] not in guess
            ]
            hint = f"; did you mean {', '.join(guess)}?" if guess else ""
            raise KeyError(f"unknown iso3 code {code!r}{hint}")
        out.append(str(code))
    return out


def actors() -> pd.DataFrame:
    """The 193 UN member states.

    Returns
    -------
    pandas.DataFrame
        One row per state, sorted by ``iso3``, with columns ``iso3``, ``ccode`` (Correlates of
        War code), ``name``, ``un_member`` (1), ``principal`` (1 for the report's 20 principal
        actors), ``principal_order`` (1..20, ``<NA>`` otherwise), ``p5`` (1 for the permanent
        Security Council members) and ``region`` (coarse COW region).

    Examples
    --------
    >>> from scenarios.data import actors
    >>> a = actors()
    >>> len(a), int(a["principal"].sum()), int(a["p5"].sum())
    (193, 20, 5)
    >>> prk = a.set_index("iso3").loc["PRK"]
    >>> int(prk["ccode"]), prk["region"]
    (731, 'Asia')
    """
    df = _csv("actors.csv").copy()
    df["principal_order"] = df["principal_order"].astype("Int64")
    return df


def actor_values() -> pd.DataFrame:
    """Long table of actor attributes, UN members, 2000-2024.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``variable`` (one of :data:`VARIABLES`), ``year``, ``value``,
        ``source`` (short citation) and ``estimate`` (0 = dataset value, 1 = documented
        estimate, carried-forward value or hand-coded fact).

    Examples
    --------
    >>> from scenarios.data import actor_values
    >>> v = actor_values()
    >>> sorted(v["variable"].unique()) == sorted(VARIABLES)
    True
    >>> row = v[(v.iso3 == "RUS") & (v.variable == "milex_usd_m") & (v.year == 2021)]
    >>> round(float(row["value"].iloc[0]))
    65908
    """
    return _csv("actor_values.csv").copy()


def ideal_points() -> pd.DataFrame:
    """UN General Assembly ideal points (Bailey, Strezhnev & Voeten), UN members, 1991-2024.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``year``, ``ideal_point`` (``idealpointfp``), ``q5``, ``q95``
        (posterior 5 % and 95 % quantiles) and ``source``.

    Examples
    --------
    >>> from scenarios.data import ideal_points
    >>> ip = ideal_points().set_index(["iso3", "year"])
    >>> bool(ip.loc[("USA", 2024), "ideal_point"] > 0 > ip.loc[("RUS", 2024), "ideal_point"])
    True
    """
    return _csv("ideal_points.csv").copy()


def trade_shares() -> pd.DataFrame:
    """Hand-coded directed trade shares for key pairs.

    ``share`` is the share of ``iso3_from``'s total goods trade (exports + imports) that is
    with ``iso3_to``.  ``iso3_to == "EUU"`` denotes the EU-27 as a whole.

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3_from``, ``iso3_to``, ``year``, ``share`` and ``source``.

    Examples
    --------
    >>> from scenarios.data import trade_shares
    >>> t = trade_shares().set_index(["iso3_from", "iso3_to", "year"])
    >>> float(t.loc[("PRK", "CHN", 2023), "share"])
    0.983
    """
    return _csv("trade_shares.csv").copy()


def alliances(year: int, iso3: Sequence[str] | None = None) -> pd.DataFrame:
    """Alliance spells in force in ``year`` among the given actors.

    Parameters
    ----------
    year : int
        Calendar year; a spell is active if ``start_year <= year <= end_year``.
    iso3 : sequence of str, optional
        Restrict to dyads whose both members are in this list (default: all UN members).

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3_a``, ``iso3_b`` (alphabetical, undirected), ``start_year``,
        ``end_year``, ``defense``, ``offense``, ``neutrality``, ``nonaggression``,
        ``consultation`` (0/1), ``source`` and ``estimate``; at most one row per dyad.

    Raises
    ------
    KeyError
        If an ``iso3`` code is not a UN member.

    Examples
    --------
    >>> from scenarios.data import alliances
    >>> a = alliances(2024, ["RUS", "PRK", "CHN"])
    >>> a[a["defense"] == 1][["iso3_a", "iso3_b"]].to_numpy().tolist()
    [['CHN', 'PRK'], ['PRK', 'RUS']]
    >>> int(alliances(2023, ["RUS", "PRK"])["defense"].sum())
    0
    """
    df = _csv("alliances.csv")
    mask = (df["start_year"] <= year) & (df["end_year"] >= year)
    if iso3 is not None:
        codes = set(_check_iso3(iso3))
        mask &= df["iso3_a"].isin(codes) & df["iso3_b"].isin(codes)
    return df[mask].reset_index(drop=True).copy()


def calibration() -> dict[str, Any]:
    """Parameters estimated from data (TIES sanction games, UNGA 68/262 vote, UNSC vetoes).

    Returns
    -------
    dict
        Parameter name -> ``{"value": ..., "source": str, "n": int}`` (plus ``"se"`` for
        fitted coefficients).  See ``docs/data.md`` for the definition of each entry.

    Examples
    --------
    >>> from scenarios.data import calibration
    >>> c = calibration()
    >>> round(c["ties_share_sanctions_imposed"]["value"], 3)
    0.551
    >>> c["unga_ordlogit_k"]["value"] > 0
    True
    """
    return copy.deepcopy(_json("calibration.json"))


def sources() -> dict[str, dict[str, str]]:
    """Full citations of every dataset used, keyed by dataset.

    Returns
    -------
    dict
        Dataset key -> ``{"short", "file", "citation", "terms"}``.

    Examples
    --------
    >>> from scenarios.data import sources
    >>> sources()["atop"]["short"]
    'ATOP v5.1'
    """
    return copy.deepcopy(_json("sources.json"))


def snapshot(year: int, iso3: Sequence[str] | None = None) -> pd.DataFrame:
    """Latest known attributes of the given actors as of ``year``.

    For every variable the value of the latest year ``<= year`` that has one is taken;
    ``<variable>_year`` and ``<variable>_source`` say which year and source it came from.
    Values that do not exist stay NaN (the caller decides how to fill them); the 20 principals
    have no NaN for 2021-2024.

    Parameters
    ----------
    year : int
        Reference year.
    iso3 : sequence of str, optional
        Actors, in the order wanted (default: :data:`PRINCIPALS` in principal order).

    Returns
    -------
    pandas.DataFrame
        Index ``iso3`` in the given order; columns ``name``, ``ccode``, ``p5``, then for each
        variable in :data:`VARIABLES` and for ``ideal_point``: ``<v>``, ``<v>_year`` and
        ``<v>_source``.

    Raises
    ------
    KeyError
        If a code is not a UN member; the message suggests close matches.

    Examples
    --------
    >>> from scenarios.data import snapshot
    >>> s = snapshot(2024)
    >>> list(s.index[:4])
    ['RUS', 'PRK', 'CHN', 'USA']
    >>> int(s.loc["PRK", "warheads"]), int(s.loc["PRK", "p5"]), int(s.loc["RUS", "p5"])
    (50, 0, 1)
    >>> try:
    ...     snapshot(2024, ["RUSS"])
    ... except KeyError as err:
    ...     print("did you mean RUS" in str(err))
    True
    """
    codes = _check_iso3(PRINCIPALS if iso3 is None else iso3)
    base = _csv("actors.csv").set_index("iso3").loc[codes, ["name", "ccode", "p5"]]
    out = base.copy()
    out.index.name = "iso3"
    vals = _csv("actor_values.csv")
    vals = vals[(vals["year"] <= year) & vals["iso3"].isin(codes)]
    latest = vals.sort_values("year").groupby(["iso3", "variable"]).tail(1)
    for var in VARIABLES:
        sub = latest[latest["variable"] == var].set_index("iso3")
        out[var] = sub["value"].reindex(codes).to_numpy()
        out[f"{var}_year"] = sub["year"].reindex(codes).astype("Int64").to_numpy()
        out[f"{var}_source"] = sub["source"].reindex(codes).to_numpy()
    ip = _csv("ideal_points.csv")
    ip = ip[(ip["year"] <= year) & ip["iso3"].isin(codes)]
    ip = ip.sort_values("year").groupby("iso3").tail(1).set_index("iso3")
    out["ideal_point"] = ip["ideal_point"].reindex(codes).to_numpy()
    out["ideal_point_year"] = ip["year"].reindex(codes).astype("Int64").to_numpy()
    out["ideal_point_source"] = ip["source"].reindex(codes).to_numpy()
    return out
