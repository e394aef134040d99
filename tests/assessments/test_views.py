"""Committee pages: who sees what, and when."""

import pytest

from assessments.services import assignments, declarations, scoresheets
from dossiers import services as dossier_services

from ..conftest import fill_completely
from ..factories import member
from .conftest import assess, check_complete, score_all


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_an_applicant_is_refused_the_committee_pages(as_user, applicant, under_assessment):
    client = as_user(applicant)
    assert client.get("/committee/").status_code == 403
    assert client.get(f"/committee/dossiers/{under_assessment.pk}/").status_code == 403


def test_before_declaring_an_assessor_sees_only_the_applicants_name(as_user, under_assessment, assessors, applicant):
    assignment = under_assessment.assignments.get(member=assessors[0])
    client = as_user(assessors[0])
    page = client.get(f"/committee/assignments/{assignment.pk}/").content.decode()
    assert applicant.get_full_name() in page
    assert "deploying machine learning models" not in page
    assert client.get(f"/committee/assignments/{assignment.pk}/score/").status_code in (302, 403, 404)
    file_id = under_assessment.files.first().pk
    assert client.get(f"/committee/assignments/{assignment.pk}/files/{file_id}/").status_code == 404


def test_after_declaring_the_assessor_sees_the_frozen_dossier_and_its_files(as_user, under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    client = as_user(assessors[0])
    page = client.get(f"/committee/assignments/{assignment.pk}/score/").content.decode()
    assert "deploying machine learning models" in page
    file_id = under_assessment.files.first().pk
    response = client.get(f"/committee/assignments/{assignment.pk}/files/{file_id}/")
    assert response.status_code == 200 and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_assessor_does_not_see_the_other_scores_before_submitting(as_user, under_assessment, assessors):
    sheet = assess(under_assessment, assessors[1], 4)
    sheet.comment = "SECRET-OPINION-OF-THE-SECOND-ASSESSOR"
    sheet.save(update_fields=["comment"])
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    client = as_user(assessors[0])
    assert "SECRET-OPINION" not in client.get(f"/committee/assignments/{assignment.pk}/score/").content.decode()
    scoresheets.save_scores(
        assignment=assignment, actor=assessors[0], scores=score_all(under_assessment, 4), recommendation="pass"
    )
    scoresheets.submit_assessment(assignment=assignment, actor=assessors[0])
    assert "SECRET-OPINION" in client.get(f"/committee/assignments/{assignment.pk}/score/").content.decode()


def test_someone_elses_assignment_answers_404(as_user, under_assessment, assessors):
    assignment = under_assessment.assignments.get(member=assessors[0])
    assert as_user(assessors[1]).get(f"/committee/assignments/{assignment.pk}/").status_code == 404
    assert as_user(member()).get(f"/committee/assignments/{assignment.pk}/").status_code in (403, 404)


def test_submitting_scores_in_the_browser_with_a_missing_criterion_explains_and_keeps_the_input(
    as_user, under_assessment, assessors
):
    assignment = under_assessment.assignments.get(member=assessors[0])
    declarations.declare_conflict_of_interest(assignment=assignment, actor=assessors[0], has_conflict=False)
    first = under_assessment.profile.criteria.first()
    response = as_user(assessors[0]).post(
        f"/committee/assignments/{assignment.pk}/score/",
        {
            "action": "submit",
            f"score_{first.code}": "3",
            f"comment_{first.code}": "KEEP-THIS-COMMENT",
            "recommendation": "pass",
        },
    )
    assert response.status_code in (400, 409)
    page = response.content.decode()
    assert "Score every criterion" in page and "KEEP-THIS-COMMENT" in page
    assert not assignment.assessments.filter(submitted_at__isnull=False).exists()


def test_the_decision_page_refuses_a_decision_maker_who_assessed(as_user, awaiting_decision, assessors):
    from assessments.models import CommitteeMember

    CommitteeMember.objects.filter(user=assessors[0]).update(is_decision_maker=True)
    response = as_user(assessors[0]).post(
        f"/committee/dossiers/{awaiting_decision.pk}/decision/",
        {"outcome": "approve", "rationale": "I know this one well, approve it."},
    )
    assert response.status_code in (400, 403, 409)
    assert "someone else must decide" in response.content.decode()
    awaiting_decision.refresh_from_db()
    assert awaiting_decision.status == "awaiting_decision"


def test_the_dashboard_lists_open_dossiers_with_their_holder(as_user, under_assessment, secretary, assessors):
    page = as_user(secretary).get("/committee/").content.decode()
    assert str(under_assessment.pk) in page
    assert assessors[0].get_full_name() in page


def test_the_dashboard_reports_time_in_each_status_and_agreement_by_month(as_user, awaiting_decision, secretary):
    page = as_user(secretary).get("/committee/").content.decode()
    assert "Time spent in each status" in page
    assert "Agreement between assessors" in page
    from django.utils import timezone

    from assessments.figures import committee_agreement, time_in_status
    from dossiers.models import Dossier

    figures = time_in_status(dossiers=Dossier.objects.all(), now=timezone.now())
    assert {"submitted", "under_assessment", "awaiting_decision"} <= set(figures)
    months = committee_agreement(committee=awaiting_decision.profile.committees.get())
    assert months and months[0]["pairs"] == awaiting_decision.profile.criteria.count()


def test_an_assessors_assignments_tell_the_applicants_apart(as_user, under_assessment, secretary, assessors):
    # Two dossiers of the same profile: the rows differ by applicant and submission date, not only by profile.
    other = member(first_name="Olivia", last_name="Other")
    second = dossier_services.start_dossier(owner=other, profile=under_assessment.profile)
    fill_completely(second, other)
    dossier_services.submit_dossier(dossier=second, actor=other)
    check_complete(second, secretary)
    assignments.assign_assessors(dossier=second, actor=secretary, assessors=assessors[:2])

    page = as_user(assessors[0]).get("/committee/").content.decode()

    rows = page.split('id="assignments-heading"')[1].split("</table>")[0]
    assert under_assessment.owner.get_full_name() in rows and "Olivia Other" in rows
    assert rows.count("<time datetime=") == 4  # each row: submitted on, assigned on
