"""docker-compose.yml agrees with the code: processes, settings fields, topics, ports and the image recipe.

No Docker engine is needed: the file is read with PyYAML and every expectation comes from the code
(events.SERVICES and all_topics, each service's Settings class, the operational routes).
"""

import importlib
import importlib.util
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi import FastAPI

from events import kafka
from events.contracts import SERVICES
from events.http import add_operational_routes
from events.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# Ports are not a setting: each service's uvicorn command names it, tickets first, in SERVICES order.
FIRST_PORT = 8001
PROJECTOR_MODULE = "metrics.projector"

# The Compose specification's top-level and service keys, to catch a misspelt key the engine would reject.
TOP_LEVEL_KEYS = {"name", "version", "services", "networks", "volumes", "configs", "secrets", "include", "models"}
SERVICE_KEYS = {
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command",
    "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
    "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop",
    "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
    "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck",
    "hostname", "image", "init", "ipc", "isolation", "labels", "label_file", "links", "logging", "mac_address",
    "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode", "networks",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
    "privileged", "profiles", "provider", "pull_policy", "read_only", "restart", "runtime", "scale", "secrets",
    "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs",
    "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from", "working_dir",
}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART_POLICIES = {"no", "always", "on-failure", "unless-stopped"}

# Compose interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}.
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_]\w*)|\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


# ---------------------------------------------------------------------------------------------- helpers


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def command_of(service: dict) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def interpolate(value: str) -> str:
    """The value as compose would pass it when the deployer sets every required variable (and nothing else)."""

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name, op, arg = match["bare"] or match["name"], match["op"], match["arg"]
        if op in (":?", "?"):
            return f"deployer-{name.lower().replace('_', '-')}"
        if op in (":-", "-"):
            return arg
        return ""  # unset (no default): compose substitutes the empty string, as ${NAME:+alt} does

    return _VARIABLE.sub(replace, value)


def variables(node) -> Iterator[re.Match]:
    if isinstance(node, dict):
        for value in node.values():
            yield from variables(value)
    elif isinstance(node, list):
        for value in node:
            yield from variables(value)
    elif isinstance(node, str):
        yield from (m for m in _VARIABLE.finditer(node) if not m["escaped"])


def module_of(service: dict) -> str | None:
    """The code package a compose service runs: `<pkg>.main:create_app` under uvicorn, or `python -m <pkg>.x`."""
    command = command_of(service)
    for part in command:
        if match := re.fullmatch(r"(\w+)\.main:create_app", part):
            return match[1]
    if "-m" in command[:-1]:
        return command[command.index("-m") + 1].split(".")[0]
    return None


def suite_services() -> dict[str, dict]:
    """Every compose service that runs the suite's image (built from the repository's recipe)."""
    images = {s.get("image") for s in services().values() if "build" in s}
    return {name: s for name, s in services().items() if "build" in s or s.get("image") in images}


def api_service(service: str) -> tuple[str, dict]:
    found = {n: s for n, s in suite_services().items() if f"{service}.main:create_app" in command_of(s)}
    assert len(found) == 1, f"want one compose service serving {service}.main:create_app, found {sorted(found)}"
    return next(iter(found.items()))


def settings_class(module: str) -> type[ServiceSettings]:
    return importlib.import_module(f"{module}.settings").Settings


def env_names(cls: type[ServiceSettings]) -> dict[str, str]:
    """Environment variable name -> field name, as pydantic-settings reads them (case-insensitively)."""
    prefix = cls.model_config.get("env_prefix", "")
    names = {}
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias or field.alias
        names[(alias if isinstance(alias, str) else prefix + field_name).upper()] = field_name
    return names


def settings_of(service: dict) -> ServiceSettings:
    """The Settings the process would build from the environment compose gives it."""
    cls = settings_class(module_of(service))
    names = env_names(cls)
    values = {names[key.upper()]: interpolate(value) for key, value in environment_of(service).items()}
    return cls(**values)


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for dep in depends_on(services()[todo.pop()]):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def container_ports(service: dict) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        target = port["target"] if isinstance(port, dict) else str(port).rsplit(":", 1)[-1].split("/")[0]
        ports.add(int(target))
    return ports


def option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command[:-1] else None


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Settings are built from the compose file alone, whatever the test runner's own environment says."""
    for module in SERVICES:
        for name in env_names(settings_class(module)):
            monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------------------------------------ tests


