"""Forms of the staff pages of the service catalogue, devolution and the window's workbench. They
check what a person can get wrong in the browser and say which field is wrong; the service
functions check again (they are the only door for writes) and their errors come back onto the
same fields."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import (
    CertificateKind,
    Datatype,
    HandlingMode,
    ItemType,
    MaterialSource,
    ServiceLevel,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def style(form) -> None:
    """Tabler's classes on every widget (also used on the typed application form, which the core
    module builds)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.HiddenInput | forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class Styled:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def add_service_errors(self, errors: dict) -> None:
        add_service_errors(self, errors)


def add_service_errors(form, errors: dict) -> None:
    """Put a service's ValidationError dict beside the fields it names (the rest on top)."""
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


class ItemForm(Styled, forms.Form):
    code = forms.CharField(label=_("事项编码"), max_length=40)
    name = forms.CharField(label=_("事项名称"), max_length=120)
    name_en = forms.CharField(label=_("英文名称"), max_length=160, required=False)
    category = forms.CharField(label=_("类别"), max_length=40)
    department = forms.CharField(label=_("主管部门"), max_length=80)
    level = forms.ChoiceField(label=_("事项层级"), choices=ServiceLevel.choices)
    item_type = forms.ChoiceField(label=_("事项类型"), choices=ItemType.choices)
    certificate_kind = forms.ModelChoiceField(
        label=_("证明类别"),
        queryset=CertificateKind.objects.all(),
        required=False,
        empty_label=_("（非证明事项）"),
    )
    legal_basis = forms.CharField(
        label=_("设定依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    eligibility = forms.CharField(
        label=_("受理条件"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description = forms.CharField(
        label=_("办理说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    fee = forms.DecimalField(
        label=_("收费（元）"), max_digits=10, decimal_places=2, min_value=0, initial=0
    )
    online = forms.BooleanField(label=_("可网上申请"), required=False, initial=True)
    in_person = forms.BooleanField(label=_("须到现场"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    region = forms.ChoiceField(label=_("发布单位"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only a new item picks its publishing unit; an item never moves between catalogues.
        if units:
            self.fields["region"].choices = [(u.code, u.name) for u in units]
            self.fields["region"].required = True
            self.units = {u.code: u for u in units}
        else:
            del self.fields["region"]
            self.units = {}

    def clean_region(self):
        code = self.cleaned_data.get("region") or ""
        if code not in self.units:
            raise ValidationError(_("请选择您管理范围内的发布单位。"))
        return self.units[code]

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("version") is None:
            data.pop("version", None)
        return data


class TimeLimitForm(Styled, forms.Form):
    working_days = forms.IntegerField(label=_("承诺时限（工作日）"), min_value=1, max_value=365)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class MaterialForm(Styled, forms.Form):
    name = forms.CharField(label=_("材料名称"), max_length=120)
    required = forms.BooleanField(label=_("必须提交"), required=False, initial=True)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=99, initial=1)
    source = forms.ChoiceField(label=_("来源"), choices=MaterialSource.choices)
    check_points = forms.CharField(label=_("审查要点"), max_length=200, required=False)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)


LIST_TYPES = (Datatype.SINGLE, Datatype.MULTI)


class FieldForm(Styled, forms.Form):
    code = forms.SlugField(
        label=_("字段代码"),
        max_length=40,
        help_text=_("英文字母、数字、下划线，如 household_size。"),
    )
    label = forms.CharField(label=_("字段名称"), max_length=80)
    datatype = forms.ChoiceField(label=_("数据类型"), choices=Datatype.choices)
    required = forms.BooleanField(label=_("必填"), required=False)
    values = forms.CharField(
        label=_("可选值"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("单选、多选时每行一项，格式“代码=名称”，如 a=一级。"),
    )
    description = forms.CharField(label=_("填写说明"), max_length=200, required=False)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)

    @staticmethod
    def values_text(values) -> str:
        return "\n".join(f"{v.get('key', '')}={v.get('name', '')}" for v in values or [])

    def clean_values(self):
        rows = []
        seen = set()
        for n, line in enumerate((self.cleaned_data.get("values") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            key, sep, name = line.partition("=")
            key, name = key.strip(), name.strip()
            if not sep or not key or not name:
                raise ValidationError(_("第 %(n)d 行应为“代码=名称”。") % {"n": n}, code="format")
            if key in seen:
                raise ValidationError(_("代码“%(k)s”重复。") % {"k": key}, code="duplicate")
            seen.add(key)
            rows.append({"key": key, "name": name})
        return rows

    def clean(self):
        data = super().clean()
        if data.get("datatype") in LIST_TYPES and not data.get("values") and "values" in data:
            self.add_error("values", _("单选、多选字段须至少有一个可选值。"))
        elif data.get("datatype") not in LIST_TYPES and data.get("values"):
            self.add_error("values", _("只有单选、多选字段才有可选值。"))
        return data


class DevolveForm(Styled, forms.Form):
    level = forms.ChoiceField(
        label=_("受理层级"), choices=[c for c in ServiceLevel.choices if c[0] != "district"]
    )
    handling_mode = forms.ChoiceField(label=_("办理方式"), choices=HandlingMode.choices)
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class EndDevolutionForm(Styled, forms.Form):
    valid_to = forms.DateField(label=_("终止日期"), widget=DATE)


class TransitionForm(Styled, forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("办理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    result = forms.CharField(
        label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReceiveForm(Styled, forms.Form):
    """The window's first half of 代办: where and what. The typed form of the item follows."""

    center = forms.ChoiceField(label=_("受理中心"))
    item = forms.ChoiceField(label=_("服务事项"))
    # A fresh key per rendered form: a double click (or a resent POST) makes one application.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The resident is at the window and the materials are complete: accept in the same step.
    accept_now = forms.BooleanField(
        label=_("当场受理"),
        required=False,
        initial=True,
        help_text=_("材料齐全时勾选：提交后即受理；不勾选则只收件（已提交），稍后在办件页受理。"),
    )

    def __init__(self, *args, centers=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.centers = {str(c.pk): c for c in centers}
        self.items = {str(i.pk): i for i in items}
        self.fields["center"].choices = [("", _("请选择中心"))] + [
            (str(c.pk), c.name) for c in centers
        ]
        self.fields["item"].choices = [("", _("请选择事项"))] + [
            (str(i.pk), f"{i.code} {i.name}") for i in items
        ]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_center(self):
        value = self.cleaned_data["center"]
        if value not in self.centers:
            raise ValidationError(_("请选择您负责的党群服务中心。"))
        return self.centers[value]

    def clean_item(self):
        value = self.cleaned_data["item"]
        if value not in self.items:
            raise ValidationError(_("请选择一项启用中的服务事项。"))
        return self.items[value]
