"""Generate the committed contract documents from the pydantic models.

    uv run python -m jkn_contracts._generate            # write schemas/ and asyncapi.json
    uv run python -m jkn_contracts._generate --check    # exit 1 if the committed files drifted
    uv run python -m jkn_contracts._generate --publish  # also freeze new versions in published/

Writes, under ``contracts/``:

- ``schemas/<EventType>.v<schema_version>.json``: one JSON Schema (draft 2020-12) per
  message type (facts, agency systems' submissions and their answers), in pydantic's
  *validation* mode: what a consumer accepts (fields with a default are optional), which is
  what backward compatibility is about;
- ``asyncapi.json``: an AsyncAPI 3.0.0 document of the topic catalogue, the inbound topics
  (sent by an agency's system, received by the owning service) and their reply topics.

Output is deterministic (sorted keys, stable order, trailing newline) so that a drift
test can compare bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from jkn_contracts import MESSAGE_TYPES
from jkn_contracts._asyncapi import build_asyncapi, schema_filename, schema_version_of
from jkn_contracts.access import policy_table_markdown

__all__ = [
    "ASYNCAPI_FILE",
    "CONTRACTS_DIR",
    "build_asyncapi",
    "build_schemas",
    "drifted_files",
    "expected_files",
    "main",
    "publish",
    "render",
    "schema_filename",
    "schema_version_of",
    "write",
]

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
ASYNCAPI_FILE = "asyncapi.json"


def render(document: object) -> str:
    """The canonical text of a generated document (sorted keys, 2-space indent, newline)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every message type, in validation mode."""
    schemas: dict[str, dict[str, Any]] = {}
    for name in sorted(MESSAGE_TYPES):
        event = MESSAGE_TYPES[name]
        schema = event.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"urn:jkn-daerah:event:{name}:v{schema_version_of(event)}"
        schemas[schema_filename(event)] = schema
    return schemas


def expected_files() -> dict[str, str]:
    """Path under ``contracts/`` -> the text the generator writes there."""
    files = {f"schemas/{name}": render(schema) for name, schema in build_schemas().items()}
    files[ASYNCAPI_FILE] = render(build_asyncapi())
    files[ACCESS_FILE] = _ACCESS_HEAD + policy_table_markdown()
    return files


ACCESS_FILE = "access-policy.md"
_ACCESS_HEAD = """# Who may call which route

Generated from `jkn_contracts.access` by `make contracts`: do not edit by hand. Roles come
from the caller's token (claim `jkn_roles`); so do the agency (`jkn_agency`) and the
kelurahan (`jkn_kelurahan`) that scope a grant. ✔ = the role acts on any record of the
route; *own agency* / *own kelurahan* = only on its own. Routes marked *none* take no token
(a resident's own question, with a second factor and a rate limit, or `/health`); routes
marked *signature* are provider webhooks checked by their HMAC signature. Any other caller
is answered 401 (no valid token) or 403 (`ROLE_NOT_ALLOWED`, `OUTSIDE_AGENCY`,
`OUTSIDE_KELURAHAN`) before the route's handler runs.

"""


def drifted_files(root: Path = CONTRACTS_DIR) -> list[str]:
    """Generated files that are missing, different, or stale (no longer generated)."""
    expected = expected_files()
    drifted = [
        path
        for path, text in expected.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    stale = [
        f"schemas/{p.name}"
        for p in sorted((root / "schemas").glob("*.json"))
        if f"schemas/{p.name}" not in expected
    ]
    return sorted(drifted + stale)


def write(root: Path = CONTRACTS_DIR) -> list[str]:
    """Write every drifted file and delete stale schemas; return the paths changed."""
    expected = expected_files()
    changed = drifted_files(root)
    for path in changed:
        target = root / path
        if path in expected:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(expected[path], encoding="utf-8")
        else:
            target.unlink()
    return changed


def publish(root: Path = CONTRACTS_DIR) -> list[str]:
    """Freeze schema versions not yet published into ``published/``; never overwrite one."""
    frozen: list[str] = []
    (root / "published").mkdir(exist_ok=True)
    for name, schema in build_schemas().items():
        target = root / "published" / name
        if not target.exists():
            target.write_text(render(schema), encoding="utf-8")
            frozen.append(f"published/{name}")
    return frozen


def main(argv: list[str] | None = None) -> int:
    """Command line: write (default), ``--check`` for drift, ``--publish`` to freeze."""
    parser = argparse.ArgumentParser(prog="python -m jkn_contracts._generate")
    parser.add_argument("--root", type=Path, default=CONTRACTS_DIR, help="contracts/ folder")
    parser.add_argument("--check", action="store_true", help="only report drift (exit 1)")
    parser.add_argument("--publish", action="store_true", help="freeze new versions")
    args = parser.parse_args(argv)
    if args.check:
        drifted = drifted_files(args.root)
        for path in drifted:
            print(f"drifted: {path}", file=sys.stderr)
        if drifted:
            print("run: uv run python -m jkn_contracts._generate", file=sys.stderr)
        return 1 if drifted else 0
    for path in write(args.root):
        print(f"wrote {path}")
    if args.publish:
        for path in publish(args.root):
            print(f"published {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
