from django.db import migrations, models

NAMES = {"traffic": "Red, amber, green (default)", "blues": "Shades of blue"}


def name_legends(apps, schema_editor):
    Legend = apps.get_model("dashboard", "Legend")
    for code, name in NAMES.items():
        Legend.objects.filter(code=code).update(name_en=name)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="legend",
            name="name_en",
            field=models.CharField(blank=True, max_length=60, verbose_name="英文名称"),
        ),
        migrations.RunPython(name_legends, migrations.RunPython.noop),
    ]
