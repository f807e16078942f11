"""/api/v1/resources/ — funds."""

from ninja import Router

router = Router(tags=["resources"])
