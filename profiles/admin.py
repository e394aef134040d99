from django.contrib import admin

from .models import AssessmentCriterion, EcfCompetence, Profile, ProfileCompetence


class ProfileCompetenceInline(admin.TabularInline):
    model = ProfileCompetence
    extra = 0
    autocomplete_fields = ["competence"]


class AssessmentCriterionInline(admin.StackedInline):
    model = AssessmentCriterion
    extra = 0


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "scheme_version", "standard_edition", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["code", "title_en", "title_it"]
    inlines = [ProfileCompetenceInline, AssessmentCriterionInline]


@admin.register(EcfCompetence)
class EcfCompetenceAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en", "title_it", "area", "min_level", "max_level"]
    list_filter = ["area"]
    search_fields = ["code", "title_en", "title_it"]
