"""Tests of scenarios.config: loading, validation errors, round trip, schema."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any

import jsonschema
import pydantic
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scenarios.config import (
    DEFAULT_SECURITY_COUNCIL,
    FrozenDict,
    MonthDate,
    ScenarioConfig,
    TechLevels,
    builtin_config,
    config_json_schema,
    load_config,
    parse_config,
)
from scenarios.errors import MISSING, ConfigError, Problem
from scenarios.parameters import TECH_DOMAINS, Levers, Parameters, provenance_table

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = Path(__file__).parent / "configs"
SCHEMA_FILE = ROOT / "src" / "scenarios" / "schema" / "config.schema.json"


# --- helpers ----------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)
    return info.value


def problem_at(err: ConfigError, path: str) -> Problem:
    """The problem at ``path``; also checks it is rendered in ``str(err)``."""
    found = [p for p in err.problems if p.path == path]
    assert found, f"no problem at {path!r} in:\n{err}"
    assert str(found[0]) in str(err)
    return found[0]


def line(err: ConfigError, path: str) -> str:
    """The rendered line of the problem at ``path``."""
    return str(problem_at(err, path))


MINIMAL = "name: t\nstart: 2024-01\n"


# --- valid configs ----------------------------------------------------------------------------


def test_minimal_config_loads_with_defaults() -> None:
    cfg = load_config(CONFIGS / "minimal.yaml")
    assert cfg.name == "minimal"
    assert cfg.start == MonthDate(2024, 1)
    assert cfg.steps == 120 and cfg.data_year == 2023
    assert cfg.actors == "principal" and len(cfg.actor_codes()) == 20
    assert cfg.security_council == DEFAULT_SECURITY_COUNCIL
    assert cfg.parameters == Parameters() and cfg.levers == Levers()
    assert cfg.events == () and cfg.groups == {}


def test_full_example_loads_and_sorts_events() -> None:
    cfg = load_config(CONFIGS / "full.yaml")
    dates = [e.date for e in cfg.events]
    assert dates == sorted(dates)
    assert cfg.expand(["west"]) == ("USA", "GBR", "FRA", "DEU", "POL", "JPN", "KOR")
    assert cfg.actor_settings["PRK"].tech == TechLevels(missiles=0.5, satellites=0.2,
                                                        submarines=0.1)
    assert cfg.wars[0].since == MonthDate(2022, 2)
    assert cfg.levers.treaty is True and cfg.parameters.threat_rate == 0.05


def test_events_sorted_stably_by_date() -> None:
    cfg = parse_config({"name": "t", "actors": ["RUS", "PRK", "CHN"], "events": [
        {"type": "summit", "date": "2024-09", "actors": ["RUS", "CHN"], "note": "a"},
        {"type": "summit", "date": "2024-06", "actors": ["RUS", "PRK"], "note": "b"},
        {"type": "summit", "date": "2024-09", "actors": ["RUS", "PRK"], "note": "c"},
        {"type": "treaty", "date": "2024-06", "actors": ["RUS", "PRK"], "note": "d"},
    ]})
    assert [e.note for e in cfg.events] == ["b", "d", "a", "c"]


def test_date_objects_accepted_and_day_dropped(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "name: t\nstart: 2024-06-19\n", "ok.yaml"))
    assert cfg.start == MonthDate(2024, 6)


def test_actor_codes_orders() -> None:
    principal = parse_config({"name": "t"}).actor_codes()
    assert principal[:4] == ("RUS", "PRK", "CHN", "USA")
    un = parse_config({"name": "t", "actors": "un"}).actor_codes()
    assert len(un) == 193 and un[:20] == principal
    assert list(un[20:]) == sorted(un[20:])
    listed = parse_config({"name": "t", "actors": ["USA", "RUS"]}).actor_codes()
    assert listed == ("USA", "RUS")


def test_expand_groups_and_unknown_names() -> None:
    cfg = parse_config({"name": "t", "actors": ["RUS", "PRK", "USA", "GBR"],
                        "groups": {"west": ["USA", "GBR"], "axis": ["RUS", "PRK"]}})
    assert cfg.expand(["axis", "USA", "west"]) == ("RUS", "PRK", "USA", "GBR")
    with pytest.raises(ConfigError, match=r"\[1\] = 'wst': unknown actor.*did you mean 'west'"):
        cfg.expand(["RUS", "wst"])
    with pytest.raises(TypeError):
        cfg.expand("west")


def test_with_levers_and_parameters_return_validated_copies() -> None:
    cfg = parse_config({"name": "t"})
    changed = cfg.with_levers(us_offer=0.5, treaty=False)
    assert changed.levers.us_offer == 0.5 and changed.levers.treaty is False
    assert cfg.levers.us_offer == 0.0  # the original is untouched
    assert cfg.with_parameters(threat_rate=0.2).parameters.threat_rate == 0.2
    with pytest.raises(ConfigError) as info:
        cfg.with_levers(us_offer=2)
    assert "levers.us_offer = 2: must be <= 1" in str(info.value)
    with pytest.raises(ConfigError, match=r"levers.us_ofer: unknown key.*did you mean 'us_offer'"):
        cfg.with_levers(us_ofer=0.5)


# --- malformed configs: one test per kind ---------------------------------------------------


def test_unknown_top_level_key_suggests(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "stpes: 12\n")
    text = line(err, "stpes")
    assert "unknown key 'stpes'" in text
    assert "allowed keys: name, description, start, steps" in text
    assert "did you mean 'steps'?" in text


def test_experiment_section_rejects_unknown_keys(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "experiment: {n_samples: 10, samplr: lhs}\n")
    assert "unknown key 'samplr'" in line(err, "experiment.samplr")


def test_unknown_nested_keys_suggest(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + """\
parameters:
  thret_rate: 0.1
events:
  - {type: treaty, date: 2024-06, actors: [RUS, PRK], afinity: 0.3}
actor_settings:
  PRK: {food_insecurity: 0.3, source: x, stubborness: 0.1}
""")
    text = line(err, "parameters.thret_rate")
    assert "unknown key 'thret_rate'" in text and "did you mean 'threat_rate'" in text
    assert "allowed keys: threat_rate, " in text
    text = line(err, "events[0].afinity")
    assert "did you mean 'affinity'" in text and "allowed keys: type, date, " in text
    assert "did you mean 'stubbornness'" in line(err, "actor_settings.PRK.stubborness")


def test_wrong_type_names_expected_type(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "steps: ten\nlinks: {between: [RUS, PRK]}\n")
    assert line(err, "steps") == ("steps = 'ten': wrong type: expected an integer, got a string "
                                  "(allowed: an integer in [1, 1200], unit months)")
    assert "wrong type: expected a list, got a mapping" in line(err, "links")


def test_out_of_range_gives_bounds_and_unit(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "parameters:\n  threat_rate: 1.5\n"
                     "links:\n  - {between: [RUS, PRK], capacity: -1, source: x}\n")
    assert line(err, "parameters.threat_rate") == (
        "parameters.threat_rate = 1.5: must be <= 1 (allowed: a number in [0, 1], unit 1/month)")
    assert line(err, "links[0].capacity") == (
        "links[0].capacity = -1: must be > 0 (allowed: a number > 0, unit thousand "
        "containers/month)")


def test_literal_lists_allowed_values(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "agenda:\n  - {body: UNGA, target: PRK, start: 2024-03}\n"
                     "events:\n  - {type: tretay, date: 2024-06}\n")
    assert "(allowed: one of 'GA', 'SC'" in line(err, "agenda[0].body")
    text = line(err, "events[0].type")
    assert "unknown event type 'tretay'" in text and "did you mean 'treaty'?" in text
    assert "'summit', 'sanctions', 'lift_sanctions', 'war'" in text


def test_unknown_actor_in_event(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + """\
actors: [RUS, PRK, USA]
groups: {west: [USA]}
events:
  - {type: summit, date: 2024-06, actors: [RUS, PKR]}
  - {type: sanctions, date: 2024-07, senders: [wset], target: PRK}
""")
    assert line(err, "events[0].actors[1]") == (
        "events[0].actors[1] = 'PKR': unknown actor (allowed: one of the config's actors: "
        "RUS, PRK, USA; or a group: west; did you mean 'PRK'?)")
    assert "did you mean 'west'?" in line(err, "events[1].senders[0]")


def test_actor_of_the_world_but_not_of_the_config(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "actors: [RUS, PRK]\nevents:\n"
                     "  - {type: war, date: 2024-02, attacker: RUS, defender: FIN}\n")
    assert "'FIN': not an actor of this config" in line(err, "events[0].defender")


def test_unknown_actor_in_group(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "groups:\n  west: [USA, GBR, FRA, NATO]\n  RUS: [RUS]\n")
    text = line(err, "groups.west[3]")
    assert "'NATO': unknown actor" in text and "one of the config's actors: RUS, PRK" in text
    assert "must not be an ISO3 code" in line(err, "groups.RUS")


def test_unknown_actor_in_actor_settings(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "actor_settings:\n  DPRK: {food_insecurity: 0.5, "
                     "source: WFP}\n")
    text = line(err, "actor_settings.DPRK")
    assert "'DPRK': unknown actor" in text and "did you mean 'PRK'?" in text


def test_unknown_actor_in_link(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "links:\n  - {between: [RUS, NKR], capacity: 1, "
                     "source: x}\n")
    assert "'NKR': unknown actor" in line(err, "links[0].between[1]")


def test_unknown_lever_in_lever_event(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "events:\n"
                     "  - {type: lever, date: 2024-06, name: us_ofer, value: 0.5}\n"
                     "  - {type: lever, date: 2024-06, name: treaty, value: 0.5}\n"
                     "  - {type: lever, date: 2024-06, name: us_offer, value: 3}\n")
    text = line(err, "events[0].name")
    assert "'us_ofer': unknown lever" in text and "did you mean 'us_offer'?" in text
    assert "western_sanctions, ukraine_support" in text
    assert "expected true or false, got a number" in line(err, "events[1].value")
    assert "must be <= 1 (allowed: a number in [0, 1], unit share of sanctions relieved)" in line(
        err, "events[2].value")


@pytest.mark.parametrize(("value", "message"), [
    ("June 2024", "not a month in the form 'YYYY-MM'"),
    ("2024-13", "no such month"),
    ("2024-6", "not a month in the form 'YYYY-MM'"),
    ("202406", "wrong type: expected a 'YYYY-MM' string, got an integer"),
])
def test_bad_date_format(tmp_path: Path, value: str, message: str) -> None:
    err = load_error(tmp_path, f"name: t\nstart: {value}\n")
    text = line(err, "start")
    assert message in text and "allowed: a month written 'YYYY-MM', e.g. '2024-06'" in text


def test_yaml_syntax_error_gives_line(tmp_path: Path) -> None:
    err = load_error(tmp_path, "name: t\nstart: 2024-01\nsteps: [12\nactors: principal\n")
    assert "YAML syntax error at line 4" in str(err)
    err = load_error(tmp_path, "name: t\n  steps: 12: 3\n")
    assert re.search(r"YAML syntax error at line 2, column \d+", str(err))


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    err = load_error(tmp_path, "name: t\nsteps: 12\nsteps: 24\n")
    assert "duplicate key 'steps' at line 3, column 1 (first at line 2, column 1)" in str(err)


def test_empty_file(tmp_path: Path) -> None:
    err = load_error(tmp_path, "")
    assert str(err) == f"{tmp_path / 'bad.yaml'}: the file is empty; a config needs at least `name`"


def test_comments_only_file(tmp_path: Path) -> None:
    err = load_error(tmp_path, "# nothing here\n\n   # still nothing\n")
    assert "the file is empty; a config needs at least `name`" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: file not found"
    assert info.value.file == str(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a directory, not a config file") as info:
        load_config(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_python_tag_is_refused_and_nothing_runs(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    err = load_error(tmp_path, 'name: !!python/object/apply:os.system ["echo hi"]\n')
    assert "YAML tags constructing Python objects are not allowed" in str(err)
    assert "!!python/object/apply:os.system" in str(err)
    assert "hi" not in capfd.readouterr().out
    marker = tmp_path / "ran"
    load_error(tmp_path, f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert not marker.exists()


def test_top_level_list(tmp_path: Path) -> None:
    err = load_error(tmp_path, "- name: t\n- steps: 3\n")
    assert "the top level must be a mapping of keys to values, got a list" in str(err)


def test_missing_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, "start: 2024-01\n")
    assert line(err, "name") == "name: missing required key 'name' (allowed: a non-empty string)"


def test_value_missing_its_source(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "actor_settings:\n  PRK: {munitions_stock: 10}\n"
                     "links:\n  - {between: [RUS, PRK], capacity: 1}\n")
    text = line(err, "actor_settings.PRK.source")
    assert "missing source for munitions_stock" in text
    assert "every number carries its source" in text
    assert "missing required key 'source'" in line(err, "links[0].source")


def test_duplicate_actors(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "actors: [RUS, PRK, RUS]\n")
    assert line(err, "actors[2]") == (
        "actors[2] = 'RUS': duplicate actor (also at actors[0]) (allowed: each actor once)")


def test_unknown_iso3_in_actors_suggests_code_for_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "actors: [Russia, PRK]\n")
    assert "did you mean 'RUS'?" in line(err, "actors[0]")


def test_security_council_with_p5_member(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "security_council: "
                     "[DZA, ECU, GUY, JPN, MLT, MOZ, KOR, SLE, SVN, USA]\n")
    text = line(err, "security_council[9]")
    assert "'USA': a permanent member cannot hold an elected seat" in text
    assert "USA, GBR, FRA, RUS, CHN" in text


def test_security_council_needs_ten(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "security_council: [DZA, ECU]\n")
    assert "needs at least 10" in line(err, "security_council")


def test_war_starting_after_start_and_event_before_start(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + """\
wars: [{attacker: RUS, defender: UKR, since: 2024-05, source: x}]
events:
  - {type: veto, date: 2023-12, actor: PRK, target: KOR}
  - {type: un_vote, date: 2023-11, body: GA, target: RUS}
