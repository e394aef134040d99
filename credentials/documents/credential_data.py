"""What a credential says, as plain data: the input of the EDC builder (edc.py) and the certificate (pdf.py).
Pure: no Django, no database, no clock."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

LANGUAGES = ("en", "it")


@dataclass(frozen=True)
class Competence:
    code: str  # e-CF competence, e.g. "B.1"
    title_en: str
    title_it: str
    level: int  # e-CF proficiency level, 1..5


@dataclass(frozen=True)
class StatusEntry:
    purpose: str  # "revocation" | "suspension"
    list_number: int  # the list's number: it is published at <status base>/status/<purpose>/<number>
    index: int


@dataclass(frozen=True)
class ExternalCertificationBasis:
    """A certification by an accredited body (ISO/IEC 17024), checked by the association: the basis of a
    credential issued through the third-party route."""

    body: str
    accreditation: str  # e.g. "ACCREDIA PRS n. 123"; may be empty
    scheme: str
    number: str
    issued_on: datetime.date
    valid_until: datetime.date


@dataclass(frozen=True)
class HeldCertification:
    """A certification against a UNI standard held by a member when an attestation is issued."""

    serial: str
    title_en: str
    title_it: str
    standard_edition: str
    valid_until: datetime.date
    awarded_by: str  # the association, or the accredited body for the third-party route


@dataclass(frozen=True)
class AttestationStatement:
    """What a Law 4/2013 art. 7 attestation states (art. 7 (1) a-e), fixed when it is issued."""

    member_number: str
    in_good_standing_on: datetime.date
    membership_valid_until: datetime.date
    standards_en: str  # the standards members follow (code of conduct, UNI 11621-8)
    standards_it: str
    guarantees_en: str  # the guarantees the association offers users
    guarantees_it: str
    insurance_en: str  # professional liability insurance, empty when none is stated
    insurance_it: str
    certifications: tuple[HeldCertification, ...]


@dataclass(frozen=True)
class CredentialData:
    credential_id: uuid.UUID
    issuer_id: str  # an IRI
    issuer_legal_name: str
    issuer_eidas_identifier: str  # = the seal certificate's organizationIdentifier, e.g. "VATIT-12345678901"
    issuer_country: str  # ISO 3166-1 alpha-2
    issuer_homepage: str
    holder_given_name: str
    holder_family_name: str
    holder_email: str | None
    profile_code: str
    profile_title_en: str
    profile_title_it: str
    profile_description_en: str
    profile_description_it: str
    eqf_level: int  # 1..8
    scheme_version: str
    standard_edition: str  # e.g. "UNI 11621-8:2026"
    competences: tuple[Competence, ...]
    assessment_date: datetime.datetime  # the decision date
    issued: datetime.datetime
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    status_entries: tuple[StatusEntry, ...]
    verify_url: str  # the human verification page
    status_base_url: str = ""  # where the status lists are published, e.g. https://credentials.aipia.it
    time_zone: str = "UTC"  # the issuer's, in which the display image prints the days of validity
    # The third-party route: the external certification the credential is based on.
    basis: ExternalCertificationBasis | None = None
    # A Law 4/2013 art. 7 attestation instead of a certification: no assessment, no competences.
    attestation: AttestationStatement | None = None