def test_compose_file_has_the_specs_shape():
    assert set(compose()) - TOP_LEVEL_KEYS == {k for k in compose() if k.startswith("x-")}
    declared_volumes = set(compose().get("volumes") or {})
    for name, service in services().items():
        assert set(service) <= SERVICE_KEYS, f"{name}: unknown keys {set(service) - SERVICE_KEYS}"
        assert "image" in service or "build" in service, name
        assert str(service.get("restart", "no")) in RESTART_POLICIES, name
        assert set(service.get("healthcheck", {})) <= HEALTHCHECK_KEYS, name
        for dep, condition in depends_on(service).items():
            assert dep in services(), f"{name} depends on unknown service {dep}"
            assert condition in DEPENDS_ON_CONDITIONS, f"{name} -> {dep}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services()[dep], f"{name} waits for {dep} to be healthy; it has no healthcheck"
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else str(volume).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_served_by_uvicorn_on_uvloop_and_httptools(service):
    name, spec = api_service(service)
    command = command_of(spec)
    assert command[:3] == ["uvicorn", "--factory", f"{service}.main:create_app"], name
    assert option(command, "--loop") == "uvloop" and option(command, "--http") == "httptools", name
    assert option(command, "--host") == "0.0.0.0", name
    assert callable(importlib.import_module(f"{service}.main").create_app)


def test_the_projector_runs_as_its_own_process():
    found = [n for n, s in suite_services().items() if command_of(s) == ["python", "-m", PROJECTOR_MODULE]]
    assert len(found) == 1, found
    assert not services()[found[0]].get("profiles"), "the projector must start with the stack"
    assert importlib.util.find_spec(PROJECTOR_MODULE) is not None


def test_every_suite_service_runs_a_known_package():
    for name, spec in suite_services().items():
        assert module_of(spec) in SERVICES, f"{name} runs {command_of(spec)}"


@pytest.mark.parametrize("name", sorted(suite_services()))
def test_environment_names_are_settings_fields(name):
    spec = suite_services()[name]
    cls = settings_class(module_of(spec))
    unknown = {key for key in environment_of(spec) if key.upper() not in env_names(cls)}
    assert not unknown, f"{name} sets {sorted(unknown)}, which {cls.__module__}.Settings does not read"


@pytest.mark.parametrize("name", sorted(suite_services()))
def test_environment_values_make_production_settings(name):
    spec = suite_services()[name]
    settings = settings_of(spec)  # validates every value against its field's type
    defaults = type(settings).model_fields
    assert settings.service == module_of(spec), "SERVICE must not be overridden: it names the schema and topic"
    assert settings.kafka_idempotent_producer, "real Kafka grants producer ids"
    assert settings.auth_issuer != defaults["auth_issuer"].default, "the dev issuer must not reach production"
    assert settings.auth_key or settings.auth_jwks_url, "tokens need a key or a JWKS URL"
    # The servers named in the settings are compose services this one waits for.
    hosts = {urlsplit(settings.database_url).hostname}
    hosts |= {server.rsplit(":", 1)[0] for server in settings.kafka_bootstrap_servers.split(",")}
    for host in hosts:
        assert host in services(), f"{name} connects to {host}, which is not a compose service"
        assert host in reachable(name), f"{name} does not wait for {host}"


def test_services_share_one_database_in_separate_schemas():
    suite = [settings_of(spec) for spec in suite_services().values()]
    assert len({s.database_url for s in suite}) == 1
    schemas = [settings_of(api_service(service)[1]).schema for service in SERVICES]
    metrics = settings_of(api_service("metrics")[1])
    assert len(set(schemas)) == len(schemas), schemas
    assert metrics.projection not in schemas


def test_every_interpolated_variable_has_a_default_or_is_required():
    loose = {m["bare"] or m["name"] for m in variables(compose()) if m["bare"] or not m["op"]}
    assert not loose, f"an unset {sorted(loose)} would silently become the empty string"


def topic_init() -> tuple[str, dict]:
    """The one-shot service every suite service waits to complete: it creates the topics."""
    waited = {
        dep
        for spec in suite_services().values()
        for dep, condition in depends_on(spec).items()
        if condition == "service_completed_successfully"
    }
    assert len(waited) == 1, waited
    name = waited.pop()
    assert all(depends_on(s).get(name) == "service_completed_successfully" for s in suite_services().values())
    return name, services()[name]


