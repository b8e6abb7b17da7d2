"""Q1: under which conditions does a negotiated multipolar settlement emerge, not a new cold war?

Scenario discovery over the uncertainties and levers of ``configs/q1_settlement.yaml``: the
probability of each outcome class, PRIM boxes and a CART tree for the settlement and for the
new cold war, and feature scores saying which inputs drive them (docs/questions.md, Q1).

    python examples/q1_settlement.py [--samples 500] [--replications 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from _common import interval, parser, run, save

from scenarios.analysis import (
    class_probabilities,
    discover,
    feature_scores,
    plot_box,
    plot_class_probabilities,
    plot_feature_scores,
    plot_tradeoff,
)

CLASSES = {"settlement": "multipolar_settlement", "cold_war": "new_cold_war"}


def prim_box(ds, cls):
    """PRIM for one class; the densest box that still holds half of the class's runs."""
    prim = discover(ds, "outcome_class", condition=cls, objective="lenient1")
    t = prim.trajectory_
    wide = t[t["coverage"] >= 0.5]
    prim.select(int(wide["density"].idxmax()) if len(wide) else int(t.index[-1]))
    return prim


def main(argv=None):
    args = parser(__doc__, "q1_settlement").parse_args(argv)
    ds = run("q1_settlement", args)
    cls = ds["outcome_class"].astype(str)
    for name, c in CLASSES.items():  # 0/1 outcomes for the feature scores
        ds[f"outcome_{name}"] = (cls == c).astype(float).where(ds["status"] == "ok")

    probs = class_probabilities(ds, by=None)
    print("\nOutcome classes over all sampled conditions (Wilson 95 % intervals):")
    for c in probs["outcome_class"].values:
        print(f"  {c:24s} {interval(probs.sel(outcome_class=c))}")

    fig, axes = plt.subplots(2, 2, figsize=(12, 10.5), layout="constrained")
    for row, c in enumerate(CLASSES.values()):
        if not 0 < int(probs["count"].sel(outcome_class=c)) < int(probs["n"]):
            print(f"\nno PRIM box for {c}: it is in no run or in every run")
            continue
        prim = prim_box(ds, c)
        s = prim.stats_
        print(
            f"\nPRIM box for {c} (coverage {s['coverage']:.2f}, density {s['density']:.2f}, "
            f"mass {s['mass']:.2f}; {c} in {probs['probability'].sel(outcome_class=c):.2f} "
            "of all runs):"
        )
        for inp, lim in prim.box_[prim.box_["restricted"]].iterrows():
            rng_ = (
                f"in {list(lim['categories'])}"
                if lim["categories"] is not None
                else f"{lim['lower']:.3g} .. {lim['upper']:.3g}"
            )
            print(f"  {inp:22s} {rng_:24s} quasi-p {prim.qp_.get(inp, np.nan):.1g}")
        plot_tradeoff(prim, ax=axes[row, 0])
        plot_box(prim, ax=axes[row, 1])
        axes[row, 0].set_title(f"PRIM trade-off: {c.replace('_', ' ')}")
        axes[row, 1].set_title(
            f"PRIM box: {c.replace('_', ' ')}\n(coverage "
            f"{s['coverage']:.2f}, density {s['density']:.2f}, mass "
            f"{s['mass']:.2f})"
        )
    save(fig, args.out, "q1_prim")

    tree = discover(
        ds,
        "outcome_class",
        condition=CLASSES["settlement"],
        method="cart",
        max_depth=3,
        min_samples_leaf=max(5, ds.attrs["n_runs"] // 50),
    )
    leaves = tree.leaves_[tree.leaves_["predicted"]]
    print("\nCART leaves where a settlement is the majority (density = share settled):")
    with pd.option_context("display.width", 200, "display.max_colwidth", 120):
        print(leaves[["n", "density", "coverage", "rule"]].round(2).to_string())

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5), layout="constrained")
    for ax, name in zip(axes, CLASSES, strict=True):
        scores = feature_scores(ds, name, rng=args.seed)
        plot_feature_scores(scores, ax=ax)
        ax.set_title(
            f"What drives a {CLASSES[name].replace('_', ' ')}\n"
            f"(share of run-to-run variance, {scores.attrs['n_runs']} runs)"
        )
        top = scores.sortby(scores, ascending=False)
        above = top[top["lower"] > top["null"]]
        print(
            f"\nFeature scores for {CLASSES[name]} (eta^2 [95 % bootstrap], inputs above "
            "the permutation null):"
        )
        for inp in above["input"].values:
            r = top.sel(input=inp)
            print(
                f"  {inp:22s} {float(r):.3f} [{float(r['lower']):.3f}, "
                f"{float(r['upper']):.3f}]  null {float(r['null']):.3f}"
            )
    save(fig, args.out, "q1_feature_scores")

    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    plot_class_probabilities(probs, ax=ax)
    ax.set_title(
        f"Q1: outcome classes over all sampled conditions\n({int(probs['n'])} runs, "
        "Wilson 95 % intervals)",
        fontsize=10,
    )
    save(fig, args.out, "q1_classes")


if __name__ == "__main__":
    main()
