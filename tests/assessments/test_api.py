import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import selectors
from assessments.models import Assessment, Assignment, Committee, CommitteeMember, Decision, Interview
from assessments.services import assignments, decisions, declarations
from dossiers.models import DossierStatus

from ..factories import UserFactory
from .conftest import assess, check_complete, committee_user, score_all

COMMITTEE = "/api/v1/committee"
RATIONALE = "Both assessors found strong production evidence on every criterion."


@pytest.fixture
def api_as():
    def client(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return client


@pytest.fixture
def awaiting_interview(under_assessment, assessors):
    assess(under_assessment, assessors[0], 3, "interview")
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    return under_assessment


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


def assignment_url(dossier, user) -> str:
    return f"{COMMITTEE}/assignments/{dossier.assignments.get(member=user).pk}"


def lodge_appeal(user, dossier_id, body):
    """The applicant's appeal, through its public URL."""
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/dossiers/{dossier_id}/appeal", body, format="json")


# --- the whole flow -------------------------------------------------------------------------------------------


def test_the_whole_committee_flow_works_through_the_api(
    submitted, secretary, assessors, decision_maker, applicant, api_as
):
    secretariat = api_as(secretary)
    base = f"{COMMITTEE}/dossiers/{submitted.pk}"
    assert [d["id"] for d in secretariat.get(f"{COMMITTEE}/dossiers/").json()] == [str(submitted.pk)]

    # The completeness check comes first: every item of the checklist confirmed.
    checklist = secretariat.get(f"{base}/completeness-check").json()
    assert checklist["awaited"] is True and checklist["submission"] == 1 and checklist["check"] is None
    verdicts = [{"key": item["key"], "confirmed": True} for item in checklist["checklist"]]
    recorded = secretariat.post(f"{base}/completeness-check", {"items": verdicts}, format="json")
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["outcome"] == "complete" and recorded.json()["checked_by"]["id"] == secretary.pk

    suggestions = secretariat.get(f"{base}/assessor-suggestions").json()
    chosen = [person["id"] for person in suggestions["suggested"]]
    assert len(chosen) == 2 and set(chosen) <= {person["id"] for person in suggestions["eligible"]}
    assigned = secretariat.post(f"{base}/assignments", {"assessors": chosen}, format="json")
    assert assigned.status_code == 201, assigned.content
    assert [(a["member"]["id"], a["status"]) for a in assigned.json()] == [
        (user_id, "awaiting_declaration") for user_id in chosen
    ]
    assert secretariat.get(f"{base}/").json()["status"] == DossierStatus.UNDER_ASSESSMENT

    first_criterion = submitted.profile.criteria.first().code
    for user_id in chosen:
        assessor = api_as(next(u for u in assessors if u.pk == user_id))
        [mine] = assessor.get(f"{COMMITTEE}/assignments/").json()
        assert mine["applicant"] == str(applicant) and mine["profile"] == submitted.profile.code
        assert mine["submitted_at"] is not None  # with the applicant, what tells two dossiers of a profile apart
        url = f"{COMMITTEE}/assignments/{mine['id']}"
        declared = assessor.post(f"{url}/declaration", {"has_conflict": False}, format="json")
        assert declared.status_code == 200, declared.content
        draft = assessor.put(f"{url}/scores", {"scores": {first_criterion: {"score": 2}}}, format="json")
        assert draft.status_code == 200, draft.content
        assert draft.json()["scores"] == {first_criterion: {"score": 2, "comment": ""}}
        assert draft.json()["submitted_at"] is None
        full = assessor.put(
            f"{url}/scores", {"scores": score_all(submitted, 3), "recommendation": "pass"}, format="json"
        )
        assert full.status_code == 200, full.content
        sheet = assessor.post(f"{url}/scores/submission")
        assert sheet.status_code == 200, sheet.content
        assert sheet.json()["submitted_at"] is not None

    deciding = api_as(decision_maker)
    detail = deciding.get(f"{base}/").json()
    assert detail["status"] == DossierStatus.AWAITING_DECISION
    assert detail["submission"]["number"] == 1 and detail["submission"]["manifest"]
    assert [a["status"] for a in detail["assignments"]] == ["done", "done"]
    assert detail["aggregate"]["passed"] is True and detail["aggregate"]["assessors"] == 2
    assert detail["agreement"]["assessors"] == 2
    assert detail["decisions"] == [] and detail["appeal"] is None

    decided = deciding.post(f"{base}/decision", {"outcome": "approve", "rationale": RATIONALE}, format="json")
    assert decided.status_code == 201, decided.content
    assert decided.json()["outcome"] == "approve" and decided.json()["decided_by"]["id"] == decision_maker.pk
    assert api_as(applicant).get(f"/api/v1/dossiers/{submitted.pk}/").json()["status"] == DossierStatus.APPROVED
    assert secretariat.get(f"{COMMITTEE}/dashboard").json()["counts"]["approved"] == 1


# --- what an assessor sees -----------------------------------------------------------------------------------


def test_an_assessor_sees_the_dossier_only_after_declaring_no_conflict(under_assessment, assessors, applicant, api_as):
    assessor = api_as(assessors[0])
    url = assignment_url(under_assessment, assessors[0])
    before = assessor.get(f"{url}/").json()
    assert before["status"] == "awaiting_declaration" and before["applicant"] == str(applicant)
    assert before["submission"] is None and before["interviews"] == []
    assert assessor.put(f"{url}/scores", {"scores": score_all(under_assessment, 3)}, format="json").status_code == 403

    after = assessor.post(f"{url}/declaration", {"has_conflict": False}, format="json").json()
    assert after["status"] == "active"
    assert after["submission"]["manifest"] == under_assessment.submissions.get().manifest


def test_a_declared_conflict_ends_the_assignment_without_showing_the_dossier(under_assessment, assessors, api_as):
    assessor = api_as(assessors[1])
    url = assignment_url(under_assessment, assessors[1])
    unexplained = assessor.post(f"{url}/declaration", {"has_conflict": True}, format="json")
    assert unexplained.status_code == 400 and "Describe the conflict" in unexplained.json()["detail"]
    declared = assessor.post(f"{url}/declaration", {"has_conflict": True, "reason": "My employer"}, format="json")
    assert declared.status_code == 200
    assert declared.json()["status"] == "conflicted" and declared.json()["submission"] is None
    again = assessor.post(f"{url}/declaration", {"has_conflict": False}, format="json")
    assert again.status_code == 409


def test_an_assessor_sees_the_other_scores_only_after_submitting_their_own(under_assessment, assessors, api_as):
    first, second = api_as(assessors[0]), api_as(assessors[1])
    first_url = assignment_url(under_assessment, assessors[0])
    second_url = assignment_url(under_assessment, assessors[1])
    assess(under_assessment, assessors[0], 3)
    second.post(f"{second_url}/declaration", {"has_conflict": False}, format="json")
    second.put(
        f"{second_url}/scores", {"scores": score_all(under_assessment, 2), "recommendation": "pass"}, format="json"
    )

    hidden = second.get(f"{second_url}/").json()
    assert hidden["other_sheets"] is None and hidden["aggregate"] is None
    assert hidden["sheet"]["scores"] == score_all(under_assessment, 2)
    # The first assessor has submitted, but a draft is never shown to anyone else.
    assert first.get(f"{first_url}/").json()["other_sheets"] == []

    assert second.post(f"{second_url}/scores/submission").status_code == 200
    visible = second.get(f"{second_url}/").json()
    assert [s["assessor"]["id"] for s in visible["other_sheets"]] == [assessors[0].pk]
    assert visible["other_sheets"][0]["scores"] == score_all(under_assessment, 3)
    assert visible["aggregate"]["assessors"] == 2
    assert [s["assessor"]["id"] for s in first.get(f"{first_url}/").json()["other_sheets"]] == [assessors[1].pk]


@pytest.mark.parametrize(
    "roles",
    [{"is_chair": True}, {"is_decision_maker": True}, {"is_chair": True, "is_decision_maker": True}, "secretariat"],
    ids=["chair", "decision maker", "chair and decision maker", "secretariat"],
)
def test_an_assessor_in_another_role_too_sees_no_other_scores_through_the_dossier_until_their_own_are_in(
    submitted, committee, secretary, assessors, api_as, roles
):
    # The caller assesses the dossier and also works on it in another role.
    if roles == "secretariat":
        caller = UserFactory(is_staff=True)
        CommitteeMember.objects.create(committee=committee, user=caller, is_assessor=True)
        declarations.sign_impartiality_declaration(user=caller)
    else:
        caller = committee_user(committee, is_assessor=True, **roles)
    check_complete(submitted, secretary)
    assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=[assessors[0], caller])
    assess(submitted, assessors[0], 3)  # the other assessor's scores are in
    api = api_as(caller)
    url = f"{COMMITTEE}/dossiers/{submitted.pk}/"

    hidden = api.get(url).json()
    assert hidden["scores_hidden"] is True
    assert hidden["aggregate"] is None and hidden["agreement"] is None

    assess(submitted, caller, 2)
    shown = api.get(url).json()
    assert shown["scores_hidden"] is False
    assert shown["aggregate"]["assessors"] == 2 and shown["aggregate"]["criterion_means"]


