"""One month of the model: perceive, decide (per agent row), resolve; events and outcomes.

The step is split in three so that the Mesa model and the batched engine run the same code:

1. :func:`perceive` computes the facts every state sees at the start of the month (hostility,
   leakage, bite, deterrence, defence-pact calls, munitions needs), for all actors at once;
2. :func:`decide` applies the decision rules of :mod:`scenarios.rules` to a block of rows
   (sender/supplier/escalating actors): one row when a :class:`scenarios.StateAgent` decides,
   all rows when the engine steps a block of runs. Its random numbers come from
   :func:`scenarios.random.uniforms` indexed by absolute actor positions, so a row draws the
   same numbers in both paths;
3. :func:`resolve` applies every decision simultaneously: flows through capacity limits,
   munitions and the front, wars starting and ending, sanctions, economy, food, technology,
   alignment and affinity, UN tallies and vetoes, and the outcome trackers.

Arrays carry any leading batch shape. This module may import numpy, :mod:`scenarios.rules`,
:mod:`scenarios.random`, :mod:`scenarios.parameters` and :mod:`scenarios.world`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from scenarios import rules
from scenarios.parameters import TECH_DOMAINS, Levers, Parameters
from scenarios.random import Stream, stream_uniforms, uniforms
from scenarios.world import AgendaVote, State, World

__all__ = [
    "Decisions",
    "Perception",
    "apply_event",
    "decide",
    "merge_decisions",
    "param_view",
    "perceive",
    "resolve",
    "step",
    "vote_probabilities",
]

F64 = NDArray[np.float64]
#: Index offset between agenda items in the vote streams (more than any UN membership).
_VOTE_STRIDE = 1024
#: The streams of the decisions on every (row, column) pair, in the order decide unpacks them.
_DYADIC_STREAMS = (Stream.THREAT, Stream.CONCEDE, Stream.IMPOSE, Stream.LIFT, Stream.ESCALATE,
                   Stream.PACT)


def param_view(params: Parameters) -> SimpleNamespace:
    """Parameters as plain attributes (floats), the form the rules read.

    Examples
    --------
    >>> param_view(Parameters()).threat_rate == Parameters().threat_rate
    True
    """
    return SimpleNamespace(**params.model_dump())


def _lever(state: State, name: str) -> F64:
    """A lever's value, shaped to broadcast against per-actor arrays ``(..., N)``."""
    return state.levers[name][..., None]


def _param_table(
    p: Any, names: tuple[str, ...], batch: tuple[int, ...], values: dict[str, Any] | None = None
) -> F64:
    """Parameters ``names`` as a kernel takes them: a contiguous ``(B, len(names))`` table,
    one row per run (the columns of :func:`scenarios.rules.per_run`, built in one go). A name
    in ``values`` (e.g. a lever) takes its value from there, any other from ``p``."""
    values = values or {}
    cols = np.broadcast_arrays(*(np.asarray(values[name] if name in values else getattr(p, name),
                                            dtype=np.float64) for name in names))
    table = np.broadcast_to(np.stack(cols, axis=-1), (*batch, len(names)))
    return np.array(table.reshape(-1, len(names)), order="C")  # a writeable copy


def _at(world: World, code: str) -> int:
    return world.index(code)


@dataclass
class Perception:
    """What every state sees at the start of a month (full arrays, batch shape leading)."""

    hostility: F64
    violation: F64
    leak: F64
    bite: F64
    nominal_bite: F64
    bite_new: F64
    sanctions_eff: F64
    intensity: F64
    deter: F64
    trigger: F64
    shortfall: F64
    need: F64
    exportable: F64
    dcap: F64
    enemy_of_friend: F64
    offer: F64
    support_shift: F64
    tech_lever: F64
    recip_food: F64
    recip_arms: F64
    arms_in_kcont: F64
    agenda: tuple[AgendaVote, ...]


