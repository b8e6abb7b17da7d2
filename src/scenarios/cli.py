"""The ``scenarios`` command: ``run``, ``validate``, ``info`` and ``schema`` (``docs/cli.md``).

Every user error (a missing or invalid config, a bad option value, an output directory that
cannot be written) ends in one message on stderr and a non-zero exit status, never a traceback:
2 for a bad command line or config, 1 when a run cannot be written or every replication
failed, 130 on Ctrl-C.

This module may import every other module of the package; nothing imports it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import scenarios
from scenarios.config import (
    ScenarioConfig,
    builtin_config,
    builtin_names,
    config_json_schema,
    load_config,
)
from scenarios.errors import ConfigError

__all__ = ["DEFAULT_REPLICATIONS", "DEFAULT_SEED", "load_any_config", "main"]

#: Seed of ``scenarios run`` when ``--seed`` is not given, so that the default run repeats
#: exactly (the date of the Russia-DPRK treaty, 19 June 2024).
DEFAULT_SEED: Final = 20240619
#: Replications of ``scenarios run`` for a config without an ``experiment`` section when
#: ``--replications`` is not given: a quick look, not a study.
DEFAULT_REPLICATIONS: Final = 20
#: Step variables the standard figures draw (besides the dyads and actors).
FIGURE_VARIABLES: Final = ("max_rung", "polarization")

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130


class _UserError(Exception):
    """A problem the user can fix; its message is printed as is."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def load_any_config(spec: str | os.PathLike[str]) -> ScenarioConfig:
    """A config from a file path or, for a bare name that is not a file, a built-in config.

    Raises
    ------
    scenarios.errors.ConfigError
        If the file is missing or invalid, or there is no built-in config of that name.

    Examples
    --------
    >>> load_any_config("baseline").name
    'baseline'
    """
    text = os.fspath(spec)
    looks_like_path = os.sep in text or text.endswith((".yaml", ".yml")) or Path(text).exists()
    if looks_like_path:
        return load_config(text)
    return builtin_config(text)


# --- argument types -----------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, not {value}")
    return value


# --- commands -------------------------------------------------------------------------------


def _writable_dir(path: Path) -> None:
    """Create ``path`` and check that files can be written in it, before any long run."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".scenarios-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _UserError(f"cannot write to output directory {path}: {reason}",
                         EXIT_FAILED) from None


def _summary_text(ds: Any, seed: int) -> str:
    from scenarios.ensemble import summary_table
    from scenarios.experiment import flat_runs, outcome_shares_by_policy

    n_failed = int(ds.attrs.get("n_failed", 0))
    if "date" in ds.coords:
        end = str(ds["date"].values[-1])
    else:  # summary outcomes only: no step axis to read the last month from
        from scenarios.config import MonthDate

        end = str(MonthDate.parse(str(ds.attrs["start"])) + int(ds.attrs["steps"]))
    head = [
        f"scenario:      {ds.attrs['scenario']}",
        f"start:         {ds.attrs['start']}",
        f"steps:         {ds.attrs['steps']} months (to {end})",
        f"experiments:   {ds.attrs['n_experiments']} ({ds.attrs['n_scenarios']} scenarios x "
        f"{ds.attrs['n_policies']} policies; sampler {ds.attrs['sampler']})",
        f"replications:  {ds.attrs['n_replications']} ({n_failed} failed of "
        f"{ds.attrs['n_runs']} runs)",
        f"seed:          {seed}",
        f"versions:      scenarios {ds.attrs['scenarios_version']}, "
        f"mesa {ds.attrs['mesa_version']}",
        "",
        "Outcome-class shares with Wilson 95% intervals (share rows); means of outcomes",
        "with 5% and 95% quantiles across runs (mean rows).",
        "",
        "",
    ]
    body = summary_table(flat_runs(ds)).to_string(float_format=lambda v: f"{v:.4g}")
    by_policy = outcome_shares_by_policy(ds)
    cells = by_policy.apply(lambda r: f"{r['share']:.3f} [{r['lower']:.3f}, {r['upper']:.3f}]"
                            if r["n"] else "-", axis=1).unstack("outcome_class")
    levers = [c for c in by_policy.columns
              if c not in ("count", "n", "share", "lower", "upper")]
    if levers:
        first = by_policy.groupby(level="policy_id").first()[levers]
        cells.index = [f"{pid} ({', '.join(f'{k}={first.loc[pid, k]}' for k in levers)})"
                       for pid in cells.index]
    cells.index.name = "policy"
    policy = ("\n\nOutcome-class probabilities by policy (over scenarios and replications), "
              "Wilson 95% intervals:\n\n" + cells.to_string())
    return "\n".join(head) + body + policy + "\n"


def _experiment_config(cfg: ScenarioConfig, replications: int | None) -> ScenarioConfig:
    """The config to run: a config without an experiment section runs its replications of
    the config's own values, recording everything (as ``run_replications`` does)."""
    if cfg.experiment is not None:
        return cfg
    from scenarios.config import parse_config

    section = {"n_replications": replications or DEFAULT_REPLICATIONS,
               "record": {"steps": "all", "actors": "all", "dyads": "all"}}
    return parse_config({**cfg.to_dict(), "experiment": section})


