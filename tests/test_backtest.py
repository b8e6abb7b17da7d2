"""Tests of the backtest harness: scores, baselines, records, the pre-2022 fit, UN scale."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scenarios import backtest as bt
from scenarios import data, rules
from scenarios.config import builtin_config, parse_config
from scenarios.dynamics import _VOTE_STRIDE
from scenarios.ensemble import _children, _seed_root
from scenarios.random import Stream, run_key, uniforms

# ----------------------------------------------------------------------------------- scores


def test_scores_on_a_tiny_table() -> None:
    probs = np.array([[0.1, 0.2, 0.7],   # recorded yes: hit
                      [0.6, 0.3, 0.1],   # recorded abstain: miss (predicts no)
                      [0.0, 0.0, 1.0]])  # recorded no: confident miss
    obs = ["yes", "abstain", "no"]
    s = bt.probability_scores(probs, obs, smoothing=0.0)
    assert s["n"] == 3
    assert s["accuracy"] == pytest.approx(1 / 3)
    brier = [(0.1**2 + 0.2**2 + 0.3**2), (0.6**2 + 0.7**2 + 0.1**2), (1.0 + 0.0 + 1.0)]
    assert s["brier"] == pytest.approx(np.mean(brier))
    assert math.isinf(s["log_loss"])
    eps = 0.01
    s = bt.probability_scores(probs, obs, smoothing=eps)
    expect = -np.mean(np.log([(0.7 + eps) / (1 + 3 * eps), (0.3 + eps) / (1 + 3 * eps),
                              eps / (1 + 3 * eps)]))
    assert s["log_loss"] == pytest.approx(expect)
    cm = bt.confusion_matrix(probs, obs)
    assert cm.loc["yes", "yes"] == 1 and cm.loc["abstain", "no"] == 1 and cm.loc["no", "yes"] == 1
    assert int(cm.to_numpy().sum()) == 3


def test_perfect_and_empty_scores() -> None:
    s = bt.probability_scores(np.eye(3), ["no", "abstain", "yes"], smoothing=0.0)
    assert (s["accuracy"], s["brier"], s["log_loss"]) == (1.0, 0.0, 0.0)
    assert bt.probability_scores(np.zeros((0, 3)), [])["n"] == 0


def _toy_records() -> pd.DataFrame:
    rows = [("OLD", c, v) for c, v in (("A", "yes"), ("B", "yes"), ("C", "no"), ("D", "absent"))]
    rows += [("NEW", c, v) for c, v in (("A", "yes"), ("B", "abstain"), ("C", "no"),
                                        ("D", "abstain"), ("E", "abstain"))]
    df = pd.DataFrame(rows, columns=["record", "iso3", "vote"])
    return df.assign(body="GA", date="", certain=1, source="made up", note="")


def test_baselines_on_made_up_records(monkeypatch: pytest.MonkeyPatch) -> None:
    tallies = pd.DataFrame({"previous": ["", "OLD"]}, index=pd.Index(["OLD", "NEW"],
                                                                       name="record"))
    monkeypatch.setattr(bt, "vote_tallies", lambda: tallies)
    rec = _toy_records()
    members = ["A", "B", "C", "D", "E"]
    yes, abst, no = [0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]
    # majority of OLD (cast votes: 2 yes, 1 no) -> yes for all
    assert bt.baseline_probabilities(rec, "NEW", members, "majority").tolist() == [yes] * 5
    # repeat: own OLD vote; absent (D) or not in OLD (E) -> OLD's modal vote
    assert bt.baseline_probabilities(rec, "NEW", members, "repeat").tolist() == [
        yes, yes, no, yes, yes]
    # oracle: modal vote of NEW itself (abstain)
    assert bt.baseline_probabilities(rec, "NEW", members, "oracle").tolist() == [abst] * 5
    with pytest.raises(ValueError, match="previous"):
        bt.baseline_probabilities(rec, "OLD", members, "repeat")


def test_baselines_on_the_record() -> None:
    rec = bt.vote_records()
    # 68/262: modal vote yes; Russia voted no, China abstained, Belarus no
    rep = bt.baseline_probabilities(rec, "ES-11/1", ["RUS", "CHN", "BLR", "USA"], "repeat")
    assert rep.argmax(axis=1).tolist() == [0, 1, 0, 2]
    # S/2022/431's previous is resolution 2397, adopted unanimously: everyone yes
    rep = bt.baseline_probabilities(rec, "S/2022/431", ["CHN", "RUS"], "repeat")
    assert rep.argmax(axis=1).tolist() == [2, 2]


# ---------------------------------------------------------------------------------- records


def test_records_load_with_sources() -> None:
    votes = bt.vote_records()
    assert set(votes["vote"]) <= {"yes", "abstain", "no", "absent"}
    assert votes["source"].astype(str).str.len().gt(10).all()
    assert set(votes["iso3"]) <= set(data.actors()["iso3"])
    assert not votes.duplicated(["record", "iso3"]).any()
    tallies = bt.vote_tallies()
    assert tallies["source"].astype(str).str.len().gt(5).all()
    # full records agree with the published tallies
    for rec in ("ES-11/1", "68/262"):
        counts = votes[votes.record == rec]["vote"].value_counts()
        t = tallies.loc[rec]
        assert (counts["yes"], counts["no"], counts["abstain"], counts["absent"]) == (
            t["yes"], t["no"], t["abstain"], t["absent"])
    # every Security Council record has 15 voters, and a no by a P5 member iff it was vetoed
    for rec, t in tallies[tallies.body == "SC"].iterrows():
        sub = votes[votes.record == rec].set_index("iso3")["vote"]
        assert len(sub) == 15
        assert (sub == "yes").sum() == t["yes"] and (sub == "no").sum() == t["no"]
        p5_no = sorted(c for c in data.P5 if sub.get(c) == "no")
        assert " ".join(p5_no) == t["vetoed_by"]
    for rec in tallies["previous"]:
        assert rec == "" or rec in tallies.index
    # every principal is coded on each GA record of the 11th emergency special session
    for rec in ("ES-11/1", "ES-11/4", "ES-11/6"):
        assert set(data.PRINCIPALS) <= set(votes.loc[votes.record == rec, "iso3"])
    sides = bt.war_sides()
    assert sides["source"].str.contains("UCDP").all()
    assert ((sides.year == 2024) & (sides.iso3 == "PRK") & (sides.side == "RUS")).any()


# ------------------------------------------------------------------------------ the harness


@pytest.fixture(scope="module")
def result() -> bt.BacktestResult:
    return bt.run_backtest("historical_2022", n_replications=2, rng=11)


def test_harness_end_to_end(result: bt.BacktestResult) -> None:
    sim = result.sim
    assert (sim["status"].values == "ok").all()
    assert set(bt.vote_tallies().index) >= set(sim["vote"].values.tolist())
    assert sim.sizes["member"] == 193 and sim.sizes["actor"] == 20
    assert sim["year"].values.tolist() == [2022, 2023, 2024]
    probs = sim["vote_prob"].sel(vote="ES-11/1")
    ok = np.isfinite(probs).all("outcome")
    np.testing.assert_allclose(probs.sum("outcome").values[ok.values], 1.0, atol=1e-12)
    # the target always votes against the text on itself
    assert (sim["vote_prob"].sel(vote="ES-11/1", member="RUS", outcome="no") == 1).all()
    assert set(result.votes.index.get_level_values(1)) == set(bt.PREDICTORS)
    scores = result.votes.loc[("ES-11/1", "model")]
    assert 0 <= scores["accuracy"] <= 1 and 0 <= scores["brier"] <= 2
    assert scores["n"] + scores["n_absent"] + scores["n_unpredicted"] == 193
    assert result.confusion["ES-11/1"].to_numpy().sum() == scores["n"]
    assert set(result.alignment.index.get_level_values(1)) == {"model", "persistence", "trend"}
    summary = result.summary()
    assert {"model", "majority", "repeat"} <= set(summary.columns)
    assert "sides in the war" in summary.index


def test_model_probabilities_are_what_the_agents_draw_from(result: bt.BacktestResult) -> None:
    """Each modelled vote equals the draw from the recorded probabilities with the run's own
    uniforms, so the probabilities scored are exactly the model's."""
    sim = result.sim
    members = sim["member"].values.tolist()
    codes = sim["actor"].values.tolist()
    steps = sim["vote_step"].values.tolist()
    n_checked = 0
    for r, seed in enumerate(_children(_seed_root(11), 2)):
        key = run_key(seed)
        for k, body in enumerate(sim["vote_body"].values.tolist()):
            slot = [j for j, s in enumerate(steps) if s == steps[k]].index(k)
            stream = Stream.VOTE_GA if body == "GA" else Stream.VOTE_SC
            for i, code in enumerate(codes):
                if body == "SC" and code == "RUS":
                    continue  # Russia's veto adds a second draw (checked by its probabilities)
                m = members.index(code)
                cast = sim["vote_cast"].values[r, k, m]
                if np.isnan(cast):
                    continue
                u = uniforms(key, steps[k], stream, np.array([slot * _VOTE_STRIDE + i]))
                drawn = rules.vote_draw(sim["vote_prob"].values[r, k, m][None], u)[0]
                assert drawn == cast, (r, k, code)
                n_checked += 1
    assert n_checked > 100


