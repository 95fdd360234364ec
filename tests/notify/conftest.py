"""Real receivers for notification tests: an SMTP server (aiosmtpd) and HTTP receivers for Teams and
Slack webhooks, all on 127.0.0.1; and the app's settings pointed at them."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import replace
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed (requirements-dev.txt)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """What the SMTP server received: one parsed message per delivery, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]

    @property
    def recipients(self) -> list[str]:
        return sorted(r for rcpts, _ in self.messages for r in rcpts)


@pytest.fixture
def smtp_server() -> Any:
    mailbox = Mailbox()
    controller = aiosmtpd.Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port  # type: ignore[attr-defined]
    yield mailbox
    controller.stop()


class ChatReceiver:
    """A webhook receiver answering the given statuses in turn (then 202, as Teams Workflows does)."""

    def __init__(self, statuses: list[int] | None = None, ok_status: int = 202) -> None:
        self.statuses, self.received = list(statuses or []), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"body": json.loads(body), "content_type": self.headers["Content-Type"]})
                status = receiver.statuses.pop(0) if receiver.statuses else ok_status
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"busy")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/workflows/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Any:
    made: list[ChatReceiver] = []

    def make(statuses: list[int] | None = None, ok_status: int = 202) -> ChatReceiver:
        made.append(ChatReceiver(statuses, ok_status))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def mail_settings(app: Any, smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    current = app.extensions["incident_hub"]
    settings = current.settings.with_(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,  # type: ignore[attr-defined]
        smtp_starttls=False,
        mail_from="incident_hub <hub@example.org>",
        public_url="https://hub.example.org",
    )
    monkeypatch.setitem(app.extensions, "incident_hub", replace(current, settings=settings))
    return smtp_server


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text part, HTML part) of a multipart/alternative email."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def person(role: str, unit: str | None, username: str, email_address: str | None = None) -> Any:
    from incident_hub.services.admin.tokens import create_token
    from incident_hub.services.admin.users import create_user

    user = create_user(username, role, unit, "correct-horse-battery", actor="test", email=email_address)
    return user, create_token(username, "test", actor="test")[1]


def deliver_tick() -> dict[str, int]:
    """One tick of the scheduler's outbox job, as a scheduler process runs it."""
    from incident_hub.scheduler.jobs import jobs
    from incident_hub.scheduler.runner import run_tick
    from incident_hub.services.outbox import deliver_due

    job = next(j for j in jobs() if j.name == "outbox.deliver")
    counts: dict[str, int] = {}
    wrapped = replace(job, run=lambda: counts.update(deliver_due()))
    assert run_tick(wrapped, "test-scheduler")
    return counts
