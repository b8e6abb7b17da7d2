"""Q4: containment or escalation under different US responses, and how likely is nuclear use?

Sixteen US responses (``configs/q4_us_response.yaml``: sanctions, munitions for Ukraine, the
posture in Korea and a standing negotiation offer, each at today's value or stronger) under
uncertainty about escalation restraint: outcome-class probabilities and the probability of
nuclear use per response with Wilson intervals, and what drives nuclear use
(docs/questions.md, Q4).

    python examples/q4_us_response.py [--samples 32] [--replications 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _common import interval, parser, run, save

from scenarios.analysis import (
    class_probabilities,
    event_probability,
    feature_scores,
    plot_class_probabilities,
    plot_feature_scores,
)
from scenarios.plot import OKABE_ITO

#: short names of the raised levers, for labels: S sanctions x2, U munitions for Ukraine x2,
#: K posture in Korea x2, N standing negotiation offer
SHORT = {
    "western_sanctions": "S",
    "ukraine_support": "U",
    "us_korea_posture": "K",
    "negotiation": "N",
}
TODAY = {
    "western_sanctions": 1.0,
    "ukraine_support": 1.0,
    "us_korea_posture": 1.0,
    "negotiation": 0.0,
}


def label(p):
    """``S+N`` for a response that raises sanctions and offers negotiation; ``today``."""
    raised = [SHORT[k] for k in SHORT if float(p[k]) != TODAY[k]]
    return "+".join(raised) or "today"


def main(argv=None):
    args = parser(__doc__, "q4_us_response").parse_args(argv)
    ds = run("q4_us_response", args)
    cls = class_probabilities(ds)
    nuc = event_probability(ds, "nuclear_use")
    labels = [label(nuc.isel(policy_id=i)) for i in range(nuc.sizes["policy_id"])]
    cls = cls.assign_coords(policy_label=("policy_id", labels))

    print(
        "\nS = sanctions x2, U = munitions for Ukraine x2, K = US posture in Korea x2, "
        "N = standing negotiation offer to Russia; today = as in 2024."
    )
    print("Outcome classes by US response (probability [Wilson 95 %]):")
    names = [str(c) for c in cls["outcome_class"].values]
    print(f"  {'response':10s}" + "".join(f"{c[:22]:>24s}" for c in names))
    for i, lab in enumerate(labels):
        row = cls.isel(policy_id=i)
        cells = [
            f"{float(row['probability'][j]):.2f} [{float(row['lower'][j]):.2f},"
            f"{float(row['upper'][j]):.2f}]"
            for j in range(len(names))
        ]
        print(f"  {lab:10s}" + "".join(f"{c:>24s}" for c in cells))

    print("\nNuclear use (any state at rung 6+ at some month) by US response:")
    for i, lab in enumerate(labels):
        print(f"  {lab:10s} {interval(nuc.isel(policy_id=i))}")
    total = event_probability(ds, "nuclear_use", by=None)
    print(f"  {'all':10s} {interval(total)}")
    if int(total["count"]) == 0:
        print(
            f"  no run of {int(total['n'])} reached a nuclear rung: the probability is below "
            f"{float(total['upper']):.4f} (Wilson 95 % upper bound)"
        )
    rung = ds["actor_max_rung"].max("step")
    who = {str(a): int((rung.sel(actor=a) >= 6).sum()) for a in ds["actor"].values}
    print(
        "  runs in which each state stood at a nuclear rung: "
        + (", ".join(f"{a} {k}" for a, k in who.items() if k) or "none")
    )
    for lever, short in SHORT.items():  # each lever's main effect, pooled over the others
        raised = ds[lever].values != TODAY[lever]
        for state, sel in (("raised", raised), ("as today", ~raised)):
            p = event_probability(ds.isel(experiment=sel), "nuclear_use", by=None)
            print(f"  {short} {lever:18s} {state:9s} {interval(p)}")

    scores = None
    if 0 < int(total["count"]) < int(total["n"]):  # a constant outcome has nothing to explain
        scores = feature_scores(ds, "nuclear_use", rng=args.seed)
        top = scores.sortby(scores, ascending=False)
        print("\nWhat drives nuclear use (eta^2 [95 % bootstrap]; null = permutation level):")
        for inp in top["input"].values[:5]:
            r = top.sel(input=inp)
            print(
                f"  {inp:24s} {float(r):.3f} [{float(r['lower']):.3f}, "
                f"{float(r['upper']):.3f}]  null {float(r['null']):.3f}"
            )

    fig, ax = plt.subplots(figsize=(14, 4.5), layout="constrained")
    plot_class_probabilities(cls, ax=ax)
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel(
        "US response (S sanctions x2, U munitions for Ukraine x2, K posture in Korea "
        "x2, N negotiation offer)"
    )
    ax.set_title(
        f"Q4: outcome classes by US response ({int(cls['n'][0])} runs each, Wilson 95 % intervals)",
        fontsize=10,
    )
    save(fig, args.out, "q4_classes")

    fig, axes = plt.subplots(
        1, 2, figsize=(14, 4.5), layout="constrained", gridspec_kw={"width_ratios": [1.4, 1]}
    )
    ax = axes[0]
    x = np.arange(len(labels))
    p = nuc["probability"].values
    ax.errorbar(
        x,
        p,
        yerr=[p - nuc["lower"].values, nuc["upper"].values - p],
        fmt="o",
        capsize=3,
        color=OKABE_ITO["vermillion"],
        label="per response, Wilson 95 %",
    )
    ax.axhspan(
        float(total["lower"]),
        float(total["upper"]),
        color=OKABE_ITO["sky_blue"],
        alpha=0.35,
        label=f"all runs: {float(total['probability']):.3f} "
        f"[{float(total['lower']):.3f}, {float(total['upper']):.3f}]",
    )
    ax.set_xticks(x, labels, rotation=45, ha="right")
    ax.set(
        xlabel="US response",
        ylabel="probability of nuclear use within ten years [1]",
        title=f"Nuclear use by US response ({int(nuc['n'][0])} runs each)",
    )
    ax.set_ylim(0, max(0.05, float(nuc["upper"].max()) * 1.1))
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    if scores is not None:
        plot_feature_scores(scores, ax=axes[1])
        axes[1].set_title("What drives nuclear use (inputs and levers)")
    else:
        axes[1].text(
            0.5,
            0.5,
            "nuclear use is constant over the runs:\nno feature scores",
            ha="center",
            va="center",
            transform=axes[1].transAxes,
        )
        axes[1].set_axis_off()
    save(fig, args.out, "q4_nuclear")


if __name__ == "__main__":
    main()