@dataclass
class Decisions:
    """Decisions of a block of rows (actors ``rows``): arrays ``(..., R, N)`` or ``(..., R)``."""

    rows: slice
    game: NDArray[np.int8]
    lift: NDArray[np.bool_]
    arms: F64
    food: F64
    tech_will: F64
    rung: NDArray[np.int8]
    join: NDArray[np.bool_]
    votes: NDArray[np.int8]
    accept: NDArray[np.bool_]


# ---------------------------------------------------------------------------------- events


def apply_event(world: World, state: State, ev: Any, p: Any) -> None:
    """Apply one dated event to ``state`` in place (any batch shape).

    Event types and their effect are documented in ``docs/model.md`` (Dated events).
    """
    cfg = world.config
    ix = world.index
    if ev.type == "treaty":
        if ev.lever == "treaty":
            on = state.levers["treaty"] > 0
        else:
            on = np.ones(state.levers["treaty"].shape, dtype=bool)
        a, b = ix(ev.actors[0]), ix(ev.actors[1])
        for i, j in ((a, b), (b, a)):
            state.pact[..., i, j] = np.where(on, 1.0, state.pact[..., i, j])
            state.affinity[..., i, j] = np.where(
                on, np.minimum(state.affinity[..., i, j] + ev.affinity, 1.0),
                state.affinity[..., i, j],
            )
    elif ev.type == "summit":
        idx = [ix(c) for c in cfg.expand(ev.actors)]
        for i in idx:
            for j in idx:
                if i != j:
                    state.affinity[..., i, j] = np.minimum(
                        state.affinity[..., i, j] + ev.affinity, 1.0
                    )
    elif ev.type == "sanctions":
        level = ev.intensity if ev.intensity is not None else p.sanction_intensity
        for tgt in cfg.expand([ev.target]):
            for c in cfg.expand(ev.senders):
                if c != tgt:
                    i, t = ix(c), ix(tgt)
                    state.sanctions[..., i, t] = np.maximum(state.sanctions[..., i, t], level)
    elif ev.type == "lift_sanctions":
        for tgt in cfg.expand([ev.target]):
            for c in cfg.expand(ev.senders):
                state.sanctions[..., ix(c), ix(tgt)] = 0.0
    elif ev.type == "war":
        a, d = ix(ev.attacker), ix(ev.defender)
        new = state.at_war[..., a, d] <= 0
        _start_war(state, a, d)
        state.attacked[..., a, d] = 1.0
        major = _major_pair(world, state)[..., a, d]
        state.war_widened = np.maximum(state.war_widened, new)
        state.major_war = np.maximum(state.major_war, new & major)
    elif ev.type == "ceasefire":
        a, b = ix(ev.actors[0]), ix(ev.actors[1])
        ended = state.at_war[..., a, b] > 0
        for i, j in ((a, b), (b, a)):
            state.at_war[..., i, j] = 0.0
            state.attacked[..., i, j] = 0.0
            state.front[..., i, j] = 0.0
            state.rung[..., i, j] = np.where(ended, np.minimum(state.rung[..., i, j], 3),
                                             state.rung[..., i, j])
            state.war_ended[..., i, j] = np.where(ended, 1, state.war_ended[..., i, j])
    elif ev.type == "veto":
        t = ix(ev.target)
        state.un_level[..., t] = state.un_level[..., t] * (1.0 - p.veto_enforcement_loss)
        state.vetoes += 1
    elif ev.type == "lever":
        state.levers[ev.name] = np.broadcast_to(
            np.asarray(float(ev.value)), state.levers[ev.name].shape
        ).copy()
    elif ev.type == "shock":
        i = ix(ev.actor)
        arr = {
            "food_insecurity": state.food,
            "capability": state.capability,
            "munitions_stock": state.stock,
            "alignment": state.alignment,
        }[ev.variable]
        arr[..., i] = ev.value if ev.value is not None else arr[..., i] + ev.delta
        if ev.variable == "food_insecurity":
            np.clip(state.food, 0.0, 1.0, out=state.food)
        elif ev.variable != "alignment":
            np.maximum(arr, 0.0, out=arr)
        else:
            np.clip(state.alignment, -4.0, 4.0, out=state.alignment)
    # un_vote events are scheduled in the world's agenda; nothing to do here.


