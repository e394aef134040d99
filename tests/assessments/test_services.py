import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from aipia.errors import DomainError, InvalidTransition, NotAllowed
from assessments import selectors
from assessments.models import Appeal, Assessment, Assignment, Decision, Escalation, InformationRequest
from assessments.services import appeals, assignments, decisions, declarations, interviews, scoresheets
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..conftest import upload
from ..factories import UserFactory
from .conftest import assess, check_complete, committee_user, score_all

# --- assignment ---------------------------------------------------------------------------------------


def test_assigning_two_assessors_starts_the_assessment(checked, secretary, assessors):
    assignments.assign_assessors(dossier=checked, actor=secretary, assessors=assessors[:2])
    checked.refresh_from_db()
    assert checked.status == DossierStatus.UNDER_ASSESSMENT
    assert checked.events.filter(action="assessment.started", to_status="under_assessment").exists()


def test_one_assessor_is_not_enough_to_start(checked, secretary, assessors):
    with pytest.raises(DomainError, match="at least 2"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=assessors[:1])
    assert not checked.assignments.exists()


def test_only_the_secretariat_or_the_chair_assigns(checked, assessors, committee):
    with pytest.raises(NotAllowed):
        assignments.assign_assessors(dossier=checked, actor=assessors[2], assessors=assessors[:2])
    chair = committee_user(committee, is_chair=True)
    assignments.assign_assessors(dossier=checked, actor=chair, assessors=assessors[:2])


def test_the_suggestion_prefers_the_least_busy_eligible_assessors(submitted, assessors, secretary, profile):
    from ..factories import member

    other_owner = member()
    other = dossier_services.start_dossier(owner=other_owner, profile=profile)
    from ..conftest import fill_completely

    fill_completely(other, other_owner)
    dossier_services.submit_dossier(dossier=other, actor=other_owner)
    check_complete(other, secretary)
    assignments.assign_assessors(dossier=other, actor=secretary, assessors=assessors[:2])
    assert selectors.suggest_assessors(dossier=submitted)[0] == assessors[2]


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if s not in ("submitted", "under_assessment")])
def test_assessors_cannot_be_assigned_in_other_states(submitted, secretary, assessors, status):
    Dossier.objects.filter(pk=submitted.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])


def test_nobody_assesses_their_own_dossier(checked, secretary, assessors, committee, applicant):
    from assessments.models import CommitteeMember

    CommitteeMember.objects.create(committee=committee, user=applicant, is_assessor=True)
    declarations.sign_impartiality_declaration(user=applicant)
    with pytest.raises(NotAllowed, match="their own dossier"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=[assessors[0], applicant])
    assert not checked.assignments.exists()


def test_a_member_without_a_valid_impartiality_declaration_cannot_be_assigned(checked, secretary, assessors, committee):
    undeclared = committee_user(committee, is_assessor=True, declared=False)
    with pytest.raises(NotAllowed, match="impartiality"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=[assessors[0], undeclared])


def test_an_expired_declaration_must_be_renewed(checked, secretary, assessors):
    from assessments.models import ImpartialityDeclaration

    ImpartialityDeclaration.objects.filter(user=assessors[0]).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(NotAllowed, match="renewed every year"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=assessors[:2])


def test_someone_outside_the_committee_cannot_be_assigned(checked, secretary, assessors):
    outsider = UserFactory()
    with pytest.raises(NotAllowed, match="Only committee members"):
        declarations.sign_impartiality_declaration(user=outsider)
    with pytest.raises(NotAllowed, match="not on this profile's committee"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=[assessors[0], outsider])


# --- conflict of interest ---------------------------------------------------------------------------------


def test_a_declared_conflict_blocks_the_assignment_and_is_kept(under_assessment, assessors, secretary):
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(
        assignment=assignment, actor=assessors[0], has_conflict=True, reason="My employer"
    )
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFLICTED and assignment.conflict_reason == "My employer"
    with pytest.raises(NotAllowed):
        scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 3))
    # A replacement is suggested and can be assigned; the conflicted member cannot be assigned again.
    assert selectors.suggest_assessors(dossier=under_assessment) == [assessors[2]]
    with pytest.raises(NotAllowed, match="conflict"):
        assignments.assign_assessors(dossier=under_assessment, actor=secretary, assessors=[assessors[0]])
    assignments.assign_assessors(dossier=under_assessment, actor=secretary, assessors=[assessors[2]])
    assert under_assessment.events.filter(action="assessment.conflict_declared").exists()


