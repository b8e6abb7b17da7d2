"""Shared fixtures: small configs and a cached baseline world.

The baseline config steps ten years; tests that only need a few months use
:func:`short_config`, which keeps every section of the baseline (events, agenda, links) but
cuts the horizon, so the agenda's first votes (step 8 and 9) still fall inside it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from scenarios.config import ScenarioConfig, builtin_config, parse_config
from scenarios.world import World, build_world

#: Steps of the short config: long enough to reach the first UN votes (steps 8 and 9).
SHORT_STEPS = 12


def short_config(steps: int = SHORT_STEPS, **changes: Any) -> ScenarioConfig:
    """The baseline with a shorter horizon (and any top-level sections replaced)."""
    data = builtin_config("baseline").to_dict()
    data.update(steps=steps, **changes)
    return parse_config(data)


@cache
def baseline_world() -> World:
    """The baseline world, built once per process (worlds are frozen)."""
    return build_world(builtin_config("baseline"))


@pytest.fixture(scope="session")
def small_config() -> ScenarioConfig:
    """The baseline cut to :data:`SHORT_STEPS` months."""
    return short_config()


@pytest.fixture(scope="session")
def world() -> World:
    """The cached baseline world."""
    return baseline_world()


@pytest.fixture(scope="session")
def make_config() -> Any:
    """:func:`short_config`, for tests that need a variant (test modules cannot import conftest
    under ``--import-mode=importlib``)."""
    return short_config
