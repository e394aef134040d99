"""What a dossier still lacks before it can be submitted, and how far along it is.

The rules are data, read from here by everything that shows them, so that they never disagree: the overview's
checklist (``missing_items``), the steps and the percentage on every dossier page and in the API
(``dossier_progress``), the warning after a save and next to a field (``FieldRule``), and the counters in the
browser, which read ``data-min-length`` rendered from ``FIELD_RULES`` by the forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Dossier, EvidenceFile

# The sections of a dossier in the order of its pages, with the name of each page's URL.
SECTIONS: dict[str, tuple[Promise, str]] = {
    "cv": (gettext_lazy("CV"), "dossiers:cv"),
    "training": (gettext_lazy("Training"), "dossiers:training"),
    "experience": (gettext_lazy("Experience"), "dossiers:experience"),
    "projects": (gettext_lazy("Projects"), "dossiers:projects"),
    "self_assessment": (gettext_lazy("Self-assessment"), "dossiers:self_assessment"),
    "evidence": (gettext_lazy("Evidence"), "dossiers:evidence"),
}


# Also the text of the warning that the browser shows as the applicant types (static/js/dossier-live.js).
TOO_SHORT = gettext_lazy("Too short for submission: %(count)d of at least %(min)d characters.")


@dataclass(frozen=True)
class FieldRule:
    """A field that must be filled before submission; a text needs at least ``min_length`` characters, spaces at
    either end not counted. Saving a value that falls short is allowed (the dossier is a draft) but is said."""

    field: str
    label: Promise
    min_length: int = 1

    def length(self, value: object) -> int:
        # A browser sends a new line as CR LF; counted as one character, as the counter in the browser does.
        return 0 if value is None else len(str(value).replace("\r\n", "\n").strip())

    def is_met(self, value: object) -> bool:
        return self.length(value) >= self.min_length

    def warning(self, value: object) -> str | None:
        """The warning next to a text that was started but is still too short; None otherwise (an empty field has
        its help text, which says the minimum)."""
        count = self.length(value)
        if self.min_length <= 1 or count == 0 or count >= self.min_length:
            return None
        return str(TOO_SHORT) % {"count": count, "min": self.min_length}

    def gap(self, value: object) -> str | None:
        """What is still lacking, for the message after a save; None when the rule is met."""
        if self.is_met(value):
            return None
        if self.min_length > 1:
            return _("%(label)s (%(count)d of at least %(min)d characters)") % {
                "label": self.label,
                "count": self.length(value),
                "min": self.min_length,
            }
        return _("%(label)s (still empty)") % {"label": self.label}


HEADLINE = FieldRule("cv_headline", gettext_lazy("Headline"))
SUMMARY = FieldRule("cv_summary", gettext_lazy("Professional summary"), min_length=80)
YEARS = FieldRule("years_of_experience", gettext_lazy("Years of professional experience"))
JUSTIFICATION = FieldRule("justification", gettext_lazy("Justification"), min_length=40)
# By the name of the form field they apply to.
FIELD_RULES: dict[str, FieldRule] = {rule.field: rule for rule in (HEADLINE, SUMMARY, YEARS, JUSTIFICATION)}

MIN_SUMMARY_CHARS = SUMMARY.min_length
MIN_JUSTIFICATION_CHARS = JUSTIFICATION.min_length


def field_warnings(values: Mapping[str, object]) -> dict[str, str]:
    """The warning of each field in ``values`` whose text was started but is still too short."""
    warnings = {}
    for name, value in values.items():
        rule = FIELD_RULES.get(name)
        warning = rule.warning(value) if rule else None
        if warning:
            warnings[name] = warning
    return warnings


def gaps(values: Mapping[str, object]) -> list[str]:
    """What the fields in ``values`` still lack for submission, one phrase per field, in the order given."""
    found = []
    for name, value in values.items():
        rule = FIELD_RULES.get(name)
        gap = rule.gap(value) if rule else None
        if gap:
            found.append(gap)
    return found


def self_assessment_prefix(code: str) -> str:
    """The prefix of one competence's fields on the self-assessment page (``B.1`` → ``B-1``: ids without dots)."""
    return code.replace(".", "-")


