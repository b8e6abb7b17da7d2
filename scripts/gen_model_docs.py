"""Regenerate the parameter tables of ``docs/model.md`` from :mod:`scenarios.parameters`.

Every field of :class:`~scenarios.parameters.Parameters` and :class:`~scenarios.parameters.Levers`
is assigned to exactly one section of the model reference by :data:`SECTIONS`. The table of a
section (name, default, range, unit, source, meaning, all read from
:func:`scenarios.parameters.provenance_table`) replaces the text between the markers

    <!-- params:<section>:start -->
    <!-- params:<section>:end -->

(``levers:<section>`` for the :class:`Levers` tables). The script stops with an error naming the
culprit when a field is not mapped, is mapped twice, a mapped name is not a field, or a marker is
missing or duplicated in the document.

Usage::

    python scripts/gen_model_docs.py           # rewrite docs/model.md in place
    python scripts/gen_model_docs.py --check   # exit 1 if docs/model.md is stale

``tests/test_docs.py`` runs :func:`render` in-process and compares with the committed file.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from scenarios.parameters import Levers, Parameters, provenance_table

#: The model reference whose tables this script writes.
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "model.md"

#: (kind, section) -> field names, in the order they appear in the table. ``kind`` is
#: ``params`` for :class:`Parameters` and ``levers`` for :class:`Levers`.
SECTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("params", "sanctions"): (
        "threat_rate",
        "threat_motive_intercept",
        "threat_motive_hostility",
        "threat_motive_violation",
        "threat_motive_dependence",
        "concede_intercept",
        "concede_bite",
        "impose_intercept",
        "impose_motive",
        "sanction_intensity",
        "lift_rate",
        "leakage_max",
        "leakage_gain",
        "un_compliance_affinity",
        "bite_scale",
        "sender_cost_scale",
        "econ_recovery",
    ),
    ("params", "support"): (
        "support_intercept",
        "support_affinity",
        "support_need",
        "support_reciprocity",
        "support_reference",
        "export_share",
        "reserve_months",
        "shells_per_container",
        "barter_ratio",
        "food_aid_scale",
        "food_relief",
        "food_stress",
        "food_reversion",
        "munitions_quality_default",
        "tech_intercept",
        "tech_rate",
        "tech_guard_missiles",
        "tech_guard_satellites",
        "tech_guard_submarines",
    ),
    ("params", "war"): (
        "front_rate",
        "front_noise",
        "attrition",
        "war_end_intercept",
        "war_end_fatigue",
        "war_end_offer",
    ),
    ("params", "alignment"): (
        "stubbornness",
        "alignment_peer",
        "alignment_support",
        "alignment_sanction",
    ),
    ("params", "affinity"): (
        "affinity_scale",
        "alliance_affinity",
        "affinity_relax",
        "balance_rate",
        "affinity_support",
        "affinity_sanction",
        "affinity_war",
        "concede_affinity",
    ),
    ("params", "votes"): (
        "vote_slope",
        "vote_cut_no",
        "vote_cut_yes",
        "vote_target_affinity",
        "council_target_affinity",
        "vote_affinity",
        "veto_enforcement_loss",
        "resolution_enforcement_gain",
    ),
    ("params", "escalation"): (
        "escalation_intercept",
        "escalation_hostility",
        "escalation_war",
        "escalation_pact",
        "escalation_reciprocity",
        "escalation_capability",
        "escalation_deterrence",
        "escalation_offer",
        "war_threshold",
        "nuclear_threshold",
        "escalation_up_rate",
        "escalation_down_rate",
        "extended_deterrence",
        "pact_entry_rate",
        "pact_losing_front",
    ),
    ("params", "offer"): (
        "offer_accept_intercept",
        "offer_accept_relief",
        "offer_accept_loss",
        "offer_accept_affinity",
    ),
    ("params", "outcomes"): (
        "bloc_threshold",
        "cold_war_margin",
    ),
    ("levers", "policy"): (
        "western_sanctions",
        "ukraine_support",
        "us_offer",
        "us_korea_posture",
        "china_support_russia",
        "russia_veto_use",
        "russia_tech_transfer",
        "treaty",
        "negotiation",
    ),
}

_MODELS: dict[str, type[BaseModel]] = {"params": Parameters, "levers": Levers}
_MARKER = re.compile(r"<!-- (params|levers):([a-z_]+):(start|end) -->")


class DocGenError(RuntimeError):
    """The mapping or the document is inconsistent with the code."""


def check_mapping() -> None:
    """Fail loudly unless every field lands in exactly one section and every name is a field."""
    problems: list[str] = []
    for kind, model in _MODELS.items():
        fields = list(model.model_fields)
        seen: dict[str, str] = {}
        for (k, section), names in SECTIONS.items():
            if k != kind:
                continue
            for name in names:
                if name not in model.model_fields:
                    problems.append(
                        f"{kind}:{section}: {name!r} is not a field of {model.__name__}")
                elif name in seen:
                    problems.append(
                        f"{model.__name__}.{name} is mapped twice ({seen[name]} and {section})")
                else:
                    seen[name] = section
        missing = [f for f in fields if f not in seen]
        if missing:
            problems.append(
                f"{model.__name__} fields not mapped to any section of docs/model.md: "
                f"{', '.join(missing)} (add them to SECTIONS in scripts/gen_model_docs.py)")
    if problems:
        raise DocGenError("\n".join(problems))


def _fmt_number(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, int | float):
        return format(v, "g")
    return str(v)


def _fmt_range(lo: Any, hi: Any, value: Any) -> str:
    if isinstance(value, bool):
        return "true / false"
    left = "-inf" if lo is None else _fmt_number(lo)
    right = "inf" if hi is None else _fmt_number(hi)
    return f"[{left}, {right}]"


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def table(kind: str, names: tuple[str, ...]) -> str:
    """The markdown table of ``names`` (fields of the ``kind`` model), in that order."""
    rows = {r["name"]: r for r in provenance_table(_MODELS[kind])}
    head = "parameter" if kind == "params" else "lever"
    lines = [
        f"| {head} | default | range | unit | source | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        r = rows[name]
        lo, hi = r["range"]
        lines.append(
            "| `{}` | {} | {} | {} | {} | {} |".format(
                name,
                _fmt_number(r["value"]),
                _fmt_range(lo, hi, r["value"]),
                _cell(r["unit"]),
                _cell(r["source"]),
                _cell(r["description"]),
            )
        )
    return "\n".join(lines)


def generate() -> dict[str, str]:
    """Marker id (``params:sanctions``) -> generated table, for every section."""
    check_mapping()
    return {f"{kind}:{section}": table(kind, names) for (kind, section), names in SECTIONS.items()}


def render(text: str) -> str:
    """``text`` with every marked block replaced by its freshly generated table."""
    tables = generate()
    found: dict[str, int] = {}
    for m in _MARKER.finditer(text):
        key = f"{m.group(1)}:{m.group(2)}:{m.group(3)}"
        found[key] = found.get(key, 0) + 1
    problems = []
    for ident in tables:
        for end in ("start", "end"):
            count = found.get(f"{ident}:{end}", 0)
            if count != 1:
                problems.append(f"marker <!-- {ident}:{end} --> appears {count} times (need 1)")
    unknown = {k.rsplit(":", 1)[0] for k in found} - set(tables)
    for ident in sorted(unknown):
        problems.append(f"marker <!-- {ident}:... --> has no section in SECTIONS")
    if problems:
        raise DocGenError("docs/model.md: " + "; ".join(problems))
    for ident, body in tables.items():
        start, end = f"<!-- {ident}:start -->", f"<!-- {ident}:end -->"
        i, j = text.index(start), text.index(end)
        if j < i:
            raise DocGenError(f"docs/model.md: {end} comes before {start}")
        text = text[: i + len(start)] + "\n" + body + "\n" + text[j:]
    return text


def extract(text: str) -> dict[str, str]:
    """The tables currently between the markers of ``text`` (marker id -> table)."""
    out = {}
    for ident in generate():
        start, end = f"<!-- {ident}:start -->", f"<!-- {ident}:end -->"
        if start in text and end in text:
            out[ident] = text[text.index(start) + len(start): text.index(end)].strip("\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the tables in the document are up to date")
    parser.add_argument("--doc", type=Path, default=DOC_PATH, help="the document to rewrite")
    args = parser.parse_args(argv)
    try:
        current = args.doc.read_text(encoding="utf-8")
        new = render(current)
    except (OSError, DocGenError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        if new != current:
            print(f"{args.doc} is stale; run python scripts/gen_model_docs.py", file=sys.stderr)
            return 1
        return 0
    if new != current:
        args.doc.write_text(new, encoding="utf-8")
        print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
