from django.db import migrations


def load(apps, schema_editor):
    from disclosures.catalogue import catalogue_sync

    catalogue_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
