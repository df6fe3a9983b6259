"""The production manifests keep the bus's rule: Kafka takes SASL/SCRAM only, authorizes by
ACL (nothing allowed unless granted), and each service logs in as its own principal with a
password from the operator's Secret; the topic-setup job creates users and ACLs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jkn_contracts.topics import AGENCY_SYSTEMS, BUS_SERVICES

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
MODULES = {
    "enrollment": "enrollment",
    "verification": "verification",
    "bpjs-gateway": "bpjs_gateway",
    "notifications": "notifications",
    "audit": "jkn_audit",
}


def _k8s() -> list[dict[str, Any]]:
    return [
        doc
        for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def _kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _k8s() if d["kind"] == kind}


def _role(service: str) -> str:
    return service.replace("-", "_").upper()


def _authorizes(env: dict[str, Any], listener: str) -> None:
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("metadata.authorizer.StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert set(env["KAFKA_SUPER_USERS"].split(";")) == {"User:jkn-admin", "User:jkn-controller"}
    assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) == {listener}, "no listener without SASL"
    assert "PLAINTEXT://" not in env["KAFKA_LISTENERS"].replace("SASL_PLAINTEXT://", "")


def test_compose_kafka_takes_sasl_only_and_each_service_logs_in_as_itself() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    _authorizes(compose["kafka"]["environment"], "SASL_PLAINTEXT")
    assert "--add-scram" in (DEPLOY / "kafka" / "format-storage.sh").read_text()
    assert "kafka-format" in compose["kafka"]["depends_on"]
    for service, module in MODULES.items():
        [svc] = [s for s in compose.values() if s.get("command") == ["python", "-m", module]]
        env = svc["environment"]
        assert env["KAFKA_SASL_USERNAME"] == service
        password = f"${{{_role(service)}_KAFKA_PASSWORD:-{service}-dev}}"
        assert env["KAFKA_SASL_PASSWORD"] == password
    topics = compose["kafka-topics"]["environment"]
    users = (*BUS_SERVICES, *AGENCY_SYSTEMS)  # the agency systems' users too
    assert {f"{_role(s)}_KAFKA_PASSWORD" for s in users} | {"KAFKA_ADMIN_PASSWORD"} <= set(topics)
    for system in AGENCY_SYSTEMS:
        assert topics[f"{_role(system)}_KAFKA_PASSWORD"].endswith(f":-{system}-dev}}")


def test_k8s_kafka_takes_sasl_ssl_only_and_formats_with_the_admin_credential() -> None:
    kafka = _kind("StatefulSet")["kafka"]["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in kafka["containers"][0]["env"]}
    _authorizes(env, "SASL_SSL")
    assert not [k for k in env if k.startswith("KAFKA_") and "PASSWORD" in k], (
        "the image would turn a KAFKA_*PASSWORD variable into a broker property"
    )
    [init] = kafka["initContainers"]
    assert "format-storage.sh" in " ".join(init["command"])


def test_k8s_services_log_in_with_their_own_password_from_the_operator_s_secret() -> None:
    config = _kind("ConfigMap")["jkn-config"]["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    deployments = _kind("Deployment")
    for service in MODULES:
        container = deployments[service]["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        assert env["KAFKA_SASL_USERNAME"]["value"] == service
        ref = env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "jkn-kafka", "key": f"{_role(service)}_KAFKA_PASSWORD"}
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert str(Path(config["KAFKA_SSL_CAFILE"]).parent) in mounts
    job = _kind("Job")["kafka-topics"]["spec"]["template"]["spec"]["containers"][0]
    keys = {e["valueFrom"]["secretKeyRef"]["key"] for e in job["env"] if "valueFrom" in e}
    users = (*BUS_SERVICES, *AGENCY_SYSTEMS)  # the Job creates the agency systems' users too
    assert keys == {"KAFKA_ADMIN_PASSWORD"} | {f"{_role(s)}_KAFKA_PASSWORD" for s in users}
    readme = (DEPLOY / "README.md").read_text()
    for key in keys | {"KAFKA_CONTROLLER_PASSWORD"}:
        assert re.search(rf"--from-literal={key}=", readme), key