def test_topic_creation_creates_exactly_the_codes_topics():
    name, spec = topic_init()
    env = {key: interpolate(value) for key, value in environment_of(spec).items()}
    scripts = [ROOT / str(v).split(":")[0] for v in spec.get("volumes", []) if str(v).startswith("./")]
    assert len(scripts) == 1 and scripts[0].is_file(), f"{name} should mount its script from the repository"
    script = scripts[0].read_text()
    assert "kafka-topics.sh" in script and "--create" in script and "--if-not-exists" in script
    assert Path(command_of(spec)[-1]).name == scripts[0].name, f"{name} should run the script it mounts"
    for key in env:
        assert re.search(rf"\$\{{?{key}\b", script), f"{name} sets {key}, which {scripts[0].name} never reads"
    created = env["TOPICS"].split()
    assert len(created) == len(set(created))
    for service, spec_ in suite_services().items():
        settings = settings_of(spec_)
        assert sorted(created) == sorted(kafka.all_topics(settings)), service
        assert int(env["PARTITIONS"]) == settings.kafka_topic_partitions, service
    assert int(env["REPLICATION_FACTOR"]) >= 1


@pytest.mark.parametrize("service", SERVICES)
def test_ports_and_readiness_checks(service):
    name, spec = api_service(service)
    expected = FIRST_PORT + SERVICES.index(service)
    assert option(command_of(spec), "--port") == str(expected), name
    assert container_ports(spec) == {expected}, name
    probe = " ".join(map(str, spec["healthcheck"]["test"]))
    url = re.search(r"https?://[\w.\-]+:(\d+)(/[\w/]*)", probe)
    assert url, f"{name}: no readiness URL in {probe}"
    app = FastAPI()
    add_operational_routes(app)
    assert (int(url[1]), url[2]) == (expected, "/readyz"), name
    assert "/readyz" in {route.path for route in app.routes}


def recipe() -> Path:
    recipes = {(s["build"]["context"], s["build"]["dockerfile"]) for s in services().values() if "build" in s}
    assert len(recipes) == 1, f"one image recipe for the suite, found {recipes}"
    context, dockerfile = recipes.pop()
    return ROOT / context / dockerfile


def packages() -> set[str]:
    return {p.parent.relative_to(ROOT).as_posix() for p in ROOT.glob("services/*/pyproject.toml")} | {"libs/events"}


def test_build_recipe_installs_every_package_as_non_root():
    path = recipe()
    assert path.is_file(), path
    assert path.resolve().parent == (ROOT / "infra").resolve()
    text = path.read_text()
    assert packages() == {f"services/{s}" for s in SERVICES} | {"libs/events"}, "a package the suite lacks"
    for package in sorted(packages()):
        assert re.search(rf"\./{package}\b", text), f"{path.name} does not install {package}"
    assert "-c constraints.txt" in text, "installs must use the pinned versions"
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the image must run as a non-root user"
    final_base = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)[-1]
    assert final_base.startswith("python:3.11"), final_base


def test_the_image_keeps_the_data_folders_the_apps_open():
    """A wheel carries only files matching package-data: a folder with none vanishes, and listing it fails."""
    text = recipe().read_text()
    for package in sorted(packages()):
        if re.search(rf"-e\s+\./{package}\b", text):
            continue  # editable: the image keeps the source tree
        pyproject = tomllib.loads((ROOT / package / "pyproject.toml").read_text())
        package_data = pyproject["tool"]["setuptools"].get("package-data", {})
        for module, patterns in package_data.items():
            for pattern in patterns:
                found = list((ROOT / package / "src" / module).glob(pattern))
                assert found, f"{package}: nothing matches {module}/{pattern}; install it editable or add a file"


def test_the_name_mapping_agrees_with_pydantic_settings(monkeypatch):
    """The test's own environment-name mapping is how the Settings classes really read the environment."""
    cls = settings_class("tickets")
    environ = {"KAFKA_TOPIC_PREFIX": "x.", "KAFKA_TOPIC_PARTITIONS": "9", "AUTH_JWKS_URL": "https://idp/jwks"}
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    settings = cls()
    assert {key: getattr(settings, env_names(cls)[key]) for key in environ} == {
        "KAFKA_TOPIC_PREFIX": "x.", "KAFKA_TOPIC_PARTITIONS": 9, "AUTH_JWKS_URL": "https://idp/jwks"
    }
