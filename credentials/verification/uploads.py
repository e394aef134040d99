"""Files sent to the verifier page and the verification API: read within ``VERIFY_MAX_UPLOAD_BYTES``, and the
message a person reads when one cannot be verified (translated; the pure modules' messages are for programs)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from aipia import jsonlimits
from credentials.verification.documents import UnreadableInput


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing (413) one larger than ``VERIFY_MAX_UPLOAD_BYTES``."""
    limit = settings.VERIFY_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise UnreadableInput("too_large", f"The file is larger than the limit of {limit} bytes.")
    return upload.read(limit + 1)


def upload_problem(exc: UnreadableInput) -> str:
    """The user-facing (translated) message for input we cannot verify."""
    if exc.code == "too_large":
        return _("The file is larger than the limit of %(limit)s MB.") % {
            "limit": f"{settings.VERIFY_MAX_UPLOAD_BYTES / (1024 * 1024):g}"
        }
    messages = {
        "empty": _("Nothing to verify: choose a file or paste a sealed credential."),
        "not_json": _("This is not JSON: a sealed credential is a JSON document (.jsonld)."),
        "too_deeply_nested": _(
            "This JSON is nested too deeply (more than %(depth)d levels): it is not a sealed credential."
        )
        % {"depth": jsonlimits.MAX_DEPTH},
        "not_sealed": _(
            'This JSON is not a sealed credential: expected a JAdES seal, an object with "payload" and "signatures".'
        ),
        "no_badge_credential": _(
            "This image carries no Open Badges 3.0 credential: its holder downloads the badge with the credential "
            "in it from the credential's page."
        ),
    }
    return messages.get(
        exc.code,
        _(
            "This file is neither a sealed credential (.jsonld), a PDF certificate nor an Open Badge (.jwt, PNG "
            "or SVG)."
        ),
    )
