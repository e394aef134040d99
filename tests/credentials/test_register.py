"""The public register of certified persons: search, what it shows and hides, the holder's opt-out."""

import datetime
import itertools
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from aipia.errors import DomainError, NotAllowed
from aipia.throttling import PublicEndpointThrottle
from credentials.models import Credential, CredentialEvent
from credentials.services.issuance import verify_url_for
from credentials.services.register import Folded, fold, search_register, set_register_listing
from dossiers import services as dossier_services

from ..factories import member
from .test_issuance import approve

SERIALS = itertools.count(900001)
FIELDS = {
    "holder_name",
    "serial",
    "profile",
    "profile_title",
    "eqf_level",
    "status",
    "valid_from",
    "valid_until",
    "verify_url",
}


def make_credential(profile, *, holder_name="Ada Lovelace", holder=None, **fields) -> Credential:
    """An issued credential row (the documents are not needed by the register)."""
    now = timezone.now().replace(microsecond=0)
    serial = f"AIPIA-2026-{next(SERIALS):06d}"
    values = {
        "holder": holder or member(),
        "profile": profile,
        "serial": serial,
        "holder_name": holder_name,
        "scheme_version": "1.0",
        "issued_at": now - datetime.timedelta(days=10),
        "valid_from": now - datetime.timedelta(days=10),
        "valid_until": now + datetime.timedelta(days=1000),
        "decided_at": now - datetime.timedelta(days=10),
        "issuance": Credential.Issuance.DONE,
        "status": Credential.Status.ACTIVE,
        "token": f"token-{serial}",
    }
    values.update(fields)
    return Credential.objects.create(**values)


def found(query: str) -> list[str]:
    return [credential.serial for credential in search_register(query=query)]


@pytest.fixture
def niccolo(profile):
    return make_credential(profile, holder_name="Niccolò Dell'Àcqua")


# --- search -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["niccolo", "NICCOLÒ", "dell'acqua", "acqua niccolò", "  Niccolo   DELL'ÀCQUA "])
def test_a_name_finds_its_holder_whatever_the_case_and_the_accents(niccolo, profile, query):
    make_credential(profile, holder_name="Grace Hopper")

    assert found(query) == [niccolo.serial]


def test_every_word_of_the_query_must_be_in_the_name(niccolo, profile):
    make_credential(profile, holder_name="Niccolò Machiavelli")

    assert found("niccolo acqua") == [niccolo.serial]
    assert len(found("niccolo")) == 2


def test_the_serial_finds_its_credential_in_any_case_but_only_whole(niccolo, profile):
    make_credential(profile, holder_name="Grace Hopper")

    assert found(niccolo.serial.lower()) == [niccolo.serial]
    assert found(niccolo.serial[:10]) == []


@pytest.mark.parametrize("form", ["{}", "urn:uuid:{}", "{}".upper()])
def test_the_credential_id_finds_its_credential(niccolo, profile, form):
    make_credential(profile, holder_name="Grace Hopper")

    assert found(form.format(str(niccolo.pk).upper() if form.isupper() else niccolo.pk)) == [niccolo.serial]


def test_the_database_folds_names_as_the_query_is_folded(profile):
    names = ["Niccolò Dell'Àcqua", "ÉMILE ZOLA", "Müller-Lüdenscheidt", "Ñuñez Çelik", "Ada LOVELACE", "Łukasz Żółć"]
    for name in names:
        make_credential(profile, holder_name=name)

    folded = Credential.objects.annotate(f=Folded("holder_name")).filter(holder_name__in=names)

    assert sorted(folded.values_list("f", flat=True)) == sorted(fold(name) for name in names)


def test_folding_drops_accents_and_case():
    assert fold("Niccolò DELL'ÀCQUA Perché Łódź") == "niccolo dell'acqua perche łodz"


@pytest.mark.parametrize("query", ["", "ab", "  a b  ", "é", "ab cd ef"])
def test_a_query_shorter_than_three_characters_is_refused(niccolo, query):
    with pytest.raises(DomainError) as refused:
        search_register(query=query)

    assert refused.value.code == "query_too_short"


def test_a_holder_who_opted_out_is_not_found_by_name_serial_or_id(niccolo):
    Credential.objects.filter(pk=niccolo.pk).update(listed_in_register=False)

    assert found("niccolo") == found(niccolo.serial) == found(str(niccolo.pk)) == []


@pytest.mark.parametrize("issuance", ["pending", "running", "failed"])
def test_a_credential_not_yet_issued_is_not_found(profile, issuance):
    credential = make_credential(profile, issuance=issuance, status=Credential.Status.ISSUING)

    assert found("lovelace") == found(credential.serial) == []


