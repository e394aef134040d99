"""The holder's pages: their credentials and downloads, the public register listing, CPD and renewal, the
third-party route and the attestation request. Thin: the services under credentials/services/ decide."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from aipia.downloads import private_file_response
from aipia.errors import DomainError
from credentials.files import credential_download_response, linkedin_url
from credentials.forms import CpdActivityForm, DeclarationForm, ExternalCertificationForm
from credentials.models import CPDActivity, Credential, ExternalCertification, RenewalApplication
from credentials.selectors import (
    get_own_credential,
    own_credentials,
)
from credentials.services import attestation, cpd, external, renewal
from credentials.services.issuance import verify_url_for
from credentials.services.public_page import public_page_url, set_public_page
from credentials.services.register import (
    set_register_listing,
)
from credentials.views.wallet import wallet_context


@login_required
@require_safe
def credential_list(request: HttpRequest) -> HttpResponse:
    credentials = [
        {"credential": credential, "outlook": renewal.outlook(credential)}
        for credential in own_credentials(holder=request.user)
    ]
    return render(request, "credentials/list.html", {"credentials": credentials})


@login_required
@require_safe
def credential_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    ready = credential.issuance == Credential.Issuance.DONE
    context = {"credential": credential, "ready": ready}
    if ready:
        context.update(
            verify_url=verify_url_for(credential.token),
            linkedin_url=linkedin_url(credential),
            public_page_url=public_page_url(credential),
        )
        context.update(wallet_context(request, credential))
    context.update(detail_context(credential))
    return render(request, "credentials/detail.html", context)


@login_required
@require_safe
@xframe_options_sameorigin
def credential_download(request: HttpRequest, pk: uuid.UUID, kind: str) -> FileResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    return credential_download_response(credential, kind, inline=request.GET.get("inline") == "1" and kind == "pdf")


def _label(title: dict) -> str:
    """A category's title in the active language (English when it has none)."""
    language = (get_language() or "en")[:2]
    return str(title.get(language) or title.get("en") or "")


def progress_context(progress: dict[str, Any]) -> dict[str, Any]:
    """``CpdProgress.as_dict()`` with the category titles in the active language, for the progress partial."""
    return {
        **progress,
        "categories": [{**c, "label": _label(c.get("title") or {})} for c in progress.get("categories", [])],
    }


