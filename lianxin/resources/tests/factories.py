"""The permission matrix's factories for resources (one module per subject, registered on
import) and the builders the tests share."""

from .factories_approvals import *  # noqa: F403
from .factories_funds import *  # noqa: F403
from .factories_premises import *  # noqa: F403