def _cmd_run(args: argparse.Namespace) -> int:
    from scenarios import experiment
    from scenarios.ensemble import write_results
    from scenarios.experiment import StoreSpec
    from scenarios.store import StoreError

    cfg = _experiment_config(load_any_config(args.config), args.replications)
    out = Path(args.out) if args.out is not None else Path("results") / cfg.name
    _writable_dir(out)
    store = None
    if args.store is not None or args.resume:
        kind: Literal["netcdf", "zarr"] = "zarr" if args.store == "zarr" else "netcdf"
        store = StoreSpec(out / ("runs.zarr" if kind == "zarr" else "runs.nc"), kind=kind,
                          resume=args.resume)
    executor = _executor(args)
    try:
        ds = experiment.run_experiment(
            cfg, n_samples=args.samples, n_replications=args.replications, engine=args.engine,
            executor=executor, store=store, rng=args.seed, progress=not args.no_progress)
    except ImportError as exc:
        raise _UserError(str(exc)) from None
    except StoreError as exc:  # e.g. an unfinished ensemble in DIR and no --resume
        raise _UserError(str(exc), EXIT_FAILED) from None
    finally:
        if executor is not None and not isinstance(executor, str):
            executor.close()
    try:
        written = [write_results(ds, out)]
        text = _summary_text(ds, args.seed)
        summary = out / "summary.txt"
        summary.write_text(text, encoding="utf-8")
        written.append(summary)
        written += _figures(ds, out)
    except OSError as exc:
        raise _UserError(f"cannot write results to {out}: {exc.strerror or exc}",
                         EXIT_FAILED) from None
    print(text)
    print("written:")
    for path in written:
        print(f"  {path}")
    n_failed, n_runs = int(ds.attrs["n_failed"]), int(ds.attrs["n_runs"])
    if n_failed:
        first = next(str(e) for e in ds["error"].values.ravel() if str(e))
        print(f"warning: {n_failed} of {n_runs} runs failed "
              f"(first: {first}); see the 'error' and 'traceback' variables",
              file=sys.stderr)
    return EXIT_FAILED if n_failed == n_runs else EXIT_OK


def _figures(ds: Any, out: Path) -> list[Path]:
    """The standard figure set of a results dataset, or a note when it lacks the records."""
    from scenarios.experiment import flat_runs
    from scenarios.plot import write_figures

    flat = flat_runs(ds) if "experiment" in ds.dims else ds
    if {"affinity", "rung", "alignment", *FIGURE_VARIABLES} <= set(flat.data_vars):
        return write_figures(flat, out)
    print("figures skipped: they need steps, actors and dyads recorded "
          "(experiment.record)", file=sys.stderr)
    return []


def _open_results(args: argparse.Namespace) -> tuple[Path, Any, Path]:
    """The results named by ``args.results``, and the output folder (``--out`` or theirs)."""
    from scenarios.ensemble import load_results

    path = Path(args.results)
    if not path.exists():
        raise _UserError(f"{path}: no such results file or directory "
                         "(allowed: a results.nc written by `scenarios run`, or its folder)")
    try:
        ds = load_results(path)
    except (OSError, ValueError, KeyError) as exc:
        raise _UserError(f"{path}: cannot read results: {exc}") from None
    out = Path(args.out) if args.out is not None else (path if path.is_dir() else path.parent)
    return path, ds, out


def _cmd_plot(args: argparse.Namespace) -> int:
    _, ds, out = _open_results(args)
    _writable_dir(out)
    try:
        written = _figures(ds, out)
    except OSError as exc:
        raise _UserError(f"cannot write figures to {out}: {exc.strerror or exc}",
                         EXIT_FAILED) from None
    for p in written:
        print(p)
    return EXIT_OK if written else EXIT_FAILED


