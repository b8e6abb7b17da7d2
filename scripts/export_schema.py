"""Write the JSON Schema of a scenario config to ``src/scenarios/schema/config.schema.json``.

Run ``python scripts/export_schema.py`` after changing :mod:`scenarios.config` or
:mod:`scenarios.parameters`; ``--check`` exits with status 1 if the committed file is stale
(``tests/test_config.py`` checks the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scenarios.config import config_json_schema

#: Where the schema is committed (inside the package, so that it ships with it).
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "src" / "scenarios" / "schema" / (
    "config.schema.json"
)


def render() -> str:
    """The schema as deterministic JSON text (sorted keys, 2-space indent, final newline)."""
    return json.dumps(config_json_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the committed file is up to date")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH, help="file to write")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; run python scripts/export_schema.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
