"""Validation of uploaded evidence files: type by content, never by name; size; integrity.

Pure: takes a file object, returns facts or raises ``UploadRejected``. No database, no storage.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from aipia.errors import DomainError

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {
    "application/pdf": (".pdf", "PDF"),
    "image/png": (".png", "PNG"),
    "image/jpeg": (".jpg", "JPEG"),
    DOCX_MIME: (".docx", "DOCX"),
}
CHUNK = 1024 * 1024


class UploadRejected(DomainError):
    code = "upload_rejected"


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str


def allowed_labels(allowed: frozenset[str] | None = None) -> str:
    return ", ".join(label for mime, (_ext, label) in ALLOWED.items() if allowed is None or mime in allowed)


def check_upload(fileobj: IO[bytes], *, max_bytes: int, allowed: frozenset[str] | None = None) -> CheckedUpload:
    """Inspect ``fileobj`` and return its real type, size and SHA-256; raise UploadRejected otherwise.

    The type comes from the content's signature (and, for images and DOCX, from actually opening it);
    the file name and the client's declared type are ignored. Reads the file once in chunks and rewinds it.
    """
    fileobj.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := fileobj.read(CHUNK):
        if not head:
            head = chunk[:8192]
        size += len(chunk)
        if size > max_bytes:
            raise UploadRejected(
                _("The file is larger than the limit of %(limit)s MB.") % {"limit": _megabytes(max_bytes)}
            )
        digest.update(chunk)
    fileobj.seek(0)
    if size == 0:
        raise UploadRejected(_("The file is empty."))

    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == "application/zip" or (mime and mime.startswith("application/vnd.openxmlformats")):
        # Only a real Word document without macros counts; any other archive is refused.
        mime = DOCX_MIME if _is_docx(fileobj) else None
    accepted = ALLOWED if allowed is None else {m: v for m, v in ALLOWED.items() if m in allowed}
    if mime is None or mime not in accepted:
        raise UploadRejected(
            _("This file's content is not an accepted type (accepted: %(types)s), whatever its name says.")
            % {"types": allowed_labels(allowed)}
        )
    if mime.startswith("image/"):
        _check_image(fileobj)
    fileobj.seek(0)
    return CheckedUpload(content_type=mime, extension=accepted[mime][0], size=size, sha256=digest.hexdigest())


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _is_docx(fileobj: IO[bytes]) -> bool:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        fileobj.seek(0)
    # A macro-enabled document (vbaProject.bin) is refused even if it is named .docx.
    return "[Content_Types].xml" in names and "word/document.xml" in names and "word/vbaProject.bin" not in names


def _check_image(fileobj: IO[bytes]) -> None:
    fileobj.seek(0)
    try:
        with Image.open(io.BytesIO(fileobj.read())) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRejected(_("The image is damaged or cannot be read.")) from exc
    finally:
        fileobj.seek(0)