def _condition(spec: str) -> tuple[str, Any]:
    """``--discover`` argument: ``OUTCOME<op>VALUE`` (e.g. ``max_rung>=6``) or a class name."""
    import operator
    import re

    m = re.fullmatch(r"\s*(\w+)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*", spec)
    if m is None:
        return "outcome_class", spec.strip()
    ops = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
    name, op, value = m[1], ops[m[2]], float(m[3])
    return (name if name.startswith("outcome_") else f"outcome_{name}",
            lambda v: op(v, value))


def _cmd_analyze(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from scenarios.analysis import (
        class_probabilities,
        discover,
        feature_scores,
        plot_box,
        plot_class_probabilities,
        plot_feature_scores,
        plot_sobol,
        plot_tradeoff,
        sobol_indices,
    )
    path, ds, out = _open_results(args)
    if "experiment" not in ds.dims:
        raise _UserError(f"{path}: not an experiment's results (no `experiment` dimension); "
                         "rerun it with `scenarios run`")
    figs = out / "figures"
    _writable_dir(figs)
    written: list[Path] = []

    def save(draw: Any, name: str) -> None:
        fig = Figure(figsize=(7.0, 4.5), layout="constrained")
        draw(fig.add_subplot())
        target = figs / f"{name}.png"
        fig.savefig(target, dpi=150)
        written.append(target)

    try:
        probs = class_probabilities(ds, by="policy" if args.by == "policy" else None)
        print("Outcome-class probabilities (Wilson 95% intervals):")
        print(probs.to_dataframe().to_string(float_format=lambda v: f"{v:.3f}"))
        save(lambda ax: plot_class_probabilities(probs, ax=ax), "class_probabilities")
        if args.discover:
            outcome, condition = _condition(args.discover)
            prim = discover(ds, outcome, condition=condition)
            print(f"\nScenario discovery (PRIM) for {args.discover}:")
            print(prim.trajectory_.to_string(float_format=lambda v: f"{v:.3f}"))
            print(prim.box_.to_string())
            save(lambda ax: plot_tradeoff(prim, ax=ax), "prim_tradeoff")
            save(lambda ax: plot_box(prim, ax=ax), "prim_box")
        if args.sensitivity:
            name = args.sensitivity
            outcome = name if name.startswith("outcome_") else f"outcome_{name}"
            if ds.attrs.get("sampler") == "saltelli":
                idx = sobol_indices(ds, outcome, policy=0, rng=0)
                print(f"\nSobol indices of {outcome} (policy 0):")
                print(idx[["S1", "S1_conf", "ST", "ST_conf"]].to_dataframe().to_string(
                    float_format=lambda v: f"{v:.3f}"))
                save(lambda ax: plot_sobol(idx, ax=ax), "sobol")
            else:
                scores = feature_scores(ds, outcome, rng=0)
                print(f"\nFeature scores (correlation ratio eta^2, 95 % bootstrap interval, "
                      f"permutation null) of {outcome}, highest first:")
                table = scores.to_dataframe(name="score")
                table = table[["score", *[c for c in table.columns if c != "score"]]]
                print(table.sort_values("score", ascending=False).to_string(
                    float_format=lambda v: f"{v:.3f}"))
                save(lambda ax: plot_feature_scores(scores, ax=ax), "feature_scores")
    except (KeyError, ValueError, ImportError) as exc:
        raise _UserError(f"{path}: {exc}") from None
    except OSError as exc:
        raise _UserError(f"cannot write figures to {figs}: {exc.strerror or exc}",
                         EXIT_FAILED) from None
    print("\nwritten:")
    for p in written:
        print(f"  {p}")
    return EXIT_OK


def _executor(args: argparse.Namespace) -> Any:
    """The executor named on the command line: None (serial), or one we open and close."""
    if args.executor in (None, "serial") and args.scheduler is None:
        if args.workers not in (None, 1):
            raise _UserError("--workers needs --executor processes or dask")
        return None
    try:
        from scenarios import executors
    except ImportError:
        raise _UserError("--executor/--scheduler need scenarios.executors, which is not "
                         "available in this installation") from None
    try:
        return executors.resolve_executor(
            None if args.scheduler is not None else args.executor, workers=args.workers,
            scheduler=args.scheduler)
    except (ImportError, ValueError) as exc:
        raise _UserError(str(exc)) from None


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for spec in args.configs:
        try:
            load_any_config(spec)
        except ConfigError as exc:
            print(str(exc), file=sys.stderr)
            status = EXIT_USAGE
        else:
            print(f"OK {spec}")
    return status


def _versions() -> dict[str, str]:
    out = {"scenarios": scenarios.__version__}
    for dist in ("mesa", "numpy", "numba", "xarray"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    out["python"] = platform.python_version()
    return out


def _first_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: list[list[str]], header: list[str], widths: Sequence[int] = ()) -> str:
    """Plain text columns; a column with a width limit is cut with an ellipsis."""
    cut = list(widths) + [0] * (len(header) - len(widths))
    cells = [header, *rows]
    cells = [[_cut(c, w) if w else c for c, w in zip(r, cut, strict=True)] for r in cells]
    size = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = ["  ".join(c.ljust(size[k]) for k, c in enumerate(r)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * s for s in size))
    return "\n".join(lines)


def _info_general() -> None:
    from scenarios import data

    print("Built-in configs (use the name wherever a CONFIG is asked for):")
    names = builtin_names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        try:
            desc = _first_line(builtin_config(name).description)
        except ConfigError as exc:
            desc = f"(invalid: {_first_line(str(exc))})"
        print(f"  {name:<{width}}  {_cut(desc, 96 - width)}")
    print()
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in _versions().items()))
    print()
    print("Data sources (scenarios.data.sources(); full notes in docs/data.md):")
    rows = [[key, src.get("short", ""), _first_line(src.get("citation", ""))]
            for key, src in data.sources().items()]
    print(textwrap.indent(_table(rows, ["key", "dataset", "citation"], (0, 28, 90)), "  "))


