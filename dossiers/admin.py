from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.history import describe

from .models import Dossier, DossierEvent, DossierSubmission, EvidenceFile


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ["created_at", "description", "action", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields

    @admin.display(description=_("event"))
    def description(self, event) -> str:
        return describe(event.action)


class SubmissionInline(ReadOnlyInline):
    model = DossierSubmission
    fields = ["number", "submitted_at", "manifest_sha256"]
    readonly_fields = fields


class FileInline(ReadOnlyInline):
    model = EvidenceFile
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_at", "removed_at"]
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: dossiers change only through their services, so every change is audited."""

    list_display = ["id", "owner", "profile", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "profile"]
    search_fields = ["owner__email", "owner__last_name", "id"]
    inlines = [SubmissionInline, FileInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