def test_simulate_is_seeded() -> None:
    cfg = parse_config({**builtin_config("historical_2022").to_dict(), "steps": 3})
    a = bt.simulate(cfg, n_replications=2, rng=4)
    b = bt.simulate(cfg, n_replications=2, rng=np.random.SeedSequence(4))
    np.testing.assert_array_equal(a["vote_prob"].values, b["vote_prob"].values)
    assert a.attrs["seed_entropy"] == "4"


def test_plots_return_axes(result: bt.BacktestResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = bt.plot_votes(result.sim, "ES-11/1")
    assert len(ax.get_yticklabels()) == 20
    _, ax2 = plt.subplots()
    assert bt.plot_alignment(result.sim, 2024, ax=ax2) is ax2
    plt.close("all")


# --------------------------------------------------------------------------------- fitting


def test_fit_reproduces_calibration() -> None:
    calib = data.calibration()
    fit = bt.fit_vote_parameters()
    assert fit.n == calib["unga_ordlogit_k"]["n"] == 169
    assert fit.vote_slope == pytest.approx(calib["unga_ordlogit_k"]["value"], abs=1e-3)
    assert fit.vote_cut_no == pytest.approx(calib["unga_ordlogit_c_lo"]["value"], abs=1e-3)
    assert fit.vote_cut_yes == pytest.approx(calib["unga_ordlogit_c_hi"]["value"], abs=1e-3)
    assert fit.loglik == pytest.approx(calib["unga_ordlogit_loglik"]["value"], abs=1e-2)
    assert fit.accuracy == pytest.approx(calib["unga_ordlogit_share_correct"]["value"],
                                         abs=1e-4)
    assert fit.se["vote_slope"] == pytest.approx(calib["unga_ordlogit_k"]["se"], rel=0.02)


def test_stubbornness_fit_uses_only_the_past() -> None:
    out = bt.fit_stubbornness()
    assert out["last"] <= 2021
    assert 0 < out["stubbornness_monthly_bias_corrected"] < out["stubbornness_monthly"] < 0.1


# ------------------------------------------------------------------------------- UN scale


def test_un_scale_config_builds_193_actors_and_steps() -> None:
    cfg = builtin_config(bt.UN_CONFIG)
    assert cfg.actors == "un"
    assert cfg.events == builtin_config("historical_2022").events
    short = parse_config({**cfg.to_dict(), "steps": 3})
    sim = bt.simulate(short, n_replications=1, rng=0)
    assert (sim["status"].values == "ok").all(), sim["error"].values
    assert sim.sizes["actor"] == 193
    assert sim["modelled"].values.sum() == 193
    cast = sim["vote_cast"].sel(vote="ES-11/1").values
    assert np.isfinite(cast).sum() == 193  # every member is modelled and votes
