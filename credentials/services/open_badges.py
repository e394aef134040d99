"""Open Badges 3.0: a credential's ``AchievementCredential`` as a VC-JWT, its baked badges, and our status lists
served as VC-JWTs for Open Badges verifiers.

Everything is built from the credential row and the catalogue (``issuance.credential_data``) by the pure
credentials/documents/open_badges.py and signed with the active seal key, whose certificate chain goes in the
header (``x5c``) and whose key is in ``/.well-known/jwks.json``. Nothing is stored: the badge is built when it is
asked for, so it always states the credential as it is on the row, and its ``credentialStatus`` points at the
status lists that every status change republishes (credentials/services/status.py), the single source of
revocation and suspension for every representation.

The status lists are published sealed (JAdES, JSON) for EDC verifiers; an Open Badges verifier reads a VC-JWT
(VC-JOSE-COSE, as OB 3.0 §8.2 secures credentials). :func:`status_list_jwt` gives the same list, with the same
bits, the same ``validFrom`` and ``ttl``, as a VC-JWT, kept per process while the stored list is unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aipia.errors import DomainError
from credentials.documents import open_badges
from credentials.documents import status_list as bitstring
from credentials.models import Credential, StatusList
from credentials.services import issuance, keyring, status
from profiles.badges import badge_image, badge_url

# Which credentials an Open Badge is given for: issued ones whose documents are built. A suspended, expired or
# revoked credential still gets its badge — it says so through its status entries, as its EDC does.
_ISSUED = (Credential.Status.ACTIVE, Credential.Status.SUSPENDED, Credential.Status.EXPIRED, Credential.Status.REVOKED)


def issue_open_badge(*, credential: Credential, holder_jwk: dict | None = None) -> str:
    """The Open Badges 3.0 ``AchievementCredential`` of ``credential`` as a compact JWS (VC-JWT), signed now with
    the active seal key. ``holder_jwk``: the public key a wallet proved it holds; the credential's subject is
    then its ``did:jwk``. Raises ``DomainError`` for a credential that is not issued, or a holder key that is
    not a public JWK. Writes nothing."""
    if credential.issuance != Credential.Issuance.DONE or credential.status not in _ISSUED:
        raise DomainError(
            _("This credential is not issued yet, so it has no Open Badge."), code="credential_not_issued"
        )
    try:
        holder_id = open_badges.did_jwk(holder_jwk) if holder_jwk is not None else None
    except open_badges.BadgeError as error:
        raise DomainError(_("The holder's key is not a public JWK."), code="invalid_holder_key") from error
    data = issuance.credential_data(credential, verify_url=issuance.verify_url_for(credential.token))
    document = open_badges.build_achievement_credential(data, links=_links(credential), holder_id=holder_id)
    key, _record = keyring.active_seal()
    return open_badges.sign_credential(document, key, signed_at=timezone.now())


def baked_badge(*, credential: Credential, ext: str) -> bytes:
    """The profile's badge (``ext`` "png" or "svg") with the credential's Open Badge baked in (OB 3.0 §5.3).
    Raises ``DomainError`` as :func:`issue_open_badge` does, and ``no_badge`` for a profile not published (an
    attestation's), which has no badge."""
    if not credential.profile.is_published:
        raise DomainError(_("This credential's profile has no published badge."), code="no_badge")
    token = issue_open_badge(credential=credential)
    image = badge_image(credential.profile, ext).content
    if ext == "png":
        return open_badges.bake_png(image, token)
    return open_badges.bake_svg(image, token)


def _links(credential: Credential) -> open_badges.BadgeLinks:
    site = settings.SITE_URL.rstrip("/")
    return open_badges.BadgeLinks(
        achievement_url=site + reverse("profiles:detail", kwargs={"code": credential.profile.code}),
        badge_image_url=badge_url(credential.profile.code, "png") if credential.profile.is_published else None,
    )


# --- the status lists as VC-JWTs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedJwt:
    token: bytes
    etag: str  # quoted, as the header carries it


# list pk -> (the stored list's version and ETag, the signing key's id, the JWT)
_jwt_cache: dict[int, tuple[int, str, str, PublishedJwt]] = {}
_jwt_lock = threading.Lock()


def status_list_jwt(*, status_list: StatusList) -> PublishedJwt:
    """``status_list`` as a VC-JWT ``BitstringStatusListCredential`` served at ``<its URL>.jwt``: the bits, the
    ``validFrom`` (when it was last republished) and the ``ttl`` of the stored publication, signed with the
    active seal key. Rebuilt only when the stored list or the active key changes (every status change
    republishes the list in its own transaction, so the next request sees it)."""
    status_list = status.ensure_published(status_list=status_list)
    key, record = keyring.active_seal()
    cached = _jwt_cache.get(status_list.pk)
    if cached is not None and cached[:3] == (status_list.version, status_list.etag, record.kid):
        return cached[3]
    list_url = issuance.status_list_url(status_list) + open_badges.STATUS_LIST_JWT_SUFFIX
    valid_from = status_list.updated_at or timezone.now()
    document = bitstring.build_status_list_credential(
        list_url=list_url,
        issuer=status.issuer_id(),
        purpose=status_list.purpose,
        encoded_list=status_list.encoded_list,
        valid_from=valid_from,
        ttl_seconds=settings.STATUS_LIST_MAX_AGE,
    )
    # Signed "at" the publication, or when the key's certificate began if the key is newer than the list: the
    # same list and key give the same token (and ETag) in every process.
    signed_at = max(valid_from, key.certificate.not_valid_before_utc)
    token = open_badges.sign_credential(document, key, signed_at=signed_at).encode("ascii")
    published = PublishedJwt(token=token, etag='"' + hashlib.sha256(token).hexdigest()[:32] + '"')
    with _jwt_lock:
        _jwt_cache[status_list.pk] = (status_list.version, status_list.etag, record.kid, published)
    return published


def status_bit(*, list_url: str, index: int) -> bool | None:
    """:func:`status.status_bit` for a list named by either of its URLs (the sealed JSON, or ``….jwt``)."""
    return status.status_bit(list_url=list_url.removesuffix(open_badges.STATUS_LIST_JWT_SUFFIX), index=index)
