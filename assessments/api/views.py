"""Committee API: one thin class per operation; every rule lives in the services (assessments/services/).

Object permissions come from the selectors: a dossier, assignment or interview the caller may not see
answers 404, so its existence is not revealed. What the caller may see but not do is refused by the
services with NotAllowed (403), mapped by ``aipia.api.exception_handler``.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from aipia.errors import InvalidTransition, NotAllowed
from aipia.openapi import PROBLEM
from dossiers.models import Dossier
from dossiers.selectors import get_own_dossier

from .. import figures, pages, progress, selectors
from ..downloads import calendar_response, scheduled_interview
from ..models import Appeal, Assessment, Assignment, Committee, Decision, Interview
from ..services import appeals, assignments, completeness, decisions, declarations, interviews, scoresheets
from .serializers import (
    CommitteeAppealSerializer,
    CommitteeAssignmentDetailSerializer,
    CommitteeAssignmentSerializer,
    CommitteeAssignmentSummarySerializer,
    CommitteeChecklistItemSerializer,
    CommitteeCompletenessCheckSerializer,
    CommitteeDashboardRowSerializer,
    CommitteeDecisionSerializer,
    CommitteeDeclarationSerializer,
    CommitteeDossierDetailSerializer,
    CommitteeDossierSummarySerializer,
    CommitteeInformationRequestSerializer,
    CommitteeInterviewRecordSerializer,
    CommitteeInterviewSerializer,
    CommitteePersonSerializer,
    CommitteeSheetSerializer,
)


class IsCommitteeUser(BasePermission):
    message = "Only committee members and the secretariat can do this."

    def has_permission(self, request, view) -> bool:
        return selectors.is_committee_user(request.user)


COMMITTEE_ONLY = [IsAuthenticated, IsCommitteeUser]


def _users() -> serializers.ManyRelatedField:
    """A list of user ids in the input, resolved to users; an unknown id is a field error."""
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, allow_empty=False
    )


class WallClockDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that may omit its offset: a naive value is kept naive for the service to read
    in the time zone given beside it (DRF would otherwise read it in the server's zone)."""

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_naive(value):
            return value
        return super().enforce_timezone(value)


class CommitteeScoreInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, allow_null=True, help_text="Null removes a draft score.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


def _scores(**kwargs) -> serializers.DictField:
    return serializers.DictField(
        child=CommitteeScoreInputSerializer(),
        help_text='Criterion code → score, e.g. {"CR1": {"score": 3, "comment": "…"}}.',
        **kwargs,
    )


class CommitteeInterviewAnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=0, help_text="Index in the interview's questions.")
    notes = serializers.CharField(allow_blank=True, required=False, default="")
    score = serializers.IntegerField(min_value=0, max_value=4, allow_null=True, required=False, default=None)


# --- dashboard, declarations, agreement ---------------------------------------------------------------------


class DashboardApi(APIView):
    permission_classes = COMMITTEE_ONLY

    class DashboardOutputSerializer(serializers.Serializer):
        counts = serializers.DictField(child=serializers.IntegerField(), help_text="Dossiers by status.")
        overdue = serializers.IntegerField()
        rows = CommitteeDashboardRowSerializer(many=True, help_text="Open dossiers, overdue and oldest first.")
        time_in_status = serializers.DictField(
            child=serializers.DictField(child=serializers.FloatField()),
            help_text="Per status: average_days (the mean), median_days, longest_days and stays, from the audit "
            "trail: the figures the dashboard draws.",
        )

    @extend_schema(responses={200: DashboardOutputSerializer}, operation_id="committee_dashboard")
    def get(self, request):
        """Dossiers by status, who holds each open one, for how long, and what is overdue."""
        return Response(self.DashboardOutputSerializer(figures.dashboard(user=request.user)).data)


class DeclarationApi(APIView):
    permission_classes = COMMITTEE_ONLY

    @extend_schema(request=None, responses={201: CommitteeDeclarationSerializer}, operation_id="committee_declare")
    def post(self, request):
        """Sign the impartiality and confidentiality declaration, valid for one year."""
        declaration = declarations.sign_impartiality_declaration(user=request.user)
        return Response(CommitteeDeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)