def _event_line(event: Any) -> str:
    fields = event.model_dump(mode="json", exclude={"type", "date", "note", "source"})
    parts = []
    for key, value in fields.items():
        shown = "+".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}={shown}")
    note = f" — {event.note}" if event.note else ""
    return f"{event.date}  {event.type:<15} {' '.join(parts)}{note}"


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _info_config(spec: str) -> None:
    from scenarios.parameters import provenance_table
    from scenarios.world import build_world

    cfg = load_any_config(spec)
    world = build_world(cfg)
    print(f"Scenario {cfg.name}: start {cfg.start}, {cfg.steps} monthly steps, "
          f"data year {cfg.data_year}")
    if cfg.description:
        print(textwrap.fill(_first_line(cfg.description), 96, initial_indent="  ",
                            subsequent_indent="  "))
    print()
    print(f"Actors ({len(world.codes)}):")
    actors = ", ".join(f"{c} {n}" for c, n in zip(world.codes, world.names, strict=True))
    print(textwrap.fill(actors, 96, initial_indent="  ", subsequent_indent="  "))
    for group, members in cfg.groups.items():
        print(f"  group {group}: {' '.join(members)}")
    print()
    print(f"Events ({len(cfg.events)}):")
    for event in cfg.events:
        print(_cut("  " + _event_line(event), 130))
    for title, section in (("Levers", cfg.levers), ("Parameters", cfg.parameters)):
        rows = [[r["name"], _value(r["value"]), str(r["unit"]), _first_line(str(r["source"]))]
                for r in provenance_table(section)]
        print()
        print(f"{title} ({len(rows)}):")
        print(textwrap.indent(_table(rows, ["name", "value", "unit", "source"],
                                     (0, 0, 30, 64)), "  "))