""")
    assert "cannot begin after it" in line(err, "wars[0].since")
    # past events shape the initial state; a vote before the start has nothing to act on
    assert "events[0].date" not in [p.path for p in err.problems]
    assert "cannot precede the start" in line(err, "events[1].date")
    assert "only a permanent member can veto" in line(err, "events[0].actor")


def test_shock_needs_exactly_one_of_value_and_delta(tmp_path: Path) -> None:
    err = load_error(tmp_path, MINIMAL + "events:\n  - {type: shock, date: 2024-02, actor: PRK, "
                     "variable: food_insecurity}\n")
    assert "give exactly one of `value` and `delta`" in line(err, "events[0]")


def test_all_problems_reported_in_one_run(tmp_path: Path) -> None:
    err = load_error(tmp_path, """\
name: t
steps: 0
data_year: 1999
actors: [RUS, PRK, XYZ]
parameters: {threat_rate: -1}
events: [{type: war, date: 2024-02, attacker: RUS, defender: FIN}]
""")
    paths = [p.path for p in err.problems]
    assert paths == ["steps", "data_year", "actors[2]", "parameters.threat_rate"]
    assert str(err).startswith(f"{tmp_path / 'bad.yaml'}: 4 problems\n")


def test_long_values_are_truncated(tmp_path: Path) -> None:
    err = load_error(tmp_path, "name: t\nsteps: '" + "x" * 200 + "'\n")
    text = line(err, "steps")
    assert "x" * 80 not in text and "..." in text


def test_parse_config_rejects_non_mapping() -> None:
    with pytest.raises(ConfigError, match="got a string"):
        parse_config("name: t")  # type: ignore[arg-type]


def test_builtin_config_unknown_name_lists_available() -> None:
    with pytest.raises(ConfigError) as info:
        builtin_config("no-such-scenario")
    assert "no built-in config of this name" in str(info.value)
    assert info.value.file == "scenarios/configs/no-such-scenario.yaml"


def test_config_error_pickles() -> None:
    err = ConfigError([Problem("steps", 0, "must be >= 1", "an integer")], file="a.yaml")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.problems == err.problems and again.file == "a.yaml"
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING


def test_problem_list_is_cut_in_the_message() -> None:
    err = ConfigError([Problem(f"k{i}", i, "bad", "") for i in range(25)], file="f")
    assert str(err).splitlines()[-1] == "  ... and 5 more" and len(err.problems) == 25


# --- invariants -------------------------------------------------------------------------------


def _ranged(model: type[pydantic.BaseModel]) -> dict[str, st.SearchStrategy[Any]]:
    out: dict[str, st.SearchStrategy[Any]] = {}
    for row in provenance_table(model):
        lo, hi = row["range"]
        if model.model_fields[row["name"]].annotation is bool:
            out[row["name"]] = st.booleans()
        else:
            out[row["name"]] = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return out


@st.composite
def _section(draw: st.DrawFn, model: type[pydantic.BaseModel]) -> dict[str, Any]:
    fields = _ranged(model)
    names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=8))
    return {n: draw(fields[n]) for n in names}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levers=_section(Levers), parameters=_section(Parameters))
def test_round_trip(levers: dict[str, Any], parameters: dict[str, Any]) -> None:
    defaults = Parameters()
    assume(parameters.get("vote_cut_no", defaults.vote_cut_no)
           < parameters.get("vote_cut_yes", defaults.vote_cut_yes))
    cfg = parse_config({"name": "rt", "levers": levers, "parameters": parameters})
    for key, value in levers.items():
        assert getattr(cfg.levers, key) == value
    assert parse_config(cfg.to_dict()) == cfg
    assert parse_config(yaml.safe_load(cfg.to_yaml())) == cfg


def test_full_example_round_trips() -> None:
    cfg = load_config(CONFIGS / "full.yaml")
    assert parse_config(cfg.to_dict()) == cfg
    assert parse_config(yaml.safe_load(cfg.to_yaml())) == cfg
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert hash(cfg) == hash(parse_config(cfg.to_dict()))


def test_frozen_objects_cannot_be_mutated() -> None:
    cfg = load_config(CONFIGS / "full.yaml")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        cfg.steps = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        cfg.levers.treaty = False  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        cfg.events[0].date = MonthDate(2030, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.groups["axis"] = ("RUS",)
    with pytest.raises(TypeError):
        cfg.actor_settings.pop("PRK")
    assert isinstance(cfg.groups, FrozenDict) and isinstance(cfg.events, tuple)
    assert isinstance(cfg.actors, tuple) and isinstance(cfg.groups["west"], tuple)
    with pytest.raises(AttributeError):
        cfg.start.year = 2030  # type: ignore[misc]


def test_month_date_arithmetic() -> None:
    d = MonthDate(2024, 6)
    assert str(d) == "2024-06" and d.index == 2024 * 12 + 5
    assert d.months_until(MonthDate(2024, 6)) == 0
    assert d.months_until(MonthDate(2025, 1)) == 7
    assert MonthDate(2022, 2).months_until(d) == 28
    assert d.months_until(MonthDate(2023, 12)) == -6
    assert d + 6 == MonthDate(2024, 12) and d + 7 == MonthDate(2025, 1)
    assert d - 6 == MonthDate(2023, 12) and d + 0 == d
    assert MonthDate.from_index(d.index) == d
    assert MonthDate.parse("2024-12") == MonthDate(2024, 12)
    assert MonthDate(2023, 12) < MonthDate(2024, 1) < d
    with pytest.raises(ValueError):
        MonthDate(2024, 13)
    with pytest.raises(ValueError):
        MonthDate.parse("2024/06")


def test_tech_levels_follow_parameters() -> None:
    assert tuple(TechLevels.model_fields) == TECH_DOMAINS


# --- schema and docs ----------------------------------------------------------------------------


def test_committed_schema_is_up_to_date() -> None:
    fresh = json.dumps(config_json_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == fresh, (
        "stale schema: run python scripts/export_schema.py")


@pytest.mark.parametrize("name", ["minimal.yaml", "full.yaml"])
def test_schema_validates_configs(name: str) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8")), schema)
    bad = {"name": "t", "stpes": 3}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_docs_example_is_the_full_config() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    full = (CONFIGS / "full.yaml").read_text(encoding="utf-8")
    assert full in blocks, "docs/config.md must contain tests/configs/full.yaml verbatim"


def test_docs_mention_every_key() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    models: list[type[pydantic.BaseModel]] = [ScenarioConfig]
    from scenarios import config as c

    models += [c.ActorSettings, c.TechLevels, c.Link, c.War, c.SanctionSpec, c.AgendaItem,
               c.TreatyEvent, c.SummitEvent, c.SanctionsEvent, c.LiftSanctionsEvent, c.WarEvent,
               c.CeasefireEvent, c.VetoEvent, c.UnVoteEvent, c.LeverEvent, c.ShockEvent]
    missing = [f"{m.__name__}.{k}" for m in models for k in m.model_fields
               if f"`{k}`" not in doc]
    assert not missing


def test_crossed_vote_cutpoints_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "cut.yaml"
    f.write_text("name: cut\nparameters:\n  vote_cut_no: 1.0\n  vote_cut_yes: 0.5\n")
    with pytest.raises(ConfigError) as err:
        load_config(f)
    text = str(err.value)
    assert "parameters.vote_cut_yes = 0.5" in text and "vote_cut_no (1.0)" in text