def test_a_credential_issued_under_the_email_address_stays_out_of_the_register(profile):
    holder = member()
    credential = make_credential(profile, holder=holder, holder_name=holder.email)

    assert found(holder.email) == found(credential.serial) == []


@pytest.mark.parametrize(
    ("status", "fields", "shown"),
    [
        ("active", {}, "active"),
        ("active", {"valid_until": timezone.now() - datetime.timedelta(days=1)}, "expired"),
        ("expired", {}, "expired"),
        ("suspended", {}, "suspended"),
        ("suspended", {"suspended_until": timezone.now() + datetime.timedelta(days=5)}, "suspended"),
        ("suspended", {"suspended_until": timezone.now() - datetime.timedelta(days=1)}, "active"),
        ("revoked", {}, "revoked"),
        ("revoked", {"valid_until": timezone.now() - datetime.timedelta(days=1)}, "revoked"),
        ("active", {"valid_from": timezone.now() + datetime.timedelta(days=30)}, "not_yet_valid"),
        ("suspended", {"valid_from": timezone.now() + datetime.timedelta(days=30)}, "suspended"),
    ],
)
def test_the_register_shows_todays_status(profile, status, fields, shown):
    make_credential(profile, status=status, **fields)

    assert [c.register_status for c in search_register(query="lovelace")] == [shown]


# --- the page -----------------------------------------------------------------------------------------------


def test_the_page_shows_name_profile_level_status_validity_and_verification_link(client, niccolo, profile):
    page = client.get("/register/", {"q": "niccolo"}).content.decode()

    assert "Niccolò Dell&#x27;Àcqua" in page and niccolo.serial in page
    assert profile.title_en in page and f"EQF level {profile.eqf_level}" in page
    assert "Active" in page
    assert verify_url_for(niccolo.token) in page


