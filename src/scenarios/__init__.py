"""scenarios: agent-based scenario modelling of international politics.

States are agents (Mesa 3). Each month they decide whom to sanction, whom to support, how to
vote in the UN and how far to escalate; their alignment drifts with what they receive and
suffer. The first scenario is the 2024 Russia-North Korea rapprochement.

The public names below are loaded lazily (PEP 562), so that ``import scenarios.rules`` or
``import scenarios.plot`` does not import Mesa or the model.

Examples
--------
>>> import scenarios
>>> model = scenarios.ScenarioModel(rng=42)
>>> model.run(steps=2).steps
2
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "analysis": "scenarios",
    "backtest": "scenarios",
    "engine": "scenarios",
    "experiment": "scenarios",
    "run_experiment": "scenarios.experiment",
    "ConfigError": "scenarios.errors",
    "Levers": "scenarios.parameters",
    "OUTCOME_CLASSES": "scenarios.outcomes",
    "Parameters": "scenarios.parameters",
    "ScenarioConfig": "scenarios.config",
    "ScenarioModel": "scenarios.model",
    "State": "scenarios.world",
    "StateAgent": "scenarios.model",
    "World": "scenarios.world",
    "build_world": "scenarios.world",
    "builtin_config": "scenarios.config",
    "initial_state": "scenarios.world",
    "load_config": "scenarios.config",
    "load_results": "scenarios.ensemble",
    "parse_config": "scenarios.config",
    "plot": "scenarios",
    "summary_table": "scenarios.ensemble",
    "write_results": "scenarios.ensemble",
    "provenance_table": "scenarios.parameters",
    "run_replications": "scenarios.ensemble",
}

__all__ = [
    "OUTCOME_CLASSES",
    "ConfigError",
    "Levers",
    "Parameters",
    "ScenarioConfig",
    "ScenarioModel",
    "State",
    "StateAgent",
    "World",
    "__version__",
    "analysis",
    "backtest",
    "build_world",
    "builtin_config",
    "engine",
    "experiment",
    "initial_state",
    "load_config",
    "load_results",
    "parse_config",
    "plot",
    "provenance_table",
    "run_experiment",
    "run_replications",
    "summary_table",
    "write_results",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from scenarios import analysis, backtest, engine, experiment, plot
    from scenarios.config import ScenarioConfig, builtin_config, load_config, parse_config
    from scenarios.ensemble import load_results, run_replications, summary_table, write_results
    from scenarios.errors import ConfigError
    from scenarios.experiment import run_experiment
    from scenarios.model import ScenarioModel, StateAgent
    from scenarios.outcomes import OUTCOME_CLASSES
    from scenarios.parameters import Levers, Parameters, provenance_table
    from scenarios.world import State, World, build_world, initial_state


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
    if module == "scenarios":  # a submodule
        value: Any = importlib.import_module(f"scenarios.{name}")
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
