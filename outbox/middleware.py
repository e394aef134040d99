"""In the embedded default (tasks run in-process, no broker), webhooks written during a request are tried once *after*
the response has been sent, so a slow receiver does not hold the page; what fails waits for ``manage.py
deliver_outbox``. (E-mails are tried at the commit: see outbox/services.py.) With a broker this middleware does
nothing: a worker delivers."""

from __future__ import annotations

from functools import partial

from django.conf import settings

from . import services


class DeliverAfterResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            return self.get_response(request)
        services.collect_after_response()
        try:
            response = self.get_response(request)
        finally:
            ids = services.take_collected()
        if ids:
            # Called by the server once the response's content has been sent (HttpResponse.close()), before the
            # request_finished signal; Django keeps these closers for exactly this.
            response._resource_closers.append(partial(services.deliver_after_response, ids))
        return response
