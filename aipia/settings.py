"""Settings, all from the environment (see ``.env.example``).

With no environment at all the application runs on the *embedded default*: DEBUG on, SQLite, files
under ``var/``, Celery tasks executed in-process, mail written to ``var/mail``. Production sets
``DEBUG=false`` and must then provide ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The Sites framework's one site, which allauth's e-mails name: written from ASSOCIATION_NAME and SITE_URL on every
# migrate (accounts/sites.py).
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "aipia",
    "accounts",
    "outbox",
    "profiles",
    "dossiers",
    "assessments",
    "credentials",
    "desk",
    "quality",
    "demo",
]

MIDDLEWARE = [
    # The embedded default tries the request's e-mails and webhooks once its response has been sent.
    "outbox.middleware.DeliverAfterResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # ?lang=it on any page read with GET, remembered in the language cookie (aipia/language.py).
    "aipia.language.LanguageFromQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TwoFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "aipia.urls"
WSGI_APPLICATION = "aipia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aipia.context_processors.site",
                "aipia.context_processors.language_switch",
            ],
        },
    },
]

if not env("DATABASE_URL", default=""):
    # Embedded default: everything lives under var/, created on first use.
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# true: a kept connection (CONN_MAX_AGE) is checked with a round trip before each request or task reuses it,
# so a database restart fails none of them (otherwise one each, on each kept connection).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False))
# The public verification endpoints prepare their one query on the PostgreSQL server (credentials/selectors.py).
# Turn it off behind a pooler in transaction mode (PgBouncer), where a prepared statement may meet another
# server connection.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# Behind a pooler in transaction mode also turn off server-side cursors (``QuerySet.iterator()``, e.g. bulk jobs):
# such a cursor lives across transactions on one server connection, which the pooler hands to others in between.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dossiers:list"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: login by email, mandatory verification, TOTP two-factor authentication.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address signs the person in, when the link is opened in the browser that signed up (allauth keeps
# the pending sign-in in that session, so a leaked link signs nobody in); the sign-in then goes on through its
# remaining steps, the one-time code of a staff or committee member's authenticator among them.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[AIPIA] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# Staff and committee members must enrol an authenticator app before they reach anything that is not public
# (accounts/two_factor.py). Only a development or demo machine (DEBUG=true) may relax it: `make run` does, so
# that the demo's committee members sign in with a password; with DEBUG off the variable is ignored.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=True) or not DEBUG
MFA_TOTP_ISSUER = "AIPIA Credentials"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times as each language writes them ("3 dicembre 2026"), stated in aipia/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["aipia.formats"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Files are private: they are served only through views that check permissions. No URL pattern (and no
# web server rule) serves MEDIA_URL; it exists because Django's tooling expects a value.
MEDIA_URL = "/private-media/"

# S3-compatible object storage (AWS S3, MinIO, …) when a bucket is named: every host then reads and writes the same
# files. Objects are private (no public-read ACL; the bucket itself must not allow public reads either) and are
# still served only through our views, streamed (aipia/downloads.py, docs/decisions/0017). The access key comes
# from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the host's role), read by boto3 itself.
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            # "path" for MinIO and most S3-compatible stores reached by host name; empty: boto3 decides.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),
            "signature_version": "s3v4",
            "default_acl": "private",
            # No view hands out a storage URL; should one ever, it is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
            # A file read for a download is buffered in memory up to this size, beyond it in a temporary file.
            "max_memory_size": env.int("AWS_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: evidence files are limited per file; Django keeps bigger uploads on disk while streaming.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Committee: how long an applicant has to appeal a rejection, and when an item is overdue on the dashboard.
APPEAL_PERIOD_DAYS = env.int("APPEAL_PERIOD_DAYS", default=30)
OVERDUE_AFTER_DAYS = {
    "submitted": env.int("OVERDUE_SUBMITTED_DAYS", default=7),
    "information_requested": env.int("OVERDUE_INFORMATION_REQUESTED_DAYS", default=30),
    "under_assessment": env.int("OVERDUE_UNDER_ASSESSMENT_DAYS", default=21),
    "interview": env.int("OVERDUE_INTERVIEW_DAYS", default=30),
    "awaiting_decision": env.int("OVERDUE_AWAITING_DECISION_DAYS", default=10),
    "appealed": env.int("OVERDUE_APPEALED_DAYS", default=30),
}

# The issuer and its electronic seal. The seal certificate's organizationIdentifier must equal
# ISSUER_EIDAS_IDENTIFIER. Production: a PKCS#12 file; development and tests: a local test CA, created on
# first use and marked as not qualified (never allowed when DEBUG is off unless SEAL_ALLOW_TEST_KEY is set).
ISSUER_LEGAL_NAME = env("ISSUER_LEGAL_NAME", default="AIPIA - Associazione Italiana per l'Intelligenza Artificiale")
ISSUER_EIDAS_IDENTIFIER = env("ISSUER_EIDAS_IDENTIFIER", default="VATIT-12345678901")
ISSUER_COUNTRY = env("ISSUER_COUNTRY", default="IT")
ISSUER_HOMEPAGE = env("ISSUER_HOMEPAGE", default="https://www.aipia.it")
SEAL_PKCS12_PATH = env("SEAL_PKCS12_PATH", default="")
SEAL_PKCS12_PASSWORD = env("SEAL_PKCS12_PASSWORD", default="")
SEAL_ALLOW_TEST_KEY = env.bool("SEAL_ALLOW_TEST_KEY", default=DEBUG)
SEAL_TEST_KEY_PATH = env.path("SEAL_TEST_KEY_PATH", default=VAR_DIR / "keys" / "test-seal.p12")
if not DEBUG and env("SEAL_SIGNER", default="pkcs12") == "pkcs12" and not SEAL_PKCS12_PATH and not SEAL_ALLOW_TEST_KEY:
    raise ImproperlyConfigured("SEAL_PKCS12_PATH (and SEAL_PKCS12_PASSWORD) must be set when DEBUG is off.")
# Where the seal key lives (docs/deployment.md, ADR 0016): "pkcs12" (the file above, or the test seal in
# development), "pkcs11" (an HSM: module, token, key label and PIN) or "csc" (a remote QSCD through the Cloud
# Signature Consortium API: the service's base URL ending in /csc/v1, the credential ID, an OAuth 2.0 access token
# and, for credentials whose authMode is explicit, the PIN). Rotation records the key label or credential ID in
# use, so the *_KEY_LABEL / *_CREDENTIAL_ID here name the first one.
SEAL_SIGNER = env("SEAL_SIGNER", default="pkcs12")
if SEAL_SIGNER not in ("pkcs12", "pkcs11", "csc"):
    raise ImproperlyConfigured("SEAL_SIGNER must be pkcs12, pkcs11 or csc.")
SEAL_PKCS11_MODULE = env("SEAL_PKCS11_MODULE", default="/usr/lib/softhsm/libsofthsm2.so")
SEAL_PKCS11_TOKEN_LABEL = env("SEAL_PKCS11_TOKEN_LABEL", default="aipia-seal")
SEAL_PKCS11_KEY_LABEL = env("SEAL_PKCS11_KEY_LABEL", default="aipia-seal")
SEAL_PKCS11_PIN = env("SEAL_PKCS11_PIN", default="")
SEAL_CSC_URL = env("SEAL_CSC_URL", default="")
SEAL_CSC_CREDENTIAL_ID = env("SEAL_CSC_CREDENTIAL_ID", default="")
SEAL_CSC_AUTH_TOKEN = env("SEAL_CSC_AUTH_TOKEN", default="")
SEAL_CSC_PIN = env("SEAL_CSC_PIN", default="")
# The software EC P-256 key that signs the QR tokens (PKCS#12; docs/verification.md), published beside the seals.
# Made on first use in development; required with SEAL_SIGNER pkcs11 or csc (`manage.py create_token_key PATH`).
QR_TOKEN_KEY_PATH = env("QR_TOKEN_KEY_PATH", default="")
QR_TOKEN_KEY_PASSWORD = env("QR_TOKEN_KEY_PASSWORD", default="")
# The test PKI (Certomancer: root, intermediate, seal, OCSP, CRLs, TSAs), made here on first use in development;
# `rotate_seal_key` certifies a key generated in an HSM with it when SEAL_ALLOW_TEST_KEY is on.
SEAL_TEST_PKI_DIR = env.path("SEAL_TEST_PKI_DIR", default=VAR_DIR / "pki")
# With SEAL_TEST_PKI (`make run` sets it), the development test seal is certified by that test PKI instead of a
# self-made CA, so that the demo's certificates are PAdES B-LTA and JAdES B-T, all produced in-process.
SEAL_TEST_PKI = env.bool("SEAL_TEST_PKI", default=False)
# Long-term validation: a PDF whose last document timestamp's certificate expires within this many days gets a new
# archive timestamp (manage.py extend_ltv, and the nightly beat task).
LTV_RENEWAL_MARGIN_DAYS = env.int("LTV_RENEWAL_MARGIN_DAYS", default=180)
# RFC 3161 timestamp authority: when set, seals are JAdES B-T instead of B-B.
TSA_URL = env("TSA_URL", default="")
# The official EDC JSON-LD contexts and SHACL shapes, read from disk, never fetched at run time. The install
# step (manage.py install_edc_material, part of `make install` and the image build) puts them into EDC_DIR from
# EDC_MIRROR (a folder or a base URL), else from a local mirror beside the checkout, else from their official URLs.
EDC_DIR = env.path("EDC_DIR", default=VAR_DIR / "edc")
EDC_MIRROR = env("EDC_MIRROR", default="")
EDC_LOCAL_MIRRORS = [BASE_DIR.parent / "shared" / "edc"]
CREDENTIAL_VALIDITY_YEARS = env.int("CREDENTIAL_VALIDITY_YEARS", default=3)

# The credential's life (credentials/services/lifecycle.py, renewal.py). Reminders go out this many days before
# expiry, once per credential and offset; holders may apply for renewal from RENEWAL_WINDOW_DAYS before
# the end of validity until RENEWAL_GRACE_DAYS after it.
EXPIRY_REMINDER_DAYS = env.list("EXPIRY_REMINDER_DAYS", cast=int, default=[90, 30, 7])
RENEWAL_WINDOW_DAYS = env.int("RENEWAL_WINDOW_DAYS", default=180)
RENEWAL_GRACE_DAYS = env.int("RENEWAL_GRACE_DAYS", default=90)
# Personal data retention (privacy.py), in days after the record's end: application material after the
# dossier's decision, assessment records and decisions after it too, credentials after their validity.
RETENTION_APPLICATION_DAYS = env.int("RETENTION_APPLICATION_DAYS", default=2 * 365)
RETENTION_ASSESSMENT_DAYS = env.int("RETENTION_ASSESSMENT_DAYS", default=5 * 365)
RETENTION_DECISION_DAYS = env.int("RETENTION_DECISION_DAYS", default=10 * 365)
RETENTION_CREDENTIAL_DAYS = env.int("RETENTION_CREDENTIAL_DAYS", default=10 * 365)
RETENTION_DESK_DAYS = env.int("RETENTION_DESK_DAYS", default=5 * 365)
DESK_UNCONFIRMED_DAYS = env.int("DESK_UNCONFIRMED_DAYS", default=30)

# What a Law 4/2013 art. 7 attestation states besides the membership (credentials/services/attestation.py), in English
# and Italian: the standards members must follow (art. 7 (1) b), the guarantees the association offers
# users (c: the help desk for consumers of art. 2 (4) among them) and the professional liability insurance
# (d), stated only when set.
ISSUER_PROFESSIONAL_STANDARDS = {
    "en": env(
        "ISSUER_PROFESSIONAL_STANDARDS_EN",
        default="The association's code of conduct and the UNI 11621-8 profiles of AI professionals; "
        "continuing professional development as the association requires to keep the membership.",
    ),
    "it": env(
        "ISSUER_PROFESSIONAL_STANDARDS_IT",
        default="Il codice di condotta dell'associazione e i profili dei professionisti dell'IA della UNI 11621-8; "
        "l'aggiornamento professionale continuo richiesto dall'associazione per mantenere l'iscrizione.",
    ),
}
ISSUER_USER_GUARANTEES = {
    "en": env(
        "ISSUER_USER_GUARANTEES_EN",
        default="A help desk for users of the members' professional services (Law 4/2013, art. 2 (4)), where "
        "users may complain about a member and obtain information on the standards members must follow; "
        "disciplinary measures against members who breach the code of conduct.",
    ),
    "it": env(
        "ISSUER_USER_GUARANTEES_IT",
        default="Uno sportello di riferimento per il cittadino consumatore (Legge 4/2013, art. 2, comma 4), "
        "presso cui gli utenti possono presentare reclami nei confronti degli iscritti e ottenere informazioni "
        "sugli standard che essi devono rispettare; provvedimenti disciplinari verso chi viola il codice di condotta.",
    ),
}
ISSUER_INSURANCE = {
    "en": env("ISSUER_INSURANCE_EN", default=""),
    "it": env("ISSUER_INSURANCE_IT", default=""),
}

# Verification (credentials/verification/). Our own seal certificates (and their CAs) are always trust
# anchors; a PEM file adds more, e.g. the CA certificates of an EU trusted list export.
VERIFY_TRUST_ANCHORS_FILE = env("VERIFY_TRUST_ANCHORS_FILE", default="")
# Public verification endpoints (the QR page, the verification API, the verifier page, the register):
# requests per client IP, in DRF's rate syntax. Raise it for load tests from one address.
VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT", default="120/min")
# Largest credential file (JSON-LD or PDF) the verifier accepts.
VERIFY_MAX_UPLOAD_BYTES = env.int("VERIFY_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# How long verifiers and proxies may cache a status list (seconds): short, so that a revocation spreads fast.
STATUS_LIST_MAX_AGE = env.int("STATUS_LIST_MAX_AGE", default=60)

# Wallets (OpenID4VCI pre-authorized code flow, credentials/services/wallet.py; docs/wallets.md): how long an offer
# stays open (seconds), how many wrong transaction codes an offer takes before it is closed, and how many wrong
# codes one client address may send in WALLET_FAILURE_WINDOW seconds, across all offers, before it is refused.
WALLET_OFFER_TTL = env.int("WALLET_OFFER_TTL", default=600)
WALLET_TX_CODE_ATTEMPTS = env.int("WALLET_TX_CODE_ATTEMPTS", default=5)
WALLET_ADDRESS_FAILURES = env.int("WALLET_ADDRESS_FAILURES", default=20)
WALLET_FAILURE_WINDOW = env.int("WALLET_FAILURE_WINDOW", default=900)

# Where a non-member learns how to join the association.
MEMBERSHIP_INFO_URL = env("MEMBERSHIP_INFO_URL", default="https://www.aipia.it/associarsi")
ASSOCIATION_NAME = env("ASSOCIATION_NAME", default="AIPIA — Associazione Italiana per l'Intelligenza Artificiale")
# The printed certificate (credentials/documents/pdf.py): the association's logo, an SVG or PNG file the installation
# provides (empty: the emblem drawn for this project, credentials/static/credentials/emblem.svg; a missing or
# invalid file stops start-up, check credentials.E002), and the role (and, optionally, the name) the seal block
# names as the one the seal speaks for.
ASSOCIATION_LOGO = env("ASSOCIATION_LOGO", default="")
CERTIFICATE_SIGNATORY_ROLE = {
    "it": env("CERTIFICATE_SIGNATORY_ROLE_IT", default="Presidente"),
    "en": env("CERTIFICATE_SIGNATORY_ROLE_EN", default="President"),
}
CERTIFICATE_SIGNATORY_NAME = env("CERTIFICATE_SIGNATORY_NAME", default="")

# The consumer desk (Law 4/2013): how many days the association gives itself to acknowledge a case and to decide a
# complaint, how many files a sender may attach (each up to EVIDENCE_MAX_BYTES), and how many requests one address
# may send (DRF's rate syntax).
DESK_ACKNOWLEDGE_DAYS = env.int("DESK_ACKNOWLEDGE_DAYS", default=5)
DESK_DECIDE_DAYS = env.int("DESK_DECIDE_DAYS", default=60)
DESK_MAX_ATTACHMENTS = env.int("DESK_MAX_ATTACHMENTS", default=5)
DESK_RATE_LIMIT = env("DESK_RATE_LIMIT", default="5/hour")

# Mail: a folder in the embedded default, SMTP (or the mail catcher) in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
if env("EMAIL_URL", default=""):
    # e.g. smtp+tls://user:password@smtp.example.org:587 — sets EMAIL_BACKEND, EMAIL_HOST, …
    globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AIPIA Credentials <no-reply@aipia.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run in-process (the embedded default); they are still
# enqueued with transaction.on_commit so the code path is the same as in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "aipia"
# Celery's Django fixup would close the database connection around every task and reconnect; with this it
# leaves the connection alone (only every millionth task) and aipia/celery.py applies CONN_MAX_AGE instead.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # A credential whose issuance task was lost (broker down at commit, worker killed) is picked up again.
    "resume-stalled-issuances": {"task": "credentials.resume_stalled_issuances", "schedule": 300.0},
    # Suspensions with an end date are lifted (and the status lists republished) within five minutes of it.
    "lift-ended-suspensions": {"task": "credentials.lift_ended_suspensions", "schedule": 300.0},
    # Reminders before expiry and expiry itself, once a day in the morning (CELERY_TIMEZONE = TIME_ZONE).
    "daily-lifecycle": {"task": "credentials.daily_lifecycle", "schedule": crontab(hour=6, minute=0)},
    # A bulk job whose task was lost (worker killed, broker restarted) is run again from its pending items.
    "resume-stalled-bulk-jobs": {"task": "credentials.resume_stalled_bulk_jobs", "schedule": 300.0},
    # Sealed PDFs whose last document timestamp nears its end get a fresh archive timestamp (extend_ltv), nightly.
    "extend-ltv": {"task": "credentials.extend_ltv", "schedule": crontab(hour=2, minute=30)},
    # Personal data past its retention period (RETENTION_*) is erased or pseudonymised, nightly.
    "erase-expired-personal-data": {
        "task": "accounts.erase_expired_personal_data",
        "schedule": crontab(hour=3, minute=30),
    },
}

# The outbox (outbox/services.py): every e-mail and webhook is a row written with the change that causes it, sent
# after the commit and retried OUTBOX_RETRY_DELAYS seconds after each failure (the last delay repeats) until
# OUTBOX_RETRY_HOURS after it was written. A claim older than OUTBOX_CLAIM_TIMEOUT seconds means its worker died
# mid-send: a webhook is sent again (same id), an e-mail is shown to administrators as of unknown fate. The delivery
# log is kept OUTBOX_LOG_DAYS days. OUTBOX_DISPATCH_ON_COMMIT=false leaves every delivery to
# `manage.py deliver_outbox --loop` processes (or the beat's outbox.deliver_due) instead of a task per commit.
OUTBOX_RETRY_DELAYS = env.list("OUTBOX_RETRY_DELAYS", cast=int, default=[5, 300, 1800, 7200, 18000, 36000])
OUTBOX_RETRY_HOURS = env.int("OUTBOX_RETRY_HOURS", default=72)
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=300)
OUTBOX_LOG_DAYS = env.int("OUTBOX_LOG_DAYS", default=30)
OUTBOX_DISPATCH_ON_COMMIT = env.bool("OUTBOX_DISPATCH_ON_COMMIT", default=True)
# Webhooks (docs/webhooks.md): each request times out after WEBHOOKS_TIMEOUT seconds (WEBHOOKS_EAGER_TIMEOUT for the
# one in-process try of the embedded default); a rotated secret keeps signing for WEBHOOKS_SECRET_GRACE_HOURS.
# Receivers on private, loopback or link-local addresses are refused unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true,
# which is honoured only with DEBUG=true (tests, the demo's local receiver).
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=10.0)
WEBHOOKS_EAGER_TIMEOUT = env.float("WEBHOOKS_EAGER_TIMEOUT", default=3.0)
WEBHOOKS_SECRET_GRACE_HOURS = env.int("WEBHOOKS_SECRET_GRACE_HOURS", default=24)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = DEBUG and env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
CELERY_BEAT_SCHEDULE["outbox-deliver-due"] = {"task": "outbox.deliver_due", "schedule": 60.0}

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "aipia.cache.RedisCache"  # one client per pool, see aipia/cache.py

# The client's address, for rate limits and audit: REMOTE_ADDR, unless the application runs behind this many reverse
# proxies that each append the address they saw to X-Forwarded-For (nginx, Traefik, a load balancer: usually 1).
# With 0 (the default) forwarding headers are ignored, so a made-up X-Forwarded-For cannot dodge a limit.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# API tokens (accounts/tokens.py): django-rest-knox stores only their digest; each expires this many days after
# it was obtained, and all of an account's are revoked on a password change or reset and on erasure.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {"TOKEN_TTL": datetime.timedelta(days=API_TOKEN_TTL_DAYS), "AUTH_HEADER_PREFIX": "Token"}

REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: DRF answers an unauthenticated call with the first scheme's 401 and WWW-Authenticate
        # (with the session first it would be a 403).
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies; the few operations that take a file add multipart themselves, so the schema does not offer
    # form encodings to operations whose nested input they cannot carry.
    "DEFAULT_PARSER_CLASSES": ["aipia.api.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "aipia.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "aipia.api.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "aipia.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("AUTH_THROTTLE_RATE", default="20/min"),
        "verification": VERIFY_RATE_LIMIT,
        "desk": DESK_RATE_LIMIT,
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AIPIA Credentials API",
    "DESCRIPTION": "Certification of AI professionals (UNI 11621-8) and European Digital Credentials.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The REST API lives under /api/; the wallet protocol's endpoints (/.well-known/…, /wallet/…) are outside it.
    # Fixed, so that their paths do not change the prefix drf-spectacular would infer, and with it every
    # operationId and tag.
    "SCHEMA_PATH_PREFIX": r"/api",
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "dossiers.models.DossierStatus",
        "CredentialStatusEnum": "credentials.models.Credential.Status",
        "CredentialIssuanceEnum": "credentials.models.Credential.Issuance",
        "StatusCategoryEnum": "credentials.models.STATUS_CATEGORY_CHOICES",
        "ShownStatusEnum": "credentials.models.ShownStatus",
        "BulkJobItemOutcomeEnum": "credentials.models.BulkJobItem.Status",
        "DecisionOutcomeEnum": "assessments.models.Decision.Outcome",
        "DeskCaseKindEnum": "desk.models.Kind",
        "DeskCaseStatusEnum": "desk.models.Status",
        "DeskCaseOutcomeEnum": "desk.models.Outcome",
        "CompetenceRecordKindEnum": "quality.models.CompetenceRecord.Kind",
        "DecisionKindEnum": "assessments.models.Decision.Kind",
        "EvidenceFileKindEnum": "dossiers.models.EvidenceFile.Kind",
        "OutboxMessageStatusEnum": "outbox.models.Message.Status",
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every page (django-csp): scripts and styles only from our own static files, no
# inline script or style (a page that needs an inline block gives it the request's nonce: the API docs' style),
# images also as data: URIs (the authenticator QR code, Swagger UI's icons), nothing framed, forms posted only
# here. Private downloads set a stricter policy of their own (aipia/downloads.py), which the middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        **({"report-uri": [env("CSP_REPORT_URI")]} if env("CSP_REPORT_URI", default="") else {}),
    }
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every rendering step at INFO, and fontTools every subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
