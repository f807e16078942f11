from django.db import migrations

ROLES = [
    # code, name, name_en, can_write, can_admin_users, default_scope, description
    ("city_admin", "市级管理员", "City administrator", True, True, "subtree", "市委组织部，全市"),
    ("district_admin", "区级管理员", "District administrator", True, True, "subtree", "区委组织部，本区"),
    ("street_staff", "街镇工作人员", "Street/town staff", True, False, "subtree", "街道、乡镇，本街镇"),
    ("center_staff", "中心工作人员", "Center staff", True, False, "unit", "村、社区党群服务中心"),
    ("inspector", "领导/督查（只读）", "Leader / inspector (read-only)", False, False, "subtree",
     "包保领导、督查人员"),
]


def add_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name, name_en, write, admin, scope, desc in ROLES:
        Role.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "can_write": write, "can_admin_users": admin,
            "default_scope": scope, "description": desc})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
