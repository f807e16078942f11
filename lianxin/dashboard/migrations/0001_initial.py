from django.db import migrations, models


def add_legends(apps, schema_editor):
    Legend = apps.get_model("dashboard", "Legend")
    Legend.objects.update_or_create(code="traffic", defaults={
        "name": "红黄绿（默认）", "is_default": True, "bands": [
            {"min": 0, "max": 60, "color": "#d63939", "label": "< 60%"},
            {"min": 60, "max": 90, "color": "#f59f00", "label": "60–90%"},
            {"min": 90, "max": 100, "color": "#74b816", "label": "90–100%"},
            {"min": 100, "max": 100.001, "color": "#2f9e44", "label": "100%"},
        ]})
    Legend.objects.update_or_create(code="blues", defaults={
        "name": "蓝色渐变", "is_default": False, "bands": [
            {"min": 0, "max": 25, "color": "#dbe4ff", "label": "< 25%"},
            {"min": 25, "max": 50, "color": "#91a7ff", "label": "25–50%"},
            {"min": 50, "max": 75, "color": "#5c7cfa", "label": "50–75%"},
            {"min": 75, "max": 100.001, "color": "#364fc7", "label": "≥ 75%"},
        ]})


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Legend",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="代码")),
                ("name", models.CharField(max_length=60, verbose_name="名称")),
                ("bands", models.JSONField(verbose_name="色带")),
                ("is_default", models.BooleanField(default=False, verbose_name="默认")),
            ],
            options={"verbose_name": "图例", "verbose_name_plural": "图例", "ordering": ["-is_default", "code"]},
        ),
        migrations.RunPython(add_legends, migrations.RunPython.noop),
    ]
