from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts.privacy import export_personal_data


class PersonalDataExportApi(APIView):
    """All the caller's personal data: a ZIP with ``data.json`` and their files."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="data.json and files")},
        operation_id="me_export",
    )
    def get(self, request):
        response = HttpResponse(export_personal_data(user=request.user), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="aipia-personal-data.zip"'
        response["Cache-Control"] = "private, no-store"
        return response
