"""Forms of the premises pages: a premises (create and edit), a matching run, a rejection."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.regions.models import Level, Region

from .models import Premises
from .permissions import PREMISES_WRITERS, may
from .services.premises import DEFAULT_DISTANCE_M, MAX_DISTANCE_M

# <input type="date"> takes ISO dates only, whatever the language (zh-hans would render 2026/12/01,
# which the browser shows as empty and saving would clear).
ISO = "%Y-%m-%d"

FIELDS = [
    "kind",
    "code",
    "name",
    "address",
    "region",
    "longitude",
    "latitude",
    "floor_area",
    "owner",
    "condition",
    "divisible",
    "available_from",
    "note",
]


def writable_regions(user):
    """The districts and streets where the user may keep premises."""
    regions = Region.objects.visible_to(user).filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
    return [r for r in regions.order_by("code") if may(user, PREMISES_WRITERS, r.path)]


class PremisesForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Premises
        fields = FIELDS
        widgets = {
            "available_from": forms.DateInput(attrs={"type": "date"}, format=ISO),
            "note": forms.TextInput(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = writable_regions(user)
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in allowed])
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        self.fields["region"].help_text = _("区或街道（乡镇）")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else ("form-select" if isinstance(field.widget, forms.Select) else "form-control")
            )
            field.widget.attrs.setdefault("class", css)

    def clean_floor_area(self):
        value = self.cleaned_data.get("floor_area")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("建筑面积须大于 0。"))
        return value

    def _post_clean(self):
        # The model's own checks (unique code, coordinates in the district) are the service's.
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS}

    def add_service_errors(self, errors: dict) -> None:
        for name, messages in errors.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class MatchingForm(forms.Form):
    region = forms.ChoiceField(label=_("范围"))
    max_distance_m = forms.IntegerField(
        label=_("最大距离（米）"),
        min_value=100,
        max_value=MAX_DISTANCE_M,
        initial=DEFAULT_DISTANCE_M,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": 100}),
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        self.fields["region"].widget.attrs["class"] = "form-select"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("否决理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("请填写否决理由。")},
    )


class AssignForm(forms.Form):
    assigned_on = forms.DateField(
        label=_("配置日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format=ISO),
    )
