"""A credential's public page (/c/<slug>): off until its holder switches it on, on the page or through the API;
what it shows, how it says the status, its meta tags, and the 404 when it is off or the holder erased."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.history import describe
from aipia.errors import InvalidTransition, NotAllowed
from credentials.documents import categories
from credentials.models import Credential, CredentialEvent
from credentials.personal_data import _erase_credential
from credentials.services import status
from credentials.services.public_page import public_page_url, set_public_page

from ..factories import member


def switch_on(credential: Credential) -> str:
    credential = set_public_page(credential=credential, holder=credential.holder, shared=True)
    return f"/c/{credential.public_slug}"


def test_a_credential_has_no_public_page_until_its_holder_switches_it_on(issued_credential):
    assert issued_credential.public_page is False and issued_credential.public_slug is None
    assert public_page_url(issued_credential) is None


def test_switching_on_draws_a_short_unguessable_slug_once_and_keeps_it(issued_credential):
    holder = issued_credential.holder
    credential = set_public_page(credential=issued_credential, holder=holder, shared=True)
    slug = credential.public_slug
    assert slug and 10 <= len(slug) <= 16
    assert public_page_url(credential).endswith(f"/c/{slug}")

    credential = set_public_page(credential=credential, holder=holder, shared=False)
    credential = set_public_page(credential=credential, holder=holder, shared=True)

    assert credential.public_slug == slug
    assert list(
        credential.events.filter(action__startswith="credential.public_page").values_list("action", flat=True)
    ) == [
        "credential.public_page_on",
        "credential.public_page_off",
        "credential.public_page_on",
    ]


def test_each_switch_reads_as_a_sentence_in_the_history(issued_credential):
    switch_on(issued_credential)
    event = CredentialEvent.objects.get(credential=issued_credential, action="credential.public_page_on")
    assert event.actor == issued_credential.holder
    assert describe("credential.public_page_on") == "Public page switched on by the holder"
    assert describe("credential.public_page_off") == "Public page switched off by the holder"


def test_asking_for_the_current_state_records_nothing(issued_credential):
    set_public_page(credential=issued_credential, holder=issued_credential.holder, shared=False)
    assert not issued_credential.events.filter(action__startswith="credential.public_page").exists()


def test_only_the_holder_may_switch_the_page(issued_credential):
    with pytest.raises(NotAllowed):
        set_public_page(credential=issued_credential, holder=member(), shared=True)
    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False


def test_a_credential_still_being_issued_cannot_be_shared(issued_credential):
    Credential.objects.filter(pk=issued_credential.pk).update(issuance=Credential.Issuance.RUNNING)
    issued_credential.refresh_from_db()
    with pytest.raises(InvalidTransition):
        set_public_page(credential=issued_credential, holder=issued_credential.holder, shared=True)


def test_the_page_shows_the_credential_its_competences_and_its_status(client, issued_credential):
    path = switch_on(issued_credential)

    response = client.get(path)

    page = response.content.decode()
    assert response.status_code == 200
    assert issued_credential.holder_name in page and issued_credential.serial in page
    assert issued_credential.profile.title_en in page
    assert f"/v/{issued_credential.token}" in page
    assert "/register/" in page
    competence = issued_credential.profile.profile_competences.select_related("competence").first()
    assert competence.competence.code in page
    assert "verdict-active" in page


def test_the_page_carries_open_graph_and_twitter_meta(client, issued_credential):
    path = switch_on(issued_credential)

    page = client.get(path).content.decode()

    issued_credential.refresh_from_db()
    assert f'<meta property="og:url" content="{public_page_url(issued_credential)}">' in page
    assert public_page_url(issued_credential).endswith(path)
    assert f'<meta property="og:title" content="{issued_credential.holder_name} · ' in page
    assert 'property="og:description"' in page
    assert 'name="twitter:card" content="summary"' in page
    assert "{# badge" not in page  # the integrator's note is a template comment


def test_the_page_is_indexable_only_when_the_credential_is_also_in_the_register(client, issued_credential):
    path = switch_on(issued_credential)
    assert issued_credential.listed_in_register is True

    listed = client.get(path)
    assert 'name="robots" content="noindex"' not in listed.content.decode() and "X-Robots-Tag" not in listed

    Credential.objects.filter(pk=issued_credential.pk).update(listed_in_register=False)
    unlisted = client.get(path)
    assert 'name="robots" content="noindex"' in unlisted.content.decode()
    assert unlisted["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("category", [categories.UNDER_INVESTIGATION])
def test_a_suspension_shows_its_category_never_the_staff_words(client, issued_credential, admin_user, category):
    path = switch_on(issued_credential)
    status.suspend(credential=issued_credential, actor=admin_user, category=category, reason="Secret staff note")

    page = client.get(path).content.decode()

    assert "verdict-suspended" in page
    assert str(categories.LABELS[category]) in page
    assert "Secret staff note" not in page


def test_a_revocation_shows_on_the_page(client, issued_credential, admin_user):
    path = switch_on(issued_credential)
    status.revoke(credential=issued_credential, actor=admin_user, category=categories.MISCONDUCT, reason="Private")

    page = client.get(path).content.decode()

    assert "verdict-revoked" in page and "Private" not in page


def test_an_expired_credential_says_so(client, issued_credential):
    path = switch_on(issued_credential)
    now = timezone.now()
    Credential.objects.filter(pk=issued_credential.pk).update(
        valid_from=now - datetime.timedelta(days=1200), valid_until=now - datetime.timedelta(days=5)
    )

    page = client.get(path).content.decode()

    assert "verdict-expired" in page


def test_the_address_answers_404_once_switched_off(client, issued_credential):
    path = switch_on(issued_credential)
    set_public_page(credential=issued_credential, holder=issued_credential.holder, shared=False)

    assert client.get(path).status_code == 404
    assert client.get("/c/not-a-real-slug").status_code == 404


def test_the_address_answers_404_once_the_holders_data_is_erased(client, issued_credential):
    path = switch_on(issued_credential)

    _erase_credential(issued_credential)

    assert client.get(path).status_code == 404
    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False
    with pytest.raises(InvalidTransition):
        set_public_page(credential=issued_credential, holder=issued_credential.holder, shared=True)


# --- the holder's page ---------------------------------------------------------------------------------------


def test_the_holder_switches_the_page_on_and_off_on_the_credential_page(client, issued_credential):
    client.force_login(issued_credential.holder)
    detail = f"/credentials/{issued_credential.pk}/"
    assert 'name="public_page" value="on"' in client.get(detail).content.decode()

    response = client.post(f"{detail}public-page/", {"public_page": "on"}, follow=True)

    issued_credential.refresh_from_db()
    page = response.content.decode()
    assert issued_credential.public_page is True
    assert f"/c/{issued_credential.public_slug}" in page
    assert 'data-copy="public-page-url"' in page
    assert "public page is on" in page

    response = client.post(f"{detail}public-page/", {"public_page": "off"}, follow=True)

    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False
    assert "public page is off" in response.content.decode()


def test_the_linkedin_link_points_at_the_public_page_while_it_is_on(client, issued_credential):
    client.force_login(issued_credential.holder)
    detail = f"/credentials/{issued_credential.pk}/"
    assert "certUrl=http%3A%2F%2F" in client.get(detail).content.decode()
    assert "%2Fv%2F" in client.get(detail).content.decode()

    switch_on(issued_credential)

    page = client.get(detail).content.decode()
    issued_credential.refresh_from_db()
    assert f"%2Fc%2F{issued_credential.public_slug}" in page


def test_the_switch_needs_a_csrf_token(issued_credential):
    client = Client(enforce_csrf_checks=True)
    client.force_login(issued_credential.holder)

    response = client.post(f"/credentials/{issued_credential.pk}/public-page/", {"public_page": "on"})

    assert response.status_code == 403
    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False


def test_another_user_cannot_switch_the_page(client, issued_credential):
    client.force_login(member())

    response = client.post(f"/credentials/{issued_credential.pk}/public-page/", {"public_page": "on"})

    assert response.status_code == 404
    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False


# --- the API -------------------------------------------------------------------------------------------------


def test_the_holder_switches_the_page_through_the_api(client, issued_credential):
    client.force_login(issued_credential.holder)
    url = f"/api/v1/credentials/{issued_credential.pk}/public-page"
    assert client.get(url).json() == {"public_page": False, "url": None}

    on = client.post(url)

    issued_credential.refresh_from_db()
    assert on.status_code == 200
    assert on.json() == {"public_page": True, "url": public_page_url(issued_credential)}
    detail = client.get(f"/api/v1/credentials/{issued_credential.pk}/").json()
    assert detail["public_page_url"] == public_page_url(issued_credential)

    off = client.delete(url)

    assert off.status_code == 200 and off.json() == {"public_page": False, "url": None}
    assert client.get(f"/c/{issued_credential.public_slug}").status_code == 404


def test_the_api_refuses_another_holder_and_anonymous_callers(client, issued_credential):
    url = f"/api/v1/credentials/{issued_credential.pk}/public-page"
    client.force_login(member())
    assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code in (401, 403)
    issued_credential.refresh_from_db()
    assert issued_credential.public_page is False


def test_the_api_answers_409_for_a_credential_still_being_issued(client, issued_credential):
    Credential.objects.filter(pk=issued_credential.pk).update(issuance=Credential.Issuance.RUNNING)
    client.force_login(issued_credential.holder)

    response = client.post(f"/api/v1/credentials/{issued_credential.pk}/public-page")

    assert response.status_code == 409 and response.json()["code"] == "not_issued"


def test_the_schema_describes_the_public_page_operations(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/credentials/{id}/public-page"]
    assert set(operations) >= {"get", "post", "delete"}
    assert "public_page_url" in json.dumps(schema["components"]["schemas"]["HolderCredential"])


def test_a_shared_public_page_previews_the_profiles_badge_under_its_own_title(client, issued_credential):
    credential = issued_credential
    page = client.get(switch_on(credential)).content.decode()

    assert page.count('property="og:title"') == 1 and f"{credential.holder_name} · " in page
    assert f"/profiles/{credential.profile.code}/badge.png" in page and 'property="og:image"' in page
    assert f'src="/profiles/{credential.profile.code}/badge.svg"' in page
