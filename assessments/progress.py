"""What happens next, for the applicant of a submitted dossier: the steps of the process still ahead, the one the
dossier is in, how long each usually takes by the committee's own figures, and the interview when there is one.

The applicant's dossier page shows it (the ``next_steps`` template tag, since the dossiers app sits below this
one) and so does the API (``GET /api/v1/dossiers/<id>/next-steps``). Reads only; it names no committee member.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils.translation import gettext as _

from aipia import clock
from dossiers.models import Dossier, DossierStatus

from . import figures, selectors
from .models import Interview

# The statuses in which the applicant is shown what comes next: submitted, and not yet decided.
SHOWN_IN = (
    DossierStatus.SUBMITTED,
    DossierStatus.INFORMATION_REQUESTED,
    DossierStatus.UNDER_ASSESSMENT,
    DossierStatus.INTERVIEW,
    DossierStatus.AWAITING_DECISION,
)
# Each step, and the status a dossier is in during it (whose typical length the applicant is told).
STEP_STATUS = {
    "completeness": DossierStatus.SUBMITTED,
    "assessment": DossierStatus.UNDER_ASSESSMENT,
    "interview": DossierStatus.INTERVIEW,
    "decision": DossierStatus.AWAITING_DECISION,
}
STEPS = ("completeness", "assessment", "interview", "decision", "credential")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    description: str
    state: str  # done, current, upcoming, skipped
    waiting_for_you: bool
    typical: figures.TypicalStay | None  # None for the credential, issued right after approval


@dataclass(frozen=True)
class NextSteps:
    status: str
    since: datetime.datetime | None
    steps: list[Step]
    interview: Interview | None
    min_stays: int

    @property
    def current(self) -> Step | None:
        return next((s for s in self.steps if s.state == "current"), None)


def _titles() -> dict[str, tuple[str, str]]:
    return {
        "completeness": (
            _("Completeness check"),
            _("The secretariat checks that the submitted version has everything the scheme asks for."),
        ),
        "assessment": (
            _("Assessment"),
            _("At least two assessors, with no conflict of interest, score your dossier against the criteria."),
        ),
        "interview": (_("Interview"), ""),
        "decision": (
            _("Decision"),
            _("A decision maker who did not assess you approves or rejects the certification, with a rationale."),
        ),
        "credential": (
            _("Credential"),
            _("Once approved, your credential, its PDF certificate and its QR code are issued straight away."),
        ),
    }


def _states(dossier: Dossier) -> dict[str, str]:
    """Each step's state for the dossier's status; the interview is skipped when the decision comes without one."""
    status = dossier.status
    interviewed = dossier.interviews.filter(status=Interview.Status.COMPLETED).exists()
    assessing = selectors.live_assessors(dossier).exists()
    if status == DossierStatus.SUBMITTED:
        current = "assessment" if selectors.checked_complete(dossier) else "completeness"
    elif status == DossierStatus.INFORMATION_REQUESTED:
        current = "assessment" if assessing else "completeness"
    elif status == DossierStatus.UNDER_ASSESSMENT:
        current = "assessment"
    elif status == DossierStatus.INTERVIEW:
        current = "interview"
    else:
        current = "decision"
    position = STEPS.index(current)
    states = {
        key: "done" if i < position else "current" if i == position else "upcoming" for i, key in enumerate(STEPS)
    }
    if current == "decision" and not interviewed:
        states["interview"] = "skipped"
    return states


def _interview_description(dossier: Dossier, state: str) -> str:
    if state == "skipped":
        return _("No interview was needed.")
    if dossier.profile.interview_required:
        return _("This profile always includes an interview with members of the committee.")
    if state in ("current", "done"):
        return _("Your assessors asked for one: a conversation with members of the committee.")
    return _("Only if the assessors ask for one: a conversation with members of the committee.")


def next_steps(*, dossier: Dossier) -> NextSteps | None:
    """What happens next for ``dossier``; None before its submission and once it is decided or withdrawn."""
    if dossier.status not in SHOWN_IN or dossier.submitted_at is None:
        return None
    states = _states(dossier)
    typical = figures.typical_stays(profile=dossier.profile, statuses=STEP_STATUS.values(), now=clock.now())
    titles = _titles()
    steps = []
    for key in STEPS:
        title, description = titles[key]
        if key == "interview":
            description = _interview_description(dossier, states[key])
        steps.append(
            Step(
                key=key,
                title=title,
                description=description,
                state=states[key],
                waiting_for_you=states[key] == "current" and dossier.status == DossierStatus.INFORMATION_REQUESTED,
                typical=typical[STEP_STATUS[key]] if key in STEP_STATUS else None,
            )
        )
    since = dossier.events.exclude(to_status="").aggregate(at=Max("created_at"))["at"]
    interview = (
        dossier.interviews.filter(status=Interview.Status.SCHEDULED).order_by("starts_at").first()
        if dossier.status == DossierStatus.INTERVIEW
        else None
    )
    return NextSteps(
        status=dossier.status,
        since=since,
        steps=steps,
        interview=interview,
        min_stays=figures.MIN_STAYS_FOR_AN_ESTIMATE,
    )