def test_a_chair_who_does_not_assess_sees_the_scores_as_they_come_in(under_assessment, committee, assessors, api_as):
    chair = committee_user(committee, is_chair=True)
    assess(under_assessment, assessors[0], 3)

    answer = api_as(chair).get(f"{COMMITTEE}/dossiers/{under_assessment.pk}/").json()

    assert answer["scores_hidden"] is False and answer["aggregate"]["assessors"] == 1


def test_an_assessor_amends_submitted_scores_with_a_reason(under_assessment, assessors, api_as):
    assessor = api_as(assessors[0])
    url = assignment_url(under_assessment, assessors[0])
    original = assess(under_assessment, assessors[0], 3)
    code = under_assessment.profile.criteria.first().code
    body = {"scores": {code: {"score": 4, "comment": "re-read"}}, "recommendation": "pass"}

    unexplained = assessor.post(f"{url}/scores/amendment", body, format="json")
    assert unexplained.status_code == 400 and "reason" in unexplained.json()
    amended = assessor.post(f"{url}/scores/amendment", {**body, "reason": "Misread the portfolio"}, format="json")
    assert amended.status_code == 201, amended.content
    assert amended.json()["supersedes"] == original.pk and amended.json()["amendment_reason"] == "Misread the portfolio"
    assert amended.json()["scores"][code] == {"score": 4, "comment": "re-read"}
    assert assessor.get(f"{url}/").json()["sheet"]["id"] == amended.json()["id"]


