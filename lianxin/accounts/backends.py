"""Staff sign in with a username, residents with their phone number; both share lockout."""

from django.contrib.auth.backends import ModelBackend

from lianxin.core import crypto

from .models import AccountKind, User


def find_account(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    phone = crypto.normalize_phone(identifier)
    if crypto.PHONE_RE.match(phone):
        return User.objects.filter(
            phone_digest=crypto.digest(phone), kind=AccountKind.RESIDENT
        ).first()
    return User.objects.filter(username=identifier).first()


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_account(username)
        if user is None:
            User().set_password(password or "")  # same cost as a real check: no user enumeration
            return None
        if user.is_locked:
            return None
        if user.check_password(password or "") and self.user_can_authenticate(user):
            return user
        return None
