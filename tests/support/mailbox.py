"""A real SMTP server on a free loopback port (aiosmtpd), keeping every message it takes for the test to read."""

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from devstack.ports import LOCALHOST, free_port


@dataclass
class Mailbox:
    """What the server took: each message as sent, with the recipients of its SMTP envelope."""

    host: str
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refusing: bool = False  # while set, every message is refused with a temporary failure (451)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for recipients, message in self.received if address in recipients]

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook, on its own thread
        if self.refusing:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@contextlib.contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    mailbox = Mailbox(LOCALHOST, free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
