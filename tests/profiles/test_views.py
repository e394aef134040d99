"""The profile page: what it offers each visitor, the visitor's own dossier included."""

from dossiers import services as dossier_services

from ..factories import member


def page(client, profile) -> str:
    response = client.get(f"/profiles/{profile.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_who_is_not_logged_in_is_invited_to_sign_up_to_apply(client, profile):
    html = page(client, profile)

    assert "Sign up to apply" in html and f"/dossiers/start/{profile.code}/" not in html


def test_a_member_without_a_dossier_for_the_profile_can_apply(client, applicant, profile):
    client.force_login(applicant)

    html = page(client, profile)

    assert f'action="/dossiers/start/{profile.code}/"' in html and "Continue your dossier" not in html


def test_an_applicant_is_led_back_to_their_open_dossier(client, applicant, dossier, profile):
    client.force_login(applicant)

    html = page(client, profile)

    assert f'href="/dossiers/{dossier.pk}/">Continue your dossier' in html
    assert f"/dossiers/start/{profile.code}/" not in html


def test_a_withdrawn_dossier_does_not_stop_a_new_application(client, applicant, dossier, profile):
    dossier_services.withdraw_dossier(dossier=dossier, actor=applicant)
    client.force_login(applicant)

    html = page(client, profile)

    assert f'action="/dossiers/start/{profile.code}/"' in html and str(dossier.pk) not in html


def test_another_persons_dossier_is_not_offered(client, dossier, profile):
    client.force_login(member())

    html = page(client, profile)

    assert str(dossier.pk) not in html and f'action="/dossiers/start/{profile.code}/"' in html
