from datetime import date
from decimal import Decimal

from django.db import migrations

RULE_SETS = [
    {
        "code": "tj-2008",
        "name": "社区服务站建设标准（2008–2012 年目标）",
        "basis": "天津市 2008–2012 年社区服务站建设目标：老城区 ≥200㎡、新建区 ≥400㎡（取 200㎡ 为下限）",
        "valid_from": date(2008, 1, 1),
        "valid_to": date(2019, 1, 1),
        "community_min_area": Decimal("200"),
        "note": "较早的标准，保留以便回看历史数据。",
    },
    {
        "code": "tj-current",
        "name": "村和社区党群服务中心面积标准",
        "basis": "津政办发〔2022〕34号：城市社区每百户 ≥30㎡，村 ≥300㎡，居民活动用房 ≥60%；"
        "2019 年起按同一口径执行（演示假设）",
        "valid_from": date(2019, 1, 1),
        "village_min_area": Decimal("300"),
        "community_area_per_100_households": Decimal("30"),
        "activity_share_min": Decimal("0.60"),
        "comply_by": date(2020, 6, 30),
        "note": "默认标准，可由市级管理员修改或新增。",
    },
]

ITEMS = [
    # group, code, text, evidence, required, weight
    ("十个有", "signage", "有统一标识（“中国社区”标识，党组织红字、居委会黑字）", True, True, 2),
    ("十个有", "service_hall", "有一站式服务大厅", True, True, 2),
    ("十个有", "party_room", "有党员活动室", True, True, 2),
    ("十个有", "veterans", "有退役军人服务站", False, False, 1),
    ("十个有", "culture_sports", "有文体活动室", False, False, 1),
    ("十个有", "elderly_daycare", "有老年日间照料中心（站）", False, False, 1),
    ("十个有", "children_home", "有儿童之家", False, False, 1),
    ("十个有", "disclosure_board", "有党务、居（村）务公开栏", True, False, 1),
    ("十个有", "rules_posted", "有使用管理制度并上墙", False, False, 1),
    ("十个有", "hours_posted", "有开放时间和服务事项公示", True, False, 1),
    ("三个规范统一", "exterior", "外观形象规范统一", True, False, 1),
    ("三个规范统一", "process", "建设流程规范统一", False, False, 1),
    ("三个规范统一", "interior", "内部设计规范统一", False, False, 1),
    ("其他", "accessibility", "有无障碍设施", False, False, 1),
]


def add_defaults(apps, schema_editor):
    RuleSet = apps.get_model("centers", "RuleSet")
    Checklist = apps.get_model("centers", "Checklist")
    ChecklistItem = apps.get_model("centers", "ChecklistItem")
    for data in RULE_SETS:
        RuleSet.objects.update_or_create(code=data["code"], defaults=data)
    checklist, _ = Checklist.objects.update_or_create(
        code="ten-haves",
        defaults={
            "name": "“十个有”与“三个规范统一”",
            "description": "武清区“十个有”要求与外观、建设流程、内部设计三个规范统一（默认清单，可编辑）。",
            "valid_from": date(2019, 1, 1),
            "pass_score": Decimal("80"),
        },
    )
    for sort, (group, code, text, evidence, required, weight) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.update_or_create(
            checklist=checklist, code=code,
            defaults={"group": group, "text": text, "evidence_required": evidence,
                      "required": required, "weight": Decimal(weight), "sort": sort * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("centers", "0003_standards_and_levels")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
