"""The S3 backend (AWS, MinIO, Ceph, any S3-compatible service) through boto3.

Objects stay private; readers get short-lived presigned URLs. Every boto error becomes a
StorageError, and timeouts are short, so a storage outage turns into a clear 503 instead of
hung workers.
"""

from __future__ import annotations

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from elearn.media.backend import Leftover, StorageError, StoredObject, check_key

#: One CopyObject up to here (S3 takes 5 GiB at most in one); above, a copy in parts.
COPY = TransferConfig(
    multipart_threshold=4 * 1024**3, multipart_chunksize=512 * 1024**2, use_threads=False
)


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        url_ttl: int = 900,
        public_base_url: str = "",
        timeout: int = 10,
        client=None,
    ):
        if not bucket:
            raise ValueError("ELEARN_S3_BUCKET is required with ELEARN_STORAGE=s3")
        self.bucket = bucket
        self.url_ttl = url_ttl
        #: A CDN in front of the bucket that forwards query strings and the origin's Host:
        #: readers get presigned URLs on its address instead of the bucket's.
        self.public_base_url = public_base_url.rstrip("/")
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            # A storage that stops answering must cost a worker seconds, not minutes: the
            # read timeout is per socket read, so large uploads that keep flowing are fine.
            config=Config(
                connect_timeout=min(5, timeout),
                read_timeout=timeout,
                retries={"max_attempts": 2, "mode": "standard"},
                s3={"addressing_style": addressing_style},
                signature_version="s3v4",
            ),
        )

    @property
    def origin(self) -> str:
        """Where browsers fetch and send media (for the Content-Security-Policy)."""
        from urllib.parse import urlsplit

        presigned = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "x"}, ExpiresIn=60
        )
        url = urlsplit(self._via_cdn(presigned))
        return f"{url.scheme}://{url.netloc}"

    def _via_cdn(self, url: str) -> str:
        if not self.public_base_url:
            return url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"{self.public_base_url}{parts.path}?{parts.query}"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def put_file(self, key: str, path, content_type: str) -> None:
        """Store a file from disk in one PUT that botocore streams from the open file (a
        package's video is never read whole; one PUT takes up to 5 GB)."""
        try:
            with open(path, "rb") as body:
                self.client.put_object(
                    Bucket=self.bucket, Key=check_key(key), Body=body, ContentType=content_type
                )
        except (BotoCoreError, ClientError, OSError) as exc:
            raise StorageError(str(exc)) from exc

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def open_stream(self, key: str):
        """The object's body as a file to read in chunks; the caller closes it. Errors
        while reading it later come as StorageError too."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc
        return _Body(body)

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageError(str(exc)) from exc
        return True

    def move(self, source: str, target: str, content_type: str) -> None:
        """Copy inside the bucket, then delete the source. A presigned POST stays good until
        it expires, so whatever is sent to ``source`` later lands there, not in ``target``;
        callers check ``target``, the copy, not the source they copied."""
        try:
            self.client.copy(
                {"Bucket": self.bucket, "Key": check_key(source)},
                self.bucket,
                check_key(target),
                ExtraArgs={"ContentType": content_type, "MetadataDirective": "REPLACE"},
                Config=COPY,
            )
            self.client.delete_object(Bucket=self.bucket, Key=source)
        except (BotoCoreError, ClientError, Boto3Error) as exc:
            raise StorageError(str(exc)) from exc

    def size(self, key: str) -> int | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=check_key(key))["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(str(exc)) from exc
        except BotoCoreError as exc:
            raise StorageError(str(exc)) from exc

    def read_head(self, key: str, n: int) -> bytes:
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=check_key(key), Range=f"bytes=0-{n - 1}"
            )
            return response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def upload_form(self, key: str, *, content_type: str, size: int, expires: int) -> dict:
        """A presigned POST whose policy pins the key, the type and the exact size."""
        try:
            post = self.client.generate_presigned_post(
                Bucket=self.bucket,
                Key=check_key(key),
                Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
                ExpiresIn=expires,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc
        return {"method": "POST", "url": post["url"], "fields": post["fields"], "headers": {}}

    # -- multipart: large videos in parts small enough for a slow connection -------------

    def start_multipart(self, key: str, content_type: str) -> str:
        try:
            return self.client.create_multipart_upload(
                Bucket=self.bucket, Key=check_key(key), ContentType=content_type
            )["UploadId"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def part_url(self, key: str, multipart_id: str, number: int, *, expires: int) -> str:
        try:
            return self.client.generate_presigned_url(
                "upload_part",
                ExpiresIn=expires,
                Params={
                    "Bucket": self.bucket,
                    "Key": check_key(key),
                    "UploadId": multipart_id,
                    "PartNumber": number,
                },
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def list_parts(self, key: str, multipart_id: str) -> list[dict]:
        try:
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=check_key(key), UploadId=multipart_id
            )
            return [
                {"number": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]}
                for page in pages
                for p in page.get("Parts", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def complete_multipart(self, key: str, multipart_id: str) -> None:
        parts = self.list_parts(key, multipart_id)
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=check_key(key),
                UploadId=multipart_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p["number"], "ETag": p["etag"]} for p in parts]
                },
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def abort_multipart(self, key: str, multipart_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=check_key(key), UploadId=multipart_id
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def url(self, key: str, *, content_type: str, download_name: str | None = None) -> str:
        """A presigned GET that also fixes the type, caching and (for files) attachment."""
        params = {
            "Bucket": self.bucket,
            "Key": check_key(key),
            "ResponseContentType": content_type,
            "ResponseCacheControl": f"private, max-age={self.url_ttl}",
        }
        if download_name:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        try:
            return self._via_cdn(
                self.client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=self.url_ttl
                )
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def keys(self, prefix: str = "") -> list[str]:
        return [o.key for o in self.objects(prefix)]

    def objects(self, prefix: str = "") -> list[StoredObject]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [
                StoredObject(item["Key"], item["LastModified"])
                for page in pages
                for item in page.get("Contents", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def leftovers(self) -> list[Leftover]:
        """Multipart uploads started and never completed nor aborted: their parts are
        stored (and billed) but listed nowhere else."""
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket)
            return [
                Leftover(
                    f"{item['Key']}?uploadId={item['UploadId']}",
                    item["Initiated"],
                    multipart_id=item["UploadId"],
                    key=item["Key"],
                )
                for page in pages
                for item in page.get("Uploads", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(str(exc)) from exc

    def remove_leftover(self, leftover: Leftover) -> None:
        self.abort_multipart(leftover.key, leftover.multipart_id)


class _Body:
    """A streaming body whose read errors are StorageErrors, like every other call."""

    def __init__(self, body):
        self.body = body

    def read(self, n: int = -1) -> bytes:
        try:
            return self.body.read(n if n >= 0 else None)
        except (BotoCoreError, ClientError, OSError) as exc:
            raise StorageError(str(exc)) from exc

    def close(self) -> None:
        self.body.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
