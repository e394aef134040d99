"""How a dossier appears in webhook payloads (``dossier.status_changed``, opt-in per endpoint): as the API's
summary represents it, with a link. Registered with the outbox at start-up (DossiersConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dossiers.api.serializers import DossierSummarySerializer
from dossiers.models import Dossier
from outbox import services as outbox


def dossier_representation(pk: Any, instance: Dossier | None = None) -> dict[str, Any]:
    dossier = instance if instance is not None else Dossier.objects.select_related("profile").get(pk=pk)
    data = dict(DossierSummarySerializer(dossier).data)
    data["links"] = {"api": f"{settings.SITE_URL.rstrip('/')}/api/v1/dossiers/{dossier.pk}/"}
    return data


outbox.register_representation("dossier", dossier_representation)