def _major_pair(world: World, state: State) -> NDArray[np.bool_]:
    """Pairs where a nuclear-armed state faces a nuclear-armed or nuclear-protected one
    (own or allied warheads; see :func:`scenarios.rules._nuclear_pairs`)."""
    major = np.empty(state.pact.shape, dtype=bool)
    rules._nuclear_pairs(np.ascontiguousarray(world.warheads > 0),
                         rules.flat_runs(np.asarray(state.pact, dtype=np.float64), 2),
                         major.reshape((-1, world.n, world.n)))
    return major


def _start_war(state: State, a: int, d: int) -> None:
    for i, j in ((a, d), (d, a)):
        state.at_war[..., i, j] = 1.0
        state.rung[..., i, j] = np.maximum(state.rung[..., i, j], rules.WAR_RUNG)


# -------------------------------------------------------------------------------- perceive


def perceive(world: World, state: State, p: Any, t: int) -> Perception:
    """The facts of the month, for every actor (see module docstring).

    One compiled sweep over each run's actors and dyads (:func:`scenarios.rules._perception`,
    where the formulas are written) computes them, with numpy's ``exp`` and ``log1p`` in
    between.
    """
    n, batch = world.n, state.alignment.shape[:-1]
    size = int(np.prod(batch))  # runs in the block
    rus, usa, chn = _at(world, "RUS"), _at(world, "USA"), _at(world, "CHN")
    lev = state.levers
    log_china = (rules._log_multiplier(lev["china_support_russia"])
                 if chn >= 0 and rus >= 0 else 0.0)
    # the levers, or else a parameter
    runs = _param_table(p, rules._PERCEPTION_RUN_INPUTS, batch,
                        {"log_china_support": log_china, **lev})

    def dyads(a: Any) -> F64:
        return rules.flat_runs(np.asarray(a, dtype=np.float64), 2)

    def actors(a: Any) -> F64:
        return rules.flat_runs(np.asarray(a, dtype=np.float64), 1)

    def fixed(a: Any) -> F64:  # a world array, the same in every run
        return np.ascontiguousarray(a, dtype=np.float64)

    # outputs allocated here, by numpy (large arrays allocated in a kernel fault their pages
    # in again on every call)
    out = {k: np.empty((size, n, n)) for k in rules._PERCEPTION_DYADS}
    out |= {k: np.empty((size, n)) for k in rules._PERCEPTION_ACTORS}
    rules._perception(
        dyads(state.affinity), dyads(state.at_war), dyads(state.sanctions),
        dyads(state.attacked), dyads(state.front), dyads(state.pact), dyads(state.arms),
        dyads(state.food_flow), actors(state.stock), actors(state.un_level),
        actors(state.capability), actors(state.econ_loss), fixed(world.west),
        fixed(world.mask(["CHN"])), fixed(world.mask(["KOR", "JPN"])), fixed(world.gdp_share),
        fixed(world.dependence), fixed(world.warheads), fixed(world.production),
        fixed(world.consumption), fixed(world.capability0), runs, rus, usa, chn,
        tuple(out[k] for k in rules._PERCEPTION_DYADS),
        tuple(out[k] for k in rules._PERCEPTION_ACTORS),
    )
    # numpy's transcendentals, between and after the compiled sweeps
    out |= {"leak": np.empty((size, n)), "bite": np.empty((size, n)),
            "bite_new": np.empty((size, n, n))}
    rules._perception_bites(
        rules.per_run(p.leakage_max, batch), np.exp(out.pop("leak_exponent")),
        out["nominal_bite"], out["intensity"], fixed(world.dependence),
        out["leak"], out["bite"], out["bite_new"],
    )
    deter = rules._deterrence_level(out.pop("deter_total")).reshape((*batch, 1, n))
    full = {k: a.reshape(batch + a.shape[1:]) for k, a in out.items()}
    tech_lever = np.ones(state.alignment.shape)
    if rus >= 0:
        tech_lever[..., rus] = lev["russia_tech_transfer"]
    return Perception(
        deter=np.broadcast_to(deter, (*batch, n, n)), tech_lever=tech_lever,
        recip_food=rules.support_norm(full.pop("food_in"), p.support_reference),
        recip_arms=rules.support_norm(full["arms_in_kcont"], p.support_reference),
        agenda=tuple(a for a in world.agenda if a.step == t), **full,
    )


