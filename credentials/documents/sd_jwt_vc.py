"""SD-JWT VC (``dc+sd-jwt``): a credential for EU Digital Identity Wallets, built from the credential's data.

Pure module: no Django, no database, no clock (the caller passes ``now``). The format:

- SD-JWT, RFC 9901: an issuer-signed JWT, then each disclosure, each followed by ``~``:
  ``<JWT>~<disclosure>~…~``. A disclosure is ``base64url(JSON [salt, name, value])``; the JWT's ``_sd`` lists
  ``base64url(SHA-256(disclosure))`` for each (``_sd_alg`` ``sha-256``), sorted, so their order tells nothing;
- SD-JWT VC (IETF draft): header ``typ`` ``dc+sd-jwt``; claims ``iss`` (our issuer identifier), ``iat``,
  ``nbf``, ``exp`` (the validity), ``vct`` (an https URL of ours serving :func:`type_metadata`), ``cnf.jwk`` (the
  holder's key, proven when the wallet asked for it), ``status`` (an IETF Token Status List reference);
- the claims of a learning credential, after the EUDI reference issuer's (``issuing_authority``,
  ``achievement_title``, ``learning_outcomes``, ``assessment_grade``, ``level_of_learning_experience``,
  ``types_of_quality_assurance``, …); the holder's names are selectively disclosable, everything else is
  what the credential certifies and is always shown.

Signed with the seal key (:func:`credentials.documents.jose.sign_compact`), ``x5c`` (the seal chain) and ``kid``
(its ``x5t#S256``, the key id in ``/.well-known/jwks.json``) in the header.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from credentials.documents.credential_data import CredentialData
from credentials.documents.jose import b64url_decode, read_compact, sign_compact, x5c_of
from credentials.documents.keys import SealKey, b64url

FORMAT = "dc+sd-jwt"
TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
SD_ALG = "sha-256"
# The claims a holder may choose to show or withhold (RFC 9901 §4.2): the personal ones.
SELECTIVELY_DISCLOSABLE = ("given_name", "family_name", "learner_identification")

# Labels of every claim, in Italian and English, for the type metadata (what a wallet prints beside each value).
CLAIM_LABELS: dict[str, tuple[str, str, str]] = {
    # claim: (English, Italian, "always" | "never" selective disclosure)
    "given_name": ("Given name", "Nome", "always"),
    "family_name": ("Family name", "Cognome", "always"),
    "learner_identification": ("Credential serial number", "Numero di serie della credenziale", "always"),
    "issuing_authority": ("Issuing authority", "Autorità di rilascio", "never"),
    "issuing_country": ("Issuing country", "Paese di rilascio", "never"),
    "date_of_issuance": ("Date of issuance", "Data di rilascio", "never"),
    "date_of_expiry": ("Date of expiry", "Data di scadenza", "never"),
    "achievement_title": ("Achievement", "Risultato conseguito", "never"),
    "achievement_title_it": ("Achievement (Italian)", "Risultato conseguito (italiano)", "never"),
    "achievement_description": ("Description", "Descrizione", "never"),
    "achievement_description_it": ("Description (Italian)", "Descrizione (italiano)", "never"),
    "learning_outcomes": ("Competences (e-CF, EN 16234-1)", "Competenze (e-CF, EN 16234-1)", "never"),
    "assessment_grade": ("Assessment result", "Esito della valutazione", "never"),
    "level_of_learning_experience": ("EQF level", "Livello EQF", "never"),
    "types_of_quality_assurance": ("Quality assurance", "Garanzia della qualità", "never"),
    "credential_id": ("Credential identifier", "Identificativo della credenziale", "never"),
}
TYPE_NAMES = {
    "certification": (
        "AIPIA certification of an AI professional (UNI 11621-8)",
        "Certificazione AIPIA di professionista dell'IA (UNI 11621-8)",
        "A certification of persons issued after an assessment by the association's committee.",
        "Una certificazione delle persone rilasciata dopo la valutazione del comitato dell'associazione.",
    ),
    "attestation": (
        "AIPIA attestation of quality (Law 4/2013, art. 7)",
        "Attestato di qualità AIPIA (Legge 4/2013, art. 7)",
        "The association's attestation of quality and professional qualification for its members.",
        "L'attestato di qualità e di qualificazione professionale dei servizi rilasciato dall'associazione ai soci.",
    ),
}


def vct_url(base_url: str, kind: str) -> str:
    """The ``vct`` of a credential kind: an https URL of ours that serves :func:`type_metadata`."""
    return f"{base_url.rstrip('/')}/wallet/types/{kind}"


def type_metadata(*, vct: str, kind: str) -> dict[str, Any]:
    """The SD-JWT VC Type Metadata served at ``vct``: names and claim labels in Italian and English."""
    name_en, name_it, description_en, description_it = TYPE_NAMES[kind]
    return {
        "vct": vct,
        "name": name_en,
        "description": description_en,
        "display": [
            {"locale": "it", "name": name_it, "description": description_it},
            {"locale": "en", "name": name_en, "description": description_en},
        ],
        "claims": [
            {
                "path": [claim],
                "display": [{"locale": "it", "label": label_it}, {"locale": "en", "label": label_en}],
                "sd": sd,
            }
            for claim, (label_en, label_it, sd) in CLAIM_LABELS.items()
        ],
    }


def claims(data: CredentialData, *, kind: str, serial: str) -> dict[str, Any]:
    """What the credential states, as SD-JWT VC claims (before any is made selectively disclosable)."""
    competences = [
        f"{c.code} {c.title_en} (e-CF e-{c.level}) / {c.code} {c.title_it} (e-CF e-{c.level})" for c in data.competences
    ]
    if kind == "attestation":
        quality = (
            "Attestation of quality and professional qualification under Italian Law 4/2013, art. 7 / "
            "Attestato di qualità e di qualificazione professionale ai sensi della Legge 4/2013, art. 7"
        )
        grade = None
    else:
        quality = (
            f"Certification of persons in the style of ISO/IEC 17024, scheme {data.scheme_version}, "
            f"{data.standard_edition} / Certificazione delle persone secondo i principi della ISO/IEC 17024, "
            f"schema {data.scheme_version}, {data.standard_edition}"
        )
        grade = "passed / superata"
    values: dict[str, Any] = {
        "given_name": data.holder_given_name,
        "family_name": data.holder_family_name,
        "learner_identification": serial,
        "issuing_authority": data.issuer_legal_name,
        "issuing_country": data.issuer_country,
        "date_of_issuance": data.issued.date().isoformat(),
        "date_of_expiry": data.valid_until.date().isoformat(),
        "achievement_title": data.profile_title_en,
        "achievement_title_it": data.profile_title_it,
        "achievement_description": data.profile_description_en,
        "achievement_description_it": data.profile_description_it,
        "learning_outcomes": competences,
        "assessment_grade": grade,
        "level_of_learning_experience": data.eqf_level,
        "types_of_quality_assurance": [quality],
        "credential_id": f"urn:uuid:{data.credential_id}",
    }
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def disclosure(salt: str, name: str, value: Any) -> str:
    """``base64url(UTF-8 JSON [salt, name, value])`` (RFC 9901 §4.2.1)."""
    return b64url(json.dumps([salt, name, value], ensure_ascii=False).encode("utf-8"))


def digest(disclosure_text: str) -> str:
    """The ``_sd`` digest of a disclosure: ``base64url(SHA-256(ASCII(disclosure)))``."""
    return b64url(hashlib.sha256(disclosure_text.encode("ascii")).digest())


def new_salt() -> str:
    """128 random bits (RFC 9901 §9.3 recommends at least that)."""
    return b64url(secrets.token_bytes(16))


def issue(
    data: CredentialData,
    *,
    kind: str,
    serial: str,
    key: SealKey,
    issuer: str,
    vct: str,
    holder_jwk: dict[str, Any] | None,
    status_uri: str | None,
    status_index: int | None,
    now: datetime.datetime,
    salt: Callable[[], str] = new_salt,
) -> str:
    """The SD-JWT VC of ``data``, signed by ``key``, bound to ``holder_jwk`` (``cnf``) when given, with an IETF
    Token Status List reference when ``status_uri`` and ``status_index`` are given. Ends with ``~`` (no key
    binding JWT: the holder adds one when presenting)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime.")
    values = claims(data, kind=kind, serial=serial)
    disclosures = [disclosure(salt(), name, values.pop(name)) for name in SELECTIVELY_DISCLOSABLE if name in values]
    payload: dict[str, Any] = {
        "iss": issuer,
        "iat": int(now.timestamp()),
        "nbf": int(data.valid_from.timestamp()),
        "exp": int(data.valid_until.timestamp()),
        "vct": vct,
        "_sd_alg": SD_ALG,
        "_sd": sorted(digest(text) for text in disclosures),
        **values,
    }
    if holder_jwk is not None:
        payload["cnf"] = {"jwk": holder_jwk}
    if status_uri is not None and status_index is not None:
        payload["status"] = {"status_list": {"idx": status_index, "uri": status_uri}}
    header = {"typ": TYP, "kid": key.kid, "x5c": x5c_of(key)}
    jwt = sign_compact(header, payload, key)
    return jwt + "~" + "".join(text + "~" for text in disclosures)


