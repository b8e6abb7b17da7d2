"""The Mesa model: one :class:`StateAgent` per state, simultaneous activation each month.

Each month :class:`ScenarioModel` applies the month's dated events, computes what every state
perceives (:func:`scenarios.dynamics.perceive`), lets every agent decide its own row of
sanctions, support, escalation, defence-pact entry, UN votes and offers
(:meth:`StateAgent.decide` calls :func:`scenarios.dynamics.decide` on that row), and resolves
all decisions at once (:func:`scenarios.dynamics.resolve`). Agents decide from the state at
the start of the month and their order does not matter. A Mesa ``DataCollector`` records
model-level outcomes and per-agent state every step.

This module may import mesa, numpy, and the modules above it in the pipeline.
"""

from __future__ import annotations

import os
from typing import Any

import mesa
import numpy as np
import pandas as pd

from scenarios import dynamics, outcomes, rules
from scenarios.config import ScenarioConfig, resolve_config
from scenarios.parameters import Levers, Parameters
from scenarios.random import SeedLike, run_key
from scenarios.world import State, World, build_world, initial_state

__all__ = ["HISTORY", "ScenarioModel", "StateAgent"]

#: Dyadic state arrays a model keeps for every step (see :attr:`ScenarioModel.history`).
HISTORY: tuple[str, ...] = ("rung", "sanctions", "arms", "food_flow", "affinity")


class StateAgent(mesa.Agent):
    """A sovereign state. Its attributes are views of its row of the model's state.

    Attributes
    ----------
    code : str
        ISO3 code of the state.
    position : int
        Its position on the actor axis of the model's arrays.
    decisions : scenarios.dynamics.Decisions or None
        What it decided this month (set by :meth:`decide`).
    """

    model: ScenarioModel

    def __init__(self, model: ScenarioModel, code: str, position: int) -> None:
        super().__init__(model)
        self.code = code
        self.position = position
        self.decisions: dynamics.Decisions | None = None

    def decide(self) -> None:
        """Take this month's decisions from the shared perception (no state is changed)."""
        m = self.model
        assert m.perception is not None, "decide() runs inside ScenarioModel.step()"
        self.decisions = dynamics.decide(
            m.world, m.state, m.perception, m.p, m.steps, m.key,
            slice(self.position, self.position + 1),
        )

    def observed(self, name: str) -> float:
        """This state's value of a per-actor observable (``outcomes.ACTOR_VARIABLES``)."""
        return float(self.model._actor_obs[name][self.position])

    # views of this state's observables, as recorded at the end of the last step
    @property
    def alignment(self) -> float:
        """Alignment on the UNGA ideal-point scale (positive: US-led order)."""
        return self.observed("alignment")

    @property
    def max_rung(self) -> int:
        """Highest rung this state stands at toward any other state."""
        return int(self.observed("max_rung"))

    @property
    def econ_loss(self) -> float:
        """Accumulated output loss from sanctions (share of GDP)."""
        return self.observed("econ_loss")

    @property
    def food_insecurity(self) -> float:
        """Food and energy insecurity in [0, 1]."""
        return self.observed("food_insecurity")

    @property
    def munitions(self) -> float:
        """Munitions stock, million shells."""
        return self.observed("munitions")

    @property
    def tech(self) -> float:
        """Mean technology level over the three domains."""
        return self.observed("tech")

    @property
    def sanctions_suffered(self) -> float:
        """Sum of the intensities of sanctions in force on this state."""
        return self.observed("sanctions_suffered")

    @property
    def support_received(self) -> float:
        """Arms and food received last month, thousand containers."""
        return self.observed("support_received")