class MissingItem(str):
    """One item of the checklist: its text, the section it belongs to, and the URL of the page, with the field's
    anchor, where it is done. It is a string, so that whatever reads the checklist as text keeps working."""

    section: str
    url: str

    def __new__(cls, text: str, *, section: str, url: str) -> MissingItem:
        item = super().__new__(cls, text)
        item.section = section
        item.url = url
        return item

    @property
    def text(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class Check:
    section: str
    met: bool
    text: str
    anchor: str  # the id of the field, on the section's page, that does it


def _checks(dossier: Dossier) -> list[Check]:
    """Every rule of the dossier, met or not, in the order of its sections."""
    files = dossier.files.filter(removed_at__isnull=True)
    checks = [
        Check(
            "cv",
            files.filter(kind=EvidenceFile.Kind.CV).exists(),
            _("CV: upload your CV as a PDF file."),
            "id_file",
        ),
        Check(
            "cv",
            HEADLINE.is_met(dossier.cv_headline),
            _("CV: write a headline (your current professional title)."),
            "id_cv_headline",
        ),
        Check(
            "cv",
            SUMMARY.is_met(dossier.cv_summary),
            _("CV: write a professional summary of at least %(n)d characters.") % {"n": SUMMARY.min_length},
            "id_cv_summary",
        ),
        Check(
            "cv",
            YEARS.is_met(dossier.years_of_experience),
            _("CV: state your years of professional experience."),
            "id_years_of_experience",
        ),
        Check(
            "training",
            dossier.training.exists(),
            _("Training: add at least one course, degree or certification."),
            "id_title",
        ),
        Check(
            "experience",
            dossier.experience.exists(),
            _("Experience: add at least one professional experience."),
            "id_employer",
        ),
        Check(
            "projects",
            dossier.projects.exists(),
            _("Projects: add at least one project to your portfolio."),
            "id_title",
        ),
    ]
    assessments = {sa.competence_id: sa for sa in dossier.self_assessments.all()}
    for pc in dossier.profile.profile_competences.select_related("competence"):
        assessment = assessments.get(pc.competence_id)
        # The field to go to: the level when nothing is claimed yet, else the justification that is too short.
        field = "justification" if assessment is not None else "claimed_level"
        checks.append(
            Check(
                "self_assessment",
                assessment is not None and JUSTIFICATION.is_met(assessment.justification),
                _("Self-assessment: rate yourself on %(code)s %(title)s and justify it (at least %(n)d characters).")
                % {"code": pc.competence.code, "title": pc.competence.tr("title"), "n": JUSTIFICATION.min_length},
                f"id_{self_assessment_prefix(pc.competence.code)}-{field}",
            )
        )
    checks.append(
        Check(
            "evidence",
            files.filter(kind=EvidenceFile.Kind.EVIDENCE).exists(),
            _("Evidence: upload at least one evidence file (certificate, report, screenshot…)."),
            "id_file",
        )
    )
    return checks


def _missing(dossier: Dossier, checks: list[Check]) -> list[MissingItem]:
    return [
        MissingItem(
            check.text,
            section=check.section,
            url=f"{reverse(SECTIONS[check.section][1], args=[dossier.pk])}#{check.anchor}",
        )
        for check in checks
        if not check.met
    ]


def missing_items(dossier: Dossier) -> list[MissingItem]:
    """Every item still missing, in the order of the dossier's sections; empty when complete."""
    return _missing(dossier, _checks(dossier))


@dataclass(frozen=True)
class SectionProgress:
    section: str
    label: str
    url: str
    done: bool
    missing_count: int


@dataclass(frozen=True)
class Progress:
    """How far along a dossier is: ``percent`` is the share of its rules that are met, rounded down, so that 100
    means complete."""

    percent: int
    sections: list[SectionProgress]
    missing: list[MissingItem]

    @property
    def complete(self) -> bool:
        return not self.missing


def dossier_progress(dossier: Dossier) -> Progress:
    checks = _checks(dossier)
    missing = _missing(dossier, checks)
    met = sum(check.met for check in checks)
    sections = []
    for key, (label, url_name) in SECTIONS.items():
        count = sum(1 for check in checks if check.section == key and not check.met)
        sections.append(
            SectionProgress(
                section=key,
                label=str(label),
                url=reverse(url_name, args=[dossier.pk]),
                done=count == 0,
                missing_count=count,
            )
        )
    return Progress(percent=met * 100 // len(checks), sections=sections, missing=missing)
