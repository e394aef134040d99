"""Files the applicant downloads from the committee's work: the interview's invitation, to add to a calendar."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from dossiers.models import Dossier

from .models import Interview
from .notifications import interview_calendar, interview_participants


def scheduled_interview(dossier: Dossier) -> Interview:
    """The dossier's scheduled interview; 404 when there is none (the caller has checked the dossier is theirs)."""
    interview = dossier.interviews.filter(status=Interview.Status.SCHEDULED).select_related("dossier__owner").first()
    if interview is None:
        raise Http404("No interview is scheduled.")
    return interview


def calendar_response(interview: Interview) -> HttpResponse:
    """The interview's invitation as an .ics file: the one the invitation e-mail carries."""
    response = HttpResponse(
        interview_calendar(interview, interview_participants(interview)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="interview.ics"'
    return response
