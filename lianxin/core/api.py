"""What the API routers share: authentication (session or personal access token), rendering
that keeps Chinese readable, and errors in the user's language."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from .services import ConflictError, field_errors


class ReadableJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from lianxin.accounts.models import ApiToken

        found = (ApiToken.objects.select_related("user")
                 .filter(key_hash=ApiToken.hash(token), revoked_at__isnull=True).first())
        if not found or not found.user.is_active or found.user.is_resident:
            return None
        now = timezone.now()
        if not found.last_used_at or now - found.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and not user.is_resident else None


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="连心桥 Lianxin API",
        version="1",
        description="党群服务中心：区划、中心与数据范围。Data scope is enforced on every endpoint.",
        auth=[TokenAuth(), StaffSessionAuth()],
        renderer=ReadableJSONRenderer(),
        urls_namespace="api",
    )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        return api.create_response(request, {"detail": _("输入有误"), "errors": field_errors(exc)},
                                   status=422)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("没有权限")}, status=403)

    @api.exception_handler(ConflictError)
    def conflict(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    return api
