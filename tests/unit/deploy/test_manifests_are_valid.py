"""Structural checks of the production manifests in deploy/ (no Docker, no cluster needed).

They cannot prove a deployment works, but they fail when a manifest references a file,
service, secret key or module that does not exist, or when the generated init SQL is stale;
and when a hardening slips: a credential written into a manifest, a pod no NetworkPolicy
lets anything reach, a database URL without TLS, a compose secret that is not a dev default.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jkn_bus.dev_secrets import DEV_SECRETS
from jkn_devstack import SERVICES
from jkn_devstack.sql import render_init_sql

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

SERVICE_MODULES = {"enrollment", "verification", "bpjs_gateway", "notifications", "jkn_audit"}
MODULE_OF_ROLE = {"audit": "jkn_audit"}  # roles whose package is named otherwise
ALL_MODULES = SERVICE_MODULES | {"bpjs_sim"}
SERVICE_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS",
    "JKN_TOPIC_PREFIX",
    "ENROLLMENT_DATABASE_URL",
    "VERIFICATION_DATABASE_URL",
    "BPJS_GATEWAY_DATABASE_URL",
    "NOTIFICATIONS_DATABASE_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "JKN_PSEUDONYM_KEY",
    "BPJS_BASE_URL",
    "BPJS_CONS_ID",
    "BPJS_SECRET",
    "BPJS_USER_KEY",
}
NAMESPACED_KINDS = {
    "Deployment", "StatefulSet", "Service", "Job", "ConfigMap", "Secret", "NetworkPolicy",
}  # fmt: skip
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|DATABASE_URL$|ADMIN_URL$")


def _yaml_files() -> list[Path]:
    return sorted(
        p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"} and "target" not in p.parts
    )


def _load_all(path: Path) -> list[Any]:
    with path.open() as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def _module_exists(module: str) -> bool:
    return any(ROOT.glob(f"*/*/src/{module}/__init__.py")) or any(
        ROOT.glob(f"*/src/{module}/__init__.py")
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = _load_all(DEPLOY / "compose.yaml")[0]
    return doc


@pytest.fixture(scope="module")
def k8s_docs() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, doc) for path in sorted(K8S.glob("*.yaml")) for doc in _load_all(path)]


def _by_kind(docs: list[tuple[Path, dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in docs if d.get("kind") == kind}


# ---- every file ---------------------------------------------------------------------------


def test_every_yaml_in_deploy_parses() -> None:
    files = _yaml_files()
    assert len(files) >= 10, files
    for path in files:
        assert _load_all(path), f"{path} is empty"


# ---- compose ------------------------------------------------------------------------------


def test_compose_references_existing_files(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        assert "image" in svc or "build" in svc, name
        if build := svc.get("build"):
            context = (DEPLOY / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file(), name
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in compose.get("volumes", {}), f"{name}: volume {source} undeclared"


def test_compose_dependencies_exist(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on") or []
        for dep in deps:
            assert dep in services, f"{name} depends on unknown service {dep}"


def test_compose_runs_every_service_with_its_environment(compose: dict[str, Any]) -> None:
    services = compose["services"]
    commands = {}
    for name, svc in services.items():
        command = svc.get("command") or []
        if command[:2] == ["python", "-m"]:
            commands[command[2]] = name
    assert set(commands) >= ALL_MODULES, commands
    assert "jkn_devstack" in commands, "no topic-creation service"
    for module in ALL_MODULES | {"jkn_devstack"}:
        assert _module_exists(module), f"python -m {module}: no such package in the repo"
    for module in SERVICE_MODULES:
        env = services[commands[module]]["environment"]
        assert set(env) >= SERVICE_ENV, f"{module} lacks {SERVICE_ENV - set(env)}"
        assert env["KAFKA_BOOTSTRAP_SERVERS"].split(":")[0] in services
        assert ("ENROLLMENT_RECEIPT_KEY" in env) == (module == "enrollment")


def test_compose_kafka_is_kraft_without_auto_creation(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:4.1.1"
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_compose_postgres_runs_the_generated_init_sql(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    assert pg["image"].startswith("postgres:15")
    init = "./postgres/init.sql:/docker-entrypoint-initdb.d/"
    assert any(v.startswith(init) for v in pg["volumes"])
    for service in SERVICES:
        assert service.password_env in pg["environment"], service.password_env


def test_init_sql_is_generated_from_jkn_devstack() -> None:
    committed = (DEPLOY / "postgres" / "init.sql").read_text()
    assert committed == render_init_sql("jkn"), (
        "deploy/postgres/init.sql is stale: "
        "uv run python -m jkn_devstack render-init-sql > deploy/postgres/init.sql"
    )
    for service in SERVICES:
        assert f'AUTHORIZATION "{service.role}"' in committed


def test_prometheus_scrapes_every_service(compose: dict[str, Any]) -> None:
    config = _load_all(DEPLOY / "prometheus" / "prometheus.yml")[0]
    targets = {
        t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]
    }
    for service in SERVICES:
        assert f"{service.name}:8000" in targets, service.name
    for target in targets:
        assert target.split(":")[0] in compose["services"], target


def test_prometheus_scrapes_the_services_with_a_token_of_its_own_client() -> None:
    """/metrics wants the role city-operator: Prometheus' client-credentials grant gets it,
    with the secret read from a file (realm-jkn.json's client ``prometheus``)."""
    config = _load_all(DEPLOY / "prometheus" / "prometheus.yml")[0]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "jkn-services"]
    oauth2 = job["oauth2"]
    assert oauth2["client_id"] == "prometheus"
    assert oauth2["client_secret_file"].startswith("/")
    assert "client_secret" not in oauth2, "the secret is read from a file, never written here"
    assert oauth2["token_url"].endswith("/realms/jkn/protocol/openid-connect/token")
    assert "authorization" not in job
    assert "basic_auth" not in job


