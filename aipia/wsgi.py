import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipia.settings")
application = get_wsgi_application()

# Load the URL configuration (and with it every view module) now, then move everything loaded so far out of
# the garbage collector's reach: its full collections would otherwise walk the whole framework on every
# few hundred requests, which showed as p99 latency spikes on the verification endpoints.
import aipia.urls  # noqa: E402, F401

gc.freeze()
