FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# libharfbuzz-subset0 makes WeasyPrint's PDFs ~5× faster; pango/cairo are WeasyPrint's renderers;
# gettext compiles the translations.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      libcairo2 fonts-dejavu-core gettext libmagic1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock
COPY . .
# The official EDC contexts and shapes (verification's format check) go into the image, from EDC_MIRROR (a
# folder in the build context or a base URL) or from their official URLs, each checked against its pinned
# SHA-256; the build fails rather than ship an image without them.
ARG EDC_MIRROR=""
RUN EDC_MIRROR="$EDC_MIRROR" python manage.py install_edc_material --require \
 && python manage.py compilemessages \
 && DEBUG=false ALLOWED_HOSTS=build SEAL_ALLOW_TEST_KEY=true \
      SECRET_KEY=build-time-only-key-not-used-at-run-time-0123456789abcdef \
      python manage.py collectstatic --noinput \
 && useradd --system --uid 1000 aipia && mkdir -p var && chown -R aipia var
USER aipia

EXPOSE 8000
# Granian (Rust HTTP server, WSGI interface): about 40 % less CPU per request than gunicorn here, which the
# public verification endpoints need (bench/verification.py). One worker process per core.
CMD ["granian", "--interface", "wsgi", "aipia.wsgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--blocking-threads", "2", "--access-log"]
