"""Every write of resources, one module per subject: premises (the ledgers and matching
decisions), funds (the fund ledger), approvals (joint review)."""
