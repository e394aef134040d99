"""The completeness check: an explicit, recorded step of the secretariat before any assessment."""

import pytest
from rest_framework.test import APIClient

from aipia.errors import DomainError, InvalidTransition, NotAllowed
from assessments import checklist, selectors
from assessments.models import CompletenessCheck, InformationRequest
from assessments.services import assignments, completeness
from dossiers import services as dossier_services
from dossiers.models import DossierStatus

from ..factories import UserFactory
from .conftest import check_complete, committee_user

COMMITTEE = "/api/v1/committee"


def all_confirmed(dossier, **overrides):
    items = checklist.checklist(dossier=dossier, submission=selectors.latest_submission(dossier))
    return {item.key: overrides.get(item.key, completeness.Verdict(confirmed=True)) for item in items}


# --- the rule -------------------------------------------------------------------------------------------------


def test_assessors_cannot_be_assigned_before_the_check_is_recorded_complete(submitted, secretary, assessors):
    with pytest.raises(InvalidTransition, match="completeness check") as refused:
        assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])
    assert refused.value.code == "completeness_check_required"
    assert not submitted.assignments.exists()
    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.SUBMITTED


def test_the_checklist_covers_identity_every_section_every_competence_and_the_declarations(submitted):
    items = checklist.checklist(dossier=submitted, submission=selectors.latest_submission(submitted))
    keys = [item.key for item in items]
    competences = [pc.competence.code for pc in submitted.profile.profile_competences.all()]
    assert keys == [
        "identity",
        "cv",
        "training",
        "experience",
        "projects",
        "evidence",
        *[f"self_assessment:{code}" for code in competences],
        "declarations",
    ]
    assert all(item.present for item in items[:-1]) and items[-1].present is None
    assert "cv.pdf" in items[1].found


def test_a_complete_check_is_recorded_with_every_item_who_and_when_and_lets_assessors_be_assigned(
    submitted, secretary, assessors
):
    verdicts = all_confirmed(submitted, cv=completeness.Verdict(confirmed=True, note="Signed and dated."))
    check = completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=verdicts)
    assert check.outcome == CompletenessCheck.Outcome.COMPLETE and check.checked_by == secretary
    assert check.submission.number == 1 and check.information_request is None
    event = submitted.events.get(action="assessment.completeness_checked")
    assert event.actor == secretary and event.data["outcome"] == "complete" and event.data["submission"] == 1
    assert {"key": "cv", "confirmed": True, "note": "Signed and dated."} in event.data["items"]
    assert len(event.data["items"]) == len(verdicts)
    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.SUBMITTED  # a recorded step, not a status of its own
    assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])
    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.UNDER_ASSESSMENT


def test_an_incomplete_check_asks_the_applicant_for_the_missing_items(submitted, secretary, applicant, client):
    verdicts = all_confirmed(
        submitted,
        evidence=completeness.Verdict(confirmed=False, note="The certificate is unreadable; upload a clear scan."),
        declarations=completeness.Verdict(confirmed=False, note="Sign the code of conduct."),
    )
    check = completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=verdicts)
    submitted.refresh_from_db()
    assert check.outcome == CompletenessCheck.Outcome.INCOMPLETE
    assert submitted.status == DossierStatus.INFORMATION_REQUESTED
    request = InformationRequest.objects.get(dossier=submitted)
    assert check.information_request == request
    assert "Evidence files: The certificate is unreadable; upload a clear scan." in request.questions
    assert "Declarations: Sign the code of conduct." in request.questions
    assert "Training" not in request.questions  # confirmed items are not asked again
    client.force_login(applicant)
    page = client.get(f"/dossiers/{submitted.pk}/").content.decode()
    assert "The certificate is unreadable; upload a clear scan." in page


def test_the_request_is_written_in_the_applicants_language(submitted, secretary, applicant):
    applicant.preferred_language = "it"
    applicant.save(update_fields=["preferred_language"])
    verdicts = all_confirmed(submitted, projects=completeness.Verdict(confirmed=False, note="Manca il link."))
    completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=verdicts)
    questions = InformationRequest.objects.get(dossier=submitted).questions
    assert "Progetti: Manca il link." in questions


