"""The model reference (docs/model.md) stays in step with the code.

- the parameter tables are exactly what ``scripts/gen_model_docs.py`` generates now;
- every ``Parameters`` / ``Levers`` field, every random ``Stream`` and every name exported by
  ``scenarios.rules`` is mentioned;
- the generator refuses an incomplete mapping or a document with missing markers;
- the ```python blocks of every page in docs/ run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scenarios import rules
from scenarios.parameters import Levers, Parameters
from scenarios.random import Stream

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MODEL_MD = DOCS / "model.md"
SCRIPT = ROOT / "scripts" / "gen_model_docs.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_model_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_model_docs", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def doc() -> str:
    return MODEL_MD.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ generated tables


def test_tables_are_current(gen: ModuleType, doc: str) -> None:
    fresh = gen.generate()
    current = gen.extract(doc)
    assert set(current) == set(fresh), "markers missing in docs/model.md"
    stale = [k for k in fresh if current[k] != fresh[k]]
    assert not stale, (
        f"stale parameter tables in docs/model.md: {stale}; "
        "run python scripts/gen_model_docs.py")
    assert gen.render(doc) == doc


def test_every_field_is_mapped_once(gen: ModuleType) -> None:
    gen.check_mapping()
    params = [n for (k, _), names in gen.SECTIONS.items() if k == "params" for n in names]
    levers = [n for (k, _), names in gen.SECTIONS.items() if k == "levers" for n in names]
    assert sorted(params) == sorted(Parameters.model_fields)
    assert sorted(levers) == sorted(Levers.model_fields)


def test_generator_fails_on_unmapped_field(
    gen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    sections = dict(gen.SECTIONS)
    key = ("params", "war")
    sections[key] = sections[key][1:]  # drop one field
    monkeypatch.setattr(gen, "SECTIONS", sections)
    with pytest.raises(gen.DocGenError, match="not mapped"):
        gen.generate()


def test_generator_fails_on_unknown_or_duplicate_name(
    gen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    sections = dict(gen.SECTIONS)
    sections[("params", "war")] = (*sections[("params", "war")], "no_such_parameter")
    sections[("params", "outcomes")] = (*sections[("params", "outcomes")], "front_rate")
    monkeypatch.setattr(gen, "SECTIONS", sections)
    with pytest.raises(gen.DocGenError) as err:
        gen.generate()
    assert "no_such_parameter" in str(err.value)
    assert "mapped twice" in str(err.value)


def test_generator_fails_on_missing_marker(gen: ModuleType, doc: str) -> None:
    broken = doc.replace("<!-- params:war:end -->", "")
    with pytest.raises(gen.DocGenError, match="params:war:end"):
        gen.render(broken)


def test_check_mode(gen: ModuleType, tmp_path: Path) -> None:
    stale = MODEL_MD.read_text(encoding="utf-8").replace(
        "| `front_rate` |", "| `front_rate_old` |")
    path = tmp_path / "model.md"
    path.write_text(stale, encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):
        assert gen.main(["--check", "--doc", str(path)]) == 1
    with contextlib.redirect_stdout(io.StringIO()):
        assert gen.main(["--doc", str(path)]) == 0
    assert gen.main(["--check", "--doc", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == MODEL_MD.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ coverage


def _mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


@pytest.mark.parametrize("name", [*Parameters.model_fields, *Levers.model_fields])
def test_every_field_is_documented(name: str, doc: str) -> None:
    assert f"`{name}`" in doc


@pytest.mark.parametrize("stream", [s.name for s in Stream])
def test_every_stream_is_documented(stream: str, doc: str) -> None:
    assert f"Stream.{stream}" in doc


@pytest.mark.parametrize("name", rules.__all__)
def test_every_rule_is_documented(name: str, doc: str) -> None:
    assert _mentioned(name, doc), f"rules.{name} is not mentioned in docs/model.md"


def test_sections_in_order(doc: str) -> None:
    wanted = [
        "Overview", "Actors and relations", "Sanctions", "Support", "The Ukraine war",
        "Alignment", "Affinity", "UN votes", "Escalation ladder", "Dated events", "Levers",
        "Randomness", "Outcomes", "Limits of the model",
    ]
    heads = re.findall(r"^## (.+)$", doc, flags=re.MULTILINE)
    positions = [heads.index(h) for h in wanted]
    assert positions == sorted(positions), heads


def test_outcome_classes_are_documented(doc: str) -> None:
    from scenarios.outcomes import OUTCOME_CLASSES

    for name in OUTCOME_CLASSES:
        assert name.replace("_", " ") in doc.lower()


# ------------------------------------------------------------------------- python blocks


def _python_blocks() -> list[tuple[str, int, str]]:
    out = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
            line = text.count("\n", 0, m.start()) + 1
            out.append((page.name, line, m.group(1)))
    return out


@pytest.mark.parametrize(
    ("page", "line", "code"), _python_blocks(),
    ids=[f"{p}:{n}" for p, n, _ in _python_blocks()],
)
def test_python_blocks_run(page: str, line: int, code: str) -> None:
    try:
        compiled = compile(code, f"docs/{page}:{line}", "exec")
    except SyntaxError:
        pytest.skip("not runnable Python (an API signature listing)")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compiled, {"__name__": f"docs_{page}_{line}"})
    except ModuleNotFoundError as e:
        if e.name not in OPTIONAL:
            raise
        pytest.skip(f"needs the optional package {e.name}")
    finally:
        os.chdir(cwd)


#: Optional extras a docs example may use; without them its block is skipped, not failed.
OPTIONAL = {"ema_workbench", "dask", "distributed", "SALib", "zarr"}
