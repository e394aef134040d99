"""The staff's way around: every queue reachable from the navigation, with what waits in it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from credentials.models import ExternalCertification, RenewalApplication

from ..factories import UserFactory

STAFF_PAGES = ["credentials:manage-list", "credentials:manage-expiring", "credentials:renewal-queue"]


def page(client, user, name: str) -> str:
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def links_to(html: str, name: str) -> bool:
    return f'href="{reverse(name)}"' in html


@pytest.fixture
def waiting(issued_credential, profile):
    """One renewal application and one external certification waiting for staff."""
    RenewalApplication.objects.create(
        credential=issued_credential,
        applicant=issued_credential.holder,
        declaration="I still practise.",
        submitted_at=timezone.now(),
    )
    today = timezone.localdate()
    ExternalCertification.objects.create(
        holder=issued_credential.holder,
        profile=profile,
        body="CertBody S.r.l.",
        scheme="AI Engineer scheme 2025",
        number="PRS-0001",
        issued_on=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=365),
        scan="external/scan.pdf",
        scan_sha256="0" * 64,
    )


@pytest.mark.parametrize("name", [*STAFF_PAGES, "credentials:external-review"])
def test_an_administrator_reaches_every_staff_queue_from_each_staff_page(client, admin_user, name):
    html = page(client, admin_user, name)

    for target in [*STAFF_PAGES, "credentials:external-review"]:
        assert links_to(html, target), target
    assert 'aria-current="page"' in html


def test_each_queue_says_how_many_items_wait_for_staff(client, admin_user, waiting):
    html = page(client, admin_user, "credentials:manage-list")

    assert "Renewal applications (1 waiting)" in html
    assert "External certifications to check (1 waiting)" in html


def test_an_empty_queue_shows_no_count(client, admin_user):
    html = page(client, admin_user, "credentials:renewal-queue")

    assert "waiting)" not in html


def test_staff_who_are_not_administrators_find_the_renewals_in_the_navigation(client, db):
    staff = UserFactory(is_staff=True)

    home = page(client, staff, "home")
    queue = page(client, staff, "credentials:renewal-queue")

    assert links_to(home, "credentials:renewal-queue")
    assert not links_to(home, "credentials:manage-list")
    assert links_to(queue, "credentials:external-review")
    assert not links_to(queue, "credentials:manage-expiring")  # the administrators' bulk page


def test_holders_see_no_staff_navigation(client, db):
    holder = UserFactory(role=User.Role.APPLICANT)

    html = page(client, holder, "credentials:list")

    assert not links_to(html, "credentials:renewal-queue")
    assert not links_to(html, "credentials:manage-list")
