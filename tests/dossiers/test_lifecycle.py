import datetime
import io

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Membership
from aipia.errors import DomainError, InvalidTransition, NotAllowed
from demo.files import pdf_bytes, png_bytes
from dossiers import services
from dossiers.manifests import manifest_digest
from dossiers.models import TRANSITIONS, Dossier, DossierEvent, DossierStatus, EvidenceFile
from dossiers.services import DossierIncomplete
from dossiers.uploads import UploadRejected

from ..conftest import fill_completely, upload
from ..factories import MembershipFactory, UserFactory, member


def test_every_status_has_an_entry_in_the_transition_table():
    assert set(TRANSITIONS) == set(DossierStatus.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(DossierStatus.values)


def test_starting_a_dossier_records_the_scheme_and_an_audit_event(dossier, applicant, profile):
    assert dossier.status == DossierStatus.DRAFT
    assert dossier.scheme_version == profile.scheme_version
    event = dossier.events.get()
    assert (event.action, event.actor, event.to_status) == ("dossier.created", applicant, "draft")


def test_an_applicant_cannot_open_two_dossiers_for_the_same_profile(dossier, applicant, profile):
    with pytest.raises(DomainError, match="already have an open dossier"):
        services.start_dossier(owner=applicant, profile=profile)
    assert Dossier.objects.filter(owner=applicant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_open_dossier_even_if_a_service_is_bypassed(catalogue):
    from profiles.models import Profile

    owner, profile = member(), Profile.objects.get(code="ai-ml-engineer")
    Dossier.objects.create(owner=owner, profile=profile, scheme_version="1")
    with pytest.raises(IntegrityError):
        Dossier.objects.create(owner=owner, profile=profile, scheme_version="1")


def test_a_new_dossier_may_be_started_after_withdrawing_the_previous_one(dossier, applicant, profile):
    services.withdraw_dossier(dossier=dossier, actor=applicant, reason="changed my mind")
    assert services.start_dossier(owner=applicant, profile=profile).status == DossierStatus.DRAFT


def test_submitting_an_incomplete_dossier_is_refused_with_everything_missing(dossier, applicant):
    with pytest.raises(DossierIncomplete) as refused:
        services.submit_dossier(dossier=dossier, actor=applicant)
    missing = refused.value.details
    assert any(item.startswith("CV: upload") for item in missing)
    assert any(item.startswith("Training") for item in missing)
    codes = [pc.competence.code for pc in dossier.profile.profile_competences.select_related("competence")]
    for code in codes:
        assert any(code in item for item in missing if item.startswith("Self-assessment"))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT
    assert not dossier.submissions.exists()


def test_a_missing_self_assessment_alone_blocks_submission(dossier, applicant):
    fill_completely(dossier, applicant)
    dossier.self_assessments.first().delete()
    with pytest.raises(DossierIncomplete) as refused:
        services.submit_dossier(dossier=dossier, actor=applicant)
    assert len(refused.value.details) == 1
    assert refused.value.details[0].startswith("Self-assessment")


def test_submitting_a_complete_dossier_freezes_a_manifest_with_file_digests(complete_dossier, applicant):
    submission = services.submit_dossier(dossier=complete_dossier, actor=applicant)
    complete_dossier.refresh_from_db()
    assert complete_dossier.status == DossierStatus.SUBMITTED
    assert complete_dossier.submitted_at is not None
    assert submission.number == 1
    files = {f.pk: f.sha256 for f in complete_dossier.files.all()}
    assert {f["id"]: f["sha256"] for f in submission.manifest["files"]} == files
    assert submission.manifest_sha256 == manifest_digest(submission.manifest)
    assert len(submission.manifest["self_assessment"]) == complete_dossier.profile.profile_competences.count()
    event = complete_dossier.events.get(action="dossier.submitted")
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", applicant)


def test_the_applicant_gets_an_email_when_the_dossier_is_submitted(
    complete_dossier, applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_dossier(dossier=complete_dossier, actor=applicant)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [applicant.email]
    assert "Submitted" in mail.outbox[0].subject


def test_no_email_is_sent_when_submission_fails(dossier, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DossierIncomplete):
        services.submit_dossier(dossier=dossier, actor=applicant)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("status", "valid_until_days"),
    [(Membership.Status.LAPSED, 100), (Membership.Status.SUSPENDED, 100), (Membership.Status.ACTIVE, -1)],
)
def test_only_members_in_good_standing_can_submit(profile, status, valid_until_days):
    owner = MembershipFactory(
        status=status, valid_until=timezone.localdate() + datetime.timedelta(days=valid_until_days)
    ).user
    dossier = services.start_dossier(owner=owner, profile=profile)
    fill_completely(dossier, owner)
    with pytest.raises(NotAllowed, match="Only members in good standing") as refused:
        services.submit_dossier(dossier=dossier, actor=owner)
    assert refused.value.code == "membership_required"
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT


def test_a_person_without_membership_is_told_how_to_join(profile, settings):
    owner = UserFactory()
    dossier = services.start_dossier(owner=owner, profile=profile)
    fill_completely(dossier, owner)
    with pytest.raises(NotAllowed) as refused:
        services.submit_dossier(dossier=dossier, actor=owner)
    assert "not yet a member" in refused.value.message
    assert settings.MEMBERSHIP_INFO_URL in refused.value.message


def test_a_submitted_dossier_can_no_longer_be_changed(complete_dossier, applicant):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    with pytest.raises(InvalidTransition, match="can no longer be changed"):
        services.update_cv_summary(
            dossier=complete_dossier,
            actor=applicant,
            cv_headline="x",
            cv_summary="y",
            years_of_experience=1,
            highest_education="",
        )
    with pytest.raises(InvalidTransition):
        upload(complete_dossier, applicant, pdf_bytes(), "late.pdf")
    with pytest.raises(InvalidTransition):
        services.delete_evidence(dossier=complete_dossier, actor=applicant, evidence=complete_dossier.files.first())


def test_submitting_twice_is_refused(complete_dossier, applicant):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    with pytest.raises(InvalidTransition):
        services.submit_dossier(dossier=complete_dossier, actor=applicant)
    assert complete_dossier.submissions.count() == 1


def test_a_resubmission_after_a_request_for_information_keeps_both_versions(complete_dossier, applicant):
    services.submit_dossier(dossier=complete_dossier, actor=applicant)
    first_file = complete_dossier.files.filter(kind=EvidenceFile.Kind.EVIDENCE).first()
    # The committee's request for information arrives with the assessment capability; here we set the state.
    Dossier.objects.filter(pk=complete_dossier.pk).update(status=DossierStatus.INFORMATION_REQUESTED)
    services.delete_evidence(dossier=complete_dossier, actor=applicant, evidence=first_file)
    upload(complete_dossier, applicant, png_bytes("new proof"), "new-proof.png")
    second = services.submit_dossier(dossier=complete_dossier, actor=applicant)
    assert second.number == 2
    first = complete_dossier.submissions.get(number=1)
    assert first_file.pk in [f["id"] for f in first.manifest["files"]]
    assert first_file.pk not in [f["id"] for f in second.manifest["files"]]
    first_file.refresh_from_db()
    assert first_file.removed_at is not None  # kept: submission 1 refers to it
    assert first_file.file.storage.exists(first_file.file.name)
    assert complete_dossier.events.filter(action="dossier.resubmitted").exists()


def test_deleting_a_never_submitted_file_removes_its_bytes(dossier, applicant, django_capture_on_commit_callbacks):
    evidence = upload(dossier, applicant, png_bytes(), "p.png")
    name, storage = evidence.file.name, evidence.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(dossier=dossier, actor=applicant, evidence=evidence)
    assert not EvidenceFile.objects.filter(pk=evidence.pk).exists()
    assert not storage.exists(name)


def test_a_new_cv_replaces_the_previous_one(dossier, applicant):
    upload(dossier, applicant, pdf_bytes("v1"), "cv1.pdf", EvidenceFile.Kind.CV)
    upload(dossier, applicant, pdf_bytes("v2"), "cv2.pdf", EvidenceFile.Kind.CV)
    assert list(dossier.files.filter(kind="cv").values_list("original_name", flat=True)) == ["cv2.pdf"]


def test_a_cv_must_be_a_pdf(dossier, applicant):
    with pytest.raises(UploadRejected):
        upload(dossier, applicant, png_bytes(), "cv.pdf", EvidenceFile.Kind.CV)
    assert not dossier.files.exists()


def test_a_rejected_upload_stores_nothing(dossier, applicant, stored_names):
    with pytest.raises(UploadRejected):
        upload(dossier, applicant, b"\x7fELF" + b"\x00" * 100, "invoice.pdf")
    assert not dossier.files.exists()
    assert stored_names() == []


def test_the_stored_file_name_never_comes_from_the_user(dossier, applicant):
    evidence = upload(dossier, applicant, pdf_bytes(), "../../etc/passwd.pdf")
    assert "passwd" not in evidence.file.name
    assert evidence.file.name.startswith(f"evidence/{dossier.pk}/")
    assert evidence.original_name == "../../etc/passwd.pdf"


def test_only_the_owner_can_change_a_dossier(dossier):
    other = member()
    with pytest.raises(NotAllowed):
        services.update_cv_summary(
            dossier=dossier, actor=other, cv_headline="x", cv_summary="y", years_of_experience=1, highest_education=""
        )
    with pytest.raises(NotAllowed):
        services.submit_dossier(dossier=dossier, actor=other)
    with pytest.raises(NotAllowed):
        services.withdraw_dossier(dossier=dossier, actor=other)


def test_evidence_of_another_dossier_cannot_be_linked(dossier, applicant, profile):
    other_owner = member()
    other = services.start_dossier(owner=other_owner, profile=profile)
    foreign = upload(other, other_owner, png_bytes(), "theirs.png")
    with pytest.raises(DomainError, match="files of this dossier"):
        services.save_training_entry(
            dossier=dossier,
            actor=applicant,
            title="t",
            provider="p",
            start_date=datetime.date(2020, 1, 1),
            end_date=None,
            hours=1,
            evidence=[foreign],
        )


def test_dates_out_of_order_are_refused(dossier, applicant):
    with pytest.raises(DomainError, match="before the start date"):
        services.save_training_entry(
            dossier=dossier,
            actor=applicant,
            title="t",
            provider="p",
            start_date=datetime.date(2020, 2, 1),
            end_date=datetime.date(2020, 1, 1),
            hours=1,
        )
    assert not dossier.training.exists()


def test_a_self_assessment_must_concern_a_competence_of_the_profile(dossier, applicant):
    from profiles.models import EcfCompetence

    outside = EcfCompetence.objects.exclude(profiles=dossier.profile).first()
    with pytest.raises(DomainError, match="not a competence of this profile"):
        services.save_self_assessment(
            dossier=dossier, actor=applicant, competence=outside, claimed_level=3, justification="x" * 50
        )


@pytest.mark.parametrize("status", [s for s in DossierStatus.values if DossierStatus.WITHDRAWN in TRANSITIONS[s]])
def test_the_applicant_can_withdraw_before_a_decision(dossier, applicant, status):
    Dossier.objects.filter(pk=dossier.pk).update(status=status)
    services.withdraw_dossier(dossier=dossier, actor=applicant, reason="moving abroad")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.WITHDRAWN
    event = dossier.events.get(action="dossier.withdrawn")
    assert (event.from_status, event.reason) == (status, "moving abroad")


@pytest.mark.parametrize("status", [DossierStatus.APPROVED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN])
def test_a_decided_or_withdrawn_dossier_cannot_be_withdrawn(dossier, applicant, status):
    Dossier.objects.filter(pk=dossier.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        services.withdraw_dossier(dossier=dossier, actor=applicant)
    assert not DossierEvent.objects.filter(dossier=dossier, action="dossier.withdrawn").exists()


def test_upload_size_limit_comes_from_settings(dossier, applicant, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(UploadRejected, match="larger than the limit"):
        services.upload_evidence(
            dossier=dossier, actor=applicant, upload=io.BytesIO(pdf_bytes()), original_name="a.pdf", kind="evidence"
        )


def test_a_value_longer_than_allowed_is_refused_with_the_fields_name(dossier, applicant):
    with pytest.raises(DomainError, match="title"):
        services.save_training_entry(
            dossier=dossier,
            actor=applicant,
            title="x" * 500,
            provider="p",
            start_date=datetime.date(2020, 1, 1),
            end_date=None,
            hours=1,
        )
    with pytest.raises(DomainError, match="hours"):
        services.save_training_entry(
            dossier=dossier,
            actor=applicant,
            title="t",
            provider="p",
            start_date=datetime.date(2020, 1, 1),
            end_date=None,
            hours=0,
        )
    assert not dossier.training.exists()


def test_a_claimed_level_must_exist_for_that_competence(dossier, applicant):
    pc = dossier.profile.profile_competences.select_related("competence").filter(competence__min_level__gt=1).first()
    with pytest.raises(DomainError, match="defined at levels"):
        services.save_self_assessment(
            dossier=dossier, actor=applicant, competence=pc.competence, claimed_level=1, justification="x" * 50
        )
    with pytest.raises(DomainError, match="Explain"):
        services.save_self_assessment(
            dossier=dossier, actor=applicant, competence=pc.competence, claimed_level=pc.level, justification="  "
        )
    assert not dossier.self_assessments.exists()


def test_the_status_email_speaks_the_applicants_language(
    complete_dossier, applicant, django_capture_on_commit_callbacks
):
    applicant.preferred_language = "it"
    applicant.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_dossier(dossier=complete_dossier, actor=applicant)
    message = mail.outbox[-1]
    assert "Inviato" in message.subject
    assert complete_dossier.profile.title_it in message.body
    assert "Gentile" in message.body
