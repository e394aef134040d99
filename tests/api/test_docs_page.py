import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "heading"), [("en", "REST API"), ("it", "API REST")])
def test_the_api_documentation_page_says_its_language_and_names_itself_in_a_level_one_heading(
    client, language, heading
):
    page = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<html lang="{language}">' in page
    assert re.search(rf"<h1>[^<]*{heading}</h1>", page)
    assert 'id="swagger-ui"' in page
