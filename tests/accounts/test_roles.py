"""The association-wide roles (accounts/roles.py), decided in one place."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts import roles
from accounts.models import User
from aipia.errors import NotAllowed

from ..factories import UserFactory


@pytest.mark.parametrize(
    ("role", "is_staff", "admin", "staff"),
    [
        (User.Role.ADMIN, False, True, True),
        (User.Role.ADMIN, True, True, True),
        (User.Role.APPLICANT, True, False, True),
        (User.Role.APPLICANT, False, False, False),
        (User.Role.ASSESSOR, False, False, False),
        (User.Role.DECISION_MAKER, False, False, False),
    ],
)
def test_each_role_is_admin_or_association_staff_as_its_account_says(db, role, is_staff, admin, staff):
    user = UserFactory(role=role, is_staff=is_staff)

    assert (roles.is_admin(user), roles.is_association_staff(user)) == (admin, staff)


def test_a_deactivated_administrator_holds_no_role(db):
    user = UserFactory(role=User.Role.ADMIN, is_staff=True, is_active=False)

    assert not roles.is_admin(user)
    assert not roles.is_association_staff(user)


def test_nobody_and_an_anonymous_visitor_hold_no_role():
    for user in (None, AnonymousUser()):
        assert not roles.is_admin(user)
        assert not roles.is_association_staff(user)


def test_the_requirements_refuse_with_the_callers_message(db):
    applicant = UserFactory(role=User.Role.APPLICANT)

    with pytest.raises(NotAllowed, match="Only administrators here"):
        roles.require_admin(applicant, "Only administrators here.")
    with pytest.raises(NotAllowed, match="Only staff here"):
        roles.require_association_staff(applicant, "Only staff here.")
    roles.require_admin(UserFactory(role=User.Role.ADMIN), "unused")


def test_pages_show_the_administrators_links_by_the_same_rule(client, db):
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    manage_link = reverse("credentials:manage-list")

    client.force_login(UserFactory(role=User.Role.ASSESSOR))
    assert manage_link not in client.get("/").content.decode()
    client.force_login(admin)
    assert manage_link in client.get("/").content.decode()
