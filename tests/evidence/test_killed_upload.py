"""A killed upload leaves no half file and no row: over a real socket (the client hangs up
half-way through the body), and inside the service (the stream breaks while being stored)."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from incident_hub.extensions import db
from incident_hub.models import Attachment
from incident_hub.services.evidence.attachments import add_attachment
from incident_hub.services.evidence.store import FolderStore
from tests.evidence.conftest import PDF, stored_files


def _rows() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Attachment)).scalar_one()


def _raw_upload(port: int, token: str, incident_id: int, body: bytes, declared: int, boundary: str) -> bytes:
    head = (
        f"POST /api/v1/incidents/{incident_id}/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body)
        if len(body) < declared:
            return b""  # hang up half-way
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_client_hanging_up_mid_body_leaves_nothing(app, as_oict, store, incident):
    incident_id, token = incident.id, as_oict.token
    db.session.remove()  # hold no SQLite transaction while the server thread writes
    server = make_server("127.0.0.1", 0, app, threaded=False)  # one request at a time, in order
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        boundary = "b0undary"
        payload = b"x" * 400_000
        part = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body = part + payload + f"\r\n--{boundary}--\r\n".encode()
        _raw_upload(server.port, token, incident_id, body[: len(body) // 2], len(body), boundary)
        # the next request is served only after the cut one is finished with
        answer = _raw_upload(server.port, token, incident_id, body, len(body), boundary)
        assert answer.split(b" ", 2)[1] == b"201"
    finally:
        server.shutdown()
        thread.join()
    assert _rows() == 1
    assert len(stored_files(store)) == 1  # the complete one only, and nothing left in staging


class BreaksHalfway(io.RawIOBase):
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.pos >= len(self.data) // 2:
            raise ConnectionResetError("client went away")
        n = min(len(buffer), 1000)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_stream_breaking_while_stored_leaves_nothing(as_oict, store: FolderStore, incident):
    with pytest.raises(ConnectionResetError):
        add_attachment(as_oict.user and _principal(as_oict), "incident", incident.id, BreaksHalfway(PDF * 100), "x.pdf")
    assert _rows() == 0
    assert stored_files(store) == []


def _principal(client):  # type: ignore[no-untyped-def]
    from incident_hub.services.admin.users import principal_of

    return principal_of(client.user)
