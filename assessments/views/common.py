"""What the committee's views share: who gets past, and running a form's service."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict

from aipia.errors import DomainError

from .. import selectors


def committee_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only staff and committee members get past (403 for anybody else)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_committee_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def form_data(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: the POST's, or none on a GET."""
    return request.POST if request.method == "POST" else None


def run_form(form: Form, action: Callable[[], object]) -> int | None:
    """Validate ``form`` and run ``action``: None on success, else the status of the page to show again."""
    if not form.is_valid():
        return 400
    try:
        action()
    except DomainError as exc:
        form.add_error(None, exc.message)
        return exc.status_code
    return None
