"""The sentences of the events that the committee's work writes into a dossier's history (accounts/history.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.history import register_events

register_events(
    {
        "assessment.completeness_checked": _("Completeness check recorded"),
        "assessment.assessor_assigned": _("Assessor assigned"),
        "assessment.started": _("Assessment started"),
        "assessment.conflict_declared": _("Conflict of interest declared"),
        "assessment.no_conflict_declared": _("No conflict of interest declared"),
        "assessment.information_requested": _("More information requested from the applicant"),
        "assessment.resumed": _("Assessment resumed"),
        "assessment.scores_submitted": _("Scores submitted"),
        "assessment.scores_amended": _("Scores amended"),
        "assessment.third_assessor_requested": _("Third assessor needed: the scores differ too much"),
        "assessment.interview_needed": _("Assessment completed: an interview is needed"),
        "assessment.completed": _("Assessment completed"),
        "assessment.interview_scheduled": _("Interview scheduled"),
        "assessment.interview_rescheduled": _("Interview rescheduled"),
        "assessment.interview_recorded": _("Interview recorded"),
        "assessment.interview_completed": _("Interview completed"),
        "decision.approved": _("Certification approved"),
        "decision.rejected": _("Certification rejected"),
        "appeal.lodged": _("Appeal lodged"),
        "appeal.panel_set": _("Appeal panel set"),
        # The appeal's outcomes read as the appeal's statuses do (assessments.models.Appeal.Status).
        "appeal.upheld": _("Rejection upheld"),
        "appeal.overturned": _("Rejection overturned"),
    }
)
