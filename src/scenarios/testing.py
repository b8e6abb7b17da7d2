"""Hypothesis strategies for property tests of models built with this library.

``parameter_sets()`` draws a point of the whole parameter space (every field of
:class:`scenarios.parameters.Parameters` within its bounds, the vote cutpoints ordered);
``policies()`` draws every lever of :class:`scenarios.parameters.Levers` within its bounds.
Requires ``hypothesis`` (``pip install 'ir-scenarios[test]'``).

This module may import hypothesis and :mod:`scenarios.parameters` only.
"""

from __future__ import annotations

from typing import Any

from scenarios.parameters import Levers, Parameters

__all__ = ["bounds", "parameter_sets", "policies"]


def bounds(model: type[Any], name: str) -> tuple[float, float]:
    """Inclusive ``(lower, upper)`` bounds of a field of ``Parameters`` or ``Levers``.

    Examples
    --------
    >>> bounds(Parameters, "threat_rate")
    (0.0, 1.0)
    """
    lo = hi = None
    for m in model.model_fields[name].metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    if lo is None or hi is None:
        raise ValueError(f"{model.__name__}.{name} has no bounds")
    return float(lo), float(hi)


def _field(model: type[Any], name: str) -> Any:
    from hypothesis import strategies as st

    if model.model_fields[name].annotation is bool:
        return st.booleans()
    return st.floats(*bounds(model, name), allow_nan=False, allow_infinity=False)


def _ordered(d: dict[str, float]) -> dict[str, float]:
    # the one constraint across fields: the ordered-logit cutpoints, c_lo < c_hi
    lo, hi = sorted((d["vote_cut_no"], d["vote_cut_yes"]))
    return {**d, "vote_cut_no": lo, "vote_cut_yes": hi}


def parameter_sets() -> Any:
    """Strategy: a dict of every ``Parameters`` field, within bounds, cutpoints ordered.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5)
    ... @given(parameter_sets())
    ... def check(p):
    ...     assert Parameters(**p).vote_cut_no < p["vote_cut_yes"]
    >>> check()
    """
    from hypothesis import strategies as st

    return (
        st.fixed_dictionaries({n: _field(Parameters, n) for n in Parameters.model_fields})
        .map(_ordered)
        .filter(lambda d: d["vote_cut_no"] < d["vote_cut_yes"])
    )


def policies() -> Any:
    """Strategy: a dict of every ``Levers`` field within its bounds.

    Examples
    --------
    >>> from hypothesis import find
    >>> sorted(find(policies(), lambda d: True)) == sorted(Levers.model_fields)
    True
    """
    from hypothesis import strategies as st

    return st.fixed_dictionaries({n: _field(Levers, n) for n in Levers.model_fields})