def detail_context(credential: Credential) -> dict[str, Any]:
    """What the holder's credential page shows of renewal: the chain, the expiry banner, and the renewal section
    in the window."""
    successor = Credential.objects.filter(predecessor=credential).first()
    application = renewal.latest_application(credential)
    return {
        "predecessor": credential.predecessor,
        "successor": successor,
        "renewal_application": application,
        "renewal_open": successor is None and renewal.in_window(credential),
        "outlook": renewal.outlook(credential),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cpd_log(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    categories = cpd.categories_of(credential)
    form = CpdActivityForm(categories=categories)
    problem, status = None, 200
    if request.method == "POST":
        form = CpdActivityForm(request.POST, request.FILES, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("evidence")
            try:
                cpd.log_activity(
                    holder=request.user,
                    credential=credential,
                    date=data["date"],
                    category=data["category"],
                    hours=data["hours"],
                    description=data["description"],
                    evidence=upload.file if upload else None,
                    evidence_name=upload.name if upload else "",
                )
            except DomainError as exc:
                problem, status = exc.message, exc.status_code
            else:
                messages.success(request, _("The activity is logged."))
                return redirect("credentials:cpd", pk=credential.pk)
        else:
            status = 400
    return render(request, "credentials/cpd.html", _cpd_context(credential, form, problem), status=status)


def _cpd_context(credential: Credential, form: CpdActivityForm, problem: str | None) -> dict[str, Any]:
    titles = {c["code"]: c.get("title") or {} for c in cpd.categories_of(credential)}
    start, end = cpd.cycle_of(credential)
    return {
        "credential": credential,
        "form": form,
        "problem": problem,
        "progress": progress_context(cpd.progress_for(credential).as_dict()),
        "activities": [(a, _label(titles.get(a.category, {})) or a.category) for a in credential.cpd_activities.all()],
        "cycle_start": start,
        "cycle_end": end,
        "renewed": Credential.objects.filter(predecessor=credential).exists(),
    }


@login_required
@require_POST
def cpd_delete(request: HttpRequest, pk: uuid.UUID, activity_id: int) -> HttpResponse:
    credential = get_own_credential(holder=request.user, credential_id=pk)
    activity = get_object_or_404(CPDActivity, pk=activity_id, credential=credential, holder=request.user)
    try:
        cpd.delete_activity(holder=request.user, activity=activity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The activity is deleted."))
    return redirect("credentials:cpd", pk=credential.pk)


@login_required
@require_safe
def cpd_evidence(request: HttpRequest, pk: uuid.UUID, activity_id: int) -> FileResponse:
    """An activity's evidence file, for its holder and for reviewers; 404 for anybody else."""
    activity = CPDActivity.objects.filter(pk=activity_id, credential_id=pk).first()
    if activity is None or not activity.evidence:
        raise Http404("No such evidence.")
    if activity.holder_id != request.user.pk and not roles.is_association_staff(request.user):  # type: ignore[arg-type]
        raise Http404("No such evidence.")
    return private_file_response(activity.evidence, name=f"cpd-evidence-{activity.pk}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def renewal_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The CPD summary, the application's status and messages, and the declaration form when one is due."""
    credential = get_own_credential(holder=request.user, credential_id=pk)
    application = renewal.latest_application(credential)
    progress = cpd.progress_for(credential)
    form = DeclarationForm(
        initial={"declaration": application.declaration} if application else None, cpd_short=not progress.met
    )
    problem, status = None, 200
    if request.method == "POST":
        form = DeclarationForm(request.POST, cpd_short=not progress.met)
        if form.is_valid():
            declaration = form.cleaned_data["declaration"]
            acknowledged = form.acknowledged()
            try:
                if application is not None and application.status == RenewalApplication.Status.MORE_INFO:
                    renewal.resubmit(
                        application=application,
                        holder=request.user,
                        declaration=declaration,
                        acknowledge_cpd_shortfall=acknowledged,
                    )
                else:
                    renewal.apply_for_renewal(
                        credential=credential,
                        holder=request.user,
                        declaration=declaration,
                        acknowledge_cpd_shortfall=acknowledged,
                    )
            except DomainError as exc:
                problem, status = exc.message, exc.status_code
            else:
                messages.success(request, _("Your application is submitted; you will hear from us by e-mail."))
                return redirect("credentials:renewal", pk=credential.pk)
        else:
            status = 400
    refusal = renewal.renewal_refusal(credential)
    open_application = application if application and application.status in renewal.OPEN_STATUSES else None
    can_apply = refusal is None and open_application is None and not _reassessment(application)
    can_resubmit = application is not None and application.status == RenewalApplication.Status.MORE_INFO
    return render(
        request,
        "credentials/renewal.html",
        {
            "credential": credential,
            "application": application,
            "progress": progress_context(progress.as_dict()),
            "shortfall": cpd.shortfall(progress),
            "activity_count": credential.cpd_activities.count(),
            "refusal": refusal,
            "form": form if (can_apply or can_resubmit) else None,
            "resubmit": can_resubmit,
            "problem": problem,
            "successor": Credential.objects.filter(predecessor=credential).first(),
            "window": renewal.window(credential),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def external_list(request: HttpRequest) -> HttpResponse:
    """The member's external certifications, and the form to record one."""
    form = ExternalCertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            external.record_external_certification(
                holder=request.user,
                profile=data["profile"],
                body=data["body"],
                accreditation=data["accreditation"],
                scheme=data["scheme"],
                number=data["number"],
                issued_on=data["issued_on"],
                valid_until=data["valid_until"],
                scan=data["scan"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your certification has been recorded; the association will check it."))
            return redirect("credentials:external-list")
    certifications = ExternalCertification.objects.filter(holder=request.user).select_related("profile")
    return render(request, "credentials/external_list.html", {"form": form, "certifications": certifications})


@login_required
@require_safe
def external_scan(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    """The scan, for its holder and for staff; 404 for anyone else."""
    certification = get_object_or_404(ExternalCertification, pk=pk)
    if certification.holder_id != request.user.pk and not roles.is_association_staff(request.user):
        raise Http404("No such certification.")
    if not certification.scan:
        raise Http404("The scan has been erased.")
    return private_file_response(certification.scan, name=f"certificate-scan-{certification.pk.hex[:12]}")


@login_required
@require_POST
def request_attestation(request: HttpRequest) -> HttpResponse:
    """The member asks for their Law 4/2013 attestation from their account page."""
    try:
        credential: Credential = attestation.issue_attestation(member=request.user, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:profile")
    messages.success(request, _("Your attestation is being issued; you will receive it by e-mail."))
    return redirect("credentials:detail", pk=credential.pk)


@login_required
@require_POST
def credential_register_listing(request: HttpRequest, pk: uuid.UUID) -> HttpResponseRedirect:
    credential = get_own_credential(holder=request.user, credential_id=pk)  # another holder's: 404
    listed = request.POST.get("listed_in_register") == "on"
    set_register_listing(credential=credential, holder=request.user, listed=listed)
    if listed:
        messages.success(request, _("Your credential is listed in the public register."))
    else:
        messages.success(request, _("Your credential is no longer listed in the public register."))
    return redirect("credentials:detail", pk=credential.pk)


@login_required
@require_POST
def credential_public_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponseRedirect:
    credential = get_own_credential(holder=request.user, credential_id=pk)  # another holder's: 404
    shared = request.POST.get("public_page") == "on"
    try:
        credential = set_public_page(credential=credential, holder=request.user, shared=shared)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if shared:
            messages.success(
                request,
                _("Your credential's public page is on: anyone with its address can see it, at %(url)s.")
                % {"url": public_page_url(credential)},
            )
        else:
            messages.success(request, _("Your credential's public page is off: its address no longer shows anything."))
    return HttpResponseRedirect(reverse("credentials:detail", kwargs={"pk": credential.pk}) + "#public-page")


def _reassessment(application: RenewalApplication | None) -> bool:
    return application is not None and application.status == RenewalApplication.Status.REASSESSMENT
