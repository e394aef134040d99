"""The one response for private files (evidence, CVs, CPD evidence, scans of certificates, sealed documents).

Uploaded content is never served under the name or extension its uploader chose: a PDF uploaded as ``x.html``, or a
name with a right-to-left override (``résumé\\u202efdp.exe``), would come back as something it is not. The file
gets a name we choose and the extension of its content's checked type; it is never cached, never sniffed, and
sandboxed should a browser try to render it.
"""

from __future__ import annotations

import filetype
from django.core.files import File
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    DOCX_MIME: "docx",
    "application/ld+json": "jsonld",
    "application/json": "json",
    "application/zip": "zip",
}


def _type_of(head: bytes) -> str:
    """The type of a stored upload by its first bytes (uploads were checked by content when they came in; a ZIP
    among them is a Word document). ``application/octet-stream`` for anything else."""
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/zip" or mime.startswith("application/vnd.openxmlformats"):
        return DOCX_MIME
    return mime if mime in EXTENSIONS else "application/octet-stream"


def private_file_response(
    file: File, *, name: str, content_type: str | None = None, inline: bool = False
) -> FileResponse:
    """``file`` as a download named ``<name>.<extension of its type>``; ``content_type`` as checked at upload, or
    found from the content. Raises Http404 when the file is missing from storage.

    The file is streamed from the storage through this response, on the local disk and in an S3 bucket alike: the
    view that calls this has checked who may read it, and no address of the stored object ever leaves the server
    (docs/decisions/0017). It is opened once: on S3, opening fetches the object.
    """
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    if content_type is None:
        content_type = _type_of(handle.read(8192))
        handle.seek(0)
    extension = EXTENSIONS.get(content_type, "bin")
    response = FileResponse(handle, as_attachment=not inline, filename=f"{name}.{extension}", content_type=content_type)
    if not inline:
        # Uploaded content is never rendered as a page of this site, even if a browser tries to.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
