"""Forms of the standards pages: rule sets, checklist items, the three levels, inspections and
follow-ups. They check what a person can get wrong in the browser and say which field is wrong;
the service functions check again (they are the only door for writes)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Checklist, ChecklistItem, RuleSet
from .models.standards import FollowUpStatus, ItemResult
from .services import AREA_THRESHOLDS, check_image

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
POSITIVE = _("须大于 0。")


class Styled:
    """Tabler's classes on every widget (errors are marked by Django's aria-invalid)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css


class RuleSetForm(Styled, forms.ModelForm):
    """The resident-activity share is entered as a percentage (60) and stored as a fraction."""

    activity_share_pct = forms.DecimalField(
        label=_("居民活动用房最低占比（%）"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("如 60 表示居民活动用房不少于建筑面积的 60%。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = RuleSet
        fields = [
            "code",
            "name",
            "basis",
            "valid_from",
            "valid_to",
            "village_min_area",
            "community_min_area",
            "community_area_per_100_households",
            "comply_by",
            "note",
        ]
        widgets = {
            "valid_from": DATE,
            "valid_to": DATE,
            "comply_by": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "code": _("字母、数字、连字符，如 tj-2025。"),
            "valid_to": _("留空表示一直有效；失效当天起不再适用。"),
            "community_area_per_100_households": _(
                "按服务户数计算的要求，缺少户数的社区无法判定。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.activity_share_min is not None:
            pct = self.instance.activity_share_min * 100
            # 60, not 60.00 or 6E+1
            pct = pct.quantize(Decimal(1)) if pct == pct.to_integral() else pct.normalize()
            self.initial.setdefault("activity_share_pct", pct)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean(self):
        data = super().clean()
        for name in AREA_THRESHOLDS:
            value = data.get(name)
            if value is not None and value <= 0:
                self.add_error(name, POSITIVE)
        pct = data.get("activity_share_pct")
        if pct is not None and not (0 < pct <= 100):
            self.add_error("activity_share_pct", _("请填写大于 0、不超过 100 的百分数。"))
        frm, to = data.get("valid_from"), data.get("valid_to")
        if frm and to and to <= frm:
            self.add_error("valid_to", _("失效日期须晚于生效日期。"))
        if not self.errors and all(data.get(n) is None for n in AREA_THRESHOLDS):
            self.add_error("village_min_area", _("请至少填写一项面积标准。"))
        return data

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        pct = self.cleaned_data.get("activity_share_pct")
        data["activity_share_min"] = (
            (pct / 100).quantize(Decimal("0.01")) if pct is not None else None
        )
        return data

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            field = "activity_share_pct" if field == "activity_share_min" else field
            self.add_error(field if field in self.fields else None, messages)


class ChecklistItemForm(Styled, forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["code", "group", "text", "evidence_required", "required", "weight", "sort"]
        help_texts = {
            "code": _("字母、数字、下划线或连字符；保存后不可修改。"),
            "evidence_required": _("判为合格时须上传现场照片。"),
            "required": _("此项不合格时整次检查不合格，不论得分。"),
            "weight": _("得分 = 合格项权重之和 ÷ 适用项权重之和 × 100。"),
            "sort": _("数字小的排在前面。"),
        }

    def __init__(self, *args, checklist: Checklist, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        if self.instance.pk:
            del self.fields["code"]  # past results refer to the item by it

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.checklist.items.filter(code=code).exists():
            raise ValidationError(_("代码“%(code)s”已被本清单的其他检查项使用。") % {"code": code})
        return code

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight <= 0:
            raise ValidationError(_("权重须大于 0。"))
        return weight

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            self.add_error(field if field in self.fields else None, messages)


class RenovationForm(Styled, forms.Form):
    accepted_on = forms.DateField(label=_("验收日期"), widget=DATE)
    compliant = forms.TypedChoiceField(
        label=_("验收结论"),
        choices=[("1", _("通过")), ("0", _("未通过"))],
        coerce=lambda v: v == "1",
        initial="1",
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_accepted_on(self):
        day = self.cleaned_data["accepted_on"]
        if self.today and day > self.today:
            raise ValidationError(_("验收日期不能晚于今天。"))
        return day


class FollowUpCloseForm(Styled, forms.Form):
    closed_on = forms.DateField(label=_("整改完成日期"), widget=DATE)
    closed_note = forms.CharField(
        label=_("整改说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, today=None, opened_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.opened_on = today, opened_on
        self.fields["closed_note"].error_messages["required"] = _("请说明整改情况。")

    def clean_closed_on(self):
        day = self.cleaned_data["closed_on"]
        if self.today and day > self.today:
            raise ValidationError(_("整改完成日期不能晚于今天。"))
        if self.opened_on and day < self.opened_on:
            raise ValidationError(
                _("整改完成日期不能早于检查日期 %(day)s。") % {"day": self.opened_on}
            )
        return day


class FollowUpFilterForm(Styled, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *FollowUpStatus.choices],
        required=False,
    )
    district = forms.ChoiceField(label=_("区"), choices=[("", _("全部"))], required=False)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("全部"))] + [(d.code, d.name) for d in districts]


class InspectionForm(Styled, forms.Form):
    """One inspection on a phone: for each checklist item a result (r_<code>), a note (n_<code>),
    a photo (p_<code>, items that need evidence) and a follow-up (f_<code>, due d_<code>)."""

    checklist = forms.ModelChoiceField(
        label=_("检查清单"), queryset=Checklist.objects.none(), empty_label=None
    )
    inspected_on = forms.DateField(label=_("检查日期"), widget=DATE)
    note = forms.CharField(
        label=_("总体情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signature = forms.CharField(label=_("检查人签名"), max_length=60)

    def __init__(self, *args, checklist: Checklist, checklists, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_obj, self.today = checklist, today
        self.fields["checklist"].queryset = checklists
        self.fields["signature"].error_messages["required"] = _("请签名（填写检查人姓名）。")
        self.items = list(checklist.items.all())
        for item in self.items:
            code = item.code
            self.fields[f"r_{code}"] = forms.ChoiceField(
                label=item.text,
                choices=ItemResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择检查结果。")},
            )
            self.fields[f"n_{code}"] = forms.CharField(
                label=_("备注"),
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            if item.evidence_required:
                self.fields[f"p_{code}"] = forms.FileField(
                    label=_("佐证照片"),
                    required=False,
                    widget=forms.FileInput(
                        attrs={
                            "class": "form-control",
                            "accept": "image/*",
                            "capture": "environment",
                        }
                    ),
                )
            self.fields[f"f_{code}"] = forms.BooleanField(
                label=_("发起整改"),
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"d_{code}"] = forms.DateField(
                label=_("整改期限"),
                required=False,
                widget=forms.DateInput(
                    attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
                ),
            )

    def clean_inspected_on(self):
        day = self.cleaned_data["inspected_on"]
        if day > self.today:
            raise ValidationError(_("检查日期不能晚于今天。"))
        return day

    def clean(self):
        data = super().clean()
        day = data.get("inspected_on")
        for item in self.items:
            code = item.code
            result = data.get(f"r_{code}")
            photo = data.get(f"p_{code}")
            if photo:
                try:
                    check_image(photo, field=f"p_{code}")
                except ValidationError as exc:
                    self.add_error(f"p_{code}", exc.message_dict[f"p_{code}"])
            if item.evidence_required and result == ItemResult.PASS and not photo:
                self.add_error(f"p_{code}", _("判为合格须上传佐证照片。"))
            if data.get(f"f_{code}") and result != ItemResult.FAIL:
                # The box is hidden unless the item fails; ticked before the result changed, it
                # means nothing (the service refuses follow-ups on items that did not fail).
                data[f"f_{code}"] = False
            if data.get(f"f_{code}"):
                due = data.get(f"d_{code}")
                if due and day and due < day:
                    self.add_error(f"d_{code}", _("整改期限不能早于检查日期。"))
        return data

    def rows(self):
        """The items with their bound fields, in checklist order, with group headings."""
        group = None
        for item in self.items:
            code = item.code
            yield {
                "item": item,
                "heading": item.group if item.group != group else None,
                "result": self[f"r_{code}"],
                "note": self[f"n_{code}"],
                "photo": self[f"p_{code}"] if item.evidence_required else None,
                "follow": self[f"f_{code}"],
                "due": self[f"d_{code}"],
            }
            group = item.group

    def service_args(self) -> dict:
        data = self.cleaned_data
        return {
            "results": {
                i.code: (data[f"r_{i.code}"], data.get(f"n_{i.code}") or "") for i in self.items
            },
            "photos": [
                (i.code, data[f"p_{i.code}"]) for i in self.items if data.get(f"p_{i.code}")
            ],
            "follow_ups": {
                i.code: data.get(f"d_{i.code}") for i in self.items if data.get(f"f_{i.code}")
            },
        }

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            self.add_error(field if field in self.fields else None, messages)
