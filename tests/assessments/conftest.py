import pytest

from assessments import checklist, selectors
from assessments.models import Committee, CommitteeMember
from assessments.services import assignments, completeness, declarations, scoresheets
from dossiers import services as dossier_services

from ..factories import UserFactory


def committee_user(committee, *, declared: bool = True, **roles):
    user = UserFactory()
    CommitteeMember.objects.create(committee=committee, user=user, **roles)
    if declared:
        declarations.sign_impartiality_declaration(user=user)
    return user


@pytest.fixture
def committee(profile):
    committee = Committee.objects.create(name="Technical committee")
    committee.profiles.add(profile)
    return committee


@pytest.fixture
def secretary(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def assessors(committee):
    return [committee_user(committee, is_assessor=True) for _ in range(3)]


@pytest.fixture
def interviewer(committee):
    return committee_user(committee, is_interviewer=True)


@pytest.fixture
def decision_maker(committee):
    return committee_user(committee, is_decision_maker=True)


@pytest.fixture
def submitted(complete_dossier, applicant):
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    complete_dossier.refresh_from_db()
    return complete_dossier


def check_complete(dossier, secretary):
    """The secretariat's completeness check of the latest submitted version, every item confirmed."""
    items = checklist.checklist(dossier=dossier, submission=selectors.latest_submission(dossier))
    return completeness.record_completeness_check(
        dossier=dossier, actor=secretary, verdicts={item.key: completeness.Verdict(confirmed=True) for item in items}
    )


@pytest.fixture
def checked(submitted, secretary):
    """A submitted dossier whose completeness check is recorded complete: assessors may be assigned."""
    check_complete(submitted, secretary)
    submitted.refresh_from_db()
    return submitted


def score_all(dossier, value: int) -> dict:
    return {c.code: {"score": value, "comment": "ok"} for c in dossier.profile.criteria.all()}


def assess(dossier, assessor, value: int, recommendation: str = "pass"):
    assignment = dossier.assignments.get(member=assessor, role="assessor")
    if assignment.status == "awaiting_declaration":
        declarations.declare_conflict_of_interest(assignment=assignment, actor=assessor, has_conflict=False)
    scoresheets.save_scores(
        assignment=assignment, actor=assessor, scores=score_all(dossier, value), recommendation=recommendation
    )
    return scoresheets.submit_assessment(assignment=assignment, actor=assessor)


@pytest.fixture
def under_assessment(checked, secretary, assessors):
    assignments.assign_assessors(dossier=checked, actor=secretary, assessors=assessors[:2])
    checked.refresh_from_db()
    return checked


@pytest.fixture
def awaiting_decision(under_assessment, assessors):
    assess(under_assessment, assessors[0], 3)
    assess(under_assessment, assessors[1], 3)
    under_assessment.refresh_from_db()
    assert under_assessment.status == "awaiting_decision"
    return under_assessment