def test_a_conflict_needs_a_description(under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    with pytest.raises(DomainError, match="Describe"):
        declarations.declare_conflict_of_interest(
            assignment=assignment, actor=assessors[0], has_conflict=True, reason=" "
        )


def test_the_declaration_is_made_once_and_only_by_the_assigned_member(under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    with pytest.raises(NotAllowed):
        declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[1], has_conflict=False)
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    with pytest.raises(InvalidTransition):
        declarations.declare_conflict_of_interest(
            assignment=assignment, actor=assessors[0], has_conflict=True, reason="x"
        )


def test_scores_need_a_declaration_of_no_conflict_first(under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    with pytest.raises(NotAllowed):
        scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 3))


# --- scoring -----------------------------------------------------------------------------------------------


def test_a_draft_can_be_partial_but_submission_needs_every_criterion_and_a_recommendation(under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    first = under_assessment.profile.criteria.first()
    scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores={first.code: {"score": 3}})
    with pytest.raises(DomainError, match="Score every criterion"):
        scoresheets.submit_assessment(assignment=assignment, actor=assessors[0])
    scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 3))
    with pytest.raises(DomainError, match="recommendation"):
        scoresheets.submit_assessment(assignment=assignment, actor=assessors[0])


def test_a_score_out_of_range_is_refused(under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    with pytest.raises(DomainError, match="from 0 to 4"):
        scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 7))
    assert not Assessment.objects.filter(scores__isnull=False).exists()


def test_submitted_scores_are_immutable_and_an_amendment_is_a_new_audited_sheet(under_assessment, assessors):
    sheet = assess(under_assessment, assessors[0], 3)
    assignment = sheet.assignment
    with pytest.raises(NotAllowed):
        # The assignment is done: no more drafts.
        scoresheets.save_scores(assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 1))
    code = under_assessment.profile.criteria.first().code
    amended = scoresheets.amend_assessment(
        assessment=sheet,
        actor=assessors[0],
        scores={code: {"score": 4, "comment": "re-read"}},
        recommendation="pass",
        comment="",
        reason="Misread the portfolio",
    )
    sheet.refresh_from_db()
    assert {s.score for s in sheet.scores.all()} == {3}
    assert amended.supersedes == sheet and amended.scores.get(criterion__code=code).score == 4
    assert under_assessment.events.filter(action="assessment.scores_amended", reason="Misread the portfolio").exists()
    with pytest.raises(InvalidTransition):
        scoresheets.amend_assessment(
            assessment=sheet, actor=assessors[0], scores={}, recommendation="pass", comment="", reason="again"
        )
    with pytest.raises(NotAllowed):
        scoresheets.amend_assessment(
            assessment=amended, actor=assessors[1], scores={}, recommendation="pass", comment="", reason="mine"
        )


