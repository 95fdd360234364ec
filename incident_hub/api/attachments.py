"""/api/v1/…/attachments (API.md "Evidence and sharing"): upload (multipart), list, download, delete.

The multipart body is parsed here (Werkzeug spools the file part to disk); the service gets the
file's stream and does the rest. Uploads may be larger than other bodies: `UploadAwareRequest`
raises the request limit for `POST …/attachments` to `MAX_ATTACHMENT_BYTES` plus the multipart
envelope, and the service enforces the exact file limit while streaming (413 either way).
"""

from __future__ import annotations

from typing import Any

from flask import Request, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from incident_hub.api.openapi import JSON, LOCATION, answers, binary
from incident_hub.api.schemas import answers_more as out
from incident_hub.api.schemas.answers_more import AttachmentOut
from incident_hub.auth import current_principal
from incident_hub.errors import UnsupportedMediaType, ValidationError
from incident_hub.runtime import settings
from incident_hub.services.evidence import attachments as service

blp = Blueprint("attachments", __name__, description="Evidence files on incidents, actions and assessments")
blp.url_prefix_suffix = ""

MULTIPART_OVERHEAD = 256 * 1024  # boundaries, part headers and the small form fields
PARENT_PATHS = {"incident": "incidents", "action": "actions", "assessment": "assessments"}


def is_upload(req: Request) -> bool:
    return req.method == "POST" and req.path.rstrip("/").endswith("/attachments")


class UploadAwareRequest(Request):
    """The body limit is MAX_BODY_BYTES, except for an attachment upload (pages and API)."""

    @property  # type: ignore[misc]
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if is_upload(self):
            return settings().max_attachment_bytes + MULTIPART_OVERHEAD
        return Request.max_content_length.fget(self)  # type: ignore[attr-defined,no-any-return]


class UploadForm(Schema):
    detection = fields.Boolean(load_default=False)
    description = fields.String(load_default="", validate=validate.Length(max=2000))


UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "detection": {"type": "boolean", "default": False},
                        "description": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    },
    "responses": {
        "201": {
            "description": "Stored; `sha256` is recorded in the audit chain.",
            "content": {JSON: {"schema": AttachmentOut}},
            "headers": LOCATION,
        },
        "413": {"description": "Larger than MAX_ATTACHMENT_BYTES."},
        "422": {"description": "Denied type (`details.rule = attachment_type`) or bad field."},
    },
}


def upload_fields() -> tuple[Any, dict[str, Any]]:
    """The file part and the validated form fields of a multipart request (or a 415/422)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data with the field 'file'.")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError.for_fields({"file": ["a file part named 'file' is required"]})
    errors = UploadForm().validate(request.form)
    if errors:
        # a part whose name werkzeug cannot read comes back named None
        raise ValidationError.for_fields({str(k or "_schema"): list(v) for k, v in errors.items()})  # type: ignore[arg-type]
    return upload, UploadForm().load(request.form)


def _upload(object_type: str, object_id: int) -> ResponseReturnValue:
    upload, form = upload_fields()
    row = service.add_attachment(
        current_principal(), object_type, object_id, upload.stream, upload.filename or "", **form
    )
    location = url_for("attachments.AttachmentItem", attachment_id=row.id)
    return service.attachment_view(row), 201, {"Location": location}


def _list(object_type: str, object_id: int) -> dict[str, Any]:
    rows = service.list_attachments(current_principal(), object_type, object_id)
    return {"items": [service.attachment_view(a) for a in rows], "total": len(rows)}


def _collection(object_type: str) -> type[MethodView]:
    class Collection(MethodView):
        @blp.doc(summary=f"Attachments of an {object_type}")
        @answers(blp, out.Attachments)
        def get(self, object_id: int) -> dict[str, Any]:
            """The attachments the caller may see (detection-marked ones only for OICT and managers)."""
            return _list(object_type, object_id)

        @blp.doc(**UPLOAD_DOC)
        def post(self, object_id: int) -> ResponseReturnValue:
            """Upload a file (multipart field `file`); its type is detected from the content."""
            return _upload(object_type, object_id)

    Collection.__name__ = f"{object_type.title()}Attachments"
    return Collection


for _kind, _path in PARENT_PATHS.items():
    blp.route(f"/{_path}/<int:object_id>/attachments")(_collection(_kind))


@blp.route("/attachments/<int:attachment_id>")
class AttachmentItem(MethodView):
    @answers(blp, out.AttachmentOut)
    def get(self, attachment_id: int) -> dict[str, Any]:
        """One attachment's record (404 when the caller may not see it)."""
        return service.attachment_view(service.get_visible_attachment(current_principal(), attachment_id))

    @blp.response(204)
    def delete(self, attachment_id: int) -> None:
        """Soft delete, audited: no longer listed or served; the record and its hash stay."""
        service.delete_attachment(current_principal(), attachment_id)


@blp.route("/attachments/<int:attachment_id>/content")
class AttachmentContent(MethodView):
    @blp.doc(**binary(200, "The file, as a download.", *service.INERT_TYPES, "application/octet-stream"))
    def get(self, attachment_id: int) -> ResponseReturnValue:
        """The bytes, always as a download (`Content-Disposition: attachment`, `nosniff`)."""
        return download_response(service.open_attachment(current_principal(), attachment_id))


def download_response(download: service.Download) -> ResponseReturnValue:
    """Never rendered inline: attachment disposition, nosniff, a sandboxing CSP, no caching."""
    a = download.attachment
    response = send_file(
        download.stream,
        mimetype=service.served_type(a.content_type),
        as_attachment=True,
        download_name=a.filename,
        etag=a.sha256,
        conditional=False,
        max_age=0,
    )
    response.content_length = a.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Checksum-SHA256"] = a.sha256
    return response
