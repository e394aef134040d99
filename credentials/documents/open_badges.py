"""Build, sign, bake and read the Open Badges 3.0 ``AchievementCredential`` of an AIPIA credential.

Data in, bytes out: no Django, no database, no clock. The credential is a W3C Verifiable Credential (Data Model
2.0) with the Open Badges 3.0 context, secured as a compact JWS whose claims are the credential itself, as OB 3.0
§8.2 (VC-JWT) describes: the credential's members at the top level, beside the registered claims ``iss`` (the
issuer's id), ``jti`` (the credential's id), ``sub`` (the subject's id, when it has one), ``nbf`` (``validFrom``),
``exp`` (``validUntil``) and ``iat`` (the moment of signing: the seal certificate must be valid then). The JOSE
header carries ``alg``, ``typ: "JWT"`` (OB 3.0 §8.2.4.1), ``kid`` (as in ``/.well-known/jwks.json``) and ``x5c``
(the seal certificate chain), so a verifier finds the key as it does for the EDC's seal.

    AchievementCredential (id = urn:uuid:<credential id>, as the EDC's)
      issuer ─────────────── Profile (id, name, url, image, the eIDAS identifier as otherIdentifier)
      credentialSubject ──── AchievementSubject (the holder: a did:jwk when a wallet proved its key, and
                              IdentityObjects: the e-mail address hashed, the name)
                               ├─ achievement ── Achievement (the profile: criteria, image = its badge,
                               │                  alignment = its e-CF competences and EQF level)
                               └─ result ─────── one Result per competence: the e-CF level reached
      credentialStatus ───── two BitstringStatusListEntry objects, revocation and suspension, pointing at our
                             status lists served as VC-JWTs (``<list URL>.jwt``, the same bits as the sealed list)

Contract: the same inputs give the same claims, and with an RFC 6979 (deterministic) key the same token.

Baking (OB 3.0 §5.3): a PNG carries the token in an ``iTXt`` chunk with the keyword ``openbadgecredential``; an
SVG carries ``<openbadges:credential verify="…"/>`` (namespace ``https://purl.imsglobal.org/ob/v3p0``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image, PngImagePlugin

from credentials.documents.credential_data import CredentialData
from credentials.documents.keys import SealKey, b64url
from credentials.documents.statements import attestation_notes, basis_note
from credentials.documents.status_list import CONTEXT_V2, PURPOSES

# The Open Badges 3.0 context, in the revision openbadgeslib ships and checks against (3.0.3, errata v1.6).
CONTEXT_OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [CONTEXT_V2, CONTEXT_OB]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
JOSE_TYPE = "JWT"
MEDIA_TYPE = "application/vc+jwt"  # how the credential is served (VC-JOSE-COSE); OB 3.0 names no other
# Our status lists are served a second time as VC-JWTs, at the list's URL followed by this suffix.
STATUS_LIST_JWT_SUFFIX = ".jwt"
PNG_KEYWORD = "openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_ELEMENT = "credential"
ECF_FRAMEWORK = "e-CF (European e-Competence Framework, EN 16234-1)"
EQF_FRAMEWORK = "European Qualifications Framework (EQF)"
_EQF_URL = "http://data.europa.eu/snb/eqf/{level}"
_SVG = "http://www.w3.org/2000/svg"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class BadgeError(ValueError):
    """Input the credential cannot express, or a baked image without a credential."""


@dataclass(frozen=True)
class BadgeLinks:
    """The public addresses an Open Badge names besides what ``CredentialData`` says."""

    achievement_url: str  # the profile's public page: the Achievement's id (and its criteria's, when published)
    badge_image_url: str | None  # the profile's badge (PNG); None for a profile not published (attestations)
    issuer_image_url: str | None = None  # the association's logo, when it publishes one


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """The ``did:jwk`` of a public JWK (https://github.com/quartzjer/did-jwk): base64url of its JSON, compact.
    Raises :class:`BadgeError` for a JWK that is not a public key (no ``kty``, or private members)."""
    if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kty"), str):
        raise BadgeError("The holder's key must be a JWK with a key type (kty).")
    if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise BadgeError("The holder's key must be a public key: it holds private members.")
    text = json.dumps(dict(jwk), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return "did:jwk:" + b64url(text.encode("utf-8"))


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 ``IdentityHash``: ``sha256$`` and the hexadecimal SHA-256 of the value followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def status_list_jwt_url(base_url: str, purpose: str, number: int) -> str:
    return f"{base_url.rstrip('/')}/status/{purpose}/{number}{STATUS_LIST_JWT_SUFFIX}"


def build_achievement_credential(
    data: CredentialData, *, links: BadgeLinks, holder_id: str | None = None
) -> dict[str, Any]:
    """The unsecured ``AchievementCredential`` for ``data``: JSON-serialisable, the same for the same input.

    ``holder_id``: the subject's id (a ``did:jwk`` of the key a wallet proved), or None for a credential bound
    to the holder by their hashed e-mail address and name alone. Raises :class:`BadgeError` for a naive
    datetime, an unknown status purpose or a credential without status entries.
    """
    for moment in (data.issued, data.valid_from, data.valid_until):
        if moment.tzinfo is None:
            raise BadgeError("Dates must be aware datetimes.")
    if not data.status_entries:
        raise BadgeError("An Open Badge of ours always carries its revocation and suspension entries.")
    achievement = _achievement(data, links)
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if holder_id:
        subject["id"] = holder_id
    subject["identifier"] = _identifiers(data)
    subject["achievement"] = achievement
    if data.competences and data.attestation is None:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": _result_description_id(links, competence.code),
                "value": f"e-{competence.level}",
            }
            for competence in data.competences
        ]
    issuer: dict[str, Any] = {
        "id": data.issuer_id,
        "type": ["Profile"],
        "name": data.issuer_legal_name,
        "url": data.issuer_homepage,
    }
    if links.issuer_image_url:
        issuer["image"] = {"id": links.issuer_image_url, "type": "Image"}
    if data.issuer_eidas_identifier:
        issuer["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": data.issuer_eidas_identifier, "identifierType": "identifier"}
        ]
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{data.credential_id}",
        "type": list(CREDENTIAL_TYPES),
        "name": _credential_name(data),
        "description": _credential_description(data),
        "issuer": issuer,
        "validFrom": _stamp(data.valid_from),
        "validUntil": _stamp(data.valid_until),
        "awardedDate": _stamp(data.issued),
        "credentialSubject": subject,
        "credentialStatus": _status_entries(data),
    }


def _status_entries(data: CredentialData) -> list[dict[str, Any]]:
    """One W3C ``BitstringStatusListEntry`` per status entry, revocation first."""
    for entry in data.status_entries:
        if entry.purpose not in PURPOSES:
            raise BadgeError(f"Unknown status purpose {entry.purpose!r}.")
    entries = []
    for entry in sorted(data.status_entries, key=lambda entry: PURPOSES.index(entry.purpose)):
        url = status_list_jwt_url(data.status_base_url, entry.purpose, entry.list_number)
        entries.append(
            {
                "id": f"{url}#{entry.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": entry.purpose,
                "statusListIndex": str(entry.index),
                "statusListCredential": url,
            }
        )
    return entries


def _credential_name(data: CredentialData) -> str:
    if data.attestation is not None:
        return "Attestation of quality and professional qualification (Italian Law 4/2013, art. 7)"
    return f"{data.profile_title_en} ({data.standard_edition})"


def _credential_description(data: CredentialData) -> str:
    holder = " ".join(part for part in (data.holder_given_name, data.holder_family_name) if part)
    if data.attestation is not None:
        return (
            f"{holder} is a member in good standing of {data.issuer_legal_name}, which attests it under Italian "
            "Law 4/2013, art. 7."
        )
    return f"{holder} is certified under {data.standard_edition} as {data.profile_title_en}."


def _achievement(data: CredentialData, links: BadgeLinks) -> dict[str, Any]:
    alignment = [
        {
            "type": ["Alignment"],
            "targetName": f"{competence.code} {competence.title_en}",
            "targetCode": competence.code,
            "targetFramework": ECF_FRAMEWORK,
            "targetType": "ceasn:Competency",
            "targetDescription": f"Proficiency level e-{competence.level} of 5",
            "targetUrl": f"{links.achievement_url}#ecf-{competence.code}",
        }
        for competence in data.competences
    ]
    alignment.append(
        {
            "type": ["Alignment"],
            "targetName": f"EQF level {data.eqf_level}",
            "targetCode": str(data.eqf_level),
            "targetFramework": EQF_FRAMEWORK,
            "targetUrl": _EQF_URL.format(level=data.eqf_level),
        }
    )
    achievement: dict[str, Any] = {
        "id": links.achievement_url,
        "type": ["Achievement"],
        "achievementType": "Membership" if data.attestation is not None else "Certification",
        "name": data.profile_title_en,
        "description": data.profile_description_en,
        "criteria": {"id": links.achievement_url, "narrative": _criteria(data)},
        "humanCode": data.profile_code,
        "inLanguage": "en",
        "version": data.scheme_version,
        "creator": {"id": data.issuer_id, "type": ["Profile"], "name": data.issuer_legal_name},
        "alignment": alignment,
    }
    if links.badge_image_url:
        achievement["image"] = {
            "id": links.badge_image_url,
            "type": "Image",
            "caption": f"{data.profile_title_en} badge",
        }
    else:
        del achievement["criteria"]["id"]  # the page of a profile not published does not exist
    if data.competences and data.attestation is None:
        achievement["resultDescription"] = [
            {
                "id": _result_description_id(links, competence.code),
                "type": ["ResultDescription"],
                "name": f"e-CF proficiency level in {competence.code} {competence.title_en}",
                "resultType": "PerformanceLevel",
                "allowedValue": [f"e-{level}" for level in range(1, 6)],
                "requiredValue": f"e-{competence.level}",
                "alignment": [alignment[position]],
            }
            for position, competence in enumerate(data.competences)
        ]
    return achievement


def _result_description_id(links: BadgeLinks, code: str) -> str:
    return f"{links.achievement_url}#level-{code}"


def _criteria(data: CredentialData) -> str:
    if data.attestation is not None:
        notes = attestation_notes(data.attestation, issuer_name=data.issuer_legal_name)
        return " ".join(text["en"] for _key, _heading, text in notes)
    competences = "; ".join(f"{c.code} {c.title_en} at level e-{c.level}" for c in data.competences)
    narrative = (
        f"Assessed under the AIPIA certification scheme {data.scheme_version}, based on {data.standard_edition} "
        f"(ISO/IEC 17024-style certification of persons): the candidate's dossier of evidence was assessed by at "
        f"least two assessors against the profile's criteria and rubric, and the decision was taken by someone who "
        f"did not assess it. The e-CF competences required: {competences}. Valid three years, renewed through "
        f"continuing professional development."
    )
    if data.basis is not None:
        narrative = basis_note(data.basis)["en"] + " " + narrative
    return narrative


def _identifiers(data: CredentialData) -> list[dict[str, Any]]:
    # The salt is the credential's own id: unique per credential (no table links two credentials of one
    # address), and public like every IdentityObject's salt.
    salt = data.credential_id.hex
    identifiers = []
    if data.holder_email:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(data.holder_email.strip().lower(), salt),
                "salt": salt,
            }
        )
    name = " ".join(part for part in (data.holder_given_name, data.holder_family_name) if part)
    if name:
        # The name is printed on every representation of the credential (the EDC and the certificate carry it),
        # so it is not hashed: it is what a verifier compares with the person in front of them.
        identifiers.append({"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name})
    return identifiers


# --- securing: VC-JWT ------------------------------------------------------------------------------------------


def registered_claims(credential: Mapping[str, Any], *, signed_at: datetime.datetime) -> dict[str, Any]:
    """The JWT registered claims OB 3.0 §8.2 derives from the credential, plus ``iat``."""
    if signed_at.tzinfo is None:
        raise BadgeError("signed_at must be an aware datetime.")
    issuer = credential.get("issuer")
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, Mapping) else issuer,
        "jti": credential["id"],
        "nbf": _numeric_date(credential["validFrom"]),
        "iat": int(signed_at.timestamp()),
    }
    if credential.get("validUntil"):
        claims["exp"] = _numeric_date(credential["validUntil"])
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    return claims


def sign_credential(credential: Mapping[str, Any], key: SealKey, *, signed_at: datetime.datetime) -> str:
    """``credential`` as a compact JWS (VC-JWT, OB 3.0 §8.2), signed through ``key.sign_jose``."""
    if "proof" in credential:
        raise BadgeError("A credential secured as a JWT carries no embedded proof.")
    header = {
        "alg": key.jose_alg,
        "typ": JOSE_TYPE,
        "kid": key.kid,
        "x5c": [base64.b64encode(certificate.public_bytes(Encoding.DER)).decode("ascii") for certificate in key.chain],
    }
    claims = {**credential, **registered_claims(credential, signed_at=signed_at)}
    signing_input = _segment(header) + "." + _segment(claims)
    return signing_input + "." + b64url(key.sign_jose(signing_input.encode("ascii")))


def _segment(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


# --- baking (OB 3.0 §5.3) --------------------------------------------------------------------------------------

_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def bake_png(png: bytes, token: str) -> bytes:
    """``png`` with ``token`` in an uncompressed ``iTXt`` chunk ``openbadgecredential`` (any earlier one
    replaced). Raises :class:`BadgeError` for an image that is not a PNG."""
    if not png.startswith(_PNG_SIGNATURE):
        raise BadgeError("The badge image is not a PNG.")
    image = Image.open(io.BytesIO(png))
    if not isinstance(image, PngImagePlugin.PngImageFile):
        raise BadgeError("The badge image is not a PNG.")
    info = PngImagePlugin.PngInfo()
    for keyword, value in image.text.items():
        if keyword != PNG_KEYWORD:
            info.add_text(keyword, value)
    info.add_itxt(PNG_KEYWORD, token, zip=False)
    output = io.BytesIO()
    image.save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def bake_svg(svg: bytes, token: str) -> bytes:
    """``svg`` with ``<openbadges:credential verify="token"/>`` as the first child of its root (any earlier
    one replaced). Raises :class:`BadgeError` for a document that is not an SVG."""
    ElementTree.register_namespace("", _SVG)
    ElementTree.register_namespace("openbadges", SVG_NAMESPACE)
    try:
        root = ElementTree.fromstring(svg)  # noqa: S314 - our own badge, drawn by profiles/badge_drawing.py
    except ElementTree.ParseError as error:
        raise BadgeError(f"The badge image is not XML: {error}.") from error
    if root.tag != f"{{{_SVG}}}svg":
        raise BadgeError("The badge image is not an SVG.")
    for element in root.findall(f"{{{SVG_NAMESPACE}}}{SVG_ELEMENT}"):
        root.remove(element)
    element = ElementTree.Element(f"{{{SVG_NAMESPACE}}}{SVG_ELEMENT}", {"verify": token})
    root.insert(0, element)
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def is_png(data: bytes) -> bool:
    return data.startswith(_PNG_SIGNATURE)


def looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536]


def looks_like_jwt(data: bytes) -> bool:
    text = data.strip()
    return text.startswith(b"eyJ") and _COMPACT_JWS.fullmatch(text.decode("ascii", "replace")) is not None


def read_baked(data: bytes) -> str:
    """The compact JWS baked into a PNG or SVG badge. Raises :class:`BadgeError` when there is none.

    Reads without decompressing anything: the token is looked for in uncompressed ``iTXt`` chunks (how
    OB 3.0 bakes it), and an SVG is parsed by a parser that refuses entity declarations.
    """
    if is_png(data):
        token = _png_itxt(data)
    elif looks_like_svg(data):
        token = _svg_verify(data)
    else:
        raise BadgeError("This image is neither a PNG nor an SVG badge.")
    if token is None or _COMPACT_JWS.fullmatch(token) is None:
        raise BadgeError("This image carries no Open Badges 3.0 credential.")
    return token


def _png_itxt(data: bytes) -> str | None:
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if len(body) < length:
            return None
        if kind == b"iTXt":
            keyword, _nul, rest = body.partition(b"\x00")
            if keyword == PNG_KEYWORD.encode("latin-1") and len(rest) >= 2 and rest[0] == 0:
                _language, _nul, rest = rest[2:].partition(b"\x00")
                _translated, _nul, text = rest.partition(b"\x00")
                return text.decode("utf-8", "replace").strip()
        if kind == b"IEND":
            return None
        position += 12 + length
    return None


def _svg_verify(data: bytes) -> str | None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise BadgeError("An SVG badge with a document type declaration is not read.")
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DTD, so no entity expansion
    except ElementTree.ParseError as error:
        raise BadgeError(f"This SVG cannot be read: {error}.") from error
    for element in root.iter(f"{{{SVG_NAMESPACE}}}{SVG_ELEMENT}"):
        value = element.get("verify") or (element.text or "").strip()
        if value:
            return value.strip()
    return None


# --- helpers -----------------------------------------------------------------------------------------------------


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _numeric_date(text: str) -> int:
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
