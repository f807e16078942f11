from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Center, CenterStatus, Room


class CenterForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Center
        fields = [
            "name",
            "address",
            "latitude",
            "longitude",
            "floor_area",
            "households",
            "opening_hours",
            "phone",
        ]


class RoomForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].queryset = self.fields["room_type"].queryset.filter(active=True)

    class Meta:
        model = Room
        fields = ["room_type", "name", "area", "capacity", "bookable"]


class CenterStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=CenterStatus.choices)
    valid_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
