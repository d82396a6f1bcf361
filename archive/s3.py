"""The archive's files in an S3-compatible bucket (AWS S3, MinIO, Ceph, Scaleway...), with the same
promises as the local folder: uploads stream to a staging key while they are hashed, a staged file
gets its content-addressed name only under the service's row lock, and a name, once given, is
never written again.

Built on boto3 itself, not on django-storages' S3Storage: that class is a Django `Storage`, made to
save a whole file under a name (and, when the name is taken, to invent another one, or replace it);
it has no server-side copy, no conditional write, no listing with sizes and dates in one request,
and its writable files buffer a whole part on disk before sending it. Stage, promote without
overwriting, and list for the orphan finder are each a call or two of boto3's S3 client, the library
django-storages itself uses underneath.

Keys, under CONSERVA_ARCHIVE_S3_PREFIX: `blobs/<service>/<aa>/<bb>/<sha256>` and
`staging/<uuid>.part`. Give the bucket a lifecycle rule that aborts incomplete multipart uploads
after a day or two: an upload cut off by a crash is not an object, although the orphan finder lists
it and `archive_orphans --delete` aborts it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from archive.storage import BlobStorage, Staging, StoredFile

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from types_boto3_s3.client import S3Client
    from types_boto3_s3.type_defs import CompletedPartTypeDef

logger = logging.getLogger(__name__)

PART_BYTES = 8 * 1024**2  # what one upload holds in memory; S3 wants at least 5 MiB but for the last part
COPY_MAX_BYTES = 5 * 1024**3  # S3's limit for one CopyObject; larger blobs are copied in parts


class BlobOverwriteRefused(Exception):
    """The blob's name holds an object of another size: it is never replaced, an operator looks."""


class S3Staging(Staging):
    """Sends the upload in parts of `part_bytes` as they fill up; a file smaller than one part is
    sent whole by `finish`. Only the part being filled is held in memory."""

    def __init__(self, client: S3Client, bucket: str, key: str, part_bytes: int) -> None:
        self._client, self._bucket, self._key, self._part_bytes = client, bucket, key, part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[CompletedPartTypeDef] = []
        self._finished = False

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= self._part_bytes:
            self._send_part(bytes(self._buffer[: self._part_bytes]))
            del self._buffer[: self._part_bytes]

    def finish(self) -> str:
        if self._upload_id is None:
            self._client.put_object(Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._send_part(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
            )
        self._buffer.clear()
        self._finished = True
        return self._key.rsplit("/", 1)[-1]

    def abort(self) -> None:
        self._buffer.clear()
        if self._finished:
            self._client.delete_object(Bucket=self._bucket, Key=self._key)
        elif self._upload_id is not None:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)

    def _send_part(self, data: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        sent = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=data
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})


