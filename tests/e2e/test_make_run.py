"""`python -m devstack.run` (what `make run` calls) serves the whole suite, restarts what crashes, and leaves no
process behind."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from events.contracts import SERVICES
from support.builders import ticket_request

ROLES = ("STAFF", "TECHNICIAN", "MANAGER", "AUDITOR", "REPORTING")
BASE_PORT = 28001  # away from a developer's `make run` on 8001; the runner moves up past taken ports anyway


@pytest.fixture
def run_dir():
    # Not tmp_path: pytest makes it 0700, and Postgres, run as `nobody` when we are root, must reach pgdata inside.
    path = Path(tempfile.mkdtemp(prefix="helpdesk-make-run-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def start_runner(run_dir: Path, output: Path) -> subprocess.Popen:
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.run", "--run-dir", str(run_dir), "--base-port", str(BASE_PORT)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    proc.output = output
    return proc


@pytest.fixture
def runner(run_dir, tmp_path):
    """The runner, started; if the test fails half-way, it is stopped as a developer would stop it."""
    proc = start_runner(run_dir, tmp_path / "runner.out")
    yield proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_make_run_serves_every_service_and_stops_cleanly_on_sigterm(runner, run_dir, tmp_path):
    stack = wait_for_stack_env(runner, run_dir / "stack.env", within=60)
    assert {f"{role}_TOKEN" for role in ROLES} <= stack.keys()
    for process in (*(name.upper() for name in SERVICES), "PROJECTOR"):
        assert httpx.get(f"{stack[f'{process}_URL']}/healthz").status_code == 200, process
    assert "metrics.projector" in httpx.get(f"{stack['PROJECTOR_URL']}/readyz").json()
    staff = {"Authorization": f"Bearer {stack['STAFF_TOKEN']}"}
    opened = httpx.post(f"{stack['TICKETS_URL']}/tickets", json=ticket_request(), headers=staff)
    assert opened.status_code == 201, opened.text
    listed = httpx.get(f"{stack['TICKETS_URL']}/tickets", headers=staff).json()
    assert len(listed) >= 4, listed  # the demo tickets and ours
    laptops = httpx.get(f"{stack['ASSETS_URL']}/devices", headers=staff).json()["items"]
    assert [laptop["asset_tag"] for laptop in laptops] == ["DEMO-0001"]  # the desk page offers it to them
    links = dict(wait_until(lambda: re.findall(r"^  (\w+) +(http\S+)$", runner.output.read_text(), re.M), 10, runner))
    assert links.keys() == {role.lower() for role in ROLES}
    assert links["staff"] == f"{stack['TICKETS_URL']}/desk#access_token={stack['STAFF_TOKEN']}"
    assert links["manager"] == f"{stack['METRICS_URL']}/dashboard#access_token={stack['MANAGER_TOKEN']}"
    desk = httpx.get(links["staff"].split("#")[0])
    assert desk.status_code == 200 and "IT service desk" in desk.text
    config = httpx.get(f"{stack['TICKETS_URL']}/desk/config.json").json()
    assert config["services"]["assets"] == stack["ASSETS_URL"]  # where the page finds the staff's devices
    started = started_pids(run_dir)
    second = start_runner(run_dir, tmp_path / "second.out")
    assert second.wait(15) == 1, second.output.read_text()
    assert "another runner is using" in second.output.read_text()
    assert (run_dir / "stack.env").exists()  # the refused runner cleaned up nothing of ours

    runner.send_signal(signal.SIGTERM)

    assert runner.wait(15) == 0, runner.output.read_text()
    assert survivors(started, run_dir) == []
    assert "Ctrl-C stops everything" in runner.output.read_text()


@pytest.mark.e2e
@pytest.mark.timeout(180)
def test_make_run_restarts_a_killed_projector_and_a_ticket_opened_meanwhile_reaches_the_audit_history(runner, run_dir):
    stack = wait_for_stack_env(runner, run_dir / "stack.env", within=60)
    started = started_pids(run_dir)
    killed = pid_of(run_dir, "projector")

    os.kill(killed, signal.SIGKILL)
    staff = {"Authorization": f"Bearer {stack['STAFF_TOKEN']}"}
    opened = httpx.post(f"{stack['TICKETS_URL']}/tickets", json=ticket_request(), headers=staff)
    assert opened.status_code == 201, opened.text

    restarted = wait_until(lambda: pid_of(run_dir, "projector") != killed and pid_of(run_dir, "projector"), 30, runner)
    assert restarted != killed
    auditor = {"Authorization": f"Bearer {stack['AUDITOR_TOKEN']}"}
    audit_url = f"{stack['METRICS_URL']}/audit"

    def history() -> list[str]:
        entries = httpx.get(audit_url, params={"entity_id": opened.json()["id"]}, headers=auditor).json()
        return [entry["event_type"] for entry in entries]

    assert wait_until(history, 60, runner) == ["tickets.ticket_opened"]
    assert "projector exited unexpectedly (signal SIGKILL)" in runner.output.read_text()
    everything = started | started_pids(run_dir)

    runner.send_signal(signal.SIGTERM)

    assert runner.wait(15) == 0, runner.output.read_text()
    assert survivors(everything, run_dir) == []


def pid_of(run_dir: Path, name: str) -> int:
    return {line.split()[0]: int(line.split()[1]) for line in (run_dir / "pids").read_text().splitlines()}[name]


def wait_until(probe, within: float, proc: subprocess.Popen):
    """The first truthy answer of `probe`, polled while the runner lives, within `within` seconds."""
    deadline = time.monotonic() + within
    while not (answer := probe()):
        assert proc.poll() is None, f"runner exited with {proc.returncode}:\n{proc.output.read_text()}"
        assert time.monotonic() < deadline, f"still {answer!r} after {within}s:\n{proc.output.read_text()}"
        time.sleep(0.2)
    return answer


def wait_for_stack_env(proc: subprocess.Popen, path: Path, within: float) -> dict[str, str]:
    deadline = time.monotonic() + within
    while not path.exists():
        assert proc.poll() is None, f"runner exited with {proc.returncode}:\n{proc.output.read_text()}"
        assert time.monotonic() < deadline, f"no {path} after {within}s:\n{proc.output.read_text()}"
        time.sleep(0.1)
    return dict(word.split("=", 1) for word in shlex.split(path.read_text()))


def started_pids(run_dir: Path) -> set[int]:
    """The runner's children, Postgres and the broker; each leads its own process group."""
    return {int(line.split()[1]) for line in (run_dir / "pids").read_text().splitlines()}


def survivors(groups: set[int], run_dir: Path) -> list[str]:
    """Processes still in one of those groups, or naming the run dir (Postgres' -D) on their command line."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and (description := _in_stack(proc, groups, str(run_dir))):
            found.append(description)
    return found


def _in_stack(proc: Path, groups: set[int], run_dir: str) -> str | None:
    try:
        stat = (proc / "stat").read_text()
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # it exited while we looked
        return None
    pgid = int(stat.rsplit(")", 1)[1].split()[2])  # fields after "(comm)": state, ppid, pgrp
    if pgid in groups or int(proc.name) in groups or run_dir in cmdline:
        return f"{proc.name} (pgid {pgid}): {cmdline}"
    return None

