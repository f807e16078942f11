"""The departments of joint review and the two roles resources adds: a finance officer who keeps
the fund ledger, and a department reviewer who gives opinions (read-only elsewhere: neither may
edit the registry or the plans). Data, edited by the city afterwards."""

from django.db import migrations

DEPARTMENTS = [
    # code, name, name_en, working days, may issue a letter in lieu, permit it replaces
    ("organization", "组织部门", "Organization department", 5, False, ""),
    ("civil_affairs", "民政部门", "Civil affairs", 5, False, ""),
    ("finance", "财政部门", "Finance", 5, False, ""),
    ("planning", "规划和自然资源部门", "Planning and natural resources", 10, True,
     "建设工程规划许可证"),
    ("housing", "住房和城乡建设部门", "Housing and urban-rural construction", 10, True,
     "建筑工程施工许可证"),
]

ROLES = [
    ("finance_officer", "财务人员", "Finance officer", "资金专账记账，本级及以下"),
    ("department_reviewer", "联审部门人员", "Joint-review department officer",
     "联合审批出具部门意见"),
]


def forwards(apps, schema_editor):
    Department = apps.get_model("resources", "Department")
    for sort, (code, name, name_en, days, letter, permit) in enumerate(DEPARTMENTS, start=1):
        Department.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "time_limit_days": days,
            "may_issue_letter": letter, "permit_name": permit, "sort": sort * 10})
    Role = apps.get_model("accounts", "Role")
    for code, name, name_en, desc in ROLES:
        Role.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "can_write": False, "can_admin_users": False,
            "default_scope": "subtree", "description": desc})


def backwards(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=[r[0] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial"), ("accounts", "0002_roles")]
    operations = [migrations.RunPython(forwards, backwards)]
