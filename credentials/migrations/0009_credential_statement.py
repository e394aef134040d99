"""Freeze each credential's route statement on its row: documents are built from the row, never an audit event."""

from django.db import migrations, models


def fill_statements(apps, schema_editor):
    Credential = apps.get_model("credentials", "Credential")
    CredentialEvent = apps.get_model("credentials", "CredentialEvent")
    ExternalCertification = apps.get_model("credentials", "ExternalCertification")
    for credential in Credential.objects.filter(kind="attestation", statement__isnull=True).iterator():
        event = (
            CredentialEvent.objects.filter(credential=credential, action="attestation.statement").order_by("pk").first()
        )
        if event is not None:
            credential.statement = {"attestation": event.data}
            credential.save(update_fields=["statement"])
    third_party = Credential.objects.filter(
        basis="third_party", external_certification__isnull=False, statement__isnull=True
    )
    for credential in third_party.iterator():
        external = ExternalCertification.objects.get(pk=credential.external_certification_id)
        credential.statement = {
            "basis": {
                "body": external.body,
                "accreditation": external.accreditation,
                "scheme": external.scheme,
                "number": external.number,
                "issued_on": external.issued_on.isoformat(),
                "valid_until": external.valid_until.isoformat(),
            }
        }
        credential.save(update_fields=["statement"])


class Migration(migrations.Migration):
    dependencies = [("credentials", "0008_credential_file_paths")]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="statement",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        # Reversed, the column goes with the field: the audit events and external certifications are untouched.
        migrations.RunPython(fill_statements, migrations.RunPython.noop),
    ]
