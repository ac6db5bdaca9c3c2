"""A TCP proxy a test can cut: a database outage for one process, without stopping the shared Postgres."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from devstack import free_port


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`; `cut()` drops every connection and refuses new ones until `restore()`."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()
        self.pipes: set[asyncio.Task] = set()

    async def restore(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def cut(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        for writer in self.links:
            writer.transport.abort()  # as a crashed server or a pulled cable would: no goodbye

    async def close(self) -> None:
        await self.cut()
        for pipe in self.pipes:
            pipe.cancel()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links |= {writer, upstream_writer}
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(_pipe(source, sink))
            self.pipes.add(task)
            task.add_done_callback(self.pipes.discard)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


@contextlib.asynccontextmanager
async def proxied(database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A proxy in front of the database, and the URL that goes through it."""
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    await proxy.restore()
    user = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
    try:
        yield proxy, urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))
    finally:
        await proxy.close()
