"""Analysis of results: tools that read model output (or any matrix) and never run the model.

Nothing here imports Mesa, :mod:`scenarios.model`, :mod:`scenarios.dynamics`,
:mod:`scenarios.world` or an experiment runner; the modules may import numpy, scipy, pandas,
xarray, networkx (lazily), the pure-array :mod:`scenarios.rules` and :mod:`scenarios.stats`,
and SALib, matplotlib and EMA Workbench lazily inside the functions that need them.

- :mod:`scenarios.analysis.alignment`: landscape energy and its minima (Axelrod & Bennett
  1993), structural balance and frustration, bloc detection.
- :mod:`scenarios.analysis.outcomes`: outcome-class probabilities with Wilson intervals,
  outcome distributions with bootstrap intervals, regret, satisficing, percentiles.
- :mod:`scenarios.analysis.discovery`: scenario discovery with PRIM and CART.
- :mod:`scenarios.analysis.sensitivity`: Sobol' and Morris indices (SALib), feature scores.
- :mod:`scenarios.analysis.ema`: exchange with EMA Workbench: a results dataset as its
  ``(experiments, outcomes)`` pair and its saved archive, and back.
"""

from __future__ import annotations

from scenarios.analysis.alignment import (
    BlocDetector,
    LandscapeResult,
    canonical_labels,
    centre_affinity,
    detect_blocs,
    frustration_index,
    landscape_energy,
    landscape_minima,
    structural_balance,
)
from scenarios.analysis.discovery import CART, PRIM, discover, plot_box, plot_tradeoff
from scenarios.analysis.ema import (
    ema_outcomes,
    from_ema,
    load_ema_archive,
    read_ema_pair,
    save_ema_archive,
    to_ema,
)
from scenarios.analysis.outcomes import (
    class_probabilities,
    event_probability,
    outcome_distribution,
    percentile_performance,
    plot_class_probabilities,
    regret,
    satisficing,
)
from scenarios.analysis.sensitivity import (
    feature_scores,
    morris_indices,
    plot_feature_scores,
    plot_sobol,
    saltelli_design,
    sobol_indices,
)

__all__ = [
    "CART",
    "PRIM",
    "BlocDetector",
    "LandscapeResult",
    "canonical_labels",
    "centre_affinity",
    "class_probabilities",
    "detect_blocs",
    "discover",
    "ema_outcomes",
    "event_probability",
    "feature_scores",
    "from_ema",
    "frustration_index",
    "landscape_energy",
    "landscape_minima",
    "load_ema_archive",
    "morris_indices",
    "outcome_distribution",
    "percentile_performance",
    "plot_box",
    "plot_class_probabilities",
    "plot_feature_scores",
    "plot_sobol",
    "plot_tradeoff",
    "read_ema_pair",
    "regret",
    "saltelli_design",
    "satisficing",
    "save_ema_archive",
    "sobol_indices",
    "structural_balance",
    "to_ema",
]
