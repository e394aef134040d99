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
from assessments import checklist, selectors
from assessments.models import Committee, CommitteeMember
from assessments.services import (
    appeals,
    assignments,
    completeness,
    decisions,
    declarations,
    interviews,
    scoresheets,
)
from credentials.documents import categories
from credentials.models import Credential
from credentials.services import cpd, lifecycle, status
from credentials.services.issuance import create_credential, verify_url_for
from dossiers import services as dossier_services
from dossiers.models import Dossier, EvidenceFile
from outbox import events
from outbox import services as outbox
from outbox.models import WebhookEndpoint
from profiles.models import Profile
from profiles.services import import_default_catalogue

from .files import pdf_bytes, png_bytes
from .records import DESK_HANDLER, seed_records

DEMO_PASSWORD = "aipia-demo-2026"  # noqa: S105 — documented demo credential, refused when DEBUG is off

USERS = [
    # email, first, last, role, membership status (None: not a member), staff
    ("anna.rossi@demo.aipia.it", "Anna", "Rossi", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("marco.bianchi@demo.aipia.it", "Marco", "Bianchi", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("luca.verdi@demo.aipia.it", "Luca", "Verdi", User.Role.APPLICANT, Membership.Status.LAPSED, False),
    ("sofia.greco@demo.aipia.it", "Sofia", "Greco", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("davide.russo@demo.aipia.it", "Davide", "Russo", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("francesca.marino@demo.aipia.it", "Francesca", "Marino", User.Role.APPLICANT, Membership.Status.ACTIVE, False),
    ("giulia.assessor@demo.aipia.it", "Giulia", "Conti", User.Role.ASSESSOR, Membership.Status.ACTIVE, False),
    ("roberto.assessor@demo.aipia.it", "Roberto", "Gallo", User.Role.ASSESSOR, Membership.Status.ACTIVE, False),
    ("elena.assessor@demo.aipia.it", "Elena", "Costa", User.Role.ASSESSOR, Membership.Status.ACTIVE, False),
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
    certificate, screenshot = _upload_files(dossier, owner)
    _write_background(dossier, owner, certificate=certificate)
    if not complete:
        return
    _write_work(dossier, owner, screenshot=screenshot)
    _assess_self(dossier, owner, certificate=certificate)


def _upload_files(dossier: Dossier, owner: User) -> tuple[EvidenceFile, EvidenceFile]:
    """The CV, then a course certificate and a screenshot that later sections cite; those two are returned."""
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
    return certificate, screenshot


def _write_background(dossier: Dossier, owner: User, *, certificate: EvidenceFile) -> None:
    """The CV summary and one training entry: what even a partial dossier has."""
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


def _write_work(dossier: Dossier, owner: User, *, screenshot: EvidenceFile) -> None:
    """One experience entry (citing the profile's first three competences) and one project."""
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


def _assess_self(dossier: Dossier, owner: User, *, certificate: EvidenceFile) -> None:
    """A self-assessment for every competence of the profile, claiming the level the profile asks for."""
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
    # owner email, profile code, how far it goes
    ("anna.rossi@demo.aipia.it", "ai-ml-engineer", "submit"),
    ("anna.rossi@demo.aipia.it", "ai-data-scientist", "partial"),
    ("marco.bianchi@demo.aipia.it", "ai-data-engineer", "complete"),
    ("marco.bianchi@demo.aipia.it", "ai-deep-learning-engineer", "withdraw"),
    ("luca.verdi@demo.aipia.it", "ai-ml-engineer", "complete"),
    ("sofia.greco@demo.aipia.it", "ai-ml-engineer", "under_assessment"),
    ("sofia.greco@demo.aipia.it", "ai-data-scientist", "information_requested"),
    ("davide.russo@demo.aipia.it", "ai-deep-learning-engineer", "interview"),
    ("davide.russo@demo.aipia.it", "ai-ml-engineer", "approved"),
    ("francesca.marino@demo.aipia.it", "ai-data-engineer", "rejected"),
    ("francesca.marino@demo.aipia.it", "ai-data-scientist", "appealed"),
]
ASSESSORS = ("giulia.assessor@demo.aipia.it", "roberto.assessor@demo.aipia.it")
INTERVIEWER = "elena.assessor@demo.aipia.it"
DECISION_MAKER = "paolo.decision@demo.aipia.it"
ADMIN = "admin@demo.aipia.it"


def _committee(users: dict[str, User]) -> None:
    committee, _created = Committee.objects.get_or_create(name="Comitato tecnico AIPIA")
    committee.profiles.set(Profile.objects.all())
    roles = {
        ASSESSORS[0]: {"is_assessor": True, "is_interviewer": True},
        ASSESSORS[1]: {"is_assessor": True, "is_interviewer": True},
        INTERVIEWER: {"is_assessor": True, "is_interviewer": True},
        DECISION_MAKER: {"is_decision_maker": True},
        ADMIN: {"is_chair": True},
    }
    for email, flags in roles.items():
        CommitteeMember.objects.get_or_create(committee=committee, user=users[email], defaults=flags)
        if not selectors.has_valid_declaration(user=users[email]):
            declarations.sign_impartiality_declaration(user=users[email])


def _assess(dossier: Dossier, users: dict[str, User], *, scores: tuple[int, int], plan: str) -> None:
    """Take a submitted dossier through the committee as far as ``plan`` says."""
    admin = users[ADMIN]
    # The secretariat checks the submitted version item by item before assigning the assessors.
    items = checklist.checklist(dossier=dossier, submission=selectors.latest_submission(dossier))
    completeness.record_completeness_check(
        dossier=dossier, actor=admin, verdicts={item.key: completeness.Verdict(confirmed=True) for item in items}
    )
    assignments.assign_assessors(dossier=dossier, actor=admin, assessors=[users[e] for e in ASSESSORS])
    for email, score in zip(ASSESSORS, scores, strict=True):
        assignment = dossier.assignments.get(member=users[email])
        declarations.declare_conflict_of_interest(assignment=assignment, actor=users[email], has_conflict=False)
        criteria = {c.code: {"score": score, "comment": "Demo score."} for c in dossier.profile.criteria.all()}
        scoresheets.save_scores(
            assignment=assignment,
            actor=users[email],
            scores=criteria,
            recommendation="pass" if score >= 3 else "fail",
            comment="Demo assessment.",
        )
        if plan == "under_assessment":
            return  # the first assessor has a draft; the second has not started
        if plan == "information_requested":
            assignments.request_information(
                dossier=dossier,
                actor=users[email],
                questions="Please add the report of the fraud scoring project, with the monitoring results.",
            )
            return
        scoresheets.submit_assessment(assignment=assignment, actor=users[email])
    dossier.refresh_from_db()
    if plan == "interview":
        interviews.schedule_interview(
            dossier=dossier,
            actor=admin,
            starts_at=timezone.now() + datetime.timedelta(days=10),
            time_zone="Europe/Rome",
            mode="video",
            location="https://meet.example.org/aipia-demo",
            interviewers=[users[INTERVIEWER]],
        )
        return
    outcome = "approve" if plan == "approved" else "reject"
    decisions.decide(
        dossier=dossier,
        actor=users[DECISION_MAKER],
        outcome=outcome,
        rationale="Strong, well-documented production evidence on every criterion."
        if outcome == "approve"
        else "The portfolio does not yet show production responsibility at the required level.",
    )
    if plan == "appealed":
        dossier.refresh_from_db()
        appeals.lodge_appeal(
            dossier=dossier,
            actor=dossier.owner,
            statement="The committee did not consider my two years leading the data platform team.",
        )


def seed_demo() -> dict[str, Any]:
    """Create whatever demo data is missing and describe all of it (the ``seed_demo --json`` document).

    The description is read after the commit, once the approvals' credentials have been issued (in the
    embedded default the issuance task runs in-process when the approval commits).
    """
    _create()
    _after_issuance()
    _webhook_endpoint()
    return describe()


# Where `manage.py webhook_receiver` listens: the demo's endpoint, added last so that it sees what happens from now
# on (deliveries to 127.0.0.1 need WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true, which `make run` sets, with DEBUG).
DEMO_WEBHOOK_URL = "http://127.0.0.1:8765/webhooks"


def _webhook_endpoint() -> None:
    """The demo's receiver, in development only: elsewhere a plain-http loopback address is refused, rightly, and
    the rest of the demo (what the browser tests walk) does not need it."""
    if not settings.DEBUG or WebhookEndpoint.objects.filter(url=DEMO_WEBHOOK_URL).exists():
        return
    outbox.create_endpoint(
        actor=User.objects.get(email=ADMIN),
        url=DEMO_WEBHOOK_URL,
        events=[*events.CREDENTIAL_EVENTS, events.TEST_EVENT],
        description="Demo: python manage.py webhook_receiver",
    )


@transaction.atomic
def _create() -> None:
    import_default_catalogue()
    users = {}
    for n, (email, first, last, role, membership, staff) in enumerate(USERS, start=1):
        users[email] = _user(email, first, last, role, membership, staff, n)

    _committee(users)

    for email, code, plan in DOSSIERS:
        owner, profile = users[email], Profile.objects.get(code=code)
        if Dossier.objects.filter(owner=owner, profile=profile).exists():
            continue
        dossier = dossier_services.start_dossier(owner=owner, profile=profile)
        _fill(dossier, owner, complete=plan != "partial")
        if plan == "withdraw":
            dossier_services.withdraw_dossier(
                dossier=dossier, actor=owner, reason="Applying for another profile first."
            )
        elif plan not in ("partial", "complete"):
            dossier_services.submit_dossier(dossier=dossier, actor=owner)
            if plan != "submit":
                scores = (2, 2) if plan in ("rejected", "appealed") else (3, 4)
                _assess(dossier, users, scores=scores, plan=plan)

    _earlier_credentials(users)
    seed_records(admin=users[ADMIN], assessors=[users[email] for email in (*ASSESSORS, INTERVIEWER)])


# Credentials certified before this system (as if migrated): one in its renewal window with CPD logged, one
# that the secretariat revokes and one it suspends for a while once they are issued, so that every
# verification verdict can be seen.
RENEWAL_HOLDER = "marco.bianchi@demo.aipia.it"
REVOKED_HOLDER = "sofia.greco@demo.aipia.it"
SUSPENDED_HOLDER = "francesca.marino@demo.aipia.it"
REVOCATION_REASON = "Demo: the certified experience could not be confirmed with the employers named in the dossier."
SUSPENSION_REASON = "Demo: a client's complaint about a model audit is being examined by the committee."
SUSPENSION_DAYS = 60


def _earlier_credentials(users: dict[str, User]) -> None:
    now = timezone.now().replace(microsecond=0)
    for email, started, code in (
        (RENEWAL_HOLDER, now - datetime.timedelta(days=3 * 365 - 75), "ai-ml-engineer"),
        (REVOKED_HOLDER, now - datetime.timedelta(days=400), "ai-ml-engineer"),
        (SUSPENDED_HOLDER, now - datetime.timedelta(days=500), "ai-data-scientist"),
    ):
        holder = users[email]
        if Credential.objects.filter(holder=holder, dossier__isnull=True).exists():
            continue
        profile = Profile.objects.get(code=code)
        create_credential(
            holder=holder,
            profile=profile,
            scheme_version=profile.scheme_version,
            valid_from=started,
            decided_at=started,
            actor=users["admin@demo.aipia.it"],
        )


def _after_issuance() -> None:
    """What needs the earlier credentials issued (in the embedded default, issuance ran at the commit)."""
    admin = User.objects.get(email="admin@demo.aipia.it")
    renewing = Credential.objects.filter(
        holder__email=RENEWAL_HOLDER, dossier__isnull=True, status=Credential.Status.ACTIVE
    ).first()
    if renewing is not None and not renewing.cpd_activities.exists():
        start = timezone.localdate(renewing.valid_from)
        for year, (category, hours, description) in enumerate(
            (
                ("training", "24", "Course: MLOps on Kubernetes (24 h, certificate of attendance)."),
                ("professional_practice", "30", "Led the retraining pipeline of a fraud-detection model."),
                ("teaching", "12", "Taught a master's module on evaluation of ML systems."),
            )
        ):
            cpd.log_activity(
                holder=renewing.holder,
                credential=renewing,
                date=start + datetime.timedelta(days=365 * year + 120),
                category=category,
                hours=hours,
                description=description,
            )
    revoking = Credential.objects.filter(
        holder__email=REVOKED_HOLDER, dossier__isnull=True, status=Credential.Status.ACTIVE
    ).first()
    if revoking is not None:
        status.revoke(
            credential=revoking, actor=admin, category=categories.REQUIREMENTS_NOT_MET, reason=REVOCATION_REASON
        )
    suspending = Credential.objects.filter(
        holder__email=SUSPENDED_HOLDER, dossier__isnull=True, status=Credential.Status.ACTIVE, suspended_at=None
    ).first()
    if suspending is not None:
        last_day = lifecycle.local_date(timezone.now()) + datetime.timedelta(days=SUSPENSION_DAYS)
        status.suspend(
            credential=suspending,
            actor=admin,
            category=categories.UNDER_INVESTIGATION,
            reason=SUSPENSION_REASON,
            until=lifecycle.end_of_day(last_day),
        )


def describe() -> dict[str, Any]:
    demo_emails = [u[0] for u in USERS]
    dossiers = (
        Dossier.objects.filter(owner__email__in=demo_emails)
        .select_related("owner")
        .order_by("owner__email", "created_at")
    )
    return {
        "users": [
            *({"email": u[0], "password": DEMO_PASSWORD, "role": u[3].value} for u in USERS),
            {"email": DESK_HANDLER, "password": DEMO_PASSWORD, "role": "staff"},
        ],
        "dossiers": [{"id": str(d.pk), "owner": d.owner.email, "status": d.status} for d in dossiers],
        "credentials": [
            {"id": str(c.pk), "verify_url": verify_url_for(c.token), "holder": c.holder.email, "status": c.status}
            for c in Credential.objects.filter(holder__email__in=demo_emails, issuance=Credential.Issuance.DONE)
            .select_related("holder")
            .order_by("issued_at")
        ],
        "site_url": settings.SITE_URL,
    }
