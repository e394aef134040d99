"""Wallets: the OpenID4VCI 1.0 issuer of a credential to its holder's wallet (pre-authorized code flow).

The flow (docs/wallets.md):

1. the holder creates an offer for one format (:func:`create_offer`): a pre-authorized code (256 random bits) and
   a six-digit transaction code (``tx_code``), both shown once and stored hashed; the offer is served by reference
   at ``credential_offer_uri`` (:func:`offer_document`), open for ``WALLET_OFFER_TTL`` seconds;
2. the wallet exchanges the code and the ``tx_code`` for an access token (:func:`exchange_pre_authorized_code`):
   once; a wrong ``tx_code`` counts against the offer (closed after ``WALLET_TX_CODE_ATTEMPTS``) and against the
   client's address (refused past ``WALLET_ADDRESS_FAILURES`` in ``WALLET_FAILURE_WINDOW``);
3. it fetches a fresh nonce (:func:`create_nonce`) and proves possession of its key with a JWT signed by it,
   naming us as ``aud`` and carrying the nonce;
4. with the token and the proof it receives the credential, bound to that key (:func:`issue_to_wallet`): the
   nonce is used up, the token and the offer too, and a ``credential.wallet_issued`` event goes on the credential.

Errors are :class:`WalletError` with the codes OpenID4VCI 1.0 and RFC 6749 / RFC 6750 name; nothing is issued and
no event is written when a request is refused.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from aipia import throttling
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from credentials.documents import jose, sd_jwt_vc
from credentials.documents import open_badges as open_badge_document
from credentials.models import Credential, CredentialEvent, WalletNonce, WalletOffer
from credentials.services import keyring, open_badges, token_status
from credentials.services.issuance import credential_data, verify_url_for

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
TX_CODE_LENGTH = 6
ACCESS_TOKEN_TTL = 300
NONCE_TTL = 300
# A proof's iat may be this far from our clock (seconds): a little ahead for clock skew, not older than a nonce.
PROOF_CLOCK_SKEW = 60
PROOF_MAX_AGE = NONCE_TTL
Format = WalletOffer.Format


class WalletError(Exception):
    """A refusal in the protocol's terms: ``error`` (a code the specifications name), ``description`` (English,
    for the wallet's developers), ``status_code`` and extra response ``headers``."""

    def __init__(self, error: str, description: str, *, status_code: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code
        self.headers = headers or {}

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


# --- the issuer's metadata -------------------------------------------------------------------------------------


def issuer_identifier() -> str:
    """The Credential Issuer Identifier: ``SITE_URL`` (no trailing slash); also the proofs' ``aud``."""
    return settings.SITE_URL.rstrip("/")


def configuration_id(*, kind: str, format: str) -> str:
    """The ``credential_configuration_id`` of a credential kind in a format, e.g. ``certification_dc_sd_jwt``."""
    return f"{kind}_{'dc_sd_jwt' if format == Format.SD_JWT_VC else 'jwt_vc_json'}"


def issuers() -> dict[str, Callable[..., str]]:
    """The formats we issue, each with its builder ``(credential, holder_jwk) -> credential text``."""
    return {Format.SD_JWT_VC: issue_sd_jwt_vc, Format.OPEN_BADGE: open_badges.issue_open_badge}


def credential_configurations() -> dict[str, dict[str, Any]]:
    """``credential_configurations_supported``: each credential kind in each format we issue."""
    base = issuer_identifier()
    configurations: dict[str, dict[str, Any]] = {}
    for kind, (name_en, name_it, description_en, description_it) in sd_jwt_vc.TYPE_NAMES.items():
        display = [
            {"name": name_it, "locale": "it", "description": description_it, "logo": _logo(base, "it")},
            {"name": name_en, "locale": "en", "description": description_en, "logo": _logo(base, "en")},
        ]
        common = {
            "cryptographic_binding_methods_supported": ["jwk"],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(jose.ASYMMETRIC_ALGORITHMS)}},
            "credential_signing_alg_values_supported": ["ES256", "RS256"],
        }
        if Format.SD_JWT_VC in issuers():
            configurations[configuration_id(kind=kind, format=Format.SD_JWT_VC)] = {
                "format": Format.SD_JWT_VC.value,
                "scope": f"{kind}_dc_sd_jwt",
                "vct": sd_jwt_vc.vct_url(base, kind),
                **common,
                "credential_metadata": {
                    "display": display,
                    "claims": [
                        {
                            "path": [claim],
                            "display": [{"name": label_it, "locale": "it"}, {"name": label_en, "locale": "en"}],
                        }
                        for claim, (label_en, label_it, _sd) in sd_jwt_vc.CLAIM_LABELS.items()
                    ],
                },
            }
        if Format.OPEN_BADGE in issuers():
            configurations[configuration_id(kind=kind, format=Format.OPEN_BADGE)] = {
                "format": Format.OPEN_BADGE.value,
                "scope": f"{kind}_jwt_vc_json",
                "credential_definition": {"type": list(open_badge_document.CREDENTIAL_TYPES)},
                **common,
                "credential_metadata": {"display": display},
            }
    return configurations


