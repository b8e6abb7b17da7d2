"""Scenario configs: YAML files loaded once into frozen, validated objects.

A config says which actors take part, what holds at the start (wars, sanctions, links, UN
sanctions regimes), which dated events happen, and the values of the model's parameters and
levers. :func:`load_config` reads a YAML file, :func:`parse_config` a mapping; both return a
frozen :class:`ScenarioConfig` or raise a :class:`~scenarios.errors.ConfigError` that lists every
problem found, each with its key path, the bad value and what would be allowed. Unknown keys are
rejected everywhere. The resolved config round-trips: ``parse_config(cfg.to_dict()) == cfg``.

The reference for every key is ``docs/config.md``; the JSON Schema for editors is
``scenarios/schema/config.schema.json`` (:func:`config_json_schema`).

This module may import :mod:`scenarios.parameters`, :mod:`scenarios.errors` and, lazily inside
functions, :mod:`scenarios.data` (the actor table that codes are checked against).

Examples
--------
>>> cfg = parse_config({"name": "demo", "start": "2024-01", "actors": ["RUS", "PRK", "USA"],
...                     "groups": {"axis": ["RUS", "PRK"]}})
>>> cfg.actor_codes()
('RUS', 'PRK', 'USA')
>>> cfg.expand(["axis", "USA"])
('RUS', 'PRK', 'USA')
>>> cfg.with_levers(treaty=False).levers.treaty
False
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from scenarios.errors import MISSING, ConfigError, Problem
from scenarios.parameters import Levers, Parameters

__all__ = [
    "DEFAULT_SECURITY_COUNCIL",
    "SAMPLERS",
    "SCHEMA_ID",
    "ActorSettings",
    "AgendaItem",
    "CeasefireEvent",
    "Event",
    "ExperimentSpec",
    "FrozenDict",
    "LeverEvent",
    "LiftSanctionsEvent",
    "Link",
    "MonthDate",
    "PolicyLever",
    "RecordSpec",
    "SanctionSpec",
    "SanctionsEvent",
    "ScenarioConfig",
    "ShockEvent",
    "SummitEvent",
    "TechLevels",
    "TreatyEvent",
    "UnVoteEvent",
    "Uncertainty",
    "VetoEvent",
    "War",
    "WarEvent",
    "builtin_config",
    "builtin_names",
    "config_json_schema",
    "input_bounds",
    "load_config",
    "outcome_names",
    "parse_config",
]

#: The ten elected members of the UN Security Council in 2024 (terms 2023-24 and 2024-25).
DEFAULT_SECURITY_COUNCIL: Final[tuple[str, ...]] = (
    "DZA", "ECU", "GUY", "JPN", "MLT", "MOZ", "KOR", "SLE", "SVN", "CHE",
)  # fmt: skip
#: ``$id`` of the JSON Schema of a config.
SCHEMA_ID: Final = "https://example.invalid/scenarios/schema/config.schema.json"
_MONTH_RE: Final = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"
_MONTH_ALLOWED: Final = "a month written 'YYYY-MM', e.g. '2024-06'"
#: Longest list of names spelled out in an "allowed" text.
_MAX_LISTED: Final = 24


# --- small value types ----------------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class MonthDate:
    """A calendar month, the model's time step.

    Written ``"YYYY-MM"`` in a config; a :class:`datetime.date` is also accepted (its day is
    dropped). Months compare in time order and support integer arithmetic.

    Parameters
    ----------
    year
        Four-digit year.
    month
        Month, 1-12.

    Examples
    --------
    >>> start = MonthDate.parse("2024-06")
    >>> str(start), start.index
    ('2024-06', 24293)
    >>> start.months_until(MonthDate(2025, 2))
    8
    >>> str(start + 7), str(start - 6)
    ('2025-01', '2023-12')
    >>> MonthDate(2024, 1) < MonthDate(2024, 2)
    True
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be in 1..12, got {self.month}")
        if not 1000 <= self.year <= 9999:
            raise ValueError(f"year must have four digits, got {self.year}")

    @classmethod
    def parse(cls, value: str | date | MonthDate) -> MonthDate:
        """Read a ``"YYYY-MM"`` string, a :class:`datetime.date` or a :class:`MonthDate`.

        Raises
        ------
        ValueError
            If ``value`` is not a month.

        Examples
        --------
        >>> MonthDate.parse("2024-07")
        MonthDate('2024-07')
        >>> import datetime
        >>> MonthDate.parse(datetime.date(2024, 6, 19))
        MonthDate('2024-06')
        """
        if isinstance(value, MonthDate):
            return value
        if isinstance(value, date):
            return cls(value.year, value.month)
        if isinstance(value, str):
            match = _MONTH_RE.match(value.strip())
            if match is None:
                raise ValueError(f"not a month in the form 'YYYY-MM': {value!r}")
            return cls(int(match[1]), int(match[2]))
        raise ValueError(f"expected a 'YYYY-MM' string or a date, got {type(value).__name__}")

    @classmethod
    def from_index(cls, index: int) -> MonthDate:
        """The month whose :attr:`index` is ``index``.

        Examples
        --------
        >>> MonthDate.from_index(MonthDate(2024, 12).index)
        MonthDate('2024-12')
        """
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: ``year * 12 + month - 1``."""
        return self.year * 12 + self.month - 1

    def months_until(self, other: MonthDate) -> int:
        """Number of months from this month to ``other`` (negative if ``other`` is earlier).

        Examples
        --------
        >>> MonthDate(2022, 2).months_until(MonthDate(2024, 6))
        28
        """
        return other.index - self.index

    def __add__(self, months: int) -> MonthDate:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return MonthDate.from_index(self.index + months)

    def __sub__(self, months: int) -> MonthDate:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return MonthDate.from_index(self.index - months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"MonthDate('{self}')"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": _MONTH_PATTERN, "examples": ["2024-06"]}

    @classmethod
    def _validate(cls, value: Any) -> MonthDate:
        try:
            return cls.parse(value)
        except ValueError:
            if isinstance(value, str) and _MONTH_RE.match(value.strip()):
                message = "no such month"
            elif isinstance(value, str):
                message = "not a month in the form 'YYYY-MM'"
            else:
                message = f"wrong type: expected a 'YYYY-MM' string, got {_kind(value)}"
            raise _error(message, _MONTH_ALLOWED, value=value) from None


class FrozenDict(dict[Any, Any]):
    """A :class:`dict` that cannot be changed after it is made (and so can be hashed).

    Examples
    --------
    >>> d = FrozenDict({"a": 1})
    >>> d["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: FrozenDict is immutable
    """

    def _immutable(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("FrozenDict is immutable")

    __setitem__ = _immutable
    __delitem__ = _immutable
    __ior__ = _immutable
    clear = _immutable
    pop = _immutable
    popitem = _immutable
    setdefault = _immutable
    update = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[Any, Any]]]:
        return (type(self), (dict(self),))


@dataclass(frozen=True)
class _Allowed:
    """Annotation metadata: how to describe a value's allowed form in an error message."""

    text: str


_K = TypeVar("_K")
_V = TypeVar("_V")
#: A mapping validated from a dict and frozen.
FrozenMap = Annotated[dict[_K, _V], AfterValidator(FrozenDict)]
#: An ISO3 code that must name an actor of the config (or, where said, any UN member).
Iso3 = Annotated[str, _Allowed("an ISO3 code such as 'RUS'")]
#: An actor's ISO3 code or the name of one of the config's groups.
ActorRef = Annotated[str, _Allowed("an actor's ISO3 code or a group name")]
#: A list of actors and groups.
ActorRefs = Annotated[tuple[ActorRef, ...], Field(min_length=1)]
Share = Annotated[float, Field(ge=0, le=1)]


def _field(default: Any = ..., *, unit: str | None = None, doc: str, **kw: Any) -> Any:
    """A pydantic ``Field`` with a description and, for quantities, a unit."""
    extra: dict[str, Any] | None = {"unit": unit} if unit is not None else None
    return Field(default, description=doc, json_schema_extra=extra, **kw)


def _error(
    message: str, allowed: str, *, at: str | None = None, value: Any = MISSING
) -> PydanticCustomError:
    """A validation error that :func:`parse_config` turns into one :class:`Problem`.

    ``at`` is a key below the failing location (e.g. ``"source"`` for an ActorSettings block).
    """
    ctx = {"message": message, "allowed": allowed, "at": at, "value": value}
    return PydanticCustomError("config_value", "{message}", ctx)


def _problems_error(problems: Sequence[Problem]) -> PydanticCustomError:
    """A validation error carrying several ready-made problems (cross-field checks)."""
    summary = "; ".join(str(p) for p in problems)
    return PydanticCustomError(
        "config_problems", "{summary}", {"summary": summary, "problems": tuple(problems)}
    )


# --- the actor table (scenarios.data), read lazily ----------------------------------------


@dataclass(frozen=True)
class _UnTable:
    codes: tuple[str, ...]  # all 193 members, sorted
    names: Mapping[str, str]  # upper-case name -> iso3
    principals: tuple[str, ...]
    p5: tuple[str, ...]


@functools.cache
def _un() -> _UnTable:
    from scenarios import data

    table = data.actors()
    codes = tuple(sorted(str(c) for c in table["iso3"]))
    names = {str(n).upper(): str(c) for n, c in zip(table["name"], table["iso3"], strict=True)}
    return _UnTable(codes, names, tuple(data.PRINCIPALS), tuple(data.P5))


@functools.cache
def _resolve_actors(spec: tuple[str, ...] | str) -> tuple[str, ...]:
    if not isinstance(spec, str):
        return spec
    un = _un()
    if spec == "principal":
        return un.principals
    others = [c for c in un.codes if c not in set(un.principals)]
    return un.principals + tuple(others)


# --- helpers for messages ---------------------------------------------------------------------


def _suggest(word: Any, choices: Iterable[str], names: Mapping[str, str] | None = None) -> str:
    """``"; did you mean 'X'?"`` for the choices closest to ``word`` (case-insensitive)."""
    if not isinstance(word, str):
        return ""
    choices = list(choices)
    upper = {c.upper(): c for c in choices}
    key = word.strip().upper()
    found: list[str] = []
    if key in upper:  # only the case differs
        found = [upper[key]]
    elif names and key in names and names[key] in choices:  # a country name, not its code
        found = [names[key]]
    else:
        if names:
            for m in difflib.get_close_matches(key, list(names), n=2, cutoff=0.75):
                if names[m] in choices and names[m] not in found:
                    found.append(names[m])
        for m in difflib.get_close_matches(key, list(upper), n=3):
            if upper[m] not in found:
                found.append(upper[m])
    return f"; did you mean {' or '.join(repr(f) for f in found[:3])}?" if found else ""


def _listing(items: Sequence[str]) -> str:
    """Comma-separated items, cut after :data:`_MAX_LISTED`."""
    if len(items) <= _MAX_LISTED:
        return ", ".join(items)
    return ", ".join(items[:_MAX_LISTED]) + f", ... ({len(items)} in all)"


def _kind(value: Any) -> str:
    """The YAML-level kind of ``value``, for "expected X, got Y" messages."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "true/false"),
        (int, "an integer"),
        (float, "a number"),
        (str, "a string"),
        ((list, tuple), "a list"),
        (Mapping, "a mapping"),
        (date, "a date"),
        (type(None), "null"),
    ]
    for cls, name in kinds:
        if isinstance(value, cls):
            return name
    return type(value).__name__


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _strip_annotated(tp: Any, metadata: Sequence[Any] = ()) -> tuple[Any, list[Any], Any]:
    """Unwrap ``Annotated``; return the bare type, flat metadata and any json_schema_extra."""
    meta = list(metadata)
    while get_origin(tp) is Annotated:
        tp, *more = get_args(tp)
        meta += more
    flat: list[Any] = []
    extra: Any = None
    for m in meta:
        if isinstance(m, FieldInfo):
            flat += m.metadata
            if m.discriminator is not None:
                flat.append(m)
            if isinstance(m.json_schema_extra, dict):
                extra = m.json_schema_extra
        else:
            flat.append(m)
    return tp, flat, extra


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _describe(tp: Any, metadata: Sequence[Any] = (), extra: Any = None) -> str:
    """Describe the values of type ``tp`` (with constraints ``metadata``) in words."""
    tp, meta, inner_extra = _strip_annotated(tp, metadata)
    extra = extra if isinstance(extra, dict) else inner_extra
    for m in meta:
        if isinstance(m, _Allowed):
            return m.text
    unit = extra.get("unit") if isinstance(extra, dict) else None
    origin, args = get_origin(tp), get_args(tp)
    if _is_union(tp):
        members = [a for a in args if a is not type(None)]
        if all(isinstance(a, type) and issubclass(a, BaseModel) for a in members) and all(
            "type" in a.model_fields for a in members
        ):
            tags = [repr(a.model_fields["type"].default) for a in members]
            text = f"a mapping whose `type` is one of {', '.join(tags)}"
        else:
            parts = [_describe(a, meta if len(members) == 1 else (), extra) for a in members]
            text = "; or ".join(parts)
        return text + ("; or null" if len(members) < len(args) else "")
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if tp is bool:
        return "true or false"
    if tp in (int, float):
        text = "an integer" if tp is int else "a number"
        bound = {type(m).__name__: getattr(m, type(m).__name__.lower()) for m in meta
                 if isinstance(m, annotated_types.Ge | annotated_types.Le | annotated_types.Gt
                               | annotated_types.Lt)}
        lo, hi = bound.get("Ge", bound.get("Gt")), bound.get("Le", bound.get("Lt"))
        if lo is not None and hi is not None:
            left = "[" if "Ge" in bound else "("
            right = "]" if "Le" in bound else ")"
            text += f" in {left}{_num(lo)}, {_num(hi)}{right}"
        elif lo is not None:
            text += f" {'>=' if 'Ge' in bound else '>'} {_num(lo)}"
        elif hi is not None:
            text += f" {'<=' if 'Le' in bound else '<'} {_num(hi)}"
        if unit == "1":
            text += ", dimensionless"
        elif unit:
            text += f", unit {unit}"
        return text
    if tp is str:
        nonempty = any(isinstance(m, annotated_types.MinLen) and m.min_length > 0 for m in meta)
        return "a non-empty string" if nonempty else "a string"
    if tp is MonthDate:
        return _MONTH_ALLOWED
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        keys = list(tp.model_fields)
        return f"a mapping with keys {_listing(keys)}"
    if origin in (tuple, list) or origin is Sequence:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            items = {_describe(a) for a in args}
            each = items.pop() if len(items) == 1 else " / ".join(_describe(a) for a in args)
            return f"a list of {len(args)} items, each {each}"
        lo = next((m.min_length for m in meta if isinstance(m, annotated_types.MinLen)), 0)
        hi = next((m.max_length for m in meta if isinstance(m, annotated_types.MaxLen)), None)
        size = (f"exactly {lo} " if lo == hi else f"at least {lo} " if lo else "")
        noun = "item" if lo == 1 and (hi is None or hi == 1) else "items"
        return f"a list of {size}{noun}, each {_describe(args[0])}"
    if origin in (dict, Mapping):
        return f"a mapping from {_describe(args[0])} to {_describe(args[1])}"
    return str(tp)


def _expected_kind(tp: Any) -> str:
    """The basic kind of value of type ``tp`` ("a number", "a list", ...)."""
    tp, _, _ = _strip_annotated(tp)
    if _is_union(tp):
        kinds = dict.fromkeys(_expected_kind(a) for a in get_args(tp) if a is not type(None))
        return " or ".join(kinds)
    origin = get_origin(tp)
    simple: dict[Any, str] = {int: "an integer", float: "a number", bool: "true or false",
                              str: "a string", MonthDate: "a 'YYYY-MM' string",
                              tuple: "a list", list: "a list", dict: "a mapping"}
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "a mapping"
    return simple.get(origin or tp, str(tp))


def _describe_field(field: FieldInfo) -> str:
    return _describe(field.annotation, field.metadata, field.json_schema_extra)


# --- sections of a config -------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )


class TechLevels(_Model):
    """Technology levels, 0 (none) to 1 (state of the art), in the three domains."""

    missiles: float = _field(0.0, ge=0, le=1, unit="1", doc="Long-range missile technology.")
    satellites: float = _field(0.0, ge=0, le=1, unit="1", doc="Reconnaissance satellites.")
    submarines: float = _field(0.0, ge=0, le=1, unit="1", doc="Nuclear-powered submarines.")


class ActorSettings(_Model):
    """Overrides of one actor's initial state; ``None`` means "from data or defaults".

    Every value set must carry its ``source``.

    Examples
    --------
    >>> ActorSettings(food_insecurity=0.4, source="WFP 2023").food_insecurity
    0.4
    """

    alignment: float | None = _field(
        None, ge=-4, le=4, unit="UNGA ideal point",
        doc="Initial alignment, overriding the UN General Assembly ideal point of data_year.")
    stubbornness: float | None = _field(
        None, ge=0, le=1, unit="1/month",
        doc="Weight of the actor's anchor in its alignment update (overrides the parameter).")
    food_insecurity: float | None = _field(
        None, ge=0, le=1, unit="1", doc="Initial food and energy insecurity, 0 (none) to 1.")
    munitions_stock: float | None = _field(
        None, ge=0, unit="million shells", doc="Initial artillery munitions stock.")
    munitions_production: float | None = _field(
        None, ge=0, unit="million shells/month", doc="Munitions production.")
    munitions_consumption: float | None = _field(
        None, ge=0, unit="million shells/month", doc="Munitions consumption when at war.")
    munitions_quality: float | None = _field(
        None, ge=0, le=1, unit="1", doc="Effectiveness of one shell relative to a modern one.")
    tech: TechLevels | None = _field(None, doc="Initial technology levels.")
    source: str | None = _field(
        None, doc="Where the values come from; required when any value is set.")

    @model_validator(mode="after")
    def _needs_source(self) -> ActorSettings:
        given = [k for k in type(self).model_fields
                 if k != "source" and getattr(self, k) is not None]
        if given and not (self.source and self.source.strip()):
            raise _error(
                f"missing source for {', '.join(given)}: every number carries its source",
                "a non-empty string naming the source, e.g. 'SIPRI Yearbook 2024'",
                at="source", value=self.source if self.source is not None else MISSING)
        return self


class Link(_Model):
    """A transport link between two actors that caps the support flowing over it."""

    between: tuple[Iso3, Iso3] = _field(doc="The two actors the link joins.")
    capacity: float = _field(
        gt=0, unit="thousand containers/month",
        doc="Largest flow over the link per month, both directions together.")
    source: str = _field(min_length=1, doc="Where the capacity comes from.")

    @field_validator("between")
    @classmethod
    def _distinct(cls, v: tuple[str, str]) -> tuple[str, str]:
        if v[0] == v[1]:
            raise _error("a link joins two different actors", "two different actors",
                         value=list(v))
        return v


class War(_Model):
    """A war in progress at the start."""

    attacker: Iso3 = _field(doc="The actor that started the war.")
    defender: Iso3 = _field(doc="The actor attacked.")
    since: MonthDate = _field(doc="Month the war began (not after the config's start).")
    source: str = _field(min_length=1, doc="Where the fact comes from.")


class SanctionSpec(_Model):
    """Sanctions in force at the start."""

    senders: ActorRefs = _field(doc="Actors or groups imposing the sanctions.")
    target: ActorRef = _field(doc="The sanctioned actor (or group).")
    intensity: float | None = _field(
        None, ge=0, le=1, unit="share of bilateral trade cut",
        doc="Intensity; null means the model default (parameter sanction_intensity).")
    source: str = _field(min_length=1, doc="Where the fact comes from.")


class AgendaItem(_Model):
    """A recurring UN vote on a resolution condemning ``target``."""

    body: Literal["GA", "SC"] = _field(doc="General Assembly or Security Council.")
    target: Iso3 = _field(doc="The actor the resolution condemns.")
    start: MonthDate = _field(doc="Month of the first vote.")
    every: int = _field(12, ge=1, le=1200, unit="months", doc="Months between votes.")
    shift: float = _field(
        0.0, ge=-5, le=5, unit="ideal-point units",
        doc="How much harsher than UNGA 68/262 the text is (positive = harsher).")
    label: str = _field("", doc="Short name of the resolution.")


# --- events -----------------------------------------------------------------------------------


class _EventBase(_Model):
    type: str
    date: MonthDate = _field(doc="Month the event happens (not before the config's start).")
    note: str = _field("", doc="Free text.")
    source: str = _field("", doc="Where the fact or assumption comes from.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        """``(key path, name, group allowed)`` for every actor this event names."""
        return []


def _refs(key: str, names: Sequence[str], groups_ok: bool) -> list[tuple[str, Any, bool]]:
    return [(f"{key}[{i}]", n, groups_ok) for i, n in enumerate(names)]


class TreatyEvent(_EventBase):
    """Two actors sign a mutual-defence treaty."""

    type: Literal["treaty"] = "treaty"
    actors: tuple[Iso3, Iso3] = _field(doc="The two parties.")
    affinity: float = _field(0.2, ge=0, le=1, unit="affinity", doc="Affinity the treaty adds.")
    lever: Literal["treaty"] | None = _field(
        "treaty", doc="The boolean lever that can switch the treaty off (null: none).")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return _refs("actors", self.actors, False)


class SummitEvent(_EventBase):
    """A summit between two or more actors."""

    type: Literal["summit"] = "summit"
    actors: Annotated[tuple[ActorRef, ...], Field(min_length=2)] = _field(
        doc="Participants (actors or groups).")
    affinity: float = _field(
        0.1, ge=0, le=1, unit="affinity", doc="Affinity added between each pair of participants.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return _refs("actors", self.actors, True)


class SanctionsEvent(_EventBase):
    """Senders impose sanctions on a target."""

    type: Literal["sanctions"] = "sanctions"
    senders: ActorRefs = _field(doc="Actors or groups imposing the sanctions.")
    target: ActorRef = _field(doc="The sanctioned actor (or group).")
    intensity: float | None = _field(
        None, ge=0, le=1, unit="share of bilateral trade cut",
        doc="Intensity; null means the model default (parameter sanction_intensity).")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [*_refs("senders", self.senders, True), ("target", self.target, True)]


class LiftSanctionsEvent(_EventBase):
    """Senders lift their sanctions on a target."""

    type: Literal["lift_sanctions"] = "lift_sanctions"
    senders: ActorRefs = _field(doc="Actors or groups lifting their sanctions.")
    target: ActorRef = _field(doc="The actor (or group) relieved.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [*_refs("senders", self.senders, True), ("target", self.target, True)]


class WarEvent(_EventBase):
    """An actor attacks another."""

    type: Literal["war"] = "war"
    attacker: Iso3 = _field(doc="The actor starting the war.")
    defender: Iso3 = _field(doc="The actor attacked.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [("attacker", self.attacker, False), ("defender", self.defender, False)]


class CeasefireEvent(_EventBase):
    """Two actors at war stop fighting."""

    type: Literal["ceasefire"] = "ceasefire"
    actors: tuple[Iso3, Iso3] = _field(doc="The two belligerents.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return _refs("actors", self.actors, False)


class VetoEvent(_EventBase):
    """A permanent member vetoes a Security Council resolution on a target."""

    type: Literal["veto"] = "veto"
    actor: Iso3 = _field(doc="The vetoing permanent member (USA, GBR, FRA, RUS, CHN).")
    target: Iso3 = _field(doc="The actor the vetoed resolution concerned.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [("actor", self.actor, False), ("target", self.target, False)]


class UnVoteEvent(_EventBase):
    """A one-off UN vote on a resolution condemning a target."""

    type: Literal["un_vote"] = "un_vote"
    body: Literal["GA", "SC"] = _field(doc="General Assembly or Security Council.")
    target: Iso3 = _field(doc="The actor the resolution condemns.")
    shift: float = _field(
        0.0, ge=-5, le=5, unit="ideal-point units",
        doc="How much harsher than UNGA 68/262 the text is (positive = harsher).")
    label: str = _field("", doc="Short name of the resolution.")

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [("target", self.target, False)]


class LeverEvent(_EventBase):
    """A policy lever changes value (see :class:`~scenarios.parameters.Levers`)."""

    type: Literal["lever"] = "lever"
    name: str = _field(doc="A lever name (a key of the `levers` section).")
    value: float | bool = _field(doc="The new value, within the lever's range.")

    @field_validator("name")
    @classmethod
    def _known_lever(cls, v: str) -> str:
        if v not in Levers.model_fields:
            names = list(Levers.model_fields)
            raise _error(f"unknown lever {v!r}", "one of " + ", ".join(names) + _suggest(v, names),
                         value=v)
        return v

    @field_validator("value")
    @classmethod
    def _lever_value(cls, v: float | bool, info: ValidationInfo) -> float | bool:
        name = info.data.get("name")
        if name is None:  # the name was invalid and is reported on its own
            return v
        field = Levers.model_fields[name]
        allowed = _describe_field(field)
        if (field.annotation is bool) != isinstance(v, bool):
            want = "true or false" if field.annotation is bool else "a number"
            raise _error(f"wrong type for lever {name!r}: expected {want}, got {_kind(v)}",
                         allowed, value=v)
        try:
            checked = Levers.model_validate({name: v})
        except ValidationError as exc:
            raise _error(_message(exc.errors()[0]), allowed, value=v) from None
        out: float | bool = getattr(checked, name)
        return out


#: Bounds of an absolute shock value, per variable.
_SHOCK_BOUNDS: Final[dict[str, tuple[float, float | None]]] = {
    "food_insecurity": (0.0, 1.0),
    "capability": (0.0, None),
    "munitions_stock": (0.0, None),
    "alignment": (-4.0, 4.0),
}


class ShockEvent(_EventBase):
    """An exogenous shock sets or shifts one state variable of an actor."""

    type: Literal["shock"] = "shock"
    actor: Iso3 = _field(doc="The actor hit.")
    variable: Literal["food_insecurity", "capability", "munitions_stock", "alignment"] = _field(
        doc="The state variable changed.")
    value: float | None = _field(None, doc="New value (give exactly one of value and delta).")
    delta: float | None = _field(None, doc="Change added (give exactly one of value and delta).")

    @model_validator(mode="after")
    def _one_of(self) -> ShockEvent:
        if (self.value is None) == (self.delta is None):
            raise _error("give exactly one of `value` and `delta`",
                         "either value: <number> or delta: <number>")
        if self.value is not None:
            lo, hi = _SHOCK_BOUNDS[self.variable]
            if self.value < lo or (hi is not None and self.value > hi):
                rng = f"in [{_num(lo)}, {_num(hi)}]" if hi is not None else f">= {_num(lo)}"
                raise _error(f"out of range for {self.variable}", f"a number {rng}",
                             at="value", value=self.value)
        return self

    def _actor_refs(self) -> list[tuple[str, Any, bool]]:
        return [("actor", self.actor, False)]


#: One dated event; the ``type`` key selects the kind.
Event = Annotated[
    TreatyEvent | SummitEvent | SanctionsEvent | LiftSanctionsEvent | WarEvent | CeasefireEvent
    | VetoEvent | UnVoteEvent | LeverEvent | ShockEvent,
    Field(discriminator="type"),
]


# --- the config -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The names a config's sections may refer to."""

    actors: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]

    def check(self, path: str, name: Any, *, groups_ok: bool) -> Problem | None:
        if name in self.actors or (groups_ok and name in self.groups):
            return None
        un = _un()
        choices = list(self.actors) + (list(self.groups) if groups_ok else [])
        allowed = f"one of the config's actors: {_listing(list(self.actors))}"
        if groups_ok and self.groups:
            allowed += f"; or a group: {', '.join(self.groups)}"
        if not groups_ok and name in self.groups:
            return Problem(path, name, "a group is not allowed here; name a single actor",
                           allowed)
        message = "unknown actor" if name not in un.codes else "not an actor of this config"
        return Problem(path, name, message, allowed + _suggest(name, choices, un.names))

    def expand(self, names: Iterable[str]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for n in names:
            for code in self.groups.get(n, (n,)):
                out[code] = None
        return tuple(out)


def _scope(info: ValidationInfo) -> _Scope | None:
    """The actors and groups validated so far, or None if either was invalid."""
    if "actors" not in info.data or "groups" not in info.data:
        return None
    return _Scope(_resolve_actors(info.data["actors"]), info.data["groups"])


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise _problems_error(problems)


# --- the experiment section -------------------------------------------------------------------

#: A sampler of the experiment section (see ``docs/experiments.md``).
Sampler = Literal["lhs", "sobol", "saltelli", "morris", "full_factorial", "monte_carlo"]
#: The samplers, in the order of the docs.
SAMPLERS: Final[tuple[str, ...]] = get_args(Sampler)
_INPUTS_ALLOWED: Final = "the name of a parameter or a lever (see docs/model.md)"


def _input_field(name: Any) -> FieldInfo | None:
    """The ``Parameters`` or ``Levers`` field called ``name``, or None."""
    if not isinstance(name, str):
        return None
    return Parameters.model_fields.get(name) or Levers.model_fields.get(name)


def _input_names() -> list[str]:
    return [*Parameters.model_fields, *Levers.model_fields]


def input_bounds(name: str) -> tuple[float | None, float | None]:
    """Inclusive bounds ``(lower, upper)`` of a parameter or lever (None: unbounded).

    Examples
    --------
    >>> input_bounds("threat_rate")
    (0.0, 1.0)
    """
    field = _input_field(name)
    if field is None:
        raise KeyError(f"no parameter or lever {name!r}")
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def _check_input_value(name: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for the parameter or lever ``name`` (None if it is)."""
    field = _input_field(name)
    assert field is not None
    if (field.annotation is bool) != isinstance(value, bool):
        want = "true or false" if field.annotation is bool else "a number"
        return f"wrong type for {name!r}: expected {want}, got {_kind(value)}"
    lo, hi = input_bounds(name)
    if not isinstance(value, bool) and ((lo is not None and value < lo)
                                        or (hi is not None and value > hi)):
        return f"outside the range of {name!r}, [{_num(lo)}, {_num(hi)}]"
    return None


def _describe_input(name: str) -> str:
    field = _input_field(name)
    return _describe_field(field) if field is not None else _INPUTS_ALLOWED


def _unknown_input(name: Any) -> PydanticCustomError:
    names = _input_names()
    return _error(f"unknown parameter or lever {name!r}",
                  _INPUTS_ALLOWED + _suggest(name, names), at="name", value=name)


class Uncertainty(_Model):
    """One uncertain input: a parameter or lever sampled over a range, a distribution or values.

    Give exactly one of ``lower`` and ``upper`` (uniform), ``distribution`` (a scipy.stats
    continuous distribution, mapped through its ``ppf``) or ``values`` (categories, e.g.
    ``[true, false]`` for a boolean lever).

    Examples
    --------
    >>> Uncertainty(name="threat_rate", lower=0.01, upper=0.1).upper
    0.1
    """

    name: str = _field(doc="A parameter or lever name.")
    lower: float | None = _field(None, doc="Lower end of a uniform range (give with upper).")
    upper: float | None = _field(None, doc="Upper end of a uniform range (give with lower).")
    distribution: FrozenMap[str, Any] | None = _field(
        None, doc="A scipy.stats continuous distribution: its `name` and the keyword arguments "
        "that freeze it, e.g. {name: truncnorm, a: -2, b: 2, loc: 0.05, scale: 0.01}.")
    values: Annotated[tuple[float | bool, ...], Field(min_length=1)] | None = _field(
        None, doc="Categories sampled with equal probability (e.g. [true, false]).")

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        field = _input_field(self.name)
        if field is None:
            raise _unknown_input(self.name)
        forms = [k for k, given in (("lower/upper", self.lower is not None
                                     or self.upper is not None),
                                    ("distribution", self.distribution is not None),
                                    ("values", self.values is not None)) if given]
        allowed = "exactly one of lower+upper, distribution or values"
        if len(forms) != 1:
            raise _error(f"give exactly one form, not {' and '.join(forms) or 'none'}", allowed)
        if field.annotation is bool and self.values is None:
            raise _error(f"{self.name!r} is a boolean lever: list its values",
                         "values: [true, false]")
        if self.values is not None:
            self._check_values()
        elif self.distribution is not None:
            self.frozen_distribution()
        else:
            self._check_range()
        return self

    def _check_values(self) -> None:
        assert self.values is not None
        for i, v in enumerate(self.values):
            if (why := _check_input_value(self.name, v)) is not None:
                raise _error(why, _describe_input(self.name), at=f"values[{i}]", value=v)
        if len(set(self.values)) != len(self.values):
            raise _error("duplicate values", "each value once", at="values",
                         value=list(self.values))

    def _check_range(self) -> None:
        if self.lower is None or self.upper is None:
            missing = "upper" if self.upper is None else "lower"
            raise _error(f"missing {missing!r}: a uniform range needs both ends",
                         "lower: <number>, upper: <number>", at=missing)
        lo, hi = input_bounds(self.name)
        span = f"a number in [{_num(lo)}, {_num(hi)}]"
        for key, v in (("lower", self.lower), ("upper", self.upper)):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise _error(f"outside the range of {self.name!r}", span, at=key, value=v)
        if not self.lower < self.upper:
            raise _error("lower must be below upper", f"a number above lower ({self.lower})",
                         at="upper", value=self.upper)

    def frozen_distribution(self) -> Any:
        """The frozen scipy distribution of ``distribution`` (None for the other forms)."""
        if self.distribution is None:
            return None
        return _frozen_distribution(self.distribution)


def _frozen_distribution(spec: Mapping[str, Any]) -> Any:
    """Freeze ``{name: <scipy.stats continuous distribution>, **kwargs}``, or raise _error."""
    from scipy import stats

    name = spec.get("name", MISSING)
    continuous = sorted(n for n in dir(stats)
                        if isinstance(getattr(stats, n, None), stats.rv_continuous))
    if name is MISSING:
        raise _error("missing key 'name'", "the name of a scipy.stats continuous "
                     "distribution, e.g. norm, truncnorm, beta", at="distribution")
    if not isinstance(name, str) or name not in continuous:
        raise _error(f"unknown scipy.stats continuous distribution {name!r}",
                     "a scipy.stats continuous distribution, e.g. uniform, norm, truncnorm, "
                     "beta, triang, lognorm" + _suggest(name, continuous),
                     at="distribution.name", value=name)
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    dist = getattr(stats, name)
    shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
    allowed = f"keyword arguments of scipy.stats.{name}: " + ", ".join([*shapes, "loc", "scale"])
    try:
        frozen = dist(**kwargs)
        probe = frozen.ppf([0.25, 0.5, 0.75])
    except (TypeError, ValueError) as exc:
        raise _error(f"does not freeze scipy.stats.{name}: {exc}", allowed,
                     at="distribution", value=dict(spec)) from None
    if not all(math.isfinite(float(x)) for x in probe):
        raise _error(f"invalid arguments for scipy.stats.{name}", allowed,
                     at="distribution", value=dict(spec))
    return frozen


class PolicyLever(_Model):
    """A lever and the values it takes across the policy set (a full factorial).

    Examples
    --------
    >>> PolicyLever(name="us_offer", values=[0.0, 1.0]).values
    (0.0, 1.0)
    """

    name: str = _field(doc="A lever name.")
    values: Annotated[tuple[float | bool, ...], Field(min_length=1)] = _field(
        doc="The lever's values, each within its range.")

    @model_validator(mode="after")
    def _check(self) -> PolicyLever:
        if self.name not in Levers.model_fields:
            names = list(Levers.model_fields)
            if self.name in Parameters.model_fields:
                raise _error(f"{self.name!r} is a parameter, not a lever; make it an "
                             "uncertainty or a constant", "one of " + ", ".join(names),
                             at="name", value=self.name)
            raise _error(f"unknown lever {self.name!r}", "one of " + ", ".join(names)
                         + _suggest(self.name, names), at="name", value=self.name)
        for i, v in enumerate(self.values):
            if (why := _check_input_value(self.name, v)) is not None:
                raise _error(why, _describe_field(Levers.model_fields[self.name]),
                             at=f"values[{i}]", value=v)
        if len(set(self.values)) != len(self.values):
            raise _error("duplicate values", "each value once", at="values",
                         value=list(self.values))
        return self


_AllOrNames = Literal["all", "none"] | tuple[str, ...]


class RecordSpec(_Model):
    """What each run keeps besides its outcomes: step, actor and dyad records.

    Examples
    --------
    >>> RecordSpec(steps="none").actors
    'none'
    """

    steps: _AllOrNames = _field(
        "all", doc="Model-level variables recorded each step (scenarios.outcomes."
        "STEP_VARIABLES): 'all', 'none' or a list of names.")
    actors: _AllOrNames = _field(
        "none", doc="Per-actor variables recorded each step (scenarios.outcomes."
        "ACTOR_VARIABLES): 'all', 'none' or a list of names.")
    dyads: _AllOrNames = _field(
        "none", doc="Dyadic state recorded each step (rung, sanctions, arms, food_flow, "
        "affinity): 'all', 'none' or a list of names.")

    @model_validator(mode="after")
    def _check(self) -> RecordSpec:
        for key, known in (("steps", self._known("steps")), ("actors", self._known("actors")),
                           ("dyads", self._known("dyads"))):
            value = getattr(self, key)
            if isinstance(value, str):
                continue
            for i, name in enumerate(value):
                if name not in known:
                    raise _error(f"unknown {key} variable {name!r}",
                                 "'all', 'none' or a list of: " + ", ".join(known)
                                 + _suggest(name, known), at=f"{key}[{i}]", value=name)
            if len(set(value)) != len(value):
                raise _error("duplicate names", "each name once", at=key, value=list(value))
        return self

    @staticmethod
    def _known(key: str) -> tuple[str, ...]:
        if key == "dyads":
            from scenarios.ensemble import DYAD_VARIABLES

            return tuple(DYAD_VARIABLES)
        from scenarios import outcomes

        return tuple(outcomes.STEP_VARIABLES if key == "steps" else outcomes.ACTOR_VARIABLES)

    def names(self, key: Literal["steps", "actors", "dyads"]) -> tuple[str, ...]:
        """The names recorded for ``key``, with ``'all'`` and ``'none'`` resolved."""
        value = getattr(self, key)
        if value == "all":
            return self._known(key)
        if value == "none":
            return ()
        return tuple(value)


@functools.cache
def outcome_names() -> tuple[str, ...]:
    """Names of the numeric outcomes of :func:`scenarios.outcomes.summarize`, in order.

    The classification (``outcome_code`` / ``outcome_class``) is always kept and not listed.

    Examples
    --------
    >>> "max_rung" in outcome_names(), "outcome_code" in outcome_names()
    (True, False)
    """
    from scenarios import dynamics, outcomes
    from scenarios.world import build_world, initial_state

    cfg = ScenarioConfig(name="outcome-names", actors=("RUS", "PRK", "CHN", "USA"))
    world = build_world(cfg)
    found = outcomes.summarize(world, initial_state(world), dynamics.param_view(cfg.parameters))
    return tuple(k for k in found if k not in ("outcome_code", "outcome_class"))


class ExperimentSpec(_Model):
    """The experiment section of a config: uncertainties, levers, constants, sampler, records.

    A *scenario* is a point in the space of the uncertainties, a *policy* a point in the space
    of the levers (the full factorial of the listed values), an *experiment* a (scenario,
    policy) pair, a *replication* one seed child, a *run* an (experiment, replication).
    See ``docs/experiments.md``.

    Examples
    --------
    >>> spec = ExperimentSpec(n_samples=8, uncertainties=[
    ...     {"name": "threat_rate", "lower": 0.01, "upper": 0.1}])
    >>> spec.sampler, spec.n_replications, spec.record.steps
    ('lhs', 1, 'all')
    """

    sampler: Sampler = _field(
        "lhs", doc="Design of the scenarios over the uncertainties.")
    n_samples: int = _field(
        1, ge=1, le=100_000_000,
        doc="Number of scenarios (lhs, sobol, monte_carlo), of trajectories (morris), or of "
        "levels per uncertainty (full_factorial). Required when there are uncertainties.")
    n_replications: int = _field(1, ge=1, le=100_000_000, doc="Seed replications per "
                                 "experiment.")
    uncertainties: tuple[Uncertainty, ...] = _field((), doc="The uncertain inputs.")
    levers: tuple[PolicyLever, ...] = _field(
        (), doc="Levers and their values; the policies are their full factorial (default: the "
        "config's levers, one policy).")
    constants: FrozenMap[str, float | bool] = _field(
        default_factory=FrozenDict, doc="Parameter or lever values applied to every run.")
    outcomes: Literal["all"] | tuple[str, ...] = _field(
        "all", doc="Numeric outcomes kept (names from scenarios.outcomes.summarize); the "
        "outcome class is always kept.")
    record: RecordSpec = _field(default_factory=RecordSpec, doc="What each run records.")
    block_size: int | Literal["auto"] = _field(
        "auto", doc="Runs per block task (an integer >= 1, or 'auto').")

    @field_validator("block_size")
    @classmethod
    def _block(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise _error("must be >= 1", "an integer >= 1, or 'auto'", value=v)
        return v

    @model_validator(mode="after")
    def _cross(self) -> ExperimentSpec:
        problems: list[Problem] = []
        if self.uncertainties and "n_samples" not in self.model_fields_set:
            problems.append(Problem("experiment.n_samples", MISSING,
                                    "missing key 'n_samples' (there are uncertainties)",
                                    "an integer >= 1"))
        seen: dict[str, str] = {}
        for kind, names in (("uncertainties", [u.name for u in self.uncertainties]),
                            ("levers", [lv.name for lv in self.levers])):
            for i, name in enumerate(names):
                path = f"experiment.{kind}[{i}].name"
                if name in seen:
                    problems.append(Problem(path, name, f"{name!r} is already in {seen[name]}",
                                            "each input in one place only: an uncertainty, "
                                            "a policy lever or a constant"))
                seen.setdefault(name, f"{kind}[{i}]")
        for name, value in self.constants.items():
            path = f"experiment.constants.{name}"
            if _input_field(name) is None:
                problems.append(Problem(path, MISSING, f"unknown parameter or lever {name!r}",
                                        _INPUTS_ALLOWED + _suggest(name, _input_names())))
            elif name in seen:
                problems.append(Problem(path, value, f"{name!r} is already in {seen[name]}",
                                        "each input in one place only: an uncertainty, a "
                                        "policy lever or a constant"))
            elif (why := _check_input_value(name, value)) is not None:
                problems.append(Problem(path, value, why, _describe_input(name)))
        if not isinstance(self.outcomes, str):
            known = outcome_names()
            for i, name in enumerate(self.outcomes):
                if name not in known:
                    problems.append(Problem(f"experiment.outcomes[{i}]", name,
                                            f"unknown outcome {name!r}",
                                            "'all' or a list of: " + _listing(list(known))
                                            + _suggest(name, known)))
        _raise_if(problems)
        return self


class ScenarioConfig(_Model):
    """A validated, frozen scenario config. Build it with :func:`load_config` or
    :func:`parse_config`; see ``docs/config.md`` for every key.

    Examples
    --------
    >>> cfg = parse_config({"name": "demo", "start": "2024-06", "steps": 24})
    >>> str(cfg.start), cfg.steps, len(cfg.actor_codes())
    ('2024-06', 24, 20)
    """

    name: str = _field(min_length=1, doc="Name of the scenario.")
    description: str = _field("", doc="What the scenario is about.")
    start: MonthDate = _field(
        "2024-01", doc="First month simulated ('YYYY-MM').")
    steps: int = _field(120, ge=1, le=1200, unit="months", doc="Number of monthly steps.")
    data_year: int = _field(
        2023, ge=2000, le=2024, unit="year",
        doc="Year of the calibration data used for the initial state.")
    actors: tuple[Iso3, ...] | Literal["principal", "un"] = _field(
        "principal",
        doc="ISO3 codes of the modelled actors, or 'principal' (the report's 20 principal "
        "actors) or 'un' (all 193 UN members).")
    groups: FrozenMap[str, Annotated[tuple[Iso3, ...], Field(min_length=1)]] = _field(
        default_factory=FrozenDict,
        doc="Named groups of actors, usable wherever a list of actors is accepted.")
    actor_settings: FrozenMap[str, ActorSettings] = _field(
        default_factory=FrozenDict, doc="Per-actor overrides of the initial state, by ISO3 code.")
    links: tuple[Link, ...] = _field((), doc="Transport links with limited capacity.")
    wars: tuple[War, ...] = _field((), doc="Wars in progress at the start.")
    sanctions: tuple[SanctionSpec, ...] = _field((), doc="Sanctions in force at the start.")
    un_sanctions: FrozenMap[str, Share] = _field(
        default_factory=FrozenDict,
        doc="Target ISO3 code -> enforcement level (0-1) of the UN Security Council sanctions "
        "regime on it at the start.")
    security_council: Annotated[tuple[Iso3, ...], Field(min_length=10, max_length=10)] = _field(
        DEFAULT_SECURITY_COUNCIL,
        doc="The 10 elected Security Council members (any UN members, not P5).")
    agenda: tuple[AgendaItem, ...] = _field((), doc="Recurring UN votes.")
    events: tuple[Event, ...] = _field(
        (), doc="Dated exogenous events (kept sorted by date; ties keep their order).")
    parameters: Parameters = _field(default_factory=Parameters, doc="Model parameters.")
    levers: Levers = _field(default_factory=Levers, doc="Policy levers.")
    experiment: ExperimentSpec | None = _field(
        None, doc="The experiment design: uncertainties, policy levers, constants, sampler, "
        "replications and what to record (docs/experiments.md); null: none.")

    # --- cross-field checks; each runs only when the fields it refers to are valid ----------

    @field_validator("actors")
    @classmethod
    def _check_actors(cls, v: tuple[str, ...] | str) -> tuple[str, ...] | str:
        if isinstance(v, str):
            return v
        un, problems, seen = _un(), [], dict[str, int]()
        for i, code in enumerate(v):
            if code not in un.codes:
                problems.append(Problem(
                    f"actors[{i}]", code, "unknown ISO3 code",
                    "the ISO3 code of a UN member state" + _suggest(code, un.codes, un.names)))
            elif code in seen:
                problems.append(Problem(f"actors[{i}]", code,
                                        f"duplicate actor (also at actors[{seen[code]}])",
                                        "each actor once"))
            seen.setdefault(code, i)
        if len(v) < 2 and not problems:
            problems.append(Problem("actors", list(v), "a scenario needs at least 2 actors",
                                    "a list of at least 2 ISO3 codes, or 'principal' or 'un'"))
        _raise_if(problems)
        return v

    @field_validator("groups")
    @classmethod
    def _check_groups(
        cls, v: Mapping[str, tuple[str, ...]], info: ValidationInfo
    ) -> Mapping[str, tuple[str, ...]]:
        un, problems = _un(), []
        actors = _resolve_actors(info.data["actors"]) if "actors" in info.data else None
        for name, members in v.items():
            if not name.isidentifier():
                problems.append(Problem(f"groups.{name}", name, "not a valid group name",
                                        "a name made of letters, digits and _, not starting "
                                        "with a digit, e.g. west"))
            elif name.upper() in un.codes or name in ("principal", "un"):
                problems.append(Problem(f"groups.{name}", name,
                                        "a group name must not be an ISO3 code or a keyword",
                                        "a name that is not an ISO3 code, e.g. west"))
            if actors is None:
                continue
            scope = _Scope(actors, {})
            seen: set[str] = set()
            for j, code in enumerate(members):
                problem = scope.check(f"groups.{name}[{j}]", code, groups_ok=False)
                if problem is None and code in seen:
                    problem = Problem(f"groups.{name}[{j}]", code, "duplicate member",
                                      "each actor once")
                seen.add(code)
                if problem is not None:
                    problems.append(problem)
        _raise_if(problems)
        return v

    @field_validator("actor_settings")
    @classmethod
    def _check_settings(
        cls, v: Mapping[str, ActorSettings], info: ValidationInfo
    ) -> Mapping[str, ActorSettings]:
        if "actors" not in info.data:
            return v
        scope = _Scope(_resolve_actors(info.data["actors"]), {})
        problems = [p for key in v
                    if (p := scope.check(f"actor_settings.{key}", key, groups_ok=False))]
        _raise_if(problems)
        return v

    @field_validator("links")
    @classmethod
    def _check_links(cls, v: tuple[Link, ...], info: ValidationInfo) -> tuple[Link, ...]:
        if "actors" not in info.data:
            return v
        scope = _Scope(_resolve_actors(info.data["actors"]), {})
        problems, seen = [], dict[frozenset[str], int]()
        for i, link in enumerate(v):
            found = [p for j, a in enumerate(link.between)
                     if (p := scope.check(f"links[{i}].between[{j}]", a, groups_ok=False))]
            pair = frozenset(link.between)
            if not found and pair in seen:
                found.append(Problem(f"links[{i}].between", list(link.between),
                                     f"duplicate link (also at links[{seen[pair]}])",
                                     "one link per pair of actors"))
            seen.setdefault(pair, i)
            problems += found
        _raise_if(problems)
        return v

    @field_validator("wars")
    @classmethod
    def _check_wars(cls, v: tuple[War, ...], info: ValidationInfo) -> tuple[War, ...]:
        problems = []
        start = info.data.get("start")
        scope = _scope(info)
        for i, war in enumerate(v):
            if scope is not None:
                problems += [p for key in ("attacker", "defender")
                             if (p := scope.check(f"wars[{i}].{key}", getattr(war, key),
                                                  groups_ok=False))]
            if war.attacker == war.defender:
                problems.append(Problem(f"wars[{i}].defender", war.defender,
                                        "an actor cannot be at war with itself",
                                        "an actor other than the attacker"))
            if start is not None and war.since > start:
                problems.append(Problem(f"wars[{i}].since", str(war.since),
                                        "a war in progress at the start cannot begin after it",
                                        f"a month not after the start, {start}; "
                                        "use a `war` event for later wars"))
        _raise_if(problems)
        return v

    @field_validator("sanctions")
    @classmethod
    def _check_sanctions(
        cls, v: tuple[SanctionSpec, ...], info: ValidationInfo
    ) -> tuple[SanctionSpec, ...]:
        scope = _scope(info)
        if scope is None:
            return v
        problems = []
        for i, spec in enumerate(v):
            refs = [*_refs("senders", spec.senders, True), ("target", spec.target, True)]
            problems += _check_refs(scope, f"sanctions[{i}]", refs)
            problems += _check_self_sanction(scope, f"sanctions[{i}]", spec.senders, spec.target)
        _raise_if(problems)
        return v

    @field_validator("un_sanctions")
    @classmethod
    def _check_un_sanctions(
        cls, v: Mapping[str, float], info: ValidationInfo
    ) -> Mapping[str, float]:
        if "actors" not in info.data:
            return v
        scope = _Scope(_resolve_actors(info.data["actors"]), {})
        _raise_if([p for key in v
                   if (p := scope.check(f"un_sanctions.{key}", key, groups_ok=False))])
        return v

    @field_validator("security_council")
    @classmethod
    def _check_council(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        un, problems, seen = _un(), [], set[str]()
        for i, code in enumerate(v):
            path = f"security_council[{i}]"
            if code not in un.codes:
                problems.append(Problem(path, code, "unknown ISO3 code",
                                        "the ISO3 code of a UN member state"
                                        + _suggest(code, un.codes, un.names)))
            elif code in un.p5:
                problems.append(Problem(path, code,
                                        "a permanent member cannot hold an elected seat",
                                        f"a UN member other than the P5 ({', '.join(un.p5)})"))
            elif code in seen:
                problems.append(Problem(path, code, "duplicate member", "10 distinct members"))
            seen.add(code)
        _raise_if(problems)
        return v

    @field_validator("agenda")
    @classmethod
    def _check_agenda(
        cls, v: tuple[AgendaItem, ...], info: ValidationInfo
    ) -> tuple[AgendaItem, ...]:
        scope = _scope(info)
        if scope is not None:
            _raise_if([p for i, item in enumerate(v)
                       if (p := scope.check(f"agenda[{i}].target", item.target,
                                            groups_ok=False))])
        return v

    @field_validator("events")
    @classmethod
    def _check_events(cls, v: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        scope, start, problems = _scope(info), info.data.get("start"), []
        for i, event in enumerate(v):
            where = f"events[{i}]"
            # events dated before the start have already happened: they shape the initial
            # state; a vote or a lever change before the start has nothing to act on
            if (start is not None and event.date < start
                    and isinstance(event, UnVoteEvent | LeverEvent)):
                problems.append(Problem(f"{where}.date", str(event.date),
                                        f"a {event.type} event cannot precede the start",
                                        f"a month from the start, {start}, on"))
            if scope is None:
                continue
            problems += _check_refs(scope, where, event._actor_refs())
            if isinstance(event, VetoEvent) and event.actor not in _un().p5:
                problems.append(Problem(f"{where}.actor", event.actor,
                                        "only a permanent member can veto",
                                        "one of " + ", ".join(_un().p5)))
            if isinstance(event, SanctionsEvent | LiftSanctionsEvent):
                problems += _check_self_sanction(scope, where, event.senders, event.target)
            pair = _pair(event)
            if pair is not None and pair[1][0] == pair[1][1]:
                problems.append(Problem(f"{where}.{pair[0]}", list(pair[1]),
                                        "the two actors must differ", "two different actors"))
        _raise_if(problems)
        return tuple(sorted(v, key=lambda e: e.date))

    # --- use -------------------------------------------------------------------------------

    def actor_codes(self) -> tuple[str, ...]:
        """ISO3 codes of the modelled actors, in model order.

        ``"principal"``: the 20 principals in the report's order; ``"un"``: the principals, then
        the other UN members sorted by code; a list: as written.

        Examples
        --------
        >>> codes = parse_config({"name": "x", "actors": "un"}).actor_codes()
        >>> len(codes), codes[:3], codes[20]
        (193, ('RUS', 'PRK', 'CHN'), 'AFG')
        """
        return _resolve_actors(self.actors)

    def expand(self, names: Sequence[str]) -> tuple[str, ...]:
        """Replace group names by their members; keep first occurrences, in order.

        Parameters
        ----------
        names
            Actor codes and group names.

        Raises
        ------
        ConfigError
            If a name is neither an actor of the config nor a group.

        Examples
        --------
        >>> cfg = parse_config({"name": "x", "groups": {"west": ["USA", "GBR", "FRA"]}})
        >>> cfg.expand(["west", "RUS", "USA"])
        ('USA', 'GBR', 'FRA', 'RUS')
        """
        if isinstance(names, str):
            raise TypeError("expand() takes a sequence of names, not a single string")
        scope = _Scope(self.actor_codes(), self.groups)
        problems = [p for i, n in enumerate(names)
                    if (p := scope.check(f"[{i}]", n, groups_ok=True))]
        if problems:
            raise ConfigError(problems)
        return scope.expand(names)

    def to_dict(self) -> dict[str, Any]:
        """The full resolved config as plain YAML/JSON-ready data (dates as 'YYYY-MM').

        ``parse_config(cfg.to_dict()) == cfg`` holds for every config.
        """
        out: dict[str, Any] = self.model_dump(mode="json")
        return out

    def to_yaml(self) -> str:
        """The full resolved config as YAML text, keys in reference order."""
        text: str = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        return text

    def with_levers(self, **values: Any) -> ScenarioConfig:
        """A validated copy with some levers changed.

        Raises
        ------
        ConfigError
            If a lever is unknown or a value is not allowed.

        Examples
        --------
        >>> cfg = parse_config({"name": "x"}).with_levers(us_offer=0.5)
        >>> cfg.levers.us_offer
        0.5
        """
        return self._with_section("levers", values)

    def with_parameters(self, **values: Any) -> ScenarioConfig:
        """A validated copy with some parameters changed.

        Raises
        ------
        ConfigError
            If a parameter is unknown or a value is out of range.

        Examples
        --------
        >>> parse_config({"name": "x"}).with_parameters(threat_rate=0.1).parameters.threat_rate
        0.1
        """
        return self._with_section("parameters", values)

    def _with_section(self, section: str, values: Mapping[str, Any]) -> ScenarioConfig:
        data = self.to_dict()
        data[section] = {**data[section], **values}
        return parse_config(data)


def _pair(event: Any) -> tuple[str, tuple[str, str]] | None:
    """The two actors of a two-sided event (key, names), else None."""
    if isinstance(event, WarEvent):
        return "defender", (event.attacker, event.defender)
    if isinstance(event, TreatyEvent | CeasefireEvent):
        return "actors", event.actors
    return None


def _check_refs(
    scope: _Scope, where: str, refs: Iterable[tuple[str, Any, bool]]
) -> list[Problem]:
    return [p for key, name, groups_ok in refs
            if (p := scope.check(f"{where}.{key}", name, groups_ok=groups_ok))]


def _check_self_sanction(
    scope: _Scope, where: str, senders: Sequence[str], target: str
) -> list[Problem]:
    known = set(scope.actors) | set(scope.groups)
    if not set([*senders, target]) <= known:
        return []  # reported as unknown names
    overlap = set(scope.expand(senders)) & set(scope.expand([target]))
    if overlap:
        return [Problem(f"{where}.target", target,
                        f"senders and target overlap ({', '.join(sorted(overlap))})",
                        "a target that is not among the senders")]
    return []


# --- pydantic errors -> problems ----------------------------------------------------------


@dataclass
class _Where:
    path: str
    value: Any
    tp: Any
    metadata: list[Any]
    extra: Any
    owner: type[BaseModel] | None
    branch: bool  # the error is in one member of a (non-discriminated) union


def _locate(loc: tuple[int | str, ...], data: Any) -> _Where:
    """Follow a pydantic error location through the config's types and the input data."""
    tp: Any = ScenarioConfig
    meta: list[Any] = []
    extra: Any = None
    value, path, owner, branch = data, "", None, False
    elems = list(loc)
    while elems:
        elem = elems[0]
        tp, more, inner = _strip_annotated(tp, meta)
        meta, extra = more, extra if extra is not None else inner
        origin = get_origin(tp)
        if _is_union(tp):
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
            if any(isinstance(m, FieldInfo) and m.discriminator for m in meta):
                for member in members:
                    if member.model_fields["type"].default == elem:
                        tp, meta, extra = member, [], None
                        break
                elems.pop(0)  # the tag is not a key of the input
                continue
            branch = True
            break
        elems.pop(0)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            path += f".{elem}" if path else str(elem)
            value = value.get(elem, MISSING) if isinstance(value, Mapping) else MISSING
            field = tp.model_fields.get(str(elem))
            tp = field.annotation if field is not None else Any
            meta = list(field.metadata) if field is not None else []
            extra = field.json_schema_extra if field is not None else None
        elif origin in (tuple, list) and isinstance(elem, int):
            path += f"[{elem}]"
            ok = isinstance(value, list | tuple) and 0 <= elem < len(value)
            value = value[elem] if ok else MISSING
            args = get_args(tp)
            variadic = origin is list or (len(args) == 2 and args[1] is Ellipsis)
            tp = args[0] if variadic else (args[elem] if elem < len(args) else Any)
            meta, extra = [], None
        elif origin in (dict, Mapping):
            if elem == "[key]":
                tp, meta, extra = get_args(tp)[0], [], None
                continue
            path += f".{elem}"
            value = value.get(elem, MISSING) if isinstance(value, Mapping) else MISSING
            tp, meta, extra = get_args(tp)[1], [], None
        else:
            path += f".{elem}" if isinstance(elem, str) else f"[{elem}]"
            value, tp, meta, extra = MISSING, Any, [], None
    return _Where(path, value, tp, meta, extra, owner, branch)


_TYPE_ERRORS: Final = (
    "float_type", "float_parsing", "int_type", "int_parsing", "bool_type", "bool_parsing",
    "string_type", "list_type", "tuple_type", "dict_type", "model_type", "model_attributes_type",
    "is_instance_of",
)


def _message(err: Mapping[str, Any]) -> str:
    """A short message for one pydantic error, without the allowed values."""
    typ, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    bounds = {"greater_than_equal": (">=", "ge"), "less_than_equal": ("<=", "le"),
              "greater_than": (">", "gt"), "less_than": ("<", "lt")}
    if typ in bounds:
        op, key = bounds[typ]
        return f"must be {op} {_num(ctx[key])}"
    if typ in _TYPE_ERRORS:
        return f"wrong type: got {_kind(err.get('input'))}"
    if typ == "too_short":
        return (f"has {ctx.get('actual_length')} item(s); needs at least "
                f"{ctx.get('min_length')}")
    if typ == "too_long":
        return (f"has {ctx.get('actual_length')} item(s); allows at most "
                f"{ctx.get('max_length')}")
    if typ == "string_too_short":
        return "must not be empty"
    if typ == "int_from_float":
        return "must be a whole number"
    if typ == "finite_number":
        return "must be a finite number"
    if typ == "literal_error":
        return "not an allowed value"
    text = str(err.get("msg", typ))
    return text[:1].lower() + text[1:]


def _problems(exc: ValidationError, data: Any) -> list[Problem]:
    """Turn a pydantic ValidationError on a ScenarioConfig into problems."""
    problems: list[Problem] = []
    branch_paths: set[str] = set()
    for err in exc.errors():
        typ, ctx = err["type"], err.get("ctx") or {}
        if typ == "config_problems":
            problems += ctx["problems"]
            continue
        where = _locate(tuple(err["loc"]), data)
        value = err.get("input", MISSING)
        if typ == "config_value":
            path = where.path + (f".{ctx['at']}" if ctx.get("at") else "")
            problems.append(Problem(path, ctx["value"], ctx["message"], ctx["allowed"]))
            continue
        if where.branch:
            if where.path in branch_paths:
                continue
            branch_paths.add(where.path)
            allowed = _describe(where.tp, where.metadata, where.extra)
            problems.append(Problem(where.path, value, "not one of the accepted forms", allowed))
            continue
        allowed = _describe(where.tp, where.metadata, where.extra)
        message = _message(err)
        if typ == "missing":
            key = where.path.rsplit(".", 1)[-1]
            problems.append(Problem(where.path, MISSING, f"missing required key {key!r}",
                                    allowed))
        elif typ == "extra_forbidden":
            key = str(err["loc"][-1])
            keys = list(where.owner.model_fields) if where.owner is not None else []
            problems.append(Problem(where.path, MISSING, f"unknown key {key!r}",
                                    _listing(keys) + _suggest(key, keys), "allowed keys"))
        elif typ == "invalid_key":
            keys = list(where.owner.model_fields) if where.owner is not None else []
            problems.append(Problem(where.path, MISSING, f"key {err['loc'][-1]!r} is not a string",
                                    _listing(keys), "allowed keys"))
        elif typ in ("union_tag_invalid", "union_tag_not_found"):
            tags = [repr(get_args(m.model_fields["type"].annotation)[0])
                    for m in get_args(get_args(Event)[0])]
            if typ == "union_tag_invalid":
                tag = ctx.get("tag")
                names = [t.strip("'") for t in tags]
                problems.append(Problem(f"{where.path}.type", tag, f"unknown event type {tag!r}",
                                        "one of " + ", ".join(tags) + _suggest(tag, names)))
            else:
                problems.append(Problem(f"{where.path}.type", MISSING,
                                        "missing key 'type'", "one of " + ", ".join(tags)))
        elif typ in _TYPE_ERRORS:
            problems.append(Problem(where.path, value, f"wrong type: expected "
                                    f"{_expected_kind(where.tp)}, got {_kind(value)}", allowed))
        elif typ == "literal_error":
            choices = [a for a in get_args(where.tp) if isinstance(a, str)]
            problems.append(Problem(where.path, value, message,
                                    allowed + _suggest(value, choices)))
        else:
            problems.append(Problem(where.path, value, message, allowed))
    return problems


# --- loading ----------------------------------------------------------------------------------


def parse_config(data: Mapping[str, Any], *, file: str | None = None) -> ScenarioConfig:
    """Validate a config given as a mapping (e.g. the result of ``yaml.safe_load``).

    Parameters
    ----------
    data
        The config's keys and values.
    file
        Where the mapping came from, for error messages.

    Returns
    -------
    ScenarioConfig

    Raises
    ------
    ConfigError
        Listing every problem found.

    Examples
    --------
    >>> parse_config({"name": "x", "steps": 0})
    Traceback (most recent call last):
    ...
    scenarios.errors.ConfigError: config: 1 problem
      steps = 0: must be >= 1 (allowed: an integer in [1, 1200], unit months)
    """
    if not isinstance(data, Mapping):
        raise ConfigError([Problem("", MISSING, "the top level must be a mapping of keys to "
                                   f"values, got {_kind(data)}", "")], file)
    try:
        return ScenarioConfig.model_validate(dict(data))
    except ValidationError as exc:
        problems = _problems(exc, data)
    # report in the order of the file's top-level keys (pydantic follows the field order)
    order = {key: i for i, key in enumerate(data)}
    problems.sort(key=lambda p: order.get(re.split(r"[.\[]", p.path, maxsplit=1)[0], len(order)))
    raise ConfigError(problems, file)


def _file_error(file: str, message: str, allowed: str = "") -> ConfigError:
    return ConfigError([Problem("", MISSING, message, allowed)], file)


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"


def _duplicate_keys(node: Any) -> list[Problem]:
    """Keys given twice in one YAML mapping (``yaml.safe_load`` silently keeps the last)."""
    problems: list[Problem] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in seen:
                        problems.append(Problem(
                            "", MISSING,
                            f"duplicate key {key.value!r} at {_mark(key.start_mark)} "
                            f"(first at {_mark(seen[key.value].start_mark)})",
                            "each key once per mapping"))
                    seen.setdefault(key.value, key)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


def _parse_text(text: str, file: str) -> ScenarioConfig:
    data = _read_yaml(text, file)
    return parse_config(_resolve_extends(data, file, (file,)), file=file)


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge two config mappings: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _resolve_extends(data: Any, file: str, chain: tuple[str, ...]) -> Any:
    """Apply ``extends: OTHER.yaml``: the other file's mapping, overridden by this one.

    ``OTHER`` is a path relative to the extending file (for a built-in config, another
    built-in config's file name). Lists are replaced, not concatenated.
    """
    if not isinstance(data, Mapping) or "extends" not in data:
        return data
    data = dict(data)
    target = data.pop("extends")
    if not isinstance(target, str) or not target.endswith((".yaml", ".yml")):
        raise ConfigError([Problem("extends", target, "must name a YAML file",
                                   "a path ending in .yaml, relative to this file")], file)
    if file.startswith("scenarios/configs/"):
        base_file = f"scenarios/configs/{target}"
        res = _builtin_dir().joinpath(target)
        if not res.is_file():
            raise ConfigError([Problem("extends", target, "no built-in config of this name",
                                       "one of " + ", ".join(f"{n}.yaml" for n in
                                                             builtin_names()))], file)
        text = res.read_text(encoding="utf-8")
    else:
        path = Path(file).parent / target
        base_file = os.fspath(path)
        if not path.is_file():
            raise ConfigError([Problem("extends", target, f"file not found ({base_file})",
                                       "a YAML config file, relative to this file")], file)
        text = path.read_text(encoding="utf-8")
    if base_file in chain:
        raise ConfigError([Problem("extends", target, "configs extend each other in a cycle: "
                                   + " -> ".join([*chain, base_file]),
                                   "a chain of extends that ends")], file)
    base = _resolve_extends(_read_yaml(text, base_file), base_file, (*chain, base_file))
    if not isinstance(base, Mapping):
        raise _file_error(base_file, "the top level must be a mapping (key: value)")
    return _merge(base, data)


def _read_yaml(text: str, file: str) -> Any:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and (dups := _duplicate_keys(node)):
            raise ConfigError(dups, file)
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        shown = tag[1].replace("tag:yaml.org,2002:", "!!") if tag else "?"
        if tag is None:
            raise _file_error(file, f"YAML error at {_mark(exc.problem_mark)}: "
                              f"{exc.problem}") from None
        if "python/" in shown:
            message = (f"YAML tags constructing Python objects are not allowed: {shown} at "
                       f"{_mark(exc.problem_mark)}")
        else:
            message = f"unknown YAML tag {shown} at {_mark(exc.problem_mark)}"
        raise _file_error(file, message, "plain YAML: mappings, lists, strings, numbers, "
                          "true/false, null") from None
    except yaml.MarkedYAMLError as exc:
        context = f" ({exc.context})" if exc.context else ""
        raise _file_error(file, f"YAML syntax error at {_mark(exc.problem_mark)}: "
                          f"{exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise _file_error(file, f"not valid YAML: {exc}") from None
    if data is None:
        raise _file_error(file, "the file is empty; a config needs at least `name`")
    return data


def load_config(path: str | os.PathLike[str]) -> ScenarioConfig:
    """Read and validate a YAML config file.

    Parameters
    ----------
    path
        The file. It is read with ``yaml.safe_load``: tags that construct Python objects are
        refused and keys given twice in one mapping are an error.

    Returns
    -------
    ScenarioConfig

    Raises
    ------
    ConfigError
        Naming the file and every problem found, whether the file is missing, unreadable,
        empty or not YAML, or the config is not valid.
    """
    file = os.fspath(path)
    p = Path(file)
    if not p.exists():
        raise _file_error(file, "file not found")
    if p.is_dir():
        raise _file_error(file, "is a directory, not a config file", "a YAML file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _file_error(file, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise _file_error(file, f"cannot read the file: {exc.strerror or exc}") from None
    return _parse_text(text, file)


def _builtin_dir() -> Any:
    return resources.files("scenarios").joinpath("configs")


def builtin_names() -> tuple[str, ...]:
    """Names of the configs shipped in the package (``scenarios/configs/<name>.yaml``)."""
    root = _builtin_dir()
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name[: -len(".yaml")] for p in root.iterdir()
                        if p.name.endswith(".yaml")))


def builtin_config(name: str) -> ScenarioConfig:
    """Load a config shipped with the package by name (without ``.yaml``).

    Raises
    ------
    ConfigError
        If there is no such config (listing the available names), or it is not valid.
    """
    file = f"scenarios/configs/{name}.yaml"
    names = builtin_names()
    if name not in names:
        allowed = ("one of " + ", ".join(names) + _suggest(name, names)) if names else \
            "none are installed"
        raise ConfigError([Problem("", name, "no built-in config of this name", allowed)], file)
    text = _builtin_dir().joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return _parse_text(text, file)


def resolve_config(config: ScenarioConfig | str | os.PathLike[str] | None) -> ScenarioConfig:
    """A config from what a user passes: an object, a built-in name or a YAML path.

    ``None`` is the baseline; a string without a path separator and without a ``.yaml`` /
    ``.yml`` suffix names a built-in config (``"no_treaty"``); anything else is a file.

    Examples
    --------
    >>> resolve_config("no_treaty").name
    'no_treaty'
    >>> resolve_config(None).name
    'baseline'
    """
    if config is None:
        return builtin_config("baseline")
    if isinstance(config, ScenarioConfig):
        return config
    text = os.fspath(config)
    if os.sep not in text and not text.endswith((".yaml", ".yml")):
        return builtin_config(text)
    return load_config(text)


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a config file, for editors and other tools.

    Examples
    --------
    >>> schema = config_json_schema()
    >>> schema["$id"] == SCHEMA_ID, schema["additionalProperties"]
    (True, False)
    """
    schema = ScenarioConfig.model_json_schema()
    for sub in schema.get("$defs", {}).values():  # docstring examples are for Python readers
        if "description" in sub:
            sub["description"] = sub["description"].split("\n\nExamples\n")[0].strip()
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "Another config file (relative path) this one overrides: mappings "
            "merge key by key, lists and values replace.",
        },
        **schema["properties"],
    }
    schema.update({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Scenario config (scenarios)",
        "description": "A scenario config of the scenarios library; see docs/config.md.",
    })
    return schema

