"""Chat channels per unit: Microsoft Teams through a Workflows webhook (an Adaptive Card 1.5 in a
`message` attachment) and Slack-compatible incoming webhooks (Slack, Mattermost: `{"text": …}`)."""

from __future__ import annotations

import json
from typing import Any

import requests  # type: ignore[import-untyped]

from incident_hub.extensions import db
from incident_hub.models import ChatChannel, OutboxMessage
from incident_hub.services.notify.attempt import Attempt
from incident_hub.services.notify.render import chat_payload

TIMEOUT_SECONDS = 15
GIVE_UP_STATUSES = (400, 401, 403, 404, 410, 413, 422)


def post_json(url: str, body: dict[str, Any]) -> Attempt:
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return Attempt(False, None, f"{exc.__class__.__name__}: {exc}"[:500])
    retry_after = response.headers.get("Retry-After", "")
    if response.ok:
        return Attempt(True, response.status_code)
    return Attempt(
        False,
        response.status_code,
        response.text[:500],
        int(retry_after) if retry_after.isdigit() else None,
        permanent=response.status_code in GIVE_UP_STATUSES,
    )


def send_chat(message: OutboxMessage) -> Attempt:
    payload = json.loads(message.body)
    channel = db.session.get(ChatChannel, payload["channel_id"]) if payload.get("channel_id") else None
    if channel is None or not channel.active:
        return Attempt(False, None, "channel removed or disabled", cancelled=True)
    return post_json(channel.url, chat_payload(channel.kind, payload))


def test_payload(kind: str, unit: str) -> dict[str, Any]:
    from incident_hub.services.notify.render import render

    if kind == "teams":
        return json.loads(render("teams_test.json", {"unit": unit}))  # type: ignore[no-any-return]
    return {"text": render("slack_test.txt", {"unit": unit})}
