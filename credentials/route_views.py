"""Pages of the third-party route (holder and staff) and of the Law 4/2013 attestation. Thin: credentials/routes.py
decides every rule."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import Membership
from aipia.downloads import private_file_response
from aipia.errors import DomainError

from . import routes
from .models import Credential, ExternalCertification
from .route_forms import CheckForm, ExternalCertificationForm, IssueAttestationForm


@login_required
@require_http_methods(["GET", "POST"])
def external_list(request: HttpRequest) -> HttpResponse:
    """The member's external certifications, and the form to record one."""
    form = ExternalCertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            routes.record_external_certification(
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
    if certification.holder_id != request.user.pk and not routes.is_reviewer(request.user):
        raise Http404("No such certification.")
    if not certification.scan:
        raise Http404("The scan has been erased.")
    return private_file_response(certification.scan, name=f"certificate-scan-{certification.pk.hex[:12]}")


@login_required
@require_http_methods(["GET", "POST"])
def external_review(request: HttpRequest) -> HttpResponse:
    """Staff: the certifications waiting to be checked, verify or reject each; issue an attestation."""
    if not routes.is_reviewer(request.user):
        raise Http404("Not found.")
    attestation_form = IssueAttestationForm(prefix="attestation")
    if request.method == "POST":
        if "attestation-member_number" in request.POST:
            attestation_form = IssueAttestationForm(request.POST, prefix="attestation")
            if attestation_form.is_valid():
                membership = Membership.objects.filter(
                    member_number=attestation_form.cleaned_data["member_number"].strip()
                ).first()
                if membership is None:
                    attestation_form.add_error("member_number", _("No member has this number."))
                else:
                    try:
                        credential = routes.issue_attestation(member=membership.user, actor=request.user)
                    except DomainError as error:
                        attestation_form.add_error(None, error.message)
                    else:
                        messages.success(
                            request, _("Attestation %(serial)s is being issued.") % {"serial": credential.serial}
                        )
                        return redirect("credentials:external-review")
        else:
            certification = get_object_or_404(ExternalCertification, pk=request.POST.get("certification"))
            form = CheckForm(request.POST)
            if form.is_valid():
                try:
                    if request.POST.get("action") == "verify":
                        routes.verify_external_certification(
                            certification=certification, actor=request.user, note=form.cleaned_data["note"]
                        )
                        messages.success(request, _("Verified: the association's credential is being issued."))
                    else:
                        routes.reject_external_certification(
                            certification=certification, actor=request.user, note=form.cleaned_data["note"]
                        )
                        messages.success(request, _("Rejected; the member has been told why."))
                except DomainError as error:
                    messages.error(request, error.message)
                return redirect("credentials:external-review")
    pending = ExternalCertification.objects.filter(status=ExternalCertification.Status.SUBMITTED).select_related(
        "holder", "profile"
    )
    checked = (
        ExternalCertification.objects.exclude(status=ExternalCertification.Status.SUBMITTED)
        .select_related("holder", "profile", "checked_by")
        .order_by("-checked_at")[:50]
    )
    return render(
        request,
        "credentials/external_review.html",
        {"pending": pending, "checked": checked, "form": CheckForm(), "attestation_form": attestation_form},
    )


@login_required
@require_POST
def request_attestation(request: HttpRequest) -> HttpResponse:
    """The member asks for their Law 4/2013 attestation from their account page."""
    try:
        credential: Credential = routes.issue_attestation(member=request.user, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:profile")
    messages.success(request, _("Your attestation is being issued; you will receive it by e-mail."))
    return redirect("credentials:detail", pk=credential.pk)
