"""What each measure of the period report is called on its page and in its PDF, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from desk.models import Outcome
from dossiers.models import DossierStatus
from profiles.models import Profile

from .report import rows

SECTION_TITLES = {
    "applications": _("Applications"),
    "assessment": _("Assessment"),
    "appeals": _("Appeals"),
    "complaints": _("Consumer desk and complaints"),
    "credentials": _("Credentials"),
    "cpd": _("Continuing professional development"),
    "impartiality": _("Impartiality"),
}

WORDS = {
    "submitted": _("submitted"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "withdrawn": _("withdrawn"),
    "by_profile": _("by profile"),
    "days_in_status": _("days in status"),
    "stays": _("stays ended"),
    "median_days": _("median days"),
    "target_days": _("target days"),
    "over_target": _("over the target"),
    "assessments_submitted": _("assessment sheets submitted"),
    "agreement": _("assessors' agreement"),
    "pairs": _("paired scores"),
    "kappa": _("weighted kappa"),
    "min_pairs": _("paired scores needed"),
    "interviews_held": _("interviews held"),
    "interviews_cancelled": _("interviews cancelled"),
    "lodged": _("lodged"),
    "rejection_upheld": _("rejection upheld"),
    "rejection_overturned": _("rejection overturned"),
    "pending_at_end": _("pending at the end"),
    "received": _("received"),
    "complaints_received": _("complaints received"),
    "questions_received": _("requests for information received"),
    "about_professionals": _("about professionals"),
    "about_the_association": _("about the association"),
    "closed": _("closed"),
    "outcomes": _("outcomes"),
    "referred": _("referred elsewhere"),
    "answered": _("answered"),
    "median_days_to_close": _("median days to close"),
    "acknowledged_late": _("acknowledged late"),
    "credentials_suspended": _("credentials suspended"),
    "credentials_revoked": _("credentials revoked"),
    "open_at_end": _("open at the end"),
    "issued": _("issued"),
    "of_which_renewals": _("of which renewals"),
    "suspended": _("suspended"),
    "reinstated": _("reinstated"),
    "revoked": _("revoked"),
    "expired": _("expired"),
    "active_at_end": _("active at the end"),
    "renewal_applications": _("renewal applications"),
    "cpd_met": _("CPD rules met"),
    "cpd_shortfall": _("CPD shortfall acknowledged"),
    "compliance_percent": _("CPD compliance (%)"),
    "renewals_approved": _("renewals approved"),
    "renewals_rejected": _("renewals rejected"),
    "declarations_signed": _("declarations signed"),
    "committee_members_at_end": _("committee members at the end"),
    "members_with_valid_declaration_at_end": _("members with a valid declaration at the end"),
    "conflicts_declared_by_assessors": _("conflicts declared by assessors"),
    "conflicts_declared_by_case_handlers": _("conflicts declared by case handlers"),
    "risks_open_at_end": _("risks open at the end"),
    "risks_reviewed": _("risks reviewed"),
    "risk_reviews_overdue_at_end": _("risk reviews overdue at the end"),
}


def labelled(report: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's sections, each with its title and its measures as (label, value) rows."""
    names = {profile.code: profile.tr("title") for profile in Profile.objects.all()}
    names.update({status: DossierStatus(status).label for status in DossierStatus.values})
    names.update(dict(Outcome.choices))
    sections: dict[str, dict[str, Any]] = {}
    for section, measure, value in rows(report):
        entry = sections.setdefault(section, {"key": section, "title": SECTION_TITLES[section], "rows": []})
        words = [str(WORDS.get(part) or names.get(part) or part) for part in measure.split(".")]
        label = " · ".join(words)
        entry["rows"].append((label[:1].upper() + label[1:], value))
    return list(sections.values())
