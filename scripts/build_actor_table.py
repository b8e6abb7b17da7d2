"""Build the packaged calibration tables of ``scenarios.data`` from the raw public datasets.

Usage::

    python scripts/build_actor_table.py [--raw ../shared/data] [--out src/scenarios/data]

The raw files (see ``PROVENANCE.md`` next to them) are read with pandas and never copied.
Every output is plain CSV/JSON with sorted rows, fixed float formatting and ``\\n`` line endings
and no timestamps, so that two runs on the same raw files give byte-identical output.

Outputs (in ``--out``): ``actors.csv``, ``actor_values.csv``, ``ideal_points.csv``,
``alliances.csv``, ``trade_shares.csv``, ``calibration.json`` and ``sources.json``.
See ``docs/data.md`` for what each contains and where every number comes from.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RAW = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "scenarios" / "data"

FLOAT_FMT = "%.8g"
YEARS = range(2000, 2025)  # actor_values years
IDEAL_YEARS = range(1991, 2025)
LAST_YEAR = 2024

PRINCIPALS: tuple[str, ...] = (
    "RUS", "PRK", "CHN", "USA", "UKR", "KOR", "JPN", "GBR", "FRA", "DEU",
    "POL", "ITA", "IND", "IRN", "BLR", "BRA", "ZAF", "TUR", "SAU", "EGY",
)  # fmt: skip
P5: tuple[str, ...] = ("USA", "GBR", "FRA", "RUS", "CHN")

# The 193 UN member states (ISO 3166-1 alpha-3), used only to validate the actor list.
_UN_MEMBERS_TEXT = """
    AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH
    BWA BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE
    PRK COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC
    GRD GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT
    KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG
    MNE MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL
    PRT QAT KOR MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM
    ZAF SSD ESP LKA SDN SUR SWE CHE SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR
    TZA USA URY UZB VUT VEN VNM YEM ZMB ZWE"""
UN_MEMBERS_ISO3 = frozenset(_UN_MEMBERS_TEXT.split())

# UN members absent from the 2024 ideal-point file (no recorded 2024 votes / coded differently).
MISSING_MEMBERS = {"AFG": (700, "Afghanistan"), "VEN": (101, "Venezuela"), "SRB": (345, "Serbia")}
# The ideal-point file codes Serbia (COW 345) as "YUG"/"Yugoslavia" in every year.
IDEAL_ISO_FIX = {"YUG": "SRB"}
NAME_FIX = {
    "SRB": "Serbia",
    "STP": "São Tomé & Príncipe",
    "CIV": "Côte d’Ivoire",
}

# ---------------------------------------------------------------------------------------------
# Short source strings (full citations in sources.json, keyed by the same dataset key).
# ---------------------------------------------------------------------------------------------
SRC_NMC = "COW NMC v7.0"
SRC_SIPRI = "SIPRI Milex DB 2024"
SRC_WB_GDP = "World Bank WDI"
SRC_WB_POP = "World Bank WDI"
SRC_FAS = "FAS/OWID"
SRC_TRADE = "COW Trade v4.0/WDI"
SRC_IDEAL = "UNGA ideal points Jul 2025 (BSV 2017)"
SRC_ATOP = "ATOP v5.1"
SRC_ATOP_EXT = "ATOP v5.1 ends 2018; assumed in force through 2024"
SRC_TIES = "TIES sanction games (Morgan, Bapat & Kobayashi 2014; Crisman-Cox & Gibilisco 2019)"
SRC_VOTES = "UNGA A/RES/68/262 recorded vote, A/68/PV.80 (27 March 2014)"
SRC_VETO = "UNSC veto list, Dag Hammarskjöld Library (compiled to Sept 2022)"

# ---------------------------------------------------------------------------------------------
# Documented estimates for principal actors (estimate = 1).
# ---------------------------------------------------------------------------------------------
# Bank of Korea estimates of DPRK nominal GNI (KRW trillion), converted at the annual average
# KRW/USD rate (Bank of Korea ECOS).  Approximate; GNI used as a proxy for GDP.
BOK_DPRK_GNI = {  # year: (KRW trillion, KRW per USD)
    2014: (34.2, 1053.2),
    2015: (34.5, 1131.5),
    2016: (36.4, 1160.4),
    2017: (36.6, 1130.8),
    2018: (35.9, 1100.3),
    2019: (35.3, 1165.7),
    2020: (35.0, 1180.1),
    2021: (36.3, 1144.4),
    2022: (36.7, 1291.9),
    2023: (40.2, 1305.4),
}
WMEAT_DPRK_MILEX_USD_M = 4000.0
SRC_WMEAT = (
    "US State Dept WMEAT 2019 ed.: approx. US$ 4 bn/yr (2007-2017 avg, ~20-25% of GDP); "
    "applied to years without data"
)
IISS_DPRK_MILPER_K = 1280.0
SRC_IISS = (
    "IISS Military Balance 2024: 1.28 m active (source report: about 1.2 m active); approximate"
)
# FAS Status of World Nuclear Forces 2024 (Kristensen, Korda et al.), total stockpiles.
FAS_2024_WARHEADS = {
    "RUS": 4380, "USA": 3708, "CHN": 500, "FRA": 290, "GBR": 225,
    "IND": 172, "PAK": 170, "ISR": 90, "PRK": 50,
}  # fmt: skip
SRC_FAS_2024 = "FAS Status of World Nuclear Forces 2024 (Kristensen, Korda et al.)"

# ---------------------------------------------------------------------------------------------
# Hand-coded alliance facts (estimate = 0, source = the treaty).
# ---------------------------------------------------------------------------------------------
SRC_RUS_PRK_2024 = (
    "Russia-DPRK Treaty on Comprehensive Strategic Partnership, signed Pyongyang 19 June 2024, "
    "Art. 4 mutual military assistance; in force 4 Dec 2024"
)
NATO_ACCESSION = {  # member: accession year (North Atlantic Treaty, Washington 1949)
    "BEL": 1949, "CAN": 1949, "DNK": 1949, "FRA": 1949, "ISL": 1949, "ITA": 1949,
    "LUX": 1949, "NLD": 1949, "NOR": 1949, "PRT": 1949, "GBR": 1949, "USA": 1949,
    "GRC": 1952, "TUR": 1952, "DEU": 1955, "ESP": 1982, "CZE": 1999, "HUN": 1999,
    "POL": 1999, "BGR": 2004, "EST": 2004, "LVA": 2004, "LTU": 2004, "ROU": 2004,
    "SVK": 2004, "SVN": 2004, "ALB": 2009, "HRV": 2009, "MNE": 2017, "MKD": 2020,
    "FIN": 2023, "SWE": 2024,
}  # fmt: skip
NATO_NEW_SOURCES = {
    "MKD": "North Atlantic Treaty Art. 5; North Macedonia acceded 27 March 2020",
    "FIN": "North Atlantic Treaty Art. 5; Finland acceded 4 April 2023",
    "SWE": "North Atlantic Treaty Art. 5; Sweden acceded 7 March 2024",
}
# Alliances the brief requires to be present; hand-coded only if ATOP lacks them.
REQUIRED_DEFENSE = {
    ("CHN", "PRK"): (
        1961, "China-DPRK Treaty of Friendship, Cooperation and Mutual Assistance (1961)"
    ),
    ("KOR", "USA"): (1953, "US-ROK Mutual Defense Treaty (1953)"),
    ("JPN", "USA"): (1960, "US-Japan Treaty of Mutual Cooperation and Security (1960)"),
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Hand-coded directed trade shares: share of i's total goods trade (exports + imports) with j.
# ---------------------------------------------------------------------------------------------
TRADE_SHARES: list[tuple[str, str, int, float, str]] = [
    ("PRK", "CHN", 2019, 0.954, "KOTRA North Korea foreign trade trends 2019; China Customs"),
    ("PRK", "CHN", 2022, 0.967, "KOTRA North Korea foreign trade trends 2022; China Customs"),
    ("PRK", "CHN", 2023, 0.983, "KOTRA North Korea foreign trade trends 2023; China Customs"),
    ("PRK", "RUS", 2019, 0.02, "KOTRA North Korea foreign trade trends 2019; approximate"),
    ("PRK", "RUS", 2023, 0.01, "KOTRA 2023 (recorded trade only; arms transfers unrecorded); "
     "approximate"),
    ("CHN", "PRK", 2023, 0.0004, "China Customs 2023: US$ 2.3 bn of US$ 5.94 tn; approximate"),
    ("RUS", "CHN", 2021, 0.19, "China Customs US$ 147 bn / Bank of Russia total ~US$ 790 bn "
     "2021; approximate"),
    ("RUS", "CHN", 2023, 0.34, "China Customs US$ 240 bn / Russian total ~US$ 710 bn 2023; "
     "approximate"),
    ("CHN", "RUS", 2021, 0.024, "China Customs 2021: US$ 147 bn of US$ 6.05 tn; approximate"),
    ("CHN", "RUS", 2023, 0.04, "China Customs 2023: US$ 240 bn of US$ 5.94 tn; approximate"),
    ("RUS", "DEU", 2021, 0.09, "Destatis 2021 (EUR 60 bn) / Russian total; approximate"),
    ("RUS", "DEU", 2023, 0.02, "Destatis 2023 / Russian total; approximate"),
    ("RUS", "EUU", 2021, 0.36, "Eurostat EU27-Russia goods trade 2021 (EUR 258 bn); approximate"),
    ("RUS", "EUU", 2023, 0.13, "Eurostat EU27-Russia goods trade 2023 (EUR 88 bn); approximate"),
    ("UKR", "POL", 2021, 0.08, "State Statistics Service of Ukraine 2021; approximate"),
    ("UKR", "POL", 2023, 0.11, "State Statistics Service of Ukraine 2023; approximate"),
    ("UKR", "RUS", 2021, 0.08, "State Statistics Service of Ukraine 2021; approximate"),
    ("BLR", "RUS", 2021, 0.50, "Belstat 2021: Russia about half of Belarus's goods trade; "
     "approximate"),
    ("KOR", "CHN", 2021, 0.24, "Korea Customs Service / KITA 2021; approximate"),
    ("KOR", "CHN", 2023, 0.21, "Korea Customs Service / KITA 2023; approximate"),
    ("JPN", "CHN", 2021, 0.23, "JETRO / Japan Ministry of Finance trade statistics 2021; "
     "approximate"),
    ("JPN", "CHN", 2023, 0.20, "JETRO / Japan Ministry of Finance trade statistics 2023; "
     "approximate"),
    ("USA", "CHN", 2021, 0.14, "US Census Bureau goods trade 2021 (US$ 657 bn); approximate"),
    ("USA", "CHN", 2023, 0.11, "US Census Bureau goods trade 2023 (US$ 575 bn); approximate"),
    ("DEU", "CHN", 2021, 0.095, "Destatis foreign trade ranking 2021; approximate"),
    ("DEU", "CHN", 2023, 0.086, "Destatis foreign trade ranking 2023; approximate"),
    ("IND", "RUS", 2021, 0.013, "India Ministry of Commerce FY2021-22; approximate"),
    ("IND", "RUS", 2023, 0.059, "India Ministry of Commerce FY2023-24 (oil imports); "
     "approximate"),
    ("TUR", "RUS", 2021, 0.067, "TurkStat 2021; approximate"),
    ("TUR", "RUS", 2023, 0.09, "TurkStat 2023; approximate"),
]

# ---------------------------------------------------------------------------------------------
# Name -> ISO3 maps for the name-keyed raw files.
# ---------------------------------------------------------------------------------------------
SIPRI_NAMES = {
    "Bosnia and Herzegovina": "BIH",
    "Congo, DR": "COD",
    "Congo, Republic": "COG",
    "Cote d'Ivoire": "CIV",
    "Gambia, The": "GMB",
    "Korea, North": "PRK",
    "Korea, South": "KOR",
    "Kyrgyz Republic": "KGZ",
    "Myanmar": "MMR",
    "Serbia": "SRB",
    "Timor Leste": "TLS",
    "Trinidad and Tobago": "TTO",
    "Türkiye": "TUR",
    "United States of America": "USA",
    "Viet Nam": "VNM",
}
# "Korea, North": SIPRI publishes no DPRK series (PROVENANCE.md); the file's row holds zeros
# (2000-2014) and four values without constant-dollar or GDP-share companions, so it is dropped.
SIPRI_SKIP = {
    "Korea, North", "European Union", "Kosovo", "USSR", "Yemen, North", "Taiwan", "Czechoslovakia",
    "German Democratic Republic", "Yugoslavia",
}  # fmt: skip
VOTE_NAMES = {
    "Antigua and Barbuda": "ATG",
    "Bosnia and Herz.": "BIH",
    "Cabo Verde": "CPV",
    "Central African Rep.": "CAF",
    "Congo": "COG",
    "Côte d'Ivoire": "CIV",
    "Dem. Rep. Congo": "COD",
    "Dominican Rep.": "DOM",
    "Eq. Guinea": "GNQ",
    "Macedonia": "MKD",
    "Micronesia": "FSM",
    "Myanmar": "MMR",
    "S. Sudan": "SSD",
    "Saint Kitts and Nevis": "KNA",
    "Saint Lucia": "LCA",
    "Saint Vincent and the Grenadines": "VCT",
    "São Tomé and Príncipe": "STP",
    "Serbia": "SRB",
    "Swaziland": "SWZ",
    "Trinidad and Tobago": "TTO",
    "United States of America": "USA",
}

PLEDGES = ("defense", "offense", "neutrality", "nonaggression", "consultation")


def region_of(ccode: int) -> str:
    """Coarse COW region from the country code."""
    if ccode < 200:
        return "Americas"
    if ccode < 400:
        return "Europe"
    if ccode < 600:
        return "Africa"
    if ccode < 700:
        return "Middle East"
    return "Asia"


# ---------------------------------------------------------------------------------------------
# actors
# ---------------------------------------------------------------------------------------------
def build_actors(raw: Path) -> pd.DataFrame:
    ip = pd.read_csv(raw / "unga_idealpoints_bsv_jul2025_1946_2024.csv")
    cur = ip.loc[ip["year"] == LAST_YEAR, ["ccode", "iso3c", "countryname"]].copy()
    cur["iso3c"] = cur["iso3c"].replace(IDEAL_ISO_FIX)
    rows = {r.iso3c: (int(r.ccode), str(r.countryname)) for r in cur.itertuples()}
    for iso, (cc, name) in MISSING_MEMBERS.items():
        if iso not in rows:
            rows[iso] = (cc, name)
    rows = {k: v for k, v in rows.items() if k in UN_MEMBERS_ISO3}
    missing = UN_MEMBERS_ISO3 - set(rows)
    if missing:
        raise SystemExit(f"UN members without an actor row: {sorted(missing)}")
    df = pd.DataFrame(
        [(iso, cc, NAME_FIX.get(iso, name)) for iso, (cc, name) in rows.items()],
        columns=["iso3", "ccode", "name"],
    )
    df["un_member"] = 1
    df["principal"] = df["iso3"].isin(PRINCIPALS).astype(int)
    order = {iso: i + 1 for i, iso in enumerate(PRINCIPALS)}
    df["principal_order"] = df["iso3"].map(order).astype("Int64")
    df["p5"] = df["iso3"].isin(P5).astype(int)
    df["region"] = df["ccode"].map(region_of)
    df = df.sort_values("iso3").reset_index(drop=True)
    assert len(df) == 193, len(df)
    assert df["ccode"].is_unique
    assert int(df["principal"].sum()) == 20 and int(df["p5"].sum()) == 5
    return df


# ---------------------------------------------------------------------------------------------
# actor values
# ---------------------------------------------------------------------------------------------
Record = tuple[str, str, int, float, str, int]


def _numeric(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def build_actor_values(raw: Path, actors: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    cc2iso = dict(zip(actors["ccode"], actors["iso3"], strict=True))
    isos = set(actors["iso3"])
    recs: dict[tuple[str, str, int], Record] = {}

    def put(iso: str, var: str, year: int, value: float, source: str, est: int) -> None:
        if iso in isos and year in YEARS and value is not None and math.isfinite(value):
            recs[(iso, var, year)] = (iso, var, year, float(value), source, est)

    # --- COW NMC: cinc, milper, milex (fallback) ---
    nmc = pd.read_csv(raw / "cow_nmc_v7_0_1816_2022.csv")
    nmc = nmc[nmc["year"].isin(YEARS) & nmc["ccode"].isin(cc2iso)]
    cow_milex: dict[tuple[str, int], float] = {}
    for r in nmc.itertuples():
        iso = cc2iso[int(r.ccode)]
        y = int(r.year)
        put(iso, "cinc", y, r.cinc, SRC_NMC, 0)
        if pd.notna(r.milper):
            put(iso, "milper_k", y, r.milper, SRC_NMC, 0)
        if pd.notna(r.milex):
            cow_milex[(iso, y)] = float(r.milex) / 1000.0
    # CINC ends 2022: carry the 2022 value to 2023-2024 for every member that has one.
    for iso in isos:
        base = recs.get((iso, "cinc", 2022))
        if base is not None:
            for y in (2023, 2024):
                put(iso, "cinc", y, base[3], "COW NMC v7.0 2022 value carried forward "
                    "(NMC ends 2022)", 1)

    # --- SIPRI milex, COW fallback ---
    sip = pd.read_csv(raw / "sipri_milex_1949_2023_long.csv", dtype=str)
    name2iso = dict(zip(actors["name"], actors["iso3"], strict=True)) | SIPRI_NAMES
    unknown = set(sip["country"]) - set(name2iso) - SIPRI_SKIP
    if unknown:
        raise SystemExit(f"SIPRI names without an ISO3 mapping: {sorted(unknown)}")
    sip = sip[~sip["country"].isin(SIPRI_SKIP)].copy()
    sip["iso3"] = sip["country"].map(name2iso)
    sip["year"] = sip["year"].astype(int)
    sip["v"] = _numeric(sip["milex_current_usd_m"])
    sip = sip[sip["year"].isin(YEARS) & sip["v"].notna()]
    assert not sip.duplicated(["iso3", "year"]).any()
    for r in sip.itertuples():
        put(str(r.iso3), "milex_usd_m", int(r.year), _sig(float(r.v), 7), SRC_SIPRI, 0)
    for (iso, y), v in sorted(cow_milex.items()):
        if (iso, "milex_usd_m", y) not in recs:
            put(iso, "milex_usd_m", y, v, "COW NMC v7.0 milex/1000 (SIPRI missing)", 0)
    for y in YEARS:
        if ("PRK", "milex_usd_m", y) not in recs and y >= 2002:
            put("PRK", "milex_usd_m", y, WMEAT_DPRK_MILEX_USD_M, SRC_WMEAT, 1)

    # --- World Bank GDP and population ---
    gdp = pd.read_csv(raw / "wb_gdp_current_usd_NY.GDP.MKTP.CD.csv")
    gdp = gdp[gdp["Year"].isin(YEARS) & gdp["Country Code"].isin(isos) & gdp["Value"].notna()]
    for r in gdp.itertuples():
        put(str(r[2]), "gdp_usd_bn", int(r.Year), _sig(float(r.Value) / 1e9), SRC_WB_GDP, 0)
    for y, (krw_tn, rate) in BOK_DPRK_GNI.items():
        if ("PRK", "gdp_usd_bn", y) not in recs:
            put("PRK", "gdp_usd_bn", y, round(krw_tn * 1000.0 / rate, 2),
                f"Bank of Korea, GDP estimates for North Korea ({y}): nominal GNI KRW "
                f"{krw_tn:g} tn at {rate:g} KRW/USD; approximate", 1)
    pop = pd.read_csv(raw / "wb_population_SP.POP.TOTL.csv")
    pop = pop[pop["Year"].isin(YEARS) & pop["Country Code"].isin(isos) & pop["Value"].notna()]
    for r in pop.itertuples():
        put(str(r[2]), "population_m", int(r.Year), _sig(float(r.Value) / 1e6), SRC_WB_POP, 0)

    # --- DPRK milper 2023-2024 ---
    for y in (2023, 2024):
        put("PRK", "milper_k", y, IISS_DPRK_MILPER_K, SRC_IISS, 1)

    # --- warheads ---
    owid = pd.read_csv(raw / "owid_nuclear_warhead_stockpiles_fas.csv")
    owid = owid[owid["Year"].isin(YEARS) & owid["Code"].isin(isos)]
    nuclear = set(owid["Code"])
    for r in owid.itertuples():
        put(str(r.Code), "warheads", int(r.Year), float(r.nuclear_weapons_stockpile), SRC_FAS, 0)
    for iso, v in FAS_2024_WARHEADS.items():
        put(iso, "warheads", 2024, float(v), SRC_FAS_2024, 1)
    if "ZAF" in nuclear and ("ZAF", "warheads", 2024) not in recs:
        put("ZAF", "warheads", 2024, 0.0, SRC_FAS_2024 + ": none", 1)
    for iso in sorted(isos - nuclear):
        for y in YEARS:
            put(iso, "warheads", y, 0.0, SRC_FAS + ": none", 0)

    # --- trade openness ---
    trade = pd.read_csv(raw / "cow_trade_v4_0_state_year_1870_2014.csv")
    trade = trade[trade["year"].isin(YEARS) & trade["ccode"].isin(cc2iso)]
    trade = trade[trade["imports"].notna() & trade["exports"].notna()]
    for r in trade.itertuples():
        iso = cc2iso[int(r.ccode)]
        y = int(r.year)
        g = recs.get((iso, "gdp_usd_bn", y))
        if g is None or g[3] <= 0:
            continue
        src = SRC_TRADE if g[5] == 0 else "COW Trade v4.0 / Bank of Korea GNI estimate"
        put(iso, "trade_openness", y, _sig((r.imports + r.exports) / (g[3] * 1000.0)), src, g[5])
    for iso in isos:
        base = recs.get((iso, "trade_openness", 2014))
        if base is not None:
            for y in range(2015, LAST_YEAR + 1):
                put(iso, "trade_openness", y, base[3],
                    "COW Trade v4.0 ends 2014: 2014 value carried forward", 1)

    # --- principal gaps 2021-2024: carry the latest earlier value forward ---
    variables = ("cinc", "milex_usd_m", "gdp_usd_bn", "population_m", "milper_k",
                 "warheads", "trade_openness")
    carried: list[str] = []
    for iso in PRINCIPALS:
        for var in variables:
            for y in range(2021, LAST_YEAR + 1):
                if (iso, var, y) in recs:
                    continue
                prev = [recs[(iso, var, yy)] for yy in range(y - 1, YEARS.start - 1, -1)
                        if (iso, var, yy) in recs]
                if not prev:
                    raise SystemExit(f"no value to carry forward for {iso} {var} {y}")
                p = prev[0]
                src = f"carried forward from {p[2]} ({p[4]})"
                put(iso, var, y, p[3], src, 1)
                carried.append(f"{iso} {var} {y} <- {p[2]}")

    df = pd.DataFrame(list(recs.values()),
                      columns=["iso3", "variable", "year", "value", "source", "estimate"])
    df = df.sort_values(["iso3", "variable", "year"]).reset_index(drop=True)

    # gap counts (UN members x 2000-2024 without a value)
    full = len(isos) * len(YEARS)
    counts = df.groupby("variable").size()
    gaps = {var: int(full - counts.get(var, 0)) for var in variables}
    gaps_2024 = {
        var: int(len(isos) - ((df["variable"] == var) & (df["year"] == 2024)).sum())
        for var in variables
    }
    info = {"gaps_2000_2024": gaps, "members_without_2024_value": gaps_2024,
            "carried_forward_principal": carried}
    return df, info


# ---------------------------------------------------------------------------------------------
# ideal points
# ---------------------------------------------------------------------------------------------
def build_ideal_points(raw: Path, actors: pd.DataFrame) -> pd.DataFrame:
    ip = pd.read_csv(raw / "unga_idealpoints_bsv_jul2025_1946_2024.csv")
    ip["iso3"] = ip["iso3c"].replace(IDEAL_ISO_FIX)
    ip = ip[ip["year"].isin(IDEAL_YEARS) & ip["iso3"].isin(set(actors["iso3"]))]
    ip = ip[ip["idealpointfp"].notna()]
    out = pd.DataFrame({
        "iso3": ip["iso3"], "year": ip["year"].astype(int),
        "ideal_point": ip["idealpointfp"], "q5": ip["q5fp"], "q95": ip["q95fp"],
        "source": SRC_IDEAL,
    })
    assert not out.duplicated(["iso3", "year"]).any()
    return out.sort_values(["iso3", "year"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# alliances
# ---------------------------------------------------------------------------------------------
def _spells(pair_rows: pd.DataFrame) -> Iterable[tuple[int, int, tuple[int, ...]]]:
    start = prev_year = None
    prev_vec: tuple[int, ...] | None = None
    for r in pair_rows.itertuples(index=False):
        vec = tuple(int(getattr(r, p)) for p in PLEDGES)
        y = int(r.year)
        if prev_vec is not None and (vec != prev_vec or y != prev_year + 1):  # type: ignore[operator]
            yield int(start), int(prev_year), prev_vec  # type: ignore[arg-type]
            start = y
        elif prev_vec is None:
            start = y
        prev_vec, prev_year = vec, y
    if prev_vec is not None:
        yield int(start), int(prev_year), prev_vec  # type: ignore[arg-type]


def build_alliances(raw: Path, actors: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    cc2iso = dict(zip(actors["ccode"], actors["iso3"], strict=True))
    a = pd.read_csv(raw / "atop_5_1_ddyr_1946_2018.csv")
    a = a[(a["ccode1"] < a["ccode2"]) & a["ccode1"].isin(cc2iso) & a["ccode2"].isin(cc2iso)]
    a = a.rename(columns={"atop_defense": "defense", "atop_offense": "offense",
                          "atop_neutral": "neutrality", "atop_nonagg": "nonaggression",
                          "atop_consul": "consultation"})
    a = a[a[list(PLEDGES)].sum(axis=1) > 0].copy()
    i1 = a["ccode1"].map(cc2iso)
    i2 = a["ccode2"].map(cc2iso)
    a["iso3_a"] = np.where(i1 < i2, i1, i2)
    a["iso3_b"] = np.where(i1 < i2, i2, i1)
    a = a.sort_values(["iso3_a", "iso3_b", "year"])
    assert not a.duplicated(["iso3_a", "iso3_b", "year"]).any()
    last_atop = int(a["year"].max())
    rows: list[dict[str, Any]] = []
    for (ia, ib), g in a.groupby(["iso3_a", "iso3_b"], sort=True):
        for s, e, vec in _spells(g):
            if e < IDEAL_YEARS.start:
                continue
            rows.append({"iso3_a": ia, "iso3_b": ib, "start_year": s, "end_year": e,
                         **dict(zip(PLEDGES, vec, strict=True)),
                         "source": SRC_ATOP, "estimate": 0})
            if e == last_atop:
                rows.append({"iso3_a": ia, "iso3_b": ib, "start_year": e + 1,
                             "end_year": LAST_YEAR, **dict(zip(PLEDGES, vec, strict=True)),
                             "source": SRC_ATOP_EXT, "estimate": 1})
    notes: list[str] = []

    def active(x: str, y: str, year: int) -> list[dict[str, Any]]:
        ia, ib = sorted((x, y))
        return [r for r in rows if r["iso3_a"] == ia and r["iso3_b"] == ib
                and r["start_year"] <= year <= r["end_year"]]

    def add(x: str, y: str, start: int, pledges: dict[str, int], source: str) -> None:
        ia, ib = sorted((x, y))
        vec = dict.fromkeys(PLEDGES, 0) | pledges
        merged = False
        for r in active(ia, ib, start):
            if r["start_year"] == start:
                raise SystemExit(f"conflicting hand-coded spell {ia}-{ib} {start}")
            for p in PLEDGES:
                vec[p] = max(vec[p], int(r[p]))
            r["end_year"] = start - 1
            merged = True
        if merged:
            source += "; earlier ATOP pledges retained"
        rows.append({"iso3_a": ia, "iso3_b": ib, "start_year": start, "end_year": LAST_YEAR,
                     **vec, "source": source, "estimate": 0})

    # Required pre-existing defence pacts: hand-code only if ATOP lacks them.
    for (x, y), (start, src) in REQUIRED_DEFENSE.items():
        if any(r["defense"] for r in active(x, y, 2000)):
            notes.append(f"{x}-{y} defence pact present in ATOP")
        else:
            add(x, y, start, {"defense": 1}, src)
            notes.append(f"{x}-{y} defence pact hand-coded ({src})")
    # NATO: every pair of pre-2019 members must have a defence pledge in ATOP in 2018.
    old = [m for m, yr in NATO_ACCESSION.items() if yr <= last_atop]
    missing_nato = []
    for i, x in enumerate(sorted(old)):
        for y in sorted(old)[i + 1:]:
            if not any(r["defense"] for r in active(x, y, last_atop)):
                missing_nato.append((x, y))
    for x, y in missing_nato:
        add(x, y, max(NATO_ACCESSION[x], NATO_ACCESSION[y]), {"defense": 1, "consultation": 1},
            "North Atlantic Treaty Art. 5 (1949)")
    notes.append(f"NATO pairs among {len(old)} pre-2019 members missing in ATOP 2018: "
                 f"{len(missing_nato)}")
    # New NATO members after ATOP ends.
    for new in sorted((m for m in NATO_ACCESSION if NATO_ACCESSION[m] > last_atop),
                      key=lambda m: (NATO_ACCESSION[m], m)):
        yr = NATO_ACCESSION[new]
        for other, oyr in sorted(NATO_ACCESSION.items()):
            if other != new and oyr <= yr:
                add(new, other, yr, {"defense": 1, "consultation": 1}, NATO_NEW_SOURCES[new])
    # Russia-DPRK 2024 treaty.
    add("RUS", "PRK", 2024, {"defense": 1, "consultation": 1}, SRC_RUS_PRK_2024)

    df = pd.DataFrame(rows)
    df = df[df["end_year"] >= df["start_year"]]
    cols = ["iso3_a", "iso3_b", "start_year", "end_year", *PLEDGES, "source", "estimate"]
    df = df[cols].sort_values(["iso3_a", "iso3_b", "start_year"]).reset_index(drop=True)
    # no overlapping spells per pair
    prev_end = df.groupby(["iso3_a", "iso3_b"])["end_year"].shift()
    assert not (df["start_year"] <= prev_end).any(), "overlapping alliance spells"
    return df, notes


# ---------------------------------------------------------------------------------------------
# calibration: TIES, ordered logit of the Crimea vote, vetoes
# ---------------------------------------------------------------------------------------------
def _sig(x: float, digits: int = 6) -> float:
    return float(f"{x:.{digits}g}")


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    n = len(x)
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            hess[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return hess


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def ties_calibration(raw: Path) -> dict[str, Any]:
    t = pd.read_csv(raw / "ties_sanction_games_1970_2000_dyad_decade.csv")
    cd, sf, bd = (int(t[c].sum()) for c in ("cd", "sf", "bd"))
    n = cd + sf + bd
    shares = {"concede": cd / n, "imposed": sf / n, "backdown": bd / n}
    assert n == 633, n
    for k, target in (("concede", 0.227), ("imposed", 0.551), ("backdown", 0.221)):
        assert abs(shares[k] - target) < 0.001, (k, shares[k])
    # challenge-level logit: concede (1) vs sf/bd (0) on targetecondep
    x = np.repeat(np.concatenate([t["targetecondep"].to_numpy()] * 2),
                  np.concatenate([t["cd"].to_numpy(), (t["sf"] + t["bd"]).to_numpy()]))
    y = np.repeat(np.r_[np.ones(len(t)), np.zeros(len(t))],
                  np.concatenate([t["cd"].to_numpy(), (t["sf"] + t["bd"]).to_numpy()]))

    def nll(b: np.ndarray) -> float:
        z = b[0] + b[1] * x
        return float(-np.sum(y * _log_sigmoid(z) + (1 - y) * _log_sigmoid(-z)))

    res = optimize.minimize(nll, np.zeros(2), method="BFGS", options={"gtol": 1e-9})
    se = np.sqrt(np.diag(np.linalg.inv(_hessian(nll, res.x, 1e-3))))
    src = SRC_TIES
    return {
        "ties_n_challenges": {"value": n, "source": src + ": cd+sf+bd", "n": n},
        "ties_share_target_concedes": {"value": _sig(shares["concede"]),
                                       "source": src + ": cd/(cd+sf+bd)", "n": n},
        "ties_share_sanctions_imposed": {"value": _sig(shares["imposed"]),
                                         "source": src + ": sf/(cd+sf+bd)", "n": n},
        "ties_share_sender_backs_down": {"value": _sig(shares["backdown"]),
                                         "source": src + ": bd/(cd+sf+bd)", "n": n},
        "ties_p_impose_given_resist": {"value": _sig(sf / (sf + bd)),
                                       "source": src + ": sf/(sf+bd)", "n": sf + bd},
        "ties_logit_concede_intercept": {
            "value": _sig(res.x[0]), "se": _sig(se[0]), "n": n,
            "source": src + ": ML logit of target concedes on targetecondep, "
                            "challenge-level rows"},
        "ties_logit_concede_slope_targetecondep": {
            "value": _sig(res.x[1]), "se": _sig(se[1]), "n": n,
            "source": src + ": ML logit of target concedes on targetecondep, "
                            "challenge-level rows"},
        "ties_logit_loglik": {"value": _sig(-res.fun), "source": src, "n": n},
    }


def vote_calibration(raw: Path, actors: pd.DataFrame) -> dict[str, Any]:
    v = pd.read_csv(raw / "unga_68_262_crimea_2014_votes.csv")
    name2iso = dict(zip(actors["name"], actors["iso3"], strict=True))
    ip_all = pd.read_csv(raw / "unga_idealpoints_bsv_jul2025_1946_2024.csv")
    ip_names = ip_all[["countryname", "iso3c"]].dropna().drop_duplicates()
    for r in ip_names.itertuples():
        name2iso.setdefault(str(r.countryname), IDEAL_ISO_FIX.get(r.iso3c, r.iso3c))
    name2iso |= VOTE_NAMES
    v["iso3"] = v["country"].map(name2iso)
    unmatched = v.loc[v["iso3"].isna() | ~v["iso3"].isin(set(actors["iso3"])), "country"]
    if len(unmatched):
        raise SystemExit(f"unmatched vote rows: {unmatched.tolist()}")
    assert v["iso3"].is_unique and len(v) == 193
    counts = v["vote"].value_counts()
    assert (counts["Y"], counts["N"], counts["A"], counts["NV"]) == (100, 11, 58, 24)
    ip = ip_all[ip_all["year"] == 2013].copy()
    ip["iso3"] = ip["iso3c"].replace(IDEAL_ISO_FIX)
    ipm = dict(zip(ip["iso3"], ip["idealpointfp"], strict=True))
    v = v[v["vote"] != "NV"].copy()
    v["x"] = v["iso3"].map(ipm)
    if v["x"].isna().any():
        raise SystemExit(f"no 2013 ideal point: {v.loc[v['x'].isna(), 'iso3'].tolist()}")
    x = v["x"].to_numpy(float)
    yv = v["vote"].map({"N": 0, "A": 1, "Y": 2}).to_numpy(int)

    def probs(th: np.ndarray) -> np.ndarray:
        k, c_lo, c_hi = th
        p_n = 1.0 / (1.0 + np.exp(-(c_lo - k * x)))
        p_ny = 1.0 / (1.0 + np.exp(-(c_hi - k * x)))  # P(N or A)
        return np.column_stack([p_n, p_ny - p_n, 1.0 - p_ny])

    def nll(th: np.ndarray) -> float:
        if th[2] <= th[1]:
            return 1e10
        p = probs(th)[np.arange(len(yv)), yv]
        return float(-np.sum(np.log(np.clip(p, 1e-300, None))))

    res = optimize.minimize(nll, np.array([1.0, -1.0, 0.0]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    res = optimize.minimize(nll, res.x, method="BFGS", options={"gtol": 1e-8})
    cov = np.linalg.inv(_hessian(nll, res.x))
    se = np.sqrt(np.diag(cov))
    pred = probs(res.x).argmax(axis=1)
    correct = float((pred == yv).mean())
    n = len(yv)
    src = (SRC_VOTES + " + 2013 idealpointfp; ordered logit N<A<Y, "
           "P(Y)=s(k*x-c_hi), P(N)=s(c_lo-k*x), NV excluded")
    return {
        "unga_ordlogit_k": {"value": _sig(res.x[0]), "se": _sig(se[0]), "source": src, "n": n},
        "unga_ordlogit_c_lo": {"value": _sig(res.x[1]), "se": _sig(se[1]), "source": src,
                               "n": n},
        "unga_ordlogit_c_hi": {"value": _sig(res.x[2]), "se": _sig(se[2]), "source": src,
                               "n": n},
        "unga_ordlogit_loglik": {"value": _sig(-res.fun), "source": src, "n": n},
        "unga_ordlogit_share_correct": {"value": _sig(correct), "source": src, "n": n},
    }


def veto_calibration(raw: Path) -> dict[str, Any]:
    ve = pd.read_csv(raw / "unsc_vetoes_1946_sept2022.csv")
    ve = ve[ve["year"].between(1992, 2021)]
    rus = (ve["Russia"] == 1) | (ve["USSR"] == 1)
    chn = ve["China"] == 1
    out: dict[str, Any] = {}
    for d0 in (1992, 2002, 2012):
        dec = ve["year"].between(d0, d0 + 9)
        tag = f"{d0}_{d0 + 9}"
        out[f"unsc_vetoes_russia_{tag}"] = {
            "value": int((rus & dec).sum()), "n": int(dec.sum()),
            "source": SRC_VETO + f": draft resolutions vetoed by Russia, {d0}-{d0 + 9} "
                                 "(n = all vetoed drafts)"}
        out[f"unsc_vetoes_china_{tag}"] = {
            "value": int((chn & dec).sum()), "n": int(dec.sum()),
            "source": SRC_VETO + f": draft resolutions vetoed by China, {d0}-{d0 + 9} "
                                 "(n = all vetoed drafts)"}
    n12 = int((rus & ve["year"].between(2012, 2021)).sum())
    out["unsc_russia_veto_rate_per_year_2012_2021"] = {
        "value": _sig(n12 / 10.0), "n": n12,
        "source": SRC_VETO + ": Russian vetoes 2012-2021 / 10 years"}
    return out


SOURCES: dict[str, dict[str, str]] = {
    "cow_nmc": {
        "short": SRC_NMC, "file": "cow_nmc_v7_0_1816_2022.csv",
        "citation": "Singer, J. David, Stuart Bremer & John Stuckey (1972). Capability "
        "Distribution, Uncertainty, and Major Power War, 1820-1965. In B. Russett (ed.), Peace, "
        "War, and Numbers, 19-48; Singer, J. David (1987). Reconstructing the Correlates of War "
        "Dataset on Material Capabilities of States, 1816-1985. International Interactions 14: "
        "115-32. National Material Capabilities v7.0 (1816-2022).",
        "terms": "Free with citation."},
    "unga_ideal_points": {
        "short": SRC_IDEAL, "file": "unga_idealpoints_bsv_jul2025_1946_2024.csv",
        "citation": "Bailey, Michael A., Anton Strezhnev & Erik Voeten (2017). Estimating "
        "Dynamic State Preferences from United Nations Voting Data. Journal of Conflict "
        "Resolution 61(2): 430-56. Data: Voeten, Strezhnev & Bailey, United Nations General "
        "Assembly Voting Data, Harvard Dataverse hdl:1902.1/12379 (version July 2025).",
        "terms": "Cite."},
    "sipri_milex": {
        "short": SRC_SIPRI, "file": "sipri_milex_1949_2023_long.csv",
        "citation": "Source: SIPRI Military Expenditure Database (2024 release), Stockholm "
        "International Peace Research Institute.",
        "terms": "Non-commercial use with attribution."},
    "wb_gdp": {
        "short": SRC_WB_GDP, "file": "wb_gdp_current_usd_NY.GDP.MKTP.CD.csv",
        "citation": "World Bank, World Development Indicators: GDP (current US$), "
        "NY.GDP.MKTP.CD.", "terms": "CC BY 4.0."},
    "wb_population": {
        "short": SRC_WB_POP, "file": "wb_population_SP.POP.TOTL.csv",
        "citation": "World Bank, World Development Indicators: Population, total, SP.POP.TOTL.",
        "terms": "CC BY 4.0."},
    "fas_owid_warheads": {
        "short": SRC_FAS, "file": "owid_nuclear_warhead_stockpiles_fas.csv",
        "citation": "Our World in Data, Nuclear warhead stockpiles, from Federation of American "
        "Scientists (Kristensen, Korda et al.), Status of World Nuclear Forces.",
        "terms": "CC BY 4.0."},
    "fas_2024": {
        "short": SRC_FAS_2024, "file": "(hand-coded)",
        "citation": "Kristensen, Hans M., Matt Korda et al. (2024). Status of World Nuclear "
        "Forces 2024. Federation of American Scientists.", "terms": "Public."},
    "atop": {
        "short": SRC_ATOP, "file": "atop_5_1_ddyr_1946_2018.csv",
        "citation": "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell & Andrew "
        "G. Long (2002). Alliance Treaty Obligations and Provisions, 1815-1944. International "
        "Interactions 28: 237-60. ATOP v5.1 directed dyad-years.",
        "terms": "Free for research with citation."},
    "cow_trade": {
        "short": SRC_TRADE, "file": "cow_trade_v4_0_state_year_1870_2014.csv",
        "citation": "Barbieri, Katherine, Omar M. G. Keshk & Brian Pollins (2009). Trading "
        "Data: Evaluating our Assumptions and Coding Rules. Conflict Management and Peace "
        "Science 26(5): 471-491. COW Trade v4.0 national totals.", "terms": "Cite."},
    "ties": {
        "short": SRC_TIES, "file": "ties_sanction_games_1970_2000_dyad_decade.csv",
        "citation": "Morgan, T. Clifton, Navin Bapat & Yoshiharu Kobayashi (2014). Threat and "
        "Imposition of Economic Sanctions 1945-2005: Updating the TIES dataset. Conflict "
        "Management and Peace Science 31(5): 541-558; Crisman-Cox, Casey & Michael Gibilisco "
        "(2019). Estimating Signaling Games in International Relations: Problems and Solutions. "
        "Political Science Research and Methods.", "terms": "Research use."},
    "unga_68_262": {
        "short": SRC_VOTES, "file": "unga_68_262_crimea_2014_votes.csv",
        "citation": "United Nations General Assembly, resolution 68/262 (Territorial integrity "
        "of Ukraine), adopted 27 March 2014, recorded vote 100-11-58; official record "
        "A/68/PV.80.", "terms": "Public UN record."},
    "unsc_vetoes": {
        "short": SRC_VETO, "file": "unsc_vetoes_1946_sept2022.csv",
        "citation": "United Nations Dag Hammarskjöld Library, Security Council - Veto List "
        "(compiled 1946-Jul 2022).", "terms": "MIT (compilation)."},
    "bok_dprk_gdp": {
        "short": "Bank of Korea, GDP estimates for North Korea", "file": "(hand-coded)",
        "citation": "Bank of Korea, Gross Domestic Product Estimates for North Korea (annual "
        "releases 2015-2024); KRW/USD annual averages from Bank of Korea ECOS.",
        "terms": "Public."},
    "wmeat": {
        "short": "US State Dept WMEAT 2019", "file": "(hand-coded)",
        "citation": "US Department of State, Bureau of Arms Control, Verification and "
        "Compliance, World Military Expenditures and Arms Transfers (WMEAT) 2019.",
        "terms": "Public domain."},
    "iiss": {
        "short": "IISS Military Balance 2024", "file": "(hand-coded)",
        "citation": "International Institute for Strategic Studies (2024). The Military "
        "Balance 2024. London: Routledge.", "terms": "Cited figure only."},
}


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------
def write_csv(df: pd.DataFrame, path: Path) -> None:
    text = df.to_csv(index=False, float_format=FLOAT_FMT, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def write_json(obj: Any, path: Path) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="raw data directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    raw: Path = args.raw
    out: Path = args.out
    if not (raw / "PROVENANCE.md").exists():
        raise SystemExit(f"raw data directory not found: {raw}")
    out.mkdir(parents=True, exist_ok=True)

    actors = build_actors(raw)
    values, info = build_actor_values(raw, actors)
    ideal = build_ideal_points(raw, actors)
    alliances, notes = build_alliances(raw, actors)
    shares = pd.DataFrame(TRADE_SHARES, columns=["iso3_from", "iso3_to", "year", "share",
                                                 "source"])
    shares = shares.sort_values(["iso3_from", "iso3_to", "year"]).reset_index(drop=True)
    calib = ties_calibration(raw) | vote_calibration(raw, actors) | veto_calibration(raw)

    # sanity: principals have no gaps 2021-2024
    pv = values[values["iso3"].isin(PRINCIPALS) & values["year"].between(2021, 2024)]
    assert len(pv) == 20 * 7 * 4, len(pv)
    for df in (values, ideal, alliances, shares):
        assert df["source"].astype(str).str.len().gt(0).all()

    write_csv(actors, out / "actors.csv")
    write_csv(values, out / "actor_values.csv")
    write_csv(ideal, out / "ideal_points.csv")
    write_csv(alliances, out / "alliances.csv")
    write_csv(shares, out / "trade_shares.csv")
    write_json(calib, out / "calibration.json")
    write_json(SOURCES, out / "sources.json")
    if not args.quiet:
        print(json.dumps(info | {"alliance_notes": notes}, indent=1, sort_keys=True))
        print(json.dumps({k: v["value"] for k, v in calib.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
