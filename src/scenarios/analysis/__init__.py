"""Analysis of results: tools that read model output (or any matrix) and never run the model.

Nothing here imports Mesa, :mod:`scenarios.model`, :mod:`scenarios.dynamics`,
:mod:`scenarios.world` or an experiment runner; the modules may import numpy, scipy, pandas,
xarray, networkx and the pure-array :mod:`scenarios.rules`.

- :mod:`scenarios.analysis.alignment`: landscape energy and its minima (Axelrod & Bennett
  1993), structural balance and frustration, bloc detection.
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

__all__ = [
    "BlocDetector",
    "LandscapeResult",
    "canonical_labels",
    "centre_affinity",
    "detect_blocs",
    "frustration_index",
    "landscape_energy",
    "landscape_minima",
    "structural_balance",
]
