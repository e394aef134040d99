"""A non-member learns before filling a dossier, not at Submit, that membership is required, with a working link
to join (issue 15)."""

import pytest
from django.test import override_settings

from accounts.models import Membership
from dossiers import services

from ..factories import MembershipFactory, UserFactory

JOIN = "https://www.aipia.example/join"


@pytest.fixture(autouse=True)
def _join_link():
    with override_settings(MEMBERSHIP_INFO_URL=JOIN):
        yield


def notice_in(html: str) -> bool:
    return f'href="{JOIN}"' in html and "Only members in good standing can submit a dossier." in html


@pytest.mark.parametrize("status", [None, Membership.Status.LAPSED, Membership.Status.SUSPENDED])
def test_a_person_not_in_good_standing_is_told_on_the_profile_page_and_in_the_dossier(client, profile, status):
    person = UserFactory() if status is None else MembershipFactory(status=status).user
    client.force_login(person)

    profile_page = client.get(f"/profiles/{profile.code}/").content.decode()
    dossier = services.start_dossier(owner=person, profile=profile)
    dossier_page = client.get(f"/dossiers/{dossier.pk}/").content.decode()

    assert notice_in(profile_page)
    assert notice_in(dossier_page)


def test_a_member_in_good_standing_sees_no_such_notice(client, profile, applicant):
    client.force_login(applicant)
    dossier = services.start_dossier(owner=applicant, profile=profile)

    assert not notice_in(client.get(f"/profiles/{profile.code}/").content.decode())
    assert not notice_in(client.get(f"/dossiers/{dossier.pk}/").content.decode())
