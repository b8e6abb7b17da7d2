"""Exceptions raised by the library, and the problem records a config error carries.

A :class:`ConfigError` collects every :class:`Problem` found in one config so that a single run
reports all of them, each naming the key path, the bad value and what would be allowed.

This module imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MAX_SHOWN", "MISSING", "ConfigError", "Problem"]

#: At most this many problems are rendered in ``str(ConfigError)``; all are kept in ``.problems``.
MAX_SHOWN: Final = 20
#: Longest rendering of a bad value before it is truncated.
_VALUE_WIDTH: Final = 60


class _Missing:
    """Marker for "no value": a required key that is absent, or a problem with the file itself."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


#: The value of a :class:`Problem` that has no value (absent key, unknown key, file problem).
MISSING: Final = _Missing()


def show_value(value: Any, width: int = _VALUE_WIDTH) -> str:
    """``repr(value)``, truncated to ``width`` characters.

    Examples
    --------
    >>> show_value("XYZ")
    "'XYZ'"
    >>> show_value(list(range(100)), width=20)
    '[0, 1, 2, 3, 4, 5...'
    """
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config.

    Parameters
    ----------
    path
        Key path of the offending value: dots between keys, ``[i]`` for list items
        (``events[2].actors[1]``); ``""`` for a problem with the file as a whole.
    value
        The offending value as read, or :data:`MISSING`.
    message
        What is wrong (``"must be <= 1"``, ``"unknown actor"``).
    allowed
        What would be accepted (``"a number in [0, 1], unit 1/month"``), possibly followed by a
        ``"did you mean ...?"`` suggestion; ``""`` when there is nothing useful to say.
    allowed_label
        The word that introduces ``allowed`` in the rendering: ``"allowed"``, or
        ``"allowed keys"`` for an unknown key.

    Examples
    --------
    >>> str(Problem("steps", 0, "must be >= 1", "an integer in [1, 1200], unit months"))
    'steps = 0: must be >= 1 (allowed: an integer in [1, 1200], unit months)'
    >>> str(Problem("foo", MISSING, "unknown key 'foo'", "name, start", "allowed keys"))
    "foo: unknown key 'foo' (allowed keys: name, start)"
    """

    path: str
    value: Any
    message: str
    allowed: str
    allowed_label: str = "allowed"

    def __str__(self) -> str:
        head = self.path
        if self.value is not MISSING:
            head = f"{head} = {show_value(self.value)}" if head else show_value(self.value)
        text = f"{head}: {self.message}" if head else self.message
        if self.allowed:
            text += f" ({self.allowed_label}: {self.allowed})"
        return text


class ConfigError(ValueError):
    """A scenario config that cannot be read or is not valid.

    Parameters
    ----------
    problems
        Everything found wrong, in the order found.
    file
        The file the config came from, or ``None`` for a config given as a mapping.

    Attributes
    ----------
    file : str or None
        As given.
    problems : list of Problem
        As given.

    Examples
    --------
    >>> err = ConfigError([Problem("", MISSING, "file not found", "")], file="a.yaml")
    >>> print(err)
    a.yaml: file not found
    >>> err = ConfigError([Problem("steps", 0, "must be >= 1", "an integer in [1, 1200]"),
    ...                    Problem("name", MISSING, "missing required key 'name'", "a string")])
    >>> print(err)
    config: 2 problems
      steps = 0: must be >= 1 (allowed: an integer in [1, 1200])
      name: missing required key 'name' (allowed: a string)
    """

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.file: str | None = file
        super().__init__(self._render())

    def __reduce__(self) -> tuple[type[ConfigError], tuple[list[Problem], str | None]]:
        return (type(self), (self.problems, self.file))

    def __str__(self) -> str:
        return self._render()

    def _render(self) -> str:
        where = self.file if self.file is not None else "config"
        if len(self.problems) == 1 and not self.problems[0].path:
            return f"{where}: {self.problems[0]}"
        n = len(self.problems)
        lines = [f"{where}: {n} problem{'s' if n != 1 else ''}"]
        lines += [f"  {p}" for p in self.problems[:MAX_SHOWN]]
        if n > MAX_SHOWN:
            lines.append(f"  ... and {n - MAX_SHOWN} more")
        return "\n".join(lines)
