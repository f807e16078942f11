"""Submitting an application: who may, what is checked (every error names its field and nothing
is written), the number, the first step, the notices, and the idempotency key."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE
from lianxin.services import services
from lianxin.services.models import Application, Attachment, Step
from lianxin.services.tests import factories as f

FIELDS = [
    {"code": "people", "label": "家庭人口", "datatype": "number", "required": True},
    {"code": "since", "label": "居住起始日", "datatype": "datetime", "required": True},
    {
        "code": "grade",
        "label": "残疾等级",
        "datatype": "singlevaluelist",
        "required": False,
        "values": [{"key": "1", "name": "一级"}, {"key": "2", "name": "二级"}],
    },
    {
        "code": "needs",
        "label": "需要的帮助",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "care", "name": "照护"}, {"key": "meal", "name": "助餐"}],
    },
]
GOOD = {"people": "3", "since": "2020-05-01", "grade": "2", "needs": ["care", "meal"]}


@pytest.fixture
def center(region):
    return f.center_of(region(HEXI_VILLAGE))


@pytest.fixture
def item(db):
    return f.item(fields=FIELDS, materials=(("身份证复印件", True), ("其他材料", False)))


def submit(actor, center, item, **kw):
    values = {
        "item": item,
        "center": center,
        "applicant_name": "王小明",
        "id_number": f.ID_NUMBER,
        "phone": f.PHONE,
        "form_data": dict(GOOD),
        "files": f.files_for(item),
        "channel": "online",
    } | kw
    return services.submit_application(actor, **values)


def test_a_resident_applies_online(resident, center, item, center_staff):
    app, created = submit(resident, center, item)
    assert created and app.applicant == resident and app.received_by is None
    assert app.form_data == {
        "people": 3,
        "since": "2020-05-01",
        "grade": "2",
        "needs": ["care", "meal"],
    }
    assert app.region_path == center.region_path and app.street_code == "120103001000"
    assert app.district_code == "120103000000"
    assert len(app.number) == 18 and app.number.startswith("SQ")
    step = app.steps.get()
    assert (step.from_status, step.to_status, step.actor) == ("", "submitted", resident)
    assert step.note
    att = Attachment.objects.get(application=app)
    assert att.content_type == "image/png" and att.region_path == app.region_path
    # The center's staff hear of the new case, the resident gets a receipt.
    assert Notification.objects.filter(recipient=center_staff, target_id=str(app.pk)).exists()
    assert Notification.objects.filter(recipient=resident, target_id=str(app.pk)).exists()
    assert AuditLog.objects.filter(action="submit", target_id=str(app.pk)).exists()


def test_staff_apply_at_the_window_on_behalf_of_someone(center_staff, center, item):
    app, created = submit(center_staff, center, item, channel="window")
    assert created and app.applicant is None and app.received_by == center_staff


def test_window_staff_cannot_apply_at_another_districts_center(center_staff, region, item):
    other = f.center_of(region(NANKAI_VILLAGE))
    with pytest.raises(PermissionDenied):
        submit(center_staff, other, item, channel="window")
    assert not Application.objects.filter(center=other).exists()


def test_online_is_for_residents_and_anonymous_is_refused(center_staff, center, item):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        submit(center_staff, center, item, channel="online")
    with pytest.raises(PermissionDenied):
        submit(AnonymousUser(), center, item)


def test_numbers_carry_the_day_of_receipt_and_the_id(resident, center):
    item = f.item(materials=())
    day = f.at(date(2026, 3, 2))
    apps = [submit(resident, center, item, now=day, form_data={}, files={})[0] for _ in range(3)]
    assert [a.number for a in apps] == [f"SQ20260302{a.pk:08d}" for a in apps]
    assert Application.objects.get(pk=apps[0].pk).number == apps[0].number  # stored, not only set
    other_day = submit(resident, center, item, now=f.at(date(2026, 3, 3)), form_data={}, files={})
    assert other_day[0].number.startswith("SQ20260303")


def test_same_key_twice_gives_one_application(resident, center, item):
    first, created = submit(resident, center, item, idempotency_key="k-123")
    again, created_again = submit(resident, center, item, idempotency_key="k-123")
    assert created and not created_again and again.pk == first.pk
    assert Application.objects.filter(idempotency_key="k-123").count() == 1
    assert Step.objects.filter(application=first).count() == 1


def test_someone_elses_key_is_not_handed_over(resident, center, item):
    from lianxin.accounts import services as accounts

    submit(resident, center, item, idempotency_key="k-shared")
    other = accounts.create_resident(None, phone="13700000002", password="x-Lianxin-2025")
    with pytest.raises(ValidationError) as exc:
        submit(other, center, item, idempotency_key="k-shared")
    assert "idempotency_key" in exc.value.message_dict


def errors_of(actor, center, item, **kw) -> dict:
    before = Application.objects.count(), Attachment.objects.count()
    with pytest.raises(ValidationError) as exc:
        submit(actor, center, item, **kw)
    assert (Application.objects.count(), Attachment.objects.count()) == before  # nothing written
    return exc.value.message_dict


@pytest.mark.parametrize(
    "bad_id",
    [
        "110105194912310021",  # wrong check digit (X expected)
        "11010519491231002",  # 17 characters
        "11010519491231002Y",  # not a check character
        "",
    ],
)
def test_id_number_check_digit(resident, center, item, bad_id):
    assert "id_number" in errors_of(resident, center, item, id_number=bad_id)


def test_lower_case_x_is_the_same_number(resident, center, item):
    app, _ = submit(resident, center, item, id_number=f.ID_NUMBER.lower())
    assert app.id_number == f.ID_NUMBER


@pytest.mark.parametrize(
    "field,value",
    [
        ("people", "三口人"),  # number
        ("people", ["3"]),  # a list for a one-value field
        ("since", "2020-13-45"),  # date
        ("since", "昨天"),
        ("grade", "9"),  # not one of the values
        ("needs", ["care", "fly"]),  # one bad value in the list
    ],
)
def test_form_field_type_errors_name_the_field(resident, center, item, field, value):
    errors = errors_of(resident, center, item, form_data=GOOD | {field: value})
    assert list(errors) == [f"f_{field}"]
    label = next(x["label"] for x in FIELDS if x["code"] == field)
    assert label in errors[f"f_{field}"][0]


def test_required_fields(resident, center, item):
    errors = errors_of(resident, center, item, form_data={}, applicant_name=" ", phone="123")
    assert {"f_people", "f_since", "applicant_name", "phone"} <= set(errors)


def test_missing_required_material(resident, center, item):
    required = item.materials.get(required=True)
    errors = errors_of(resident, center, item, files={})
    assert list(errors) == [f"m_{required.pk}"]
    assert required.name in errors[f"m_{required.pk}"][0]


def test_a_text_file_renamed_png_is_refused(resident, center, item):
    required = item.materials.get(required=True)
    fake = SimpleUploadedFile("id.png", b"this is not an image at all", content_type="image/png")
    errors = errors_of(resident, center, item, files={required.pk: [fake]})
    assert list(errors) == [f"m_{required.pk}"]
    assert "id.png" in errors[f"m_{required.pk}"][0]


def test_a_fake_second_file_is_refused_too(resident, center, item):
    required = item.materials.get(required=True)
    fake = SimpleUploadedFile("scan.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    errors = errors_of(resident, center, item, files={required.pk: [f.png_file(), fake]})
    assert list(errors) == [f"m_{required.pk}"]


def test_pdf_and_several_files_are_kept(resident, center, item):
    required = item.materials.get(required=True)
    app, _ = submit(resident, center, item, files={required.pk: [f.pdf_file(), f.png_file()]})
    assert sorted(app.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]


def test_a_material_of_another_item_is_refused(resident, center, item):
    stranger = f.item().materials.get()
    errors = errors_of(
        resident, center, item, files=f.files_for(item) | {stranger.pk: [f.png_file()]}
    )
    assert "files" in errors


def test_an_item_not_online_is_for_the_window(resident, center_staff, center):
    item = f.item(materials=(), online=False)
    errors = errors_of(resident, center, item, form_data={}, files={})
    assert "channel" in errors
    app, _ = submit(center_staff, center, item, channel="window", form_data={}, files={})
    assert app.pk


def test_upload_attachment_later(resident, center, item, center_staff):
    app, _ = submit(resident, center, item)
    optional = item.materials.get(required=False)
    att = services.upload_attachment(resident, app, optional, f.png_file("more.png"))
    assert att.material == optional and att.uploaded_by == resident
    with pytest.raises(ValidationError):
        services.upload_attachment(
            resident, app, optional, SimpleUploadedFile("x.png", b"text", "image/png")
        )
    services.transition(center_staff, app, "accepted")
    with pytest.raises(ValidationError):  # the resident adds material only while it waits
        services.upload_attachment(resident, app, optional, f.png_file())
    assert services.upload_attachment(center_staff, app, optional, f.pdf_file()).pk
