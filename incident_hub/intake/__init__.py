"""Intake protocol code for monitoring tools (DOMAIN.md "Intake from monitoring tools"): signing,
source secrets, rate limits and one adapter per format. No Flask here: the HTTP view is api/intake.py."""
