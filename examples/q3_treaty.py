"""Q3: what does the Russia-DPRK mutual-defence treaty change for Europe and the US?

The treaty on and off (``configs/q3_treaty.yaml``) where the Ukraine front can turn against
Russia, since the pact calls the DPRK in only when Russia loses ground: how often the DPRK
goes to war, whether the war widens, how far Western states escalate, nuclear use; and, by
scenario discovery, where the treaty matters (docs/questions.md, Q3).

    python examples/q3_treaty.py [--samples 250] [--replications 2] [--out DIR]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _common import WEST, interval, parser, run, save

from scenarios.analysis import class_probabilities, discover, event_probability, plot_box
from scenarios.experiment import flat_runs
from scenarios.plot import OKABE_ITO, plot_fan

#: events compared with and without the treaty: label -> (outcome, condition)
EVENTS = {
    "Russia loses ground\npast the pact trigger": ("lost_ground", None),
    "DPRK at war\n(rung 5+)": ("prk_rung", lambda v: v >= 5),
    "China at war\n(rung 5+)": ("chn_rung", lambda v: v >= 5),
    "a new war starts\n(war widened)": ("war_widened", None),
    "a Western state at\nmilitary signalling (3+)": ("west_rung", lambda v: v >= 3),
    "a Western state\nat war (5+)": ("west_rung", lambda v: v >= 5),
    "war between\nnuclear powers": ("major_war", None),
    "nuclear use": ("nuclear_use", None),
}


def main(argv=None):
    args = parser(__doc__, "q3_treaty").parse_args(argv)
    ds = run("q3_treaty", args)
    runs = ("experiment", "replication")
    # outcomes over the whole run, from the recorded months: the highest rung the DPRK and
    # any Western state reached, and whether the front fell below the pact's trigger
    rung = ds["actor_max_rung"].max("step")
    ds["outcome_prk_rung"] = rung.sel(actor="PRK").transpose(*runs)
    ds["outcome_chn_rung"] = rung.sel(actor="CHN").transpose(*runs)
    ds["outcome_west_rung"] = rung.sel(actor=list(WEST)).max("actor").transpose(*runs)
    lowest = ds["front_rus_ukr"].min("step")
    ds["outcome_lost_ground"] = (lowest < -ds["pact_losing_front"]).astype(float).transpose(*runs)

    probs = {label: event_probability(ds, o, c) for label, (o, c) in EVENTS.items()}
    on = {bool(t): i for i, t in enumerate(probs["nuclear use"]["treaty"].values)}
    print("\nProbability over all sampled conditions, treaty on vs off (Wilson 95 %):")
    for label, p in probs.items():
        name = label.replace("\n", " ")
        print(f"  {name:44s} on  {interval(p.isel(policy_id=on[True]))}")
        print(f"  {'':44s} off {interval(p.isel(policy_id=on[False]))}")

    lost = ds["outcome_lost_ground"] > 0
    print("\nOnly in the runs where Russia lost ground past the trigger:")
    for label in (
        "DPRK at war\n(rung 5+)",
        "China at war\n(rung 5+)",
        "a new war starts\n(war widened)",
        "a Western state at\nmilitary signalling (3+)",
        "nuclear use",
    ):
        o, c = EVENTS[label]
        sub = ds.assign({f"outcome_{o}": ds[f"outcome_{o}"].where(lost)})
        p = event_probability(sub, o, c)
        print(
            f"  {label.replace(chr(10), ' '):44s} on  {interval(p.isel(policy_id=on[True]))}"
            f"\n  {'':44s} off {interval(p.isel(policy_id=on[False]))}"
        )

    cls = class_probabilities(ds)
    print("\nOutcome classes, treaty on vs off (Wilson 95 %):")
    for c in cls["outcome_class"].values:
        print(
            f"  {c:24s} on  {interval(cls.sel(outcome_class=c).isel(policy_id=on[True]))}"
            f"\n  {'':24s} off {interval(cls.sel(outcome_class=c).isel(policy_id=on[False]))}"
        )

    fig, ax = plt.subplots(figsize=(13, 4.6), layout="constrained")
    x = np.arange(len(EVENTS))
    for k, (state, colour, hatch) in enumerate(
        ((True, "vermillion", ""), (False, "sky_blue", "//"))
    ):
        p = np.array([float(q["probability"].isel(policy_id=on[state])) for q in probs.values()])
        lo = np.array([float(q["lower"].isel(policy_id=on[state])) for q in probs.values()])
        hi = np.array([float(q["upper"].isel(policy_id=on[state])) for q in probs.values()])
        ax.bar(
            x + (k - 0.5) * 0.38,
            p,
            0.38,
            yerr=[p - lo, hi - p],
            capsize=3,
            color=OKABE_ITO[colour],
            hatch=hatch,
            edgecolor="white",
            label=f"treaty {'on' if state else 'off'}",
            error_kw={"elinewidth": 0.9, "ecolor": "black"},
        )
    ax.set_xticks(x, list(EVENTS), fontsize=9)
    ax.set_ylabel("probability over the run [1]")
    ax.set_ylim(0, 1)
    ax.set_title(
        f"Q3: the Russia-DPRK treaty on and off, where the front can turn against "
        f"Russia ({ds.attrs['n_runs']} runs, Wilson 95 % intervals)",
        fontsize=10,
    )
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    save(fig, args.out, "q3_treaty_events")

    print("\nRuns in which each state stood at a nuclear rung (6+) at some month:")
    for state, i in sorted(on.items(), reverse=True):
        sub = rung.isel(experiment=ds["policy_id"].values == i) >= 6
        who = {
            str(a): int(sub.sel(actor=a).sum())
            for a in ds["actor"].values
            if int(sub.sel(actor=a).sum())
        }
        print(f"  treaty {'on ' if state else 'off'}  {who or 'none'}")

    # where the treaty matters: scenario discovery over the treaty runs for the DPRK at war
    treaty_runs = ds.isel(experiment=ds["treaty"].values.astype(bool))
    inputs = ds.attrs["uncertainties"].split()
    prk = probs["DPRK at war\n(rung 5+)"].isel(policy_id=on[True])
    if not 0 < int(prk["count"]) < int(prk["n"]):
        print("\nThe DPRK is at war in no treaty run (or in all): no scenario discovery.")
        return
    prim = discover(
        treaty_runs,
        "outcome_prk_rung",
        condition=lambda v: v >= 5,
        inputs=inputs,
        objective="lenient1",
    )
    t = prim.trajectory_
    wide = t[t["coverage"] >= 0.5]
    prim.select(int(wide["density"].idxmax()) if len(wide) else int(t.index[-1]))
    s = prim.stats_
    print(
        f"\nWhere the DPRK goes to war under the treaty (PRIM: coverage {s['coverage']:.2f}, "
        f"density {s['density']:.2f}, mass {s['mass']:.2f}; quasi-p above 0.05 marks a "
        "restriction that adds little):"
    )
    for inp, lim in prim.box_[prim.box_["restricted"]].iterrows():
        print(
            f"  {inp:22s} {lim['lower']:.3g} .. {lim['upper']:.3g}   "
            f"quasi-p {prim.qp_.get(inp, np.nan):.1g}"
        )
    tree = discover(
        treaty_runs,
        "outcome_prk_rung",
        condition=lambda v: v >= 5,
        inputs=inputs,
        method="cart",
        max_depth=3,
        min_samples_leaf=max(5, treaty_runs.sizes["experiment"] // 12),
    )
    leaves = tree.leaves_.sort_values("density", ascending=False)
    print("\nCART leaves, densest first (density = share of runs with the DPRK at war):")
    for _, leaf in leaves.head(3).iterrows():
        print(f"  {leaf['density']:.2f} of {int(leaf['n'])} runs: {leaf['rule']}")

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
    plot_box(prim, ax=axes[0])
    axes[0].set_title(
        f"Where the DPRK goes to war under the treaty (PRIM)\ncoverage "
        f"{s['coverage']:.2f}, density {s['density']:.2f}, mass {s['mass']:.2f}",
        fontsize=10,
    )
    plot_fan(flat_runs(ds), "front_rus_ukr", ax=axes[1])
    lo_t, hi_t = (float(ds["pact_losing_front"].min()), float(ds["pact_losing_front"].max()))
    axes[1].axhspan(
        -hi_t, -lo_t, color=OKABE_ITO["orange"], alpha=0.2, label="sampled pact trigger"
    )
    axes[1].legend(loc="upper right", fontsize=8)
    axes[1].set_title(
        f"Ukraine front, all {ds.attrs['n_runs']} runs (+ = Russian gains; "
        "0 once the war has ended)",
        fontsize=10,
    )
    save(fig, args.out, "q3_where")


if __name__ == "__main__":
    main()