class S3BlobStorage(BlobStorage):
    """The bucket CONSERVA_ARCHIVE_S3_BUCKET at CONSERVA_ARCHIVE_S3_ENDPOINT_URL (AWS when empty).

    Promote is a server-side copy to the blob's name, then the staged object's removal. It first
    asks whether the name exists: an object of the same size is reused and nothing is written. The
    caller holds the service's row lock, and a blob's name starts with its service, so no other
    deposit can write that name in between; the copy also carries `If-None-Match: *`, which a server
    with conditional writes enforces on its own (a 412 then means "reuse"), and which others ignore
    (moto's server does, for a copy).
    """

    def __init__(self, *, part_bytes: int | None = None) -> None:
        if not settings.ARCHIVE_S3_BUCKET:
            raise ImproperlyConfigured("Set CONSERVA_ARCHIVE_S3_BUCKET to keep the archive in S3.")
        self._client = _client(
            settings.ARCHIVE_S3_ENDPOINT_URL,
            settings.ARCHIVE_S3_REGION,
            settings.ARCHIVE_S3_ACCESS_KEY_ID,
            settings.ARCHIVE_S3_SECRET_ACCESS_KEY,
        )
        self._bucket = settings.ARCHIVE_S3_BUCKET
        prefix = settings.ARCHIVE_S3_PREFIX.strip("/")
        self._blobs = f"{prefix}/blobs/" if prefix else "blobs/"
        self._staging = f"{prefix}/staging/" if prefix else "staging/"
        self._part_bytes = part_bytes or PART_BYTES

    def stage(self) -> S3Staging:
        return S3Staging(self._client, self._bucket, f"{self._staging}{uuid.uuid4().hex}.part", self._part_bytes)

    def promote(self, staged: str, blob: str, size: int) -> bool:
        source, target = self._staging + staged, self._blobs + blob
        kept = self._size(target)
        if kept is not None and (kept != size or not self._holds(target, blob.rsplit("/", 1)[-1])):
            # An orphan (the caller holds the service's lock and found no document with this hash) that
            # is not what its name says: the copy just verified replaces it.
            logger.warning("archive: blob %s was a damaged orphan; replaced by the copy just hashed", blob)
            self._client.delete_object(Bucket=self._bucket, Key=target)
            kept = None
        written = kept is None and self._copied(source, target, size)
        if not written:
            kept = kept if kept is not None else self._size(target)
            if kept != size:
                raise BlobOverwriteRefused(f"archive: blob {blob} holds {kept} bytes, not {size}; left as it is")
        self._client.delete_object(Bucket=self._bucket, Key=source)
        return written

    def _holds(self, key: str, sha256: str) -> bool:
        digest = hashlib.sha256()
        body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def discard(self, staged: str) -> None:
        """Removes the staged object, or aborts the upload a crash cut off before it was one."""
        key = self._staging + staged
        self._client.delete_object(Bucket=self._bucket, Key=key)
        found = self._client.list_multipart_uploads(Bucket=self._bucket, Prefix=key)
        for upload in found.get("Uploads", []):
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload["UploadId"])

    def open(self, blob: str) -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(S3Download(self._client, self._bucket, self._blobs + blob)))

    def delete(self, blob: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._blobs + blob)

    def blobs(self) -> Iterator[StoredFile]:
        return self._objects(self._blobs)

    def staged_files(self) -> Iterator[StoredFile]:
        yield from self._objects(self._staging)
        yield from self._cut_off_uploads()

    def _size(self, key: str) -> int | None:
        try:
            return self._client.head_object(Bucket=self._bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise

    def _copied(self, source: str, target: str, size: int) -> bool:
        """Copies `source` to `target`; False when a server with conditional writes found `target`
        there already (written meanwhile by something not holding the service's lock)."""
        if size > COPY_MAX_BYTES:
            # boto3's managed copy (in parts) takes no If-None-Match: the service's lock guards it.
            self._client.copy({"Bucket": self._bucket, "Key": source}, self._bucket, target)
            return True
        try:
            self._client.copy_object(
                Bucket=self._bucket, Key=target, CopySource={"Bucket": self._bucket, "Key": source}, IfNoneMatch="*"
            )
        except ClientError as error:
            if _status(error) != 412:
                raise
            logger.warning("archive: blob %s appeared while it was being named", target)
            return False
        return True

    def _objects(self, prefix: str) -> Iterator[StoredFile]:
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
        for page in pages:
            for found in page.get("Contents", []):
                yield StoredFile(found["Key"][len(prefix) :], found["Size"], found["LastModified"].timestamp())

    def _cut_off_uploads(self) -> Iterator[StoredFile]:
        pages = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket, Prefix=self._staging)
        for page in pages:
            for upload in page.get("Uploads", []):
                parts = self._client.list_parts(Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                size = sum(part["Size"] for part in parts.get("Parts", []))
                yield StoredFile(upload["Key"][len(self._staging) :], size, upload["Initiated"].timestamp())


class S3Download(io.RawIOBase):
    """An object read as a file. Seeking costs nothing until the next read, which asks for the rest
    of the object from there, and only if it is still the object first opened (If-Match on its ETag):
    the selector hashes the bytes, then goes back to the start to hand them out."""

    def __init__(self, client: S3Client, bucket: str, key: str) -> None:
        self._client, self._bucket, self._key = client, bucket, key
        try:
            answer = client.get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if _status(error) == 404:
                raise FileNotFoundError(key) from None
            raise
        self._etag, self._size = answer["ETag"], answer["ContentLength"]
        self._body: StreamingBody | None = answer["Body"]
        self._position = self._body_position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, start + offset)
        return self._position

    def readinto(self, buffer: WriteableBuffer) -> int:
        if self._position >= self._size:
            return 0
        body = self._body
        if body is None or self._body_position != self._position:
            body = self._reopen()
        view = memoryview(buffer).cast("B")
        data = body.read(len(view))
        view[: len(data)] = data
        self._position = self._body_position = self._position + len(data)
        return len(data)

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
        super().close()

    def _reopen(self) -> StreamingBody:
        if self._body is not None:
            self._body.close()
        self._body = self._client.get_object(
            Bucket=self._bucket, Key=self._key, IfMatch=self._etag, Range=f"bytes={self._position}-"
        )["Body"]
        self._body_position = self._position
        return self._body


@functools.cache
def _client(endpoint_url: str, region: str, access_key_id: str, secret_access_key: str) -> S3Client:
    """One client per configuration, shared: making one costs milliseconds, and they are thread-safe.
    Empty credentials leave boto3 to find its own (environment, instance role)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        # Other S3 servers are most often reached by path (host/bucket/key), not by bucket.host names.
        config=Config(s3={"addressing_style": "path" if endpoint_url else "auto"}, retries={"mode": "standard"}),
    )


def _status(error: ClientError) -> int | None:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