def _cmd_info(args: argparse.Namespace) -> int:
    if args.config is None:
        _info_general()
    else:
        _info_config(args.config)
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(config_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _UserError(f"cannot write {out}: {exc.strerror or exc}", EXIT_FAILED) from None
    print(f"wrote {out}")
    return EXIT_OK


# --- parser and entry point -------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scenarios",
        description="Agent-based scenario modelling of international politics.",
        epilog="See docs/cli.md for examples.",
    )
    parser.add_argument("--version", action="version",
                        version=f"scenarios {scenarios.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run a config's experiment (or its replications) and write results, "
        "summary and figures",
        description="Run the experiment of a config (its `experiment` section: scenarios x "
        "policies x replications), or, without one, replications of the config's own values; "
        "write results.nc, summary.txt and figures/*.png to the output directory and print "
        "the summary.")
    run.add_argument("config", metavar="CONFIG",
                     help="a config file (YAML) or the name of a built-in config")
    run.add_argument("--out", metavar="DIR",
                     help="output directory (default: results/<config name>)")
    run.add_argument("--samples", type=_positive_int, metavar="N",
                     help="replace experiment.n_samples")
    run.add_argument("--replications", "-n", type=_positive_int, default=None, metavar="N",
                     help="replace experiment.n_replications (without an experiment section: "
                     f"default {DEFAULT_REPLICATIONS}, a quick look; use hundreds or more for "
                     "a study)")
    run.add_argument("--engine", choices=("batched", "mesa"), default="batched",
                     help="batched: blocks of runs stepped at once (fast, default); mesa: one "
                     "ScenarioModel per run (same results)")
    run.add_argument("--executor", choices=("serial", "processes", "dask"), default=None,
                     help="where blocks run (default: serial, in this process)")
    run.add_argument("--workers", type=_positive_int, metavar="N",
                     help="worker processes for --executor processes or dask")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="join a running Dask scheduler (tcp://host:8786); implies dask")
    run.add_argument("--store", choices=("netcdf", "zarr"), default=None,
                     help="keep each finished block on disk in DIR/runs.nc (NetCDF parts) or "
                     "DIR/runs.zarr, so that an interrupted run can be resumed")
    run.add_argument("--resume", action="store_true",
                     help="continue an interrupted run in DIR (same config and seed)")
    run.add_argument("--seed", type=_seed, default=DEFAULT_SEED, metavar="N",
                     help=f"root seed of the experiment (default: {DEFAULT_SEED}, so that "
                     "the default run repeats exactly)")
    run.add_argument("--no-progress", action="store_true",
                     help="no progress bar (it is off anyway when stderr is not a terminal)")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check config files",
                         description="Check config files; print 'OK <file>' for each valid one "
                         "and the problems of each invalid one (exit status 2).")
    val.add_argument("configs", nargs="+", metavar="CONFIG",
                     help="config files (or built-in names)")
    val.set_defaults(func=_cmd_validate)

    info = sub.add_parser(
        "info", help="built-in configs, versions and data sources; or describe a config",
        description="Without CONFIG: list the built-in configs, versions and data sources. "
        "With CONFIG: its description, actors, events, levers and parameters with their "
        "units and sources.")
    info.add_argument("config", nargs="?", metavar="CONFIG",
                      help="a config file or built-in name")
    info.set_defaults(func=_cmd_info)

    plot = sub.add_parser(
        "plot", help="write the standard figures of a results file",
        description="Read results written by `scenarios run` (results.nc, or its folder) and "
        "write the standard figure set to DIR/figures/*.png.")
    plot.add_argument("results", metavar="RESULTS", help="a results.nc file or its folder")
    plot.add_argument("--out", metavar="DIR",
                      help="output directory (default: the results' folder)")
    plot.set_defaults(func=_cmd_plot)

    ana = sub.add_parser(
        "analyze", help="outcome probabilities, scenario discovery and sensitivity of results",
        description="Print outcome-class probabilities (by policy), and optionally scenario "
        "discovery (PRIM) for a condition and the sensitivity of an outcome to the "
        "uncertainties (Sobol indices for a saltelli design, feature scores otherwise); write "
        "the figures to DIR/figures.")
    ana.add_argument("results", metavar="RESULTS", help="a results.nc file or its folder")
    ana.add_argument("--discover", metavar="CONDITION",
                     help="an outcome class (nuclear_use) or OUTCOME<op>VALUE (max_rung>=6)")
    ana.add_argument("--sensitivity", metavar="OUTCOME",
                     help="a numeric outcome (polarization, tech_prk_missiles, ...)")
    ana.add_argument("--by", choices=("policy", "all"), default="policy",
                     help="class probabilities by policy (default) or over all runs")
    ana.add_argument("--out", metavar="DIR", help="output directory (default: the results' "
                     "folder)")
    ana.set_defaults(func=_cmd_analyze)

    schema = sub.add_parser("schema", help="print or write the JSON Schema of a config",
                            description="Print the JSON Schema (draft 2020-12) of a config "
                            "file, or write it to FILE.")
    schema.add_argument("--out", metavar="FILE", help="write the schema to FILE")
    schema.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``scenarios`` command line; returns the exit status.

    Examples
    --------
    >>> main(["validate", "baseline"])
    OK baseline
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        status: int = args.func(args)
        return status
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        code = exc.code
        return code if isinstance(code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except _UserError as exc:
        print(f"scenarios: error: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:
        # stdout closed early (e.g. piped into `head`): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED

