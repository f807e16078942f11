"""/api/v1/resources/ — premises."""

from ninja import Router

router = Router(tags=["resources"])
