"""Tests of the packaged calibration data (``scenarios.data``) and its build script."""

from __future__ import annotations

import math
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from scenarios import data

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data"
SCRIPT = REPO / "scripts" / "build_actor_table.py"
PACKAGED = (
    "actors.csv",
    "actor_values.csv",
    "ideal_points.csv",
    "alliances.csv",
    "trade_shares.csv",
    "calibration.json",
    "sources.json",
)


@pytest.mark.skipif(not RAW.is_dir(), reason=f"raw data directory {RAW} not available")
def test_script_regenerates_packaged_files_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--raw", str(RAW), "--out", str(tmp_path), "--quiet"],
        check=True,
        cwd=REPO,
    )
    pkg = resources.files("scenarios.data")
    for name in PACKAGED:
        assert (tmp_path / name).read_bytes() == pkg.joinpath(name).read_bytes(), name


def test_packaged_data_is_small() -> None:
    pkg = resources.files("scenarios.data")
    total = sum(len(pkg.joinpath(name).read_bytes()) for name in PACKAGED)
    assert total < 3_000_000


def test_actors() -> None:
    a = data.actors()
    assert len(a) == 193 and a["iso3"].is_unique and a["ccode"].is_unique
    assert (a["un_member"] == 1).all()
    pr = a[a["principal"] == 1].sort_values("principal_order")
    assert tuple(pr["iso3"]) == data.PRINCIPALS
    assert list(pr["principal_order"]) == list(range(1, 21))
    assert a.loc[a["principal"] == 0, "principal_order"].isna().all()
    assert set(a.loc[a["p5"] == 1, "iso3"]) == set(data.P5) and len(data.P5) == 5
    assert {"SRB", "AFG", "VEN", "SSD", "PRK"} <= set(a["iso3"])
    assert a.set_index("iso3").loc["PRK", "region"] == "Asia"


def test_every_row_has_a_source() -> None:
    tables = [
        data.actor_values(),
        data.ideal_points(),
        data.alliances(2024),
        data.alliances(1995),
        data.trade_shares(),
    ]
    for df in tables:
        assert df["source"].notna().all()
        assert (df["source"].astype(str).str.strip() != "").all()
    for key, entry in data.calibration().items():
        assert entry["source"], key
        assert "value" in entry and "n" in entry, key
    for key, entry in data.sources().items():
        assert entry["citation"], key


def test_values_tidy() -> None:
    v = data.actor_values()
    assert set(v["variable"]) == set(data.VARIABLES)
    assert not v.duplicated(["iso3", "variable", "year"]).any()
    assert v["year"].between(2000, 2024).all()
    assert set(v["estimate"]) <= {0, 1}
    assert v["value"].notna().all()
    assert set(v["iso3"]) <= set(data.actors()["iso3"])


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_no_nan_for_principals(year: int) -> None:
    s = data.snapshot(year)
    assert list(s.index) == list(data.PRINCIPALS)
    assert not s.isna().any().any(), s.columns[s.isna().any()].tolist()


def _value(iso3: str, variable: str, year: int) -> tuple[float, str, int]:
    v = data.actor_values()
    row = v[(v["iso3"] == iso3) & (v["variable"] == variable) & (v["year"] == year)]
    assert len(row) == 1
    return float(row["value"].iloc[0]), str(row["source"].iloc[0]), int(row["estimate"].iloc[0])


def test_spot_checks_against_raw_values() -> None:
    # Raw values looked up by hand in the raw files.
    # cow_nmc_v7_0_1816_2022.csv: ccode 2, year 2012, cinc 0.13921906
    val, src, est = _value("USA", "cinc", 2012)
    assert math.isclose(val, 0.13921906, rel_tol=1e-7) and "NMC" in src and est == 0
    # sipri_milex_1949_2023_long.csv: Russia 2021 current US$ m 65907.7050471045
    val, src, est = _value("RUS", "milex_usd_m", 2021)
    assert math.isclose(val, 65907.7050471045, rel_tol=1e-6) and "SIPRI" in src and est == 0
    # cow_nmc: ccode 731 (DPRK) milper 2022 = 1280 (thousands); 2024 is the IISS estimate
    assert _value("PRK", "milper_k", 2022)[:1] == (1280.0,)
    val, src, est = _value("PRK", "milper_k", 2024)
    assert val == 1280.0 and "IISS" in src and est == 1
    # OWID/FAS stockpile: Russia 2023 = 4489; DPRK 2024 = 50 (FAS 2024, estimate)
    assert _value("RUS", "warheads", 2023)[0] == 4489.0
    val, src, est = _value("PRK", "warheads", 2024)
    assert val == 50.0 and "FAS" in src and est == 1
    assert _value("DEU", "warheads", 2024)[0] == 0.0
    # DPRK GDP and milex are documented estimates
    val, src, est = _value("PRK", "gdp_usd_bn", 2023)
    assert 25 <= val <= 33 and "Bank of Korea" in src and est == 1
    val, src, est = _value("PRK", "milex_usd_m", 2023)
    assert val == 4000.0 and "WMEAT" in src and est == 1
    # CINC 2023 carried forward from 2022
    val, src, est = _value("CHN", "cinc", 2023)
    assert val == _value("CHN", "cinc", 2022)[0] and est == 1 and "carried" in src


