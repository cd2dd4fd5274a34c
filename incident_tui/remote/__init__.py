"""Connectors: one per incident system, behind one interface and one family of errors."""
