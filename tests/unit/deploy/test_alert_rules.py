"""deploy/prometheus/alerts.yml: what operators are paged for. Every alert reads series the
services really expose (a renamed metric would silently never fire), says how urgent it is
and where its runbook is, and the Prometheus of deploy/compose.yaml loads the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "deploy" / "prometheus"
SOURCES = [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
# a series a service registers: prometheus_client's Counter/Gauge/Histogram("name", ...)
REGISTERED = re.compile(r'(?:Counter|Gauge|Histogram|Summary)\(\s*"(jkn_[a-z0-9_]+)"')
USED = re.compile(r"\b(jkn_[a-z0-9_]+)")


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _registered() -> set[str]:
    names: set[str] = set()
    for path in SOURCES:
        names |= set(REGISTERED.findall(path.read_text()))
    return names


def _series(name: str) -> str:
    """A histogram's or counter's series name as PromQL sees it, to its registered name."""
    return re.sub(r"_(bucket|sum|count)$", "", name)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["alert"])
def test_an_alert_reads_series_the_services_expose(rule: dict[str, Any]) -> None:
    used = {_series(n) for n in USED.findall(rule["expr"])}
    assert used, "an alert reads at least one jkn series"
    assert not used - _registered(), sorted(used - _registered())


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: r["alert"])
def test_an_alert_says_how_urgent_it_is_and_where_its_runbook_is(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in {"page", "ticket"}
    assert rule["annotations"]["summary"].strip()
    runbook = rule["annotations"]["runbook"]
    document = runbook.split(" ", 1)[0]
    assert (ROOT / document).is_file(), f"{rule['alert']}: {document} is not in the repository"
    assert rule["expr"].count("(") == rule["expr"].count(")")


def test_the_alerts_have_distinct_names() -> None:
    names = [r["alert"] for r in _rules()]
    assert len(names) == len(set(names))


def test_prometheus_of_the_compose_file_loads_the_alerts() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    for rule_file in config["rule_files"]:
        assert f"./prometheus/alerts.yml:{rule_file}:ro" in mounts