def test_ideal_points() -> None:
    ip = data.ideal_points()
    assert ip["year"].between(1991, 2024).all()
    assert not ip.duplicated(["iso3", "year"]).any()
    assert (ip["q5"] <= ip["ideal_point"]).all() and (ip["ideal_point"] <= ip["q95"]).all()
    x = ip.set_index(["iso3", "year"])["ideal_point"]
    assert x[("USA", 2024)] > 2 and -1 < x[("RUS", 2024)] < 0 and x[("PRK", 2024)] < 0


def test_alliances() -> None:
    def defence(year: int, a: str, b: str) -> bool:
        df = data.alliances(year, [a, b])
        assert len(df) <= 1
        return bool(len(df) and df["defense"].iloc[0] == 1)

    assert defence(2024, "RUS", "PRK") and not defence(2023, "RUS", "PRK")
    assert defence(2000, "CHN", "PRK") and defence(2024, "CHN", "PRK")
    assert defence(2024, "USA", "KOR") and defence(2024, "USA", "JPN")
    assert defence(2024, "USA", "DEU") and defence(2010, "USA", "POL")
    assert defence(2023, "FIN", "USA") and not defence(2022, "FIN", "USA")
    assert defence(2024, "SWE", "TUR") and not defence(2023, "SWE", "TUR")
    assert defence(2021, "MKD", "USA")
    assert not defence(2024, "RUS", "USA")
    rp = data.alliances(2024, ["RUS", "PRK"])
    assert rp["estimate"].iloc[0] == 0 and "19 June 2024" in rp["source"].iloc[0]
    all_ = data.alliances(2020)
    assert not all_.duplicated(["iso3_a", "iso3_b"]).any()
    assert (all_["iso3_a"] < all_["iso3_b"]).all()


def test_trade_shares() -> None:
    t = data.trade_shares()
    assert t["share"].between(0, 1).all()
    s = t.set_index(["iso3_from", "iso3_to", "year"])["share"]
    assert s[("PRK", "CHN", 2023)] > 0.9 and s[("RUS", "CHN", 2023)] > s[("RUS", "CHN", 2021)]


def test_calibration_ties_and_ordered_logit() -> None:
    c = data.calibration()
    assert c["ties_n_challenges"]["value"] == 633
    assert abs(100 * c["ties_share_target_concedes"]["value"] - 22.7) <= 0.1
    assert abs(100 * c["ties_share_sanctions_imposed"]["value"] - 55.1) <= 0.1
    assert abs(100 * c["ties_share_sender_backs_down"]["value"] - 22.1) <= 0.1
    assert math.isclose(c["ties_p_impose_given_resist"]["value"], 349 / 489, rel_tol=1e-5)
    assert c["unga_ordlogit_k"]["value"] > 0
    assert c["unga_ordlogit_c_lo"]["value"] < c["unga_ordlogit_c_hi"]["value"]
    assert c["unga_ordlogit_k"]["n"] == 169
    assert c["unga_ordlogit_share_correct"]["value"] > 0.5
    assert c["unsc_vetoes_russia_2012_2021"]["value"] > c["unsc_vetoes_russia_1992_2001"]["value"]


def test_snapshot_order_and_errors() -> None:
    s = data.snapshot(2014, ["PRK", "USA", "SRB"])
    assert list(s.index) == ["PRK", "USA", "SRB"]
    assert {"cinc", "cinc_source", "cinc_year", "ideal_point", "ideal_point_source", "p5"} <= set(
        s.columns
    )
    assert (s["cinc_year"] <= 2014).all()
    with pytest.raises(KeyError, match="RUS"):
        data.snapshot(2024, ["RUSS"])
    with pytest.raises(KeyError):
        data.alliances(2024, ["XXX"])


def test_results_are_copies() -> None:
    a = data.actors()
    a.loc[0, "name"] = "changed"
    assert data.actors().loc[0, "name"] != "changed"
    c = data.calibration()
    c.clear()
    assert data.calibration()
    assert isinstance(data.snapshot(2024), pd.DataFrame)