def test_the_page_is_in_italian_for_italian_visitors(client, niccolo, profile):
    page = client.get("/register/", {"q": "niccolo"}, HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert profile.title_it in page


def test_the_page_never_shows_the_holders_email_address(client, profile):
    holder = member(email="ada.private@example.org", first_name="Ada", last_name="Lovelace")
    make_credential(profile, holder=holder, holder_name="Ada Lovelace")

    page = client.get("/register/", {"q": "lovelace"}).content.decode()

    assert "Ada Lovelace" in page and "ada.private" not in page


def test_the_page_refuses_a_short_query_and_lists_nothing(client, niccolo):
    response = client.get("/register/", {"q": "ni"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "at least 3 characters" in page and niccolo.serial not in page


def test_the_page_without_a_query_lists_nothing(client, niccolo):
    page = client.get("/register/").content.decode()

    assert niccolo.serial not in page and "errorlist" not in page


@pytest.mark.parametrize(
    ("language", "said", "hints"),
    [
        ("en", "No results for “Ada Byron”.", ["Check the spelling", "serial number", "agreed to be listed"]),
        ("it", "Nessun risultato per “Ada Byron”.", ["Controlla", "numero di serie", "accettato di comparirvi"]),
    ],
)
def test_a_search_without_results_says_so_and_suggests_what_to_try(client, niccolo, language, said, hints):
    page = client.get("/register/", {"q": "Ada Byron", "lang": language}).content.decode()

    assert said in page
    for hint in hints:
        assert hint in page
    assert 'href="/verify/"' in page.split("register-empty", 1)[1]


def test_the_empty_answer_is_not_shown_before_a_search_or_with_results(client, niccolo):
    assert "register-empty" not in client.get("/register/").content.decode()
    assert "register-empty" not in client.get("/register/", {"q": "niccolo"}).content.decode()
    assert "register-empty" not in client.get("/register/", {"q": "ni"}).content.decode()


def test_the_page_shows_twenty_results_at_a_time(client, profile):
    serials = [make_credential(profile, holder_name=f"Ada Lovelace {i:02d}").serial for i in range(23)]

    first = client.get("/register/", {"q": "lovelace"}).content.decode()
    second = client.get("/register/", {"q": "lovelace", "page": 2}).content.decode()

    assert sum(serial in first for serial in serials) == 20
    assert sum(serial in second for serial in serials) == 3
    assert "23 credentials found" in first


def test_the_register_shows_a_credential_issued_by_the_pipeline(
    client, complete_dossier, applicant, django_capture_on_commit_callbacks
):
    dossier_services.submit_dossier(dossier=complete_dossier, actor=applicant)
    credential = approve(complete_dossier, django_capture_on_commit_callbacks)
    credential.refresh_from_db()

    page = client.get("/register/", {"q": credential.serial}).content.decode()

    assert credential.holder_name in page and verify_url_for(credential.token) in page
    assert applicant.email not in page


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_answers_anyone_with_the_public_fields_only(client, niccolo, profile):
    response = client.get("/api/v1/register", {"q": "NICCOLO"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [entry] = body["results"]
    assert set(entry) == FIELDS
    assert entry["holder_name"] == "Niccolò Dell'Àcqua" and entry["serial"] == niccolo.serial
    assert entry["profile"] == profile.code and entry["eqf_level"] == profile.eqf_level
    assert entry["status"] == "active" and entry["verify_url"] == verify_url_for(niccolo.token)
    assert niccolo.holder.email not in response.content.decode()


def test_the_api_pages_by_twenty(client, profile):
    for i in range(21):
        make_credential(profile, holder_name=f"Grace Hopper {i}")

    body = client.get("/api/v1/register", {"q": "hopper"}).json()

    assert body["count"] == 21 and len(body["results"]) == 20 and body["next"]


@pytest.mark.parametrize("params", [{}, {"q": "ab"}])
def test_the_api_refuses_a_missing_or_short_query(client, niccolo, params):
    response = client.get("/api/v1/register", params)

    assert response.status_code == 400
    assert response.json()["code"] == "query_too_short"


# --- the holder's opt-out -----------------------------------------------------------------------------------


def test_the_holder_opts_out_on_the_credential_page_and_back_in(client, niccolo):
    client.force_login(niccolo.holder)
    assert 'name="listed_in_register" checked' in client.get(f"/credentials/{niccolo.pk}/").content.decode()

    response = client.post(f"/credentials/{niccolo.pk}/register-listing/", {})

    assert response.status_code == 302
    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is False
    assert found("niccolo") == []
    client.post(f"/credentials/{niccolo.pk}/register-listing/", {"listed_in_register": "on"})
    assert found("niccolo") == [niccolo.serial]
    assert list(niccolo.events.values_list("action", flat=True)) == [
        "credential.register_unlisted",
        "credential.register_listed",
    ]


def test_the_listing_form_needs_a_csrf_token(niccolo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(niccolo.holder)

    response = client.post(f"/credentials/{niccolo.pk}/register-listing/", {})

    assert response.status_code == 403
    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is True


def test_another_user_cannot_change_the_listing_on_the_page(client, niccolo):
    client.force_login(member())

    assert client.post(f"/credentials/{niccolo.pk}/register-listing/", {}).status_code == 404
    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is True


def test_the_holder_opts_out_through_the_api(client, niccolo):
    client.force_login(niccolo.holder)

    response = client.patch(
        f"/api/v1/credentials/{niccolo.pk}/", json.dumps({"listed_in_register": False}), content_type="application/json"
    )

    assert response.status_code == 200 and response.json()["listed_in_register"] is False
    assert client.get("/api/v1/register", {"q": niccolo.serial}).json()["count"] == 0
    event = CredentialEvent.objects.get(credential=niccolo)
    assert event.action == "credential.register_unlisted" and event.actor == niccolo.holder


def test_the_api_patch_needs_a_boolean(client, niccolo):
    client.force_login(niccolo.holder)

    response = client.patch(f"/api/v1/credentials/{niccolo.pk}/", json.dumps({}), content_type="application/json")

    assert response.status_code == 400
    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is True


def test_another_user_cannot_patch_a_credential_through_the_api(client, niccolo):
    client.force_login(member())
    body = json.dumps({"listed_in_register": False})

    assert client.patch(f"/api/v1/credentials/{niccolo.pk}/", body, content_type="application/json").status_code == 404
    client.logout()
    assert client.patch(f"/api/v1/credentials/{niccolo.pk}/", body, content_type="application/json").status_code in (
        401,
        403,
    )
    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is True


def test_only_the_holder_may_change_the_listing(niccolo):
    with pytest.raises(NotAllowed):
        set_register_listing(credential=niccolo, holder=member(), listed=False)

    niccolo.refresh_from_db()
    assert niccolo.listed_in_register is True and not niccolo.events.exists()


def test_asking_for_the_current_listing_records_nothing(niccolo):
    set_register_listing(credential=niccolo, holder=niccolo.holder, listed=True)

    assert not niccolo.events.exists()


# --- rate limit ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setattr(PublicEndpointThrottle, "THROTTLE_RATES", {"verification": "2/min"})
    cache.clear()


@pytest.mark.parametrize("url", ["/register/", "/api/v1/register"])
def test_the_register_is_rate_limited(client, niccolo, two_per_minute, url):
    answers = [client.get(url, {"q": "niccolo"}).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
