import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from credentials.models import Credential
from demo.services import DEMO_WEBHOOK_URL, seed_demo
from dossiers.models import Dossier, DossierEvent, EvidenceFile
from outbox.models import WebhookEndpoint


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_describes_what_it_made(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        seed()  # the approvals' credentials are issued when the seeding commits
    first = json.loads(seed("--json"))
    counts = (User.objects.count(), Dossier.objects.count(), DossierEvent.objects.count(), EvidenceFile.objects.count())
    second = json.loads(seed("--json"))
    assert second == first
    assert counts == (
        User.objects.count(),
        Dossier.objects.count(),
        DossierEvent.objects.count(),
        EvidenceFile.objects.count(),
    )

    assert {u["role"] for u in first["users"]} == {"applicant", "assessor", "decision_maker", "admin", "staff"}
    assert first["credentials"], "the approved demo dossier has its credential"
    for credential in first["credentials"]:
        assert "/v/" in credential["verify_url"]
    by_holder = {c["holder"]: c for c in first["credentials"]}
    assert by_holder["sofia.greco@demo.aipia.it"]["status"] == "revoked"
    renewing = Credential.objects.get(pk=by_holder["marco.bianchi@demo.aipia.it"]["id"])
    assert renewing.status == "active" and renewing.cpd_activities.count() == 3
    assert (renewing.valid_until - timezone.now()).days < settings.RENEWAL_WINDOW_DAYS  # can apply for renewal
    statuses = {d["status"] for d in first["dossiers"]}
    assert {
        "draft",
        "submitted",
        "withdrawn",
        "under_assessment",
        "information_requested",
        "interview",
        "approved",
        "rejected",
        "appealed",
    } <= statuses
    assert len({d["owner"] for d in first["dossiers"]}) >= 2
    for d in first["dossiers"]:
        assert Dossier.objects.get(pk=d["id"]).owner.email == d["owner"]
    assert WebhookEndpoint.objects.filter(url=DEMO_WEBHOOK_URL).count() == 1, "the demo's webhook receiver, once"


@pytest.mark.django_db
def test_the_demo_seeded_outside_development_has_no_webhook_to_a_loopback_address(settings):
    settings.DEBUG = False  # as the browser tests seed it
    seed_demo()
    assert User.objects.exists()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_demo_users_can_log_in_with_the_printed_password(settings, client):
    settings.DEBUG = True
    users = json.loads(seed("--json"))["users"]
    applicant = next(u for u in users if u["role"] == "applicant")
    assert (
        client.post("/accounts/login/", {"login": applicant["email"], "password": applicant["password"]}).status_code
        == 302
    )


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not User.objects.exists()
