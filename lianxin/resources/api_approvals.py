"""/api/v1/resources/ — approvals."""

from ninja import Router

router = Router(tags=["resources"])
