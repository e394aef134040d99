from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from profiles.badges import badge_url
from profiles.models import AssessmentCriterion, Profile, ProfileCompetence
from profiles.selectors import published_profiles


@extend_schema_field(
    {
        "type": "object",
        "properties": {"en": {"type": "string"}, "it": {"type": "string"}},
        "required": ["en", "it"],
    }
)
class Bilingual(serializers.Field):
    """``{"en": …, "it": …}`` from the ``<name>_en`` / ``<name>_it`` columns."""

    def __init__(self, name: str, **kwargs):
        self.name = name
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return {"en": getattr(obj, f"{self.name}_en"), "it": getattr(obj, f"{self.name}_it")}


class CompetenceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="competence.code")
    area = serializers.CharField(source="competence.area")
    title = serializers.SerializerMethodField()

    class Meta:
        model = ProfileCompetence
        fields = ["code", "area", "title", "level"]

    def get_title(self, instance) -> dict[str, str]:
        return {"en": instance.competence.title_en, "it": instance.competence.title_it}


class CriterionSerializer(serializers.ModelSerializer):
    title = Bilingual("title")
    description = Bilingual("description")

    class Meta:
        model = AssessmentCriterion
        fields = ["code", "title", "description", "weight", "max_score", "min_score", "rubric"]


@extend_schema_field(
    {
        "type": "object",
        "description": "The profile's badge image, SVG and PNG (400 by 400 pixels), absolute addresses",
        "properties": {"svg": {"type": "string", "format": "uri"}, "png": {"type": "string", "format": "uri"}},
        "required": ["svg", "png"],
    }
)
class BadgeField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["source"] = "code"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, code):
        return {"svg": badge_url(code, "svg"), "png": badge_url(code, "png")}


class ProfileSummarySerializer(serializers.ModelSerializer):
    title = Bilingual("title")
    summary = Bilingual("summary")
    badge = BadgeField()

    class Meta:
        model = Profile
        fields = ["code", "title", "summary", "standard_edition", "scheme_version", "eqf_level", "badge"]


class ProfileDetailSerializer(ProfileSummarySerializer):
    mission = Bilingual("mission")
    competences = CompetenceSerializer(source="profile_competences", many=True)
    criteria = CriterionSerializer(many=True)

    class Meta(ProfileSummarySerializer.Meta):
        fields = [
            *ProfileSummarySerializer.Meta.fields,
            "mission",
            "main_tasks",
            "deliverables",
            "knowledge",
            "technical_skills",
            "cross_functional_skills",
            "competences",
            "criteria",
            "pass_rules",
            "cpd_rules",
            "interview_required",
        ]


class ProfileListApi(APIView):
    """The published UNI 11621-8 profiles (public)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: ProfileSummarySerializer(many=True)}, operation_id="profiles_list")
    def get(self, request):
        return Response(ProfileSummarySerializer(published_profiles(), many=True).data)


class ProfileDetailApi(APIView):
    """One profile with its e-CF competences, assessment criteria and rubrics, pass and CPD rules (public)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: ProfileDetailSerializer}, operation_id="profiles_retrieve")
    def get(self, request, code: str):
        return Response(ProfileDetailSerializer(get_object_or_404(published_profiles(), code=code)).data)
