"""`make run`: the dev stack, the four services and their workers, demo data and a token per role, until Ctrl-C.

A service or a worker that crashes is started again (after 1 s, doubling up to 30 s while it keeps crashing)."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shlex
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devstack._children import Child, exited, respawn, restart_delay, spawn, stop_children
from devstack._process import ServiceStartError, log_tail
from devstack._signals import Shutdown, on_signals, request_shutdown, signals_held
from devstack.broker import start_broker
from devstack.ports import LOCALHOST, free_port
from devstack.postgres import start_postgres
from devstack.smtp import start_smtp
from events.contracts import SERVICES  # ports base-port, +1, +2, +3
from events.settings import ServiceSettings
from events.tokens import mint, new_signing_key, public_key_of

ROLES = ("staff", "technician", "manager", "auditor", "reporting")
TENANT = "demo-city"
TOKEN_TTL = 12 * 3600
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
POLL = 0.1
# Consumer processes, by child name: no API, but each its /healthz, /readyz and /metrics on its own WORKER_PORT.
WORKERS = {"projector": "metrics.projector", "assets_worker": "assets.worker", "training_worker": "training.worker",
           "tickets_worker": "tickets.worker"}
DEMO_TICKET_FIELDS = ("subject", "description", "category", "impact", "urgency")
DEMO_TICKETS = [
    ("Printer jam on the 3rd floor", "Tray 2 jams on every job.", "hardware", "low", "high"),
    ("Cannot log in to the permits portal", "My password expired.", "password_reset", "medium", "medium"),
    ("Wi-Fi drops in the council chamber", "Every ten minutes or so.", "network", "high", "medium"),
]


class StackError(RuntimeError):
    """A service failed to start; the message carries its log tail."""


@dataclass
class Stack:
    run_dir: Path
    infra: list[Any] = field(default_factory=list)  # EmbeddedPostgres / EmbeddedBroker, stopped after the children
    children: list[Child] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return self.run_dir / "logs"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stack = Stack(args.run_dir.absolute())
    if not lock(stack.run_dir):
        print(f"error: another runner is using {stack.run_dir}", file=sys.stderr)
        return 1
    on_signals(request_shutdown)
    try:
        run(stack, args.base_port)  # returns only by an exception
    except Shutdown:
        pass
    except (ServiceStartError, StackError) as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        # Clean-up is bounded by timeouts and SIGKILL, so a second Ctrl-C must not cut it short.
        on_signals(signal.SIG_IGN)
        stop(stack)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.run", description=__doc__)
    parser.add_argument("--run-dir", type=Path, default=os.environ.get("HELPDESK_RUN_DIR") or project_root() / ".run",
                        help="keys, logs, pgdata, stack.env (env HELPDESK_RUN_DIR; default <project>/.run)")
    parser.add_argument("--base-port", type=int, default=int(os.environ.get("HELPDESK_BASE_PORT", "8001")),
                        help="tickets' port; assets, training, metrics follow (env HELPDESK_BASE_PORT)")
    return parser.parse_args(argv)


def project_root() -> Path:
    # The editable install runs this file from <root>/infra/devstack/src/devstack; anything else uses the cwd.
    root = Path(__file__).resolve().parents[4]
    return root if (root / "Makefile").is_file() else Path.cwd()


def lock(run_dir: Path) -> bool:
    """Hold the run dir for our lifetime: a second runner must neither start nor clean up the first one's files."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / "lock", os.O_WRONLY | os.O_CREAT, 0o600)  # left open on purpose; exit releases it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def run(stack: Stack, base_port: int) -> None:
    started = time.monotonic()
    stack.logs.mkdir(parents=True, exist_ok=True)  # not pgdata: start_postgres creates and owns that
    (stack.run_dir / "stack.env").unlink(missing_ok=True)  # a stale one must not look like a running stack
    private_key = signing_key(stack.run_dir / "dev-signing-key.pem")
    env = child_env(stack, public_key_of(private_key))
    urls = start_services(stack, env, base_port)
    tokens = role_tokens(private_key)
    load_demo_data(urls, tokens)
    shown = {f"{name.upper()}_URL": url for name, url in urls.items()}
    shown |= {key: env[key] for key in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    shown |= {key: env[key] for key in ("SMTP_HOST", "SMTP_PORT", "MAIL_DIR") if key in env}  # mailed notices
    announce(stack, shown | tokens, time.monotonic() - started)
    print(sign_in_links(urls, tokens), flush=True)
    supervise(stack)


def signing_key(path: Path) -> str:
    """The dev ES256 private key, made once: restarts keep tokens in stack.env-sourced shells valid."""
    if not path.exists():
        write_private(path, new_signing_key()[0])
    return path.read_text()


def write_private(path: Path, text: str) -> None:
    """Write a file only we can read, atomically: whoever waits for stack.env never reads half of it."""
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does nothing for a leftover from an interrupted run
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(partial, path)


def child_env(stack: Stack, public_key: str) -> dict[str, str]:
    env = dict(os.environ, AUTH_KEY=public_key, LOG_LEVEL=os.environ.get("LOG_LEVEL", "info"),
               AUTH_ISSUER=auth_setting("issuer"), AUTH_AUDIENCE=auth_setting("audience"))  # fmt: skip
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or embedded_postgres(stack)
    env.update({} if os.environ.get("SMTP_HOST") else embedded_smtp(stack))
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        env.setdefault("KAFKA_IDEMPOTENT_PRODUCER", "true")
        return env
    # The embedded broker grants no producer ids; short sessions make a restarted worker rejoin quickly;
    # it starts empty every time, so the stores (kept in .run/pgdata) fill it again.
    env.update(KAFKA_BOOTSTRAP_SERVERS=embedded_broker(stack), KAFKA_IDEMPOTENT_PRODUCER="false",
               KAFKA_SESSION_TIMEOUT_MS="2000", KAFKA_HEARTBEAT_INTERVAL_MS="500",
               REPUBLISH_ON_START="true")  # fmt: skip
    return env


def auth_setting(name: str) -> str:
    """AUTH_ISSUER / AUTH_AUDIENCE as the services will read them: from our environment, else their default."""
    return os.environ.get(f"AUTH_{name.upper()}") or ServiceSettings.model_fields[f"auth_{name}"].default


def embedded_postgres(stack: Stack) -> str:
    server = start_postgres(data_dir=stack.run_dir / "pgdata", log_path=stack.logs / "postgres.log")
    stack.infra.append(server)
    return server.dsn


def embedded_smtp(stack: Stack) -> dict[str, str]:
    """A local SMTP server for the services' mail (notices), keeping each message as .eml under .run/mail."""
    server = start_smtp(mail_dir=stack.run_dir / "mail", log_path=stack.logs / "smtp.log")
    stack.infra.append(server)
    return {"SMTP_HOST": server.host, "SMTP_PORT": str(server.port), "MAIL_DIR": str(server.mail_dir)}


def embedded_broker(stack: Stack) -> str:
    broker = start_broker(port=free_port(9092), log_path=stack.logs / "broker.log")
    stack.infra.append(broker)
    return broker.bootstrap_servers


def start_services(stack: Stack, env: dict[str, str], base_port: int) -> dict[str, str]:
    """Start everything at once (each migrates its own schema), then wait for each /readyz."""
    ports = pick_ports(base_port)
    urls = {name: f"http://{LOCALHOST}:{port}" for name, port in ports.items()}
    # The pages call every service from the browser: where each is (each then lets the others' pages in).
    env = {**env, "SERVICE_URLS": json.dumps({name: urls[name] for name in SERVICES})}
    for name in SERVICES:
        with signals_held():
            stack.children.append(spawn(name, uvicorn_command(name, ports[name]), env, stack.logs))
    for name, module in WORKERS.items():
        with signals_held():
            stack.children.append(spawn(name, [sys.executable, "-m", module], {**env, "WORKER_PORT": str(ports[name])},
                                        stack.logs))
    write_pids(stack)
    deadline = time.monotonic() + READY_TIMEOUT
    for child in stack.children:
        wait_ready(child, urls[child.name], deadline)
    return urls


def pick_ports(base_port: int) -> dict[str, int]:
    # Each choice starts above the previous one: free_port cannot see ports we picked but nobody bound yet.
    ports: dict[str, int] = {}
    for offset, name in enumerate((*SERVICES, *WORKERS)):
        ports[name] = free_port(max([base_port + offset, *(p + 1 for p in ports.values())]))
    return ports


def uvicorn_command(name: str, port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "--factory", f"{name}.main:create_app", "--host", LOCALHOST,
            "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
            "--log-level", "warning"]  # fmt: skip


def write_pids(stack: Stack) -> None:
    pids = [*(f"{type(i).__name__} {i.pid}" for i in stack.infra), *(f"{c.name} {c.proc.pid}" for c in stack.children)]
    write_private(stack.run_dir / "pids", "".join(f"{line}\n" for line in pids))


def wait_ready(child: Child, url: str, deadline: float) -> None:
    while not answers(f"{url}/readyz"):
        if ended := exited(child):
            raise failure(f"{child.name} ended during start-up ({ended})", child)
        if time.monotonic() > deadline:
            raise failure(f"{child.name} not ready at {url}/readyz after {READY_TIMEOUT:.0f}s", child)
        time.sleep(POLL)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def failure(message: str, child: Child) -> StackError:
    return StackError(f"{message}; log {child.log_path}:\n{log_tail(child.log_path)}")


def role_tokens(private_key: str) -> dict[str, str]:
    return {f"{role.upper()}_TOKEN": role_token(private_key, role) for role in ROLES}


def role_token(private_key: str, role: str) -> str:
    return mint(private_key, subject=f"demo-{role}", tenant=TENANT, roles=[role], ttl_seconds=TOKEN_TTL,
                issuer=auth_setting("issuer"), audience=auth_setting("audience"))  # fmt: skip


# The page each role works in; the desk is staff's, technicians may open tickets there too.
PAGES = {"staff": ("tickets", "desk"), "technician": ("tickets", "desk"), "manager": ("metrics", "dashboard"),
         "auditor": ("metrics", "dashboard"), "reporting": ("metrics", "dashboard")}


def sign_in_links(urls: dict[str, str], tokens: dict[str, str]) -> str:
    """A development link per role that signs the browser in with that role's token (an OIDC deployment signs in
    at its issuer instead); the token rides in the fragment, which the browser never sends to a server."""
    links = [f"  {role:<11}{urls[service]}/{page}#access_token={tokens[f'{role.upper()}_TOKEN']}"
             for role, (service, page) in PAGES.items()]
    return "sign in to the pages (development links, valid 12 hours):\n" + "\n".join(links)


def load_demo_data(urls: dict[str, str], tokens: dict[str, str]) -> None:
    """Open the demo tickets and give the demo staff member a laptop; fixed Idempotency-Keys make a restart answer
    the first result instead (and a laptop registered before the keys expired is left as it is)."""
    for number, values in enumerate(DEMO_TICKETS, 1):
        ticket = dict(zip(DEMO_TICKET_FIELDS, values, strict=True))
        demo_call(f"{urls['tickets']}/tickets", ticket, tokens["STAFF_TOKEN"], f"demo-ticket-{number}")
    laptop = demo_call(f"{urls['assets']}/devices", DEMO_LAPTOP, tokens["TECHNICIAN_TOKEN"], "demo-laptop",
                       already=409)  # fmt: skip
    if laptop is not None:
        demo_call(f"{urls['assets']}/devices/{laptop['id']}/assign", {"person_id": "demo-staff"},
                  tokens["TECHNICIAN_TOKEN"], "demo-laptop-assigned")  # fmt: skip


DEMO_LAPTOP = {"asset_tag": "DEMO-0001", "kind": "laptop", "holds_storage": True, "manufacturer": "Dell",
               "model": "Latitude 7440"}


def demo_call(url: str, body: dict, token: str, key: str, already: int | None = None) -> dict | None:
    """POST one piece of demo data; `already` is the status saying it exists (then None)."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    response = httpx.post(url, json=body, headers=headers, timeout=10)
    if response.status_code == already:
        return None
    if response.status_code not in (200, 201):
        raise StackError(f"demo data {key}: {response.status_code} {response.text}")
    return response.json()


def announce(stack: Stack, values: dict[str, str], seconds: float) -> None:
    lines = "".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items())
    stack_env = stack.run_dir / "stack.env"
    write_private(stack_env, lines)  # it holds bearer tokens
    print(f"logs in {stack.logs}: {', '.join(sorted(path.name for path in stack.logs.glob('*.log')))}", flush=True)
    print(f"ready in {seconds:.1f}s; `source {stack_env}` for these:\n{lines}\nCtrl-C stops everything.", flush=True)


def supervise(stack: Stack) -> None:
    """Wait for a signal; a child that dies on its own is reported and started again after a pause."""
    due: dict[str, float] = {}  # crashed children, by when to start them again
    while True:
        for index, child in enumerate(stack.children):
            if child.name in due and time.monotonic() >= due[child.name]:
                del due[child.name]
                restart(stack, index)
            elif child.name not in due and (ended := exited(child)):
                due[child.name] = time.monotonic() + report_crash(child, ended)
        time.sleep(POLL * 2)


def report_crash(child: Child, ended: str) -> float:
    delay = restart_delay(child)
    print(f"{child.name} exited unexpectedly ({ended}); restarting it in {delay:.0f}s (crash {child.crashes} in a"
          f" row); log {child.log_path}:\n{log_tail(child.log_path, 10)}", file=sys.stderr, flush=True)
    return delay


def restart(stack: Stack, index: int) -> None:
    with signals_held():
        stack.children[index] = respawn(stack.children[index])
        write_pids(stack)
    child = stack.children[index]
    print(f"{child.name} restarted (pid {child.proc.pid})", flush=True)


def stop(stack: Stack) -> None:
    """Services and workers first (they use the servers), then the broker, then Postgres."""
    stop_children(stack.children, STOP_TIMEOUT)
    for server in reversed(stack.infra):
        server.stop()
    for name in ("stack.env", "pids"):
        (stack.run_dir / name).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
