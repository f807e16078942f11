"""Seed data: the certificate kinds of Tianjin's 2019 rules on what residents' and villagers'
committees may certify, and the standard rating answers.

The 2019 rules let committees issue only five kinds of certificate and ban the rest (75 items,
such as education, work history, household registration and kinship). The published list could
not be checked line by line here: the five "may issue" rows below are a plausible reading, the
"banned" rows a handful of the named ones. Both are data an administrator corrects in the admin
(CertificateKind.community_may_issue), never constants in code."""

from django.db import migrations

BASIS_ALLOWED = (
    "津2019 村（居）委会出具证明事项规定：允许出具（示例清单，以现行文件为准，可在后台调整）"
)
BASIS_BANNED = (
    "津2019 村（居）委会出具证明事项规定：取消/不得出具（示例，以现行文件为准，可在后台调整）"
)

ALLOWED = [
    ("residence", "居住证明（无本地户籍的常住人员）"),
    ("death-at-home", "居民在家死亡证明（无医疗机构、公安机关证明的）"),
    ("unemployment", "就业困难人员、失业状况证明（用于就业援助登记）"),
    ("family-hardship", "家庭经济困难状况证明（用于救助申请初审）"),
    ("living-status", "健在证明（在外地领取养老金人员）"),
]
BANNED = [
    ("education", "学历证明"),
    ("work-history", "工作经历证明"),
    ("household-registration", "户籍证明"),
    ("kinship", "亲属关系证明"),
    ("no-criminal-record", "无犯罪记录证明"),
    ("marital-status", "婚姻状况证明"),
    ("property", "房屋产权证明"),
    ("birth", "出生证明"),
]

# (text, text_en, is_satisfied, reopens, sort)
ANSWERS = [
    ("办理快捷", "Quick to get done", True, False, 10),
    ("态度热情", "Friendly staff", True, False, 20),
    ("材料一次讲清", "Told everything to bring at once", True, False, 30),
    ("办理太慢", "Too slow", False, False, 110),
    ("多次跑腿", "Had to come back several times", False, False, 120),
    ("态度不好", "Unfriendly staff", False, True, 130),
    ("问题未解决", "My problem was not solved", False, True, 140),
]


def seed(apps, schema_editor):
    CertificateKind = apps.get_model("services", "CertificateKind")
    StandardAnswer = apps.get_model("services", "StandardAnswer")
    for code, name in ALLOWED:
        CertificateKind.objects.update_or_create(
            code=code,
            defaults={"name": name, "community_may_issue": True, "basis": BASIS_ALLOWED},
        )
    for code, name in BANNED:
        CertificateKind.objects.update_or_create(
            code=code,
            defaults={"name": name, "community_may_issue": False, "basis": BASIS_BANNED},
        )
    for text, text_en, satisfied, reopens, sort in ANSWERS:
        StandardAnswer.objects.update_or_create(
            text=text,
            defaults={
                "text_en": text_en,
                "is_satisfied": satisfied,
                "reopens": reopens,
                "sort": sort,
            },
        )


def unseed(apps, schema_editor):
    # Rows items or ratings already use stay (deleting them would be refused or lose ratings).
    apps.get_model("services", "CertificateKind").objects.filter(
        code__in=[c for c, _n in ALLOWED + BANNED], serviceitem__isnull=True
    ).delete()
    apps.get_model("services", "StandardAnswer").objects.filter(
        text__in=[a[0] for a in ANSWERS], rating__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
