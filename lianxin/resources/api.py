"""Resources' API (/api/v1/resources/…), one router per subject."""

from ninja import Router

from .api_approvals import router as approvals
from .api_funds import router as funds
from .api_premises import router as premises

router = Router(tags=["resources"])
router.add_router("", premises)
router.add_router("", funds)
router.add_router("", approvals)