def test_the_dossier_awaits_decision_once_both_assessors_agree(under_assessment, assessors):
    assess(under_assessment, assessors[0], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.UNDER_ASSESSMENT
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.AWAITING_DECISION
    assert selectors.dossier_agreement(dossier=under_assessment)["assessors"] == 2


def test_a_disagreement_beyond_the_threshold_requests_a_third_assessor(under_assessment, assessors, secretary):
    assess(under_assessment, assessors[0], 1)
    assess(under_assessment, assessors[1], 4)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.UNDER_ASSESSMENT
    assert Escalation.objects.filter(dossier=under_assessment, resolved_at__isnull=True).exists()
    assert selectors.suggest_assessors(dossier=under_assessment) == [assessors[2]]
    assignments.assign_assessors(dossier=under_assessment, actor=secretary, assessors=[assessors[2]])
    assess(under_assessment, assessors[2], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.AWAITING_DECISION
    assert selectors.dossier_aggregate(dossier=under_assessment).assessors == 3


def test_an_assessor_asking_for_an_interview_sends_the_dossier_to_interview(under_assessment, assessors):
    assess(under_assessment, assessors[0], 3, "interview")
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.INTERVIEW


# --- information requests ---------------------------------------------------------------------------------


def test_a_request_for_information_returns_the_dossier_and_a_complete_check_of_the_resubmission_resumes_it(
    under_assessment, assessors, applicant, secretary
):
    assess(under_assessment, assessors[0], 3)
    assignments.request_information(
        dossier=under_assessment, actor=assessors[0], questions="Please add the project report."
    )
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.INFORMATION_REQUESTED
    assert (
        under_assessment.events.get(action="assessment.information_requested").reason
        == "Please add the project report."
    )

    from demo.files import pdf_bytes

    upload(under_assessment, applicant, pdf_bytes("report"), "report.pdf")
    second = dossier_services.submit_dossier(dossier=under_assessment, actor=applicant)
    under_assessment.refresh_from_db()
    # The new version waits for its own completeness check before the assessors see it.
    assert under_assessment.status == DossierStatus.SUBMITTED
    assert InformationRequest.objects.get().answered_by_submission == second
    check_complete(under_assessment, secretary)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.UNDER_ASSESSMENT
    assert under_assessment.events.filter(action="assessment.resumed").exists()
    assert under_assessment.submissions.count() == 2
    # Both assessors score the new version; the first sheet stays with version 1.
    assert selectors.effective_sheets(dossier=under_assessment) == []
    assess(under_assessment, assessors[0], 3)
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.AWAITING_DECISION


def test_an_outsider_cannot_request_information(submitted):
    with pytest.raises(NotAllowed):
        assignments.request_information(dossier=submitted, actor=UserFactory(), questions="?")


# --- interview -----------------------------------------------------------------------------------------------


@pytest.fixture
def awaiting_interview(under_assessment, assessors):
    assess(under_assessment, assessors[0], 3, "interview")
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    return under_assessment


def test_scheduling_an_interview_invites_the_applicant_and_the_panel_with_an_ics(
    awaiting_interview, secretary, interviewer, applicant, django_capture_on_commit_callbacks
):
    starts = timezone.now() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        interview = interviews.schedule_interview(
            dossier=awaiting_interview,
            actor=secretary,
            starts_at=starts,
            time_zone="Europe/Rome",
            mode="video",
            location="https://meet.example.org/abc",
            interviewers=[interviewer],
        )
    invitations = [m for m in mail.outbox if m.attachments]
    assert {m.to[0] for m in invitations} == {applicant.email, interviewer.email}
    name, content, mimetype = invitations[0].attachments[0]
    assert name == "interview.ics" and mimetype.startswith("text/calendar")
    text = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in text and interview.uid in text and "TZID=Europe/Rome" in text
    assert interview.questions == awaiting_interview.profile.interview_questions


def test_the_interview_is_recorded_by_its_interviewers_then_the_dossier_awaits_decision(
    awaiting_interview, secretary, interviewer, clock
):
    interview = interviews.schedule_interview(
        dossier=awaiting_interview,
        actor=secretary,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        time_zone="Europe/Rome",
        mode="in_person",
        location="Via Roma 1, Milano",
        interviewers=[interviewer],
    )
    with pytest.raises(NotAllowed):  # no declaration of no conflict yet
        interviews.record_interview(
            interview=interview, actor=interviewer, answers=[], minutes="m", score=3, recommendation="pass"
        )
    assignment = awaiting_interview.assignments.get(member=interviewer)
    declarations.declare_conflict_of_interest(assignment=assignment, actor=interviewer, has_conflict=False)
    clock.move_to(interview.starts_at + datetime.timedelta(minutes=50))  # the interview has taken place
    interviews.record_interview(
        interview=interview,
        actor=interviewer,
        answers=[{"question": 0, "notes": "solid", "score": 3}],
        minutes="Clear answers on drift monitoring.",
        score=3,
        recommendation="pass",
    )
    awaiting_interview.refresh_from_db()
    assert awaiting_interview.status == DossierStatus.AWAITING_DECISION
    with pytest.raises(InvalidTransition, match="already recorded"):
        interviews.record_interview(
            interview=interview, actor=interviewer, answers=[], minutes="again", score=3, recommendation="pass"
        )


def test_an_interview_in_the_past_or_in_an_unknown_zone_is_refused(awaiting_interview, secretary, interviewer):
    with pytest.raises(DomainError, match="future"):
        interviews.schedule_interview(
            dossier=awaiting_interview,
            actor=secretary,
            starts_at=timezone.now() - datetime.timedelta(hours=1),
            time_zone="Europe/Rome",
            mode="video",
            location="x",
            interviewers=[interviewer],
        )
    with pytest.raises(DomainError, match="time zone"):
        interviews.schedule_interview(
            dossier=awaiting_interview,
            actor=secretary,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            time_zone="Mars/Olympus",
            mode="video",
            location="x",
            interviewers=[interviewer],
        )


# --- decision ------------------------------------------------------------------------------------------------


def test_the_decision_maker_approves_with_a_rationale_and_the_applicant_is_told(
    awaiting_decision, decision_maker, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.decide(
            dossier=awaiting_decision,
            actor=decision_maker,
            outcome="approve",
            rationale="Both assessors found strong production evidence on every criterion.",
        )
    awaiting_decision.refresh_from_db()
    assert awaiting_decision.status == DossierStatus.APPROVED
    assert decision.record["aggregate"]["passed"] is True
    to_applicant = [m for m in mail.outbox if m.to == [applicant.email]]
    assert any("strong production evidence" in m.body for m in to_applicant)
    # Approval starts the credential's issuance.
    assert awaiting_decision.credential.status == "active"


def test_the_decision_maker_cannot_be_an_assessor_of_the_dossier(awaiting_decision, assessors, committee):
    from assessments.models import CommitteeMember

    CommitteeMember.objects.filter(user=assessors[0]).update(is_decision_maker=True)
    with pytest.raises(NotAllowed, match="someone else must decide"):
        decisions.decide(dossier=awaiting_decision, actor=assessors[0], outcome="approve", rationale="x" * 30)


def test_the_decision_maker_cannot_be_an_interviewer_of_the_dossier(awaiting_interview, secretary, interviewer):
    from assessments.models import CommitteeMember

    interviews.schedule_interview(
        dossier=awaiting_interview,
        actor=secretary,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        time_zone="Europe/Rome",
        mode="video",
        location="https://meet.example.org/x",
        interviewers=[interviewer],
    )
    CommitteeMember.objects.filter(user=interviewer).update(is_decision_maker=True)
    Dossier.objects.filter(pk=awaiting_interview.pk).update(status=DossierStatus.AWAITING_DECISION)
    with pytest.raises(NotAllowed, match="someone else must decide"):
        decisions.decide(dossier=awaiting_interview, actor=interviewer, outcome="approve", rationale="x" * 30)


def test_only_a_decision_maker_decides_and_never_on_their_own_dossier(
    awaiting_decision, secretary, committee, applicant
):
    with pytest.raises(NotAllowed):
        decisions.decide(dossier=awaiting_decision, actor=secretary, outcome="approve", rationale="x" * 30)
    from assessments.models import CommitteeMember

    CommitteeMember.objects.create(committee=committee, user=applicant, is_decision_maker=True)
    declarations.sign_impartiality_declaration(user=applicant)
    with pytest.raises(NotAllowed, match="own dossier"):
        decisions.decide(dossier=awaiting_decision, actor=applicant, outcome="approve", rationale="x" * 30)


def test_a_decision_needs_a_rationale(awaiting_decision, decision_maker):
    with pytest.raises(DomainError, match="rationale"):
        decisions.decide(dossier=awaiting_decision, actor=decision_maker, outcome="approve", rationale="ok")
    awaiting_decision.refresh_from_db()
    assert awaiting_decision.status == DossierStatus.AWAITING_DECISION


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if s != "awaiting_decision"])
def test_a_decision_is_refused_in_every_other_state(submitted, decision_maker, status):
    Dossier.objects.filter(pk=submitted.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        decisions.decide(dossier=submitted, actor=decision_maker, outcome="approve", rationale="x" * 30)
    assert not Decision.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_decision_makers_at_once_one_wins_and_the_other_is_told(
    catalogue, applicant, secretary, committee, assessors
):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (CI runs this test there).")
    from ..conftest import fill_completely

    dossier = dossier_services.start_dossier(owner=applicant, profile=committee.profiles.get())
    fill_completely(dossier, applicant)
    dossier_services.submit_dossier(dossier=dossier, actor=applicant)
    check_complete(dossier, secretary)
    assignments.assign_assessors(dossier=dossier, actor=secretary, assessors=assessors[:2])
    assess(dossier, assessors[0], 3)
    assess(dossier, assessors[1], 3)
    makers = [committee_user(committee, is_decision_maker=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(user, outcome):
        from django.db import connections

        try:
            barrier.wait()
            decisions.decide(
                dossier=dossier, actor=user, outcome=outcome, rationale=f"{outcome} after full review of the record"
            )
            outcomes[outcome] = "ok"
        except Exception as exc:
            outcomes[outcome] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(makers[0], "approve")),
        threading.Thread(target=act, args=(makers[1], "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = list(outcomes.values())
    assert results.count("ok") == 1
    loser = next(r for r in results if r != "ok")
    assert isinstance(loser, InvalidTransition) and loser.code == "already_decided"
    assert Decision.objects.filter(dossier=dossier).count() == 1


# --- appeal --------------------------------------------------------------------------------------------------


@pytest.fixture
def rejected(awaiting_decision, decision_maker):
    decisions.decide(
        dossier=awaiting_decision,
        actor=decision_maker,
        outcome="reject",
        rationale="Portfolio lacks production evidence.",
    )
    awaiting_decision.refresh_from_db()
    return awaiting_decision


def test_the_applicant_appeals_a_rejection_and_an_uninvolved_panel_overturns_it(
    rejected, applicant, secretary, committee, assessors, decision_maker
):
    appeal = appeals.lodge_appeal(
        dossier=rejected, actor=applicant, statement="The committee missed my MLOps certificate."
    )
    rejected.refresh_from_db()
    assert rejected.status == DossierStatus.APPEALED
    for involved in (decision_maker, assessors[0]):
        with pytest.raises(NotAllowed, match="cannot hear the appeal"):
            appeals.set_appeal_panel(appeal=appeal, actor=secretary, members=[involved])
    judge = committee_user(committee, is_decision_maker=True)
    appeals.set_appeal_panel(appeal=appeal, actor=secretary, members=[judge])
    with pytest.raises(NotAllowed):
        appeals.decide_appeal(appeal=appeal, actor=decision_maker, overturn=True, rationale="x" * 30)
    appeals.decide_appeal(
        appeal=appeal, actor=judge, overturn=True, rationale="The certificate shows the missing competence."
    )
    rejected.refresh_from_db()
    appeal.refresh_from_db()
    assert rejected.status == DossierStatus.APPROVED and appeal.status == Appeal.Status.OVERTURNED
    assert rejected.events.filter(action="appeal.overturned").exists()


def test_an_upheld_appeal_leaves_the_dossier_rejected(rejected, applicant, secretary, committee):
    appeal = appeals.lodge_appeal(dossier=rejected, actor=applicant, statement="I disagree with the assessment of CR2.")
    judge = committee_user(committee, is_assessor=True)
    appeals.set_appeal_panel(appeal=appeal, actor=secretary, members=[judge])
    appeals.decide_appeal(
        appeal=appeal, actor=judge, overturn=False, rationale="The assessment was sound and complete."
    )
    rejected.refresh_from_db()
    assert rejected.status == DossierStatus.REJECTED
    with pytest.raises(InvalidTransition):
        appeals.lodge_appeal(dossier=rejected, actor=applicant, statement="Once more with feeling, please.")


def test_an_appeal_after_the_period_is_refused(rejected, applicant, settings):
    Decision.objects.filter(dossier=rejected).update(
        decided_at=timezone.now() - datetime.timedelta(days=settings.APPEAL_PERIOD_DAYS + 1)
    )
    with pytest.raises(InvalidTransition, match="appeal period ended"):
        appeals.lodge_appeal(dossier=rejected, actor=applicant, statement="Late but still convinced I am right.")


def test_only_the_applicant_appeals_and_only_a_rejection(awaiting_decision, decision_maker, applicant):
    with pytest.raises(InvalidTransition):
        appeals.lodge_appeal(dossier=awaiting_decision, actor=applicant, statement="Too early to appeal, surely.")
    decisions.decide(
        dossier=awaiting_decision, actor=decision_maker, outcome="reject", rationale="Not enough evidence overall."
    )
    with pytest.raises(NotAllowed):
        appeals.lodge_appeal(dossier=awaiting_decision, actor=decision_maker, statement="I appeal on their behalf.")


def test_every_committee_step_is_in_the_audit_trail(rejected):
    actions = list(rejected.events.values_list("action", flat=True))
    for action in [
        "dossier.submitted",
        "assessment.assessor_assigned",
        "assessment.no_conflict_declared",
        "assessment.scores_submitted",
        "assessment.completed",
        "decision.rejected",
    ]:
        assert action in actions


def test_the_applicant_sees_the_rationale_and_can_appeal_in_the_browser(rejected, applicant, client):
    client.force_login(applicant)
    page = client.get(f"/dossiers/{rejected.pk}/").content.decode()
    assert "Portfolio lacks production evidence." in page
    assert f"/dossiers/{rejected.pk}/appeal/" in page
    # The committee's internal steps are not shown to the applicant.
    assert "assessment.assessor_assigned" not in page
    response = client.post(f"/dossiers/{rejected.pk}/appeal/", {"statement": "too short"})
    assert response.status_code == 400
    client.post(f"/dossiers/{rejected.pk}/appeal/", {"statement": "The committee overlooked my MLOps certificate."})
    rejected.refresh_from_db()
    assert rejected.status == DossierStatus.APPEALED


def test_the_applicant_sees_the_committees_questions(under_assessment, assessors, applicant, client):
    assess(under_assessment, assessors[0], 3)
    assignments.request_information(
        dossier=under_assessment, actor=assessors[0], questions="Which models did you deploy?"
    )
    client.force_login(applicant)
    page = client.get(f"/dossiers/{under_assessment.pk}/").content.decode()
    assert "Which models did you deploy?" in page


def test_another_user_cannot_appeal_someone_elses_dossier(rejected, client):
    from ..factories import member

    client.force_login(member())
    assert client.post(f"/dossiers/{rejected.pk}/appeal/", {"statement": "x" * 40}).status_code == 404


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if s not in ("submitted", "under_assessment")])
def test_information_can_be_requested_only_before_the_assessment_ends(submitted, secretary, status):
    Dossier.objects.filter(pk=submitted.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        assignments.request_information(dossier=submitted, actor=secretary, questions="Anything else?")


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if s != "interview"])
def test_an_interview_is_scheduled_only_when_one_is_awaited(submitted, secretary, interviewer, status):
    Dossier.objects.filter(pk=submitted.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        interviews.schedule_interview(
            dossier=submitted,
            actor=secretary,
            starts_at=timezone.now() + datetime.timedelta(days=2),
            time_zone="Europe/Rome",
            mode="video",
            location="https://meet.example.org/x",
            interviewers=[interviewer],
        )


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if s != "rejected"])
def test_only_a_rejected_dossier_can_be_appealed(submitted, applicant, status):
    Dossier.objects.filter(pk=submitted.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        appeals.lodge_appeal(dossier=submitted, actor=applicant, statement="I believe the decision is wrong.")


def test_a_chair_without_a_valid_declaration_cannot_assign(submitted, committee, assessors):
    chair = committee_user(committee, is_chair=True, declared=False)
    with pytest.raises(NotAllowed, match="impartiality"):
        assignments.assign_assessors(dossier=submitted, actor=chair, assessors=assessors[:2])
