"""The period report in its downloadable forms, for the pages and the API alike: the CSV text and the PDF."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import charts, labels, report
from .pdf import report_pdf


def file_name(period: report.Period, extension: str) -> str:
    return f"aipia-report-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.{extension}"


def report_csv(data: dict[str, dict[str, Any]]) -> str:
    """One row per measure, ``section,measure,value``; an unknown value is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "measure", "value"])
    for row in report.rows(data):
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def document_context(period: report.Period, data: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What the report's page and PDF show: the figures, their charts and labelled rows, who and when."""
    generated_at: datetime.datetime = timezone.now()
    return {
        "report": data,
        "period": period,
        "charts": charts.report_charts(data),
        "sections": labels.labelled(data),
        "association": settings.ASSOCIATION_NAME,
        "generated_at": generated_at,
    }


def report_pdf_bytes(period: report.Period, data: dict[str, dict[str, Any]]) -> bytes:
    return report_pdf(document_context(period, data))