def test_otel_pipelines_use_defined_components() -> None:
    config = _load_all(DEPLOY / "otel" / "collector.yaml")[0]
    pipelines = config["service"]["pipelines"]
    assert "traces" in pipelines
    for pipeline in pipelines.values():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                assert component in config[section], f"{section}/{component} undefined"
    for ext in config["service"].get("extensions", []):
        assert ext in config["extensions"]


def test_dockerfile_builds_one_image_with_uv() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "uv sync --frozen" in text


# ---- kubernetes ---------------------------------------------------------------------------


def test_every_k8s_doc_has_identity(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    assert k8s_docs
    for path, doc in k8s_docs:
        for key in ("apiVersion", "kind"):
            assert doc.get(key), f"{path.name}: document without {key}"
        assert doc.get("metadata", {}).get("name"), f"{path.name}: {doc['kind']} without a name"
        if doc["kind"] in NAMESPACED_KINDS:
            assert doc["metadata"].get("namespace") == "jkn-daerah", f"{path.name}: {doc['kind']}"


def test_kustomization_covers_every_manifest() -> None:
    kustomization = _load_all(DEPLOY / "kustomization.yaml")[0]
    resources = {(DEPLOY / r).resolve() for r in kustomization["resources"]}
    for r in resources:
        assert r.is_file(), r
    assert resources == {p.resolve() for p in K8S.glob("*.yaml")}
    for generator in kustomization.get("configMapGenerator", []):
        for entry in generator["files"]:
            assert (DEPLOY / entry.split("=")[-1]).is_file(), entry


def _pod_specs(docs: list[tuple[Path, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"])
        for _, d in docs
        if d["kind"] in {"Deployment", "StatefulSet", "Job"}
    ]


def test_workload_selectors_match_their_pods(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    labels = []
    for _, doc in k8s_docs:
        if doc["kind"] in {"Deployment", "StatefulSet"}:
            selector = doc["spec"]["selector"]["matchLabels"]
            pod_labels = doc["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= pod_labels.items(), doc["metadata"]["name"]
            labels.append(pod_labels)
    for _, doc in k8s_docs:
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"]
            assert any(selector.items() <= pl.items() for pl in labels), doc["metadata"]["name"]


def _documented_secrets() -> dict[str, set[str]]:
    """The Secrets deploy/README.md tells the operator to create: {name: keys}."""
    secrets: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in (DEPLOY / "README.md").read_text().splitlines():
        if made := re.search(r"create secret (generic|tls) ([a-z0-9-]+)", line):
            kind, name = made.groups()
            current = secrets.setdefault(name, {"tls.crt", "tls.key"} if kind == "tls" else set())
        elif current is not None and (key := re.search(r"--from-(?:literal|file)=(\w+)=", line)):
            current.add(key.group(1))
        if not line.rstrip().endswith("\\"):
            current = None
    return secrets


def test_the_operator_s_secrets_are_documented_with_their_keys() -> None:
    secrets = _documented_secrets()
    assert {"jkn-db", "jkn-secrets", "jkn-postgres-tls"} <= set(secrets)
    assert {"POSTGRES_PASSWORD", *(s.password_env for s in SERVICES)} <= secrets["jkn-db"]
    assert {"JKN_PSEUDONYM_KEY", "ENROLLMENT_RECEIPT_KEY", "BPJS_SECRET",
            "NOTIFICATIONS_WHATSAPP_APP_SECRET"} <= secrets["jkn-secrets"]  # fmt: skip


def test_config_and_secret_references_exist(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    """Every Secret a pod uses is one the operator is told to create, with that key."""
    configmaps = _by_kind(k8s_docs, "ConfigMap")
    secrets = _documented_secrets()
    kustomization = _load_all(DEPLOY / "kustomization.yaml")[0]
    generated = {g["name"] for g in kustomization["configMapGenerator"]}
    for owner, spec in _pod_specs(k8s_docs):
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if ref := source.get("configMapRef"):
                    assert ref["name"] in configmaps, f"{owner}: {ref['name']}"
                if ref := source.get("secretRef"):
                    assert ref["name"] in secrets, f"{owner}: {ref['name']}"
            for env in container.get("env", []):
                if ref := env.get("valueFrom", {}).get("secretKeyRef"):
                    assert ref["name"] in secrets, f"{owner}: {ref['name']}"
                    assert ref["key"] in secrets[ref["name"]], f"{owner}: {ref['key']}"
        for volume in spec.get("volumes", []):
            if cm := volume.get("configMap"):
                assert cm["name"] in configmaps or cm["name"] in generated, f"{owner}: {cm['name']}"
            if secret := volume.get("secret"):
                assert secret["secretName"] in secrets, f"{owner}: {secret['secretName']}"


def test_topics_and_database_jobs_present(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    commands = [
        c["command"]
        for _, spec in _pod_specs(k8s_docs)
        for c in spec["containers"]
        if "command" in c
    ]
    jobs = [d for _, d in k8s_docs if d["kind"] == "Job"]
    job_commands = [c["command"] for j in jobs for c in j["spec"]["template"]["spec"]["containers"]]
    assert ["python", "-m", "jkn_devstack", "topics"] in job_commands
    assert ["python", "-m", "jkn_devstack", "db", "jkn"] in job_commands
    assert commands


def test_service_deployments_get_their_environment(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    deployments = _by_kind(k8s_docs, "Deployment")
    config = _by_kind(k8s_docs, "ConfigMap")["jkn-config"]["data"]
    secret = _documented_secrets()["jkn-secrets"]
    for service in SERVICES:
        container = deployments[service.name]["spec"]["template"]["spec"]["containers"][0]
        module = MODULE_OF_ROLE.get(service.role, service.role)
        assert container["command"] == ["python", "-m", module]
        env = {e["name"] for e in container.get("env", [])} | set(config)
        assert service.url_env in env
        assert {
            "KAFKA_BOOTSTRAP_SERVERS",
            "JKN_TOPIC_PREFIX",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "JKN_PSEUDONYM_KEY",
        } <= env
        assert service.url_env in _env_values(container)  # composed: see the TLS test
        if service.name == "bpjs-gateway":
            assert {"BPJS_BASE_URL", "BPJS_CONS_ID", "BPJS_SECRET", "BPJS_USER_KEY"} <= env
        webhook_secrets = {"NOTIFICATIONS_WHATSAPP_APP_SECRET", "NOTIFICATIONS_SMS_WEBHOOK_SECRET"}
        assert (webhook_secrets <= env) == (service.name == "notifications")
        # the receipt-code key is Dinas Sosial's alone
        assert ("ENROLLMENT_RECEIPT_KEY" in env) == (service.name == "enrollment")
    assert "ENROLLMENT_RECEIPT_KEY" in secret
    assert "ENROLLMENT_RECEIPT_KEY" not in config
    assert config["JKN_ENV"] == "production"  # dev secrets refuse to start
    assert "otel-collector" in deployments
    statefulsets = _by_kind(k8s_docs, "StatefulSet")
    assert {"kafka", "postgres"} <= set(statefulsets)
    kafka_env = {
        e["name"]: e.get("value")
        for e in statefulsets["kafka"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


# module -> the port variable that module reads (services pass it to BusSettings explicitly,
# so a generic HTTP_PORT would be ignored).
PORT_VARIABLES = {
    "enrollment": "ENROLLMENT_HTTP_PORT",
    "verification": "VERIFICATION_HTTP_PORT",
    "bpjs_gateway": "BPJS_GATEWAY_HTTP_PORT",
    "notifications": "NOTIFICATIONS_HTTP_PORT",
    "jkn_audit": "AUDIT_HTTP_PORT",
}


def test_every_compose_service_listens_on_the_port_its_mapping_and_probes_use(
    compose: dict[str, Any],
) -> None:
    for svc in compose["services"].values():
        command = svc.get("command") or []
        if command[:2] == ["python", "-m"] and command[2] in PORT_VARIABLES:
            env = svc["environment"]
            assert env.get(PORT_VARIABLES[command[2]]) == "8000", (
                f"{command[2]} would not listen on 8000"
            )
            assert env.get("HTTP_HOST") == "0.0.0.0", f"{command[2]} would listen on loopback only"  # noqa: S104


def test_the_k8s_config_sets_every_service_s_own_port(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    config = _by_kind(k8s_docs, "ConfigMap")["jkn-config"]["data"]
    for module, variable in PORT_VARIABLES.items():
        assert config.get(variable) == "8000", f"{module} would not listen on the containerPort"


# ---- hardening: secrets, TLS, network policies ------------------------------------------


def _env_values(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def _containers(
    docs: list[tuple[Path, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    return [(owner, c) for owner, spec in _pod_specs(docs) for c in spec["containers"]]


def test_no_manifest_contains_a_placeholder_secret() -> None:
    for path in _yaml_files():
        assert "change-me" not in path.read_text().lower(), path


def test_no_secret_is_written_into_the_kubernetes_manifests(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    for path, doc in k8s_docs:
        if doc["kind"] == "Secret":
            assert not doc.get("data"), f"{path.name}: a Secret with literal data"
            assert not doc.get("stringData"), f"{path.name}: a Secret with literal data"
    config = _by_kind(k8s_docs, "ConfigMap")["jkn-config"]["data"]
    assert not [k for k in config if SECRET_NAME.search(k)], "a secret in the ConfigMap"
    for owner, container in _containers(k8s_docs):
        for name, value in _env_values(container).items():
            if SECRET_NAME.search(name):  # only composed from Secrets: $(…) for the password
                assert re.search(r":\$\([A-Z_]+\)@", value), f"{owner}: {name} is written out"


def test_environment_references_are_defined_before_use(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    """$(VAR) in an env value expands only if VAR comes earlier in the same list."""
    for owner, container in _containers(k8s_docs):
        defined: set[str] = set()
        for env in container.get("env", []):
            for ref in re.findall(r"\$\(([A-Z0-9_]+)\)", env.get("value", "")):
                from_secret = any("secretRef" in s for s in container.get("envFrom", []))
                assert ref in defined or from_secret, f"{owner}: {env['name']} uses {ref} first"
            defined.add(env["name"])


def test_database_urls_require_tls(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    urls = [
        (owner, name, value)
        for owner, container in _containers(k8s_docs)
        for name, value in _env_values(container).items()
        if name.endswith(("_DATABASE_URL", "_ADMIN_URL"))
    ]
    assert {name for _, name, _ in urls} >= {s.url_env for s in SERVICES} | {"JKN_PG_ADMIN_URL"}
    for owner, name, value in urls:
        assert re.search(r"[?&]sslmode=(require|verify-ca|verify-full)\b", value), (owner, name)


def test_postgres_serves_tls_and_takes_network_logins_only_over_it(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    postgres = _by_kind(k8s_docs, "StatefulSet")["postgres"]["spec"]["template"]["spec"]
    args = " ".join(postgres["containers"][0]["args"])
    assert "ssl=on" in args
    assert "hba_file=" in args
    assert {v["secret"]["secretName"] for v in postgres["volumes"] if "secret" in v} == {
        "jkn-postgres-tls"
    }
    hba = _by_kind(k8s_docs, "ConfigMap")["postgres-hba"]["data"]["pg_hba.conf"]
    network = [line.split() for line in hba.splitlines() if line.startswith("host")]
    assert all(rule[0] == "hostssl" or rule[3] == "127.0.0.1/32" for rule in network), hba


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        value, values = labels.get(key), expression.get("values", [])
        if (
            (operator == "In" and value not in values)
            or (operator == "NotIn" and value in values)
            or (operator == "Exists" and key not in labels)
            or (operator == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def _pod_labels(docs: list[tuple[Path, dict[str, Any]]]) -> dict[str, dict[str, str]]:
    return {
        d["metadata"]["name"]: d["spec"]["template"].get("metadata", {}).get("labels", {})
        for _, d in docs
        if d["kind"] in {"Deployment", "StatefulSet", "Job"}
    }


def _policies(docs: list[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [d for _, d in docs if d["kind"] == "NetworkPolicy"]


def _peers_of(
    docs: list[tuple[Path, dict[str, Any]]], workload: str
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(peer, ports) of every ingress rule of the policies that select ``workload``."""
    labels = _pod_labels(docs)[workload]
    return [
        (peer, rule.get("ports", []))
        for policy in _policies(docs)
        if policy["spec"]["podSelector"] and _selects(policy["spec"]["podSelector"], labels)
        for rule in policy["spec"].get("ingress", [])
        for peer in rule.get("from", [])
    ]


def _workloads_matching(docs: list[tuple[Path, dict[str, Any]]], peer: dict[str, Any]) -> set[str]:
    return {name for name, labels in _pod_labels(docs).items() if _selects(peer, labels)}


def test_ingress_is_denied_by_default(k8s_docs: list[tuple[Path, dict[str, Any]]]) -> None:
    assert any(
        p["spec"]["podSelector"] == {}
        and "Ingress" in p["spec"]["policyTypes"]
        and not p["spec"].get("ingress")
        for p in _policies(k8s_docs)
    ), "no default-deny ingress policy"


def test_every_deployment_and_statefulset_is_let_in_by_a_policy_of_its_own(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    """Under default deny, a pod no allowing policy selects is unreachable: one forgot it."""
    for _, doc in k8s_docs:
        if doc["kind"] in {"Deployment", "StatefulSet"}:
            assert _peers_of(k8s_docs, doc["metadata"]["name"]), doc["metadata"]["name"]


@pytest.mark.parametrize(
    ("store", "setup_job"), [("kafka", "kafka-topics"), ("postgres", "db-setup")]
)
def test_kafka_and_postgres_accept_only_the_services_and_their_setup_job(
    k8s_docs: list[tuple[Path, dict[str, Any]]], store: str, setup_job: str
) -> None:
    services = {s.name for s in SERVICES}
    allowed: set[str] = set()
    for peer, _ in _peers_of(k8s_docs, store):
        assert set(peer) == {"podSelector"}, f"{store}: a peer outside the namespace: {peer}"
        allowed |= _workloads_matching(k8s_docs, peer["podSelector"])
    assert allowed - {store} == services | {setup_job}


# The one call between services: enrollment reads a resident's audit history (their access
# report); every other service-to-service exchange goes through Kafka.
SERVICE_CALLS = {("enrollment", "audit")}


def test_each_service_s_http_port_is_reachable_from_the_ingress_and_prometheus_only(
    k8s_docs: list[tuple[Path, dict[str, Any]]],
) -> None:
    for service in SERVICES:
        peers = _peers_of(k8s_docs, service.name)
        callers = {
            (caller, service.name)
            for p, _ in peers
            if "namespaceSelector" not in p
            for caller in _workloads_matching(k8s_docs, p["podSelector"])
        }
        assert callers <= SERVICE_CALLS, "services talk through Kafka"
        namespaces = [p.get("namespaceSelector", {}).get("matchLabels") for p, _ in peers]
        assert {"jkn-daerah/ingress": "true"} in namespaces, service.name
        assert any(
            p.get("namespaceSelector", {}).get("matchLabels") == {"jkn-daerah/monitoring": "true"}
            and p.get("podSelector", {}).get("matchLabels")
            == {"app.kubernetes.io/name": "prometheus"}
            for p, _ in peers
        ), service.name
        assert all(port["port"] == 8000 for _, ports in peers for port in ports), service.name


def _is_dev_default(name: str, default: str) -> bool:
    listed = {v.format(service="x", role="x") for _, values in DEV_SECRETS for v in values}
    return default in listed or default.endswith("-dev") or default == "postgres"


def test_compose_holds_no_secret_but_marked_development_defaults(compose: dict[str, Any]) -> None:
    """A secret in compose is ${VARIABLE:-dev default}: overridable, and refused in production."""
    checked = 0
    for name, svc in compose["services"].items():
        env = svc.get("environment") or {}
        for key, value in env.items():
            if not SECRET_NAME.search(key):
                continue
            checked += 1
            secret = str(value)
            if key.endswith("_URL"):
                password = re.search(r"//[^:/]+:(.*)@", secret)
                assert password, f"{name}: {key} without a password reference"
                secret = password.group(1)
            default = re.fullmatch(r"\$\{([A-Z0-9_]+):-([^}]*)\}", secret)
            assert default, f"{name}: {key} is written out, not ${{VARIABLE:-default}}"
            assert _is_dev_default(key, default.group(2)), f"{name}: {key} default is not dev"
    assert checked >= 10
    for module in SERVICE_MODULES:
        svc = next(
            s for s in compose["services"].values() if s.get("command", [None] * 3)[2:3] == [module]
        )
        assert svc["environment"]["JKN_ENV"] == "${JKN_ENV:-dev}", module