def _logo(base: str, language: str) -> dict[str, str]:
    alt = "Logo AIPIA" if language == "it" else "AIPIA logo"
    return {"uri": base + static("credentials/emblem.svg"), "alt_text": alt}


def credential_issuer_metadata() -> dict[str, Any]:
    """OpenID4VCI 1.0 §12.2: served at ``/.well-known/openid-credential-issuer``."""
    base = issuer_identifier()
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/wallet/credential",
        "nonce_endpoint": f"{base}/wallet/nonce",
        "display": [
            {"name": settings.ISSUER_LEGAL_NAME, "locale": "it", "logo": _logo(base, "it")},
            {"name": settings.ISSUER_LEGAL_NAME, "locale": "en", "logo": _logo(base, "en")},
        ],
        "credential_configurations_supported": credential_configurations(),
    }


def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414, served at ``/.well-known/oauth-authorization-server``: we are our own authorization server,
    for the pre-authorized code grant only, with anonymous access (the transaction code is the second factor)."""
    base = issuer_identifier()
    return {
        "issuer": base,
        "token_endpoint": f"{base}/wallet/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
    }


# --- offers ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedOffer:
    """A new offer and its secrets, which exist only here: the caller shows them once."""

    offer: WalletOffer
    pre_authorized_code: str
    tx_code: str
    offer_uri: str = field(default="")

    @property
    def link(self) -> str:
        """The same-device link (and the QR code's content): ``openid-credential-offer://?credential_offer_uri=…``."""
        return "openid-credential-offer://?" + urlencode({"credential_offer_uri": self.offer_uri})


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _tx_code_digest(tx_code: str) -> str:
    # Six digits are guessed offline from a plain hash in a second: keyed with SECRET_KEY, a stolen row reveals none.
    return salted_hmac("credentials.wallet.tx_code", tx_code, algorithm="sha256").hexdigest()


def offer_uri(pre_authorized_code: str) -> str:
    """Where the offer is served by reference. The code is in the address, as it would be in an offer passed by
    value: the URI is as secret as the code, and useless without the transaction code."""
    return f"{issuer_identifier()}/wallet/offers/{pre_authorized_code}"


def is_open(offer: WalletOffer, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return offer.revoked_at is None and offer.token_issued_at is None and offer.expires_at > now


def create_offer(*, credential: Credential, holder: User, format: str) -> CreatedOffer:
    """A new offer of ``credential`` in ``format`` to its holder's wallet; open offers of the credential are
    revoked. Only the holder may ask, for an issued credential that is active. Writes a
    ``credential.wallet_offer_created`` event."""
    if credential.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder of a credential can add it to a wallet."))
    if format not in Format.values:
        raise DomainError(_("Unknown wallet format: choose dc+sd-jwt or jwt_vc_json."), code="unknown_format")
    now = timezone.now()
    pre_authorized_code = secrets.token_urlsafe(32)
    tx_code = "".join(secrets.choice("0123456789") for _i in range(TX_CODE_LENGTH))
    with transaction.atomic():
        row = Credential.objects.select_for_update(of=("self",)).get(pk=credential.pk)
        _require_offerable(row, now=now)
        revoked = WalletOffer.objects.filter(
            credential=row, revoked_at=None, token_issued_at=None, expires_at__gt=now
        ).update(revoked_at=now)
        offer = WalletOffer.objects.create(
            credential=row,
            format=format,
            created_by=holder,
            created_at=now,
            expires_at=now + datetime.timedelta(seconds=settings.WALLET_OFFER_TTL),
            pre_authorized_code_hash=_digest(pre_authorized_code),
            tx_code_hash=_tx_code_digest(tx_code),
        )
        CredentialEvent.objects.create(
            credential=row,
            action="credential.wallet_offer_created",
            actor=holder,
            data={
                "offer": str(offer.pk),
                "format": format,
                "expires_at": offer.expires_at.isoformat(),
                "replaced": revoked,
            },
        )
    return CreatedOffer(
        offer=offer, pre_authorized_code=pre_authorized_code, tx_code=tx_code, offer_uri=offer_uri(pre_authorized_code)
    )


def _require_offerable(credential: Credential, *, now: datetime.datetime) -> None:
    if credential.issuance != Credential.Issuance.DONE:
        raise InvalidTransition(
            _("Your credential is still being issued: it can be added to a wallet once it is ready."), code="not_issued"
        )
    if credential.status != Credential.Status.ACTIVE or credential.valid_until <= now or credential.valid_from > now:
        raise InvalidTransition(
            _("Only a credential that is active today can be added to a wallet; this one is %(status)s.")
            % {"status": credential.get_status_display().lower()},
            code="not_active",
        )


def revoke_offer(*, offer: WalletOffer, holder: User) -> WalletOffer:
    """Close an open offer: its codes no longer work. Writes a ``credential.wallet_offer_revoked`` event."""
    if offer.credential.holder_id != holder.pk:
        raise NotAllowed(_("Only the holder of a credential can revoke its wallet offers."))
    with transaction.atomic():
        row = WalletOffer.objects.select_for_update().get(pk=offer.pk)
        if not is_open(row):
            raise InvalidTransition(
                _("This offer is no longer open: it was used, revoked or has expired."), code="offer_closed"
            )
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        CredentialEvent.objects.create(
            credential_id=row.credential_id,
            action="credential.wallet_offer_revoked",
            actor=holder,
            data={"offer": str(row.pk), "format": row.format},
        )
    return row


def offers_of(credential: Credential):
    return WalletOffer.objects.filter(credential=credential).order_by("-created_at")


def offer_document(*, pre_authorized_code: str) -> dict[str, Any] | None:
    """The Credential Offer (OpenID4VCI 1.0 §4.1.1) served at ``credential_offer_uri``, while the offer is open."""
    offer = (
        WalletOffer.objects.select_related("credential")
        .filter(pre_authorized_code_hash=_digest(pre_authorized_code))
        .first()
    )
    if offer is None or not is_open(offer):
        return None
    return {
        "credential_issuer": issuer_identifier(),
        "credential_configuration_ids": [configuration_id(kind=offer.credential.kind, format=offer.format)],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": pre_authorized_code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": TX_CODE_LENGTH,
                    "description": "Il codice mostrato nella pagina della credenziale / "
                    "The code shown on the credential's page",
                },
            }
        },
    }


