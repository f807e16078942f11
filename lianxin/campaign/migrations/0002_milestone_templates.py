"""The default milestone templates (倒排工期): what each works type goes through and how many
working days each step takes. Data, edited by the city afterwards."""

from django.db import migrations

STEPS = {
    "site": ("选址/房源确定", "Site and premises secured"),
    "design": ("方案设计", "Design"),
    "approval": ("联合审批", "Joint approval"),
    "construction": ("施工", "Construction"),
    "acceptance": ("验收", "Acceptance"),
    "move_in": ("入驻使用", "Moved in and in use"),
    "check": ("现场核查", "On-site check"),
    "tidy": ("规范提升", "Brought up to the norms"),
}
TEMPLATES = {
    "build": [
        ("site", 20),
        ("design", 15),
        ("approval", 15),
        ("construction", 60),
        ("acceptance", 10),
        ("move_in", 10),
    ],
    "expand": [
        ("site", 15),
        ("design", 10),
        ("approval", 10),
        ("construction", 45),
        ("acceptance", 5),
        ("move_in", 5),
    ],
    "renovate": [
        ("design", 10),
        ("approval", 10),
        ("construction", 40),
        ("acceptance", 5),
        ("move_in", 5),
    ],
    "compliant": [("check", 5), ("tidy", 10), ("acceptance", 5)],
}


def forwards(apps, schema_editor):
    MilestoneTemplate = apps.get_model("campaign", "MilestoneTemplate")
    rows = []
    for works_type, steps in TEMPLATES.items():
        for i, (code, days) in enumerate(steps):
            name, name_en = STEPS[code]
            rows.append(
                MilestoneTemplate(
                    works_type=works_type,
                    code=code,
                    name=name,
                    name_en=name_en,
                    duration_days=days,
                    sort=(i + 1) * 10,
                )
            )
    MilestoneTemplate.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    apps.get_model("campaign", "MilestoneTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("campaign", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
