"""Uploaded evidence served through a view, never from MEDIA_URL: a file is readable only by the
users whose scope covers its row."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp"}


def photo_response(queryset, pk: int, field: str = "image") -> FileResponse:
    """The photo of the row `pk` of `queryset` (already narrowed by visible_to), inline, with
    its type read from its first bytes; 404 when the row is out of scope or the file is gone."""
    photo = get_object_or_404(queryset, pk=pk)
    try:
        handle = getattr(photo, field).open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    head = handle.read(4)
    handle.seek(0)
    content_type = next(
        (t for sig, t in PHOTO_TYPES.items() if head.startswith(sig)), "application/octet-stream"
    )
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
