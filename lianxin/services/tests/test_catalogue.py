"""Catalogue writes: items with a version check, materials and typed fields, in scope, audited;
the seeded certificate kinds; the item form the pages render."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.models import AuditLog
from lianxin.core.services import ConflictError
from lianxin.core.tests.factories import HEXI, NANKAI
from lianxin.core.tests.factories import region as get
from lianxin.services import services
from lianxin.services.itemform import application_form
from lianxin.services.models import CertificateKind
from lianxin.services.tests import factories as f

BASE = {"code": "X001", "name": "老年证办理", "category": "养老服务", "department": "区民政局"}


def test_a_district_publishes_its_own_item(hexi):
    item = services.save_item(hexi, None, BASE | {"region": get(HEXI)})
    assert item.region_path == get(HEXI).path and "lnzbl" in item.search_text
    assert AuditLog.objects.filter(action="create", target_id=str(item.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.save_item(hexi, None, BASE | {"code": "X002", "region": get(NANKAI)})


def test_update_with_version_and_conflict(hexi, nankai):
    item = services.save_item(hexi, None, BASE | {"region": get(HEXI)})
    item = services.save_item(hexi, item, {"name": "老年证", "version": 1})
    assert item.version == 2 and item.name == "老年证"
    with pytest.raises(ConflictError):
        services.save_item(hexi, item, {"name": "又改了", "version": 1})
    with pytest.raises(PermissionDenied):
        services.save_item(nankai, item, {"name": "不是我的"})
    with pytest.raises(ValidationError) as exc:
        services.save_item(hexi, item, {"region_path": "x"})
    assert "region_path" in exc.value.message_dict


def test_a_certificate_item_needs_its_kind(root):
    with pytest.raises(ValidationError) as exc:
        services.save_item(root, None, BASE | {"item_type": "certificate", "region": get(HEXI)})
    assert "certificate_kind" in exc.value.message_dict


def test_the_seeded_kinds_are_data_marked_with_their_basis(db):
    allowed = CertificateKind.objects.filter(community_may_issue=True)
    assert allowed.count() == 5
    assert all("津2019" in k.basis for k in CertificateKind.objects.all())
    banned = set(
        CertificateKind.objects.filter(community_may_issue=False).values_list("name", flat=True)
    )
    assert {"学历证明", "工作经历证明", "户籍证明", "亲属关系证明", "无犯罪记录证明"} <= banned


def test_materials_and_fields(root):
    item = f.item(materials=())
    m = services.save_material(root, item, None, {"name": "户口簿", "required": True})
    services.save_material(root, item, m, {"copies": 2})
    m.refresh_from_db()
    assert m.copies == 2
    fld = services.save_field(
        root, item, None, {"code": "age", "label": "年龄", "datatype": "number"}
    )
    with pytest.raises(ValidationError) as exc:
        services.save_field(
            root, item, None, {"code": "age", "label": "又一个", "datatype": "string"}
        )
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_field(
            root, item, None, {"code": "kind", "label": "类别", "datatype": "singlevaluelist"}
        )
    assert "values" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_field(root, item, None, {"code": "k", "label": "类别", "datatype": "blob"})
    assert "datatype" in exc.value.message_dict
    services.delete_field(root, fld)
    services.delete_material(root, m)
    assert not item.fields.exists() and not item.materials.exists()


def test_a_material_in_use_is_not_deleted(root, region):
    from lianxin.core.tests.factories import HEXI_VILLAGE

    item = f.item()
    f.application(f.center_of(region(HEXI_VILLAGE)), item_obj=item)
    with pytest.raises(ValidationError):
        services.delete_material(root, item.materials.get())


def test_end_devolution(root):
    from datetime import date

    d = f.devolution(get(HEXI), f.item(materials=()), valid_from=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        services.end_devolution(root, d, valid_to=date(2025, 12, 31))
    assert services.end_devolution(root, d, valid_to=date(2026, 6, 1)).valid_to == date(2026, 6, 1)


def test_the_item_form_the_pages_render(db):
    item = f.item(
        materials=(("身份证", True), ("其他", False)),
        fields=[
            {"code": "n", "label": "人数", "datatype": "number", "required": True},
            {"code": "d", "label": "日期", "datatype": "datetime"},
            {"code": "t", "label": "说明", "datatype": "text"},
            {
                "code": "m",
                "label": "多选",
                "datatype": "multivaluelist",
                "values": [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}],
            },
        ],
    )
    form = application_form(item)
    names = list(form.fields)
    assert names[:4] == ["applicant_name", "id_number", "phone", "description"]
    required_m, optional_m = item.materials.order_by("id")
    assert {"f_n", "f_d", "f_t", "f_m", f"m_{required_m.pk}", f"m_{optional_m.pk}"} <= set(names)
    assert form.fields[f"m_{required_m.pk}"].required
    assert not form.fields[f"m_{optional_m.pk}"].required
    bound = application_form(
        item,
        data={
            "applicant_name": "李",
            "id_number": f.ID_NUMBER,
            "phone": "139 0000 1111",
            "f_n": "2.5",
            "f_d": "2026-01-02",
            "f_m": ["a", "b"],
        },
        files={f"m_{required_m.pk}": f.png_file()},
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_form_data() == {"n": 2.5, "d": "2026-01-02", "m": ["a", "b"]}
    assert bound.cleaned_data["phone"] == "13900001111"
