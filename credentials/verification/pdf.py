"""Verifying a sealed PDF certificate (PAdES) and the credential embedded in it. Pure."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from aipia import jsonlimits
from credentials.documents.keys import _ordered_chain
from credentials.documents.seal import check_chain
from credentials.verification.report import (
    CHECK_NAMES,
    EMBEDDED_CREDENTIAL_NAME,
    FAILED,
    PASSED,
    SKIPPED,
    Check,
    Report,
    StatusLookup,
    _,
    _now,
    _stamp,
    conclude,
)
from credentials.verification.sealed import _certificate_name, verify_sealed_credential

logger = logging.getLogger(__name__)


# --- PDF certificates (PAdES) ---------------------------------------------------------------------------------


def verify_pdf(
    data: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate],
    status_lookup: StatusLookup,
    edc_dir: Path,
    now: datetime | None = None,
) -> Report:
    """Verify a sealed PDF certificate: its PAdES seal (reported as the ``pdf`` check), then the credential
    embedded in it as ``credential.jsonld``, exactly as :func:`verify_sealed_credential` does."""
    now = _now(now)
    pdf_check, embedded = _pdf_seal_and_attachment(data, trust_anchors, now)
    if embedded is None:
        skipped = [Check(name, SKIPPED, _("not checked: there is no credential to check.")) for name in CHECK_NAMES[2:]]
        missing = Check(
            "format",
            FAILED,
            _(
                "The PDF carries no embedded credential ({name}): it is not one of our sealed certificates.",
                name=EMBEDDED_CREDENTIAL_NAME,
            ),
        )
        return conclude([pdf_check, missing, *skipped], now=now)
    try:
        sealed = jsonlimits.loads(embedded)
    except (ValueError, UnicodeDecodeError):
        sealed = None
    if not isinstance(sealed, dict):
        skipped = [Check(name, SKIPPED, _("not checked: there is no credential to check.")) for name in CHECK_NAMES[2:]]
        return conclude(
            [pdf_check, Check("format", FAILED, _("The embedded credential is not JSON.")), *skipped], now=now
        )
    report = verify_sealed_credential(
        sealed, trust_anchors=trust_anchors, status_lookup=status_lookup, edc_dir=edc_dir, now=now
    )
    return conclude([pdf_check, *report.checks], credential=report.credential, now=now, issuer_name=report.issuer_name)


def _pdf_seal_and_attachment(
    data: bytes, trust_anchors: Sequence[x509.Certificate], now: datetime
) -> tuple[Check, bytes | None]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    # A PDF is read by a library from bytes anyone may send: a damaged stream (zlib), a broken cross-reference
    # table, a loop of references, an encrypted file each raise something different. Whatever it is, the answer is
    # "not verified, the PDF is damaged", never an error page.
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if getattr(reader, "encrypted", False):
            return Check("pdf", FAILED, _("The PDF is encrypted: our certificates never are.")), None
        signatures = reader.embedded_signatures
        embedded = _embedded_file(reader, EMBEDDED_CREDENTIAL_NAME)
    except Exception:
        logger.info("An uploaded PDF could not be read.", exc_info=True)
        return Check("pdf", FAILED, _("The file cannot be read as a PDF: it is damaged or not a PDF.")), None
    if not signatures:
        return Check("pdf", FAILED, _("The PDF carries no seal (no PAdES signature).")), embedded
    # A B-LTA certificate ends with document timestamps; the seal is the last real signature before them.
    seals = [signature for signature in signatures if signature.sig_object_type != "/DocTimeStamp"]
    if not seals:
        return Check("pdf", FAILED, _("The PDF carries no seal (no PAdES signature).")), embedded
    timestamps = len(signatures) - len(seals)
    try:
        return _pdf_seal_check(seals[-1], trust_anchors, now, archived=timestamps > 0), embedded
    except Exception:
        logger.info("The seal of an uploaded PDF could not be read.", exc_info=True)
        return Check("pdf", FAILED, _("The PDF's seal cannot be read: the file is damaged.")), embedded


def _embedded_file(reader: Any, name: str) -> bytes | None:
    names = reader.root.get("/Names")
    files = names.get_object().get("/EmbeddedFiles") if names is not None else None
    if files is None:
        return None
    pairs = files.get_object().get("/Names")
    if pairs is None:
        return None
    pairs = list(pairs.get_object())
    for position in range(0, len(pairs) - 1, 2):
        if str(pairs[position]) == name:
            spec = pairs[position + 1].get_object()
            return spec["/EF"]["/F"].get_object().data
    return None


def _pdf_seal_check(
    signature: Any, trust_anchors: Sequence[x509.Certificate], now: datetime, *, archived: bool = False
) -> Check:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signed_at = signature.self_reported_timestamp or now
    roots = [asn1_x509.Certificate.load(a.public_bytes(serialization.Encoding.DER)) for a in trust_anchors]
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=signed_at)
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception:  # pyHanko raises many types for damaged signatures; all mean "not intact"
        return Check("pdf", FAILED, _("The PDF's seal cannot be validated: the file is damaged or was altered."))
    if not status.intact or not status.valid:
        return Check("pdf", FAILED, _("The PDF's seal is broken: the file was altered after it was sealed."))
    # After the seal, a B-LTA certificate may only gain validation data and document timestamps.
    archival_only = (
        archived
        and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE and not archival_only:
        return Check(
            "pdf", FAILED, _("The PDF was changed after it was sealed: the seal no longer covers the whole file.")
        )
    signer = x509.load_der_x509_certificate(signature.signer_cert.dump())
    others = [x509.load_der_x509_certificate(c.dump()) for c in signature.other_embedded_certs]
    # A CMS SignedData's certificates are a set, in no order: follow the issuers from the signer.
    trusted, problem = check_chain(_ordered_chain(signer, others), trust_anchors=trust_anchors, at=signed_at)
    if not trusted:
        return Check(
            "pdf",
            FAILED,
            _("The PDF's seal is intact, but {problem} The signer is not in our trust list.", problem=problem),
        )
    if archived:
        passed, indication = ltv_validation(signature, trust_anchors=trust_anchors, at=now)
        if not passed and "Failure" in indication:
            return Check(
                "pdf",
                FAILED,
                _("The PDF's long-term validation failed ({indication}).", indication=indication),
            )
        return Check(
            "pdf",
            PASSED,
            _(
                "The PDF's seal is intact, was made by {who}, whose certificate chains to a trust anchor (signed "
                "{moment}), and only validation data and timestamps were added after it (PAdES B-LTA). Long-term "
                "validation: {indication}.",
                who=_certificate_name(signer),
                moment=_stamp(signed_at),
                indication=indication,
            ),
        )
    return Check(
        "pdf",
        PASSED,
        _(
            "The PDF's seal is intact, covers the whole file and was made by {who}, whose certificate chains to a "
            "trust anchor (signed {moment}).",
            who=_certificate_name(signer),
            moment=_stamp(signed_at),
        ),
    )


# --- long-term validation (PAdES B-LTA) ----------------------------------------------------------------------


def ltv_validation(
    signature: Any, *, trust_anchors: Sequence[x509.Certificate], at: datetime, crls: Sequence[Any] = ()
) -> tuple[bool, str]:
    """Validate ``signature`` (a pyHanko embedded PDF signature) as of ``at`` with pyHanko's AdES long-term
    validation (ETSI EN 319 102-1 §5.6.3): the chain of document timestamps and the validation data embedded in
    the PDF, never the network. ``crls`` (asn1crypto CertificateLists) is the revocation data the verifier holds
    for ``at``, which the last document timestamp's certificate needs. Returns (passed, pyHanko's indication)."""
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        LocalKnowledge,
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy, FreshnessReqType
    from pyhanko_certvalidator.registry import SimpleTrustManager
    from pyhanko_certvalidator.revinfo.archival import CRLContainer

    roots = [asn1_x509.Certificate.load(a.public_bytes(serialization.Encoding.DER)) for a in trust_anchors]
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=roots),
                # Revocation data counts when issued close enough to the moment it is used for (the signing
                # time, each timestamp's time), as pyHanko's own LTA tests choose.
                revinfo_policy=CertRevTrustPolicy(
                    REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
                ),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            local_knowledge=LocalKnowledge(known_crls=[CRLContainer(crl) for crl in crls]),
        )
    )
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=True)
    result = asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
    return result.ades_subindic == AdESPassed.OK, str(result.ades_subindic)
