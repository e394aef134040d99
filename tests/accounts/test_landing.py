"""After signing in, people land on their work: applicants on their dossiers, committee members on the
committee's dashboard (issue 15); an address the sign-in was asked for still wins."""

import pytest
from django.urls import reverse

from accounts.models import User
from assessments.models import Committee, CommitteeMember

from ..factories import PASSWORD, UserFactory


def sign_in(client, user, **extra):
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD, **extra})


@pytest.mark.django_db
def test_an_applicant_lands_on_their_dossiers(client):
    response = sign_in(client, UserFactory(role=User.Role.APPLICANT))

    assert response.status_code == 302 and response["Location"] == reverse("dossiers:list")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["is_assessor", "is_interviewer", "is_decision_maker", "is_chair"])
def test_every_committee_role_lands_on_the_committee_dashboard(client, role):
    user = UserFactory(role=User.Role.ASSESSOR)
    CommitteeMember.objects.create(committee=Committee.objects.create(name="Technical"), user=user, **{role: True})

    response = sign_in(client, user)

    assert response.status_code == 302 and response["Location"] == reverse("committee:dashboard")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_member_of_an_inactive_committee_lands_like_an_applicant(client):
    user = UserFactory(role=User.Role.APPLICANT)
    committee = Committee.objects.create(name="Former", is_active=False)
    CommitteeMember.objects.create(committee=committee, user=user, is_assessor=True)

    assert sign_in(client, user)["Location"] == reverse("dossiers:list")


@pytest.mark.django_db
def test_the_address_asked_for_before_signing_in_still_wins(client):
    user = UserFactory(role=User.Role.ASSESSOR)
    CommitteeMember.objects.create(committee=Committee.objects.create(name="Technical"), user=user, is_assessor=True)

    response = sign_in(client, user, next="/credentials/")

    assert response["Location"] == "/credentials/"
