"""The center head (中心负责人): a center's staff member who also answers for it. A resident's
very unhappy rating reopens the case for the head (as Signalen sends a reopened case to the
department's head); a center without a head sends it to all its staff. Data, edited afterwards."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.update_or_create(
        code="center_head",
        defaults={
            "name": "中心负责人",
            "name_en": "Center head",
            "can_write": True,
            "can_admin_users": False,
            "default_scope": "unit",
            "description": "村、社区党群服务中心负责人；居民不满意重新办理的办件由其处理",
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code="center_head").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0003_window_verification_and_file_names"),
        ("accounts", "0002_roles"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
