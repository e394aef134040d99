"""How a credential appears in webhook payloads: as the staff API represents it (without the administrators' free
text, which is never public), with links to it. Registered with the outbox at start-up (CredentialsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from credentials.api.staff import CredentialStatusSerializer
from credentials.models import Credential
from credentials.services.issuance import verify_url_for
from outbox import services as outbox


class WebhookCredentialSerializer(CredentialStatusSerializer):
    profile = serializers.CharField(source="profile.code")

    class Meta(CredentialStatusSerializer.Meta):
        fields = [
            "id",
            "serial",
            "kind",
            "profile",
            "holder_name",
            "status",
            "valid_from",
            "valid_until",
            "suspended_at",
            "suspended_until",
            "suspension_category",
            "revoked_at",
            "revocation_category",
            "status_version",
            "predecessor",
        ]
        read_only_fields = fields


_COLUMNS = [name for name in WebhookCredentialSerializer.Meta.fields if name != "profile"]
# One serializer, its fields built once: DRF builds a model serializer's fields for each new instance, which cost
# more than the representation itself. ``to_representation`` only reads them, so one instance serves every call.
_SERIALIZER = WebhookCredentialSerializer()


def credential_representation(pk: Any, instance: Credential | None = None) -> dict[str, Any]:
    credential = instance
    if credential is None:
        # Only the columns shown: a credential's row and its profile's carry large documents this needs not read.
        credential = Credential.objects.select_related("profile").only(*_COLUMNS, "token", "profile__code").get(pk=pk)
    data = dict(_SERIALIZER.to_representation(credential))
    site = settings.SITE_URL.rstrip("/")
    data["links"] = {
        "verification": f"{site}/api/v1/credentials/{credential.pk}/verification",
        "verify_page": verify_url_for(credential.token) if credential.token else None,
    }
    return data


outbox.register_representation("credential", credential_representation)