def test_a_resubmission_needs_a_new_check(submitted, secretary, applicant, assessors):
    verdicts = all_confirmed(submitted, projects=completeness.Verdict(confirmed=False, note="Add the outcomes."))
    completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=verdicts)
    second = dossier_services.submit_dossier(dossier=submitted, actor=applicant)
    submitted.refresh_from_db()
    assert submitted.status == DossierStatus.SUBMITTED and second.number == 2
    assert InformationRequest.objects.get(dossier=submitted).answered_by_submission == second
    with pytest.raises(InvalidTransition, match="completeness check"):
        assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])
    check = check_complete(submitted, secretary)
    assert check.submission == second
    assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])


def test_a_complete_check_does_not_carry_over_to_the_next_version(checked, secretary, applicant, assessors):
    assignments.request_information(dossier=checked, actor=secretary, questions="Which cloud did you deploy on?")
    dossier_services.submit_dossier(dossier=checked, actor=applicant)
    with pytest.raises(InvalidTransition, match="completeness check"):
        assignments.assign_assessors(dossier=checked, actor=secretary, assessors=assessors[:2])


def test_every_item_needs_a_verdict_and_a_missing_one_a_note(submitted, secretary):
    verdicts = all_confirmed(submitted)
    del verdicts["training"]
    with pytest.raises(DomainError, match="Training") as unanswered:
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=verdicts)
    assert unanswered.value.code == "checklist_incomplete"
    silent = all_confirmed(submitted, training=completeness.Verdict(confirmed=False, note="  "))
    with pytest.raises(DomainError, match="say what is missing"):
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=silent)
    unknown = {**all_confirmed(submitted), "horoscope": completeness.Verdict(confirmed=True)}
    with pytest.raises(DomainError, match="horoscope"):
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=unknown)
    assert not CompletenessCheck.objects.exists()
    assert not submitted.events.filter(action="assessment.completeness_checked").exists()


def test_an_item_the_version_lacks_cannot_be_confirmed(submitted, secretary, applicant):
    # The membership lapsed after the submission: identity and membership can only be marked missing.
    applicant.membership.status = "lapsed"
    applicant.membership.save(update_fields=["status"])
    with pytest.raises(DomainError, match="Identity and membership cannot be confirmed") as refused:
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=all_confirmed(submitted))
    assert refused.value.code == "not_in_submission"
    assert not CompletenessCheck.objects.exists()


def test_only_the_secretariat_checks_once_per_version_and_only_a_submitted_dossier(
    submitted, secretary, committee, assessors
):
    with pytest.raises(NotAllowed):
        completeness.record_completeness_check(dossier=submitted, actor=assessors[0], verdicts=all_confirmed(submitted))
    chair = committee_user(committee, is_chair=True)
    completeness.record_completeness_check(dossier=submitted, actor=chair, verdicts=all_confirmed(submitted))
    with pytest.raises(InvalidTransition, match="already been checked"):
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=all_confirmed(submitted))
    assignments.assign_assessors(dossier=submitted, actor=secretary, assessors=assessors[:2])
    with pytest.raises(InvalidTransition, match="awaiting its completeness check"):
        completeness.record_completeness_check(dossier=submitted, actor=secretary, verdicts=all_confirmed(submitted))
    assert CompletenessCheck.objects.count() == 1


# --- the page ---------------------------------------------------------------------------------------------------


def form_data(dossier, **verdicts) -> dict:
    from assessments.forms import CompletenessCheckForm

    data = {}
    for item in checklist.checklist(dossier=dossier, submission=selectors.latest_submission(dossier)):
        name = CompletenessCheckForm.field_name(item.key)
        verdict, note = verdicts.get(item.key, ("confirmed", ""))
        data[f"verdict_{name}"], data[f"note_{name}"] = verdict, note
    return data


