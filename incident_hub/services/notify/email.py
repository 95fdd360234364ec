"""Email over SMTP (SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS, MAIL_FROM):
a text and an HTML part, a link back to the object and `List-Unsubscribe` to the preferences page
(RFC 2369; RFC 8058 one-click is not offered, since changing preferences needs a signed-in person).
The Message-ID is derived from the outbox row, so a resend after a crash is recognisably the same."""

from __future__ import annotations

import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from incident_hub.models import OutboxMessage
from incident_hub.runtime import settings
from incident_hub.services.notify.attempt import Attempt
from incident_hub.services.notify.render import Rendered, email_message, user_of

TIMEOUT_SECONDS = 30


def build_email(to: str, rendered: Rendered, message_id: str) -> EmailMessage:
    s = settings()
    mail = EmailMessage()
    mail["From"] = s.mail_from
    mail["To"] = to
    mail["Subject"] = rendered.subject
    mail["Date"] = formatdate(usegmt=True)
    # The outbox row's id and nothing else (email.utils.make_msgid adds the time and a random number,
    # which made a resend after a crash look like a new message).
    mail["Message-ID"] = f"<{message_id}@incident-hub>"
    mail["List-Unsubscribe"] = f"<{s.public_url}/settings/notifications>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    return mail


def smtp_send(mail: EmailMessage) -> Attempt:
    s = settings()
    if not s.smtp_host:
        return Attempt(False, None, "SMTP_HOST is not set: email cannot be sent")
    try:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            refused = smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        return Attempt(False, _first_code(exc.recipients), "recipient refused", permanent=True)
    except smtplib.SMTPResponseException as exc:
        return Attempt(False, exc.smtp_code, _text(exc.smtp_error), permanent=500 <= exc.smtp_code < 600)
    except (smtplib.SMTPException, OSError) as exc:
        return Attempt(False, None, f"{exc.__class__.__name__}: {exc}"[:500])
    if refused:
        return Attempt(False, _first_code(refused), "recipient refused", permanent=True)
    return Attempt(True, 250)


def _first_code(refused: dict[str, Any]) -> int | None:
    for code, _ in refused.values():
        return int(code)
    return None


def _text(value: bytes | str) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else value)[:500]


def send_email(message: OutboxMessage) -> Attempt:
    payload = json.loads(message.body)
    if payload.get("digest"):
        from incident_hub.services.notify.digest import digest_email

        rendered, to = digest_email(payload)
    else:
        user = user_of(payload)
        if user is None or not user.active or not user.email:
            return Attempt(False, None, "recipient disabled or without an address", cancelled=True)
        rendered, to = email_message(payload, user.language), user.email
    if rendered is None:
        return Attempt(False, None, "nothing left to send", cancelled=True)
    return smtp_send(build_email(to, rendered, message.message_id))
