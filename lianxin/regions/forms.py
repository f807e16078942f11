from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Status


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=Status.choices)
    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("此后的类型"), choices=[("", _("不变"))] + list(Kind.choices), required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
