"""Renewal: the window and its grace period, the review, the chain old -> new, permissions and notifications."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from aipia.errors import NotAllowed
from credentials import cpd, renewal
from credentials.models import Credential, RenewalApplication

from ..factories import UserFactory

AppStatus = RenewalApplication.Status
DAY = datetime.timedelta(days=1)


def due_in(credential: Credential, delta: datetime.timedelta) -> Credential:
    """Move the credential's three-year validity so that it ends ``delta`` from now (negative: ended)."""
    end = (timezone.now() + delta).replace(microsecond=0)
    Credential.objects.filter(pk=credential.pk).update(
        valid_from=end - datetime.timedelta(days=3 * 365), valid_until=end
    )
    credential.refresh_from_db()
    return credential


def log_enough(credential: Credential) -> None:
    """Enough CPD for the profile's rules: each cycle year gets 25 hours over three categories."""
    start, _end = cpd.cycle_of(credential)
    for year in range(3):
        day = start + datetime.timedelta(days=365 * year + 10)
        for category, hours in (("training", "10"), ("teaching", "8"), ("professional_practice", "7")):
            cpd.log_activity(
                holder=credential.holder,
                credential=credential,
                date=day,
                category=category,
                hours=hours,
                description=f"{category} in year {year + 1}",
            )


@pytest.fixture
def due_credential(issued_credential) -> Credential:
    return due_in(issued_credential, datetime.timedelta(days=60))


@pytest.fixture
def reviewer(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True, email="renewals@example.org")


def apply(credential, capture, declaration="I still practise as an AI/ML engineer.") -> RenewalApplication:
    with capture(execute=True):
        return renewal.apply_for_renewal(credential=credential, holder=credential.holder, declaration=declaration)


# --- renewal by policy (the bulk job's entry point) ---------------------------------------------------------------


def test_renewal_by_policy_creates_an_approved_application_and_the_successor(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="Board decision 2029/4")
    new.refresh_from_db()
    assert new.predecessor_id == due_credential.pk
    assert new.basis == Credential.Basis.RENEWAL
    assert new.valid_from == due_credential.valid_until
    assert new.issuance == Credential.Issuance.DONE and new.status == Credential.Status.ACTIVE
    application = RenewalApplication.objects.get(credential=due_credential)
    assert application.by_policy and application.status == AppStatus.APPROVED
    assert application.new_credential_id == new.pk and application.reviewed_by == admin_user
    assert application.review_note == "Board decision 2029/4"
    event = due_credential.events.get(action="renewal.approved")
    assert event.data["by_policy"] is True and event.actor == admin_user


def test_renewal_by_policy_is_idempotent(due_credential, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
        second = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
    assert first.pk == second.pk
    assert Credential.objects.filter(predecessor=due_credential).count() == 1
    assert RenewalApplication.objects.filter(credential=due_credential).count() == 1
    assert due_credential.events.filter(action="renewal.approved").count() == 1


def test_renewal_by_policy_approves_the_holders_open_application(
    due_credential, admin_user, django_capture_on_commit_callbacks
):
    application = apply(due_credential, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        new = renewal.renew_by_policy(credential=due_credential, actor=admin_user, note="policy")
    application.refresh_from_db()
    assert application.status == AppStatus.APPROVED and application.new_credential_id == new.pk
    assert not application.by_policy
    assert RenewalApplication.objects.filter(credential=due_credential).count() == 1


def test_only_staff_renew_by_policy(due_credential):
    with pytest.raises(NotAllowed):
        renewal.renew_by_policy(credential=due_credential, actor=due_credential.holder, note="")
    assert not Credential.objects.filter(predecessor=due_credential).exists()
