"""docker-compose.yml, the production shape (docs/deployment.md), checked against the settings it feeds.

Containers cannot run on the development and CI machines; what can be checked without them is: that the file names
the services the deployment guide describes, that every variable it and .env.example set is one the application
reads, and that aipia/settings.py, given the containers' environment, wires the database through PgBouncer, the
files to MinIO's bucket and the broker and cache to Redis.
"""

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APPLICATION = ("migrate", "web", "worker", "beat")
# Read by boto3 itself (django-storages' S3 client), not by settings.py.
READ_BY_BOTO = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
# Read by docker compose (interpolation), not by the application.
READ_BY_COMPOSE = {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "SEAL_PKCS12_FILE"}


def read_by_settings() -> set[str]:
    source = (ROOT / "aipia" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


def interpolated(value: str) -> str:
    """A value as compose gives it with an empty .env: ``${NAME:-default}`` is its default."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))


def application_environment() -> dict[str, str]:
    return {name: interpolated(value) for name, value in SERVICES["web"]["environment"].items()}


def test_the_compose_file_describes_every_piece_of_the_production_shape():
    assert set(SERVICES) >= {"migrate", "web", "worker", "beat", "db", "pgbouncer", "redis", "minio", "minio-bucket"}
    assert SERVICES["web"]["deploy"]["replicas"] >= 2 and SERVICES["worker"]["deploy"]["replicas"] >= 2
    # One scheduler: two would run every periodic task twice.
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "granian" in SERVICES["web"]["command"] and "worker" in SERVICES["worker"]["command"]


def test_web_and_workers_start_after_the_migrations_and_the_bucket():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["minio-bucket"]["condition"] == "service_completed_successfully"
    assert "migrate" in SERVICES["migrate"]["command"]


def test_no_application_container_keeps_files_on_a_local_volume():
    for name in APPLICATION:
        assert not SERVICES[name].get("volumes"), f"{name} mounts a volume: its files would stay on one host"


def test_every_variable_the_compose_file_and_env_example_set_is_read_by_the_application():
    known = read_by_settings() | READ_BY_BOTO
    for name in APPLICATION:
        assert set(SERVICES[name]["environment"]) <= known, name
    example = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert example - known == READ_BY_COMPOSE


def test_the_database_is_reached_through_pgbouncer_in_transaction_mode():
    environment = application_environment()
    database = urlsplit(environment["DATABASE_URL"])
    pgbouncer = SERVICES["pgbouncer"]["environment"]
    assert database.hostname == "pgbouncer" and str(database.port) == pgbouncer["LISTEN_PORT"]
    assert pgbouncer["POOL_MODE"] == "transaction" and pgbouncer["DB_HOST"] == "db"
    assert database.path.lstrip("/") == pgbouncer["DB_NAME"] and database.username == pgbouncer["DB_USER"]
    assert environment["DATABASE_PREPARED_STATEMENTS"] == "false"
    assert environment["DATABASE_DISABLE_SERVER_SIDE_CURSORS"] == "true"
    # Migrations go straight to PostgreSQL.
    assert urlsplit(SERVICES["migrate"]["environment"]["DATABASE_URL"]).hostname == "db"


def test_files_go_to_the_private_bucket_that_minio_bucket_creates():
    environment = application_environment()
    assert urlsplit(environment["AWS_S3_ENDPOINT_URL"]).hostname == "minio"
    bucket = environment["AWS_STORAGE_BUCKET_NAME"]
    created = SERVICES["minio-bucket"]["entrypoint"]
    assert f"mc mb --ignore-existing store/{bucket}" in created
    assert f"mc anonymous set none store/{bucket}" in created
    minio = {name: interpolated(value) for name, value in SERVICES["minio"]["environment"].items()}
    assert environment["AWS_ACCESS_KEY_ID"] == minio["MINIO_ROOT_USER"]
    assert environment["AWS_SECRET_ACCESS_KEY"] == minio["MINIO_ROOT_PASSWORD"]


def test_the_broker_and_the_shared_cache_are_separate_redis_databases():
    environment = application_environment()
    broker, cache = urlsplit(environment["CELERY_BROKER_URL"]), urlsplit(environment["CACHE_URL"])
    assert broker.hostname == cache.hostname == "redis"
    assert broker.path != cache.path


@pytest.fixture(scope="module")
def loaded_settings() -> dict:
    """aipia/settings.py loaded in a process of its own with the web containers' environment."""
    script = (
        "import json, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "db = settings.DATABASES['default']\n"
        "print(json.dumps({'storage': settings.STORAGES['default'], 'database': {k: db[k] for k in "
        "('HOST', 'PORT', 'NAME', 'DISABLE_SERVER_SIDE_CURSORS')}, 'prepared': settings.DATABASE_PREPARED_STATEMENTS,"
        " 'cache': settings.CACHES['default']['BACKEND'], 'broker': settings.CELERY_BROKER_URL}))\n"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "aipia.settings",
        "DEBUG": "true",
        **application_environment(),
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter running a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_settings_given_the_containers_environment_use_the_bucket_privately(loaded_settings):
    storage = loaded_settings["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "aipia" and options["endpoint_url"] == "http://minio:9000"
    assert options["addressing_style"] == "path" and options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 600


def test_the_settings_given_the_containers_environment_suit_pgbouncer(loaded_settings):
    assert loaded_settings["database"]["HOST"] == "pgbouncer" and loaded_settings["database"]["PORT"] == 6432
    assert loaded_settings["database"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert loaded_settings["prepared"] is False
    assert loaded_settings["cache"] == "aipia.cache.RedisCache"
    assert loaded_settings["broker"] == "redis://redis:6379/0"
