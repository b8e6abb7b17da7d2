"""Import-flow rules and the public namespace.

Each module's docstring says what it may import. The pipeline's lower modules must not pull in
Mesa (so an ensemble or an analysis can run without it), and the rules and the random numbers
must stay free of the heavier libraries. Each check runs in a fresh interpreter, because this
process has long since imported everything.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

import scenarios

#: module -> third-party top-level packages it must NOT import (its docstring allows the rest)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scenarios": ("mesa", "pandas", "numpy"),  # public names load lazily (PEP 562)
    "scenarios.rules": ("mesa", "pandas", "pydantic", "xarray"),
    # (numba, which compiles the random numbers' kernel, loads scipy itself when present)
    "scenarios.random": ("mesa", "pandas", "pydantic", "xarray"),
    "scenarios.parameters": ("mesa", "numpy", "pandas"),
    "scenarios.config": ("mesa",),
    "scenarios.world": ("mesa",),
    "scenarios.dynamics": ("mesa",),
    "scenarios.outcomes": ("mesa",),
}
#: Results-side modules (and the ensemble runner, which imports the model only inside its
#: run function): they work on any results and never import the model at import time.
RESULTS_SIDE = ("scenarios.analysis", "scenarios.ensemble", "scenarios.plot")
PROBED = (*sorted(FORBIDDEN), "scenarios.model", *RESULTS_SIDE)

_PROBE = """
import sys
import {module}
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}})))
"""


@pytest.fixture(scope="module")
def loaded() -> dict[str, set[str] | str | None]:
    """Top-level packages in ``sys.modules`` after importing each module in a fresh process
    (all probes run at once); the error text if the import failed; None if no such module."""
    procs = {
        m: subprocess.Popen([sys.executable, "-c", _PROBE.format(module=m)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for m in PROBED if importlib.util.find_spec(m) is not None
    }
    out: dict[str, set[str] | str | None] = dict.fromkeys(PROBED)
    for m, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        out[m] = set(stdout.split()) if proc.returncode == 0 else stderr
    return out


def packages(loaded: dict[str, set[str] | str | None], module: str) -> set[str]:
    got = loaded[module]
    if got is None:
        pytest.skip(f"{module} does not exist (yet)")
    assert isinstance(got, set), f"import {module} failed:\n{got}"
    assert module.split(".")[0] in got  # the probe works
    return got


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_module_imports_only_what_its_docstring_allows(
    module: str, loaded: dict[str, set[str] | str | None]
) -> None:
    bad = packages(loaded, module) & set(FORBIDDEN[module])
    assert not bad, sorted(bad)


def test_the_model_does_import_mesa(loaded: dict[str, set[str] | str | None]) -> None:
    # the probe can see a forbidden import: scenarios.model is where Mesa enters
    assert "mesa" in packages(loaded, "scenarios.model")


@pytest.mark.parametrize("module", RESULTS_SIDE)
def test_results_side_never_imports_the_model(
    module: str, loaded: dict[str, set[str] | str | None]
) -> None:
    assert "mesa" not in packages(loaded, module)


def test_plot_imports_matplotlib_lazily(loaded: dict[str, set[str] | str | None]) -> None:
    assert "matplotlib" not in packages(loaded, "scenarios.plot")


def test_public_namespace_is_sorted_and_importable() -> None:
    names = getattr(scenarios, "__all__", None)
    if names is None:
        pytest.skip("scenarios.__all__ is not defined yet")
    # sorted as ruff's RUF022 sorts it: SCREAMING_CASE, then CamelCase, then the rest
    def kind(n: str) -> int:
        return 0 if n.isupper() else 1 if n[:1].isupper() else 2

    assert list(names) == sorted(names, key=lambda n: (kind(n), n))
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(scenarios, name, None) is not None, name
    code = f"from scenarios import {', '.join(names)}" if names else "import scenarios"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
