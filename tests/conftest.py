import io
import os

import pytest

from demo.files import pdf_bytes, png_bytes
from dossiers import services
from dossiers.models import EvidenceFile
from profiles.models import Profile
from profiles.services import import_default_catalogue

from . import storage
from .factories import member

# Playwright's sync API runs an event loop in the test's thread; Django's ORM must still be usable there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_addoption(parser):
    parser.addoption(
        "--storage-backend",
        choices=storage.BACKENDS,
        default=None,
        help="where the tests store files: local (the default) or s3 (moto's server mode on 127.0.0.1); "
        "also STORAGE_BACKEND_UNDER_TEST",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "storage: stores, serves or erases files; `make test-s3` runs these on S3")


def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        if item.path.relative_to(root).as_posix() in storage.STORAGE_TEST_MODULES:
            item.add_marker(pytest.mark.storage)


@pytest.fixture(scope="session")
def storage_backend(pytestconfig) -> str:
    return storage.backend_from(pytestconfig)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory):
    """moto's S3 in server mode, one per test process."""
    server = storage.MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto_server):
    """An empty bucket in moto; returns the server."""
    moto_server.reset()
    moto_server.client().create_bucket(Bucket=storage.BUCKET)
    return moto_server


@pytest.fixture
def stored_names():
    """Every file name in the default storage, on either backend: ``stored_names()``."""
    from django.core.files.storage import default_storage

    return lambda: storage.stored_names(default_storage)


@pytest.fixture
def storage_environment(storage_backend, settings, request) -> dict[str, str]:
    """The variables that give another process of the application (a worker, a web server) this test's files."""
    if storage_backend == "s3":
        return request.getfixturevalue("s3_bucket").environment()
    return {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, storage_backend, request):
    """Each test gets its own media folder (or, on S3, an empty bucket), an empty cache (allauth keeps its rate
    limits there) and the default language: a request in Italian leaves Italian active in the thread
    (LocaleMiddleware), and tests that ran before in the same worker must not decide in which language the next one
    reads its messages."""
    from django.core.cache import cache
    from django.utils import translation

    from outbox.services import forget_endpoints

    # The outbox keeps the enabled webhook endpoints for a few seconds; a test's rolled-back endpoints must not
    # outlive it.
    forget_endpoints()
    settings.MEDIA_ROOT = tmp_path / "media"
    if storage_backend == "s3":
        settings.STORAGES = {**settings.STORAGES, "default": request.getfixturevalue("s3_bucket").storage_settings()}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Committee and staff users in the tests sign in without an authenticator app, as in the demo; the tests of
    # the rule itself (tests/accounts/test_two_factor.py) switch it on.
    settings.STAFF_2FA_REQUIRED = False
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    cache.clear()
    if storage_backend == "s3":
        from django.core.files.storage import storages

        storage.close_connections(storages._storages.get("default"))


@pytest.fixture
def clock(monkeypatch):
    """Moves time for the rules that read it through ``aipia.clock``: ``clock.move_to(moment)``,
    ``clock.move_by(timedelta)``; time is back to normal after the test."""
    from aipia import clock as aipia_clock

    class Clock:
        def move_to(self, moment):
            monkeypatch.setattr(aipia_clock, "now", lambda: moment)

        def move_by(self, delta):
            self.move_to(aipia_clock.now() + delta)

    return Clock()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped catalogue once into the test database; every test's transaction rolls back to it."""
    with django_db_blocker.unblock():
        import_default_catalogue()


@pytest.fixture
def catalogue(db):
    # Transactional tests empty the tables when they end; load the catalogue again after one of them.
    if not Profile.objects.exists():
        import_default_catalogue()


@pytest.fixture
def profile(catalogue) -> Profile:
    return Profile.objects.get(code="ai-ml-engineer")


@pytest.fixture
def applicant(db):
    return member()


@pytest.fixture
def dossier(applicant, profile):
    return services.start_dossier(owner=applicant, profile=profile)


def upload(dossier, owner, data: bytes, name: str, kind: str = EvidenceFile.Kind.EVIDENCE) -> EvidenceFile:
    return services.upload_evidence(
        dossier=dossier, actor=owner, upload=io.BytesIO(data), original_name=name, kind=kind
    )


def fill_completely(dossier, owner) -> None:
    """Fill every section so that the dossier is complete."""
    import datetime

    upload(dossier, owner, pdf_bytes("CV"), "cv.pdf", EvidenceFile.Kind.CV)
    evidence = upload(dossier, owner, png_bytes(), "proof.png")
    services.update_cv_summary(
        dossier=dossier,
        actor=owner,
        cv_headline="ML Engineer",
        cv_summary="Five years deploying machine learning models to production with monitoring and retraining.",
        years_of_experience=5,
        highest_education="MSc",
    )
    services.save_training_entry(
        dossier=dossier,
        actor=owner,
        title="MLOps",
        provider="Uni",
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2022, 3, 1),
        hours=40,
        evidence=[evidence],
    )
    services.save_experience_entry(
        dossier=dossier,
        actor=owner,
        employer="ACME",
        role="ML Engineer",
        start_date=datetime.date(2020, 1, 1),
        end_date=None,
        description="Model serving.",
    )
    services.save_project_entry(
        dossier=dossier,
        actor=owner,
        title="Scoring",
        role="Lead",
        description="Real-time scoring.",
        technologies="Python",
        outcomes="Faster.",
        links=["https://example.org/p"],
    )
    for pc in dossier.profile.profile_competences.select_related("competence"):
        services.save_self_assessment(
            dossier=dossier,
            actor=owner,
            competence=pc.competence,
            claimed_level=pc.level,
            justification="I have done this for years in production, as the project evidence shows.",
        )


@pytest.fixture
def complete_dossier(dossier, applicant):
    fill_completely(dossier, applicant)
    return dossier
