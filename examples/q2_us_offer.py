"""Q2: can a US offer to Russia end its technology transfer to the DPRK, and at what price?

The lever ``us_offer`` (share of Western sanctions on Russia relieved if Russia accepts and
stops transferring technology to the DPRK) swept from 0 to 1 in ``configs/q2_us_offer.yaml``:
how often and when Russia accepts, the DPRK's technology at the end, and what the West gives
up and what it does not buy (docs/questions.md, Q2).

    python examples/q2_us_offer.py [--samples 100] [--replications 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _common import interval, parser, run, save

from scenarios.analysis import event_probability, feature_scores, outcome_distribution
from scenarios.experiment import flat_runs
from scenarios.plot import OKABE_ITO, plot_fan

DOMAINS = ("missiles", "satellites", "submarines")
START = {"missiles": 0.60, "satellites": 0.20, "submarines": 0.15}  # baseline.yaml, PRK tech


def medians(ds, outcome, rng):
    """Median of an outcome per offer, with its 95 % bootstrap interval."""
    d = outcome_distribution(ds, outcome, quantiles=[0.5], rng=rng).sel(quantile=0.5)
    return d["value"].values, d["lower"].values, d["upper"].values


def main(argv=None):
    args = parser(__doc__, "q2_us_offer").parse_args(argv)
    ds = run("q2_us_offer", args)
    offers = event_probability(ds, "offer_accepted")["us_offer"].values
    # the month of acceptance, only where Russia accepted
    ds["outcome_accept_month"] = ds["outcome_offer_step"].where(ds["outcome_offer_accepted"] > 0)

    accept = event_probability(ds, "offer_accepted")
    month = medians(ds, "accept_month", args.seed)
    tech = {d: medians(ds, f"tech_prk_{d}", args.seed) for d in DOMAINS}
    arms = medians(ds, "arms_prk_rus_total", args.seed)
    loss = medians(ds, "econ_loss_rus", args.seed)
    negotiated = event_probability(ds, "ukraine_war", lambda v: v == 1)
    print(
        "\nBy offer (share of Western sanctions on Russia relieved on acceptance); "
        "medians with 95 % bootstrap intervals, probabilities with Wilson 95 % intervals:"
    )
    for i, offer in enumerate(offers):
        p = accept.isel(policy_id=i)
        print(f"\n  us_offer = {offer:.2f}")
        print(f"    Russia accepts within ten years   {interval(p)}")
        if np.isfinite(month[0][i]):
            print(
                f"    month of acceptance (median)      {month[0][i]:.0f} "
                f"[{month[1][i]:.0f}, {month[2][i]:.0f}]"
            )
        for d in DOMAINS:
            v, lo, hi = (x[i] for x in tech[d])
            print(
                f"    DPRK {d:10s} at the end        {v:.3f} [{lo:.3f}, {hi:.3f}] "
                f"(gain {v - START[d]:+.3f} from {START[d]:.2f})"
            )
        print(
            f"    DPRK->Russia shells, million       {arms[0][i]:.1f} [{arms[1][i]:.1f}, "
            f"{arms[2][i]:.1f}]"
        )
        print(
            f"    Russia's output loss, GDP share   {loss[0][i]:.4f} [{loss[1][i]:.4f}, "
            f"{loss[2][i]:.4f}]"
        )
        print(
            f"    expected relief granted, share    {offer * float(p['probability']):.3f} "
            f"[{offer * float(p['lower']):.3f}, {offer * float(p['upper']):.3f}] "
            "(offer x P(accept))"
        )
        print(f"    Ukraine war ends by negotiation   {interval(negotiated.isel(policy_id=i))}")

    full = ds.isel(experiment=ds["policy_id"].values == len(offers) - 1)
    scores = feature_scores(full, "offer_accepted", rng=args.seed)
    top = scores.sortby(scores, ascending=False)
    print(
        f"\nWhat decides acceptance at us_offer = {offers[-1]:.2f} (eta^2 [95 % bootstrap]; "
        "null = permutation level):"
    )
    for inp in top["input"].values[:4]:
        r = top.sel(input=inp)
        print(
            f"  {inp:24s} {float(r):.3f} [{float(r['lower']):.3f}, "
            f"{float(r['upper']):.3f}]  null {float(r['null']):.3f}"
        )

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    ax = axes[0]
    pr = accept["probability"].values
    ax.errorbar(
        offers,
        pr,
        yerr=[pr - accept["lower"].values, accept["upper"].values - pr],
        marker="o",
        capsize=3,
        color=OKABE_ITO["blue"],
        label="Wilson 95 % interval",
    )
    ax.set(
        xlabel="US offer [share of sanctions on Russia relieved]",
        ylabel="probability Russia accepts [1]",
        ylim=(0, 1.05),
        title="Russia accepts the offer within ten years",
    )
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    for d, colour in zip(DOMAINS, ("blue", "orange", "bluish_green"), strict=True):
        v, lo, hi = tech[d]
        ax.errorbar(
            offers,
            v,
            yerr=[v - lo, hi - v],
            marker="o",
            capsize=3,
            color=OKABE_ITO[colour],
            label=f"{d} (start {START[d]:.2f})",
        )
    ax.set(
        xlabel="US offer [share of sanctions on Russia relieved]",
        ylabel="DPRK technology level, July 2034 [0-1]",
        ylim=(0, 1),
        title="DPRK technology at the end (median, 95 % CI)",
    )
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[2]
    v, lo, hi = loss
    ax.errorbar(
        offers,
        100 * v,
        yerr=[100 * (v - lo), 100 * (hi - v)],
        marker="o",
        capsize=3,
        color=OKABE_ITO["vermillion"],
        label="Russia's output loss",
    )
    ax.set(
        xlabel="US offer [share of sanctions on Russia relieved]",
        ylabel="accumulated output loss, July 2034 [% of GDP]",
        title="The price: sanctions damage on Russia (median)",
    )
    ax.set_ylim(0, None)
    ax.legend(loc="upper right", fontsize=8)
    for a in axes:
        a.grid(alpha=0.3)
    save(fig, args.out, "q2_offer")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained", sharey=True)
    for ax, i in zip(axes, (0, len(offers) - 1), strict=True):
        sub = flat_runs(ds.isel(experiment=ds["policy_id"].values == i))
        plot_fan(sub, "tech_prk", ax=ax)
        ax.set_title(
            f"DPRK mean technology, us_offer = {offers[i]:.2f} ({sub.sizes['replication']} runs)",
            fontsize=10,
        )
    save(fig, args.out, "q2_tech_fans")


if __name__ == "__main__":
    main()
