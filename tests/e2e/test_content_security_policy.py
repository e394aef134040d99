"""No page breaks the Content-Security-Policy: a browser walks the demo site as each kind of user, following
every same-site link it finds, and listens for policy violations."""

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urldefrag, urlparse

import pytest
from django.db import connections
from playwright.sync_api import Error as PlaywrightError

from demo.services import seed_demo

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "aipia-demo-2026"
PUBLIC_START = ["/", "/verify/", "/register/", "/profiles/", "/accounts/login/", "/accounts/signup/", "/api/docs/"]
# Links not to follow: they act (log out, switch language) or answer files, not pages.
SKIPPED = ("/accounts/logout/", "/i18n/", "/download", "/files/", "/evidence/", "/export/", "/status/", "/api/schema")
# Violations are reported to the page as events; the listener is installed before any of the page's own code.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def walk(page, start: list[str], limit: int, accessibility) -> tuple[list[str], list[str]]:
    """Open pages breadth-first from ``start``, up to ``limit``; return the pages seen and the violations.

    axe-core checks each page after its CSP reports are read: the checker's own probing of the page is not the
    page's doing."""
    accessibility.on_load = False
    queue, seen, violations = deque(start), set(), []
    console: list[str] = []
    page.on("console", lambda message: _keep_csp(console, message.text))
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        try:
            response = page.goto(path, wait_until="networkidle")
        except PlaywrightError as error:  # a link to a file the server sends as an attachment
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        violations += [f"{path}: {v}" for v in page.evaluate("window.__violations || []")]
        before = len(console)
        accessibility.check()
        del console[before:]  # reports caused by the check itself
        host = urlparse(page.url).netloc
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlparse(urldefrag(href)[0])
            if url.netloc == host and not any(part in url.path for part in SKIPPED) and "?" not in href:
                queue.append(url.path)
    return sorted(seen), violations + [f"console: {line}" for line in console]


def seeded() -> None:
    """The demo data, credentials issued, in a thread of its own: Playwright keeps an event loop running in the
    test's thread, where pyHanko's synchronous signing refuses to start another."""

    def run() -> None:
        try:
            seed_demo()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def _keep_csp(console: list[str], text: str) -> None:
    if "Content Security Policy" in text:
        console.append(text)


def log_in(page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.parametrize(
    ("who", "start", "limit"),
    [
        (None, PUBLIC_START, 30),
        ("anna.rossi@demo.aipia.it", ["/dossiers/", "/credentials/", "/me/", "/accounts/2fa/totp/activate/"], 45),
        ("giulia.assessor@demo.aipia.it", ["/committee/"], 25),
        ("admin@demo.aipia.it", ["/committee/", "/credentials/manage/", "/credentials/renewals/", "/admin/"], 70),
    ],
    ids=["public", "applicant", "assessor", "administrator"],
)
def test_no_page_reports_a_content_security_policy_violation(
    page, accessibility, settings, catalogue, who, start, limit
):
    seeded()
    page.context.add_init_script(LISTEN)
    if who:
        log_in(page, who)

    seen, violations = walk(page, start, limit, accessibility)

    assert len(seen) >= min(limit, 10), seen
    assert violations == []