# --- reading ---------------------------------------------------------------------------------------------------


class SdJwtError(ValueError):
    """An SD-JWT that cannot be read: the message says what is wrong."""


def split(text: str) -> tuple[str, list[str], str | None]:
    """The issuer-signed JWT, the disclosures and the key binding JWT (or None) of a serialized SD-JWT."""
    if not isinstance(text, str) or "~" not in text:
        raise SdJwtError("This is not an SD-JWT: it has no '~' separators.")
    parts = text.strip().split("~")
    jwt, middle, last = parts[0], parts[1:-1], parts[-1]
    if any(not part for part in middle):
        raise SdJwtError("The SD-JWT has an empty disclosure.")
    return jwt, middle, last or None


def looks_like_sd_jwt(data: bytes) -> bool:
    """Whether ``data`` has the shape of a serialized SD-JWT: a JWT (three base64url parts), then ``~``."""
    jwt, tilde, _rest = data.strip()[:65536].partition(b"~")
    return (
        bool(tilde)
        and jwt.count(b".") == 2
        and all(chr(byte).isascii() and (chr(byte).isalnum() or byte in b"-_.") for byte in jwt)
    )


def disclosed_claims(payload: dict[str, Any], disclosures: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The payload with every disclosed object property put back (RFC 9901 §7.1), and the problems found:
    a disclosure whose digest the payload does not list, a repeated digest, or a malformed disclosure."""
    problems: list[str] = []
    by_digest: dict[str, tuple[str, Any]] = {}
    for text in disclosures:
        try:
            decoded = json.loads(b64url_decode(text, "disclosure").decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            problems.append("A disclosure is not base64url JSON.")
            continue
        if not isinstance(decoded, list) or len(decoded) != 3 or not isinstance(decoded[1], str):
            problems.append("A disclosure is not an array of salt, claim name and value.")
            continue
        if decoded[1] in ("_sd", "...") or decoded[1].startswith("_sd"):
            problems.append("A disclosure uses a reserved claim name.")
            continue
        key = digest(text)
        if key in by_digest:
            problems.append("A disclosure is repeated.")
        by_digest[key] = (decoded[1], decoded[2])
    used: set[str] = set()
    result = {name: value for name, value in payload.items() if name not in ("_sd", "_sd_alg")}
    listed = payload.get("_sd", [])
    if not isinstance(listed, list):
        problems.append("The _sd claim is not a list.")
        listed = []
    for item in listed:
        if item in by_digest:
            if item in used:
                problems.append("A digest is listed twice.")
            used.add(item)
            name, value = by_digest[item]
            if name in result:
                problems.append(f"The disclosed claim {name!r} is also in the clear.")
            result[name] = value
    if set(by_digest) - used:
        problems.append("A disclosure matches no digest in the signed credential: it was added or altered.")
    return result, problems


def sd_hash(issuer_jwt: str, disclosures: list[str]) -> str:
    """The key binding JWT's ``sd_hash``: base64url SHA-256 over the presentation up to its last ``~``."""
    presented = issuer_jwt + "~" + "".join(text + "~" for text in disclosures)
    return b64url(hashlib.sha256(presented.encode("ascii")).digest())


def header_and_payload(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    jws = read_compact(split(text)[0])
    return jws.header, jws.payload
