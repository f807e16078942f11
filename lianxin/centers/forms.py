from django import forms

from .models import Center, Room


class CenterForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Center
        fields = ["name", "address", "latitude", "longitude", "floor_area", "households",
                  "opening_hours", "phone"]


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["room_type", "name", "area", "capacity", "bookable"]
