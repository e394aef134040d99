"""The IETF Token Status List tokens that SD-JWT VCs refer to, derived from our W3C status lists.

One source of status (docs/decisions/0014-wallets.md): a credential's status and its status list entries. The
token of list ``N`` has one 2-bit entry per index of the revocation list ``N`` (the W3C list of that number and
purpose), so an SD-JWT VC refers to its credential's revocation entry ``{"idx": <index>, "uri": …/status/tokens/N}``.
The entry reads 1 (INVALID) while the credential is revoked, 2 (SUSPENDED) while it is suspended, 0 otherwise
(an expired credential is told by its own ``exp``). The token is built from the rows at request time, so the
request after a suspension, a reinstatement or a revocation commits sees it; the signed token is kept per process
while the statuses it encodes are unchanged and it is fresh enough.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from credentials.documents import token_status_list
from credentials.models import Credential, StatusList, StatusListEntry
from credentials.services import keyring

BITS = 2
PURPOSE = StatusList.Purpose.REVOCATION
_VALUE: dict[str, int] = {
    Credential.Status.REVOKED: token_status_list.INVALID,
    Credential.Status.SUSPENDED: token_status_list.SUSPENDED,
}
# A token is valid this long (its ``exp``); a relying party may keep it for ``ttl`` (STATUS_LIST_MAX_AGE).
TOKEN_VALID_SECONDS = 24 * 3600


@dataclass(frozen=True)
class StatusListToken:
    token: str
    etag: str  # weak: two processes sign the same statuses at different times
    issued_at: datetime.datetime


_cache: dict[int, tuple[str, StatusListToken]] = {}
_lock = threading.Lock()


def token_list_url(number: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/status/tokens/{number}"


def reference_for(credential: Credential) -> tuple[str, int] | None:
    """The ``(uri, idx)`` of ``credential``'s Token Status List entry, or None when it has no revocation entry."""
    entry = (
        StatusListEntry.objects.filter(credential=credential, purpose=PURPOSE)
        .select_related("status_list")
        .only("index", "status_list__number")
        .first()
    )
    if entry is None:
        return None
    return token_list_url(entry.status_list.number), entry.index


def status_list_token(*, number: int) -> StatusListToken | None:
    """The signed token of list ``number`` as it stands now, or None when there is no such list."""
    status_list = StatusList.objects.filter(purpose=PURPOSE, number=number).only("pk", "size").first()
    if status_list is None:
        return None
    statuses = dict(
        StatusListEntry.objects.filter(status_list=status_list, credential__status__in=list(_VALUE)).values_list(
            "index", "credential__status"
        )
    )
    values = {index: _VALUE[status] for index, status in statuses.items()}
    fingerprint = hashlib.sha256(
        f"{status_list.pk}:{status_list.size}:{sorted(values.items())}".encode("ascii")
    ).hexdigest()
    now = timezone.now()
    cached = _cache.get(number)
    fresh_until = TOKEN_VALID_SECONDS // 2
    if cached is not None and cached[0] == fingerprint and (now - cached[1].issued_at).total_seconds() < fresh_until:
        return cached[1]
    key, _record = keyring.active_seal()
    token = token_status_list.build_token(
        uri=token_list_url(number),
        data=token_status_list.pack(status_list.size, values, bits=BITS),
        bits=BITS,
        key=key,
        now=now,
        ttl_seconds=settings.STATUS_LIST_MAX_AGE,
        valid_seconds=TOKEN_VALID_SECONDS,
    )
    result = StatusListToken(token=token, etag=f'W/"{fingerprint[:32]}"', issued_at=now)
    with _lock:
        _cache[number] = (fingerprint, result)
    return result


def status_value(*, uri: str, index: int) -> int | None:
    """The status at ``index`` of the token list we publish at ``uri`` (0 valid, 1 revoked, 2 suspended), read
    from the very token we serve; None when ``uri`` is not one of our token lists or ``index`` is outside it."""
    prefix = token_list_url(0)[: -len("0")]
    if not isinstance(uri, str) or not uri.startswith(prefix) or isinstance(index, bool) or not isinstance(index, int):
        return None
    number = uri[len(prefix) :]
    if not number.isascii() or not number.isdigit():
        return None
    published = status_list_token(number=int(number))
    if published is None:
        return None
    status_list = token_status_list.read_payload(published.token)
    try:
        return token_status_list.status_at(status_list.data, index, bits=status_list.bits)
    except token_status_list.TokenStatusListError:
        return None


def forget() -> None:
    """For tests and key rotation: sign every token afresh."""
    with _lock:
        _cache.clear()
