from django.contrib import admin

from .models import Appeal, Assignment, Committee, CommitteeMember, Decision, ImpartialityDeclaration


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    filter_horizontal = ["profiles"]
    inlines = [CommitteeMemberInline]


@admin.register(ImpartialityDeclaration)
class ImpartialityDeclarationAdmin(admin.ModelAdmin):
    list_display = ["user", "text_version", "signed_at", "valid_until"]
    search_fields = ["user__email"]

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """The committee's records change only through services, so that every change is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "member", "role", "status", "has_conflict", "assigned_at"]
    list_filter = ["role", "status"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "kind", "outcome", "decided_by", "decided_at"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "status", "lodged_at"]
