"""The demo's consumer-desk handler, transparency page, impartiality risks and competence records, so that the desk,
the quality pages and the period report can be tried at once. Idempotent, like the rest of the demo."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from quality import services as quality
from quality.models import CompetenceRecord, ImpartialityRisk, PublishedSection

DESK_HANDLER = "chiara.desk@demo.aipia.it"

SECTIONS = {
    "statute": (
        "Statute",
        "Statuto",
        "The association's statute, as approved by the members' assembly, sets its purpose: to promote the "
        "professional quality of those who work with artificial intelligence, to certify them against the UNI "
        "11621-8 profiles and to protect the users of their services.",
        "Lo statuto dell'associazione, approvato dall'assemblea dei soci, ne stabilisce lo scopo: promuovere la "
        "qualità professionale di chi lavora con l'intelligenza artificiale, certificarne le competenze secondo i "
        "profili UNI 11621-8 e tutelare gli utenti dei loro servizi.",
    ),
    "bodies": (
        "Governing bodies and structure",
        "Organi e struttura",
        "The members' assembly elects the board and the president. The certification committees assess "
        "applications; an appeals panel, whose members took no part in a decision, hears appeals. The "
        "secretariat runs the consumer desk.",
        "L'assemblea dei soci elegge il consiglio direttivo e il presidente. I comitati di certificazione "
        "valutano le domande; un collegio d'appello, i cui componenti non hanno preso parte alla decisione, esamina "
        "i ricorsi. La segreteria gestisce lo sportello del consumatore.",
    ),
    "membership": (
        "Membership requirements",
        "Requisiti per l'iscrizione",
        "Membership is open to professionals who work with artificial intelligence, accept the code of conduct "
        "and pay the yearly fee. Only members in good standing can apply for certification.",
        "Possono iscriversi i professionisti che lavorano con l'intelligenza artificiale, accettano il codice "
        "deontologico e versano la quota annuale. Solo i soci in regola possono chiedere la certificazione.",
    ),
    "standards": (
        "Quality standards per profile",
        "Standard qualitativi per profilo",
        "Each profile states the e-CF competences and levels a certified person must show, the assessment "
        "criteria and the continuing professional development required to renew every three years; see the "
        "profiles' pages.",
        "Ogni profilo indica le competenze e-CF e i livelli che una persona certificata deve dimostrare, i criteri "
        "di valutazione e l'aggiornamento professionale richiesto per il rinnovo triennale; si vedano le pagine dei "
        "profili.",
    ),
    "guarantees": (
        "Guarantees to the users of members' services",
        "Garanzie per gli utenti dei servizi dei soci",
        "Certified members follow the code of conduct and keep their competence up to date. Anyone can check a "
        "certification in the public register, and turn to the consumer desk about a member's work; an upheld "
        "complaint can lead to the suspension or withdrawal of the certification.",
        "I soci certificati rispettano il codice deontologico e mantengono aggiornate le proprie competenze. "
        "Chiunque può controllare una certificazione nel registro pubblico e rivolgersi allo sportello del "
        "consumatore sull'operato di un socio; un reclamo accolto può portare alla sospensione o alla revoca della "
        "certificazione.",
    ),
    "desk": (
        "Consumer desk",
        "Sportello del consumatore",
        "The desk answers questions about members' activity and the standards we require, and handles complaints "
        "impartially, with a reasoned decision. Write to it from the link at the foot of every page.",
        "Lo sportello risponde alle domande sull'attività dei soci e sugli standard richiesti, e gestisce i reclami "
        "in modo imparziale, con una decisione motivata. Si scrive dal link in fondo a ogni pagina.",
    ),
    "fees": (
        "Fees",
        "Quote",
        "Yearly membership: 60 euro. Certification, including assessment and interview: 250 euro. Renewal every "
        "three years: 90 euro. The consumer desk is free of charge.",
        "Iscrizione annuale: 60 euro. Certificazione, valutazione e colloquio compresi: 250 euro. Rinnovo "
        "triennale: 90 euro. Lo sportello del consumatore è gratuito.",
    ),
}

RISKS = [
    (
        "An assessor has trained, employed or worked with the candidate.",
        ImpartialityRisk.Source.FAMILIARITY,
        ImpartialityRisk.Likelihood.MEDIUM,
        "Every assessor declares conflicts of interest before seeing a dossier; a declared conflict ends the "
        "assignment.",
    ),
    (
        "The association both trains and certifies the same people.",
        ImpartialityRisk.Source.TRAINING,
        ImpartialityRisk.Likelihood.LOW,
        "The association runs no preparatory courses; trainers of members sit on no committee.",
    ),
]


def seed_records(*, admin: User, assessors: list[User]) -> None:
    """Create the desk's handler and publish what is missing; never touch what someone changed since."""
    handler = User.objects.filter(email=DESK_HANDLER).first()
    if handler is None:
        from demo.services import DEMO_PASSWORD

        handler = User.objects.create_user(
            email=DESK_HANDLER, password=DEMO_PASSWORD, first_name="Chiara", last_name="Marchetti", is_staff=True
        )
    EmailAddress.objects.get_or_create(user=handler, email=DESK_HANDLER, defaults={"verified": True, "primary": True})
    existing = set(PublishedSection.objects.values_list("key", flat=True))
    for key, (title_en, title_it, body_en, body_it) in SECTIONS.items():
        if key not in existing:
            quality.publish_section(
                actor=admin, key=key, title_en=title_en, title_it=title_it, body_en=body_en, body_it=body_it
            )
    if not ImpartialityRisk.objects.exists():
        review_by = timezone.localdate() + datetime.timedelta(days=180)
        for threat, source, likelihood, mitigation in RISKS:
            quality.record_risk(
                actor=admin,
                threat=threat,
                source=source,
                likelihood=likelihood,
                mitigation=mitigation,
                review_by=review_by,
            )
    for assessor in assessors:
        if not CompetenceRecord.objects.filter(person=assessor).exists():
            quality.record_competence(
                actor=admin,
                person=assessor,
                kind=CompetenceRecord.Kind.CALIBRATION,
                title="Assessor calibration on the UNI 11621-8 rubrics",
                issuer="AIPIA",
                obtained_on=timezone.localdate() - datetime.timedelta(days=90),
                hours=6,
            )
