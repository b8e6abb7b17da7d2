"""Fit the vote and alignment parameters on pre-2022 data; derive the backtest's record tables.

Usage::

    python scripts/fit_vote_model.py                 # fit and print (packaged data only)
    python scripts/fit_vote_model.py --records       # first re-derive the record tables
                                                     # from the raw files in ../shared/data

What is fitted (only on data dated before 2022; see ``docs/validation.md``):

* the ordered-logit vote model (``vote_slope``, ``vote_cut_no``, ``vote_cut_yes``) on the
  recorded votes of UNGA resolution 68/262 (27 March 2014) with 2013 ideal points, which
  reproduces ``calibration.json``;
* the same model with the affinity term (``vote_target_affinity``, default 0), the affinity
  toward Russia being the model's own initial affinity in a world built from 2013 data (all
  193 members), free and held at 0 and at 2 (the former default). The Security Council's extra
  term ``council_target_affinity`` is not fitted here (an assumption, see ``docs/validation.md``);
* the monthly alignment stubbornness implied by the year-to-year persistence of ideal points,
  2000-2021.

``--records`` writes two derived tables into ``src/scenarios/data/records/``:
``unga_68_262.csv`` (each member's vote on 68/262, ISO3-coded with the name matching of
``scripts/build_actor_table.py``) and ``ucdp_war_sides.csv`` (the sides of the Russia-Ukraine
war 2022-2024 in the UCDP/PRIO Armed Conflict Dataset v25.1). The library reads only these
derived copies, never ``../shared``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data"
RECORDS = REPO / "src" / "scenarios" / "data" / "records"

#: Gleditsch-Ward codes of the parties that appear in the Russia-Ukraine war rows.
GW_ISO3 = {365: "RUS", 369: "UKR", 731: "PRK"}
#: UCDP conflict id of the Russia-Ukraine interstate conflict (2022-).
UCDP_RUS_UKR = 13243
SRC_68_262 = "UNGA A/RES/68/262 recorded vote, A/68/PV.80 (27 March 2014)"
SRC_UCDP = ("UCDP/PRIO Armed Conflict Dataset v25.1 (Gleditsch et al. 2002; Davies, Pettersson "
            "et al. 2025), conflict 13243")


def _build_module() -> Any:
    """``scripts/build_actor_table.py`` as a module (for its name matching of vote rows)."""
    spec = importlib.util.spec_from_file_location("build_actor_table",
                                                  REPO / "scripts" / "build_actor_table.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_actor_table"] = mod
    spec.loader.exec_module(mod)
    return mod


def derive_68_262(raw: Path) -> pd.DataFrame:
    """Each member's 68/262 vote (yes / abstain / no / absent), ISO3-coded."""
    bat = _build_module()
    actors = pd.read_csv(REPO / "src" / "scenarios" / "data" / "actors.csv",
                         keep_default_na=False)
    v = pd.read_csv(raw / "unga_68_262_crimea_2014_votes.csv")
    name2iso = dict(zip(actors["name"], actors["iso3"], strict=True))
    ip_all = pd.read_csv(raw / "unga_idealpoints_bsv_jul2025_1946_2024.csv",
                         usecols=["countryname", "iso3c"])
    for r in ip_all.dropna().drop_duplicates().itertuples():
        name2iso.setdefault(str(r.countryname), bat.IDEAL_ISO_FIX.get(r.iso3c, r.iso3c))
    name2iso |= bat.VOTE_NAMES
    v["iso3"] = v["country"].map(name2iso)
    if v["iso3"].isna().any() or not v["iso3"].is_unique or len(v) != 193:
        raise SystemExit("68/262: the vote rows do not match the 193 UN members one to one")
    word = {"Y": "yes", "A": "abstain", "N": "no", "NV": "absent"}
    out = pd.DataFrame({
        "record": "68/262", "body": "GA", "date": "2014-03-27", "iso3": v["iso3"],
        "vote": v["vote"].map(word), "certain": 1, "source": SRC_68_262,
        "note": "derived from ../shared/data/unga_68_262_crimea_2014_votes.csv",
    })
    counts = out["vote"].value_counts()
    assert (counts["yes"], counts["no"], counts["abstain"], counts["absent"]) == (100, 11, 58, 24)
    return out.sort_values("iso3").reset_index(drop=True)


def _codes(cell: Any) -> list[str]:
    """ISO3 codes of a UCDP party cell (``"365"``, ``"731.0"``, ``"2, 200"`` or empty)."""
    if pd.isna(cell) or str(cell).strip() == "":
        return []
    out = []
    for part in str(cell).split(","):
        gw = int(float(part))
        if gw not in GW_ISO3:
            raise SystemExit(f"UCDP party {gw} has no ISO3 code in GW_ISO3; add it")
        out.append(GW_ISO3[gw])
    return out


def derive_war_sides(raw: Path) -> pd.DataFrame:
    """Which state fought on which side of the Russia-Ukraine war, by year (UCDP 2022-2024)."""
    acd = pd.read_csv(raw / "ucdp_prio_acd_1946_2024.csv", dtype=str)
    acd = acd[(acd["conflict_id"].astype(float) == UCDP_RUS_UKR)
              & acd["year"].astype(float).between(2022, 2024)]
    rows = []
    for r in acd.itertuples():
        year = int(float(str(r.year)))
        for col, side, role in (("gwno_a", "RUS", "primary"), ("gwno_a_2nd", "RUS", "secondary"),
                                ("gwno_b", "UKR", "primary"), ("gwno_b_2nd", "UKR", "secondary")):
            for iso in _codes(getattr(r, col)):
                rows.append({"conflict_id": UCDP_RUS_UKR, "year": year, "iso3": iso,
                             "side": side, "role": role, "source": f"{SRC_UCDP}, {col}"})
    out = pd.DataFrame(rows).sort_values(["year", "side", "role", "iso3"])
    return out.reset_index(drop=True)


def write_records(raw: Path) -> None:
    if not (raw / "PROVENANCE.md").exists():
        raise SystemExit(f"raw data directory not found: {raw}")
    RECORDS.mkdir(parents=True, exist_ok=True)
    for name, df in (("unga_68_262.csv", derive_68_262(raw)),
                     ("ucdp_war_sides.csv", derive_war_sides(raw))):
        (RECORDS / name).write_bytes(df.to_csv(index=False, lineterminator="\n").encode())
        print(f"wrote {RECORDS / name} ({len(df)} rows)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--records", action="store_true",
                    help="re-derive the record tables from the raw files first")
    ap.add_argument("--raw", type=Path, default=RAW, help="raw data directory")
    args = ap.parse_args(argv)
    if args.records:
        write_records(args.raw)

    from scenarios.backtest import fit_stubbornness, fit_vote_parameters

    out = {
        "vote (68/262, 2013 ideal points)": fit_vote_parameters().as_dict(),
        "vote with target affinity (68/262, 2013 world)":
            fit_vote_parameters(target_affinity=True).as_dict(),
        "vote with target affinity held at 2.0 (the former hand-set default)":
            fit_vote_parameters(fixed_target_affinity=2.0).as_dict(),
        "vote with target affinity held at 0 (the default; same sample as above)":
            fit_vote_parameters(fixed_target_affinity=0.0).as_dict(),
        "stubbornness (ideal points 2000-2021)": fit_stubbornness(),
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
