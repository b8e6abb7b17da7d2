"""Model parameters and policy levers: one definition each, with unit, range and source.

Every behavioural constant of the rules lives here as a field of :class:`Parameters`; every
policy option as a field of :class:`Levers`. Each field carries its default, its allowed range,
its unit and the source it comes from, so that the config validator, the JSON Schema, the
provenance table (:func:`provenance_table`) and ``docs/model.md`` all read the same numbers.

Sources are short strings: a report section (``DIGEST §Sanctions``), a dataset
(``TIES via calibration.json``) or a paper. Where a value is a modelling assumption the
source says so ("assumption") and gives the range explored in sensitivity analysis.

This module may import pydantic only.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = ["TECH_DOMAINS", "Levers", "Parameters", "param", "provenance_table"]

#: The three technology domains the report names (DIGEST §Technology transfer).
TECH_DOMAINS: tuple[str, ...] = ("missiles", "satellites", "submarines")


def param(
    default: Any,
    *,
    ge: float | None = None,
    le: float | None = None,
    unit: str,
    source: str,
    doc: str,
) -> Any:
    """Declare one model parameter: default, bounds, unit, source and meaning.

    Parameters
    ----------
    default
        The value used when a config does not set the parameter.
    ge, le
        Inclusive bounds; a config value outside them is rejected.
    unit
        Physical or conventional unit ("1" for dimensionless).
    source
        Where the value comes from (report section, dataset, paper, or "assumption").
    doc
        What the parameter does, in one sentence.

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class P(BaseModel):
    ...     rate: float = param(0.5, ge=0, le=1, unit="1/month", source="assumption", doc="A rate.")
    >>> P.model_fields["rate"].json_schema_extra["unit"]
    '1/month'
    """
    return Field(
        default,
        ge=ge,
        le=le,
        description=doc,
        json_schema_extra={"unit": unit, "source": source},
    )


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class Parameters(_Frozen):
    """Behavioural constants of the rules (see ``docs/model.md`` for the equations)."""

    # --- sanction threat game (TIES structure) -------------------------------------------
    threat_rate: float = param(
        0.05, ge=0, le=1, unit="1/month",
        source="assumption; TIES 1970-2000 records 633 challenges in 31 dyad-decades of "
        "active senders, i.e. rare events (calibration.json: ties)",
        doc="Largest monthly probability that a sender opens a sanction threat on a target.")
    threat_motive_hostility: float = param(
        5.0, ge=0, le=20, unit="1", source="assumption (range explored 0-20)",
        doc="Weight of hostility toward the target in the sender's motive to threaten.")
    threat_motive_violation: float = param(
        3.0, ge=0, le=20, unit="1", source="DIGEST §Sanctions; assumption for the weight",
        doc="Weight of the target's violation (aggression, or arming a sanctioned state).")
    threat_motive_dependence: float = param(
        6.0, ge=0, le=50, unit="1", source="TIES covariate senderecondep; assumption",
        doc="Weight of the sender's own economic dependence on the target (cost of sanctioning).")
    threat_motive_intercept: float = param(
        -7.0, ge=-20, le=5, unit="1", source="assumption",
        doc="Intercept of the sender's threat motive (logit scale).")
    concede_intercept: float = param(
        -1.33, ge=-10, le=10, unit="logit",
        source="TIES 1970-2000, ML logit of concession on target dependence, n=633 "
        "(calibration.json: ties_logit_concede_intercept, se 0.11)",
        doc="Logit of the target's probability of conceding at zero bite.")
    concede_bite: float = param(
        6.24, ge=0, le=50, unit="logit per unit bite",
        source="TIES 1970-2000, ML logit of concession on targetecondep, n=633 "
        "(calibration.json: ties_logit_concede_slope_targetecondep, se 2.86)",
        doc="Increase in the concession logit per unit of expected bite on the target.")
    impose_intercept: float = param(
        0.913, ge=-10, le=10, unit="logit",
        source="TIES 1970-2000: P(impose | resist) = sf/(sf+bd) = 0.714, n=489, "
        "logit = 0.913 (calibration.json: ties_p_impose_given_resist)",
        doc="Logit of imposing sanctions after the target resists, at zero motive.")
    impose_motive: float = param(
        0.0, ge=0, le=10, unit="1",
        source="TIES gives the unconditional share (0 keeps P(impose | resist) = 0.714); "
        "assumption for values above 0",
        doc="Increase in the imposition logit per unit of the sender's motive.")
    sanction_intensity: float = param(
        0.6, ge=0, le=1, unit="share of bilateral trade cut",
        source="assumption; 2022-2024 Western packages cut most EU-Russia goods trade "
        "(Eurostat: EU imports from Russia -75% 2021-2023)",
        doc="Intensity of a newly imposed sanction before the sender's lever multiplier.")
    lift_rate: float = param(
        0.01, ge=0, le=1, unit="1/month",
        source="assumption; median TIES sanction episode lasts several years",
        doc="Monthly probability of lifting a sanction once hostility and violation are gone.")
    bite_scale: float = param(
        0.02, ge=0, le=1, unit="GDP share per month per unit bite", source="assumption",
        doc="Monthly output loss of a target per unit of unleaked, enforced sanctioned dependence.")
    sender_cost_scale: float = param(
        0.02, ge=0, le=1, unit="GDP share per month per unit", source="assumption",
        doc="Monthly output loss of a sender per unit of its own dependence it cuts.")
    econ_recovery: float = param(
        0.02, ge=0, le=1, unit="1/month", source="assumption (adaptation half-life ~3 years)",
        doc="Monthly share of accumulated sanction damage that adaptation recovers.")
    leakage_max: float = param(
        0.8, ge=0, le=1, unit="1", source="DIGEST §Sanctions (China as outlet); assumption",
        doc="Largest share of a sanction's bite that third-party support can offset.")
    leakage_gain: float = param(
        8.0, ge=0, le=100, unit="1 per GDP share", source="assumption",
        doc="How fast leakage saturates with friendly non-sanctioning economic weight.")
    un_compliance_affinity: float = param(
        0.3, ge=-1, le=1, unit="affinity",
        source="DIGEST §Sanctions: Russia no longer enforces UN sanctions on the DPRK",
        doc="A state stops enforcing UN sanctions on a target it likes more than this.")

    # --- support: arms for food, capacity, quality, technology -------------------------
    support_intercept: float = param(
        -3.0, ge=-20, le=5, unit="logit", source="assumption",
        doc="Intercept of a supplier's willingness to support a recipient.")
    support_affinity: float = param(
        5.0, ge=0, le=20, unit="logit per affinity", source="assumption",
        doc="Weight of affinity in the willingness to support.")
    support_need: float = param(
        3.0, ge=0, le=20, unit="logit per need", source="DIGEST §Ukraine war; assumption",
        doc="Weight of the recipient's need (munitions shortfall, food insecurity).")
    support_reciprocity: float = param(
        4.0, ge=0, le=20, unit="logit per unit", source="DIGEST §Arms for food; assumption",
        doc="Weight of what the recipient sent the supplier last month (barter reciprocity).")
    barter_ratio: float = param(
        1.3, ge=0, le=5, unit="container per container",
        source="ROK MND estimate, Feb 2024: ~30% more container volume back, mostly food "
        "(PROVENANCE facts)",
        doc="Containers of food and energy returned per container of munitions received.")
    food_aid_scale: float = param(
        0.3, ge=0, le=10, unit="kcontainer/month", source="assumption",
        doc="Food and energy a willing supplier sends per unit of recipient food insecurity.")
    food_relief: float = param(
        0.005, ge=0, le=1, unit="insecurity per kcontainer",
        source="assumption; DIGEST §Arms for food",
        doc="Reduction in food/energy insecurity per thousand containers received.")
    food_stress: float = param(
        0.02, ge=0, le=1, unit="insecurity per month per unit bite",
        source="DIGEST §Arms for food (sanctions raise vulnerability); assumption",
        doc="Increase in food/energy insecurity per unit of sanction bite.")
    food_reversion: float = param(
        0.02, ge=0, le=1, unit="1/month", source="assumption",
        doc="Monthly relaxation of food insecurity toward its structural level.")
    shells_per_container: float = param(
        0.45, ge=0.1, le=2, unit="thousand shells per container",
        source="ROK MND: ~6,700 containers ~ 3 million 152 mm shells (PROVENANCE facts)",
        doc="Munitions carried by one container.")
    export_share: float = param(
        0.05, ge=0, le=1, unit="1/month", source="assumption",
        doc="Largest monthly share of a supplier's surplus stock it will export.")
    reserve_months: float = param(
        24.0, ge=0, le=240, unit="months of own consumption",
        source="assumption (war reserve held back from export)",
        doc="Stock a supplier keeps for itself, in months of its wartime consumption.")
    tech_intercept: float = param(
        -8.0, ge=-20, le=5, unit="logit", source="assumption",
        doc="Intercept of the willingness to transfer technology.")
    tech_rate: float = param(
        0.02, ge=0, le=1, unit="1/month", source="assumption",
        doc="Monthly share of the technology gap a fully willing transfer closes.")
    tech_guard_missiles: float = param(
        1.0, ge=0, le=1, unit="1",
        source="DIGEST §Technology transfer; Pentagon on DPRK missiles in Ukraine",
        doc="Share of a missile-technology transfer that the supplier's guard lets through.")
    tech_guard_satellites: float = param(
        0.6, ge=0, le=1, unit="1", source="DIGEST §Technology transfer (Vostochny summit)",
        doc="Share of a satellite-technology transfer that the guard lets through.")
    tech_guard_submarines: float = param(
        0.25, ge=0, le=1, unit="1",
        source="DIGEST §Technology transfer: Russia guards its top technology even from China",
        doc="Share of a submarine-technology transfer that the guard lets through.")

    # --- alignment (Friedkin-Johnsen) and affinity (structural balance) ------------------
    stubbornness: float = param(
        0.05, ge=0, le=1, unit="1/month",
        source="Friedkin & Johnsen (1990); assumption calibrated to the slow drift of UNGA "
        "ideal points (Bailey et al. 2017)",
        doc="Monthly weight of a state's anchor (its initial ideal point) in its alignment.")
    alignment_peer: float = param(
        0.02, ge=0, le=1, unit="1/month", source="Axelrod & Bennett (1993); assumption",
        doc="Pull toward capability-weighted partners by signed affinity (landscape term).")
    alignment_support: float = param(
        0.05, ge=0, le=1, unit="1/month per unit support",
        source="DIGEST §Sanctions/§Arms for food; assumption",
        doc="Pull toward a supplier per unit of normalised support received.")
    alignment_sanction: float = param(
        0.03, ge=0, le=1, unit="1/month per unit intensity",
        source="DIGEST §Sanctions (sanctions align the sanctioned); assumption",
        doc="Push away from a sender per unit of sanction intensity suffered.")
    affinity_scale: float = param(
        2.5, ge=0.1, le=10, unit="ideal-point units",
        source="UNGA ideal points 2023 (Bailey et al. 2017): the scale at which implied "
        "affinity is negative for the US's named competitors (China, Russia, DPRK, Iran; US "
        "National Security Strategy 2022) and about zero for its partners India, Brazil, "
        "Saudi Arabia (2.0 makes those partners hostile, 3.0 makes China friendly); "
        "range 2-3 for sensitivity",
        doc="Ideal-point distance at which alignment-implied affinity reaches zero.")
    alliance_affinity: float = param(
        0.3, ge=0, le=1, unit="affinity", source="ATOP v5.1 defence pledges; assumption",
        doc="Affinity added by a defence commitment.")
    affinity_relax: float = param(
        0.05, ge=0, le=1, unit="1/month", source="assumption",
        doc="Monthly relaxation of affinity toward its alignment-implied value.")
    balance_rate: float = param(
        0.03, ge=0, le=1, unit="1/month",
        source="Marvel, Kleinberg, Kleinberg & Strogatz (2011) structural-balance dynamics",
        doc="Rate of the structural-balance term (A @ A)/N in the affinity update.")
    affinity_support: float = param(
        0.05, ge=0, le=1, unit="affinity per unit support", source="assumption",
        doc="Affinity gained per unit of normalised support exchanged.")
    affinity_sanction: float = param(
        0.05, ge=0, le=1, unit="affinity per unit intensity", source="assumption",
        doc="Affinity lost per unit of sanction intensity exchanged.")
    affinity_war: float = param(
        0.2, ge=0, le=1, unit="affinity per month", source="assumption",
        doc="Affinity lost per month at war with each other.")

    # --- UN votes --------------------------------------------------------------------
    vote_slope: float = param(
        3.19, ge=0, le=20, unit="logit per ideal-point unit",
        source="ordered logit of UNGA 68/262 votes on 2013 ideal points, n=169, se 0.48 "
        "(calibration.json: unga_ordlogit_k)",
        doc="Slope k of the ordered-logit vote model.")
    vote_cut_no: float = param(
        -4.72, ge=-20, le=20, unit="logit",
        source="ordered logit of UNGA 68/262 votes, n=169, se 0.56 "
        "(calibration.json: unga_ordlogit_c_lo)",
        doc="Cutpoint c_lo: P(no) = sigmoid(c_lo - k x).")
    vote_cut_yes: float = param(
        -1.33, ge=-20, le=20, unit="logit",
        source="ordered logit of UNGA 68/262 votes, n=169, se 0.30 "
        "(calibration.json: unga_ordlogit_c_hi)",
        doc="Cutpoint c_hi: P(yes) = sigmoid(k x - c_hi).")
    veto_enforcement_loss: float = param(
        0.3, ge=0, le=1, unit="1 per veto",
        source="DIGEST §Veto use (March 2024 veto ends the Panel of Experts); assumption",
        doc="Share of UN sanctions enforcement on a target lost to each veto that shields it.")
    resolution_enforcement_gain: float = param(
        0.1, ge=0, le=1, unit="1 per resolution", source="assumption",
        doc="Enforcement restored by an adopted Security Council resolution on a target.")
    vote_affinity: float = param(
        0.01, ge=0, le=1, unit="affinity per vote", source="assumption",
        doc="Affinity a target loses toward each state voting to condemn it.")

    # --- escalation ladder (Kahn 1965, condensed to 8 rungs) ---------------------------
    escalation_intercept: float = param(
        -6.0, ge=-20, le=5, unit="logit", source="assumption",
        doc="Baseline escalation pressure.")
    escalation_hostility: float = param(
        4.0, ge=0, le=20, unit="logit per hostility", source="assumption",
        doc="Escalation pressure per unit of hostility.")
    escalation_war: float = param(
        1.5, ge=0, le=20, unit="logit", source="assumption",
        doc="Escalation pressure of being at war with the adversary.")
    escalation_pact: float = param(
        1.5, ge=0, le=20, unit="logit", source="ATOP defence pledges; Leeds (2003); assumption",
        doc="Escalation pressure when an ally under defence commitment fights the adversary.")
    escalation_reciprocity: float = param(
        1.0, ge=0, le=10, unit="logit per rung", source="Kahn (1965); assumption",
        doc="Escalation pressure per rung the adversary stands above oneself.")
    escalation_capability: float = param(
        2.0, ge=0, le=20, unit="logit per relative change",
        source="power-transition theory (Organski & Kugler 1980); assumption",
        doc="Escalation pressure per unit relative capability gain over the adversary.")
    escalation_deterrence: float = param(
        3.0, ge=0, le=20, unit="logit per unit deterrence",
        source="nuclear deterrence; FAS warhead counts; assumption",
        doc="Restraint per unit of the adversary's (own plus extended) nuclear deterrent.")
    escalation_offer: float = param(
        2.0, ge=0, le=20, unit="logit per unit offer", source="assumption",
        doc="Restraint per unit of a standing de-escalation offer.")
    war_threshold: float = param(
        3.0, ge=0, le=50, unit="logit",
        source="assumption; interstate war onset is rare even in hostile dyads "
        "(UCDP/PRIO: a handful of interstate wars a decade)",
        doc="Extra restraint on crossing from proxy war (rung 4) into war (rung 5).")
    nuclear_threshold: float = param(
        6.0, ge=0, le=50, unit="logit",
        source="nuclear taboo (Tannenwald 1999); assumption",
        doc="Extra restraint on crossing from conventional war to nuclear use.")
    escalation_up_rate: float = param(
        0.15, ge=0, le=1, unit="1/month", source="assumption",
        doc="Largest monthly probability of climbing one rung.")
    escalation_down_rate: float = param(
        0.15, ge=0, le=1, unit="1/month", source="assumption",
        doc="Largest monthly probability of stepping down one rung.")
    extended_deterrence: float = param(
        0.7, ge=0, le=1, unit="1", source="US-ROK 1953, US-Japan 1960 treaties; assumption",
        doc="Credibility of an ally's nuclear umbrella relative to one's own warheads.")
    pact_entry_rate: float = param(
        0.3, ge=0, le=1, unit="1/month",
        source="Russia-DPRK treaty Art. 4 (19 June 2024); Leeds (2003) alliance reliability ~0.75",
        doc="Monthly probability that an ally bound by a defence pact joins a war on the partner.")

    # --- the war: munitions and front ---------------------------------------------------
    front_rate: float = param(
        0.01, ge=0, le=1, unit="front units/month",
        source="assumption; the 2023-2024 front moved slowly (attritional war)",
        doc="Front movement per month at a fire ratio of e (log ratio 1).")
    front_noise: float = param(
        0.01, ge=0, le=0.1, unit="front units/month (standard deviation)",
        source="assumption: month-to-month swings of territorial control around their trend "
        "(ISW control maps 2023-2024) of the order of the trend itself; range 0-0.03",
        doc="Standard deviation of the monthly random shock to each front.")
    attrition: float = param(
        0.003, ge=0, le=0.1, unit="1/month", source="assumption",
        doc="Monthly capability loss of a state at war.")
    war_end_intercept: float = param(
        -6.0, ge=-20, le=5, unit="logit", source="assumption (wars rarely end in a month)",
        doc="Baseline logit of a negotiated end of a war in a month.")
    war_end_fatigue: float = param(
        1.0, ge=0, le=20, unit="logit per 5 years at war", source="assumption",
        doc="Rise in the settlement logit with the war's duration.")
    war_end_offer: float = param(
        2.0, ge=0, le=20, unit="logit per unit offer", source="assumption",
        doc="Rise in the settlement logit with standing de-escalation offers.")
    munitions_quality_default: float = param(
        0.9, ge=0, le=1, unit="1",
        source="assumption: current production of an industrial power; configs set lower "
        "values where the DIGEST says so (DPRK shells old, inaccurate, near expiry)",
        doc="Effectiveness of one shell relative to a modern one, where an actor sets none.")

    vote_target_affinity: float = param(
        0.0, ge=0, le=20, unit="logit per affinity",
        source="fitted with the cutpoints on UNGA 68/262 and 2013 data: not identified "
        "(free estimate -7.8, se 2.8; b=0 fits better than b=2), so 0 "
        "(docs/validation.md); values up to 2 for sensitivity",
        doc="Decrease in the 'yes' logit on a resolution against a target per unit affinity.")
    council_target_affinity: float = param(
        2.0, ge=0, le=20, unit="logit per affinity",
        source="UNSC veto list 1946-2022: P5 members shield partners (2012-2021: 21 Russian and "
        "10 Chinese vetoes, most on Syria; calibration.json); the size is an assumption, not "
        "fitted (the list has no non-vetoed drafts), range 0-4 for sensitivity",
        doc="Extra decrease in a Security Council member's 'yes' logit per unit affinity with "
        "the draft's target (partner shielding).")
    offer_accept_intercept: float = param(
        -5.0, ge=-20, le=5, unit="logit", source="assumption",
        doc="Baseline logit that the addressee accepts a standing offer in a month.")
    offer_accept_relief: float = param(
        4.0, ge=0, le=20, unit="logit per share relieved", source="assumption",
        doc="Rise in the acceptance logit per share of sanctions relief offered.")
    offer_accept_loss: float = param(
        4.0, ge=0, le=20, unit="logit per GDP share lost",
        source="assumption (sanction damage makes relief worth more)",
        doc="Rise in the acceptance logit per unit of the addressee's accumulated output loss.")
    offer_accept_affinity: float = param(
        3.0, ge=0, le=20, unit="logit per affinity",
        source="DIGEST Q2; assumption",
        doc="Fall in the acceptance logit per unit affinity toward the partner it must drop.")
    concede_affinity: float = param(
        0.1, ge=0, le=1, unit="affinity", source="assumption",
        doc="Affinity a conceding target gains toward the sender.")
    support_reference: float = param(
        1.0, ge=0.01, le=100, unit="kcontainer/month", source="assumption",
        doc="Support flow at which normalised support reaches 1 - 1/e.")
    bloc_threshold: float = param(
        0.5, ge=-1, le=1, unit="affinity",
        source="definition (docs/model.md, Outcomes): at least half of full affinity",
        doc="Affinity above which two states count as members of one bloc.")
    cold_war_margin: float = param(
        0.05, ge=0, le=1, unit="1", source="definition (docs/model.md, Outcomes)",
        doc="Rise in bloc polarisation over the start that marks a new cold war.")
    pact_losing_front: float = param(
        0.2, ge=0, le=1, unit="front units",
        source="definition; the Kursk incursion of August 2024 drew DPRK troops in (UCDP 2024)",
        doc="Ground a pact partner must have lost for its ally to be called to its defence.")

    @field_validator("vote_cut_yes")
    @classmethod
    def _ordered_cutpoints(cls, v: float, info: ValidationInfo) -> float:
        # an ordered logit needs c_lo < c_hi, or P(no) + P(yes) would exceed one
        lo = info.data.get("vote_cut_no")
        if lo is not None and not lo < v:
            raise ValueError(f"must be above vote_cut_no ({lo}): ordered-logit cutpoints")
        return v

    def with_updates(self, **values: Any) -> Parameters:
        """Return a validated copy with some values replaced.

        Examples
        --------
        >>> Parameters().with_updates(threat_rate=0.1).threat_rate
        0.1
        """
        return type(self).model_validate({**self.model_dump(), **values})


class Levers(_Frozen):
    """Policy options (DESIGN §Levers). A *policy* is one point in this space."""

    western_sanctions: float = param(
        1.0, ge=0, le=2, unit="multiplier", source="DIGEST §Sanctions",
        doc="Multiplier on the intensity of sanctions imposed by the West group.")
    ukraine_support: float = param(
        1.0, ge=0, le=3, unit="multiplier", source="DIGEST §Ukraine war",
        doc="Multiplier on the munitions the West group can export (in the shipped "
        "scenarios Ukraine is the only belligerent it arms).")
    us_offer: float = param(
        0.0, ge=0, le=1, unit="share of sanctions relieved",
        source="DIGEST Q2 (cards Washington could offer Russia)",
        doc="Sanctions relief the US offers Russia for ending technology transfer to the DPRK.")
    us_korea_posture: float = param(
        1.0, ge=0, le=2, unit="multiplier (1 = about 28,000 troops)",
        source="DIGEST §Deterrence and presence (28,000 US troops in South Korea)",
        doc="US posture in Korea: multiplies extended deterrence over South Korea and Japan.")
    china_support_russia: float = param(
        1.0, ge=0, le=2, unit="multiplier", source="DIGEST §China-Russia axis",
        doc="Multiplier on China's willingness to support Russia and absorb its trade.")
    russia_veto_use: float = param(
        1.0, ge=0, le=1, unit="probability",
        source="DIGEST §Veto use; UNSC veto list 1946-2022",
        doc="Probability that Russia turns a 'no' in the Security Council into a veto "
        "(otherwise it abstains).")
    russia_tech_transfer: float = param(
        1.0, ge=0, le=1, unit="multiplier",
        source="DIGEST §Technology transfer",
        doc="Russia's willingness to transfer military technology (1 = as modelled, 0 = none).")
    treaty: bool = Field(
        True, description="Whether the June 2024 Russia-DPRK mutual-defence treaty is in force "
        "(the event that signs it has no effect when False).",
        json_schema_extra={"unit": "on/off", "source": "Russia-DPRK Treaty, 19 June 2024"})
    negotiation: float = param(
        0.0, ge=0, le=1, unit="offer strength",
        source="DIGEST Q1 (mechanisms to negotiate a new order)",
        doc="Strength of standing de-escalation offers between the West and Russia.")


def provenance_table(model: BaseModel | type[BaseModel]) -> list[dict[str, Any]]:
    """Rows ``name, value, range, unit, source, description`` for every field of ``model``.

    Examples
    --------
    >>> rows = provenance_table(Levers())
    >>> rows[0]["name"], rows[0]["value"]
    ('western_sanctions', 1.0)
    """
    cls = model if isinstance(model, type) else type(model)
    rows = []
    for name, field in cls.model_fields.items():
        value = getattr(model, name) if not isinstance(model, type) else field.default
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        rows.append({
            "name": name,
            "value": value,
            "range": (lo, hi),
            "unit": extra.get("unit", ""),
            "source": extra.get("source", ""),
            "description": field.description or "",
        })
    return rows