def test_an_amendment_needs_a_submitted_sheet(under_assessment, assessors, api_as):
    assessor = api_as(assessors[0])
    url = assignment_url(under_assessment, assessors[0])
    body = {"recommendation": "pass", "reason": "Nothing to correct yet"}
    assert assessor.post(f"{url}/scores/amendment", body, format="json").status_code == 409


def test_an_active_assessor_asks_the_applicant_for_information(under_assessment, assessors, api_as):
    base = f"{COMMITTEE}/dossiers/{under_assessment.pk}/information-request"
    body = {"questions": "Please add the project report."}
    # Not before declaring no conflict: until then the dossier is not theirs to see.
    assert api_as(assessors[1]).post(base, body, format="json").status_code == 404
    assess(under_assessment, assessors[0], 3)
    asked = api_as(assessors[0]).post(base, body, format="json")
    assert asked.status_code == 201, asked.content
    assert asked.json()["requested_by"]["id"] == assessors[0].pk
    under_assessment.refresh_from_db()
    assert under_assessment.status == DossierStatus.INFORMATION_REQUESTED


# --- who may do what -----------------------------------------------------------------------------------------


def test_someone_not_on_the_committee_is_refused_everywhere(under_assessment, assessors, committee, api_as):
    outsider = api_as(UserFactory())
    base = f"{COMMITTEE}/dossiers/{under_assessment.pk}"
    for url in [f"{COMMITTEE}/dashboard", f"{COMMITTEE}/dossiers/", f"{COMMITTEE}/agreement?committee={committee.pk}"]:
        assert outsider.get(url).status_code == 403, url
    assert outsider.post(f"{COMMITTEE}/declarations").status_code == 403
    for url in [f"{base}/", f"{base}/assessor-suggestions"]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"{base}/assignments", {"assessors": [assessors[2].pk]}, format="json").status_code == 404
    assert outsider.post(f"{base}/decision", {"outcome": "approve", "rationale": RATIONALE}).status_code == 404
    assert outsider.post(f"{base}/information-request", {"questions": "Why?"}).status_code == 404

    url = assignment_url(under_assessment, assessors[0])
    assert outsider.get(f"{COMMITTEE}/assignments/").json() == []
    assert outsider.get(f"{url}/").status_code == 404
    assert outsider.post(f"{url}/declaration", {"has_conflict": False}, format="json").status_code == 404
    assert outsider.put(f"{url}/scores", {"scores": {}}, format="json").status_code == 404
    assert under_assessment.assignments.get(member=assessors[0]).status == "awaiting_declaration"


