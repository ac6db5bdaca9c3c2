"""Mail out of the suite: a plain-text message sent through an SMTP server, and when to try again after a failure.

Sending is blocking I/O (stdlib `smtplib`), so it runs in a worker thread; callers send from a periodic job
over an outbox table, never inside a request's or a consumer's transaction.
"""

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from events.settings import ServiceSettings

FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 3600.0


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    reference: str = ""  # names what the mail is about in its headers (a notice id), for threading and support


def message_of(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    # One line, whatever the subject holds: a line break in a header would start another header.
    message["From"], message["To"], message["Subject"] = sender, mail.to, " ".join(mail.subject.split())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if mail.reference:
        message["X-Helpdesk-Reference"] = mail.reference
    message.set_content(mail.body)
    return message


def mail_enabled(settings: ServiceSettings) -> bool:
    """Without a mail server configured, mail waits in its outbox until one is."""
    return bool(settings.smtp_host)


async def send(settings: ServiceSettings, mail: Mail) -> None:
    """Hand the mail to the configured SMTP server; raises (SMTPException, OSError) when it was not taken."""
    await asyncio.to_thread(
        _send,
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_timeout_seconds,
        message_of(mail, settings.mail_from),
    )


def _send(host: str, port: int, timeout: float, message: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=timeout) as client:
        client.send_message(message)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling from 10 s, at most an hour."""
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** min(max(attempts - 1, 0), 20))
