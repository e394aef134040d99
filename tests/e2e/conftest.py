"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium (or axe-core under node_modules) they are skipped, except under E2E_REQUIRED=1 (CI),
where that is a failure.

Accessibility: every HTML page a test's browser loads is checked with axe-core when it has loaded (the
``page`` and ``seen_page`` fixtures), and the test fails at its end listing each page's violations. Call
``assert_accessible(page)`` (tests/e2e/accessibility.py) for a state that a page reaches without loading
(a form error shown by script, a dialog opened).

Languages and widths: a test that takes ``seen_page`` (and, to know which, ``variant``) runs once for each of
English and Italian at desktop and phone widths. One variant runs in ``make test``; the other three are
marked slow, for ``make test-all`` and CI. ``variant.gettext("msgid")`` gives the text a person sees in
that variant's language; create the test's users with ``preferred_language=variant.language``.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import translation

from .accessibility import axe_source, describe, violations

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: save a picture of each step, for a human to look at


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
    # and pyHanko's synchronous calls in later (non-browser) tests need that loop gone.
    if not Path(CHROMIUM).exists():
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(f"Chromium not found at {CHROMIUM} and E2E_REQUIRED is set.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@dataclass(frozen=True)
class Variant:
    language: str  # "en" or "it"
    width: str  # "desktop" or "phone"

    @property
    def viewport(self) -> dict[str, int]:
        return {"width": 1280, "height": 900} if self.width == "desktop" else {"width": 390, "height": 844}

    @property
    def locale(self) -> str:
        return {"en": "en-GB", "it": "it-IT"}[self.language]

    def gettext(self, message: str) -> str:
        with translation.override(self.language):
            return translation.gettext(message)


VARIANTS = [
    pytest.param(Variant("it", "phone"), id="it-phone"),
    pytest.param(Variant("en", "desktop"), id="en-desktop", marks=pytest.mark.slow),
    pytest.param(Variant("en", "phone"), id="en-phone", marks=pytest.mark.slow),
    pytest.param(Variant("it", "desktop"), id="it-desktop", marks=pytest.mark.slow),
]


@pytest.fixture(params=VARIANTS)
def variant(request) -> Variant:
    return request.param


THIRD_PARTY_PAGES = ("/admin/", "/api/docs/")


class AccessibilityWatch:
    """Runs axe-core on every HTML page the browser loads; ``report()`` lists what it found.

    Two third-party interfaces are left out, as they come: Django's own admin site (``/admin/``: its split
    date-time inputs without labels, select2 and filter_horizontal widgets fail axe-core) and Swagger UI's
    rendering of the API documentation (``/api/docs/``: nested buttons, contrast); our frame around Swagger
    UI (language, heading) is checked by tests/api/test_docs_page.py.
    ``on_load = False`` stops the checks at load for a test that calls ``check()`` itself when it is ready.
    """

    def __init__(self, page):
        self.page = page
        self.found: dict[str, list[dict]] = {}
        self.checked = 0
        self.on_load = True
        axe_source()  # skip or fail now, not half-way through a journey
        page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        if self.on_load:
            self.check()

    def check(self) -> None:
        page = self.page
        if urlparse(page.url).path.startswith(THIRD_PARTY_PAGES):
            return
        try:
            if page.evaluate("document.contentType") != "text/html":
                return
            found = violations(page)
        except Exception as exc:  # the test navigated away before the check finished; the next load is checked
            if "context was destroyed" in str(exc) or "navigat" in str(exc) or "closed" in str(exc):
                return
            raise
        self.checked += 1
        if found:
            self.found.setdefault(page.url, found)

    def report(self) -> str:
        return "\n".join(describe(url, found) for url, found in self.found.items())


def _open(browser, live_server, *, locale: str, viewport: dict[str, int]):
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = AccessibilityWatch(page)
    return context, page, watch


@pytest.fixture
def accessibility(browser, live_server):
    """The ``page`` fixture's AccessibilityWatch."""
    context, _page, watch = _open(browser, live_server, locale="en-GB", viewport={"width": 390, "height": 844})
    yield watch
    context.close()
    assert not watch.found, "axe-core found accessibility violations\n" + watch.report()


@pytest.fixture
def page(accessibility):
    """A phone-sized page in English; axe-core checks every page it loads."""
    return accessibility.page


@pytest.fixture
def seen_page(browser, live_server, variant):
    """A page in ``variant``'s language and width; axe-core checks every page it loads."""
    context, page, watch = _open(browser, live_server, locale=variant.locale, viewport=variant.viewport)
    yield page
    context.close()
    assert not watch.found, "axe-core found accessibility violations\n" + watch.report()


@pytest.fixture
def snap(page):
    """``snap("name")`` saves a full-page screenshot when E2E_SCREENSHOTS names a folder."""
    counter = iter(range(1, 1000))

    def take(name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SCREENSHOTS}/{next(counter):02d}-{name}.png", full_page=True)

    return take
