"""Personal data (rule 7, PIPL): phones encrypted at rest, found by keyed digest, shown masked;
ID numbers validated by their GB 11643 check digit and masked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from lianxin.accounts import services
from lianxin.accounts.models import User
from lianxin.core import crypto

pytestmark = pytest.mark.django_db


def raw_row(user) -> dict:
    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [user.pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_phone_is_not_stored_in_clear(resident, resident_phone):
    row = raw_row(resident)
    for column, value in row.items():
        text = str(value)
        assert resident_phone not in text, column
        assert resident_phone[-8:] not in text, column  # not even most of it
    assert row["phone_encrypted"] and row["phone_digest"]
    assert row["phone_digest"] != resident_phone


def test_phone_is_read_back_and_masked(resident, resident_phone):
    assert resident.phone == resident_phone
    assert resident.phone_masked == "138****5678"


def test_encryption_is_randomised_but_lookup_is_stable(resident_phone):
    assert crypto.encrypt(resident_phone) != crypto.encrypt(resident_phone)
    assert crypto.digest(resident_phone) == crypto.digest(resident_phone)
    assert crypto.decrypt("not-a-token") == ""


def test_key_change_makes_old_ciphertext_unreadable(resident, settings):
    settings.FIELD_ENCRYPTION_KEY = "another-key"
    assert User.objects.get(pk=resident.pk).phone == ""


def test_resident_registration_validates_the_phone(resident_phone):
    with pytest.raises(ValidationError) as caught:
        services.create_resident(None, phone="12345", password="Pass-word-123")
    assert caught.value.message_dict == {"phone": ["请输入 11 位中国大陆手机号。"]}
    with pytest.raises(ValidationError) as caught:
        services.create_resident(None, phone="+86 " + resident_phone, password="Pass-word-123")
    assert caught.value.message_dict == {"phone": ["该手机号已注册。"]}
    assert User.objects.filter(kind="resident").count() == 1


def test_new_resident_username_does_not_reveal_the_phone():
    user = services.create_resident(None, phone="13900001111", password="Pass-word-123")
    assert "13900001111" not in user.username and "00001111" not in user.username
    assert user.is_resident and not user.role_assignments.exists()


@pytest.mark.parametrize(
    "value,valid",
    [
        ("11010519491231002X", True),  # the standard's own example
        ("11010519491231002x", True),
        ("110105194912310021", False),  # wrong check digit
        ("1101051949123100", False),
        ("11010519491231002Y", False),
        ("", False),
    ],
)
def test_id_number_check_digit(value, valid):
    assert crypto.valid_id_number(value) is valid


def test_masks():
    assert crypto.mask_id_number("11010519491231002X") == "110105********002X"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("123") == "****"
