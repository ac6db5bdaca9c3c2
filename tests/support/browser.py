"""The suite served on loopback ports for a real browser (pages call each service's API across origins), and
Debian's Chromium driven headless by Playwright."""

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from playwright.async_api import Browser, async_playwright

from devstack.ports import LOCALHOST, free_port
from metrics.projector import run_projector
from support.apps import running
from support.suite import app_factory, settings_class

CHROMIUM = "/usr/bin/chromium"  # Debian's package; `make test` installs it
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"


@dataclass
class ServedSuite:
    """`urls` by service; `clients` speak HTTP to each, as a technician's tools would."""

    urls: dict[str, str]
    clients: dict[str, httpx.AsyncClient]


@contextlib.asynccontextmanager
async def served_suite(settings_for, *services: str, broker: bool = False) -> AsyncIterator[ServedSuite]:
    """`services` on their own loopback ports, each knowing where the others are (and so letting their pages in);
    with `broker`, relays publish and the metrics projector runs."""
    ports = {service: free_port() for service in services}
    urls = {service: f"http://{LOCALHOST}:{port}" for service, port in ports.items()}
    async with contextlib.AsyncExitStack() as stack:
        for service in services:
            settings = settings_for(settings_class(service), relay_enabled=broker, service_urls=urls)
            await stack.enter_async_context(_serving(app_factory(service)(settings), ports[service]))
            if service == "metrics" and broker:
                await stack.enter_async_context(running(run_projector(settings)))
        clients = {s: await stack.enter_async_context(httpx.AsyncClient(base_url=url)) for s, url in urls.items()}
        yield ServedSuite(urls, clients)


@contextlib.asynccontextmanager
async def _serving(app, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host=LOCALHOST, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # the server failed to start: say why
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Debian Chromium; a machine without it fails here, naming the fix."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