# --- the token endpoint ----------------------------------------------------------------------------------------


def _address_key(address: str, now: datetime.datetime) -> str:
    window = int(now.timestamp()) // settings.WALLET_FAILURE_WINDOW
    return f"wallet-tx-code-failures:{address}:{window}"


def exchange_pre_authorized_code(
    *, grant_type: str, pre_authorized_code: str, tx_code: str | None, address: str
) -> dict[str, Any]:
    """The token response (RFC 6749 §5.1) for a pre-authorized code and its transaction code; single use.

    Raises :class:`WalletError`: ``unsupported_grant_type``; ``invalid_request`` (no code or no ``tx_code``);
    ``invalid_grant`` (unknown, used, revoked or expired code, wrong ``tx_code``); HTTP 429 once the address has
    sent too many wrong codes.
    """
    now = timezone.now()
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise WalletError("unsupported_grant_type", "Only the pre-authorized code grant is supported.")
    if not pre_authorized_code:
        raise WalletError("invalid_request", "The pre-authorized_code parameter is missing.")
    if not tx_code:
        raise WalletError("invalid_request", "This offer needs the transaction code (tx_code) shown to the holder.")
    address_key = _address_key(address, now)
    if throttling.counter(address_key) >= settings.WALLET_ADDRESS_FAILURES:
        raise WalletError(
            "invalid_request",
            "Too many wrong codes from this address: wait before trying again.",
            status_code=429,
            headers={"Retry-After": str(settings.WALLET_FAILURE_WINDOW)},
        )
    refusal: WalletError | None = None
    with transaction.atomic():
        offer = (
            WalletOffer.objects.select_for_update()
            .filter(pre_authorized_code_hash=_digest(pre_authorized_code))
            .first()
        )
        if offer is None:
            refusal = WalletError("invalid_grant", "The pre-authorized code is not valid.")
        elif not is_open(offer, now=now):
            refusal = WalletError("invalid_grant", "The pre-authorized code was used, revoked or has expired.")
        elif not constant_time_compare(offer.tx_code_hash, _tx_code_digest(tx_code)):
            offer.failed_attempts += 1
            fields = ["failed_attempts"]
            if offer.failed_attempts >= settings.WALLET_TX_CODE_ATTEMPTS:
                offer.revoked_at = now
                fields.append("revoked_at")
                CredentialEvent.objects.create(
                    credential_id=offer.credential_id,
                    action="credential.wallet_offer_locked",
                    data={"offer": str(offer.pk), "failed_attempts": offer.failed_attempts},
                )
            offer.save(update_fields=fields)
            refusal = WalletError("invalid_grant", "The transaction code (tx_code) is wrong.")
        else:
            access_token = secrets.token_urlsafe(32)
            offer.token_issued_at = now
            offer.access_token_hash = _digest(access_token)
            offer.access_token_expires_at = now + datetime.timedelta(seconds=ACCESS_TOKEN_TTL)
            offer.save(update_fields=["token_issued_at", "access_token_hash", "access_token_expires_at"])
    if refusal is not None:
        # A wrong or unknown code is a guess: counted against the address, whatever the offer.
        throttling.increment_counter(address_key, ttl=settings.WALLET_FAILURE_WINDOW + 1)
        raise refusal
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": ACCESS_TOKEN_TTL}


