"""Dates as each language writes them (settings.FORMAT_MODULE_PATH, aipia/formats/): "3 dicembre 2026" in Italian,
with the month in lower case and no leading zero; "Dec. 3, 2026" in English. On a public page and in an e-mail."""

import datetime

import pytest
from django.core import mail
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from credentials.services import status

from .credentials.test_register import make_credential

ITALIAN_MONTHS = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]
DECEMBER_3 = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)  # 10:00 in Rome


@pytest.mark.parametrize(
    ("language", "expected"),
    [("it", "3 dicembre 2026"), ("en", "Dec. 3, 2026")],
)
def test_a_date_reads_as_the_language_writes_it(language, expected):
    with translation.override(language):
        assert date_format(datetime.date(2026, 12, 3), "DATE_FORMAT") == expected
        assert Template("{{ day|date }}").render(Context({"day": datetime.date(2026, 12, 3)})) == expected


def test_italian_month_names_are_in_lower_case_in_every_form_django_uses():
    with translation.override("it"):
        rendered = Template('{{ day|date:"F" }} {{ day|date:"E" }} {{ day|date:"YEAR_MONTH_FORMAT" }}').render(
            Context({"day": datetime.date(2026, 1, 5)})
        )
        moment = timezone.make_aware(datetime.datetime(2026, 12, 3, 14, 30))
        assert date_format(moment, "DATETIME_FORMAT") == "3 dicembre 2026, 14:30"

    assert rendered == "gennaio gennaio gennaio 2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("it", "3 dicembre 2026"), ("en", "Dec. 3, 2026")],
)
def test_the_public_register_writes_the_validity_in_the_readers_language(profile, client, language, expected):
    credential = make_credential(profile, holder_name="Grace Hopper", valid_from=DECEMBER_3)

    html = client.get(f"/register/?q={credential.serial}&lang={language}").content.decode()

    assert f"{expected} \N{EN DASH}" in html


def test_the_holders_e_mail_writes_the_end_of_a_suspension_in_italian(profile, django_capture_on_commit_callbacks):
    from accounts.models import User

    from .factories import UserFactory

    credential = make_credential(profile, holder_name="Grazia Deledda")
    credential.holder.preferred_language = "it"
    credential.holder.save(update_fields=["preferred_language"])
    today = timezone.localdate()
    first_of_month = (today.replace(day=1) + datetime.timedelta(days=62)).replace(day=1)
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        status.suspend(
            credential=credential,
            actor=admin,
            category="requirements_not_met",
            reason="Quote associative non versate",
            until=datetime.datetime.combine(
                first_of_month + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
            ),
        )

    (message,) = mail.outbox
    expected = f"1 {ITALIAN_MONTHS[first_of_month.month - 1]} {first_of_month.year}"
    assert expected in message.body, message.body
