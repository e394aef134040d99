"""The file storage the tests run against: the local disk (the default) or S3, served by moto's server mode.

``STORAGE_BACKEND_UNDER_TEST=s3`` (or ``pytest --storage-backend=s3``) starts one ``moto_server`` per test process
on 127.0.0.1 and gives every test an empty bucket, so the tests marked ``storage`` run against the S3 backend
exactly as the application uses it in production (django-storages, signed requests over HTTP). CI runs them a
second time that way (``make test-s3``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BACKENDS = ("local", "s3")
BUCKET = "aipia-test"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"

# The tests that store, read, serve or erase files: evidence, CVs, CPD evidence, scans of external certificates,
# desk attachments, sealed documents, exports of personal data. The S3 run (``-m storage``) runs these.
STORAGE_TEST_MODULES = frozenset(
    {
        "tests/test_storage.py",
        "tests/test_privacy.py",
        "tests/accounts/test_personal_data.py",
        "tests/credentials/test_issuance.py",
        "tests/credentials/test_bulk.py",
        "tests/credentials/test_cpd.py",
        "tests/credentials/test_routes.py",
        "tests/credentials/test_renewal.py",
        "tests/credentials/test_worker.py",
        "tests/credentials/test_verification_api.py",
        "tests/desk/test_desk.py",
        "tests/dossiers/test_uploads.py",
        "tests/dossiers/test_lifecycle.py",
        "tests/dossiers/test_views.py",
        "tests/dossiers/test_api.py",
    }
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MotoServer:
    """``moto_server`` in a process of its own (its warnings and its threads stay out of the test process)."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._client = None
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto_server did not start; see {log_path}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1):  # noqa: S310 - http://127.0.0.1
                return True
        except (urllib.error.URLError, OSError):
            return False

    def reset(self) -> None:
        """Forget every bucket and object."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")  # noqa: S310 - http://127.0.0.1
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - http://127.0.0.1
            pass

    def client(self):
        """A boto3 S3 client of the server, the same one each time (closed in :meth:`stop`)."""
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                region_name=REGION,
            )
        return self._client

    def storage_settings(self, bucket: str = BUCKET) -> dict:
        """``STORAGES["default"]`` as aipia/settings.py builds it from the environment (:meth:`environment`)."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint,
                "region_name": REGION,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
                "max_memory_size": 2 * 1024 * 1024,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
            },
        }

    def environment(self, bucket: str = BUCKET) -> dict[str, str]:
        """The variables that point another process of the application (a worker, a web server) at the bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def backend_from(config) -> str:
    chosen = config.getoption("storage_backend") or os.environ.get("STORAGE_BACKEND_UNDER_TEST") or "local"
    if chosen not in BACKENDS:
        raise ValueError(f"STORAGE_BACKEND_UNDER_TEST must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    return chosen


def stored_names(storage) -> list[str]:
    """Every file name in ``storage``, on any backend."""
    names: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        names += [f"{folder}/{name}" if folder else name for name in files]
        pending += [f"{folder}/{name}" if folder else name for name in folders]
    return sorted(names)


def close_connections(storage) -> None:
    """Close the HTTP connections an S3 storage opened in this thread (else they are left for the garbage collector,
    which warns)."""
    for local in (getattr(storage, "_connections", None), getattr(storage, "_unsigned_connections", None)):
        connection = getattr(local, "connection", None)
        if connection is not None:
            connection.meta.client.close()
