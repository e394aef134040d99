"""Demo data: the catalogue, a user for every role, and dossiers in several states.

Idempotent: every object is looked up by a natural key first, so a second run changes nothing.
Dossiers are built through the same services users go through, so their audit trails are real.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from dossiers import services as dossier_services
from dossiers.models import Dossier, EvidenceFile
from profiles.models import Profile
from profiles.services import import_default_catalogue

from .files import pdf_bytes, png_bytes

DEMO_PASSWORD = "aipia-demo-2026"  # noqa: S105 — documented demo credential, refused when DEBUG is off

USERS = [
    # email, first, last, role, membership status (None: not a member), staff
    ("anna.rossi@demo.aipia.it", "Anna", "Rossi", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("marco.bianchi@demo.aipia.it", "Marco", "Bianchi", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("luca.verdi@demo.aipia.it", "Luca", "Verdi", User.Role.APPLICANT, Membership.Status.LAPSED, False),
    ("giulia.assessor@demo.aipia.it", "Giulia", "Conti", User.Role.ASSESSOR, Membership.Status.ACTIVE, False),
    (
        "paolo.decision@demo.aipia.it",
        "Paolo",
        "Ferri",
        User.Role.DECISION_MAKER,
        Membership.Status.ACTIVE,
        False,
    ),
    ("admin@demo.aipia.it", "Sara", "Admin", User.Role.ADMIN, None, True),
]


def _user(email: str, first: str, last: str, role: str, membership: str | None, staff: bool, n: int) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            role=role,
            is_staff=staff,
            is_superuser=staff,
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if membership and not Membership.objects.filter(user=user).exists():
        today = timezone.localdate()
        valid_until = (
            today + datetime.timedelta(days=365)
            if membership == Membership.Status.ACTIVE
            else today.replace(month=1, day=1) - datetime.timedelta(days=1)
        )
        Membership.objects.create(
            user=user, member_number=f"AIPIA-DEMO-{n:04d}", status=membership, valid_until=valid_until
        )
    return user


def _upload(dossier: Dossier, owner: User, data: bytes, name: str, kind: str, description: str = "") -> EvidenceFile:
    return dossier_services.upload_evidence(
        dossier=dossier,
        actor=owner,
        upload=io.BytesIO(data),
        original_name=name,
        kind=kind,
        description=description,
    )


def _fill(dossier: Dossier, owner: User, *, complete: bool) -> None:
    """Fill a dossier's sections the way an applicant would; ``complete=False`` leaves gaps."""
    name = owner.get_full_name()
    _upload(dossier, owner, pdf_bytes(f"Curriculum vitae - {name}"), f"CV {name}.pdf", EvidenceFile.Kind.CV)
    certificate = _upload(
        dossier,
        owner,
        pdf_bytes("Certificate of completion - MLOps"),
        "mlops-certificate.pdf",
        EvidenceFile.Kind.EVIDENCE,
        "Course certificate",
    )
    screenshot = _upload(
        dossier,
        owner,
        png_bytes("Model monitoring dashboard"),
        "monitoring-dashboard.png",
        EvidenceFile.Kind.EVIDENCE,
        "Monitoring dashboard in production",
    )
    dossier_services.update_cv_summary(
        dossier=dossier,
        actor=owner,
        cv_headline="Senior Machine Learning Engineer",
        cv_summary=(
            "Eight years building data and ML systems; the last four running production ML platforms "
            "(training pipelines, model serving under SLA, drift monitoring) for a payments company."
        ),
        years_of_experience=8,
        highest_education="MSc Computer Engineering, Politecnico di Milano",
    )
    dossier_services.save_training_entry(
        dossier=dossier,
        actor=owner,
        title="MLOps Engineering Specialisation",
        provider="Politecnico di Milano",
        start_date=datetime.date(2023, 2, 1),
        end_date=datetime.date(2023, 6, 30),
        hours=120,
        evidence=[certificate],
    )
    if not complete:
        return
    competences = [pc.competence for pc in dossier.profile.profile_competences.select_related("competence")]
    dossier_services.save_experience_entry(
        dossier=dossier,
        actor=owner,
        employer="PayFlow S.p.A.",
        role="Lead ML Engineer",
        start_date=datetime.date(2021, 3, 1),
        end_date=None,
        description="Built the real-time fraud scoring platform: feature store, CI/CD for models, canary rollouts.",
        competences=competences[:3],
        evidence=[screenshot],
    )
    dossier_services.save_project_entry(
        dossier=dossier,
        actor=owner,
        title="Real-time fraud scoring",
        role="Technical lead",
        description="Moved batch fraud models to a streaming service with p99 latency under 40 ms.",
        technologies="Python, PyTorch, Kafka, Kubernetes, MLflow, Prometheus",
        outcomes="Fraud losses down 23%; retraining time from two weeks to one day.",
        links=["https://example.org/fraud-scoring-case-study"],
        evidence=[screenshot],
    )
    for pc in dossier.profile.profile_competences.select_related("competence"):
        dossier_services.save_self_assessment(
            dossier=dossier,
            actor=owner,
            competence=pc.competence,
            claimed_level=pc.level,
            justification=(
                f"I apply {pc.competence.title_en} daily in production work and lead others in it; "
                "see the fraud scoring project and the monitoring evidence."
            ),
            evidence=[certificate],
        )


DOSSIERS = [
    # owner email, profile code, what to do
    ("anna.rossi@demo.aipia.it", "ai-ml-engineer", "submit"),
    ("anna.rossi@demo.aipia.it", "ai-data-scientist", "partial"),
    ("marco.bianchi@demo.aipia.it", "ai-data-engineer", "complete"),
    ("marco.bianchi@demo.aipia.it", "ai-deep-learning-engineer", "withdraw"),
    ("luca.verdi@demo.aipia.it", "ai-ml-engineer", "complete"),
]


@transaction.atomic
def seed_demo() -> dict[str, Any]:
    """Create whatever demo data is missing and describe all of it (the ``seed_demo --json`` document)."""
    import_default_catalogue()
    users = {}
    for n, (email, first, last, role, membership, staff) in enumerate(USERS, start=1):
        users[email] = _user(email, first, last, role, membership, staff, n)

    for email, code, plan in DOSSIERS:
        owner, profile = users[email], Profile.objects.get(code=code)
        if Dossier.objects.filter(owner=owner, profile=profile).exists():
            continue
        dossier = dossier_services.start_dossier(owner=owner, profile=profile)
        _fill(dossier, owner, complete=plan != "partial")
        if plan == "submit":
            dossier_services.submit_dossier(dossier=dossier, actor=owner)
        elif plan == "withdraw":
            dossier_services.withdraw_dossier(
                dossier=dossier, actor=owner, reason="Applying for another profile first."
            )

    demo_emails = [u[0] for u in USERS]
    dossiers = (
        Dossier.objects.filter(owner__email__in=demo_emails)
        .select_related("owner")
        .order_by("owner__email", "created_at")
    )
    return {
        "users": [{"email": u[0], "password": DEMO_PASSWORD, "role": u[3].value} for u in USERS],
        "dossiers": [{"id": str(d.pk), "owner": d.owner.email, "status": d.status} for d in dossiers],
        "credentials": [],
        "site_url": settings.SITE_URL,
    }
