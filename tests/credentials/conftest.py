"""Issued credentials and administrators, shared by the credential tests."""

import pytest

from accounts.models import User
from credentials.models import Credential
from credentials.verification import server
from dossiers import services as dossier_services
from dossiers.models import Dossier, DossierStatus

from ..factories import UserFactory


def approve(dossier, capture) -> Credential:
    """Approve a submitted dossier the way a decision does; the issuance pipeline runs to its end."""
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.AWAITING_DECISION)
    with capture(execute=True):
        dossier_services.change_status(
            dossier=dossier, to=DossierStatus.APPROVED, actor=None, action="decision.approved"
        )
    return Credential.objects.select_related("holder", "profile").get(dossier=dossier)


@pytest.fixture
def issued_credential(complete_dossier, applicant, django_capture_on_commit_callbacks) -> Credential:
    """A credential issued through the whole pipeline: active, sealed, with its PDF and status entries."""
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    assert credential.status == Credential.Status.ACTIVE and credential.issuance == Credential.Issuance.DONE
    return credential


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(role=User.Role.ADMIN, is_staff=True, email="secretariat@example.org")


@pytest.fixture(autouse=True)
def _forget_remembered_verifications():
    """Answers remembered per process by the public verification endpoints must not cross tests."""
    server.forget()
    yield
    server.forget()