class AgreementApi(APIView):
    permission_classes = COMMITTEE_ONLY

    class AgreementQuerySerializer(serializers.Serializer):
        committee = serializers.IntegerField(min_value=1, help_text="Id of a committee the caller belongs to.")
        months = serializers.IntegerField(min_value=1, max_value=120, default=12)

    class AgreementMonthSerializer(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")
        pairs = serializers.IntegerField(help_text="Paired scores of the month.")
        kappa = serializers.FloatField(
            allow_null=True, help_text="Null when undefined, or when pairs is below min_pairs (no meaningful kappa)."
        )
        min_pairs = serializers.IntegerField(
            help_text="The fewest paired scores a kappa is reported on: 2k² for the committee's k-point scale."
        )

    @extend_schema(
        parameters=[AgreementQuerySerializer],
        responses={
            200: AgreementMonthSerializer(many=True),
            404: OpenApiResponse(PROBLEM, description="No such committee, or not one of the caller's."),
        },
        operation_id="committee_agreement",
    )
    def get(self, request):
        """Inter-rater agreement (quadratic-weighted kappa) of a committee's assessors, month by month: the months
        with paired scores (the dashboard's chart draws the others as gaps)."""
        query = self.AgreementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        committees = Committee.objects.all()
        if not selectors.is_staff(request.user):
            committees = committees.filter(members__user=request.user)
        committee = get_object_or_404(committees.distinct(), pk=query.validated_data["committee"])
        rows = figures.committee_agreement(committee=committee, months=query.validated_data["months"])
        return Response(self.AgreementMonthSerializer(rows, many=True).data)


# --- dossiers -----------------------------------------------------------------------------------------------


def _dossier(request, pk) -> Dossier:
    return selectors.get_committee_dossier(user=request.user, dossier_id=pk)


def _appeal(dossier: Dossier) -> Appeal:
    appeal = Appeal.objects.filter(dossier=dossier).first()
    if appeal is None:
        raise Http404("No appeal has been lodged on this dossier.")
    return appeal


class CommitteeDossierListApi(APIView):
    permission_classes = COMMITTEE_ONLY

    @extend_schema(responses={200: CommitteeDossierSummarySerializer(many=True)}, operation_id="committee_dossiers")
    def get(self, request):
        """The dossiers the caller works on as secretariat, chair, decision maker or appeal panel member."""
        dossiers = selectors.committee_dossiers(user=request.user).distinct()
        return Response(CommitteeDossierSummarySerializer(dossiers, many=True).data)


class CommitteeDossierDetailApi(APIView):
    @extend_schema(responses={200: CommitteeDossierDetailSerializer}, operation_id="committee_dossier")
    def get(self, request, pk):
        """The dossier's latest version, its assignments, scores combined, interviews, decisions and appeal."""
        dossier = _dossier(request, pk)
        submission = selectors.latest_submission_or_none(dossier)
        # An assessor who has not submitted their own scores sees nobody else's, in whatever role they ask.
        hidden = selectors.scores_hidden_from(user=request.user, dossier=dossier)
        data = {
            "dossier": dossier,
            "submission": submission,
            "completeness_checks": dossier.completeness_checks.select_related("submission", "checked_by"),
            "assignments": dossier.assignments.select_related("member"),
            "scores_hidden": hidden,
            # A dossier withdrawn before it was ever submitted has no version to aggregate.
            "aggregate": selectors.dossier_aggregate(dossier=dossier) if submission and not hidden else None,
            "agreement": None if hidden else selectors.dossier_agreement(dossier=dossier),
            "interviews": dossier.interviews.prefetch_related("records__interviewer"),
            "decisions": dossier.decisions.select_related("decided_by"),
            "appeal": Appeal.objects.filter(dossier=dossier).select_related("decision").first(),
        }
        return Response(CommitteeDossierDetailSerializer(data).data)


class AssessorSuggestionsApi(APIView):
    class AssessorSuggestionsOutputSerializer(serializers.Serializer):
        suggested = CommitteePersonSerializer(many=True, help_text="Enough assessors to start, least busy first.")
        eligible = CommitteePersonSerializer(many=True, help_text="Every assessor who may be assigned.")

    @extend_schema(responses={200: AssessorSuggestionsOutputSerializer}, operation_id="committee_assessor_suggestions")
    def get(self, request, pk):
        """Who can be assigned as assessor, and the suggestion by workload."""
        dossier = _dossier(request, pk)
        data = {
            "suggested": selectors.suggest_assessors(dossier=dossier),
            "eligible": selectors.eligible_assessors(dossier=dossier),
        }
        return Response(self.AssessorSuggestionsOutputSerializer(data).data)


class InformationRequestApi(APIView):
    class InformationRequestInputSerializer(serializers.Serializer):
        questions = serializers.CharField()

    @extend_schema(
        request=InformationRequestInputSerializer,
        responses={201: CommitteeInformationRequestSerializer},
        operation_id="committee_request_information",
    )
    def post(self, request, pk):
        """Send the dossier back to the applicant with questions (secretariat, chair or an active assessor)."""
        dossier = self._dossier(request, pk)
        data = self.InformationRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        information_request = assignments.request_information(
            dossier=dossier, actor=request.user, questions=data.validated_data["questions"]
        )
        return Response(CommitteeInformationRequestSerializer(information_request).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _dossier(request, pk) -> Dossier:
        # Assessors do not see the committee's dossier list, but may ask questions on a dossier they assess.
        try:
            return _dossier(request, pk)
        except Http404:
            assignment = (
                selectors.my_assignments(user=request.user)
                .filter(dossier_id=pk, role=Assignment.Role.ASSESSOR)
                .order_by("-assigned_at")
                .first()
            )
            if assignment is None or not selectors.can_see_dossier_content(assignment=assignment):
                raise
            return assignment.dossier


class CompletenessCheckApi(APIView):
    class CompletenessCheckOutputSerializer(serializers.Serializer):
        submission = serializers.IntegerField(allow_null=True, help_text="The latest submitted version.")
        awaited = serializers.BooleanField(help_text="True while that version awaits its check (status submitted).")
        checklist = CommitteeChecklistItemSerializer(many=True, help_text="The items to check; empty unless awaited.")
        check = CommitteeCompletenessCheckSerializer(allow_null=True, help_text="The check recorded for the version.")

    class CompletenessVerdictInputSerializer(serializers.Serializer):
        key = serializers.CharField(help_text="An item's key from the checklist.")
        confirmed = serializers.BooleanField(help_text="False marks the item missing.")
        note = serializers.CharField(
            max_length=2000, allow_blank=True, required=False, default="", help_text="Required when missing."
        )

    class CompletenessCheckInputSerializer(serializers.Serializer):
        items = serializers.ListField(child=serializers.DictField(), allow_empty=False)

        def validate_items(self, value: list[dict]) -> list[dict]:
            verdicts = CompletenessCheckApi.CompletenessVerdictInputSerializer(data=value, many=True)
            verdicts.is_valid(raise_exception=True)
            keys = [v["key"] for v in verdicts.validated_data]
            if len(set(keys)) != len(keys):
                raise serializers.ValidationError("Give each item once.")
            return verdicts.validated_data

    @extend_schema(responses={200: CompletenessCheckOutputSerializer}, operation_id="committee_completeness_checklist")
    def get(self, request, pk):
        """The completeness checklist of the latest submitted version (secretariat), or the check recorded for it."""
        dossier = self._dossier(request, pk)
        context = pages.completeness_context(dossier=dossier, user=request.user)
        data = {
            "submission": context["submission"].number if context["submission"] else None,
            "awaited": context["can_check"],
            "checklist": context["items"],
            "check": context["check"]["check"] if context["check"] else None,
        }
        return Response(self.CompletenessCheckOutputSerializer(data).data)

    @extend_schema(
        request=inline_serializer(
            "CommitteeCompletenessCheckInput",
            {"items": CompletenessVerdictInputSerializer(many=True, help_text="A verdict for every checklist item.")},
        ),
        responses={
            201: CommitteeCompletenessCheckSerializer,
            409: OpenApiResponse(PROBLEM, description="The dossier does not await a check, or it is already made."),
        },
        operation_id="committee_record_completeness_check",
    )
    def post(self, request, pk):
        """Record the check: complete lets assessors be assigned (or resumes their assessment); incomplete sends the
        dossier back to the applicant with the missing items and their notes as the request for information."""
        dossier = self._dossier(request, pk)
        data = self.CompletenessCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verdicts = {
            v["key"]: completeness.Verdict(confirmed=v["confirmed"], note=v["note"])
            for v in data.validated_data["items"]
        }
        check = completeness.record_completeness_check(dossier=dossier, actor=request.user, verdicts=verdicts)
        return Response(CommitteeCompletenessCheckSerializer(check).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _dossier(request, pk) -> Dossier:
        dossier = _dossier(request, pk)
        if not selectors.is_secretariat(user=request.user, dossier=dossier):
            raise NotAllowed(_("Only the committee's chair or the secretariat can do this."))
        return dossier


class AssignAssessorsApi(APIView):
    class AssignAssessorsInputSerializer(serializers.Serializer):
        assessors = _users()

    @extend_schema(
        request=AssignAssessorsInputSerializer,
        responses={201: CommitteeAssignmentSerializer(many=True)},
        operation_id="committee_assign_assessors",
    )
    def post(self, request, pk):
        """Assign assessors by user id; the first assignment (at least two) starts the assessment."""
        dossier = _dossier(request, pk)
        data = self.AssignAssessorsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = assignments.assign_assessors(
            dossier=dossier, actor=request.user, assessors=data.validated_data["assessors"]
        )
        return Response(CommitteeAssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class ScheduleInterviewApi(APIView):
    class ScheduleInterviewInputSerializer(serializers.Serializer):
        starts_at = WallClockDateTimeField(
            help_text="ISO 8601; without an offset it is read in ``time_zone``, e.g. 2030-05-02T10:00:00."
        )
        time_zone = serializers.CharField(max_length=64, help_text="IANA name, e.g. Europe/Rome.")
        mode = serializers.ChoiceField(choices=Interview.Mode.choices)
        location = serializers.CharField(max_length=500, help_text="Address, or the video link.")
        duration_minutes = serializers.IntegerField(min_value=10, max_value=480, default=45)
        interviewers = _users()

    @extend_schema(
        request=ScheduleInterviewInputSerializer,
        responses={201: CommitteeInterviewSerializer},
        operation_id="committee_schedule_interview",
    )
    def post(self, request, pk):
        """Schedule the interview; the applicant and the interviewers are invited by e-mail (iCalendar)."""
        dossier = _dossier(request, pk)
        data = self.ScheduleInterviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interview = interviews.schedule_interview(dossier=dossier, actor=request.user, **data.validated_data)
        return Response(CommitteeInterviewSerializer(interview).data, status=status.HTTP_201_CREATED)

    class RescheduleInterviewInputSerializer(serializers.Serializer):
        starts_at = WallClockDateTimeField(
            help_text="ISO 8601; without an offset it is read in ``time_zone``, e.g. 2030-05-02T10:00:00."
        )
        time_zone = serializers.CharField(max_length=64, help_text="IANA name, e.g. Europe/Rome.")
        mode = serializers.ChoiceField(choices=Interview.Mode.choices)
        location = serializers.CharField(max_length=500, help_text="Address, or the video link.")
        duration_minutes = serializers.IntegerField(min_value=10, max_value=480, default=45)

    @extend_schema(
        request=RescheduleInterviewInputSerializer,
        responses={
            200: CommitteeInterviewSerializer,
            409: OpenApiResponse(PROBLEM, description="No interview is scheduled, or it has already been recorded."),
        },
        operation_id="committee_reschedule_interview",
    )
    def patch(self, request, pk):
        """Move the scheduled interview to a new time and place; everyone receives the updated invitation. Its
        minutes can be recorded only from the new start."""
        dossier = _dossier(request, pk)
        data = self.RescheduleInterviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interview = selectors.scheduled_interview(dossier=dossier)
        if interview is None:
            raise InvalidTransition(_("No interview is scheduled on this dossier."))
        interview = interviews.reschedule_interview(interview=interview, actor=request.user, **data.validated_data)
        return Response(CommitteeInterviewSerializer(interview).data)


class DecisionApi(APIView):
    class DecisionInputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
        rationale = serializers.CharField(help_text="At least 20 characters; the applicant reads it.")

    @extend_schema(
        request=DecisionInputSerializer, responses={201: CommitteeDecisionSerializer}, operation_id="committee_decide"
    )
    def post(self, request, pk):
        """Approve or reject the dossier with a written rationale (a decision maker not involved in it)."""
        dossier = _dossier(request, pk)
        data = self.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = decisions.decide(dossier=dossier, actor=request.user, **data.validated_data)
        return Response(CommitteeDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class AppealPanelApi(APIView):
    class AppealPanelInputSerializer(serializers.Serializer):
        members = _users()

    @extend_schema(
        request=AppealPanelInputSerializer,
        responses={200: CommitteeAppealSerializer},
        operation_id="committee_set_appeal_panel",
    )
    def post(self, request, pk):
        """Choose the appeal panel: committee members involved neither in the assessment nor in the decision."""
        appeal = _appeal(_dossier(request, pk))
        data = self.AppealPanelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.set_appeal_panel(appeal=appeal, actor=request.user, members=data.validated_data["members"])
        return Response(CommitteeAppealSerializer(appeal).data)


class AppealDecisionApi(APIView):
    class AppealDecisionInputSerializer(serializers.Serializer):
        overturn = serializers.BooleanField(help_text="True approves the dossier; false upholds the rejection.")
        rationale = serializers.CharField(help_text="At least 20 characters; the applicant reads it.")

    @extend_schema(
        request=AppealDecisionInputSerializer,
        responses={201: CommitteeDecisionSerializer},
        operation_id="committee_decide_appeal",
    )
    def post(self, request, pk):
        """The appeal panel upholds the rejection or overturns it."""
        appeal = _appeal(_dossier(request, pk))
        data = self.AppealDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = appeals.decide_appeal(appeal=appeal, actor=request.user, **data.validated_data)
        return Response(CommitteeDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# --- the caller's assignments ---------------------------------------------------------------------------


def _assignment(request, pk) -> Assignment:
    return selectors.get_my_assignment(user=request.user, assignment_id=pk)


def _assignment_detail(assignment: Assignment) -> dict[str, Any]:
    """What the assigned member may see now: the dossier only after declaring no conflict, the other
    assessors' sheets only after submitting their own."""
    dossier = assignment.dossier
    submission = selectors.latest_submission_or_none(dossier)
    content = selectors.can_see_dossier_content(assignment=assignment) and submission is not None
    others = selectors.others_sheets_visible(assignment=assignment) and submission is not None
    return {
        "assignment": assignment,
        "submission": submission if content else None,
        "interviews": dossier.interviews.all() if content else [],
        "sheet": selectors.current_sheet(assignment=assignment) if submission else None,
        "other_sheets": [s for s in selectors.effective_sheets(dossier=dossier) if s.assignment_id != assignment.pk]
        if others
        else None,
        "aggregate": selectors.dossier_aggregate(dossier=dossier) if others else None,
    }


class AssignmentListApi(APIView):
    @extend_schema(
        responses={200: CommitteeAssignmentSummarySerializer(many=True)}, operation_id="committee_assignments"
    )
    def get(self, request):
        """The caller's assignments as assessor or interviewer, newest first."""
        mine = selectors.my_assignments(user=request.user)
        return Response(CommitteeAssignmentSummarySerializer(mine, many=True).data)


class AssignmentDetailApi(APIView):
    @extend_schema(responses={200: CommitteeAssignmentDetailSerializer}, operation_id="committee_assignment")
    def get(self, request, pk):
        """One of the caller's assignments, with what they may see of the dossier at this stage."""
        assignment = _assignment(request, pk)
        return Response(CommitteeAssignmentDetailSerializer(_assignment_detail(assignment)).data)


class ConflictDeclarationApi(APIView):
    class ConflictDeclarationInputSerializer(serializers.Serializer):
        has_conflict = serializers.BooleanField()
        reason = serializers.CharField(
            required=False, allow_blank=True, default="", help_text="Required when there is a conflict."
        )

    @extend_schema(
        request=ConflictDeclarationInputSerializer,
        responses={200: CommitteeAssignmentDetailSerializer},
        operation_id="committee_declare_conflict",
    )
    def post(self, request, pk):
        """Declare whether you have a conflict of interest, once, before seeing the dossier."""
        assignment = _assignment(request, pk)
        data = self.ConflictDeclarationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declarations.declare_conflict_of_interest(assignment=assignment, actor=request.user, **data.validated_data)
        assignment = _assignment(request, pk)
        return Response(CommitteeAssignmentDetailSerializer(_assignment_detail(assignment)).data)


class ScoresApi(APIView):
    class ScoresInputSerializer(serializers.Serializer):
        scores = _scores()
        recommendation = serializers.ChoiceField(
            choices=Assessment.Recommendation.choices, allow_blank=True, required=False, default=""
        )
        comment = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(
        request=ScoresInputSerializer, responses={200: CommitteeSheetSerializer}, operation_id="committee_save_scores"
    )
    def put(self, request, pk):
        """Save the draft scoresheet. Scores sent are set (null removes one), others are kept; the
        recommendation and the comment are replaced. Nobody else sees a draft."""
        assignment = _assignment(request, pk)
        data = self.ScoresInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = scoresheets.save_scores(assignment=assignment, actor=request.user, **data.validated_data)
        return Response(CommitteeSheetSerializer(sheet).data)


class ScoresSubmissionApi(APIView):
    @extend_schema(request=None, responses={200: CommitteeSheetSerializer}, operation_id="committee_submit_scores")
    def post(self, request, pk):
        """Submit the draft: every criterion scored and a recommendation given. Then it is immutable."""
        assignment = _assignment(request, pk)
        sheet = scoresheets.submit_assessment(assignment=assignment, actor=request.user)
        return Response(CommitteeSheetSerializer(sheet).data)


class ScoresAmendmentApi(APIView):
    class ScoresAmendmentInputSerializer(serializers.Serializer):
        scores = _scores(required=False, default=dict)
        recommendation = serializers.ChoiceField(choices=Assessment.Recommendation.choices)
        comment = serializers.CharField(allow_blank=True, required=False, default="")
        reason = serializers.CharField(help_text="Why the submitted scores are corrected; kept in the audit trail.")

    @extend_schema(
        request=ScoresAmendmentInputSerializer,
        responses={201: CommitteeSheetSerializer},
        operation_id="committee_amend_scores",
    )
    def post(self, request, pk):
        """Correct the submitted scoresheet: a new sheet supersedes it (scores not sent are carried over)."""
        assignment = _assignment(request, pk)
        data = self.ScoresAmendmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = selectors.current_sheet(assignment=assignment)
        if sheet is None:
            raise InvalidTransition("There is no submitted scoresheet to amend.")
        amended = scoresheets.amend_assessment(assessment=sheet, actor=request.user, **data.validated_data)
        return Response(CommitteeSheetSerializer(amended).data, status=status.HTTP_201_CREATED)


# --- interviews -----------------------------------------------------------------------------------------


class InterviewRecordApi(APIView):
    class InterviewRecordInputSerializer(serializers.Serializer):
        answers = CommitteeInterviewAnswerInputSerializer(many=True, required=False, default=list)
        minutes = serializers.CharField()
        score = serializers.IntegerField(min_value=0, max_value=4)
        recommendation = serializers.CharField(help_text="pass or fail")

        def validate_recommendation(self, value: str) -> str:
            if value not in (Assessment.Recommendation.PASS, Assessment.Recommendation.FAIL):
                raise serializers.ValidationError("Recommend pass or fail.")
            return value

    @extend_schema(
        request=InterviewRecordInputSerializer,
        responses={
            201: CommitteeInterviewRecordSerializer,
            409: OpenApiResponse(PROBLEM, description="Already recorded, not open, or before the interview's start."),
        },
        operation_id="committee_record_interview",
    )
    def post(self, request, pk):
        """An interviewer's minutes and scores, from the interview's start (409 ``interview_not_started`` before it:
        the secretariat reschedules an interview held at another time); once every interviewer has recorded, the
        dossier awaits decision."""
        interview = get_object_or_404(
            Interview.objects.filter(dossier__assignments__member=request.user).distinct(), pk=pk
        )
        data = self.InterviewRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = [dict(answer) for answer in data.validated_data["answers"]]
        if any(answer["question"] >= len(interview.questions) for answer in answers):
            raise serializers.ValidationError({"answers": ["Refer to the interview's questions by their index."]})
        record = interviews.record_interview(
            interview=interview, actor=request.user, **{**data.validated_data, "answers": answers}
        )
        return Response(CommitteeInterviewRecordSerializer(record).data, status=status.HTTP_201_CREATED)


# --- the applicant's appeal (routed under the dossier API) ------------------------------------------------


class AppealApi(APIView):
    """``POST /api/v1/dossiers/<uuid:pk>/appeal``: the applicant appeals a rejection."""

    class DossierAppealInputSerializer(serializers.Serializer):
        statement = serializers.CharField(help_text="The grounds of the appeal, at least 20 characters.")

    class DossierAppealOutputSerializer(CommitteeAppealSerializer):
        class Meta(CommitteeAppealSerializer.Meta):
            fields = ["status", "statement", "lodged_at", "deadline"]

    @extend_schema(
        request=DossierAppealInputSerializer,
        responses={201: DossierAppealOutputSerializer},
        operation_id="dossiers_appeal",
    )
    def post(self, request, pk):
        """Appeal the rejection of your dossier, within the appeal period, with your grounds."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        data = self.DossierAppealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.lodge_appeal(dossier=dossier, actor=request.user, **data.validated_data)
        return Response(self.DossierAppealOutputSerializer(appeal).data, status=status.HTTP_201_CREATED)


# --- what happens next, for the applicant (routed under the dossier API) ---------------------------------------


class NextStepsApi(APIView):
    """``GET /api/v1/dossiers/<uuid:pk>/next-steps``: what happens next after submission."""

    class DossierExpectedTimeSerializer(serializers.Serializer):
        median_days = serializers.FloatField(
            allow_null=True, help_text="Median days recent dossiers spent in this step; null with too few of them."
        )
        whole_days = serializers.IntegerField(allow_null=True, help_text="The median rounded up to whole days.")
        stays = serializers.IntegerField(help_text="How many recent dossiers the median is taken over.")

    class DossierStepSerializer(serializers.Serializer):
        key = serializers.CharField(help_text="completeness, assessment, interview, decision, credential")
        title = serializers.CharField()
        description = serializers.CharField()
        state = serializers.CharField(help_text="done, current, upcoming, skipped")
        waiting_for_you = serializers.BooleanField(help_text="The committee awaits the applicant's answer.")
        typical = serializers.SerializerMethodField(help_text="Null for the credential, issued on approval.")

        @extend_schema_field(
            inline_serializer(
                "DossierExpectedTime",
                {
                    "median_days": serializers.FloatField(allow_null=True),
                    "whole_days": serializers.IntegerField(allow_null=True),
                    "stays": serializers.IntegerField(),
                },
                allow_null=True,
            )
        )
        def get_typical(self, step) -> dict | None:
            if step.typical is None:
                return None
            return NextStepsApi.DossierExpectedTimeSerializer(step.typical).data

    class DossierInterviewSerializer(serializers.ModelSerializer):
        local_start = serializers.SerializerMethodField(help_text="The start in the interview's own time zone.")
        calendar = serializers.SerializerMethodField(help_text="Where to download the invitation (.ics).")

        class Meta:
            model = Interview
            fields = ["starts_at", "local_start", "time_zone", "duration_minutes", "mode", "location", "calendar"]

        def get_local_start(self, interview: Interview) -> str:
            return interview.starts_at.astimezone(ZoneInfo(interview.time_zone)).isoformat()

        def get_calendar(self, interview: Interview) -> str:
            return f"/api/v1/dossiers/{interview.dossier_id}/interview.ics"

    @extend_schema(
        responses={
            200: inline_serializer(
                "DossierNextSteps",
                {
                    "status": serializers.CharField(),
                    "since": serializers.DateTimeField(allow_null=True),
                    "steps": DossierStepSerializer(many=True),
                    "interview": DossierInterviewSerializer(allow_null=True),
                    "min_stays": serializers.IntegerField(),
                },
            )
        },
        operation_id="dossiers_next_steps",
    )
    def get(self, request, pk):
        """What happens next: the steps ahead (the current one marked), how long each usually takes by the
        committee's own figures (median over recent dossiers, null when too few), and the scheduled interview."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        ahead = progress.next_steps(dossier=dossier)
        return Response(
            {
                "status": dossier.status,
                "since": serializers.DateTimeField().to_representation(ahead.since) if ahead and ahead.since else None,
                "steps": self.DossierStepSerializer(ahead.steps, many=True).data if ahead else [],
                "interview": self.DossierInterviewSerializer(ahead.interview).data
                if ahead and ahead.interview
                else None,
                "min_stays": figures.MIN_STAYS_FOR_AN_ESTIMATE,
            }
        )


class InterviewCalendarApi(APIView):
    """``GET /api/v1/dossiers/<uuid:pk>/interview.ics``: the applicant's interview invitation."""

    @extend_schema(
        responses={
            (200, "text/calendar"): bytes,
            404: OpenApiResponse(PROBLEM, description="No such dossier of yours, or no interview scheduled."),
        },
        operation_id="dossiers_interview_calendar",
    )
    def get(self, request, pk):
        """The scheduled interview as an iCalendar file (the invitation the e-mail carries), to add to a calendar."""
        dossier = get_own_dossier(owner=request.user, dossier_id=pk)
        return calendar_response(scheduled_interview(dossier))