# ---------------------------------------------------------------------------------- decide


def decide(
    world: World, state: State, q: Perception, p: Any, t: int, key: Any, rows: slice
) -> Decisions:
    """Decisions of actors ``rows`` (a slice of actor positions) for this month."""
    n = world.n
    lo, hi, _ = rows.indices(n)
    pos = np.arange(lo, hi)
    idx = pos[:, None] * n + np.arange(n)[None, :]

    # every dyadic random number of the month, drawn in one pass over a stream axis
    u_dyad = stream_uniforms(key, t, _DYADIC_STREAMS, idx)
    batch = state.affinity.shape[:-2]
    shape = (*batch, hi - lo, n)

    def dyad(a: Any) -> Any:  # a dyadic array (..., N, N) as the kernel takes it
        return rules._runs_as(a, (*batch, n, n), 2, None)

    def actor(a: Any) -> Any:  # a per-actor array (..., N) as the kernel takes it
        return rules._runs_as(a, (*batch, n), 1, None)

    par = _param_table(p, rules._DECIDE_PARAMS, batch)
    # the sender's lever (Western sanctions) shifts its threat motive (by its log, in numpy)
    west_mult = 1.0 + world.west * (_lever(state, "western_sanctions") - 1.0)
    log_mult = rules._log_multiplier(rules._runs_as(west_mult, (*batch, n), 1, None)[:, lo:hi])
    nuclear = (world.warheads > 0).astype(np.float64)
    game = np.empty(shape, dtype=np.int8)
    lift = np.empty(shape, dtype=bool)
    arms, food, tech_will = np.empty(shape), np.empty(shape), np.empty(shape)
    new_rung = np.empty(shape, dtype=np.int8)
    join = np.empty(shape, dtype=bool)
    # sanctions: threat game (motive, concession, imposition) and lifting as the hostility and
    # violation that motivated a sanction fade; support: arms for food, technology, never to
    # a state sanctioned, fought, or at war with one's friends (the enemy of my friend is not
    # armed by me), arms within what each supplier can export; the escalation ladder and
    # defence-pact entry: all in one compiled pass (see rules._decide_rows)
    rules._decide_rows(
        lo, par, u_dyad.reshape(-1, *u_dyad.shape[-3:]), log_mult,
        rules._runs_as(world.dependence, (n, n), 2, None)[0], nuclear,
        dyad(q.hostility), dyad(q.violation), dyad(q.sanctions_eff), dyad(q.bite_new),
        dyad(state.at_war), dyad(q.enemy_of_friend), dyad(state.affinity), actor(q.need),
        dyad(q.recip_food), dyad(q.recip_arms), dyad(q.support_shift), actor(q.exportable),
        actor(q.shortfall), actor(state.food), dyad(q.arms_in_kcont), actor(q.tech_lever),
        dyad(q.trigger), dyad(state.rung), dyad(q.dcap), dyad(q.deter), dyad(q.offer),
        *(a.reshape(-1, hi - lo, n) for a in (game, lift, arms, food, tech_will, new_rung, join)),
    )
    rus, prk = _at(world, "RUS"), _at(world, "PRK")
    if lo <= rus < hi and prk >= 0:
        blocked = state.offer_accepted > 0
        tech_will[..., rus - lo, prk] = np.where(blocked, 0.0, tech_will[..., rus - lo, prk])

    # UN votes on this month's agenda (states off the Security Council cast no SC vote: 0)
    votes = np.zeros((len(q.agenda), *state.alignment[..., lo:hi].shape), dtype=np.int8)
    for k, item in enumerate(q.agenda):
        probs = vote_probabilities(world, state, item, p, rows)
        stream = Stream.VOTE_GA if item.body == "GA" else Stream.VOTE_SC
        v = rules.vote_draw(probs, uniforms(key, t, stream, k * _VOTE_STRIDE + pos))
        if item.body == "SC":
            v = np.where(world.council[lo:hi] > 0, v, 0)
        votes[k] = v

    # the addressee of a standing offer decides whether to accept it
    accept = np.zeros(state.alignment[..., lo:hi].shape, dtype=bool)
    if lo <= rus < hi and prk >= 0:
        relief = state.levers["us_offer"]
        logit = (p.offer_accept_intercept + p.offer_accept_relief * relief
                 + p.offer_accept_loss * state.econ_loss[..., rus]
                 - p.offer_accept_affinity * state.affinity[..., rus, prk])
        u = uniforms(key, t, Stream.OFFER, np.array([rus]))[..., 0]
        accept[..., rus - lo] = (relief > 0) & (state.offer_accepted <= 0) & (
            u < rules.sigmoid(logit))
    return Decisions(rows=slice(lo, hi), game=game, lift=lift, arms=arms, food=food,
                     tech_will=tech_will, rung=new_rung, join=join, votes=votes, accept=accept)


