"""What a credential states beyond its profile, read from the JSON frozen on its row (``Credential.statement``).

``{"basis": {...}}``: the external certification a third-party credential rests on (body, accreditation, scheme,
number, ISO dates ``issued_on`` and ``valid_until``). ``{"attestation": {...}}``: what a Law 4/2013 attestation
states (credentials/services/attestation.py writes it). Anything else states nothing more. Pure: JSON in,
the EDC's dataclasses out, and the sentences (English and Italian) that the EDC and the certificate print.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from credentials.documents.credential_data import (
    LANGUAGES,
    AttestationStatement,
    ExternalCertificationBasis,
    HeldCertification,
)


def basis(statement: Mapping[str, Any] | None) -> ExternalCertificationBasis | None:
    data = (statement or {}).get("basis")
    if data is None:
        return None
    return ExternalCertificationBasis(
        body=data["body"],
        accreditation=data["accreditation"],
        scheme=data["scheme"],
        number=data["number"],
        issued_on=datetime.date.fromisoformat(data["issued_on"]),
        valid_until=datetime.date.fromisoformat(data["valid_until"]),
    )


def attestation(statement: Mapping[str, Any] | None) -> AttestationStatement | None:
    data = (statement or {}).get("attestation")
    if data is None:
        return None
    return AttestationStatement(
        member_number=data["member_number"],
        in_good_standing_on=datetime.date.fromisoformat(data["in_good_standing_on"]),
        membership_valid_until=datetime.date.fromisoformat(data["membership_valid_until"]),
        standards_en=data["standards"].get("en", ""),
        standards_it=data["standards"].get("it", ""),
        guarantees_en=data["guarantees"].get("en", ""),
        guarantees_it=data["guarantees"].get("it", ""),
        insurance_en=data["insurance"].get("en", ""),
        insurance_it=data["insurance"].get("it", ""),
        certifications=tuple(
            HeldCertification(
                serial=item["serial"],
                title_en=item["title_en"],
                title_it=item["title_it"],
                standard_edition=item["standard_edition"],
                valid_until=datetime.date.fromisoformat(item["valid_until"]),
                awarded_by=item["awarded_by"],
            )
            for item in data["certifications"]
        ),
    )


# --- the sentences that state them, in each language ---------------------------------------------------------

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
}  # fmt: skip


def _date_text(value: datetime.date, language: str) -> str:
    return f"{value.day} {_MONTHS[language][value.month - 1]} {value.year}"


def basis_note(basis: ExternalCertificationBasis) -> dict[str, str]:
    """The sentence, in each language, stating the external certification a credential is based on."""
    notes = {}
    for language in LANGUAGES:
        values = {
            "body": basis.body,
            "scheme": basis.scheme,
            "number": basis.number,
            "issued": _date_text(basis.issued_on, language),
            "until": _date_text(basis.valid_until, language),
        }
        if language == "it":
            text = (
                "Rilasciata sulla base della certificazione n. {number} secondo lo schema «{scheme}», rilasciata da "
                "{body}, organismo di certificazione delle persone accreditato secondo la ISO/IEC 17024"
            ).format(**values)
            if basis.accreditation:
                text += f" ({basis.accreditation})"
            text += ", il {issued}, valida fino al {until}; verificata dall'associazione.".format(**values)
        else:
            text = (
                "Issued on the basis of certificate no. {number} under the scheme “{scheme}”, issued by {body}, a "
                "certification body for persons accredited under ISO/IEC 17024"
            ).format(**values)
            if basis.accreditation:
                text += f" ({basis.accreditation})"
            text += ", on {issued}, valid until {until}; checked by the association.".format(**values)
        notes[language] = text
    return notes


def attestation_notes(
    statement: AttestationStatement, *, issuer_name: str
) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """What an attestation states, as ``(key, heading, text)`` with bilingual heading and text, in the order
    of Law 4/2013 art. 7 (1): membership, standards, guarantees, insurance (if any), certifications (if any)."""
    notes: list[tuple[str, dict[str, str], dict[str, str]]] = []
    membership = {
        language: (
            "Socio n. {number} di {issuer}, iscritto/a in regola al {on}; iscrizione valida fino al {until}."
            if language == "it"
            else "Member no. {number} of {issuer}, in good standing on {on}; membership valid until {until}."
        ).format(
            number=statement.member_number,
            issuer=issuer_name,
            on=_date_text(statement.in_good_standing_on, language),
            until=_date_text(statement.membership_valid_until, language),
        )
        for language in LANGUAGES
    }
    notes.append(("membership", {"en": "Membership", "it": "Iscrizione"}, membership))
    notes.append(
        (
            "standards",
            {"en": "Standards members follow", "it": "Standard che gli iscritti sono tenuti a rispettare"},
            {"en": statement.standards_en, "it": statement.standards_it},
        )
    )
    notes.append(
        (
            "guarantees",
            {"en": "Guarantees offered to users", "it": "Garanzie offerte all'utente"},
            {"en": statement.guarantees_en, "it": statement.guarantees_it},
        )
    )
    if statement.insurance_en or statement.insurance_it:
        notes.append(
            (
                "insurance",
                {"en": "Professional liability insurance", "it": "Assicurazione per la responsabilità professionale"},
                {
                    "en": statement.insurance_en or statement.insurance_it,
                    "it": statement.insurance_it or statement.insurance_en,
                },
            )
        )
    if statement.certifications:
        held = {language: _held_text(statement.certifications, language) for language in LANGUAGES}
        notes.append(("certifications", {"en": "Certifications held", "it": "Certificazioni possedute"}, held))
    return notes


def _held_text(certifications: tuple[HeldCertification, ...], language: str) -> str:
    items = [
        (
            "{title} ({standard}), n. {serial}, rilasciata da {by}, valida fino al {until}"
            if language == "it"
            else "{title} ({standard}), no. {serial}, awarded by {by}, valid until {until}"
        ).format(
            title=certification.title_it if language == "it" else certification.title_en,
            standard=certification.standard_edition,
            serial=certification.serial,
            by=certification.awarded_by,
            until=_date_text(certification.valid_until, language),
        )
        for certification in certifications
    ]
    return "; ".join(items) + "."
