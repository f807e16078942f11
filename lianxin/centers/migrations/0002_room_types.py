from django.db import migrations

ROOM_TYPES = [
    ("service_hall", "一站式服务大厅", "One-stop service hall"),
    ("party_room", "党员活动室", "Party-member activity room"),
    ("veterans", "退役军人服务站", "Veterans' service station"),
    ("culture_sports", "文体活动室", "Culture and sports room"),
    ("elderly_daycare", "老年日间照料中心", "Elderly day-care center"),
    ("children_home", "儿童之家", "Children's home"),
    ("meeting_room", "会议室", "Meeting room"),
    ("reading_room", "阅览室", "Reading room"),
    ("volunteer", "志愿服务站", "Volunteer station"),
]


def add_types(apps, schema_editor):
    RoomType = apps.get_model("centers", "RoomType")
    for sort, (code, name, name_en) in enumerate(ROOM_TYPES, start=1):
        RoomType.objects.update_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("centers", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
