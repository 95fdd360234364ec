"""The pure domain core: plain Python, no Flask, SQLAlchemy, clock or I/O."""
