"""Forms of the plans pages: a plan's edit, bulk creation, a milestone's duration, a progress
report from a phone, the sign-off steps and evidence photos. They say which field is wrong; the
service functions check everything again (they are the only door for writes)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lianxin.centers.services import check_image
from lianxin.core.scoping import path_and_ancestors

from . import workflow
from .models import Leader, Plan
from .models.signoff import PhotoKind
from .services.plans import MAX_DURATION, MAX_PHOTOS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHOTO_ATTRS = {"accept": "image/*", "capture": "environment"}


class Styled:
    """Tabler's classes on every widget (Django marks invalid fields with aria-invalid)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_service_errors(self, errors: dict) -> None:
        """Errors from a service's ValidationError, beside their fields where there is one."""
        for name, messages in errors.items():
            name = {"leader_id": "leader", "on": None}.get(name, name)
            self.add_error(name if name in self.fields else None, messages)


def leaders_for(plan: Plan):
    """Leaders who can answer for the site: active leaders of the units above it (its
    district, the city) or of its street and site, and whoever is named on the plan now."""
    paths = path_and_ancestors(plan.region_path)
    q = Q(active=True) & (Q(region_path__in=paths) | Q(region_path__startswith=plan.region_path))
    if plan.leader_id:
        q |= Q(pk=plan.leader_id)
    return Leader.objects.filter(q).order_by("region_path", "name")


class PlanForm(Styled, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Plan
        fields = [
            "works_type",
            "target_area",
            "budget",
            "premises",
            "starts_on",
            "deadline",
            "leader",
            "notes",
        ]
        widgets = {
            "starts_on": DATE,
            "deadline": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "deadline": _("节点完成日期从完成期限按工作日倒排；改动后整张工期表随之重排。"),
            "starts_on": _("可不填；填写后工期合计须排得进开工日至完成期限之间。"),
            "works_type": _("已有节点填报进度后不能再更改工程类型。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_for(self.instance)
        self.fields["leader"].required = False
        self.initial.setdefault("version", self.instance.version)

    def _post_clean(self):
        # Validation of the whole row (and the schedule) is the service's: don't write the
        # typed values onto the instance here, so a refused edit leaves the page's title alone.
        pass

    def clean(self):
        data = super().clean()
        for name in ("target_area", "budget"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("不能为负数。"))
        start, end = data.get("starts_on"), data.get("deadline")
        if start and end and end < start:
            self.add_error("deadline", _("完成期限不能早于开工日期。"))
        return data

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "leader"}
        leader = self.cleaned_data.get("leader")
        data["leader_id"] = leader.pk if leader else None
        return data


class BulkCreateForm(Styled, forms.Form):
    campaign = forms.ModelChoiceField(label=_("攻坚任务"), queryset=None, empty_label=None)
    within = forms.ChoiceField(label=_("范围"), required=False)
    deadline = forms.DateField(
        label=_("完成期限"),
        required=False,
        widget=DATE,
        help_text=_("留空则按本区述职承诺的日期，没有承诺时按攻坚任务的目标日期。"),
    )

    def __init__(self, *args, campaigns, units, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["campaign"].queryset = campaigns
        self.fields["within"].choices = [("", _("本人数据范围内全部"))] + [
            (u.code, u.name) for u in units
        ]

    def clean_within(self):
        # Any unit the view has already found inside the user's scope (not only those listed).
        return self.data.get("within", "") or ""

    def clean_deadline(self):
        day = self.cleaned_data.get("deadline")
        if day and day <= self.today:
            raise ValidationError(_("完成期限须晚于今天。"))
        return day


class DurationForm(forms.Form):
    duration_days = forms.CharField(label=_("工期（工作日）"), max_length=6, required=False)

    def clean_duration_days(self):
        raw = (self.cleaned_data.get("duration_days") or "").strip()
        message = gettext("工期须为 0 至 %(n)s 之间的整数（工作日）。") % {"n": MAX_DURATION}
        if not raw.isdigit() or int(raw) > MAX_DURATION:
            raise ValidationError(message)
        return int(raw)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input; each is checked by content (JPEG, PNG or WebP, ≤ 10 MB)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs=dict(PHOTO_ATTRS)))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        single = super().clean
        return [single(f, initial) for f in files if f]


class ProgressForm(Styled, forms.Form):
    progress = forms.IntegerField(
        label=_("进度（%）"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
        error_messages={"required": _("请填写进度。")},
    )
    reported_on = forms.DateField(label=_("填报日期"), widget=DATE)
    note = forms.CharField(
        label=_("说明"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleImageField(label=_("现场照片"), required=False)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["progress"].error_messages.update(
            {
                "min_value": _("进度须为 0 至 100 之间的整数。"),
                "max_value": _("进度须为 0 至 100 之间的整数。"),
                "invalid": _("进度须为 0 至 100 之间的整数。"),
            }
        )

    def clean_reported_on(self):
        day = self.cleaned_data["reported_on"]
        if day > self.today:
            raise ValidationError(_("填报日期不能晚于今天。"))
        return day

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise ValidationError(_("每次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS})
        problems = []
        for upload in photos:
            try:
                check_image(upload, field="photos")
            except ValidationError as exc:
                problems += exc.message_dict["photos"]
        if problems:
            raise ValidationError(problems)
        return photos


class SignOffActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, label) for a, label in workflow.ACTION_LABELS.items()],
        error_messages={"invalid_choice": _("未知的销号操作。"), "required": _("未知的销号操作。")},
    )
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class SignOffPhotoForm(Styled, forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=PhotoKind.choices,
        error_messages={"required": _("请选择照片类别。")},
    )
    image = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs=dict(PHOTO_ATTRS)),
        error_messages={"required": _("请选择照片。")},
    )

    def clean_image(self):
        upload = self.cleaned_data["image"]
        try:
            check_image(upload, field="image")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["image"]) from None
        return upload
