"""Staff read a credential's history and a renewal's as sentences, in their language, with who acted and when."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from accounts.history import describe
from credentials.models import Credential
from credentials.services import bulk, renewal

from ..factories import UserFactory


def timeline(response) -> str:
    return re.search(r'<ol class="timeline">(.*?)</ol>', response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_credential_history_reads_as_sentences(client, admin_user, issued_credential, language):
    bulk.send_expiry_reminder(credential=issued_credential, actor=admin_user)
    client.force_login(admin_user)

    history = timeline(client.get(f"/credentials/manage/{issued_credential.pk}/", HTTP_ACCEPT_LANGUAGE=language))

    codes = set(issued_credential.events.values_list("action", flat=True))
    assert {"credential.issued", "credential.reminder_sent"} <= codes
    with translation.override(language):
        for code in codes:
            assert describe(code) in history
    assert not re.search(r"\bcredential\.[a-z_]+", history)
    assert str(admin_user) in history


def test_the_renewal_history_reads_as_sentences(client, issued_credential, django_capture_on_commit_callbacks):
    end = timezone.now() + datetime.timedelta(days=60)  # within the renewal window
    Credential.objects.filter(pk=issued_credential.pk).update(
        valid_from=end - datetime.timedelta(days=1095), valid_until=end
    )
    with django_capture_on_commit_callbacks(execute=True):
        renewal.apply_for_renewal(
            credential=issued_credential,
            holder=issued_credential.holder,
            declaration="I still practise.",
            acknowledge_cpd_shortfall=True,
        )
    application = issued_credential.renewal_applications.get()
    client.force_login(UserFactory(is_staff=True))

    history = timeline(client.get(f"/credentials/renewals/{application.pk}/"))

    assert "Renewal application submitted" in history and "renewal.submitted" not in history
