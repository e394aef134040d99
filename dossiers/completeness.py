"""What a dossier still lacks before it can be submitted."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Dossier, EvidenceFile

MIN_SUMMARY_CHARS = 80
MIN_JUSTIFICATION_CHARS = 40


def missing_items(dossier: Dossier) -> list[str]:
    """Every item still missing, in the order of the dossier's sections; empty when complete."""
    missing: list[str] = []
    files = dossier.files.filter(removed_at__isnull=True)
    if not files.filter(kind=EvidenceFile.Kind.CV).exists():
        missing.append(_("CV: upload your CV as a PDF file."))
    if not dossier.cv_headline.strip():
        missing.append(_("CV: write a headline (your current professional title)."))
    if len(dossier.cv_summary.strip()) < MIN_SUMMARY_CHARS:
        missing.append(_("CV: write a professional summary of at least %(n)d characters.") % {"n": MIN_SUMMARY_CHARS})
    if dossier.years_of_experience is None:
        missing.append(_("CV: state your years of professional experience."))
    if not dossier.training.exists():
        missing.append(_("Training: add at least one course, degree or certification."))
    if not dossier.experience.exists():
        missing.append(_("Experience: add at least one professional experience."))
    if not dossier.projects.exists():
        missing.append(_("Projects: add at least one project to your portfolio."))
    if not files.filter(kind=EvidenceFile.Kind.EVIDENCE).exists():
        missing.append(_("Evidence: upload at least one evidence file (certificate, report, screenshot…)."))

    assessed = {
        sa.competence_id: sa
        for sa in dossier.self_assessments.all()
        if len(sa.justification.strip()) >= MIN_JUSTIFICATION_CHARS
    }
    for pc in dossier.profile.profile_competences.select_related("competence"):
        if pc.competence_id not in assessed:
            missing.append(
                _("Self-assessment: rate yourself on %(code)s %(title)s and justify it (at least %(n)d characters).")
                % {
                    "code": pc.competence.code,
                    "title": pc.competence.tr("title"),
                    "n": MIN_JUSTIFICATION_CHARS,
                }
            )
    return missing
