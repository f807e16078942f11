"""What the API routers share: authentication (session or personal access token), rendering
that keeps Chinese readable, and errors in the user's language."""

import json
from datetime import timedelta
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from .services import ConflictError, field_errors


class ReadableJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from lianxin.accounts.models import ApiToken

        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked_at__isnull=True)
            .first()
        )
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


def readable_openapi(view):
    """ninja serves openapi.json with json's default ensure_ascii=True (\\uXXXX for every Chinese
    character): serve it as readable UTF-8 like every other answer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.get("Content-Type", "").startswith("application/json"):
            response.content = json.dumps(json.loads(response.content), ensure_ascii=False)
        return response

    return wrapper


# pydantic's error types, said in the user's language (its own messages are English only).
SCHEMA_PROBLEMS = {
    "missing": gettext_lazy("为必填项"),
    "extra_forbidden": gettext_lazy("不能通过此接口修改"),
    "greater_than": gettext_lazy("超出允许范围"),
    "greater_than_equal": gettext_lazy("超出允许范围"),
    "less_than": gettext_lazy("超出允许范围"),
    "less_than_equal": gettext_lazy("超出允许范围"),
    "string_too_long": gettext_lazy("过长"),
    "enum": gettext_lazy("不是可选的值"),
    "literal_error": gettext_lazy("不是可选的值"),
}
SCHEMA_SUFFIXES = [
    ("int_parsing", gettext_lazy("须为整数")),
    ("int_type", gettext_lazy("须为整数")),
    ("int_from_float", gettext_lazy("须为整数")),
    ("decimal_parsing", gettext_lazy("须为数字")),
    ("decimal_type", gettext_lazy("须为数字")),
    ("float_parsing", gettext_lazy("须为数字")),
    ("date_parsing", gettext_lazy("须为日期（YYYY-MM-DD）")),
    ("date_from_datetime_parsing", gettext_lazy("须为日期（YYYY-MM-DD）")),
    ("date_type", gettext_lazy("须为日期（YYYY-MM-DD）")),
    ("datetime_parsing", gettext_lazy("须为日期时间")),
    ("bool_parsing", gettext_lazy("须为是或否")),
    ("string_type", gettext_lazy("须为文本")),
    ("list_type", gettext_lazy("须为列表")),
]


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        docs_decorator=readable_openapi,
        title="连心桥 Lianxin API",
        version="1",
        description="党群服务中心：区划、中心与数据范围。Data scope is enforced on every endpoint.",
        auth=[TokenAuth(), StaffSessionAuth()],
        renderer=ReadableJSONRenderer(),
        urls_namespace="api",
    )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        return api.create_response(
            request, {"detail": _("输入有误"), "errors": field_errors(exc)}, status=422
        )

    @api.exception_handler(NinjaValidationError)
    def schema_error(request, exc):
        """Request bodies and parameters that don't parse: name the field, in the user's
        language (pydantic's own messages are English only)."""
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query")]
            field = ".".join(loc) or "__all__"
            problem = SCHEMA_PROBLEMS.get(err.get("type", ""))
            if problem is None:
                problem = next(
                    (
                        text
                        for suffix, text in SCHEMA_SUFFIXES
                        if err.get("type", "").endswith(suffix)
                    ),
                    _("的值无效"),
                )
            errors.setdefault(field, []).append(
                _("“%(field)s”%(problem)s。") % {"field": field, "problem": problem}
            )
        return api.create_response(request, {"detail": _("输入有误"), "errors": errors}, status=422)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(
            request, {"detail": _("未找到，或不在您的数据范围内。")}, status=404
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("没有权限")}, status=403)

    @api.exception_handler(ConflictError)
    def conflict(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    return api
