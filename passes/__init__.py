"""tigris passes: one module per pass, found by the registry (see registry.py)."""
