"""The reasons a credential is suspended or revoked, as the public reads them: one fixed, bilingual list.

Verifiers see the category (its code in the API, its label on the pages, in Italian or English); the free text
an administrator writes stays with the association's staff and the holder. Pure module: the labels are
English and marked for the Italian catalogue with ``_`` (a no-op here), translated where they are shown.
"""

from __future__ import annotations


def _(text: str) -> str:
    return text


REQUIREMENTS_NOT_MET = "requirements_not_met"
MEMBERSHIP_LAPSED = "membership_lapsed"
UNDER_INVESTIGATION = "under_investigation"
MISCONDUCT = "misconduct"
ISSUED_IN_ERROR = "issued_in_error"
HOLDER_REQUEST = "holder_request"
OTHER = "other"

# Code -> English label, in the order the forms offer them.
LABELS: dict[str, str] = {
    REQUIREMENTS_NOT_MET: _("Certification requirements no longer met"),
    MEMBERSHIP_LAPSED: _("Membership of the association not in good standing"),
    UNDER_INVESTIGATION: _("Under investigation, following a complaint or a report"),
    MISCONDUCT: _("Breach of the code of conduct"),
    ISSUED_IN_ERROR: _("Issued in error"),
    HOLDER_REQUEST: _("At the holder's request"),
    OTHER: _("Another reason, on record with the association"),
}
CODES = tuple(LABELS)


def label(code: str | None) -> str | None:
    """The English label of ``code``; None for no or an unknown code."""
    return LABELS.get(code) if code else None
