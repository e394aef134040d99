"""The period report as a PDF: its own HTML, laid out by WeasyPrint with a URL fetcher that fetches nothing (the
report's figures and charts are inline; nothing a person typed can make the renderer fetch a resource)."""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class NothingFetched(ValueError):
    pass


class FetchNothing(URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        raise NothingFetched(f"The report fetches no resource ({url!r}).")


STYLESHEET = Path(__file__).with_name("report_pdf.css")


def report_pdf(context: dict) -> bytes:
    html = render_to_string("quality/report_pdf.html", context)
    stylesheet = CSS(string=STYLESHEET.read_text(), url_fetcher=FetchNothing())
    document = HTML(string=html, url_fetcher=FetchNothing(), base_url="about:blank")
    return document.write_pdf(stylesheets=[stylesheet], pdf_variant="pdf/ua-1")
