"""Layering of every service (docs/service-template.md): ``domain/`` and ``app/`` are written
against ports declared in ``app/ports.py``; only ``bootstrap`` wires the ``adapters/`` that
implement them, and ``entrypoints/`` drive the app. So neither ``app/`` nor ``domain/`` may
import its service's ``adapters/`` or ``entrypoints/``, in any form (absolute or relative,
at module level or inside a function). Imports are read with ``ast``: nothing is executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
INNER_LAYERS = ("app", "domain")
OUTER_LAYERS = frozenset({"adapters", "entrypoints"})

# Imports of adapters from app/ written before the rule was enforced, to be moved behind
# ports (ISSUE 9 item 5). (file, imported module); a fixed one must leave this list (the
# last test checks), and no new one may join it. Every one has been moved: it stays empty.
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


def _module_of(path: Path, package_root: Path) -> list[str]:
    """The dotted name of ``path``'s package (a module's, or an ``__init__``'s own)."""
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    return parts[:-1]


def imported_modules(path: Path, package_root: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved; ``from pkg import name``
    counts as ``pkg.name`` unless ``pkg`` is itself an outer layer (then ``pkg``: the name
    may be a class or a submodule, the layer is what matters)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_of(path, package_root)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if _is_outer(module, package_root.name):
                found.add(module)
            else:
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _is_outer(module: str, package: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 2 and parts[0] == package and parts[1] in OUTER_LAYERS


def layering_violations(package_root: Path) -> set[tuple[Path, str]]:
    """(file, module) for each import of ``adapters``/``entrypoints`` by ``app``/``domain``."""
    return {
        (path, module)
        for layer in INNER_LAYERS
        for path in sorted((package_root / layer).rglob("*.py"))
        for module in imported_modules(path, package_root)
        if _is_outer(module, package_root.name)
    }


def service_packages() -> list[Path]:
    """Every service's package (services/<name>/src/<package>/) that has app/ or domain/."""
    return sorted(
        package
        for package in ROOT.glob("services/*/src/*")
        if package.is_dir() and any((package / layer).is_dir() for layer in INNER_LAYERS)
    )


def _relative(violations: set[tuple[Path, str]]) -> set[tuple[str, str]]:
    return {(path.relative_to(ROOT).as_posix(), module) for path, module in violations}


def test_every_service_is_scanned() -> None:
    names = {package.name for package in service_packages()}
    assert {"bpjs_gateway", "verification", "enrollment", "notifications", "jkn_audit"} <= names


@pytest.mark.parametrize("package_root", service_packages(), ids=lambda p: p.name)
def test_app_and_domain_never_import_adapters_or_entrypoints(package_root: Path) -> None:
    found = _relative(layering_violations(package_root))
    new = found - KNOWN_VIOLATIONS
    assert not new, (
        "app/ or domain/ imports adapters/ or entrypoints/ (declare a port in app/ports.py,"
        f" wire the adapter in bootstrap.py): {sorted(new)}"
    )


def test_a_fixed_violation_leaves_the_known_list() -> None:
    found: set[tuple[str, str]] = set()
    for package_root in service_packages():
        found |= _relative(layering_violations(package_root))
    assert not KNOWN_VIOLATIONS - found, sorted(KNOWN_VIOLATIONS - found)


@pytest.mark.parametrize(
    ("layer", "source", "reported"),
    [
        ("app", "from svc.adapters.sql import Repo\n", "svc.adapters.sql"),
        ("app", "from svc.adapters import sql\n", "svc.adapters"),
        ("app", "import svc.entrypoints.http\n", "svc.entrypoints.http"),
        ("app", "def f():\n    from svc.adapters.sql import Repo\n", "svc.adapters.sql"),
        ("app", "from ..adapters.sql import Repo\n", "svc.adapters.sql"),
        ("app", "from .. import entrypoints\n", "svc.entrypoints"),
        ("domain", "from svc.entrypoints.cli import main\n", "svc.entrypoints.cli"),
    ],
)
def test_rejects_an_inner_layer_importing_an_outer_one(
    tmp_path: Path, layer: str, source: str, reported: str
) -> None:
    package_root = tmp_path / "svc"
    (package_root / layer).mkdir(parents=True)
    (package_root / layer / "use_case.py").write_text(source, encoding="utf-8")
    assert {module for _, module in layering_violations(package_root)} == {reported}


def test_accepts_ports_domain_and_shared_libraries_in_the_app(tmp_path: Path) -> None:
    package_root = tmp_path / "svc"
    (package_root / "app").mkdir(parents=True)
    (package_root / "app" / "use_case.py").write_text(
        "from jkn_bus import UnitOfWork\n"
        "from svc.app.ports import Repository\n"
        "from svc.domain import rules\n"
        "from svc import metrics\n"
        "from . import ports\n",
        encoding="utf-8",
    )
    assert layering_violations(package_root) == set()