def vote_probabilities(
    world: World, state: State, item: AgendaVote, p: Any, rows: slice
) -> F64:
    """Each voter's probabilities of (no, abstain, yes) on one agenda item, ``(..., R, 3)``.

    The ordered logit of :func:`scenarios.rules.vote_probabilities` on the voter's alignment
    and affinity with the target (with the Council's partner-shielding term in the Security
    Council), except that the target always votes no on a text about
    itself, and that in the Security Council Russia's "no" stays a veto with probability
    ``russia_veto_use`` and is an abstention otherwise. Whether the voter sits on the Council
    is left to the caller.
    """
    lo, hi, _ = rows.indices(world.n)
    a_t = state.affinity[..., lo:hi, item.target]
    probs = np.array(rules.vote_probabilities(state.alignment[..., lo:hi], item.shift, p, a_t,
                                              body=item.body))
    if lo <= item.target < hi:
        probs[..., item.target - lo, :] = (1.0, 0.0, 0.0)
    rus = _at(world, "RUS")
    if item.body == "SC" and lo <= rus < hi:
        keep = state.levers["russia_veto_use"]
        p_no = probs[..., rus - lo, 0].copy()
        probs[..., rus - lo, 0] = p_no * keep
        probs[..., rus - lo, 1] = probs[..., rus - lo, 1] + p_no * (1.0 - keep)
    return probs


def merge_decisions(parts: list[Decisions]) -> Decisions:
    """Concatenate the decisions of consecutive row blocks (in actor order) into one."""
    parts = sorted(parts, key=lambda d: d.rows.start)

    def cat(name: str, axis: int) -> Any:
        return np.concatenate([getattr(d, name) for d in parts], axis=axis)

    return Decisions(
        rows=slice(parts[0].rows.start, parts[-1].rows.stop),
        game=cat("game", -2), lift=cat("lift", -2), arms=cat("arms", -2), food=cat("food", -2),
        tech_will=cat("tech_will", -2), rung=cat("rung", -2), join=cat("join", -2),
        votes=cat("votes", -1), accept=cat("accept", -1),
    )


# --------------------------------------------------------------------------------- resolve


def resolve(
    world: World, state: State, q: Perception, d: Decisions, p: Any, t: int, key: Any
) -> State:
    """Apply all decisions of the month at once and return the new state.

    The month is computed by three compiled passes over the runs (support flows, munitions
    and economy; the front, wars and sanctions; alignment and affinity; see
    ``scenarios.rules._resolve_flows`` and the following kernels), around the functions
    numpy, scipy and BLAS evaluate themselves.
    """
    n = world.n
    batch = state.alignment.shape[:-1]
    s = _successor(state)

    def runs(a: Any, core: int, dtype: Any = np.float64) -> Any:
        return rules._runs(a, core, dtype)

    def per_run(name: str) -> Any:
        return rules.per_run(getattr(p, name), batch)

    def new(core: int, dtype: Any = np.float64) -> Any:
        return np.empty((*batch, *(n,) * core), dtype=dtype)

    def world_array(a: Any) -> Any:
        return np.require(a, np.float64, ("C", "W"))

    # --- support flows, munitions, attrition, economy and food
    s.arms, s.food_flow, s.arms_total, s.food_total, s.war_months = (new(2) for _ in range(5))
    s.tech_will = d.tech_will
    s.stock, s.capability, s.econ_loss, s.food = (new(1) for _ in range(4))
    fire_moves, fire_ratio, exchanged = new(2, np.bool_), np.empty(s.arms.size), new(2)
    iu = np.triu_indices(n, 1)
    drawn = np.empty((*batch, len(iu[0])), dtype=np.bool_)
    moving = rules._resolve_flows(
        runs(d.arms, 2), runs(d.food, 2), world_array(world.capacity),
        per_run("shells_per_container"), runs(state.arms_total, 2), runs(state.food_total, 2),
        runs(state.at_war, 2), runs(state.front, 2), runs(state.stock, 1),
        world_array(world.production), world_array(world.consumption),
        world_array(world.quality), per_run("munitions_quality_default"),
        runs(state.war_months, 2), runs(state.capability, 1), per_run("attrition"),
        per_run("support_reference"), runs(q.sanctions_eff, 2), world_array(world.dependence),
        per_run("sender_cost_scale"), runs(state.econ_loss, 1), runs(q.bite, 1),
        per_run("bite_scale"), per_run("econ_recovery"), runs(state.food, 1),
        world_array(world.food_structural), per_run("food_stress"), per_run("food_relief"),
        per_run("food_reversion"),
        runs(s.arms, 2), runs(s.food_flow, 2), runs(s.arms_total, 2), runs(s.food_total, 2),
        runs(s.stock, 1), runs(s.war_months, 2), runs(s.capability, 1), runs(s.econ_loss, 1),
        runs(s.food, 1), runs(fire_moves, 2, np.bool_), fire_ratio, runs(exchanged, 2),
        runs(drawn, 1, np.bool_),
    )
    # numpy's log, tanh and exp (front_update's fire term on the fronts it can move,
    # elementwise, so the same numbers; support_norm of the exchange)
    fire_ratio = rules._tanh_log(fire_ratio[:moving])
    exchanged = rules._support_from_exponent(exchanged)

    # --- the front, wars ending and starting, sanctions; the US offer
    # the fortunes of war: a normal shock per front and month, antisymmetric (i < j drawn),
    # evaluated where it can change the front (``drawn``, elementwise: the same numbers)
    u_front = uniforms(key, t, Stream.FRONT, iu[0] * n + iu[1])
    normal = np.zeros(u_front.shape)
    normal[drawn] = ndtri(np.clip(u_front[drawn], 2.0**-54, 1.0 - 2.0**-54))
    u_end = uniforms(key, t, Stream.WAR_END, iu[0] * n + iu[1])
    s.offer_accepted = np.maximum(state.offer_accepted, d.accept.any(axis=-1))
    newly = (s.offer_accepted > 0) & (state.offer_accepted <= 0)
    s.offer_step = np.where(newly, t, state.offer_step).astype(np.int16)
    relief = np.where(newly, state.levers["us_offer"], 0.0)
    s.front, s.at_war, s.attacked, s.sanctions = (new(2) for _ in range(4))
    s.war_ended, s.rung = new(2, np.int8), new(2, np.int8)
    new_war = new(2, np.bool_)
    s.games = np.empty_like(state.games)
    top = np.empty(batch, dtype=np.int64)
    rules._resolve_wars(
        runs(state.front, 2), runs(fire_moves, 2, np.bool_), fire_ratio, runs(normal, 1),
        per_run("front_noise"),
        per_run("front_rate"), runs(state.at_war, 2), runs(u_end, 1), runs(q.offer, 2),
        runs(s.war_months, 2), per_run("war_end_intercept"), per_run("war_end_fatigue"),
        per_run("war_end_offer"), runs(state.war_ended, 2, np.int8),
        runs(state.attacked, 2), runs(d.rung, 2, np.int8), runs(d.join, 2, np.bool_),
        runs(state.sanctions, 2), runs(d.game, 2, np.int8), runs(d.lift, 2, np.bool_),
        per_run("sanction_intensity"), runs(relief, 0),
        np.require(world.west > 0, np.bool_, ("C", "W")), _at(world, "RUS"),
        runs(state.games, 1, np.int32),
        runs(s.front, 2), runs(s.at_war, 2), runs(s.attacked, 2),
        runs(s.war_ended, 2, np.int8), runs(s.rung, 2, np.int8), runs(new_war, 2, np.bool_),
        runs(s.sanctions, 2), runs(s.games, 1, np.int32), runs(top, 0, np.int64),
    )
    # a new war between nuclear(-armed or -protected) states, among the runs with a new war
    widened = new_war.any(axis=(-1, -2))
    major = np.zeros(widened.shape, dtype=bool)
    if widened.any():
        allies = copy.copy(s)
        allies.pact = s.pact[widened]
        major[widened] = (new_war[widened] & _major_pair(world, allies)).any(axis=(-1, -2))
    s.major_war = np.maximum(state.major_war, major)
    s.war_widened = np.maximum(state.war_widened, widened)

    # --- technology
    # technology moves only between tracked actors (the willingness is zero elsewhere, so the
    # others' gain is exactly 0): the rule runs on the tracked sub-block, (k, k, K) not (N, N, K)
    tr = np.flatnonzero(world.tech_tracked)
    tracked = world.tech_tracked[tr, None] * world.tech_tracked[None, tr]
    guard = np.stack(np.broadcast_arrays(
        *[np.asarray(getattr(p, f"tech_guard_{k}"), dtype=np.float64) for k in TECH_DOMAINS]
    ), axis=-1)[..., None, None, :]  # batch + (1, 1, K): against [supplier, recipient, domain]
    tech_tr = state.tech[..., tr, :]
    s.tech = state.tech.copy()
    s.tech[..., tr, :] = tech_tr + rules.tech_transfer(
        d.tech_will[..., tr[:, None], tr[None, :]] * tracked, tech_tr, guard, p.tech_rate
    )

    # --- alignment and affinity
    s.alignment, a = new(1), new(2)
    rules._resolve_opinion(
        *rules._alignment_args(state.alignment, state.anchor, state.stubbornness,
                               state.affinity, world.capability0, exchanged, q.sanctions_eff,
                               p, batch),
        -4.0, 4.0, runs(s.pact, 2), per_run("affinity_scale"), per_run("alliance_affinity"),
        runs(state.at_war, 2), runs(rules._balance_product(state.affinity), 2),
        *rules._affinity_coefficients(p, batch), per_run("concede_affinity"),
        runs(d.game, 2, np.int8), not q.agenda, runs(s.alignment, 1), runs(a, 2),
    )

    # --- UN votes: GA tallies, SC adoption and vetoes
    pa = rules.ParamView(p, state.alignment)
    s.un_level = state.un_level.copy()
    s.vetoes, s.adopted = state.vetoes.copy(), state.adopted.copy()
    for k, item in enumerate(q.agenda):
        v = d.votes[k]
        tgt = item.target
        yes = (v == 1).astype(np.float64)
        a[..., tgt, :] = a[..., tgt, :] - pa.vote_affinity * yes
        a[..., :, tgt] = a[..., :, tgt] - pa.vote_affinity * yes
        if item.body == "GA":
            others = np.broadcast_to(world.others_alignment,
                                     batch + world.others_alignment.shape)
            probs = rules.vote_probabilities(others, item.shift, p)
            oidx = k * _VOTE_STRIDE + n + np.arange(len(world.others_alignment))
            ov = rules.vote_draw(probs, uniforms(key, t, Stream.VOTE_GA, oidx))
            s.ga_tally = np.stack([
                (v == -1).sum(axis=-1) + (ov == -1).sum(axis=-1),
                (v == 0).sum(axis=-1) + (ov == 0).sum(axis=-1),
                (v == 1).sum(axis=-1) + (ov == 1).sum(axis=-1),
            ], axis=-1).astype(np.int32)
        else:
            council = np.broadcast_to(world.council_others, batch + world.council_others.shape)
            probs = rules.vote_probabilities(council, item.shift, p)
            oidx = k * _VOTE_STRIDE + n + np.arange(len(world.council_others))
            ov = rules.vote_draw(probs, uniforms(key, t, Stream.VOTE_SC, oidx))
            n_yes = (v == 1).sum(axis=-1) + (ov == 1).sum(axis=-1)
            veto = ((v == -1) & (world.p5 > 0)).any(axis=-1)
            adopted = (n_yes >= 9) & ~veto
            regime = world.un_regime[tgt] > 0
            s.un_level[..., tgt] = np.where(
                veto & regime, s.un_level[..., tgt] * (1.0 - p.veto_enforcement_loss),
                np.where(adopted & regime,
                         np.minimum(s.un_level[..., tgt] + p.resolution_enforcement_gain, 1.0),
                         s.un_level[..., tgt]),
            )
            s.vetoes = s.vetoes + veto
            s.adopted = s.adopted + adopted
    if q.agenda:
        rules._unit_diagonal_kernel(runs(a, 2))  # clip(A, -1, 1) (1 - I) + I
    s.affinity = a

    # --- outcome trackers
    for r in range(len(rules.RUNGS)):
        s.first_rung_step[..., r] = np.where(
            (state.first_rung_step[..., r] < 0) & (top >= r), t, state.first_rung_step[..., r]
        )
    s.nuclear_use = np.maximum(state.nuclear_use, top >= rules.NUCLEAR_RUNG)
    return s


#: State fields that :func:`resolve` does not replace by a new array (it keeps them, or changes
#: them in place); its new state gets its own copy of each, so that the new state shares no
#: array with the old one (events change a state in place).
_KEPT = ("anchor", "stubbornness", "pact", "wars_at_start", "polarization_start",
         "first_rung_step", "ga_tally")


def _successor(state: State) -> State:
    """A new state for :func:`resolve` to fill: copies only of the fields it does not replace.

    Every other field is reassigned by :func:`resolve` to a fresh array, so copying it first
    (as ``State.copy`` does) would be wasted work.
    """
    s = copy.copy(state)
    for name in _KEPT:
        setattr(s, name, getattr(state, name).copy())
    s.levers = {k: v.copy() for k, v in state.levers.items()}
    return s


def step(world: World, state: State, p: Any, t: int, key: Any) -> State:
    """One whole month for all actors at once (events, perceive, decide, resolve).

    This is the batched path; :class:`scenarios.ScenarioModel` runs the same three phases
    with each agent deciding its own row. ``state`` is not modified.
    """
    if any(when == t for when, _ in world.events):
        state = state.copy()  # events change the state in place
        apply_events(world, state, t, p)
    q = perceive(world, state, p, t)
    d = decide(world, state, q, p, t, key, slice(0, world.n))
    return resolve(world, state, q, d, p, t, key)


def apply_events(world: World, state: State, t: int, p: Any) -> None:
    """Apply the events dated at step ``t`` (in place), with the run's parameters ``p``."""
    for when, ev in world.events:
        if when == t:
            apply_event(world, state, ev, p)


def levers_of(state: State) -> Levers:
    """The lever values of a single run's state, as a :class:`Levers` object."""
    vals: dict[str, Any] = {}
    for name, field in Levers.model_fields.items():
        v = float(np.asarray(state.levers[name]))
        vals[name] = bool(v) if field.annotation is bool else v
    return Levers(**vals)
