from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.history import describe
from aipia.errors import DomainError
from credentials.models import Credential, CredentialEvent, SealCertificate, StatusList
from credentials.services import issuance


class EventInline(admin.TabularInline):
    model = CredentialEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "description", "action", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event"))
    def description(self, event) -> str:
        return describe(event.action)


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Issuance problems show here with their error; "Retry issuance" hands them back to a worker."""

    list_display = [
        "serial",
        "holder_name",
        "profile",
        "status",
        "issuance",
        "issuance_step",
        "issuance_attempts",
        "issued_at",
    ]
    list_filter = ["status", "issuance", "profile"]
    search_fields = ["serial", "holder_name", "holder__email", "id"]
    readonly_fields = [f.name for f in Credential._meta.fields]
    inlines = [EventInline]
    actions = ["retry_issuance"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry issuance")
    def retry_issuance(self, request, queryset):
        for credential in queryset:
            try:
                issuance.retry_issuance(credential=credential, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{credential.serial}: {exc.message}", messages.WARNING)
            else:
                self.message_user(request, f"{credential.serial}: issuance restarted.", messages.SUCCESS)


@admin.register(SealCertificate)
class SealCertificateAdmin(admin.ModelAdmin):
    list_display = ["subject", "kid", "organization_identifier", "not_after", "is_test", "is_active"]
    readonly_fields = [f.name for f in SealCertificate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["purpose", "number", "size", "created_at"]
