from django.db import migrations, models
from django.db.models import Count


def count_existing_entries(apps, schema_editor):
    StatusList = apps.get_model("credentials", "StatusList")
    for status_list in StatusList.objects.annotate(entry_count=Count("entries")):
        StatusList.objects.filter(pk=status_list.pk).update(allocated=status_list.entry_count)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0003_lifecycle_renewal_cpd_bulk_external"),
    ]

    operations = [
        migrations.AddField(
            model_name="statuslist",
            name="allocated",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_existing_entries, migrations.RunPython.noop),
    ]