# --- nonces ------------------------------------------------------------------------------------------------------


def create_nonce() -> dict[str, Any]:
    """A fresh ``c_nonce`` (OpenID4VCI 1.0 §7), good once within ``NONCE_TTL`` seconds."""
    now = timezone.now()
    value = secrets.token_urlsafe(32)
    WalletNonce.objects.filter(expires_at__lt=now - datetime.timedelta(hours=1)).delete()
    WalletNonce.objects.create(
        value_hash=_digest(value), created_at=now, expires_at=now + datetime.timedelta(seconds=NONCE_TTL)
    )
    return {"c_nonce": value, "c_nonce_expires_in": NONCE_TTL}


# --- the credential endpoint -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedProof:
    jwk: dict[str, Any]
    nonce: str


def check_proof(proof_jwt: Any, *, audience: str, now: datetime.datetime) -> CheckedProof:
    """A JWT proof of possession (OpenID4VCI 1.0 Appendix F.1), checked but for its nonce's freshness:
    ``typ`` ``openid4vci-proof+jwt``, an asymmetric ``alg``, the public key in ``jwk`` (no ``kid`` or ``x5c``
    beside it), a signature by that key, ``aud`` = ``audience``, a recent ``iat`` and a ``nonce``.
    Raises :class:`WalletError` ``invalid_proof``."""
    try:
        jws = jose.read_compact(proof_jwt)
    except jose.JoseError as error:
        raise WalletError("invalid_proof", f"The proof is not a JWT: {error}") from error
    header, claims = jws.header, jws.payload
    if header.get("typ") != PROOF_TYP:
        raise WalletError("invalid_proof", f"The proof's typ must be {PROOF_TYP}.")
    if header.get("alg") not in jose.ASYMMETRIC_ALGORITHMS:
        raise WalletError("invalid_proof", "The proof must be signed with an asymmetric algorithm.")
    if "jwk" not in header or "kid" in header or "x5c" in header:
        raise WalletError("invalid_proof", "The proof must carry its public key in jwk (and neither kid nor x5c).")
    try:
        jose.verify_signature(jws, jose.public_key_from_jwk(header["jwk"]))
    except jose.JoseError as error:
        raise WalletError("invalid_proof", f"The proof's signature does not verify with its jwk: {error}") from error
    audiences = claims.get("aud")
    if audience not in (audiences if isinstance(audiences, list) else [audiences]):
        raise WalletError("invalid_proof", f"The proof's aud must be the credential issuer, {audience}.")
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise WalletError("invalid_proof", "The proof has no iat.")
    age = now.timestamp() - issued
    if age < -PROOF_CLOCK_SKEW or age > PROOF_MAX_AGE:
        raise WalletError("invalid_proof", "The proof's iat is too far from the current time.")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise WalletError("invalid_nonce", "The proof has no nonce: get one from the nonce endpoint.")
    return CheckedProof(jwk=jose.public_jwk_only(header["jwk"]), nonce=nonce)


def _proof_jwt(body: dict[str, Any]) -> Any:
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise WalletError("invalid_credential_request", "Send proofs or proof, not both.")
    if isinstance(proofs, dict):
        if set(proofs) != {"jwt"} or not isinstance(proofs["jwt"], list) or len(proofs["jwt"]) != 1:
            raise WalletError("invalid_proof", "Send exactly one proof, of type jwt (batch issuance is not offered).")
        return proofs["jwt"][0]
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt":
        return proof.get("jwt")
    raise WalletError("invalid_proof", "The request needs a proof of possession of type jwt.")