class ScenarioModel(mesa.Model):
    """Agent-based model of a scenario: states sanction, support, vote and escalate monthly.

    Parameters
    ----------
    config : ScenarioConfig, str, path or None
        The scenario. ``None`` is the baseline; a string without a path separator or
        ``.yaml`` suffix names a built-in config (``"no_treaty"``); otherwise a file path.
    rng : int, SeedSequence, Generator or None
        Seeds the run (SPEC 7). The same ``rng`` gives the same trajectory.
    **overrides
        Lever or parameter values replacing the config's, by name (e.g.
        ``us_offer=0.5``), so that ``mesa.batch_run`` can sweep them.

    Examples
    --------
    >>> m = ScenarioModel(rng=1)
    >>> for _ in range(3):
    ...     m.step()
    >>> m.steps, len(m.agents)
    (3, 20)
    >>> m.outcomes()["outcome_class"] in outcomes.OUTCOME_CLASSES
    True
    """

    def __init__(
        self,
        config: ScenarioConfig | str | os.PathLike[str] | None = None,
        *,
        rng: SeedLike = None,
        **overrides: Any,
    ) -> None:
        cfg = resolve_config(config)
        if overrides:
            lever_kw = {k: v for k, v in overrides.items() if k in Levers.model_fields}
            param_kw = {k: v for k, v in overrides.items() if k in Parameters.model_fields}
            unknown = set(overrides) - set(lever_kw) - set(param_kw)
            if unknown:
                raise TypeError(
                    f"unknown override(s) {sorted(unknown)}; allowed: a lever "
                    f"({', '.join(Levers.model_fields)}) or a parameter name"
                )
            cfg = cfg.with_levers(**lever_kw).with_parameters(**param_kw)
        key = run_key(rng)
        super().__init__(rng=np.random.SeedSequence(key.tolist()))
        self.config = cfg
        self.key = key
        self.world: World = build_world(cfg)
        self.p = dynamics.param_view(cfg.parameters)
        self.state: State = initial_state(self.world)
        self.perception: dynamics.Perception | None = None
        self.horizon = cfg.steps
        self.states = [
            StateAgent(self, code, i) for i, code in enumerate(self.world.codes)
        ]
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in outcomes.STEP_VARIABLES},
            agent_reporters={
                "code": "code",
                **{name: _agent_reporter(name) for name in outcomes.ACTOR_VARIABLES},
            },
        )
        #: Dyadic state after every step so far (step 0 first): name -> list of (N, N) arrays.
        self.history: dict[str, list[np.ndarray]] = {name: [] for name in HISTORY}
        self._record()

    @classmethod
    def from_config(
        cls, cfg: ScenarioConfig | str | os.PathLike[str], *, rng: SeedLike = None
    ) -> ScenarioModel:
        """Build the model of any scenario config (object, built-in name or file path)."""
        return cls(cfg, rng=rng)

    def step(self) -> None:
        """One month: events, perception, every agent decides, all decisions resolve."""
        t = self.steps  # Mesa has already advanced the step counter
        dynamics.apply_events(self.world, self.state, t, self.p)
        self.perception = dynamics.perceive(self.world, self.state, self.p, t)
        self.agents.do("decide")
        parts = [a.decisions for a in self.states if a.decisions is not None]
        merged = dynamics.merge_decisions(parts)
        self.state = dynamics.resolve(
            self.world, self.state, self.perception, merged, self.p, t, self.key
        )
        self._record()
        if t >= self.horizon:
            self.running = False

    def run(self, steps: int | None = None) -> ScenarioModel:
        """Step until the horizon (or ``steps`` more months); returns ``self``."""
        n = self.horizon - self.steps if steps is None else steps
        for _ in range(max(n, 0)):
            self.step()
        return self

    def _record(self) -> None:
        self._obs = self.observe()
        self._actor_obs = outcomes.observe_actors(self.world, self.state, self.p)
        self.datacollector.collect(self)
        for name in HISTORY:
            self.history[name].append(getattr(self.state, name).copy())

    # --- outcomes and views -----------------------------------------------------------
    def observe(self) -> dict[str, float]:
        """Model-level observables of the current month (see ``outcomes.STEP_VARIABLES``)."""
        return outcomes.observe(self.world, self.state, self.p)

    def outcomes(self) -> dict[str, Any]:
        """Outcomes of the run so far, with the outcome class (``docs/model.md``)."""
        return outcomes.summarize(self.world, self.state, self.p)

    def actor_frame(self) -> pd.DataFrame:
        """Per-actor state now, one row per state (index: ISO3 code)."""
        s = self.state
        return pd.DataFrame(
            {
                "name": self.world.names,
                "alignment": s.alignment,
                "max_rung": s.rung.max(axis=1),
                "econ_loss": s.econ_loss,
                "food_insecurity": s.food,
                "munitions": s.stock,
                **{f"tech_{d}": s.tech[:, k] for k, d in enumerate(("missiles", "satellites",
                                                                     "submarines"))},
            },
            index=pd.Index(self.world.codes, name="iso3"),
        )

    def to_dataset(self) -> Any:
        """This run so far as an ``xarray.Dataset`` laid out like an ensemble of one.

        The layout is that of :func:`scenarios.ensemble.run_replications`, so every function
        of :mod:`scenarios.plot` works on it; steps not yet run are NaN.

        Examples
        --------
        >>> ds = ScenarioModel(rng=3).run(steps=2).to_dataset()
        >>> ds.sizes["replication"], int(ds.alignment.sel(actor="USA").notnull().sum())
        (1, 3)
        """
        from scenarios.ensemble import model_dataset

        return model_dataset(self)

    @property
    def date(self) -> str:
        """The month the model stands at, ``YYYY-MM``."""
        return str(self.config.start + self.steps)

    def rung_name(self, rung: int) -> str:
        """Name of an escalation rung."""
        return rules.RUNGS[rung]


def _reporter(name: str) -> Any:
    def report(model: ScenarioModel) -> float:
        return float(model._obs[name])

    report.__name__ = name
    return report


def _agent_reporter(name: str) -> Any:
    def report(agent: StateAgent) -> float:
        return agent.observed(name)

    report.__name__ = name
    return report


