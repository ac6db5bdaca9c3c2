"""The suite wired end to end in the test process: tickets and metrics apps over HTTP, projector running."""

from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from metrics.main import create_app as metrics_app
from metrics.projector import run_projector
from metrics.settings import Settings as MetricsSettings
from support.apps import running, serving
from tickets.main import create_app as tickets_app
from tickets.settings import Settings as TicketsSettings


@dataclass
class Suite:
    tickets: httpx.AsyncClient
    metrics: httpx.AsyncClient
    tickets_settings: TicketsSettings
    metrics_settings: MetricsSettings
    tickets_app: FastAPI
    metrics_app: FastAPI


@pytest.fixture
async def suite(settings_for, db):
    tickets_settings, metrics_settings = settings_for(TicketsSettings), settings_for(MetricsSettings)
    apps = tickets_app(tickets_settings), metrics_app(metrics_settings)
    async with serving(apps[0]) as tickets, serving(apps[1]) as metrics, running(run_projector(metrics_settings)):
        yield Suite(tickets, metrics, tickets_settings, metrics_settings, *apps)