def _bearer_offer(authorization: str, *, now: datetime.datetime) -> WalletOffer:
    scheme, _space, token = (authorization or "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise WalletError(
            "invalid_token",
            "A Bearer access token is required.",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    offer = WalletOffer.objects.select_related("credential").filter(access_token_hash=_digest(token.strip())).first()
    if (
        offer is None
        or offer.revoked_at is not None
        or offer.credential_issued_at is not None
        or offer.access_token_expires_at is None
        or offer.access_token_expires_at <= now
    ):
        raise WalletError(
            "invalid_token", "The access token is unknown, used or expired.", status_code=401, headers=challenge
        )
    return offer


def issue_to_wallet(*, authorization: str, body: Any) -> dict[str, Any]:
    """The credential response (OpenID4VCI 1.0 §8.3) for a credential request with a Bearer access token.

    Checks, in order: the token (``invalid_token``, 401), the request (``invalid_credential_request``,
    ``unknown_credential_configuration``), the proof (``invalid_proof``), the nonce, used up here
    (``invalid_nonce``), the credential still active (``credential_request_denied``). Then builds the credential
    bound to the proven key, uses up the token and writes a ``credential.wallet_issued`` event, in one
    transaction: a refused request changes nothing but the nonce it used.
    """
    now = timezone.now()
    offer = _bearer_offer(authorization, now=now)
    if not isinstance(body, dict):
        raise WalletError("invalid_credential_request", "The credential request must be a JSON object.")
    expected = configuration_id(kind=offer.credential.kind, format=offer.format)
    requested = body.get("credential_configuration_id")
    if not isinstance(requested, str):
        raise WalletError("invalid_credential_request", "The request must name a credential_configuration_id.")
    if requested != expected:
        raise WalletError(
            "unknown_credential_configuration", f"This access token is for {expected}, not for {requested}."
        )
    proof = check_proof(_proof_jwt(body), audience=issuer_identifier(), now=now)
    builder = issuers().get(offer.format)
    if builder is None:
        raise WalletError("unknown_credential_configuration", "This format cannot be issued now.")
    # The nonce is used up whatever follows: a proof is good once.
    used = WalletNonce.objects.filter(value_hash=_digest(proof.nonce), used_at=None, expires_at__gt=now).update(
        used_at=now
    )
    if used != 1:
        raise WalletError("invalid_nonce", "The nonce is unknown, used or expired: get a fresh one.")
    with transaction.atomic():
        claimed = WalletOffer.objects.filter(pk=offer.pk, credential_issued_at=None, revoked_at=None).update(
            credential_issued_at=now, holder_key_thumbprint=jose.jwk_thumbprint(proof.jwk)
        )
        if claimed != 1:
            raise WalletError(
                "invalid_token",
                "The access token was used meanwhile.",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        credential = (
            Credential.objects.select_for_update(of=("self",))
            .select_related("holder", "profile")
            .get(pk=offer.credential_id)
        )
        if credential.status != Credential.Status.ACTIVE or credential.valid_until <= now:
            raise WalletError(
                "credential_request_denied",
                f"The credential is {credential.status} and can no longer be issued to a wallet.",
            )
        try:
            issued = builder(credential=credential, holder_jwk=proof.jwk)
        except DomainError as error:  # the builder refuses the key or the credential: nothing is issued
            raise WalletError("credential_request_denied", error.message) from error
        CredentialEvent.objects.create(
            credential=credential,
            action="credential.wallet_issued",
            actor=offer.created_by,
            data={
                "offer": str(offer.pk),
                "format": offer.format,
                "configuration": expected,
                "holder_key": jose.jwk_thumbprint(proof.jwk),
            },
        )
    return {"credentials": [{"credential": issued}]}


def issue_sd_jwt_vc(*, credential: Credential, holder_jwk: dict[str, Any] | None) -> str:
    """The credential as an SD-JWT VC, sealed now, bound to ``holder_jwk``, with its Token Status List entry."""
    key, _record = keyring.active_seal()
    reference = token_status.reference_for(credential)
    base = issuer_identifier()
    return sd_jwt_vc.issue(
        credential_data(credential, verify_url=verify_url_for(credential.token)),
        kind=credential.kind,
        serial=credential.serial,
        key=key,
        issuer=base,
        vct=sd_jwt_vc.vct_url(base, credential.kind),
        holder_jwk=holder_jwk,
        status_uri=reference[0] if reference else None,
        status_index=reference[1] if reference else None,
        now=timezone.now(),
    )