def test_the_secretariat_records_the_check_on_its_page_and_then_may_assign(client, submitted, secretary, assessors):
    client.force_login(secretary)
    dossier_page = client.get(f"/committee/dossiers/{submitted.pk}/").content.decode()
    assert f"/committee/dossiers/{submitted.pk}/completeness/" in dossier_page
    assert "Assign the selected assessors" not in dossier_page
    page = client.get(f"/committee/dossiers/{submitted.pk}/completeness/").content.decode()
    assert "Identity and membership" in page and "Declarations" in page and "cv.pdf" in page
    response = client.post(f"/committee/dossiers/{submitted.pk}/completeness/", form_data(submitted), follow=True)
    page = response.content.decode()
    assert "The dossier is complete" in page and "Assign the selected assessors" in page
    assert "Completeness check recorded" in page  # in the history, with every item's verdict
    assert CompletenessCheck.objects.get().outcome == "complete"


def test_a_missing_item_without_a_note_is_explained_and_keeps_what_was_typed(client, submitted, secretary):
    client.force_login(secretary)
    data = form_data(
        submitted, cv=("missing", ""), training=("missing", "KEEP-THIS-NOTE: the course dates are missing.")
    )
    response = client.post(f"/committee/dossiers/{submitted.pk}/completeness/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "CV: say what is missing" in page and "KEEP-THIS-NOTE" in page
    assert not CompletenessCheck.objects.exists()


def test_somebody_who_may_not_assign_is_refused_the_page(client, submitted, decision_maker, applicant):
    client.force_login(decision_maker)
    assert client.get(f"/committee/dossiers/{submitted.pk}/completeness/").status_code == 403
    client.force_login(applicant)
    assert client.get(f"/committee/dossiers/{submitted.pk}/completeness/").status_code == 403


# --- the API ----------------------------------------------------------------------------------------------------


def test_an_incomplete_check_through_the_api_returns_the_request_and_refuses_a_second_one(submitted, secretary):
    api = APIClient()
    api.force_authenticate(secretary)
    url = f"{COMMITTEE}/dossiers/{submitted.pk}/completeness-check"
    items = [
        {"key": item["key"], "confirmed": item["key"] != "declarations", "note": "Not signed."}
        for item in api.get(url).json()["checklist"]
    ]
    recorded = api.post(url, {"items": items}, format="json")
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert body["outcome"] == "incomplete" and body["information_request"] is not None
    assert {"key": "declarations", "label": "Declarations", "confirmed": False, "note": "Not signed."} in body["items"]
    again = api.post(url, {"items": items}, format="json")
    assert again.status_code == 409
    after = api.get(url).json()
    assert after["awaited"] is False and after["checklist"] == [] and after["check"]["id"] == body["id"]
    detail = api.get(f"{COMMITTEE}/dossiers/{submitted.pk}/").json()
    assert [c["outcome"] for c in detail["completeness_checks"]] == ["incomplete"]


def test_bad_verdicts_through_the_api_are_refused_and_change_nothing(submitted, secretary, decision_maker):
    api = APIClient()
    api.force_authenticate(secretary)
    url = f"{COMMITTEE}/dossiers/{submitted.pk}/completeness-check"
    assert api.post(url, {"items": [{"key": "cv"}]}, format="json").status_code == 400
    assert api.post(url, {"items": "all good"}, format="json").status_code == 400
    partial = api.post(url, {"items": [{"key": "cv", "confirmed": True}]}, format="json")
    assert partial.status_code == 400 and partial.json()["code"] == "checklist_incomplete"
    other = APIClient()
    other.force_authenticate(decision_maker)
    assert other.get(url).status_code == 403
    assert other.post(url, {"items": [{"key": "cv", "confirmed": True}]}, format="json").status_code == 403
    assert APIClient().get(url).status_code == 401
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get(url).status_code in (403, 404)
    assert not CompletenessCheck.objects.exists()