def test_an_assessor_sees_only_their_own_assignments_and_not_the_committees_dossiers(
    under_assessment, assessors, api_as
):
    assessor = api_as(assessors[0])
    assert assessor.get(f"{COMMITTEE}/dossiers/{under_assessment.pk}/").status_code == 404
    assert assessor.get(f"{assignment_url(under_assessment, assessors[1])}/").status_code == 404
    assert [a["dossier"] for a in assessor.get(f"{COMMITTEE}/assignments/").json()] == [str(under_assessment.pk)]


def test_anonymous_callers_are_refused(db):
    assert APIClient().get(f"{COMMITTEE}/assignments/").status_code in (401, 403)


def test_a_decision_maker_who_assessed_the_dossier_is_refused_with_the_reason(awaiting_decision, assessors, api_as):
    CommitteeMember.objects.filter(user=assessors[0]).update(is_decision_maker=True)
    response = api_as(assessors[0]).post(
        f"{COMMITTEE}/dossiers/{awaiting_decision.pk}/decision",
        {"outcome": "approve", "rationale": RATIONALE},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "segregation_of_duties"
    assert "someone else must decide" in response.json()["detail"]
    awaiting_decision.refresh_from_db()
    assert awaiting_decision.status == DossierStatus.AWAITING_DECISION and not Decision.objects.exists()


def test_only_the_secretariat_or_the_chair_assigns_assessors(submitted, assessors, decision_maker, api_as):
    response = api_as(decision_maker).post(
        f"{COMMITTEE}/dossiers/{submitted.pk}/assignments",
        {"assessors": [assessors[0].pk, assessors[1].pk]},
        format="json",
    )
    assert response.status_code == 403
    assert not submitted.assignments.exists()


# --- bad input -------------------------------------------------------------------------------------------------


def test_bad_input_is_answered_per_field_and_changes_nothing(submitted, secretary, assessors, decision_maker, api_as):
    secretariat = api_as(secretary)
    base = f"{COMMITTEE}/dossiers/{submitted.pk}"
    unknown = secretariat.post(f"{base}/assignments", {"assessors": [assessors[0].pk, 999_999]}, format="json")
    assert unknown.status_code == 400 and "assessors" in unknown.json()
    assert "assessors" in secretariat.post(f"{base}/assignments", {"assessors": []}, format="json").json()
    interview = secretariat.post(
        f"{base}/interview",
        {"starts_at": "next tuesday", "mode": "telepathy", "interviewers": ["someone"]},
        format="json",
    )
    assert interview.status_code == 400
    assert {"starts_at", "mode", "interviewers", "time_zone", "location"} <= set(interview.json())
    decision = api_as(decision_maker).post(f"{base}/decision", {"outcome": "maybe"}, format="json")
    assert decision.status_code == 400 and {"outcome", "rationale"} <= set(decision.json())

    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.SUBMITTED
    assert not Assignment.objects.exists() and not Interview.objects.exists() and not Decision.objects.exists()


def test_bad_scores_are_refused_and_nothing_is_saved(under_assessment, assessors, api_as):
    assessor = api_as(assessors[0])
    url = assignment_url(under_assessment, assessors[0])
    assessor.post(f"{url}/declaration", {"has_conflict": False}, format="json")
    code = under_assessment.profile.criteria.first().code

    malformed = assessor.put(
        f"{url}/scores", {"scores": {code: {"score": -1}}, "recommendation": "maybe"}, format="json"
    )
    assert malformed.status_code == 400 and {"scores", "recommendation"} <= set(malformed.json())
    too_high = assessor.put(f"{url}/scores", {"scores": {code: {"score": 7}}}, format="json")
    assert too_high.status_code == 400 and "from 0 to" in too_high.json()["detail"]
    unknown = assessor.put(f"{url}/scores", {"scores": {"NOPE": {"score": 1}}}, format="json")
    assert unknown.status_code == 400 and "NOPE" in unknown.json()["detail"]
    assert not Assessment.objects.exists()


# --- interview, appeal -----------------------------------------------------------------------------------------


def test_an_interview_is_scheduled_in_its_time_zone_and_recorded_by_its_interviewer(
    awaiting_interview, secretary, interviewer, api_as, clock
):
    scheduled = api_as(secretary).post(
        f"{COMMITTEE}/dossiers/{awaiting_interview.pk}/interview",
        {
            "starts_at": "2031-06-10T10:00:00",
            "time_zone": "America/New_York",
            "mode": "video",
            "location": "https://meet.example.org/abc",
            "interviewers": [interviewer.pk],
        },
        format="json",
    )
    assert scheduled.status_code == 201, scheduled.content
    interview = Interview.objects.get(pk=scheduled.json()["id"])
    assert interview.starts_at == datetime.datetime(2031, 6, 10, 14, 0, tzinfo=datetime.UTC)
    assert interview.duration_minutes == 45

    panel = api_as(interviewer)
    url = assignment_url(awaiting_interview, interviewer)
    assert panel.get(f"{url}/").json()["interviews"] == []
    declared = panel.post(f"{url}/declaration", {"has_conflict": False}, format="json").json()
    assert [i["id"] for i in declared["interviews"]] == [interview.pk]

    record_url = f"{COMMITTEE}/interviews/{interview.pk}/record"
    body = {"minutes": "Clear answers on drift monitoring.", "score": 3, "recommendation": "pass"}
    assert api_as(UserFactory()).post(record_url, body, format="json").status_code == 404
    wrong_question = panel.post(record_url, {**body, "answers": [{"question": 99, "notes": "?"}]}, format="json")
    assert wrong_question.status_code == 400 and "answers" in wrong_question.json()
    interview_only = panel.post(record_url, {**body, "recommendation": "interview"}, format="json")
    assert interview_only.status_code == 400 and "recommendation" in interview_only.json()
    early = panel.post(record_url, body, format="json")
    assert early.status_code == 409 and early.json()["code"] == "interview_not_started"
    assert "reschedule" in early.json()["detail"]

    clock.move_to(interview.starts_at + datetime.timedelta(hours=1))  # the interview has taken place

    recorded = panel.post(
        record_url, {**body, "answers": [{"question": 0, "notes": "solid", "score": 3}]}, format="json"
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["answers"] == [{"question": 0, "notes": "solid", "score": 3}]
    awaiting_interview.refresh_from_db()
    assert awaiting_interview.status == DossierStatus.AWAITING_DECISION


def test_the_applicant_appeals_and_an_uninvolved_panel_overturns_the_rejection(
    rejected, applicant, secretary, decision_maker, committee, api_as
):
    base = f"{COMMITTEE}/dossiers/{rejected.pk}"
    secretariat = api_as(secretary)
    judge = committee_user(committee, is_assessor=True)
    assert secretariat.post(f"{base}/appeal-panel", {"members": [judge.pk]}, format="json").status_code == 404

    statement = {"statement": "The committee missed my MLOps certificate."}
    assert lodge_appeal(UserFactory(), rejected.pk, statement).status_code == 404
    assert lodge_appeal(applicant, rejected.pk, {"statement": ""}).status_code == 400
    lodged = lodge_appeal(applicant, rejected.pk, statement)
    assert lodged.status_code == 201, lodged.data
    assert lodged.data["status"] == "lodged" and lodged.data["deadline"] > lodged.data["lodged_at"]

    involved = secretariat.post(f"{base}/appeal-panel", {"members": [decision_maker.pk]}, format="json")
    assert involved.status_code == 403 and involved.json()["code"] == "segregation_of_duties"
    panel = secretariat.post(f"{base}/appeal-panel", {"members": [judge.pk]}, format="json")
    assert panel.status_code == 200 and panel.json()["panel"] == [judge.pk]

    hearing = api_as(judge)
    assert hearing.get(f"{base}/").json()["appeal"]["statement"] == statement["statement"]
    overturned = hearing.post(
        f"{base}/appeal-decision",
        {"overturn": True, "rationale": "The certificate shows the missing competence."},
        format="json",
    )
    assert overturned.status_code == 201, overturned.content
    assert overturned.json()["kind"] == "appeal" and overturned.json()["outcome"] == "approve"
    assert api_as(applicant).get(f"/api/v1/dossiers/{rejected.pk}/").json()["status"] == DossierStatus.APPROVED


# --- dashboard, declarations, agreement --------------------------------------------------------------------------


def test_the_dashboard_shows_who_holds_each_open_dossier(under_assessment, secretary, assessors, api_as):
    body = api_as(secretary).get(f"{COMMITTEE}/dashboard").json()
    assert body["counts"]["under_assessment"] == 1 and "draft" not in body["counts"]
    assert body["overdue"] == 0
    [row] = body["rows"]
    assert row["dossier"] == str(under_assessment.pk) and row["status"] == "under_assessment"
    assert str(assessors[0]) in row["held_by"] and row["days_in_state"] == 0


def test_a_committee_member_signs_the_yearly_declaration(committee, api_as):
    member = committee_user(committee, is_assessor=True, declared=False)
    signed = api_as(member).post(f"{COMMITTEE}/declarations")
    assert signed.status_code == 201
    assert signed.json()["text_version"] == declarations.DECLARATION_TEXT_VERSION
    assert signed.json()["valid_until"] > timezone.localdate().isoformat()
    assert selectors.has_valid_declaration(user=member)


def test_agreement_is_reported_for_the_callers_committee_only(awaiting_decision, committee, assessors, api_as):
    url = f"{COMMITTEE}/agreement?committee={committee.pk}"
    [month] = api_as(assessors[0]).get(url).json()
    assert month["pairs"] == awaiting_decision.profile.criteria.count()
    other = Committee.objects.create(name="Another committee")
    stranger = committee_user(other, is_assessor=True)
    assert api_as(stranger).get(url).status_code == 404
    missing = api_as(assessors[0]).get(f"{COMMITTEE}/agreement")
    assert missing.status_code == 400 and "committee" in missing.json()


def test_every_committee_operation_is_documented(db):
    paths = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    operations = [op for path, item in paths.items() if path.startswith(f"{COMMITTEE}/") for op in item.values()]
    assert len(operations) == 22
    assert all(op["operationId"].startswith("committee_") for op in operations)
