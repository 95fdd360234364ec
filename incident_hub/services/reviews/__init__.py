"""Post-incident reviews: commands.py (write, sign, findings → prevention actions), queries.py (read)."""
