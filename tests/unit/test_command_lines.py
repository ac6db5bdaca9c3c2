"""Each command-line entry point answers `--help` and refuses an unknown argument (exit 2), touching nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from events.schemas import ASYNCAPI_PATH

ROOT = Path(__file__).resolve().parents[2]  # `python -m bench` runs from the project root
ENTRY_POINTS = ("metrics.rebuild", "metrics.projector", "events.republish", "events.tokens", "events.schemas",
                "devstack.run", "bench", "assets.worker", "assets.import_devices", "metrics.mbn",
                "training.worker",
                "tickets.worker")
# An argument each takes, so that only the unknown one can be the reason for refusing (and `keygen` would write).
KNOWN = {"events.republish": ["--schema", "tickets"], "events.tokens": ["keygen", "{tmp}/key.pem"],
         "assets.import_devices": ["{tmp}/devices.csv"], "metrics.mbn": ["load", "{tmp}/mbn.csv"]}
ENTRY_POINTS += ("metrics.kpis", "metrics.reporting")  # KPI replay; reporting views and per-tenant roles
KNOWN |= {"metrics.kpis": ["replay", "--all"], "metrics.reporting": ["grant-tenant", "city"]}


def run_all(commands: dict[str, list[str]], env: dict[str, str]) -> dict[str, subprocess.CompletedProcess]:
    """Each command as `python -m ...`, all at once (each start costs the imports)."""
    started = {name: subprocess.Popen([sys.executable, "-m", *argv], cwd=ROOT, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
               for name, argv in commands.items()}  # fmt: skip
    done = {}
    for name, proc in started.items():
        out, err = proc.communicate(timeout=60)
        done[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done


@pytest.fixture
def nowhere(tmp_path) -> dict[str, str]:
    """An environment whose database, broker and run directory do not exist: touching any of them shows."""
    return {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none", "HELPDESK_RUN_DIR":
            str(tmp_path / "run"), "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "HELPDESK_BASE_PORT": "1"}


@pytest.mark.timeout(120)
def test_every_entry_point_answers_help_with_its_usage_and_does_nothing_else(nowhere, tmp_path):
    results = run_all({name: [name, "--help"] for name in ENTRY_POINTS}, nowhere)
    for name, result in results.items():
        assert result.returncode == 0, (name, result.stderr)
        assert result.stdout.startswith(f"usage: python -m {name}"), (name, result.stdout)
    assert not (tmp_path / "run").exists()


@pytest.mark.timeout(120)
def test_every_entry_point_refuses_an_unknown_argument_with_exit_code_2_touching_nothing(nowhere, tmp_path):
    asyncapi_before = ASYNCAPI_PATH.read_bytes()
    commands = {name: [name, *(a.format(tmp=tmp_path) for a in KNOWN.get(name, [])), "--no-such-option"]
                for name in ENTRY_POINTS}
    results = run_all(commands, nowhere)
    for name, result in results.items():
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert "unrecognized arguments: --no-such-option" in result.stderr, (name, result.stderr)
    assert not (tmp_path / "run").exists()
    assert not (tmp_path / "key.pem").exists()
    assert ASYNCAPI_PATH.read_bytes() == asyncapi_before
