"""Use cases: each opens one transaction, calls the domain, writes the result and its audit entry."""
