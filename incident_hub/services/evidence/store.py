"""Where attachment bytes live, behind one small interface (`AttachmentStore`).

An upload is first *staged*: streamed in chunks into a private temporary file while its SHA-256
and size are computed, and refused (413) the moment it passes the limit. Only a complete, accepted
file is then *kept* under its hash: in a folder (the instance folder by default), moved into
place with an atomic rename, or in an S3-compatible bucket through boto3 (`ATTACHMENT_STORE=
s3://bucket/prefix`, credentials and endpoint from the usual AWS variables). A killed upload
therefore leaves no half file: the staged file is removed whatever happens.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from incident_hub.domain.evidence import SNIFF_BYTES
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import PayloadTooLarge

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Staged:
    path: Path
    sha256: str
    size: int
    head: bytes  # the first bytes, for type detection


class AttachmentStore(Protocol):
    def keep(self, staged: Staged) -> None:
        """Store the staged file under its hash (idempotent: the same bytes are stored once)."""

    def open(self, sha256: str) -> IO[bytes]:
        """A binary stream of the stored bytes (the caller closes it)."""

    def has(self, sha256: str) -> bool: ...

    def remove(self, sha256: str, untouched_since: datetime) -> bool:
        """Remove the bytes unless they were stored (or stored again) at or after `untouched_since`;
        True when something was removed (retention purge)."""

    @property
    def staging_dir(self) -> Path: ...


def _check_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


@contextmanager
def staged_upload(stream: IO[bytes], staging_dir: Path, max_bytes: int) -> Iterator[Staged]:
    """Stream `stream` into a temporary file; PayloadTooLarge past `max_bytes`; always cleaned up."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=staging_dir)
    path = Path(name)
    try:
        digest, size, head = hashlib.sha256(), 0, b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        Text(N_("The file is larger than the limit of %(n)s bytes."), n=max_bytes),
                        {"rule": "max_attachment_bytes", "limit": max_bytes},
                    )
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        yield Staged(path, digest.hexdigest(), size, head)
    finally:
        path.unlink(missing_ok=True)


class FolderStore:
    """Files named by hash in `root/ab/cd/<sha256>`, written by rename so none is ever partial."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def staging_dir(self) -> Path:
        return self.root / ".staging"  # same file system as the final place, so rename is atomic

    def _path(self, sha256: str) -> Path:
        h = _check_hash(sha256)
        return self.root / h[:2] / h[2:4] / h

    def keep(self, staged: Staged) -> None:
        target = self._path(staged.sha256)
        if target.exists():
            # "stored again now": the retention purge leaves a file touched this recently alone
            os.utime(target)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # a hard link keeps the staged file for its own clean-up; rename would do as well
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        os.link(staged.path, tmp)
        os.replace(tmp, target)

    def open(self, sha256: str) -> IO[bytes]:
        return self._path(sha256).open("rb")

    def has(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def remove(self, sha256: str, untouched_since: datetime) -> bool:
        path = self._path(sha256)
        try:
            if path.stat().st_mtime >= untouched_since.timestamp():
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True


class S3Store:
    """An S3-compatible bucket (AWS, MinIO, Ceph…) through boto3; keys `<prefix>/<sha256>`.

    boto3 reads credentials, region and `AWS_ENDPOINT_URL` (for a non-AWS server) from the
    environment as usual; nothing secret is kept here."""

    def __init__(self, url: str, staging_root: Path, client: Any = None):
        import boto3  # only when configured: the folder store needs no AWS library at start

        rest = url.removeprefix("s3://")
        self.bucket, _, prefix = rest.partition("/")
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client("s3")
        self._staging = staging_root

    @property
    def staging_dir(self) -> Path:
        return self._staging

    def _key(self, sha256: str) -> str:
        h = _check_hash(sha256)
        return f"{self.prefix}/{h}" if self.prefix else h

    def keep(self, staged: Staged) -> None:
        if self.has(staged.sha256):
            # copied onto itself: a new LastModified, which the retention purge respects
            key = self._key(staged.sha256)
            self.client.copy_object(
                Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": key}, MetadataDirective="REPLACE"
            )
            return
        # a single PUT (or a multipart upload that completes) is all or nothing in S3
        self.client.upload_file(str(staged.path), self.bucket, self._key(staged.sha256))

    def open(self, sha256: str) -> IO[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"]
        return body  # type: ignore[no-any-return]

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def remove(self, sha256: str, untouched_since: datetime) -> bool:
        from botocore.exceptions import ClientError

        key = self._key(sha256)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        if head["LastModified"] >= untouched_since:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=key)
        return True


def build_store(setting: str | None, instance_path: Path) -> AttachmentStore:
    """`ATTACHMENT_STORE`: unset → `<instance>/attachments`; `s3://bucket/prefix`; else a folder."""
    if setting and setting.startswith("s3://"):
        return S3Store(setting, instance_path / "attachments-staging")
    root = Path(setting) if setting else instance_path / "attachments"
    return FolderStore(root)
