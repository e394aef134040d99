"""The accessibility check itself: it must see a violation when there is one, or its silence means nothing."""

import pytest

from .accessibility import assert_accessible, violations

pytestmark = [pytest.mark.e2e]


def test_the_check_names_an_image_without_a_text_alternative_and_an_unlabelled_field(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<img src="data:image/png;base64,iVBORw0KGgo="><input type="text"></main></body></html>'
    )

    found = {v["id"] for v in violations(page)}

    assert {"image-alt", "label"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
    context.close()


def test_the_check_passes_a_page_that_gives_both(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="A logo">'
        '<label for="f">Name</label><input id="f" type="text"></main></body></html>'
    )

    assert_accessible(page)
    context.close()
