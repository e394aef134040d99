"""The period report's charts: geometry from assessments/charts.py, drawn as inline SVG by the templates."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from assessments.charts import BarChart, bar_chart
from desk.models import Outcome
from dossiers.models import DossierStatus
from profiles.models import Profile


def report_charts(data: dict[str, dict[str, Any]]) -> dict[str, BarChart | None]:
    """Applications by profile (submitted, approved); the median days in each status beside its target; the
    complaints closed by outcome. None for a chart with nothing to draw."""
    titles = {profile.code: profile.tr("title") for profile in Profile.objects.all()}
    by_profile = data["applications"]["by_profile"]
    applications = [
        (titles.get(code, code), (counts["submitted"], counts["approved"])) for code, counts in by_profile.items()
    ]
    days = [
        (str(DossierStatus(status).label), (figures["median_days"], figures["target_days"]))
        for status, figures in data["assessment"]["days_in_status"].items()
        if figures["median_days"] is not None
    ]
    outcomes = data["complaints"]["outcomes"]
    labels = {**dict(Outcome.choices), "referred": _("Referred elsewhere"), "answered": _("Answered")}
    closed = [(str(labels[key]), (value,)) for key, value in outcomes.items() if value]
    return {
        "applications": bar_chart(applications, series=2) if applications else None,
        "days": bar_chart(days, series=2) if days else None,
        "complaints": bar_chart(closed, series=1) if closed else None,
    }
