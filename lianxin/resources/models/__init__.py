"""Resources (资源保障): what the districts did to unblock sites short of space, money or permits.

- premises: the housing stock and supporting premises ledgers (三本账, with the centers' ledger);
- matching: proposals assigning premises to centers short of area, and the decisions on them;
- funds: the dedicated fund ledger (资金专账), immutable entries, balances never negative;
- approvals: joint review by several departments (联合审查审批), letters in lieu of permits (以函代证).
"""

from .approvals import (  # noqa: F401
    ApprovalCase,
    ApprovalStatus,
    Decision,
    Department,
    DepartmentMember,
    Opinion,
    OpinionAttachment,
)
from .funds import (  # noqa: F401
    EntryKind,
    FundAttachment,
    FundEntry,
    FundSource,
    SourceKind,
)
from .matching import MatchRun, Proposal, ProposalStatus  # noqa: F401
from .premises import Availability, Condition, Premises, PremisesKind  # noqa: F401
